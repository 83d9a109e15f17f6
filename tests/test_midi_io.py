"""MIDI: byte decoding, port lookup, the no-backend message, and real JACK MIDI both ways."""

from __future__ import annotations

import time

import mido
import pytest
import rtmidi
from conftest import JackMidiListener, JackMidiSender, JackServer, StuckNoteAudit, wait_for

from bridge.midi_apis import close_output
from bridge.midi_io import (
    MidiDecoder,
    MidiEvent,
    MidiPortNotFound,
    MidiPorts,
    MidiUnavailable,
    auto_order,
    find_port,
    format_ports,
    list_ports,
)
from bridge.notes import Note
from bridge.scheduler import FanoutSink, RealtimeScheduler


def decode_all(chunks: list[list[int]], stream: bool = False) -> list[mido.Message]:
    dec = MidiDecoder(stream=stream)
    out: list[mido.Message] = []
    for chunk in chunks:
        out.extend(dec.decode(chunk))
    return out


def test_decoder_running_status_and_realtime() -> None:
    expected = [
        mido.Message("note_on", note=60, velocity=100),
        mido.Message("note_on", note=62, velocity=90),
        mido.Message("clock"),
        mido.Message("note_on", note=64, velocity=0),
    ]
    assert decode_all([[0x90, 60, 100, 62, 90, 0xF8, 64, 0]]) == expected  # one event
    assert decode_all([[0x90, 60, 100], [62, 90], [0xF8], [64, 0]], stream=True) == expected
    # separate events do not share running status (several sources feed one input)
    assert decode_all([[0x90, 60, 100], [62, 90]]) == expected[:1]
    # a clock byte in the middle of a note message does not break it
    assert decode_all([[0x91, 0xF8, 40, 50]]) == [mido.Message("clock"), mido.Message("note_on", channel=1,
                                                                                      note=40, velocity=50)]


def test_decoder_drops_garbage_and_sysex() -> None:
    dec = MidiDecoder()
    assert dec.decode([60, 70]) == []  # data bytes with no status yet
    assert dec.decode([0xF0, 1, 2, 3] + [5] * 10_000 + [0xF7]) == []  # sysex dropped
    assert dec.decode([0xF0, 1, 2, 0x80, 60, 0]) == [mido.Message("note_off", note=60, velocity=0)]
    assert dec.decode([0xF4, 0xF5, 0xF7]) == []
    assert dec.decode([0x90, 60]) == []  # cut short
    assert dec.decode([300, -1, "x"]) == []  # type: ignore[list-item]
    assert dec.decode([0xB0, 123, 0, 0xFA, 0xFC]) == [
        mido.Message("control_change", control=123, value=0), mido.Message("start"), mido.Message("stop")]
    assert dec.errors >= 6
    assert MidiDecoder(keep_sysex=True).decode([0xF0, 1, 2, 0xF7]) == [mido.Message("sysex", data=[1, 2])]


def test_find_port_by_prefix() -> None:
    names = ["Microsoft GS Wavetable Synth 0", "loopMIDI Port 1", "loopMIDI Port 2", "segue in 3"]
    assert find_port(names, "loopMIDI Port") == "loopMIDI Port 1"
    assert find_port(names, "loopMIDI Port 2") == "loopMIDI Port 2"
    assert find_port(names, "segue in") == "segue in 3"
    assert find_port(names, "wavetable") == "Microsoft GS Wavetable Synth 0"
    assert find_port(names, "nothing") is None


def test_auto_order_per_platform() -> None:
    assert auto_order("linux") == ["alsa", "jack"]
    assert auto_order("darwin") == ["jack"]  # CoreMIDI is not compiled into this Linux build
    assert auto_order("win32") == []


