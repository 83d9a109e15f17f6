"""Capture that cannot go deaf, over real JACK MIDI, and long phrases over real UDP.

A note-on whose note-off never comes, All Notes Off / All Sound Off (CC 123 / 120) and the sustain pedal
(CC 64) are played into "segue in" by a JACK probe; what counts is what segue answers: ``/segue/status``
replies, the notes on "segue out", and the seed it continued. Long phrases go over UDP in
``/segue/phrase/add`` parts.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mido
import pytest
from conftest import JackServer, OrderedReplies, StuckNoteAudit, wait_for
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.udp_client import SimpleUDPClient
from test_daemon_midi import MidiProbe, jack_daemon, wired_probe
from test_daemon_osc import TEST_PARAMS, models_dir, start_daemon

from bridge.daemon import Daemon
from bridge.errors import RequestError
from bridge.notes import Note
from bridge.osc_packets import MAX_PACKET_BYTES, split_packet
from bridge.phrase_parts import MAX_MESSAGE_NOTES, MAX_PHRASE_NOTES, PhraseParts

__all__ = ["models_dir"]  # the session fixture, shared with the OSC tests

S = 1_000_000_000


def answers(replies: OrderedReplies) -> int:
    """Continuations segue reported starting (``/segue/status generating``)."""
    return sum(1 for args in replies.all("/segue/status") if args[0] == "generating")


def note_on(probe: MidiProbe, pitch: int, channel: int = 0) -> None:
    probe.output.send(mido.Message("note_on", note=pitch, velocity=100, channel=channel))


def note_off(probe: MidiProbe, pitch: int, channel: int = 0) -> None:
    probe.output.send(mido.Message("note_off", note=pitch, velocity=0, channel=channel))


def cc(probe: MidiProbe, control: int, value: int, channel: int = 0) -> None:
    probe.output.send(mido.Message("control_change", control=control, value=value, channel=channel))


def answered(daemon: Daemon, replies: OrderedReplies, audit: StuckNoteAudit, count: int) -> None:
    """Wait for the ``count``-th answer to start, play out and end every note it sent."""
    assert wait_for(lambda: answers(replies) >= count, timeout=20), replies.all("/segue/status")
    assert daemon.engine is not None and daemon.engine.wait_idle(15)
    audit.assert_clean(timeout=10)


@pytest.fixture
def on_jack(jack_server: JackServer, models_dir: Path, stuck_note_audit: StuckNoteAudit,
            request: pytest.FixtureRequest) -> Iterator[Any]:
    """``start(**params)`` -> (daemon, replies, probe): an in-process daemon on JACK, wired to a probe."""
    opened: list[Any] = []

    def start(**params: Any) -> tuple[Daemon, OrderedReplies, MidiProbe]:
        replies = OrderedReplies()
        context = jack_daemon(jack_server, models_dir, replies, {**TEST_PARAMS, **params})
        daemon = context.__enter__()
        opened.append(context)
        probe = wired_probe(jack_server, request.node.name[-16:].replace("[", "").replace("]", ""),
                            stuck_note_audit)
        opened.append(probe)
        return daemon, replies, probe

    yield start
    for item in reversed(opened):
        if isinstance(item, MidiProbe):
            item.close()
        else:
            item.__exit__(None, None, None)


@pytest.mark.parametrize("phrase_end", ["gap", "bar"])
def test_a_lost_note_off_is_released_at_the_hold_bound(on_jack: Any, stuck_note_audit: StuckNoteAudit,
                                                       phrase_end: str) -> None:
    daemon, replies, probe = on_jack(phrase_end=phrase_end, gap_seconds=0.1, max_hold_s=0.5)
    note_on(probe, 60)  # its note-off is lost
    probe.play([62, 64])
    answered(daemon, replies, stuck_note_audit, 1)
    assert [n.pitch for n in daemon.engine.seed_notes] == [60, 62, 64]
    probe.play([65, 67])  # the next phrase is answered too
    answered(daemon, replies, stuck_note_audit, 2)
    assert [n.pitch for n in daemon.engine.seed_notes] == [65, 67]
    assert stuck_note_audit.count("midi", "on") >= 2
    note_off(probe, 60)  # the lost note-off arrives at last: nothing of this test is left on
    assert daemon.sync() and not daemon.capture.held


@pytest.mark.parametrize("control", [123, 120])
def test_all_notes_off_and_all_sound_off_release_the_capture(on_jack: Any, stuck_note_audit: StuckNoteAudit,
                                                             control: int) -> None:
    daemon, replies, probe = on_jack(phrase_end="gap", gap_seconds=0.1, max_hold_s=600.0)
    note_on(probe, 60)
    note_on(probe, 48, channel=2)
    probe.play([62, 64])
    assert daemon.sync()
    cc(probe, control, 0, channel=0)
    cc(probe, control, 0, channel=2)
    answered(daemon, replies, stuck_note_audit, 1)
    assert sorted(n.pitch for n in daemon.engine.seed_notes) == [48, 60, 62, 64]
    probe.play([65, 67])
    answered(daemon, replies, stuck_note_audit, 2)
    assert [n.pitch for n in daemon.engine.seed_notes] == [65, 67]
    note_off(probe, 60)  # the keys the all-notes-off released come up too
    note_off(probe, 48, channel=2)
    assert daemon.sync() and not daemon.capture.held


def test_the_sustain_pedal_holds_a_note_in_the_phrase(on_jack: Any, stuck_note_audit: StuckNoteAudit) -> None:
    daemon, replies, probe = on_jack(phrase_end="gap", gap_seconds=0.1, max_hold_s=600.0, tempo=300.0)
    cc(probe, 64, 127)  # pedal down
    probe.play([60])  # key down and up at once: the pedal keeps the note sounding
    time.sleep(0.6)  # six gaps long
    assert daemon.sync()
    assert answers(replies) == 0  # the sustained note keeps the phrase open
    cc(probe, 64, 0)  # pedal up: the note ends here, then the gap ends the phrase
    answered(daemon, replies, stuck_note_audit, 1)
    (seed,) = daemon.engine.seed_notes
    assert seed.pitch == 60
    assert seed.duration >= 2.5  # 0.6 s at 300 BPM is 3 beats; the key alone was 0.1 beat
    probe.play([62])  # pedal up: note-offs end notes again
    answered(daemon, replies, stuck_note_audit, 2)
    (seed,) = daemon.engine.seed_notes
    assert seed.pitch == 62 and seed.duration < 2.5


# ---------------------------------------------------------------- long phrases over UDP


@pytest.fixture
def udp(models_dir: Path, stuck_note_audit: StuckNoteAudit) -> Iterator[tuple[Daemon, OrderedReplies, Any]]:
    replies = OrderedReplies(stuck_note_audit)
    daemon = start_daemon(models_dir, replies.port)
    assert daemon.osc_address is not None
    try:
        yield daemon, replies, SimpleUDPClient("127.0.0.1", daemon.osc_address[1])
    finally:
        daemon.close()
        replies.close()


def phrase_args(count: int, first: int = 0) -> list[Any]:
    args: list[Any] = []
    for i in range(first, first + count):
        args += [48 + i % 24, 90, i * 0.25, 0.25]
    return args


def test_a_512_note_phrase_in_four_parts_is_one_answer(udp: Any, stuck_note_audit: StuckNoteAudit) -> None:
    daemon, replies, client = udp
    part = MAX_PHRASE_NOTES // 4
    for k in range(4):
        client.send_message("/segue/phrase/add", phrase_args(part, k * part))
    client.send_message("/segue/ping", "parts")
    replies.wait("/segue/pong", lambda a: a[-1] == "parts")
    assert answers(replies) == 0 and not replies.all("/segue/error")  # nothing plays before the end
    client.send_message("/segue/phrase/end", [])
    answered(daemon, replies, stuck_note_audit, 1)
    assert replies.all("/segue/noteon") and not replies.all("/segue/error")
    seed = daemon.engine.seed_notes
    assert len(seed) == MAX_PHRASE_NOTES and seed[-1].start == (MAX_PHRASE_NOTES - 1) * 0.25
    client.send_message("/segue/phrase/end", [])  # the parts were used up
    assert "/segue/phrase/add" in replies.wait("/segue/error")[1]
    time.sleep(0.3)
    assert answers(replies) == 1


def test_an_over_long_single_phrase_names_the_way_to_send_it(udp: Any) -> None:
    daemon, replies, client = udp
    client.send_message("/segue/phrase", phrase_args(MAX_MESSAGE_NOTES + 5))  # fits a datagram, just
    error = replies.wait("/segue/error")
    assert error[0] == "/segue/phrase" and "/segue/phrase/add" in error[1]
    mark = replies.mark()
    client.send_message("/segue/phrase", phrase_args(450))  # over the datagram guard
    error = replies.wait("/segue/error", after=mark)
    assert "too large" in error[1] and "/segue/phrase/add" in error[1]
    client.send_message("/segue/phrase/add", phrase_args(MAX_PHRASE_NOTES // 2))
    mark = replies.mark()
    client.send_message("/segue/phrase/add", phrase_args(MAX_PHRASE_NOTES // 2 + 1))  # one too many
    assert "at most 512 notes" in replies.wait("/segue/error", after=mark)[1]
    assert answers(replies) == 0 and daemon.alive


def test_the_message_limit_fits_the_datagram_guard() -> None:
    builder = OscMessageBuilder("/segue/phrase/add")
    for value in phrase_args(MAX_MESSAGE_NOTES):
        builder.add_arg(value)
    bundle = OscBundleBuilder(IMMEDIATELY)
    bundle.add_content(builder.build())
    data = bundle.build().dgram
    assert len(data) <= MAX_PACKET_BYTES
    assert len(split_packet(data)) == 1


def test_phrase_parts_per_sender_bounded_and_dropped_when_stale() -> None:
    parts = PhraseParts(max_notes=8, pending_s=5.0, max_senders=2)
    notes = [Note(60 + i, 90, float(i), 1.0) for i in range(4)]
    assert parts.add("a", notes, 0) == 4
    assert parts.add("b", notes[:1], 0) == 1
    assert parts.add("a", notes, 1 * S) == 8
    with pytest.raises(RequestError, match="at most 8 notes"):
        parts.add("a", notes[:1], 1 * S)
    assert parts.end("a", 2 * S) == notes + notes
    with pytest.raises(RequestError, match="no pending phrase"):
        parts.end("a", 2 * S)
    parts.add("c", notes[:1], 3 * S)
    parts.add("d", notes[:1], 3 * S)  # a third sender: the oldest pending phrase ("b") goes
    with pytest.raises(RequestError, match="no pending phrase"):
        parts.end("b", 3 * S)
    with pytest.raises(RequestError, match="no pending phrase"):
        parts.end("c", 9 * S)  # no part for over 5 s
    assert len(parts) == 0 and parts.dropped == 3
