"""Where an answer enters on the beat axis: ``now``, on the ``beat`` or on the ``bar`` (the ``entry``
parameter).

The model places the answer's first note somewhere on the seed's grid: ``first_seed_beat`` beats from the
seed's beat 0 (played at ``seed_start_ns``); the model's bar lines fall at ``encoding_start`` (the seed's
first note, or the clock's bar line given to the encoding as its bar origin) plus whole bars.
:func:`entry_beat` maps that place onto the grid's beat axis:

- ``auto`` (the default) is ``beat`` on a grid others share (a clock followed or sent), else ``now``;
- ``now``: the answer starts as soon as it may (``not_before_ns``: the phrase end plus ``lookahead_ms``,
  and never in the past), wherever that falls, as segue always did;
- ``beat``: it keeps where the model put it within the beat, ``bar``: within the bar (the grid's
  ``quantum``), on the grid's own beats and bar lines when a clock is followed (or sent), else on the
  seed's own pulse. The model's place is kept exactly when it is still ahead; when it has passed, the
  answer enters one or more whole beats (bars) later, the first such moment not before
  ``not_before_ns``.

Every later note of the answer then lies ``note.start`` beats after the entry, on the same axis, so it
lands on the shared beat, and the scheduler re-times it if the tempo changes before it is sent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from bridge.notes import Note
from bridge.scheduler import NS_PER_MS, beats_to_ns
from bridge.timeline import Grid

ENTRIES = ("now", "beat", "bar")
EPSILON_BEATS = 1e-6


def resolve(mode: str, grid: Grid) -> str:
    """``auto`` is ``beat`` on a grid others share (a clock followed or sent), else ``now``."""
    if mode != "auto":
        return mode
    return "beat" if grid.downbeat_ns is not None else "now"


def entry_beat(mode: str, grid: Grid, not_before_ns: int, first_seed_beat: float, seed_start_ns: int,
               encoding_start: float = 0.0) -> float:
    """The beat of the grid's axis where the answer's first note goes (see the module docstring)."""
    earliest = grid.beat_at(not_before_ns)
    mode = resolve(mode, grid)
    if mode == "now":
        return earliest
    if mode not in ENTRIES:
        raise ValueError(f"entry must be one of {', '.join(ENTRIES)}, got {mode!r}")
    period = 1.0 if mode == "beat" else grid.quantum
    placed = grid.beat_at(seed_start_ns) + first_seed_beat  # where the model put it, on the axis
    if grid.downbeat_ns is not None:
        # a shared grid: the model's place in its bar, on the grid's bar lines (the nearest such beat)
        phase = grid.bar_origin_beat + (first_seed_beat - encoding_start)
        placed = phase + round((placed - phase) / period) * period
    if placed >= earliest - EPSILON_BEATS:
        return placed
    return placed + math.ceil((earliest - placed) / period - EPSILON_BEATS) * period


class Placement:
    """One answer's notes in time: the entry is placed at its first note, and each note's time is read on
    the grid in force then (the scheduler's ``grid``), so the answer stays on the beat axis. A scheduler
    without a grid (a test's) gets fixed times: from the phrase end on, at the answer's tempo."""

    def __init__(self, scheduler: Any, clock: Callable[[], int], cfg: Any, anchor_ns: int,
                 start_ns: int | None, seed_notes: Sequence[Note]) -> None:
        self._scheduler = scheduler
        self._clock = clock
        self._cfg = cfg
        self._anchor_ns = anchor_ns
        self._start_ns = start_ns
        self._seed_end = max((n.start + n.duration for n in seed_notes), default=0.0)
        self._offset_ns = round(cfg.latency_ms * NS_PER_MS)
        self._earliest_ns = anchor_ns + round(cfg.lookahead_ms * NS_PER_MS)
        self._entry: float | None = None
        self._base_ns: int | None = None  # without a grid

    def place(self, note: Note, run: Any) -> tuple[int, float | None, int]:
        """(due ns, beat on the axis or ``None``, note-off ns) of ``note`` (``run``: its Continuation)."""
        grid: Grid | None = getattr(self._scheduler, "grid", None)
        if grid is None:
            return self._fixed(note)
        if self._entry is None:
            not_before = max(self._earliest_ns, self._clock())
            start = self._start_ns
            if start is None:  # the seed ended at the anchor
                start = self._anchor_ns - grid.ns(self._seed_end)
            first = run.first_seed_beat
            self._entry = (grid.beat_at(not_before) if first is None else
                           entry_beat(self._cfg.entry, grid, not_before, first, start, run.encoding_start))
        beat = self._entry + note.start
        return (grid.ns_at(beat) + self._offset_ns, beat,
                grid.ns_at(beat + note.duration) + self._offset_ns)

    def _fixed(self, note: Note) -> tuple[int, None, int]:
        tempo = self._cfg.tempo_bpm
        first = self._base_ns is None
        if self._base_ns is None:
            self._base_ns = self._earliest_ns + self._offset_ns
        at = self._base_ns + beats_to_ns(note.start, tempo)
        now = self._clock() if first else at
        if at < now:  # never into the past: a late first note shifts the whole answer, keeping its rhythm
            self._base_ns += now - at
            at = now
        return at, None, at + beats_to_ns(note.duration, tempo)


def seed_bar_origin(grid: Grid, seed_start_ns: int) -> float | None:
    """Where a bar of the shared grid starts on a seed's time line (beats from its beat 0, played at
    ``seed_start_ns``), so the model sees the seed where it lies in the clock's bars; ``None`` when no
    grid is shared (the seed's first note is then its downbeat). Rounded to 1/32 beat, so the phrase
    offered while it is played and the finished one agree."""
    if grid.downbeat_ns is None:
        return None
    origin = (grid.bar_origin_beat - grid.beat_at(seed_start_ns)) % grid.quantum
    return round(origin * 32) / 32 % grid.quantum
