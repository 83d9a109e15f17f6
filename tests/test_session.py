"""The session on a fake clock with a fake engine: the commands it sends (and their settings), phrase ends,
timed releases, continuous mode, the seed it knows of, and its state machine. No sockets, no threads."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.answer_end import Drained
from bridge.commands import Done, Generating
from bridge.errors import NoSeed
from bridge.notes import Note
from bridge.params import ParamStore
from bridge.session import ANSWER_END_GRACE_NS, Session, SessionConfig
from bridge.settings import Settings
from bridge.timeline import Timeline

MS = 1_000_000
S = 1_000_000_000


class FakeEngine:
    """Records every command as (name, args...)."""

    def __init__(self) -> None:
        self.sent: list[tuple[Any, ...]] = []

    def seed(self, notes: Any, settings: Settings, end_ns: int | None = None,
             length_beats: float | None = None, start_ns: int | None = None) -> None:
        self.sent.append(("seed", tuple(notes), settings, end_ns, length_beats))

    def continue_(self, settings: Settings, length_beats: float | None = None,
                  at_ns: int | None = None) -> None:
        self.sent.append(("continue", settings, length_beats, at_ns))

    def prefix(self, notes: Any, settings: Settings) -> None:
        self.sent.append(("prefix", tuple(notes), settings))

    def stop(self) -> None:
        self.sent.append(("stop",))

    def panic(self) -> None:
        self.sent.append(("panic",))

    def clear(self) -> None:
        self.sent.append(("clear",))

    def names(self) -> list[str]:
        return [c[0] for c in self.sent]


def make(tempo: float = 120.0, **config: Any) -> tuple[Session, FakeEngine, list[str], ParamStore]:
    params = ParamStore(values={"tempo": tempo})
    engine = FakeEngine()
    states: list[str] = []
    timeline = Timeline(tempo)
    session = Session(engine, timeline, lambda t: Settings.of(params, t),
                      SessionConfig(**{"phrase_end": "gap", "gap_seconds": 0.5, **config}),
                      on_state=states.append)
    return session, engine, states, params


def play(session: Session, pitch: int, on_ms: int, off_ms: int) -> None:
    session.note(pitch, 100, 0, on_ms * MS)
    session.note(pitch, 0, 0, off_ms * MS)


def test_each_note_off_offers_the_phrase_so_far_and_the_gap_ends_it() -> None:
    session, engine, states, _ = make()
    play(session, 60, 1000, 1250)
    play(session, 64, 1500, 2000)
    assert engine.names() == ["prefix", "prefix"]
    assert [n.pitch for n in engine.sent[-1][1]] == [60, 64]
    assert session.next_wake(2000 * MS) == 2500 * MS
    session.poll(2499 * MS)
    assert engine.names() == ["prefix", "prefix"]
    session.poll(2500 * MS)
    name, notes, settings, end_ns, length = engine.sent[-1]
    assert name == "seed" and end_ns == 2500 * MS and length is None
    assert notes == engine.sent[-2][1]  # the last offer is exactly the seed: speculation can match
    assert notes == (Note(60, 100, 0.0, 0.5), Note(64, 100, 1.0, 1.0))
    assert settings.play.tempo_bpm == 120.0 and session.has_seed
    assert states == ["listening", "idle"]


def test_no_offer_while_a_note_is_held() -> None:
    session, engine, _, _ = make()
    session.note(60, 100, 0, 0)
    session.note(62, 100, 0, 100 * MS)
    session.note(60, 0, 0, 200 * MS)
    assert engine.names() == []
    session.note(62, 0, 0, 300 * MS)
    assert engine.names() == ["prefix"]


def test_a_phrase_and_a_continue_in_a_row_are_both_sent() -> None:
    """The bundle bug: the session knows of the seed the moment the phrase is sent."""
    session, engine, _, _ = make()
    session.phrase([Note(64, 90, 1.0, 1.0), Note(60, 90, 0.0, 1.0)], 5 * S)
    session.continue_(4.0, 5 * S)
    assert engine.names() == ["seed", "continue"]
    assert [n.pitch for n in engine.sent[0][1]] == [60, 64]  # sorted by start
    assert engine.sent[1][2] == 4.0


def test_continue_without_a_seed_is_refused_and_clear_forgets_it() -> None:
    session, engine, _, _ = make()
    with pytest.raises(NoSeed):
        session.continue_(None, 0)
    session.phrase([Note(60, 90, 0.0, 1.0)], 0)
    session.clear(S)
    with pytest.raises(NoSeed):
        session.continue_(None, 2 * S)
    assert engine.names() == ["seed", "clear"]


def test_trigger_ends_the_phrase_being_played() -> None:
    session, engine, _, _ = make(phrase_end="trigger")
    play(session, 60, 0, 100)
    session.poll(60 * S)
    assert "seed" not in engine.names()
    session.continue_(2.0, 61 * S)
    assert engine.sent[-1][0] == "seed" and engine.sent[-1][3] == 61 * S and engine.sent[-1][4] == 2.0


def test_timed_releases_end_notes_at_their_own_time() -> None:
    session, engine, _, _ = make(tempo=60.0, gap_seconds=0.1)
    session.note(60, 100, 0, 0, beats=0.25)
    session.note(64, 100, 0, 100 * MS, beats=0.5)
    assert session.next_wake(100 * MS) == 250 * MS
    session.poll(250 * MS)
    assert session.capture.held == [(0, 64)]
    session.poll(600 * MS)
    assert session.capture.held == []
    session.poll(700 * MS)
    seed = engine.sent[-1]
    assert seed[0] == "seed" and seed[1] == (Note(60, 100, 0.0, 0.25), Note(64, 100, 0.1, 0.5))


def test_the_tempo_a_phrase_was_measured_in_goes_with_it() -> None:
    """The clock drop-out bug: beats and the answer's tempo come from one timeline."""
    session, engine, _, params = make(tempo=120.0, phrase_end="trigger")
    for i in range(60):  # MIDI clock at 90 BPM
        session.clock("clock", round(i * 60 * S / (90 * 24)))
    assert session.timeline.grid.tempo_bpm == 120.0  # the source is still internal
    session.timeline.set_source("midi")
    session.retime()
    assert session.timeline.grid.tempo_bpm == 90.0
    play(session, 60, 3000, 3300)
    session.continue_(None, 10 * S)  # long after the clock stopped
    name, notes, settings, _, _ = engine.sent[-1]
    assert name == "seed" and settings.play.tempo_bpm == 90.0 == session.capture.tempo_bpm
    assert notes[0].duration == pytest.approx(0.3 * 90 / 60)
    assert params["tempo"] == 120.0


