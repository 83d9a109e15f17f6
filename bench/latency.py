"""Latency of the running daemon: phrase end to first note-on out (OSC loopback and JACK MIDI), output
jitter while generating, sustained generation rate, length reliability, and ``segue serve``'s ready time
and memory.

    python -m bench.latency [--model default] [--rounds 20] [--no-jack] [--lookahead-ms MS] [--view]

``segue serve`` runs as a subprocess on the shipped model with its default settings (``--lookahead-ms``
changes the head start). Both processes stamp with the same monotonic clock (perf_counter_ns).
- played: the performer's path. The phrase is played note by note (``/segue/note``, or MIDI into
  "segue in"); segue prefills it and samples its answer's first notes while it is played; after a breath
  (100 ms, then 10 ms) ``/segue/continue`` ends it: trigger to first note-on.
- cold: a new phrase arrives whole (``/segue/phrase``), so all of it is prefilled after it arrives.
``--view`` measures those rounds with and without the web view instead, side by side (``bench.view_latency``).
Jitter, the sustained rate and the length check run in-process: the engine streams long continuations
into the real-time scheduler (OSC output to a local port) while the scheduler plays the notes already due.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import BlockingOSCUDPServer
from pythonosc.udp_client import SimpleUDPClient

from bench.common import REPO, model_folder, pct, private_jack, seed_phrase, table


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """OSC replies with their arrival stamps."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, str, tuple[Any, ...]]] = []
        self.cond = threading.Condition()
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(self._on)
        self.server = BlockingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def _on(self, address: str, *args: Any) -> None:
        t = time.perf_counter_ns()
        with self.cond:
            self.messages.append((t, address, args))
            self.cond.notify_all()

    def mark(self) -> int:
        with self.cond:
            return len(self.messages)

    def wait(self, address: str, after: int, where: Callable[[tuple[Any, ...]], bool] = lambda a: True,
             timeout: float = 10.0) -> int:
        """Arrival stamp of the first matching message from index ``after`` on."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, addr, args in self.messages[after:]:
                    if addr == address and where(args):
                        return t
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no {address} within {timeout} s")
                self.cond.wait(left)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Served:
    """``python -m bridge serve`` as a subprocess, with its ready time."""

    def __init__(self, model: str, inbox: Inbox, midi: bool, env: dict[str, str],
                 extra: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        args = [sys.executable, "-m", "bridge", "serve", "--port", str(self.port), "--reply-port",
                str(inbox.port), "--model", model, "--phrase-end", "trigger", "--length-notes", "8",
                "--seed", "1", *extra]
        args += ["--midi-api", "jack"] if midi else ["--no-midi"]
        t0 = time.perf_counter_ns()
        self.proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.client = SimpleUDPClient("127.0.0.1", self.port)
        deadline = time.monotonic() + 30
        while True:  # ready = answers a ping
            mark = inbox.mark()
            self.client.send_message("/segue/ping", "ready")
            try:
                inbox.wait("/segue/pong", mark, timeout=0.05)
                break
            except TimeoutError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("segue serve did not start; run it by hand to see why") from None
        self.ready_ns = time.perf_counter_ns() - t0

    def sync(self, inbox: Inbox) -> None:
        mark = inbox.mark()
        self.client.send_message("/segue/ping", "sync")
        inbox.wait("/segue/pong", mark)

    def close(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


PACE_S = 0.125  # a performer's sixteenths at 120 BPM
HOLD_S = 0.06  # each paced note sounds this long


def play_notes(send: Callable[[int, int], None], notes: list[Any], pace_s: float = 0.0) -> None:
    """Each note on then off; ``pace_s`` > 0: one note every ``pace_s``, held ``HOLD_S`` (else all at
    once, as fast as the socket takes them)."""
    start = time.monotonic()
    for i, n in enumerate(notes):
        if pace_s > 0:
            time.sleep(max(0.0, start + i * pace_s - time.monotonic()))
        send(n.pitch, n.velocity)
        if pace_s > 0:
            time.sleep(min(HOLD_S, pace_s / 2))
        send(n.pitch, 0)


def played_round(served: Served, inbox: Inbox, transpose: int, breath_s: float, pace_s: float = 0.0) -> int:
    """A 32-note phrase played note by note (all at once, or one every ``pace_s``), ``breath_s`` of
    silence, then the trigger: ns to the first /segue/noteon."""
    notes = seed_phrase(32, transpose=transpose)
    play_notes(lambda p, v: served.client.send_message("/segue/note", [p, v]), notes, pace_s)
    time.sleep(breath_s)  # what segue does in the breath is what the performer gains
    mark = inbox.mark()
    t0 = time.perf_counter_ns()
    served.client.send_message("/segue/continue", [])
    latency = inbox.wait("/segue/noteon", mark) - t0
    served.client.send_message("/segue/stop", [])
    served.sync(inbox)
    return latency


def osc_rounds(served: Served, inbox: Inbox, rounds: int) -> tuple[list[int], list[int], list[int]]:
    """(played with a 100 ms breath, with a 10 ms breath, cold) ns from phrase end to the first note-on."""
    warm: list[int] = []
    quick: list[int] = []
    cold: list[int] = []
    for i in range(rounds):
        warm.append(played_round(served, inbox, i % 12, 0.1))
        quick.append(played_round(served, inbox, (i + 5) % 12, 0.01))

        phrase = [x for n in seed_phrase(32, transpose=-(i % 12) - 1) for x in (n.pitch, n.velocity,
                                                                                n.start, n.duration)]
        mark = inbox.mark()
        t0 = time.perf_counter_ns()
        served.client.send_message("/segue/phrase", phrase)
        cold.append(inbox.wait("/segue/noteon", mark) - t0)
        served.client.send_message("/segue/stop", [])
        served.sync(inbox)
    return warm, quick, cold


def paced_rounds(served: Served, inbox: Inbox, rounds: int) -> tuple[list[int], list[int]]:
    """(100 ms breath, 10 ms breath) ns from phrase end to the first note-on, the phrase played at a
    performer's pace (a note every ``PACE_S``)."""
    warm: list[int] = []
    quick: list[int] = []
    for i in range(rounds):
        warm.append(played_round(served, inbox, i % 12, 0.1, PACE_S))
        quick.append(played_round(served, inbox, (i + 5) % 12, 0.01, PACE_S))
    return warm, quick


