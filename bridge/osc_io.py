"""OSC over UDP on python-osc: a server whose handler only stamps and enqueues, and a replier.

``OscServer`` binds 127.0.0.1 by default and runs python-osc's ``BlockingOSCUDPServer`` in its own
thread. Every datagram becomes ``OscEvent``s on a queue: one per message (bundles are flattened and
delivered at once, their time tags ignored), or one with ``error`` set for a packet that does not parse,
is too big, or holds too many messages - the thread never dies on bad input. Binding to anything other
than loopback needs an allow-list of client addresses (127.0.0.1 and ::1 are always allowed); other
senders are dropped and counted (``stats.not_allowed``). ``OscReplier`` sends to an explicit reply
host and port (Max's [udpreceive] cannot share the sender's port); ``OscNoteSink`` is the
``EventSink`` that plays notes out as OSC.

Two exceptions to "every message in arrival order on one queue", decided right after a packet is split:
messages to a ``priority`` address (the daemon's stop and panic) go to their own queue, which the
control thread serves before anything else, so no flood ahead of them can delay or drop them; and a
message to a ``coalesce`` address (the bulk queries) repeated byte for byte within one packet is
delivered once.

OSC channels are 1-16 (what performers read on their gear); inside segue they are 0-15.
"""

from __future__ import annotations

import ipaddress
import logging
import queue
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pythonosc import osc_message
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_server import BlockingOSCUDPServer

from bridge.osc_packets import MAX_MESSAGES_PER_PACKET, MAX_PACKET_BYTES, PacketError, split_packet, too_large

log = logging.getLogger(__name__)

MAX_WARNED_SENDERS = 64  # refused senders named in the log (each once)
RECEIVE_BUFFER_BYTES = 1 << 20  # asked of the kernel (it may give less): a burst waits instead of dropping
_SELF = (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))
_INT32 = (-(2 ** 31), 2 ** 31 - 1)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class OscEvent:
    """One incoming OSC message (``error`` is None) or one rejected packet (``address`` is "")."""

    address: str
    args: tuple[Any, ...]
    client: tuple[str, int]
    t_ns: int
    error: str | None = None
    source: str = field(default="osc")


@dataclass(slots=True)
class OscServerStats:
    """Counters since start."""

    packets: int = 0
    bytes: int = 0  # datagram bytes received from allowed senders
    messages: int = 0
    errors: int = 0
    not_allowed: int = 0
    queue_full: int = 0
    priority: int = 0  # messages sent to the priority queue
    coalesced: int = 0  # repeats within a packet delivered once


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _client_ip(address: Any) -> str:
    return str(address[0]) if isinstance(address, tuple) and address else str(address)


class _EnqueueDispatcher(Dispatcher):
    """Turns whole datagrams into ``OscEvent``s on the owner's queue; never calls handlers."""

    def __init__(self, owner: OscServer) -> None:
        super().__init__()
        self._owner = owner

    def call_handlers_for_packet(self, data: bytes, client_address: tuple[str, int]) -> list:
        self._owner._on_packet(data, client_address, time.perf_counter_ns())
        return []


