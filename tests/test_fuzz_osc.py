"""Fuzzing the running daemon's OSC server over real UDP (hypothesis, a bounded slice for CI).

Two kinds of input:
- bad messages built on purpose (unknown addresses, wrong arity, wrong type tags, NaN/inf/huge numbers,
  strings where numbers go, arrays, blobs, traversal model names): each one must be rejected, i.e. count
  as exactly one rejection (an ``/segue/error`` reply, or one held back by the rate limit);
- raw datagrams: random bytes, truncated and byte-mutated valid packets, nested, oversized and
  malformed bundles. Each must leave the daemon answering ``/segue/ping``.
In both, the model, the seed and every parameter stay as they were. The datagrams are encoded here, by
hand, so type tags and sizes python-osc's builder would refuse can be sent.

``SEGUE_FUZZ_EXAMPLES`` sets the examples per property (default 300); ``python -m bench.stress`` runs
the same generators at 100k datagrams.
"""

from __future__ import annotations

import math
import os
import socket
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import OrderedReplies, free_udp_port, wait_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_daemon_osc import TEST_PARAMS, TINY, models_dir

from bridge.config import ServeConfig
from bridge.daemon import ROUTES, Daemon, ErrorLimiter
from bridge.osc_packets import MAX_PACKET_BYTES, split_packet
from bridge.osc_wire import osc_bundle, osc_message, osc_string
from bridge.params import PARAMS, ParamStore

__all__ = ["models_dir"]

