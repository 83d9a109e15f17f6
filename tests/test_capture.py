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
    cap = PhraseCapture(tempo_bpm=120.0, phrase_end="trigger", max_hold_s=120.0)
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


def test_a_note_without_its_note_off_is_released_at_the_hold_bound() -> None:
    """A lost note-off cannot hold the gap or the bar open: the note ends ``max_hold_s`` after its start."""
    for mode in ("gap", "bar"):
        cap = PhraseCapture(tempo_bpm=120.0, phrase_end=mode, gap_seconds=0.5, bar_beats=4, max_hold_s=2.5)
        cap.note_on(60, 100, 0, 0)  # never released
        play(cap, 64, 500, 700)
        assert cap.pending_end() is None and cap.next_release() == 2500 * MS
        assert cap.poll(2499 * MS) is None and cap.held == [(0, 60)]
        assert cap.poll(2500 * MS) is None  # released at 2.5 s: the gap or the next bar line ends the phrase
        assert cap.held == [] and cap.forced_offs == 1 and cap.next_release() is None
        end = cap.pending_end()
        assert end == (3 * S if mode == "gap" else 4 * S)  # bars of 2 s from the first note
        phrase = cap.poll(end)
        assert phrase is not None and phrase.reason == mode
        assert phrase.notes == (Note(60, 100, 0.0, 5.0), Note(64, 100, 1.0, 0.4))
        assert cap.note_off(60, 0, 5 * S) is False  # the late note-off is ignored
        play(cap, 67, 6000, 6100)  # the next phrase goes on as usual
        assert cap.poll(10 * S).notes == (Note(67, 100, 0.0, 0.2),)


def test_all_notes_off_and_all_sound_off_release_their_channel() -> None:
    for control in (123, 120):
        cap = PhraseCapture(tempo_bpm=120.0, gap_seconds=0.5, max_hold_s=60.0)
        cap.note_on(60, 100, 0, 0)
        cap.note_on(62, 100, 0, 100 * MS)
        cap.note_on(48, 100, 5, 100 * MS)
        assert cap.control_change(control, 0, 3, 200 * MS) is False  # another channel: nothing held there
        assert cap.control_change(7, 100, 0, 200 * MS) is False  # volume: not the capture's business
        assert cap.control_change(control, 0, 0, 1000 * MS) is True
        assert cap.held == [(5, 48)] and cap.forced_offs == 2
        assert cap.control_change(control, 0, 5, 1200 * MS) is True
        phrase = cap.poll(1700 * MS)
        assert phrase is not None
        assert phrase.notes == (Note(60, 100, 0.0, 2.0), Note(48, 100, 0.2, 2.2, 5), Note(62, 100, 0.2, 1.8))
    with pytest.raises(ValueError, match="outside"):
        cap.control_change(128, 0, 0, 0)


def test_the_sustain_pedal_holds_released_keys_until_it_comes_up() -> None:
    cap = PhraseCapture(tempo_bpm=120.0, gap_seconds=0.5, max_hold_s=60.0)
    cap.control_change(64, 127, 0, 0)  # pedal down on channel 1
    play(cap, 60, 100, 200)
    play(cap, 64, 300, 400)
    play(cap, 67, 300, 400, channel=1)  # another channel: no pedal there
    assert cap.held == [(0, 60), (0, 64)] and cap.pending_end() is None
    assert cap.note_off(60, 0, 450 * MS) is False  # a second note-off of a sustained key
    cap.note_on(60, 90, 0, 600 * MS)  # pressing a sustained key again ends the sustained note
    cap.note_off(60, 0, 700 * MS)  # ... and the new one sustains
    assert cap.poll(5 * S) is None
    assert cap.control_change(64, 0, 0, 2100 * MS) is True  # pedal up: every sustained note ends
    assert cap.held == [] and cap.pending_end() == 2600 * MS
    phrase = cap.poll(2600 * MS)
    assert phrase.notes == (Note(60, 100, 0.0, 1.0), Note(64, 100, 0.4, 3.6), Note(67, 100, 0.4, 0.2, 1),
                            Note(60, 90, 1.0, 3.0))
    play(cap, 62, 3000, 3100)  # pedal up: note-offs end notes again
    assert cap.poll(4 * S).notes == (Note(62, 100, 0.0, 0.2),)


def test_a_stuck_pedal_or_an_all_notes_off_under_the_pedal() -> None:
    cap = PhraseCapture(tempo_bpm=120.0, gap_seconds=0.5, max_hold_s=2.0)
    cap.control_change(64, 100, 0, 0)  # the pedal-up never comes
    play(cap, 60, 100, 200)
    assert cap.next_release() == 2100 * MS
    assert cap.poll(2100 * MS) is None and cap.held == []  # the hold bound covers sustained notes
    assert cap.poll(2600 * MS).notes == (Note(60, 100, 0.0, 4.0),)
    play(cap, 62, 3000, 3100)
    assert cap.control_change(123, 0, 0, 3500 * MS) is True  # all notes off also lifts the pedal
    play(cap, 64, 3600, 3700)
    assert cap.held == []
    assert cap.poll(4200 * MS).notes == (Note(62, 100, 0.0, 1.0), Note(64, 100, 1.2, 0.2))
