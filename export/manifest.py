"""``models/manifest.json``: every shipped file with its sha256, and what each model reached."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

MANIFEST_VERSION = 1


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_manifest(models_root: Path) -> dict:
    path = models_root / "manifest.json"
    if path.exists():
        return json.loads(path.read_text())
    return {"version": MANIFEST_VERSION, "default": "default", "models": {}}


def register_model(models_root: Path, name: str, files: list[str], **info: object) -> dict:
    """Add or replace model ``name`` (files relative to its folder) in the manifest; returns the entry."""
    manifest = load_manifest(models_root)
    entry = dict(manifest["models"].get(name, {}))
    entry["files"] = [
        {"path": f"{name}/{f}", "sha256": sha256_of(models_root / name / f),
         "bytes": (models_root / name / f).stat().st_size}
        for f in files
    ]
    entry.update(info)
    manifest["models"][name] = entry
    (models_root / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return entry