def test_continuous_mode_reseeds_once_a_bar_while_playing() -> None:
    session, engine, _, _ = make(tempo=120.0, mode="continuous", phrase_end="trigger")  # a bar: 2 s
    session.note(60, 100, 0, 0)
    session.note(62, 100, 0, 500 * MS)
    session.note(64, 100, 0, 2100 * MS)
    seeds = [c for c in engine.sent if c[0] == "seed"]
    assert [[n.pitch for n in c[1]] for c in seeds] == [[60], [60, 62, 64]]


def test_stop_and_panic_go_to_the_engine() -> None:
    session, engine, _, _ = make()
    session.stop(0)
    session.stop(0, panic=True)
    assert engine.names() == ["stop", "panic"]  # one panic, one all-notes-off (the engine's)


def test_the_state_follows_the_engine_and_the_answer() -> None:
    session, _, states, _ = make()
    session.phrase([Note(60, 90, 0.0, 1.0)], 0)
    session.engine_event(Generating(1), 1 * MS)
    assert session.state == "generating"
    session.engine_event(Done(1, 800 * MS), 5 * MS)
    assert session.state == "playing" and session.next_wake(5 * MS) == 800 * MS + ANSWER_END_GRACE_NS
    session.poll(800 * MS)
    assert session.state == "playing"  # planned to end, but its last note-off has not gone out yet
    session.engine_event(Drained(801 * MS), 801 * MS)
    assert session.state == "idle"
    session.engine_event(Generating(2), S)
    session.stop(S)
    session.engine_event(Done(2, None), S + 1)  # preempted: nothing plays on
    assert states == ["generating", "playing", "idle", "generating", "idle"]


def test_a_parameter_change_reconfigures_the_capture() -> None:
    session, engine, _, _ = make()
    play(session, 60, 0, 100)
    session.configure(SessionConfig(phrase_end="gap", gap_seconds=2.0), 200 * MS)
    session.poll(1 * S)
    assert "seed" not in engine.names()
    session.poll(2100 * MS)
    assert engine.sent[-1][0] == "seed"


def test_a_lost_note_off_wakes_the_session_at_the_hold_bound() -> None:
    session, engine, states, _ = make(max_hold_s=2.0)
    session.note(60, 100, 0, 0)  # its note-off never comes
    play(session, 64, 500, 700)
    assert engine.names() == [] and session.next_wake(700 * MS) == 2 * S
    session.poll(2 * S)  # released: the phrase so far is offered, the gap runs from here
    assert engine.names() == ["prefix"] and session.next_wake(2 * S) == 2500 * MS
    session.poll(2500 * MS)
    assert engine.sent[-1][0] == "seed"
    assert engine.sent[-1][1] == (Note(60, 100, 0.0, 4.0), Note(64, 100, 1.0, 0.4))
    assert states == ["listening", "idle"]


def test_control_changes_reach_the_capture() -> None:
    session, engine, _, _ = make(max_hold_s=60.0)
    session.note(60, 100, 0, 0)
    session.control(123, 0, 0, 1 * S)  # all notes off
    assert session.capture.held == [] and engine.names() == ["prefix"]
    session.poll(1500 * MS)
    assert engine.sent[-1][0] == "seed" and engine.sent[-1][1] == (Note(60, 100, 0.0, 2.0),)
    session.control(64, 127, 0, 2 * S)  # the sustain pedal
    play(session, 62, 2100, 2200)
    session.poll(4 * S)
    assert engine.names() == ["prefix", "seed"] and session.capture.held == [(0, 62)]
    session.control(64, 0, 0, 4100 * MS)
    session.poll(4600 * MS)
    assert engine.names() == ["prefix", "seed", "prefix", "seed"]
    assert engine.sent[-1][1] == (Note(62, 100, 0.0, 4.0),)
    session.configure(SessionConfig(phrase_end="gap", gap_seconds=0.5, max_hold_s=1.0), 5 * S)
    assert session.capture.max_hold_s == 1.0
