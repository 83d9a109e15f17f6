"""The phrase memory: its distributions, and the decoder steered by it (weight 0 = the decoder exactly)."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.daemon import load_model, models_folders
from bridge.memory import PhraseMemory, memory_of
from bridge.notes import Note
from bridge.sampling import SamplingParams


def test_distributions_sum_to_one_and_follow_the_longest_context_seen() -> None:
    memory = memory_of([[1, 5, 6, 7, 5, 6, 8]], vocab_size=10, order=3)
    for history in ([], [5], [5, 6], [9, 9], [1, 5, 6, 7]):
        p = memory.probs(history)
        assert p.sum() == pytest.approx(1.0) and (p > 0).all()
    after_5_6 = memory.probs([4, 5, 6])
    assert {int(np.argsort(after_5_6)[-1]), int(np.argsort(after_5_6)[-2])} == {7, 8}
    assert after_5_6[7] > memory.probs([9])[7]  # the context makes its follower likelier
    unseen = memory.probs([9])  # no context seen: the phrase's unigram over the floor
    assert unseen[5] > unseen[7] > unseen[3]


def test_counting_is_incremental_and_contexts_do_not_cross_phrases() -> None:
    memory = PhraseMemory(vocab_size=6, order=2)
    memory.add([1, 2])
    memory.add([3, 4])
    assert memory.tokens == 4
    assert memory.probs([2])[3] == pytest.approx(memory.probs([5])[3])  # 2 -> 3 was never seen
    memory.add([2, 3])
    assert memory.probs([2])[3] > memory.probs([5])[3]
    with pytest.raises(ValueError):
        PhraseMemory(vocab_size=6, order=0)


def figure_seed() -> list[Note]:
    figure = (67, 69, 71, 67, 72, 71, 69, 67)
    return [Note(p, 90, i * 0.5, 0.5) for i, p in enumerate(figure * 4)]


def test_memory_weight_zero_is_the_decoder_and_a_weight_brings_the_seed_back() -> None:
    model = load_model("default", models_folders(()))
    decoder = model.samplers["decoder"]
    seed = model.scheme.encode(figure_seed(), 120.0)

    def tokens(weight: float, rng_seed: int) -> list[int]:
        params = SamplingParams(memory_weight=weight, allow_end=False)
        decoder.reset()
        out = []
        for token in decoder.generate(seed, params, np.random.default_rng(rng_seed), lambda: len(out) >= 48):
            out.append(token)
        return out

    assert tokens(0.0, 3) == tokens(0.0, 3)
    plain = SamplingParams(allow_end=False)
    out = []
    decoder.reset()
    for token in decoder.generate(seed, plain, np.random.default_rng(3), lambda: len(out) >= 48):
        out.append(token)
    assert tokens(0.0, 3) == out  # weight 0: exactly the decoder
    grams = {tuple(seed[i:i + 4]) for i in range(len(seed) - 3)}

    def reuse(weight: float) -> float:
        shares = []
        for rng_seed in range(4):
            t = tokens(weight, rng_seed)
            shares.append(np.mean([tuple(t[i:i + 4]) in grams for i in range(len(t) - 3)]))
        return float(np.mean(shares))

    assert reuse(2.0) > reuse(0.0) + 0.1
