"""The engine while a performer plays: CPU per note-off, speculation hits, and first-note latency.

    python -m bench.playing [--model default] [--notes 128] [--rate 8] [--runs 3]

An in-process daemon (OSC only, the shipped model, default settings) is played a long phrase note by note
over real UDP at ``--rate`` notes a second; after ``--notes`` notes and a 100 ms breath ``/segue/continue``
ends it. The engine thread's CPU time is read before and after the notes past the capture's 64-note
window, and two daemons are measured side by side in the same run, alternately:
- ``now``: speculation, the tail-only seed encoder, the phrase window moving 16 notes at a time;
- ``before``: the way segue worked before (prefill only, every seed tokenized whole, the window moving
  note by note).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from pythonosc.udp_client import SimpleUDPClient

from bench.common import model_folder, pct, seed_phrase, table
from bench.latency import Inbox

WINDOW = 64  # the capture's phrase limit


def play_once(daemon: Any, client: SimpleUDPClient, inbox: Inbox, notes: int, rate: float,
              transpose: int) -> tuple[float, float, int]:
    """(engine CPU s over the notes past the window, CPU s per note-off there, ns trigger to note-on)."""
    engine = daemon.engine
    phrase = seed_phrase(notes, transpose=transpose)
    interval = 1.0 / rate
    start = time.monotonic()
    cpu_mark = engine.stats.cpu_s
    for i, note in enumerate(phrase):
        if i == WINDOW:
            engine.wait_idle(10)
            cpu_mark = engine.stats.cpu_s
        due = start + i * interval
        time.sleep(max(0.0, due - time.monotonic()))
        client.send_message("/segue/note", [note.pitch, note.velocity])
        time.sleep(min(0.06, interval / 2))
        client.send_message("/segue/note", [note.pitch, 0])
    time.sleep(0.1)
    engine.wait_idle(10)
    cpu = engine.stats.cpu_s - cpu_mark
    mark = inbox.mark()
    t0 = time.perf_counter_ns()
    client.send_message("/segue/continue", [])
    latency = inbox.wait("/segue/noteon", mark) - t0
    client.send_message("/segue/stop", [])
    engine.wait_idle(10)
    daemon.sync()
    return cpu, cpu / max(1, notes - WINDOW), latency


def main(argv: list[str] | None = None) -> int:
    from bridge.config import ServeConfig
    from bridge.daemon import Daemon
    from bridge.params import ParamStore

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--notes", type=int, default=128, help="notes played per phrase (> 64)")
    parser.add_argument("--rate", type=float, default=8.0, help="notes a second")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    model_folder(args.model)
    if args.notes <= WINDOW:
        parser.error(f"--notes must be more than {WINDOW}")
    variants = {"now": {}, "before": {"speculate": False, "window_chunk": 1, "splice": False}}
    results: dict[str, dict[str, list[float]]] = {}
    daemons = {}
    inboxes = {}
    try:
        for name, options in variants.items():
            inboxes[name] = Inbox()
            serve = ServeConfig(port=0, reply_port=inboxes[name].port, midi=False, model=args.model)
            params = ParamStore(values={"phrase_end": "trigger", "length_notes": 8, "seed": 1})
            daemons[name] = Daemon(serve, params, **options).open()
            results[name] = {"cpu": [], "per_note": [], "latency": []}
        for run in range(args.runs):
            for name, daemon in daemons.items():  # alternately, so load changes hit both
                client = SimpleUDPClient("127.0.0.1", daemon.osc_address[1])
                cpu, per_note, latency = play_once(daemon, client, inboxes[name], args.notes, args.rate, run)
                results[name]["cpu"].append(cpu)
                results[name]["per_note"].append(per_note)
                results[name]["latency"].append(latency / 1e6)
        stats = {name: d.engine.stats for name, d in daemons.items()}
    finally:
        for d in daemons.values():
            d.close()
        for inbox in inboxes.values():
            inbox.close()

    def ms(values: list[float], scale: float = 1e3) -> str:
        return f"p50 {pct(values, 0.5) * scale:.2f} ms"

    now, before = results["now"], results["before"]
    ratio = pct(now["cpu"], 0.5) / max(1e-9, pct(before["cpu"], 0.5))
    past = args.notes - WINDOW
    rows = [
        (f"engine CPU over notes {WINDOW + 1}-{args.notes} at {args.rate:g} notes/s, now", ms(now["cpu"]),
         ""),
        ("the same, before (prefill only, whole-seed tokenizing, window moving note by note)",
         ms(before["cpu"]), ""),
        ("engine CPU now / before, same run", f"{ratio:.2f}", "<= 0.5"),
        (f"engine CPU per note-off past the window ({past} notes), now / before",
         f"{pct(now['per_note'], 0.5) * 1e3:.2f} / {pct(before['per_note'], 0.5) * 1e3:.2f} ms", ""),
        ("trigger (100 ms after the last note-off) to first note-on, now / before",
         f"{pct(now['latency'], 0.5):.2f} / {pct(before['latency'], 0.5):.2f} ms", ""),
        ("answers whose first notes were sampled while playing, now",
         f"{stats['now'].speculated} of {stats['now'].continuations}", "all"),
    ]
    print(table(rows, f"Playing (python -m bench.playing, {args.runs} runs of {args.notes} notes)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
