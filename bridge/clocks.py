"""Playing in time, wired: the Link session, MIDI clock out and the grid's listeners, on the control thread.

:class:`Clocks` is what the daemon holds for musical time besides the :class:`~bridge.timeline.Timeline`
itself. On the control thread it joins or leaves the Link session as ``clock_source`` says, passes the
``quantum`` (0: the meter's bar) on, turns ``/segue/set tempo`` into a Link tempo request while Link
drives the tempo, hears Link's news (tempo, peers, start/stop: posted by Link's thread), sends every new
grid to the scheduler (which re-times the notes not yet sent, and the clock out ticks), ends the answer
when a Link session stops (``link_start_stop``), and runs MIDI clock out (``clock_out``). It composes
the time part of ``/segue/status``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bridge.clock_out import ClockOut, ClockPort, OutputClock
from bridge.errors import PREFIX, SegueError
from bridge.link_clock import LinkUnavailable
from bridge.offline import parse_meter
from bridge.timeline import Grid, Timeline
from bridge.tokens import bar_length

log = logging.getLogger(__name__)

PARAMS = ("clock_source", "tempo", "quantum", "meter", "link_start_stop", "clock_out")
STATUS_ARGS = "tempo:float clock_source:str beat:float phase:float peers:int link:str playing:int"


class ClockError(SegueError):
    """Link or clock out could not start; what plays goes on."""

    address = f"{PREFIX}/clock"


class Clocks:
    """See the module docstring. ``post(fn)`` runs ``fn`` on the control thread; ``session`` hears the
    grid change (``retime()``) and a Link stop (``stop(t_ns)``: the answer ends). Its parameter listener
    posts each change to the control thread (``param_changed``)."""

    def __init__(self, timeline: Timeline, params: Any, post: Callable[[Callable[[], None]], None], *,
                 clock: Callable[[], int], session: Any = None) -> None:
        self.timeline = timeline
        self.params = params
        self._post = post
        self._clock = clock
        self._session = session
        self._remove_params: Callable[[], None] | None = None
        self.scheduler: Any = None
        self.midi: Any = None
        self.clock_out: ClockOut | None = None
        self._clock_sink: Any = None
        self._remove_listener: Callable[[], None] | None = None
        self._link_playing = False

    @property
    def link(self) -> Any:
        return self.timeline.link

    # ------------------------------------------------------------ lifecycle (control thread)

    def open(self, scheduler: Any, midi: Any) -> Clocks:
        """Start following: the scheduler hears every grid; Link and clock out as the parameters say."""
        self.scheduler, self.midi = scheduler, midi
        self._remove_listener = self.timeline.add_listener(scheduler.set_grid)
        self._remove_params = self.params.add_listener(self._heard)
        scheduler.set_grid(self.timeline.grid)
        self._apply_quantum()
        self.link.set_start_stop_sync(bool(self.params["link_start_stop"]))
        for name in ("clock_source", "clock_out"):
            try:
                self.param_changed(name, self.params[name])
            except ClockError as exc:
                log.warning("%s", exc)
        return self

    def close(self) -> None:
        """Clock out's last stop, the clock port closed, the Link session left."""
        if self._remove_params is not None:
            self._remove_params()
            self._remove_params = None
        self._stop_clock_out()
        if self._remove_listener is not None:
            self._remove_listener()
            self._remove_listener = None
        self.link.disable()

    # ------------------------------------------------------------ parameters and news (control thread)

    def _heard(self, name: str, old: Any, new: Any) -> None:  # any thread
        if name in PARAMS:
            self._post(lambda: self.param_changed(name, new))

    def param_changed(self, name: str, value: Any) -> None:
        """A parameter changed (``Control.param_changed`` sets the timeline's source and tempo, before or
        after this)."""
        if name == "clock_source":
            if value == "link":
                self._join()
            elif self.link.enabled:
                self.link.disable()
                self._retime(self.timeline.refresh())
            self._follow_changed(str(value))
        elif name == "tempo" and self.timeline.source == "link" and self.link.enabled:
            self.link.request_tempo(float(value))  # every peer follows; the news brings it back
            self._retime(self.timeline.refresh())
        elif name in ("quantum", "meter"):
            self._apply_quantum()
        elif name == "link_start_stop":
            self.link.set_start_stop_sync(bool(value))
            self._follow_changed(self.timeline.source)
        elif name == "clock_out":
            self._stop_clock_out()
            if value != "off":
                self._start_clock_out(str(value))

    def link_news(self) -> None:
        """Link's tempo, peers or transport changed (or its refresh tick): read it, retime."""
        if not self.link.enabled:
            return
        state = self.link.refresh()
        changed = self.timeline.refresh() if self.timeline.source == "link" else False
        self._retime(changed)
        playing = bool(state and state.playing)
        stopped = self._link_playing and not playing
        self._link_playing = playing
        if stopped and self.timeline.source == "link" and self.params["link_start_stop"] \
                and self._session is not None:
            log.info("the Link session stopped: the answer ends")
            self._session.stop(self._clock())

    # ------------------------------------------------------------ status

    def status(self, now_ns: int | None = None) -> tuple[float, str, float, float, int, str, int]:
        """tempo, clock source, beat and phase (of the grid's bar) now, Link peers, Link state, playing."""
        grid: Grid = self.timeline.grid
        now = self._clock() if now_ns is None else now_ns
        return (round(grid.tempo_bpm, 3), grid.source, round(grid.beat_at(now), 3), round(grid.phase(now), 3),
                self.link.peers, self.link.status, int(grid.playing))

    def tempo_in_force(self) -> float:
        return round(self.timeline.grid.tempo_bpm, 3)

    # ------------------------------------------------------------ internals

    def _retime(self, changed: bool) -> None:
        if changed and self._session is not None:
            self._session.retime()

    def _join(self) -> None:
        if self.link.enabled:
            return
        try:
            self.link.enable(lambda: self._post(self.link_news))
        except (LinkUnavailable, OSError, RuntimeError) as exc:
            raise ClockError(f"cannot join Ableton Link ({exc}); the tempo stays internal") from None
        state = self.link.state
        self._link_playing = bool(state and state.playing)
        self._retime(self.timeline.refresh())

    def _apply_quantum(self) -> None:
        quantum = float(self.params["quantum"]) or bar_length(parse_meter(str(self.params["meter"])))
        self._retime(self.timeline.set_quantum(quantum))

    def _follows_transport(self, source: str | None = None) -> bool:
        source = self.timeline.source if source is None else source
        return source == "midi" or (source == "link" and bool(self.params["link_start_stop"]))

    def _follow_changed(self, source: str) -> None:
        out = self.clock_out
        if out is not None and self._follows_transport(source) != out.follow:
            mode = str(self.params["clock_out"])  # the transport starts again under its new rule
            self._stop_clock_out()
            self._start_clock_out(mode, source)

    def _start_clock_out(self, mode: str, source: str | None = None) -> None:
        if self.midi is None:
            raise ClockError("clock out needs MIDI: start segue without --no-midi")
        try:
            sink = OutputClock(self.midi) if mode == "output" else ClockPort(self.midi.api or "jack")
        except Exception as exc:
            raise ClockError(f"cannot open the clock port ({exc})") from None
        self._clock_sink = sink
        self.clock_out = ClockOut(sink, follow=self._follows_transport(source))
        self._retime(self.timeline.share(True))
        self.scheduler.add_ticker(self.clock_out)
        log.info("MIDI clock out on %s", "the output port" if mode == "output" else sink.name)

    def _stop_clock_out(self) -> None:
        out, sink = self.clock_out, self._clock_sink
        self.clock_out = self._clock_sink = None
        if out is not None:
            self.scheduler.remove_ticker(out, then=out.finish)
        if sink is not None:
            sink.close()
        self._retime(self.timeline.share(False))
