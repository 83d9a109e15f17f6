"""Musical time in one place: tempo, beat origin and bar grid, from the tempo parameter or MIDI clock.

``Timeline`` is written by one thread (the control thread) and read everywhere through ``grid``, an
immutable :class:`Grid` snapshot: the phrase capture turns played notes into beats with it, the engine's
commands carry it, and the scheduler plays at its tempo. Its sources implement :class:`TempoSource`:
``internal`` (the ``tempo`` parameter) and ``midi`` (incoming MIDI clock, 24 ppqn). Ableton Link would be
a third source registered the same way.

When the MIDI clock stops, the ``midi`` source keeps its last tempo (the tempo the performer was playing
in) until a clock comes back, so a phrase played against the clock is answered at that tempo.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Protocol

from bridge.midi_clock import MidiClock

NS_PER_S = 1_000_000_000
MIDI_CLOCK_KINDS = ("clock", "start", "stop", "continue", "songpos")


@dataclass(frozen=True, slots=True)
class Grid:
    """Musical time as of one moment: ``tempo_bpm``; ``downbeat_ns`` a bar line on the clock (``None``:
    each phrase's first note starts a bar); ``bar_beats`` beats per bar; ``source`` its origin."""

    tempo_bpm: float
    bar_beats: int = 4
    downbeat_ns: int | None = None
    source: str = "internal"

    @property
    def ns_per_beat(self) -> float:
        return 60.0 * NS_PER_S / self.tempo_bpm

    def beats(self, duration_ns: float) -> float:
        """``duration_ns`` in beats at this tempo."""
        return duration_ns / self.ns_per_beat

    def ns(self, beats: float) -> int:
        """``beats`` in ns at this tempo."""
        return round(beats * self.ns_per_beat)


class TempoSource(Protocol):
    """Where the tempo can come from; ``None`` means no opinion (the tempo parameter holds)."""

    name: str

    def tempo_bpm(self) -> float | None: ...

    def downbeat_ns(self) -> int | None: ...


class MidiClockSource:
    """Tempo and downbeat from incoming MIDI clock; the last tempo is held after the clock stops."""

    name = "midi"

    def __init__(self, clock: MidiClock | None = None) -> None:
        self.clock = clock if clock is not None else MidiClock()
        self._held: float | None = None
        self._downbeat: int | None = None

    def feed(self, kind: str, t_ns: int, value: int = 0) -> None:
        """One MIDI real-time message (``clock``, ``start``, ``stop``, ``continue``, ``songpos``)."""
        clock = self.clock
        clock.feed(kind, t_ns, value)
        if clock.tempo_bpm is not None:
            self._held = clock.tempo_bpm
        if kind == "clock" and clock.ticks == 0 and clock.start_ns is not None:
            self._downbeat = clock.start_ns  # the first tick after a start is a downbeat
        elif kind == "stop":
            self._downbeat = None

    def tempo_bpm(self) -> float | None:
        return self._held

    def downbeat_ns(self) -> int | None:
        return self._downbeat


class Timeline:
    """The owner of musical time; see the module docstring. Not thread-safe for writing: one thread
    calls the setters, any thread may read ``grid``."""

    def __init__(self, tempo_bpm: float = 120.0, bar_beats: int = 4, source: str = "internal",
                 midi: MidiClockSource | None = None) -> None:
        self._check_tempo(tempo_bpm)
        self.midi = midi if midi is not None else MidiClockSource()
        self._sources: dict[str, TempoSource] = {"midi": self.midi}
        self._param_tempo = float(tempo_bpm)
        self._source = "internal"
        self._grid = Grid(float(tempo_bpm), int(bar_beats))
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
    def sources(self) -> tuple[str, ...]:
        return ("internal", *self._sources)

    def register(self, source: TempoSource) -> None:
        """Add a tempo source (e.g. Ableton Link) selectable by its ``name``."""
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
        self._grid = replace(self._grid, bar_beats=int(bar_beats))
        return True

    def midi_event(self, kind: str, t_ns: int, value: int = 0) -> bool:
        """Feed one MIDI real-time message; True when the grid changed (the clock drives it)."""
        self.midi.feed(kind, t_ns, value)
        return self._source == "midi" and self._update()

    def _update(self) -> bool:
        tempo, downbeat = self._param_tempo, None
        source = self._sources.get(self._source)
        if source is not None:
            tempo = source.tempo_bpm() or tempo
            downbeat = source.downbeat_ns()
        old = self._grid
        if abs(tempo - old.tempo_bpm) <= 0.05 and source is not None:
            tempo = old.tempo_bpm  # a clock's last digits moving is not a tempo change
        grid = Grid(tempo, old.bar_beats, downbeat, self._source)
        if grid == old:
            return False
        self._grid = grid
        return True

    @staticmethod
    def _check_tempo(tempo_bpm: float) -> None:
        if not (math.isfinite(tempo_bpm) and tempo_bpm > 0):
            raise ValueError(f"tempo must be a positive BPM, got {tempo_bpm!r}")
