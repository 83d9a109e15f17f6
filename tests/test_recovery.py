"""Recovery on stage: all notes off at every start, the note journal after a SIGKILL, JACK connections
remembered across a restart, and MIDI reopened by itself when the JACK server comes back.

Every daemon here is ``segue serve`` as a subprocess on real JACK ports; the probes are JACK MIDI inputs
that record what reaches them, in order.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import JackMidiListener, JackServer, OrderedReplies, free_udp_port, wait_for
from pythonosc.udp_client import SimpleUDPClient
from test_daemon_midi import MidiProbe
from test_daemon_osc import PHRASE, REPO, TINY, models_dir, read_until

__all__ = ["models_dir"]

ALL = set(range(16))
LONG_ANSWER = ["--tempo", "60", "--length-notes", "0", "--length-beats", "256", "--rest-bias", "3",
               "--seed", "1"]


class Probe:
    """A JACK MIDI input recording ``(monotonic time, message)`` in arrival order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self.events: list[tuple[float, Any]] = []
        self._port = JackMidiListener(name, self._on)

    def _on(self, msg: Any) -> None:
        with self._lock:
            self.events.append((time.monotonic(), msg))

    def messages(self, start: int = 0) -> list[Any]:
        with self._lock:
            return [m for _, m in self.events[start:]]

    def mark(self) -> int:
        with self._lock:
            return len(self.events)

    def last_time(self) -> float:
        with self._lock:
            return self.events[-1][0] if self.events else 0.0

    def sounding(self) -> set[tuple[int, int]]:
        """(channel, pitch) of the note-ons received and not yet ended (the listener's own count)."""
        return self._port.sounding()

    def close(self) -> None:
        self._port.close()


Served = tuple[subprocess.Popen[str], SimpleUDPClient, list[str]]


@contextmanager
def serving(models: Path, replies: OrderedReplies, *extra: str,
            env: dict[str, str] | None = None) -> Iterator[Served]:
    """``segue serve --midi-api jack`` on the tiny model; killed on the way out if still running."""
    port = free_udp_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bridge", "serve", "--midi-api", "jack", "--port", str(port), "--reply-port",
         str(replies.port), "--models", str(models), "--model", TINY, *extra],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**(env or os.environ), "PYTHONUNBUFFERED": "1"})
    output: list[str] = []
    try:
        output = read_until(proc, "OSC in")  # read on by a thread to the end
        yield proc, SimpleUDPClient("127.0.0.1", port), output
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        time.sleep(0.1)  # the reader's last lines
        print(f"segue's output (exit {proc.returncode}):\n{''.join(output)}")  # shown when a test fails


def all_notes_off_channels(messages: list[Any]) -> set[int]:
    return {m.channel for m in messages if m.type == "control_change" and m.control == 123}


def connected(jack: JackServer, port: str) -> list[str]:
    """The ports ``jack_lsp -c`` lists under ``port``."""
    out = subprocess.run(["jack_lsp", "-c", port], capture_output=True, text=True, timeout=10).stdout
    return [line.strip() for line in out.splitlines()[1:] if line.startswith((" ", "\t"))]


# ---------------------------------------------------------------- all notes off at start


def test_a_fresh_start_sends_all_notes_off_on_16_channels(
        jack_server: JackServer, models_dir: Path, tmp_path: Path) -> None:
    probe = Probe("probe fresh")
    replies = OrderedReplies()
    try:
        with serving(models_dir, replies, "--midi-out", probe.name, "--state-dir", str(tmp_path)) as served:
            proc = served[0]
            assert wait_for(lambda: all_notes_off_channels(probe.messages()) == ALL, timeout=10)
            assert not [m for m in probe.messages() if m.type == "note_on"]  # nothing played yet
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(10) == 0
    finally:
        probe.close()
        replies.close()


# ---------------------------------------------------------------- the note journal after a kill


