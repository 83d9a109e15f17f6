"""Phrase capture: incoming note-ons/offs (ns stamps, from MIDI or OSC) become seed phrases in beats.

A phrase ends
- on ``trigger(t_ns)`` (any ``phrase_end`` setting; the only way with ``phrase_end="trigger"``),
- with ``phrase_end="gap"``: ``gap_seconds`` after the last note-off, with nothing held,
- with ``phrase_end="bar"``: at the first bar line after the last note-on where nothing is held (the bar
  grid starts at ``set_bar_origin`` - e.g. MIDI clock start - or else at the phrase's first note).
``poll(now_ns)`` returns the finished phrase once its end time has passed. Notes still held when a phrase
ends are put in it, cut at the end, and their later note-off is swallowed. A note-off without its note-on
is ignored, a velocity-0 note-on is a note-off, and a phrase keeps at most its last ``max_notes`` notes:
past that, the oldest leave ``window_chunk`` at a time, so a long phrase's encoding keeps its start (and
the engine its cached prefix) for that many notes.

Nothing can hold a phrase open for good: a note sounding for ``max_hold_s`` is released there (a lost
note-off), and ``control_change`` takes CC 120 (all sound off) and CC 123 (all notes off), which release
every note of their channel, and the sustain pedal (CC 64, down at 64 and up): while it is down a
note-off only marks the key up, the note sounds on in the phrase until the pedal comes up, and pressing
the key again ends it. ``next_release()`` says when the next note reaches the bound.

Continuous mode uses ``recent(now_ns)``: the last ``max_notes`` notes played, whatever the phrases.
``FeedbackFilter`` (an ``EventSink``) remembers what segue sent; with ``feedback_suppress`` on, incoming
note-ons that echo it (same pitch and channel within ``window_ns``) are dropped.

``PhraseCapture`` is not thread-safe: one loop feeds and polls it. ``FeedbackFilter`` is thread-safe.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bridge.notes import Note

log = logging.getLogger(__name__)

NS_PER_S = 1_000_000_000
PHRASE_ENDS = ("trigger", "gap", "bar")
SUSTAIN, ALL_SOUND_OFF, ALL_NOTES_OFF = 64, 120, 123


@dataclass(frozen=True, slots=True)
class Phrase:
    """A finished seed phrase: ``notes`` start at beat 0 = ``start_ns``; ``end_ns`` is when it ended."""

    notes: tuple[Note, ...]
    start_ns: int
    end_ns: int
    tempo_bpm: float
    reason: str  # "trigger", "gap", "bar", "window" (continuous mode) or "peek" (still being played)

    @property
    def length_beats(self) -> float:
        """Beats from the phrase start to its end."""
        return (self.end_ns - self.start_ns) * self.tempo_bpm / (60.0 * NS_PER_S)


@dataclass(slots=True)
class _Played:
    pitch: int
    velocity: int
    channel: int
    on_ns: int
    off_ns: int | None = None  # None while held
    in_phrase: bool = True  # False once the phrase it started in has ended (held across the end)
    key_up: bool = False  # its key was released while the sustain pedal was down: it sounds on


class FeedbackFilter:
    """Remembers the note-ons segue sent, to recognise them when a patch routes them back in.

    Add it to the output ``FanoutSink``; ``is_echo`` consumes one matching record, so one sent note
    hides one received note.
    """

    def __init__(self, window_ns: int = 50_000_000, clock: Callable[[], int] = time.perf_counter_ns,
                 max_records: int = 512) -> None:
        self.window_ns = window_ns
        self.clock = clock
        self._sent: deque[tuple[int, int, int]] = deque(maxlen=max_records)  # (t_ns, channel, pitch)
        self._lock = threading.Lock()

    # EventSink
    def note_on(self, pitch: int, velocity: int, channel: int, duration_beats: float = 0.0) -> None:
        with self._lock:
            self._sent.append((self.clock(), channel, pitch))

    def note_off(self, pitch: int, channel: int) -> None:
        """Note-offs need no record: the echoed note-on is dropped, so its note-off has no partner."""

    def all_notes_off(self) -> None:
        """Nothing to do."""

    def is_echo(self, pitch: int, channel: int, t_ns: int) -> bool:
        """True (and the record is used up) when segue sent this pitch on this channel within the window."""
        with self._lock:
            while self._sent and self._sent[0][0] < t_ns - self.window_ns:
                self._sent.popleft()
            for i, (sent_ns, ch, p) in enumerate(self._sent):
                if ch == channel and p == pitch and abs(t_ns - sent_ns) <= self.window_ns:
                    del self._sent[i]
                    return True
        return False


class PhraseCapture:
    """Builds seed phrases from stamped note events; see the module docstring for the rules."""

    def __init__(self, *, tempo_bpm: float = 120.0, phrase_end: str = "gap", gap_seconds: float = 0.5,
                 bar_beats: int = 4, max_notes: int = 64, window_chunk: int = 16,
                 min_duration_beats: float = 1 / 64, feedback: FeedbackFilter | None = None,
                 feedback_suppress: bool = True, max_hold_s: float = 8.0) -> None:
        self.tempo_bpm = 120.0
        self.phrase_end = "gap"
        self.gap_seconds = 0.5
        self.bar_beats = 4
        self.max_notes = 64
        self.max_hold_s = 8.0
        self.configure(tempo_bpm=tempo_bpm, phrase_end=phrase_end, gap_seconds=gap_seconds,
                       bar_beats=bar_beats, max_notes=max_notes, max_hold_s=max_hold_s)
        if window_chunk < 1:
            raise ValueError(f"window_chunk must be >= 1, got {window_chunk!r}")
        self.window_chunk = window_chunk
        self.min_duration_beats = min_duration_beats
        self.feedback = feedback
        self.feedback_suppress = feedback_suppress
        self.suppressed = 0  # echoes dropped
        self.ignored_offs = 0  # note-offs without a note-on
        self.forced_offs = 0  # notes released by the hold bound or by CC 120/123
        self.last_phrase: Phrase | None = None
        self._bar_origin_ns: int | None = None
        self._held: dict[tuple[int, int], _Played] = {}  # (channel, pitch): sounding, by key or pedal
        self._pedal: set[int] = set()  # channels whose sustain pedal is down
        self._phrase: list[_Played] = []  # notes of the phrase being played (held ones included)
        self._history: deque[_Played] = deque(maxlen=max_notes)
        self._last_on_ns: int | None = None
        self._last_off_ns: int | None = None

    # -- settings
    def configure(self, *, tempo_bpm: float | None = None, phrase_end: str | None = None,
                  gap_seconds: float | None = None, bar_beats: int | None = None,
                  max_notes: int | None = None, max_hold_s: float | None = None) -> None:
        """Change settings (``None`` keeps one); raises ``ValueError`` on a bad value."""
        if max_hold_s is not None:
            if not (math.isfinite(max_hold_s) and max_hold_s > 0):
                raise ValueError(f"max_hold_s must be > 0, got {max_hold_s!r}")
            self.max_hold_s = float(max_hold_s)
        if tempo_bpm is not None:
            if not (math.isfinite(tempo_bpm) and tempo_bpm > 0):
                raise ValueError(f"tempo must be a positive BPM, got {tempo_bpm!r}")
            self.tempo_bpm = float(tempo_bpm)
        if phrase_end is not None:
            if phrase_end not in PHRASE_ENDS:
                raise ValueError(f"phrase_end must be one of {'|'.join(PHRASE_ENDS)}, got {phrase_end!r}")
            self.phrase_end = phrase_end
        if gap_seconds is not None:
            if not (math.isfinite(gap_seconds) and gap_seconds > 0):
                raise ValueError(f"gap_seconds must be > 0, got {gap_seconds!r}")
            self.gap_seconds = float(gap_seconds)
        if bar_beats is not None:
            if bar_beats < 1:
                raise ValueError(f"bar_beats must be >= 1, got {bar_beats!r}")
            self.bar_beats = int(bar_beats)
        if max_notes is not None:
            if max_notes < 1:
                raise ValueError(f"max_notes must be >= 1, got {max_notes!r}")
            self.max_notes = int(max_notes)
            if hasattr(self, "_history"):
                self._history = deque(self._history, maxlen=self.max_notes)

    def set_bar_origin(self, t_ns: int | None) -> None:
        """Anchor the bar grid (``phrase_end="bar"``) at ``t_ns`` (a downbeat), or at each phrase's start."""
        self._bar_origin_ns = t_ns

    @property
    def ns_per_beat(self) -> float:
        return 60.0 * NS_PER_S / self.tempo_bpm

    @property
    def held(self) -> list[tuple[int, int]]:
        """(channel, pitch) of the notes held now."""
        return sorted(self._held)

    @property
    def active(self) -> bool:
        """True while a phrase is being played (some note since the last phrase end)."""
        return bool(self._phrase)

    # -- input
    def note_on(self, pitch: int, velocity: int, channel: int, t_ns: int) -> bool:
        """A note-on (velocity 0 = note-off); returns False when it was dropped (echo, or an off ignored)."""
        _check(pitch, channel)
        if not 0 <= velocity <= 127:
            raise ValueError(f"velocity {velocity} is outside 0-127")
        if velocity == 0:
            return self.note_off(pitch, channel, t_ns)
        feedback = self.feedback if self.feedback_suppress else None
        if feedback is not None and feedback.is_echo(pitch, channel, t_ns):
            self.suppressed += 1
            return False
        key = (channel, pitch)
        if key in self._held:  # a second note-on of a held (or sustained) note: end the first one here
            self._release(key, t_ns)
        played = _Played(pitch, velocity, channel, t_ns)
        self._held[key] = played
        self._phrase.append(played)
        self._history.append(played)
        self._last_on_ns = t_ns
        return True

    def note_off(self, pitch: int, channel: int, t_ns: int) -> bool:
        """A note-off (deferred while the channel's pedal is down); False when no note-on matches it."""
        _check(pitch, channel)
        key = (channel, pitch)
        played = self._held.get(key)
        if played is None or played.key_up:
            self.ignored_offs += 1
            return False
        if channel in self._pedal:
            played.key_up = True
        else:
            self._release(key, t_ns)
        return True

    def control_change(self, control: int, value: int, channel: int, t_ns: int) -> bool:
        """A MIDI control change: the sustain pedal (64), all sound off (120), all notes off (123) on
        ``channel``; True when it released notes."""
        _check(0, channel)
        if not (0 <= control <= 127 and 0 <= value <= 127):
            raise ValueError(f"control change {control} {value} is outside 0-127")
        if control == SUSTAIN:
            if value >= 64:
                self._pedal.add(channel)
                return False
            self._pedal.discard(channel)
            return self._release_all(t_ns, lambda p: p.channel == channel and p.key_up) > 0
        if control in (ALL_SOUND_OFF, ALL_NOTES_OFF):
            self._pedal.discard(channel)
            released = self._release_all(t_ns, lambda p: p.channel == channel)
            self.forced_offs += released
            return released > 0
        return False

    def next_release(self) -> int | None:
        """When the oldest sounding note will have sounded ``max_hold_s`` (and be released), or None."""
        if not self._held:
            return None
        return min(p.on_ns for p in self._held.values()) + self._max_hold_ns

    def release_stale(self, now_ns: int) -> int:
        """Release the notes that have sounded ``max_hold_s`` by ``now_ns``, each at its bound; how many."""
        bound = self._max_hold_ns
        stale = sorted((p.on_ns, key) for key, p in self._held.items() if p.on_ns + bound <= now_ns)
        for on_ns, key in stale:
            log.info("note %d on channel %d released after %.1f s without its note-off", key[1], key[0] + 1,
                     self.max_hold_s)
            self._release(key, on_ns + bound)
        self.forced_offs += len(stale)
        return len(stale)

    def clear(self) -> None:
        """Forget the phrase being played and the recent notes; held notes' note-offs will be ignored."""
        for played in self._held.values():
            played.in_phrase = False
        self._phrase.clear()
        self._history.clear()
        self._last_on_ns = self._last_off_ns = None

    # -- phrase ends
    def trigger(self, t_ns: int) -> Phrase | None:
        """End the phrase now (``/segue/continue``); ``None`` when nothing was played since the last end."""
        if not self._phrase:
            return None
        return self._finish(t_ns, "trigger")

    def pending_end(self) -> int | None:
        """When the phrase being played will end by gap or bar, as things stand, or ``None``."""
        if not self._phrase or self._held_in_phrase() or self._last_off_ns is None:
            return None
        if self.phrase_end == "gap":
            return self._last_off_ns + round(self.gap_seconds * NS_PER_S)
        if self.phrase_end == "bar":
            assert self._last_on_ns is not None
            origin = self._grid_origin()
            bar_ns = self.bar_beats * self.ns_per_beat
            after = max(self._last_off_ns, self._last_on_ns + 1)
            k = math.ceil((after - origin) / bar_ns - 1e-9)
            return origin + round(k * bar_ns)
        return None

    def poll(self, now_ns: int) -> Phrase | None:
        """The phrase that ended by gap or bar at or before ``now_ns`` (once), else ``None``; notes held
        past ``max_hold_s`` are released first."""
        self.release_stale(now_ns)
        end = self.pending_end()
        if end is None or now_ns < end:
            return None
        return self._finish(end, self.phrase_end)

    def peek(self, now_ns: int) -> Phrase | None:
        """The phrase played so far (held notes cut at ``now_ns``), without ending it: for prefilling."""
        if not self._phrase:
            return None
        return self._build(self._phrase, now_ns, "peek", bar_grid=self.phrase_end == "bar")

    def recent(self, now_ns: int, max_notes: int | None = None) -> Phrase | None:
        """Continuous mode: the last notes played (held ones cut at ``now_ns``) as a phrase ending now."""
        notes = list(self._history)
        if max_notes is not None:
            notes = notes[-max_notes:]
        if not notes:
            return None
        return self._build(notes, now_ns, "window", bar_grid=False)

    # -- internals
    @property
    def _max_hold_ns(self) -> int:
        return round(self.max_hold_s * NS_PER_S)

    def _release(self, key: tuple[int, int], t_ns: int) -> None:
        played = self._held.pop(key)
        played.off_ns = max(t_ns, played.on_ns)
        if played.in_phrase:
            self._last_off_ns = played.off_ns if self._last_off_ns is None else max(self._last_off_ns,
                                                                                    played.off_ns)

    def _release_all(self, t_ns: int, which: Callable[[_Played], bool]) -> int:
        keys = [key for key, p in self._held.items() if which(p)]
        for key in keys:
            self._release(key, t_ns)
        return len(keys)

    def _held_in_phrase(self) -> bool:
        return any(p.in_phrase for p in self._held.values())

    def _grid_origin(self) -> int:
        if self._bar_origin_ns is not None:
            return self._bar_origin_ns
        return self._phrase[0].on_ns

    def _window_start(self, n: int) -> int:
        """Where a phrase of ``n`` notes starts when longer than ``max_notes``: the oldest notes leave
        ``window_chunk`` at a time, so the seed keeps its start (and the engine its cached prefix) for
        that many notes."""
        if n <= self.max_notes:
            return 0
        chunk = min(self.window_chunk, self.max_notes)
        return ((n - self.max_notes - 1) // chunk + 1) * chunk

    def _finish(self, end_ns: int, reason: str) -> Phrase | None:
        phrase = self._build(self._phrase, end_ns, reason, bar_grid=self.phrase_end == "bar")
        for played in self._held.values():
            played.in_phrase = False
        self._phrase = []
        self._last_on_ns = self._last_off_ns = None
        if phrase is not None:
            self.last_phrase = phrase
        return phrase

    def _build(self, played: list[_Played], end_ns: int, reason: str, bar_grid: bool) -> Phrase | None:
        kept = sorted((p for p in played if p.on_ns <= end_ns), key=lambda p: (p.on_ns, p.pitch))
        kept = kept[self._window_start(len(kept)):]
        if not kept:
            return None
        start_ns = kept[0].on_ns
        ns_per_beat = self.ns_per_beat
        if bar_grid:
            origin = self._grid_origin()
            bar_ns = self.bar_beats * ns_per_beat
            start_ns = origin + round(math.floor((start_ns - origin) / bar_ns + 1e-9) * bar_ns)
        notes = []
        for p in kept:
            off = end_ns if p.off_ns is None or p.off_ns > end_ns else p.off_ns
            duration = max(self.min_duration_beats, (off - p.on_ns) / ns_per_beat)
            notes.append(Note(p.pitch, p.velocity, (p.on_ns - start_ns) / ns_per_beat, duration, p.channel))
        return Phrase(tuple(notes), start_ns, end_ns, self.tempo_bpm, reason)


def _check(pitch: int, channel: int) -> None:
    if not 0 <= pitch <= 127:
        raise ValueError(f"pitch {pitch} is outside 0-127")
    if not 0 <= channel <= 15:
        raise ValueError(f"channel {channel} is outside 0-15")