EXAMPLES = int(os.environ.get("SEGUE_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])

# ---------------------------------------------------------------- bad messages, rejected by construction

KNOWN = {r.address for r in ROUTES}
PARAM_NAMES = [p.name for p in PARAMS]
NUMERIC_PARAMS = [p.name for p in PARAMS if p.type in (int, float)]
INT_PARAMS = [p.name for p in PARAMS if p.type is int]

int64 = st.integers(-(2 ** 63), 2 ** 63 - 1)
huge = st.sampled_from([1e39, -1e39, 1e300, -1e300, 2 ** 40, -(2 ** 40), 2 ** 62])
non_finite = st.sampled_from([math.nan, math.inf, -math.inf])
junk_value = st.one_of(st.text(max_size=12), st.binary(max_size=12), st.lists(st.integers(0, 9), max_size=3),
                       st.none())
name_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)


@st.composite
def unknown_address(draw: st.DrawFn) -> bytes:
    tail = draw(st.text(st.characters(codec="ascii", min_codepoint=33, max_codepoint=126), max_size=30))
    address = draw(st.sampled_from(["/", "/segue/", "/segue/params/", "/other/"])) + tail
    if address in KNOWN or (address.startswith("/segue/param/") and len(address) > len("/segue/param/")):
        address = "/nope" + address
    return osc_message(address, draw(st.lists(int64, max_size=3)))


@st.composite
def wrong_arity(draw: st.DrawFn) -> bytes:
    route = draw(st.sampled_from([r for r in ROUTES if r.address != "/segue/param/<name>"]))
    width = len(route.args)
    required = sum(not a.optional for a in route.args)
    if route.repeat:
        count = draw(st.integers(0, 3 * width).filter(lambda n: n == 0 or n % width))
    else:
        count = draw(st.one_of(st.integers(width + 1, width + 4), st.integers(0, max(required - 1, 0))))
        if required <= count <= width:
            count = width + 1
    return osc_message(route.address, [draw(st.integers(0, 9)) for _ in range(count)])


@st.composite
def bad_values(draw: st.DrawFn) -> bytes:
    """Right arity, one argument of the wrong kind: a string or blob for a number, NaN/inf/huge, ..."""
    route = draw(st.sampled_from([r for r in ROUTES if any(a.kind in ("int", "float") for a in r.args)]))
    good = {"int": 1, "float": 1.0, "str": "x", "any": 1}
    if route.address == "/segue/note":
        args: list[Any] = [60, 100, 1, 0.5]
    elif route.address == "/segue/phrase":
        args = [60, 100, 0.0, 1.0] * draw(st.integers(1, 3))
    else:
        args = [good[a.kind] for a in route.args]
    numeric = [i for i, a in enumerate(route.args * (len(args) // max(len(route.args), 1) or 1))
               if a.kind in ("int", "float")]
    index = draw(st.sampled_from(numeric))
    args[index] = draw(st.one_of(huge, non_finite, junk_value, st.booleans()))
    return osc_message(route.address, args)


@st.composite
def bad_settings(draw: st.DrawFn) -> bytes:
    """/segue/set and /segue/param/<name> with an unknown name, or a value the parameter refuses."""
    kind = draw(st.sampled_from(["unknown", "non_finite", "huge", "junk"]))
    if kind == "unknown":
        name = draw(name_text.filter(lambda n: n.strip() not in PARAM_NAMES))
        value: Any = draw(st.one_of(int64, st.floats(allow_nan=False), st.text(max_size=5)))
    else:
        name = draw(st.sampled_from(NUMERIC_PARAMS))
        value = {"non_finite": draw(non_finite), "huge": draw(huge),
                 "junk": draw(st.one_of(st.binary(max_size=8), st.lists(int64, max_size=2),
                                        st.none(), st.text(st.characters(codec="ascii"), min_size=1,
                                                           max_size=6).filter(_not_a_number)))}[kind]
    if draw(st.booleans()) and "/" not in name and "\x00" not in name and name:
        return osc_message(f"/segue/param/{name}", [value])
    return osc_message("/segue/set", [name, value])


def _not_a_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return True
    return False


@st.composite
def bad_queries(draw: st.DrawFn) -> bytes:
    """/segue/get and /segue/params of unknown names, /segue/model of names that cannot load."""
    address = draw(st.sampled_from(["/segue/get", "/segue/params", "/segue/model"]))
    if address == "/segue/model":
        name = draw(st.one_of(st.sampled_from(["../../etc/passwd", "/etc", "..", "a/b", "default/..", "",
                                               ".hidden", "nope", "x" * 300]), name_text))
        if name in (TINY, "default"):  # the manifests' models: these load
            name = "not-" + name
    else:
        name = draw(name_text.filter(lambda n: n not in PARAM_NAMES))
    return osc_message(address, [name])


@st.composite
def wrong_tags(draw: st.DrawFn) -> bytes:
    """Type tag strings that do not match the data or name types nobody supports."""
    route = draw(st.sampled_from(sorted(KNOWN - {"/segue/param/<name>"})))
    tags = draw(st.sampled_from([",X", ",ii&", ",[i", ",]", ",i]", ",I", ",c", "nocomma", ",iiiiiiii",
                                 ",ss", ",b"]))
    body = draw(st.binary(max_size=6))
    return osc_string(route) + osc_string(tags) + body


def rejected_message() -> st.SearchStrategy[bytes]:
    return st.one_of(unknown_address(), wrong_arity(), bad_values(), bad_settings(), bad_queries())


# ---------------------------------------------------------------- raw datagrams

VALID = [
    osc_message("/segue/ping", ["x"]),
    osc_message("/segue/status", []),
    osc_message("/segue/get", ["temperature"]),
    osc_message("/segue/phrase", [60, 100, 0.0, 1.0, 64, 90, 1.0, 0.5]),
    osc_message("/segue/set", ["temperature", 0.5]),
    osc_message("/segue/note", [60, 100, 1]),
    osc_bundle([osc_message("/segue/note", [60, 100]), osc_message("/segue/ping", [1])]),
]
# messages that may change the model, the seed or a parameter: never sent by the raw fuzzer when valid
STATEFUL = ("/segue/note", "/segue/phrase", "/segue/clear", "/segue/continue", "/segue/set",
            "/segue/param/", "/segue/model")


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and data:
            data[at] = draw(st.sampled_from([0, 0x2C, 0x2F, 0x5B, 0x5D, 0x7F, 0x80, 0xFF]))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete" and data:
            del data[at:at + draw(st.integers(1, 8))]
        elif op == "truncate":
            data = data[:at]
    return bytes(data)


@st.composite
def hostile_bundle(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["nested", "sizes", "many", "empty", "timetag"]))
    inner = osc_message("/segue/ping", ["b"])
    if kind == "nested":
        data = inner
        for _ in range(draw(st.integers(1, 40))):
            data = osc_bundle([data])
        return data
    if kind == "sizes":
        size = draw(st.sampled_from([-4, -1, 0, 1, 3, 7, 2 ** 31 - 1, -(2 ** 31), 4096]))
        return b"#bundle\x00" + bytes(8) + struct.pack(">i", size) + draw(st.binary(max_size=16))
    if kind == "many":
        return osc_bundle([osc_message("/segue/status", [])] * draw(st.integers(257, 600)))
    if kind == "empty":
        return osc_bundle([])
    return osc_bundle([inner], timetag=draw(st.integers(0, 2 ** 64 - 1)))


def raw_datagram() -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=64), mutated(), hostile_bundle(), wrong_tags(),
                     st.just(b"/segue/ping\x00" + b"x" * (MAX_PACKET_BYTES + 10)))