def jack_rounds(model: str, rounds: int, extra: tuple[str, ...] = ()) -> tuple[list[int], float] | None:
    """Warm phrase end (OSC trigger) to first note-on received from "segue out" over JACK MIDI."""
    if shutil.which("jackd") is None:
        return None
    import mido

    with private_jack("segue-bench", settle_s=1.0) as env:
        inbox = Inbox()
        served: Served | None = None
        try:
            served = Served(model, inbox, midi=True, env=env, extra=extra)
            backend = mido.Backend("mido.backends.rtmidi/UNIX_JACK")
            stamps: list[int] = []
            lock = threading.Lock()

            def on(msg: Any) -> None:
                if msg.type == "note_on" and msg.velocity > 0:
                    with lock:
                        stamps.append(time.perf_counter_ns())

            out = backend.open_output("bench out", virtual=True)
            inp = backend.open_input("bench in", virtual=True, callback=on)
            ports = subprocess.run(["jack_lsp"], env=env, capture_output=True, text=True).stdout.split("\n")
            find = lambda suffix: next(p for p in ports if p.endswith(suffix))  # noqa: E731
            subprocess.run(["jack_connect", find(":bench out"), find(":segue in")], env=env, check=True)
            subprocess.run(["jack_connect", find(":segue out"), find(":bench in")], env=env, check=True)
            latencies = []
            for i in range(rounds):
                play_notes(lambda p, v: out.send(mido.Message("note_on", note=p, velocity=v)),
                           seed_phrase(32, transpose=i % 12))
                time.sleep(0.1)
                served.sync(inbox)
                with lock:
                    seen = len(stamps)
                t0 = time.perf_counter_ns()
                served.client.send_message("/segue/continue", [])
                deadline = time.monotonic() + 10
                while True:
                    with lock:
                        if len(stamps) > seen:
                            latencies.append(stamps[seen] - t0)
                            break
                    if time.monotonic() > deadline:
                        raise TimeoutError("no note-on from segue out")
                    time.sleep(0.0002)
                served.client.send_message("/segue/stop", [])
                served.sync(inbox)
            rss = rss_mb(served.proc.pid)
            out.close()
            inp.close()
            return latencies, rss
        finally:
            if served is not None:
                served.close()
            inbox.close()


