"""The note value type shared by capture, tokens, samplers and the scheduler."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Note:
    """One note in musical time: ``start`` and ``duration`` in beats (quarter notes)."""

    pitch: int  # 0-127
    velocity: int  # 1-127
    start: float  # beats, relative to the phrase / continuation start
    duration: float  # beats, > 0
    channel: int = 0  # 0-15

    def __post_init__(self) -> None:
        if not 0 <= self.pitch <= 127:
            raise ValueError(f"note pitch {self.pitch} is outside 0-127")
        if not 1 <= self.velocity <= 127:
            raise ValueError(f"note velocity {self.velocity} is outside 1-127")
        if not self.duration > 0:
            raise ValueError(f"note duration {self.duration} must be > 0 beats")
        if not 0 <= self.channel <= 15:
            raise ValueError(f"note channel {self.channel} is outside 0-15")

    @property
    def end(self) -> float:
        """Beat at which the note ends."""
        return self.start + self.duration

    def shifted(self, beats: float) -> Note:
        """The same note, ``beats`` later."""
        return replace(self, start=self.start + beats)


def phrase_length(notes: Iterable[Note]) -> float:
    """Beats from 0 to the end of the last-ending note (0 for no notes)."""
    return max((n.end for n in notes), default=0.0)