class _Server(BlockingOSCUDPServer):
    """python-osc's blocking server with segue's checks: allow-list, and every datagram to the dispatcher."""

    def __init__(self, address: tuple[str, int], dispatcher: Dispatcher, owner: OscServer) -> None:
        self._owner = owner
        self.max_packet_size = owner.max_bytes + 1  # one more byte reveals an oversized datagram
        super().__init__(address, dispatcher)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
        except OSError as exc:
            log.debug("OSC receive buffer left as it is: %s", exc)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        # python-osc drops datagrams that do not look like OSC here; segue reports them instead
        return self._owner._allowed(client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.exception("OSC request from %s failed", client_address)


class OscServer:
    """Receives OSC on ``host:port`` (port 0 picks a free one, see ``port``) into ``events``.

    ``allow``: client addresses or networks (``"192.168.1.20"``, ``"10.0.0.0/24"``) accepted besides
    loopback; required when ``host`` is not a loopback address. ``priority``: addresses whose messages
    go to ``priority_events`` instead (``events`` when not given); ``coalesce``: addresses delivered once
    per packet when repeated in it with the same arguments. Use as a context manager or
    ``start()``/``close()``. Raises ``OSError`` when the port is taken, ``ValueError`` on a bad allow-list.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 9000, *, allow: Iterable[str] | None = None,
                 events: queue.Queue[Any] | None = None, max_bytes: int = MAX_PACKET_BYTES,
                 max_messages: int = MAX_MESSAGES_PER_PACKET, priority: Iterable[str] = (),
                 priority_events: Any = None, coalesce: Iterable[str] = ()) -> None:
        self.host = host
        self.requested_port = port
        self.max_bytes = max_bytes
        self.max_messages = max_messages
        self.events: queue.Queue[Any] = events if events is not None else queue.Queue(maxsize=4096)
        self.priority_events: Any = priority_events if priority_events is not None else self.events
        self._priority = frozenset(a.encode() for a in priority)
        self._coalesce = frozenset(a.encode() for a in coalesce)
        self.stats = OscServerStats()
        self._allow: list[Network] = []
        for entry in allow or ():
            try:
                self._allow.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                raise ValueError(f"OSC allow-list entry {entry!r} is not an IP address or network "
                                 f"(e.g. 192.168.1.20 or 192.168.1.0/24)") from None
        if not is_loopback(host) and not self._allow:
            raise ValueError(f"binding OSC to {host} accepts packets from the network: give an allow-list "
                             f"of client addresses (e.g. --osc-allow 192.168.1.20), or bind 127.0.0.1")
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._warned: set[str] = set()  # refused senders already logged

    @property
    def alive(self) -> bool:
        """True while the receiving thread runs."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def bound(self) -> tuple[str, int] | None:
        """The address the socket is bound to (after ``start``)."""
        if self._server is None:
            return None
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def port(self) -> int:
        """The bound port (after ``start``), else the requested one."""
        if self._server is not None:
            return int(self._server.server_address[1])
        return self.requested_port

    def start(self) -> OscServer:
        """Bind and start the receiving thread (idempotent)."""
        if self._server is None:
            self._server = _Server((self.host, self.requested_port), _EnqueueDispatcher(self), self)
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                            name="segue-osc", daemon=True)
            self._thread.start()
            log.info("OSC server on %s:%d", self.host, self.port)
        return self

    def close(self) -> None:
        """Stop the thread and free the port (idempotent)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(2.0)
            self._server = None
            self._thread = None

    def __enter__(self) -> OscServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, timeout: float | None = None) -> OscEvent | None:
        """The next event (waiting up to ``timeout`` s; ``None`` waits forever), or ``None``."""
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None

    # -- receiving thread
    def allows(self, ip: str) -> bool:
        """True when packets from ``ip`` are accepted.

        Without an allow-list (a loopback bind) any loopback sender; with one, the listed addresses and
        this machine's own 127.0.0.1 and ::1 (other 127.x addresses are other local services)."""
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
            addr = addr.ipv4_mapped
        if any(addr in net for net in self._allow):
            return True
        if self._allow:
            return addr in _SELF
        return addr.is_loopback

    def _allowed(self, client_address: Any) -> bool:
        ip = _client_ip(client_address)
        if self.allows(ip):
            return True
        self.stats.not_allowed += 1
        if len(self._warned) < MAX_WARNED_SENDERS and ip not in self._warned:
            self._warned.add(ip)  # once per sender: a flood must not flood the log
            log.warning("OSC packets from %s are dropped: not in the allow-list (--osc-allow)", ip)
        else:
            log.debug("OSC packet from %s dropped: not in the allow-list", ip)
        return False

    def _put(self, event: OscEvent, lane: Any = None) -> None:
        try:
            (self.events if lane is None else lane).put_nowait(event)
        except queue.Full:
            self.stats.queue_full += 1

    def _lanes(self, parts: list[bytes]) -> list[tuple[bytes, bool]]:
        """The packet's messages in order, each with "priority?", repeats of a coalesced request dropped."""
        out: list[tuple[bytes, bool]] = []
        seen: set[bytes] = set()
        for part in parts:
            address = part[:part.find(b"\0")]
            if address in self._coalesce:
                if part in seen:
                    self.stats.coalesced += 1
                    continue
                seen.add(part)
            out.append((part, address in self._priority))
        return out

    def _error(self, reason: str, client: tuple[str, int], t_ns: int) -> None:
        self.stats.errors += 1
        log.debug("OSC packet from %s rejected: %s", client, reason)
        self._put(OscEvent("", (), client, t_ns, reason))

    def _on_packet(self, data: bytes, client_address: Any, t_ns: int) -> None:
        client = (_client_ip(client_address), int(client_address[1]) if isinstance(client_address, tuple)
                  and len(client_address) > 1 else 0)
        self.stats.packets += 1
        self.stats.bytes += len(data)
        try:
            if len(data) > self.max_bytes:
                self._error(too_large(data, self.max_bytes), client, t_ns)
                return
            try:
                # segue checks the structure itself first: python-osc's bundle parser loops forever on a
                # negative element size and logs a warning per unknown type tag (a log flood)
                lanes = self._lanes(split_packet(data, self.max_messages))
                messages = [(osc_message.OscMessage(part), urgent) for part, urgent in lanes]
            except PacketError as exc:
                self._error(f"malformed OSC packet: {exc}", client, t_ns)
                return
            except Exception as exc:  # python-osc's own parse errors (arguments cut short, ...)
                self._error(f"malformed OSC packet: {type(exc).__name__}: {exc}", client, t_ns)
                return
            for msg, urgent in messages:  # in packet order: the lanes know what came before what
                self.stats.messages += 1
                self.stats.priority += urgent
                self._put(OscEvent(str(msg.address), tuple(msg.params), client, t_ns),
                          self.priority_events if urgent else None)
        except Exception:  # the receiving thread must survive anything
            log.exception("OSC packet handling failed")
            self.stats.errors += 1


