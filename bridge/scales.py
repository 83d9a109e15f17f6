"""Keys and scales as pitch-class sets: what the key/scale constraint lets a continuation play."""

from __future__ import annotations

import numpy as np


class TokenError(ValueError):
    """A tokenizer file or a token value the runtime cannot use."""


SCALES: dict[str, tuple[int, ...]] = {
    "chromatic": tuple(range(12)),
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "pentatonic": (0, 2, 4, 7, 9),
    "blues": (0, 3, 5, 6, 7, 10),
}

_NOTE_NAMES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def parse_key(key: int | str) -> int:
    """A key root as a pitch class 0-11, from an int or a name like ``C``, ``F#``, ``Bb``."""
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return int(key) % 12
    text = str(key).strip()
    if text.lstrip("-").isdigit():
        return int(text) % 12
    if not text or text[0].upper() not in _NOTE_NAMES:
        raise TokenError(f"unknown key {key!r}: use C, C#, Db, ... B or a pitch class 0-11")
    pc = _NOTE_NAMES[text[0].upper()]
    for accidental in text[1:]:
        if accidental in "#s":
            pc += 1
        elif accidental in "bB":
            pc -= 1
        else:
            raise TokenError(f"unknown key {key!r}: use C, C#, Db, ... B or a pitch class 0-11")
    return pc % 12


def scale_bits(key: int | str, scale: str) -> int:
    """12-bit mask of the pitch classes of ``scale`` on ``key`` (bit i set = pitch class i in)."""
    if scale not in SCALES:
        raise TokenError(f"unknown scale {scale!r}: one of {', '.join(SCALES)}")
    root = parse_key(key)
    bits = 0
    for step in SCALES[scale]:
        bits |= 1 << ((root + step) % 12)
    return bits
