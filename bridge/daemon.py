"""The daemon: OSC server + MIDI ports + phrase capture + engine worker + scheduler, wired together.

Threads: the OSC server and MIDI input callbacks only stamp ``perf_counter_ns`` and enqueue. One control
thread owns the phrase capture and the MIDI clock follower: it routes every message through ``ROUTES``
(one table of address, argument types and doc, which ``segue params`` prints and the tests walk), ends
phrases, and hands seeds to the engine worker. The engine worker samples and streams notes to the
real-time scheduler, whose thread sends them, when due, to the MIDI out port and as OSC.

Every rejected message gets ``/segue/error address message`` and changes nothing. Every note-on that
leaves gets its note-off: on stop, panic, new seed, model swap, worker error and shutdown.
"""

from __future__ import annotations

import heapq
import logging
import math
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridge.capture import FeedbackFilter, Phrase, PhraseCapture
from bridge.config import ServeConfig
from bridge.engine import Engine, Model, PlayConfig
from bridge.midi_clock import MidiClock
from bridge.model import ModelError
from bridge.notes import Note
from bridge.params import ParamError, ParamStore
from bridge.style import StyleError
from bridge.style_service import StyleService

log = logging.getLogger(__name__)

NS_PER_S = 1_000_000_000
PREFIX = "/segue"
MAX_PHRASE_NOTES = 512
INBOX_SIZE = 8192
SWITCH_INTERVAL_S = 0.0002
ERROR_RATE_PER_S = 50.0  # /segue/error replies a second once the burst is spent
ERROR_BURST = 100


class DaemonError(Exception):
    """The daemon cannot start (model, ports); the message says how to fix it."""


class RequestError(Exception):
    """A rejected OSC message; the message goes back as ``/segue/error``."""


class ErrorLimiter:
    """Token bucket for ``/segue/error`` replies: ``burst`` at once, then ``rate`` a second.

    A flood of bad messages must not turn into a flood of replies (nor of log lines); the ones held
    back are counted, and the next reply that goes out is preceded by one that says how many.
    Thread-safe (the control thread and the engine worker both report errors)."""

    def __init__(self, rate: float = ERROR_RATE_PER_S, burst: int = ERROR_BURST,
                 clock: Callable[[], int] = time.perf_counter_ns) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"error rate must be > 0 and burst >= 1, got {rate!r}, {burst!r}")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()
        self._held = 0  # suppressed since the last reply
        self.taken = 0  # every error offered (sent or held back)
        self.held_total = 0  # every error held back
        self._lock = threading.Lock()

    def take(self) -> tuple[bool, int]:
        """(send this one?, how many were held back before it); the count resets when it is sent."""
        with self._lock:
            self.taken += 1
            now = self._clock()
            self._tokens = min(float(self.burst), self._tokens + (now - self._last) / NS_PER_S * self.rate)
            self._last = now
            if self._tokens < 1.0:
                self._held += 1
                self.held_total += 1
                return False, 0
            self._tokens -= 1.0
            held, self._held = self._held, 0
            return True, held


# ---------------------------------------------------------------- the routing table


@dataclass(frozen=True, slots=True)
class Arg:
    """One OSC argument: ``kind`` is int, float, str or any; numbers may carry a range."""

    name: str
    kind: str
    optional: bool = False
    min: float | None = None
    max: float | None = None

    @property
    def signature(self) -> str:
        text = f"{self.name}:{self.kind}"
        return f"[{text}]" if self.optional else text

    def coerce(self, value: Any) -> Any:
        """The value as this argument's type, or ``RequestError``. Max sends floats for ints and back."""
        if self.kind == "any":
            if isinstance(value, bool | int | float | str):
                return value
            raise RequestError(f"{self.name} must be a number or a string, got {type(value).__name__}")
        if self.kind == "str":
            if not isinstance(value, str):
                raise RequestError(f"{self.name} must be a string, got {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RequestError(f"{self.name} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise RequestError(f"{self.name} must be finite, got {value!r}")
        if self.kind == "int":
            if value != int(value):
                raise RequestError(f"{self.name} must be a whole number, got {value!r}")
            value = int(value)
        else:
            value = float(value)
        if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
            raise RequestError(f"{self.name} {value!r} is out of range {_num(self.min)}..{_num(self.max)}")
        return value


def _num(x: float | None) -> str:
    if x is None:
        return "*"
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True, slots=True)
class Route:
    """One OSC address the daemon accepts. ``repeat``: the args form a group sent one or more times."""

    address: str
    args: tuple[Arg, ...]
    doc: str
    handler: str
    repeat: bool = False

    @property
    def signature(self) -> str:
        body = " ".join(a.signature for a in self.args)
        return f"({body})*" if self.repeat else body

    def parse(self, args: Sequence[Any]) -> list[Any]:
        """Check arity and types; returns the coerced values or raises ``RequestError``."""
        if self.repeat:
            width = len(self.args)
            if not args or len(args) % width:
                raise RequestError(f"expects groups of {width} values ({self.signature}), got {len(args)}")
            return [self.args[i % width].coerce(v) for i, v in enumerate(args)]
        required = sum(not a.optional for a in self.args)
        if not required <= len(args) <= len(self.args):
            want = str(required) if required == len(self.args) else f"{required}-{len(self.args)}"
            raise RequestError(f"expects {want} argument(s) ({self.signature or 'none'}), got {len(args)}")
        return [a.coerce(v) for a, v in zip(self.args, args, strict=False)]

    def describe(self) -> dict[str, Any]:
        return {"address": self.address, "args": self.signature, "doc": self.doc}


