"""The banner and ``segue ports`` name segue's JACK ports in full, and the banner's connect line works as
printed: ``segue serve`` runs on the session's JACK server, the test runs its ``jack_connect`` line against
a test port, and the answer to a phrase arrives there."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import JackMidiListener, JackServer, free_udp_port, wait_for
from pythonosc.udp_client import SimpleUDPClient

REPO = Path(__file__).resolve().parent.parent
PHRASE = [x for i, pitch in enumerate((60, 62, 64, 65, 67, 65, 64, 62)) for x in (pitch, 90, i * 0.5, 0.5)]


class Serve:
    """``segue serve`` on JACK as a subprocess; its stdout lines arrive in ``lines``."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_udp_port()
        env = {**os.environ, "SEGUE_DATA": str(tmp_path / "data"),
               "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bridge", "serve", "--midi-api", "jack", "--port", str(self.port),
             "--reply-port", str(free_udp_port()), "--length-notes", "8", "--seed", "1",
             "--state-dir", str(tmp_path / "state")],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def line(self, pattern: str, timeout: float = 60.0) -> re.Match[str]:
        """The first output line matching ``pattern``."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no line matches {pattern!r}; output: {self.seen}") from None
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found

    def close(self) -> int:
        self.proc.terminate()
        return self.proc.wait(15)


@pytest.fixture
def serve(jack_server: JackServer, tmp_path: Path) -> Iterator[Serve]:
    daemon = Serve(tmp_path)
    try:
        yield daemon
    finally:
        assert daemon.close() == 0, daemon.seen


def test_the_banners_connect_line_connects_and_the_answer_arrives(jack_server: JackServer,
                                                                    serve: Serve) -> None:
    synth = JackMidiListener("banner synth")
    try:
        midi = serve.line(r"MIDI +MIDI \(jack\): in \"([^\"]+)\" \(virtual\), out \"([^\"]+)\" \(virtual\)")
        assert midi.group(1) == jack_server.find_port(":segue in")
        assert midi.group(2) == jack_server.find_port(":segue out")  # segue-01:segue out: its own client
        command = serve.line(r"connect: (jack_connect \"[^\"]+\" <synth input>)").group(1)
        assert f'"{midi.group(2)}"' in command
        synth_port = jack_server.find_port(":banner synth")
        run = subprocess.run(["bash", "-c", command.replace("<synth input>", f'"{synth_port}"')],
                             capture_output=True, text=True, timeout=30)
        assert run.returncode == 0, run.stderr
        listed = subprocess.run(["jack_lsp", "-c", midi.group(2)], capture_output=True, text=True,
                                timeout=10).stdout
        assert synth_port in listed
        SimpleUDPClient("127.0.0.1", serve.port).send_message("/segue/phrase", PHRASE)
        assert wait_for(lambda: [m for m in synth.received() if m.type == "note_on"], timeout=30)
    finally:
        synth.close()


def test_segue_ports_names_a_running_segues_ports_in_full(jack_server: JackServer, serve: Serve) -> None:
    serve.line(r"connect: jack_connect")
    out = subprocess.run([sys.executable, "-m", "bridge", "ports", "--midi-api", "jack"], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    full_out, full_in = jack_server.find_port(":segue out"), jack_server.find_port(":segue in")
    assert f'jack_connect "{full_out}" <synth input>' in out.stdout, out.stdout
    assert f'jack_connect <keyboard output> "{full_in}"' in out.stdout, out.stdout
