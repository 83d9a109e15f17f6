"""Starting and stopping the daemon's parts: open in order, close in reverse, signals, the banner, and
the control thread's mailbox.

:class:`Stack` records a closer for each part as it opens; ``close()`` runs them in reverse order and
goes on past one that fails. :class:`Mailbox` is the control thread's inbox with three lanes, served in
this order: priority (stop and panic from the network: small, a repeat of one still waiting is merged
into it), internal calls and events (never dropped), and network input (bounded: a flood is dropped and
counted). So a flood of UDP never holds back what the engine or a parameter change has to say, nor a
performer's stop or panic.
"""

from __future__ import annotations

import faulthandler
import logging
import queue
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

log = logging.getLogger(__name__)


SLOW_CLOSE_S = 1.0  # a part that takes longer than this to close is named in the log
STALLED_CLOSE_S = 6.0  # closing for longer than this prints every thread's stack to stderr


class Stack:
    """Closers of opened parts, run in reverse by ``close()`` (each at most once).

    A slow closer is named in the log, and a close that stalls prints every thread's stack to stderr
    (``faulthandler``), so a shutdown that hangs on stage says where."""

    def __init__(self) -> None:
        self._closers: list[tuple[str, Callable[[], None]]] = []

    def push(self, name: str, closer: Callable[[], None]) -> None:
        self._closers.append((name, closer))

    def close(self) -> None:
        if not self._closers:
            return
        watch = _arm_stall_dump()
        try:
            while self._closers:
                name, closer = self._closers.pop()
                started = time.monotonic()
                try:
                    closer()
                except Exception:
                    log.exception("closing %s failed", name)
                took = time.monotonic() - started
                if took > SLOW_CLOSE_S:
                    log.warning("closing %s took %.1f s", name, took)
        finally:
            if watch:
                faulthandler.cancel_dump_traceback_later()


def _arm_stall_dump() -> bool:
    """Print all threads' stacks to stderr if closing lasts past ``STALLED_CLOSE_S`` (False when stderr
    has no file descriptor, as under some test runners)."""
    try:
        faulthandler.dump_traceback_later(STALLED_CLOSE_S, file=sys.stderr)
    except (ValueError, AttributeError, OSError, RuntimeError):
        return False
    return True


def install_signals(callback: Callable[[], None]) -> bool:
    """SIGINT and SIGTERM call ``callback`` (only from the main thread; False elsewhere)."""
    if threading.current_thread() is not threading.main_thread():
        return False
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: callback())
    return True


def banner(model: str, sampler: str, osc: tuple[str, int], reply: tuple[str, int], midi: str,
           prefix: str = "/segue", ports: Any = None) -> list[str]:
    """What was opened and how to reach it, for the console; with the MIDI ``ports`` (a ``MidiPorts``),
    the commands that connect them by their full names."""
    from bridge.port_names import connect_hint

    host, port = osc
    return [
        f"segue: model {model!r}, sampler {sampler}",
        f"  OSC in   udp://{host}:{port}    replies to udp://{reply[0]}:{reply[1]}",
        f"  MIDI     {midi}",
        *(f"  {line}" for line in (connect_hint(ports) if ports is not None else [])),
        f"  try:     oscsend localhost {port} {prefix}/phrase iiff 60 100 0 1",
        f"  listen:  oscdump {reply[1]}",
        "  all addresses: segue params    stop: Ctrl-C",
    ]


class _Lane:
    """A bounded lane of a :class:`Mailbox` for the input threads; ``put_nowait`` raises ``queue.Full``
    like a ``queue.Queue`` (what the OSC server and the MIDI input expect)."""

    def __init__(self, box: Mailbox, size: int, priority: bool = False) -> None:
        self._box = box
        self.maxsize = size
        self._priority = priority

    def put_nowait(self, item: Any) -> None:
        if self._priority:
            self._box._put_priority(item)
        else:
            self._box._put(item, network=True)

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        self.put_nowait(item)

    def qsize(self) -> int:
        return self._box.pending

    def empty(self) -> bool:
        return self._box.pending == 0


