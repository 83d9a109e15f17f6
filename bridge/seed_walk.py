"""The stream decoder walked once over a seed, kept for the next seed that shares its start.

A performer's phrase grows note by note and each note-off asks for an answer to it, so the same ids are
walked again and again: by the continuation (to know where the answer starts in time) and by the bar
expert (to know where in its bar each seed id was played). :class:`SeedWalk` keeps the decoder's state
after every id of the last seed and, for a new seed, walks only what follows their common prefix.
"""

from __future__ import annotations

from collections.abc import Sequence

from bridge.stream_decoder import StreamDecoder
from bridge.tokens import TokenScheme, bar_length

GRID = 96  # places per quarter note a bar position is rounded to


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common prefix."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class SeedWalk:
    """The last seed walked: ``state_after(n)``, ``since_time(n)`` and ``place(n)`` after ``ids[:n]``.

    Not thread-safe: it belongs to the thread that samples (the engine's).
    """

    def __init__(self, scheme: TokenScheme) -> None:
        self.scheme = scheme
        self.ids: list[int] = []
        self._states: list[StreamDecoder] = [scheme.stream_decoder()]
        self._since: list[int] = [0]
        self._places: list[tuple[int, int]] = [(0, 0)]
        self._onsets: list[float] = []  # the seed's note onsets as its ids place them, in order
        self._counts: list[int] = [0]  # onsets after the first n ids
        self.walked = 0  # ids the last ``walk`` fed (the rest came from the previous seed)

    def walk(self, ids: Sequence[int]) -> SeedWalk:
        """Follow ``ids`` from the longest prefix they share with the last seed walked; returns self."""
        ids = [int(i) for i in ids]
        keep = common_prefix(self.ids, ids)
        del self.ids[keep:], self._states[keep + 1:], self._since[keep + 1:], self._places[keep + 1:]
        del self._onsets[self._counts[keep]:], self._counts[keep + 1:]
        stream = self._states[-1].copy()
        stream.recording(self._onsets)
        since = self._since[-1]
        n_time = self.scheme.n_time
        for token in ids[keep:]:
            stream.advance(token)
            since = 0 if n_time[token] > 0 else since + 1
            self.ids.append(token)
            self._states.append(stream.copy())
            self._since.append(since)
            self._places.append(place_of(stream, since))
            self._counts.append(len(self._onsets))
        self.walked = len(ids) - keep
        return self

    def state_after(self, n: int) -> StreamDecoder:
        """A copy of the decoder after the first ``n`` ids (time origin at the start)."""
        return self._states[n].copy()

    def meter(self, n: int) -> tuple[int, int]:
        """The time signature in force after the first ``n`` ids."""
        return self._states[n].time_signature

    def since_time(self, n: int) -> int:
        """Ids since time last moved, after the first ``n``."""
        return self._since[n]

    def place(self, n: int) -> tuple[int, int]:
        """Where the next id goes after the first ``n``: (bar position on the grid, ids since time moved)."""
        return self._places[n]

    def primed(self, n: int) -> StreamDecoder:
        """The decoder after the first ``n`` ids as ``TokenScheme.stream_decoder(ids[:n])`` leaves it: its
        time origin at its cursor, notes emitted from here on."""
        stream = self._states[n].copy()
        stream.origin = stream.time
        stream.primed_onsets = self._onsets[:self._counts[n]]
        return stream


def place_of(stream: StreamDecoder, since_time: int) -> tuple[int, int]:
    """The place in the bar ``stream`` is at: its cursor modulo the bar on the grid, ids since time moved."""
    bar = bar_length(stream.time_signature)
    return round((stream.position % bar) * GRID), since_time