def _kill_while_sounding(models: Path, probe: Probe, replies: OrderedReplies, state: Path,
                         ) -> set[tuple[int, int]]:
    """Play a long answer, SIGKILL segue while notes sound and nothing has moved for a while; the notes
    left sounding on the probe (None when the kill came too close to an event to tell)."""
    with serving(models, replies, "--midi-out", probe.name, "--state-dir", str(state), *LONG_ANSWER) as (
            proc, client, _):
        client.send_message("/segue/phrase", PHRASE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            quiet = time.monotonic() - probe.last_time()
            if probe.sounding() and quiet > 0.15:
                break
            time.sleep(0.01)
        else:
            raise AssertionError(f"no note held long enough: {probe.messages()[-10:]}")
        killed = time.monotonic()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        time.sleep(0.3)  # anything still on its way arrives
        if probe.last_time() > killed - 0.05:
            return set()  # an event raced the kill: try again
        return probe.sounding()


def test_a_start_after_sigkill_first_ends_the_notes_left_sounding(
        jack_server: JackServer, models_dir: Path, tmp_path: Path) -> None:
    probe = Probe("probe killed")
    replies = OrderedReplies()
    try:
        for _attempt in range(5):
            left = _kill_while_sounding(models_dir, probe, replies, tmp_path)
            if left:
                break
        assert left, "could not kill segue at a quiet moment while a note sounded"
        mark, osc_mark = probe.mark(), replies.mark()
        with serving(models_dir, replies, "--midi-out", probe.name, "--state-dir", str(tmp_path)) as served:
            proc = served[0]
            assert wait_for(lambda: all_notes_off_channels(probe.messages(mark)) == ALL, timeout=10)
            after = probe.messages(mark)
            offs = after[:len(left)]  # first: the exact note-offs, then all notes off
            assert all(m.type == "note_off" for m in offs), after[:len(left) + 2]
            assert {(m.channel, m.note) for m in offs} == left
            assert [m.control for m in after[len(left):len(left) + 16]] == [123] * 16
            # on OSC too: the first messages of the new run are those note-offs (channels 1-16 there)
            replies.wait("/segue/noteoff", after=osc_mark)
            osc = [(a, args) for a, args in replies.messages[osc_mark:osc_mark + len(left)]]
            assert {(args[2] - 1, args[0]) for a, args in osc if a == "/segue/noteoff"} == left
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(10) == 0
        # a clean stop leaves nothing to end: the next start sends all notes off alone
        mark = probe.mark()
        with serving(models_dir, replies, "--midi-out", probe.name, "--state-dir", str(tmp_path)):
            assert wait_for(lambda: all_notes_off_channels(probe.messages(mark)) == ALL, timeout=10)
            assert [m.type for m in probe.messages(mark)][:16] == ["control_change"] * 16
    finally:
        probe.close()
        replies.close()


# ---------------------------------------------------------------- connections restored


def test_connections_come_back_after_a_restart_with_restore_connections(
        jack_server: JackServer, models_dir: Path, tmp_path: Path) -> None:
    probe = MidiProbe(jack_server, "restore")
    replies = OrderedReplies()
    flags = ("--restore-connections", "--state-dir", str(tmp_path), "--phrase-end", "gap",
             "--gap-seconds", "0.2", "--length-notes", "4", "--tempo", "300", "--seed", "1")
    try:
        with serving(models_dir, replies, *flags) as (proc, *_):
            segue_in, segue_out = jack_server.find_port(":segue in"), jack_server.find_port(":segue out")
            probe.wire(segue_in, segue_out)
            source = jack_server.find_port(f":{probe.out_name}")
            sink = jack_server.find_port(f":{probe.in_name}")
            saved = tmp_path / "connections.json"
            # remembered as soon as made: a kill cannot lose them
            assert wait_for(lambda: saved.exists() and {source, sink} <= set(saved.read_text().split('"')),
                            timeout=10)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        assert wait_for(lambda: not [p for p in jack_server.ports() if p.endswith(":segue in")], timeout=10)
        mark = len(probe.received)
        with serving(models_dir, replies, *flags) as (proc, *_):
            segue_in, segue_out = jack_server.find_port(":segue in"), jack_server.find_port(":segue out")
            assert wait_for(lambda: source in connected(jack_server, segue_in), timeout=10)
            assert sink in connected(jack_server, segue_out)
            # reconnected before the start's all notes off, which the probe therefore hears
            assert wait_for(lambda: all_notes_off_channels(probe.received[mark:]) == ALL, timeout=10)
            mark = len(probe.received)
            probe.play([60, 62, 64, 67])  # and a phrase played in through the restored cable is answered
            assert wait_for(lambda: [m for m in probe.received[mark:] if m.type == "note_on"], timeout=20)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(10) == 0
    finally:
        probe.close()
        replies.close()


# ---------------------------------------------------------------- the JACK server restarting


def _start_jackd(name: str, env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    jackd = subprocess.Popen(["jackd", "-n", name, "-d", "dummy", "-r", "48000", "-p", "64"], env=env,
                             stdout=log, stderr=subprocess.STDOUT)
    assert wait_for(lambda: jackd.poll() is not None or subprocess.run(
        ["jack_lsp"], env=env, capture_output=True, text=True, timeout=10).returncode == 0,
        timeout=15, interval=0.2) and jackd.poll() is None, "jackd did not start"
    return jackd


PROBE_CHILD = r"""
import os, sys, time
import rtmidi
out = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name="probe out reopened")
out.open_virtual_port("probe out reopened")
got = rtmidi.MidiIn(rtapi=rtmidi.API_UNIX_JACK, name="probe in reopened")
got.open_virtual_port("probe in reopened")
print("ready", flush=True)
sys.stdin.readline()
for pitch in (60, 62, 64, 67):
    out.send_message([0x90, pitch, 100])
    time.sleep(0.02)
    out.send_message([0x80, pitch, 0])
answer = "none"
deadline = time.monotonic() + 20
while time.monotonic() < deadline and answer == "none":
    message = got.get_message()
    if message and message[0][0] & 0xF0 == 0x90 and message[0][2] > 0:
        answer = "note_on"
    time.sleep(0.002)
print(answer, flush=True)
os._exit(0)  # the JACK clients go with the process
"""


def test_segue_reopens_its_ports_when_the_jack_server_comes_back(
        models_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"segue-recovery-{os.getpid()}"
    monkeypatch.setenv("JACK_DEFAULT_SERVER", name)  # this test's probes and jack tools on its own server
    monkeypatch.setenv("JACK_NO_AUDIO_RESERVATION", "1")
    env = dict(os.environ)
    jack_log = open(tmp_path / "jackd.log", "wb")  # noqa: SIM115 - closed below
    jackd = _start_jackd(name, env, jack_log)
    replies = OrderedReplies()
    probe: subprocess.Popen[str] | None = None
    try:
        flags = ("--state-dir", str(tmp_path), "--phrase-end", "gap", "--gap-seconds", "0.2",
                 "--length-notes", "4", "--tempo", "300", "--seed", "1")
        with serving(models_dir, replies, *flags, env=env) as (proc, client, output):
            server = JackServer(name, jackd, tmp_path / "jackd.log")
            server.find_port(":segue in")
            jackd.terminate()
            jackd.wait(10)
            address, message = replies.wait("/segue/error", timeout=15)
            assert address == "/segue/midi" and "JACK server stopped" in message
            mark = replies.mark()
            jackd = _start_jackd(name, env, jack_log)
            server = JackServer(name, jackd, tmp_path / "jackd.log")
            # back by themselves: nobody touches segue
            status = replies.wait("/segue/midi", lambda a: "lost" not in a[0], timeout=20, after=mark)
            assert "jack" in status[0]
            segue_in, segue_out = server.find_port(":segue in", timeout=10), server.find_port(":segue out")
            # the probe runs in a process of its own: libjack serves one server per process, and this
            # process's own JACK clients live on the session's server
            probe = subprocess.Popen([sys.executable, "-c", PROBE_CHILD], env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
            assert probe.stdout is not None and probe.stdin is not None
            assert probe.stdout.readline().strip() == "ready"
            server.connect(server.find_port(":probe out reopened"), segue_in)
            server.connect(segue_out, server.find_port(":probe in reopened"))
            probe.stdin.write("go\n")
            probe.stdin.flush()
            assert probe.stdout.readline().strip() == "note_on"  # segue answered the phrase played in
            assert probe.wait(20) == 0
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(10) == 0
            assert "Traceback" not in "".join(output)
    finally:
        if probe is not None and probe.poll() is None:
            probe.kill()
            probe.wait(10)
        if jackd.poll() is None:
            jackd.terminate()
            jackd.wait(10)
        jack_log.close()
        replies.close()
