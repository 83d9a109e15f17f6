"""The scheduler with an injected clock and sink (exact (time, event) lists), and its real-time thread."""

from __future__ import annotations

import threading
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.notes import Note
from bridge.scheduler import FanoutSink, RealtimeScheduler, Scheduler, beats_to_ns
from bridge.timeline import Grid

MS = 1_000_000
S = 1_000_000_000


class FakeClock:
    def __init__(self, t: int = 0) -> None:
        self.t = t

    def __call__(self) -> int:
        return self.t


class Recorder:
    """An EventSink writing (clock time, event) tuples."""

    def __init__(self, clock) -> None:
        self.clock = clock
        self.events: list[tuple] = []
        self.lock = threading.Lock()

    def note_on(self, pitch: int, velocity: int, channel: int, duration_beats: float = 0.0) -> None:
        with self.lock:
            self.events.append((self.clock(), "on", pitch, velocity, channel))

    def note_off(self, pitch: int, channel: int) -> None:
        with self.lock:
            self.events.append((self.clock(), "off", pitch, channel))

    def all_notes_off(self) -> None:
        with self.lock:
            self.events.append((self.clock(), "all_off"))


def make(tempo: float = 120.0) -> tuple[FakeClock, Recorder, Scheduler]:
    clock = FakeClock()
    rec = Recorder(clock)
    return clock, rec, Scheduler(clock, rec, tempo_bpm=tempo)


def run_until(clock: FakeClock, sched: Scheduler, end: int) -> list[int]:
    """Advance the fake clock by the waits ``poll`` returns; returns the poll times."""
    times = []
    while clock.t <= end:
        times.append(clock.t)
        wait = sched.poll(clock.t)
        if wait is None:
            break
        clock.t += wait
    return times


def test_one_note_on_and_off_at_exact_times() -> None:
    clock, rec, sched = make(tempo=120.0)
    sched.schedule(Note(60, 100, 0.0, 1.0, 2), 10 * MS)
    assert sched.poll(0) == 10 * MS
    assert rec.events == []
    times = run_until(clock, sched, 2 * S)
    assert times == [0, 10 * MS, 510 * MS]
    assert rec.events == [(10 * MS, "on", 60, 100, 2), (510 * MS, "off", 60, 2)]
    assert sched.poll(600 * MS) is None
    assert sched.stats.snapshot()["count"] == 2 and sched.stats.snapshot()["max_ms"] == 0.0


def test_events_leave_in_time_order_and_offs_first_at_equal_times() -> None:
    clock, rec, sched = make(tempo=60.0)  # 1 beat = 1 s
    origin = 1 * S
    sched.schedule_phrase([Note(64, 90, 1.0, 1.0), Note(60, 80, 0.0, 1.0), Note(60, 70, 1.0, 0.5)], origin)
    run_until(clock, sched, 10 * S)
    assert rec.events == [
        (1 * S, "on", 60, 80, 0),
        (2 * S, "off", 60, 0),  # the first 60 ends exactly where the second starts: off goes first
        (2 * S, "on", 64, 90, 0),
        (2 * S, "on", 60, 70, 0),
        (2_500 * MS, "off", 60, 0),
        (3 * S, "off", 64, 0),
    ]


def test_overlapping_same_pitch_retriggers_and_skips_the_stale_off() -> None:
    clock, rec, sched = make(tempo=60.0)
    sched.schedule(Note(60, 100, 0.0, 2.0), 0)
    sched.schedule(Note(60, 90, 1.0, 2.0), 1 * S)
    run_until(clock, sched, 10 * S)
    assert rec.events == [
        (0, "on", 60, 100, 0),
        (1 * S, "off", 60, 0),
        (1 * S, "on", 60, 90, 0),
        (3 * S, "off", 60, 0),
    ]


def test_a_tempo_change_applies_to_later_notes() -> None:
    clock, rec, sched = make(tempo=120.0)
    sched.schedule(Note(60, 100, 0.0, 1.0), 5 * MS)
    sched.set_tempo(60.0)
    sched.schedule(Note(62, 100, 0.0, 1.0), 0)
    run_until(clock, sched, 10 * S)
    assert rec.events == [
        (0, "on", 62, 100, 0),
        (5 * MS, "on", 60, 100, 0),
        (505 * MS, "off", 60, 0),
        (1 * S, "off", 62, 0),
    ]


