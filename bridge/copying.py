"""The phrase memory at run time: the seed's own continuations, copied where the answer matches the seed.

The Continuator answered with what the player had just played, wherever the last notes matched it.
Here the match is made on base tokens (``Pitch``, ``Velocity``, ``Duration``, ``TimeShift``), not on
BPE ids: one passage is spelt by different BPE ids depending on where its merges fall, so an id-level
model of a 40-token seed rarely sees its own context again (measured: the last id had never been seen
as a context in 57% of held-out continuation tokens), while the base tokens find it.

At each step the longest suffix of the answer's last base tokens that occurs in the seed (or in the
remembered phrases) is found; the ids that spell what followed there are the copy set. The decoder's
distribution is mixed with itself restricted to the copy set, ``p = (1 - s) p + s p|copy``, so the seed
says *what comes next* and the decoder says how to spell it; ``s = weight * SHARES[bucket(match)]``,
capped below 1 so the decoder always keeps some say (and nothing is ever masked by the memory alone).
The shares are fitted by EM on the held-out likelihood of real continuations given their seeds, and
the weight is chosen on the validation split's continuations by the quality benchmark
(``python -m bench.quality.experts --fit``; see the README). Weight 0 is the decoder exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from bridge.tokens import TokenScheme

#: lower edges of the match-length buckets (base tokens); the last bucket is open
MATCH_EDGES = (0, 1, 2, 3, 4, 5, 7, 10, 15, 23)
#: the copy set's share per bucket at weight 1 (EM on the validation split's continuations)
SHARES = (0.0, 0.071, 0.007, 0.03, 0.042, 0.098, 0.181, 0.392, 0.766, 0.592)
MAX_SHARE = 0.95  # the decoder keeps at least this much less than all of it
SEPARATOR = -1  # between phrases: no match crosses it


class BaseCodes:
    """Per scheme: each id's base tokens as small ints, and the ids spelling each base-token tuple."""

    def __init__(self, scheme: TokenScheme) -> None:
        code: dict[str, int] = {}
        bases = [scheme.base_tokens(i) for i in range(scheme.vocab_size)]
        self.codes: tuple[tuple[int, ...], ...] = tuple(
            tuple(code.setdefault(b, len(code)) for b in tokens) for tokens in bases
        )
        spell: dict[tuple[int, ...], list[int]] = {}
        for token, codes in enumerate(self.codes):
            if codes:
                spell.setdefault(codes, []).append(token)
        self.spell = {k: np.array(v, dtype=np.int64) for k, v in spell.items()}
        self.longest = max(len(c) for c in self.codes)
        self.vocab_size = scheme.vocab_size

    def of(self, ids: Iterable[int]) -> list[int]:
        """The base-token codes of ``ids``, in order."""
        return [c for token in ids for c in self.codes[token]]


def share_for(match: int, weight: float, shares: Sequence[float] = SHARES) -> float:
    """The copy set's share for a match of ``match`` base tokens (0 for none)."""
    if match <= 0:
        return 0.0
    bucket = int(np.searchsorted(MATCH_EDGES, match, side="right")) - 1
    return min(MAX_SHARE, weight * shares[bucket])


class SeedCopy:
    """The copy expert over some phrases (oldest first; the seed last)."""

    def __init__(self, codes: BaseCodes, phrases: Sequence[Sequence[int]], context: int = 32) -> None:
        self.codes = codes
        self.context = max(1, context)
        text: list[int] = []
        for ids in phrases:
            text.extend(codes.of(ids))
            text.append(SEPARATOR)
        self.text = np.array(text, dtype=np.int64)
        n = len(self.text)
        follower = np.zeros(n + 1, dtype=bool)  # a position whose next base token exists
        follower[:n] = self.text != SEPARATOR
        self._has_follower = follower

    def match(self, recent: Sequence[int]) -> tuple[int, np.ndarray]:
        """The longest match of ``recent`` base codes' suffix (0 when none) and where it ends in the text
        (positions whose next base token continues it)."""
        text, n = self.text, len(self.text)
        tail = np.asarray(recent[-self.context:], dtype=np.int64)
        alive = self._has_follower.copy()
        alive[0] = False
        best, where = 0, np.flatnonzero(alive[:0])
        for length in range(1, len(tail) + 1):
            same = np.zeros(n + 1, dtype=bool)
            same[length:] = text[: n - length + 1] == tail[-length]
            alive &= same
            if not alive.any():
                break
            best, where = length, np.flatnonzero(alive)
        return best, where

    def copy_set(self, where: np.ndarray) -> np.ndarray:
        """``[vocab]`` bool: ids spelling a prefix of what follows any of ``where``."""
        mask = np.zeros(self.codes.vocab_size, dtype=bool)
        text, spell = self.text, self.codes.spell
        for j in where[-16:]:  # the latest occurrences
            for k in range(1, self.codes.longest + 1):
                if j + k > len(text) or text[j + k - 1] == SEPARATOR:
                    break
                ids = spell.get(tuple(int(x) for x in text[j:j + k]))
                if ids is not None:
                    mask[ids] = True
        return mask

    def mix(self, logits: np.ndarray, recent: Sequence[int], weight: float) -> np.ndarray:
        """The decoder's ``logits`` with the copy set's share moved onto it, as log-probabilities."""
        p = np.exp(logits - logits.max()).astype(np.float64)
        p /= p.sum()
        if weight <= 0:
            return np.log(p)
        match, where = self.match(recent)
        share = share_for(match, weight)
        if share > 0:
            mask = self.copy_set(where)
            inside = float(p[mask].sum())
            if inside > 0:
                p *= 1.0 - share
                p[mask] += share * p[mask] / ((1.0 - share) * inside)
        return np.log(p)
