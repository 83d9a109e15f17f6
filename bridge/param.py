"""One parameter's declaration: its type, default, range or choices, and how a value is checked; and the
checks across parameters (``COMBINATIONS``: settings that each pass alone but cannot play together).

``bridge.params`` declares every parameter once with it (``PARAMS``) and holds values in a ``ParamStore``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bridge.scales import SCALES as SCALE_STEPS
from bridge.scales import scale_bits

ParamValue = bool | int | float | str

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

KEYS = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_KEY_ALIASES = {"DB": "C#", "EB": "D#", "GB": "F#", "AB": "G#", "BB": "A#", "CB": "B", "FB": "E",
                "E#": "F", "B#": "C"}
#: time signatures the tokenizer encodes (export.tokenizer's time_signature_range)
METERS = ("2/4", "3/4", "4/4", "5/4", "6/4", "7/4", "2/2", "3/2", "3/8", "5/8", "6/8", "7/8", "9/8", "12/8")
SCALES = ("chromatic", "major", "minor", "dorian", "mixolydian", "pentatonic", "blues")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # bridge.model.check_name's names


class ParamError(ValueError):
    """A parameter name or value was rejected; the message says what to send instead."""


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter: ``type`` is bool, int, float or str; ``choices`` makes a str an enumeration."""

    name: str
    type: type
    default: ParamValue
    doc: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    plain_name: bool = False  # a str that names a file of the models folders (or is empty): no path

    @property
    def type_name(self) -> str:
        """``bool``, ``int``, ``float``, ``choice`` or ``str``."""
        if self.choices is not None:
            return "choice"
        return self.type.__name__

    @property
    def domain(self) -> str:
        """The accepted values in words: ``0.0..5.0``, ``greedy|sample|beam``, ``0|1``, ``text``."""
        if self.choices is not None:
            return "|".join(self.choices)
        if self.type is bool:
            return "0|1"
        if self.type is str:
            return "text"
        return f"{_fmt(self.min)}..{_fmt(self.max)}"

    def coerce(self, value: Any) -> ParamValue:
        """Turn ``value`` (OSC argument, TOML value or CLI string) into this parameter's type, or raise."""
        if self.type is bool:
            return self._coerce_bool(value)
        if self.type is int:
            return self._check_range(self._coerce_int(value))
        if self.type is float:
            return self._check_range(self._coerce_float(value))
        return self._coerce_str(value)

    def describe(self) -> dict[str, Any]:
        """A plain dict: name, type, domain, min, max, choices, default, doc."""
        return {
            "name": self.name,
            "type": self.type_name,
            "domain": self.domain,
            "min": self.min,
            "max": self.max,
            "choices": list(self.choices) if self.choices is not None else None,
            "default": self.default,
            "doc": self.doc,
        }

    # -- coercion helpers
    def _fail(self, value: Any, expected: str) -> ParamError:
        example = f"/segue/set {self.name} {self.default!r}"
        return ParamError(f"{self.name}: {expected}, got {value!r} (e.g. {example})")

    def _coerce_bool(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, float) and value in (0.0, 1.0):
            return bool(value)
        if isinstance(value, str) and _printable(value) and value.strip(" ").lower() in _TRUE | _FALSE:
            return value.strip(" ").lower() in _TRUE
        raise self._fail(value, "expected 0/1 or true/false")

    def _coerce_int(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self._fail(value, f"expected an integer in {self.domain}")
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            if not math.isfinite(value) or value != int(value):
                raise self._fail(value, f"expected a whole number in {self.domain}")
            return int(value)
        if isinstance(value, str) and _printable(value):
            text = value.strip(" ")
            try:
                return self._coerce_int(float(text) if any(c in text for c in ".eE") else int(text))
            except ValueError:
                pass
        raise self._fail(value, f"expected an integer in {self.domain}")

    def _coerce_float(self, value: Any) -> float:
        if isinstance(value, bool):
            raise self._fail(value, f"expected a number in {self.domain}")
        if isinstance(value, int | float):
            try:
                out = float(value)
            except OverflowError:
                raise self._fail(value, f"expected a number in {self.domain}") from None
        elif isinstance(value, str) and _printable(value):
            try:
                out = float(value.strip(" "))
            except (ValueError, OverflowError):
                raise self._fail(value, f"expected a number in {self.domain}") from None
        else:
            raise self._fail(value, f"expected a number in {self.domain}")
        if not math.isfinite(out):
            raise self._fail(value, f"expected a finite number in {self.domain}")
        return out

    def _coerce_str(self, value: Any) -> str:
        if not isinstance(value, str):
            if self.choices is not None:
                raise self._fail(value, f"expected one of {self.domain}")
            raise self._fail(value, "expected text")
        text = value.strip()
        if self.choices is None:
            if len(text) > 256 or any(c < " " or c == "\x7f" for c in text):
                raise self._fail(value, "expected one line of printable text (at most 256 characters)")
            if self.plain_name and text and (not _PLAIN_NAME.fullmatch(text) or ".." in text):
                raise self._fail(value, "expected a name of letters, digits, '.', '_' and '-' (not a path; "
                                 "empty = the default)")
            return text
        if self.name == "key":
            text = _KEY_ALIASES.get(text.upper(), text.upper())
        for choice in self.choices:
            if text.lower() == choice.lower():
                return choice
        raise self._fail(value, f"expected one of {self.domain}")

    def _check_range(self, value: int | float) -> int | float:
        if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
            raise ParamError(f"{self.name}: {value!r} is out of range; use a value in {self.domain}")
        return value


def _printable(text: str) -> bool:
    """No control characters (Python's ``strip`` would take some of them for blanks)."""
    return not any(c < " " or c == "\x7f" for c in text)


def _fmt(x: float | None) -> str:
    if x is None:
        return "*"
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(x)


# ---------------------------------------------------------------- checks across parameters

Check = Callable[[Mapping[str, Any]], "str | None"]


def _playable_pitch(values: Mapping[str, Any]) -> str | None:
    low, high = int(values["pitch_min"]), int(values["pitch_max"])
    key, scale = str(values["key"]), str(values["scale"])
    if scale not in SCALE_STEPS or low > high:
        return None  # reported by the parameter's own check, or by the ordered pair
    bits = scale_bits(key, scale)
    if any(bits >> (pitch % 12) & 1 for pitch in range(low, high + 1)):
        return None
    return (f"no pitch of {key} {scale} lies in pitch_min..pitch_max ({low}..{high}): nothing could play; "
            f"widen the range, or pick another key or scale")


def _sampler_strategy(values: Mapping[str, Any]) -> str | None:
    sampler, strategy = values["sampler"], values["strategy"]
    if strategy == "beam" and sampler != "decoder":
        return (f"sampler {sampler} does not combine with strategy beam (beam search runs on the decoder "
                f"alone): use strategy sample or greedy, or sampler decoder")
    return None


#: (the parameters it reads, the check): run when any of them changes; a message means "refused"
COMBINATIONS: tuple[tuple[tuple[str, ...], Check], ...] = (
    (("pitch_min", "pitch_max", "key", "scale"), _playable_pitch),
    (("sampler", "strategy"), _sampler_strategy),
)
