"""The daemon: its owned parts wired together, opened in order and closed in reverse.

Threads and what each one writes:
- the OSC server thread and the MIDI input only stamp ``perf_counter_ns`` and enqueue (the network lane
  of the control thread's :class:`~bridge.wiring.Mailbox`);
- the control thread owns the :class:`~bridge.session.Session` (phrase capture, timed releases,
  continuous mode, the state) and the :class:`~bridge.timeline.Timeline`; it runs every OSC route
  (:class:`~bridge.control.Control`) and sends the engine commands that carry their settings;
- the engine thread owns the model and its samplers (styles arrive as a message);
- the scheduler thread owns what is sounding, and sends each note when due;
- the style worker loads and learns styles, and hands the samplers to the engine.
Engine events and parameter changes reach the control thread on the mailbox's internal lane, which a
flood of UDP cannot fill. Every rejected message gets ``/segue/error address message`` and changes
nothing; every note-on that leaves gets its note-off.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bridge.answer_end import NEWS, SESSION_EVENTS, AnswerEndSink, StyleNow
from bridge.capture import FeedbackFilter, PhraseCapture
from bridge.clocks import Clocks
from bridge.commands import Problem
from bridge.config import ServeConfig
from bridge.continuation import Model
from bridge.control import BULK, PRIORITY, ROUTES, Control, find_route
from bridge.engine import Engine
from bridge.errors import PREFIX, RequestError, SegueError
from bridge.journal import NoteJournal, StateFolder, state_dir
from bridge.loading import DaemonError, load_model, models_folders, shipped_models
from bridge.midi_clock import MidiClock
from bridge.midi_reopen import MidiKeeper
from bridge.params import ParamError, ParamStore
from bridge.replies import ErrorLimiter, Reporter
from bridge.routes import OUT_MESSAGES, Arg, Route
from bridge.routes import format_routes as _format_routes
from bridge.session import Session, SessionConfig
from bridge.settings import Settings, play_config, sampling_params
from bridge.style_service import StyleService
from bridge.timeline import Timeline
from bridge.view import View
from bridge.wiring import Mailbox, Stack, banner, install_signals, open_osc_server, route_midi

log = logging.getLogger(__name__)

__all__ = ["OUT_MESSAGES", "ROUTES", "Arg", "Daemon", "DaemonError", "ErrorLimiter", "RequestError", "Route",
           "find_route", "format_routes", "load_model", "models_folders", "play_config", "sampling_params",
           "shipped_models"]

NS_PER_S = 1_000_000_000
INBOX_SIZE = 8192
SWITCH_INTERVAL_S = 0.0002
IDLE_WAKE_S = 0.25


def format_routes() -> str:
    """The OSC address space as text: in and out messages with argument types and docs."""
    return _format_routes(ROUTES)


@dataclass(frozen=True, slots=True)
class _Call:
    fn: Callable[[], None]


class Daemon:
    """The running daemon; a context manager (``with Daemon(...) as d: d.serve_forever()``).

    Injection points: ``model`` (an already loaded model: no loading) and ``clock`` (monotonic ns).
    ``serve.midi`` False runs OSC-only. ``speculate``, ``window_chunk`` and ``splice`` are for benchmarks
    that compare with the way segue worked before (no speculation, the phrase window moving note by
    note, every seed tokenized whole).
    """

    def __init__(self, serve: ServeConfig, params: ParamStore | None = None, *, model: Model | None = None,
                 clock: Callable[[], int] = time.perf_counter_ns, speculate: bool = True,
                 window_chunk: int = 16, splice: bool = True) -> None:
        self.serve = serve
        self.params = params if params is not None else ParamStore()
        self.clock = clock
        self.speculate = speculate
        self.window_chunk = window_chunk
        self.splice = splice
        self._folders = models_folders(serve.models)
        self._model = model if model is not None else load_model(serve.model, self._folders,
                                                                  precision=serve.precision)
        self.feedback = FeedbackFilter(clock=clock)
        p = self.params.snapshot()
        self.timeline = Timeline(float(p["tempo"]), int(p["bar_beats"]), str(p["clock_source"]))
        self.mailbox = Mailbox(INBOX_SIZE)
        self.reporter = Reporter(clock)
        self.midi_status = "not opened"
        self.osc_address: tuple[str, int] | None = None
        self.osc_server: Any = None
        self.midi: Any = None
        self.keeper: MidiKeeper | None = None
        self.scheduler: Any = None
        self.engine: Engine | None = None
        self.session: Session | None = None
        self.control: Control | None = None
        self.clocks: Clocks | None = None  # Link, clock out, the grid to the scheduler
        self.view: View | None = None  # the web page (serve.view)
        self._stack = Stack()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.styles = StyleService(self._folders, on_error=self.reporter.report, weight=float(p["blend"]),
                                   roots=serve.style_roots,
                                   learn_seconds=serve.learn_seconds, learn_memory_mb=serve.learn_memory_mb,
                                   on_change=lambda name: self.control and self.mailbox.post(StyleNow(name)))
        self.styles.attach(self._model, str(p["style"]))

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> Daemon:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> Daemon:
        """Replies, MIDI, scheduler, engine, session and control thread, then the OSC server."""
        from bridge.osc_io import OscNoteSink, OscReplier
        from bridge.scheduler import FanoutSink, RealtimeScheduler

        try:
            # the scheduler thread must get the GIL back within well under a millisecond while the engine
            # samples (Python's default switch interval is 5 ms)
            previous = sys.getswitchinterval()
            sys.setswitchinterval(SWITCH_INTERVAL_S)
            self._stack.push("switch interval", lambda: sys.setswitchinterval(previous))
            replier = OscReplier(self.serve.reply_host, self.serve.reply_port)
            self.reporter.replier = replier
            self._stack.push("replies", replier.close)
            sink = FanoutSink([self.feedback, OscNoteSink(replier)])
            state = StateFolder(state_dir(self.serve.state_dir))
            self._stack.push("state folder", state.close)
            self.keeper = MidiKeeper(self.serve, self.mailbox.network, self._midi_news, state)
            self.midi = self.keeper.open()
            self.midi_status = self.keeper.status
            if self.midi is not None:
                sink.add(self.midi)
                self._stack.push("MIDI", self.midi.close)
            journal = NoteJournal(state)
            journal.recover(sink)  # the exact note-offs of what a killed segue left sounding, first
            sink.all_notes_off()  # then at every start: all notes off (CC 123 on all 16 channels)
            sink.add(journal)
            sink.add(AnswerEndSink(lambda: self.scheduler.core.pending, self.mailbox.post, self.clock))
            self.view = View(self.serve, self.clock, sink, self.reporter) if self.serve.view else None
            journal.start()
            self._stack.push("note journal", journal.close)
            self.keeper.start()
            self._stack.push("MIDI keeper", self.keeper.close)
            self.scheduler = RealtimeScheduler(sink, tempo_bpm=self.timeline.grid.tempo_bpm, clock=self.clock)
            self.scheduler.start()
            self._stack.push("scheduler", self._close_scheduler)
            self.engine = Engine(self._model, self.scheduler, load_model=self._load_model, clock=self.clock,
                                 on_event=self.mailbox.post, speculate=self.speculate, splice=self.splice)
            self.engine.start()
            self._stack.push("styles", self.styles.close)
            self._stack.push("engine", self.engine.close)
            self.styles.connect(self.engine.install)
            session_class = self.view.session_class if self.view else Session  # the view hears its input
            self.session = session_class(self.engine, self.timeline, self._settings,
                                   SessionConfig.of(self.params.snapshot()), feedback=self.feedback,
                                   window_chunk=self.window_chunk, on_state=lambda state: self.send_status(),
                                   on_phrase=self.styles.add_phrase,
                                   on_answer_end=lambda: self.reply(f"{PREFIX}/answer/end"))
            self.clocks = Clocks(self.timeline, self.params, self.call, clock=self.clock,
                                 session=self.session)
            self._stack.push("clocks", self.clocks.open(self.scheduler, self.midi).close)
            self.control = Control(self.session, self.params, self.engine, self.styles, self.reporter.reply,
                                   self.send_status, self.clock, dict(self.serve.midi_map), serve=self.serve)
            remove = self.params.add_listener(self._param_changed)
            self._stack.push("parameter listener", remove)
            self._thread = threading.Thread(target=self._control_loop, name="segue-control", daemon=True)
            self._thread.start()
            self._stack.push("control thread", self._stop_control)
            self._open_osc_server()
            if self.view is not None:
                self._stack.push("view", self.view.start(self))
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """All notes off, ports closed, threads stopped; safe to call twice."""
        self._stop.set()
        self._stack.close()

    def _stop_control(self) -> None:
        self._stop.set()
        self.mailbox.post(None)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(1.0)  # no new seeds from here on
        self._thread = None

    def _close_scheduler(self) -> None:
        self.scheduler.panic()
        self.scheduler.close()

    def install_signal_handlers(self) -> None:
        """SIGINT and SIGTERM call ``shutdown()`` (main thread only)."""
        install_signals(self.shutdown)

    def serve_forever(self, install_signals: bool = True) -> None:
        """Block until SIGINT/SIGTERM or ``shutdown()``; the caller then closes (all notes off)."""
        if install_signals:
            self.install_signal_handlers()
        while not self._stop.wait(0.1):
            pass
        log.info("shutting down")

    def shutdown(self) -> None:
        """Ask ``serve_forever`` to return (signal-safe)."""
        self._stop.set()

    def _open_osc_server(self) -> None:
        server = open_osc_server(self.serve, self.mailbox, PRIORITY, BULK)
        self._stack.push("OSC server", server.close)
        self.osc_server = server
        self.osc_address = (self.serve.host, server.port)

    def _midi_news(self, status: str, error: SegueError | None) -> None:
        """From the MIDI keeper's thread (ports lost, or back): the status to the control thread and OSC."""
        def apply() -> None:
            self.midi_status = status
            self.reply(f"{PREFIX}/midi", status)
            if error is not None:
                self.reporter.report(error)
        self.mailbox.post(_Call(apply))

    # ------------------------------------------------------------ what others may call

    @property
    def alive(self) -> bool:
        """True while the control thread runs."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def model(self) -> Model:
        """The model playing now."""
        return self.engine.model if self.engine is not None else self._model

    @property
    def capture(self) -> PhraseCapture:
        assert self.session is not None, "open the daemon first"
        return self.session.capture

    @property
    def midi_clock(self) -> MidiClock:
        return self.timeline.midi_clock

    @property
    def state(self) -> str:
        return self.session.state if self.session is not None else "idle"

    @property
    def error_limiter(self) -> ErrorLimiter:
        return self.reporter.limiter

    @error_limiter.setter
    def error_limiter(self, limiter: ErrorLimiter) -> None:
        self.reporter.limiter = limiter

    @property
    def rejected(self) -> int:
        """Messages and packets answered with (or held back from) ``/segue/error``."""
        return self.reporter.limiter.taken

    @property
    def errors_suppressed(self) -> int:
        """``/segue/error`` replies held back by the rate limit."""
        return self.reporter.limiter.held_total

    @property
    def dropped(self) -> int:
        """Inbound messages lost to a full inbox."""
        return self.mailbox.dropped

    @property
    def pending(self) -> int:
        """Inbound messages not handled yet."""
        return self.mailbox.pending

    def reply(self, address: str, *args: Any) -> None:
        self.reporter.reply(address, *args)

    def error(self, address: str, message: str) -> None:
        self.reporter.error(address, message)

    def call(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the control thread."""
        self.mailbox.post(_Call(fn))

    def sync(self, timeout: float = 2.0) -> bool:
        """Wait until the control thread handled everything received so far (tests, benches)."""
        done = threading.Event()
        self.mailbox.post_in_order(_Call(done.set))
        return done.wait(timeout)

    def banner(self) -> list[str]:
        """What was opened and how to reach it, for the console."""
        osc = self.osc_address or (self.serve.host, self.serve.port)
        return banner(self.model.name, str(self.params["sampler"]), osc,
                      (self.serve.reply_host, self.serve.reply_port), self.midi_status, PREFIX,
                      self.midi) + (self.view.banner() if self.view else [])

    def send_status(self) -> None:
        stats: dict[str, float] = {"late": 0, "max_ms": 0.0, "dropped": 0}
        if self.scheduler is not None:
            stats = self.scheduler.stats.snapshot()
        self.reply(f"{PREFIX}/status", self.state, self.model.name, str(self.params["sampler"]),
                   int(stats["late"]), float(stats["max_ms"]), int(stats["dropped"]),
                   *(self.clocks.status() if self.clocks is not None else ()))

    # ------------------------------------------------------------ the control thread

    def _settings(self, tempo_bpm: float) -> Settings:
        return Settings.of(self.params, tempo_bpm)

    def _load_model(self, name: str) -> Model:
        """For a swap (engine thread): load, and give the new model the current style's samplers."""
        model = load_model(name, self._folders, precision=self.serve.precision)
        self.styles.attach(model, str(self.params["style"]))
        return model

    def _param_changed(self, name: str, old: Any, new: Any) -> None:
        control = self.control
        if control is not None:
            self.mailbox.post(_Call(lambda: control.param_changed(name, new)))

    def _control_loop(self) -> None:
        session = self.session
        assert session is not None
        while not self._stop.is_set():
            now = self.clock()
            wake = session.next_wake(now)
            timeout = IDLE_WAKE_S if wake is None else min(IDLE_WAKE_S, max(0.0, (wake - now) / NS_PER_S))
            item = self.mailbox.get(timeout)
            if item is None and self._stop.is_set():
                break
            try:
                if item is not None:
                    self._dispatch(item)
                session.poll(self.clock())
            except (SegueError, ParamError) as exc:
                self.reporter.report(exc)
            except Exception as exc:
                log.exception("control loop error")
                self.error(getattr(item, "address", "") or PREFIX, f"internal error: {exc}")
        log.debug("control thread stopped")

    def _dispatch(self, item: Any) -> None:
        assert self.session is not None and self.control is not None
        if isinstance(item, _Call):
            item.fn()
        elif isinstance(item, Problem):
            self.reporter.report(item.error)
        elif isinstance(item, SESSION_EVENTS):
            self.session.engine_event(item, self.clock())
        elif isinstance(item, NEWS):
            self.control.news(item)
        elif getattr(item, "source", None) == "osc":  # an OscEvent from the OSC server thread
            if item.error is not None:
                self.error(item.address or "(packet)", item.error)
                return
            try:
                self.control.handle(item.address, item.args, item.t_ns, item.client, self.mailbox.overtaken())
            except (SegueError, ParamError) as exc:
                self.reporter.report(exc, item.address)
        elif self.midi is not None:  # a raw MidiEvent from the MIDI input
            for msg in self.midi.decode(item):
                route_midi(self.control, msg, item.t_ns)
