"""Previews of an offline continuation for someone without a synth at hand: ``segue continue ... --png``
(a piano roll, seed | continuation), ``--wav`` (the written MIDI file rendered with a General MIDI
SoundFont) and ``--play`` (the continuation played out of a MIDI port, in time).

The roll is :func:`bridge.pianoroll.render_roll` (Pillow). The audio is pretty_midi's FluidSynth
rendering with the General MIDI SoundFont pretty_midi ships (``TimGM6mb.sf2``), cut a short release
after the last note-off and written as 16-bit mono WAV with the standard library. Playing goes through
segue's own MIDI ports and real-time scheduler, so every note-on gets its note-off, Ctrl-C included.
Whatever is missing is named with the install that fixes it (:class:`PreviewError`).
"""

from __future__ import annotations

import argparse
import logging
import time
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bridge.notes import Note

log = logging.getLogger(__name__)

PREVIEW_EXTRA = "pip install 'segue[preview]' (in a checkout: pip install -e '.[preview]')"
FLUIDSYNTH_FIX = ("the FluidSynth library is not installed: apt-get install libfluidsynth3 (Debian, Ubuntu), "
                  "brew install fluid-synth (macOS), or FluidSynth's Windows release on the PATH")
SAMPLE_RATE = 22050  # Hz: plenty for a preview, half the size of CD rate
TAIL_S = 0.3  # release kept after the last note-off
FADE_S = 0.05  # fade-out at the cut
PEAK = 0.9  # normalised peak (full scale 1.0)
PLAY_LEAD_S = 0.2  # from scheduling to the first note when playing into a port that is connected already
VIRTUAL_WAIT_S = 2.0  # a virtual port is new: time to connect it to a synth before the first note
PLAY_PORT = "segue play"  # the virtual output port --play opens without --midi-out


class PreviewError(RuntimeError):
    """A preview could not be made; the message says what to install or change."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The preview flags of ``segue continue``."""
    group = parser.add_argument_group("previews (pip install 'segue[preview]')")
    group.add_argument("--png", metavar="ROLL.png", help="write a piano roll: the seed | the continuation")
    group.add_argument("--wav", metavar="OUT.wav", help="write OUT.mid rendered with a General MIDI "
                       "SoundFont (pretty_midi's TimGM6mb.sf2, through FluidSynth)")
    group.add_argument("--soundfont", metavar="FILE.sf2", help="another SoundFont for --wav")
    group.add_argument("--play", action="store_true", help="play the continuation out of a MIDI port")
    group.add_argument("--midi-out", metavar="NAME", help=f"with --play: an existing port (name prefix) "
                       f"instead of a virtual '{PLAY_PORT}' port (which waits {VIRTUAL_WAIT_S:g} s to be "
                       "connected)")
    group.add_argument("--midi-api", metavar="API", help="with --play: rtmidi API (jack, alsa, coremidi...)")


def check_previews(args: argparse.Namespace) -> None:
    """Fail before the continuation is sampled when a preview asked for cannot be made."""
    if getattr(args, "png", None):
        try:
            import PIL  # noqa: F401
        except ImportError:
            raise PreviewError(f"--png needs Pillow: {PREVIEW_EXTRA}") from None
    if getattr(args, "wav", None):
        _fluidsynth()
        sf2 = Path(args.soundfont) if getattr(args, "soundfont", None) else soundfont_path()
        if not sf2.is_file():
            raise PreviewError(f"SoundFont {str(sf2)!r} does not exist")
        try:
            import pretty_midi  # noqa: F401
        except ImportError:
            raise PreviewError(f"--wav needs pretty_midi: {PREVIEW_EXTRA}") from None
    port_flags = getattr(args, "midi_out", None) or getattr(args, "midi_api", None)
    if port_flags and not getattr(args, "play", False):
        raise PreviewError("--midi-out and --midi-api choose the port --play plays out of: add --play")


def write_previews(args: argparse.Namespace, seed: Sequence[Note], continuation: Sequence[Note],
                   tempo_bpm: float, meter: tuple[int, int], bar_origin: float, title: str) -> list[str]:
    """What the flags in ``args`` ask for, after ``args.output`` was written; lines saying what was made."""
    done: list[str] = []
    if getattr(args, "png", None):
        bar_beats = meter[0] * 4.0 / meter[1]
        write_roll(args.png, seed, continuation, bar_beats=bar_beats, bar_origin=bar_origin, title=title)
        done.append(f"wrote {args.png}: piano roll, seed | continuation")
    if getattr(args, "wav", None):
        seconds = render_wav(args.output, args.wav, soundfont=args.soundfont)
        done.append(f"wrote {args.wav}: {seconds:.1f} s of audio")
    if getattr(args, "play", False):
        played = play_notes(continuation, tempo_bpm, port=args.midi_out, api=args.midi_api or "auto")
        done.append(f"played {played} continuation notes")
    return done


# ---------------------------------------------------------------- the piano roll


