"""MIDI clock out read back over real JACK: 24 ticks a beat at the tempo in force, start at a bar line,
stop when turned off, on the output port or on "segue clock"; answers enter on the clock's grid; and the
clock core (``bridge.clock_out.ClockOut``) on an injected grid."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
from conftest import JackMidiListener, JackServer, wait_for
from pythonosc.udp_client import SimpleUDPClient
from test_daemon_midi import jack_daemon, segue_ports
from test_daemon_osc import PHRASE, TEST_PARAMS, Replies, models_dir

from bridge.clock_out import ClockOut, clock_bytes
from bridge.timeline import Grid

__all__ = ["models_dir"]

S = 1_000_000_000
CLOCK, START, CONTINUE, STOP = 0xF8, 0xFA, 0xFB, 0xFC


class StampedPort:
    """What a JACK MIDI input received, each message with its arrival stamp (conftest's listener, in a
    child process of its own)."""

    def __init__(self, jack: JackServer, name: str) -> None:
        self.name = name
        self._listener = JackMidiListener(name)

    @property
    def messages(self) -> list[tuple[int, list[int]]]:
        return self._listener.received_stamped()

    def of(self, status: int, after: int = 0) -> list[int]:
        """Stamps of the messages with this status byte (note-ons: 0x90, any channel), from ``after`` on."""
        return [t for t, m in self.messages if t >= after and (m[0] == status or (
            status == 0x90 and m[0] & 0xF0 == 0x90 and len(m) > 2 and m[2] > 0))]

    def sounding(self) -> set[tuple[int, int]]:
        """Notes received without their note-off yet."""
        return self._listener.sounding()

    def close(self) -> None:
        self._listener.close()


def tick_tempo(stamps: list[int]) -> float:
    """The tempo of a run of ticks, 24 a beat: the least-squares slope of arrival time against tick
    number. JACK delivers each tick at the start of a process cycle, so single intervals are 1.3 ms off
    either way; a listener that misses a cycle gets that tick late, and when jackd reports a client late
    ("was not finished") a listener can lose the cycle's tick outright: a gap of two periods. So each gap
    counts as the whole number of median intervals nearest to it, and the fit weighs every tick."""
    gaps = np.diff(np.asarray(stamps, dtype=np.float64))
    ticks = np.concatenate([[0], np.cumsum(np.maximum(1, np.rint(gaps / np.median(gaps))))])
    slope_ns = float(np.polyfit(ticks, np.asarray(stamps, dtype=np.float64), 1)[0])
    return 60.0 * S / (24 * slope_ns)


def test_tick_tempo_reads_through_cycle_jitter_a_late_tick_and_a_lost_one() -> None:
    rng = np.random.default_rng(0)
    period = 60 * S / (24 * 120.0)
    cycle = 64 / 48_000 * S  # the tests' JACK period
    stamps = [int(np.ceil((k * period + rng.uniform(0, 1)) / cycle) * cycle) for k in range(48)]
    stamps[20] += int(3 * cycle)  # delivered late
    del stamps[30]  # lost
    assert abs(tick_tempo(stamps) - 120.0) < 0.5


@pytest.fixture
def port(jack_server: JackServer, request: pytest.FixtureRequest) -> Any:
    p = StampedPort(jack_server, f"clock probe {request.node.name[-12:]}")
    yield p
    p.close()


def test_clock_out_follows_the_tempo_starts_on_a_bar_and_stops(
        jack_server: JackServer, models_dir: Any, port: StampedPort) -> None:
    replies = Replies()
    with jack_daemon(jack_server, models_dir, replies,
                     {**TEST_PARAMS, "tempo": 120.0, "clock_out": "output", "length_notes": 6}) as daemon:
        _, segue_out = segue_ports(jack_server)
        jack_server.connect(segue_out, jack_server.find_port(f":{port.name}"))
        assert wait_for(lambda: len(port.of(CLOCK)) >= 24 * 3, timeout=10), port.messages[:5]
        assert abs(tick_tempo(port.of(CLOCK)[-48:]) - 120.0) < 2.0, np.diff(port.of(CLOCK)[-48:]) / 1e6
        assert wait_for(lambda: port.of(START), timeout=5), "no start within a bar"
        client = SimpleUDPClient("127.0.0.1", daemon.serve.port)
        client.send_message("/segue/set", ["tempo", 90.0])
        replies.wait("/segue/value", lambda a: a[0] == "tempo")
        changed = time.perf_counter_ns() + S // 4
        assert wait_for(lambda: len(port.of(CLOCK, changed)) >= 48, timeout=10)
        assert abs(tick_tempo(port.of(CLOCK, changed)) - 90.0) < 1.5
        # an answer enters on the clock's grid (entry auto: the grid is shared while clock out runs)
        start = port.of(START)[0]
        mark = time.perf_counter_ns()
        client.send_message("/segue/phrase", PHRASE)
        assert wait_for(lambda: len(port.of(0x90, mark)) >= 4, timeout=10)
        ticks = port.of(CLOCK, changed)
        for onset in port.of(0x90, mark):  # on the 1/8-beat grid: with every third tick (27.8 ms apart)
            nearest = min(ticks, key=lambda t: abs(t - onset))
            assert abs(onset - nearest) < 8_000_000, (onset - nearest) / 1e6
        assert start < ticks[0]
        client.send_message("/segue/set", ["clock_out", "off"])
        assert wait_for(lambda: port.of(STOP), timeout=5), "no stop when clock out was turned off"
        stopped = port.of(STOP)[0]
        time.sleep(0.3)
        assert len(port.of(CLOCK, stopped + S // 20)) == 0  # no tick after the stop
    assert wait_for(lambda: not port.sounding(), timeout=5), port.sounding()  # every note-on got its note-off


def test_clock_out_on_a_port_of_its_own(jack_server: JackServer, models_dir: Any, port: StampedPort) -> None:
    replies = Replies()
    with jack_daemon(jack_server, models_dir, replies, {**TEST_PARAMS, "tempo": 100.0, "clock_out": "port"}):
        clock_port = jack_server.find_port(":segue clock")
        jack_server.connect(clock_port, jack_server.find_port(f":{port.name}"))
        assert wait_for(lambda: len(port.of(CLOCK)) >= 48, timeout=10)
        assert abs(tick_tempo(port.of(CLOCK)) - 100.0) < 2.0
        assert wait_for(lambda: port.of(START), timeout=5), "no start within a bar"
    assert wait_for(lambda: port.of(STOP), timeout=5)  # segue closing: the last stop
    assert wait_for(lambda: not [p for p in jack_server.ports() if p.endswith(":segue clock")], timeout=5)


# ---- the core, on an injected grid ------------------------------------------------------------------


class Recorder:
    """Clock out's sink: (time, kind, value) at the time of the tick being fired."""

    def __init__(self) -> None:
        self.now = 0
        self.sent: list[tuple[int, str, int]] = []

    def __call__(self, kind: str, value: int = 0) -> None:
        self.sent.append((self.now, kind, value))


