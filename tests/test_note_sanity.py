"""No note storms, no backlog bursts: the onset guard in sampling, the note guard before the scheduler and
the scheduler's late-note policy; unit tests with an injected clock and sink, then the shipped model
playing over real JACK MIDI, and ``segue serve`` stopped with SIGSTOP and continued.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pytest
from conftest import JackMidiListener, JackServer, StuckNoteAudit, free_udp_port, wait_for
from pythonosc.udp_client import SimpleUDPClient
from test_daemon_midi import jack_daemon
from test_daemon_osc import PHRASE, REPO, Replies, ping, read_until
from test_scheduler import FakeClock, Recorder, run_until

from bridge.continuation import PlayConfig, continuation
from bridge.loading import load_model, models_folders
from bridge.note_guard import AnswerBehind, GuardStats, NoteGuard
from bridge.notes import Note
from bridge.params import ParamStore
from bridge.sampling import LogitsProcessor, Onset, SamplingParams
from bridge.scheduler import Scheduler
from bridge.settings import Settings
from bridge.tokens import TokenType

MS = 1_000_000
S = 1_000_000_000
# a low phrase on which the shipped model, left alone, repeats one pitch at one onset hundreds of times
LOW = [Note(p, 90, i * 0.5, 0.5) for i, p in enumerate([36, 38, 40, 41])]
LOW_OSC = [x for n in LOW for x in (n.pitch, n.velocity, n.start, n.duration)]
SAFE = [("sample", 0.05), ("greedy", 1.0), ("beam", 1.0)]


@pytest.fixture(scope="module")
def shipped() -> Any:
    return load_model("default", models_folders())


# ---- the scheduler's late-note policy ------------------------------------------------------------


def test_a_note_on_later_than_late_ms_is_dropped_with_its_note_off_and_counted() -> None:
    clock = FakeClock()
    rec = Recorder(clock)
    sched = Scheduler(clock, rec, tempo_bpm=60.0, late_ms=100.0)
    sched.schedule(Note(60, 100, 0.0, 0.5), 0)  # will be 150 ms late: dropped
    sched.schedule(Note(62, 100, 0.0, 1.0), 100 * MS)  # 50 ms late: sent
    sched.schedule(Note(64, 100, 0.0, 1.0), 400 * MS)  # on time
    clock.t = 150 * MS
    run_until(clock, sched, 5 * S)
    assert rec.events == [(150 * MS, "on", 62, 100, 0), (400 * MS, "on", 64, 100, 0),
                          (1100 * MS, "off", 62, 0), (1400 * MS, "off", 64, 0)]
    assert sched.stats.snapshot()["dropped"] == 1


def test_a_dropped_repeat_leaves_the_sounding_note_to_its_own_note_off() -> None:
    clock = FakeClock()
    rec = Recorder(clock)
    sched = Scheduler(clock, rec, tempo_bpm=60.0, late_ms=100.0)
    sched.schedule(Note(60, 100, 0.0, 2.0), 0)
    clock.t = 0
    sched.poll()
    sched.schedule(Note(60, 90, 0.0, 0.5), 500 * MS)
    clock.t = 700 * MS  # the repeat is 200 ms late
    run_until(clock, sched, 5 * S)
    assert rec.events == [(0, "on", 60, 100, 0), (2 * S, "off", 60, 0)]
    assert sched.stats.snapshot()["dropped"] == 1


# ---- the note guard ------------------------------------------------------------------------------


@dataclass
class FakeScheduler:
    notes: list[tuple[int, Note]]
    tempo: float = 0.0
    late_ms: float = 0.0

    def schedule(self, note: Note, at_ns: int) -> None:
        self.notes.append((at_ns, note))

    def set_tempo(self, tempo_bpm: float) -> None:
        self.tempo = tempo_bpm

    def set_late_ms(self, late_ms: float) -> None:
        self.late_ms = late_ms


def guard_for(settings: Settings, now: int = 0) -> tuple[NoteGuard, FakeScheduler, GuardStats, list[Any]]:
    sched, stats, reports = FakeScheduler([]), GuardStats(), []
    return NoteGuard(sched, settings, lambda: now, stats, reports.append), sched, stats, reports


def test_the_note_guard_sets_tempo_and_late_ms_and_drops_quick_re_attacks() -> None:
    store = ParamStore(values={"tempo": 60.0, "min_reattack_ms": 30.0, "late_ms": 250.0})
    guard, sched, stats, _ = guard_for(Settings.of(store))
    assert (sched.tempo, sched.late_ms) == (60.0, 250.0)
    assert guard.schedule(Note(60, 100, 0.0, 1.0), 0)
    assert not guard.schedule(Note(60, 100, 0.0, 1.0), 0)  # same onset
    assert not guard.schedule(Note(60, 100, 0.0, 1.0), 29 * MS)
    assert guard.schedule(Note(60, 100, 0.0, 1.0), 30 * MS)  # overlaps: a retrigger, handed on
    assert guard.schedule(Note(61, 100, 0.0, 1.0), 31 * MS)  # another pitch
    assert guard.schedule(Note(60, 100, 0.0, 1.0, channel=3), 31 * MS)  # another channel
    assert [(at, n.pitch) for at, n in sched.notes] == [(0, 60), (30 * MS, 60), (31 * MS, 61), (31 * MS, 60)]
    assert (stats.reattacks, stats.retriggers, stats.cut) == (2, 1, 0)


def test_an_answer_more_than_a_bar_behind_is_cut_with_an_error_naming_the_setting() -> None:
    store = ParamStore(values={"tempo": 120.0, "strategy": "beam", "beam_width": 32})
    guard, sched, stats, reports = guard_for(Settings.of(store), now=10 * S)
    assert guard.schedule(Note(60, 100, 0.0, 1.0), 9 * S)  # 1 s behind: under a bar (2 s)
    assert not guard.schedule(Note(62, 100, 0.0, 1.0), 7 * S)  # 3 s behind
    assert guard.cut and not guard.schedule(Note(64, 100, 0.0, 1.0), 10 * S)
    assert len(sched.notes) == 1 and (stats.cut, stats.behind_notes) == (1, 2)
    assert len(reports) == 1 and isinstance(reports[0], AnswerBehind)
    assert "beam_width" in str(reports[0]) and reports[0].address == "/segue/engine"


# ---- the onset guard in sampling -----------------------------------------------------------------


def test_the_onset_guard_masks_started_pitches_and_moves_time_when_the_chord_is_full(shipped: Any) -> None:
    scheme = shipped.scheme
    proc = LogitsProcessor(scheme, SamplingParams(strategy="greedy", max_chord=2, allow_end=False))
    starts_60 = np.flatnonzero(proc.onsets.head[60])
    logits = np.zeros(scheme.vocab_size)
    logits[starts_60] = 10.0  # the model wants pitch 60 again
    state = TokenType.DURATION
    free = proc.choose(logits, state, np.random.default_rng(0), onset=Onset())
    assert proc.onsets.head[60, free]
    again = proc.choose(logits, state, np.random.default_rng(0), onset=Onset(frozenset({60})))
    assert not proc.onsets.head[60, again]
    full = proc.choose(logits, state, np.random.default_rng(0), onset=Onset(frozenset({60, 64})))
    assert proc.onsets.moves[full]  # no third note at this onset: time moves
    moved = proc.onset_after(Onset(frozenset({60, 64})), full)
    assert moved.pitches == frozenset(proc.onsets.tail[full])


@pytest.mark.parametrize(("strategy", "temperature"), SAFE)
def test_safe_settings_do_not_loop_on_one_onset(shipped: Any, strategy: str, temperature: float) -> None:
    cfg = PlayConfig(length_beats=4.0, seed=1)
    params = SamplingParams(strategy=strategy, temperature=temperature, max_chord=6)
    notes = list(continuation(shipped, LOW, cfg, params, np.random.default_rng(1)))
    same = Counter((n.pitch, round(n.start, 4)) for n in notes)
    chords = Counter(round(n.start, 4) for n in notes)
    assert notes and max(same.values()) == 1 and max(chords.values()) <= 6
    assert len(chords) >= 2  # time moved


def test_the_graph_walk_keeps_the_onset_guard(shipped: Any) -> None:
    from bridge.loading import models_folders as folders
    from bridge.offline import prepare_model

    store = ParamStore(values={"sampler": "graph", "max_chord": 1})
    prepare_model(shipped, store, folders())
    cfg = replace(Settings.of(store).play, length_beats=16.0, seed=3)
    notes = list(continuation(shipped, LOW, cfg, Settings.of(store).sampling, np.random.default_rng(3)))
    assert notes and max(Counter(round(n.start, 4) for n in notes).values()) == 1


# ---- over real JACK: the shipped model at "safe" settings ------------------------------------------


class TimedMidi:
    """A JACK MIDI input recording (time, message) for every event segue sends."""

    def __init__(self, jack: JackServer, source: str, name: str) -> None:
        self.events: list[tuple[float, Any]] = []
        self._lock = threading.Lock()
        self._port = JackMidiListener(name, self._on)
        jack.connect(source, jack.find_port(f":{name}"))

    def _on(self, msg: Any) -> None:
        with self._lock:
            self.events.append((time.perf_counter(), msg))

    def note_ons(self) -> list[tuple[float, int, int]]:
        with self._lock:
            return [(t, m.channel, m.note) for t, m in self.events if m.type == "note_on" and m.velocity > 0]

    def close(self) -> None:
        self._port.close()


def max_per_window(times: list[float], window: float) -> int:
    """Most of ``times`` (sorted) within any ``window`` seconds."""
    best, first = 0, 0
    for last, t in enumerate(times):
        while t - times[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best


@pytest.mark.parametrize(("strategy", "temperature"), SAFE)
def test_no_note_storm_on_the_midi_output_at_safe_settings(
        jack_server: JackServer, stuck_note_audit: StuckNoteAudit, strategy: str, temperature: float) -> None:
    params = {"strategy": strategy, "temperature": temperature, "tempo": 120.0, "length_beats": 4.0,
              "seed": 1, "phrase_end": "trigger", "min_reattack_ms": 30.0}
    with jack_daemon(jack_server, None, Replies(stuck_note_audit), params) as daemon:
        segue_out = jack_server.find_port(":segue out")
        probe = TimedMidi(jack_server, segue_out, f"storm probe {strategy}")
        try:
            client = SimpleUDPClient("127.0.0.1", daemon.serve.port)
            client.send_message("/segue/phrase", LOW_OSC)
            assert wait_for(lambda: probe.note_ons(), timeout=20)
            assert daemon.engine is not None and daemon.engine.wait_idle(30)
            stuck_note_audit.assert_clean(timeout=10)
            assert wait_for(lambda: all(n == 0 for n in _sounding(probe).values()), timeout=10)
            by_pitch: dict[tuple[int, int], list[float]] = defaultdict(list)
            for t, channel, pitch in probe.note_ons():
                by_pitch[(channel, pitch)].append(t)
            worst = max(max_per_window(ts, 0.1) for ts in by_pitch.values())
            # 30 ms between re-attacks allows 4 in 100 ms; a generous bound for a noisy machine (the
            # unguarded model sends hundreds)
            assert worst <= 8, f"{worst} note-ons of one pitch within 100 ms"
        finally:
            probe.close()


def _sounding(probe: TimedMidi) -> Counter[tuple[int, int]]:
    """Note-ons minus note-offs per (channel, pitch) on the probe."""
    count: Counter[tuple[int, int]] = Counter()
    with probe._lock:
        events = list(probe.events)
    for _, m in events:
        if m.type == "note_on" and m.velocity > 0:
            count[(m.channel, m.note)] += 1
        elif m.type in ("note_on", "note_off") and count[(m.channel, m.note)] > 0:
            count[(m.channel, m.note)] -= 1
    return count


# ---- a stalled process: no backlog burst ------------------------------------------------------------


def serve_shipped(port: int, reply_port: int, *extra: str) -> subprocess.Popen[str]:
    """``python -m bridge serve`` OSC-only on the shipped model, playing long, dense answers."""
    args = [sys.executable, "-m", "bridge", "serve", "--no-midi", "--port", str(port), "--reply-port",
            str(reply_port), "--tempo", "300", "--rest-bias", "2", "--length-notes", "0", "--length-beats",
            "256", "--seed", "1", *extra]
    return subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def note_ons_after_stall(replies: Replies, stall_s: float = 2.0, window_s: float = 0.1,
                         *extra: str) -> tuple[int, int]:
    """``segue serve`` playing a long answer is stopped (SIGSTOP) for ``stall_s`` and continued: the
    note-ons received in the first ``window_s`` after SIGCONT, and the note-ons received in all."""
    port = free_udp_port()
    proc = serve_shipped(port, replies.port, *extra)
    try:
        read_until(proc, "OSC in")
        client = SimpleUDPClient("127.0.0.1", port)
        ping(client, replies, "stall")
        client.send_message("/segue/phrase", PHRASE)
        replies.wait("/segue/noteon", timeout=20)
        time.sleep(0.5)
        proc.send_signal(signal.SIGSTOP)
        time.sleep(stall_s)
        mark = replies.mark()
        resumed = time.perf_counter()
        proc.send_signal(signal.SIGCONT)
        time.sleep(window_s + 1.0)
        arrivals = replies.arrivals("/segue/noteon", after=mark)
        burst = sum(1 for t, args in arrivals if t - resumed < window_s and args[1] > 0)
        client.send_message("/segue/stop", [])
        ping(client, replies, "stopped")
        total = len(replies.all("/segue/noteon"))
        return burst, total
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGCONT)
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)


def test_after_a_stall_the_backlog_does_not_fire_in_a_burst(stuck_note_audit: StuckNoteAudit) -> None:
    replies = TimedReplies(stuck_note_audit)
    try:
        # a single line (max_chord 1): 100 ms at 300 BPM then holds at most 5 onsets of the grid's
        # 32nds, whatever the sampler plays, and a backlog of the stall's 10 beats would stand out
        burst, total = note_ons_after_stall(replies, 2.0, 0.1, "--max-chord", "1")
    finally:
        replies.close()
    assert total > 0
    assert burst <= 6, f"{burst} note-ons in the first 100 ms after SIGCONT"  # the backlog was dropped


class TimedReplies(Replies):
    """The ordered replies, each also kept with the time it arrived."""

    def __init__(self, audit: StuckNoteAudit | None = None) -> None:
        self._timed: list[tuple[float, str, tuple[Any, ...]]] = []
        super().__init__(audit)

    def _on(self, address: str, *args: Any) -> None:
        self._timed.append((time.perf_counter(), address, args))
        super()._on(address, *args)

    def arrivals(self, address: str, after: int = 0) -> list[tuple[float, tuple[Any, ...]]]:
        timed = list(self._timed)
        return [(t, a) for t, addr, a in timed[after:] if addr == address]
