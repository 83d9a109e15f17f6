"""The web view's parts without a browser: the feed never blocks and counts what it drops, the hub pairs
notes, bounds phrases, times answers and drops feedback echoes, the server refuses strangers (allow-list,
Host, Origin) and takes only the page's commands, and ``segue serve --view`` prints the page's address
and serves it from a real subprocess."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import OrderedReplies, free_udp_port, wait_for

from bridge.config import ServeConfig
from bridge.loading import DaemonError
from bridge.view import View
from bridge.view.feed import Feed, ReplyTee, ViewSink
from bridge.view.hub import Hub
from bridge.view.server import ViewServer

REPO = Path(__file__).resolve().parent.parent
MS = 1_000_000


class Clock:
    def __init__(self) -> None:
        self.now = 1_000 * MS

    def __call__(self) -> int:
        return self.now


def test_the_feed_never_blocks_and_counts_what_it_dropped() -> None:
    feed = Feed(Clock(), size=4)
    for i in range(10):
        feed.put("note", i, "a", 60, 100, 0)  # a full feed drops its oldest events
    events, dropped = feed.drain()
    assert [e[2] for e in events] == [6, 7, 8, 9] and dropped == 6
    assert feed.drain() == ([], 6)


def test_the_tee_sends_first_and_feeds_only_what_the_page_shows() -> None:
    sent: list[tuple[Any, ...]] = []

    class Replier:
        port = 9001

        def send(self, address: str, *args: Any) -> bool:
            sent.append((address, *args))
            return True

    feed = Feed(Clock())
    tee = ReplyTee(Replier(), feed)
    assert tee.send("/segue/pong", 1.0) and tee.send("/segue/error", "/segue/set", "bad")
    assert sent == [("/segue/pong", 1.0), ("/segue/error", "/segue/set", "bad")] and tee.port == 9001
    assert [e[1:] for e in feed.drain()[0]] == [("reply", 1_000 * MS, "/segue/error", ("/segue/set", "bad"))]


def test_the_hub_pairs_notes_bounds_phrases_and_times_answers() -> None:
    clock = Clock()
    feed, hub = Feed(clock), Hub(clock)
    sink = ViewSink(feed)
    feed.put("note", clock.now + 100 * MS, "p", 60, 90, 0)
    feed.put("note", clock.now + 300 * MS, "p", 60, 0, 0)
    feed.put("note", clock.now + 50 * MS, "p", 64, 90, 0)  # a whole phrase's notes come in the past
    feed.put("note", clock.now + 400 * MS, "p", 64, 0, 0)
    feed.put("end", clock.now + 500 * MS, "phrase", 2)
    clock.now += 503 * MS
    sink.note_on(67, 80, 0)  # 3 ms after the phrase end
    clock.now += 1 * MS
    sink.note_on(67, 80, 0)  # a retrigger ends the sounding note first
    clock.now += 100 * MS
    sink.all_notes_off()
    out = hub.apply(*feed.drain())
    kinds = [e["k"] for e in out]
    assert kinds.count("on") == 4 and kinds.count("off") == 4  # the retrigger and the all-off end one each
    phrase = next(e for e in out if e["k"] == "phrase")
    assert (phrase["start"], phrase["end"], phrase["notes"]) == (0.05, 0.5, 2)
    answer = next(e for e in out if e["k"] == "answer")
    assert answer["latency_ms"] == pytest.approx(3.0) and "_late0" not in answer
    hello = hub.hello()
    assert len(hello["notes"]) == 4 and all(n["off"] is not None for n in hello["notes"])
    assert [a["n"] for a in hello["answers"]] == [1]


def test_the_hub_drops_echoes_of_the_answer_and_keeps_played_notes() -> None:
    clock = Clock()
    feed, hub = Feed(clock), Hub(clock)
    feed.put("note", clock.now, "a", 62, 100, 0)
    feed.put("note", clock.now + 5 * MS, "p", 62, 100, 0)  # the output routed back into the input
    feed.put("note", clock.now + 9 * MS, "p", 62, 0, 0)
    feed.put("note", clock.now + 500 * MS, "p", 62, 100, 0)  # played: long after the answer's note
    out = hub.apply(*feed.drain())
    assert [(e["k"], e.get("who")) for e in out if e["k"] == "on"] == [("on", "a"), ("on", "p")]
    assert not [e for e in out if e["k"] == "off"]


def test_the_hub_follows_status_values_errors_and_snapshots() -> None:
    clock = Clock()
    feed, hub = Feed(clock), Hub(clock)
    feed.put("reply", clock.now, "/segue/status", ("playing", "default", "blend", 0, 0.0, 0))
    feed.put("reply", clock.now, "/segue/value", ("temperature", 0.7))
    feed.put("reply", clock.now, "/segue/error", ("/segue/set", "temperature: 9.0 is out of range"))
    feed.put("snapshot", clock.now, {"state": "idle", "tempo": 90.0, "downbeat_ns": clock.now + 2_000 * MS,
                                     "values": {"top_k": 12}})
    out = hub.apply(*feed.drain())
    assert hub.status["sampler"] == "blend" and hub.status["state"] == "idle" and hub.status["tempo"] == 90.0
    assert hub.status["downbeat"] == 2.0 and hub.values == {"temperature": 0.7, "top_k": 12}
    assert {"k": "value", "name": "temperature", "value": 0.7} in out
    assert hub.log[-1]["level"] == "error" and "out of range" in hub.log[-1]["text"]


def test_without_aiohttp_the_view_names_its_install(monkeypatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "aiohttp" else real(name, *a))
    with pytest.raises(DaemonError, match=r"pip install 'segue\[view\]'"):
        View(ServeConfig(view=True), Clock(), None, None)


@pytest.fixture
def server() -> Iterator[tuple[ViewServer, list[tuple[str, tuple[Any, ...]]]]]:
    submitted: list[tuple[str, tuple[Any, ...]]] = []
    feed = Feed(Clock())
    srv = ViewServer("127.0.0.1", 0, feed, allowed=lambda ip: ip == "127.0.0.1",
                     submit=lambda address, args, client: submitted.append((address, args)) is None,
                     snapshot=lambda: None,
                     catalog=lambda: {"registry": [], "styles": [], "models": []}).start()
    yield srv, submitted
    srv.close()


def _get(url: str, **headers: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_the_server_serves_its_page_and_refuses_strangers(server) -> None:
    srv, _ = server
    status, body = _get(srv.url)
    assert status == 200 and "<title>segue</title>" in body
    for asset in ("view.js", "roll.js", "view.css"):
        assert _get(f"{srv.url}static/{asset}")[0] == 200
    assert _get(f"{srv.url}static/../__init__.py")[0] in (403, 404)
    status, body = _get(srv.url, Host="attacker.example:80")  # a DNS name pointed at this machine
    assert status == 403 and "address" in body
    handshake = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                 "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    status, _ = _get(f"{srv.url}ws", Origin="http://attacker.example", **handshake)  # another site's page
    assert status == 403
    import http.client  # from another local address, as the OSC allow-list sees 127.0.0.2: refused

    stranger = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5, source_address=("127.0.0.2", 0))
    stranger.request("GET", "/")
    assert stranger.getresponse().status == 403
    stranger.close()


def test_the_server_takes_the_pages_commands_only(server) -> None:
    import asyncio

    import aiohttp

    srv, submitted = server

    async def talk() -> list[dict[str, Any]]:
        async with aiohttp.ClientSession() as session, session.ws_connect(f"{srv.url}ws") as ws:
            hello = json.loads((await ws.receive()).data)
            await ws.send_str(json.dumps({"address": "/segue/set", "args": ["temperature", 0.5]}))
            await ws.send_str(json.dumps({"address": "/segue/style/learn", "args": ["/etc"]}))
            await ws.send_str(json.dumps({"address": "/segue/set", "args": [["nested"]]}))
            await ws.send_str("not json")
            replies = []
            while len(replies) < 3:
                message = json.loads((await ws.receive(timeout=5)).data)
                replies += [e for e in message["events"] if e["k"] == "log"]
            return [hello, *replies]

    hello, *refusals = asyncio.run(talk())
    assert hello["type"] == "hello" and hello["status"]["state"] == "idle"
    assert submitted == [("/segue/set", ("temperature", 0.5))]
    assert all(r["level"] == "error" and "not understood" in r["text"] for r in refusals)


def test_segue_serve_view_prints_its_address_and_serves_the_page(tmp_path: Path) -> None:
    replies = OrderedReplies()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        view_port = s.getsockname()[1]
    command = [sys.executable, "-m", "bridge", "serve", "--no-midi", "--view", "--view-port", str(view_port),
               "--port", str(free_udp_port()), "--reply-port", str(replies.port),
               "--state-dir", str(tmp_path)]
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "JACK_NO_START_SERVER": "1"})
    try:
        lines: list[str] = []
        assert wait_for(lambda: lines.append(proc.stdout.readline()) or "view" in lines[-1], timeout=60)
        url = lines[-1].split()[-1]
        assert url == f"http://127.0.0.1:{view_port}/"
        status, body = _get(url)
        assert status == 200 and 'id="roll"' in body
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(15) == 0
        replies.close()


def test_the_wheel_carries_every_file_of_the_page() -> None:
    """Each file the page loads is matched by the package data (``tests/test_wheel.py`` builds the wheel)."""
    import fnmatch

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - 3.10
        import tomli as tomllib
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "bridge.view" in config["packages"]
    patterns = config["package-data"]["bridge.view"]
    static = REPO / "bridge" / "view" / "static"
    files = [p.relative_to(static.parent).as_posix() for p in static.iterdir() if p.is_file()]
    assert {"static/index.html", "static/view.js", "static/roll.js", "static/view.css"} <= set(files)
    assert all(any(fnmatch.fnmatch(f, pattern) for pattern in patterns) for f in files), (files, patterns)
    page = (static / "index.html").read_text()
    assert all(f"/static/{name}" in page for name in ("view.js", "roll.js", "view.css"))


def test_the_config_file_turns_the_view_on(tmp_path: Path) -> None:
    from bridge.config import ConfigError, dump_config, load_config
    from bridge.params import ParamStore

    path = tmp_path / "segue.toml"
    path.write_text("[serve]\nview = true\nview_port = 9123\n")
    serve = load_config(path, ParamStore())
    assert (serve.view, serve.view_port) == (True, 9123)
    assert "view = true" in dump_config(serve, ParamStore())  # /segue/save keeps it
    path.write_text("[serve]\nview_port = 70000\n")
    with pytest.raises(ConfigError, match="view_port must be a TCP port number"):
        load_config(path, ParamStore())


class PageEvents:
    """The view's WebSocket read on a thread, as a page reads it: every event of every batch."""

    def __init__(self, url: str) -> None:
        import asyncio
        import threading

        self.events: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run(url)), daemon=True)
        self._thread.start()
        assert self._ready.wait(10), f"no WebSocket at {url}"

    async def _run(self, url: str) -> None:
        import asyncio

        import aiohttp

        async with aiohttp.ClientSession() as session, session.ws_connect(f"{url}ws") as ws:
            self._ready.set()
            while not self._stop.is_set():
                try:
                    message = await ws.receive(timeout=0.1)
                except asyncio.TimeoutError:
                    continue
                body = json.loads(message.data)
                self.events += body.get("events", [])

    def of(self, kind: str, **where: Any) -> list[dict[str, Any]]:
        return [e for e in list(self.events)
                if e["k"] == kind and all(e.get(k) == v for k, v in where.items())]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


