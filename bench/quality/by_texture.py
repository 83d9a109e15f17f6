"""segue's rows of a finished run against each other, split by the seed's texture: single-line seeds
(at most ``--chordal`` notes per onset) and chordal ones. Chooses settings per kind of music, such as the
phrase memory's weight for chordal seeds.

    python -m bench.quality.by_texture runs/quality/quality.json [--base decoder] [--chordal N]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from bench.quality.settings import Settings
from bench.quality.stats import bootstrap_mean, paired_difference
from bench.quality.versus import _values
from bench.quality.windows import load_set
from bridge.copying import CHORDAL_NOTES_PER_ONSET, notes_per_onset_of

METRICS = ("headline", "ioi", "reuse")


def tables(report: dict, base: str, chordal: float, metrics: tuple[str, ...]) -> str:
    """Per set and texture: each row's mean and its difference from ``base``."""
    fields = {f.name for f in dataclasses.fields(Settings)}
    raw = {k: v for k, v in report["settings"].items() if k in fields}
    settings = Settings(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()})
    out = []
    for name, data in report["sets"].items():
        windows, _ = load_set(name, settings)
        texture = {w.key: notes_per_onset_of(n.start for n in w.seed.notes) > chordal for w in windows}
        piece_of = {w["key"]: w["piece"] for w in data["windows"]}
        rows = data["per_window"]
        for kind, flag in (("single-line", False), ("chordal", True)):
            keys = {k for k, v in texture.items() if v == flag}
            if not keys:
                continue
            out += [f"### {name}, {kind} seeds ({len(keys)} windows)", "",
                    "| row | " + " | ".join(f"{m} | - {base}" for m in metrics) + " |",
                    "|---|" + "---|---|" * len(metrics)]
            for row in rows:
                cells = []
                for m in metrics:
                    mine = {k: v for k, v in _values(rows[row], m).items() if k in keys}
                    mean = bootstrap_mean(list(mine.values()), [piece_of[k] for k in mine]).cell()
                    diff = "-" if row == base else paired_difference(
                        mine, _values(rows[base], m), piece_of).cell(signed=True)
                    cells += [mean, diff]
                out.append(f"| {row} | " + " | ".join(cells) + " |")
            out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.quality.by_texture",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--base", default="decoder")
    parser.add_argument("--chordal", type=float, default=CHORDAL_NOTES_PER_ONSET,
                        help="notes per onset above which a seed is chordal")
    parser.add_argument("--metrics", default=",".join(METRICS))
    args = parser.parse_args(argv)
    report = json.loads(args.report.read_text())
    print(tables(report, args.base, args.chordal, tuple(args.metrics.split(","))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
