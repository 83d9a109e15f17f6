"""Token ids to notes one token at a time, following miditok's TSD decoding rules exactly.

miditok only decodes whole sequences; a performer needs each note as soon as its Duration token is
sampled. The state machine works on base tokens (a BPE id expands to several, see ``TokenScheme``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from bridge.notes import Note
from bridge.tokens import TokenType

if TYPE_CHECKING:
    from bridge.tokens import TokenScheme


class StreamDecoder:
    """Turns token ids into notes one token at a time, following miditok's TSD decoding.

    Times are in quarter-note beats from the time origin: 0 when not primed, else the time cursor
    at the end of the priming ids (for a seed: the onset of its last note, since TSD places the time
    shift after a note before the next one). ``origin`` holds that cursor in beats from the seed's
    first token, so ``origin + note.start`` places a continuation note on the seed's time line.
    """

    __slots__ = ("_scheme", "_time", "_prev_end", "_quarters_per_beat", "_pitch", "_velocity", "_emit",
                 "origin", "last_type", "tempo", "time_signature", "ended", "primed_onsets", "_record")

    def __init__(self, scheme: TokenScheme) -> None:
        self._scheme = scheme
        self._time = 0.0  # quarter beats since the first fed token
        self._prev_end = 0.0
        self._quarters_per_beat = 1.0  # 4 / time-signature denominator
        self._pitch: int | None = None
        self._velocity: int | None = None
        self._emit = True
        self.origin = 0.0
        self.last_type = TokenType.BOS
        self.tempo: float | None = None
        self.time_signature: tuple[int, int] = (4, 4)
        self.ended = False
        self.primed_onsets: list[float] = []  # onsets of the notes fed by prime(), beats from its first id
        self._record: list[float] | None = None  # where onsets of notes fed without emitting go

    def copy(self) -> StreamDecoder:
        """An independent decoder in the same state."""
        twin = StreamDecoder.__new__(StreamDecoder)
        for name in StreamDecoder.__slots__:
            setattr(twin, name, getattr(self, name))
        twin._record = None  # a copy never writes into its original's record
        return twin

    def recording(self, into: list[float] | None) -> None:
        """Append the onsets of the notes fed without emitting (a seed's) to ``into`` (None: stop)."""
        self._record = into

    @property
    def time(self) -> float:
        """Beats from the first fed token to the current time cursor."""
        return self._time

    @property
    def position(self) -> float:
        """Beats from the origin to the current time cursor."""
        return self._time - self.origin

    @property
    def state(self) -> TokenType:
        """Grammar state: the type of the last base token fed."""
        return self.last_type

    def prime(self, ids: Iterable[int]) -> None:
        """Feed ``ids`` without emitting notes and move the time origin to the end of them."""
        self.primed_onsets = []
        self._record = self.primed_onsets
        for token_id in ids:
            self.advance(token_id)
        self._record = None
        self.origin = self._time

    def advance(self, token_id: int) -> None:
        """Feed one id without emitting its notes (a seed's)."""
        self._emit = False
        try:
            self.feed(token_id)
        finally:
            self._emit = True

    def feed(self, token_id: int) -> list[Note]:
        """Notes completed by this token (a TSD note completes at its Duration token)."""
        notes: list[Note] = []
        events = self._scheme.events(token_id)
        if not events:  # word boundary: no musical content
            self.last_type = TokenType.BOUNDARY
        for kind, value in events:
            note = self._feed_event(kind, value)
            if note is not None:
                notes.append(note)
            self.last_type = kind
        return notes

    def _feed_event(self, kind: TokenType, value: object) -> Note | None:
        if kind is TokenType.VELOCITY:
            if self._pitch is not None and self._velocity is None:
                self._velocity = max(1, min(127, int(value)))
            else:
                self._pitch = None
            return None
        if kind is TokenType.DURATION:
            pitch, velocity = self._pitch, self._velocity
            self._pitch = self._velocity = None
            if pitch is None or velocity is None:
                return None
            duration = float(value) * self._quarters_per_beat
            self._prev_end = max(self._prev_end, self._time + duration)
            if duration <= 0:
                return None
            if not self._emit:
                if self._record is not None:
                    self._record.append(self._time)
                return None
            return Note(pitch, velocity, self._time - self.origin, duration)
        self._pitch = self._velocity = None
        if kind is TokenType.PITCH:
            self._pitch = int(value)
        elif kind is TokenType.TIMESHIFT:
            self._time += float(value) * self._quarters_per_beat
        elif kind is TokenType.REST:
            self._time = max(self._prev_end, self._time) + float(value) * self._quarters_per_beat
        elif kind is TokenType.TEMPO:
            self.tempo = float(value)
        elif kind is TokenType.TIMESIG:
            num, den = value
            self.time_signature = (num, den)
            self._quarters_per_beat = 4.0 / den
        elif kind is TokenType.EOS:
            self.ended = True
        return None
