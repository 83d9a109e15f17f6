"""Registry adapters: the parameter store turned into the snapshots the engine's commands carry.

``play_config`` and ``sampling_params`` read one ``ParamStore``; :class:`Settings` bundles both with the
musical time of the moment, so a command the engine runs later sees exactly the settings (and tempo)
that held when it was sent, whatever changed in between. Defaults live only in the registry
(``bridge.params``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from bridge.continuation import PlayConfig, max_tokens_for
from bridge.params import ParamStore
from bridge.sampling import SamplingParams


def play_config(store: ParamStore) -> PlayConfig:
    """The engine's settings from the parameter registry."""
    return _play_config(store.snapshot())


def _play_config(v: dict[str, Any]) -> PlayConfig:
    from bridge.offline import parse_meter

    notes = int(v["length_notes"])
    return PlayConfig(
        max_tokens=max_tokens_for(notes, float(v["length_beats"])),
        sampler=str(v["sampler"]),
        tempo_bpm=float(v["tempo"]),
        length_beats=float(v["length_beats"]) if notes == 0 else 0.0,
        length_notes=notes,
        lookahead_ms=float(v["lookahead_ms"]),
        latency_ms=float(v["latency_ms"]),
        channel=int(v["channel"]) - 1,
        velocity_scale=float(v["velocity_scale"]),
        seed=None if int(v["seed"]) < 0 else int(v["seed"]),
        meter=parse_meter(str(v["meter"])),
        entry=str(v["entry"]),
        groove=float(v["groove"]),
    )


def sampling_params(store: ParamStore) -> SamplingParams:
    """The samplers' ``SamplingParams`` from the registry."""
    return SamplingParams.from_mapping(store.snapshot())


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything one engine command needs, frozen when it was sent: the play settings (tempo included),
    the sampling parameters, the blend sampler's graph weight."""

    play: PlayConfig
    sampling: Any
    blend: float

    @classmethod
    def of(cls, store: ParamStore, tempo_bpm: float | None = None) -> Settings:
        """The store's values now; ``tempo_bpm`` (the timeline's) replaces the tempo parameter."""
        values = store.snapshot()
        play = _play_config(values)
        if tempo_bpm is not None:
            play = dataclasses.replace(play, tempo_bpm=float(tempo_bpm))
        return cls(play, SamplingParams.from_mapping(values), float(values["blend"]))

    def at_tempo(self, tempo_bpm: float) -> Settings:
        """The same settings at another tempo."""
        return dataclasses.replace(self, play=dataclasses.replace(self.play, tempo_bpm=float(tempo_bpm)))

    def with_length(self, length_beats: float | None) -> Settings:
        """The same settings with a length in beats instead (``None``: unchanged)."""
        if length_beats is None:
            return self
        play = dataclasses.replace(self.play, length_beats=float(length_beats), length_notes=0,
                                   max_tokens=max_tokens_for(0, float(length_beats)))
        return dataclasses.replace(self, play=play)

    def generation_key(self) -> tuple[Any, ...]:
        """What decides the notes of an answer (not when it plays): equal keys, equal answers."""
        p = self.play
        return (p.sampler, p.tempo_bpm, p.length_beats, p.length_notes, p.channel, p.velocity_scale, p.seed,
                p.max_tokens, p.meter, p.bar_origin, self.sampling, self.blend)
