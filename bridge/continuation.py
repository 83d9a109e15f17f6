"""The offline core of a continuation: a seed phrase in, continuation notes out, one token at a time.

No threads, no clock. :class:`Continuation` pulls one token per ``step()`` from the selected sampler,
feeds it to the scheme's stream decoder and returns the notes it completes, so a caller can stop after
any token and resume later (the engine samples an answer's first notes while the performer still plays,
and resumes at the phrase end). :func:`continuation` is the same as a generator of notes, what the
daemon's engine, ``segue continue`` and the benchmarks run.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from bridge.errors import EngineError
from bridge.groove import STRAIGHT, Groove, groove_of
from bridge.notes import Note
from bridge.offline import parse_meter
from bridge.params import param_table

log = logging.getLogger(__name__)

NS_PER_S = 1_000_000_000
MAX_EARLY_ENDS = 8  # times an end-of-sequence token before the requested length is sampled past


class StreamDecoderLike(Protocol):
    def feed(self, token_id: int) -> list[Note]: ...


class SchemeLike(Protocol):
    def encode(
        self,
        notes: Sequence[Note],
        tempo_bpm: float,
        time_signature: tuple[int, int] = (4, 4),
        bar_origin: float | None = None,
    ) -> list[int]: ...

    def stream_decoder(self, prime: Iterable[int] = ()) -> StreamDecoderLike: ...


class SamplerLike(Protocol):
    name: str

    def generate(
        self, seed_ids: list[int], params: Any, rng: np.random.Generator, should_stop: Callable[[], bool]
    ) -> Iterator[int]: ...


_DEFAULTS = {name: p.default for name, p in param_table().items()}


def max_tokens_for(length_notes: int, length_beats: float) -> int:
    """A safety net against a model that never ends: generous for any real tokenizer (1.6-5 tokens a
    note)."""
    return 16 * length_notes if length_notes > 0 else max(512, int(64 * length_beats))


@dataclass(frozen=True, slots=True)
class PlayConfig:
    """What a continuation needs from the parameter registry; the defaults are the registry's."""

    sampler: str = str(_DEFAULTS["sampler"])
    tempo_bpm: float = float(_DEFAULTS["tempo"])
    length_beats: float = float(_DEFAULTS["length_beats"]) if not _DEFAULTS["length_notes"] else 0.0
    length_notes: int = int(_DEFAULTS["length_notes"])
    lookahead_ms: float = float(_DEFAULTS["lookahead_ms"])
    latency_ms: float = float(_DEFAULTS["latency_ms"])
    channel: int = int(_DEFAULTS["channel"]) - 1
    velocity_scale: float = float(_DEFAULTS["velocity_scale"])
    seed: int | None = None if int(_DEFAULTS["seed"]) < 0 else int(_DEFAULTS["seed"])
    max_tokens: int = max_tokens_for(int(_DEFAULTS["length_notes"]), float(_DEFAULTS["length_beats"]))
    meter: tuple[int, int] = parse_meter(str(_DEFAULTS["meter"]))
    bar_origin: float | None = None  # a beat where a bar starts, seed time line (None: its first note)
    entry: str = str(_DEFAULTS["entry"])  # where the answer enters: now, on the beat or bar (bridge.entry)
    groove: float = float(_DEFAULTS["groove"])  # share of the seed's timing feel the answer takes


@dataclass(frozen=True, slots=True)
class Model:
    """A loaded model as the engine sees it: its name, token scheme and samplers by name."""

    name: str
    scheme: SchemeLike
    samplers: dict[str, SamplerLike]

    def sampler(self, name: str) -> SamplerLike:
        try:
            return self.samplers[name]
        except KeyError:
            raise EngineError(
                f"model {self.name!r} has no sampler {name!r} (it has: {', '.join(sorted(self.samplers))})"
            ) from None


