"""Bad MIDI into "segue in" over real JACK: random bytes, running status, sysex floods, note-offs without
note-ons, velocity-0 note-ons and all 16 channels. The daemon must stay up, keep its settings, and leave
no note sounding on "segue out". The decoder itself is also fuzzed offline (hypothesis).

``python -m bench.stress`` sends 100k such messages; this is the CI slice.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mido
import pytest
import rtmidi
from conftest import JackServer, OrderedReplies, StuckNoteAudit, free_udp_port, wait_for
from hypothesis import given, settings
from hypothesis import strategies as st
from pythonosc.udp_client import SimpleUDPClient
from test_daemon_midi import segue_ports
from test_daemon_osc import TEST_PARAMS, TINY, models_dir

from bridge.config import ServeConfig
from bridge.daemon import Daemon
from bridge.midi_apis import close_output
from bridge.midi_io import UNSTICK_INTERVAL_S, MidiDecoder
from bridge.params import ParamStore

__all__ = ["models_dir"]


def bad_midi(rng: random.Random, count: int) -> Iterator[list[int]]:
    """``count`` hostile MIDI events, each one rtmidi will send (1-3 bytes, or a sysex of any length)."""
    for _ in range(count):
        kind = rng.random()
        if kind < 0.45:  # any 1-3 bytes: stray data, undefined status bytes, cut-short messages
            yield [rng.randrange(256) for _ in range(rng.randint(1, 3))]
        elif kind < 0.55:  # a sysex flood: long, often unterminated, with status bytes inside
            body = [rng.randrange(128) for _ in range(rng.randint(0, 1500))]
            if body and rng.random() < 0.3:
                body[rng.randrange(len(body))] = rng.randrange(128, 256)
            yield [0xF0, *body, *([0xF7] if rng.random() < 0.5 else [])]
        elif kind < 0.7:  # running status: data bytes with no status byte of their own
            yield [rng.randrange(128) for _ in range(rng.randint(1, 2))]
        elif kind < 0.85:  # note-off without its note-on, any channel
            yield [0x80 | rng.randrange(16), rng.randrange(128), rng.randrange(128)]
        else:  # note-on velocity 0 (= note-off), any channel
            yield [0x90 | rng.randrange(16), rng.randrange(128), 0]


class RawMidiOut:
    """A JACK MIDI output sending raw bytes (rtmidi, no mido checks), wired into segue's input."""

    def __init__(self, jack: JackServer, name: str, destination: str) -> None:
        self.port = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name=name)
        self.port.open_virtual_port(name)
        jack.connect(jack.find_port(f":{name}"), destination)
        self.sent = 0

    def send(self, events: Iterator[list[int]], pace_every: int = 64, pause_s: float = 0.004) -> None:
        """Send events, pausing now and then so JACK's buffers (a few KB a period) are not overrun."""
        for i, data in enumerate(events):
            self.port.send_message(data)
            self.sent += 1
            if i % pace_every == pace_every - 1:
                time.sleep(pause_s)

    def close(self) -> None:
        time.sleep(0.05)  # let JACK take what is queued
        close_output(self.port)


@pytest.fixture
def midi_daemon(jack_server: JackServer, models_dir: Path,
                stuck_note_audit: StuckNoteAudit) -> Iterator[tuple[Daemon, OrderedReplies, SimpleUDPClient]]:
    replies = OrderedReplies(stuck_note_audit)
    serve = ServeConfig(port=free_udp_port(), reply_port=replies.port, midi=True, midi_api="jack",
                        models=(str(models_dir),), model=TINY)
    params = {**TEST_PARAMS, "phrase_end": "gap", "gap_seconds": 0.1}
    daemon = Daemon(serve, ParamStore(values=params)).open()
    assert daemon.osc_address is not None
    try:
        yield daemon, replies, SimpleUDPClient("127.0.0.1", daemon.osc_address[1])
    finally:
        daemon.close()
        replies.close()
        wait_for(lambda: not [p for p in jack_server.ports() if p.endswith(":segue in")], timeout=5)


def ping(client: SimpleUDPClient, replies: OrderedReplies, token: str) -> None:
    mark = replies.mark()
    client.send_message("/segue/ping", token)
    replies.wait("/segue/pong", lambda a: a[-1] == token, after=mark, timeout=15)


def settle(daemon: Daemon) -> None:
    """Wait until every MIDI event that arrived has been handled."""
    assert wait_for(lambda: daemon.sync() and daemon.pending == 0, timeout=15)


def test_a_flood_of_bad_midi_breaks_nothing(
        jack_server: JackServer, midi_daemon: tuple[Daemon, OrderedReplies, SimpleUDPClient],
        stuck_note_audit: StuckNoteAudit) -> None:
    daemon, replies, client = midi_daemon
    segue_in, segue_out = segue_ports(jack_server)
    stuck_note_audit.listen_midi(jack_server, segue_out, name="audit in flood")
    source = RawMidiOut(jack_server, "fuzz out flood", segue_in)
    try:
        before = daemon.params.snapshot()
        midi = daemon.midi
        errors = midi.decoder.errors
        source.send(bad_midi(random.Random(20261123), 3000))
        settle(daemon)
        ping(client, replies, "after the flood")
        assert midi.decoder.errors > errors  # the garbage was seen, and dropped
        assert daemon.params.snapshot() == before and daemon.engine is not None
        assert daemon.engine.model.name == TINY
        # stray note-offs were ignored; note-ons the garbage held open all end with their note-offs
        assert daemon.capture.ignored_offs > 0
        source.send(iter([[0x80 | ch, pitch, 0] for ch in range(16) for pitch in range(128)]))
        settle(daemon)
        assert daemon.capture.held == []
        client.send_message("/segue/stop", [])
        assert daemon.engine.wait_idle(10)
        stuck_note_audit.assert_clean(timeout=5)
        # and it still plays: a clean phrase in, a continuation out
        count = stuck_note_audit.count("midi", "on")
        source.send(iter([[0x90, 60, 100], [0x80, 60, 0], [0x90, 64, 100], [0x90, 64, 0]]))
        assert wait_for(lambda: stuck_note_audit.count("midi", "on") > count, timeout=15)
        assert daemon.engine.wait_idle(10)
        stuck_note_audit.assert_clean(timeout=10)
    finally:
        source.close()


