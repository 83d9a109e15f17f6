"""The seed's bar as an expert: places in the bar, the mixture, and answers that keep the seed's meter."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.bar_copy import BarCopy
from bridge.daemon import load_model, models_folders
from bridge.notes import Note
from bridge.sampling import SamplingParams, log_softmax


@pytest.fixture(scope="module")
def model():
    return load_model("default", models_folders(()))


def dotted(bars: int = 4) -> list[Note]:
    """A dotted quarter and an eighth, twice a bar: onsets at 0, 1.5, 2 and 3.5 of every 4/4 bar."""
    notes = []
    for bar in range(bars):
        for i, (start, length) in enumerate(((0.0, 1.5), (1.5, 0.5), (2.0, 1.5), (3.5, 0.5))):
            notes.append(Note(60 + 2 * i, 90, bar * 4 + start, length))
    return notes


def test_places_in_the_bar_hold_the_ids_the_seed_played_there(model) -> None:
    seed = model.scheme.encode(dotted(), 120.0)
    bar = BarCopy(model.scheme, seed)
    places = bar.table
    assert places and all(len(ids) for ids in places.values())
    assert sum(len(ids) for ids in places.values()) <= len(seed)
    bar.restart(seed[:1])  # at the first bar line again
    assert bar.place == (0, 1)
    for at in (1, 7, len(seed) - 2, len(seed)):  # one pass leaves the place a restart would
        followed = BarCopy(model.scheme, seed)
        followed.restart(seed[:at])
        assert BarCopy(model.scheme, seed, at=at).place == followed.place


def test_mix_weight_zero_is_the_decoder_and_the_share_goes_to_the_bar(model) -> None:
    seed = model.scheme.encode(dotted(), 120.0)
    bar = BarCopy(model.scheme, seed)
    bar.restart(seed[:5])
    logits = np.random.default_rng(0).normal(size=model.scheme.vocab_size).astype(np.float32)
    assert bar.mix(logits, 0.0) is logits
    ids = bar.table[bar.place]
    before = np.exp(log_softmax(logits))[ids].sum()
    after = np.exp(log_softmax(bar.mix(logits, 0.6)))
    assert after.sum() == pytest.approx(1.0)
    assert after[ids].sum() == pytest.approx(0.4 * before + 0.6)


def test_answers_keep_more_of_the_seeds_bar_positions(model) -> None:
    decoder = model.samplers["decoder"]
    notes = dotted()
    seed = model.scheme.encode(notes, 120.0)
    places = {round(n.start % 4, 3) for n in notes}
    last = max(n.start for n in notes)

    def on_the_seeds_places(weight: float, beat: float = 0.0, period: float = 4.0) -> float:
        shares = []
        for rng_seed in range(4):
            decoder.reset()
            out: list[int] = []
            params = SamplingParams(bar_weight=weight, beat_weight=beat, pitch_weight=0.0, allow_end=False)
            rng = np.random.default_rng(rng_seed)
            for token in decoder.generate(seed, params, rng, lambda out=out: len(out) >= 40):
                out.append(token)
            stream = model.scheme.stream_decoder(seed)
            starts = [round((last + n.start) % period, 3) for t in out for n in stream.feed(t)]
            shares.append(np.mean([s % period in {p % period for p in places} for s in starts]))
        return float(np.mean(shares))

    with_bar, without = on_the_seeds_places(0.9), on_the_seeds_places(0.0)
    print(f"onsets on the seed's places in the bar: bar weight 0.9 {with_bar:.2f}, off {without:.2f}")
    assert with_bar > without + 0.1
    # the beat's part alone: the seed's places in the beat (0 and 1/2 of a quarter)
    with_beat, off = on_the_seeds_places(0.0, beat=0.9, period=1.0), on_the_seeds_places(0.0, period=1.0)
    print(f"onsets on the seed's places in the beat: beat weight 0.9 {with_beat:.2f}, off {off:.2f}")
    assert with_beat > off + 0.05


def test_the_beat_part_moves_only_the_chance_of_moving_time(model) -> None:
    scheme = model.scheme
    seed = scheme.encode(dotted(), 120.0)
    bar = BarCopy(scheme, seed)
    rng = np.random.default_rng(0)
    logits = rng.normal(size=scheme.vocab_size)
    p = np.exp(log_softmax(logits))
    mixed = np.exp(log_softmax(bar.mix_time(logits, 0.8)))
    moves = bar.moves
    still = np.setdiff1d(np.arange(scheme.vocab_size), moves.ids)
    assert np.allclose(mixed[still], p[still])  # pitches, durations: untouched
    assert mixed[moves.ids].sum() == pytest.approx(p[moves.ids].sum())  # whether time moves
    assert bar.mix_time(logits, 0.0) is logits
    seed_moves = {int(moves.first[t]) for t in seed if moves.first[t] >= 0}
    chosen = moves.ids[np.isin(moves.first[moves.ids], sorted(seed_moves))]
    assert mixed[chosen].sum() > p[chosen].sum()  # how far: towards the seed's moves
