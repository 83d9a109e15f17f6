"""Daemons side by side on one machine, their phrases ending at the same instant.

    python -m bench.two_daemons [--model default] [--rounds 20] [--daemons 2]

``--daemons`` ``segue serve`` subprocesses (OSC only, default settings) are each played the same 32-note
phrase note by note, interleaved; 100 ms after the last note-off every one gets ``/segue/continue`` in
the same burst of datagrams. Measured per daemon: trigger to its first note-on. The same rounds with one
daemon run first, in the same run, so the ratio of the p99s compares like with like.
"""

from __future__ import annotations

import argparse
import os
import time

from bench.common import model_folder, pct, seed_phrase, table
from bench.latency import Inbox, Served, play_notes


def rounds(served: list[Served], inboxes: list[Inbox], count: int) -> list[int]:
    """ns from the trigger burst to each daemon's first note-on, over ``count`` rounds."""
    out: list[int] = []
    for i in range(count):
        notes = seed_phrase(32, transpose=i % 12)
        for s in served:
            play_notes(lambda p, v, s=s: s.client.send_message("/segue/note", [p, v]), notes)
        time.sleep(0.1)
        marks = [inbox.mark() for inbox in inboxes]
        t0 = time.perf_counter_ns()
        for s in served:  # one burst: the phrases end together
            s.client.send_message("/segue/continue", [])
        for inbox, mark in zip(inboxes, marks, strict=True):
            out.append(inbox.wait("/segue/noteon", mark) - t0)
        for s, inbox in zip(served, inboxes, strict=True):
            s.client.send_message("/segue/stop", [])
            s.sync(inbox)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--daemons", type=int, default=2)
    args = parser.parse_args(argv)
    model_folder(args.model)
    env = {**os.environ, "JACK_NO_START_SERVER": "1"}
    inboxes = [Inbox() for _ in range(args.daemons)]
    served: list[Served] = []
    try:
        for inbox in inboxes:
            served.append(Served(args.model, inbox, midi=False, env=env))
        alone = rounds(served[:1], inboxes[:1], args.rounds)
        together = rounds(served, inboxes, args.rounds)
    finally:
        for s in served:
            s.close()
        for inbox in inboxes:
            inbox.close()

    def lat(values: list[int]) -> str:
        return f"p50 {pct(values, 0.5) / 1e6:.2f} ms, p99 {pct(values, 0.99) / 1e6:.2f} ms"

    ratio = pct(together, 0.99) / max(1, pct(alone, 0.99))
    rows = [
        ("one daemon: trigger to first note-on", lat(alone), ""),
        (f"{args.daemons} daemons, phrases ending at the same instant", lat(together), ""),
        (f"p99 {args.daemons} daemons / one, same run", f"{ratio:.2f}x", "<= 2x"),
    ]
    print(table(rows, f"Daemons side by side (python -m bench.two_daemons, {args.rounds} rounds)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
