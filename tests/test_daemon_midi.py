"""The daemon on real JACK MIDI: notes into "segue in", a continuation out of "segue out", all matched.

A private ``jackd -d dummy`` runs for the session (conftest); the test side opens its own JACK ports
through mido's rtmidi backend and wires them with ``jack_connect``.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mido
import pytest
from conftest import JackMidiListener, JackMidiSender, JackServer, StuckNoteAudit, free_udp_port, wait_for
from pythonosc.udp_client import SimpleUDPClient
from test_daemon_osc import (
    PHRASE,
    TEST_PARAMS,
    TINY,
    Replies,
    models_dir,
    play_long,
    read_until,
    serve_subprocess,
)

from bridge.config import ServeConfig
from bridge.daemon import Daemon
from bridge.params import ParamStore

__all__ = ["models_dir"]  # the session fixture, shared with the OSC tests



class MidiProbe:
    """Test-side JACK ports: ``send`` plays into segue's input, ``received`` records segue's output."""

    def __init__(self, jack: JackServer, tag: str) -> None:
        self.jack = jack
        self.out_name = f"probe out {tag}"
        self.in_name = f"probe in {tag}"
        self.output = JackMidiSender(self.out_name)
        # polled, not a callback in JACK's real-time thread: a loaded machine would drop events
        self.input = JackMidiListener(self.in_name)

    @property
    def received(self) -> list[mido.Message]:
        return self.input.received()

    def messages(self, kind: str) -> list[mido.Message]:
        return [m for m in self.input.received() if m.type == kind]

    def wire(self, segue_in: str, segue_out: str) -> None:
        self.jack.connect(self.jack.find_port(f":{self.out_name}"), segue_in)
        self.jack.connect(segue_out, self.jack.find_port(f":{self.in_name}"))

    def play(self, pitches: list[int], velocity: int = 100) -> None:
        for pitch in pitches:
            self.output.send(mido.Message("note_on", note=pitch, velocity=velocity))
            time.sleep(0.02)
            self.output.send(mido.Message("note_off", note=pitch, velocity=0))

    def close(self) -> None:
        self.output.close()
        self.input.close()


def wired_probe(jack_server: JackServer, tag: str, audit: StuckNoteAudit) -> MidiProbe:
    """A probe playing into "segue in" and hearing "segue out", with the stuck-note audit on "segue out"."""
    probe = MidiProbe(jack_server, tag)
    segue_in, segue_out = segue_ports(jack_server)
    probe.wire(segue_in, segue_out)
    audit.listen_midi(jack_server, segue_out, name=f"audit {probe.in_name}")
    return probe


def segue_ports(jack: JackServer) -> tuple[str, str]:
    return jack.find_port(":segue in"), jack.find_port(":segue out")


@contextmanager
def jack_daemon(jack_server: JackServer, models_dir: Path | None, replies: Any,
                params: dict[str, Any]) -> Iterator[Daemon]:
    """An in-process daemon with JACK MIDI, replying to ``replies``, on the tiny model of ``models_dir``
    (None: the shipped default model); closed (and its ports gone from JACK) on the way out, ``replies``
    too."""
    models = {} if models_dir is None else {"models": (str(models_dir),), "model": TINY}
    serve = ServeConfig(port=free_udp_port(), reply_port=replies.port, midi=True, midi_api="jack", **models)
    daemon = Daemon(serve, ParamStore(values=params)).open()
    try:
        yield daemon
    finally:
        daemon.close()
        replies.close()
        wait_for(lambda: not [p for p in jack_server.ports() if p.endswith(":segue in")], timeout=5)


@pytest.fixture
def midi_daemon(jack_server: JackServer, models_dir: Path) -> Iterator[tuple[Daemon, Replies]]:
    replies = Replies()
    with jack_daemon(jack_server, models_dir, replies,
                     {**TEST_PARAMS, "phrase_end": "gap", "gap_seconds": 0.1}) as daemon:
        yield daemon, replies


@pytest.fixture
def probe(jack_server: JackServer, request: pytest.FixtureRequest) -> Iterator[MidiProbe]:
    p = MidiProbe(jack_server, request.node.name[-20:].replace("[", "").replace("]", ""))
    yield p
    p.close()


def test_notes_in_continuation_out_over_jack(
        jack_server: JackServer, midi_daemon: tuple[Daemon, Replies], probe: MidiProbe,
        stuck_note_audit: StuckNoteAudit) -> None:
    daemon, _ = midi_daemon
    assert "jack" in daemon.midi_status
    segue_in, segue_out = segue_ports(jack_server)
    probe.wire(segue_in, segue_out)
    stuck_note_audit.listen_midi(jack_server, segue_out, name="audit in notes")
    probe.play([60, 62, 64, 67])
    # the gap ends the phrase; the continuation comes out of "segue out"
    assert wait_for(lambda: stuck_note_audit.count("midi", "on") >= 1, timeout=15)
    assert daemon.engine is not None and daemon.engine.wait_idle(10)
    stuck_note_audit.assert_clean(timeout=10)
    assert [n.pitch for n in daemon.engine.seed_notes] == [60, 62, 64, 67]
    ons = [m for m in probe.messages("note_on") if m.velocity > 0]
    assert ons and all(m.channel == 0 for m in ons)  # parameter channel 1 = MIDI channel 0


def test_output_routed_back_into_input_is_suppressed(
        jack_server: JackServer, midi_daemon: tuple[Daemon, Replies], probe: MidiProbe,
        stuck_note_audit: StuckNoteAudit) -> None:
    daemon, _ = midi_daemon
    segue_in, segue_out = segue_ports(jack_server)
    probe.wire(segue_in, segue_out)
    jack_server.connect(segue_out, segue_in)  # a patch that feeds segue its own output
    stuck_note_audit.listen_midi(jack_server, segue_out, name="audit in feedback")
    probe.play([60, 64, 67])
    assert wait_for(lambda: stuck_note_audit.count("midi", "on") >= 1, timeout=15)
    assert daemon.engine is not None and daemon.engine.wait_idle(10)
    # the whole answer played (a silence inside it would let the audit pass early), then nothing sounds
    assert wait_for(lambda: daemon.session is not None and daemon.session.state == "idle", timeout=30)
    stuck_note_audit.assert_clean(timeout=10)
    assert daemon.sync()
    # every echoed note was dropped, so no phrase came from segue's own notes
    assert wait_for(lambda: daemon.capture.suppressed == stuck_note_audit.count("midi", "on"), timeout=5)
    time.sleep(0.3)  # longer than the gap: an unsuppressed echo would have started a second answer
    assert daemon.engine.stats.continuations == 1


def test_stop_and_panic_release_midi_notes(
        jack_server: JackServer, midi_daemon: tuple[Daemon, Replies], probe: MidiProbe,
        stuck_note_audit: StuckNoteAudit) -> None:
    daemon, _ = midi_daemon
    segue_in, segue_out = segue_ports(jack_server)
    probe.wire(segue_in, segue_out)
    stuck_note_audit.listen_midi(jack_server, segue_out, name="audit in panic")
    assert daemon.osc_address is not None
    client = SimpleUDPClient("127.0.0.1", daemon.osc_address[1])
    play_long(client)
    client.send_message("/segue/phrase", PHRASE)
    assert wait_for(lambda: stuck_note_audit.count("midi", "on") >= 1, timeout=15)
    client.send_message("/segue/panic", [])
    stuck_note_audit.assert_clean(timeout=5)
    # panic also sends All Notes Off (CC 123) on every channel
    assert wait_for(lambda: {m.channel for m in probe.messages("control_change") if m.control == 123}
                    == set(range(16)), timeout=5)


def test_midi_clock_and_garbage_are_routed_safely(
        jack_server: JackServer, midi_daemon: tuple[Daemon, Replies], probe: MidiProbe) -> None:
    daemon, replies = midi_daemon
    segue_in, segue_out = segue_ports(jack_server)
    probe.wire(segue_in, segue_out)
    probe.output.send(mido.Message("start"))
    for _ in range(30):
        probe.output.send(mido.Message("clock"))
    probe.output.send(mido.Message("note_off", note=50))  # a note-off without its note-on
    probe.output.send(mido.Message("sysex", data=[1, 2, 3] * 100))
    assert wait_for(lambda: daemon.sync() and daemon.midi_clock.ticks == 29, timeout=10)
    assert daemon.midi_clock.running
    assert daemon.capture.ignored_offs == 1 and not daemon.capture.active
    client = SimpleUDPClient("127.0.0.1", daemon.osc_address[1])  # type: ignore[index]
    client.send_message("/segue/ping", "ok")
    assert replies.wait("/segue/pong")[-1] == "ok"


def test_serve_subprocess_on_jack_releases_notes_on_sigterm(
        jack_server: JackServer, models_dir: Path, probe: MidiProbe,
        stuck_note_audit: StuckNoteAudit) -> None:
    port = free_udp_port()
    replies = Replies()
    proc = serve_subprocess(models_dir, port, replies.port, "--midi-api", "jack", "--length-notes", "0",
                            "--length-beats", "256", "--tempo", "60", midi=True)
    try:
        output = read_until(proc, "OSC in")
        text = "".join(output)
        segue_in, segue_out = segue_ports(jack_server)
        stuck_note_audit.listen_midi(jack_server, segue_out, name="audit in sigterm")
        client = SimpleUDPClient("127.0.0.1", port)
        client.send_message("/segue/phrase", PHRASE)
        assert wait_for(lambda: stuck_note_audit.count("midi", "on") >= 1, timeout=15)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        replies.close()
    assert "segue in" in text and "jack" in text
    stuck_note_audit.assert_clean(timeout=5)
