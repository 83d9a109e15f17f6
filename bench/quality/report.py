"""The run's outputs: ``quality.md`` (markdown tables), ``quality.json`` (everything) and piano rolls."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from bench.quality import metrics
from bench.quality.run import RunResult, SetResult
from bench.quality.settings import BASELINES, REAL, Settings
from bench.quality.stats import Estimate
from bridge.pianoroll import render_roll

log = logging.getLogger(__name__)

CLOSENESS = (metrics.HEADLINE, *metrics.DISTANCES)
SHAPE = (*metrics.SHARES, *metrics.RATIOS)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *["| " + " | ".join(r) + " |" for r in rows]]


def set_markdown(result: SetResult, settings: Settings, model: str, style: str | None) -> str:
    """The tables of one set."""
    s = result.summary
    rows = s["rows"]
    skipped = len(result.skipped)
    reasons = sorted({k.reason.split(" (")[0] for k in result.skipped})
    lines = [f"## {result.name} (split {result.split})", "",
             f"{result.pieces} pieces, {len(result.windows)} windows; {skipped} sampled pieces skipped"
             + (f" ({', '.join(reasons)})" if skipped else "") + f". Model {model}"
             + (f", style {style}" if style else "") + f"; seed {settings.seed_notes} notes, continuation "
             f"{settings.cont_notes} notes. Mean [{settings.confidence:.0%} interval], bootstrap over pieces "
             f"({settings.bootstrap} resamples).", ""]
    lines += ["### Closeness to the real continuation", "",
              "Total-variation distance between histograms (0 = same, 1 = disjoint; lower is closer). "
              "Headline: mean of the pitch-class, interval and inter-onset distances.", ""]
    lines += _table(["row", *[metrics.LABELS[m] for m in CLOSENESS]],
                    [[row, *[rows[row]["metrics"][m].cell() for m in CLOSENESS]] for row in result.rows
                     if row != REAL])
    lines += ["", "### Shape", "",
              "Shares (nearer the real row is closer): in key, onsets on the 16th grid, top-line steps "
              "(|move| <= 2) and leaps (> 7) among its nonzero moves, share of the seed's 4-note top-line "
              "figures played again. Ratios to the real continuation (1 = the real's): notes per beat, "
              "pitch range, notes per onset.", ""]
    lines += _table(["row", *[metrics.LABELS[m] for m in SHAPE]],
                    [[row, *[rows[row]["metrics"][m].cell() for m in SHAPE]] for row in result.rows])
    head = s["headline"]
    lines += ["", "### Headline vs the Markov chain and the loop", "",
              "Paired over the windows both rows answered (negative: the row is closer than that baseline).",
              ""]
    lines += _table(["row", "headline", "row - markov", "row - loop"],
                    [[row, head[row]["mean"].cell(),
                      *[head[row][f"vs {b}"].cell(signed=True) if f"vs {b}" in head[row] else "-"
                        for b in ("markov", "loop")]] for row in head])
    lines += ["", "### Paired differences, segue - baseline", "",
              "Per metric error, lower = closer: distances as they are, |share - real share|, |ln ratio|; "
              "a negative difference means segue is closer. Windows both answered.", ""]
    paired_rows = []
    for row, bases in s["paired"].items():
        for base in BASELINES:
            cells = [bases[base][m].cell(signed=True) for m in metrics.METRICS]
            paired_rows.append([f"{row} - {base}", *cells])
    lines += _table(["pair", *[metrics.LABELS[m] for m in metrics.METRICS]], paired_rows)
    lines += ["", "### Length reliability", "",
              f"Answers of {settings.cont_notes} notes (ok), shorter (short, still scored), none "
              "(empty: EmptyContinuation; failed: any other error) - empty and failed are never scored.", ""]
    rel_rows = []
    for row in result.rows:
        if row == REAL:
            continue
        r = rows[row]["reliability"]
        rel_rows.append([row, str(r["windows"]), str(r["ok"]), str(r["short"]), str(r["empty"]),
                         str(r["failed"])])
    lines += _table(["row", "windows", "ok", "short", "empty", "failed"], rel_rows)
    notes = [f"- {row}: {m}" for row in result.rows for m in rows[row]["messages"]]
    if notes:
        lines += ["", "Why rows gave no answer:", "", *notes]
    return "\n".join(lines)


def markdown(run: RunResult) -> str:
    """The whole ``quality.md``."""
    s = run.settings
    parts = ["# Continuation quality", "",
             f"Sets {', '.join(r.name for r in run.sets)}; up to {s.windows} window{'s' * (s.windows != 1)} "
             f"per piece; seed {s.seed}; {run.elapsed_s:.0f} s. Segue's settings: the registry's defaults"
             + "".join(f", {n} {v}" for n, v in (
                 *((("temperature", s.temperature),) if s.temperature is not None else ()), *s.params))
             + ".", ""]
    parts += [set_markdown(r, s, run.model, run.style) + "\n" for r in run.sets]
    return "\n".join(parts)


def _clean(x: Any) -> Any:
    if isinstance(x, Estimate):
        return x.as_json()
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, (np.floating, np.integer)):
        return _clean(x.item())
    return x


def as_json(run: RunResult) -> dict[str, Any]:
    """Everything of a run as plain JSON: settings, summaries, and every window's scores."""
    sets = {}
    for r in run.sets:
        sets[r.name] = {
            "split": r.split,
            "pieces": r.pieces,
            "windows": [{"key": w.key, "piece": w.piece, "index": w.index,
                         "seed_start": w.seed.notes[0].start, "real_start": w.real[0].start,
                         "meter": list(w.meter), "tempo_bpm": w.seed.tempo_bpm} for w in r.windows],
            "skipped": [{"piece": k.piece, "reason": k.reason} for k in r.skipped],
            "summary": r.summary,
            "per_window": {row: {key: {"status": rec.status, "notes": rec.n_notes, "values": rec.values,
                                       **({"message": rec.message} if rec.message else {})}
                                 for key, rec in r.records[row].items()} for row in r.rows},
        }
    return _clean({"settings": run.settings.as_json(), "model": run.model, "style": run.style,
                   "elapsed_s": round(run.elapsed_s, 1), "sets": sets})


