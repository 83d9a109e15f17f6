"""Shared fixtures: a private JACK server, free UDP ports, and a stuck-note audit over OSC and JACK MIDI."""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

JACK_COMMAND = ["jackd", "-d", "dummy", "-r", "48000", "-p", "64"]

# segue's per-user folders (the note journal's state folder, the styles' data folder) point into one
# temporary folder for the whole run, for in-process daemons and the subprocesses that inherit it: a test
# run never writes into the home folder, and runs side by side do not share a journal
_USER_FOLDERS = tempfile.mkdtemp(prefix="segue-test-user-")
os.environ["XDG_STATE_HOME"] = os.path.join(_USER_FOLDERS, "state")
os.environ["XDG_DATA_HOME"] = os.path.join(_USER_FOLDERS, "data")
atexit.register(shutil.rmtree, _USER_FOLDERS, True)


def free_udp_port() -> int:
    """A UDP port on 127.0.0.1 that nobody is bound to right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.01) -> Any:
    """Poll ``predicate`` until it returns something truthy (returned) or ``timeout`` s pass (None)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


@dataclass
class JackServer:
    """A running private jackd; its name is in ``JACK_DEFAULT_SERVER`` for the whole session."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def ports(self) -> list[str]:
        out = subprocess.run(["jack_lsp"], capture_output=True, text=True, timeout=10)
        return [line.strip() for line in out.stdout.splitlines() if line.strip()]

    def find_port(self, suffix: str, timeout: float = 5.0) -> str:
        """The full JACK name of the port ending with ``suffix`` (e.g. ``":segue in"``)."""
        found = wait_for(lambda: [p for p in self.ports() if p.endswith(suffix)], timeout)
        if not found:
            raise AssertionError(f"no JACK port ends with {suffix!r}; ports: {self.ports()}")
        return found[0]

    def connect(self, source: str, destination: str) -> None:
        out = subprocess.run(["jack_connect", source, destination], capture_output=True, text=True,
                             timeout=10)
        assert out.returncode == 0, f"jack_connect {source!r} {destination!r}: {out.stderr}"


@pytest.fixture(scope="session")
def jack_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JackServer]:
    """``jackd -d dummy -r 48000 -p 64`` under a unique server name; killed at the end of the session."""
    assert shutil.which("jackd"), "jackd is not installed (Debian: apt-get install jackd2)"
    name = f"segue-test-{os.getpid()}"
    previous = os.environ.get("JACK_DEFAULT_SERVER")
    os.environ["JACK_DEFAULT_SERVER"] = name
    log_path = tmp_path_factory.mktemp("jack") / "jackd.log"
    log_file = open(log_path, "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(JACK_COMMAND, stdout=log_file, stderr=subprocess.STDOUT,
                               env={**os.environ, "JACK_NO_AUDIO_RESERVATION": "1"})
    server = JackServer(name, process, log_path)
    try:
        def ready() -> bool:
            return process.poll() is not None or any(p.startswith("system:") for p in server.ports())

        up = wait_for(ready, timeout=15.0, interval=0.1)
        if not up or process.poll() is not None:
            raise RuntimeError(f"jackd did not start: {log_path.read_text(errors='replace')}")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log_file.close()
        if previous is None:
            os.environ.pop("JACK_DEFAULT_SERVER", None)
        else:
            os.environ["JACK_DEFAULT_SERVER"] = previous


class JackMidiSender:
    """A virtual JACK MIDI output (client ``name``, port ``name``) that sends mido messages.

    Closed the way segue closes its own outputs (``bridge.midi_apis.close_output``): mido's rtmidi port
    frees its rtmidi object right after closing it, which races the port's JACK process cycle.
    """

    def __init__(self, name: str) -> None:
        import rtmidi

        self._port = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name=name)
        self._port.open_virtual_port(name)

    def send(self, message: Any) -> None:
        self._port.send_message(message.bytes())

    def close(self) -> None:
        from bridge.midi_apis import close_output

        close_output(self._port)


_LISTENER_CHILD = r"""
import os, select, sys, time
import rtmidi
port = rtmidi.MidiIn(rtapi=rtmidi.API_UNIX_JACK, name=sys.argv[1])
port.ignore_types(sysex=False, timing=False, active_sense=True)
port.open_virtual_port(sys.argv[1])
sys.stdout.write("ready\n")
sys.stdout.flush()
while True:
    item = port.get_message()
    if item is not None:
        sys.stdout.write(f"{time.perf_counter_ns()} " + " ".join(str(b) for b in item[0]) + "\n")
        sys.stdout.flush()
    elif select.select([sys.stdin], [], [], 0.001)[0]:  # stdin closed: the listener is done
        os._exit(0)  # no port close: JACK drops the client with the process
