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
import subprocess
import sys
import time

from bench.common import REPO, pct, seed_phrase
from bench.latency import Inbox, Served, played_round


class PageClient:
    """The view's WebSocket in a process of its own (as a browser is: its work never takes this process's
    interpreter lock from the clock that stamps the replies); counts what it received."""

    def __init__(self, url: str) -> None:
        self.messages = self.bytes = self.notes = 0
        self._proc = subprocess.Popen([sys.executable, "-m", "bench.view_latency", url], cwd=REPO,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if self._proc.stdout is None or self._proc.stdout.readline().strip() != "connected":
            raise RuntimeError(f"the view at {url} did not answer")

    def close(self) -> None:
        out, _ = self._proc.communicate("", timeout=10)  # stdin closed: the page reports and leaves
        self.messages, self.bytes, self.notes = json.loads(out.strip().splitlines()[-1])


async def _page(url: str) -> None:
    """A page: take every batch until stdin closes, then print what was taken."""
    import aiohttp

    counts = [0, 0, 0]
    loop = asyncio.get_running_loop()
    closed = loop.run_in_executor(None, sys.stdin.read)
    async with aiohttp.ClientSession() as session, session.ws_connect(f"{url}ws") as ws:
        print("connected", flush=True)
        while not closed.done():
            try:
                message = await ws.receive(timeout=0.2)
            except asyncio.TimeoutError:
                continue
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            body = json.loads(message.data)
            counts[0] += 1
            counts[1] += len(message.data)
            counts[2] += sum(1 for e in body.get("events", ()) if e.get("k") == "on")
    print(json.dumps(counts), flush=True)


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



if __name__ == "__main__":  # the page process of PageClient
    asyncio.run(_page(sys.argv[1]))
