"""OSC over real UDP on 127.0.0.1: python-osc and liblo (oscsend/oscdump) clients, bad packets, replies."""

from __future__ import annotations

import socket
import struct
import subprocess
import threading
import time

import pytest
from conftest import StuckNoteAudit, free_udp_port, wait_for
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.udp_client import SimpleUDPClient

from bridge.notes import Note
from bridge.osc_io import OscEvent, OscNoteSink, OscReplier, OscServer, is_loopback
from bridge.scheduler import FanoutSink, RealtimeScheduler


def drain(server: OscServer, count: int, timeout: float = 5.0) -> list[OscEvent]:
    """The first ``count`` events (fails after ``timeout``)."""
    events: list[OscEvent] = []
    deadline = time.monotonic() + timeout
    while len(events) < count and time.monotonic() < deadline:
        ev = server.get(timeout=0.05)
        if ev is not None:
            events.append(ev)
    assert len(events) == count, events
    return events


def raw_send(port: int, data: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(data, ("127.0.0.1", port))


def test_python_osc_client_messages_are_stamped_and_queued() -> None:
    with OscServer(port=0) as server:
        assert server.port > 0
        client = SimpleUDPClient("127.0.0.1", server.port)
        before = time.perf_counter_ns()
        client.send_message("/segue/note", [60, 100])
        client.send_message("/segue/set", ["temperature", 0.5])
        client.send_message("/segue/clear", None)
        first, second, third = drain(server, 3)
        assert (first.address, first.args, first.error) == ("/segue/note", (60, 100), None)
        assert second.args == ("temperature", 0.5) and third.args == ()
        assert first.client[0] == "127.0.0.1" and first.client[1] > 0
        assert before <= first.t_ns <= second.t_ns <= third.t_ns <= time.perf_counter_ns()
        assert first.source == "osc"
        assert server.stats.messages == 3 and server.stats.errors == 0


def test_liblo_oscsend_types_arrive() -> None:
    with OscServer(port=0) as server:
        out = subprocess.run(["oscsend", "localhost", str(server.port), "/segue/phrase", "iiffsT",
                              "60", "90", "0.5", "1.25", "x", ], capture_output=True, text=True, timeout=10)
        assert out.returncode == 0, out.stderr
        (ev,) = drain(server, 1)
        assert ev.address == "/segue/phrase"
        assert ev.args == (60, 90, 0.5, 1.25, "x", True)


def test_bundles_are_flattened() -> None:
    with OscServer(port=0) as server:
        bundle = OscBundleBuilder(IMMEDIATELY)
        for pitch in (60, 62, 64):
            msg = OscMessageBuilder("/segue/note")
            msg.add_arg(pitch)
            msg.add_arg(100)
            bundle.add_content(msg.build())
        raw_send(server.port, bundle.build().dgram)
        events = drain(server, 3)
        assert [e.args[0] for e in events] == [60, 62, 64]
        assert len({e.t_ns for e in events}) == 1


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"garbage", "malformed"),
        (b"/x\0\0,i\0\0\0\0", "malformed"),  # int argument cut short
        (b"/x\0\0,s\0\0abc", "malformed"),  # string without its terminator
        (b"", "malformed"),
        (b"#bundle\0" + bytes(8) + struct.pack(">i", 64) + b"xx", "no message"),  # unreadable element
        (b"#bundle\0" + bytes(8), "no message"),  # empty bundle
        (b"/big\0\0\0\0,s\0\0" + b"x" * 9000 + b"\0\0\0\0", "too large"),
    ],
)
def test_bad_packets_become_error_events_and_the_server_lives_on(data: bytes, fragment: str) -> None:
    with OscServer(port=0) as server:
        raw_send(server.port, data)
        (ev,) = drain(server, 1)
        assert ev.address == "" and ev.error is not None and fragment in ev.error
        assert ev.client[0] == "127.0.0.1"
        SimpleUDPClient("127.0.0.1", server.port).send_message("/segue/ping", None)
        (ok,) = drain(server, 1)
        assert ok.address == "/segue/ping" and ok.error is None
        assert server.stats.errors == 1


def test_too_many_messages_in_one_bundle() -> None:
    with OscServer(port=0, max_messages=10) as server:
        bundle = OscBundleBuilder(IMMEDIATELY)
        for _ in range(11):
            bundle.add_content(OscMessageBuilder("/segue/clear").build())
        raw_send(server.port, bundle.build().dgram)
        (ev,) = drain(server, 1)
        assert ev.error is not None and "bundle too large (11 messages" in ev.error


