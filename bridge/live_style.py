"""Live learning: the style of this session's phrases, counted as they come, rebuilt within a CPU budget.

:class:`TransitionCounts` keeps running transition counts: a new phrase adds its own transitions and a
phrase that falls out of the window (the last :data:`MAX_LIVE_PHRASES`) takes its own back, so nothing
is counted twice and the graph equals :func:`bridge.style.count_transitions` of the phrases held.
:class:`LiveLearner` remembers the phrases and rebuilds the live style from the counts at most every
``interval_s`` seconds, and less often when a rebuild costs more than ``cpu_share`` of one core (its
own CPU time, measured with :func:`time.thread_time`). Both belong to the style worker thread.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from bridge.gcn_runtime import GraphNetwork
from bridge.notes import Note
from bridge.style import DEFAULT_DECAY, DEFAULT_WINDOW, Style, StyleError, StyleGraph, style_from_graph

log = logging.getLogger(__name__)

LIVE = "live"
MAX_LIVE_PHRASES = 512
REBUILD_S = 2.0  # at most one rebuild of the live samplers this often
CPU_SHARE = 0.1  # of one core, over time, for the live style's counting and rebuilding


class TransitionCounts:
    """Running transition counts: sequences added (or removed) one at a time, the same graph as
    :func:`count_transitions` of the sequences held, without counting them again.

    The sums are kept in float64 per edge; with the default decay (a power of two) every weight is an
    exact binary fraction, so the graph equals a count from scratch exactly. Owned by one thread.
    """

    def __init__(self, vocab_size: int, window: int = DEFAULT_WINDOW, decay: float = DEFAULT_DECAY,
                 skip: Iterable[int] = ()) -> None:
        if window < 1:
            raise StyleError(f"window {window} must be >= 1")
        if not 0 < decay <= 1:
            raise StyleError(f"decay {decay} must be in (0, 1]")
        self.vocab_size = int(vocab_size)
        self.window = int(window)
        self.decay = float(decay)
        self._skip = np.array(sorted(set(int(s) for s in skip)), dtype=np.int64)
        self._index = np.zeros(0, np.int64)  # src * vocab + dst, sorted
        self._total = np.zeros(0, np.float64)
        self._first = np.zeros(0, np.float64)
        self._counts = np.zeros(self.vocab_size, np.float64)
        self.sequences = 0

    def add(self, sequence: Sequence[int]) -> None:
        """Count one more sequence (one piece: no edge crosses into another)."""
        self._merge(self._tokens(sequence), 1.0)
        self.sequences += 1

    def remove(self, sequence: Sequence[int]) -> None:
        """Take back a sequence added before."""
        self._merge(self._tokens(sequence), -1.0)
        self.sequences -= 1

    def graph(self) -> StyleGraph:
        """The style graph of the sequences held now."""
        return StyleGraph(
            vocab_size=self.vocab_size,
            src=(self._index // self.vocab_size).astype(np.int32),
            dst=(self._index % self.vocab_size).astype(np.int32),
            weight=self._total.astype(np.float32),
            next_weight=self._first.astype(np.float32),
            counts=self._counts.astype(np.float32),
            window=self.window,
            decay=self.decay,
        )

    def _tokens(self, sequence: Sequence[int]) -> np.ndarray:
        arr = np.asarray(sequence, dtype=np.int64).ravel()
        if arr.size and (arr.min() < 0 or arr.max() >= self.vocab_size):
            raise StyleError(f"a sequence has token ids outside the vocabulary (0..{self.vocab_size - 1})")
        return arr[~np.isin(arr, self._skip)] if self._skip.size else arr

    def _merge(self, arr: np.ndarray, sign: float) -> None:
        index, total, first = [self._index], [self._total], [self._first]
        for d in range(1, self.window + 1):
            if arr.size <= d:
                break
            pairs = arr[:-d] * self.vocab_size + arr[d:]
            index.append(pairs)
            total.append(np.full(pairs.size, sign * self.decay ** (d - 1)))
            first.append(np.full(pairs.size, sign if d == 1 else 0.0))
        np.add.at(self._counts, arr, sign)
        if len(index) == 1:
            return
        keys, where = np.unique(np.concatenate(index), return_inverse=True)
        summed = np.bincount(where, weights=np.concatenate(total), minlength=keys.size)
        nexts = np.bincount(where, weights=np.concatenate(first), minlength=keys.size)
        keep = summed > 0
        self._index, self._total, self._first = keys[keep], summed[keep], nexts[keep]


class LiveLearner:
    """The phrases of this session and the live style's counts; rebuilds when due and within budget."""

    def __init__(self, max_phrases: int = MAX_LIVE_PHRASES, interval_s: float = REBUILD_S,
                 cpu_share: float = CPU_SHARE, clock: Callable[[], float] = time.monotonic,
                 cpu_clock: Callable[[], float] = time.thread_time) -> None:
        self.max_phrases = int(max_phrases)
        self.interval_s = float(interval_s)
        self.cpu_share = float(cpu_share)
        self.clock = clock
        self.cpu_clock = cpu_clock
        self.dirty = False  # phrases came since the last rebuild
        self.rebuilds = 0
        self.cpu_s = 0.0  # CPU time spent counting and rebuilding
        self._phrases: deque[tuple[tuple[Note, ...], float]] = deque(maxlen=self.max_phrases)
        self._pending: deque[tuple[tuple[Note, ...], float]] = deque(maxlen=self.max_phrases)
        self._held: deque[np.ndarray] = deque()
        self._counts: TransitionCounts | None = None
        self._scheme: Any = None
        self._next_s = 0.0

    @property
    def counts(self) -> TransitionCounts | None:
        """The running counts (None before the first rebuild)."""
        return self._counts

    @property
    def phrases(self) -> list[tuple[tuple[Note, ...], float]]:
        """The phrases remembered (the last ``max_phrases``), oldest first."""
        return list(self._phrases)

    def add(self, notes: Sequence[Note], tempo_bpm: float) -> None:
        """Remember a phrase; it is counted at the next rebuild."""
        phrase = (tuple(notes), float(tempo_bpm))
        self._phrases.append(phrase)
        self._pending.append(phrase)
        self.dirty = True

    def due_in(self) -> float:
        """Seconds until a rebuild is allowed (0 or less: now)."""
        return self._next_s - self.clock()

    def rebuild(self, scheme: Any, base: np.ndarray | None, gcn: GraphNetwork | None,
                install: Callable[[Style], None]) -> Style | None:
        """Count the new phrases, build the live style and ``install`` it; None without phrases.

        The CPU time this takes (``install`` included) pushes the next rebuild back so that the
        rebuilds use at most ``cpu_share`` of a core.
        """
        start = self.cpu_clock()
        self.dirty = False
        try:
            if scheme is not self._scheme:  # another model: another vocabulary, counted again
                self._scheme = scheme
                self._counts = TransitionCounts(scheme.vocab_size,
                                                skip=[scheme.pad_id, scheme.bos_id, scheme.eos_id])
                self._held.clear()
                self._pending = deque(self._phrases, maxlen=self.max_phrases)
            counts = self._counts
            assert counts is not None
            while self._pending:
                notes, tempo = self._pending.popleft()
                if len(self._held) >= self.max_phrases:
                    counts.remove(self._held.popleft())
                sequence = np.asarray(scheme.encode(list(notes), tempo), dtype=np.int64)
                counts.add(sequence)
                self._held.append(sequence)
            if not self._held:
                log.info("live style: waiting for phrases")
                return None
            card = {"sources": {"phrases": len(self._held)}}
            style = style_from_graph(LIVE, counts.graph(), base, gcn, card, tuple(self._held))
            install(style)
            self.rebuilds += 1
            return style
        finally:
            spent = self.cpu_clock() - start
            self.cpu_s += spent
            self._next_s = self.clock() + max(self.interval_s, spent / self.cpu_share)
