"""MIDI clock following on synthetic tick stamps, and a MIDI clock sent over real JACK: its tempo reported,
answers on its beats."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest
from test_daemon_osc import models_dir

from bridge.midi_clock import PPQN, MidiClock

S = 1_000_000_000
__all__ = ["models_dir"]  # the session fixture, shared with the OSC tests


def ticks(bpm: float, n: int, start_ns: int = 0, jitter_ns: int = 0, rng: random.Random | None = None):
    interval = 60 * S / (bpm * PPQN)
    for i in range(n):
        j = rng.randint(-jitter_ns, jitter_ns) if rng is not None and jitter_ns else 0
        yield round(start_ns + i * interval) + j


def test_steady_clock_gives_its_tempo_after_a_few_ticks() -> None:
    clock = MidiClock()
    stamps = list(ticks(120.0, 30))
    for t in stamps[:5]:
        clock.feed("clock", t)
        assert clock.tempo_bpm is None
    for t in stamps[5:]:
        clock.feed("clock", t)
    assert clock.tempo_bpm == 120.0
    assert clock.present(stamps[-1] + S // 10)
    assert not clock.present(stamps[-1] + S)


@pytest.mark.parametrize("bpm", [60.0, 97.3, 174.0])
def test_jittered_clock_is_smoothed(bpm: float) -> None:
    clock = MidiClock()
    rng = random.Random(7)
    seen = []
    for t in ticks(bpm, 24 * 8, jitter_ns=1_000_000, rng=rng):
        clock.feed("clock", t)
        if clock.tempo_bpm is not None:
            seen.append(clock.tempo_bpm)
    assert clock.tempo_bpm == pytest.approx(bpm, abs=0.3)
    # hysteresis: the reported tempo changes rarely over the last four beats
    assert len(set(seen[-96:])) <= 4


def test_tempo_change_is_followed_within_two_beats() -> None:
    clock = MidiClock()
    stamps = list(ticks(120.0, 48))
    for t in stamps:
        clock.feed("clock", t)
    assert clock.tempo_bpm == 120.0
    for t in list(ticks(90.0, 49, start_ns=stamps[-1]))[1:]:
        clock.feed("clock", t)
    assert clock.tempo_bpm == 90.0


def test_dropout_restarts_the_estimate() -> None:
    clock = MidiClock(dropout_s=0.5)
    stamps = list(ticks(100.0, 30))
    for t in stamps:
        clock.feed("clock", t)
    assert clock.tempo_bpm == 100.0
    later = stamps[-1] + 2 * S
    for t in ticks(140.0, 3, start_ns=later):
        clock.feed("clock", t)
    assert clock.tempo_bpm is None  # re-estimating from scratch
    for t in list(ticks(140.0, 30, start_ns=later))[3:]:
        clock.feed("clock", t)
    assert clock.tempo_bpm == 140.0


def test_transport_start_stop_continue_and_song_position() -> None:
    clock = MidiClock()
    stamps = list(ticks(120.0, 100))
    clock.feed("clock", stamps[0])
    assert clock.running is False and clock.ticks == 0
    clock.feed("start", stamps[1] - 1000)
    for t in stamps[1:50]:
        clock.feed("clock", t)
    assert clock.running and clock.start_ns == stamps[1]
    assert clock.ticks == 48 and clock.beat == 2.0
    clock.feed("stop", stamps[50] - 1000)
    for t in stamps[50:60]:
        clock.feed("clock", t)
    assert clock.ticks == 48 and not clock.running
    clock.feed("continue", stamps[60] - 1000)
    for t in stamps[60:72]:
        clock.feed("clock", t)
    assert clock.ticks == 60 and clock.beat == 2.5
    clock.feed("songpos", 0, value=16)  # 16 sixteenths = 4 beats
    assert clock.beat == 4.0
    clock.feed("sysex", 0)  # other kinds are ignored
    assert clock.tempo_bpm == 120.0


def test_out_of_order_stamps_are_ignored() -> None:
    clock = MidiClock()
    stamps = list(ticks(120.0, 30))
    for t in stamps:
        clock.feed("clock", t)
    clock.feed("clock", stamps[-1] - 5_000_000)
    assert clock.tempo_bpm == 120.0


# ---- a MIDI clock over real JACK ---------------------------------------------------------------------


class ClockSender:
    """A test client sending MIDI clock (start, then 24 ticks a beat at ``bpm``) into a JACK port."""

    def __init__(self, name: str, bpm: float) -> None:
        from conftest import JackMidiSender

        self.name = name
        self.port = JackMidiSender(name)
        self.beat_ns = 60 * S / bpm
        self.start_ns: int | None = None  # when beat 0 (the first tick after start) was sent
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import mido

        self.port.send(mido.Message("start"))
        t0 = time.perf_counter_ns() + 5_000_000
        self.start_ns = t0
        k = 0
        while not self._stop.is_set():
            due = t0 + round(k * self.beat_ns / PPQN)
            while (left := due - time.perf_counter_ns()) > 0:
                time.sleep(min(left / S, 0.002) if left > 1_500_000 else 0)
            self.port.send(mido.Message("clock"))
            k += 1
        self.port.send(mido.Message("stop"))

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
        time.sleep(0.05)
        self.port.close()


def test_a_midi_clock_over_jack_is_followed_reported_and_answered_on_its_beats(
        jack_server: Any, models_dir: Any) -> None:
    from conftest import wait_for
    from pythonosc.udp_client import SimpleUDPClient
    from test_clock_out import StampedPort
    from test_daemon_midi import jack_daemon, segue_ports
    from test_daemon_osc import PHRASE, TEST_PARAMS, Replies

    replies = Replies()
    params = {**TEST_PARAMS, "tempo": 120.0, "clock_source": "midi", "entry": "beat", "length_notes": 6}
    with jack_daemon(jack_server, models_dir, replies, params) as daemon:
        segue_in, segue_out = segue_ports(jack_server)
        sender = ClockSender("midi clock probe", 97.0)
        listener = StampedPort(jack_server, "midi clock probe in")
        try:
            jack_server.connect(jack_server.find_port(f":{sender.name}"), segue_in)
            jack_server.connect(segue_out, jack_server.find_port(f":{listener.name}"))
            sender.run()
            client = SimpleUDPClient("127.0.0.1", daemon.serve.port)

            def status() -> tuple[Any, ...]:
                mark = replies.mark()
                client.send_message("/segue/status", [])
                return replies.wait("/segue/status", after=mark)

            assert wait_for(lambda: (s := status())[7] == "midi" and abs(s[6] - 97.0) < 0.5, timeout=10), \
                status()
            assert status()[12] == 1  # the clock's transport runs
            client.send_message("/segue/get", ["tempo"])
            name, tempo = replies.wait("/segue/value", lambda a: a[0] == "tempo")
            assert abs(tempo - 97.0) < 0.5  # the tempo in force, not the parameter (120)
            mark = time.perf_counter_ns()
            client.send_message("/segue/phrase", PHRASE)
            assert wait_for(lambda: len(listener.of(0x90, mark)) >= 4, timeout=10)
            assert sender.start_ns is not None
            for onset in listener.of(0x90, mark):  # on the clock's 1/8-beat grid (77 ms apart)
                beats = (onset - sender.start_ns) / sender.beat_ns
                error_ms = abs(beats - round(beats * 8) / 8) * sender.beat_ns / 1e6
                assert error_ms < 15.0, (beats, error_ms)
            # the 6-note answer plays out: every note-on that left got its note-off
            assert wait_for(lambda: not listener.sounding(), timeout=15), listener.sounding()
        finally:
            sender.close()
            listener.close()
        assert wait_for(lambda: status()[12] == 0, timeout=5)  # the clock stopped: so did its transport
