"""Baselines answering the same seeds as segue, each ``n_notes`` notes on the seed's time line.

- loop: the seed's onset groups replayed, keeping its inter-onset pattern; each repeat starts one
  period after the previous one, the period being the whole number of bars nearest the seed's length
  (first onset to last note end) that still lies past its last onset.
- markov: a Continuator-style variable-order Markov chain over the seed's onset groups (state: pitch
  set, durations and inter-onset to the next group, times in ``time_bin`` steps); order 3 down to 1 with
  backoff, a uniform restart among the seed's groups when no context matches; seeded draws.
- random: onset groups of sizes drawn from the seed's own, pitches uniform in the seed's pitch range,
  inter-onsets and durations drawn from the seed's own.
- other piece: the real continuation of another piece of the same set, shifted to start where this
  window's real continuation starts (the "same style, not this piece" ceiling).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from bench.quality.windows import Window, flatten, onset_groups
from bridge.notes import Note

MAX_ORDER = 3


def loop_period(groups: Sequence[Sequence[Note]], bar_beats: float) -> float:
    """Beats between repeats of the seed: its length rounded to whole bars, past its last onset."""
    first, last = groups[0][0].start, groups[-1][0].start
    length = max(n.end for g in groups for n in g) - first
    span = last - first
    bars = max(1, round(length / bar_beats))
    if bars * bar_beats <= span + 1e-6:
        bars = math.floor(span / bar_beats) + 1
    return bars * bar_beats


def loop(seed: Sequence[Note], n_notes: int, bar_beats: float, tol: float = 1e-3) -> list[Note]:
    """The seed repeated after itself until ``n_notes`` notes."""
    groups = onset_groups(seed, tol)
    if not groups:
        return []
    period = loop_period(groups, bar_beats)
    out: list[list[Note]] = []
    count, k = 0, 1
    while count < n_notes:
        for g in groups:
            out.append([n.shifted(k * period) for n in g])
            count += len(g)
            if count >= n_notes:
                break
        k += 1
    return flatten(out, n_notes)


def _q(x: float, step: float) -> int:
    return round(x / step)


def group_states(groups: Sequence[Sequence[Note]], time_bin: float) -> list[tuple]:
    """One hashable state per onset group: (pitches, durations, inter-onset to the next), quantised.

    The last group's inter-onset is the median of the others (one beat for a one-group seed).
    """
    onsets = [g[0].start for g in groups]
    iois = np.diff(onsets)
    last = float(np.median(iois)) if len(iois) else 1.0
    states = []
    for i, g in enumerate(groups):
        ioi = float(iois[i]) if i < len(iois) else last
        states.append((tuple(n.pitch for n in g), tuple(_q(n.duration, time_bin) for n in g),
                       max(1, _q(ioi, time_bin))))
    return states


def markov(seed: Sequence[Note], n_notes: int, rng: np.random.Generator, time_bin: float = 1 / 48,
           tol: float = 1e-3) -> list[Note]:
    """A continuation sampled from the seed's own onset groups (variable order, backoff, restart)."""
    groups = onset_groups(seed, tol)
    if not groups:
        return []
    states = group_states(groups, time_bin)
    example = {}  # state -> the first seed group that plays it (its real notes and velocities)
    for state, g in zip(states, groups, strict=True):
        example.setdefault(state, g)
    table: dict[tuple, list[tuple]] = {}  # context (1..3 states) -> the states that followed it
    for order in range(1, MAX_ORDER + 1):
        for i in range(order, len(states)):
            table.setdefault(tuple(states[i - order: i]), []).append(states[i])
    history = list(states)
    t = groups[-1][0].start + states[-1][2] * time_bin
    out: list[list[Note]] = []
    count = 0
    while count < n_notes:
        state = None
        for order in range(min(MAX_ORDER, len(history)), 0, -1):
            following = table.get(tuple(history[-order:]))
            if following:
                state = following[int(rng.integers(len(following)))]
                break
        if state is None:
            state = states[int(rng.integers(len(states)))]
        g = example[state]
        out.append([replace(n, start=t) for n in g])
        count += len(g)
        history.append(state)
        t += state[2] * time_bin
    return flatten(out, n_notes)


def random_notes(seed: Sequence[Note], n_notes: int, rng: np.random.Generator,
                 tol: float = 1e-3) -> list[Note]:
    """Onset groups of random pitches in the seed's range, with the seed's own inter-onsets, durations
    and group sizes."""
    groups = onset_groups(seed, tol)
    if not groups:
        return []
    lo, hi = min(n.pitch for n in seed), max(n.pitch for n in seed)
    iois = np.diff([g[0].start for g in groups])
    iois = iois[iois > 0] if len(iois) else np.array([1.0])
    if not len(iois):
        iois = np.array([1.0])
    durations = [n.duration for n in seed]
    sizes = [len(g) for g in groups]
    velocities = [n.velocity for n in seed]
    t = groups[-1][0].start + float(rng.choice(iois))
    out: list[Note] = []
    while len(out) < n_notes:
        size = min(int(rng.choice(sizes)), hi - lo + 1, n_notes - len(out))
        pitches = sorted(rng.choice(np.arange(lo, hi + 1), size=size, replace=False).tolist(), reverse=True)
        for p in pitches:
            out.append(Note(int(p), int(rng.choice(velocities)), t, float(rng.choice(durations))))
        t += float(rng.choice(iois))
    return out


def other_piece(window: Window, pool: Sequence[Window], rng: np.random.Generator) -> list[Note] | None:
    """Another piece's real continuation (a random window of the pool from a different piece), shifted to
    start where ``window``'s real continuation starts; None when the pool has no other piece."""
    others = [w for w in pool if w.piece != window.piece]
    if not others:
        return None
    other = others[int(rng.integers(len(others)))]
    shift = window.real[0].start - other.real[0].start
    return [n.shifted(shift) for n in other.real]
