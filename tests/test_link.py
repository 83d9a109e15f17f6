"""Ableton Link with a real peer: segue and a Link peer of the same library (linkpython-extern) in a
private network namespace (``unshare -n``, loopback up, multicast routed on it: no Link traffic leaves
it), notes read back over JACK and placed on the peer's own timeline (``bench.link_session``).

The bounds are loose on purpose (a loaded 2-core machine meets them); the timed claims (follow within a
second, onsets within 2 ms of the peer's grid) are measured by ``bench.link``.
"""

from __future__ import annotations

import statistics
from typing import Any

import pytest
from conftest import JackServer

from bench.link_session import run_in_namespace

GRID_TOLERANCE_MS = 15.0  # the grid's positions are 1/8 beat apart: 77 ms at 97 BPM


def _errors(rows: list[dict[str, Any]]) -> list[float]:
    return [abs(row["error_ms"]) for row in rows]


@pytest.fixture(scope="module")
def followed(jack_server: JackServer) -> dict[str, Any]:
    """The peer sets 97 BPM and starts; segue answers a phrase; the peer changes to 120 BPM mid-answer;
    then ``/segue/set tempo 110`` is proposed to the session."""
    return run_in_namespace({"tempo": 97.0, "notes": 20, "change_to": 120.0, "change_after": 6,
                             "request": 110.0, "clock_out": True})


def test_segue_joins_and_reports_the_session(followed: dict[str, Any]) -> None:
    assert followed["interfaces"] == ["lo"]  # the namespace has nothing but its own loopback
    assert followed["join_s"] is not None, "segue never reported the peer"
    assert followed["follow_s"] is not None, "segue never followed the peer's 97 BPM and start"
    state, model, sampler, late, max_late, dropped, tempo, source, beat, phase, peers, link, playing = \
        followed["status"]
    assert (tempo, source, peers, link, playing) == (97.0, "link", 1, "linked", 1)
    assert 0.0 <= phase < 4.0 and isinstance(beat, float)
    assert followed["get_tempo"] == [["tempo", 97.0]]  # /segue/get tempo: the tempo in force


def test_the_answer_lands_on_the_peers_beat_grid(followed: dict[str, Any]) -> None:
    received = followed["received"]
    assert len(received) >= 12, received
    before = [row for row in received if row["t"] < followed["changed_at"]]
    assert before and all(abs(row["tempo"] - 97.0) < 0.01 for row in before)
    assert max(_errors(before)) < GRID_TOLERANCE_MS, before
    assert max(_errors(followed["sent"])) < GRID_TOLERANCE_MS
    # every note-on got its note-off
    assert followed["received_offs"] == len(received)


def test_a_tempo_change_mid_answer_retimes_the_notes_not_yet_sent(followed: dict[str, Any]) -> None:
    assert followed["change_follow_s"] is not None, "segue never followed the change to 120 BPM"
    after = [row for row in followed["received"] if row["t"] > followed["changed_at"] + 0.5]
    assert len(after) >= 3, followed["received"]
    assert all(abs(row["tempo"] - 120.0) < 0.01 or abs(row["tempo"] - 110.0) < 0.01 for row in after)
    assert max(_errors(after)) < GRID_TOLERANCE_MS, after


def test_set_tempo_becomes_a_link_tempo_request(followed: dict[str, Any]) -> None:
    assert followed["request_s"] is not None and abs(followed["peer_tempo"] - 110.0) < 0.01


def test_clock_out_ticks_on_the_link_beats(followed: dict[str, Any]) -> None:
    ticks = followed["ticks"]
    assert len(ticks) >= 24 * 4, len(ticks)
    assert statistics.median(_errors(ticks)) < GRID_TOLERANCE_MS
    kinds = [kind for _, kind in followed["transport"]]
    assert kinds and kinds[0] in (0xFA, 0xFB)  # the session plays: start (or continue) went out
    bar = followed["transport"][0][0] / 4  # the peer's quantum: 4 beats
    assert abs(bar - round(bar)) < 0.02  # on a bar line of the session


def test_a_phrase_played_on_the_beats_is_answered_on_them_until_the_peer_stops(
        jack_server: JackServer) -> None:
    """The performer plays into "segue in" on the peer's beats; the gap ends the phrase; the answer
    lands on the peer's grid; the peer's stop ends it."""
    stopped = run_in_namespace({"tempo": 97.0, "notes": 4, "stop": True, "length_beats": 32.0,
                                "played": True})
    assert stopped["played"] and len(stopped["received"]) >= 4, stopped["received"]
    assert max(_errors(stopped["received"])) < GRID_TOLERANCE_MS, stopped["received"]
    assert stopped["stopped_while_playing"], "the answer ended before the peer stopped"
    assert stopped["stop_s"] is not None, "segue did not go idle after the peer's stop"
    assert stopped["received_offs"] == len(stopped["received"])
