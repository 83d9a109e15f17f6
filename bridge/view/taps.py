"""The control thread's side of the web view: what the performer played and when each phrase ended.

:class:`WatchedSession` is the daemon's :class:`~bridge.session.Session` with each input it takes also put
onto the view's feed: every note played (MIDI or ``/segue/note``, and the timed releases of
``/segue/note ... beats``), each whole ``/segue/phrase`` (drawn so that it ends when it arrived), the
input's all-notes-off and ``clear``. Its engine port is wrapped by :class:`EngineTap`, which sees the
moment each answer is asked for: the end of a phrase (a seed) or a continue of the last one, the start
of the first-note latency the page plots, and the stops that cut an answer. Nothing here waits: a feed
``put`` is one append.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bridge.capture import ALL_NOTES_OFF, ALL_SOUND_OFF
from bridge.notes import Note
from bridge.session import EnginePort, Session
from bridge.settings import Settings
from bridge.view.feed import Feed


class EngineTap:
    """An engine port that tells the feed when an answer is asked for or cut, then passes the command on
    (arguments beyond the ones it reads go through untouched)."""

    def __init__(self, engine: EnginePort, feed: Feed) -> None:
        self._engine = engine
        self._feed = feed

    def seed(self, notes: Sequence[Note], settings: Settings, *args: Any, **kwargs: Any) -> None:
        end_ns = args[0] if args else kwargs.get("end_ns")
        self._feed.put("end", end_ns if end_ns is not None else self._feed.clock(), "phrase", len(notes))
        self._engine.seed(notes, settings, *args, **kwargs)

    def continue_(self, settings: Settings, *args: Any, **kwargs: Any) -> None:
        at_ns = args[1] if len(args) > 1 else kwargs.get("at_ns")
        self._feed.put("end", at_ns if at_ns is not None else self._feed.clock(), "again", 0)
        self._engine.continue_(settings, *args, **kwargs)

    def stop(self) -> None:
        self._feed.put("stop", self._feed.clock(), "stop")
        self._engine.stop()

    def panic(self) -> None:
        self._feed.put("stop", self._feed.clock(), "panic")
        self._engine.panic()

    def __getattr__(self, name: str) -> Any:  # prefix, clear and anything else the session asks of it
        if name.startswith("_"):  # not set yet (a copy being made): no lookup through _engine
            raise AttributeError(name)
        return getattr(self._engine, name)


class WatchedSession(Session):
    """A :class:`~bridge.session.Session` that also puts its input onto ``feed`` (see the module doc)."""

    def __init__(self, engine: EnginePort, *args: Any, feed: Feed, **kwargs: Any) -> None:
        super().__init__(EngineTap(engine, feed), *args, **kwargs)
        self._feed = feed

    def note(self, pitch: int, velocity: int, channel: int, t_ns: int, *args: Any, **kwargs: Any) -> None:
        super().note(pitch, velocity, channel, t_ns, *args, **kwargs)
        self._feed.put("note", t_ns, "p", pitch, velocity, channel)

    def control(self, number: int, value: int, channel: int, t_ns: int, *args: Any, **kwargs: Any) -> None:
        super().control(number, value, channel, t_ns, *args, **kwargs)
        if number in (ALL_NOTES_OFF, ALL_SOUND_OFF):
            self._feed.put("alloff", t_ns, "p", channel)

    def phrase(self, notes: Sequence[Note], t_ns: int, *args: Any, **kwargs: Any) -> None:
        """A whole phrase: its notes go onto the feed first, placed so that it ends at ``t_ns``."""
        grid = self.timeline.grid
        origin = t_ns - grid.ns(max((n.start + n.duration for n in notes), default=0.0))
        for n in sorted(notes, key=lambda n: n.start):
            self._feed.put("note", origin + grid.ns(n.start), "p", n.pitch, n.velocity, n.channel)
            self._feed.put("note", origin + grid.ns(n.start + n.duration), "p", n.pitch, 0, n.channel)
        super().phrase(notes, t_ns, *args, **kwargs)

    def clear(self, t_ns: int, *args: Any, **kwargs: Any) -> None:
        super().clear(t_ns, *args, **kwargs)
        self._feed.put("clear", t_ns)
