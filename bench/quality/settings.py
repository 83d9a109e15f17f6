"""The protocol's settings in one place: every default of ``python -m bench.quality`` lives here."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: evaluation set -> corpus split (export.corpus): the held-out style family; the decoder's test split
SETS: dict[str, str] = {"fiddle": "style_test", "test": "test", "validation": "validation",
                        "fiddle_fit": "style_train"}  # fiddle_fit: for fitting style shares only
#: baseline rows, in table order (see bench.quality.baselines)
BASELINES = ("loop", "markov", "random", "other piece")
REAL = "real"


@dataclass(frozen=True)
class Settings:
    """How one benchmark run cuts, answers, scores and summarises held-out music."""

    # what is evaluated
    corpus: Path = Path("data/corpus")
    tokens: Path = Path("data/tokens")  # export.dataset's token arrays, for the likelihood table
    nll: bool = False  # also the likelihood table (decoder vs the Kneser-Ney 5-gram)
    out: Path = Path("runs/quality")
    sets: tuple[str, ...] = ("fiddle", "test")
    pieces: int = 100  # usable pieces per set (a seeded sample; too-short pieces are skipped and counted)
    windows: int = 2  # windows per piece at most: the start, then 1/3 and 2/3 through long pieces
    # segue
    model: str = "default"
    models: tuple[Path, ...] = ()  # extra models folders, searched before the shipped one
    precision: str = "auto"
    samplers: tuple[str, ...] = ("decoder",)
    blend_weights: tuple[float, ...] = ()  # non-empty: one "blend W" row per weight instead of "blend"
    memory_weights: tuple[float, ...] = ()  # one "decoder memory W" row per phrase-memory weight
    style: str = "fiddle"
    temperature: float | None = None  # None: the parameter registry's default
    params: tuple[tuple[str, str], ...] = ()  # other registry parameters (name, value) for segue's rows
    variants: tuple[tuple[str, str], ...] = ()  # (name, "v1,v2"): one "decoder name=v" row per value
    # the cut
    seed_notes: int = 32
    cont_notes: int = 64
    long_factor: int = 3  # a piece of >= long_factor * (seed + cont) notes also gets windows from its middle
    onset_tol: float = 1e-3  # beats: notes starting this close form one onset group
    # the metrics
    time_bin: float = 1 / 48  # beats: inter-onset and duration histogram bins
    time_clip: float = 4.0  # beats: longer inter-onsets and durations fall in the last bin
    bar_bin: float = 1 / 12  # beats: bar-position histogram bins
    grid: float = 0.25  # beats: the 16th grid (from the bar origin)
    grid_tol: float = 1 / 96  # beats: how far off the grid an onset may lie and still count as on it
    interval_clip: int = 12  # semitones: top-line intervals are clipped to +- this
    step_max: int = 2  # a step: a top-line move of 1..step_max semitones (repeats are not moves)
    leap_min: int = 7  # a leap: a top-line move of more than leap_min semitones
    figure: int = 3  # intervals per top-line figure (3 intervals = a 4-note figure)
    # the statistics and the report
    seed: int = 0
    bootstrap: int = 2000
    confidence: float = 0.95
    rolls: int = 6  # piano-roll images per set

    def __post_init__(self) -> None:
        unknown = [s for s in self.sets if s not in SETS]
        if unknown:
            raise ValueError(f"unknown set(s) {', '.join(unknown)}; the sets are {', '.join(SETS)}")
        if self.seed_notes < 1 or self.cont_notes < 1:
            raise ValueError("seed_notes and cont_notes must be >= 1")
        if self.windows < 1 or self.pieces < 1:
            raise ValueError("windows and pieces must be >= 1")

    def quick(self) -> Settings:
        """The smoke-run variant: 10 pieces per set, one window each."""
        return dataclasses.replace(self, pieces=10, windows=1)

    def as_json(self) -> dict[str, Any]:
        """The settings as plain JSON values."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Path):
                value = str(value)
            elif isinstance(value, tuple):
                value = [str(v) if isinstance(v, Path) else v for v in value]
            out[f.name] = value
        return out
