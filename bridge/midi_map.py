"""The MIDI map: controls of the MIDI input (a CC number or a note, on one channel or any) bound to a
parameter or a command, and MIDI learn. State of the control thread only.

A spec is ``cc 21``, ``cc 22 ch 2``, ``note 36`` or ``note 36 ch 10`` (channels 1-16). A CC value 0-127
is scaled onto a number's range, onto a choice's choices, or read as off/on (below/from 64) for a bool;
a note-on's velocity is scaled the same way, except that a note toggles a bool. A command (``continue``,
``stop``, ``panic``, ``clear``) runs on a note-on, or when a CC goes from below 64 to 64 or more.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bridge.param import Param, ParamValue
from bridge.params import param_table

COMMANDS = ("continue", "stop", "panic", "clear")
_SPEC = re.compile(r"\s*(cc|note)\s+(\d{1,3})(?:\s+ch\s+(\d{1,2}))?\s*", re.IGNORECASE)
_PARAMS = param_table()


class MidiMapError(ValueError):
    """A target or a spec of the map was rejected; ``target`` names the entry (empty when unknown)."""

    def __init__(self, message: str, target: str = "") -> None:
        super().__init__(message)
        self.target = target


@dataclass(frozen=True, slots=True)
class Binding:
    """One control of the MIDI input: ``kind`` is cc or note; ``channel`` 1-16, or None for any."""

    kind: str
    number: int
    channel: int | None = None

    @property
    def spec(self) -> str:
        """The control as the config writes it: ``cc 21 ch 1``."""
        text = f"{self.kind} {self.number}"
        return text if self.channel is None else f"{text} ch {self.channel}"

    def matches(self, kind: str, number: int, channel: int) -> bool:
        return self.kind == kind and self.number == number and self.channel in (None, channel)


@dataclass(frozen=True, slots=True)
class Action:
    """What a mapped control asks for: a parameter and its new value (or a flip), or a command."""

    target: str
    value: ParamValue | None = None
    toggle: bool = False  # a bool parameter flipped by a note


def parse_spec(spec: object) -> Binding:
    """A spec (``cc 21``, ``note 36 ch 10``) as a :class:`Binding`, or ``MidiMapError``."""
    if not isinstance(spec, str):
        raise MidiMapError(f'expected a string like "cc 21", "cc 21 ch 2" or "note 36", got {spec!r}')
    found = _SPEC.fullmatch(spec)
    if found is None:
        raise MidiMapError('not a MIDI control: write "cc N", "cc N ch C", "note N" or "note N ch C" '
                           "(N 0-127, C 1-16)")
    kind, number = found.group(1).lower(), int(found.group(2))
    channel = int(found.group(3)) if found.group(3) is not None else None
    if number > 127:
        raise MidiMapError(f"the {kind} number must be 0-127, got {number}")
    if channel is not None and not 1 <= channel <= 16:
        raise MidiMapError(f"the channel must be 1-16, got {channel}")
    return Binding(kind, number, channel)


def check_target(target: object) -> str:
    """A parameter that a control can drive, or a command; else ``MidiMapError``."""
    if not isinstance(target, str) or not target:
        raise MidiMapError(f"expected a parameter or a command name, got {target!r}")
    if target in COMMANDS:
        return target
    param = _PARAMS.get(target)
    if param is None:
        raise MidiMapError(f"unknown parameter or command {target!r}; commands: {', '.join(COMMANDS)}; "
                           "`segue params` lists the parameters", target)
    if param.type is str and param.choices is None:
        raise MidiMapError(f"{target} is free text: a MIDI control cannot set it", target)
    return target


def scale(param: Param, value: int) -> ParamValue:
    """A 0-127 value on ``param``'s range (numbers), choices, or off/on (bools)."""
    value = max(0, min(127, int(value)))
    if param.type is bool:
        return value >= 64
    if param.choices is not None:
        return param.choices[min(len(param.choices) - 1, value * len(param.choices) // 128)]
    assert param.min is not None and param.max is not None
    out = param.min + (param.max - param.min) * value / 127
    return round(out) if param.type is int else out


class MidiMap:
    """Targets bound to controls, MIDI learn, and the CC levels that commands fire on."""

    def __init__(self) -> None:
        self._bound: dict[str, Binding] = {}
        self.learning: str | None = None  # the target the next control is learned for
        self._high: set[tuple[int, int]] = set()  # (cc, channel) last at 64 or more

    @classmethod
    def from_config(cls, table: Mapping[str, object]) -> MidiMap:
        """The map of a config's ``[midi.map]`` table (target = spec); ``MidiMapError`` names the entry."""
        out = cls()
        for target, spec in table.items():
            try:
                out._bound[check_target(target)] = parse_spec(spec)
            except MidiMapError as exc:
                raise MidiMapError(f"{target} = {spec!r}: {exc}", target) from None
        return out

    def to_config(self) -> dict[str, str]:
        """The ``[midi.map]`` table: target = spec."""
        return {target: control.spec for target, control in self._bound.items()}

    def spec(self, target: str) -> str:
        """The target's control (``cc 21 ch 1``), or "" when unmapped."""
        control = self._bound.get(target)
        return control.spec if control is not None else ""

    # ------------------------------------------------------------ learn

    def learn(self, target: str | None) -> None:
        """The next control that arrives is bound to ``target``; None cancels."""
        self.learning = None if target is None else check_target(target)

    def unlearn(self, target: str) -> bool:
        """Remove ``target``'s control; False when it had none."""
        return self._bound.pop(check_target(target), None) is not None

    def _learned(self, kind: str, number: int, channel: int) -> tuple[str, str]:
        target, self.learning = self.learning, None
        assert target is not None
        control = Binding(kind, number, channel + 1)
        for other in [t for t, c in self._bound.items() if c == control]:
            del self._bound[other]  # a learned control drives only what it was learned for
        self._bound[target] = control
        return target, control.spec

    # ------------------------------------------------------------ input

    def offer(self, kind: str, number: int, value: int, channel: int
              ) -> tuple[bool, list[Action], tuple[str, str] | None]:
        """One note_on / note_off / control_change (``channel`` 0-15). Returns (taken, actions, learned):
        ``taken`` when the map uses it (it goes no further), what to do, and (target, spec) when it was
        just learned. A parameter learns the next CC; a command the next CC or note-on."""
        kind = "note" if kind in ("note_on", "note_off") else "cc"
        pressed = kind == "note" and value > 0
        if self.learning is not None and (kind == "cc" or (pressed and self.learning in COMMANDS)):
            learned = self._learned(kind, number, channel)
            if kind == "cc":
                self._level(number, channel, value)
            return True, [], learned
        targets = [t for t, c in self._bound.items() if c.matches(kind, number, channel + 1)]
        if not targets:
            return False, [], None
        rising = self._level(number, channel, value) if kind == "cc" else pressed
        actions = []
        for target in targets:
            if target in COMMANDS:
                if rising:
                    actions.append(Action(target))
            elif kind == "cc" or pressed:
                param = _PARAMS[target]
                if kind == "note" and param.type is bool:
                    actions.append(Action(target, toggle=True))
                else:
                    actions.append(Action(target, scale(param, value)))
        return True, actions, None

    def _level(self, number: int, channel: int, value: int) -> bool:
        """Record a CC's level; True when it just went from below 64 to 64 or more."""
        key = (number, channel)
        was = key in self._high
        if value >= 64:
            self._high.add(key)
        else:
            self._high.discard(key)
        return value >= 64 and not was


def config_line(text: str, target: str) -> int | None:
    """The line number of ``target`` in a config's ``[midi.map]`` table, for error messages."""
    inside = False
    key = re.compile(rf"""\s*(?:{re.escape(target)}|"{re.escape(target)}"|'{re.escape(target)}')\s*=""")
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = re.fullmatch(r"\[\s*midi\s*\.\s*map\s*\]\s*(#.*)?", stripped) is not None
        elif inside and key.match(line):
            return number
    return None
