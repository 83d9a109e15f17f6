"""What the web view hears from the daemon, without ever holding up its real-time threads.

:class:`Feed` is a bounded queue that producers only append to: a ``collections.deque`` with a
``maxlen`` (one atomic append under the interpreter lock: no lock of its own, no wake-up of another
thread, never blocks; when the view falls behind the oldest events go, and ``drain`` counts them).
Producers, each on its own thread:

- :class:`ViewSink`, one more member of the scheduler's ``FanoutSink`` (the scheduler thread): every
  answer note as it leaves;
- :class:`ReplyTee`, in front of the replier of the daemon's ``Reporter`` (the control thread, the MIDI
  input thread): the replies a patch hears that the page shows too (status, values, errors, ...);
- ``bridge.view.taps`` (the control thread): the performer's notes and the phrase ends.

The view's server thread alone drains it (``bridge.view.hub``). Events are tuples
``(number, kind, t_ns, *data)`` stamped with the daemon's clock.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from typing import Any

from bridge.errors import PREFIX

FEED_SIZE = 8192  # events held for the view thread (it drains every few tens of ms)

#: replies the page shows (all others, pongs and bulk listings among them, pass by untouched)
WATCHED_REPLIES = frozenset(f"{PREFIX}/{name}" for name in (
    "status", "value", "error", "answer/end", "style", "model", "saved", "midi", "learning", "learned"))


class Feed:
    """Append-only from any thread (``put``), drained by one (``drain``)."""

    def __init__(self, clock: Callable[[], int], size: int = FEED_SIZE) -> None:
        self.clock = clock
        self._events: deque[tuple[Any, ...]] = deque(maxlen=size)
        self._numbers = itertools.count()  # next() is atomic: numbers are unique across threads
        self._taken = 0  # drain's thread only
        self._last = -1  # drain's thread only: the highest number seen

    def put(self, kind: str, t_ns: int, *data: Any) -> None:
        """Add one event; never blocks (when full, the oldest event is dropped)."""
        self._events.append((next(self._numbers), kind, t_ns, *data))

    def drain(self) -> tuple[list[tuple[Any, ...]], int]:
        """Everything queued, and how many events were dropped so far for want of room."""
        out: list[tuple[Any, ...]] = []
        pop = self._events.popleft
        while True:
            try:
                out.append(pop())
            except IndexError:
                break
        self._taken += len(out)
        if out:
            self._last = max(self._last, max(e[0] for e in out))
        return out, max(0, self._last + 1 - self._taken)


class ViewSink:
    """An ``EventSink`` (the scheduler thread): answer notes onto the feed as they leave."""

    def __init__(self, feed: Feed) -> None:
        self._feed = feed
        self._clock = feed.clock

    def note_on(self, pitch: int, velocity: int, channel: int, duration_beats: float = 0.0) -> None:
        self._feed.put("note", self._clock(), "a", pitch, velocity, channel)

    def note_off(self, pitch: int, channel: int) -> None:
        self._feed.put("note", self._clock(), "a", pitch, 0, channel)

    def all_notes_off(self) -> None:
        self._feed.put("alloff", self._clock(), "a", -1)


class ReplyTee:
    """Stands in for an ``OscReplier``: sends as it does, and puts the replies the page shows onto the
    feed (after sending, so the patch hears them first)."""

    def __init__(self, replier: Any, feed: Feed) -> None:
        self._replier = replier
        self._feed = feed

    def send(self, address: str, *args: Any) -> bool:
        sent = self._replier.send(address, *args)
        if address in WATCHED_REPLIES:
            self._feed.put("reply", self._feed.clock(), address, args)
        return sent

    def close(self) -> None:
        self._replier.close()

    def __getattr__(self, name: str) -> Any:  # counters and settings of the replier
        if name.startswith("_"):  # not set yet (a copy being made): no lookup through _replier
            raise AttributeError(name)
        return getattr(self._replier, name)
