"""The seed's pitch classes as an expert: an answer that over-plays a pitch class is held back to the
seed's proportions, nothing is pushed, weight 0 is the decoder exactly (the shipped model's scheme)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bridge.notes import Note
from bridge.seed_profile import SMOOTHING, WINDOW, FeatureTable, SeedProfile
from bridge.tokens import TokenScheme

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "default"


@pytest.fixture(scope="module")
def scheme() -> TokenScheme:
    return TokenScheme.from_model_dir(MODEL_DIR)


@pytest.fixture(scope="module")
def table(scheme: TokenScheme) -> FeatureTable:
    return FeatureTable.pitch_classes(scheme)


def scale_seed(scheme: TokenScheme) -> list[int]:
    """A C major line of 16 notes: C, D, E, F, G, each about as often (no sharps)."""
    line = [60, 62, 64, 65, 67, 65, 64, 62] * 2
    return scheme.encode([Note(p, 90, i * 0.5, 0.5) for i, p in enumerate(line)], 120.0, (4, 4), 0.0)


def only_pitch(scheme: TokenScheme, pitch: int) -> int:
    """An id that plays ``pitch`` and no other note."""
    return next(i for i, p in enumerate(scheme.pitches) if p == (pitch,))


def test_the_table_counts_each_ids_pitch_classes(scheme: TokenScheme, table: FeatureTable) -> None:
    for token in range(scheme.vocab_size):
        expected = np.zeros(12)
        for pitch in scheme.pitches[token]:
            expected[pitch % 12] += 1
        assert np.array_equal(table.counts[token], expected)
    seed = scale_seed(scheme)
    counts = table.of(seed)
    assert counts.sum() == 16 and counts[[1, 3, 6, 8, 10, 11]].sum() == 0  # C major, up to G


def test_no_say_until_the_answer_drifts(scheme: TokenScheme, table: FeatureTable) -> None:
    profile = SeedProfile(table, scale_seed(scheme))
    logits = np.random.default_rng(0).normal(size=scheme.vocab_size)
    assert np.allclose(profile.mix(logits, 2.0), logits)  # the answer's counts start as the seed's
    assert profile.mix(logits, 0.0) is logits


def test_an_over_played_pitch_class_is_held_back_and_nothing_is_pushed(scheme: TokenScheme,
                                                                        table: FeatureTable) -> None:
    profile = SeedProfile(table, scale_seed(scheme))
    g = only_pitch(scheme, 67)
    for _ in range(12):  # the answer plays G over and over
        profile.feed(g)
    bias = profile.bias()
    assert bias[7] < 0  # G is held back
    assert np.all(bias <= 0)  # nothing is pushed: not the seed's other classes, not the ones it never played
    logits = np.random.default_rng(1).normal(size=scheme.vocab_size)
    mixed = profile.mix(logits, 2.0)
    c, c_sharp = only_pitch(scheme, 60), only_pitch(scheme, 61)
    assert (mixed[g] - logits[g]) - (mixed[c] - logits[c]) == pytest.approx(2.0 * bias[7])
    assert mixed[c] - logits[c] == pytest.approx(mixed[c_sharp] - logits[c_sharp])  # neither held back
    no_notes = [i for i, p in enumerate(scheme.pitches) if not p]
    assert np.array_equal(mixed[no_notes], logits[no_notes])  # ids without notes (time moves) are left alone
    # whether a note comes stays the decoder's: the ids with notes keep their total chance
    notes = [i for i, p in enumerate(scheme.pitches) if p]
    def chance(x: np.ndarray) -> float:
        return float(np.exp(x[notes]).sum() / np.exp(x).sum())
    assert chance(mixed) == pytest.approx(chance(logits))
    # the bias is the log ratio of the seed's share to the answer's
    seed_counts = table.of(scale_seed(scheme)) + SMOOTHING
    answer = seed_counts.copy()
    answer[7] += 12
    expected = np.log(seed_counts[7] / seed_counts.sum()) - np.log(answer[7] / answer.sum())
    assert bias[7] == pytest.approx(expected)


def test_a_long_answer_is_held_to_the_seed_over_its_last_notes(scheme: TokenScheme,
                                                                 table: FeatureTable) -> None:
    seed = scale_seed(scheme)
    profile = SeedProfile(table, seed)
    never = SeedProfile(table, seed)  # the same answer without the G run
    for _ in range(12):  # G over and over: held back
        profile.feed(only_pitch(scheme, 67))
    held_back = profile.bias()[7]
    assert held_back < 0
    for _ in range(WINDOW // 16 + 1):  # then the seed's own line, more than a window of it
        for token in seed:
            profile.feed(token)
            never.feed(token)
    assert np.allclose(profile.bias(), never.bias())  # the G run has left the window
    assert abs(profile.bias()[7]) < 0.25 * abs(held_back)


def test_the_decoder_holds_an_answer_to_its_seeds_pitch_classes(tmp_path: Path) -> None:
    """``segue continue`` end to end, at weight 0 and at the default, on the same seed and random seeds:
    the default answers' pitch-class histograms lie closer to the seed's, summed over three answers."""
    from bridge.cli import main
    from bridge.offline import read_seed, write_notes

    line = [64, 62, 60, 62, 64, 64, 64, 62, 62, 62, 64, 67, 67] * 3
    seed_notes = [Note(p, 90, i * 0.5, 0.5) for i, p in enumerate(line)]
    seed_file = tmp_path / "seed.mid"
    write_notes(seed_file, seed_notes, 120.0, (4, 4))

    def histogram(notes: list[Note]) -> np.ndarray:
        h = np.bincount([n.pitch % 12 for n in notes], minlength=12).astype(float)
        return h / h.sum()

    seed_h = histogram(seed_notes)
    distance = {"0": 0.0, "2": 0.0}
    for weight in distance:
        for random_seed in ("1", "2", "7"):
            out = tmp_path / f"answer{weight}-{random_seed}.mid"
            assert main(["continue", str(seed_file), "-o", str(out), "--length-notes", "128",
                         "--seed", random_seed, "--pitch-weight", weight]) == 0
            notes = read_seed(out).notes
            assert [n.pitch for n in notes[:len(line)]] == line  # the file holds the seed, then the answer
            answer = notes[len(seed_notes):]
            assert len(answer) == 128
            distance[weight] += 0.5 * float(np.abs(histogram(answer) - seed_h).sum())
    assert distance["2"] < distance["0"]
