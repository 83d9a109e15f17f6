"""Playing in time with a Link peer: how fast segue follows, and how close its notes land on the beat.

    python -m bench.link [--rounds 5] [--notes 24] [--png docs/link_onsets.png] [--libraries]

Each round runs segue (in-process, JACK MIDI, ``clock_source link``, ``entry beat``) and a Link peer of the
same library in a private network namespace (``bench.link_session``; Link's traffic stays in it): the
peer sets 97 BPM and starts, segue answers a phrase, the peer changes to 120 BPM after 8 notes. Reported:

- follow: from the peer's tempo and start to ``/segue/status`` reporting both (the time to join the
  session is apart: Link's discovery); after the change, to segue's grid at 120 BPM;
- onsets: every note-on's distance to the nearest 1/8 beat of the peer's own timeline, where the
  scheduler sends it and where it arrives over JACK (one JACK period, 1.3 ms at 64 frames, later);
- clock out ("segue clock"): every tick's distance to the nearest 1/24 beat, over JACK.

``--png`` draws the onsets against the peer's grid; ``--libraries`` compares the two Link wheels
(aalink, if installed, and linkpython-extern) on the same peer.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bench.common import median, pct, private_jack, table
from bench.link_session import run_in_namespace


def _ms(values: list[float]) -> str:
    return f"p50 {median(values):.2f} ms, p99 {pct(values, 0.99):.2f} ms, max {max(values):.2f} ms" \
        if values else "none"


def _s(values: list[float | None]) -> str:
    got = [v for v in values if v is not None]
    if not got:
        return "never"
    return f"median {1e3 * median(got):.0f} ms, max {1e3 * max(got):.0f} ms ({len(got)}/{len(values)})"


def rounds(count: int, notes: int, latency_ms: float = 0.0) -> list[dict[str, Any]]:
    return [run_in_namespace({"tempo": 97.0, "notes": notes, "change_to": 120.0, "change_after": 8,
                              "clock_out": True, "length_beats": 32.0, "latency_ms": latency_ms})
            for _ in range(count)]


def report(results: list[dict[str, Any]]) -> str:
    sent = [abs(r["error_ms"]) for res in results for r in res["sent"]]
    received = [abs(r["error_ms"]) for res in results for r in res["received"]]
    late = [r["error_ms"] for res in results for r in res["received"]]
    ticks = [abs(t["error_ms"]) for res in results for t in res.get("ticks", [])]
    rows = [
        ("join: the peer seen in /segue/status", _s([r["join_s"] for r in results]), "-"),
        ("follow: 97 BPM and start, in /segue/status", _s([r["follow_s"] for r in results]), "< 1 s"),
        ("follow: 97 -> 120 BPM mid-answer, segue's grid", _s([r.get("change_follow_s") for r in results]),
         "< 1 s"),
        (f"onsets at the scheduler vs the peer's grid ({len(sent)})", _ms(sent), "within 2 ms"),
        (f"onsets over JACK vs the peer's grid ({len(received)})", _ms(received), "within 2 ms"),
        ("onsets over JACK: mean signed error (JACK's period)",
         f"{sum(late) / len(late):+.2f} ms" if late else "none", "-"),
        (f"clock out ticks over JACK vs the peer's grid ({len(ticks)})", _ms(ticks), "-"),
    ]
    return table(rows, f"Link: segue and a peer, {len(results)} rounds (bench.link)")


def draw(results: list[dict[str, Any]], path: Path) -> None:
    """Onset error (ms) against the peer's beat: where the scheduler sent each note, where JACK delivered
    it; the 120 BPM part after the change is on the same axis."""
    from PIL import Image, ImageDraw

    width, height, margin = 900, 360, 50
    image = Image.new("RGB", (width, height), "white")
    pen = ImageDraw.Draw(image)
    span = 4.0  # ms either way
    rows = [(r["beat"], r["error_ms"], "sent") for res in results for r in res["sent"]]
    rows += [(r["beat"], r["error_ms"], "received") for res in results for r in res["received"]]
    if not rows:
        raise SystemExit("no onsets to draw")
    lo, hi = min(b for b, _, _ in rows), max(b for b, _, _ in rows)

    def xy(beat: float, error: float) -> tuple[float, float]:
        x = margin + (beat - lo) / max(hi - lo, 1e-9) * (width - 2 * margin)
        y = height / 2 - max(-span, min(span, error)) / span * (height / 2 - margin)
        return x, y

    for level, colour in ((0.0, "black"), (2.0, "grey"), (-2.0, "grey")):
        pen.line([xy(lo, level), xy(hi, level)], fill=colour)
        pen.text((4, xy(lo, level)[1] - 6), f"{level:+.0f} ms", fill=colour)
    for beat, error, kind in rows:
        x, y = xy(beat, error)
        colour = (31, 119, 180) if kind == "sent" else (214, 39, 40)
        pen.ellipse([x - 2.5, y - 2.5, x + 2.5, y + 2.5], fill=colour)
    pen.text((margin, 8), "note-on vs the Link peer's beat grid (1/8 beat): blue = sent by the scheduler, "
             "red = received over JACK; x: the peer's beat", fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--notes", type=int, default=24, help="note-ons measured per round")
    parser.add_argument("--png", type=Path, help="draw the onsets against the peer's grid into this file")
    parser.add_argument("--libraries", action="store_true", help="compare aalink and linkpython-extern")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="segue's output offset (latency_ms; -1.33 sends a JACK period early)")
    args = parser.parse_args(argv)
    with private_jack("segue-bench-link"):
        if args.libraries:
            compared = run_in_namespace({"libraries": True, "rounds": args.rounds})
            rows = []
            for name in ("linkpython-extern", "aalink"):
                got = compared.get(name, {})
                rows.append((name, "; ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                                             for k, v in got.items()), "-"))
            if "aalink_without_a_loop" in compared:
                rows.append(("aalink without an asyncio loop", compared["aalink_without_a_loop"], "-"))
            print(table(rows, "Link libraries, following the same peer (bench.link --libraries)"))
            return 0
        results = rounds(args.rounds, args.notes, args.latency_ms)
    print(report(results))
    if args.png is not None:
        draw(results, args.png)
        print(f"\nwrote {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
