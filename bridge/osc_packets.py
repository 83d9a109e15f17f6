"""OSC datagrams checked before python-osc parses them: bundles flattened, limits enforced.

python-osc parses what it is given and raises on some malformed input but not all (a huge bundle, deep
nesting, type tags it cannot read). :func:`split_packet` walks a datagram's bundles itself, up to
``MAX_BUNDLE_DEPTH`` deep and ``MAX_MESSAGES_PER_PACKET`` messages, checks each message's address and type
tags, and returns the message datagrams; anything else raises :class:`PacketError` with the reason.
"""

from __future__ import annotations

MAX_PACKET_BYTES = 8192
MAX_MESSAGES_PER_PACKET = 256
MAX_BUNDLE_DEPTH = 8
ARG_TYPES = frozenset("ifdsbhrmtTFN[]")  # the OSC type tags python-osc reads
_BUNDLE_HEAD = b"#bundle\x00"


class PacketError(ValueError):
    """A datagram that is not a well-formed OSC packet segue accepts; the message says why."""


def too_large(data: bytes, max_bytes: int = MAX_PACKET_BYTES) -> str:
    """Why a datagram over ``max_bytes`` is refused; for a phrase, how to send it instead."""
    reason = f"packet too large (over {max_bytes} bytes)"
    if b"/segue/phrase" in data[:64]:
        reason += ": send a long phrase in parts with /segue/phrase/add, then /segue/phrase/end"
    return reason


def _osc_string_end(data: bytes, start: int, what: str) -> tuple[str, int]:
    """The string at ``start`` and the index after its padding; ``PacketError`` when cut short."""
    end = data.find(b"\x00", start)
    if end < 0:
        raise PacketError(f"{what} is not terminated")
    padded = start + (end - start) // 4 * 4 + 4
    if padded > len(data):
        raise PacketError(f"{what} is not padded to 4 bytes")
    try:
        return data[start:end].decode("utf-8"), padded
    except UnicodeDecodeError:
        raise PacketError(f"{what} is not UTF-8") from None


def split_packet(data: bytes, max_messages: int = MAX_MESSAGES_PER_PACKET,
                 max_depth: int = MAX_BUNDLE_DEPTH) -> list[bytes]:
    """The messages of an OSC packet, in order, as raw datagrams (bundles flattened, time tags ignored).

    Checks the structure before any parser sees it: element sizes inside the packet and a multiple of
    4, at most ``max_depth`` nested bundles and ``max_messages`` messages, type tags from ``ARG_TYPES``
    with balanced arrays. Raises ``PacketError``."""
    out: list[bytes] = []
    _split(data, out, max_depth, 0)  # the packet size bounds the count
    if not out:
        raise PacketError("OSC bundle holds no message")
    if len(out) > max_messages:
        raise PacketError(f"bundle too large ({len(out)} messages, at most {max_messages})")
    return out


def _split(data: bytes, out: list[bytes], max_depth: int, depth: int) -> None:
    if data.startswith(b"/"):
        _check_message(data)
        out.append(data)
        return
    if not data.startswith(_BUNDLE_HEAD):
        raise PacketError("neither an OSC message (starts with '/') nor a bundle ('#bundle')")
    if depth >= max_depth:
        raise PacketError(f"bundles nested deeper than {max_depth}")
    index = len(_BUNDLE_HEAD) + 8  # the time tag
    if len(data) < index:
        raise PacketError("bundle time tag is cut short")
    while index < len(data):
        if index + 4 > len(data):
            raise PacketError("bundle element size is cut short")
        size = int.from_bytes(data[index:index + 4], "big", signed=True)
        index += 4
        if size <= 0 or size % 4 or index + size > len(data):
            raise PacketError(f"bundle holds no message that can be read (element size {size} is not a "
                              "positive multiple of 4 within the packet)")
        _split(data[index:index + size], out, max_depth, depth + 1)
        index += size


def _check_message(data: bytes) -> None:
    _, index = _osc_string_end(data, 0, "address")
    if index >= len(data):
        return  # no type tag: no arguments
    tags, _ = _osc_string_end(data, index, "type tag string")
    if not tags.startswith(","):
        raise PacketError("type tag string does not start with ','")
    unknown = sorted(set(tags[1:]) - ARG_TYPES)
    if unknown:
        supported = "".join(sorted(ARG_TYPES))
        raise PacketError(f"unsupported OSC type tag {unknown[0]!r} (supported: {supported})")
    depth = 0
    for tag in tags[1:]:
        depth += (tag == "[") - (tag == "]")
        if depth < 0 or depth > 4:
            raise PacketError("unbalanced or too deeply nested arrays in the type tags")
    if depth:
        raise PacketError("an array in the type tags is not closed")
