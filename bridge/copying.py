"""The phrase memory at run time: the seed's own continuations, copied where the answer matches the seed.

The Continuator answered with what the player had just played, wherever the last notes matched it.
Here the match is made on base tokens (``Pitch``, ``Velocity``, ``Duration``, ``TimeShift``), not on
BPE ids: one passage is spelt by different BPE ids depending on where its merges fall, so an id-level
model of a 40-token seed rarely sees its own context again (measured: the last id had never been seen
as a context in 57% of held-out continuation tokens), while the base tokens find it.

At each step the longest suffix of the answer's last base tokens that occurs in the seed (or in the
remembered phrases) is known: it grows a base token at a time while the answer follows the seed and is
searched again (over the last ``RESTART`` base tokens) where it breaks. The ids that spell what followed
there, by its longest spelling, are the copy set. The decoder's distribution is mixed with itself
restricted to the copy set, ``p = (1 - s) p + s p|copy``, so the seed says *what comes next* and the
decoder says how to spell it; ``s = weight * SHARES[bucket(match)]``, capped below 1 so the decoder
always keeps some say (and nothing is ever masked by the memory alone). The shares are fitted by EM on
the held-out likelihood of real continuations given their seeds (``python -m bench.quality.experts
--fit``); the weight, a multiple of them, is chosen by the quality benchmark on the validation split's
continuations (the README has both tables). Weight 0 is the decoder exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from bridge.tokens import TokenScheme

#: lower edges of the match-length buckets (base tokens); the last bucket is open
MATCH_EDGES = (0, 1, 2, 3, 4, 5, 7, 10, 15, 23)
#: the copy set's share per bucket at weight 1 (EM on the validation split's continuations)
SHARES = (0.0, 0.051, 0.008, 0.02, 0.041, 0.051, 0.155, 0.37, 0.646, 0.523)
MAX_SHARE = 0.95  # the decoder keeps at least this much less than all of it
SEPARATOR = -1  # between phrases: no match crosses it
FEW = 8  # candidate positions below which a match is grown in plain Python
LATEST = 16  # occurrences of a match whose continuations form the copy set (the most recent)
RESTART = 12  # base codes a broken match is searched again over (then it grows a code at a time)


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
        # the same as a trie: code -> (ids spelling the path so far, children), walked without tuples
        self.trie: dict[int, tuple[np.ndarray | None, dict]] = {}
        for codes, ids in self.spell.items():
            level = self.trie
            for i, c in enumerate(codes):
                node = level.setdefault(c, (None, {}))
                if i == len(codes) - 1:
                    level[c] = node = (ids, node[1])
                level = node[1]
        self.longest = max(len(c) for c in self.codes)
        self.vocab_size = scheme.vocab_size

    def of(self, ids: Iterable[int]) -> list[int]:
        """The base-token codes of ``ids``, in order."""
        return [c for token in ids for c in self.codes[token]]


def move_share(logits: np.ndarray, onto: np.ndarray, share: float) -> np.ndarray:
    """Logits of ``(1 - share) p + share p|onto`` for ``p = softmax(logits)`` and ``onto`` (a bool mask
    or ids): the ids outside lowered by ``log(1 - share)``, those inside raised to their part of
    ``share``, without leaving logit space. ``logits`` itself when ``p`` gives ``onto`` nothing."""
    weights = np.exp(logits - logits.max())
    inside = float(weights[onto].sum() / weights.sum())
    if inside <= 0 or share <= 0:
        return logits
    out = logits.astype(np.float64) + math.log1p(-share)
    out[onto] += math.log1p(share / ((1.0 - share) * inside))
    return out


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
        self._list = text
        self.text = np.array(text, dtype=np.int64)
        self._spelt: dict[int, np.ndarray] = {}  # position -> ids spelling a prefix of what follows it
        # the answer so far, for ``feed``/``mix``: its last codes and their current longest match
        self._recent: list[int] = []
        self._length = 0
        self._ends = np.zeros(0, dtype=np.int64)

    def feed(self, codes: Iterable[int]) -> None:
        """The answer (or its context) went on by these base codes: grow the current match by them, or
        find it again where it breaks (over the last ``RESTART`` codes; it grows from there)."""
        listed = self._list
        for code in codes:
            self._recent.append(code)
            if len(self._recent) > 2 * RESTART:
                del self._recent[: len(self._recent) - RESTART]
            ends = [e + 1 for e in self._ends.tolist() if listed[e] == code]
            ends = [e for e in ends if listed[e] != SEPARATOR]
            if ends:
                self._length = min(self.context, self._length + 1)
                self._ends = np.array(ends, dtype=np.int64)
            else:
                self._length, self._ends = self.match(self._recent[-min(RESTART, self.context):])

    @property
    def current(self) -> tuple[int, np.ndarray]:
        """The match of what was fed: its length in base codes and where it ends in the text."""
        return self._length, self._ends

    def match(self, recent: Sequence[int]) -> tuple[int, np.ndarray]:
        """The longest match of ``recent`` base codes' suffix (0 when none) and where it ends in the text
        (positions whose next base token continues it).

        Grown backwards from the positions after the last code, so a step costs one pass over the text
        and then work on the few positions still matching."""
        text = self.text
        tail = list(recent[-self.context:])
        if not tail:
            return 0, np.zeros(0, dtype=np.int64)
        ends = np.flatnonzero(text[:-1] == tail[-1]) + 1  # text[end - 1] is the last code, text[end] follows
        ends = ends[text[ends] != SEPARATOR]
        if len(ends) == 0:
            return 0, ends
        length = 1
        while length < len(tail) and len(ends) > FEW:  # narrow many candidates a code at a time
            back = ends - (length + 1)
            keep = ends[(back >= 0) & (text[np.maximum(back, 0)] == tail[-(length + 1)])]
            if len(keep) == 0:
                return length, ends
            ends, length = keep, length + 1
        # few candidates left: each one's whole match length, in plain Python
        listed, lengths = self._list, []
        for end in ends.tolist():
            k = length
            while k < len(tail) and end - k - 1 >= 0 and listed[end - k - 1] == tail[-k - 1]:
                k += 1
            lengths.append(k)
        best = max(lengths)
        return best, ends[np.array(lengths) == best]

    def spelt_after(self, position: int) -> np.ndarray:
        """The ids spelling the longest prefix of the text from ``position`` that one id spells (cached per
        position). Only the longest: with every shorter spelling in the set too, answers were spelt in
        split ids (2.3 ids a note against 1.4) and were no closer to the real continuations."""
        ids = self._spelt.get(position)
        if ids is None:
            found: list[np.ndarray] = []  # ids by spelling length, shortest first
            text, level = self._list, self.codes.trie
            for code in text[position:position + self.codes.longest]:
                node = level.get(code)  # the separator is no code: the walk stops there
                if node is None:
                    break
                if node[0] is not None:
                    found.append(node[0])
                level = node[1]
            ids = found[-1] if found else np.zeros(0, dtype=np.int64)
            self._spelt[position] = ids
        return ids

    def copy_set(self, where: np.ndarray) -> np.ndarray:
        """``[vocab]`` bool: ids spelling a prefix of what follows the latest ``LATEST`` of ``where``."""
        mask = np.zeros(self.codes.vocab_size, dtype=bool)
        for j in where[-LATEST:]:
            mask[self.spelt_after(int(j))] = True
        return mask

    def mix(self, logits: np.ndarray, weight: float) -> np.ndarray:
        """The decoder's ``logits`` with the copy set's share moved onto it (at the match of what was
        fed): logits of ``(1 - s) p + s p|copy``, the ids outside lowered by ``log(1 - s)`` and the ids
        inside raised to their share, without leaving logit space. Weight 0 returns ``logits``."""
        share = share_for(self._length, weight) if weight > 0 else 0.0
        if share <= 0:
            return logits
        return move_share(logits, self.copy_set(self._ends), share)


CHORDAL_NOTES_PER_ONSET = 1.2  # a seed with more notes per onset is chordal (bench.quality.by_texture)


def notes_per_onset_of(starts: Iterable[float]) -> float:
    """Notes per onset, from the notes' starts (an onset: a time where at least one note starts)."""
    rounded = [round(start, 3) for start in starts]
    return len(rounded) / max(1, len(set(rounded)))


def notes_per_onset(scheme: TokenScheme, ids: Sequence[int]) -> float:
    """Notes per onset of a token sequence (its notes' onsets as the stream decoder primes on them)."""
    return notes_per_onset_of(scheme.stream_decoder(ids).primed_onsets)


def chordal_starts(starts: Iterable[float]) -> bool:
    """Whether notes starting at ``starts`` are chordal (more than ``CHORDAL_NOTES_PER_ONSET`` notes
    per onset)."""
    return notes_per_onset_of(starts) > CHORDAL_NOTES_PER_ONSET


def chordal(scheme: TokenScheme, ids: Sequence[int]) -> bool:
    """Whether a seed's ids are chordal."""
    return chordal_starts(scheme.stream_decoder(ids).primed_onsets)
