"""The SuperCollider client: real sclang (headless) sends a phrase to a running daemon and receives its
continuation (examples/supercollider/Segue.sc driven by segue-test.scd)."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import free_udp_port

from bridge.params import ParamStore

ROOT = Path(__file__).resolve().parent.parent
SC_DIR = ROOT / "examples" / "supercollider"
NOTE = re.compile(r"^SEGUE_NOTE (\d+) (\d+) ([0-9.e+-]+) (\d+)\s*$", re.M)


def start_daemon(port: int, reply_port: int) -> subprocess.Popen[str]:
    """``python -m bridge serve --no-midi`` on the given UDP ports; returns once it listens."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bridge", "serve", "--no-midi", "--port", str(port), "--reply-port",
         str(reply_port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:  # keeps reading so the daemon never blocks on a full pipe
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=drain, daemon=True).start()
    seen: list[str] = []
    started = time.monotonic()
    deadline = started + 90  # generous: the model loads on a shared, busy CPU
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        if line is None:
            break
        seen.append(line)
        if "OSC in" in line:
            return proc
    code = proc.poll()
    proc.kill()
    proc.wait()
    raise AssertionError(f"the daemon did not start in {time.monotonic() - started:.0f} s "
                         f"(exit code {code}):\n" + "".join(seen))


def stop_daemon(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def daemon() -> Iterator[tuple[int, int]]:
    port, reply_port = free_udp_port(), free_udp_port()
    proc = start_daemon(port, reply_port)
    try:
        yield port, reply_port
    finally:
        stop_daemon(proc)


def sclang() -> str:
    path = shutil.which("sclang")
    if path is None:
        pytest.fail("sclang not found: apt-get install supercollider-language")
    return path


def run_sclang(script: Path, tmp_path: Path, env_extra: dict[str, str], timeout: float = 90) -> str:
    """Run ``script`` with Segue.sc on the class path, headless, in a throwaway HOME; returns the output."""
    home = tmp_path / "home"
    home.mkdir()
    conf = tmp_path / "sclang_conf.yaml"
    conf.write_text(f"includePaths:\n    - {SC_DIR}\nexcludePaths:\n    []\npostInlineWarnings: false\n")
    env = {**os.environ, "HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
           "QTWEBENGINE_DISABLE_SANDBOX": "1", "XDG_RUNTIME_DIR": str(tmp_path), **env_extra}
    proc = subprocess.run([sclang(), "-l", str(conf), str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    return out


def test_class_library_compiles_with_segue(tmp_path: Path) -> None:
    script = tmp_path / "check.scd"
    script.write_text('"SEGUE_CLASS %".format(Segue.findMethod(\\phrase).notNil).postln; 0.exit;\n')
    out = run_sclang(script, tmp_path, {})
    assert "SEGUE_CLASS true" in out, out
    assert "ERROR" not in out, out


def test_sclang_round_trip(daemon: tuple[int, int], tmp_path: Path) -> None:
    port, reply_port = daemon
    out = run_sclang(SC_DIR / "segue-test.scd", tmp_path, {
        "SEGUE_PORT": str(port), "SEGUE_REPLY_PORT": str(reply_port), "SEGUE_WAIT": "30", "SEGUE_WANT": "3"})
    assert "SEGUE_DONE" in out, out
    # the parameters the client set came back from the daemon's registry
    assert "SEGUE_VALUE tempo 300" in out, out
    assert "SEGUE_VALUE length_notes 8" in out, out
    assert "SEGUE_ERROR" not in out, out
    notes = [(int(p), int(v), float(d), int(c)) for p, v, d, c in NOTE.findall(out)]
    assert notes, f"no continuation notes reached sclang:\n{out}"
    store = ParamStore()
    for pitch, velocity, duration, channel in notes:
        assert store["pitch_min"] <= pitch <= store["pitch_max"]
        assert 1 <= velocity <= 127
        assert duration > 0
        assert channel == store["channel"]
