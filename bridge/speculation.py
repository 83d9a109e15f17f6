"""Speculation: the answer's first notes sampled while the performer still plays.

After each offer of the phrase so far, the engine starts its answer and samples up to the end of the
answer's first onset (its chord included), then pauses it. When the phrase ends with exactly those notes,
those settings and that model, the paused answer is taken: its first notes go out at once and sampling
resumes. Anything else discards it. :class:`Speculator` holds the one paused answer; it belongs to the
engine's thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bridge.continuation import Continuation, Model
from bridge.notes import Note
from bridge.settings import Settings

SPECULATION_TOKENS = 24  # tokens a speculation may sample at most (its first onset is usually 3-8)


@dataclass(slots=True)
class Speculation:
    """A paused answer to ``notes`` and the notes it has decoded so far."""

    notes: tuple[Note, ...]
    key: tuple[Any, ...]
    model: Model
    run: Continuation
    ready: list[Note]


class Speculator:
    """The one paused speculative answer (or none)."""

    def __init__(self) -> None:
        self._held: Speculation | None = None

    def holds(self, notes: tuple[Note, ...], settings: Settings) -> bool:
        """Whether the paused answer is to these notes with these settings."""
        held = self._held
        return held is not None and held.notes == notes and held.key == settings.generation_key()

    def start(self, notes: tuple[Note, ...], settings: Settings, model: Model, run: Continuation,
              stale: Callable[[], bool]) -> None:
        """Sample ``run`` to the end of its first onset and keep it paused (unless ``stale()`` turned
        true meanwhile, or it gave no note)."""
        self.drop()
        run.stop = stale
        ready: list[Note] = []
        while not run.done and not run.onset_done and run.tokens < SPECULATION_TOKENS:
            ready += run.step()
        if run.stop() or not ready:
            run.close()
            return
        self._held = Speculation(notes, settings.generation_key(), model, run, ready)

    def take(self, notes: tuple[Note, ...], settings: Settings, model: Model) -> Speculation | None:
        """The paused answer if it is to exactly these notes, settings and model; let go either way."""
        held, self._held = self._held, None
        if held is None:
            return None
        if held.notes == notes and held.key == settings.generation_key() and held.model is model:
            return held
        held.run.close()
        return None

    def drop(self) -> None:
        """Discard the paused answer."""
        held, self._held = self._held, None
        if held is not None:
            held.run.close()