def write_rolls(result: SetResult, folder: Path, count: int, seed: int) -> list[Path]:
    """Piano rolls of ``count`` random windows (seeded): seed | real continuation | each segue answer."""
    if count <= 0 or not result.windows:
        return []
    rng = np.random.default_rng(seed)
    picks = sorted(rng.choice(len(result.windows), size=min(count, len(result.windows)), replace=False))
    out = []
    for i in picks:
        w = result.windows[int(i)]
        panels = [("seed", list(w.seed.notes)), ("real continuation", list(w.real))]
        for row in result.segue_rows:
            answer = result.answers[row].get(w.key)
            status = result.records[row][w.key].status
            panels.append((f"segue {row}" + ("" if answer else f" ({status})"), answer or []))
        name = w.key.replace("/", "_").replace("#", "_w")
        path = folder / f"{result.name}-{name}.png"
        render_roll(panels, path, bar_beats=w.bar_beats, bar_origin=w.seed.bar_origin,
                    title=f"{result.name}: {w.piece} window {w.index} ({w.meter[0]}/{w.meter[1]})")
        out.append(path)
    return out


def write_outputs(run: RunResult, out: Path) -> dict[str, Any]:
    """Write ``quality.json``, ``quality.md`` and the rolls under ``out``; return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    text = markdown(run)
    (out / "quality.md").write_text(text + "\n")
    (out / "quality.json").write_text(json.dumps(as_json(run), indent=1) + "\n")
    for stale in (out / "rolls").glob("*.png"):  # rolls of an earlier run would pass for this one's
        stale.unlink()
    rolls = []
    for r in run.sets:
        rolls += write_rolls(r, out / "rolls", run.settings.rolls, run.settings.seed)
    log.info("wrote %s, %s and %d piano rolls", out / "quality.md", out / "quality.json", len(rolls))
    return {"markdown": text, "rolls": rolls}
