"""What is measured on a continuation, and how it is compared with the real one.

Every note list is described once (:func:`describe`) and compared with the real continuation's
description (:func:`compare`). Three kinds of metric:

- distances (0 = same, 1 = disjoint): total variation between normalised histograms of pitch class
  (notes), top-line interval (the highest note of each onset group; intervals clipped to +-12),
  inter-onset (between onset groups) and duration (notes) in ``time_bin`` bins clipped at
  ``time_clip`` beats, and bar position (onsets modulo the bar from the bar origin, ``bar_bin`` bins);
- shares (a row's own value; the real continuation's is the target): in key (notes in the key estimated
  from seed + real continuation, Krumhansl-Kessler), on the 16th grid (onset groups within ``grid_tol``
  of the 1/4-beat grid from the bar origin), step and leap (among the top line's moves, i.e. its nonzero
  intervals: |interval| <= ``step_max``, and > ``leap_min``), seed figures reused (of the seed's distinct
  4-note top-line figures, i.e. interval 3-grams, the share that occurs in the continuation);
- ratios to the real continuation (1 = the real's): notes per beat (notes before the last onset over the
  first-to-last onset span), pitch range (semitones spanned, counting both ends), polyphony (mean notes
  per onset group).

Each metric also has an error, lower = closer, used for paired differences: a distance itself,
|share - real share|, |ln ratio|.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.quality.settings import Settings
from bench.quality.windows import onset_groups
from bridge.notes import Note

MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
MAJOR_STEPS, MINOR_STEPS = (0, 2, 4, 5, 7, 9, 11), (0, 2, 3, 5, 7, 8, 10)

DISTANCES = ("pitch_class", "interval", "ioi", "duration", "bar_position")
SHARES = ("in_key", "grid16", "step", "leap", "reuse")
RATIOS = ("density", "range", "polyphony")
HEADLINE = "headline"
HEADLINE_PARTS = ("pitch_class", "interval", "ioi")
METRICS = (HEADLINE, *DISTANCES, *SHARES, *RATIOS)
LABELS = {
    HEADLINE: "headline", "pitch_class": "pitch class", "interval": "interval", "ioi": "inter-onset",
    "duration": "duration", "bar_position": "bar position", "in_key": "in key", "grid16": "16th grid",
    "step": "step", "leap": "leap", "reuse": "seed figures", "density": "notes/beat", "range": "range",
    "polyphony": "polyphony",
}


# ---------------------------------------------------------------- key (Krumhansl-Kessler)


def estimate_key(notes: Sequence[Note]) -> tuple[int, tuple[int, ...]]:
    """Tonic pitch class and scale steps best correlated with the notes' duration-weighted profile."""
    profile = np.zeros(12)
    for n in notes:
        profile[n.pitch % 12] += n.duration
    best, key = -np.inf, (0, MAJOR_STEPS)
    if not profile.any() or np.all(profile == profile[0]):
        return key
    for tonic in range(12):
        for shape, steps in ((MAJOR, MAJOR_STEPS), (MINOR, MINOR_STEPS)):
            r = np.corrcoef(profile, np.roll(shape, tonic))[0, 1]
            if r > best:
                best, key = r, (tonic, steps)
    return key


def in_key(notes: Sequence[Note], key: tuple[int, tuple[int, ...]]) -> float:
    """Share of ``notes`` whose pitch class is in ``key`` (0 for no notes)."""
    tonic, steps = key
    scale = {(tonic + s) % 12 for s in steps}
    return float(np.mean([n.pitch % 12 in scale for n in notes])) if notes else 0.0


# ---------------------------------------------------------------- histograms


def tv_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Total variation between two count histograms, each normalised: 0 = same, 1 = disjoint.

    NaN when both are empty (nothing to compare), 1 when only one is.
    """
    sa, sb = float(np.sum(a)), float(np.sum(b))
    if not sa and not sb:
        return math.nan
    if not sa or not sb:
        return 1.0
    return 0.5 * float(np.abs(np.asarray(a) / sa - np.asarray(b) / sb).sum())


def _counts(indices: Sequence[int] | np.ndarray, size: int) -> np.ndarray:
    return np.bincount(np.asarray(indices, dtype=np.int64), minlength=size)[:size].astype(np.float64)


def time_bins(values: Sequence[float] | np.ndarray, settings: Settings) -> np.ndarray:
    """Beats -> histogram bin indices (``time_bin`` wide, the last bin holding ``time_clip`` and more)."""
    top = round(settings.time_clip / settings.time_bin)
    return np.clip(np.rint(np.asarray(values, dtype=np.float64) / settings.time_bin), 0, top).astype(np.int64)


@dataclass(frozen=True)
class Context:
    """What a window's notes are measured against: its key, the seed's figures, its bars."""

    key: tuple[int, tuple[int, ...]]
    seed_figures: frozenset[tuple[int, ...]]
    bar_beats: float
    bar_origin: float
    settings: Settings


def top_line(groups: Sequence[Sequence[Note]]) -> np.ndarray:
    """The highest pitch of each onset group."""
    return np.array([max(n.pitch for n in g) for g in groups], dtype=np.int64)


def figures(top: np.ndarray, length: int) -> list[tuple[int, ...]]:
    """The top line's interval n-grams (``length`` intervals each), in order."""
    steps = np.diff(top).tolist()
    return [tuple(steps[i: i + length]) for i in range(len(steps) - length + 1)]


