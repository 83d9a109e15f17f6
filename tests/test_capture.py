"""Phrase capture on synthetic stamps: gap, trigger and bar endings, held notes, caps, feedback."""

from __future__ import annotations

import pytest

from bridge.capture import FeedbackFilter, PhraseCapture
from bridge.notes import Note

MS = 1_000_000
S = 1_000_000_000


def play(cap: PhraseCapture, pitch: int, on_ms: int, off_ms: int | None, velocity: int = 100,
         channel: int = 0) -> None:
    cap.note_on(pitch, velocity, channel, on_ms * MS)
    if off_ms is not None:
        cap.note_off(pitch, channel, off_ms * MS)


def test_gap_ends_the_phrase_with_notes_in_beats() -> None:
    cap = PhraseCapture(tempo_bpm=120.0, phrase_end="gap", gap_seconds=0.5)
    play(cap, 60, 1000, 1250, velocity=90)
    play(cap, 64, 1500, 2000, velocity=80)
    play(cap, 67, 1500, 1750, channel=3)
    assert cap.pending_end() == 2500 * MS
    assert cap.poll(2499 * MS) is None
    phrase = cap.poll(2600 * MS)
    assert phrase is not None
    assert phrase.notes == (
        Note(60, 90, 0.0, 0.5),
        Note(64, 80, 1.0, 1.0),
        Note(67, 100, 1.0, 0.5, 3),
    )
    assert (phrase.start_ns, phrase.end_ns, phrase.reason) == (1000 * MS, 2500 * MS, "gap")
    assert phrase.length_beats == 3.0
    assert cap.poll(9 * S) is None
    assert cap.last_phrase == phrase


def test_a_held_note_holds_the_gap_and_the_next_phrase_is_separate() -> None:
    cap = PhraseCapture(tempo_bpm=60.0, phrase_end="gap", gap_seconds=0.5)
    play(cap, 60, 0, 100)
    cap.note_on(62, 100, 0, 200 * MS)
    assert cap.poll(5 * S) is None
    cap.note_off(62, 0, 5000 * MS)
    first = cap.poll(5500 * MS)
    assert first is not None and [n.pitch for n in first.notes] == [60, 62]
    assert first.notes[1].duration == pytest.approx(4.8)
    play(cap, 70, 8000, 8500)
    second = cap.poll(9 * S)
    assert second is not None and second.notes == (Note(70, 100, 0.0, 0.5),)


def test_trigger_cuts_held_notes_and_swallows_their_note_off() -> None:
    cap = PhraseCapture(tempo_bpm=120.0, phrase_end="trigger")
    assert cap.trigger(0) is None
    play(cap, 60, 0, 500)
    cap.note_on(48, 70, 0, 250 * MS)
    assert cap.poll(60 * S) is None  # trigger mode never ends by itself
    phrase = cap.trigger(1000 * MS)
    assert phrase is not None
    assert phrase.notes == (Note(60, 100, 0.0, 1.0), Note(48, 70, 0.5, 1.5))
    assert phrase.reason == "trigger" and phrase.end_ns == 1000 * MS
    assert cap.held == [(0, 48)]
    assert cap.note_off(48, 0, 2000 * MS) is True  # matched, but belongs to the ended phrase
    assert cap.trigger(3000 * MS) is None
    play(cap, 62, 4000, 4100)
    assert cap.trigger(4500 * MS).notes == (Note(62, 100, 0.0, 0.2),)


def test_bar_ends_at_the_first_bar_line_after_release() -> None:
    cap = PhraseCapture(tempo_bpm=120.0, phrase_end="bar", bar_beats=4)  # bar = 2 s
    play(cap, 60, 1000, 1400)
    play(cap, 62, 2500, 3400)  # crosses the bar line at 3 s (grid from the first note at 1 s)
    assert cap.pending_end() == 5000 * MS
    assert cap.poll(4999 * MS) is None
    phrase = cap.poll(5000 * MS)
    assert phrase is not None and phrase.reason == "bar"
    assert (phrase.start_ns, phrase.end_ns) == (1000 * MS, 5000 * MS)
    assert phrase.notes == (Note(60, 100, 0.0, 0.8), Note(62, 100, 3.0, 1.8))
    assert phrase.length_beats == 8.0


def test_bar_grid_from_an_external_downbeat() -> None:
    cap = PhraseCapture(tempo_bpm=120.0, phrase_end="bar", bar_beats=4)
    cap.set_bar_origin(0)
    play(cap, 60, 2500, 3000)  # inside the bar 2 s..4 s
    phrase = cap.poll(4000 * MS)
    assert phrase is not None and phrase.start_ns == 2000 * MS and phrase.end_ns == 4000 * MS
    assert phrase.notes == (Note(60, 100, 1.0, 1.0),)
    play(cap, 64, 4000, 4500)  # starts on the bar line: the phrase ends at the next one
    assert cap.pending_end() == 6000 * MS


