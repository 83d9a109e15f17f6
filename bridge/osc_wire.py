"""Raw OSC 1.0 datagrams, byte for byte, for the fuzz tests and the stress bench.

python-osc builds only well-formed messages; these helpers also build what a buggy client sends:
wrong or unknown type tags (``tags``), nested and oversized bundles, NaN/inf and 64-bit numbers.
The daemon never sends with them (it uses python-osc).
"""

from __future__ import annotations

import math
import struct
from typing import Any


def osc_string(text: str | bytes) -> bytes:
    """An OSC string: UTF-8, NUL-terminated, padded to 4 bytes."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return raw + b"\x00" * (4 - len(raw) % 4)


def osc_arg(value: Any) -> tuple[str, bytes]:
    """(type tag, bytes) of one argument; a list becomes an OSC array."""
    if value is True:
        return "T", b""
    if value is False:
        return "F", b""
    if value is None:
        return "N", b""
    if isinstance(value, int):
        if -(2 ** 31) <= value < 2 ** 31:
            return "i", struct.pack(">i", value)
        return "h", struct.pack(">q", value)
    if isinstance(value, float):
        if math.isfinite(value) and abs(value) > 3e38:
            return "d", struct.pack(">d", value)
        return "f", struct.pack(">f", value)
    if isinstance(value, str):
        return "s", osc_string(value)
    if isinstance(value, bytes):
        return "b", struct.pack(">i", len(value)) + value + b"\x00" * (-len(value) % 4)
    if isinstance(value, list):
        tags, body = "[", b""
        for item in value:
            t, b = osc_arg(item)
            tags, body = tags + t, body + b
        return tags + "]", body
    raise TypeError(value)


def osc_message(address: str, args: list[Any], tags: str | None = None) -> bytes:
    """A message datagram; ``tags`` overrides the type tag string (wrong or unknown tags)."""
    encoded = [osc_arg(a) for a in args]
    tag_text = "," + "".join(t for t, _ in encoded) if tags is None else tags
    return osc_string(address) + osc_string(tag_text) + b"".join(b for _, b in encoded)


def osc_bundle(elements: list[bytes], timetag: int = 1) -> bytes:
    """A bundle of already encoded elements (messages or bundles)."""
    return b"#bundle\x00" + struct.pack(">Q", timetag) + b"".join(
        struct.pack(">i", len(e)) + e for e in elements)
