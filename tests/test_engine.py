"""The engine worker with an injected clock: exact due times, streaming, preemption, errors, swaps,
speculation.

The token scheme is the real miditok TSD scheme; the sampler is a scripted one (it replays a fixed token
list through the ``Sampler`` protocol), so due times are known exactly. Notes go through the real
``Scheduler`` core with a fake clock, and the test asserts the (time, event) list it sends. Every command
carries its settings (``Settings``), as the session sends them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np
import pytest

from bridge.commands import Done, Generating, Problem
from bridge.continuation import Model, PlayConfig, continuation, offline_continuation
from bridge.engine import Engine
from bridge.errors import EngineError, error_address
from bridge.notes import Note
from bridge.scheduler import Scheduler
from bridge.settings import Settings
from bridge.tokens import TokenScheme

MS = 1_000_000
S = 1_000_000_000


@pytest.fixture(scope="module")
def scheme() -> TokenScheme:
    from export.tokenizer import base_tokenizer

    return TokenScheme(base_tokenizer())


def ids(scheme: TokenScheme, text: str) -> list[int]:
    """Token ids of base tokens written as one string, e.g. ``"Pitch_60 Velocity_103 Duration_1.0.8"``."""
    vocab = scheme.tokenizer.vocab
    return [vocab[t] for t in text.split()]


class ScriptedSampler:
    """Replays ``tokens``; optionally blocks after ``block_after`` tokens or raises after ``fail_after``."""

    name = "decoder"

    def __init__(self, tokens: list[int], block_after: int | None = None, fail_after: int | None = None):
        self.tokens = tokens
        self.block_after = block_after
        self.fail_after = fail_after
        self.seeds: list[list[int]] = []
        self.prefilled: list[list[int]] = []
        self.blocked = threading.Event()
        self.yielded = 0

    def prefill(self, seed_ids: list[int]) -> None:
        self.prefilled.append(list(seed_ids))

    def generate(self, seed_ids: list[int], params: object, rng: np.random.Generator,
                 should_stop: Callable[[], bool]) -> Iterator[int]:
        self.seeds.append(list(seed_ids))
        for i, tok in enumerate(self.tokens):
            if self.fail_after is not None and i == self.fail_after:
                raise RuntimeError("decoder step failed: boom")
            if self.block_after is not None and i == self.block_after:
                self.blocked.set()
                while not should_stop():
                    threading.Event().wait(0.001)
                return
            if should_stop():
                return
            self.yielded += 1
            yield tok


class Recorder:
    """An ``EventSink`` that records (time, event) with the fake clock's time."""

    def __init__(self, clock: Callable[[], int]) -> None:
        self.clock = clock
        self.events: list[tuple[int, str, int, int]] = []

    def note_on(self, pitch: int, velocity: int, channel: int, duration_beats: float = 0.0) -> None:
        self.events.append((self.clock(), "on", pitch, velocity))

    def note_off(self, pitch: int, channel: int) -> None:
        self.events.append((self.clock(), "off", pitch, 0))

    def all_notes_off(self) -> None:
        self.events.append((self.clock(), "all_off", -1, 0))


class FakeClock:
    def __init__(self, now: int = 0) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