def test_notes_played_into_segue_in_over_jack_reach_the_page(jack_server, stuck_note_audit, tmp_path) -> None:
    import mido
    from conftest import JackMidiSender

    from bridge.daemon import Daemon
    from bridge.params import ParamStore

    replies = OrderedReplies(stuck_note_audit)
    serve = ServeConfig(port=free_udp_port(), reply_port=replies.port, midi=True, midi_api="jack", view=True,
                        view_port=0, state_dir=str(tmp_path))
    params = {"tempo": 240.0, "length_notes": 6, "seed": 1, "phrase_end": "gap", "gap_seconds": 0.15}
    daemon = Daemon(serve, ParamStore(values=params)).open()
    keys = JackMidiSender("view keys")
    page = PageEvents(daemon.view.url)
    try:
        jack_server.connect(jack_server.find_port(":view keys"), jack_server.find_port(":segue in"))
        for pitch in (60, 64, 67, 72):
            keys.send(mido.Message("note_on", note=pitch, velocity=80))
            time.sleep(0.05)
            keys.send(mido.Message("note_off", note=pitch))
        assert wait_for(lambda: page.of("answer"), timeout=30), page.events[-10:]
        played = page.of("on", who="p")
        assert [e["pitch"] for e in played] == [60, 64, 67, 72]
        phrase = page.of("phrase")[0]
        assert phrase["notes"] == 4 and phrase["start"] <= played[0]["on"] < played[-1]["on"] < phrase["end"]
        answer = page.of("answer")[0]
        first = page.of("on", who="a")[0]
        assert answer["first"] == first["on"] and answer["latency_ms"] == pytest.approx(
            (first["on"] - phrase["end"]) * 1e3, abs=0.01)
        replies.wait("/segue/answer/end", timeout=30)
        assert wait_for(lambda: len(page.of("off")) >= len(page.of("on")), timeout=5)  # every note ended
    finally:
        page.close()
        keys.close()
        daemon.close()
        replies.close()
