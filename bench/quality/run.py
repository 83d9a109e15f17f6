"""One benchmark run: every row answers every window, each answer is scored, the scores summarised.

Rows: segue's samplers (:mod:`bench.quality.segue`), the baselines (:mod:`bench.quality.baselines`)
and ``real`` (the real continuation's own shares, the targets). A window a row gave no answer to
(empty or failed) has no scores in that row: it is counted in the length-reliability table only.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bench.quality import baselines, metrics
from bench.quality.segue import EMPTY, FAILED, OK, SHORT, Answer, Segue, segue_rows
from bench.quality.settings import BASELINES, REAL, SETS, Settings
from bench.quality.stats import Estimate, bootstrap_mean, paired_difference
from bench.quality.windows import Skipped, Window, load_set
from bridge.notes import Note

log = logging.getLogger(__name__)

STATUSES = (OK, SHORT, EMPTY, FAILED)
VERSUS = ("markov", "loop")  # the headline's paired differences


@dataclass
class Record:
    """One row's answer to one window, scored."""

    status: str
    values: dict[str, float] = field(default_factory=dict)  # empty when there was no answer
    errors: dict[str, float] = field(default_factory=dict)
    n_notes: int = 0
    message: str = ""


@dataclass
class SetResult:
    """Everything one set produced: its windows, each row's records and answers, and the summary."""

    name: str
    windows: list[Window]
    skipped: list[Skipped]
    segue_rows: list[str]
    rows: list[str]  # segue rows, baselines, real: table order
    records: dict[str, dict[str, Record]] = field(default_factory=dict)  # row -> window key -> record
    answers: dict[str, dict[str, list[Note]]] = field(default_factory=dict)  # segue row -> key -> notes
    summary: dict = field(default_factory=dict)

    @property
    def split(self) -> str:
        """The corpus split the set is drawn from."""
        return SETS[self.name]

    @property
    def pieces(self) -> int:
        """Pieces with at least one window."""
        return len({w.piece for w in self.windows})


@dataclass
class RunResult:
    """A whole run: its settings, the model and style it ran, one result per set."""

    settings: Settings
    model: str
    style: str | None
    sets: list[SetResult]
    elapsed_s: float = 0.0


def score(notes: Sequence[Note], status: str, ctx: metrics.Context, real: metrics.Profile,
          real_vals: dict[str, float], message: str = "") -> Record:
    """A scored record of an answer (``notes`` non-empty)."""
    values = metrics.compare(metrics.describe(notes, ctx), real)
    return Record(status, values, metrics.errors(values, real_vals), len(notes), message)


def baseline_answer(name: str, window: Window, pool: Sequence[Window], settings: Settings) -> Answer:
    """A baseline's answer to ``window`` (seeded by the run's seed, the window and the baseline)."""
    n = settings.cont_notes
    salt = zlib.crc32(f"{settings.seed}:{window.key}:{name}".encode())
    rng = np.random.default_rng(salt)
    seed = window.seed.notes
    if name == "loop":
        notes = baselines.loop(seed, n, window.bar_beats, settings.onset_tol)
    elif name == "markov":
        notes = baselines.markov(seed, n, rng, settings.time_bin, settings.onset_tol)
    elif name == "random":
        notes = baselines.random_notes(seed, n, rng, settings.onset_tol)
    elif name == "other piece":
        other = baselines.other_piece(window, pool, rng)
        if other is None:
            return Answer(None, FAILED, "the set has no other piece")
        notes = other
    else:
        raise ValueError(f"unknown baseline {name!r}")
    if not notes:
        return Answer(None, EMPTY, "no notes")
    return Answer(notes, OK if len(notes) >= n else SHORT)


