"""Means with percentile-bootstrap intervals that resample pieces, not windows.

Windows of one piece are not independent (same tune, same key, same player), so each bootstrap draw
picks pieces with replacement and takes every window of each drawn piece: the windows of one piece
move together. The estimate is the mean over windows; NaN values (a metric undefined for a window)
are left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Estimate:
    """A mean over windows with its bootstrap interval."""

    mean: float
    lo: float
    hi: float
    n: int  # windows
    pieces: int

    def cell(self, digits: int = 3, signed: bool = False) -> str:
        """``mean [lo, hi]`` for a markdown table (``-`` when there was nothing to average)."""
        if self.n == 0 or math.isnan(self.mean):
            return "-"
        f = f"{{:{'+' if signed else ''}.{digits}f}}"
        return f"{f.format(self.mean)} [{f.format(self.lo)}, {f.format(self.hi)}]"

    def as_json(self) -> dict[str, float | int | None]:
        """The fields, NaN as None."""
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(self).items()}


EMPTY = Estimate(math.nan, math.nan, math.nan, 0, 0)


def bootstrap_mean(values: Sequence[float], pieces: Sequence[str], resamples: int = 2000,
                   confidence: float = 0.95, seed: int = 0) -> Estimate:
    """The mean of ``values`` (one per window) and its percentile interval over ``resamples`` draws of
    the pieces (``pieces[i]``: the piece window ``i`` belongs to)."""
    v = np.asarray(values, dtype=np.float64)
    if len(v) != len(pieces):
        raise ValueError(f"{len(v)} values for {len(pieces)} piece labels")
    keep = ~np.isnan(v)
    if not keep.any():
        return EMPTY
    labels = [p for p, k in zip(pieces, keep, strict=True) if k]
    names = {name: i for i, name in enumerate(dict.fromkeys(labels))}
    index = np.array([names[p] for p in labels], dtype=np.int64)
    sums = np.bincount(index, weights=v[keep], minlength=len(names))
    counts = np.bincount(index, minlength=len(names)).astype(np.float64)
    mean = float(v[keep].mean())
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(names), size=(resamples, len(names)))
    means = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    tail = (1.0 - confidence) / 2 * 100
    lo, hi = np.percentile(means, [tail, 100 - tail])
    return Estimate(mean, float(lo), float(hi), int(keep.sum()), len(names))


def paired_difference(a: Mapping[str, float], b: Mapping[str, float], piece_of: Mapping[str, str],
                      resamples: int = 2000, confidence: float = 0.95, seed: int = 0) -> Estimate:
    """Mean of ``a[w] - b[w]`` over the windows ``w`` where both have a value, with its interval
    (pieces resampled)."""
    keys = [k for k in a if k in b and not math.isnan(a[k]) and not math.isnan(b[k])]
    return bootstrap_mean([a[k] - b[k] for k in keys], [piece_of[k] for k in keys], resamples, confidence,
                          seed)