def test_full_queue_drops_and_counts() -> None:
    import queue

    with OscServer(port=0, events=queue.Queue(maxsize=2)) as server:
        client = SimpleUDPClient("127.0.0.1", server.port)
        for i in range(5):
            client.send_message("/segue/note", [60 + i, 100])
        assert wait_for(lambda: server.stats.packets == 5, 5.0)
        assert server.stats.queue_full == 3
        assert [e.args[0] for e in drain(server, 2)] == [60, 61]


def test_non_loopback_bind_needs_an_allow_list() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0")
    with pytest.raises(ValueError, match="allow-list"):
        OscServer("0.0.0.0", 0)
    with pytest.raises(ValueError, match="not an IP address"):
        OscServer("0.0.0.0", 0, allow=["my-laptop"])
    server = OscServer("0.0.0.0", 0, allow=["192.168.1.20", "10.0.0.0/24"])
    assert server.allows("192.168.1.20") and server.allows("10.0.0.77") and server.allows("127.0.0.1")
    assert not server.allows("192.168.1.21") and not server.allows("not-an-ip")
    with server:  # bound wide: loopback senders still get in
        SimpleUDPClient("127.0.0.1", server.port).send_message("/segue/ping", None)
        (ev,) = drain(server, 1)
        assert ev.address == "/segue/ping"


def test_port_in_use_raises() -> None:
    with OscServer(port=0) as server, pytest.raises(OSError):
        OscServer(port=server.port).start()


def read_oscdump(proc: subprocess.Popen[str], want: int, timeout: float = 5.0) -> list[str]:
    """The first ``want`` lines oscdump prints (fewer after ``timeout``)."""
    lines: list[str] = []
    assert proc.stdout is not None
    stdout = proc.stdout

    def read() -> None:
        for _ in range(want):
            lines.append(stdout.readline().strip())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    return lines


def test_replier_reaches_oscdump() -> None:
    port = free_udp_port()
    proc = subprocess.Popen(["oscdump", "-L", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        time.sleep(0.3)  # let oscdump bind before sending (UDP has no connection to wait on)
        with OscReplier("127.0.0.1", port) as replier:
            sink = OscNoteSink(replier)
            sink.note_on(60, 100, 0, 1.5)
            sink.note_off(60, 0)
            assert replier.send("/segue/status", "idle", "default", "decoder")
            assert replier.sent == 4
        lines = read_oscdump(proc, 4)
        assert [ln.split(" ", 1)[1] for ln in lines] == [
            "/segue/note iifi 60 100 1.500000 1",
            "/segue/noteon iii 60 100 1",
            "/segue/noteoff iii 60 0 1",
            "/segue/status sss \"idle\" \"default\" \"decoder\"",
        ]
    finally:
        proc.terminate()
        proc.wait(5)


def test_replier_never_raises() -> None:
    replier = OscReplier("127.0.0.1", free_udp_port())
    assert replier.send("/segue/x", object()) is False  # cannot be encoded
    assert replier.send("/segue/x", 1) is True  # nobody listening: UDP does not care
    replier.close()
    assert replier.send("/segue/x", 1) is False  # closed socket
    assert replier.failed == 2


def test_scheduler_to_osc_leaves_no_stuck_notes(stuck_note_audit: StuckNoteAudit) -> None:
    port = stuck_note_audit.listen_osc()
    with OscReplier("127.0.0.1", port) as replier:
        sink = OscNoteSink(replier)
        with RealtimeScheduler(FanoutSink([sink]), tempo_bpm=240.0) as rt:
            now = time.perf_counter_ns()
            for i in range(10):
                rt.schedule(Note(60 + i % 3, 100, 0.0, 0.02, 4), now + i * 2_000_000)
            rt.schedule(Note(30, 100, 0.0, 100.0, 4), now)  # cut short by close()
            assert wait_for(lambda: stuck_note_audit.count("osc", "off") >= 10, 5.0)
        stuck_note_audit.assert_clean()
        assert stuck_note_audit.count("osc", "on") == 11 and stuck_note_audit.unmatched_offs == 0
        sink.note_on(90, 100, 0)
        sink.all_notes_off()  # the sink's own release
        stuck_note_audit.assert_clean()
