"""Musical time from one owner: the tempo parameter, the MIDI clock (held after it stops), the beat axis
continuous across tempo changes, the bar grid, and the OSC routes declared on their handlers."""

from __future__ import annotations

import random

import pytest

from bridge.control import ROUTES, Control
from bridge.routes import collect
from bridge.timeline import Grid, Timeline

S = 1_000_000_000


def ticks(timeline: Timeline, bpm: float, n: int, start_ns: int = 0) -> int:
    t = start_ns
    for i in range(n):
        t = start_ns + round(i * 60 * S / (bpm * 24))
        timeline.midi_event("clock", t)
    return t


class Clock:
    def __init__(self, t: int = 0) -> None:
        self.t = t

    def __call__(self) -> int:
        return self.t


def test_the_internal_source_is_the_tempo_parameter() -> None:
    timeline = Timeline(100.0, bar_beats=3, clock=Clock(5))
    assert timeline.grid == Grid(100.0, 3, None, "internal", anchor_ns=5, quantum=3.0)
    assert timeline.set_tempo(90.0) and timeline.grid.tempo_bpm == 90.0
    assert not timeline.set_tempo(90.0)  # nothing changed
    ticks(timeline, 140.0, 48)
    assert timeline.grid.tempo_bpm == 90.0  # a clock arrives, but the source is internal


def test_the_beat_axis_is_continuous_across_tempo_changes() -> None:
    clock = Clock(0)
    timeline = Timeline(60.0, clock=clock)
    heard: list[Grid] = []
    timeline.add_listener(heard.append)
    clock.t = 2 * S  # beat 2
    timeline.set_tempo(120.0)
    grid = timeline.grid
    assert grid.beat_at(2 * S) == 2.0 and grid.ns_at(4.0) == 3 * S  # twice as fast from beat 2
    assert heard == [grid]
    assert grid.downbeat_ns is None  # nobody shares segue's bars
    assert timeline.share(True)  # clock out runs: its bar lines (beat 0, 4, 8...) are shared now
    assert timeline.grid.downbeat_ns == 1 * S and timeline.grid.phase(3 * S) == 0.0
    assert timeline.set_quantum(3.0) and timeline.grid.phase(3 * S) == 1.0
    assert len(heard) == 3


def test_the_midi_clock_drives_it_and_its_tempo_holds_after_it_stops() -> None:
    timeline = Timeline(120.0, source="midi", clock=Clock(0))
    assert timeline.grid.tempo_bpm == 120.0  # no clock yet: the parameter
    timeline.midi_event("start", 0)
    last = ticks(timeline, 90.0, 48, start_ns=1000)
    grid = timeline.grid
    assert grid.tempo_bpm == 90.0 and grid.downbeat_ns == 1000 and grid.source == "midi" and grid.playing
    # the beats are the song position: beat 2 (48 ticks) about two beats at 90 BPM after the start
    assert abs(grid.ns_at(47 / 24) - last) < 100_000 and grid.song_beat == 0.0
    timeline.midi_event("stop", last + 1)
    assert timeline.grid.tempo_bpm == 90.0 and timeline.grid.downbeat_ns is None
    assert not timeline.grid.playing
    timeline.set_tempo(150.0)  # the parameter changes, the clock's tempo still holds
    assert timeline.grid.tempo_bpm == 90.0
    timeline.set_source("internal")
    assert timeline.grid.tempo_bpm == 150.0


def test_clock_jitter_does_not_move_the_grid() -> None:
    timeline = Timeline(120.0, source="midi", clock=Clock(0))
    timeline.midi_event("start", 0)
    ticks(timeline, 100.0, 48)
    grid = timeline.grid
    rng = random.Random(3)
    t = 0
    for i in range(48, 96):  # two more beats, each tick up to 0.3 ms off
        t = round(i * 60 * S / (100.0 * 24)) + rng.randint(-300_000, 300_000)
        assert not timeline.midi_event("clock", t)
    assert timeline.grid == grid and abs(grid.ns_at(95 / 24) - t) < 400_000


def test_a_third_source_plugs_in() -> None:
    class Other:
        name = "other"

        def tempo_bpm(self) -> float | None:
            return 133.0

        def downbeat_ns(self) -> int | None:
            return 42

    timeline = Timeline(120.0, clock=Clock(7))
    timeline.register(Other())
    assert timeline.set_source("other")
    grid = timeline.grid
    assert (grid.tempo_bpm, grid.downbeat_ns, grid.source, grid.anchor_ns) == (133.0, 42, "other", 7)
    assert timeline.sources == ("internal", "midi", "link", "other")


def test_unknown_sources_and_bad_quantum_are_refused() -> None:
    timeline = Timeline(120.0)
    with pytest.raises(ValueError, match="unknown clock source 'ableton'; one of internal, midi, link"):
        timeline.set_source("ableton")
    with pytest.raises(ValueError, match="quantum must be > 0"):
        timeline.set_quantum(0.0)


def test_routes_are_the_decorated_handlers_in_order() -> None:
    assert collect(Control) == ROUTES
    addresses = [r.address for r in ROUTES]
    assert addresses[:6] == ["/segue/note", "/segue/phrase", "/segue/phrase/add", "/segue/phrase/end",
                             "/segue/clear", "/segue/continue"]
    assert all(callable(r.handler) and r.handler.__qualname__.startswith("Control.") for r in ROUTES)