_NOTE_ARGS = (Arg("pitch", "int", min=0, max=127), Arg("velocity", "int", min=0, max=127),
              Arg("channel", "int", optional=True, min=1, max=16),
              Arg("beats", "float", optional=True, min=1e-3, max=256))

ROUTES: tuple[Route, ...] = (
    Route(f"{PREFIX}/note", _NOTE_ARGS,
          "a note-on into the phrase capture, like MIDI in (velocity 0 = note-off; channel 1-16; with beats, "
          "released after that many beats: for senders without note-offs)", "on_note"),
    Route(f"{PREFIX}/phrase", (Arg("pitch", "int", min=0, max=127), Arg("velocity", "int", min=1, max=127),
                               Arg("start", "float", min=0, max=4096), Arg("duration", "float", min=1e-3,
                                                                           max=256)),
          "a whole seed phrase, times in beats; continued at once", "on_phrase", repeat=True),
    Route(f"{PREFIX}/clear", (), "forget the current seed and the phrase being played", "on_clear"),
    Route(f"{PREFIX}/continue", (Arg("beats", "float", optional=True, min=0.25, max=256),),
          "end the phrase being played and continue it, or continue the last seed again", "on_continue"),
    Route(f"{PREFIX}/stop", (), "stop generating: pending notes are dropped, sounding ones end", "on_stop"),
    Route(f"{PREFIX}/panic", (), "stop, and all-notes-off on every MIDI channel", "on_panic"),
    Route(f"{PREFIX}/set", (Arg("name", "str"), Arg("value", "any")), "set a parameter", "on_set"),
    Route(f"{PREFIX}/param/<name>", (Arg("value", "any"),), "set the parameter <name>", "on_param"),
    Route(f"{PREFIX}/get", (Arg("name", "str", optional=True),),
          "reply /segue/value name value, for one parameter or all", "on_get"),
    Route(f"{PREFIX}/params", (Arg("name", "str", optional=True),),
          "reply /segue/param name type domain default value doc per parameter, then /segue/params/end n",
          "on_params"),
    Route(f"{PREFIX}/model", (Arg("name", "str"),),
          "hot-swap to another model of the models folders; the old one stays on failure", "on_model"),
    Route(f"{PREFIX}/style", (Arg("name", "str"),),
          "switch the graph and blend samplers to a learned style; the old one stays on failure", "on_style"),
    Route(f"{PREFIX}/style/learn", (Arg("source", "str"),),
          "learn a style from a folder of MIDI files, or from this session's phrases ('live'), in the "
          "background", "on_style_learn"),
    Route(f"{PREFIX}/status", (), "reply /segue/status", "on_status"),
    Route(f"{PREFIX}/ping", (Arg("token", "any", optional=True),),
          "reply /segue/pong server_time_s [token]", "on_ping"),
    Route(f"{PREFIX}/routes", (), "reply /segue/route address args doc per address (this table)",
          "on_routes"),
)

OUT_MESSAGES: tuple[tuple[str, str, str], ...] = (
    (f"{PREFIX}/note", "pitch:int velocity:int duration:float channel:int",
     "a continuation note, sent at its note-on time (duration in beats, channel 1-16)"),
    (f"{PREFIX}/noteon", "pitch:int velocity:int channel:int", "a continuation note-on"),
    (f"{PREFIX}/noteoff", "pitch:int velocity:int channel:int", "its note-off (velocity 0)"),
    (f"{PREFIX}/status", "state:str model:str sampler:str late:int max_late_ms:float",
     "state is idle, listening or generating; sent on /segue/status and on every state change"),
    (f"{PREFIX}/error", "address:str message:str", "a message was rejected; nothing changed"),
    (f"{PREFIX}/pong", "server_time_s:float [token]", "answer to /segue/ping"),
    (f"{PREFIX}/value", "name:str value", "answer to /segue/get"),
    (f"{PREFIX}/param", "name type domain default value doc", "answer to /segue/params, one per parameter"),
    (f"{PREFIX}/params/end", "count:int", "ends the /segue/params answer"),
    (f"{PREFIX}/route", "address args doc", "answer to /segue/routes, one per address"),
)

