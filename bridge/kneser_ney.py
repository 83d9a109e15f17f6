"""Interpolated modified Kneser-Ney n-gram language model over integer token ids (the NLL baseline and
the style expert's counts, ``bridge.style_model``).

The model follows Chen & Goodman (1998), "An empirical study of smoothing techniques for language
modeling", section 3 (interpolated modified Kneser-Ney):

    p_k(w | h) = max(a_k(hw) - D_k(a_k(hw)), 0) / A_k(h) + gamma_k(h) * p_{k-1}(w | h[1:])
    gamma_k(h) = (D_k1 * N1(h.) + D_k2 * N2(h.) + D_k3 * N3+(h.)) / A_k(h)

with three discounts per order, D1, D2 and D3+, estimated from that order's count-of-counts
(Y = n1 / (n1 + 2 n2), D_c = c - (c + 1) Y n_{c+1} / n_c). The highest order counts n-grams (a = c); the
lower orders count distinct left extensions (continuation counts, a = N1+(. g)), except for occurrences
at the very start of a sequence, which have no left neighbour and count as themselves (as KenLM does for
n-grams that begin with ``<s>``); a sequence's first token is never predicted, so it adds nothing to the
unigram counts (BOS then gets its probability from the uniform floor only). The unigrams interpolate with
the uniform distribution over ``vocab_size``, so every id in the vocabulary has nonzero probability. A
context never seen in training backs off entirely (gamma = 1); contexts never cross a sequence boundary.
With too few n-grams for the count-of-counts estimate an order uses D = (0.5, 1.0, 1.5).

Why hand-written: ``nltk.lm.KneserNeyInterpolated`` recomputes its sums on every query in pure Python and
takes hours on the millions of training tokens the baseline needs; ``kenlm`` builds its models with
compiled binaries (``lmplz``) that are not installable from PyPI. Here the counting is done in numpy:
every k-gram gets an integer id through ``key = id(prefix) * vocab_size + token``, so each order is one
sorted ``int64`` array (a sorted-array trie). Its ``searchsorted`` plays the part of a dict keyed by tuples,
with far less memory than millions of Python tuples, and all the test positions are scored at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence

import numpy as np

log = logging.getLogger(__name__)

Resolver = Callable[[int, np.ndarray, np.ndarray], np.ndarray]


def _concat(sequences: Iterable[Sequence[int]], vocab_size: int) -> tuple[np.ndarray, np.ndarray]:
    """All tokens of all sequences back to back, and each token's position inside its sequence."""
    parts = [np.asarray(s, dtype=np.int64).ravel() for s in sequences]
    parts = [p for p in parts if len(p)]
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    tokens = np.concatenate(parts)
    if tokens.min() < 0 or tokens.max() >= vocab_size:
        raise ValueError(f"token ids must lie in [0, {vocab_size})")
    lengths = np.array([len(p) for p in parts])
    starts = np.cumsum(lengths) - lengths
    return tokens, np.arange(len(tokens)) - np.repeat(starts, lengths)


def _discounts(adjusted: np.ndarray) -> tuple[float, float, float]:
    """(D1, D2, D3+) from count-of-counts; each D_c kept inside (0, c) so no probability goes negative."""
    n1, n2, n3, n4 = (float(x) for x in np.bincount(adjusted, minlength=5)[1:5])
    if min(n1, n2, n3, n4) == 0:  # too little data for the estimate: the usual mid-range values
        return 0.5, 1.0, 1.5
    y = n1 / (n1 + 2 * n2)
    raw = (1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3)
    return tuple(float(np.clip(d, 0.01 * c, c - 0.01 * c)) for c, d in enumerate(raw, start=1))


