"""What the daemon says back: replies to the reply port, and ``/segue/error`` rate-limited.

:class:`Reporter` sends replies (never raising) and errors: every typed error goes to
``error_address`` (``bridge.errors``), a flood is held back by :class:`ErrorLimiter` and summarised when
replies flow again. Thread-safe: the control thread and the MIDI input thread both report.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from bridge.errors import PREFIX, RateLimitSummary, error_address

log = logging.getLogger(__name__)

NS_PER_S = 1_000_000_000
ERROR_RATE_PER_S = 50.0  # /segue/error replies a second once the burst is spent
ERROR_BURST = 100


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
