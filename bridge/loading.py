"""Where models come from: the models folders, and a model loaded for the engine (decoder warmed up).

Models load only by a name a folder's manifest lists (see ``bridge.model``); ``default`` is the first
folder's manifest default. The folders are the ``--models`` ones, then the user's data folder (learned
styles and user models, with its own ``manifest.json``), then the one shipped inside the package.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bridge.continuation import Model


class DaemonError(Exception):
    """The daemon cannot start (model, ports); the message says how to fix it."""


APP_NAME = "segue"
DATA_ENV = "SEGUE_DATA"  # overrides the user's data folder


def user_data_folder() -> Path:
    """The user's data folder, a models folder of its own (``manifest.json``, ``styles/``): ``$SEGUE_DATA``
    when set, else ``platformdirs``' user data folder (``$XDG_DATA_HOME/segue``, ``~/.local/share/segue``
    on Linux, ``~/Library/Application Support/segue`` on macOS, ``%LOCALAPPDATA%\\segue`` on Windows).
    It is not created here."""
    override = os.environ.get(DATA_ENV, "")
    if override:
        return Path(override).expanduser()
    try:
        import platformdirs
    except ImportError:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
        return base / APP_NAME
    return Path(platformdirs.user_data_path(APP_NAME, appauthor=False))


def user_styles_folder() -> Path:
    """Where learned styles live (``<user data>/styles``); also a root ``/segue/style/learn`` may read."""
    return user_data_folder() / "styles"


def shipped_models() -> Path:
    """The shipped models folder: ``bridge/models`` in an installed wheel (package data), the checkout's
    ``models/`` otherwise."""
    here = Path(__file__).resolve().parent
    installed = here / "models"
    return installed if installed.is_dir() else here.parent / "models"


def models_folders(extra: Iterable[str | Path] = ()) -> list[Path]:
    """Folders searched for models and styles: the given ones, then the user's data folder, then the
    shipped one."""
    out = [Path(p).expanduser() for p in extra]
    for folder in (user_data_folder(), shipped_models()):
        if folder not in out:
            out.append(folder)
    return out


def is_inside_package(path: Path) -> bool:
    """True when ``path`` lies in the shipped models folder (nothing is written there)."""
    return Path(path).expanduser().resolve().is_relative_to(shipped_models().resolve())


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
