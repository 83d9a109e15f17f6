"""The id-level phrase memory the benchmark compares with (bench.quality.token_memory), and the share fits."""

from __future__ import annotations

import numpy as np
import pytest

from bench.quality.experts import copied, em_shares
from bench.quality.token_memory import PhraseMemory, memory_of


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


def test_match_is_the_longest_context_seen() -> None:
    memory = memory_of([[1, 5, 6, 7, 5, 6, 8]], vocab_size=10, order=4)
    assert memory.probs_and_match([9])[1] == 0  # the last token never seen as a context
    assert memory.probs_and_match([9, 5])[1] == 1
    assert memory.probs_and_match([1, 5, 6])[1] == 3
    assert memory.probs_and_match([0, 1, 5, 6])[1] == 3  # order 4: at most three tokens of context
    assert memory.probs_and_match([])[1] == 0


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



def test_em_recovers_a_known_share_and_weight_zero_scores_the_decoder() -> None:
    rng = np.random.default_rng(0)
    n, vocab = 20000, 50
    decoder = rng.dirichlet(np.ones(vocab), size=n)
    expert = rng.dirichlet(np.ones(vocab) * 0.2, size=n)
    mixture = 0.7 * decoder + 0.3 * expert  # targets drawn from a known mixture
    targets = (mixture.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    rows = np.arange(n)
    share = em_shares(decoder[rows, targets], expert[rows, targets], np.zeros(n, dtype=int), 1)[0]
    assert share == pytest.approx(0.3, abs=0.03)
    arrays = {"decoder": decoder[rows, targets], "copy": expert[rows, targets],
              "copy_match": rng.integers(0, 30, size=n)}
    assert np.allclose(copied(arrays, 0.0), arrays["decoder"])
