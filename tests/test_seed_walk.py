"""SeedWalk: one walk of a growing seed gives what a fresh decoder gives after every prefix."""

from __future__ import annotations

import pytest

from bridge.bar_copy import BarCopy
from bridge.daemon import load_model, models_folders
from bridge.notes import Note
from bridge.seed_walk import SeedWalk, common_prefix, place_of


@pytest.fixture(scope="module")
def scheme():
    return load_model("default", models_folders(())).scheme


def phrase(n: int, shift: int = 0) -> list[Note]:
    """A line of eighths and dotted quarters, ``n`` notes."""
    notes, t = [], 0.0
    for i in range(n):
        length = 1.5 if i % 3 == 2 else 0.5
        notes.append(Note(60 + shift + (i * 5) % 12, 70 + i % 4 * 10, t, length))
        t += length
    return notes


def state(decoder) -> tuple:
    return (decoder.time, decoder.position, decoder.origin, decoder.time_signature, decoder.last_type,
            decoder.tempo)


def test_a_growing_seed_is_walked_from_where_it_changed(scheme) -> None:
    walk = SeedWalk(scheme)
    previous: list[int] = []
    for n in (4, 5, 9, 16, 17):
        ids = scheme.encode(phrase(n), 120.0)
        walk.walk(ids)
        shared = common_prefix(previous, ids)
        assert walk.walked == len(ids) - shared  # only the changed tail was decoded again
        fresh = scheme.stream_decoder()
        for i, token in enumerate(ids):
            assert state(walk.state_after(i)) == state(fresh)
            assert walk.place(i) == place_of(fresh, walk.since_time(i))
            fresh.advance(token)
        assert state(walk.primed(len(ids))) == state(scheme.stream_decoder(ids))
        previous = ids


def test_a_primed_copy_decodes_the_answer_like_a_fresh_decoder(scheme) -> None:
    seed = scheme.encode(phrase(12), 120.0)
    answer = scheme.encode(phrase(6, shift=2), 120.0)[1:]
    walk = SeedWalk(scheme).walk(seed)
    ours, fresh = walk.primed(len(seed)), scheme.stream_decoder(seed)
    assert [n for t in answer for n in ours.feed(t)] == [n for t in answer for n in fresh.feed(t)]
    assert state(walk.primed(len(seed))) == state(scheme.stream_decoder(seed))  # the walk was not moved


def test_the_bar_expert_is_the_same_from_a_shared_walk(scheme) -> None:
    walk = SeedWalk(scheme)
    for n in (8, 12):
        seed = scheme.encode(phrase(n), 120.0)
        for at in (1, len(seed) - 3, len(seed)):
            shared, alone = BarCopy(scheme, seed, at=at, walk=walk), BarCopy(scheme, seed, at=at)
            assert shared.place == alone.place
            assert shared.table.keys() == alone.table.keys()
            assert all((shared.table[k] == alone.table[k]).all() for k in alone.table)