def is_stateful(data: bytes) -> bool:
    """True when ``data`` reads as OSC holding a message that could change state."""
    from pythonosc.osc_message import OscMessage

    try:
        messages = [OscMessage(part) for part in split_packet(data)]
    except Exception:
        return False
    return any(m.address.startswith(STATEFUL) for m in messages)


# ---------------------------------------------------------------- the daemon under fuzz


class Target:
    """A running daemon, a raw socket to it and its replies; ``state`` is what must not change."""

    def __init__(self, models: Path) -> None:
        self.replies = OrderedReplies()
        serve = ServeConfig(port=free_udp_port(), reply_port=self.replies.port, midi=False,
                            models=(str(models),), model=TINY)
        self.daemon = Daemon(serve, ParamStore(values=TEST_PARAMS)).open()
        assert self.daemon.osc_address is not None
        self.address = ("127.0.0.1", self.daemon.osc_address[1])
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.pings = 0

    def state(self) -> tuple[Any, ...]:
        engine = self.daemon.engine
        assert engine is not None
        return (self.daemon.params.snapshot(), engine.model.name, engine.seed_notes, self.daemon.model.name)

    def send(self, data: bytes) -> None:
        self.sock.sendto(data, self.address)

    def ping(self) -> None:
        """Fails unless the daemon answers a ping (everything sent before it has been handled)."""
        self.pings += 1
        token = f"fuzz-{self.pings}"
        self.send(osc_message("/segue/ping", [token]))
        self.replies.wait("/segue/pong", lambda a: a[-1] == token, timeout=10)

    def close(self) -> None:
        self.sock.close()
        self.daemon.close()
        self.replies.close()


@pytest.fixture(scope="module")
def target(models_dir: Path) -> Iterator[Target]:
    t = Target(models_dir)
    yield t
    t.close()


def test_the_error_limiter_holds_back_a_flood_and_counts_it() -> None:
    now = [0]
    limiter = ErrorLimiter(rate=10.0, burst=3, clock=lambda: now[0])
    assert [limiter.take() for _ in range(5)] == [(True, 0)] * 3 + [(False, 0)] * 2
    now[0] += 50_000_000  # 0.05 s: half a token
    assert limiter.take() == (False, 0)
    now[0] += 100_000_000  # 0.15 s in all: one token back
    assert limiter.take() == (True, 3)  # the next reply says 3 were held back
    assert limiter.take() == (False, 0)
    now[0] += 10_000_000_000  # a long quiet spell refills the burst, no more
    assert [limiter.take()[0] for _ in range(4)] == [True, True, True, False]
    with pytest.raises(ValueError):
        ErrorLimiter(rate=0)


@FUZZ
@given(data=rejected_message())
def test_bad_messages_are_each_rejected_once_and_change_nothing(target: Target, data: bytes) -> None:
    before = target.state()
    rejected = target.daemon.rejected
    target.send(data)
    target.ping()
    engine = target.daemon.engine
    assert engine is not None and engine.wait_idle(10)  # a model that fails to load reports from there
    assert target.daemon.sync()
    assert target.daemon.rejected == rejected + 1, data
    assert target.state() == before


@FUZZ
@given(data=raw_datagram())
def test_raw_datagrams_never_break_the_server(target: Target, data: bytes) -> None:
    if is_stateful(data):
        return  # a mutation that happens to be a valid state-changing message
    before = target.state()
    packets = target.daemon.osc_server.stats.packets
    target.send(data)
    target.ping()
    assert target.daemon.osc_server.stats.packets == packets + 2  # the datagram and the ping
    assert target.state() == before


@FUZZ
@given(data=wrong_tags())
def test_unknown_type_tags_are_rejected_with_a_reason(target: Target, data: bytes) -> None:
    rejected = target.daemon.rejected
    target.send(data)
    target.ping()
    assert target.daemon.rejected == rejected + 1


