"""The Pure Data client: real ``pd -nogui -nosound -nomidi`` loads examples/puredata/segue.pd, sends a
phrase to a running daemon with [oscformat]/[netsend -u -b] and receives the continuation with
[netreceive -u -b]/[oscparse] (driven by segue-test.pd)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_supercollider import daemon  # noqa: F401  (the running-daemon fixture)

from bridge.params import ParamStore

ROOT = Path(__file__).resolve().parent.parent
PD_DIR = ROOT / "examples" / "puredata"
NOTE = re.compile(r"^SEGUE_NOTE: ([0-9.e+-]+) ([0-9.e+-]+) ([0-9.e+-]+) ([0-9.e+-]+)\s*$", re.M)
ONOFF = re.compile(r"^SEGUE_ONOFF: ([0-9.]+) ([0-9.]+) ([0-9.]+)\s*$", re.M)


def pd() -> str:
    path = shutil.which("pd")
    if path is None:
        pytest.fail("pd not found: apt-get install puredata-core")
    return path


def run_pd(patch: Path, *extra: str, timeout: float = 60) -> str:
    proc = subprocess.run([pd(), "-nogui", "-nosound", "-nomidi", "-stderr", "-path", str(PD_DIR),
                           "-open", str(patch), *extra], capture_output=True, text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    return out


@pytest.mark.parametrize("patch", ["segue.pd", "segue-help.pd", "segue-test.pd"])
def test_patches_load_without_errors(patch: str) -> None:
    out = run_pd(PD_DIR / patch, "-send", "pd quit")
    assert "couldn't create" not in out, out
    assert "error" not in out.lower(), out


def test_pd_round_trip(daemon: tuple[int, int]) -> None:  # noqa: F811
    port, reply_port = daemon
    out = run_pd(PD_DIR / "segue-test.pd", "-send", f"segue-test {port} {reply_port}")
    assert "SEGUE_DONE" in out, out
    assert "SEGUE_MSG: value tempo 300" in out, out
    assert "SEGUE_MSG: value length_notes 8" in out, out
    assert "SEGUE_MSG: error" not in out, out
    notes = [tuple(float(x) for x in m) for m in NOTE.findall(out)]
    assert notes, f"no continuation notes reached pd:\n{out}"
    store = ParamStore()
    for pitch, velocity, duration, channel in notes:
        assert pitch == int(pitch) and store["pitch_min"] <= pitch <= store["pitch_max"]
        assert 1 <= velocity <= 127
        assert duration > 0
        assert channel == store["channel"]
    # the note-on/off stream: each sounding pitch is one of the continuation notes
    onoff = [tuple(float(x) for x in m) for m in ONOFF.findall(out)]
    on_pitches = {p for p, v, _ in onoff if v > 0}
    assert on_pitches and on_pitches <= {n[0] for n in notes}
