"""The seed's groove: a swung seed's places are measured against the token grid and its answer is played
with the same swing (the shipped model and tokenizer, and ``segue continue`` end to end)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.cli import main
from bridge.groove import Groove, groove_of, meter_beat
from bridge.notes import Note
from bridge.offline import read_seed, write_notes
from bridge.tokens import TokenScheme, encoding_origin

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "default"
SWING_PLACES = (0.0, 1 / 3, 0.5, 5 / 6)  # a hornpipe's beat: two eighths, each played 2/3 + 1/3
PITCHES = (67, 69, 71, 72, 74, 72, 71, 69)


def hornpipe(beats: int = 8) -> list[Note]:
    """A swung line in 2/4: in every beat, onsets at 0, 1/3, 1/2 and 5/6."""
    notes = []
    for beat in range(beats):
        for i, place in enumerate(SWING_PLACES):
            length = (SWING_PLACES + (1.0,))[i + 1] - place
            notes.append(Note(PITCHES[(beat * 4 + i) % len(PITCHES)], 90, beat + place, length))
    return notes


@pytest.fixture(scope="module")
def scheme() -> TokenScheme:
    return TokenScheme.from_model_dir(MODEL_DIR)


def groove_of_seed(scheme: TokenScheme, notes: list[Note], meter: tuple[int, int]) -> Groove:
    ids = scheme.encode(notes, 120.0, meter, 0.0)
    onsets = scheme.stream_decoder(ids).primed_onsets
    assert sorted(onsets) == sorted(n.start for n in scheme.decode(ids))
    return groove_of(notes, onsets, meter, encoding_origin(notes, meter, 0.0))


def test_a_swung_seed_gives_the_offsets_of_its_places(scheme: TokenScheme) -> None:
    groove = groove_of_seed(scheme, hornpipe(), (2, 4))
    assert groove.period == 1.0
    # the grid rounds 1/3 to 3/8 and 5/6 to 7/8: those places are played 1/24 beat early
    assert groove.offset_at(3 / 8) == pytest.approx(-1 / 24)
    assert groove.offset_at(7 / 8) == pytest.approx(-1 / 24)
    assert groove.offset_at(5 + 3 / 8) == pytest.approx(-1 / 24)  # in any beat
    assert groove.offset_at(0.0) == 0.0 and groove.offset_at(0.5) == 0.0
    assert groove.offset_at(1 / 8) == 0.0  # a place the seed never played keeps the grid


def test_a_triplet_played_once_is_answered_as_a_triplet(scheme: TokenScheme) -> None:
    # straight eighths in 2/4, and in the third beat one triplet of eighths (onsets at 0, 1/3, 2/3)
    notes = [Note(67 + i % 3, 90, i * 0.5, 0.5) for i in range(4)]
    notes += [Note(72 - i, 90, 2 + i / 3, 1 / 3) for i in range(3)]
    notes += [Note(67 + i % 3, 90, 3 + i * 0.5, 0.5) for i in range(6)]
    groove = groove_of_seed(scheme, notes, (2, 4))
    # the grid places 1/3 at 3/8 and 2/3 at 5/8: once is enough to carry the seed's triplet
    assert groove.offset_at(3 / 8) == pytest.approx(-1 / 24)
    assert groove.offset_at(5 / 8) == pytest.approx(1 / 24)
    assert groove.offset_at(0.5) == 0.0  # the straight off-beat, played many times, stays


def test_a_straight_seed_moves_nothing(scheme: TokenScheme) -> None:
    straight = [Note(60 + i % 5, 90, i * 0.5, 0.5) for i in range(24)]
    assert groove_of_seed(scheme, straight, (4, 4)).straight
    jig = [Note(67, 90, i * 0.5, 0.5) for i in range(24)]
    groove = groove_of_seed(scheme, jig, (6, 8))
    assert groove.straight and groove.period == 1.5


def test_apply_moves_start_and_end_and_scaling_weakens_it() -> None:
    groove = Groove(1.0, {36: -1 / 24, 84: -1 / 24})  # places 3/8 and 7/8 of a beat, in 96ths
    moved = groove.apply(Note(60, 90, 2 + 3 / 8, 0.5))  # 3/8 -> 1/3, its end 7/8 -> 5/6
    assert moved.start == pytest.approx(2 + 1 / 3) and moved.end == pytest.approx(2 + 5 / 6)
    held = groove.apply(Note(60, 90, 2.0, 3 / 8))  # a downbeat keeps its start, its end moves
    assert held.start == 2.0 and held.end == pytest.approx(2 + 1 / 3)
    assert groove.apply(Note(60, 90, 1.25, 0.5), origin=0.125).start == pytest.approx(1.25 - 1 / 24)
    assert groove.scaled(0.0).straight and groove.scaled(0.5).offset_at(3 / 8) == pytest.approx(-1 / 48)
    assert meter_beat((6, 8)) == 1.5 and meter_beat((3, 8)) == 0.5 and meter_beat((2, 2)) == 2.0


def _places(notes: list[Note]) -> set[float]:
    """Where in its beat each onset lies, to a 1/96 beat."""
    return {round((n.start % 1.0) * 96) / 96 for n in notes}


def test_segue_continue_answers_a_swung_seed_swung(tmp_path: Path) -> None:
    seed_path = tmp_path / "hornpipe.mid"
    write_notes(seed_path, hornpipe(), 120.0, (2, 4))
    places = {}
    for groove in ("1", "0"):
        out = tmp_path / f"groove{groove}.mid"
        assert main(["continue", str(seed_path), "-o", str(out), "--seed", "3", "--length-notes", "48",
                     "--only", "--groove", groove]) == 0
        answer = read_seed(out).notes
        assert len(answer) == 48
        places[groove] = _places(answer)
    eighths = {k / 8 for k in range(8)}
    assert places["0"] <= eighths, places["0"]  # the grid's own answer: on eighths of a beat
    assert not places["1"] & {3 / 8, 7 / 8}, places["1"]  # swung: never where the grid put the seed
    assert places["1"] & {round(1 / 3 * 96) / 96, round(5 / 6 * 96) / 96}, places["1"]
    assert places["1"] - {round(1 / 3 * 96) / 96, round(5 / 6 * 96) / 96} <= eighths


def test_the_seed_walk_keeps_the_onsets_of_a_grown_seed(scheme: TokenScheme) -> None:
    from bridge.seed_walk import SeedWalk

    walk = SeedWalk(scheme)
    notes = hornpipe()
    for n in (12, 32, 20):  # a phrase growing note by note, then a shorter one sharing its start
        ids = scheme.encode(notes[:n], 120.0, (2, 4), 0.0)
        assert walk.walk(ids).primed(len(ids)).primed_onsets == scheme.stream_decoder(ids).primed_onsets


@pytest.mark.parametrize("groove", [1.0, 0.0])
def test_the_engine_plays_the_answer_with_the_seeds_swing(groove: float) -> None:
    """A live answer to a swung phrase: its note on the grid's 3/8 is due at the seed's 1/3 (a scripted
    sampler, the real scheme and scheduler core, an injected clock: exact due times)."""
    from test_engine import MS, FakeClock, S, ScriptedSampler, ids, make_engine, settings

    from bridge.continuation import PlayConfig
    from export.tokenizer import base_tokenizer

    base = TokenScheme(base_tokenizer())
    # from the seed's last onset (the grid's 7/8 of beat 7): to beat 8, then 3/8 on, then to beat 8 1/2
    script = ("TimeShift_0.1.8 Pitch_60 Velocity_103 Duration_0.3.8 TimeShift_0.3.8 Pitch_62 Velocity_103 "
              "Duration_0.1.8 TimeShift_0.1.8 Pitch_64 Velocity_103 Duration_0.3.8")
    cfg = PlayConfig(tempo_bpm=120.0, meter=(2, 4), length_beats=0, groove=groove)
    clock = FakeClock(0)
    engine, sched, events = make_engine(base, ScriptedSampler(ids(base, script)), cfg, clock)
    with engine:
        engine.seed(tuple(hornpipe()), settings(cfg), end_ns=1 * S)
        assert engine.wait_idle()
        sched.run_until(10 * S)
    sent = sched.sink.events
    assert sorted(p for _, kind, p, _ in sent if kind == "on") == [60, 62, 64]
    assert sorted(p for _, kind, p, _ in sent if kind == "off") == [60, 62, 64]  # every note ends
    due = [at - sched.scheduled[0][1] for _, at in sched.scheduled]
    beat_ms = 500
    swung = 1 / 3 if groove else 3 / 8
    assert due == [0, round(swung * beat_ms * MS), round(0.5 * beat_ms * MS)]
    first_length = sched.scheduled[0][0].duration  # its end moved from 3/8 to 1/3 as well
    assert first_length == pytest.approx(swung)
    assert events.errors == []