def evaluate_set(name: str, windows: list[Window], skipped: list[Skipped], segue: Segue,
                 settings: Settings) -> SetResult:
    """Every row's answer to every window of a set, scored, then summarised."""
    rows = segue_rows(settings)
    labels = [r.label for r in rows]
    result = SetResult(name, windows, skipped, labels, [*labels, *BASELINES, REAL])
    result.records = {row: {} for row in result.rows}
    result.answers = {row: {} for row in labels}
    for i, window in enumerate(windows):
        ctx = metrics.make_context(window.seed.notes, window.real, window.bar_beats, window.seed.bar_origin,
                                   settings)
        real = metrics.describe(window.real, ctx)
        real_vals = metrics.real_values(real)
        result.records[REAL][window.key] = Record(OK, real_vals, {}, len(window.real))
        answers: list[tuple[str, Answer]] = [(r.label, segue.answer(window, r)) for r in rows]
        answers += [(b, baseline_answer(b, window, windows, settings)) for b in BASELINES]
        for label, answer in answers:
            if answer.notes:
                result.records[label][window.key] = score(answer.notes, answer.status, ctx, real, real_vals,
                                                          answer.message)
                if label in result.answers:
                    result.answers[label][window.key] = answer.notes
            else:
                result.records[label][window.key] = Record(answer.status, message=answer.message)
        if (i + 1) % 25 == 0 or i + 1 == len(windows):
            log.info("set %s: %d/%d windows", name, i + 1, len(windows))
    result.summary = summarise(result, settings)
    return result


def _column(records: dict[str, Record], metric: str, use_errors: bool = False) -> dict[str, float]:
    out = {}
    for key, rec in records.items():
        source = rec.errors if use_errors else rec.values
        if metric in source:
            out[key] = source[metric]
    return out


def summarise(result: SetResult, settings: Settings) -> dict:
    """Per row: metric estimates and length reliability; paired differences of each segue row vs each
    baseline (metric errors); the headline with its differences vs the Markov chain and the loop."""
    piece_of = {w.key: w.piece for w in result.windows}
    boot = {"resamples": settings.bootstrap, "confidence": settings.confidence, "seed": settings.seed}

    def estimate(column: dict[str, float]) -> Estimate:
        keys = list(column)
        return bootstrap_mean([column[k] for k in keys], [piece_of[k] for k in keys], **boot)

    rows: dict[str, dict] = {}
    for row in result.rows:
        records = result.records[row]
        counts = {s: sum(1 for r in records.values() if r.status == s) for s in STATUSES}
        messages = sorted({r.message for r in records.values() if r.message and r.status in (EMPTY, FAILED)})
        rows[row] = {
            "metrics": {m: estimate(_column(records, m)) for m in metrics.METRICS},
            "reliability": {"windows": len(records), **counts,
                            "answered": counts[OK] + counts[SHORT]},
            "messages": messages[:5],
        }
    paired: dict[str, dict[str, dict[str, Estimate]]] = {}
    for row in result.segue_rows:
        paired[row] = {}
        for base in BASELINES:
            paired[row][base] = {
                m: paired_difference(_column(result.records[row], m, True),
                                     _column(result.records[base], m, True), piece_of, **boot)
                for m in metrics.METRICS
            }
    headline: dict[str, dict[str, Estimate]] = {}
    for row in result.rows:
        if row == REAL:
            continue
        mine = _column(result.records[row], metrics.HEADLINE)
        entry = {"mean": rows[row]["metrics"][metrics.HEADLINE]}
        for base in VERSUS:
            if base != row:
                entry[f"vs {base}"] = paired_difference(mine, _column(result.records[base], metrics.HEADLINE),
                                                        piece_of, **boot)
        headline[row] = entry
    return {"rows": rows, "paired": paired, "headline": headline}


def run(settings: Settings, segue: Segue | None = None) -> RunResult:
    """Load the model once (unless ``segue`` is given, loaded for these settings), then evaluate every set
    of ``settings``."""
    import time

    started = time.perf_counter()
    loaded = [(name, *load_set(name, settings)) for name in settings.sets]
    for name, windows, _ in loaded:
        if not windows:
            log.warning("set %s has no usable window: left out", name)
    segue = Segue(settings) if segue is None else segue
    sets = [evaluate_set(name, windows, skipped, segue, settings) for name, windows, skipped in loaded
            if windows]
    result = RunResult(settings, segue.name, segue.style, sets)
    result.elapsed_s = time.perf_counter() - started
    return result