class Mailbox:
    """The control thread's inbox: ``priority`` and ``network`` (bounded, for the input threads) and
    ``call``/``post`` (internal, never dropped).

    The I/O threads only stamp and enqueue; what must act at once (stop, panic) is not run there but
    put on the priority lane, served before everything else by the one thread that owns the session,
    so a stop is never delayed by the messages queued before it, and the one-writer rule holds. Each
    priority item remembers how much network input had arrived before it: :meth:`overtaken` tells the
    control thread that the network item it is handling came before a stop already served.
    """

    def __init__(self, network_size: int = 8192, priority_size: int = 64) -> None:
        self._cond = threading.Condition()
        self._network: deque[tuple[int, Any]] = deque()
        self._internal: deque[Any] = deque()
        self._priority: deque[list[Any]] = deque()  # [network items received before it, item]
        self.network = _Lane(self, network_size)
        self.priority = _Lane(self, priority_size, priority=True)
        self.dropped = 0
        self.merged = 0  # priority items merged into an equal one still waiting
        self._received = 0  # network items received so far (their arrival numbers)
        self._cut = 0  # control thread: network items before the last priority item served
        self._current = -1  # control thread: arrival number of the network item being handled

    @property
    def pending(self) -> int:
        """Network items waiting."""
        return len(self._network)

    def post(self, item: Any) -> None:
        """An internal item (never dropped)."""
        self._put(item, network=False)

    def post_in_order(self, item: Any) -> None:
        """An item behind the network input received so far (a sync marker), never dropped."""
        with self._cond:
            self._network.append((self._received, item))
            self._received += 1
            self._cond.notify()

    def _put(self, item: Any, network: bool) -> None:
        with self._cond:
            if network:
                if len(self._network) >= self.network.maxsize:
                    self.dropped += 1
                    raise queue.Full
                self._network.append((self._received, item))
                self._received += 1
            else:
                self._internal.append(item)
            self._cond.notify()

    def _put_priority(self, item: Any) -> None:
        key = _key(item)
        with self._cond:
            for entry in self._priority:
                if _key(entry[1]) == key:  # the same stop still waiting: it now covers this one too
                    entry[0] = self._received
                    self.merged += 1
                    return
            if len(self._priority) >= self.priority.maxsize:
                self.dropped += 1
                raise queue.Full
            self._priority.append([self._received, item])
            self._cond.notify()

    def get(self, timeout: float | None) -> Any:
        """The next item, priority ones first, then internal ones; None after ``timeout`` s without one."""
        with self._cond:
            if not self._priority and not self._internal and not self._network:
                self._cond.wait(timeout)
            self._current = -1
            if self._priority:
                cut, item = self._priority.popleft()
                self._cut = max(self._cut, cut)
                return item
            if self._internal:
                return self._internal.popleft()
            if self._network:
                self._current, item = self._network.popleft()
                return item
            return None

    def overtaken(self) -> bool:
        """True while the control thread handles a network item received before a priority item it
        already served (a phrase sent just before a stop: the stop must end it too)."""
        return 0 <= self._current < self._cut

    def drain(self) -> Sequence[Any]:
        """Everything still queued (at close)."""
        with self._cond:
            items = [item for _, item in self._priority] + list(self._internal)
            items += [item for _, item in self._network]
            self._priority.clear()
            self._internal.clear()
            self._network.clear()
            return items


def open_osc_server(serve: Any, mailbox: Mailbox, priority: Any, bulk: Any) -> Any:
    """The started OSC server of ``serve`` feeding ``mailbox`` (``priority`` addresses on its priority
    lane, ``bulk`` ones coalesced); :class:`~bridge.loading.DaemonError` with the fix when it cannot open."""
    from bridge.loading import DaemonError
    from bridge.osc_io import OscServer

    try:
        server = OscServer(serve.host, serve.port, allow=serve.allow, events=mailbox.network,
                           priority=priority, priority_events=mailbox.priority, coalesce=bulk)
        server.start()
    except ValueError as exc:
        raise DaemonError(str(exc)) from None
    except OSError as exc:
        raise DaemonError(
            f"cannot open the OSC server on {serve.host}:{serve.port} ({exc.strerror or exc}); "
            "is another segue running? pick another with --port"
        ) from None
    return server


def route_midi(control: Any, msg: Any, t_ns: int) -> None:
    """One decoded MIDI message (mido) to the control thread's handler; malformed ones are ignored."""
    kind = msg.type
    try:
        if kind == "note_on":
            control.midi(kind, (msg.note, msg.velocity, msg.channel), t_ns)
        elif kind == "note_off":
            control.midi(kind, (msg.note, msg.channel), t_ns)
        elif kind == "control_change":
            control.midi(kind, (msg.control, msg.value, msg.channel), t_ns)
        elif kind == "songpos":
            control.midi(kind, (msg.pos,), t_ns)
        elif kind in ("clock", "start", "stop", "continue"):
            control.midi(kind, (), t_ns)
    except (ValueError, TypeError) as exc:
        log.debug("ignored MIDI %s: %s", msg, exc)


def _key(item: Any) -> Any:
    """What makes two priority items the same request (whoever sent it)."""
    if hasattr(item, "address"):
        return (item.address, getattr(item, "args", None))
    return id(item)