def test_late_polls_send_what_is_due_within_late_ms_and_drop_older_note_ons() -> None:
    clock, rec, sched = make(tempo=60.0)
    sched.set_late_ms(100.0)
    sched.schedule(Note(59, 100, 0.0, 0.1), -200 * MS)  # 203 ms late at the poll: dropped, its off too
    sched.schedule(Note(60, 100, 0.0, 0.001), 0)
    sched.schedule(Note(61, 100, 0.0, 1.0), 2 * MS)
    clock.t = 3 * MS
    assert sched.poll() == 1 * S - 1 * MS
    assert rec.events == [(3 * MS, "on", 60, 100, 0), (3 * MS, "off", 60, 0), (3 * MS, "on", 61, 100, 0)]
    stats = sched.stats.snapshot()
    assert stats["count"] == 3 and stats["max_ms"] == 3.0 and stats["late"] == 2  # over 1 ms: 3, 3 (not 1)
    assert stats["behind"] == 0 and stats["p99_ms"] == 3.0  # all arrived in time: the scheduler's own
    assert stats["dropped"] == 1
    run_until(clock, sched, 5 * S)
    assert rec.events[3:] == [(1002 * MS, "off", 61, 0)]  # nothing of the dropped note, ever


def test_notes_that_arrive_after_their_time_count_as_behind_not_as_jitter() -> None:
    clock, rec, sched = make(tempo=60.0)
    sched.schedule(Note(60, 100, 0.0, 1.0), 0)  # in time
    clock.t = 4 * MS
    sched.schedule(Note(62, 100, 0.0, 1.0), 1 * MS)  # the engine was 3 ms behind
    sched.poll()
    assert rec.events == [(4 * MS, "on", 60, 100, 0), (4 * MS, "on", 62, 100, 0)]
    stats = sched.stats.snapshot()
    assert stats["count"] == 2 and stats["late"] == 2 and stats["max_ms"] == 4.0  # both audibly late
    assert stats["behind"] == 1 and stats["p50_ms"] == 4.0 and stats["p99_ms"] == 4.0  # jitter: the first


def test_cancel_pending_ends_sounding_notes_and_drops_the_rest() -> None:
    clock, rec, sched = make(tempo=60.0)
    sched.schedule(Note(60, 100, 0.0, 4.0, 1), 0)
    sched.schedule(Note(67, 100, 0.0, 4.0, 1), 0)
    sched.schedule(Note(72, 100, 0.0, 1.0), 2 * S)
    sched.poll(0)
    assert sched.sounding == [(1, 60), (1, 67)]
    clock.t = 1 * S
    sched.cancel_pending()
    assert rec.events[2:] == [(1 * S, "off", 60, 1), (1 * S, "off", 67, 1)]
    assert sched.pending == 0 and sched.sounding == []
    assert run_until(clock, sched, 10 * S) == [1 * S]
    assert len(rec.events) == 4


def test_panic_sends_note_offs_then_the_sink_all_notes_off() -> None:
    clock, rec, sched = make()
    sched.schedule(Note(50, 100, 0.0, 1.0), 0)
    sched.poll(0)
    clock.t = 7
    sched.panic()
    assert rec.events == [(0, "on", 50, 100, 0), (7, "off", 50, 0), (7, "all_off")]


def test_fanout_keeps_going_past_a_failing_sink() -> None:
    clock = FakeClock()
    good = Recorder(clock)

    class Broken:
        def note_on(self, *a, **k):
            raise OSError("port gone")

        def note_off(self, *a, **k):
            raise OSError("port gone")

        def all_notes_off(self):
            raise OSError("port gone")

    fan = FanoutSink([Broken(), good])
    sched = Scheduler(clock, fan, tempo_bpm=60.0)
    sched.schedule(Note(60, 100, 0.0, 1.0), 0)
    run_until(clock, sched, 5 * S)
    sched.panic()
    assert good.events == [(0, "on", 60, 100, 0), (1 * S, "off", 60, 0), (1 * S, "all_off")]


