"""Where an answer enters (``bridge.entry``): now, on the beat, on the bar; the model's place kept while it
is ahead; on a shared grid's bar lines or on the seed's own pulse; the seed's bar origin on a shared
grid; one answer's notes placed on the beat axis of the scheduler's grid."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bridge.continuation import PlayConfig
from bridge.entry import Placement, entry_beat, resolve, seed_bar_origin
from bridge.notes import Note
from bridge.timeline import Grid

S = 1_000_000_000
MS = 1_000_000
OWN = Grid(60.0, quantum=4.0)  # a beat a second, beat 0 at 0: nobody shares it
SHARED = Grid(60.0, quantum=4.0, downbeat_ns=S // 2, source="link")  # bar lines at 0.5 s, 4.5 s, ...


def test_auto_is_beat_on_a_shared_grid_else_now() -> None:
    assert resolve("auto", OWN) == "now" and resolve("auto", SHARED) == "beat"
    assert resolve("bar", OWN) == "bar"
    with pytest.raises(ValueError, match="entry must be one of now, beat, bar"):
        entry_beat("soon", OWN, 0, 0.0, 0)


def test_now_enters_as_soon_as_it_may() -> None:
    assert entry_beat("now", SHARED, 2_300 * MS, first_seed_beat=1.25, seed_start_ns=0) == pytest.approx(2.3)


def test_the_models_place_is_kept_while_it_is_ahead() -> None:
    # the seed started at 1 s; the model put the answer at its beat 6.5: 7.5 s, later than the earliest
    assert entry_beat("beat", OWN, 3 * S, first_seed_beat=6.5, seed_start_ns=S) == pytest.approx(7.5)
    assert entry_beat("bar", OWN, 3 * S, first_seed_beat=6.5, seed_start_ns=S) == pytest.approx(7.5)


def test_a_passed_place_moves_on_by_whole_beats_or_bars_on_the_seeds_pulse() -> None:
    # the seed started at 0.25 s; the model's place (its beat 2.5: 2.75 s) has passed at 4.1 s
    assert entry_beat("beat", OWN, 4_100 * MS, 2.5, 250 * MS) == pytest.approx(4.75)
    assert entry_beat("bar", OWN, 4_100 * MS, 2.5, 250 * MS) == pytest.approx(6.75)


def test_on_a_shared_grid_the_models_place_in_its_bar_goes_onto_the_grids_bar_lines() -> None:
    # the model's bar starts at the seed's first note (encoding_start 0.0) and it put the answer half a
    # beat into its bar; the grid's bar lines are at beats 0.5, 4.5, ...: half a beat past one of them
    assert entry_beat("bar", SHARED, 3 * S, first_seed_beat=4.5, seed_start_ns=123 * MS) == pytest.approx(5.0)
    # on the beat: the same half beat, the nearest such beat to where the model put it (4.623)
    beat = entry_beat("beat", SHARED, 3 * S, first_seed_beat=4.5, seed_start_ns=123 * MS)
    assert beat == pytest.approx(5.0) and (beat - SHARED.bar_origin_beat) % 1 == pytest.approx(0.5)
    # with the bar origin given to the encoding (the seed's beat 0.75 is a bar line of the grid)
    assert entry_beat("bar", SHARED, 3 * S, 4.75, -250 * MS, encoding_start=0.75) == pytest.approx(4.5)


def test_the_seeds_bar_origin_on_a_shared_grid() -> None:
    assert seed_bar_origin(OWN, 0) is None
    # a seed whose beat 0 was played at 1.7 s: the grid's next bar line (4.5 s) is its beat 2.8
    assert seed_bar_origin(SHARED, 1_700 * MS) == pytest.approx(2.8125)  # 1/32 beat steps


class GridScheduler:
    def __init__(self, grid: Grid | None) -> None:
        self.grid = grid


def test_one_answer_is_placed_on_the_scheduler_grid() -> None:
    cfg = PlayConfig(tempo_bpm=60.0, lookahead_ms=100.0, latency_ms=5.0, entry="beat")
    run = SimpleNamespace(first_seed_beat=3.5, encoding_start=0.0)
    scheduler = GridScheduler(OWN)
    seed = [Note(60, 100, 0.0, 1.0), Note(62, 100, 1.0, 1.0)]  # two beats long
    placed = Placement(scheduler, lambda: 2 * S, cfg, anchor_ns=3 * S, start_ns=None, seed_notes=seed)
    # the seed ended at 3 s: it started at 1 s; the model's place, its beat 3.5, is 4.5 s (ahead of 3.1 s)
    assert placed.place(Note(64, 90, 0.0, 0.5), run) == (4_505 * MS, 4.5, 5_005 * MS)
    scheduler.grid = Grid(120.0, anchor_ns=5 * S, anchor_beat=5.0)  # twice as fast from 5 s
    assert placed.place(Note(65, 90, 1.0, 1.0), run) == (5_255 * MS, 5.5, 5_755 * MS)


def test_a_negative_output_offset_sends_every_note_that_much_early_on_the_same_beats() -> None:
    cfg = PlayConfig(tempo_bpm=60.0, lookahead_ms=100.0, latency_ms=-1.8, entry="beat")
    run = SimpleNamespace(first_seed_beat=3.5, encoding_start=0.0)
    seed = [Note(60, 100, 0.0, 1.0), Note(62, 100, 1.0, 1.0)]
    placed = Placement(GridScheduler(OWN), lambda: 2 * S, cfg, 3 * S, None, seed)
    # the same entry as without an offset (beat 4.5, 4.5 s), sent 1.8 ms before it: the output's own delay
    assert placed.place(Note(64, 90, 0.0, 0.5), run) == (4_500 * MS - 1_800_000, 4.5, 5_000 * MS - 1_800_000)


def test_without_a_grid_the_answer_starts_at_the_phrase_end_and_never_in_the_past() -> None:
    cfg = PlayConfig(tempo_bpm=120.0, lookahead_ms=0.0, entry="bar")
    run = SimpleNamespace(first_seed_beat=0.0, encoding_start=0.0)
    placed = Placement(GridScheduler(None), lambda: 3 * S, cfg, 2 * S, None, [Note(60, 100, 0.0, 1.0)])
    assert placed.place(Note(64, 90, 0.0, 1.0), run) == (3 * S, None, 3_500 * MS)  # late: shifted to now
    assert placed.place(Note(65, 90, 1.0, 1.0), run) == (3_500 * MS, None, 4 * S)
