"""The seed's proportions as an expert: the answer does not over-play what the seed played little.

Over 64 notes a sampled answer drifts from the seed's proportions: held-out fiddle tunes' real next
notes are closer to the seed's own pitch-class histogram than the decoder's answers are.
This expert holds, for one feature of the ids (the pitch classes of the notes an id plays), the seed's
counts and the answer's running counts, started from the seed's so that
it says nothing until the answer drifts (the answer's last ``WINDOW`` counts: a long answer is held to
the seed over its recent phrase). To every id it adds ``weight`` times the log ratio of the
seed's share of each of its features to the answer's share so far, where the answer has played that
feature more than the seed did: an over-played pitch class is made less likely, and the
other ids with notes share what it loses as the decoder weighs them (the ids with notes keep their total
chance: whether a note comes or time moves stays the decoder's, as the beat expert leaves whether time
moves to it). Nothing is ever pushed up: pushing what the seed
never played would lead the answer out of its key. Weight 0 is the decoder exactly.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import numpy as np

from bridge.tokens import TokenScheme

#: counts added to every feature, so that one the seed never played has a share to compare
SMOOTHING = 0.5
#: the answer's last this many counts (notes) are compared with the seed: a long answer is held to the
#: seed over its recent phrase, not over everything it played since (a 64-note answer: all of it)
WINDOW = 96


class FeatureTable:
    """Per id, how often it holds each feature (a row per id): built once per scheme, by its sampler."""

    def __init__(self, counts: np.ndarray) -> None:
        self.counts = counts
        self.holds = np.flatnonzero(counts.sum(axis=1) > 0)  # the ids holding any feature

    @classmethod
    def pitch_classes(cls, scheme: TokenScheme) -> FeatureTable:
        """The pitch classes of the notes each id plays."""
        counts = np.zeros((scheme.vocab_size, 12), dtype=np.float64)
        for token, pitches in enumerate(scheme.pitches):
            for pitch in pitches:
                counts[token, pitch % 12] += 1.0
        return cls(counts)

    def of(self, tokens: Iterable[int]) -> np.ndarray:
        """The feature counts of ``tokens``."""
        ids = np.fromiter((int(t) for t in tokens), dtype=np.int64)
        return self.counts[ids].sum(axis=0) if ids.size else np.zeros(self.counts.shape[1])


class SeedProfile:
    """The seed's shares of one feature against the answer's: ``feed`` it every id the answer plays."""

    def __init__(self, table: FeatureTable, seed: Iterable[int]) -> None:
        self.table = table
        seed_counts = table.of(seed) + SMOOTHING
        self._log_seed = np.log(seed_counts / seed_counts.sum())
        self._answer = seed_counts.copy()  # the answer's counts start as the seed's: no say until it drifts
        self._seed_total = float(seed_counts.sum())  # the answer's total beyond it: the window's counts
        self._recent: deque[np.ndarray] = deque()  # the rows of the ids counted in, oldest first

    def feed(self, token: int) -> None:
        """The answer went on by ``token``; counts older than the last ``WINDOW`` leave."""
        row = self.table.counts[int(token)]
        if not row.any():
            return
        self._answer += row
        self._recent.append(row)
        while float(self._answer.sum()) - self._seed_total - float(self._recent[0].sum()) >= WINDOW:
            self._answer -= self._recent.popleft()

    def bias(self) -> np.ndarray:
        """Per feature, the log ratio of the seed's share to the answer's share so far where the answer
        played it more than the seed did, else 0."""
        return np.minimum(0.0, self._log_seed - np.log(self._answer / self._answer.sum()))

    def mix(self, logits: np.ndarray, weight: float) -> np.ndarray:
        """``logits`` plus ``weight`` times each id's summed bias, the ids that hold features then scaled
        back to their total chance: which notes come is moved, whether a note comes (or time moves
        instead) stays the decoder's. ``logits`` itself at weight 0."""
        if weight <= 0:
            return logits
        bias = self.bias()
        out = logits.astype(np.float64)
        if not bias.any():  # the answer has over-played nothing (yet): nothing moves
            return out
        held = self.table.holds
        before = out[held]
        after = before + weight * (self.table.counts[held] @ bias)
        out[held] = after + (_logsumexp(before) - _logsumexp(after))
        return out


def _logsumexp(x: np.ndarray) -> float:
    top = float(x.max())
    return top + float(np.log(np.exp(x - top).sum()))

