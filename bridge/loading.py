"""Where models come from: the models folders, and a model loaded for the engine (decoder warmed up).

Models load only by a name a folder's manifest lists (see ``bridge.model``); ``default`` is the first
folder's manifest default.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bridge.continuation import Model


class DaemonError(Exception):
    """The daemon cannot start (model, ports); the message says how to fix it."""


def shipped_models() -> Path:
    """The models folder that ships with segue (``<repo>/models``)."""
    return Path(__file__).resolve().parent.parent / "models"


def models_folders(extra: Iterable[str | Path] = ()) -> list[Path]:
    """Folders searched for models: the given ones first, then the shipped one."""
    out = [Path(p).expanduser() for p in extra]
    shipped = shipped_models()
    if shipped not in out:
        out.append(shipped)
    return out


def load_model(name: str, folders: Sequence[Path], threads: int = 1, precision: str = "auto") -> Model:
    """Load ``name`` from the first folder whose manifest lists it (``default``: the manifest's default)."""
    from bridge.model import ModelBundle, ModelError, available_models, read_manifest

    tried: list[str] = []
    for folder in folders:
        names = available_models(folder)
        wanted: str | None = name
        if name not in names:
            if name != "default":
                tried.append(f"{folder} ({', '.join(names) or 'no manifest.json'})")
                continue
            try:
                wanted = read_manifest(folder).get("default")
            except ModelError:
                wanted = None
            if not isinstance(wanted, str) or wanted not in names:
                tried.append(f"{folder} ({', '.join(names) or 'no manifest.json'})")
                continue
        try:
            bundle = ModelBundle.load(folder, wanted, threads=threads, precision=precision)
        except ModelError as exc:
            raise DaemonError(f"{exc}; re-export the model or pick another with --model NAME") from None
        return _engine_model(bundle)
    raise DaemonError(
        f"no model called {name!r} in the models folders: {'; '.join(tried)}. "
        "Pass --models DIR to add a folder, or --model NAME to pick a listed one"
    )


def _engine_model(bundle: Any) -> Model:
    from bridge.samplers import DecoderSampler

    decoder = DecoderSampler(bundle)
    decoder.warm_up()
    samplers: dict[str, Any] = {"decoder": decoder}
    return Model(name=bundle.name, scheme=bundle.scheme, samplers=samplers)