def drive(clock: ClockOut, out: Recorder, until_ns: int) -> list[tuple[int, str, int]]:
    while True:
        due = clock.next_due()
        if due is None or due > until_ns:
            return out.sent
        out.now = due
        clock.fire(due)


def test_internal_clock_ticks_24_a_beat_and_starts_at_the_next_bar() -> None:
    out = Recorder()
    clock = ClockOut(out)
    clock.set_grid(Grid(60.0, anchor_ns=0, anchor_beat=0.5, quantum=4.0), 0)  # beat 0.5 at 0 s
    sent = drive(clock, out, 4 * S)
    ticks = [t for t, kind, _ in sent if kind == "clock"]
    assert ticks[:2] == [0, round(S / 24)]  # beat 0.5 is tick 12; 24 ticks a beat, a beat a second
    start = [t for t, kind, _ in sent if kind == "start"]
    assert start == [round(3.5 * S)]  # beat 4: the next bar line, just before its tick
    assert sent[sent.index((start[0], "start", 0)) + 1] == (start[0], "clock", 0)


def test_following_a_song_that_plays_joins_at_a_bar_with_its_position() -> None:
    out = Recorder()
    clock = ClockOut(out, follow=True)
    # a song playing since beat 0, now at beat 5 (120 BPM), bars of 4 beats
    clock.set_grid(Grid(120.0, anchor_ns=0, anchor_beat=5.0, quantum=4.0, downbeat_ns=-5 * S // 2,
                        playing=True, song_beat=0.0), 0)
    sent = drive(clock, out, 2 * S)
    transport = [(t, kind, value) for t, kind, value in sent if kind != "clock"]
    # the next bar line, beat 8 at 1.5 s: 8 beats = 32 sixteenths into the song
    assert transport == [(3 * S // 2, "songpos", 32), (3 * S // 2, "continue", 0)]
    out.now = 2 * S
    clock.set_grid(Grid(120.0, anchor_ns=0, anchor_beat=5.0, quantum=4.0, playing=False), 2 * S)
    assert out.sent[-1] == (2 * S, "stop", 0) and not clock.playing
    assert clock_bytes("songpos", 32) == [0xF2, 32, 0] and clock_bytes("stop") == [STOP]