def test_bad_and_odd_input() -> None:
    cap = PhraseCapture(tempo_bpm=120.0, gap_seconds=0.5)
    assert cap.note_off(60, 0, 0) is False and cap.ignored_offs == 1
    assert cap.poll(10 * S) is None
    cap.note_on(60, 100, 0, 0)
    assert cap.note_on(60, 0, 0, 250 * MS) is True  # velocity 0 = note-off
    cap.note_on(62, 100, 0, 300 * MS)
    cap.note_on(62, 90, 0, 400 * MS)  # second note-on of a held note: the first ends here
    cap.note_off(62, 0, 500 * MS)
    phrase = cap.poll(1 * S)
    assert phrase.notes == (Note(60, 100, 0.0, 0.5), Note(62, 100, 0.6, 0.2), Note(62, 90, 0.8, 0.2))
    for bad in [(128, 100, 0), (60, 128, 0), (60, 100, 16), (-1, 100, 0)]:
        with pytest.raises(ValueError, match="outside"):
            cap.note_on(*bad, 0)
    with pytest.raises(ValueError, match="phrase_end"):
        cap.configure(phrase_end="never")
    with pytest.raises(ValueError, match="tempo"):
        cap.configure(tempo_bpm=0)


def test_very_short_notes_get_a_minimum_duration() -> None:
    cap = PhraseCapture(tempo_bpm=120.0, gap_seconds=0.1)
    play(cap, 60, 0, 0)
    phrase = cap.poll(1 * S)
    assert phrase.notes[0].duration == pytest.approx(1 / 64)


def test_phrase_keeps_its_last_notes() -> None:
    cap = PhraseCapture(tempo_bpm=60.0, gap_seconds=0.5, max_notes=4, window_chunk=1)
    for i in range(10):
        play(cap, 60 + i, i * 100, i * 100 + 50)
    phrase = cap.poll(2 * S)
    assert [n.pitch for n in phrase.notes] == [66, 67, 68, 69]
    assert phrase.start_ns == 600 * MS
    assert [n.start for n in phrase.notes] == pytest.approx([0.0, 0.1, 0.2, 0.3])


def test_a_long_phrase_drops_its_oldest_notes_a_chunk_at_a_time() -> None:
    """So the seed keeps its start (and the engine its cached prefix) for a chunk of notes."""
    cap = PhraseCapture(tempo_bpm=60.0, gap_seconds=0.5, max_notes=8, window_chunk=4)
    firsts = []
    for i in range(20):
        play(cap, 40 + i, i * 100, i * 100 + 50)
        firsts.append(cap.peek((i * 100 + 50) * MS).notes[0].pitch)
    assert firsts == [40] * 8 + [44] * 4 + [48] * 4 + [52] * 4
    phrase = cap.poll(3 * S)
    assert [n.pitch for n in phrase.notes] == list(range(52, 60))
    assert phrase.notes[0].start == 0.0


def test_recent_window_for_continuous_mode_spans_phrases() -> None:
    cap = PhraseCapture(tempo_bpm=60.0, gap_seconds=0.5, max_notes=3)
    play(cap, 60, 0, 100)
    assert cap.poll(1 * S) is not None
    play(cap, 62, 2000, 2100)
    play(cap, 64, 2200, 2300)
    cap.note_on(65, 100, 0, 2400 * MS)
    window = cap.recent(3000 * MS)
    assert window.reason == "window" and window.end_ns == 3000 * MS
    assert window.notes == (Note(62, 100, 0.0, 0.1), Note(64, 100, 0.2, 0.1), Note(65, 100, 0.4, 0.6))
    assert [n.pitch for n in cap.recent(3000 * MS, max_notes=1).notes] == [65]
    peek = cap.peek(2500 * MS)
    assert peek.reason == "peek" and [n.pitch for n in peek.notes] == [62, 64, 65]
    cap.clear()
    assert cap.recent(3000 * MS) is None and cap.peek(3000 * MS) is None
    assert cap.note_off(65, 0, 3100 * MS) is True  # still known, but its phrase is gone
    assert cap.poll(10 * S) is None


class FakeClock:
    def __init__(self) -> None:
        self.t = 0

    def __call__(self) -> int:
        return self.t


def test_feedback_suppression_drops_echoes_only() -> None:
    clock = FakeClock()
    fb = FeedbackFilter(window_ns=30 * MS, clock=clock)
    cap = PhraseCapture(tempo_bpm=120.0, gap_seconds=0.5, feedback=fb)
    clock.t = 1000 * MS
    fb.note_on(60, 100, 0)  # segue sent 60 on channel 1
    fb.note_on(60, 100, 0)  # and again (two notes)
    fb.note_on(62, 100, 0)
    assert cap.note_on(60, 100, 0, 1010 * MS) is False  # echo
    assert cap.note_on(60, 100, 0, 1012 * MS) is False  # second echo
    assert cap.note_on(60, 100, 0, 1015 * MS) is True  # the performer: no record left
    assert cap.note_on(62, 100, 1, 1010 * MS) is True  # other channel
    assert cap.note_on(62, 100, 0, 1100 * MS) is True  # outside the window
    assert cap.suppressed == 2
    assert cap.note_off(60, 0, 1020 * MS) is True
    cap.feedback_suppress = False
    fb.note_on(70, 100, 0)
    assert cap.note_on(70, 100, 0, 1001 * MS) is True
