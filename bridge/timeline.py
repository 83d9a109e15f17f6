"""Musical time in one place: tempo, a continuous beat axis, bar grid and transport, from one source.

``Timeline`` is written by one thread (the control thread) and read everywhere through ``grid``, an
immutable :class:`Grid` snapshot: the phrase capture turns played notes into beats with it, the engine
places an answer's notes on its beat axis, the scheduler plays (and re-times) them on it, and MIDI clock
out ticks on it. Its sources implement :class:`TempoSource`: ``internal`` (the ``tempo`` parameter),
``midi`` (incoming MIDI clock, 24 ppqn) and ``link`` (an Ableton Link session,
:class:`bridge.link_clock.LinkSource`), each registered the same way.

The beat axis is what "on the beat" means: ``Grid.beat_at(t_ns)`` and ``Grid.ns_at(beat)`` map between
``perf_counter_ns`` and beats, continuous across tempo changes (a change re-anchors the axis where it
happens). With Link the beats are the session's own (their phase per ``quantum`` is shared with every
peer); with MIDI clock they count from the clock's start (the song position); with the internal tempo
they count from the timeline's creation. ``downbeat_ns`` is a bar line of a grid others hear (a clock
followed, or segue's own while it sends clock out), ``None`` when no one shares segue's bars.

When the MIDI clock stops, the ``midi`` source keeps its last tempo (the tempo the performer was playing
in) until a clock comes back, so a phrase played against the clock is answered at that tempo.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from bridge.link_clock import LinkSource
from bridge.midi_clock import PPQN, MidiClock

NS_PER_S = 1_000_000_000
MIDI_CLOCK_KINDS = ("clock", "start", "stop", "continue", "songpos")
ANCHOR_TOLERANCE_NS = 500_000  # a source's beat within this of the grid's prediction is no change
HELD_TEMPO_BPM = 0.05  # a MIDI clock's tempo moving less than this is not a tempo change


@dataclass(frozen=True, slots=True)
class Grid:
    """Musical time as of one moment (see the module docstring): ``tempo_bpm``; ``bar_beats`` beats per
    bar of the phrase capture; ``downbeat_ns`` a bar line others share (``None``: each phrase's first
    note starts a bar); ``source`` its origin; the beat axis through (``anchor_ns``, ``anchor_beat``);
    ``quantum`` the beats of a bar for entries and Link phase; ``playing`` whether the followed
    transport runs, and ``song_beat`` the beat where it started (``None``: no transport)."""

    tempo_bpm: float
    bar_beats: int = 4
    downbeat_ns: int | None = None
    source: str = "internal"
    anchor_ns: int = 0
    anchor_beat: float = 0.0
    quantum: float = 4.0
    playing: bool = False
    song_beat: float | None = None

    @property
    def ns_per_beat(self) -> float:
        return 60.0 * NS_PER_S / self.tempo_bpm

    def beats(self, duration_ns: float) -> float:
        """``duration_ns`` in beats at this tempo."""
        return duration_ns / self.ns_per_beat

    def ns(self, beats: float) -> int:
        """``beats`` in ns at this tempo."""
        return round(beats * self.ns_per_beat)

    def beat_at(self, t_ns: int) -> float:
        """The beat on the axis at ``t_ns``."""
        return self.anchor_beat + (t_ns - self.anchor_ns) / self.ns_per_beat

    def ns_at(self, beat: float) -> int:
        """When ``beat`` of the axis falls (perf_counter_ns)."""
        return self.anchor_ns + round((beat - self.anchor_beat) * self.ns_per_beat)

    @property
    def bar_origin_beat(self) -> float:
        """A beat where a shared bar starts (``downbeat_ns``'s), or the axis' beat 0 without one."""
        return 0.0 if self.downbeat_ns is None else self.beat_at(self.downbeat_ns)

    def phase(self, t_ns: int) -> float:
        """Beats since the last bar line at ``t_ns``, in [0, quantum)."""
        return (self.beat_at(t_ns) - self.bar_origin_beat) % self.quantum


class TempoSource(Protocol):
    """Where the tempo can come from; ``None`` means no opinion (the tempo parameter holds).

    A source may also have ``anchor()`` (``(t_ns, beat)`` on its beat axis, or ``None``), ``playing()``,
    ``song_beat()`` and ``exact`` (its tempo is taken to the last digit, not held within
    ``HELD_TEMPO_BPM``)."""

    name: str

    def tempo_bpm(self) -> float | None: ...

    def downbeat_ns(self) -> int | None: ...


class MidiClockSource:
    """Tempo, beats and downbeat from incoming MIDI clock; the last tempo is held after the clock stops."""

    name = "midi"
    exact = False

    def __init__(self, clock: MidiClock | None = None) -> None:
        self.clock = clock if clock is not None else MidiClock()
        self._held: float | None = None
        self._downbeat: int | None = None
        self._tick_ns: int | None = None  # the last tick while running

    def feed(self, kind: str, t_ns: int, value: int = 0) -> None:
        """One MIDI real-time message (``clock``, ``start``, ``stop``, ``continue``, ``songpos``)."""
        clock = self.clock
        clock.feed(kind, t_ns, value)
        if clock.tempo_bpm is not None:
            self._held = clock.tempo_bpm
        if kind == "clock" and clock.running and clock.start_ns is not None:
            self._tick_ns = t_ns
            if clock.ticks == 0:
                self._downbeat = clock.start_ns  # the first tick after a start is a downbeat
        elif kind == "stop":
            self._downbeat = None
            self._tick_ns = None

    def tempo_bpm(self) -> float | None:
        return self._held

    def downbeat_ns(self) -> int | None:
        return self._downbeat

    def anchor(self) -> tuple[int, float] | None:
        """The last tick and its song position in beats, while the clock runs."""
        if self._tick_ns is None or self._held is None:
            return None
        fitted = self.clock.fitted_tick_ns
        return (self._tick_ns if fitted is None else fitted), self.clock.ticks / PPQN

    def playing(self) -> bool:
        return self.clock.running

    def song_beat(self) -> float | None:
        return 0.0 if self.clock.running else None


class Timeline:
    """The owner of musical time; see the module docstring. Not thread-safe for writing: one thread
    calls the setters (and hears ``add_listener``'s callbacks), any thread may read ``grid``."""

    def __init__(self, tempo_bpm: float = 120.0, bar_beats: int = 4, source: str = "internal",
                 midi: MidiClockSource | None = None, *, link: LinkSource | None = None,
                 clock: Callable[[], int] = time.perf_counter_ns) -> None:
        self._check_tempo(tempo_bpm)
        self.clock = clock
        self.midi = midi if midi is not None else MidiClockSource()
        self.link = link if link is not None else LinkSource(tempo_bpm, clock=clock)
        self._sources: dict[str, TempoSource] = {"midi": self.midi, "link": self.link}
        self._param_tempo = float(tempo_bpm)
        self._source = "internal"
        self._shared = False  # the internal grid is heard by others (clock out)
        self._own_axis = True  # the grid's beat axis is segue's own (no source gives one)
        self._bar_beats = int(bar_beats)
        self._quantum = float(bar_beats)
        self._listeners: list[Callable[[Grid], None]] = []
        self._grid = Grid(float(tempo_bpm), int(bar_beats), anchor_ns=clock(), quantum=float(bar_beats))
        self.set_source(source)

    @property
    def grid(self) -> Grid:
        """Musical time now (an immutable snapshot; reading it is safe from any thread)."""
        return self._grid

    @property
    def midi_clock(self) -> MidiClock:
        """The MIDI clock follower (transport state, ticks)."""
        return self.midi.clock

    @property
    def source(self) -> str:
        return self._source

    @property
    def sources(self) -> tuple[str, ...]:
        return ("internal", *self._sources)

    def add_listener(self, listener: Callable[[Grid], None]) -> Callable[[], None]:
        """Call ``listener(grid)`` on every change (on the writing thread); returns its remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def register(self, source: TempoSource) -> None:
        """Add a tempo source selectable by its ``name``."""
        self._sources[source.name] = source
        self._update()

    def set_source(self, name: str) -> bool:
        """Follow ``internal`` (the tempo parameter) or a registered source; True when the grid changed."""
        if name != "internal" and name not in self._sources:
            raise ValueError(f"unknown clock source {name!r}; one of {', '.join(self.sources)}")
        self._source = name
        return self._update()

    def set_tempo(self, tempo_bpm: float) -> bool:
        """The tempo parameter (used by the internal source, and by others while they have none)."""
        self._check_tempo(tempo_bpm)
        self._param_tempo = float(tempo_bpm)
        return self._update()

    def set_bar_beats(self, bar_beats: int) -> bool:
        if bar_beats < 1:
            raise ValueError(f"bar_beats must be >= 1, got {bar_beats!r}")
        self._bar_beats = int(bar_beats)
        return self._update()

    def set_quantum(self, quantum: float) -> bool:
        """Beats of a bar for entries, Link phase and clock out's bar lines."""
        if not (math.isfinite(quantum) and quantum > 0):
            raise ValueError(f"quantum must be > 0 beats, got {quantum!r}")
        for source in self._sources.values():
            set_q = getattr(source, "set_quantum", None)
            if set_q is not None:
                set_q(float(quantum))
        moved = float(quantum) != self._quantum
        self._quantum = float(quantum)
        return self._update(force=moved)

    def share(self, shared: bool) -> bool:
        """Whether others hear segue's own grid (clock out runs): its bar lines then count, like a
        followed clock's."""
        self._shared = bool(shared)
        return self._update()

    def midi_event(self, kind: str, t_ns: int, value: int = 0) -> bool:
        """Feed one MIDI real-time message; True when the grid changed (the clock drives it)."""
        self.midi.feed(kind, t_ns, value)
        return self._source == "midi" and self._update()

    def refresh(self) -> bool:
        """Read the source again (Link news, or time passing); True when the grid changed."""
        return self._update()

    def _update(self, force: bool = False) -> bool:
        old = self._grid
        now = self.clock()
        source = self._sources.get(self._source)
        tempo, downbeat, anchor = self._param_tempo, None, None
        playing, song = False, None
        if source is not None:
            tempo = source.tempo_bpm() or tempo
            downbeat = source.downbeat_ns()
            anchor = _call(source, "anchor", None)
            playing = bool(_call(source, "playing", False))
            song = _call(source, "song_beat", None)
            if not getattr(source, "exact", False) and abs(tempo - old.tempo_bpm) <= HELD_TEMPO_BPM:
                tempo = old.tempo_bpm  # a clock's last digits moving is not a tempo change
        moved = old.source != self._source or tempo != old.tempo_bpm or force
        if anchor is None:  # segue's own axis: continuous where the tempo changes
            anchor = (now, old.beat_at(now)) if moved or not self._own_axis else None
            self._own_axis = True
        else:
            self._own_axis = False
        if not self._own_axis and not moved and abs(old.ns_at(anchor[1]) - anchor[0]) <= ANCHOR_TOLERANCE_NS:
            anchor = None  # the source's beat is where the grid says: no change
        anchor_ns, anchor_beat = anchor if anchor is not None else (old.anchor_ns, old.anchor_beat)
        if anchor is None and downbeat is not None and old.downbeat_ns is not None \
                and _on_bar_line(old, downbeat):
            downbeat = old.downbeat_ns  # another bar line of the same grid
        grid = replace(old, tempo_bpm=tempo, bar_beats=self._bar_beats, quantum=self._quantum,
                       source=self._source, anchor_ns=anchor_ns,
                       anchor_beat=anchor_beat, playing=playing, song_beat=song, downbeat_ns=downbeat)
        if source is None and self._shared:  # segue's own bar lines: beat 0 of its axis is one
            bar = math.floor(grid.beat_at(now) / grid.quantum) * grid.quantum
            grid = replace(grid, downbeat_ns=grid.ns_at(bar) if old.downbeat_ns is None or moved
                           else old.downbeat_ns)
        return self._publish(grid)

    def _publish(self, grid: Grid) -> bool:
        if grid == self._grid:
            return False
        self._grid = grid
        for listener in list(self._listeners):
            listener(grid)
        return True

    @staticmethod
    def _check_tempo(tempo_bpm: float) -> None:
        if not (math.isfinite(tempo_bpm) and tempo_bpm > 0):
            raise ValueError(f"tempo must be a positive BPM, got {tempo_bpm!r}")


def _on_bar_line(grid: Grid, t_ns: int) -> bool:
    """True when ``t_ns`` falls on one of ``grid``'s bar lines (within ``ANCHOR_TOLERANCE_NS``)."""
    off = grid.phase(t_ns)
    return min(off, grid.quantum - off) * grid.ns_per_beat <= ANCHOR_TOLERANCE_NS


def _call(source: object, name: str, default: object) -> object:
    method = getattr(source, name, None)
    return default if method is None else method()