def jitter_and_rate(model_name: str, notes: int, runs: int = 12) -> dict[str, float]:
    """In-process: ``runs`` long continuations streamed into the real-time scheduler while it plays."""
    from bridge.daemon import load_model
    from bridge.engine import Engine
    from bridge.osc_io import OscNoteSink, OscReplier
    from bridge.params import ParamStore
    from bridge.scheduler import RealtimeScheduler
    from bridge.settings import Settings

    folder, name = model_folder(model_name)
    model = load_model(name, [folder])
    # dense and fast, so many notes fall due while the rest is still being generated; the default
    # lookahead (20 ms), so a chord's later notes are not counted late for being sampled after the first
    store = ParamStore(values={"length_notes": notes, "tempo": 300.0, "lookahead_ms": 20.0, "seed": 1,
                               "rest_bias": 2.0})
    from bridge.daemon import SWITCH_INTERVAL_S

    sys.setswitchinterval(SWITCH_INTERVAL_S)  # as the daemon does
    sink_port = Inbox()
    replier = OscReplier("127.0.0.1", sink_port.port)
    with RealtimeScheduler(OscNoteSink(replier)) as scheduler:
        engine = Engine(model, scheduler)
        settings = Settings.of(store)
        with engine:
            gen_ns = 0
            for _ in range(runs):  # each new seed preempts the last: only notes due while generating play
                t0 = time.perf_counter_ns()
                engine.seed(seed_phrase(32), settings, end_ns=t0)
                time.sleep(0.001)
                engine.wait_idle(60)
                gen_ns += time.perf_counter_ns() - t0
            stats = scheduler.stats.snapshot()  # events sent while the engine was generating
        scheduler.cancel_pending()
    replier.close()
    sink_port.close()
    return {"notes": engine.stats.notes, "gen_s": gen_ns / 1e9, "rate": engine.stats.notes / (gen_ns / 1e9),
            "events": stats["count"] - stats["behind"], "behind": stats["behind"], "p50_ms": stats["p50_ms"],
            "p99_ms": stats["p99_ms"], "max_ms": stats["max_ms"]}


