"""Starting and stopping the daemon's parts: open in order, close in reverse, signals, the banner, and
the control thread's mailbox.

:class:`Stack` records a closer for each part as it opens; ``close()`` runs them in reverse order and
goes on past one that fails. :class:`Mailbox` is the control thread's inbox with two lanes: network
input (bounded: a flood is dropped and counted) and internal calls and events (never dropped, served
first), so a flood of UDP never holds back what the engine or a parameter change has to say.
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

log = logging.getLogger(__name__)


class Stack:
    """Closers of opened parts, run in reverse by ``close()`` (each at most once)."""

    def __init__(self) -> None:
        self._closers: list[tuple[str, Callable[[], None]]] = []

    def push(self, name: str, closer: Callable[[], None]) -> None:
        self._closers.append((name, closer))

    def close(self) -> None:
        while self._closers:
            name, closer = self._closers.pop()
            try:
                closer()
            except Exception:
                log.exception("closing %s failed", name)


def install_signals(callback: Callable[[], None]) -> bool:
    """SIGINT and SIGTERM call ``callback`` (only from the main thread; False elsewhere)."""
    if threading.current_thread() is not threading.main_thread():
        return False
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: callback())
    return True


def banner(model: str, sampler: str, osc: tuple[str, int], reply: tuple[str, int], midi: str,
           prefix: str = "/segue") -> list[str]:
    """What was opened and how to reach it, for the console."""
    host, port = osc
    return [
        f"segue: model {model!r}, sampler {sampler}",
        f"  OSC in   udp://{host}:{port}    replies to udp://{reply[0]}:{reply[1]}",
        f"  MIDI     {midi}",
        f"  try:     oscsend localhost {port} {prefix}/phrase iiff 60 100 0 1",
        f"  listen:  oscdump {reply[1]}",
        "  all addresses: segue params    stop: Ctrl-C",
    ]


class _Lane:
    """The bounded network lane of a :class:`Mailbox`; ``put_nowait`` raises ``queue.Full`` like a
    ``queue.Queue`` (what the OSC server and the MIDI input expect)."""

    def __init__(self, box: Mailbox, size: int) -> None:
        self._box = box
        self.maxsize = size

    def put_nowait(self, item: Any) -> None:
        self._box._put(item, network=True)

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        self.put_nowait(item)

    def qsize(self) -> int:
        return self._box.pending

    def empty(self) -> bool:
        return self._box.pending == 0


class Mailbox:
    """The control thread's inbox: ``network`` (bounded) and ``call``/``post`` (internal, never dropped)."""

    def __init__(self, network_size: int = 8192) -> None:
        self._cond = threading.Condition()
        self._network: deque[Any] = deque()
        self._internal: deque[Any] = deque()
        self.network = _Lane(self, network_size)
        self.dropped = 0

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
            self._network.append(item)
            self._cond.notify()

    def _put(self, item: Any, network: bool) -> None:
        with self._cond:
            if network:
                if len(self._network) >= self.network.maxsize:
                    self.dropped += 1
                    raise queue.Full
                self._network.append(item)
            else:
                self._internal.append(item)
            self._cond.notify()

    def get(self, timeout: float | None) -> Any:
        """The next item, internal ones first; None after ``timeout`` seconds without one."""
        with self._cond:
            if not self._internal and not self._network:
                self._cond.wait(timeout)
            if self._internal:
                return self._internal.popleft()
            if self._network:
                return self._network.popleft()
            return None

    def drain(self) -> Sequence[Any]:
        """Everything still queued (at close)."""
        with self._cond:
            items = [*self._internal, *self._network]
            self._internal.clear()
            self._network.clear()
            return items
