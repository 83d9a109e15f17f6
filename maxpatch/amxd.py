"""Max for Live device files (.amxd): the patcher JSON wrapped in the chunk container Live loads.

Layout followed (the unfrozen, unencrypted device format): a sequence of chunks, each a 4-byte ASCII tag,
a 4-byte little-endian unsigned byte count, then that many bytes, with no padding::

    "ampf"  4  device type: "mmmm" MIDI effect, "aaaa" audio effect, "iiii" instrument
    "meta"  4  uint32 1
    "ptch"  N  the patcher JSON as UTF-8, ending with one NUL byte (counted in N)
"""

from __future__ import annotations

import json
import struct
from typing import Any

MIDI_EFFECT = b"mmmm"
AUDIO_EFFECT = b"aaaa"
INSTRUMENT = b"iiii"
DEVICE_TYPES = (MIDI_EFFECT, AUDIO_EFFECT, INSTRUMENT)


def chunk(tag: bytes, payload: bytes) -> bytes:
    """One chunk: tag, little-endian uint32 length, payload."""
    if len(tag) != 4:
        raise ValueError(f"a chunk tag has 4 bytes, not {tag!r}")
    return tag + struct.pack("<I", len(payload)) + payload


def patcher_text(patcher: dict[str, Any]) -> str:
    """The JSON text written for a patcher, the same in a .maxpat and in a device."""
    return json.dumps(patcher, indent=1) + "\n"


def device_bytes(patcher: dict[str, Any], device_type: bytes = MIDI_EFFECT) -> bytes:
    """The .amxd file for ``patcher`` (the ``{"patcher": ...}`` document a .maxpat holds)."""
    if device_type not in DEVICE_TYPES:
        raise ValueError(f"unknown device type {device_type!r}")
    return (chunk(b"ampf", device_type) + chunk(b"meta", struct.pack("<I", 1))
            + chunk(b"ptch", patcher_text(patcher).encode("utf-8") + b"\0"))