class OscReplier:
    """Sends OSC messages to ``host:port`` (the explicit reply port). Thread-safe; never raises on send."""

    def __init__(self, host: str = "127.0.0.1", port: int = 9001) -> None:
        self.host = host
        self.port = port
        self.sent = 0
        self.failed = 0
        self.bytes_sent = 0  # datagram bytes sent
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
        family, _, _, _, self._addr = infos[0]
        self._sock = socket.socket(family, socket.SOCK_DGRAM)
        self._lock = threading.Lock()

    def send(self, address: str, *args: Any) -> bool:
        """Send one message; False (logged, counted) when it could not be built or sent."""
        try:
            builder = OscMessageBuilder(address=address)
            for arg in args:
                # an int that does not fit OSC's int32 goes as int64 ('h'), e.g. an echoed ping token
                wide = type(arg) is int and not _INT32[0] <= arg <= _INT32[1]
                builder.add_arg(arg, OscMessageBuilder.ARG_TYPE_INT64 if wide else None)
            dgram = builder.build().dgram
        except Exception as exc:
            self.failed += 1
            log.warning("OSC reply %s %r not built: %s", address, args, exc)
            return False
        try:
            with self._lock:
                self._sock.sendto(dgram, self._addr)
                self.bytes_sent += len(dgram)
        except OSError as exc:
            self.failed += 1
            log.debug("OSC reply to %s:%d failed: %s", self.host, self.port, exc)
            return False
        self.sent += 1
        return True

    def close(self) -> None:
        """Close the socket."""
        self._sock.close()

    def __enter__(self) -> OscReplier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class OscNoteSink:
    """``EventSink`` playing notes as OSC: at note-on ``/segue/note pitch velocity duration_beats channel``
    and ``/segue/noteon pitch velocity channel``; at note-off ``/segue/noteoff pitch 0 channel``.
    ``all_notes_off`` sends the note-off of every note this sink still has on."""

    def __init__(self, replier: OscReplier, prefix: str = "/segue") -> None:
        self.replier = replier
        self.prefix = prefix
        self._sounding: set[tuple[int, int]] = set()
        self._lock = threading.Lock()

    def note_on(self, pitch: int, velocity: int, channel: int, duration_beats: float = 0.0) -> None:
        with self._lock:
            self._sounding.add((channel, pitch))
        self.replier.send(f"{self.prefix}/note", pitch, velocity, float(duration_beats), channel + 1)
        self.replier.send(f"{self.prefix}/noteon", pitch, velocity, channel + 1)

    def note_off(self, pitch: int, channel: int) -> None:
        with self._lock:
            self._sounding.discard((channel, pitch))
        self.replier.send(f"{self.prefix}/noteoff", pitch, 0, channel + 1)

    def all_notes_off(self) -> None:
        with self._lock:
            sounding = sorted(self._sounding)
        for channel, pitch in sounding:
            self.note_off(pitch, channel)