class LockedScheduler:
    """The real ``Scheduler`` core, made safe to call from the engine thread; the test polls it."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.sink = Recorder(clock)
        self.core = Scheduler(clock, self.sink)
        self.lock = threading.Lock()
        self.scheduled: list[tuple[Note, int]] = []
        self.releases = 0

    def schedule(self, note: Note, at_ns: int) -> None:
        with self.lock:
            self.scheduled.append((note, at_ns))
            self.core.schedule(note, at_ns)

    def set_tempo(self, tempo_bpm: float) -> None:
        with self.lock:
            self.core.set_tempo(tempo_bpm)

    def all_notes_off(self, wait: bool = True) -> None:
        with self.lock:
            self.releases += 1
            self.core.all_notes_off()

    def panic(self) -> None:
        with self.lock:
            self.releases += 1
            self.core.panic()

    def run_until(self, t_ns: int) -> None:
        """Advance the fake clock event by event up to ``t_ns``, sending what is due."""
        with self.lock:
            while True:
                due = self.core.next_due()
                if due is None or due > t_ns:
                    break
                self.clock.now = due
                self.core.poll(due)
            self.clock.now = t_ns


SEED = (Note(60, 100, 0.0, 1.0), Note(62, 100, 1.0, 1.0))
# two notes: E4 at 0 for a beat, half a beat later G4 for half a beat
TWO_NOTES = "Pitch_64 Velocity_103 Duration_1.0.8 TimeShift_0.4.8 Pitch_67 Velocity_79 Duration_0.4.8"


def settings(cfg: PlayConfig) -> Settings:
    return Settings(cfg, None, 0.5)


class Events(list):
    """What the engine reports; ``errors`` as (OSC address, message)."""

    @property
    def errors(self) -> list[tuple[str, str]]:
        return [(error_address(e.error), str(e.error)) for e in self if isinstance(e, Problem)]


def make_engine(scheme: TokenScheme, sampler: ScriptedSampler, cfg: PlayConfig, clock: FakeClock,
                **kwargs: object) -> tuple[Engine, LockedScheduler, Events]:
    sched = LockedScheduler(clock)
    events = Events()
    engine = Engine(Model("test", scheme, {"decoder": sampler}), sched, clock=clock, on_event=events.append,
                    **kwargs)
    return engine, sched, events


def test_continuation_decodes_notes_relative_to_the_first(scheme: TokenScheme) -> None:
    sampler = ScriptedSampler(ids(scheme, "TimeShift_1.0.8 " + TWO_NOTES))
    model = Model("test", scheme, {"decoder": sampler})
    cfg = PlayConfig(channel=2, velocity_scale=1.0, length_beats=0)
    notes = list(continuation(model, SEED, cfg, None, np.random.default_rng(0)))
    assert notes == [Note(64, 103, 0.0, 1.0, 2), Note(67, 79, 0.5, 0.5, 2)]
    # the sampler continued the seed's own tokens
    assert sampler.seeds == [scheme.encode(list(SEED), cfg.tempo_bpm)]


def test_continuation_on_the_seed_time_line_and_velocity_scale(scheme: TokenScheme) -> None:
    sampler = ScriptedSampler(ids(scheme, "TimeShift_1.0.8 " + TWO_NOTES))
    model = Model("test", scheme, {"decoder": sampler})
    cfg = PlayConfig(velocity_scale=2.0, length_beats=0)
    seed, cont = offline_continuation(model, SEED, cfg, None)
    assert seed == list(SEED)
    # the last seed note starts at beat 1; the continuation moves one beat on from there
    assert cont == [Note(64, 127, 2.0, 1.0, 0), Note(67, 127, 2.5, 0.5, 0)]


def test_length_in_notes_and_in_beats(scheme: TokenScheme) -> None:
    tokens = ids(scheme, " ".join(["Pitch_60 Velocity_103 Duration_0.4.8 TimeShift_1.0.8"] * 8))
    model = Model("test", scheme, {"decoder": ScriptedSampler(tokens)})
    rng = np.random.default_rng(0)
    by_notes = list(continuation(model, SEED, PlayConfig(length_notes=3, length_beats=0), None, rng))
    assert [n.start for n in by_notes] == [0.0, 1.0, 2.0]
    by_beats = list(continuation(model, SEED, PlayConfig(length_beats=4.0), None, rng))
    assert [n.start for n in by_beats] == [0.0, 1.0, 2.0, 3.0]


def test_unknown_sampler_is_a_clear_error(scheme: TokenScheme) -> None:
    model = Model("test", scheme, {"decoder": ScriptedSampler([])})
    with pytest.raises(EngineError, match="has no sampler 'graph'"):
        list(continuation(model, SEED, PlayConfig(sampler="graph"), None, np.random.default_rng(0)))


def test_seed_schedules_exact_times_from_phrase_end(scheme: TokenScheme) -> None:
    clock = FakeClock(0)
    cfg = PlayConfig(tempo_bpm=120.0, lookahead_ms=20.0, latency_ms=5.0, length_beats=0, channel=1)
    engine, sched, events = make_engine(scheme, ScriptedSampler(ids(scheme, TWO_NOTES)), cfg, clock)
    with engine:
        engine.seed(SEED, settings(cfg), end_ns=1 * S)
        assert engine.wait_idle()
        sched.run_until(3 * S)
    base = 1 * S + 25 * MS
    assert [(n.pitch, at) for n, at in sched.scheduled] == [(64, base), (67, base + 250 * MS)]
    # note-offs follow from the durations at 120 BPM (one beat = 500 ms)
    assert sched.sink.events == [
        (base, "on", 64, 103),
        (base + 250 * MS, "on", 67, 79),
        (base + 500 * MS, "off", 64, 0),
        (base + 500 * MS, "off", 67, 0),
    ]
    assert events.errors == []
    assert engine.stats.notes == 2 and engine.stats.continuations == 1


def test_late_first_note_shifts_the_answer_keeping_its_rhythm(scheme: TokenScheme) -> None:
    clock = FakeClock(2 * S)  # the phrase ended 1 s before the worker got to it
    cfg = PlayConfig(tempo_bpm=120.0, lookahead_ms=0.0, latency_ms=0.0, length_beats=0)
    engine, sched, _ = make_engine(scheme, ScriptedSampler(ids(scheme, TWO_NOTES)), cfg, clock)
    with engine:
        engine.seed(SEED, settings(cfg), end_ns=1 * S)
        assert engine.wait_idle()
    assert [at for _, at in sched.scheduled] == [2 * S, 2 * S + 250 * MS]


def test_the_tempo_comes_with_the_command(scheme: TokenScheme) -> None:
    clock = FakeClock(0)
    cfg = PlayConfig(tempo_bpm=60.0, lookahead_ms=0.0, length_beats=0)  # e.g. the MIDI clock's tempo
    engine, sched, _ = make_engine(scheme, ScriptedSampler(ids(scheme, TWO_NOTES)), cfg, clock)
    with engine:
        engine.seed(SEED, settings(cfg), end_ns=S)
        assert engine.wait_idle()
        sched.run_until(5 * S)
    assert [at for _, at in sched.scheduled] == [S, S + 500 * MS]  # half a beat at 60 BPM
    assert sched.sink.events == [
        (S, "on", 64, 103), (S + 500 * MS, "on", 67, 79), (2 * S, "off", 64, 0), (2 * S, "off", 67, 0),
    ]


def test_generation_is_reported_with_the_end_of_its_last_note(scheme: TokenScheme) -> None:
    clock = FakeClock(0)
    cfg = PlayConfig(tempo_bpm=120.0, lookahead_ms=0.0, length_beats=0)
    engine, _, events = make_engine(scheme, ScriptedSampler(ids(scheme, TWO_NOTES)), cfg, clock)
    with engine:
        engine.seed(SEED, settings(cfg), end_ns=S)
        assert engine.wait_idle()
    started = [e for e in events if isinstance(e, Generating)]
    done = [e for e in events if isinstance(e, Done)]
    assert len(started) == 1 and done == [Done(started[0].seq, S + 500 * MS)]


def test_stop_preempts_at_the_next_token_and_releases_notes(scheme: TokenScheme) -> None:
    clock = FakeClock(0)
    sampler = ScriptedSampler(ids(scheme, TWO_NOTES), block_after=3)  # one note out, then it stalls
    cfg = PlayConfig(lookahead_ms=0.0, length_beats=0)
    engine, sched, events = make_engine(scheme, sampler, cfg, clock)
    with engine:
        engine.seed(SEED, settings(cfg), end_ns=S)
        assert sampler.blocked.wait(5)
        sched.run_until(S + 1)  # the first note is sounding now
        assert sched.core.sounding == [(0, 64)]
        engine.stop()
        assert engine.wait_idle()
        assert engine.stats.preempted == 1
        # the first note was streamed before the sampler stalled, and stop ended it
        assert [n.pitch for n, _ in sched.scheduled] == [64]
        assert sched.core.sounding == [] and sched.core.pending == 0
        assert sched.sink.events[-1] == (S + 1, "off", 64, 0)
    assert events.errors == []


def test_new_seed_preempts_the_running_one(scheme: TokenScheme) -> None:
    clock = FakeClock(0)
    sampler = ScriptedSampler(ids(scheme, TWO_NOTES), block_after=3)
    cfg = PlayConfig(lookahead_ms=0.0, length_beats=0)
    engine, sched, _ = make_engine(scheme, sampler, cfg, clock)
    with engine:
        engine.seed(SEED, settings(cfg), end_ns=S)
        assert sampler.blocked.wait(5)
        sampler.blocked.clear()
        engine.seed(SEED[:1], settings(cfg), end_ns=2 * S)
        assert sampler.blocked.wait(5)  # the second seed is generating: the first was preempted
        engine.stop()
        assert engine.wait_idle()
    assert len(sampler.seeds) == 2
    assert engine.stats.preempted == 2
    assert engine.seed_notes == SEED[:1]


def test_worker_error_is_reported_notes_released_and_engine_survives(scheme: TokenScheme) -> None:
    clock = FakeClock(0)
    sampler = ScriptedSampler(ids(scheme, TWO_NOTES), fail_after=4)
    cfg = PlayConfig(lookahead_ms=0.0, length_beats=0)
    engine, sched, events = make_engine(scheme, sampler, cfg, clock)
    with engine:
        engine.seed(SEED, settings(cfg), end_ns=S)
        assert engine.wait_idle()
        assert events.errors == [("/segue/engine", "RuntimeError: decoder step failed: boom")]
        assert sched.core.pending == 0 and sched.core.sounding == []
        sampler.fail_after = None
        engine.continue_(settings(cfg), at_ns=3 * S)
        assert engine.wait_idle()
    assert engine.stats.errors == 1
    assert [(n.pitch, at) for n, at in sched.scheduled][-2:] == [(64, 3 * S), (67, 3 * S + 250 * MS)]


def test_continue_without_seed_is_an_error(scheme: TokenScheme) -> None:
    clock = FakeClock(0)
    engine, sched, events = make_engine(scheme, ScriptedSampler([]), PlayConfig(), clock)
    with engine:
        engine.continue_(settings(PlayConfig()))
        assert engine.wait_idle()
    assert events.errors == [("/segue/continue", "no seed phrase yet: play or send a phrase first")]
    assert sched.scheduled == []


def test_model_swap_keeps_the_old_model_on_failure(scheme: TokenScheme) -> None:
    clock = FakeClock(0)
    other = Model("other", scheme, {"decoder": ScriptedSampler(ids(scheme, TWO_NOTES))})

    def load(name: str) -> Model:
        if name == "other":
            return other
        raise FileNotFoundError(f"no model {name}")

    engine, _, events = make_engine(scheme, ScriptedSampler([]), PlayConfig(), clock, load_model=load)
    with engine:
        engine.swap("missing")
        assert engine.wait_idle()
        assert engine.model.name == "test"
        assert events.errors and events.errors[0][0] == "/segue/model"
        assert "still playing 'test'" in events.errors[0][1]
        engine.swap("other")
        assert engine.wait_idle()
        assert engine.model is other


def test_a_prefix_speculates_and_the_phrase_end_plays_it_at_once(scheme: TokenScheme) -> None:
    clock = FakeClock(0)
    sampler = ScriptedSampler(ids(scheme, "TimeShift_1.0.8 " + TWO_NOTES))
    cfg = PlayConfig(tempo_bpm=120.0, lookahead_ms=0.0, length_beats=0)
    engine, sched, _ = make_engine(scheme, sampler, cfg, clock)
    with engine:
        engine.prefix(SEED[:1], settings(cfg))
        engine.prefix(SEED, settings(cfg))  # the phrase so far, while the performer plays
        assert engine.wait_idle()
        # the first onset was sampled ahead: three tokens, then the time shift after E4 says it is whole
        assert sampler.seeds[-1] == scheme.encode(list(SEED), 120.0) and sampler.yielded >= 4
        assert sched.scheduled == [] and engine.stats.speculations >= 1
        engine.seed(SEED, settings(cfg), end_ns=S)
        assert engine.wait_idle()
    assert [(n.pitch, at) for n, at in sched.scheduled] == [(64, S), (67, S + 250 * MS)]
    assert engine.stats.speculated == 1
    assert len([s for s in sampler.seeds if s == sampler.seeds[-1]]) >= 1


def test_other_notes_or_settings_discard_the_speculation(scheme: TokenScheme) -> None:
    clock = FakeClock(0)
    sampler = ScriptedSampler(ids(scheme, "TimeShift_1.0.8 " + TWO_NOTES))
    cfg = PlayConfig(tempo_bpm=120.0, lookahead_ms=0.0, length_beats=0)
    engine, sched, _ = make_engine(scheme, sampler, cfg, clock)
    with engine:
        engine.prefix(SEED, settings(cfg))
        assert engine.wait_idle()
        engine.seed(SEED, settings(replace(cfg, tempo_bpm=60.0)), end_ns=S)  # another tempo
        assert engine.wait_idle()
        engine.prefix(SEED, settings(cfg))
        assert engine.wait_idle()
        engine.seed(SEED[:1], settings(cfg), end_ns=3 * S)  # other notes
        assert engine.wait_idle()
    assert engine.stats.speculated == 0 and engine.stats.continuations == 2
    assert sampler.seeds[-1] == scheme.encode(list(SEED[:1]), 120.0)
    assert [at for _, at in sched.scheduled] == [S, S + 500 * MS, 3 * S, 3 * S + 250 * MS]


def test_without_speculation_a_prefix_is_prefilled(scheme: TokenScheme) -> None:
    clock = FakeClock(0)
    sampler = ScriptedSampler([])
    engine, _, _ = make_engine(scheme, sampler, PlayConfig(), clock, speculate=False)
    with engine:
        engine.prefix(SEED[:1], settings(PlayConfig()))
        engine.prefix(SEED, settings(PlayConfig()))
        assert engine.wait_idle()
    # each offer is prefilled unless a newer command is already waiting
    assert sampler.prefilled[-1] == scheme.encode(list(SEED), 120.0)
    assert sampler.seeds == []


def test_installed_samplers_play_and_stale_ones_are_dropped(scheme: TokenScheme) -> None:
    clock = FakeClock(0)
    engine, _, _ = make_engine(scheme, ScriptedSampler([]), PlayConfig(), clock)
    graph = ScriptedSampler([])
    with engine:
        engine.install({"graph": graph}, decoder=object())  # built on a decoder that no longer plays
        assert engine.wait_idle() and "graph" not in engine.model.samplers
        engine.install({"graph": graph}, decoder=engine.model.samplers["decoder"])
        assert engine.wait_idle() and engine.model.samplers["graph"] is graph


def test_close_releases_sounding_notes(scheme: TokenScheme) -> None:
    clock = FakeClock(0)
    cfg = PlayConfig(lookahead_ms=0.0, length_beats=0)
    engine, sched, _ = make_engine(scheme, ScriptedSampler(ids(scheme, TWO_NOTES)), cfg, clock)
    engine.start()
    engine.seed(SEED, settings(cfg), end_ns=S)
    assert engine.wait_idle()
    sched.run_until(S + 1)
    assert sched.core.sounding == [(0, 64)]
    engine.close()
    assert sched.core.sounding == [] and sched.core.pending == 0
    ons = sum(e[1] == "on" for e in sched.sink.events)
    offs = sum(e[1] == "off" for e in sched.sink.events)
    assert ons == offs == 1
