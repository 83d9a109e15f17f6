"""The phrase memory's copy expert: base-token matches, copy sets, the mixture, the decoder steered by it."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.copying import (
    MAX_SHARE,
    RESTART,
    SHARES,
    BaseCodes,
    SeedCopy,
    chordal,
    notes_per_onset,
    share_for,
)
from bridge.daemon import load_model, models_folders
from bridge.notes import Note
from bridge.sampling import SamplingParams, log_softmax


@pytest.fixture(scope="module")
def model():
    return load_model("default", models_folders(()))


def figure_notes(figure=(67, 69, 71, 67, 72, 71, 69, 67), times=4) -> list[Note]:
    return [Note(p, 90, i * 0.5, 0.5) for i, p in enumerate(figure * times)]


def test_codes_and_spellings_cover_the_vocabulary(model) -> None:
    codes = BaseCodes(model.scheme)
    seed = model.scheme.encode(figure_notes(), 120.0)
    assert len(codes.of(seed)) == sum(len(model.scheme.base_tokens(t)) for t in seed)
    for token in seed:
        assert token in codes.spell[codes.codes[token]]  # every id spells its own base tokens


def test_the_longest_match_never_crosses_phrases_nor_ends_a_phrase(model) -> None:
    codes = BaseCodes(model.scheme)
    copier = SeedCopy(codes, [[10, 11, 12, 13]], context=8)
    text = list(copier.text[:-1])
    match, where = copier.match(text[:2])  # the phrase's first two base tokens
    assert match == 2 and list(where) == [2]
    assert copier.match(text)[0] == 0  # the whole phrase ends it: nothing follows there
    assert copier.match([int(max(copier.text)) + 1])[0] == 0  # a base token the phrase never held
    both = SeedCopy(codes, [[10, 11], [12, 13]], context=8)
    joined = codes.of([11, 12])
    assert both.match(joined)[0] < len(joined)  # no match across the separator


def test_the_copy_set_spells_what_followed(model) -> None:
    codes = BaseCodes(model.scheme)
    seed = model.scheme.encode(figure_notes(), 120.0)
    copier = SeedCopy(codes, [seed], context=32)
    match, where = copier.match(codes.of(seed[:10]))
    assert match >= 6
    mask = copier.copy_set(where)
    assert mask[seed[10]]  # the seed's own next id is among the spellings of what followed
    for token in np.flatnonzero(mask):
        spelt = codes.codes[token]
        assert any(tuple(copier.text[j:j + len(spelt)]) == spelt for j in where)


def test_feeding_grows_the_match_as_a_search_from_scratch_finds_it(model) -> None:
    codes = BaseCodes(model.scheme)
    seed = model.scheme.encode(figure_notes(), 120.0)
    other = model.scheme.encode(figure_notes((60, 64, 67, 64), 3), 100.0)
    copier = SeedCopy(codes, [other, seed], context=32)
    answer = codes.of(seed[:12] + other[5:14] + seed[20:30])  # copies, breaks off, copies again
    fed: list[int] = []
    for code in answer:
        copier.feed([code])
        fed.append(code)
        length, ends = copier.match(fed)
        if length <= RESTART:  # the search restarts over the last RESTART codes, then grows
            assert (copier.current[0], sorted(copier.current[1].tolist())) == (length, sorted(ends.tolist()))
        else:  # grown: a true match, maybe shorter or at fewer places than the longest
            assert copier.current[0] <= length and copier.current[1].size
            for end in copier.current[1].tolist():
                assert copier.text[end - copier.current[0]:end].tolist() == fed[-copier.current[0]:]


def test_mix_weight_zero_is_the_decoder_and_the_share_goes_to_the_copy_set(model) -> None:
    codes = BaseCodes(model.scheme)
    seed = model.scheme.encode(figure_notes(), 120.0)
    copier = SeedCopy(codes, [seed], context=32)
    rng = np.random.default_rng(0)
    logits = rng.normal(size=model.scheme.vocab_size).astype(np.float32)
    decoder = np.exp(log_softmax(logits))
    recent = codes.of(seed[:10])
    copier.feed(recent)
    assert copier.mix(logits, 0.0) is logits
    match, where = copier.match(recent)
    mask = copier.copy_set(where)
    for weight in (1.0, 5.0, 100.0):
        share = share_for(match, weight)
        p = np.exp(log_softmax(copier.mix(logits, weight)))
        assert p.sum() == pytest.approx(1.0)
        assert p[mask].sum() == pytest.approx((1 - share) * decoder[mask].sum() + share)
        assert (p > 0).all()  # the decoder keeps some of every id: the memory alone masks nothing
    assert share_for(match, 100.0) == MAX_SHARE < 1
    assert share_for(0, 100.0) == 0.0 and share_for(40, 1.0) == SHARES[-1]


def test_the_memory_brings_the_seed_back_and_weight_zero_is_the_decoder(model) -> None:
    decoder = model.samplers["decoder"]
    notes = figure_notes()
    seed = model.scheme.encode(notes, 120.0)
    grams = {tuple(n.pitch for n in notes[i:i + 4]) for i in range(len(notes) - 3)}

    def tokens(params: SamplingParams, rng_seed: int) -> list[int]:
        decoder.reset()
        out: list[int] = []
        for token in decoder.generate(seed, params, np.random.default_rng(rng_seed), lambda: len(out) >= 48):
            out.append(token)
        return out

    assert decoder.memory_for(seed, SamplingParams(memory_weight=0.0)) == (None, 0.0)  # the decoder alone
    assert not chordal(model.scheme, seed)  # a single line: the memory_weight holds
    chords = model.scheme.encode([Note(p + 12 * k, 80, i * 0.5, 0.5) for i, p in enumerate((60, 62, 64, 65))
                                  for k in range(3)], 120.0)
    assert chordal(model.scheme, chords) and notes_per_onset(model.scheme, chords) == pytest.approx(3.0)
    _, weight = decoder.memory_for(chords, SamplingParams(memory_weight=6.0, chord_memory_weight=1.5))
    assert weight == 1.5

    def reuse(weight: float) -> float:
        params = SamplingParams(memory_weight=weight, bar_weight=0.0, beat_weight=0.0, pitch_weight=0.0,
                                allow_end=False)
        shares = []
        for rng_seed in range(4):
            stream = model.scheme.stream_decoder(seed)
            played = [n.pitch for token in tokens(params, rng_seed) for n in stream.feed(token)]
            shares.append(np.mean([tuple(played[i:i + 4]) in grams for i in range(len(played) - 3)]))
        return float(np.mean(shares))

    with_memory, without = reuse(5.0), reuse(0.0)
    print(f"figure reuse: weight 5 {with_memory:.2f}, weight 0 {without:.2f}")
    assert with_memory > without + 0.2