def test_all_channels_velocity_zero_orphan_offs_and_running_status(
        jack_server: JackServer, midi_daemon: tuple[Daemon, OrderedReplies, SimpleUDPClient],
        stuck_note_audit: StuckNoteAudit) -> None:
    daemon, replies, client = midi_daemon
    client.send_message("/segue/set", ["phrase_end", "trigger"])  # the phrase ends when the test says
    ping(client, replies, "trigger mode")
    segue_in, segue_out = segue_ports(jack_server)
    stuck_note_audit.listen_midi(jack_server, segue_out, name="audit in channels")
    source = RawMidiOut(jack_server, "fuzz out channels", segue_in)
    try:
        events: list[list[int]] = [[0x80 | ch, 100, 64] for ch in range(16)]  # 16 offs with no note-on
        for ch in range(16):
            events.append([0x90 | ch, 48 + ch, 90])
            events.append([50 + ch, 90])  # running status across events: JACK events stand alone
            events.append([0x90 | ch, 48 + ch, 0] if ch % 2 == 0 else [0x80 | ch, 48 + ch, 0])
        source.send(iter(events), pace_every=8)
        settle(daemon)
        assert daemon.capture.ignored_offs == 16 and daemon.capture.held == []
        assert daemon.midi.decoder.errors >= 16  # the status-less events
        client.send_message("/segue/continue", [])
        assert wait_for(lambda: stuck_note_audit.count("midi", "on") > 0, timeout=15)
        assert daemon.engine is not None and daemon.engine.wait_idle(10)
        seed = daemon.engine.seed_notes
        assert sorted(n.pitch for n in seed) == list(range(48, 64))  # one note per channel, no more
        stuck_note_audit.assert_clean(timeout=10)
    finally:
        source.close()


def test_a_cut_short_sysex_does_not_leave_the_input_deaf(
        jack_server: JackServer, midi_daemon: tuple[Daemon, OrderedReplies, SimpleUDPClient]) -> None:
    """rtmidi's JACK input swallows everything after a sysex start until a 0xF7: segue ends it."""
    daemon, replies, client = midi_daemon
    client.send_message("/segue/set", ["phrase_end", "trigger"])
    ping(client, replies, "trigger mode")
    segue_in, _ = segue_ports(jack_server)
    source = RawMidiOut(jack_server, "fuzz out sysex", segue_in)
    try:
        source.send(iter([[0xF0, 0x7E, 0x01, 0x02], [0xF0, *range(100)]]))  # two dumps, never ended
        time.sleep(UNSTICK_INTERVAL_S * 2)
        source.send(iter([[0x90, 70, 100], [0x80, 70, 0]]))

        def played() -> list[int]:
            daemon.sync()
            phrase = daemon.capture.peek(daemon.clock())
            return [n.pitch for n in phrase.notes] if phrase is not None else []

        assert wait_for(lambda: played() == [70], timeout=10)
        assert daemon.midi.decoder.errors == 0  # the unstick bytes are not garbage
    finally:
        source.close()


# ---------------------------------------------------------------- the decoder on its own


def _check_messages(messages: list[mido.Message]) -> None:
    for msg in messages:
        data = msg.bytes()
        assert data and data[0] >= 0x80 and all(b < 0x80 for b in data[1:-1])
        if msg.type in ("note_on", "note_off"):
            assert 0 <= msg.channel <= 15 and 0 <= msg.note <= 127 and 0 <= msg.velocity <= 127


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(chunks=st.lists(st.binary(max_size=24), max_size=20), stream=st.booleans(),
       keep_sysex=st.booleans())
def test_the_decoder_survives_any_bytes(chunks: list[bytes], stream: bool, keep_sysex: bool) -> None:
    decoder = MidiDecoder(keep_sysex=keep_sysex, stream=stream, max_sysex=16)
    for chunk in chunks:
        out = decoder.decode(chunk)
        _check_messages(out)
        for msg in out:
            if msg.type == "sysex":
                assert len(msg.data) <= 16


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(notes=st.lists(st.tuples(st.integers(0, 15), st.integers(0, 127), st.integers(1, 127)), min_size=1,
                      max_size=20))
def test_running_status_in_a_stream_decodes_every_note(notes: list[tuple[int, int, int]]) -> None:
    """One status byte per channel run, then data pairs only: every note comes out."""
    data: list[int] = []
    status = None
    for channel, pitch, velocity in notes:
        if status != 0x90 | channel:
            status = 0x90 | channel
            data.append(status)
        data += [pitch, velocity]
    decoder = MidiDecoder(stream=True)
    split = len(data) // 2  # a serial line delivers in arbitrary pieces
    out: list[Any] = decoder.decode(data[:split]) + decoder.decode(data[split:])
    assert [(m.channel, m.note, m.velocity) for m in out] == notes and decoder.errors == 0
