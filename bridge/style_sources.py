"""Where a style's inputs come from: the MIDI files of a folder and the decoder's token embeddings."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from bridge.model import MANIFEST, ModelError, check_name, load_npz, read_json, sha256_file
from bridge.style import MIDI_SUFFIXES, StyleError

log = logging.getLogger(__name__)


def token_embeddings(models_root: Path | str, model: str) -> np.ndarray | None:
    """The decoder's token embedding table from ``models/<model>/weights.npz`` when the manifest lists it."""
    models_root = Path(models_root)
    try:
        manifest = read_json(models_root / MANIFEST, "model manifest")
        entry = manifest.get("models", {}).get(check_name(model), {})
        for item in entry.get("files", []):
            rel = str(item.get("path", ""))
            if rel == f"{model}/weights.npz":
                path = models_root / rel
                if not path.is_file() or sha256_file(path) != str(item.get("sha256", "")).lower():
                    raise StyleError(f"model {model!r}: weights.npz is missing or changed")
                return np.asarray(load_npz(path, ("tok_emb.weight",))["tok_emb.weight"], dtype=np.float32)
    except (ModelError, KeyError, OSError, ValueError) as exc:
        log.warning("no token embeddings for model %s: %s", model, exc)
    return None


def midi_files(folder: Path | str) -> list[Path]:
    """MIDI files under ``folder`` (recursive, sorted); :class:`StyleError` when there are none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise StyleError(f"style folder {folder} is not a directory")
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in MIDI_SUFFIXES and p.is_file())
    if not files:
        raise StyleError(f"style folder {folder} holds no .mid/.midi files")
    return files

