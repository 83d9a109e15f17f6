"""The performer's session, owned by the control thread: no sockets, no threads, time passed in.

:class:`Session` turns stamped input (notes, whole phrases, triggers, stop/panic/clear) into engine
commands, each with the settings snapshot it needs. It owns the phrase capture, the timed releases of
``/segue/note ... beats``, the continuous-mode policy, whether a seed exists, and the state
(idle, listening, generating, playing) that ``/segue/status`` reports. The engine's events come back
through :meth:`Session.engine_event`, and so does the scheduler's :class:`~bridge.answer_end.Drained`:
``playing`` ends when the answer's last note-off has gone out (not when it was planned to), and
``on_answer_end()`` hears it. If the output never falls silent for the answer (its last notes were dropped
for being late), ``playing`` ends ``ANSWER_END_GRACE_NS`` after the planned end. The owner calls
:meth:`poll` whenever :meth:`next_wake` says, so the tests drive it with a fake clock and a fake engine.
"""

from __future__ import annotations

import dataclasses
import heapq
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bridge.answer_end import Drained
from bridge.capture import FeedbackFilter, Phrase, PhraseCapture
from bridge.commands import Done, EngineEvent, Generating
from bridge.entry import seed_bar_origin
from bridge.errors import NoSeed
from bridge.notes import Note
from bridge.params import param_table
from bridge.settings import Settings
from bridge.timeline import Timeline

log = logging.getLogger(__name__)

STATES = ("idle", "listening", "generating", "playing")
_DEFAULTS = {name: p.default for name, p in param_table().items()}
ANSWER_END_GRACE_NS = 2_000_000_000  # how long past its planned end an answer waits for its last note-off


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """The phrase settings of the registry (its defaults are the registry's)."""

    mode: str = str(_DEFAULTS["mode"])
    phrase_end: str = str(_DEFAULTS["phrase_end"])
    gap_seconds: float = float(_DEFAULTS["gap_seconds"])
    feedback_suppress: bool = bool(_DEFAULTS["feedback_suppress"])
    max_hold_s: float = float(_DEFAULTS["max_hold_s"])

    @classmethod
    def of(cls, values: dict[str, Any]) -> SessionConfig:
        return cls(str(values["mode"]), str(values["phrase_end"]), float(values["gap_seconds"]),
                   bool(values["feedback_suppress"]), float(values["max_hold_s"]))


class EnginePort(Protocol):
    """What the session sends the engine (``bridge.engine.Engine`` implements it)."""

    def seed(self, notes: Sequence[Note], settings: Settings, end_ns: int | None = None,
             length_beats: float | None = None, start_ns: int | None = None) -> None: ...

    def continue_(self, settings: Settings, length_beats: float | None = None,
                  at_ns: int | None = None) -> None: ...

    def prefix(self, notes: Sequence[Note], settings: Settings) -> None: ...

    def stop(self) -> None: ...

    def panic(self) -> None: ...

    def clear(self) -> None: ...