_ROUTE_BY_ADDRESS = {r.address: r for r in ROUTES}
_PARAM_PREFIX = f"{PREFIX}/param/"


def find_route(address: str) -> Route | None:
    """The route handling ``address`` (``/segue/param/<name>`` included), or None."""
    route = _ROUTE_BY_ADDRESS.get(address)
    if route is None and address.startswith(_PARAM_PREFIX) and len(address) > len(_PARAM_PREFIX):
        route = _ROUTE_BY_ADDRESS[f"{PREFIX}/param/<name>"]
    return route


def format_routes() -> str:
    """The OSC address space as text: in and out messages with argument types and docs."""
    width = max(len(r.address) for r in ROUTES)
    rows = ["in:"]
    for r in ROUTES:
        rows.append(f"  {r.address.ljust(width)}  {r.signature or '-'}\n  {' ' * width}    {r.doc}")
    rows.append("out (to the reply port):")
    for address, args, doc in OUT_MESSAGES:
        rows.append(f"  {address.ljust(width)}  {args}\n  {' ' * width}    {doc}")
    return "\n".join(rows)


# ---------------------------------------------------------------- registry adapters


def play_config(store: ParamStore) -> PlayConfig:
    """The engine's settings from the parameter registry."""
    v = store.snapshot()
    notes = int(v["length_notes"])
    # a safety net against a model that never ends: generous for any real tokenizer (1.6-5 tokens a note)
    max_tokens = 16 * notes if notes > 0 else max(512, int(64 * float(v["length_beats"])))
    return PlayConfig(
        max_tokens=max_tokens,
        sampler=str(v["sampler"]),
        tempo_bpm=float(v["tempo"]),
        length_beats=float(v["length_beats"]) if int(v["length_notes"]) == 0 else 0.0,
        length_notes=int(v["length_notes"]),
        lookahead_ms=float(v["lookahead_ms"]),
        latency_ms=float(v["latency_ms"]),
        channel=int(v["channel"]) - 1,
        velocity_scale=float(v["velocity_scale"]),
        seed=None if int(v["seed"]) < 0 else int(v["seed"]),
    )


def sampling_params(store: ParamStore) -> Any:
    """The samplers' ``SamplingParams`` from the registry."""
    from bridge.sampling import SamplingParams

    return SamplingParams.from_mapping(store.snapshot())


# ---------------------------------------------------------------- models


def shipped_models() -> Path:
    """The models folder that ships with segue (``<repo>/models``)."""
    return Path(__file__).resolve().parent.parent / "models"


def models_folders(extra: Iterable[str | Path] = ()) -> list[Path]:
    """Folders searched for models: the given ones first, then the shipped one."""
    out = [Path(p).expanduser() for p in extra]
    shipped = shipped_models()
    if shipped not in out:
        out.append(shipped)
    return out


def load_model(name: str, folders: Sequence[Path], threads: int = 1, precision: str = "auto") -> Model:
    """Load ``name`` from the first folder whose manifest lists it (``default``: the manifest's default)."""
    from bridge.model import ModelBundle, ModelError, available_models, read_manifest

    tried: list[str] = []
    for folder in folders:
        names = available_models(folder)
        wanted: str | None = name
        if name not in names:
            if name != "default":
                tried.append(f"{folder} ({', '.join(names) or 'no manifest.json'})")
                continue
            try:
                wanted = read_manifest(folder).get("default")
            except ModelError:
                wanted = None
            if not isinstance(wanted, str) or wanted not in names:
                tried.append(f"{folder} ({', '.join(names) or 'no manifest.json'})")
                continue
        try:
            bundle = ModelBundle.load(folder, wanted, threads=threads, precision=precision)
        except ModelError as exc:
            raise DaemonError(f"{exc}; re-export the model or pick another with --model NAME") from None
        return _engine_model(bundle)
    raise DaemonError(
        f"no model called {name!r} in the models folders: {'; '.join(tried)}. "
        "Pass --models DIR to add a folder, or --model NAME to pick a listed one"
    )


def _engine_model(bundle: Any) -> Model:
    from bridge.samplers import DecoderSampler

    decoder = DecoderSampler(bundle)
    decoder.warm_up()
    samplers: dict[str, Any] = {"decoder": decoder}
    return Model(name=bundle.name, scheme=bundle.scheme, samplers=samplers)


