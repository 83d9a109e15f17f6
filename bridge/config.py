"""The TOML config file: a ``[serve]`` table (where the daemon listens and which model it plays), a
``[params]`` table (the parameter registry, read and written by ``ParamStore``) and a ``[midi.map]`` table
(MIDI controls bound to parameters and commands: ``bridge.midi_map``).

Precedence when the daemon starts: defaults, then the config file, then command-line flags.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridge.bounded_files import FileRefused, read_text
from bridge.midi_map import MidiMap, MidiMapError, config_line
from bridge.params import ParamError, ParamStore

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


class ConfigError(ValueError):
    """A config file that cannot be read or holds bad values; the message names the fix."""


@dataclass(frozen=True, slots=True)
class ServeConfig:
    """Where the daemon listens, where it replies, which MIDI ports and which model it opens."""

    host: str = "127.0.0.1"
    port: int = 9000
    reply_host: str = "127.0.0.1"
    reply_port: int = 9001
    allow: tuple[str, ...] = ()  # client addresses allowed when binding wider than loopback
    midi: bool = True
    midi_api: str = ""  # rtmidi API name ("" = the platform default)
    midi_in: str = ""  # existing input port (name prefix) instead of a virtual "segue in"
    midi_out: str = ""  # existing output port (name prefix) instead of a virtual "segue out"
    models: tuple[str, ...] = ()  # extra models folders, searched before the shipped one
    model: str = "default"
    precision: str = "auto"  # decoder graph: auto (int8 on the CPU when shipped), fp32, int8
    state_dir: str = ""  # where the note journal and the connections live ("" = the user's state folder)
    restore_connections: bool = False  # remember the JACK connections of segue's ports and make them again
    style_roots: tuple[str, ...] = ()  # folders /segue/style/learn may read, besides the user's data folder
    learn_seconds: float = 120.0  # wall-clock budget of a folder's learning child
    learn_memory_mb: int = 2048  # address-space budget of a folder's learning child
    midi_map: tuple[tuple[str, str], ...] = ()  # the [midi.map] table: (target, control spec) pairs
    view: bool = False  # the web page (bridge.view) on host:view_port, with the OSC allow-list
    view_port: int = 9080  # its TCP port (0: a free one)
    # the config file it was read from (/segue/save writes there): not a setting, never written in the file
    config_path: str = dataclasses.field(default="", compare=False)

    def replace(self, **changes: Any) -> ServeConfig:
        """A copy with ``changes`` (unknown names raise ``ConfigError``)."""
        return serve_from_dict({**self.to_dict(), **changes})

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


_PORT_FIELDS = ("port", "reply_port", "view_port")
_TUPLE_FIELDS = ("allow", "models", "style_roots")


def serve_from_dict(values: Mapping[str, Any]) -> ServeConfig:
    """Validate a ``[serve]`` table into a ``ServeConfig``."""
    defaults = ServeConfig()
    known = {f.name for f in dataclasses.fields(ServeConfig)}
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in known:
            raise ConfigError(f"unknown [serve] setting {name!r}; known: {', '.join(sorted(known))}")
        default = getattr(defaults, name)
        if name == "midi_map":  # written as its own [midi.map] table
            try:
                out[name] = tuple(MidiMap.from_config(dict(value)).to_config().items())
            except (MidiMapError, TypeError, ValueError) as exc:
                raise ConfigError(f"[midi.map] {exc}") from None
        elif name in _TUPLE_FIELDS:
            if isinstance(value, str):
                value = (value,) if value else ()
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"[serve] {name} must be a list of strings, got {value!r}")
            out[name] = tuple(value)
        elif name in _PORT_FIELDS:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
                kind = "TCP" if name == "view_port" else "UDP"
                raise ConfigError(f"[serve] {name} must be a {kind} port number 0-65535, got {value!r}")
            out[name] = value
        elif isinstance(default, int | float) and not isinstance(default, bool):
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1e6:
                raise ConfigError(f"[serve] {name} must be a number in (0, 1e6], got {value!r}")
            out[name] = type(default)(value)
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"[serve] {name} must be true or false, got {value!r}")
            out[name] = value
        else:
            if not isinstance(value, str):
                raise ConfigError(f"[serve] {name} must be a string, got {value!r}")
            out[name] = value
    return ServeConfig(**out)


def load_config(path: str | Path, store: ParamStore) -> ServeConfig:
    """Read a config file: apply its ``[params]`` to ``store`` and return its ``[serve]`` settings.

    Nothing is applied when anything in the file is wrong.
    """
    path = Path(path)
    try:  # a regular UTF-8 file of bounded size: a FIFO or a device is refused without blocking
        text = read_text(path, "config file", "config")
    except FileRefused as exc:
        raise ConfigError(str(exc)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid TOML ({exc}); `segue serve --save-config FILE` writes a valid one"
        ) from None
    unknown = sorted(k for k in data if k not in ("serve", "params", "midi"))
    if unknown:
        raise ConfigError(f"{path}: unknown table or key {unknown[0]!r}; a config has [serve], [params] and "
                          "[midi.map]")
    serve = data.get("serve", {})
    params = data.get("params", {})
    if not isinstance(serve, dict) or not isinstance(params, dict):
        raise ConfigError(f"{path}: [serve] and [params] must be tables")
    if "midi_map" in serve:
        raise ConfigError(f"{path}: [serve] midi_map: MIDI controls go in a [midi.map] table")
    try:
        cfg = serve_from_dict(serve)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    cfg = dataclasses.replace(cfg, midi_map=_midi_map(path, text, data.get("midi", {})),
                              config_path=str(path.resolve()))
    try:
        store.update(params)
    except ParamError as exc:
        raise ConfigError(f"{path}: [params] {exc}") from None
    return cfg


def _midi_map(path: Path, text: str, midi: Any) -> tuple[tuple[str, str], ...]:
    """The ``[midi.map]`` table checked; an error names the file, the line and the entry."""
    table = midi.get("map", {}) if isinstance(midi, dict) else None
    if not isinstance(table, dict) or any(k != "map" for k in midi):
        raise ConfigError(f'{path}: [midi] holds one table, [midi.map] (e.g. temperature = "cc 21")')
    try:
        return tuple(MidiMap.from_config(table).to_config().items())
    except MidiMapError as exc:
        line = config_line(text, exc.target) if exc.target else None
        raise ConfigError(f"{path}{'' if line is None else f':{line}'}: [midi.map] {exc}") from None


def dump_config(serve: ServeConfig, store: ParamStore, midi_map: Mapping[str, str] | None = None) -> str:
    """The TOML text of a config file holding ``serve``, the store's current values and the MIDI map
    (``midi_map``, e.g. the live ``MidiMap.to_config()``; else ``serve.midi_map``)."""
    lines = ["# segue config: `segue serve --config FILE` reads it; flags override it", "[serve]"]
    for name, value in serve.to_dict().items():
        if name in ("midi_map", "config_path"):
            continue
        if isinstance(value, tuple):
            lines.append(f"{name} = [{', '.join(_toml(v) for v in value)}]")
        else:
            lines.append(f"{name} = {_toml(value)}")
    lines.append("")
    lines.append(store.to_toml(header="parameters (also settable over OSC: /segue/set name value)"))
    table = dict(serve.midi_map) if midi_map is None else midi_map
    if table:
        lines += ["# MIDI controls (/segue/learn maps one live)", "[midi.map]"]
        lines += [f"{target} = {_toml(spec)}" for target, spec in table.items()]
    return "\n".join(lines)


def save_config(path: str | Path, serve: ServeConfig, store: ParamStore) -> None:
    """Write ``dump_config`` to ``path``."""
    try:
        Path(path).write_text(dump_config(serve, store), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write config file {str(path)!r}: {exc.strerror or exc}") from None


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    body = "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in str(value))
    return f'"{body}"'
