"""bench.quality: metrics on hand-made notes, windows, baselines, statistics, failures, piano rolls, and one
small end-to-end run through the shipped model."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from bench.quality import baselines, metrics
from bench.quality.pianoroll import render_roll
from bench.quality.run import evaluate_set
from bench.quality.segue import EMPTY, FAILED, OK, Answer, Segue, segue_rows
from bench.quality.settings import Settings
from bench.quality.stats import bootstrap_mean, paired_difference
from bench.quality.windows import Window, cut_windows, load_set, onset_groups
from bridge.notes import Note
from bridge.offline import SeedFile, write_notes

S = Settings()
SCALE = [60, 62, 64, 65, 67, 69, 71, 72]


def line(pitches, step=0.5, start=0.0, duration=None):
    return [Note(p, 80, start + i * step, duration or step) for i, p in enumerate(pitches)]


def ctx_for(seed, real, bar=4.0, origin=0.0):
    return metrics.make_context(seed, real, bar, origin, S)


def values(answer, real, seed=None):
    ctx = ctx_for(seed or real, real)
    return metrics.compare(metrics.describe(answer, ctx), metrics.describe(real, ctx))


# ---------------------------------------------------------------- metrics


def test_tv_distance_identical_is_zero_and_disjoint_is_one():
    a = np.array([1.0, 2.0, 0.0])
    assert metrics.tv_distance(a, a * 3) == 0.0
    assert metrics.tv_distance(np.array([1.0, 0.0]), np.array([0.0, 5.0])) == 1.0
    assert metrics.tv_distance(np.zeros(3), a) == 1.0
    assert math.isnan(metrics.tv_distance(np.zeros(3), np.zeros(3)))


def test_a_scale_is_all_steps_and_no_leaps():
    shares = metrics.describe(line(SCALE), ctx_for(line(SCALE), line(SCALE))).shares
    assert shares["step"] == 1.0 and shares["leap"] == 0.0
    assert shares["in_key"] == 1.0 and shares["grid16"] == 1.0


def test_repeats_are_not_moves_and_octaves_are_leaps():
    notes = line([60, 60, 62, 74, 62, 69])  # moves: +2, +12, -12, +7 (the repeat is no move)
    shares = metrics.describe(notes, ctx_for(notes, notes)).shares
    assert shares["step"] == pytest.approx(1 / 4)
    assert shares["leap"] == pytest.approx(2 / 4)  # 12 and -12; 7 is not more than 7


def test_top_line_is_the_highest_note_of_each_onset_group():
    chords = [Note(p, 80, t, 1.0) for t, ps in ((0, (48, 60, 64)), (1, (50, 62, 65)), (2, (52, 64, 67)))
              for p in ps]
    assert metrics.top_line(onset_groups(chords)).tolist() == [64, 65, 67]
    d = metrics.describe(chords, ctx_for(chords, chords))
    assert d.polyphony == 3.0
    assert d.hists["interval"][12 + 1] == 1 and d.hists["interval"][12 + 2] == 1


def test_histogram_distances_of_known_note_lists():
    eighths, quarters = line(SCALE, 0.5), line(SCALE, 1.0)
    v = values(eighths, quarters)
    assert v["ioi"] == 1.0 and v["duration"] == 1.0  # all 0.5 vs all 1.0
    assert v["pitch_class"] == 0.0 and v["interval"] == 0.0
    assert v["headline"] == pytest.approx(1 / 3)
    assert v["density"] == pytest.approx(2.0) and v["range"] == 1.0 and v["polyphony"] == 1.0
    same = values(quarters, quarters)
    assert all(same[m] == 0.0 for m in metrics.DISTANCES)
    shifted = line([p + 1 for p in SCALE], 1.0)
    assert values(shifted, quarters)["pitch_class"] > 0.5


def test_bar_position_and_grid_count_from_the_bar_origin():
    notes = line(SCALE, 1.0, start=0.5)  # off-beat quarters: on the 16th grid, bar positions 0.5, 1.5, ...
    ctx = ctx_for(notes, notes, bar=4.0, origin=0.0)
    d = metrics.describe(notes, ctx)
    assert d.shares["grid16"] == 1.0
    assert np.flatnonzero(d.hists["bar_position"]).tolist() == [6, 18, 30, 42]  # 1/12-beat bins
    triplets = line(SCALE, 1 / 3)
    assert metrics.describe(triplets, ctx).shares["grid16"] == pytest.approx(3 / 8)  # 0, 1, 2 beats


def test_seed_figures_reused():
    seed = line([60, 62, 64, 65, 67])  # figures (2, 2, 1), (2, 1, 2)
    ctx = ctx_for(seed, seed)
    assert metrics.describe(seed, ctx).shares["reuse"] == 1.0
    assert metrics.describe(line([60, 67, 60, 67, 60]), ctx).shares["reuse"] == 0.0
    assert metrics.describe(line([50, 52, 54, 55]), ctx).shares["reuse"] == 0.5  # (2, 2, 1) only


def test_key_estimate_and_in_key_share():
    melody = [Note(p, 80, i, 2.0 if p in (60, 67) else 0.5) for i, p in enumerate(SCALE * 2)]
    tonic, steps = metrics.estimate_key(melody)
    assert (tonic, steps) == (0, metrics.MAJOR_STEPS)
    assert metrics.in_key(line([61, 63, 60, 62]), (tonic, steps)) == 0.5


def test_errors_are_lower_is_closer():
    real = {"in_key": 0.9, "step": 0.5}
    e = metrics.errors({"in_key": 0.7, "step": 0.5, "density": 2.0, "ioi": 0.3}, real)
    assert e["in_key"] == pytest.approx(0.2) and e["step"] == 0.0
    assert e["density"] == pytest.approx(math.log(2.0)) and e["ioi"] == 0.3


# ---------------------------------------------------------------- windows


def chord_piece(n_groups, size=3):
    """Chords of ``size`` notes every half beat (an arpeggiated C-major pattern)."""
    return tuple(Note(SCALE[(i + k * 2) % 8] + 12 * (k == 0), 80, i * 0.5, 0.5)
                 for i in range(n_groups) for k in range(size))


def test_windows_cut_at_onset_boundaries():
    notes = chord_piece(40)  # 120 notes: one window
    windows = cut_windows(SeedFile(notes, 120.0, (4, 4)), "fiddle", "p", S)
    assert len(windows) == 1
    w = windows[0]
    assert len(w.seed.notes) == 33  # 11 whole chords: the first boundary at >= 32 notes
    assert len(w.real) == 64  # 21 chords and the top note of the 22nd
    seed_onsets = {n.start for n in w.seed.notes}
    assert max(seed_onsets) < min(n.start for n in w.real)
    last = [n for n in w.real if n.start == w.real[-1].start]
    assert len(last) == 1 and last[0].pitch == max(n.pitch for n in notes if n.start == last[0].start)


def test_long_pieces_get_windows_from_the_middle():
    notes = chord_piece(120)  # 360 notes >= 3 * 96
    seed_file = SeedFile(notes, 120.0, (4, 4))
    assert len(cut_windows(seed_file, "fiddle", "p", S)) == 2
    windows = cut_windows(seed_file, "fiddle", "p", dataclasses.replace(S, windows=3))
    assert [w.seed.notes[0].start for w in windows] == [0.0, 20.0, 40.0]  # notes 120 and 240: chords 40, 80
    assert cut_windows(SeedFile(notes[:90]), "fiddle", "p", S) == []


# ---------------------------------------------------------------- baselines


def test_loop_reproduces_the_seed_a_bar_rounded_period_later():
    seed = line(SCALE * 2, 0.5)[:15]  # 7.5 beats long -> repeats every 8 beats in 4/4
    out = baselines.loop(seed, 40, 4.0)
    assert len(out) == 40
    assert [n.shifted(-8.0) for n in out[:15]] == seed
    assert [n.shifted(-16.0) for n in out[15:30]] == seed
    assert baselines.loop_period(onset_groups(line([60, 62], 3.0)), 4.0) == 8.0  # onsets 0, 3: > 3 beats


def test_markov_chain_plays_only_the_seed_onset_groups():
    seed = list(chord_piece(12, size=2)) + line([55, 57, 59], 0.75, start=6.0)
    allowed = {tuple((n.pitch, n.duration) for n in g) for g in onset_groups(seed)}
    out = baselines.markov(seed, 64, np.random.default_rng(1))
    assert len(out) == 64
    groups = onset_groups(out)
    assert all(tuple((n.pitch, n.duration) for n in g) in allowed for g in groups[:-1])
    assert groups[0][0].start > max(n.start for n in seed)
    assert out == baselines.markov(seed, 64, np.random.default_rng(1))


def test_random_baseline_stays_in_the_seed_range_and_other_piece_shifts():
    seed = line(SCALE)
    out = baselines.random_notes(seed, 64, np.random.default_rng(0))
    assert len(out) == 64 and all(60 <= n.pitch <= 72 for n in out)
    a = Window("fiddle", "a", 0, SeedFile(tuple(seed)), tuple(line(SCALE, start=10.0)))
    b = Window("fiddle", "b", 0, SeedFile(tuple(seed)), tuple(line([50, 52], start=3.0)))
    other = baselines.other_piece(a, [a, b], np.random.default_rng(0))
    assert [n.pitch for n in other] == [50, 52] and other[0].start == 10.0
    assert baselines.other_piece(a, [a], np.random.default_rng(0)) is None


# ---------------------------------------------------------------- statistics and failures


def test_bootstrap_interval_contains_the_mean_and_narrows_with_more_data():
    rng = np.random.default_rng(0)

    def estimate(n_pieces):
        vals = rng.normal(0.5, 0.1, size=2 * n_pieces)
        return bootstrap_mean(vals, [f"p{i // 2}" for i in range(len(vals))], resamples=500)

    small, large = estimate(10), estimate(200)
    for e in (small, large):
        assert e.lo <= e.mean <= e.hi
    assert (large.hi - large.lo) < (small.hi - small.lo) / 2
    assert small.n == 20 and small.pieces == 10
    diff = paired_difference({"a": 1.0, "b": 2.0, "c": math.nan}, {"a": 0.5, "b": 1.0, "d": 9.0},
                             {"a": "p", "b": "q", "c": "r", "d": "s"}, resamples=100)
    assert diff.mean == pytest.approx(0.75) and diff.n == 2


class FakeSegue:
    """Answers every other window with nothing, the rest with the real continuation."""

    def answer(self, window, row):
        if window.piece == "p1":
            return Answer(None, EMPTY, "no note")
        if window.piece == "p2":
            return Answer(None, FAILED, "EngineError: broken")
        return Answer(list(window.real), OK)


def test_empty_answers_are_failures_and_never_scored():
    windows = [Window("fiddle", f"p{i}", 0, SeedFile(tuple(line(SCALE * 4)[:32])),
                      tuple(line(SCALE * 8, start=16.0)[:64])) for i in range(4)]
    settings = dataclasses.replace(S, bootstrap=50)
    result = evaluate_set("fiddle", windows, [], FakeSegue(), settings)
    rows = result.summary["rows"]
    assert rows["decoder"]["reliability"] == {"windows": 4, "ok": 2, "short": 0, "empty": 1, "failed": 1,
                                              "answered": 2}
    pc = rows["decoder"]["metrics"]["pitch_class"]
    assert pc.n == 2 and pc.mean == 0.0  # the two real-as-answer windows only
    assert set(result.records["decoder"]["p1#0"].values) == set()
    assert result.summary["paired"]["decoder"]["loop"]["headline"].n == 2
    assert rows["loop"]["reliability"]["ok"] == 4


# ---------------------------------------------------------------- piano roll


def test_piano_roll_png(tmp_path):
    from PIL import Image

    path = render_roll([("seed", line(SCALE)), ("real", line(SCALE[::-1], start=4.0)), ("answer", [])],
                       tmp_path / "roll.png", width=600, height=200, bar_beats=3.0, title="test")
    with Image.open(path) as im:
        assert im.size == (600, 200) and im.format == "PNG"
        pixels = np.asarray(im.convert("RGB")).reshape(-1, 3)
    assert (pixels != 255).any(axis=1).mean() > 0.2
    colours = {tuple(p) for p in pixels}
    assert (70, 110, 200) in colours and (40, 160, 90) in colours


# ---------------------------------------------------------------- end to end, shipped model


def test_small_run_through_the_shipped_model(tmp_path):
    from bench.quality.report import write_outputs
    from bench.quality.run import run

    pieces = []
    for i, (split, folder) in enumerate([("style_test", "tunes"), ("style_test", "tunes"), ("test", "other"),
                                         ("test", "other")]):
        notes = [Note(SCALE[(k * (i + 2)) % 8] + 12 * (k % 5 == 0), 80, k * 0.5, 0.5) for k in range(100)]
        path = tmp_path / "midi" / folder / f"{i}.mid"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_notes(path, notes, 120.0, (4, 4))
        pieces.append({"id": f"{folder}/{i}.mid", "collection": folder, "composer": folder, "source": "",
                       "split": split, "notes": 100})
    pieces.append({"id": "tunes/short.mid", "collection": "tunes", "composer": "", "source": "",
                   "split": "style_test", "notes": 10})
    write_notes(tmp_path / "midi" / "tunes" / "short.mid", line(SCALE), 120.0)
    (tmp_path / "index.json").write_text(json.dumps({"version": 1, "pieces": pieces}))
    settings = Settings(corpus=tmp_path, out=tmp_path / "out", pieces=3, windows=1, bootstrap=100, rolls=1)
    windows, skipped = load_set("fiddle", settings)
    assert len(windows) == 2 and [s.piece for s in skipped] == ["tunes/short.mid"]
    segue = Segue(settings)
    row = segue_rows(settings)[0]
    first = segue.answer(windows[0], row)
    segue.answer(windows[1], row)
    assert segue.answer(windows[0], row).notes == first.notes  # no memory of earlier answers
    result = run(settings, segue)
    written = write_outputs(result, Path(settings.out))
    fiddle = result.sets[0]
    assert fiddle.summary["rows"]["decoder"]["reliability"]["answered"] == 2
    assert fiddle.summary["rows"]["decoder"]["metrics"]["headline"].n == 2
    data = json.loads((tmp_path / "out" / "quality.json").read_text())
    assert set(data["sets"]) == {"fiddle", "test"}
    assert "| decoder |" in written["markdown"] and "| real |" in written["markdown"]
    assert len(written["rolls"]) == 2 and all(p.stat().st_size > 1000 for p in written["rolls"])