def make_context(seed: Sequence[Note], real: Sequence[Note], bar_beats: float, bar_origin: float,
                 settings: Settings) -> Context:
    """A window's context: key from seed + real continuation, the seed's top-line figures."""
    top = top_line(onset_groups(seed, settings.onset_tol))
    return Context(estimate_key([*seed, *real]), frozenset(figures(top, settings.figure)), bar_beats,
                   bar_origin, settings)


@dataclass(frozen=True)
class Profile:
    """One note list, described: histograms (counts) and scalar features."""

    hists: dict[str, np.ndarray]
    shares: dict[str, float]
    density: float
    range: float
    polyphony: float
    n_notes: int


def _share(mask: np.ndarray) -> float:
    return float(np.mean(mask)) if mask.size else math.nan


def describe(notes: Sequence[Note], ctx: Context) -> Profile:
    """Histograms and features of ``notes`` (see the module docstring for each definition)."""
    s = ctx.settings
    groups = onset_groups(notes, s.onset_tol)
    onsets = np.array([g[0].start for g in groups], dtype=np.float64)
    pitches = np.array([n.pitch for n in notes], dtype=np.int64)
    top = top_line(groups)
    intervals = np.diff(top)
    n_bar = max(1, round(ctx.bar_beats / s.bar_bin))
    positions = np.rint(np.mod(onsets - ctx.bar_origin, ctx.bar_beats) / s.bar_bin).astype(np.int64) % n_bar
    n_time = round(s.time_clip / s.time_bin) + 1
    hists = {
        "pitch_class": _counts(pitches % 12, 12),
        "interval": _counts(np.clip(intervals, -s.interval_clip, s.interval_clip) + s.interval_clip,
                            2 * s.interval_clip + 1),
        "ioi": _counts(time_bins(np.diff(onsets), s), n_time),
        "duration": _counts(time_bins([n.duration for n in notes], s), n_time),
        "bar_position": _counts(positions, n_bar),
    }
    grid_offset = np.mod(onsets - ctx.bar_origin, s.grid)
    on_grid = np.minimum(grid_offset, s.grid - grid_offset) <= s.grid_tol
    moves = np.abs(intervals[intervals != 0])
    own = set(figures(top, s.figure))
    shares = {
        "in_key": in_key(list(notes), ctx.key) if notes else math.nan,
        "grid16": _share(on_grid),
        "step": _share(moves <= s.step_max),
        "leap": _share(moves > s.leap_min),
        "reuse": len(ctx.seed_figures & own) / len(ctx.seed_figures) if ctx.seed_figures else math.nan,
    }
    span = float(onsets[-1] - onsets[0]) if len(onsets) > 1 else 0.0
    density = (len(notes) - len(groups[-1])) / span if span > 0 else math.nan
    return Profile(
        hists=hists,
        shares=shares,
        density=density,
        range=float(pitches.max() - pitches.min() + 1) if pitches.size else math.nan,
        polyphony=len(notes) / len(groups) if groups else math.nan,
        n_notes=len(notes),
    )


def _ratio(a: float, b: float) -> float:
    if math.isnan(a) or math.isnan(b) or b == 0:
        return math.nan
    return a / b


def compare(answer: Profile, real: Profile) -> dict[str, float]:
    """Every metric of ``answer`` against the real continuation (NaN where undefined)."""
    out = {m: tv_distance(answer.hists[m], real.hists[m]) for m in DISTANCES}
    parts = [out[m] for m in HEADLINE_PARTS]
    out[HEADLINE] = math.nan if any(math.isnan(p) for p in parts) else float(np.mean(parts))
    out.update(answer.shares)
    out["density"] = _ratio(answer.density, real.density)
    out["range"] = _ratio(answer.range, real.range)
    out["polyphony"] = _ratio(answer.polyphony, real.polyphony)
    return out


def real_values(real: Profile) -> dict[str, float]:
    """The real continuation's own row: no distances, its shares, ratios of 1."""
    out = {m: math.nan for m in (HEADLINE, *DISTANCES)}
    out.update(real.shares)
    out.update({m: 1.0 for m in RATIOS})
    return out


def errors(values: dict[str, float], real: dict[str, float]) -> dict[str, float]:
    """Lower-is-closer form of every metric (for paired differences): distances as they are,
    |share - real share|, |ln ratio|."""
    out: dict[str, float] = {}
    for m in METRICS:
        v = values.get(m, math.nan)
        if m in SHARES:
            r = real.get(m, math.nan)
            out[m] = abs(v - r) if not (math.isnan(v) or math.isnan(r)) else math.nan
        elif m in RATIOS:
            out[m] = abs(math.log(v)) if not math.isnan(v) and v > 0 else math.nan
        else:
            out[m] = v
    return out
