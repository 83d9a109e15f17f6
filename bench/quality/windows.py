"""Seeds and real continuations: pieces sampled from the corpus, cut into windows at onset boundaries.

A window is a seed (the first onset groups of a stretch of the piece totalling at least ``seed_notes``
notes) and the piece's real continuation (the next onset groups totalling at least ``cont_notes``
notes, trimmed to ``cont_notes``; within a chord the highest notes are kept, so the top line stays
whole). Every piece gets a window at its start; a long piece (``long_factor * (seed + cont)`` notes or
more) also gets windows a third and two thirds of the way through its notes, up to ``windows`` in all.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.quality.settings import SETS, Settings
from bridge.notes import Note
from bridge.offline import SeedFile, read_seed
from bridge.tokens import bar_length

log = logging.getLogger(__name__)

DEFAULT_METER = (4, 4)


@dataclass(frozen=True)
class Window:
    """One seed and the real notes that follow it, on the piece's own time line (beats)."""

    set: str
    piece: str
    index: int  # 0: the piece's start, 1, 2: a third, two thirds through
    seed: SeedFile  # the seed notes with the file's tempo, meter and bar origin
    real: tuple[Note, ...]

    @property
    def key(self) -> str:
        """A name unique within a run: ``piece#index``."""
        return f"{self.piece}#{self.index}"

    @property
    def meter(self) -> tuple[int, int]:
        """The piece's first time signature (4/4 when the file has none)."""
        return self.seed.time_signature or DEFAULT_METER

    @property
    def bar_beats(self) -> float:
        """Quarter-note beats in one bar of the piece's (first) time signature."""
        return bar_length(self.meter)


@dataclass(frozen=True)
class Skipped:
    """A sampled piece that gave no window, and why."""

    piece: str
    reason: str


def onset_groups(notes: Sequence[Note], tol: float = 1e-3) -> list[list[Note]]:
    """Notes grouped by onset (starts within ``tol`` beats of the group's first), groups in time order,
    each group's notes highest first."""
    groups: list[list[Note]] = []
    for note in sorted(notes, key=lambda n: (n.start, -n.pitch)):
        if groups and note.start - groups[-1][0].start <= tol:
            groups[-1].append(note)
        else:
            groups.append([note])
    for group in groups:
        group.sort(key=lambda n: -n.pitch)
    return groups


def flatten(groups: Sequence[Sequence[Note]], limit: int | None = None) -> list[Note]:
    """The groups' notes in order (highest first within a group), the first ``limit`` of them."""
    notes = [n for group in groups for n in group]
    return notes if limit is None else notes[:limit]


def take_groups(groups: Sequence[Sequence[Note]], start: int, at_least: int) -> int | None:
    """The group index just after the first groups from ``start`` totalling >= ``at_least`` notes."""
    count = 0
    for i in range(start, len(groups)):
        count += len(groups[i])
        if count >= at_least:
            return i + 1
    return None


def window_starts(groups: Sequence[Sequence[Note]], n_notes: int, settings: Settings) -> list[int]:
    """Group indices where windows start: 0, and for a long piece the first onset boundaries at or after
    a third and two thirds of its notes; at most ``settings.windows`` of them."""
    starts = [0]
    if n_notes >= settings.long_factor * (settings.seed_notes + settings.cont_notes):
        before = np.cumsum([0] + [len(g) for g in groups])  # notes before each group
        for fraction in (1 / 3, 2 / 3):
            index = int(np.searchsorted(before, fraction * n_notes, side="left"))
            if index < len(groups) and index not in starts:
                starts.append(index)
    return starts[: settings.windows]


def cut_windows(seed_file: SeedFile, set_name: str, piece: str, settings: Settings) -> list[Window]:
    """The windows of one piece (empty when it is too short for one seed and a whole real continuation)."""
    groups = onset_groups(seed_file.notes, settings.onset_tol)
    out: list[Window] = []
    for start in window_starts(groups, len(seed_file.notes), settings):
        seed_end = take_groups(groups, start, settings.seed_notes)
        if seed_end is None:
            continue
        real_end = take_groups(groups, seed_end, settings.cont_notes)
        if real_end is None:
            continue
        seed = SeedFile(tuple(flatten(groups[start:seed_end])), seed_file.tempo_bpm, seed_file.time_signature,
                        seed_file.bar_origin)
        real = tuple(flatten(groups[seed_end:real_end], settings.cont_notes))
        out.append(Window(set_name, piece, len(out), seed, real))
    return out


def sample_order(ids: Sequence[str], seed: int) -> list[str]:
    """All ``ids`` in a seeded random order (the same ids and seed give the same order)."""
    ordered = sorted(ids)
    rng = np.random.default_rng(seed)
    return [ordered[i] for i in rng.permutation(len(ordered))]


def load_set(set_name: str, settings: Settings) -> tuple[list[Window], list[Skipped]]:
    """Windows of ``settings.pieces`` usable pieces of a set, in the seeded sample order, and the sampled
    pieces skipped on the way (too short, unreadable)."""
    from export.corpus import load_index

    split = SETS[set_name]
    corpus = Path(settings.corpus)
    ids = [p.id for p in load_index(corpus) if p.split == split]
    if not ids:
        raise ValueError(f"the corpus index {corpus / 'index.json'} has no piece in split {split!r}")
    windows: list[Window] = []
    skipped: list[Skipped] = []
    used = 0
    for piece in sample_order(ids, settings.seed):
        if used >= settings.pieces:
            break
        try:
            seed_file = read_seed(corpus / "midi" / piece)
        except ValueError as exc:
            skipped.append(Skipped(piece, f"unreadable: {exc}"))
            continue
        cut = cut_windows(seed_file, set_name, piece, settings)
        if not cut:
            skipped.append(Skipped(piece, f"too short ({len(seed_file.notes)} notes; a window needs "
                                          f"{settings.seed_notes} + {settings.cont_notes})"))
            continue
        windows.extend(cut)
        used += 1
    if used < settings.pieces:
        log.warning("set %s: only %d usable pieces (asked for %d)", set_name, used, settings.pieces)
    log.info("set %s: %d windows from %d pieces, %d skipped", set_name, len(windows), used, len(skipped))
    return windows, skipped
