"""An id-level phrase memory: a variable-order model over the BPE ids of the seed, for comparison.

Counts of every id n-gram (orders 1..``order``) in the seed; the next-id distribution is interpolated
absolute discounting from the longest context seen down to a uniform floor (each order keeps
``(count - D) / total`` of its own estimate and passes ``D * types / total`` on to the shorter context,
as PPM's escape). ``bench.quality.experts`` scores it beside the decoder, linearly mixed with a share per
longest matched context (``MIX_BY_MATCH``, fitted by EM) and log-linearly.

It is the design segue's phrase memory replaced (``bridge.copying``): on held-out continuations it lowers
the likelihood as much as the copy expert does, but in a sampled answer it rarely finds its context
again - one passage is spelt by other BPE ids once its merges fall elsewhere - so its share stays at
the small unmatched one, and answers steered by it were no closer to the real continuations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

DISCOUNT = 0.75
#: the memory's share of the next token by the length of the longest context it has seen (index 0: only
#: the empty context); fitted by EM on the validation split's continuations
MIX_BY_MATCH = (0.054, 0.072, 0.231, 0.389, 0.571, 0.691, 0.744, 0.663)


class PhraseMemory:
    """Variable-order token counts over a few phrases; ``log_probs(context)`` over the vocabulary."""

    def __init__(self, vocab_size: int, order: int = 6, discount: float = DISCOUNT) -> None:
        if order < 1 or vocab_size < 1 or not 0 < discount < 1:
            raise ValueError("order and vocab_size must be >= 1 and the discount in (0, 1)")
        self.vocab_size = vocab_size
        self.order = order
        self.discount = discount
        self._counts: dict[tuple[int, ...], dict[int, int]] = {}
        self._arrays: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray, float]] = {}
        self.tokens = 0

    def add(self, ids: Iterable[int]) -> None:
        """Count every n-gram of one phrase (contexts do not cross phrases)."""
        seq = [int(i) for i in ids]
        for i, token in enumerate(seq):
            for n in range(min(self.order, i + 1)):
                context = tuple(seq[i - n:i])
                followers = self._counts.setdefault(context, {})
                followers[token] = followers.get(token, 0) + 1
                self._arrays.pop(context, None)
        self.tokens += len(seq)

    def _array(self, context: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, float] | None:
        cached = self._arrays.get(context)
        if cached is None:
            followers = self._counts.get(context)
            if not followers:
                return None
            ids = np.fromiter(followers.keys(), dtype=np.int64, count=len(followers))
            counts = np.fromiter(followers.values(), dtype=np.float64, count=len(followers))
            cached = (ids, counts, float(counts.sum()))
            self._arrays[context] = cached
        return cached

    def probs(self, history: Sequence[int]) -> np.ndarray:
        """p(next token | the last tokens of ``history``), every entry > 0, summing to 1."""
        return self.probs_and_match(history)[0]

    def probs_and_match(self, history: Sequence[int]) -> tuple[np.ndarray, int]:
        """``probs(history)``, and how many of the last tokens form the longest context seen (0: none)."""
        p = np.full(self.vocab_size, 1.0 / self.vocab_size)
        matched = -1
        tail = [int(t) for t in history[len(history) - (self.order - 1):]] if self.order > 1 else []
        for n in range(0, self.order):
            if n > len(tail):
                break
            entry = self._array(tuple(tail[len(tail) - n:]) if n else ())
            if entry is None:
                break  # a longer context containing an unseen one is unseen too
            ids, counts, total = entry
            d = self.discount
            p *= d * len(ids) / total
            p[ids] += (counts - d) / total
            matched = n
        return p, max(0, matched)

    def log_probs(self, history: Sequence[int]) -> np.ndarray:
        """Natural-log ``probs``."""
        return np.log(self.probs(history))


def memory_of(phrases: Iterable[Sequence[int]], vocab_size: int, order: int) -> PhraseMemory:
    """A memory of ``phrases`` (oldest first)."""
    memory = PhraseMemory(vocab_size, order)
    for ids in phrases:
        memory.add(ids)
    return memory
