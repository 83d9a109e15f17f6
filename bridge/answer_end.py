"""When an answer has really ended, and what the daemon tells a patch about the state in force.

:class:`AnswerEndSink` sits last in the daemon's ``FanoutSink``, so it runs on the scheduler thread just
after the note-off went out to MIDI and OSC. When that note-off leaves nothing sounding and nothing
pending, it posts :class:`Drained` (with the time it happened) to the control thread's mailbox; the
session then ends its ``playing`` state and the daemon replies ``/segue/answer/end``. :class:`StyleNow`
(a style was installed) and the engine's :class:`~bridge.commands.Swapped` are the news the control
thread answers with ``/segue/style NAME`` and ``/segue/model NAME``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bridge.commands import Done, Generating, Swapped


@dataclass(frozen=True, slots=True)
class Drained:
    """The last sounding note ended with nothing pending, at ``t_ns`` (the scheduler's clock)."""

    t_ns: int


@dataclass(frozen=True, slots=True)
class StyleNow:
    """Style ``name`` now plays (installed by the style service)."""

    name: str


#: engine and scheduler events the session takes; the news the control thread answers
SESSION_EVENTS = (Generating, Done, Drained)
NEWS = (StyleNow, Swapped)


class AnswerEndSink:
    """An event sink (scheduler thread) that posts :class:`Drained` when the output falls silent.

    ``pending()`` is the number of events the scheduler still holds (read on its own thread, so it is
    exact); ``post(event)`` hands the event to the control thread; ``clock()`` stamps it."""

    def __init__(self, pending: Callable[[], int], post: Callable[[object], None],
                 clock: Callable[[], int]) -> None:
        self._pending = pending
        self._post = post
        self._clock = clock
        self._sounding: set[tuple[int, int]] = set()  # (channel, pitch), written by the scheduler thread

    def note_on(self, pitch: int, velocity: int, channel: int, duration_beats: float = 0.0) -> None:
        self._sounding.add((channel, pitch))

    def note_off(self, pitch: int, channel: int) -> None:
        self._sounding.discard((channel, pitch))
        if not self._sounding and self._pending() == 0:
            self._post(Drained(self._clock()))

    def all_notes_off(self) -> None:
        self._sounding.clear()
