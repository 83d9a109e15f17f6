"""Offline continuation of a MIDI file: what ``segue continue`` and ``bench.quality`` both run.

A seed file is read with its tempo and time signature, its notes are continued through the engine's own
``continuation`` (the daemon's code path, without threads or a clock), and the result is written as a
standard MIDI file that carries the tempo and the meter. An empty continuation is an error, never a file
with no answer in it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bridge.notes import Note

DEFAULT_METER = (4, 4)


class EmptyContinuation(ValueError):
    """The sampler produced no note at all for a seed."""


@dataclass(frozen=True, slots=True)
class SeedFile:
    """A seed phrase as read from a MIDI file: notes in beats, the first tempo and time signature."""

    notes: tuple[Note, ...]
    tempo_bpm: float | None = None
    time_signature: tuple[int, int] | None = None
    bar_origin: float = 0.0  # a beat where a bar starts (the file's first time signature)


def parse_meter(text: str) -> tuple[int, int]:
    """``"6/8"`` -> ``(6, 8)``; raises ``ValueError`` with the expected form."""
    num, sep, den = str(text).strip().partition("/")
    if not sep or not num.isdigit() or not den.isdigit() or int(num) < 1 or int(den) not in (1, 2, 4, 8, 16):
        raise ValueError(f"meter {text!r} is not a time signature like 4/4, 3/4 or 6/8")
    return int(num), int(den)


def read_seed(path: str | Path) -> SeedFile:
    """The notes of a MIDI file (all non-drum tracks merged) in beats, with its first tempo and meter."""
    from symusic import Score

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"seed file {str(path)!r} does not exist")
    try:
        score = Score(str(path), ttype="quarter")
    except Exception as exc:  # symusic raises assorted types on a bad file
        raise ValueError(f"cannot read {str(path)!r} as a MIDI file ({exc}); give a standard .mid file") \
            from None
    tempo = float(score.tempos[0].qpm) if len(score.tempos) else None
    meter = None
    origin = 0.0
    if len(score.time_signatures):
        first = score.time_signatures[0]
        meter = (int(first.numerator), int(first.denominator))
        origin = float(first.time)
    notes: list[Note] = []
    for track in score.tracks:
        if track.is_drum:
            continue
        for n in track.notes:
            if n.duration <= 0 or not 1 <= n.velocity <= 127:
                continue
            notes.append(Note(int(n.pitch), int(n.velocity), float(n.time), float(n.duration)))
    notes.sort(key=lambda n: (n.start, n.pitch))
    return SeedFile(tuple(notes), tempo, meter, origin)


def write_notes(
    path: str | Path,
    notes: Sequence[Note],
    tempo_bpm: float,
    time_signature: tuple[int, int] = DEFAULT_METER,
    ticks_per_beat: int = 480,
) -> None:
    """Write ``notes`` (beats) as a one-track standard MIDI file with its tempo and time signature."""
    import mido

    events: list[tuple[int, int, mido.Message]] = []
    for n in notes:
        on = round(n.start * ticks_per_beat)
        off = max(on + 1, round((n.start + n.duration) * ticks_per_beat))
        events.append((on, 1, mido.Message("note_on", note=n.pitch, velocity=n.velocity, channel=n.channel)))
        events.append((off, 0, mido.Message("note_off", note=n.pitch, velocity=0, channel=n.channel)))
    events.sort(key=lambda e: (e[0], e[1]))
    track = mido.MidiTrack()
    num, den = time_signature
    track.append(mido.MetaMessage("time_signature", numerator=num, denominator=den, time=0))
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo_bpm), time=0))
    now = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    midi = mido.MidiFile(ticks_per_beat=ticks_per_beat)
    midi.tracks.append(track)
    midi.save(str(path))


def settings_for(seed: SeedFile, store: Any, tempo_given: bool = False, meter_given: bool = False) -> None:
    """Take the file's tempo and meter into ``store`` unless the user set them explicitly."""
    if seed.tempo_bpm is not None and not tempo_given:
        tempo = store.param("tempo")  # clamped to the registry's range
        store.set("tempo", max(tempo.min, min(tempo.max, seed.tempo_bpm)))
    if seed.time_signature is not None and not meter_given:
        text = f"{seed.time_signature[0]}/{seed.time_signature[1]}"
        if text in store.param("meter").choices:
            store.set("meter", text)


#: samplers that play through a learned style (they need the style attached to the model)
STYLE_SAMPLERS = ("graph", "blend")


def prepare_model(model: Any, store: Any, folders: Sequence[Path]) -> None:
    """Give ``model`` the style the settings ask for when its sampler plays one (``graph``, ``blend``):
    the ``style`` parameter's, else the first listed. Raises ``ValueError`` with what to do."""
    from bridge.model import ModelError
    from bridge.style import StyleError
    from bridge.style_service import attach_style

    if str(store.get("sampler")) not in STYLE_SAMPLERS:
        return
    try:
        attach_style(model, folders, str(store.get("style")), float(store.get("blend")))
    except (StyleError, ModelError) as exc:
        raise ValueError(f"sampler {store.get('sampler')} needs a style: {exc}") from None


def continue_seed(model: Any, seed: SeedFile, store: Any) -> list[Note]:
    """The continuation of ``seed`` on the seed's own time line, with the settings in ``store``.

    Raises :class:`EmptyContinuation` when the sampler gives no note, ``EngineError`` / ``ValueError`` for
    settings the model cannot honour.
    """
    from bridge.continuation import continuation
    from bridge.settings import play_config, sampling_params

    if not seed.notes:
        raise EmptyContinuation("the seed has no notes to continue")
    cfg = dataclasses.replace(play_config(store), bar_origin=seed.bar_origin)
    blend = model.samplers.get("blend")
    if blend is not None and hasattr(blend, "weight"):
        blend.weight = float(store.get("blend"))  # the engine sets it per continuation the same way
    rng = np.random.default_rng(cfg.seed)
    notes = list(continuation(model, seed.notes, cfg, sampling_params(store), rng, on_seed_time=True))
    if not notes:
        raise EmptyContinuation(
            "the sampler produced no note for this seed: widen pitch_min/pitch_max or the scale, or try "
            "another sampler"
        )
    return notes