def test_no_backend_says_how_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JACK_DEFAULT_SERVER", "segue-no-such-server")
    with pytest.raises(MidiUnavailable) as info:
        MidiPorts(api="jack").open()
    text = str(info.value)
    assert "no JACK server running" in text and "jackd -d dummy -r 48000 -p 64" in text
    with pytest.raises(MidiUnavailable, match="unknown MIDI API 'midi-over-carrier-pigeon'"):
        MidiPorts(api="midi-over-carrier-pigeon").open()
    with pytest.raises(MidiUnavailable, match="built without the coremidi API"):
        MidiPorts(api="coremidi").open()
    assert list_ports(["jack"]) == {"jack": {"error": "no JACK server running"}}


def test_callback_survives_garbage() -> None:
    ports = MidiPorts(api="jack")
    ports.on_input(([0x90, 60, 100], 0.0))
    ports.on_input(([300, -5], 0.0))  # not bytes
    ports.on_input(None)  # type: ignore[arg-type]
    assert ports.callback_errors == 2
    (ev,) = [ports.events.get_nowait()]
    assert isinstance(ev, MidiEvent) and ev.data == bytes([0x90, 60, 100]) and ev.t_ns > 0


def peer_output(jack: JackServer, name: str = "test out") -> JackMidiSender:
    return JackMidiSender(name)


def test_jack_input_receives_notes_clock_and_ignores_garbage(jack_server: JackServer) -> None:
    with MidiPorts(api="jack") as ports:
        assert ports.api == "jack" and ports.input_port == "segue in" and ports.output_port == "segue out"
        assert "segue in" in ports.describe()
        segue_in = jack_server.find_port(":segue in")
        segue_out = jack_server.find_port(":segue out")
        listed = list_ports(["jack"])["jack"]
        # what segue can read from / play to: here, its own ports from the other side
        assert segue_out in listed["inputs"] and segue_in in listed["outputs"]
        assert f"inputs (for --midi-in):   {segue_out!r}" in format_ports({"jack": listed})

        raw = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name="raw peer")
        raw.open_virtual_port("raw out")
        peer = peer_output(jack_server)
        try:
            jack_server.connect(jack_server.find_port(":test out"), segue_in)
            jack_server.connect(jack_server.find_port(":raw out"), segue_in)
            sent = [
                mido.Message("note_on", note=60, velocity=100, channel=2),
                mido.Message("clock"),
                mido.Message("note_off", note=60, velocity=0, channel=2),
                mido.Message("control_change", control=1, value=64),
            ]
            before = time.perf_counter_ns()
            for msg in sent:
                peer.send(msg)
            raw.send_message([0xF0, 1, 2, 3, 0xF7])  # sysex (ignored by the input)
            raw.send_message([0x40, 0x41])  # stray data bytes
            peer.send(mido.Message("note_on", note=61, velocity=1))
            got: list[tuple[int, mido.Message]] = []
            wait_for(lambda: got.extend(ports.receive(0.05)) or any(m.note == 61 for _, m in got
                                                                     if m.type == "note_on"), 5.0)
            messages = [m for _, m in got]
            assert messages == [*sent, mido.Message("note_on", note=61, velocity=1)]
            assert all(t >= before for t, _ in got)
            assert [t for t, _ in got] == sorted(t for t, _ in got)
        finally:
            peer.close()
            close_output(raw)


def test_jack_output_notes_panic_and_close_release(jack_server: JackServer,
                                                   stuck_note_audit: StuckNoteAudit) -> None:
    listener = JackMidiListener("listen in")
    received = listener.messages
    try:
        with MidiPorts(api="jack", in_name="segue2 in", out_name="segue2 out") as ports:
            out_name = jack_server.find_port(":segue2 out")
            jack_server.connect(out_name, jack_server.find_port(":listen in"))
            stuck_note_audit.listen_midi(jack_server, out_name)
            ports.note_on(60, 100, 0)
            ports.note_on(64, 90, 9)
            ports.note_off(60, 0)
            assert ports.sounding == [(9, 64)]
            ports.panic()
            assert ports.sounding == []
            assert wait_for(lambda: len(received) >= 20, 5.0)
            assert received[:4] == [
                mido.Message("note_on", note=60, velocity=100),
                mido.Message("note_on", note=64, velocity=90, channel=9),
                mido.Message("note_off", note=60, velocity=0),
                mido.Message("note_off", note=64, velocity=0, channel=9),
            ]
            assert received[4:20] == [mido.Message("control_change", channel=c, control=123, value=0)
                                      for c in range(16)]
            ports.note_on(70, 80, 3)  # left on: close must end it
        off70 = mido.Message("note_off", note=70, velocity=0, channel=3)
        assert wait_for(lambda: off70 in received, 5.0), received[20:]
        ports.send(mido.Message("note_on", note=1, velocity=1))  # closed: ignored, no crash
    finally:
        listener.close()


