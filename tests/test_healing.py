"""Token healing at the seed's end: where the tail starts, what may re-state it, and answers that continue
the seed exactly (its last note never played twice)."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.daemon import load_model, models_folders
from bridge.healing import MAX_TOKENS, Healer
from bridge.notes import Note
from bridge.sampling import SamplingParams


@pytest.fixture(scope="module")
def model():
    return load_model("default", models_folders(()))


def phrase(pitches, step=0.5) -> list[Note]:
    return [Note(p, 90, i * step, step) for i, p in enumerate(pitches)]


SEED = phrase((67, 69, 71, 67, 72, 71, 69, 67) * 4)


def test_the_tail_goes_back_to_the_last_time_move(model) -> None:
    scheme = model.scheme
    healer = Healer(scheme)
    ids = scheme.encode(SEED, 120.0)
    keep = healer.keep(ids)
    assert len(ids) - MAX_TOKENS <= keep < len(ids)
    assert scheme.base_tokens(ids[keep - 1])[-1].startswith("TimeShift_")  # the context ends at a time move
    rest = healer.rest(ids, keep)
    assert rest[0] == "Pitch_67" and rest[-1].startswith("Duration_")  # the seed's last note
    assert healer.keep(ids[:1]) == 1  # a lone BOS: nothing to heal


def test_candidates_restate_the_tail_and_enter_after_it(model) -> None:
    scheme = model.scheme
    healer = Healer(scheme)
    ids = scheme.encode(SEED, 120.0)
    rest = healer.rest(ids, healer.keep(ids))
    entering = healer.candidates(rest, enter_after=True)
    assert entering.any()
    for token in np.flatnonzero(entering):
        bases = scheme.base_tokens(token)
        if len(bases) <= len(rest):
            assert bases == rest[: len(bases)]
        else:
            assert bases[: len(rest)] == rest
            assert bases[len(rest)].split("_")[0] in ("TimeShift", "Rest")  # the entry rule
    anything = healer.candidates(rest, enter_after=False)
    assert (anything | entering).sum() == anything.sum()  # entering is the narrower set


def test_a_step_passes_on_only_what_goes_beyond_the_seed(model) -> None:
    scheme = model.scheme
    healer = Healer(scheme)
    ids = scheme.encode(SEED, 120.0)
    rest = healer.rest(ids, healer.keep(ids))
    candidates = np.flatnonzero(healer.candidates(rest, True))
    longer = [t for t in candidates if len(scheme.base_tokens(t)) > len(rest)]
    assert longer
    step = healer.step(rest, int(longer[0]))
    assert step.rest == ()
    assert tuple(b for t in step.emitted for b in scheme.base_tokens(t)) == \
        scheme.base_tokens(int(longer[0]))[len(rest):]
    shorter = [t for t in candidates if len(scheme.base_tokens(t)) < len(rest)]
    if shorter:
        partial = healer.step(rest, int(shorter[0]))
        assert partial.emitted == ()
        assert len(partial.rest) == len(rest) - len(scheme.base_tokens(int(shorter[0])))


@pytest.mark.parametrize("heal", [True, False])
def test_answers_continue_the_seed_exactly(model, heal: bool) -> None:
    scheme = model.scheme
    decoder = model.samplers["decoder"]
    ids = scheme.encode(SEED, 120.0)
    last_onset = max(n.start for n in SEED)
    params = SamplingParams(heal=heal, allow_end=False)
    for rng_seed in range(3):
        decoder.reset()
        out: list[int] = []
        rng = np.random.default_rng(rng_seed)
        for token in decoder.generate(ids, params, rng, lambda out=out: len(out) >= 40):
            out.append(token)
        whole = scheme.decode(ids + out)  # miditok's own decoding of the seed and the answer
        seed_back = [(n.pitch, n.start) for n in whole if n.start <= last_onset + 1e-6]
        assert seed_back == [(n.pitch, n.start) for n in SEED]  # the seed once, its last note not twice
        answer = [n for n in whole if n.start > last_onset + 1e-6]
        assert answer  # and the answer comes after the seed's last onset
        stream = scheme.stream_decoder(ids)
        streamed = [n for token in out for n in stream.feed(token)]
        assert [(n.pitch, round(n.start + last_onset, 4)) for n in streamed] == \
            [(n.pitch, round(n.start, 4)) for n in answer]


def test_a_seed_ending_outside_the_constraints_is_still_healed(model) -> None:
    """The seed's last note (72) lies above pitch_max: healing re-states it anyway, the answer obeys."""
    scheme = model.scheme
    decoder = model.samplers["decoder"]
    seed_notes = [Note(60, 90, 0.0, 0.5), Note(72, 90, 0.5, 0.5)]
    ids = scheme.encode(seed_notes, 120.0)
    params = SamplingParams(pitch_max=64, allow_end=False)
    decoder.reset()
    out: list[int] = []
    for token in decoder.generate(ids, params, np.random.default_rng(0), lambda: len(out) >= 30):
        out.append(token)
    whole = scheme.decode(ids + out)
    assert [n.pitch for n in whole[:2]] == [60, 72]
    answer = whole[2:]
    assert answer and all(n.pitch <= 64 and n.start > 0.5 for n in answer)
