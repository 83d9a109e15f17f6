"""MIDI clock following on synthetic tick stamps."""

from __future__ import annotations

import random

import pytest

from bridge.midi_clock import PPQN, MidiClock

S = 1_000_000_000


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