def test_notes_on_the_beat_axis_are_retimed_when_the_tempo_changes() -> None:
    """A tempo change mid-answer moves the notes not yet sent (and the sounding one's note-off) onto
    the new grid; notes on fixed times stay where they were."""
    clock, rec, sched = make(60.0)
    sched.set_grid(Grid(60.0, anchor_ns=0, anchor_beat=0.0), 0)
    for beat in (0.0, 1.0, 2.0, 3.0):
        sched.schedule(Note(60 + int(beat), 100, 0.0, 1.5), round(beat * S), beat=beat)
    sched.schedule(Note(72, 100, 0.0, 0.25), 3 * S)  # fixed time
    run_until(clock, sched, S)  # beats 0 and 1 sent; the clock stops at the next event, 1.5 s
    assert clock.t == S + S // 2
    # at 1.5 s (beat 1.5) the tempo doubles: beat 2 now falls at 1.75 s, beat 3 at 2.25 s
    sched.set_grid(Grid(120.0, anchor_ns=S + S // 2, anchor_beat=1.5), S + S // 2)
    run_until(clock, sched, 10 * S)
    ons = [(t, p) for t, kind, p, *_ in rec.events if kind == "on"]
    offs = {p: t for t, kind, p, *_ in rec.events if kind == "off"}
    assert ons == [(0, 60), (S, 61), (1750 * MS, 62), (2250 * MS, 63), (3 * S, 72)]
    assert offs[60] == S + S // 2  # beat 1.5
    assert offs[61] == 2 * S  # beat 2.5: half a beat after the change at 120 BPM
    assert offs[62] == 2500 * MS and offs[63] == 3 * S
    assert offs[72] == 3 * S + 250 * MS  # the fixed note keeps the scheduler's tempo (60 BPM)
    assert sched.sounding == [] and sched.pending == 0 and sched.stats.snapshot()["dropped"] == 0
    assert beats_to_ns(1.5, 90.0) == 1 * S


def test_a_ticker_fires_from_the_loop_and_follows_the_grid() -> None:
    clock, rec, sched = make()

    class EveryBeat:
        def __init__(self) -> None:
            self.grid: Grid | None = None
            self.beat = 0
            self.fired: list[int] = []

        def next_due(self) -> int | None:
            return None if self.grid is None or self.beat > 3 else self.grid.ns_at(self.beat)

        def fire(self, now_ns: int) -> None:
            self.fired.append(now_ns)
            self.beat += 1

        def set_grid(self, grid: Grid, now_ns: int) -> None:
            self.grid = grid

    ticker = EveryBeat()
    sched.tickers.append(ticker)
    sched.set_grid(Grid(60.0, anchor_ns=0), 0)
    run_until(clock, sched, S - 1)  # beat 0 fired; the clock stops at the next tick, 1 s
    sched.set_grid(Grid(120.0, anchor_ns=S, anchor_beat=1.0), S)  # twice as fast from beat 1
    run_until(clock, sched, 5 * S)
    assert ticker.fired == [0, S, S + S // 2, 2 * S]


note_strategy = st.builds(
    Note,
    pitch=st.integers(58, 62),
    velocity=st.integers(1, 127),
    start=st.floats(0, 8, allow_nan=False),
    duration=st.floats(0.01, 4, allow_nan=False),
    channel=st.integers(0, 1),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(note_strategy, st.integers(0, 4 * S)), max_size=25),
       st.lists(st.integers(0, 6 * S), max_size=8), st.integers(0, 6 * S))
def test_every_note_on_gets_exactly_one_note_off(scheduled, poll_times, cancel_at) -> None:
    clock, rec, sched = make(tempo=100.0)
    for note, at in scheduled:
        sched.schedule(note, at)
    for t in sorted([*poll_times, cancel_at]):
        clock.t = t
        if t == cancel_at:
            sched.cancel_pending()
        else:
            sched.poll(t)
    run_until(clock, sched, 100 * S)
    on: Counter = Counter()
    last_t = -1
    for ev in rec.events:
        assert ev[0] >= last_t
        last_t = ev[0]
        key = (ev[-1], ev[2]) if ev[1] == "off" else (ev[4], ev[2])
        if ev[1] == "on":
            assert on[key] == 0, "a second note-on while the first still sounds"
            on[key] += 1
        else:
            assert on[key] == 1, "a note-off without its note-on"
            on[key] -= 1
    assert sum(on.values()) == 0 and sched.sounding == []


def test_realtime_thread_sends_in_order_and_releases_on_close() -> None:
    sink = Recorder(lambda: 0)
    with RealtimeScheduler(sink, tempo_bpm=240.0) as rt:
        now = rt.clock()
        for i in range(6):
            rt.schedule(Note(60 + i, 100, 0.0, 0.02), now + (i + 1) * 2 * MS)
        rt.schedule(Note(40, 100, 0.0, 100.0), now)  # still sounding at close
        rt.schedule(Note(41, 100, 0.0, 1.0), now + 60 * S)  # never starts
        done = threading.Event()

        def all_short_notes_done() -> bool:
            with sink.lock:
                return sum(1 for e in sink.events if e[1] == "off") >= 6

        for _ in range(500):
            if all_short_notes_done():
                done.set()
                break
            threading.Event().wait(0.01)
        assert done.is_set()
    kinds = [(e[1], e[2]) for e in sink.events]
    ons = [p for k, p in kinds if k == "on"]
    assert ons == [40, 60, 61, 62, 63, 64, 65]
    assert Counter(p for k, p in kinds if k == "on") == Counter(p for k, p in kinds if k == "off")
    assert kinds[-1] == ("off", 40)
    assert rt.stats.snapshot()["count"] == 13


def test_realtime_schedule_from_many_threads_and_panic() -> None:
    sink = Recorder(lambda: 0)
    rt = RealtimeScheduler(sink, tempo_bpm=120.0).start()
    start = rt.clock() + 5 * S
    threads = [threading.Thread(target=lambda k=k: [rt.schedule(Note(30 + k, 100, 0.0, 1.0, k), start)
                                                    for _ in range(3)]) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert rt.panic(wait=True) is True
    assert sink.events == [(0, "all_off")]  # nothing was sounding; pending notes dropped
    rt.close()
    rt.schedule(Note(50, 100, 0.0, 1.0), rt.clock())  # after close: queued on the idle core, never sent
    assert sink.events == [(0, "all_off")]
