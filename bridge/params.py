"""The one typed parameter registry: OSC, the TOML config file, CLI flags and ``segue params`` read it.

``PARAMS`` declares every parameter once (name, type, default, range or choices, doc). A ``ParamStore``
holds one set of values: ``set`` validates and coerces (OSC arguments, TOML values, CLI strings) and raises
``ParamError`` with a message that names the fix; ``update`` applies several values at once, atomically.
Listeners hear every change. There are no global instances: the daemon makes one store and passes it on.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from bridge.param import COMBINATIONS, KEYS, METERS, SCALES, Param, ParamError, ParamValue

__all__ = ["KEYS", "METERS", "PARAMS", "SCALES", "Param", "ParamError", "ParamStore", "ParamValue",
           "param_table"]

log = logging.getLogger(__name__)

Listener = Callable[[str, ParamValue, ParamValue], None]

PARAMS: tuple[Param, ...] = (
    # sampling
    Param("sampler", str, "decoder", "which sampler generates: the transformer decoder, the style graph, or "
          "both blended", choices=("decoder", "graph", "blend")),
    Param("strategy", str, "sample", "decoding strategy: greedy (most likely token), sample (temperature, "
          "top-k, top-p) or beam search", choices=("greedy", "sample", "beam")),
    Param("temperature", float, 1.0, "sampling temperature: lower is safer, higher is wilder", 0.01, 5.0),
    Param("top_k", int, 0, "sample among the k most likely tokens (0 = no limit)", 0, 100_000),
    Param("top_p", float, 1.0, "nucleus sampling: smallest token set whose probability reaches p (1 = off)",
          0.01, 1.0),
    Param("top_k_offset", int, 0, "skip the n most likely tokens before top-k (0 = off): surprising choices",
          0, 1000),
    Param("beam_width", int, 4, "beams kept by beam search", 1, 32),
    Param("beam_lookahead", int, 4, "tokens the best beam may run ahead before its first one is played",
          1, 64),
    Param("rest_bias", float, 0.0, "creativity: positive means fewer rests and more notes, negative more "
          "space", -10.0, 10.0),
    Param("repetition_penalty", float, 1.0, "divide the odds of recently used pitches by this (1 = off)",
          1.0, 5.0),
    Param("repetition_window", int, 16, "how many recent pitches the repetition penalty looks at", 0, 256),
    Param("pitch_min", int, 21, "lowest pitch the continuation may play (MIDI note number)", 0, 127),
    Param("pitch_max", int, 108, "highest pitch the continuation may play (MIDI note number)", 0, 127),
    Param("key", str, "C", "tonic of the scale constraint", choices=KEYS),
    Param("scale", str, "chromatic", "pitches allowed in the continuation (chromatic = all)", choices=SCALES),
    Param("blend", float, 0.5, "weight of the style in the blend sampler: the style model's share of each "
          "next token, 0.5 = the shares fitted on held-out music, 1 = twice them (0 = decoder alone)",
          0.0, 1.0),
    Param("memory_weight", float, 6.0, "how strongly the answer copies the seed (and the last phrases) "
          "where its last notes match them: a multiple of the shares fitted on held-out continuations "
          "(0 = the decoder alone)", 0.0, 20.0),
    Param("chord_memory_weight", float, 2.0, "memory_weight when the seed is chordal (more than 1.2 notes "
          "per onset): chordal answers copy their seed less (chosen on held-out music; 0 = off)", 0.0, 20.0),
    Param("memory_phrases", int, 4, "earlier phrases the memory holds besides the seed (/segue/clear forgets "
          "them)", 0, 64),
    Param("memory_order", int, 32, "longest match the phrase memory looks for, in base tokens (about 3 per "
          "note)", 1, 128),
    Param("bar_weight", float, 0.6, "share of the next note taken from what the seed played at the same "
          "place in its bar, where the phrase memory finds no longer match (keeps the meter; 0 = off)",
          0.0, 0.95),
    Param("beat_weight", float, 0.8, "share of the answer's chance of moving time given to the moves the "
          "seed made from the same place in its beat: the seed's rhythm kept (0 = off)", 0.0, 0.95),
    Param("pitch_weight", float, 2.0, "how strongly the answer keeps the seed's pitch-class proportions: a "
          "pitch class it has played more than the seed did is made less likely (0 = off)", 0.0, 4.0),
    Param("heal", bool, True, "re-state the seed's last tokens the way music that goes on encodes them, "
          "before the answer (token healing; off = continue the seed's own last tokens)"),
    Param("max_chord", int, 8, "most notes an answer starts together (at one onset; a pitch sounds once in "
          "it): when they are reached, time moves on", 1, 32),
    Param("seed", int, -1, "random seed for reproducible continuations (-1 = fresh randomness each time)",
          -1, 2**31 - 1),
    Param("style", str, "", "name of the learned style the graph and blend samplers use (empty = default)",
          plain_name=True),
    # musical time
    Param("tempo", float, 120.0, "tempo in BPM when no clock drives it; with clock_source link, a tempo "
          "proposed to the Link session (its peers follow)", 20.0, 300.0),
    Param("clock_source", str, "internal", "where the tempo comes from: the tempo parameter, incoming MIDI "
          "clock (24 ppqn) or an Ableton Link session (joined on the local network)",
          choices=("internal", "midi", "link")),
    Param("quantum", float, 0.0, "beats of a bar for bar entries, Link phase and clock out's bar lines "
          "(0 = the meter's bar)", 0.0, 16.0),
    Param("entry", str, "auto", "where an answer enters: now (phrase end plus lookahead), on the beat or the "
          "bar where the model placed it, on the clock's grid (auto: beat while a clock is followed or "
          "sent, else now)", choices=("auto", "now", "beat", "bar")),
    Param("link_start_stop", bool, True, "Link start/stop sync: a Link stop ends the answer, and clock out "
          "starts and stops with the session"),
    Param("clock_out", str, "off", "send MIDI clock (24 ppqn, start/stop, song position) at the tempo in "
          "force: on the output port, or on a port of its own ('segue clock')",
          choices=("off", "output", "port")),
    Param("meter", str, "4/4", "time signature a seed is encoded in when it carries none (a file's own "
          "wins)", choices=METERS),
    Param("groove", float, 1.0, "how much of the seed's timing feel the answer takes: its swing and the "
          "places it pushes or lays back, which the model's grid rounds away (0 = the grid, 1 = the seed's)",
          0.0, 1.0),
    Param("length_beats", float, 8.0, "length of a continuation in beats", 0.25, 256.0),
    Param("length_notes", int, 0, "length of a continuation in notes (0 = use length_beats)", 0, 1024),
    Param("lookahead_ms", float, 0.0, "head start between the end of a phrase and the first note of the "
          "answer (0: at once; the first notes are sampled while the performer plays)", 0.0, 2000.0),
    Param("latency_ms", float, 0.0, "output offset added to every note's due time: positive delays (align "
          "with audio), negative sends early to make up for the output's own delay (-1.33: one JACK period "
          "of 64 frames at 48 kHz)", -50.0, 2000.0),
    # phrases
    Param("mode", str, "call_response", "call_response: answer each phrase; continuous: keep continuing "
          "while the performer plays", choices=("call_response", "continuous")),
    Param("phrase_end", str, "gap", "what ends a seed phrase: an explicit trigger (/segue/continue), a "
          "silence gap, or the next bar line after the performer lets go", choices=("trigger", "gap", "bar")),
    Param("gap_seconds", float, 0.5, "silence after the last note-off that ends a phrase (phrase_end=gap)",
          0.05, 10.0),
    Param("bar_beats", int, 4, "beats per bar (phrase_end=bar)", 1, 16),
    Param("max_hold_s", float, 8.0, "a note sounding this long on the input (held, or by the sustain pedal) "
          "is released in the phrase capture: a lost note-off cannot keep a phrase from ending", 0.1, 600.0),
    # output
    Param("channel", int, 1, "MIDI channel of the continuation (1-16)", 1, 16),
    Param("velocity_scale", float, 1.0, "multiply continuation velocities by this", 0.0, 2.0),
    Param("min_reattack_ms", float, 30.0, "shortest time between two note-ons of one pitch and channel in "
          "an answer: a quicker repeat is not played (0 = off)", 0.0, 1000.0),
    Param("late_ms", float, 100.0, "a note-on this late (after a stall or a slow answer) is not played, "
          "nor its note-off; counted in /segue/status", 1.0, 10_000.0),
    Param("feedback_suppress", bool, True, "ignore incoming notes that echo what segue just sent (output "
          "routed back into the input)"),
)

# (lower, upper): the store keeps lower <= upper
_ORDERED_PAIRS = (("pitch_min", "pitch_max"),)


def param_table() -> dict[str, Param]:
    """The registry as a fresh name -> Param dict."""
    return {p.name: p for p in PARAMS}


class ParamStore:
    """Validated parameter values, thread-safe; ``set``/``update`` raise ``ParamError`` on bad input."""

    def __init__(self, params: Iterable[Param] = PARAMS, values: Mapping[str, Any] | None = None) -> None:
        self._params: dict[str, Param] = {p.name: p for p in params}
        self._values: dict[str, ParamValue] = {p.name: p.default for p in self._params.values()}
        self._listeners: list[Listener] = []
        self._lock = threading.RLock()
        if values:
            self.update(values)

    # -- lookup
    @property
    def params(self) -> tuple[Param, ...]:
        """The registered parameters, in declaration order."""
        return tuple(self._params.values())

    def param(self, name: str) -> Param:
        """The ``Param`` called ``name``; an unknown name raises ``ParamError`` with the closest match."""
        try:
            return self._params[name]
        except KeyError:
            pass
        close = difflib.get_close_matches(name, self._params, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ParamError(f"unknown parameter {name!r}; {hint}`segue params` or /segue/params lists them all")

    def __contains__(self, name: object) -> bool:
        return name in self._params

    def get(self, name: str) -> ParamValue:
        """Current value of ``name``."""
        self.param(name)
        with self._lock:
            return self._values[name]

    def __getitem__(self, name: str) -> ParamValue:
        return self.get(name)

    def snapshot(self) -> dict[str, ParamValue]:
        """A copy of all current values."""
        with self._lock:
            return dict(self._values)

    # -- changes
    def set(self, name: str, value: Any) -> ParamValue:
        """Validate, coerce and store one value; returns the stored value."""
        return self.update({name: value})[name]

    def update(self, values: Mapping[str, Any]) -> dict[str, ParamValue]:
        """Set several values at once: all are validated first, then all are stored (or none)."""
        coerced = {name: self.param(name).coerce(value) for name, value in values.items()}
        with self._lock:
            merged = {**self._values, **coerced}
            for low, high in _ORDERED_PAIRS:
                if low in merged and high in merged and merged[low] > merged[high]:
                    raise ParamError(f"{low} ({merged[low]}) must not exceed {high} ({merged[high]}); "
                                     f"raise {high} first or pick a lower {low}")
            for names, check in COMBINATIONS:  # only when one of theirs changes: nothing else is refused
                if set(names) <= merged.keys() and not set(names).isdisjoint(coerced):
                    problem = check(merged)
                    if problem is not None:
                        raise ParamError(problem)
            changes = [(n, self._values[n], v) for n, v in coerced.items() if self._values[n] != v]
            self._values = merged
            listeners = list(self._listeners)
        for name, old, new in changes:
            for listener in listeners:
                try:
                    listener(name, old, new)
                except Exception:
                    log.exception("parameter listener failed on %s=%r", name, new)
        return coerced

    def reset(self, name: str | None = None) -> None:
        """Back to the default(s): one parameter, or all with ``None``."""
        names = [name] if name is not None else list(self._params)
        self.update({n: self.param(n).default for n in names})

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(name, old, new)`` after every change; returns a function that removes it."""
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    # -- dict and TOML
    def to_dict(self) -> dict[str, ParamValue]:
        """All values as a plain dict (same as ``snapshot``)."""
        return self.snapshot()

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> ParamStore:
        """A store with the defaults overridden by ``values`` (validated)."""
        return cls(values=values)

    def to_toml(self, header: str = "segue parameters") -> str:
        """The values as a TOML document with one ``[params]`` table, each value preceded by its doc."""
        lines = [f"# {header}", "[params]"]
        with self._lock:
            values = dict(self._values)
        for p in self._params.values():
            lines.append(f"# {p.doc} ({p.domain}, default {_toml_value(p.default)})")
            lines.append(f"{p.name} = {_toml_value(values[p.name])}")
        return "\n".join(lines) + "\n"

    def update_from_toml(self, text: str) -> dict[str, ParamValue]:
        """Apply a TOML document: its ``[params]`` table if it has one, else its top-level keys.

        Other tables are left alone (they belong to other readers of the same config file).
        Raises ``ParamError`` on TOML syntax errors, unknown names or bad values (nothing is applied).
        """
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ParamError(f"config is not valid TOML: {exc}") from None
        table = data.get("params")
        if isinstance(table, dict):
            values = table
        else:
            values = {k: v for k, v in data.items() if not isinstance(v, dict)}
        return self.update(values)

    def load_toml(self, path: str | Path) -> dict[str, ParamValue]:
        """Read ``path`` and apply it like ``update_from_toml``."""
        from bridge.bounded_files import FileRefused, read_text

        try:  # a regular UTF-8 file of bounded size
            text = read_text(path, "config", "config")
        except FileRefused as exc:
            raise ParamError(str(exc)) from None
        try:
            return self.update_from_toml(text)
        except ParamError as exc:
            raise ParamError(f"{path}: {exc}") from None

    def save_toml(self, path: str | Path) -> None:
        """Write ``to_toml()`` to ``path``."""
        Path(path).write_text(self.to_toml(), encoding="utf-8")

    # -- CLI
    def add_arguments(self, parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
        """Add one ``--flag`` per parameter (``top_k`` -> ``--top-k``; bools get ``--no-...``).

        Defaults are ``None`` so flags left out do not override the config file; the dest is
        ``param_<name>``. Apply the parsed namespace with ``apply_args``.
        """
        for p in self._params.values():
            flag = "--" + p.name.replace("_", "-")
            dest = f"param_{p.name}"
            help_text = f"{p.doc} [{p.domain}; default {p.default!r}]".replace("%", "%%")
            if p.type is bool:
                parser.add_argument(flag, dest=dest, action=argparse.BooleanOptionalAction, default=None,
                                    help=help_text)
            else:
                parser.add_argument(flag, dest=dest, default=None, type=_cli_type(p),
                                    metavar=p.type_name.upper() if p.choices is None else None,
                                    choices=None, help=help_text)

    def apply_args(self, args: argparse.Namespace) -> dict[str, ParamValue]:
        """Apply the flags given on the command line (those not ``None``); returns what was set."""
        values = {p.name: getattr(args, f"param_{p.name}") for p in self._params.values()
                  if getattr(args, f"param_{p.name}", None) is not None}
        return self.update(values)

    # -- descriptions
    def describe(self) -> list[dict[str, Any]]:
        """Each parameter's description plus its current ``value`` (for ``/segue/params``)."""
        values = self.snapshot()
        return [{**p.describe(), "value": values[p.name]} for p in self._params.values()]

    def format_table(self, prefix: str = "/segue/param/") -> str:
        """A human-readable listing for ``segue params``: address, type, domain, default, doc."""
        rows = [(prefix + p.name, p.type_name, p.domain, repr(p.default), p.doc)
                for p in self._params.values()]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        out = []
        for r in rows:
            out.append("  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4])
        return "\n".join(out)


def _cli_type(p: Param) -> Callable[[str], ParamValue]:
    def parse(text: str) -> ParamValue:
        try:
            return p.coerce(text)
        except ParamError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = p.type_name
    return parse


def _toml_value(value: ParamValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    escaped = "".join(c if " " <= c != "\x7f" else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'