def test_every_rejection_is_replied_or_counted_and_the_flood_summarised(target: Target) -> None:
    """After a burst of bad datagrams: the replies that went out plus the held-back ones add up."""
    target.daemon.sync()
    mark = target.replies.mark()
    rejected, held = target.daemon.rejected, target.daemon.errors_suppressed
    flood = 400
    for i in range(flood):
        target.send(osc_message("/segue/nope", [i]))
        if i % 50 == 49:
            target.ping()  # pace the flood so the socket buffer keeps every datagram
    target.ping()
    assert target.daemon.rejected == rejected + flood
    errors = [a for addr, a in target.replies.messages[mark:] if addr == "/segue/error"]
    replied = [a for a in errors if a[0] == "/segue/nope"]
    assert replied and target.daemon.errors_suppressed > held  # the limit held some back
    assert len(replied) + target.daemon.errors_suppressed - held == flood
    limiter = target.daemon.error_limiter
    now = [target.daemon.clock()]
    held_back = ErrorLimiter(limiter.rate, burst=1, clock=lambda: now[0])
    assert [held_back.take()[0] for _ in range(6)] == [True] + [False] * 5  # five held back
    now[0] += round(1e9 / limiter.rate)  # one reply's worth of time later
    target.daemon.error_limiter = held_back
    try:
        # once the limit lets replies through again, the first says how many were held back
        mark = target.replies.mark()
        target.send(osc_message("/segue/nope", ["after"]))
        summary = target.replies.wait("/segue/error", lambda a: "not reported" in a[1], after=mark)
        assert summary[0] == "/segue" and summary[1].startswith("5 more rejected messages")
    finally:
        target.daemon.error_limiter = limiter


ping_token = st.one_of(st.integers(-(2 ** 63), 2 ** 63 - 1), st.floats(allow_nan=False, width=32),
                       st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=64),
                       st.booleans())


@FUZZ
@given(token=ping_token)
def test_ping_echoes_any_token_it_accepts(target: Target, token: Any) -> None:
    """Every int64, float32, string or boolean token comes back as it went (an int over 32 bits too)."""
    mark = target.replies.mark()
    target.send(osc_message("/segue/ping", [token]))
    pong = target.replies.wait("/segue/pong", after=mark, timeout=10)
    assert len(pong) == 2 and pong[1] == token and type(pong[1]) is type(token)


starts = st.one_of(st.floats(0, 4096, width=32), st.sampled_from([0.0, 4096.0]))
lengths = st.one_of(st.floats(0.00390625, 256, width=32), st.sampled_from([0.001, 256.0]))
valid_note = st.tuples(st.integers(0, 127), st.integers(1, 127), starts, lengths)


@settings(max_examples=max(10, EXAMPLES // 10), deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(notes=st.lists(valid_note, min_size=1, max_size=40))
def test_any_valid_phrase_is_answered_or_refused_and_every_note_ends(
        target: Target, notes: list[tuple[int, int, float, float]]) -> None:
    """Extreme but valid phrases (pitch 0 and 127, starts up to 4096 beats, 1/1000-beat notes, chords):
    segue answers or says why, the worker lives on, and nothing is left sounding."""
    engine = target.daemon.engine
    assert engine is not None
    args: list[Any] = [v for note in notes for v in note]
    mark = target.replies.mark()
    errors = target.daemon.rejected
    target.send(osc_message("/segue/phrase", args))
    target.ping()
    assert engine.wait_idle(30)
    target.send(osc_message("/segue/stop", []))
    target.ping()
    assert engine.wait_idle(10)
    assert engine.alive
    got = target.replies.messages[mark:]
    ons = [a for addr, a in got if addr == "/segue/noteon"]
    assert ons or target.daemon.rejected > errors, "neither an answer nor an error"
    assert len(engine.seed_notes) == len(notes)
    assert wait_for(lambda: _sounding(target.replies.messages[mark:]) == set(), timeout=5)
    target.send(osc_message("/segue/clear", []))
    target.ping()


def _sounding(messages: list[tuple[str, tuple[Any, ...]]]) -> set[tuple[int, int]]:
    on: set[tuple[int, int]] = set()
    for address, args in messages:
        if address == "/segue/noteon":
            on.add((args[2], args[0]))
        elif address == "/segue/noteoff":
            on.discard((args[2], args[0]))
    return on
