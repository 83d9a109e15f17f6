"""The phrase memory: a variable-order model of what the performer just played (the Continuator's idea).

Counts of every token n-gram (orders 1..``order``) in the seed and in the phrases remembered before it;
the next-token distribution is interpolated absolute discounting from the longest context seen down to
a uniform floor (each order keeps ``(count - D) / total`` of its own estimate and passes the discounted
mass ``D * types / total`` on to the shorter context, as PPM's escape). Counting is incremental (a phrase
adds its n-grams; nothing is retrained), and a distribution costs one small numpy update per order that
has seen its context.

The decoder mixes it in log-linearly: ``logits + weight * log p_memory``, before the grammar and
constraint masks (``bridge.sampling``), so weight 0 is the decoder exactly. BPE tokens merge a note's
pitch, velocity and duration, so a 6-gram spans three or four notes: the seed's figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

DISCOUNT = 0.75


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
        p = np.full(self.vocab_size, 1.0 / self.vocab_size)
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
        return p

    def log_probs(self, history: Sequence[int]) -> np.ndarray:
        """Natural-log ``probs``."""
        return np.log(self.probs(history))


def memory_of(phrases: Iterable[Sequence[int]], vocab_size: int, order: int) -> PhraseMemory:
    """A memory of ``phrases`` (oldest first)."""
    memory = PhraseMemory(vocab_size, order)
    for ids in phrases:
        memory.add(ids)
    return memory
