"""What the web view costs the performer: phrase end to first note-on with and without ``--view``,
measured side by side in one run (``python -m bench.latency --view``).

Two ``segue serve`` processes run at once on the shipped model, one plain and one with ``--view`` and a
page connected to it (a WebSocket client that takes every batch the view sends, as a browser would; the
browser's own drawing is not the daemon's cost). Each round plays the same phrase into both, one after
the other, the order swapped every round, so both see the same machine: played note by note with a
100 ms and a 10 ms breath before the trigger, then a cold whole ``/segue/phrase``.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time

from bench.common import pct, seed_phrase
from bench.latency import Inbox, Served, played_round


class PageClient:
    """The view's WebSocket, drained on a thread of its own; counts what it received."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.messages = 0
        self.bytes = 0
        self.notes = 0
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"the view at {url} did not answer")

    async def _run(self) -> None:
        import aiohttp

        async with aiohttp.ClientSession() as session, session.ws_connect(f"{self.url}ws") as ws:
            self._ready.set()
            while not self._stop.is_set():
                try:
                    message = await ws.receive(timeout=0.2)
                except asyncio.TimeoutError:
                    continue
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                self.messages += 1
                self.bytes += len(message.data)
                body = json.loads(message.data)
                self.notes += sum(1 for e in body.get("events", ()) if e.get("k") == "on")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


def _free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cold_round(served: Served, inbox: Inbox, transpose: int) -> int:
    notes = seed_phrase(32, transpose=transpose)
    phrase = [x for n in notes for x in (n.pitch, n.velocity, n.start, n.duration)]
    mark = inbox.mark()
    t0 = time.perf_counter_ns()
    served.client.send_message("/segue/phrase", phrase)
    latency = inbox.wait("/segue/noteon", mark) - t0
    served.client.send_message("/segue/stop", [])
    served.sync(inbox)
    return latency


def compare(model: str, rounds: int, extra: tuple[str, ...] = ()) -> str:
    """Run both daemons side by side; the markdown table of the comparison."""
    env = {**os.environ, "JACK_NO_START_SERVER": "1"}
    view_port = _free_tcp_port()
    inboxes = {"plain": Inbox(), "view": Inbox()}
    served: dict[str, Served] = {}
    page: PageClient | None = None
    results: dict[str, dict[str, list[int]]] = {k: {"warm": [], "quick": [], "cold": []} for k in inboxes}
    try:
        served["plain"] = Served(model, inboxes["plain"], midi=False, env=env, extra=extra)
        served["view"] = Served(model, inboxes["view"], midi=False, env=env,
                                extra=(*extra, "--view", "--view-port", str(view_port)))
        page = PageClient(f"http://127.0.0.1:{view_port}/")
        for i in range(rounds):
            order = ("plain", "view") if i % 2 == 0 else ("view", "plain")
            for kind in order:
                s, inbox, r = served[kind], inboxes[kind], results[kind]
                r["warm"].append(played_round(s, inbox, i % 12, 0.1))
                r["quick"].append(played_round(s, inbox, (i + 5) % 12, 0.01))
                r["cold"].append(cold_round(s, inbox, -(i % 12) - 1))
        time.sleep(0.3)  # the view's last batches
    finally:
        if page is not None:
            page.close()
        for s in served.values():
            s.close()
        for inbox in inboxes.values():
            inbox.close()

    def cell(values: list[int]) -> str:
        return f"{pct(values, 0.5) / 1e6:.2f} / {pct(values, 0.99) / 1e6:.2f} ms"

    def ratio(kind: str, q: float) -> str:
        return f"{pct(results['view'][kind], q) / max(1, pct(results['plain'][kind], q)):.2f}"

    labels = {"warm": "played note by note, trigger 100 ms after the last note-off",
              "quick": "the same, trigger 10 ms after", "cold": "cold: a whole 32-note /segue/phrase"}
    lines = [f"Phrase end to first note-on, without and with --view, side by side ({rounds} rounds each, "
             "interleaved; OSC loopback)", "",
             "| measure | without the view: p50 / p99 | with the view and a page: p50 / p99 "
             "| ratio p50, p99 |",
             "|---|---|---|---|"]
    for kind, label in labels.items():
        lines.append(f"| {label} | {cell(results['plain'][kind])} | {cell(results['view'][kind])} | "
                     f"{ratio(kind, 0.5)}, {ratio(kind, 0.99)} |")
    assert page is not None
    lines += ["", f"The page received {page.messages} batches ({page.bytes / 1024:.0f} KB, {page.notes} "
              "note-ons) while it was measured."]
    return "\n".join(lines)

