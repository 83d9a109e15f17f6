"""MIDI clock out: 24 ticks a beat on the grid's beat axis, with start, stop, continue and song position.

:class:`ClockOut` is a scheduler :class:`~bridge.scheduler.Ticker`: the scheduler's thread fires it when
its next tick is due (sleep, then spin, like a note) and hands it every new grid, so the ticks follow the
tempo in force - the internal tempo, a Link session's or a followed MIDI clock's - and fall on its beats
(tick ``k`` at beat ``k / 24`` of the axis): a drum machine slaved to it plays on the same beat as segue
and every Link peer.

Transport: with ``follow`` (a Link session with start/stop sync, or a followed MIDI clock) the clock's
transport mirrors the grid's: when it starts, ``start`` goes out just before the tick of its first bar
line (or, joining a song that plays already, ``songpos`` then ``continue`` at the next bar line, with the
position in sixteenths since the song's first bar line), so a device's bars are the grid's; when it
stops, ``stop``. Without ``follow`` (the
internal tempo) the transport starts at the next bar line once clock out is on. The ticks run while the
transport is stopped too (devices keep their tempo). ``finish()`` sends the last ``stop``.

Where the bytes go: :class:`OutputClock` (segue's MIDI output port) or :class:`ClockPort` (a port of its
own, ``segue clock``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from bridge.midi_clock import PPQN
from bridge.timeline import Grid

log = logging.getLogger(__name__)

CLOCK_PORT = "segue clock"
DRAIN_S = 0.05  # after the last message, before the clock port closes
_BYTES = {"clock": 0xF8, "start": 0xFA, "continue": 0xFB, "stop": 0xFC}
Send = Callable[[str, int], None]


def clock_bytes(kind: str, value: int = 0) -> list[int]:
    """The MIDI bytes of ``kind`` (``songpos``: ``value`` in sixteenths, 0-16383)."""
    if kind == "songpos":
        value = max(0, min(16383, int(value)))
        return [0xF2, value & 0x7F, value >> 7]
    return [_BYTES[kind]]


class ClockOut:
    """See the module docstring. ``send(kind, value)`` writes one message; not thread-safe (the
    scheduler's thread owns it once added; before that, its creator)."""

    def __init__(self, send: Send, follow: bool = False) -> None:
        self._send = send
        self.follow = follow
        self.grid: Grid | None = None
        self.playing = False
        self.ticks = 0  # ticks sent
        self._tick: int | None = None  # the next tick's index on the axis: beat = tick / 24
        self._start_tick: int | None = None  # where the transport starts
        self._song_pos = 0  # sixteenths at that start (0: start, else songpos + continue)

    # Ticker
    def next_due(self) -> int | None:
        if self.grid is None or self._tick is None:
            return None
        return self.grid.ns_at(self._tick / PPQN)

    def fire(self, now_ns: int) -> None:
        """Send the tick due now (with the transport's start before it, when it starts there)."""
        if self._tick is None:
            return
        if self._start_tick is not None and self._tick >= self._start_tick:
            if self._song_pos > 0:
                self._out("songpos", self._song_pos)
                self._out("continue")
            else:
                self._out("start")
            self.playing = True
            self._start_tick = None
        self._out("clock")
        self.ticks += 1
        self._tick += 1

    def set_grid(self, grid: Grid, now_ns: int) -> None:
        """Follow a new grid: ticks re-timed on its beats, the transport started or stopped with it."""
        old, self.grid = self.grid, grid
        beat_now = grid.beat_at(now_ns)
        if self._tick is None or old is None or abs(self._tick / PPQN - beat_now) > 1.0:
            self._tick = math.ceil(beat_now * PPQN - 1e-6)  # a new axis (or a jump): the next tick on it
            self._start_tick = None
        if self.follow:
            self._follow_transport(grid, beat_now)
        elif not self.playing and self._start_tick is None:
            self._plan_start(self._next_bar(grid, beat_now), 0)

    def finish(self) -> None:
        """The transport stops (clock out turned off, or segue closing)."""
        if self.playing:
            self._out("stop")
        self.playing = False
        self._start_tick = None

    # internals
    def _follow_transport(self, grid: Grid, beat_now: float) -> None:
        if not grid.playing:
            if self.playing or self._start_tick is not None:
                self.finish()
            return
        if self.playing or self._start_tick is not None:
            return
        song = grid.song_beat if grid.song_beat is not None else beat_now
        first_bar = self._next_bar(grid, song - 1.0 / PPQN)  # the song's first bar line
        bar = max(first_bar, self._next_bar(grid, beat_now))
        self._plan_start(bar, round((bar - first_bar) * 4))  # whole bars in: the devices' bars are Link's

    def _next_bar(self, grid: Grid, beat_now: float) -> float:
        origin, q = grid.bar_origin_beat, grid.quantum
        return origin + math.ceil((beat_now - origin) / q - 1e-9) * q

    def _plan_start(self, beat: float, song_pos: int) -> None:
        self._start_tick = max(self._tick or 0, round(beat * PPQN))
        self._song_pos = song_pos

    def _out(self, kind: str, value: int = 0) -> None:
        try:
            self._send(kind, value)
        except Exception:
            log.exception("MIDI clock %s not sent", kind)


class OutputClock:
    """Clock messages on segue's MIDI output port (``bridge.midi_io.MidiPorts``)."""

    def __init__(self, ports: Any) -> None:
        import mido

        self._ports = ports
        self._message = mido.Message.from_bytes

    def __call__(self, kind: str, value: int = 0) -> None:
        self._ports.send(self._message(clock_bytes(kind, value)))

    def close(self) -> None:
        """Nothing of its own to close (the output port is the daemon's)."""


class ClockPort:
    """A MIDI output of its own for clock (``segue clock``), on the daemon's MIDI API."""

    def __init__(self, api: str, name: str = CLOCK_PORT, client_name: str = "segue-clock") -> None:
        import rtmidi

        from bridge.midi_apis import API_IDS

        self.name = name
        self._port = rtmidi.MidiOut(rtapi=API_IDS[api], name=client_name)
        self._port.open_virtual_port(name)

    def __call__(self, kind: str, value: int = 0) -> None:
        self._port.send_message(clock_bytes(kind, value))

    def close(self) -> None:
        """Closed once the last message (the stop) had time to leave: a JACK cycle or two."""
        import time

        from bridge.midi_apis import close_output

        time.sleep(DRAIN_S)
        close_output(self._port)
