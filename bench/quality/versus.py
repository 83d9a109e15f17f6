"""Paired differences between segue's own rows of a finished run (e.g. blend - decoder), from quality.json.

The quality report pairs each segue row with the baselines; this pairs segue's rows with each other, per
window both answered (an answer that failed is never scored as a number), pieces resampled.

    python -m bench.quality.versus runs/quality/quality.json [--base decoder] [--metrics headline,ioi]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.quality.settings import BASELINES, REAL
from bench.quality.stats import paired_difference

METRICS = ("headline", "pitch_class", "interval", "ioi", "bar_position", "reuse")


def _values(row: dict, metric: str) -> dict[str, float]:
    """One row's values of ``metric`` by window, answered windows only."""
    return {k: v["values"][metric] for k, v in row.items()
            if v.get("status") == "ok" and v["values"].get(metric) is not None}


def versus(report: dict, base: str, metrics: tuple[str, ...]) -> str:
    """A markdown table per set: each row minus ``base``, per metric, with 95% intervals."""
    out = []
    for name, data in report["sets"].items():
        rows = data["per_window"]
        if base not in rows:
            continue
        piece_of = {w["key"]: w["piece"] for w in data["windows"]}


        out += [f"### {name}: segue's rows - {base}", "", "| row | " + " | ".join(metrics) + " |",
                "|---|" + "---|" * len(metrics)]
        for row in rows:
            if row == base or row in BASELINES or row == REAL:
                continue
            cells = [paired_difference(_values(rows[row], m), _values(rows[base], m), piece_of)
                     .cell(signed=True) for m in metrics]
            out.append(f"| {row} - {base} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.quality.versus",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--base", default="decoder")
    parser.add_argument("--metrics", default=",".join(METRICS))
    args = parser.parse_args(argv)
    print(versus(json.loads(args.report.read_text()), args.base, tuple(args.metrics.split(","))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
