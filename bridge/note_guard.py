"""The note guard: what of an answer reaches the scheduler, for every sampler.

The engine hands each decoded note to a :class:`NoteGuard` (one per answer) instead of the scheduler. It
sets the scheduler up for the answer (tempo, ``late_ms``) and then lets a note through unless

- the same pitch and channel started less than ``min_reattack_ms`` before it (a re-attack too quick to
  be music: a sampler stuck on one onset), or
- it is due more than a bar in the past: the answer fell behind real time (a slow setting such as a wide
  beam, or a stalled process), so the answer is cut and ``/segue/error`` names the setting to change.

One note sounds per pitch and channel: a repeat that overlaps the sounding note ends it first (the
scheduler sends that note-off just before the repeat's note-on and skips the first note's own). What the
guard held back is counted in :class:`GuardStats`, part of the engine's stats.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bridge.errors import EngineError, SegueError
from bridge.notes import Note
from bridge.params import param_table
from bridge.scheduler import NS_PER_MS, NS_PER_S, beats_to_ns
from bridge.tokens import bar_length

log = logging.getLogger(__name__)

_DEFAULTS = {name: p.default for name, p in param_table().items()}


class AnswerBehind(EngineError):
    """An answer fell more than a bar behind real time and was cut."""


@dataclass(slots=True)
class GuardStats:
    """What the note guard did (written by the engine's thread only)."""

    reattacks: int = 0  # note-ons not played: the same pitch and channel again within min_reattack_ms
    retriggers: int = 0  # repeats that ended the same pitch's sounding note first
    cut: int = 0  # answers cut for falling more than a bar behind real time
    behind_notes: int = 0  # notes not played because their answer was cut


def _setting(settings: Any, name: str) -> Any:
    """``name`` from the answer's sampling parameters (the registry's default where they lack it)."""
    return getattr(settings.sampling, name, _DEFAULTS[name])


def slow_setting_hint(settings: Any) -> str:
    """What to change when answers cannot keep up with real time, for these settings."""
    sampling, play = settings.sampling, settings.play
    if getattr(sampling, "strategy", "") == "beam":
        return (f"lower beam_width (now {sampling.beam_width}) or beam_lookahead, or set strategy sample")
    if play.sampler in ("decoder", "blend"):
        return f"lower tempo (now {play.tempo_bpm:g} BPM) or set sampler graph"
    return f"lower tempo (now {play.tempo_bpm:g} BPM)"


class NoteGuard:
    """The scheduler as one answer sees it (see the module's docstring); ``schedule`` returns whether the
    note was handed on, ``cut`` turns true once the answer fell behind (the engine then stops it)."""

    def __init__(self, scheduler: Any, settings: Any, clock: Callable[[], int], stats: GuardStats,
                 report: Callable[[SegueError], None]) -> None:
        play = settings.play
        self._scheduler = scheduler
        self._settings = settings
        self._clock = clock
        self._stats = stats
        self._report = report
        self._tempo = float(play.tempo_bpm)
        self._reattack_ns = round(float(_setting(settings, "min_reattack_ms")) * NS_PER_MS)
        self._bar_ns = beats_to_ns(bar_length(play.meter), self._tempo)
        self._last: dict[tuple[int, int], tuple[int, int]] = {}  # (channel, pitch) -> (on_ns, off_ns)
        self.cut = False
        set_tempo = getattr(scheduler, "set_tempo", None)
        if set_tempo is not None:
            set_tempo(self._tempo)  # note durations are beats at this tempo
        set_late = getattr(scheduler, "set_late_ms", None)
        if set_late is not None:
            set_late(float(_setting(settings, "late_ms")))

    def schedule(self, note: Note, at_ns: int, beat: float | None = None) -> bool:
        """Hand ``note`` (due at ``at_ns``; ``beat``: its place on the grid's beat axis) to the scheduler,
        unless the guard holds it back."""
        if self.cut:
            self._stats.behind_notes += 1
            return False
        behind = self._clock() - at_ns
        if behind > self._bar_ns:
            self._cut(behind)
            return False
        key = (note.channel, note.pitch)
        last = self._last.get(key)
        if last is not None:
            if at_ns - last[0] < self._reattack_ns:
                self._stats.reattacks += 1
                return False
            if at_ns < last[1]:
                self._stats.retriggers += 1  # the scheduler ends the sounding one first
        self._last[key] = (at_ns, at_ns + beats_to_ns(note.duration, self._tempo))
        if beat is None:
            self._scheduler.schedule(note, at_ns)
        else:
            self._scheduler.schedule(note, at_ns, beat)
        return True

    def _cut(self, behind_ns: int) -> None:
        self.cut = True
        self._stats.cut += 1
        self._stats.behind_notes += 1
        message = (f"the answer fell {behind_ns / NS_PER_S:.1f} s behind real time (more than a bar) and "
                   f"was cut: {slow_setting_hint(self._settings)}")
        log.warning("%s", message)
        self._report(AnswerBehind(message))
