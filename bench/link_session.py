"""segue and an Ableton Link peer in a private network namespace: what the Link tests and bench.link run.

:func:`run_in_namespace` re-executes this file under ``unshare -n`` (a network namespace of its own, its
loopback up and multicast routed onto it, so Link's discovery traffic never leaves it) and returns the
JSON the child prints. The JACK server (its sockets live in /dev/shm) is the caller's, named by
``JACK_DEFAULT_SERVER``. In the child:

1. a Link peer (the same ``link`` library as segue's) joins, then an in-process ``Daemon`` with
   ``clock_source link`` and JACK MIDI; ``/segue/status`` is polled until it reports the peer;
2. the peer sets ``tempo`` and starts its transport: how long until ``/segue/status`` reports both;
3. a phrase goes in (``/segue/phrase``); each note-on of the answer is stamped where the scheduler sends
   it (an extra sink) and where it arrives over JACK (a polled port on "segue out"), and placed on the
   peer's own timeline at that moment: its error is the distance to the nearest 1/8 beat (the
   tokenizer's grid: an answer's notes lie on it from its entry on);
4. with ``change_to``, the peer changes tempo after ``change_after`` notes: segue's follow time, and the
   notes after it still on the grid (re-timed);
5. ``/segue/set tempo`` becomes a tempo request the peer follows (``request``), and the peer's stop ends
   the answer (``stop``), every note-on with its note-off.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
NS_PER_S = 1_000_000_000
GRID = 8  # positions per beat the answer's onsets lie on
SETUP = "ip link set lo up && ip route add 224.0.0.0/4 dev lo && exec \"$0\" \"$@\""


def run_in_namespace(scenario: dict[str, Any], timeout: float = 180.0) -> dict[str, Any]:
    """Run ``scenario`` (see :func:`session`'s arguments) in a fresh network namespace; its result."""
    for tool in ("unshare", "ip"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is missing (Debian: apt-get install util-linux iproute2)")
    if not os.environ.get("JACK_DEFAULT_SERVER"):
        raise RuntimeError("no JACK server named in JACK_DEFAULT_SERVER")
    # as a module from the checkout's root: the script's own folder on sys.path would make bench/link.py
    # the ``link`` library
    command = ["unshare", "-n", "sh", "-c", SETUP, sys.executable, "-m", "bench.link_session",
               json.dumps(scenario)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RuntimeError(f"the namespace child failed ({proc.returncode}): {proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


class Peer:
    """A Link peer of the test: its tempo, transport and the beat it hears at a perf_counter_ns time."""

    def __init__(self, quantum: float = 4.0) -> None:
        import link

        self.quantum = quantum
        self.link = link.Link(120.0)
        self.link.startStopSyncEnabled = True
        self.link.enabled = True
        self.lock = threading.Lock()

    def _offset_ns(self) -> int:
        clock = self.link.clock()
        best = None
        for _ in range(3):
            before = time.perf_counter_ns()
            m = clock.micros()
            after = time.perf_counter_ns()
            if best is None or after - before < best[0]:
                best = (after - before, m * 1000 - (before + after) // 2)
        assert best is not None
        return best[1]

    def micros(self, t_ns: int) -> int:
        return (t_ns + self._offset_ns()) // 1000

    def perf_ns(self, beat: float) -> int:
        """When the session's ``beat`` falls, as perf_counter_ns."""
        with self.lock:
            micros = self.link.captureAppSessionState().timeAtBeat(beat, self.quantum)
        return int(micros) * 1000 - self._offset_ns()

    def beat(self, t_ns: int) -> tuple[float, float]:
        """(beat, tempo) of the session at ``t_ns``."""
        with self.lock:
            state = self.link.captureAppSessionState()
            return state.beatAtTime(self.micros(t_ns), self.quantum), state.tempo()

    def set(self, tempo: float | None = None, playing: bool | None = None) -> None:
        with self.lock:
            state = self.link.captureAppSessionState()
            now = self.micros(time.perf_counter_ns())
            if tempo is not None:
                state.setTempo(tempo, now)
            if playing is not None:
                state.setIsPlayingAndRequestBeatAtTime(playing, now, 0.0, self.quantum)
            self.link.commitAppSessionState(state)

    @property
    def tempo(self) -> float:
        with self.lock:
            return self.link.captureAppSessionState().tempo()

    def close(self) -> None:
        self.link.enabled = False


class Onsets:
    """Note-ons placed on the peer's timeline as they happen (``note_on`` is an EventSink's)."""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer
        self.rows: list[dict[str, float]] = []
        self.offs = 0
        self.lock = threading.Lock()

    def add(self, t_ns: int, pitch: int) -> None:
        beat, tempo = self.peer.beat(t_ns)
        error = beat - round(beat * GRID) / GRID
        with self.lock:
            self.rows.append({"t": t_ns / NS_PER_S, "pitch": pitch, "beat": beat, "tempo": tempo,
                              "error_ms": error * 60_000.0 / tempo})

    def note_on(self, pitch: int, velocity: int, channel: int, duration_beats: float = 0.0) -> None:
        self.add(time.perf_counter_ns(), pitch)

    def note_off(self, pitch: int, channel: int) -> None:
        with self.lock:
            self.offs += 1

    def all_notes_off(self) -> None:
        pass

    def count(self) -> int:
        with self.lock:
            return len(self.rows)


class JackOnsets(Onsets):
    """The same, for what arrives over JACK on a port of its own (polled: no Python in JACK's thread);
    MIDI clock ticks are placed on the peer's timeline too (``ticks``: error to the nearest 1/24 beat)."""

    def __init__(self, peer: Peer, name: str = "link probe in") -> None:
        import rtmidi

        super().__init__(peer)
        self.port = rtmidi.MidiIn(rtapi=rtmidi.API_UNIX_JACK, name=name)
        self.port.ignore_types(sysex=True, timing=False, active_sense=True)
        self.port.open_virtual_port(name)
        self.name = name
        self.messages: list[list[int]] = []
        self.ticks: list[dict[str, float]] = []
        self.transport: list[tuple[float, int]] = []  # (beat, status byte) of start, continue, stop
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            item = self.port.get_message()
            if item is None:
                time.sleep(0.0002)
                continue
            t = time.perf_counter_ns()
            data = item[0]
            self.messages.append(data)
            if data[0] == 0xF8:
                beat, tempo = self.peer.beat(t)
                self.ticks.append({"beat": beat, "error_ms": (beat - round(beat * 24) / 24) * 60_000 / tempo})
            elif data[0] in (0xFA, 0xFB, 0xFC):
                self.transport.append((self.peer.beat(t)[0], data[0]))
            elif data[0] & 0xF0 == 0x90 and data[2] > 0:
                self.add(t, data[1])
            elif data[0] & 0xF0 in (0x80, 0x90):
                self.note_off(data[1], data[0] & 0x0F)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2.0)
        self.port.close_port()
        self.port.delete()


def _connect(source_suffix: str, destination_suffix: str) -> None:
    deadline = time.monotonic() + 10
    while True:
        ports = subprocess.run(["jack_lsp"], capture_output=True, text=True, timeout=10).stdout.split("\n")
        src = [p for p in ports if p.endswith(source_suffix)]
        dst = [p for p in ports if p.endswith(destination_suffix)]
        if src and dst:
            subprocess.run(["jack_connect", src[0], dst[0]], check=True, capture_output=True, timeout=10)
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"no JACK ports {source_suffix!r} / {destination_suffix!r}: {ports}")
        time.sleep(0.05)


def _play_on_the_beats(peer: Peer, port: Any, pitches: list[int]) -> None:
    """The performer: ``pitches`` in eighths on the peer's beats, from its next bar line, into JACK."""
    first = (int(peer.beat(time.perf_counter_ns())[0] // 4) + 1) * 4.0
    for i, pitch in enumerate(pitches):
        for beat, message in ((first + i / 2, [0x90, pitch, 100]), (first + i / 2 + 0.4, [0x80, pitch, 0])):
            due = peer.perf_ns(beat)
            while (left := due - time.perf_counter_ns()) > 0:
                time.sleep(min(left / NS_PER_S, 0.002) if left > 1_500_000 else 0)
            port.send_message(message)


def _wait(predicate: Any, timeout: float, interval: float = 0.005) -> float | None:
    """Seconds until ``predicate()`` held, or None after ``timeout``."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if predicate():
            return time.perf_counter() - start
        time.sleep(interval)
    return None


def session(tempo: float = 97.0, entry: str = "beat", notes: int = 24, change_to: float | None = None,
            change_after: int = 8, request: float | None = None, stop: bool = False, clock_out: bool = False,
            played: bool = False, latency_ms: float = 0.0,
            length_beats: float = 16.0, model: str = "default",
            models: tuple[str, ...] = ()) -> dict[str, Any]:
    """The child's run (see the module docstring)."""
    from pythonosc.udp_client import SimpleUDPClient

    from bench.common import seed_phrase
    from bench.latency import Inbox, free_port
    from bridge.config import ServeConfig
    from bridge.daemon import Daemon
    from bridge.params import ParamStore

    interfaces = sorted(name for _, name in socket.if_nameindex())
    if interfaces != ["lo"]:
        raise SystemExit(f"not in a private network namespace (interfaces: {interfaces})")
    out: dict[str, Any] = {"interfaces": interfaces}
    peer = Peer()
    inbox = Inbox()
    serve = ServeConfig(port=free_port(), reply_port=inbox.port, midi=True, midi_api="jack", model=model,
                        models=tuple(models))
    values = {"clock_source": "link", "entry": entry, "length_beats": length_beats, "seed": 7,
              "phrase_end": "gap" if played else "trigger", "gap_seconds": 0.3,
              "clock_out": "port" if clock_out else "off", "latency_ms": latency_ms}
    daemon = Daemon(serve, ParamStore(values=values)).open()
    client = SimpleUDPClient("127.0.0.1", serve.port)
    sink = Onsets(peer)
    daemon.scheduler.core.output.add(sink)  # before any note: stamps where the scheduler sends
    jack = JackOnsets(peer)
    clock = JackOnsets(peer, "link clock in") if clock_out else None
    try:
        _connect(":segue out", f":{jack.name}")
        if clock is not None:
            _connect(":segue clock", f":{clock.name}")

        def status() -> tuple[Any, ...] | None:
            mark = len(inbox.messages)
            client.send_message("/segue/status", [])
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                found = [m[2] for m in inbox.messages[mark:] if m[1] == "/segue/status"]
                if found:
                    return found[-1]
                time.sleep(0.002)
            return None

        out["join_s"] = _wait(lambda: (s := status()) is not None and s[10] >= 1, 15.0)
        peer.set(tempo=tempo, playing=True)
        out["follow_s"] = _wait(lambda: (s := status()) is not None and abs(s[6] - tempo) < 0.01
                                and s[12] == 1, 5.0)
        out["status"] = list(status() or ())
        get_mark = len(inbox.messages)
        client.send_message("/segue/get", ["tempo"])
        _wait(lambda: any(m[1] == "/segue/value" for m in inbox.messages[get_mark:]), 2.0)
        out["get_tempo"] = [m[2] for m in inbox.messages[get_mark:] if m[1] == "/segue/value"][-1:]
        if played:  # played into "segue in" on the peer's beats: the gap ends the phrase
            import rtmidi

            performer = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name="link probe out")
            performer.open_virtual_port("link probe out")
            _connect(":link probe out", ":segue in")
            _play_on_the_beats(peer, performer, [n.pitch for n in seed_phrase(8)])
            out["played"] = True
        else:
            phrase = [v for n in seed_phrase(16) for v in (n.pitch, n.velocity, n.start, n.duration)]
            client.send_message("/segue/phrase", phrase)
        if change_to is not None:
            _wait(lambda: jack.count() >= change_after, 20.0)
            changed_at = time.perf_counter_ns()
            peer.set(tempo=change_to)
            out["change_follow_s"] = _wait(
                lambda: abs(daemon.timeline.grid.tempo_bpm - change_to) < 0.01, 5.0)
            out["changed_at"] = changed_at / NS_PER_S
        _wait(lambda: jack.count() >= notes or any(m[1] == "/segue/answer/end" for m in inbox.messages),
              60.0)
        if stop:  # while the answer plays on: the peer's stop ends it
            out["stopped_while_playing"] = not any(m[1] == "/segue/answer/end" for m in inbox.messages)
            peer.set(playing=False)
            out["stop_s"] = _wait(lambda: (s := status()) is not None and s[0] == "idle" and s[12] == 0, 5.0)
        if request is not None:
            client.send_message("/segue/set", ["tempo", float(request)])
            out["request_s"] = _wait(lambda: abs(peer.tempo - request) < 0.01, 5.0)
        client.send_message("/segue/stop", [])  # what still plays ends: every note-on gets its note-off
        _wait(lambda: (s := status()) is not None and s[0] == "idle" and jack.offs >= jack.count(), 5.0)
        out["sent"] = sink.rows
        out["received"] = jack.rows
        out["received_offs"] = jack.offs
        out["peer_tempo"] = peer.tempo
        if clock is not None:
            out["ticks"] = clock.ticks
            out["transport"] = clock.transport
    finally:
        daemon.close()
        jack.close()
        if clock is not None:
            clock.close()
        peer.close()
        inbox.server.shutdown()
    return out


def libraries(rounds: int = 3) -> dict[str, Any]:
    """The two Link wheels side by side, each following a peer of linkpython-extern: time to see the
    peer, time to follow its tempo change, the cost of reading the beat, what each needs."""
    import asyncio
    import statistics

    peer = Peer()
    out: dict[str, Any] = {}

    def measure(name: str, make: Any, tempo: Any, peers: Any, beat: Any) -> None:
        joins, follows = [], []
        for i in range(rounds):
            follower = make()
            joins.append(_wait(lambda f=follower: peers(f) > 0, 10.0, 0.0005))
            target = 100.0 + 7 * (i + 1)
            peer.set(tempo=target)
            follows.append(_wait(lambda f=follower, t=target: abs(tempo(f) - t) < 0.01, 5.0, 0.0002))
            follower.enabled = False
        costs = []
        follower = make()
        for _ in range(20000):
            before = time.perf_counter_ns()
            beat(follower)
            costs.append(time.perf_counter_ns() - before)
        follower.enabled = False
        costs.sort()
        out[name] = {"join_s": statistics.median(j for j in joins if j is not None),
                     "follow_ms": 1e3 * statistics.median(f for f in follows if f is not None),
                     "beat_us_p50": costs[len(costs) // 2] / 1e3,
                     "beat_us_p99": costs[int(len(costs) * .99)] / 1e3}

    import link

    def make_link() -> Any:
        follower = link.Link(120.0)
        follower.enabled = True
        return follower

    measure("linkpython-extern", make_link, lambda f: f.captureAppSessionState().tempo(),
            lambda f: f.numPeers(), lambda f: f.captureAppSessionState().beatAtTime(f.clock().micros(), 4.0))
    try:
        import aalink
    except ImportError as exc:
        out["aalink"] = {"error": f"not installed ({exc})"}
    else:
        try:
            aalink.Link(120.0)
        except RuntimeError as exc:  # it wants a running asyncio loop
            out["aalink_without_a_loop"] = str(exc)
        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, daemon=True).start()

        def make_aalink() -> Any:
            async def make() -> Any:
                follower = aalink.Link(120.0)
                follower.enabled = True
                return follower
            return asyncio.run_coroutine_threadsafe(make(), loop).result(5)

        measure("aalink", make_aalink, lambda f: f.tempo, lambda f: f.num_peers, lambda f: f.beat)
        loop.call_soon_threadsafe(loop.stop)
    peer.close()
    return out


if __name__ == "__main__":
    arguments = json.loads(sys.argv[1])
    if arguments.pop("libraries", False):
        result = libraries(**arguments)
    else:
        result = session(**arguments)
    print(json.dumps(result))
