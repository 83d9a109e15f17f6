"""``segue serve --view``: a web page that shows what segue plays (a scrolling piano roll of the
performer and of the answer, the phrases, the beat and bar grid, the state, the first-note latency)
and controls it (every parameter of the registry, continue, stop, panic, clear, save, style and model).

Off the real-time path: the daemon's threads only append to a :class:`~bridge.view.feed.Feed` (the
scheduler through one more sink, the control thread through :mod:`~bridge.view.taps` and a tee of the
replies), and the server (:mod:`~bridge.view.server`, aiohttp) runs on a thread and an event loop of its
own, drains the feed, and posts the page's commands onto the daemon's mailbox like OSC messages.
:class:`View` is the wiring the daemon calls, in the order it opens its parts.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import queue
from collections.abc import Callable
from typing import Any

from bridge.config import ServeConfig
from bridge.errors import PREFIX
from bridge.loading import DaemonError, models_folders
from bridge.view.feed import Feed, ReplyTee, ViewSink
from bridge.view.taps import WatchedSession

__all__ = ["VIEW_EXTRA", "View"]

log = logging.getLogger(__name__)

VIEW_EXTRA = "pip install 'segue[view]' (in a checkout: pip install -e '.[view]')"
_PRIORITY = (f"{PREFIX}/stop", f"{PREFIX}/panic")  # bridge.control.PRIORITY: served before anything else


class View:
    """The web view of one daemon. Made while the daemon opens (``sink``: its output ``FanoutSink``,
    ``reporter``: its ``Reporter``, whose replier gets a tee), started once the OSC server is up."""

    def __init__(self, serve: ServeConfig, clock: Callable[[], int], sink: Any, reporter: Any) -> None:
        if importlib.util.find_spec("aiohttp") is None:
            raise DaemonError(f"--view needs aiohttp, which is not installed: {VIEW_EXTRA}")
        self.serve = serve
        self.clock = clock
        self.feed = Feed(clock)
        sink.add(ViewSink(self.feed))  # last: the view hears a note after MIDI and OSC sent it
        reporter.replier = ReplyTee(reporter.replier, self.feed)
        #: the session class the daemon makes (a Session whose input the feed hears too)
        self.session_class = functools.partial(WatchedSession, feed=self.feed)
        self.server: Any = None

    def start(self, daemon: Any) -> Callable[[], None]:
        """Open the page's server (its own thread); returns the closer. Raises ``DaemonError``."""
        from bridge.view.server import ViewError, ViewServer

        osc = daemon.osc_server
        try:
            self.server = ViewServer(self.serve.host, self.serve.view_port, self.feed,
                                     allowed=osc.allows if osc is not None else _loopback,
                                     submit=functools.partial(_submit, daemon),
                                     snapshot=lambda: daemon.call(lambda: _post_snapshot(daemon, self.feed)),
                                     catalog=lambda: _catalog(daemon)).start()
        except ViewError as exc:
            raise DaemonError(str(exc)) from None
        return self.close

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    @property
    def url(self) -> str | None:
        return self.server.url if self.server is not None else None

    def banner(self) -> list[str]:
        """The banner's line for the page."""
        return [f"  view     {self.url}"] if self.url else []


def _loopback(ip: str) -> bool:
    from bridge.osc_io import is_loopback

    return is_loopback(ip)


def _submit(daemon: Any, address: str, args: tuple[Any, ...], client: tuple[str, int]) -> bool:
    """A page's command onto the daemon's mailbox, as the OSC server puts a message (view thread)."""
    from bridge.osc_io import OscEvent

    lane = daemon.mailbox.priority if address in _PRIORITY else daemon.mailbox.network
    try:
        lane.put_nowait(OscEvent(address, args, client, daemon.clock()))
    except queue.Full:
        return False
    return True


def _post_snapshot(daemon: Any, feed: Feed) -> None:
    """Put the daemon's state onto the feed (control thread); a failure is the view's, not the patch's."""
    try:
        feed.put(*_snapshot(daemon))
    except Exception:
        log.exception("web view: no snapshot of the daemon's state")


def _snapshot(daemon: Any) -> tuple[Any, ...]:
    """The state the page shows, as a feed event (run on the control thread, the state's writer)."""
    from bridge.control import wire

    grid = daemon.timeline.grid
    stats = daemon.scheduler.stats.snapshot() if daemon.scheduler is not None else {}
    values = {name: wire(value) for name, value in daemon.params.snapshot().items()}
    control = daemon.control
    return ("snapshot", daemon.clock(), {
        "state": daemon.state, "model": daemon.model.name, "sampler": values["sampler"],
        "style": control.in_force("style") if control is not None else values["style"],
        "tempo": grid.tempo_bpm, "bar_beats": grid.bar_beats, "downbeat_ns": grid.downbeat_ns,
        "clock_source": getattr(grid, "source", values.get("clock_source")), "midi": daemon.midi_status,
        "late": int(stats.get("late", 0)), "dropped": int(stats.get("dropped", 0)),
        "max_ms": float(stats.get("max_ms", 0.0)), "p50_ms": float(stats.get("p50_ms", 0.0)),
        "p99_ms": float(stats.get("p99_ms", 0.0)),
        "values": values})


def _catalog(daemon: Any) -> dict[str, Any]:
    """The registry, and the styles and models a page can pick (view thread: reads the manifests)."""
    from bridge.control import wire
    from bridge.model import available_models
    from bridge.style_service import listed_styles

    folders = models_folders(daemon.serve.models)
    registry = [{**d, "default": wire(d["default"]), "value": wire(d["value"])}
                for d in daemon.params.describe()]
    models = sorted({name for folder in folders for name in available_models(folder)})
    return {"registry": registry, "styles": sorted(set(listed_styles(folders))), "models": models,
            "server": {"osc_port": daemon.osc_address[1] if daemon.osc_address else daemon.serve.port,
                       "reply_port": daemon.serve.reply_port}}