class KneserNey:
    """Interpolated modified Kneser-Ney language model of a given ``order`` over ids ``0..vocab_size-1``."""

    def __init__(self, order: int = 5, vocab_size: int | None = None) -> None:
        if vocab_size is None or vocab_size < 1:
            raise ValueError("vocab_size must be a positive integer")
        if order < 1:
            raise ValueError("order must be at least 1")
        self.order, self.vocab_size = order, int(vocab_size)
        self.keys: list[np.ndarray] = []  # per level k = 1..order: sorted id(prefix) * V + token
        self.alpha: list[np.ndarray] = []  # per k-gram: discounted count / context total
        self.gamma: list[np.ndarray] = []  # per context ((k-1)-gram id): interpolation weight
        self.discounts: list[tuple[float, float, float]] = []  # per level k = 1..order

    # ---- gram ids ------------------------------------------------------------------------------

    def _chain(self, tokens: np.ndarray, pos: np.ndarray, resolve: Resolver) -> list[np.ndarray]:
        """``ids[k][i]``: the id of the k-gram ending at ``i`` (-1: none, or it crosses a sequence start)."""
        n = len(tokens)
        ids = [np.zeros(n, np.int64)]
        for k in range(1, self.order + 1):
            prev = np.zeros(n, np.int64) if k == 1 else np.concatenate(([-1], ids[k - 1][:-1]))
            where = np.flatnonzero((pos >= k - 1) & (prev >= 0))
            level = np.full(n, -1, np.int64)
            level[where] = resolve(k, where, prev[where] * self.vocab_size + tokens[where])
            ids.append(level)
        return ids

    def _lookup(self, k: int, where: np.ndarray, keys: np.ndarray) -> np.ndarray:
        table = self.keys[k - 1]
        idx = np.minimum(np.searchsorted(table, keys), max(len(table) - 1, 0))
        return np.where(table[idx] == keys, idx, -1) if len(table) else np.full(len(keys), -1)

    def _tail(self, context: Sequence[int]) -> list[int]:
        """The last ``order - 1`` ids of ``context`` (all of it when shorter), as plain ints."""
        return [int(t) for t in context][max(len(context) - self.order + 1, 0) :] if self.order > 1 else []

    # ---- training ------------------------------------------------------------------------------

    def fit(self, sequences: Iterable[Sequence[int]]) -> KneserNey:
        """Count every sequence (each one a piece, BOS first and EOS last) and set the probabilities."""
        start = time.perf_counter()
        tokens, pos = _concat(sequences, self.vocab_size)
        if not len(tokens):
            raise ValueError("no tokens to fit")
        keys, counts, first = [], [], []

        def record(k: int, where: np.ndarray, level_keys: np.ndarray) -> np.ndarray:
            uniq, first_at, inverse = np.unique(level_keys, return_index=True, return_inverse=True)
            keys.append(uniq)
            counts.append(np.bincount(inverse.ravel(), minlength=len(uniq)))
            first.append(where[first_at])
            return inverse.ravel()

        ids = self._chain(tokens, pos, record)
        self.keys, self.alpha, self.gamma, self.discounts = keys, [], [], []
        V = self.vocab_size
        for k in range(1, self.order + 1):
            size = len(keys[k - 1])
            if k == self.order:
                adjusted = counts[k - 1]
            else:  # distinct left neighbours (one per (k+1)-gram) plus occurrences at a sequence start
                adjusted = np.bincount(ids[k][first[k]], minlength=size)
                if k > 1:  # a sequence's first token (BOS) is never predicted: it adds no unigram count
                    adjusted += np.bincount(ids[k][pos == k - 1], minlength=size)
            d1, d2, d3 = _discounts(adjusted)
            discount = np.select([adjusted == 0, adjusted == 1, adjusted == 2], [0.0, d1, d2], d3)
            context = keys[k - 1] // V
            n_contexts = 1 if k == 1 else len(keys[k - 2])
            total = np.bincount(context, weights=adjusted, minlength=n_contexts)
            taken = np.bincount(context, weights=discount, minlength=n_contexts)
            seen = total > 0
            gamma = np.ones(n_contexts)  # a context with no followers backs off entirely
            gamma[seen] = taken[seen] / total[seen]
            self.alpha.append((adjusted - discount) / total[context])
            self.gamma.append(gamma)
            self.discounts.append((d1, d2, d3))
        log.info(
            "Kneser-Ney order %d: %d tokens, %s grams per order, fitted in %.1f s",
            self.order,
            len(tokens),
            [len(k) for k in keys],
            time.perf_counter() - start,
        )
        return self

    # ---- scoring -------------------------------------------------------------------------------

    def _probs(self, tokens: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """Probability of every token given the tokens before it in its sequence."""
        if not self.keys:
            raise RuntimeError("fit the model first")
        ids = self._chain(tokens, pos, self._lookup)
        prob = np.full(len(tokens), 1.0 / self.vocab_size)
        for k in range(1, self.order + 1):
            context = np.zeros(len(tokens), np.int64) if k == 1 else np.concatenate(([-1], ids[k - 1][:-1]))
            has = (pos >= k - 1) & (context >= 0)
            gram = ids[k][has]
            alpha = np.where(gram >= 0, self.alpha[k - 1][np.maximum(gram, 0)], 0.0)
            prob[has] = alpha + self.gamma[k - 1][context[has]] * prob[has]
        return prob

    def log_prob(self, context: Sequence[int], token: int) -> float:
        """Natural-log probability of ``token`` after ``context`` (its start taken as a sequence start)."""
        tail = self._tail(context)
        tokens, pos = _concat([tail + [int(token)]], self.vocab_size)
        return float(np.log(self._probs(tokens, pos)[-1]))

    def nll(self, sequences: Iterable[Sequence[int]], skip_first: int = 1) -> tuple[float, int]:
        """Total NLL in nats and the number of tokens scored; each sequence's first ``skip_first`` aren't."""
        tokens, pos = _concat(sequences, self.vocab_size)
        if not len(tokens):
            return 0.0, 0
        scored = pos >= skip_first
        return float(-np.log(self._probs(tokens, pos)[scored]).sum()), int(scored.sum())

    def next_log_probs(self, context: Sequence[int]) -> np.ndarray:
        """Log probabilities of every id in the vocabulary after ``context`` (they sum to 1 as probs)."""
        V = self.vocab_size
        if not self.keys:
            raise RuntimeError("fit the model first")
        tail = self._tail(context)
        prob = np.full(V, 1.0 / V)
        tokens, pos = _concat([tail], V)
        ids = self._chain(tokens, pos, self._lookup) if len(tail) else []
        for k in range(1, min(self.order, len(tail) + 1) + 1):
            ctx = 0 if k == 1 else int(ids[k - 1][-1])
            if ctx < 0:  # unseen context: this order and all above back off entirely
                break
            table = self.keys[k - 1]
            lo, hi = np.searchsorted(table, [ctx * V, (ctx + 1) * V])
            prob *= self.gamma[k - 1][ctx]
            prob[table[lo:hi] - ctx * V] += self.alpha[k - 1][lo:hi]
        return np.log(prob)
