"""Stress of the output: note storms at "safe" settings, and the burst after a stalled process.

    python -m bench.stress_output

1. Storm: ``segue serve`` (OSC-only, shipped model) answers a low phrase on which the unguarded model
   repeats one pitch at one onset hundreds of times, at temperature 0.05, greedy and beam; the most
   note-ons of one pitch and channel received within 100 ms (``/segue/noteon``, sent by the scheduler
   at the same moment as the MIDI note-on).
2. Stall: ``segue serve`` playing a long, dense answer is stopped with SIGSTOP for 2 s and continued;
   the note-ons received in the first 100 ms after SIGCONT, and the notes dropped as late (/segue/status).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import BlockingOSCUDPServer
from pythonosc.udp_client import SimpleUDPClient

from bench.common import table

REPO = Path(__file__).resolve().parent.parent
LOW = [36, 90, 0.0, 0.5, 38, 90, 0.5, 0.5, 40, 90, 1.0, 0.5, 41, 90, 1.5, 0.5]
PHRASE = [60, 100, 0.0, 0.5, 62, 100, 0.5, 0.5, 64, 100, 1.0, 0.5, 65, 100, 1.5, 0.5,
          67, 100, 2.0, 1.0, 65, 90, 3.0, 0.5, 64, 90, 3.5, 0.5, 62, 90, 4.0, 1.0]


class Listener:
    """Every OSC message on a free UDP port, with its arrival time (perf_counter)."""

    def __init__(self) -> None:
        self.messages: list[tuple[float, str, tuple[Any, ...]]] = []
        self._lock = threading.Lock()
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(self._on)
        self._server = BlockingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def _on(self, address: str, *args: Any) -> None:
        with self._lock:
            self.messages.append((time.perf_counter(), address, args))

    def of(self, address: str, since: float = 0.0) -> list[tuple[float, tuple[Any, ...]]]:
        with self._lock:
            return [(t, a) for t, addr, a in self.messages if addr == address and t >= since]

    def wait(self, address: str, timeout: float = 30.0, since: float = 0.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.of(address, since):
                return True
            time.sleep(0.01)
        return False

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(reply_port: int, *flags: str) -> tuple[subprocess.Popen[str], SimpleUDPClient]:
    port = _free_port()
    args = [sys.executable, "-m", "bridge", "serve", "--no-midi", "--port", str(port), "--reply-port",
            str(reply_port), "--seed", "1", *flags]
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return proc, SimpleUDPClient("127.0.0.1", port)


def _ready(client: SimpleUDPClient, listener: Listener, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        since = time.perf_counter()
        client.send_message("/segue/ping", "ready")
        if listener.wait("/segue/pong", 0.5, since):
            return True
    return False


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGCONT)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def max_same_pitch(events: list[tuple[float, tuple[Any, ...]]], window: float = 0.1) -> int:
    """Most note-ons of one (channel, pitch) within any ``window`` seconds."""
    by_key: dict[tuple[int, int], list[float]] = defaultdict(list)
    for t, (pitch, velocity, channel) in events:
        if velocity > 0:
            by_key[(channel, pitch)].append(t)
    best = 0
    for times in by_key.values():
        first = 0
        for last, t in enumerate(times):
            while t - times[first] >= window:
                first += 1
            best = max(best, last - first + 1)
    return best


def storm_rows() -> list[tuple[str, str, str]]:
    """Max same-pitch note-ons per 100 ms at temperature 0.05, greedy and beam."""
    rows = []
    settings = (("temperature 0.05", ("--temperature", "0.05")), ("greedy", ("--strategy", "greedy")),
                ("beam", ("--strategy", "beam")))
    for label, flags in settings:
        listener = Listener()
        proc, client = _serve(listener.port, "--tempo", "120", "--length-beats", "4", *flags)
        try:
            if not _ready(client, listener):
                rows.append((f"storm, {label}: max same-pitch note-ons per 100 ms", "no answer", "<= 4"))
                continue
            client.send_message("/segue/phrase", LOW)
            listener.wait("/segue/noteon", 30.0)
            time.sleep(4.0)
            worst = max_same_pitch(listener.of("/segue/noteon"))
            rows.append((f"storm, {label}: max same-pitch note-ons per 100 ms", str(worst), "<= 4 (30 ms)"))
        finally:
            _stop(proc)
            listener.close()
    return rows


def stall_rows(stall_s: float = 2.0) -> list[tuple[str, str, str]]:
    """Note-ons in the first 100 ms after a ``stall_s`` SIGSTOP, and the notes dropped as late."""
    listener = Listener()
    proc, client = _serve(listener.port, "--tempo", "300", "--rest-bias", "2", "--length-notes", "0",
                          "--length-beats", "256")
    try:
        if not _ready(client, listener):
            return [("stall: note-ons in the first 100 ms after SIGCONT", "no answer", "small")]
        client.send_message("/segue/phrase", PHRASE)
        listener.wait("/segue/noteon", 30.0)
        time.sleep(0.5)
        proc.send_signal(signal.SIGSTOP)
        time.sleep(stall_s)
        resumed = time.perf_counter()
        proc.send_signal(signal.SIGCONT)
        time.sleep(1.0)
        burst = sum(1 for t, a in listener.of("/segue/noteon", resumed) if t - resumed < 0.1 and a[1] > 0)
        since = time.perf_counter()
        client.send_message("/segue/status", [])
        listener.wait("/segue/status", 5.0, since)
        status = listener.of("/segue/status", since)
        dropped = str(status[-1][1][5]) if status and len(status[-1][1]) > 5 else "?"
        return [(f"stall: note-ons in the first 100 ms after a {stall_s:g} s SIGSTOP", str(burst), "<= 6"),
                ("stall: note-ons dropped as late (late_ms 100)", dropped, "counted")]
    finally:
        _stop(proc)
        listener.close()


def main() -> int:
    print(table(storm_rows(), "note storms at safe settings (shipped model, OSC-only)"), "\n", flush=True)
    print(table(stall_rows(), "after a stall"), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
