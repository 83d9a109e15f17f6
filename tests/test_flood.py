"""A flood of valid OSC does not take control away, over real UDP and JACK MIDI: while another process
floods ``/segue/params`` bundles and a long answer plays, a ``/segue/panic`` still sends All Notes Off
(CC 123 on every channel) and no note-on follows it, every ping is answered, and the bytes segue sends
stay a small share of the bytes it receives."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from conftest import JackServer, OrderedReplies, StuckNoteAudit, wait_for
from pythonosc.udp_client import SimpleUDPClient
from test_daemon_midi import MidiProbe, jack_daemon, segue_ports
from test_daemon_osc import PHRASE, TEST_PARAMS, models_dir, play_long

from bridge.daemon import Daemon

__all__ = ["models_dir"]

FLOOD_S = 4.0
BUNDLES_PER_S = 500  # each of 64 /segue/params: 32,000 requests a second
PINGS = 10
# A Python process of its own (the daemon's GIL is not shared with it): bundles at a steady pace.
FLOODER = r"""
import socket, sys, time
from pythonosc.osc_bundle_builder import OscBundleBuilder, IMMEDIATELY
from pythonosc.osc_message_builder import OscMessageBuilder
port, seconds, rate = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
bundle = OscBundleBuilder(IMMEDIATELY)
for _ in range(64):
    bundle.add_content(OscMessageBuilder("/segue/params").build())
data = bundle.build().dgram
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
start = time.monotonic(); sent = 0
print("flooding", flush=True)
while time.monotonic() - start < seconds:
    for _ in range(10):
        sock.sendto(data, ("127.0.0.1", port)); sent += 1
    pause = start + sent / rate - time.monotonic()
    if pause > 0:
        time.sleep(pause)
print(sent, sent * len(data), flush=True)
"""


@pytest.fixture
def flood_daemon(jack_server: JackServer, models_dir, stuck_note_audit: StuckNoteAudit
                 ) -> Iterator[tuple[Daemon, OrderedReplies]]:
    replies = OrderedReplies(stuck_note_audit)
    with jack_daemon(jack_server, models_dir, replies, TEST_PARAMS) as daemon:
        yield daemon, replies


def test_panic_and_pings_get_through_a_flood_and_replies_stay_bounded(
        jack_server: JackServer, flood_daemon: tuple[Daemon, OrderedReplies],
        stuck_note_audit: StuckNoteAudit) -> None:
    daemon, replies = flood_daemon
    probe = MidiProbe(jack_server, "flood")
    flooder = None
    try:
        segue_in, segue_out = segue_ports(jack_server)
        probe.wire(segue_in, segue_out)
        assert daemon.osc_address is not None and daemon.osc_server is not None
        port = daemon.osc_address[1]
        client = SimpleUDPClient("127.0.0.1", port)
        play_long(client)
        client.send_message("/segue/phrase", PHRASE)
        assert wait_for(lambda: probe.messages("note_on"), timeout=15), "the answer never started"
        bytes_in0, bytes_out0 = daemon.osc_server.stats.bytes, daemon.reporter.replier.bytes_sent
        flooder = subprocess.Popen([sys.executable, "-c", FLOODER, str(port), str(FLOOD_S),
                                    str(BUNDLES_PER_S)], stdout=subprocess.PIPE, text=True)
        assert flooder.stdout is not None and flooder.stdout.readline().strip() == "flooding"
        time.sleep(0.5)
        pinger = SimpleUDPClient("127.0.0.1", port)
        panic_mark = -1
        for i in range(PINGS):
            pinger.send_message("/segue/ping", f"flood {i}")
            if i == PINGS // 2:
                panic_mark = len(probe.received)
                pinger.send_message("/segue/panic", [])
            time.sleep(0.25)
        assert flooder.poll() is None, "the flood ended before the pings did"
        out, _ = flooder.communicate(timeout=30)
        assert int(out.split()[0]) >= BUNDLES_PER_S  # thousands of bundles

        # All Notes Off on all 16 channels came after the panic, and no note-on after it
        def all_notes_off() -> list[int]:
            return [i for i, m in enumerate(probe.received[panic_mark:])
                    if m.type == "control_change" and m.control == 123]

        assert wait_for(lambda: len(all_notes_off()) >= 16, timeout=10), "the panic was lost in the flood"
        after = probe.received[panic_mark + all_notes_off()[0]:]
        assert not [m for m in after if m.type == "note_on" and m.velocity > 0], after

        # every ping sent during the flood is answered
        def answered() -> set[str]:
            return {a[-1] for a in replies.all("/segue/pong") if str(a[-1]).startswith("flood ")}

        assert wait_for(lambda: len(answered()) == PINGS, timeout=10), sorted(answered())

        # bulk answers are bounded per sender: bytes out are a small share of bytes in
        assert daemon.sync(10)
        bytes_in = daemon.osc_server.stats.bytes - bytes_in0
        bytes_out = daemon.reporter.replier.bytes_sent - bytes_out0
        assert bytes_in > 1_000_000
        assert bytes_out < 0.05 * bytes_in, (bytes_out, bytes_in)
        # the flooder was told it is limited, in so many words
        limited = [a for a in replies.all("/segue/error") if a[0] == "/segue/params"]
        assert limited and "answer limited" in limited[0][1]
        stuck_note_audit.assert_clean(timeout=5)
    finally:
        if flooder is not None and flooder.poll() is None:
            flooder.kill()
            flooder.wait(5)
        probe.close()


def test_one_packet_asking_many_times_is_answered_once(flood_daemon: tuple[Daemon, OrderedReplies]) -> None:
    from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
    from pythonosc.osc_message_builder import OscMessageBuilder

    daemon, replies = flood_daemon
    assert daemon.osc_address is not None
    bundle = OscBundleBuilder(IMMEDIATELY)
    for _ in range(50):
        bundle.add_content(OscMessageBuilder("/segue/routes").build())
    bundle.add_content(OscMessageBuilder("/segue/get").build())
    bundle.add_content(OscMessageBuilder("/segue/get").build())
    client = SimpleUDPClient("127.0.0.1", daemon.osc_address[1])
    client.send(bundle.build())
    client.send_message("/segue/ping", "after")
    replies.wait("/segue/pong", lambda a: a[-1] == "after")
    from bridge.daemon import ROUTES

    assert len(replies.all("/segue/route")) == len(ROUTES)  # one answer, whole
    assert len(replies.all("/segue/value")) == len(daemon.params.params)
    assert not replies.all("/segue/error")
    # single-item answers are not limited: a hundred gets of one parameter, a hundred answers
    for _ in range(100):
        client.send_message("/segue/get", "tempo")
    client.send_message("/segue/ping", "gets")
    replies.wait("/segue/pong", lambda a: a[-1] == "gets")
    assert len([a for a in replies.all("/segue/value") if a[0] == "tempo"]) == 1 + 100