def write_roll(path: str | Path, seed: Sequence[Note], continuation: Sequence[Note], *,
               bar_beats: float = 4.0, bar_origin: float = 0.0, title: str = "", width: int = 1200,
               height: int = 360) -> Path:
    """A PNG piano roll with two panels: the seed and its continuation."""
    try:
        import PIL  # noqa: F401
    except ImportError:
        raise PreviewError(f"--png needs Pillow: {PREVIEW_EXTRA}") from None
    from bridge.pianoroll import render_roll

    try:
        return render_roll([("seed", seed), ("continuation", continuation)], path, width=width, height=height,
                           bar_beats=bar_beats, bar_origin=bar_origin, title=title)
    except OSError as exc:
        raise PreviewError(f"cannot write {path}: {exc.strerror or exc}") from None


# ---------------------------------------------------------------- audio


def soundfont_path() -> Path:
    """The General MIDI SoundFont pretty_midi ships."""
    try:
        from importlib.resources import files

        path = Path(str(files("pretty_midi") / "TimGM6mb.sf2"))
    except ModuleNotFoundError:
        raise PreviewError(f"--wav needs pretty_midi (it ships the SoundFont): {PREVIEW_EXTRA}") from None
    if not path.is_file():
        raise PreviewError(f"pretty_midi's SoundFont is missing ({path}): reinstall it, or give --soundfont")
    return path


def _fluidsynth() -> None:
    """Import pyfluidsynth, or say what is missing (the module, or the library it loads)."""
    try:
        import fluidsynth  # noqa: F401
    except ModuleNotFoundError:
        raise PreviewError(f"--wav needs pyfluidsynth: {PREVIEW_EXTRA}") from None
    except (ImportError, OSError):  # the module is there, libfluidsynth is not
        raise PreviewError(f"--wav: {FLUIDSYNTH_FIX}") from None


def render_audio(midi_path: str | Path, sample_rate: int = SAMPLE_RATE,
                 soundfont: str | Path | None = None) -> np.ndarray:
    """The MIDI file as mono float samples in [-PEAK, PEAK], ending ``TAIL_S`` after its last event."""
    _fluidsynth()
    sf2 = Path(soundfont) if soundfont else soundfont_path()
    if not sf2.is_file():
        raise PreviewError(f"SoundFont {str(sf2)!r} does not exist")
    import pretty_midi

    try:
        midi = pretty_midi.PrettyMIDI(str(midi_path))
    except Exception as exc:  # pretty_midi raises assorted types on a bad file
        raise PreviewError(f"cannot read {str(midi_path)!r} as MIDI ({exc})") from None
    if not any(instrument.notes for instrument in midi.instruments):
        raise PreviewError(f"{midi_path} has no notes to render")
    audio = np.asarray(midi.fluidsynth(fs=sample_rate, synthesizer=str(sf2)), dtype=np.float64)
    keep = min(len(audio), int(round((midi.get_end_time() + TAIL_S) * sample_rate)))
    audio = audio[:keep].copy()
    fade = min(keep, int(FADE_S * sample_rate))
    if fade:
        audio[keep - fade:] *= np.linspace(1.0, 0.0, fade)
    peak = float(np.max(np.abs(audio))) if keep else 0.0
    if peak > 0:
        audio *= PEAK / peak
    return audio


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> float:
    """16-bit mono PCM; returns the duration in seconds."""
    pcm = np.clip(np.round(audio * 32767.0), -32768, 32767).astype("<i2")
    try:
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(sample_rate)
            out.writeframes(pcm.tobytes())
    except OSError as exc:
        raise PreviewError(f"cannot write {path}: {exc.strerror or exc}") from None
    return len(pcm) / sample_rate


def render_wav(midi_path: str | Path, wav_path: str | Path, *, sample_rate: int = SAMPLE_RATE,
               soundfont: str | Path | None = None) -> float:
    """Render ``midi_path`` to ``wav_path``; returns the seconds written."""
    return write_wav(wav_path, render_audio(midi_path, sample_rate, soundfont), sample_rate)


# ---------------------------------------------------------------- playing out of a MIDI port


def play_notes(notes: Sequence[Note], tempo_bpm: float, *, port: str | None = None, api: str = "auto") -> int:
    """Play ``notes`` (beats; the first starts at once) out of an existing MIDI port (``port``, a name
    prefix) or a new virtual one; returns the number of notes played. Blocks until the last note-off."""
    from bridge.midi_io import MidiPorts, MidiUnavailable
    from bridge.realtime import RealtimeScheduler

    if not notes:
        return 0
    ports = MidiPorts(api, use_input=False, out_name=PLAY_PORT, connect_out=port or None,
                      client_name="segue-play")
    try:
        ports.open()
    except MidiUnavailable as exc:
        raise PreviewError(f"--play: {exc}") from None
    try:
        lead = PLAY_LEAD_S
        if not port:
            log.warning("playing out of the virtual MIDI port %r in %g s: connect it to a synth",
                        ports.output_port, VIRTUAL_WAIT_S)
            lead = VIRTUAL_WAIT_S
        first = min(n.start for n in notes)
        with RealtimeScheduler(ports, tempo_bpm=tempo_bpm) as scheduler:
            origin = time.perf_counter_ns() + int(lead * 1e9)
            for note in sorted(notes, key=lambda n: n.start):
                scheduler.schedule(note, origin + scheduler.beats_to_ns(note.start - first))
            end = origin + scheduler.beats_to_ns(max(n.end for n in notes) - first)
            while time.perf_counter_ns() < end + 50_000_000:
                time.sleep(0.02)
        # leaving the scheduler ended every note still sounding
    finally:
        ports.close()
    return len(notes)
