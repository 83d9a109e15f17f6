"""Musical time from one owner: the tempo parameter, the MIDI clock (held after it stops), the bar grid,
and the OSC routes declared on their handlers."""

from __future__ import annotations

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


def test_the_internal_source_is_the_tempo_parameter() -> None:
    timeline = Timeline(100.0, bar_beats=3)
    assert timeline.grid == Grid(100.0, 3, None, "internal")
    assert timeline.set_tempo(90.0) and timeline.grid.tempo_bpm == 90.0
    assert not timeline.set_tempo(90.0)  # nothing changed
    ticks(timeline, 140.0, 48)
    assert timeline.grid.tempo_bpm == 90.0  # a clock arrives, but the source is internal


def test_the_midi_clock_drives_it_and_its_tempo_holds_after_it_stops() -> None:
    timeline = Timeline(120.0, source="midi")
    assert timeline.grid.tempo_bpm == 120.0  # no clock yet: the parameter
    timeline.midi_event("start", 0)
    last = ticks(timeline, 90.0, 48, start_ns=1000)
    grid = timeline.grid
    assert grid.tempo_bpm == 90.0 and grid.downbeat_ns == 1000 and grid.source == "midi"
    timeline.midi_event("stop", last + 1)
    assert timeline.grid.tempo_bpm == 90.0 and timeline.grid.downbeat_ns is None
    timeline.set_tempo(150.0)  # the parameter changes, the clock's tempo still holds
    assert timeline.grid.tempo_bpm == 90.0
    timeline.set_source("internal")
    assert timeline.grid.tempo_bpm == 150.0


def test_a_third_source_plugs_in() -> None:
    class Link:
        name = "link"

        def tempo_bpm(self) -> float | None:
            return 133.0

        def downbeat_ns(self) -> int | None:
            return 42

    timeline = Timeline(120.0)
    timeline.register(Link())
    assert timeline.set_source("link") and timeline.grid == Grid(133.0, 4, 42, "link")


def test_routes_are_the_decorated_handlers_in_order() -> None:
    assert collect(Control) == ROUTES
    addresses = [r.address for r in ROUTES]
    assert addresses[:6] == ["/segue/note", "/segue/phrase", "/segue/phrase/add", "/segue/phrase/end",
                             "/segue/clear", "/segue/continue"]
    assert all(callable(r.handler) and r.handler.__qualname__.startswith("Control.") for r in ROUTES)
