"""What the daemon says back: replies to the reply port, ``/segue/error`` rate-limited, bulk answers
bounded.

:class:`Reporter` sends replies (never raising) and errors: every typed error goes to
``error_address`` (``bridge.errors``), a flood is held back by :class:`ErrorLimiter` and summarised when
replies flow again. Thread-safe: the control thread and the MIDI input thread both report.
:class:`ReplyBudget` bounds the bytes of the answers that list many items (every parameter, every route):
a token bucket of reply bytes per sender and one for all senders together, and a request that arrived
before the same answer last went to the same sender is covered by that answer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bridge.errors import PREFIX, RateLimitSummary, error_address

log = logging.getLogger(__name__)

NS_PER_S = 1_000_000_000
ERROR_RATE_PER_S = 50.0  # /segue/error replies a second once the burst is spent
ERROR_BURST = 100
BULK_RATE_BYTES_PER_S = 8192.0  # bulk answer bytes a second to one sender (every parameter: about 6 KB)
BULK_BURST_BYTES = 16384  # bulk answer bytes one sender may get at once
BULK_TOTAL_FACTOR = 4  # all senders together: this many times one sender's budget
BULK_SENDERS = 256  # senders remembered (the least recent forgotten)
LIMIT_NOTICE_S = 1.0  # one "limited" error a second per sender, the other requests go unanswered


class ErrorLimiter:
    """Token bucket for ``/segue/error`` replies: ``burst`` at once, then ``rate`` a second.

    A flood of bad messages must not turn into a flood of replies (nor of log lines); the ones held
    back are counted, and the next reply that goes out is preceded by one that says how many.
    Thread-safe."""

    def __init__(self, rate: float = ERROR_RATE_PER_S, burst: int = ERROR_BURST,
                 clock: Callable[[], int] = time.perf_counter_ns) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"error rate must be > 0 and burst >= 1, got {rate!r}, {burst!r}")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()
        self._held = 0  # suppressed since the last reply
        self.taken = 0  # every error offered (sent or held back)
        self.held_total = 0  # every error held back
        self._lock = threading.Lock()

    def take(self) -> tuple[bool, int]:
        """(send this one?, how many were held back before it); the count resets when it is sent."""
        with self._lock:
            self.taken += 1
            now = self._clock()
            self._tokens = min(float(self.burst), self._tokens + (now - self._last) / NS_PER_S * self.rate)
            self._last = now
            if self._tokens < 1.0:
                self._held += 1
                self.held_total += 1
                return False, 0
            self._tokens -= 1.0
            held, self._held = self._held, 0
            return True, held


class Reporter:
    """Replies and rate-limited errors to the reply port; ``replier`` is an ``OscReplier`` (or None)."""

    def __init__(self, clock: Callable[[], int] = time.perf_counter_ns) -> None:
        self.replier: Any = None
        self.limiter = ErrorLimiter(clock=clock)

    def reply(self, address: str, *args: Any) -> None:
        """Send one OSC message to the reply address (never raises)."""
        replier = self.replier
        if replier is None:
            return
        try:
            replier.send(address, *args)
        except Exception:
            log.exception("reply %s failed", address)

    def report(self, error: BaseException, request: str | None = None) -> None:
        """``/segue/error`` for a typed error (raised while handling ``request``, when given)."""
        self.error(error_address(error, request), str(error))

    def error(self, address: str, message: str) -> None:
        """Reply ``/segue/error address message`` and log it, rate-limited (see ``ErrorLimiter``)."""
        send, held = self.limiter.take()
        if not send:
            log.debug("rejected %s: %s (not reported: rate limit)", address, message)
            return
        if held:
            log.warning("%d more rejected messages were not reported (rate limit)", held)
            summary = RateLimitSummary(f"{held} more rejected messages were not reported "
                                       f"(rate limit: {self.limiter.rate:g}/s)")
            self.reply(f"{PREFIX}/error", summary.address, str(summary))
        log.warning("rejected %s: %s", address, message)
        self.reply(f"{PREFIX}/error", address, message)


def _padded(n: int) -> int:
    """Bytes of an OSC string or blob of ``n`` bytes with its terminator, padded to 4."""
    return (n + 4) & ~3


def message_bytes(address: str, args: Sequence[Any]) -> int:
    """The size of the datagram ``OscReplier.send(address, *args)`` builds."""
    size = _padded(len(address.encode())) + _padded(1 + len(args))
    for arg in args:
        if isinstance(arg, str):
            size += _padded(len(arg.encode()))
        elif isinstance(arg, bytes):
            size += 4 + (len(arg) + 3) // 4 * 4
        elif type(arg) is int:
            size += 4 if -(2 ** 31) <= arg < 2 ** 31 else 8
        elif isinstance(arg, float | int):  # bool is sent as T/F without bytes, float as float32
            size += 0 if isinstance(arg, bool) else 4
    return size


class Verdict:
    """What :meth:`ReplyBudget.admit` decided."""

    SEND = "send"
    COVERED = "covered"  # the same answer went to this sender after the request arrived
    LIMITED = "limited"  # over budget: say so (once per ``LIMIT_NOTICE_S``)
    QUIET = "quiet"  # over budget, and said so already


@dataclass
class _Bucket:
    tokens: float
    last: int
    answered: dict[Hashable, int] = field(default_factory=dict)  # request -> when its answer went
    noticed: int | None = None  # when the last "limited" error went


class ReplyBudget:
    """Token buckets of bulk reply bytes: ``burst`` at once and ``rate`` a second per sender, and
    ``BULK_TOTAL_FACTOR`` times that for all senders together. Over any window of T seconds one sender
    gets at most ``burst + rate * T`` bytes of bulk answers, however many bytes it sends. Used by the
    control thread only (not thread-safe)."""

    def __init__(self, rate: float = BULK_RATE_BYTES_PER_S, burst: int = BULK_BURST_BYTES,
                 clock: Callable[[], int] = time.perf_counter_ns, senders: int = BULK_SENDERS) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"reply rate must be > 0 and burst >= 1, got {rate!r}, {burst!r}")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._senders = senders
        self._buckets: OrderedDict[Hashable, _Bucket] = OrderedDict()
        now = clock()
        self._total = _Bucket(float(burst * BULK_TOTAL_FACTOR), now)
        self.sent_bytes = 0
        self.covered = 0
        self.limited = 0

    def _refill(self, bucket: _Bucket, now: int, scale: float) -> None:
        gained = (now - bucket.last) / NS_PER_S * self.rate * scale
        bucket.tokens = min(self.burst * scale, bucket.tokens + gained)
        bucket.last = now

    def admit(self, sender: Hashable, request: Hashable, t_ns: int, cost: int) -> str:
        """May an answer of ``cost`` bytes to ``request`` (received at ``t_ns``) go to ``sender``?"""
        now = self._clock()
        bucket = self._buckets.get(sender)
        if bucket is None:
            bucket = self._buckets[sender] = _Bucket(float(self.burst), now)
            if len(self._buckets) > self._senders:
                self._buckets.popitem(last=False)
        self._buckets.move_to_end(sender)
        if bucket.answered.get(request, -1) >= t_ns:
            self.covered += 1
            return Verdict.COVERED
        self._refill(bucket, now, 1.0)
        self._refill(self._total, now, BULK_TOTAL_FACTOR)
        # an answer bigger than the burst goes when the bucket is full, and leaves it in debt
        if bucket.tokens >= min(cost, self.burst) and self._total.tokens >= min(cost, self.burst):
            bucket.tokens -= cost
            self._total.tokens -= cost
            bucket.answered[request] = now
            self.sent_bytes += cost
            return Verdict.SEND
        self.limited += 1
        if bucket.noticed is None or now - bucket.noticed >= LIMIT_NOTICE_S * NS_PER_S:
            bucket.noticed = now
            return Verdict.LIMITED
        return Verdict.QUIET

    def wait_s(self, sender: Hashable, cost: int) -> float:
        """Seconds until an answer of ``cost`` bytes to ``sender`` fits its budget again."""
        bucket = self._buckets.get(sender)
        tokens = bucket.tokens if bucket is not None else float(self.burst)
        return max(0.0, (min(cost, self.burst) - tokens) / self.rate)