# ---------------------------------------------------------------- the daemon


@dataclass(frozen=True, slots=True)
class _Inbound:
    kind: str  # "osc", "midi", "call"
    address: str
    args: tuple[Any, ...]
    t_ns: int


class Daemon:
    """The running daemon; a context manager (``with Daemon(...) as d: d.serve_forever()``).

    Injection points: ``model`` (an already loaded model: no loading) and ``clock`` (monotonic ns).
    ``serve.midi`` False runs OSC-only.
    """

    def __init__(self, serve: ServeConfig, params: ParamStore | None = None, *, model: Model | None = None,
                 clock: Callable[[], int] = time.perf_counter_ns) -> None:
        self.serve = serve
        self.params = params if params is not None else ParamStore()
        self.clock = clock
        self._folders = models_folders(serve.models)
        if model is None:
            model = load_model(serve.model, self._folders, precision=serve.precision)
        self.model = model
        self.feedback = FeedbackFilter(clock=clock)
        p = self.params.snapshot()
        self.capture = PhraseCapture(tempo_bpm=float(p["tempo"]), phrase_end=str(p["phrase_end"]),
                                     gap_seconds=float(p["gap_seconds"]), bar_beats=int(p["bar_beats"]),
                                     feedback=self.feedback, feedback_suppress=bool(p["feedback_suppress"]))
        self.midi_clock = MidiClock()
        self.midi_status = "not opened"
        self.osc_address: tuple[str, int] | None = None
        self._inbox: queue.Queue[Any] = queue.Queue(maxsize=INBOX_SIZE)  # _Inbound, MidiEvent or None
        self.dropped = 0  # inbound messages lost to a full inbox
        self.error_limiter = ErrorLimiter(clock=clock)  # counts rejections (see rejected, errors_suppressed)
        self._stop = threading.Event()
        self._control: threading.Thread | None = None
        self._opened: list[Callable[[], None]] = []  # closers, run in reverse
        self._osc_server: Any = None
        self._replier: Any = None
        self._midi: Any = None
        self._scheduler: Any = None
        self.engine: Engine | None = None
        self._state = "idle"
        self._last_reseed_ns = 0
        self._remove_listener: Callable[[], None] | None = None
        self._switch_interval: float | None = None
        self._releases: list[tuple[int, int, int]] = []  # heap of (due_ns, channel, pitch): timed note-offs
        self.styles = StyleService(self._folders, on_error=self.error, weight=float(self.params["blend"]))
        self.styles.attach(self.model, str(self.params["style"]))

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> Daemon:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> Daemon:
        """Open replies, scheduler, engine, MIDI (optional) and the OSC server, then the control thread."""
        from bridge.osc_io import OscNoteSink
        from bridge.scheduler import FanoutSink, RealtimeScheduler

        # the scheduler thread must get the GIL back within well under a millisecond while the engine
        # thread samples (Python's default switch interval is 5 ms)
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        try:
            self._replier = self._open_replier()
            sink = FanoutSink([self.feedback, OscNoteSink(self._replier)])
            self._midi = self._open_midi()
            if self._midi is not None:
                sink.add(self._midi)
            self._scheduler = RealtimeScheduler(sink, tempo_bpm=float(self.params["tempo"]), clock=self.clock)
            self._scheduler.start()
            self._opened.append(self._close_scheduler)
            self.engine = Engine(
                self.model, self._scheduler, config=self._play_config, sampling=self._sampling,
                load_model=self._load_model, tempo=self._tempo, clock=self.clock,
                on_error=self.error, on_state=self._engine_state,
            )
            self.engine.start()
            self._opened.append(self.styles.close)
            self._opened.append(self.engine.close)
            self._remove_listener = self.params.add_listener(self._param_changed)
            self._control = threading.Thread(target=self._control_loop, name="segue-control", daemon=True)
            self._control.start()
            self._osc_server = self._open_osc_server()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """All notes off, ports closed, threads stopped; safe to call twice."""
        self._stop.set()
        try:
            self._inbox.put_nowait(None)
        except queue.Full:
            pass
        if self._control is not None and self._control is not threading.current_thread():
            self._control.join(1.0)  # no new seeds from here on
            self._control = None
        for closer in reversed(self._opened):  # OSC in, engine (releases notes), scheduler, MIDI, replies
            try:
                closer()
            except Exception:
                log.exception("closing failed")
        self._opened.clear()
        if self._remove_listener is not None:
            self._remove_listener()
            self._remove_listener = None
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)
            self._switch_interval = None

    def _close_scheduler(self) -> None:
        if self._scheduler is not None:
            self._scheduler.panic()
            self._scheduler.close()

    def install_signal_handlers(self) -> None:
        """SIGINT and SIGTERM call ``shutdown()`` (main thread only)."""
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda signum, frame: self.shutdown())

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

    # ------------------------------------------------------------ I/O (filled by _open_* below)

    def _open_replier(self) -> Any:
        from bridge.osc_io import OscReplier

        replier = OscReplier(self.serve.reply_host, self.serve.reply_port)
        self._opened.append(replier.close)
        return replier

    def _open_osc_server(self) -> Any:
        from bridge.osc_io import OscServer

        try:
            server = OscServer(self.serve.host, self.serve.port, allow=self.serve.allow, events=self._inbox)
            server.start()
        except ValueError as exc:
            raise DaemonError(str(exc)) from None
        except OSError as exc:
            raise DaemonError(
                f"cannot open the OSC server on {self.serve.host}:{self.serve.port} ({exc.strerror or exc}); "
                "is another segue running? pick another with --port"
            ) from None
        self._opened.append(server.close)
        self.osc_address = (self.serve.host, server.port)
        return server

    def _open_midi(self) -> Any:
        if not self.serve.midi:
            self.midi_status = "off (--no-midi): running OSC-only"
            return None
        from bridge.midi_io import MidiPorts, MidiUnavailable

        ports = MidiPorts(api=self.serve.midi_api or "auto", connect_in=self.serve.midi_in or None,
                          connect_out=self.serve.midi_out or None, events=self._inbox,
                          on_lost=self._midi_lost)
        try:
            ports.open()
        except MidiUnavailable as exc:
            if self.serve.midi_in or self.serve.midi_out or self.serve.midi_api:
                raise DaemonError(str(exc)) from None  # asked for explicitly: do not carry on silently
            self.midi_status = f"unavailable, running OSC-only: {exc}"
            log.warning("MIDI %s", self.midi_status)
            return None
        self._opened.append(ports.close)
        self.midi_status = ports.describe()
        return ports

    def _midi_lost(self, reason: str) -> None:
        """The JACK server went away (MIDI input thread): say so; OSC in and out go on."""
        self.midi_status = "lost: the JACK server stopped; OSC goes on, restart segue to get MIDI back"
        message = ("the JACK server stopped" + (f" ({reason})" if reason else "")
                   + ": MIDI in and out are gone, OSC in and out go on; restart segue once JACK runs again")
        log.error("%s", message)
        self.reply(f"{PREFIX}/error", f"{PREFIX}/midi", message)

    def reply(self, address: str, *args: Any) -> None:
        """Send one OSC message to the reply address (never raises)."""
        if self._replier is None:
            return
        try:
            self._replier.send(address, *args)
        except Exception:
            log.exception("reply %s failed", address)

    def error(self, address: str, message: str) -> None:
        """Reply ``/segue/error address message`` and log it, rate-limited (see ``ErrorLimiter``)."""
        send, held = self.error_limiter.take()
        if not send:
            log.debug("rejected %s: %s (not reported: rate limit)", address, message)
            return
        if held:
            log.warning("%d more rejected messages were not reported (rate limit)", held)
            self.reply(f"{PREFIX}/error", PREFIX, f"{held} more rejected messages were not reported "
                       f"(rate limit: {self.error_limiter.rate:g}/s)")
        log.warning("rejected %s: %s", address, message)
        self.reply(f"{PREFIX}/error", address, message)

    def banner(self) -> list[str]:
        """What was opened and how to reach it, for the console."""
        host, port = self.osc_address or (self.serve.host, self.serve.port)
        lines = [
            f"segue: model {self.model.name!r}, sampler {self.params['sampler']}",
            f"  OSC in   udp://{host}:{port}    replies to udp://{self.serve.reply_host}:{self.serve.reply_port}",
            f"  MIDI     {self.midi_status}",
            f"  try:     oscsend localhost {port} {PREFIX}/phrase iiff 60 100 0 1",
            f"  listen:  oscdump {self.serve.reply_port}",
            "  all addresses: segue params    stop: Ctrl-C",
        ]
        return lines

    # ------------------------------------------------------------ inbound (I/O threads: stamp + enqueue)

    def submit_osc(self, address: str, args: Sequence[Any], t_ns: int | None = None) -> None:
        """An OSC message (from the server thread): stamp and enqueue."""
        self._put(_Inbound("osc", address, tuple(args), self.clock() if t_ns is None else t_ns))

    def submit_midi(self, kind: str, data: Sequence[Any], t_ns: int | None = None) -> None:
        """A parsed MIDI message: ``note_on`` (pitch, velocity, channel 0-15), ``note_off`` (pitch,
        channel), ``clock``, ``start``, ``stop``, ``continue``, ``songpos`` (value)."""
        self._put(_Inbound("midi", kind, tuple(data), self.clock() if t_ns is None else t_ns))

    def call(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the control thread."""
        self._put(_Inbound("call", "", (fn,), self.clock()))

    def _put(self, item: _Inbound) -> None:
        try:
            self._inbox.put_nowait(item)
        except queue.Full:
            self.dropped += 1

    def sync(self, timeout: float = 2.0) -> bool:
        """Wait until the control thread handled everything submitted so far (tests)."""
        done = threading.Event()
        self.call(done.set)
        return done.wait(timeout)

    # ------------------------------------------------------------ control thread

    def _control_loop(self) -> None:
        while not self._stop.is_set():
            timeout = self._next_wake()
            try:
                item = self._inbox.get(timeout=timeout)
            except queue.Empty:
                item = None
            if item is None and self._stop.is_set():
                break
            try:
                if item is not None:
                    self._dispatch(item)
                self._poll_capture()
            except Exception as exc:
                log.exception("control loop error")
                self.error(getattr(item, "address", "") or PREFIX, f"internal error: {exc}")
        log.debug("control thread stopped")

    def _next_wake(self) -> float:
        end = self.capture.pending_end()
        waits = [0.25]
        now = self.clock()
        if end is not None:
            waits.append(max(0.0, (end - now) / NS_PER_S))
        if self._releases:
            waits.append(max(0.0, (self._releases[0][0] - now) / NS_PER_S))
        return min(waits)

    def _release_due(self, now_ns: int) -> None:
        """Note-offs of ``/segue/note ... beats`` notes whose time has come, at their own time."""
        while self._releases and self._releases[0][0] <= now_ns:
            due, channel, pitch = heapq.heappop(self._releases)
            self._note_in(pitch, 0, channel, due)

    def _dispatch(self, item: Any) -> None:
        if isinstance(item, _Inbound):
            if item.kind == "call":
                item.args[0]()
            elif item.kind == "midi":
                self._on_midi(item.address, item.args, item.t_ns)
            else:
                self.handle(item.address, item.args, item.t_ns)
        elif getattr(item, "source", None) == "osc":  # an OscEvent from the OSC server thread
            if item.error is not None:
                self.error(item.address or "(packet)", item.error)
            else:
                self.handle(item.address, item.args, item.t_ns)
        elif self._midi is not None:  # a raw MidiEvent from the MIDI input callback
            for msg in self._midi.decode(item):
                self._on_mido(msg, item.t_ns)

    def _on_mido(self, msg: Any, t_ns: int) -> None:
        kind = msg.type
        if kind == "note_on":
            self._on_midi("note_on", (msg.note, msg.velocity, msg.channel), t_ns)
        elif kind == "note_off":
            self._on_midi("note_off", (msg.note, msg.channel), t_ns)
        elif kind == "songpos":
            self._on_midi("songpos", (msg.pos,), t_ns)
        elif kind in ("clock", "start", "stop", "continue"):
            self._on_midi(kind, (), t_ns)

    def handle(self, address: str, args: Sequence[Any], t_ns: int) -> None:
        """Route one OSC message (control thread); rejected ones get ``/segue/error``."""
        route = find_route(address)
        if route is None:
            self.error(address, "unknown address; `segue params` or /segue/routes lists them")
            return
        try:
            values = route.parse(args)
            getattr(self, route.handler)(address, values, t_ns)
        except (RequestError, ParamError) as exc:
            self.error(address, str(exc))

    def _poll_capture(self) -> None:
        now = self.clock()
        self._release_due(now)
        phrase = self.capture.poll(now)
        if phrase is not None:
            self._phrase_done(phrase)
        self._update_state()

    def _phrase_done(self, phrase: Phrase, length_beats: float | None = None) -> None:
        log.info("phrase of %d notes ended (%s)", len(phrase.notes), phrase.reason)
        assert self.engine is not None
        self.styles.add_phrase(phrase.notes, self.capture.tempo_bpm)
        if self.params["mode"] == "continuous":
            recent = self.capture.recent(phrase.end_ns)
            if recent is not None:
                phrase = recent
        self.engine.seed(phrase.notes, phrase.end_ns, length_beats)

    # ------------------------------------------------------------ MIDI in

    def _on_midi(self, kind: str, data: tuple[Any, ...], t_ns: int) -> None:
        if kind in ("clock", "start", "stop", "continue", "songpos"):
            self.midi_clock.feed(kind, t_ns, int(data[0]) if data else 0)
            if self.params["clock_source"] == "midi":
                self._follow_clock(kind)
            return
        try:
            if kind == "note_on":
                pitch, velocity, channel = (int(x) for x in data[:3])
                self._note_in(pitch, velocity, channel, t_ns)
            elif kind == "note_off":
                pitch, channel = (int(x) for x in data[:2])
                self._note_in(pitch, 0, channel, t_ns)
        except (ValueError, TypeError) as exc:
            log.debug("ignored MIDI %s %r: %s", kind, data, exc)

    def _note_in(self, pitch: int, velocity: int, channel: int, t_ns: int) -> None:
        if not self.capture.note_on(pitch, velocity, channel, t_ns):
            return
        assert self.engine is not None
        if velocity == 0:
            peek = self.capture.peek(t_ns)
            if peek is not None and not self.capture.held:
                self.engine.offer_prefix(peek.notes)  # prefill the KV cache while the performer plays
        elif self.params["mode"] == "continuous":
            bar_ns = self.capture.bar_beats * self.capture.ns_per_beat
            if t_ns - self._last_reseed_ns >= bar_ns:
                recent = self.capture.recent(t_ns)
                if recent is not None:
                    self._last_reseed_ns = t_ns
                    self.engine.seed(recent.notes, t_ns)

    def _follow_clock(self, kind: str) -> None:
        """With clock_source=midi: the capture's tempo and bar grid follow the incoming clock."""
        tempo = self.midi_clock.tempo_bpm
        if tempo is not None and abs(tempo - self.capture.tempo_bpm) > 0.05:
            self.capture.configure(tempo_bpm=tempo)
            if self._scheduler is not None:
                self._scheduler.set_tempo(tempo)
        if kind == "clock" and self.midi_clock.ticks == 0 and self.midi_clock.start_ns is not None:
            self.capture.set_bar_origin(self.midi_clock.start_ns)  # the downbeat after a start
        elif kind == "stop":
            self.capture.set_bar_origin(None)

    # ------------------------------------------------------------ handlers (control thread)

    def on_note(self, address: str, values: list[Any], t_ns: int) -> None:
        pitch, velocity = values[0], values[1]
        channel = values[2] - 1 if len(values) > 2 else 0
        self._note_in(pitch, velocity, channel, t_ns)
        if len(values) > 3 and velocity > 0:
            due = t_ns + round(values[3] * self.capture.ns_per_beat)
            heapq.heappush(self._releases, (due, channel, pitch))

    def on_phrase(self, address: str, values: list[Any], t_ns: int) -> None:
        groups = [values[i:i + 4] for i in range(0, len(values), 4)]
        if len(groups) > MAX_PHRASE_NOTES:
            raise RequestError(f"at most {MAX_PHRASE_NOTES} notes per phrase, got {len(groups)}")
        notes = tuple(sorted((Note(p, v, s, d) for p, v, s, d in groups), key=lambda n: (n.start, n.pitch)))
        assert self.engine is not None
        self.capture.clear()
        self.styles.add_phrase(notes, float(self.params["tempo"]))
        self.engine.seed(notes, t_ns)

    def on_clear(self, address: str, values: list[Any], t_ns: int) -> None:
        assert self.engine is not None
        self.capture.clear()
        self.engine.clear()

    def on_continue(self, address: str, values: list[Any], t_ns: int) -> None:
        assert self.engine is not None
        beats = values[0] if values else None
        phrase = self.capture.trigger(t_ns)
        if phrase is not None:
            self._phrase_done(phrase, beats)
        elif self.engine.seed_notes:
            self.engine.continue_(beats, t_ns)
        else:
            raise RequestError("no seed phrase yet: play notes or send /segue/phrase first")

    def on_stop(self, address: str, values: list[Any], t_ns: int) -> None:
        assert self.engine is not None
        self.engine.stop()

    def on_panic(self, address: str, values: list[Any], t_ns: int) -> None:
        assert self.engine is not None
        self.engine.stop(panic=True)
        if self._scheduler is not None:
            self._scheduler.panic()  # at once, even while the worker is busy

    def on_set(self, address: str, values: list[Any], t_ns: int) -> None:
        name, value = values
        stored = self.params.set(name, value)
        self.reply(f"{PREFIX}/value", name, _wire(stored))

    def on_param(self, address: str, values: list[Any], t_ns: int) -> None:
        name = address[len(_PARAM_PREFIX):]
        stored = self.params.set(name, values[0])
        self.reply(f"{PREFIX}/value", name, _wire(stored))

    def on_get(self, address: str, values: list[Any], t_ns: int) -> None:
        names = [values[0]] if values else [p.name for p in self.params.params]
        for name in names:
            self.reply(f"{PREFIX}/value", name, _wire(self.params.get(name)))

    def on_params(self, address: str, values: list[Any], t_ns: int) -> None:
        described = self.params.describe()
        if values:
            self.params.param(values[0])
            described = [d for d in described if d["name"] == values[0]]
        for d in described:
            self.reply(f"{PREFIX}/param", d["name"], d["type"], d["domain"], _wire(d["default"]),
                       _wire(d["value"]), d["doc"])
        self.reply(f"{PREFIX}/params/end", len(described))

    def on_model(self, address: str, values: list[Any], t_ns: int) -> None:
        from bridge.model import ModelError, check_name

        try:
            check_name(values[0])
        except ModelError as exc:
            raise RequestError(str(exc)) from None
        assert self.engine is not None
        self.engine.swap(values[0])

    def on_style(self, address: str, values: list[Any], t_ns: int) -> None:
        self._select_style(values[0])

    def on_style_learn(self, address: str, values: list[Any], t_ns: int) -> None:
        try:
            self.styles.learn(values[0])
        except (StyleError, ModelError) as exc:
            raise RequestError(str(exc)) from None

    def _select_style(self, name: str) -> None:
        try:
            self.styles.select(name)
        except ModelError as exc:
            raise RequestError(str(exc)) from None

    def on_status(self, address: str, values: list[Any], t_ns: int) -> None:
        self._send_status()

    def on_ping(self, address: str, values: list[Any], t_ns: int) -> None:
        self.reply(f"{PREFIX}/pong", self.clock() / NS_PER_S, *values)

    def on_routes(self, address: str, values: list[Any], t_ns: int) -> None:
        for r in ROUTES:
            self.reply(f"{PREFIX}/route", r.address, r.signature, r.doc)

    # ------------------------------------------------------------ engine glue

    def _play_config(self) -> PlayConfig:
        return play_config(self.params)

    def _sampling(self) -> Any:
        return sampling_params(self.params)

    def _tempo(self) -> float | None:
        if self.params["clock_source"] == "midi" and self.midi_clock.present(self.clock()):
            return self.midi_clock.tempo_bpm
        return None

    def _load_model(self, name: str) -> Model:
        model = load_model(name, self._folders, precision=self.serve.precision)
        self.styles.attach(model, str(self.params["style"]))
        self.model = model
        return model

    def _param_changed(self, name: str, old: Any, new: Any) -> None:
        if name in ("tempo", "phrase_end", "gap_seconds", "bar_beats", "feedback_suppress"):
            self.call(self._configure_capture)
        elif name == "blend":
            self.styles.set_weight(float(new))
        elif name == "style" and new:
            self.call(lambda: self._style_param(str(new)))

    def _style_param(self, name: str) -> None:
        """``/segue/set style NAME``: like ``/segue/style NAME``, its errors reported as that."""
        try:
            self.styles.select(name)
        except ModelError as exc:
            self.error(f"{PREFIX}/style", str(exc))

    def _configure_capture(self) -> None:
        p = self.params.snapshot()
        self.capture.configure(tempo_bpm=self._tempo() or float(p["tempo"]), phrase_end=str(p["phrase_end"]),
                               gap_seconds=float(p["gap_seconds"]), bar_beats=int(p["bar_beats"]))
        self.capture.feedback_suppress = bool(p["feedback_suppress"])

    def _engine_state(self, state: str) -> None:
        self.call(self._update_state)

    def _update_state(self) -> None:
        engine_state = self.engine.state if self.engine is not None else "idle"
        if engine_state == "generating":
            state = "generating"
        else:
            state = "listening" if self.capture.active else "idle"
        if state != self._state:
            self._state = state
            self._send_status()

    @property
    def state(self) -> str:
        return self._state

    @property
    def rejected(self) -> int:
        """Messages and packets answered with (or held back from) ``/segue/error``."""
        return self.error_limiter.taken

    @property
    def errors_suppressed(self) -> int:
        """``/segue/error`` replies held back by the rate limit."""
        return self.error_limiter.held_total

    def _send_status(self) -> None:
        stats: dict[str, float] = {"late": 0, "max_ms": 0.0}
        if self._scheduler is not None:
            stats = self._scheduler.stats.snapshot()
        engine_model = self.engine.model.name if self.engine is not None else self.model.name
        self.reply(f"{PREFIX}/status", self._state, engine_model, str(self.params["sampler"]),
                   int(stats["late"]), float(stats["max_ms"]))


def _wire(value: Any) -> Any:
    """A value as an OSC argument: bools as 0/1 (Max and Pd have no boolean type)."""
    return int(value) if isinstance(value, bool) else value
