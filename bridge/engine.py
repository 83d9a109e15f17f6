"""The engine worker: turns seed phrases into streamed, scheduled continuation notes.

One thread owns the model. It receives commands through a queue (seed, continue, stop, panic, model swap,
prefill offers), tokenizes the seed, pulls tokens one at a time from the selected sampler, feeds each to the
scheme's stream decoder, and hands every finished note to the scheduler at once, with its due time, so the
first note leaves before the rest is sampled. A new seed, stop, panic or model swap preempts the running
generation at the next token and cancels the notes still pending (with their note-offs). Worker errors are
reported through ``on_error``, the notes are released, and the worker carries on.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from bridge.notes import Note

log = logging.getLogger(__name__)

NS_PER_S = 1_000_000_000
MAX_EARLY_ENDS = 8  # times an end-of-sequence token before the requested length is sampled past


class StreamDecoderLike(Protocol):
    def feed(self, token_id: int) -> list[Note]: ...


class SchemeLike(Protocol):
    def encode(self, notes: Sequence[Note], tempo_bpm: float) -> list[int]: ...

    def stream_decoder(self, prime: Iterable[int] = ()) -> StreamDecoderLike: ...


class SamplerLike(Protocol):
    name: str

    def generate(
        self, seed_ids: list[int], params: Any, rng: np.random.Generator, should_stop: Callable[[], bool]
    ) -> Iterator[int]: ...


class SchedulerLike(Protocol):
    def schedule(self, note: Note, at_ns: int) -> None: ...

    def all_notes_off(self, wait: bool = True) -> object: ...


@dataclass(frozen=True, slots=True)
class PlayConfig:
    """What the engine needs from the parameter registry for one continuation."""

    sampler: str = "decoder"
    tempo_bpm: float = 120.0
    length_beats: float = 16.0
    length_notes: int = 0
    lookahead_ms: float = 5.0
    latency_ms: float = 0.0
    channel: int = 0
    velocity_scale: float = 1.0
    seed: int | None = None
    max_tokens: int = 1024


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


class EngineError(Exception):
    """A request the engine cannot carry out (reported, never fatal)."""


# ---------------------------------------------------------------- offline core (no threads, no clock)


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
    """Yield continuation notes as the sampler produces their tokens.

    Note starts are in beats from the continuation's first note (which starts at 0), or, with
    ``on_seed_time``, on the seed's own time line (beats from the seed's start). Stops at
    ``cfg.length_notes`` notes (when > 0) or once a note would start ``cfg.length_beats`` or more after the
    first (when > 0), or when ``should_stop()`` turns true (checked between tokens). An end-of-sequence
    token before that length is dropped and sampling goes on from the tokens so far (a few times at most).
    ``seed_ids``: the seed's token ids when already known (they must be ``encode(seed_notes, tempo)``).
    """
    scheme = model.scheme
    sampler = model.sampler(cfg.sampler)
    if seed_ids is None:
        seed_ids = scheme.encode(list(seed_notes), cfg.tempo_bpm)
    decoder = scheme.stream_decoder(seed_ids)
    seed_start = min((float(n.start) for n in seed_notes), default=0.0)
    seed_origin = seed_start + float(getattr(decoder, "origin", 0.0))
    first: float | None = None
    count = 0
    n_tok = 0
    history = list(seed_ids)  # seed + tokens so far, to go on after an early end of sequence
    eos = getattr(scheme, "eos_id", None)
    for _attempt in range(1 + MAX_EARLY_ENDS):
        tokens = sampler.generate(history, sampling, rng, should_stop)
        ended_early = False
        try:
            for tok in tokens:
                tok = int(tok)
                if should_stop():
                    return
                n_tok += 1
                if tok == eos:
                    ended_early = True  # the requested length was not reached: sample on
                    break
                history.append(tok)
                for note in decoder.feed(tok):
                    if first is None:
                        first = float(note.start)
                    offset = float(note.start) - first
                    if cfg.length_beats > 0 and offset >= cfg.length_beats:
                        return
                    start = seed_origin + float(note.start) if on_seed_time else offset
                    yield _retime(note, start, cfg)
                    count += 1
                    if cfg.length_notes > 0 and count >= cfg.length_notes:
                        return
                if cfg.length_beats > 0 and _position(decoder) - (first or 0.0) >= cfg.length_beats:
                    return  # time moved past the end without a note (rests, time shifts)
                if n_tok >= cfg.max_tokens:
                    log.info("continuation stopped at the token limit (%d)", cfg.max_tokens)
                    return
        finally:
            close = getattr(tokens, "close", None)
            if close is not None:
                close()
        if not ended_early or (cfg.length_beats <= 0 and cfg.length_notes <= 0):
            return
    log.info("continuation ended early: the sampler kept ending the sequence")


def _position(decoder: Any) -> float:
    return float(getattr(decoder, "position", 0.0))


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
    return _replace(note, start=start, velocity=velocity, channel=cfg.channel)


def _replace(note: Note, **changes: Any) -> Note:
    return dataclasses.replace(note, **changes)


def beats_to_ns(beats: float, tempo_bpm: float) -> int:
    return round(beats * 60.0 / tempo_bpm * NS_PER_S)


# ---------------------------------------------------------------- commands


@dataclass(frozen=True, slots=True)
class Seed:
    """A finished seed phrase: continue it now. ``end_ns`` is when the phrase ended (perf_counter_ns)."""

    notes: tuple[Note, ...]
    end_ns: int
    length_beats: float | None = None


@dataclass(frozen=True, slots=True)
class Continue:
    """Continue the current seed again, anchored at ``at_ns``; optional length override in beats."""

    at_ns: int
    length_beats: float | None = None


@dataclass(frozen=True, slots=True)
class Stop:
    panic: bool = False


@dataclass(frozen=True, slots=True)
class Swap:
    name: str


@dataclass(frozen=True, slots=True)
class Clear:
    pass


@dataclass(frozen=True, slots=True)
class Prefill:
    notes: tuple[Note, ...]


@dataclass(frozen=True, slots=True)
class _Shutdown:
    pass


@dataclass(slots=True)
class _Envelope:
    seq: int
    command: Any
    done: threading.Event = field(default_factory=threading.Event)


@dataclass(slots=True)
class EngineStats:
    """Counters the daemon reports in /segue/status and the benchmarks read."""

    continuations: int = 0
    notes: int = 0
    preempted: int = 0
    errors: int = 0
    last_first_note_ns: int | None = None  # due time of the last continuation's first note
    last_end_ns: int | None = None  # phrase end / continue time of the last continuation


# ---------------------------------------------------------------- the worker


class Engine:
    """The engine worker thread. Use as a context manager, or call ``start()`` and ``close()``.

    - ``model``: the loaded model; ``load_model(name)`` loads another for a swap (the old one stays on
      failure).
    - ``config()``: the current PlayConfig; ``sampling()``: the current SamplingParams (both read from the
      parameter registry at the start of each continuation, so parameter changes apply to the next one).
    - ``tempo()``: optional override of the tempo (MIDI clock), ``None`` when no clock is present.
    - ``clock()``: monotonic ns (perf_counter_ns unless injected).
    - ``on_error(address, message)`` and ``on_state(state)`` report to the daemon.
    """

    def __init__(
        self,
        model: Model,
        scheduler: SchedulerLike,
        *,
        config: Callable[[], PlayConfig] = PlayConfig,
        sampling: Callable[[], Any] = lambda: None,
        load_model: Callable[[str], Model] | None = None,
        tempo: Callable[[], float | None] = lambda: None,
        clock: Callable[[], int] = time.perf_counter_ns,
        on_error: Callable[[str, str], None] = lambda address, message: None,
        on_state: Callable[[str], None] = lambda state: None,
    ) -> None:
        self._model = model
        self._scheduler = scheduler
        self._config = config
        self._sampling = sampling
        self._load_model = load_model
        self._tempo = tempo
        self._clock = clock
        self._on_error = on_error
        self._on_state = on_state
        self._queue: queue.SimpleQueue[_Envelope] = queue.SimpleQueue()
        self._seq = itertools.count(1)
        self._preempt_seq = 0  # commands with seq < this are preempted (an int store is atomic)
        self._prefill_seq = 0  # the newest prefill offer
        self._seed: tuple[Note, ...] = ()
        self._encoded: tuple[Any, tuple[Note, ...], float, list[int]] | None = None
        self._state = "idle"
        self._thread: threading.Thread | None = None
        self._rng_counter = itertools.count()
        self.stats = EngineStats()

    # ------------------------------------------------------------ public API (any thread)

    @property
    def model(self) -> Model:
        return self._model

    @property
    def state(self) -> str:
        return self._state

    @property
    def seed_notes(self) -> tuple[Note, ...]:
        return self._seed

    def start(self) -> Engine:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="segue-engine", daemon=True)
            self._thread.start()
        return self

    def close(self, timeout: float = 1.0) -> None:
        """Preempt, release every note and stop the worker."""
        if self._thread is None:
            return
        self._submit(_Shutdown(), preempt=True)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("engine worker did not stop within %.1f s", timeout)
        self._thread = None
        self._release()

    def __enter__(self) -> Engine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def seed(
        self, notes: Sequence[Note], end_ns: int | None = None, length_beats: float | None = None
    ) -> None:
        """A finished seed phrase: preempt what runs and continue this one."""
        end = self._clock() if end_ns is None else end_ns
        self._submit(Seed(tuple(notes), end, length_beats), preempt=True)

    def continue_(self, length_beats: float | None = None, at_ns: int | None = None) -> None:
        """Continue the current seed now (or at ``at_ns``)."""
        at = self._clock() if at_ns is None else at_ns
        self._submit(Continue(at, length_beats), preempt=True)

    def stop(self, panic: bool = False) -> None:
        self._submit(Stop(panic), preempt=True)

    def clear(self) -> None:
        self._submit(Clear(), preempt=False)

    def swap(self, name: str) -> None:
        self._submit(Swap(name), preempt=True)

    def offer_prefix(self, notes: Sequence[Note]) -> None:
        """The phrase so far (offered on each note-off): prefill the KV cache while the performer plays."""
        self._submit(Prefill(tuple(notes)), preempt=False)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every command submitted so far has been handled (tests, offline use)."""
        env = self._submit(None, preempt=False)
        return env.done.wait(timeout)

    # ------------------------------------------------------------ worker

    def _submit(self, command: Any, preempt: bool) -> _Envelope:
        env = _Envelope(next(self._seq), command)
        if preempt:
            self._preempt_seq = env.seq
        if isinstance(command, Prefill):
            self._prefill_seq = env.seq
        self._queue.put(env)
        return env

    def _run(self) -> None:
        while True:
            env = self._queue.get()
            try:
                if isinstance(env.command, _Shutdown):
                    self._release()
                    return
                self._handle(env)
            except Exception as exc:  # the worker must survive anything a command does
                self.stats.errors += 1
                log.exception("engine error")
                self._release()
                self._report("/segue/engine", f"{type(exc).__name__}: {exc}")
            finally:
                env.done.set()
                self._set_state("idle")

    def _handle(self, env: _Envelope) -> None:
        cmd = env.command
        if cmd is None:
            return
        if isinstance(cmd, Prefill):
            # a prefill never delays a real command, and only the newest offer counts
            if self._preempt_seq < env.seq and self._prefill_seq <= env.seq:
                self._prefill(cmd.notes)
            return
        if isinstance(cmd, Clear):
            self._seed = ()
            return
        if isinstance(cmd, Stop):
            self._release(panic=cmd.panic)
            return
        if isinstance(cmd, Swap):
            self._release()
            self._swap(cmd.name)
            return
        if isinstance(cmd, Seed):
            self._release(wait=False)
            self._seed = cmd.notes
            self._play(env.seq, cmd.notes, cmd.end_ns, cmd.length_beats)
            return
        if isinstance(cmd, Continue):
            self._release(wait=False)
            if not self._seed:
                self._report("/segue/continue", "no seed phrase yet: play or send a phrase first")
                return
            self._play(env.seq, self._seed, cmd.at_ns, cmd.length_beats)
            return
        raise EngineError(f"unknown engine command {cmd!r}")

    def _play(self, seq: int, notes: tuple[Note, ...], anchor_ns: int, length_beats: float | None) -> None:
        """Generate a continuation of ``notes`` and schedule each note as soon as it is decoded."""
        if not notes:
            self._report("/segue/phrase", "empty seed phrase: nothing to continue")
            return
        cfg = self._config()
        clock_tempo = self._tempo()
        if clock_tempo is not None and clock_tempo > 0:
            cfg = _with(cfg, tempo_bpm=float(clock_tempo))
        if length_beats is not None:
            cfg = _with(cfg, length_beats=float(length_beats), length_notes=0)
        set_tempo = getattr(self._scheduler, "set_tempo", None)
        if set_tempo is not None:
            set_tempo(cfg.tempo_bpm)  # note durations are beats at this tempo
        sampling = self._sampling()
        rng = np.random.default_rng(cfg.seed if cfg.seed is not None else None)
        base_ns = anchor_ns + round((cfg.lookahead_ms + cfg.latency_ms) * 1e6)

        def preempted() -> bool:
            return self._preempt_seq > seq

        self._set_state("generating")
        self.stats.continuations += 1
        self.stats.last_end_ns = anchor_ns
        first = True
        seed_ids = self._encoded_ids(notes, cfg.tempo_bpm)
        for note in continuation(self._model, notes, cfg, sampling, rng, preempted, seed_ids=seed_ids):
            at = base_ns + beats_to_ns(note.start, cfg.tempo_bpm)
            if first:
                # never schedule into the past: a slow first token shifts the whole answer, keeping its rhythm
                now = self._clock()
                if at < now:
                    base_ns += now - at
                    at = now
                self.stats.last_first_note_ns = at
                first = False
            self._scheduler.schedule(note, at)
            self.stats.notes += 1
        if preempted():
            self.stats.preempted += 1

    def _prefill(self, notes: tuple[Note, ...]) -> None:
        if not notes:
            return
        cfg = self._config()
        try:
            sampler = self._model.sampler(cfg.sampler)
        except EngineError:
            return
        prefill = getattr(sampler, "prefill", None)
        if prefill is None:
            return
        tempo = self._tempo() or cfg.tempo_bpm
        ids = self._model.scheme.encode(list(notes), tempo)
        self._encoded = (self._model.scheme, notes, tempo, ids)  # the phrase end often brings these notes
        prefill(ids)

    def _encoded_ids(self, notes: tuple[Note, ...], tempo: float) -> list[int] | None:
        """The seed's ids when the last prefill offer had exactly these notes (no encoding at phrase end)."""
        cached = self._encoded
        if cached is None or cached[0] is not self._model.scheme:
            return None
        return list(cached[3]) if cached[1] == notes and cached[2] == tempo else None

    def _swap(self, name: str) -> None:
        if self._load_model is None:
            self._report("/segue/model", "model swapping is not available here")
            return
        try:
            model = self._load_model(name)
        except Exception as exc:
            log.warning("model %r not loaded, keeping %r: %s", name, self._model.name, exc)
            self._report(
                "/segue/model", f"cannot load model {name!r} ({exc}); still playing {self._model.name!r}"
            )
            return
        self._model = model
        log.info("model swapped to %r", model.name)

    def _release(self, panic: bool = False, wait: bool = True) -> None:
        """Cancel pending notes and send the note-offs of sounding ones (all-notes-off on panic too).

        ``wait=False`` (a new seed or continue) does not wait for the scheduler thread: its commands run
        in order, so the release still lands before the new continuation's first note.
        """
        try:
            if panic and hasattr(self._scheduler, "panic"):
                self._scheduler.panic()
            else:
                self._scheduler.all_notes_off(wait=wait)
        except Exception:
            log.exception("releasing notes failed")

    def _report(self, address: str, message: str) -> None:
        log.warning("%s: %s", address, message)
        try:
            self._on_error(address, message)
        except Exception:
            log.exception("error callback failed")

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            try:
                self._on_state(state)
            except Exception:
                log.exception("state callback failed")


def _with(cfg: PlayConfig, **changes: Any) -> PlayConfig:
    return dataclasses.replace(cfg, **changes)
