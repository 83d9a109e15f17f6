"""``segue continue ... --png roll.png --wav out.wav --play``: the piano roll, the audio preview rendered
with pretty_midi's General MIDI SoundFont through FluidSynth, and the continuation played out of a real
JACK MIDI port; and what the CLI says when a preview's library is missing."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import wave
from pathlib import Path

import mido
import numpy as np
import pytest
from conftest import JackMidiListener, wait_for
from PIL import Image

from bridge import preview
from bridge.notes import Note
from bridge.offline import write_notes
from bridge.pianoroll import BACKGROUND, COLOURS

REPO = Path(__file__).resolve().parent.parent
SCALE = (60, 62, 64, 65, 67, 69, 71, 72)
ARGS = ["--length-notes", "16", "--seed", "1", "--tempo", "150"]


def _seed(path: Path) -> Path:
    write_notes(path, [Note(p, 90, i * 0.5, 0.5) for i, p in enumerate(SCALE * 2)], 150.0)
    return path


def _segue(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bridge", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "JACK_NO_START_SERVER": "1"})


def _wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as f:
        assert (f.getnchannels(), f.getsampwidth()) == (1, 2)
        return np.frombuffer(f.readframes(f.getnframes()), dtype="<i2") / 32768.0, f.getframerate()


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples ** 2)))


def test_segue_continue_writes_a_piano_roll_and_an_audio_preview(tmp_path: Path) -> None:
    seed, out, roll, audio = _seed(tmp_path / "seed.mid"), tmp_path / "out.mid", tmp_path / "roll.png", \
        tmp_path / "out.wav"
    run = _segue("continue", str(seed), "-o", str(out), "--png", str(roll), "--wav", str(audio), *ARGS)
    assert run.returncode == 0, run.stderr
    assert f"wrote {roll}" in run.stdout and f"wrote {audio}" in run.stdout

    image = Image.open(roll).convert("RGB")
    assert image.size == (1200, 360)
    pixels = np.asarray(image).reshape(-1, 3)
    assert (pixels != BACKGROUND).any(axis=1).mean() > 0.5  # lanes, grid and notes: not a blank image
    for colour in COLOURS[:2]:  # the seed's notes and the continuation's, each in its panel's colour
        assert (pixels == colour).all(axis=1).sum() > 200, colour

    samples, rate = _wav(audio)
    midi_seconds = mido.MidiFile(str(out)).length
    assert abs(len(samples) / rate - midi_seconds) <= 0.5, (len(samples) / rate, midi_seconds)
    assert _rms(samples) > 0.02  # about -34 dBFS: music, not silence
    # sound all the way: the last second of notes is not silent either
    assert _rms(samples[int((midi_seconds - 1.0) * rate):int(midi_seconds * rate)]) > 0.01


def test_render_wav_lasts_as_long_as_its_midi_file(tmp_path: Path) -> None:
    midi = tmp_path / "chords.mid"
    write_notes(midi, [Note(p, 100, 2.0 * i, 1.5) for i, p in enumerate((48, 55, 60, 64))], 90.0)
    seconds = preview.render_wav(midi, tmp_path / "chords.wav", sample_rate=16000)
    samples, rate = _wav(tmp_path / "chords.wav")
    assert rate == 16000 and len(samples) / rate == pytest.approx(seconds)
    assert abs(seconds - mido.MidiFile(str(midi)).length) <= 0.5
    assert _rms(samples) > 0.02
    assert np.abs(samples).max() == pytest.approx(preview.PEAK, abs=0.01)  # normalised, not clipped


def test_segue_continue_plays_the_continuation_out_of_a_midi_port(jack_server, tmp_path: Path) -> None:
    listener = JackMidiListener("play in")
    try:
        jack_server.find_port(":play in")
        out = tmp_path / "out.mid"
        run = _segue("continue", str(_seed(tmp_path / "seed.mid")), "-o", str(out), "--only", "--play",
                     "--midi-api", "jack", "--midi-out", "play in", *ARGS)
        assert run.returncode == 0, run.stderr
        assert "played 16 continuation notes" in run.stdout
        wait_for(lambda: sum(m.type == "note_off" or (m.type == "note_on" and m.velocity == 0)
                             for m in listener.received()) >= 16, timeout=5)
        messages = [m for m in listener.received() if m.type in ("note_on", "note_off")]
    finally:
        listener.close()
    ons = [m for m in messages if m.type == "note_on" and m.velocity > 0]
    written = [m for m in mido.MidiFile(str(out)).tracks[0] if m.type == "note_on" and m.velocity > 0]
    assert [m.note for m in ons] == [m.note for m in written]  # what was written is what was played
    sounding: dict[tuple[int, int], int] = {}
    for m in messages:
        key = (m.channel, m.note)
        sounding[key] = sounding.get(key, 0) + (1 if m.type == "note_on" and m.velocity > 0 else -1)
    assert all(v <= 0 for v in sounding.values()), sounding  # every note-on got its note-off


def test_a_missing_preview_library_is_named_with_its_install(monkeypatch) -> None:
    args = argparse.Namespace(png=None, wav="out.wav", soundfont=None, play=False, midi_out=None,
                              midi_api=None)
    monkeypatch.setitem(sys.modules, "fluidsynth", None)  # as if pyfluidsynth were not installed
    with pytest.raises(preview.PreviewError, match=r"pip install 'segue\[preview\]'"):
        preview.check_previews(args)
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(preview.PreviewError, match=r"Pillow: pip install 'segue\[preview\]'"):
        preview.check_previews(argparse.Namespace(**{**vars(args), "png": "roll.png", "wav": None}))


def test_the_cli_refuses_a_port_without_play_and_a_missing_soundfont(tmp_path: Path) -> None:
    seed = _seed(tmp_path / "seed.mid")
    run = _segue("continue", str(seed), "-o", str(tmp_path / "out.mid"), "--midi-out", "x", timeout=60)
    assert run.returncode == 1 and "add --play" in run.stderr
    run = _segue("continue", str(seed), "-o", str(tmp_path / "out.mid"), "--wav", str(tmp_path / "o.wav"),
                 "--soundfont", str(tmp_path / "none.sf2"), timeout=60)
    assert run.returncode == 1 and "none.sf2" in run.stderr and "does not exist" in run.stderr
    assert not (tmp_path / "out.mid").exists()  # refused before anything was sampled or written
