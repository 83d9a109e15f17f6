"""The web view's server (aiohttp), on a thread and an event loop of its own.

``GET /`` is the page, ``/static/`` its script and style (shipped in the package, no build step), and
``/ws`` a WebSocket: the server sends the page a ``hello`` (the registry, the styles and models, the
state, the recent roll) and then, every ``PUMP_S``, a ``batch`` of what the feed brought; the page sends
OSC-shaped commands (``{"address": "/segue/set", "args": ["temperature", 0.8]}``), which go onto the
daemon's mailbox exactly as if they had come over UDP, so the same checks and the same replies follow.

Who may connect: the address the OSC server binds and its allow-list (``allowed(ip)``, the OSC server's
own check). Requests must name this machine by address or by its own name (so that a web page
elsewhere cannot reach the view through a DNS name it controls), and a WebSocket opened by a browser
must come from the view's own page (its ``Origin``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from bridge.errors import PREFIX
from bridge.view.feed import Feed
from bridge.view.hub import Hub

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
PUMP_S = 0.03  # how often the feed is drained and batches go out
SNAPSHOT_S = 1.0  # how often the daemon is asked for its state while a page is open
HEARTBEAT_S = 1.0  # a batch goes out at least this often (it carries the clock)
CLIENT_QUEUE = 64  # batches waiting for one slow page before it is sent a fresh hello instead
MAX_MESSAGE = 16 * 1024  # bytes of one command from a page
#: what a page may send (the same routes as OSC)
PAGE_ADDRESSES = frozenset(f"{PREFIX}/{name}" for name in (
    "set", "continue", "stop", "panic", "clear", "save", "style", "model", "status"))


class ViewError(RuntimeError):
    """The view could not start; the message says what to change."""


@dataclass(eq=False)
class _Page:
    ws: web.WebSocketResponse
    client: tuple[str, int]
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(CLIENT_QUEUE))
    stale: bool = False  # lost batches: gets a hello next


class ViewServer:
    """Serves the page on ``host:port`` (0: a free port). ``allowed(ip)``: who may connect;
    ``submit(address, args, client)``: a command onto the daemon's mailbox (False: refused, busy);
    ``snapshot()``: ask the daemon for its state (it arrives through the feed); ``catalog()``: the
    registry, styles and models, for a hello."""

    def __init__(self, host: str, port: int, feed: Feed, *, allowed: Callable[[str], bool],
                 submit: Callable[[str, tuple[Any, ...], tuple[str, int]], bool],
                 snapshot: Callable[[], None], catalog: Callable[[], dict[str, Any]]) -> None:
        self.host = host
        self.feed = feed
        self.hub = Hub(feed.clock)
        self._allowed = allowed
        self._submit = submit
        self._snapshot = snapshot
        self._catalog = catalog
        self._pages: set[_Page] = set()
        self._sock = _listen(host, port)
        self.port = int(self._sock.getsockname()[1])
        self._names = _own_names(host)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._failure: BaseException | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    # ------------------------------------------------------------ lifecycle (the daemon's thread)

    def start(self) -> ViewServer:
        self._thread = threading.Thread(target=self._run, name="segue-view", daemon=True)
        self._thread.start()
        if not self._started.wait(10.0) or self._failure is not None:
            self.close()
            raise ViewError(f"the web view did not start: {self._failure or 'timed out'}")
        log.info("web view on %s", self.url)
        return self

    def close(self) -> None:
        loop, stopped = self._loop, self._stopped
        if loop is not None and stopped is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(stopped.set)
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None
        self._sock.close()

    # ------------------------------------------------------------ the view thread

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # noqa: BLE001 - reported to start(), the thread must end cleanly
            self._failure = exc
            log.exception("web view stopped")
        finally:
            self._started.set()
            loop.close()

    async def _serve(self) -> None:
        self._stopped = asyncio.Event()
        app = web.Application(middlewares=[self._guard], client_max_size=MAX_MESSAGE)
        app.router.add_get("/", self._index)
        app.router.add_get("/ws", self._websocket)
        app.router.add_static("/static/", STATIC, follow_symlinks=False)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.SockSite(runner, self._sock).start()
            self._started.set()
            pump = asyncio.ensure_future(self._pump())
            await self._stopped.wait()
            pump.cancel()
            for page in list(self._pages):
                await page.ws.close(code=1001, message=b"segue is shutting down")
        finally:
            await runner.cleanup()

    @web.middleware
    async def _guard(self, request: web.Request, handler: Callable[..., Any]) -> web.StreamResponse:
        peer = request.remote or ""
        if not self._allowed(peer):
            log.warning("web view: refused %s (not in the allow-list, --osc-allow)", peer)
            raise web.HTTPForbidden(text="not in segue's allow-list (--osc-allow)")
        host = (urlsplit(f"//{request.host}").hostname or "").lower()
        if not _is_address(host) and host not in self._names:
            raise web.HTTPForbidden(text="open the view by this machine's address, e.g. " + self.url)
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc.lower() != request.host.lower():
            raise web.HTTPForbidden(text="the view takes commands from its own page only")
        return await handler(request)

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(heartbeat=20.0, max_msg_size=MAX_MESSAGE)
        await ws.prepare(request)
        peer = request.transport.get_extra_info("peername") if request.transport else None
        page = _Page(ws, (f"view {peer[0]}" if peer else "view", int(peer[1]) if peer else 0))
        self._pages.add(page)
        self._snapshot()
        writer = asyncio.ensure_future(self._write(page))
        try:
            page.queue.put_nowait(self._hello())
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._command(page, message.data)
                elif message.type == WSMsgType.ERROR:
                    break
        finally:
            self._pages.discard(page)
            writer.cancel()
        return ws

    async def _write(self, page: _Page) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):  # the page went away
            while not page.ws.closed:
                await page.ws.send_str(await page.queue.get())

    def _hello(self) -> str:
        return json.dumps({**self.hub.hello(), **self._catalog()}, default=str)

    def _command(self, page: _Page, text: str) -> None:
        """One command from a page onto the daemon's mailbox; a malformed one is answered on the page."""
        try:
            message = json.loads(text)
            address, args = message["address"], message.get("args", [])
            if address not in PAGE_ADDRESSES:
                raise ValueError(f"{address!r} is not one of {', '.join(sorted(PAGE_ADDRESSES))}")
            if not isinstance(args, list) or not all(isinstance(a, bool | int | float | str) for a in args):
                raise ValueError("args must be a list of numbers and strings")
        except (ValueError, KeyError, TypeError) as exc:
            self._tell(page, "error", f"command not understood: {exc}")
            return
        if not self._submit(address, tuple(args), page.client):
            self._tell(page, "error", f"{address}: segue is too busy to take it now (its inbox is full)")

    def _tell(self, page: _Page, level: str, text: str) -> None:
        t = self.hub.seconds(self.feed.clock())
        self._offer(page, json.dumps({"type": "batch", "now": t,
                                      "events": [{"k": "log", "t": t, "level": level, "text": text}]}))

    def _offer(self, page: _Page, payload: str) -> None:
        if page.stale:
            return
        try:
            page.queue.put_nowait(payload)
        except asyncio.QueueFull:  # a page that cannot keep up starts again from a hello
            page.stale = True

    async def _pump(self) -> None:
        loop = asyncio.get_running_loop()
        next_snapshot = next_beat = loop.time()
        while True:
            await asyncio.sleep(PUMP_S)
            try:
                out = self.hub.apply(*self.feed.drain())
            except Exception:  # a bug in the view must not end it: log, and go on with the next batch
                log.exception("web view: events not applied")
                continue
            now = loop.time()
            if not self._pages:
                continue
            if self.hub.snapshot_wanted or now >= next_snapshot:
                self.hub.snapshot_wanted = False
                next_snapshot = now + SNAPSHOT_S
                self._snapshot()
            if not out and now < next_beat:
                continue
            next_beat = now + HEARTBEAT_S
            payload = json.dumps({"type": "batch", "now": self.hub.seconds(self.feed.clock()), "events": out},
                                 default=str)
            for page in list(self._pages):
                if page.stale and page.queue.empty():
                    page.stale = False
                    self._offer(page, self._hello())
                else:
                    self._offer(page, payload)


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (bound here, so a taken port fails at once, by name)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise ViewError(f"cannot open the web view on {host}:{port} ({exc.strerror or exc})") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(64)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        raise ViewError(f"cannot open the web view on {host}:{port} ({exc.strerror or exc}); is another "
                        "segue running? pick another port with --view-port") from None
    return sock


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _own_names(host: str) -> frozenset[str]:
    """Names a request may give this machine by: localhost, and its own name when bound wider."""
    names = {"localhost", host.lower()}
    loopback = ipaddress.ip_address(host).is_loopback if _is_address(host) else host == "localhost"
    if not loopback:
        name = socket.gethostname().lower()
        names |= {name, f"{name}.local", socket.getfqdn().lower()}
    return frozenset(names)
