"""Is a continuation in the style? The decoder, graph and blend samplers on held-out pieces of the style.

A thin command over ``bench.quality``: the same protocol (windows cut at onset boundaries, segue's
answers through ``segue continue``'s code path, loop / Markov-chain / random / other-piece baselines,
distances and shares against the real continuation, piece-level bootstrap intervals), on the held-out
style family only (set ``fiddle``), with the samplers decoder, blend and graph, and one blend row per
``--weights`` weight. A continuation is asked for a length, so an end token never stops it early; an
answer that still comes back empty or fails is counted in the length-reliability table, never scored.

    python -m export.evaluate_style --style fiddle --pieces 150 --weights 0.25,0.5,1

Writes ``runs/evaluate_style/quality.{md,json}`` and piano rolls (``--out``), ``--json FILE`` a copy of
the JSON. The key-estimation helpers now live in :mod:`bench.quality.metrics` (re-exported here).
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from bench.quality.cli import add_arguments, execute, settings_from
from bench.quality.metrics import MAJOR, MAJOR_STEPS, MINOR, MINOR_STEPS, estimate_key, in_key
from bench.quality.settings import Settings

__all__ = ["MAJOR", "MAJOR_STEPS", "MINOR", "MINOR_STEPS", "DEFAULTS", "estimate_key", "in_key", "main"]

DEFAULTS = dataclasses.replace(Settings(), sets=("fiddle",), samplers=("decoder", "blend", "graph"),
                               blend_weights=(0.5, 1.0), out=Path("runs/evaluate_style"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m export.evaluate_style",
                                     description=__doc__.splitlines()[0])
    add_arguments(parser, DEFAULTS, sets=False)
    parser.add_argument("--json", type=Path, help="also write the results (quality.json) here")
    args = parser.parse_args(argv)
    try:
        settings = settings_from(args, DEFAULTS)
    except ValueError as exc:
        parser.error(str(exc))
    return execute(settings, args.verbose, json_copy=args.json)


if __name__ == "__main__":
    raise SystemExit(main())