class Continuation:
    """A continuation of ``seed_notes`` advanced one token per :meth:`step`.

    Note starts are in beats from the continuation's first note (which starts at 0), or, with
    ``on_seed_time``, on the seed's own time line (beats from the seed's start). It ends at
    ``cfg.length_notes`` notes (when > 0), once a note would start ``cfg.length_beats`` or more after the
    first (when > 0), at ``cfg.max_tokens`` tokens, or when ``stop()`` turns true (the sampler checks it
    between tokens; ``stop`` may be replaced while the continuation is paused). An end-of-sequence
    token before the requested length is dropped and sampling goes on from the tokens so far (a few
    times at most). ``seed_ids``: the seed's ids when already known (``encode(seed_notes, ...)``).
    """

    def __init__(self, model: Model, seed_notes: Sequence[Note], cfg: PlayConfig, sampling: Any,
                 rng: np.random.Generator, *, seed_ids: list[int] | None = None,
                 on_seed_time: bool = False) -> None:
        from bridge.tokens import encoding_origin

        scheme = model.scheme
        self.cfg = cfg
        self._sampler = model.sampler(cfg.sampler)
        if seed_ids is None:
            seed_ids = scheme.encode(list(seed_notes), cfg.tempo_bpm, cfg.meter, cfg.bar_origin)
        self.seed_ids = list(seed_ids)
        self._lengthed = cfg.length_beats > 0 or cfg.length_notes > 0
        if self._lengthed and dataclasses.is_dataclass(sampling):
            sampling = dataclasses.replace(sampling, allow_end=False)  # a length was asked for: no early end
        self._sampling = sampling
        self._rng = rng
        primed = getattr(self._sampler, "stream_after", None)  # a sampler that keeps its seeds' walk
        self._decoder = primed(self.seed_ids) if primed is not None else scheme.stream_decoder(self.seed_ids)
        seed_start = encoding_origin(seed_notes, cfg.meter, cfg.bar_origin) if seed_notes else 0.0
        self.encoding_start = seed_start  # where the seed's encoding starts (a bar line for the model)
        self._origin = float(getattr(self._decoder, "origin", 0.0))  # decoder time 0, from the bar line
        self._seed_origin = seed_start + self._origin
        self._on_seed_time = on_seed_time
        self._groove = seed_groove(scheme, seed_notes, self.seed_ids, cfg, seed_start,
                                   getattr(self._decoder, "primed_onsets", None))
        self._first_grooved = 0.0  # the first note's grooved start, decoder time
        self._eos = getattr(scheme, "eos_id", None)
        self._history = list(self.seed_ids)  # seed + tokens so far, to go on after an early end
        self._tokens: Iterator[int] | None = None
        self._early_ends = 0
        self.first: float | None = None  # decoder time of the first note (None before it)
        self.count = 0  # notes so far
        self.tokens = 0  # tokens so far
        self.done = False
        self.stop: Callable[[], bool] = lambda: False

    @property
    def position(self) -> float:
        """The decoder's time cursor, beats from the seed's end."""
        return float(getattr(self._decoder, "position", 0.0))

    @property
    def first_seed_beat(self) -> float | None:
        """The first note's place on the seed's time line (beats from the seed's beat 0), or ``None``."""
        return None if self.first is None else self._seed_origin + self._first_grooved

    @property
    def onset_done(self) -> bool:
        """True once time moved past the first note: every note starting with it has been decoded."""
        return self.first is not None and self.position > self.first

    def step(self) -> list[Note]:
        """Pull one token and return the notes it completes (often none); sets ``done`` at the end."""
        if self.done:
            return []
        if self._tokens is None:
            self._tokens = iter(self._sampler.generate(list(self._history), self._sampling, self._rng,
                                                       lambda: self.stop()))
        try:
            tok = int(next(self._tokens))
        except StopIteration:
            self._finish()
            return []
        if self.stop():
            self._finish()
            return []
        self.tokens += 1
        if tok == self._eos:
            self._close_tokens()
            if self._lengthed and self._early_ends < MAX_EARLY_ENDS:
                self._early_ends += 1  # the requested length was not reached: sample on
                return []
            if self._lengthed:
                log.info("continuation ended early: the sampler kept ending the sequence")
            self._finish()
            return []
        self._history.append(tok)
        out = self._notes(self._decoder.feed(tok))
        cfg = self.cfg
        if not self.done and cfg.length_beats > 0 and self.first is not None \
                and self.position - self.first >= cfg.length_beats:
            self._finish()  # time moved past the end without a note (rests, time shifts)
        if not self.done and self.tokens >= cfg.max_tokens:
            log.info("continuation stopped at the token limit (%d)", cfg.max_tokens)
            self._finish()
        return out

    def _notes(self, decoded: list[Note]) -> list[Note]:
        out = []
        cfg = self.cfg
        for note in decoded:
            grooved = self._groove.apply(note, self._origin)  # the grid's times stay the clock here
            if self.first is None:
                self.first = float(note.start)
                self._first_grooved = float(grooved.start)
            offset = float(note.start) - self.first
            if cfg.length_beats > 0 and offset >= cfg.length_beats:
                self._finish()
                break
            start = (self._seed_origin + float(grooved.start) if self._on_seed_time
                     else max(0.0, float(grooved.start) - self._first_grooved))
            out.append(_retime(grooved, start, cfg))
            self.count += 1
            if cfg.length_notes > 0 and self.count >= cfg.length_notes:
                self._finish()
                break
        return out

    def _close_tokens(self) -> None:
        tokens, self._tokens = self._tokens, None
        close = getattr(tokens, "close", None)
        if close is not None:
            close()

    def _finish(self) -> None:
        self.done = True
        self._close_tokens()

    def close(self) -> None:
        """End it (the sampler's generator is closed)."""
        self._finish()