def test_connect_to_existing_ports_by_prefix(jack_server: JackServer) -> None:
    peer_in = JackMidiListener("device in 1")
    peer_out = peer_output(jack_server, "device out 7")
    try:
        with MidiPorts(api="jack", connect_in="device out", connect_out="device in") as ports:
            assert ports.input_port.endswith("device out 7") and ports.output_port.endswith("device in 1")
            assert "(virtual)" not in ports.describe()
            ports.note_on(50, 60, 0)
            ports.note_off(50, 0)
            assert wait_for(lambda: len(peer_in.received()) == 2, 5.0)
            assert peer_in.received() == [mido.Message("note_on", note=50, velocity=60),
                                          mido.Message("note_off", note=50, velocity=0)]
            peer_out.send(mido.Message("note_on", note=55, velocity=40))
            got: list = []
            assert wait_for(lambda: got.extend(ports.receive(0.05)) or got, 5.0)
            assert got[0][1] == mido.Message("note_on", note=55, velocity=40)
        with pytest.raises(MidiPortNotFound, match="no MIDI input port matches 'no such device'"):
            MidiPorts(api="jack", connect_in="no such device").open()
    finally:
        peer_in.close()
        peer_out.close()


def test_scheduler_to_jack_leaves_no_stuck_notes(jack_server: JackServer,
                                                 stuck_note_audit: StuckNoteAudit) -> None:
    with MidiPorts(api="jack", in_name="segue3 in", out_name="segue3 out") as ports:
        stuck_note_audit.listen_midi(jack_server, jack_server.find_port(":segue3 out"), name="audit3")
        with RealtimeScheduler(FanoutSink([ports]), tempo_bpm=240.0) as rt:
            now = time.perf_counter_ns()
            for i in range(8):
                rt.schedule(Note(60 + i, 100, 0.0, 0.05, 1), now + i * 3_000_000)
            rt.schedule(Note(40, 100, 0.0, 64.0, 1), now)  # still sounding when the scheduler closes
            assert wait_for(lambda: stuck_note_audit.count("midi", "off") >= 8, 5.0)
    stuck_note_audit.assert_clean()
    assert stuck_note_audit.count("midi", "on") == 9 and stuck_note_audit.unmatched_offs == 0


@pytest.mark.parametrize("mode", ["callback", "poll"])
def test_both_input_modes_deliver(jack_server: JackServer, mode: str) -> None:
    with MidiPorts(api="jack", in_name=f"segue {mode} in", use_output=False, input_mode=mode) as ports:
        assert ports.output_port is None
        peer = peer_output(jack_server, f"peer {mode}")
        try:
            jack_server.connect(jack_server.find_port(f":peer {mode}"),
                                jack_server.find_port(f":segue {mode} in"))
            peer.send(mido.Message("note_on", note=72, velocity=64, channel=15))
            got: list = []
            assert wait_for(lambda: got.extend(ports.receive(0.05)) or got, 5.0)
            assert got[0][1] == mido.Message("note_on", note=72, velocity=64, channel=15)
        finally:
            peer.close()
    with pytest.raises(ValueError, match="input_mode"):
        MidiPorts(api="jack", input_mode="interrupt")
