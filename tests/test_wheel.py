"""A built wheel carries the shipped models (every file the manifest lists, where ``shipped_models``
looks), and installed in a fresh venv, ``segue serve`` from it answers a phrase."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import OrderedReplies, free_udp_port
from pythonosc.udp_client import SimpleUDPClient

REPO = Path(__file__).resolve().parent.parent
PHRASE = [x for i, pitch in enumerate((60, 62, 64, 65, 67, 65, 64, 62)) for x in (pitch, 90, i * 0.5, 0.5)]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip wheel`` of a copy of the checkout (so the build leaves no build/ or egg-info in it)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "src"
    skip = shutil.ignore_patterns(".git", "data", "runs", "build", "*.egg-info", "__pycache__", ".venv*",
                                  ".ruff_cache", ".pytest_cache")
    shutil.copytree(REPO, source, ignore=skip)
    dist = tmp / "dist"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)]
    out = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return next(dist.glob("segue-*.whl"))


def test_the_wheel_ships_every_file_the_manifest_lists(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    manifest = json.loads((REPO / "models" / "manifest.json").read_text())  # installed as bridge/models
    listed = [f["path"] for entry in manifest["models"].values() for f in entry["files"]]
    listed += [f["path"] for entry in manifest.get("styles", {}).values() for f in entry.get("files", [])]
    assert "bridge/models/manifest.json" in names
    assert not [n for n in names if n.startswith("models/")]  # no generic top-level package
    missing = [p for p in listed if f"bridge/models/{p}" not in names]
    assert listed and not missing, missing
    assert "bridge/loading.py" in names and "bridge/copying.py" in names


def test_segue_serve_from_the_installed_wheel_answers_a_phrase(wheel: Path, tmp_path: Path) -> None:
    """A fresh venv (its dependencies from this environment, segue itself only from the wheel), run from
    a folder outside the checkout: the shipped default model loads from the install and answers."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True,
                   timeout=120)
    python = venv / "bin" / "python"
    out = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([str(python), "-c", "import bridge.loading as l; print(l.shipped_models())"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert where.stdout.strip().startswith(str(venv)), where.stdout + where.stderr  # not the checkout's
    replies = OrderedReplies()
    port = free_udp_port()
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([str(venv / "bin" / "segue"), "serve", "--no-midi", "--port", str(port),
                             "--reply-port", str(replies.port), "--length-notes", "8", "--seed", "1"],
                            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        client = SimpleUDPClient("127.0.0.1", port)
        for _ in range(300):  # until it answers a ping
            client.send_message("/segue/ping", "up")
            try:
                replies.wait("/segue/pong", timeout=0.1)
                break
            except (AssertionError, TimeoutError):
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()
        client.send_message("/segue/phrase", PHRASE)
        replies.wait("/segue/noteon", timeout=30)
        client.send_message("/segue/stop", [])
    finally:
        proc.terminate()
        code = proc.wait(15)
        log.close()
        replies.close()
    assert code == 0, (tmp_path / "serve.log").read_text()
