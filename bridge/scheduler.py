"""Musical time: note-on/note-off events sent when due, with every note-on matched by its note-off.

- ``Scheduler``: single-threaded core with an injected clock and sink. ``schedule(note, at_ns)`` queues a
  note-on at ``at_ns`` and its note-off ``duration`` beats later (at the current tempo); ``poll(now)``
  sends what is due, in order, and returns the wait until the next event. Tests drive it directly.
- ``RealtimeScheduler`` (``bridge.realtime``): the same core owned by one thread that sleeps until
  ~1 ms before the next event, then spins on ``time.perf_counter_ns``. Other threads talk to it through
  a queue (thread-safe ``schedule``, ``all_notes_off``, ``panic``, ``set_tempo``); ``close()``
  releases every note.
- ``EventSink``: where events go (MIDI port, OSC replier, a test recorder); ``FanoutSink`` feeds several.
Notes on the beat axis: ``schedule(note, at_ns, beat=...)`` places a note on the grid's beat axis
(:class:`~bridge.timeline.Grid`); ``set_grid`` (a tempo change, a Link or MIDI clock correction) then
re-times every such note not yet sent, and the note-offs of the sounding ones, so an answer stays on
the shared beat whatever the tempo does. Tickers (MIDI clock out, ``bridge.clock_out``) ride the same
loop: ``next_due()`` and ``fire(now)``, re-timed by ``set_grid`` too.

Overlapping notes of the same pitch and channel: a second note-on first ends the sounding one (a
retrigger), and the first note's own note-off is then skipped, so each note-on sent gets one note-off.

Late notes: a note-on whose due time passed by more than ``late_ms`` when it could be sent (after a stall,
or from an answer that fell behind) is not sent, nor its note-off; ``LatenessStats.dropped`` counts them.
So a process that was stopped for seconds does not fire its backlog at once when it goes on.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Protocol

from bridge.notes import Note
from bridge.params import param_table
from bridge.timeline import Grid

log = logging.getLogger(__name__)

NS_PER_S = 1_000_000_000
NS_PER_MS = 1_000_000
YIELD_NS = 200_000  # below this the scheduler spins without yielding the interpreter


def beats_to_ns(beats: float, tempo_bpm: float) -> int:
    """Duration of ``beats`` quarter notes at ``tempo_bpm``, in ns."""
    return round(beats * 60.0 * NS_PER_S / tempo_bpm)


class SchedulerLike(Protocol):
    """What the engine needs of a scheduler (the real-time one, or a test's); ``flush`` is optional."""

    def schedule(self, note: Note, at_ns: int) -> None: ...

    def all_notes_off(self, wait: bool = True) -> object: ...

    def panic(self) -> object: ...


class EventSink(Protocol):
    """Receives note events when they are due. Channels are 0-15."""

    def note_on(self, pitch: int, velocity: int, channel: int, duration_beats: float = 0.0) -> None: ...

    def note_off(self, pitch: int, channel: int) -> None: ...

    def all_notes_off(self) -> None: ...


class FanoutSink:
    """Sends every event to each sink in turn; a failing sink is logged and the others still get it."""

    def __init__(self, sinks: Iterable[EventSink] = ()) -> None:
        self._sinks: list[EventSink] = list(sinks)

    def add(self, sink: EventSink) -> None:
        """Append a sink (call before the scheduler runs)."""
        self._sinks.append(sink)

    def _each(self, what: str, call: Callable[[EventSink], None]) -> None:
        for sink in self._sinks:
            try:
                call(sink)
            except Exception:
                log.exception("%s failed on %r", what, sink)

    def note_on(self, pitch: int, velocity: int, channel: int, duration_beats: float = 0.0) -> None:
        self._each("note_on", lambda s: s.note_on(pitch, velocity, channel, duration_beats))

    def note_off(self, pitch: int, channel: int) -> None:
        self._each("note_off", lambda s: s.note_off(pitch, channel))

    def all_notes_off(self) -> None:
        self._each("all_notes_off", lambda s: s.all_notes_off())


@dataclass(frozen=True, slots=True)
class Event:
    """One scheduled event. ``kind`` is ``"on"`` or ``"off"``; ``note_id`` pairs an off with its on."""

    due_ns: int
    kind: str
    pitch: int
    velocity: int
    channel: int
    duration_beats: float
    note_id: int
    queued_ns: int = 0  # when it was scheduled: after ``due_ns`` means it arrived late
    beat: float | None = None  # its place on the grid's beat axis (None: a fixed time)
    offset_ns: int = 0  # due time minus the beat's time (the output offset)


class Ticker(Protocol):
    """Something the scheduler's loop fires on time besides notes (MIDI clock out)."""

    def next_due(self) -> int | None: ...

    def fire(self, now_ns: int) -> None: ...

    def set_grid(self, grid: Grid, now_ns: int) -> None: ...


class LatenessStats:
    """Lateness of sent events (send time minus due time): count, late count, max and recent percentiles."""

    def __init__(self, window: int = 1024, late_ns: int = NS_PER_MS) -> None:
        self.late_ns = late_ns
        self.count = 0
        self.late = 0
        self.max_ns = 0
        self.behind = 0  # events scheduled after they were due (generation did not keep up)
        self.dropped = 0  # note-ons not sent (with their note-offs): more than late_ms late
        self._recent: deque[int] = deque(maxlen=window)
        self._lock = threading.Lock()

    def record(self, lateness_ns: int, arrived_late: bool = False) -> None:
        """Add one event's lateness (negative values count as 0: sent early is not possible).

        ``count``, ``late`` and ``max`` cover every event; the percentiles only the events that arrived
        in time, so they are the scheduler's own jitter. ``behind`` counts those that arrived late.
        """
        lateness_ns = max(0, lateness_ns)
        with self._lock:
            self.count += 1
            if lateness_ns > self.late_ns:
                self.late += 1
            self.max_ns = max(self.max_ns, lateness_ns)
            if arrived_late:
                self.behind += 1
            else:
                self._recent.append(lateness_ns)

    def record_dropped(self) -> None:
        """One note-on (and its note-off) not sent: too late."""
        with self._lock:
            self.dropped += 1

    def snapshot(self) -> dict[str, float]:
        """``count``, ``late`` (over ``late_ns``), ``max_ms``, ``behind``, ``dropped`` (not sent: too late),
        and the scheduler's jitter ``p50_ms``/``p99_ms`` over the recent events that arrived in time."""
        with self._lock:
            recent = sorted(self._recent)
            count, late, max_ns, behind = self.count, self.late, self.max_ns, self.behind
            dropped = self.dropped

        def pct(q: float) -> float:
            if not recent:
                return 0.0
            return recent[min(len(recent) - 1, int(q * len(recent)))] / NS_PER_MS

        return {"count": count, "late": late, "max_ms": max_ns / NS_PER_MS, "behind": behind,
                "dropped": dropped, "p50_ms": pct(0.5), "p99_ms": pct(0.99)}


def _check_tempo(tempo_bpm: float) -> None:
    if not (tempo_bpm > 0 and tempo_bpm < 10_000):
        raise ValueError(f"tempo must be a positive BPM, got {tempo_bpm!r}")


class Scheduler:
    """Sends note events when due; not thread-safe (one owner calls every method).

    ``clock()`` returns monotonic ns; ``output`` receives the events. ``warn_late_ns``: events later than
    this are logged. ``late_ms`` (default: the registry's): a note-on later than this is dropped with its
    note-off. (The output offset, ``latency_ms``, is in the due times the engine gives.)
    """

    def __init__(self, clock: Callable[[], int], output: EventSink, *, tempo_bpm: float = 120.0,
                 warn_late_ns: int = 5 * NS_PER_MS, late_ms: float | None = None) -> None:
        _check_tempo(tempo_bpm)
        self.clock = clock
        self.output = output
        self.tempo_bpm = tempo_bpm
        self.warn_late_ns = warn_late_ns
        self.late_ns = 0
        self.set_late_ms(float(param_table()["late_ms"].default) if late_ms is None else late_ms)
        self.stats = LatenessStats()
        self._heap: list[tuple[int, int, int, Event]] = []
        self._seq = itertools.count()
        self._ids = itertools.count(1)
        self._sounding: dict[tuple[int, int], int] = {}  # (channel, pitch) -> note_id
        self.grid: Grid | None = None  # the beat axis of notes scheduled on it
        self.tickers: list[Ticker] = []

    # -- configuration
    def set_tempo(self, tempo_bpm: float) -> None:
        """Tempo used to turn durations into ns for notes scheduled from now on."""
        _check_tempo(tempo_bpm)
        self.tempo_bpm = tempo_bpm

    def set_late_ms(self, late_ms: float) -> None:
        """Note-ons later than ``late_ms`` are dropped (with their note-offs) from now on."""
        if not late_ms > 0:
            raise ValueError(f"late_ms must be > 0, got {late_ms!r}")
        self.late_ns = round(late_ms * NS_PER_MS)

    def beats_to_ns(self, beats: float) -> int:
        """``beats`` at the current tempo, in ns."""
        return beats_to_ns(beats, self.tempo_bpm)

    def set_grid(self, grid: Grid, now: int | None = None) -> None:
        """A new beat axis: notes placed on beats (and tickers) are re-timed onto it."""
        self.grid = grid
        now = self.clock() if now is None else now
        if any(entry[3].beat is not None for entry in self._heap):
            self._heap = [self._retimed(entry, grid) for entry in self._heap]
            heapq.heapify(self._heap)
        for ticker in self.tickers:
            ticker.set_grid(grid, now)

    @staticmethod
    def _retimed(entry: tuple[int, int, int, Event], grid: Grid) -> tuple[int, int, int, Event]:
        ev = entry[3]
        if ev.beat is None:
            return entry
        due = grid.ns_at(ev.beat) + ev.offset_ns
        return (due, entry[1], entry[2], replace(ev, due_ns=due))

    # -- queries
    @property
    def pending(self) -> int:
        """Number of events waiting."""
        return len(self._heap)

    @property
    def sounding(self) -> list[tuple[int, int]]:
        """(channel, pitch) of the notes on now."""
        return sorted(self._sounding)

    def next_due(self) -> int | None:
        """Due time of the next event or tick, or ``None``."""
        times = [t for t in (ticker.next_due() for ticker in self.tickers) if t is not None]
        if self._heap:
            times.append(self._heap[0][0])
        return min(times) if times else None

    # -- scheduling
    def schedule(self, note: Note, at_ns: int, queued_ns: int | None = None,
                 beat: float | None = None) -> None:
        """Queue ``note``'s note-on at ``at_ns``, its note-off ``note.duration`` beats later.

        ``queued_ns``: when the caller handed it over (default: now), to tell late arrivals apart.
        ``beat``: its place on the grid's beat axis (``at_ns`` is that beat's time plus an output offset):
        a later ``set_grid`` re-times it, and its note-off lies ``duration`` beats on (needs a grid).
        """
        on_ns = int(at_ns)
        note_id = next(self._ids)
        q = self.clock() if queued_ns is None else queued_ns
        grid = self.grid
        if beat is not None and grid is not None:
            offset = on_ns - grid.ns_at(beat)
            off_beat = beat + note.duration
            off_ns = max(on_ns + 1, grid.ns_at(off_beat) + offset)
            self._push(Event(on_ns, "on", note.pitch, note.velocity, note.channel, note.duration, note_id, q,
                             beat, offset))
            self._push(Event(off_ns, "off", note.pitch, 0, note.channel, note.duration, note_id, q,
                             off_beat, offset))
            return
        off_ns = on_ns + max(1, self.beats_to_ns(note.duration))
        self._push(Event(on_ns, "on", note.pitch, note.velocity, note.channel, note.duration, note_id, q))
        self._push(Event(off_ns, "off", note.pitch, 0, note.channel, note.duration, note_id, q))

    def schedule_phrase(self, notes: Iterable[Note], origin_ns: int) -> None:
        """Queue notes whose ``start`` (beats) counts from ``origin_ns``, at the current tempo."""
        for note in notes:
            self.schedule(note, origin_ns + self.beats_to_ns(note.start))

    def _push(self, ev: Event) -> None:
        # at equal times note-offs go first, so a note ending where the next one of its pitch starts
        # does not cut the new one
        heapq.heappush(self._heap, (ev.due_ns, 0 if ev.kind == "off" else 1, next(self._seq), ev))

    def poll(self, now: int | None = None) -> int | None:
        """Send every event due at ``now`` (default ``clock()``) in order; return ns until the next one.

        Returns ``None`` when nothing is pending, else the wait (>= 1 ns).
        """
        if now is None:
            now = self.clock()
        for ticker in self.tickers:
            due = ticker.next_due()
            if due is not None and due <= now:
                self._fire(ticker, now)
        while self._heap and self._heap[0][0] <= now:
            ev = heapq.heappop(self._heap)[3]
            self._send(ev, now)
        due = self.next_due()
        return None if due is None else max(1, due - now)

    @staticmethod
    def _fire(ticker: Ticker, now: int) -> None:
        try:
            ticker.fire(now)
        except Exception:
            log.exception("%r failed", ticker)

    def _send(self, ev: Event, now: int) -> None:
        key = (ev.channel, ev.pitch)
        if ev.kind == "off":
            if self._sounding.get(key) != ev.note_id:
                return  # this note was retriggered or released already
            del self._sounding[key]
            self._out_off(ev.pitch, ev.channel)
        else:
            if now - ev.due_ns > self.late_ns:
                self.stats.record_dropped()  # its note-off finds it not sounding, and is skipped
                log.debug("note-on %d dropped: %.1f ms late", ev.pitch, (now - ev.due_ns) / NS_PER_MS)
                return
            if key in self._sounding:
                del self._sounding[key]
                self._out_off(ev.pitch, ev.channel)
            self._sounding[key] = ev.note_id
            try:
                self.output.note_on(ev.pitch, ev.velocity, ev.channel, ev.duration_beats)
            except Exception:
                log.exception("note-on %d on channel %d failed", ev.pitch, ev.channel + 1)
        late = now - ev.due_ns
        self.stats.record(late, arrived_late=ev.queued_ns > ev.due_ns)
        if late > self.warn_late_ns:
            log.warning("note-%s %d sent %.2f ms late", ev.kind, ev.pitch, late / NS_PER_MS)

    def _out_off(self, pitch: int, channel: int) -> None:
        try:
            self.output.note_off(pitch, channel)
        except Exception:
            log.exception("note-off %d on channel %d failed", pitch, channel + 1)

    # -- release
    def cancel_pending(self) -> None:
        """Drop every pending event and send a note-off for each sounding note (new seed, stop)."""
        self._heap.clear()
        for channel, pitch in sorted(self._sounding):
            self._out_off(pitch, channel)
        self._sounding.clear()

    def all_notes_off(self, wait: bool = True) -> None:
        """Same as ``cancel_pending``: nothing pending, nothing sounding afterwards (done at once, so
        ``wait`` changes nothing here; it matters to ``RealtimeScheduler``)."""
        self.cancel_pending()

    def panic(self) -> None:
        """``cancel_pending`` and then the sink's own all-notes-off (MIDI CC 123 on every channel)."""
        self.cancel_pending()
        try:
            self.output.all_notes_off()
        except Exception:
            log.exception("all-notes-off failed")


from bridge.realtime import RealtimeScheduler  # noqa: E402  (the thread around the core, re-exported)

__all__ = ["Event", "EventSink", "FanoutSink", "LatenessStats", "RealtimeScheduler",
           "Scheduler", "Ticker", "beats_to_ns"]
