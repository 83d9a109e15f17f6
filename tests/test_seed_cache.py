"""The incremental seed encoder gives exactly ``TokenScheme.encode``'s ids, for phrases that grow note by
note (melodies, chords, legato, rests, long notes), and re-encodes only a tail of them."""

from __future__ import annotations

import random

import pytest

from bridge.notes import Note
from bridge.seed_cache import SeedEncoder
from bridge.tokens import TokenScheme


@pytest.fixture(scope="module")
def scheme() -> TokenScheme:
    from bridge.loading import shipped_models

    return TokenScheme.from_model_dir(shipped_models() / "default")  # the shipped BPE tokenizer


def growing(rng: random.Random, n: int) -> list[Note]:
    notes, t = [], rng.choice([0.0, 0.25, 1.5])
    for _ in range(n):
        t += rng.choice([0.0, 0.125, 0.25, 0.5, 0.5, 1.0, 1.5, 3.0, 5.0])
        pitch = rng.randint(30, 100)
        duration = rng.choice([0.125, 0.25, 0.5, 1.0, 2.0, 6.0])
        notes.append(Note(pitch, rng.randint(1, 127), round(t, 3), duration))
    return sorted(notes, key=lambda x: (x.start, x.pitch))


@pytest.mark.parametrize("case", range(12))
def test_growing_phrases_encode_exactly_like_miditok(scheme: TokenScheme, case: int) -> None:
    rng = random.Random(case)
    tempo = rng.choice([60.0, 120.0, 97.0])
    meter = rng.choice([(4, 4), (3, 4), (6, 8)])
    bar_origin = rng.choice([None, 0.0])
    notes = growing(rng, 40)
    encoder = SeedEncoder()
    for k in range(1, len(notes) + 1):
        assert encoder.encode(scheme, notes[:k], tempo, meter, bar_origin) == \
            scheme.encode(notes[:k], tempo, meter, bar_origin), (case, k)
    assert encoder.spliced > encoder.full  # most of the phrase was not tokenized again


def test_a_changed_tempo_or_first_note_encodes_it_all_again(scheme: TokenScheme) -> None:
    notes = growing(random.Random(99), 12)
    encoder = SeedEncoder()
    encoder.encode(scheme, notes, 120.0)
    assert encoder.encode(scheme, notes, 120.0) == scheme.encode(notes, 120.0) and encoder.full == 1
    assert encoder.encode(scheme, notes, 90.0) == scheme.encode(notes, 90.0) and encoder.full == 2
    assert encoder.encode(scheme, notes[1:], 90.0) == scheme.encode(notes[1:], 90.0) and encoder.full == 3
