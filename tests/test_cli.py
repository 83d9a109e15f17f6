"""The ``segue`` command line: params, ports, continue (offline), serve's settings, and user errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import mido
import pytest
from conftest import free_udp_port
from test_daemon_osc import REPO, TINY, models_dir, read_until

from bridge.cli import main, read_seed, write_notes
from bridge.config import ServeConfig, load_config
from bridge.daemon import ROUTES
from bridge.notes import Note
from bridge.params import PARAMS, ParamStore

__all__ = ["models_dir"]  # the session fixture, shared with the OSC tests

NO_MIDI_ENV = {"JACK_DEFAULT_SERVER": "segue-no-such-server", "JACK_NO_START_SERVER": "1"}


def write_seed(path: Path, tempo: float = 100.0) -> list[tuple[int, int]]:
    """A four-note seed with a tempo, written with mido; returns (pitch, start tick) pairs."""
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo), time=0))
    notes = [(60, 0), (64, 480), (67, 960), (72, 1440)]
    for pitch, _ in notes:
        track.append(mido.Message("note_on", note=pitch, velocity=90, time=0))
        track.append(mido.Message("note_off", note=pitch, velocity=0, time=480))
    midi = mido.MidiFile(ticks_per_beat=480)
    midi.tracks.append(track)
    midi.save(str(path))
    return notes


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_params_prints_the_address_space_and_registry(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "params")
    assert code == 0
    for route in ROUTES:
        assert route.address in out
    for param in PARAMS:
        assert f"/segue/param/{param.name}" in out and param.doc in out
    code, out, _ = run_cli(capsys, "params", "--json")
    data = json.loads(out)
    assert [r["address"] for r in data["routes"]] == [r.address for r in ROUTES]
    assert {p["name"] for p in data["params"]} == {p.name for p in PARAMS}


def test_ports_lists_every_api(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in NO_MIDI_ENV.items():
        monkeypatch.setenv(key, value)
    code, out, _ = run_cli(capsys, "ports", "--midi-api", "jack")
    assert code == 0 and out.startswith("jack:") and "unavailable" in out


def test_continue_writes_a_valid_midi_file(tmp_path: Path, models_dir: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    seed_path, out_path = tmp_path / "seed.mid", tmp_path / "out.mid"
    seed = write_seed(seed_path)
    code, out, err = run_cli(capsys, "continue", str(seed_path), "-o", str(out_path), "--models",
                             str(models_dir), "--model", TINY, "--seed", "3", "--length-notes", "12",
                             "--rest-bias", "3")
    assert code == 0, err
    assert "wrote" in out and "12 continuation notes after 4 seed notes" in out and "100 BPM" in out
    midi = mido.MidiFile(str(out_path))
    ons = [m for m in midi.tracks[0] if m.type == "note_on" and m.velocity > 0]
    offs = [m for m in midi.tracks[0] if m.type == "note_off" or (m.type == "note_on" and m.velocity == 0)]
    assert len(ons) == len(offs) == 16
    read = read_seed(out_path)
    notes = list(read.notes)
    assert read.tempo_bpm == pytest.approx(100.0) and read.time_signature == (4, 4)
    seed_notes = [n for n in notes if (n.pitch, round(n.start * 480)) in seed and n.velocity == 90]
    continuation = [n for n in notes if n not in seed_notes]
    assert sorted((n.pitch, round(n.start * 480)) for n in seed_notes) == seed and len(continuation) == 12
    assert all(n.start >= 3.0 for n in continuation)  # the continuation follows the seed's last onset
    # the same seed and parameters give the same continuation
    again = tmp_path / "again.mid"
    code, _, _ = run_cli(capsys, "continue", str(seed_path), "-o", str(again), "--models", str(models_dir),
                         "--model", TINY, "--seed", "3", "--length-notes", "12", "--rest-bias", "3", "--only")
    assert code == 0
    assert list(read_seed(again).notes) == continuation


def test_write_and_read_notes_round_trip(tmp_path: Path) -> None:
    notes = [Note(60, 90, 0.0, 1.0), Note(64, 80, 0.5, 0.25), Note(67, 70, 2.0, 1.5)]
    write_notes(tmp_path / "n.mid", notes, 90.0, (6, 8))
    back = read_seed(tmp_path / "n.mid")
    assert list(back.notes) == notes and back.tempo_bpm == pytest.approx(90.0)
    assert back.time_signature == (6, 8) and back.bar_origin == 0.0


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["continue", "{tmp}/missing.mid", "-o", "{tmp}/o.mid"], "does not exist"),
        (["continue", "{tmp}/garbage.mid", "-o", "{tmp}/o.mid"], "give a standard .mid file"),
        (["continue", "{tmp}/empty.mid", "-o", "{tmp}/o.mid"], "has no notes"),
        (["continue", "{tmp}/seed.mid", "-o", "{tmp}/o.mid", "--models", "{models}", "--model", "nope"],
         "--models DIR"),
        (["continue", "{tmp}/seed.mid", "-o", "{tmp}/no/such/dir/o.mid", "--models", "{models}", "--model",
          TINY, "--length-notes", "4", "--rest-bias", "3"], "cannot write"),
        (["continue", "{tmp}/seed.mid", "-o", "{tmp}/o.mid", "--models", "{models}", "--model", TINY,
          "--length-notes", "4", "--pitch-min", "21", "--pitch-max", "21", "--key", "C#", "--scale", "major"],
         "no pitch of C# major lies in pitch_min..pitch_max"),  # refused before anything runs
        (["continue", "{tmp}/seed.mid", "-o", "{tmp}/o.mid", "--models", "{models}", "--model", TINY,
          "--length-notes", "4", "--pitch-min", "0", "--pitch-max", "12"],
         "no continuation"),  # the settings agree, but the model's tokenizer holds none of those pitches
        (["continue", "{tmp}/seed.mid", "-o", "{tmp}/o.mid", "--config", "{tmp}/bad.toml"], "not valid TOML"),
        (["continue", "{tmp}/seed.mid", "-o", "{tmp}/o.mid", "--config", "{tmp}/badvalue.toml"],
         "temperature"),
        (["serve", "--config", "{tmp}/unknown.toml"], "unknown [serve] setting"),
        (["serve", "--no-midi", "--host", "0.0.0.0", "--models", "{models}", "--model", TINY,
          "--port", "0"], "allow-list"),
    ],
)
def test_user_errors_print_the_fix_and_exit_nonzero(
        argv: list[str], expected: str, tmp_path: Path, models_dir: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "garbage.mid").write_bytes(b"this is not MIDI")
    write_notes(tmp_path / "empty.mid", [], 120.0)
    write_seed(tmp_path / "seed.mid")
    (tmp_path / "bad.toml").write_text("[params\ntemperature = ")
    (tmp_path / "badvalue.toml").write_text("[params]\ntemperature = 99.0\n")
    (tmp_path / "unknown.toml").write_text("[serve]\nprot = 9000\n")
    args = [a.format(tmp=tmp_path, models=models_dir) for a in argv]
    code, out, err = run_cli(capsys, *args)
    assert code == 1
    assert expected in err and "Traceback" not in err
    assert err.startswith(f"segue {args[0]}: error: ")


def test_bad_flag_values_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--temperature", "99"])
    assert exit_info.value.code == 2
    assert "out of range" in capsys.readouterr().err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "serve" in capsys.readouterr().out


def test_save_config_then_serve_from_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "segue.toml"
    code, out, _ = run_cli(capsys, "serve", "--port", "9100", "--osc-allow", "10.0.0.0/24", "--tempo", "96",
                           "--scale", "minor", "--no-feedback-suppress", "--save-config", str(path))
    assert code == 0 and str(path) in out
    store = ParamStore()
    serve = load_config(path, store)
    assert serve == ServeConfig(port=9100, allow=("10.0.0.0/24",))
    assert (store["tempo"], store["scale"], store["feedback_suppress"]) == (96.0, "minor", False)
    # flags override the file
    again = tmp_path / "again.toml"
    code, _, _ = run_cli(capsys, "serve", "--config", str(path), "--tempo", "140", "--save-config",
                         str(again))
    store2 = ParamStore()
    assert code == 0 and load_config(again, store2).port == 9100 and store2["tempo"] == 140.0
    assert store2["scale"] == "minor"


def test_serve_without_any_midi_backend_runs_osc_only(models_dir: Path) -> None:
    port = free_udp_port()
    env = {**os.environ, **NO_MIDI_ENV, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "bridge", "serve", "--port", str(port), "--reply-port",
                             str(free_udp_port()), "--models", str(models_dir), "--model", TINY],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output = read_until(proc, "OSC in")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    text = "".join(output)
    assert "running OSC-only" in text and "jackd" in text  # what happened, and the fix
