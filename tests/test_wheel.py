"""A built wheel carries the shipped models: every file the manifest lists, where ``shipped_models`` looks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_wheel_ships_every_file_the_manifest_lists(tmp_path: Path) -> None:
    source = tmp_path / "src"  # a copy, so the build leaves no build/ or egg-info in the checkout
    skip = shutil.ignore_patterns(".git", "data", "runs", "build", "*.egg-info", "__pycache__", ".venv*",
                                  ".ruff_cache", ".pytest_cache")
    shutil.copytree(REPO, source, ignore=skip)
    dist = tmp_path / "dist"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)]
    out = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    wheel = next(dist.glob("segue-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    manifest = json.loads((REPO / "models" / "manifest.json").read_text())
    listed = [f["path"] for entry in manifest["models"].values() for f in entry["files"]]
    listed += [f["path"] for entry in manifest.get("styles", {}).values() for f in entry.get("files", [])]
    assert "models/manifest.json" in names
    missing = [p for p in listed if f"models/{p}" not in names]
    assert listed and not missing, missing
    assert "bridge/loading.py" in names and "bridge/copying.py" in names