class Session:
    """See the module docstring. ``settings(tempo_bpm)`` gives the settings snapshot at a tempo;
    ``on_state(state)`` hears every state change; ``on_phrase(notes, tempo_bpm)`` every phrase played;
    ``on_answer_end()`` every answer that played to its end."""

    def __init__(self, engine: EnginePort, timeline: Timeline, settings: Callable[[float], Settings],
                 config: SessionConfig | None = None, *, feedback: FeedbackFilter | None = None,
                 max_notes: int = 64, window_chunk: int = 16,
                 on_state: Callable[[str], None] = lambda state: None,
                 on_phrase: Callable[[tuple[Note, ...], float], None] = lambda notes, tempo: None,
                 on_answer_end: Callable[[], None] = lambda: None) -> None:
        self._engine = engine
        self.timeline = timeline
        self._settings = settings
        self.config = config if config is not None else SessionConfig()
        grid = timeline.grid
        self.capture = PhraseCapture(tempo_bpm=grid.tempo_bpm, phrase_end=self.config.phrase_end,
                                     gap_seconds=self.config.gap_seconds, bar_beats=grid.bar_beats,
                                     max_notes=max_notes, window_chunk=window_chunk, feedback=feedback,
                                     feedback_suppress=self.config.feedback_suppress,
                                     max_hold_s=self.config.max_hold_s)
        self._on_state = on_state
        self._on_phrase = on_phrase
        self._on_answer_end = on_answer_end
        self._drained_ns: int | None = None  # when the output last fell silent
        self.has_seed = False
        self._releases: list[tuple[int, int, int]] = []  # heap of (due_ns, channel, pitch)
        self._last_reseed_ns: int | None = None
        self._generating: set[int] = set()
        self._answer_end_ns: int | None = None
        self._state = "idle"
        self.retime()

    # ------------------------------------------------------------ settings and time

    @property
    def state(self) -> str:
        return self._state

    def configure(self, config: SessionConfig, now_ns: int) -> None:
        """New phrase settings (a parameter changed)."""
        self.config = config
        self.capture.configure(phrase_end=config.phrase_end, gap_seconds=config.gap_seconds,
                               max_hold_s=config.max_hold_s)
        self.capture.feedback_suppress = config.feedback_suppress
        self._update(now_ns)

    def retime(self) -> None:
        """The timeline changed (tempo, bar grid): the capture follows it."""
        grid = self.timeline.grid
        self.capture.configure(tempo_bpm=grid.tempo_bpm, bar_beats=grid.bar_beats)
        self.capture.set_bar_origin(grid.downbeat_ns)

    # ------------------------------------------------------------ input

    def note(self, pitch: int, velocity: int, channel: int, t_ns: int, beats: float | None = None) -> None:
        """A note-on (velocity 0: note-off) from MIDI or OSC; with ``beats`` released that much later."""
        if not self.capture.note_on(pitch, velocity, channel, t_ns):
            return
        if beats is not None and velocity > 0:
            heapq.heappush(self._releases, (t_ns + self.timeline.grid.ns(beats), channel, pitch))
        if velocity == 0:
            self._offer(t_ns)
        elif self.config.mode == "continuous":
            bar_ns = self.capture.bar_beats * self.capture.ns_per_beat
            if self._last_reseed_ns is None or t_ns - self._last_reseed_ns >= bar_ns:
                recent = self.capture.recent(t_ns)
                if recent is not None:
                    self._last_reseed_ns = t_ns
                    self._seed(recent, t_ns)
        self._update(t_ns)

    def control(self, number: int, value: int, channel: int, t_ns: int) -> None:
        """A MIDI control change: the sustain pedal and all notes / sound off reach the capture."""
        if self.capture.control_change(number, value, channel, t_ns):
            self._offer(t_ns)
        self._update(t_ns)

    def phrase(self, notes: Sequence[Note], t_ns: int) -> None:
        """A whole phrase (``/segue/phrase``), in beats: continued at once."""
        ordered = tuple(sorted(notes, key=lambda n: (n.start, n.pitch)))
        self.capture.clear()
        tempo = self.timeline.grid.tempo_bpm
        self._on_phrase(ordered, tempo)
        self.has_seed = True
        self._engine.seed(ordered, self._settings(tempo), t_ns)
        self._update(t_ns)

    def continue_(self, beats: float | None, t_ns: int) -> None:
        """End the phrase being played and continue it, or continue the last seed again."""
        phrase = self.capture.trigger(t_ns)
        if phrase is not None:
            self._phrase_done(phrase, beats)
        elif self.has_seed:
            self._engine.continue_(self._settings(self.timeline.grid.tempo_bpm), beats, t_ns)
        else:
            raise NoSeed("no seed phrase yet: play notes or send /segue/phrase first")
        self._update(t_ns)

    def clear(self, t_ns: int) -> None:
        self.capture.clear()
        self.has_seed = False
        self._engine.clear()
        self._update(t_ns)

    def stop(self, t_ns: int, panic: bool = False) -> None:
        """Stop generating (``panic``: and all notes off at once)."""
        if panic:
            self._engine.panic()
        else:
            self._engine.stop()
        self._answer_end_ns = None
        self._update(t_ns)

    def clock(self, kind: str, t_ns: int, value: int = 0) -> None:
        """A MIDI real-time message (clock, start, stop, continue, songpos)."""
        if self.timeline.midi_event(kind, t_ns, value):
            self.retime()

    # ------------------------------------------------------------ engine events and time passing

    def engine_event(self, event: EngineEvent | Drained, now_ns: int) -> None:
        """An engine event, or the scheduler's output falling silent."""
        if isinstance(event, Generating):
            self._generating.add(event.seq)
            self._answer_end_ns = None  # a new answer cuts the one playing
        elif isinstance(event, Done):
            self._generating.discard(event.seq)
            if event.end_ns is not None:
                self._answer_end_ns = event.end_ns
                if self._drained_ns is not None and self._drained_ns >= event.end_ns:
                    self._answer_ended()  # its last note-off went out before this event arrived
        elif isinstance(event, Drained):
            self._drained_ns = event.t_ns
            # silence before the planned end is a rest, or the release of an answer cut by a newer one
            if self._answer_end_ns is not None and event.t_ns >= self._answer_end_ns:
                self._answer_ended()
        self._update(now_ns)

    def next_wake(self, now_ns: int) -> int | None:
        """When :meth:`poll` has something to do next (ns), or None."""
        capture = self.capture
        backstop = None if self._answer_end_ns is None else self._answer_end_ns + ANSWER_END_GRACE_NS
        times = [t for t in (capture.pending_end(), capture.next_release(), backstop) if t is not None]
        if self._releases:
            times.append(self._releases[0][0])
        return min(times) if times else None

    def poll(self, now_ns: int) -> None:
        """Timed releases that are due, a phrase that ended by gap or bar, the state."""
        while self._releases and self._releases[0][0] <= now_ns:
            due, channel, pitch = heapq.heappop(self._releases)
            self.note(pitch, 0, channel, due)
        if self.capture.release_stale(now_ns):
            self._offer(now_ns)
        phrase = self.capture.poll(now_ns)
        if phrase is not None:
            self._phrase_done(phrase)
        if self._answer_end_ns is not None and now_ns >= self._answer_end_ns + ANSWER_END_GRACE_NS:
            log.debug("no last note-off heard for the answer: it ends now")
            self._answer_ended()
        self._update(now_ns)

    # ------------------------------------------------------------ internals

    def _offer(self, t_ns: int) -> None:
        """Nothing sounds on the input any more: offer the phrase so far, to prefill while playing."""
        peek = self.capture.peek(t_ns)
        if peek is not None and not self.capture.held:
            self._engine.prefix(peek.notes, self._on_grid(peek))

    def _on_grid(self, phrase: Phrase) -> Settings:
        """The settings of a played phrase, encoded where it lies in a shared grid's bars."""
        settings = self._settings(phrase.tempo_bpm)
        origin = seed_bar_origin(self.timeline.grid, phrase.start_ns)
        if origin is None:
            return settings
        return dataclasses.replace(settings, play=dataclasses.replace(settings.play, bar_origin=origin))

    def _phrase_done(self, phrase: Phrase, length_beats: float | None = None) -> None:
        log.info("phrase of %d notes ended (%s)", len(phrase.notes), phrase.reason)
        self._on_phrase(phrase.notes, phrase.tempo_bpm)
        if self.config.mode == "continuous":
            recent = self.capture.recent(phrase.end_ns)
            if recent is not None:
                phrase = recent
        self._seed(phrase, phrase.end_ns, length_beats)

    def _seed(self, phrase: Phrase, end_ns: int, length_beats: float | None = None) -> None:
        self.has_seed = True
        # the tempo the phrase was measured in is the tempo it is answered in; it enters on the grid
        self._engine.seed(phrase.notes, self._on_grid(phrase), end_ns, length_beats, phrase.start_ns)

    def _answer_ended(self) -> None:
        self._answer_end_ns = None
        self._on_answer_end()

    def _update(self, now_ns: int) -> None:
        if self._generating:
            state = "generating"
        elif self.capture.active:
            state = "listening"
        elif self._answer_end_ns is not None:
            state = "playing"
        else:
            state = "idle"
        if state != self._state:
            self._state = state
            self._on_state(state)
