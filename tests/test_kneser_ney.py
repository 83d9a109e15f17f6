"""The Kneser-Ney baseline (bridge.kneser_ney): normalised, smoothed, and the textbook estimate."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from bridge.kneser_ney import KneserNey

BOS, EOS = 1, 2


def _pieces(rng: np.random.Generator, count: int, vocab: int, length: int = 40) -> list[list[int]]:
    return [[BOS, *rng.integers(3, vocab, rng.integers(5, length)).tolist(), EOS] for _ in range(count)]


def _patterned(rng: np.random.Generator, count: int, noise: float = 0.1) -> list[list[int]]:
    """A 6-token cycle in which 3 is followed by 4, 5 or 6 depending on what came before it."""
    pattern = [3, 4, 3, 5, 3, 6]
    out = []
    for _ in range(count):
        start = int(rng.integers(6))
        body = [pattern[(start + i) % 6] for i in range(60)]
        body = [int(rng.integers(3, 12)) if rng.random() < noise else t for t in body]
        out.append([BOS, *body, EOS])
    return out


@pytest.fixture(scope="module")
def trained() -> KneserNey:
    return KneserNey(order=5, vocab_size=30).fit(_pieces(np.random.default_rng(0), 300, 25))


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_distributions_sum_to_one_seen_and_unseen(order: int) -> None:
    seqs = _pieces(np.random.default_rng(order), 200, 12, length=30)
    model = KneserNey(order=order, vocab_size=16).fit(seqs)  # ids 12..15 never occur
    seen = [seqs[0][:n] for n in range(order + 2)]
    unseen = [[13], [14, 15], [BOS, 13, 14, 15], [3, 4, 15, 15, 15, 15]]
    for context in seen + unseen:
        probs = np.exp(model.next_log_probs(context))
        assert probs.shape == (16,)
        assert abs(probs.sum() - 1.0) < 1e-9
        assert probs.min() > 0
        for token in (0, 3, 13):
            assert model.log_prob(context, token) == pytest.approx(math.log(probs[token]), abs=1e-12)


def test_repeated_piece_scores_far_lower_than_its_shuffle() -> None:
    rng = np.random.default_rng(1)
    piece = [BOS, *rng.integers(3, 40, 80).tolist(), EOS]
    model = KneserNey(order=5, vocab_size=40).fit(_pieces(rng, 200, 40) + [piece] * 10)
    shuffled = [BOS, *rng.permutation(piece[1:-1]).tolist(), EOS]
    memorised, n = model.nll([piece])
    mixed, m = model.nll([shuffled])
    assert n == m == len(piece) - 1
    assert memorised / n < 0.5  # nearly certain of every next token
    assert memorised < 0.25 * mixed


def test_higher_order_beats_bigram_on_long_range_structure() -> None:
    rng = np.random.default_rng(2)
    train, test = _patterned(rng, 300), _patterned(rng, 50)
    kn5 = KneserNey(order=5, vocab_size=12).fit(train)
    bigram = KneserNey(order=2, vocab_size=12).fit(train)
    (nll5, n5), (nll2, n2) = kn5.nll(test), bigram.nll(test)
    assert n5 == n2 == sum(len(s) - 1 for s in test)
    assert nll5 / n5 < 0.8 * nll2 / n2
    # after "4 3" the next is 5: the bigram (context 3) spreads its mass over 4, 5 and 6
    assert kn5.log_prob([3, 5, 3, 6, 3, 4, 3], 5) > math.log(0.7) > bigram.log_prob([3], 5)


def test_unseen_token_has_finite_small_log_prob(trained: KneserNey) -> None:
    for context in ([], [BOS], [BOS, 5, 6, 7], [28, 29]):
        unseen = trained.log_prob(context, 27)  # the training pieces use ids 1..24 only
        assert math.isfinite(unseen)
        assert unseen < trained.log_prob(context, 10)
    assert math.isfinite(trained.nll([[BOS, 27, 28, 29, EOS]])[0])
    with pytest.raises(ValueError):
        trained.log_prob([BOS], 30)


def test_nll_counts_and_sums_the_scored_tokens(trained: KneserNey) -> None:
    seqs = [[BOS, 5, 6, 7, EOS], [BOS, 9, 9, 9, 9, 9, EOS], [BOS], []]
    total, count = trained.nll(seqs)
    assert count == 4 + 6
    by_hand = -sum(trained.log_prob(s[max(0, i - 4) : i], s[i]) for s in seqs for i in range(1, len(s)))
    assert total == pytest.approx(by_hand, rel=1e-12)
    later, fewer = trained.nll(seqs, skip_first=3)
    assert fewer == 2 + 4 and 0 < later < total
    assert trained.nll([]) == (0.0, 0)


def test_discounts_follow_count_of_counts(trained: KneserNey) -> None:
    rng = np.random.default_rng(4)
    weights = 1 / np.arange(1, 11)  # Zipf-like over ids 3..12, so 5-grams repeat 1, 2, 3, 4+ times
    seqs = [
        [BOS, *rng.choice(np.arange(3, 13), 50, p=weights / weights.sum()).tolist(), EOS] for _ in range(200)
    ]
    model = KneserNey(order=5, vocab_size=13).fit(seqs)
    assert len(model.discounts) == 5 and len(trained.discounts) == 5
    for d1, d2, d3 in model.discounts + trained.discounts:
        assert 0 < d1 < 1 and 0 < d2 < 2 and 0 < d3 < 3
    n = Counter(Counter(tuple(s[i - 4 : i + 1]) for s in seqs for i in range(4, len(s))).values())
    y = n[1] / (n[1] + 2 * n[2])
    expected = (1 - 2 * y * n[2] / n[1], 2 - 3 * y * n[3] / n[2], 3 - 4 * y * n[4] / n[3])
    assert model.discounts[-1] == pytest.approx(expected, rel=1e-12)  # Chen & Goodman's estimate
    assert len(set(model.discounts[2:])) == 3  # each order estimated from its own (continuation) counts


def test_matches_a_direct_reading_of_the_formulas() -> None:
    """Probabilities equal a slow, dict-based interpolated modified Kneser-Ney on a small corpus."""
    order, vocab = 3, 8
    seqs = _pieces(np.random.default_rng(3), 40, 7, length=20)
    model = KneserNey(order=order, vocab_size=vocab).fit(seqs)
    grams = [Counter() for _ in range(order + 2)]  # grams[k][g]: count of the k-gram g
    for s in seqs:
        for k in range(1, order + 2):
            grams[k].update(tuple(s[i - k + 1 : i + 1]) for i in range(k - 1, len(s)))
    adjusted = {order: grams[order]}
    for k in range(1, order):  # distinct left neighbours; BOS-initial grams keep their own count
        left = Counter(g[1:] for g in grams[k + 1])
        adjusted[k] = {g: c if g[0] == BOS and k > 1 else left[g] for g, c in grams[k].items()}

    def prob(k: int, h: tuple, w: int) -> float:
        if k == 0:
            return 1 / vocab
        followers = {g[-1]: c for g, c in adjusted[k].items() if g[:-1] == h and c > 0}
        total = sum(followers.values())
        if not total:
            return prob(k - 1, h[1:], w)
        d = model.discounts[k - 1]
        gamma = sum(d[min(c, 3) - 1] for c in followers.values()) / total
        c = followers.get(w, 0)
        return (c - d[min(c, 3) - 1] if c else 0.0) / total + gamma * prob(k - 1, h[1:], w)

    for h in [(), (BOS,), (BOS, 4), (4, 5), (6, 6), (7, 3)]:
        expected = np.log([prob(len(h) + 1, h, w) for w in range(vocab)])
        assert model.next_log_probs(list(h)) == pytest.approx(expected, abs=1e-12)