"""


class JackMidiListener:
    """A virtual JACK MIDI input (client ``name``, port ``name``) in a child process of its own.

    The child polls rtmidi's queue (mido's ports run a Python callback in JACK's real-time thread,
    where waiting for the GIL on a loaded machine makes JACK drop events) and prints each message; a
    thread here parses them. The child never closes its port: closing an rtmidi JACK input races the
    port's process cycle (python-rtmidi 1.5's RtMidi unregisters the port while a cycle may still read
    it), a native crash that would take the whole test process down. Its exit frees the port instead.
    """

    def __init__(self, name: str, callback: Callable[[Any], None] | None = None) -> None:
        import mido

        self.messages: list[Any] = []
        self.stamped: list[tuple[int, list[int]]] = []
        self._callback = callback
        self._parse = mido.Message.from_bytes
        self._lock = threading.Lock()
        self._proc = subprocess.Popen([sys.executable, "-c", _LISTENER_CHILD, name], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True, bufsize=1)
        ready = self._proc.stdout.readline().strip()
        if ready != "ready":
            self._proc.kill()
            raise RuntimeError(f"the JACK MIDI listener {name!r} did not start (exit {self._proc.wait()})")
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for line in self._proc.stdout:
            stamp, *data = (int(b) for b in line.split())
            msg = self._parse(data)
            with self._lock:
                self.messages.append(msg)
                self.stamped.append((stamp, data))
            if self._callback is not None:
                self._callback(msg)

    def received(self) -> list[Any]:
        with self._lock:
            return list(self.messages)

    def received_stamped(self) -> list[tuple[int, list[int]]]:
        """(arrival ``perf_counter_ns`` in the child, on the same monotonic clock as this process, bytes)."""
        with self._lock:
            return list(self.stamped)

    def sounding(self) -> set[tuple[int, int]]:
        """(channel, pitch) of the notes received that are still on (a note-on without its note-off)."""
        on: set[tuple[int, int]] = set()
        for msg in self.received():
            if msg.type == "note_on" and msg.velocity > 0:
                on.add((msg.channel, msg.note))
            elif msg.type in ("note_on", "note_off"):
                on.discard((msg.channel, msg.note))
            elif msg.type == "control_change" and msg.control in (120, 123):
                on = {n for n in on if n[0] != msg.channel}
        return on

    def close(self) -> None:
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            self._proc.stdin.close()
        try:
            self._proc.wait(5.0)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._thread.join(2.0)


@dataclass
class StuckNoteAudit:
    """Listens to what segue plays (OSC ``/segue/noteon``/``noteoff`` and/or a JACK MIDI port) and
    counts note-ons against note-offs per (channel, pitch). ``assert_clean`` fails on a stuck note."""

    sounding: Counter[tuple[str, int, int]] = field(default_factory=Counter)
    log: list[tuple[str, str, int, int]] = field(default_factory=list)  # (source, kind, channel, pitch)
    unmatched_offs: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def on(self, source: str, channel: int, pitch: int) -> None:
        with self._lock:
            self.sounding[(source, channel, pitch)] += 1
            self.log.append((source, "on", channel, pitch))

    def off(self, source: str, channel: int, pitch: int) -> None:
        with self._lock:
            key = (source, channel, pitch)
            if self.sounding[key] > 0:
                self.sounding[key] -= 1
            else:
                self.unmatched_offs += 1
            self.log.append((source, "off", channel, pitch))

    def count(self, source: str, kind: str) -> int:
        with self._lock:
            return sum(1 for s, k, _, _ in self.log if s == source and k == kind)

    def stuck(self) -> list[tuple[str, int, int]]:
        with self._lock:
            return sorted(k for k, n in self.sounding.items() if n > 0)

    def assert_clean(self, timeout: float = 2.0) -> None:
        """Wait up to ``timeout`` s for the last note-offs, then fail if any note is still sounding."""
        if wait_for(lambda: not self.stuck(), timeout):
            return
        with self._lock:
            recent = self.log[-16:]
        raise AssertionError(f"stuck notes (source, channel, pitch): {self.stuck()}; last events: {recent}")

    def listen_osc(self, port: int | None = None) -> int:
        """Receive OSC on 127.0.0.1 (a free port unless given); returns the port."""
        from pythonosc.dispatcher import Dispatcher
        from pythonosc.osc_server import BlockingOSCUDPServer

        dispatcher = Dispatcher()
        # one thread, in arrival order: a thread per datagram can see a note-off before its note-on
        dispatcher.map("/segue/noteon", lambda _a, pitch, vel, ch: (self.on("osc", ch, pitch) if vel > 0
                                                                    else self.off("osc", ch, pitch)))
        dispatcher.map("/segue/noteoff", lambda _a, pitch, _vel, ch: self.off("osc", ch, pitch))
        server = BlockingOSCUDPServer(("127.0.0.1", port or 0), dispatcher)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()

        def close() -> None:
            server.shutdown()
            server.server_close()

        self._closers.append(close)
        return int(server.server_address[1])

    def listen_midi(self, jack: JackServer, source_port: str, name: str = "audit in") -> None:
        """Open a JACK MIDI input ``name`` and connect ``source_port`` (a full JACK name) to it."""

        def callback(msg: Any) -> None:
            if msg.type == "note_on" and msg.velocity > 0:
                self.on("midi", msg.channel + 1, msg.note)
            elif msg.type in ("note_on", "note_off"):
                self.off("midi", msg.channel + 1, msg.note)

        port = JackMidiListener(name, callback)
        self._closers.append(port.close)
        jack.connect(source_port, jack.find_port(f":{name}"))

    def close(self) -> None:
        for close in reversed(self._closers):
            close()
        self._closers.clear()


@pytest.fixture
def stuck_note_audit() -> Iterator[StuckNoteAudit]:
    """A ``StuckNoteAudit``; the test fails if a note is still sounding when it ends."""
    audit = StuckNoteAudit()
    try:
        yield audit
        audit.assert_clean()
    finally:
        audit.close()


class OrderedReplies:
    """Every OSC message sent to a UDP port on 127.0.0.1 (a free one unless given), kept in arrival order
    by one receiving thread; note-ons and note-offs also go to ``audit``. (A server with a thread per
    datagram may hand a note-off to the audit before its note-on, which then looks stuck.)"""

    def __init__(self, audit: StuckNoteAudit | None = None, port: int = 0) -> None:
        from pythonosc.dispatcher import Dispatcher
        from pythonosc.osc_server import BlockingOSCUDPServer

        self.audit = audit
        self.messages: list[tuple[str, tuple[Any, ...]]] = []
        self._cond = threading.Condition()
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(self._on, needs_reply_address=False)
        self._server = BlockingOSCUDPServer(("127.0.0.1", port), dispatcher)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def _on(self, address: str, *args: Any) -> None:
        if self.audit is not None:
            if address == "/segue/noteon":
                self.audit.on("osc", args[2], args[0])
            elif address == "/segue/noteoff":
                self.audit.off("osc", args[2], args[0])
        with self._cond:
            self.messages.append((address, args))
            self._cond.notify_all()

    def all(self, address: str) -> list[tuple[Any, ...]]:
        with self._cond:
            return [a for addr, a in self.messages if addr == address]

    def wait(self, address: str, where: Callable[[tuple[Any, ...]], bool] = lambda a: True,
             timeout: float = 10.0, after: int = 0) -> tuple[Any, ...]:
        """The first message to ``address`` (among those from index ``after`` on) matching ``where``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for addr, args in self.messages[after:]:
                    if addr == address and where(args):
                        return args
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {address} reply; got {self.messages[-20:]}")
                self._cond.wait(left)

    def mark(self) -> int:
        with self._cond:
            return len(self.messages)

    def clear(self) -> None:
        with self._cond:
            self.messages.clear()

    def close(self, settle_s: float = 0.2) -> None:
        """Stop once nothing has arrived for ``settle_s`` (at most 2 s): shutting down drops what is still
        in the socket buffer, e.g. the note-offs a closing daemon just sent."""
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            seen = self.mark()
            time.sleep(settle_s)
            if self.mark() == seen:
                break
        self._server.shutdown()
        self._server.server_close()
