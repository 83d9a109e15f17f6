"""Offline continuation: the meter travels in and out, requested lengths are met, answers enter after the
seed, and an empty answer is an error (the shipped model, through ``segue continue``'s code path)."""

from __future__ import annotations

from pathlib import Path

import mido
import pytest

from bridge.cli import main
from bridge.daemon import load_model, models_folders
from bridge.notes import Note
from bridge.offline import (
    EmptyContinuation,
    SeedFile,
    continue_seed,
    parse_meter,
    read_seed,
    settings_for,
    write_notes,
)
from bridge.params import METERS, ParamStore
from bridge.tokens import TokenScheme, encoding_origin


@pytest.fixture(scope="module")
def model():
    return load_model("default", models_folders(()))


def jig(bars: int = 4) -> list[Note]:
    """A 6/8 figure: two groups of three eighths per bar, the last onset a two-note chord."""
    notes = []
    for bar in range(bars):
        for i, pitch in enumerate((67, 69, 71, 72, 71, 69)):
            notes.append(Note(pitch, 90, bar * 3.0 + i * 0.5, 0.5))
    notes.append(Note(62, 80, notes[-1].start, 0.5))
    return notes


def test_parse_meter_accepts_time_signatures_and_rejects_the_rest() -> None:
    assert parse_meter("6/8") == (6, 8) and parse_meter(" 3/4 ") == (3, 4)
    for bad in ("", "6", "6/7", "0/4", "x/8"):
        with pytest.raises(ValueError, match="time signature"):
            parse_meter(bad)
    assert all(parse_meter(m) for m in METERS)


def test_seed_is_encoded_in_its_meter(model) -> None:
    scheme: TokenScheme = model.scheme
    notes = jig()
    six_eight = scheme.encode(notes, 100.0, (6, 8))
    four_four = scheme.encode(notes, 100.0)
    assert any("TimeSig_6/8" in scheme.base_tokens(i) for i in six_eight)
    assert not any("TimeSig_6/8" in scheme.base_tokens(i) for i in four_four)
    assert six_eight != four_four


def test_encoding_starts_at_the_bar_line_before_the_seed() -> None:
    notes = [Note(60, 90, 7.5, 0.5), Note(62, 90, 8.0, 0.5)]
    assert encoding_origin(notes) == 7.5  # a live phrase: its first note is the downbeat
    assert encoding_origin(notes, (4, 4), 0.0) == 4.0
    assert encoding_origin(notes, (6, 8), 0.0) == 6.0
    assert encoding_origin(notes, (3, 4), 1.0) == 7.0


def test_file_meter_and_tempo_become_the_settings_unless_given() -> None:
    store = ParamStore()
    settings_for(SeedFile((), 96.0, (9, 8)), store)
    assert store.get("meter") == "9/8" and store.get("tempo") == 96.0
    store = ParamStore(values={"meter": "3/4"})
    settings_for(SeedFile((), 96.0, (9, 8)), store, tempo_given=True, meter_given=True)
    assert store.get("meter") == "3/4" and store.get("tempo") == 120.0


def test_continue_writes_the_seed_meter_and_enters_after_the_last_chord(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture) -> None:
    seed_path, out_path = tmp_path / "jig.mid", tmp_path / "out.mid"
    notes = jig()
    write_notes(seed_path, notes, 110.0, (6, 8))
    assert main(["continue", str(seed_path), "-o", str(out_path), "--seed", "4", "--length-notes", "24",
                 "--only"]) == 0
    assert "6/8" in capsys.readouterr().out
    midi = mido.MidiFile(str(out_path))
    signatures = [(m.numerator, m.denominator) for m in midi.tracks[0] if m.type == "time_signature"]
    assert signatures == [(6, 8)]
    answer = read_seed(out_path)
    assert answer.time_signature == (6, 8) and len(answer.notes) == 24
    last_onset = max(n.start for n in notes)
    assert min(n.start for n in answer.notes) > last_onset  # not on the seed's last, complete chord


def test_requested_length_is_reached_without_early_ends(model) -> None:
    seed = SeedFile(tuple(jig(2)), 110.0, (6, 8), 0.0)
    for length, rng_seed in ((600, 1), (64, 2), (64, 3)):
        store = ParamStore(values={"length_notes": length, "seed": rng_seed})
        settings_for(seed, store)
        answer = continue_seed(model, seed, store)
        assert len(answer) == length


def test_an_answer_with_no_note_is_an_error(model) -> None:
    seed = SeedFile(tuple(jig(1)), 110.0, (6, 8), 0.0)
    # C-1 to C0: the settings agree, but the model's tokenizer holds no pitch below A0 (21)
    store = ParamStore(values={"length_notes": 8, "seed": 1, "pitch_min": 0, "pitch_max": 12})
    with pytest.raises(EmptyContinuation, match="pitch_min"):
        continue_seed(model, seed, store)


@pytest.mark.parametrize("sampler", ["blend", "graph"])
def test_continue_plays_the_style_samplers_offline(sampler: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    seed_path, out_path = tmp_path / "jig.mid", tmp_path / "out.mid"
    write_notes(seed_path, jig(), 110.0, (6, 8))
    code = main(["continue", str(seed_path), "-o", str(out_path), "--seed", "2", "--length-notes", "16",
                 "--sampler", sampler, "--style", "fiddle", "--blend", "0.25", "--only"])
    assert code == 0, capsys.readouterr().err
    assert f"{sampler}," in capsys.readouterr().out
    assert len(read_seed(out_path).notes) == 16


def test_continue_with_an_unknown_style_says_what_to_do(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    seed_path = tmp_path / "jig.mid"
    write_notes(seed_path, jig(), 110.0, (6, 8))
    code = main(["continue", str(seed_path), "-o", str(tmp_path / "o.mid"), "--sampler", "blend",
                 "--style", "nosuchstyle"])
    err = capsys.readouterr().err
    assert code == 1 and "needs a style" in err and "nosuchstyle" in err and "Traceback" not in err
