"""The engine worker: turns seed phrases into streamed, scheduled continuation notes.

One thread owns the model and its samplers: nothing else writes them (a style or a model swap arrives as
a command). Commands come through a queue, each with the :class:`~bridge.settings.Settings` snapshot it
was sent with. For each seed the worker pulls tokens one at a time (:class:`~bridge.continuation.
Continuation`) and hands every finished note to the scheduler at once, so the first note leaves before
the rest is sampled. A new seed, stop or panic preempts the running generation at the next token and
cancels the notes still pending (with their note-offs); a model swap waits for the answer being sampled
and ends its notes only once the new model loaded, so a failed swap never stops the music.

Each answer's notes are placed on the scheduler's beat axis (``bridge.entry``): the first where the
``entry`` parameter says (now, or on the beat or bar where the model put it), the rest that many beats
on, so the scheduler re-times them if the tempo changes before they are sent.

Speculation (``bridge.speculation``): while the performer plays, each ``prefix`` (the phrase so far) is
prefilled and the answer's first notes are sampled and paused; a phrase that ends with exactly those notes
and settings takes them. What the worker reports (generating, done, errors) goes to ``on_event``.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bridge.commands import (
    Clear,
    Continue,
    Done,
    EngineEvent,
    Generating,
    Install,
    Prefix,
    Problem,
    Seed,
    Shutdown,
    Stop,
    Swap,
    Swapped,
)
from bridge.continuation import Continuation, Model
from bridge.entry import Placement as _Placement
from bridge.errors import EmptySeed, EngineError, ModelSwapError, NoSeed, SegueError
from bridge.note_guard import GuardStats, NoteGuard
from bridge.notes import Note
from bridge.scheduler import SchedulerLike
from bridge.seed_cache import SeedEncoder
from bridge.settings import Settings
from bridge.speculation import Speculator

log = logging.getLogger(__name__)

FLUSH_TIMEOUT_S = 0.002  # the longest the engine waits for the scheduler to take an answer's first notes


@dataclass(slots=True)
class _Envelope:
    seq: int
    command: Any
    done: threading.Event = field(default_factory=threading.Event)


@dataclass(slots=True)
class EngineStats:
    """Counters the daemon and the benchmarks read (written by the worker only)."""

    continuations: int = 0
    notes: int = 0
    preempted: int = 0
    errors: int = 0
    speculated: int = 0  # answers whose first notes were sampled before the phrase ended
    speculations: int = 0  # speculations started
    cpu_s: float = 0.0  # CPU time of the worker thread
    guard: GuardStats = field(default_factory=GuardStats)  # what the note guard held back


class Engine:
    """The engine worker thread. Use as a context manager, or call ``start()`` and ``close()``.

    ``load_model(name)`` loads another model for a swap (the old one stays on failure); ``clock()`` is
    monotonic ns; ``on_event(event)`` hears :class:`Generating`, :class:`Done` and :class:`Problem`
    (from the worker thread). ``speculate`` False turns speculation off; ``splice`` False tokenizes
    every seed whole (both for comparisons).
    """

    def __init__(self, model: Model, scheduler: SchedulerLike, *,
                 load_model: Callable[[str], Model] | None = None,
                 clock: Callable[[], int] = time.perf_counter_ns,
                 on_event: Callable[[EngineEvent], None] = lambda event: None,
                 speculate: bool = True, splice: bool = True) -> None:
        self._model = model
        self._scheduler = scheduler
        self._load_model = load_model
        self._clock = clock
        self._on_event = on_event
        self.speculate = speculate
        self._queue: queue.SimpleQueue[_Envelope] = queue.SimpleQueue()
        self._seq = itertools.count(1)
        self._preempt_seq = 0  # commands with seq < this are preempted (an int store is atomic)
        self._prefix_seq = 0  # the newest prefix offer
        self._seed: tuple[Note, ...] = ()
        self._encoder = SeedEncoder(splice=splice)
        self._speculation = Speculator()
        self._thread: threading.Thread | None = None
        self.stats = EngineStats()

    # ------------------------------------------------------------ public API (any thread)

    @property
    def model(self) -> Model:
        return self._model

    @property
    def seed_notes(self) -> tuple[Note, ...]:
        """The seed last continued (read-only view of the worker's state)."""
        return self._seed

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Engine:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="segue-engine", daemon=True)
            self._thread.start()
        return self

    def close(self, timeout: float = 1.0) -> None:
        """Preempt, release every note and stop the worker."""
        if self._thread is None:
            return
        self._submit(Shutdown(), preempt=True)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("engine worker did not stop within %.1f s", timeout)
        self._thread = None
        self._release()

    def __enter__(self) -> Engine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def seed(self, notes: Sequence[Note], settings: Settings, end_ns: int | None = None,
             length_beats: float | None = None, start_ns: int | None = None) -> None:
        """A finished seed phrase: preempt what runs and continue this one. ``start_ns``: when the
        phrase's beat 0 was played (``None``: it ended at ``end_ns``), for the answer's entry."""
        end = self._clock() if end_ns is None else end_ns
        self._submit(Seed(tuple(notes), end, settings, length_beats, start_ns), preempt=True)

    def continue_(self, settings: Settings, length_beats: float | None = None,
                  at_ns: int | None = None) -> None:
        """Continue the current seed now (or at ``at_ns``)."""
        at = self._clock() if at_ns is None else at_ns
        self._submit(Continue(at, settings, length_beats), preempt=True)

    def prefix(self, notes: Sequence[Note], settings: Settings) -> None:
        """The phrase so far (nothing held): prefill it and speculate on its answer, between commands."""
        self._submit(Prefix(tuple(notes), settings), preempt=False)

    def stop(self) -> None:
        self._submit(Stop(), preempt=True)

    def panic(self) -> None:
        """Stop, and all-notes-off at once (the scheduler's, even while the worker is busy)."""
        self.stop()
        try:
            self._scheduler.panic()
        except Exception:
            log.exception("panic failed")

    def clear(self) -> None:
        self._submit(Clear(), preempt=False)

    def swap(self, name: str) -> None:
        """Load ``name`` once the answer being sampled is complete; what plays ends only if it loads."""
        self._submit(Swap(name), preempt=False)

    def install(self, samplers: dict[str, Any], decoder: Any = None) -> None:
        """Add ``samplers`` to the model between commands (dropped when ``decoder`` no longer plays)."""
        self._submit(Install(dict(samplers), decoder), preempt=False)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every command submitted so far has been handled (tests, offline use)."""
        env = self._submit(None, preempt=False)
        return env.done.wait(timeout)

    # ------------------------------------------------------------ worker

    def _submit(self, command: Any, preempt: bool) -> _Envelope:
        env = _Envelope(next(self._seq), command)
        if preempt:
            self._preempt_seq = env.seq
        if isinstance(command, Prefix):
            self._prefix_seq = env.seq
        self._queue.put(env)
        return env

    def _run(self) -> None:
        while True:
            env = self._queue.get()
            cpu = time.thread_time()
            try:
                if isinstance(env.command, Shutdown):
                    self._speculation.drop()
                    self._release()
                    return
                self._handle(env)
            except Exception as exc:  # the worker must survive anything a command does
                self.stats.errors += 1
                log.exception("engine error")
                self._release()
                self._report(EngineError(f"{type(exc).__name__}: {exc}"))
                self._emit(Done(env.seq, None))
            finally:
                self.stats.cpu_s += time.thread_time() - cpu
                env.done.set()

    def _handle(self, env: _Envelope) -> None:
        cmd = env.command
        if cmd is None:
            return
        if isinstance(cmd, Prefix):
            # a prefix never delays a real command, and only the newest offer counts
            if self._preempt_seq < env.seq and self._prefix_seq <= env.seq:
                self._prefix(cmd)
            return
        if isinstance(cmd, Install):
            self._install(cmd)
        elif isinstance(cmd, Clear):
            self._seed = ()
            forget = getattr(self._model.samplers.get("decoder"), "forget", None)
            if forget is not None:
                forget()  # the phrase memory goes with the seed
        elif isinstance(cmd, Stop):
            self._release()
        elif isinstance(cmd, Swap):
            self._swap(cmd.name)
        elif isinstance(cmd, Seed):
            self._release(wait=False)
            self._seed = cmd.notes
            self._play(env.seq, cmd.notes, cmd.end_ns, cmd.settings.with_length(cmd.length_beats),
                       cmd.start_ns)
            self._remember(cmd.notes, cmd.settings)
        elif isinstance(cmd, Continue):
            self._release(wait=False)
            if not self._seed:
                self._report(NoSeed("no seed phrase yet: play or send a phrase first"))
                return
            self._play(env.seq, self._seed, cmd.at_ns, cmd.settings.with_length(cmd.length_beats))
        else:
            raise EngineError(f"unknown engine command {cmd!r}")

    def _play(self, seq: int, notes: tuple[Note, ...], anchor_ns: int, settings: Settings,
              start_ns: int | None = None) -> None:
        """Generate a continuation of ``notes`` and schedule each note as soon as it is decoded."""
        if not notes:
            self._report(EmptySeed("empty seed phrase: nothing to continue"))
            return
        cfg = settings.play
        out = NoteGuard(self._scheduler, settings, self._clock, self.stats.guard, self._report)  # sets tempo
        spec = self._speculation.take(notes, settings, self._model)
        if spec is not None:
            run, ready = spec.run, spec.ready
            self.stats.speculated += 1
        else:
            run, ready = self._start(notes, settings), []

        def preempted() -> bool:
            return self._preempt_seq > seq

        run.stop = preempted
        self._emit(Generating(seq))
        self.stats.continuations += 1
        placed = _Placement(self._scheduler, self._clock, cfg, anchor_ns, start_ns, notes)
        end_ns: int | None = None
        handed = False  # the answer's first notes were handed to the scheduler
        try:
            while True:
                for note in ready:
                    at, beat, off = placed.place(note, run)
                    out.schedule(note, at, beat)
                    self.stats.notes += 1
                    end_ns = off if end_ns is None else max(end_ns, off)
                if ready and not handed:
                    handed = True
                    self._let_scheduler_send()
                if run.done or preempted() or out.cut:
                    break
                ready = run.step()
        finally:
            run.close()
        if preempted():
            self.stats.preempted += 1
            end_ns = None
        self._emit(Done(seq, end_ns))

    def _let_scheduler_send(self) -> None:
        """Wait (briefly) until the scheduler took the notes handed to it: the interpreter is then its to
        send the first note, instead of this thread's next token (a scheduler without ``flush`` does not
        wait)."""
        flush = getattr(self._scheduler, "flush", None)
        if flush is not None:
            flush(FLUSH_TIMEOUT_S)

    def _remember(self, notes: tuple[Note, ...], settings: Settings) -> None:
        """A finished phrase joins the decoder's phrase memory (for the answers to later phrases)."""
        remember = getattr(self._model.samplers.get("decoder"), "remember", None)
        if remember is None:
            return
        cfg = settings.play
        remember(self._encoder.encode(self._model.scheme, notes, cfg.tempo_bpm, cfg.meter, cfg.bar_origin))

    def _start(self, notes: tuple[Note, ...], settings: Settings) -> Continuation:
        cfg = settings.play
        sampler = self._model.sampler(cfg.sampler)
        if hasattr(sampler, "weight"):
            sampler.weight = settings.blend  # the blend's graph weight, set by its owner
        rng = np.random.default_rng(cfg.seed)
        ids = self._encoder.encode(self._model.scheme, notes, cfg.tempo_bpm, cfg.meter, cfg.bar_origin)
        return Continuation(self._model, notes, cfg, settings.sampling, rng, seed_ids=ids)

    # ------------------------------------------------------------ speculation

    def _prefix(self, cmd: Prefix) -> None:
        if not cmd.notes:
            return
        cfg = cmd.settings.play
        sampler = self._model.samplers.get(cfg.sampler)
        if sampler is None or self._speculation.holds(cmd.notes, cmd.settings):
            return  # nothing changed since the last offer
        self._speculation.drop()
        if not self.speculate:
            ids = self._encoder.encode(self._model.scheme, cmd.notes, cfg.tempo_bpm, cfg.meter,
                                       cfg.bar_origin)
            prefill = getattr(sampler, "prefill", None)
            if prefill is not None:
                prefill(ids)
            return
        newer = self._prefix_seq
        self.stats.speculations += 1
        self._speculation.start(cmd.notes, cmd.settings, self._model, self._start(cmd.notes, cmd.settings),
                                stale=lambda: self._prefix_seq != newer)  # a newer offer makes it stale

    # ------------------------------------------------------------ models, styles, release

    def _install(self, cmd: Install) -> None:
        samplers = self._model.samplers
        if cmd.decoder is not None and samplers.get("decoder") is not cmd.decoder:
            log.info("samplers built for another model dropped (%s)", ", ".join(cmd.samplers))
            return
        self._speculation.drop()
        samplers.update(cmd.samplers)

    def _swap(self, name: str) -> None:
        if self._load_model is None:
            self._report(ModelSwapError("model swapping is not available here"))
            return
        try:
            model = self._load_model(name)
        except Exception as exc:
            log.warning("model %r not loaded, keeping %r: %s", name, self._model.name, exc)
            self._report(ModelSwapError(
                f"cannot load model {name!r} ({exc}); still playing {self._model.name!r}"))
            return
        self._release()  # only now: a model that did not load leaves the music playing
        self._speculation.drop()
        self._model = model
        log.info("model swapped to %r", model.name)
        self._emit(Swapped(model.name))

    def _release(self, wait: bool = True) -> None:
        """Cancel pending notes and send the note-offs of sounding ones.

        ``wait=False`` (a new seed or continue) does not wait for the scheduler thread: its commands run
        in order, so the release still lands before the new continuation's first note.
        """
        try:
            self._scheduler.all_notes_off(wait=wait)
        except Exception:
            log.exception("releasing notes failed")

    def _report(self, error: SegueError) -> None:
        log.warning("%s: %s", error.address, error)
        self._emit(Problem(error))

    def _emit(self, event: EngineEvent) -> None:
        try:
            self._on_event(event)
        except Exception:
            log.exception("engine event callback failed")
