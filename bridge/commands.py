"""The messages into and out of the engine thread: commands, each carrying its settings, and events.

The session (control thread) sends commands; the engine reports events, which the daemon posts back to
the control thread. All frozen: once sent, nobody changes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bridge.errors import SegueError
from bridge.notes import Note
from bridge.settings import Settings


@dataclass(frozen=True, slots=True)
class Seed:
    """A finished seed phrase: continue it now. ``end_ns`` is when the phrase ended (perf_counter_ns)."""

    notes: tuple[Note, ...]
    end_ns: int
    settings: Settings
    length_beats: float | None = None
    start_ns: int | None = None  # when the phrase's beat 0 was played (None: unknown, it ended at end_ns)


@dataclass(frozen=True, slots=True)
class Continue:
    """Continue the current seed again, anchored at ``at_ns``; optional length override in beats."""

    at_ns: int
    settings: Settings
    length_beats: float | None = None


@dataclass(frozen=True, slots=True)
class Prefix:
    """The phrase played so far: prefill it and speculate on its answer."""

    notes: tuple[Note, ...]
    settings: Settings


@dataclass(frozen=True, slots=True)
class Stop:
    pass


@dataclass(frozen=True, slots=True)
class Clear:
    pass


@dataclass(frozen=True, slots=True)
class Swap:
    name: str


@dataclass(frozen=True, slots=True)
class Install:
    """Samplers to add to the model (a style's), built on ``decoder`` (None: whatever plays now)."""

    samplers: dict[str, Any]
    decoder: Any = None


@dataclass(frozen=True, slots=True)
class Shutdown:
    pass


@dataclass(frozen=True, slots=True)
class Generating:
    """A continuation started (command number ``seq``)."""

    seq: int


@dataclass(frozen=True, slots=True)
class Done:
    """A continuation ended; ``end_ns`` is when its last note ends (None: preempted, or no note)."""

    seq: int
    end_ns: int | None


@dataclass(frozen=True, slots=True)
class Swapped:
    """The engine plays model ``name`` now (a swap succeeded)."""

    name: str


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the engine could not do, typed for its OSC address."""

    error: SegueError


EngineEvent = Generating | Done | Swapped | Problem