def length_check(model_name: str, notes: int, runs: int = 3) -> list[int]:
    """Notes a continuation of ``notes`` requested notes gives, ``runs`` times (offline, the engine's
    code path)."""
    import numpy as np

    from bridge.continuation import continuation
    from bridge.daemon import load_model
    from bridge.params import ParamStore
    from bridge.settings import Settings

    folder, name = model_folder(model_name)
    model = load_model(name, [folder])
    got = []
    for run in range(runs):
        settings = Settings.of(ParamStore(values={"length_notes": notes, "seed": run}))
        rng = np.random.default_rng(run)
        notes_out = continuation(model, seed_phrase(32), settings.play, settings.sampling, rng)
        got.append(sum(1 for _ in notes_out))
    return got


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--paced-rounds", type=int, default=8,
                        help=f"rounds with the phrase played at a performer's pace (a note every {PACE_S} s)")
    parser.add_argument("--notes", type=int, default=1024, help="length of the sustained-rate continuation")
    parser.add_argument("--no-jack", action="store_true", help="skip the JACK MIDI measurement")
    parser.add_argument("--lookahead-ms", type=float, help="segue serve's --lookahead-ms (default: its own)")
    parser.add_argument("--no-speculation", action="store_true", help="turn speculation off (to compare)")
    parser.add_argument("--requested", type=int, default=600, help="notes requested for the length check")
    parser.add_argument("--view", action="store_true", help="phrase end to first note with and without "
                        "segue serve --view (a page connected), side by side in one run")
    args = parser.parse_args(argv)
    model_folder(args.model)
    extra: tuple[str, ...] = ()
    if args.lookahead_ms is not None:
        extra += ("--lookahead-ms", str(args.lookahead_ms))
    env = {**os.environ, "JACK_NO_START_SERVER": "1"}
    if args.no_speculation:
        extra += ("--no-speculation",)
    if args.view:
        from bench.view_latency import compare

        print(compare(args.model, args.rounds, extra))
        return 0

    inbox = Inbox()
    served = Served(args.model, inbox, midi=False, env=env, extra=extra)
    try:
        warm, quick, cold = osc_rounds(served, inbox, args.rounds)
        paced_warm, paced_quick = paced_rounds(served, inbox, args.paced_rounds)
        rss = rss_mb(served.proc.pid)
        ready = served.ready_ns
    finally:
        served.close()
        inbox.close()
    jack = None if args.no_jack else jack_rounds(args.model, args.rounds, extra)
    live = jitter_and_rate(args.model, args.notes)
    lengths = length_check(args.model, args.requested)

    def lat(values: list[int]) -> str:
        return f"p50 {pct(values, 0.5) / 1e6:.2f} ms, p99 {pct(values, 0.99) / 1e6:.2f} ms"

    rows = [
        ("phrase end to first note-on, OSC loopback, played note by note (all 32 at once), trigger 100 ms "
         "after the last note-off", lat(warm), "p50 <= 1 ms, p99 <= 3 ms"),
        ("the same, trigger 10 ms after the last note-off", lat(quick), "p50 <= 2 ms"),
        (f"the same phrase played at a performer's pace (a note every {PACE_S * 1e3:.0f} ms, "
         f"{args.paced_rounds} rounds), trigger 100 ms after", lat(paced_warm), "p50 <= 1 ms, p99 <= 3 ms"),
        ("the same, trigger 10 ms after the last note-off", lat(paced_quick), "p50 <= 2 ms"),
        ("phrase end to first note-on, OSC loopback, cold (whole 32-note /segue/phrase)", lat(cold),
         "p50 <= 5 ms"),
    ]
    if jack is not None:
        rows.append(("phrase end (OSC trigger, 100 ms breath) to first note-on out of 'segue out', JACK MIDI",
                     lat(jack[0]), "within one JACK period (1.33 ms) of OSC"))
    rows += [
        (f"sustained generation ({live['notes']} notes streamed to the scheduler, 12 continuations)",
         f"{live['rate']:.0f} notes/s", ">= 500 notes/s (4 layers, d 192); >= 300 with the shipped decoder"),
        (f"output jitter, send - due, while generating ({live['events']} events; {live['behind']} more "
         "arrived after their time)",
         f"p50 {live['p50_ms']:.3f} ms, p99 {live['p99_ms']:.3f} ms, max {live['max_ms']:.2f} ms",
         "p99 <= 1 ms"),
        (f"notes given for {args.requested} requested ({len(lengths)} continuations)",
         ", ".join(map(str, lengths)), f"{args.requested}"),
        ("`segue serve` ready (launch to first /segue/pong)", f"{ready / 1e9:.2f} s", "<= 3 s"),
        ("`segue serve` RSS after the runs", f"{rss:.0f} MB" + (f" ({jack[1]:.0f} MB with JACK MIDI)"
                                                                if jack else ""), "<= 400 MB"),
    ]
    settings = "defaults" if args.lookahead_ms is None else f"lookahead {args.lookahead_ms:g} ms"
    if args.no_speculation:
        settings += ", no speculation"
    title = f"Latency (python -m bench.latency, {args.rounds} rounds, {settings})"
    print(table(rows, title))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