def continuation(
    model: Model,
    seed_notes: Sequence[Note],
    cfg: PlayConfig,
    sampling: Any,
    rng: np.random.Generator,
    should_stop: Callable[[], bool] = lambda: False,
    *,
    on_seed_time: bool = False,
    seed_ids: list[int] | None = None,
) -> Iterator[Note]:
    """Yield continuation notes as the sampler produces their tokens (see :class:`Continuation`)."""
    c = Continuation(model, seed_notes, cfg, sampling, rng, seed_ids=seed_ids, on_seed_time=on_seed_time)
    c.stop = should_stop
    try:
        while not c.done:
            yield from c.step()
    finally:
        c.close()


def seed_groove(scheme: Any, seed_notes: Sequence[Note], seed_ids: list[int], cfg: PlayConfig,
                seed_start: float, encoded_onsets: Sequence[float] | None = None) -> Groove:
    """The seed's groove at ``cfg.groove`` strength (straight when 0). ``encoded_onsets``: the seed's
    onsets as its ids place them, when a primed decoder already has them (else the ids are decoded)."""
    if cfg.groove <= 0 or not seed_notes:
        return STRAIGHT
    if encoded_onsets is None:
        decode = getattr(scheme, "decode", None)
        if decode is None:
            return STRAIGHT
        encoded_onsets = [n.start for n in decode(seed_ids)]
    return groove_of(seed_notes, encoded_onsets, cfg.meter, seed_start).scaled(cfg.groove)


def offline_continuation(
    model: Model, seed_notes: Sequence[Note], cfg: PlayConfig, sampling: Any
) -> tuple[list[Note], list[Note]]:
    """The seed and its whole continuation, both on the seed's time line."""
    rng = np.random.default_rng(cfg.seed)
    cont = list(continuation(model, seed_notes, cfg, sampling, rng, on_seed_time=True))
    return list(seed_notes), cont


def _retime(note: Note, start: float, cfg: PlayConfig) -> Note:
    """Copy of ``note`` at ``start`` beats, on the output channel, velocity scaled and clamped to 1-127."""
    velocity = max(1, min(127, round(note.velocity * cfg.velocity_scale)))
    return dataclasses.replace(note, start=start, velocity=velocity, channel=cfg.channel)


def beats_to_ns(beats: float, tempo_bpm: float) -> int:
    return round(beats * 60.0 / tempo_bpm * NS_PER_S)
