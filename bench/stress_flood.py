"""Flood: control during a flood of valid OSC.

    python -m bench.stress_flood [--seconds 5] [--rate 500] [--model default]

An in-process daemon (OSC only) plays a long answer while another process sends ``--rate`` bundles a
second of 64 ``/segue/params`` requests each for ``--seconds``. Meanwhile a second client pings every
20 ms (round trip: ``/segue/ping`` sent to ``/segue/pong`` received) and sends ``/segue/panic`` five
times, each timed to the ``/segue/status`` the daemon sends once the panic has run (the scheduler's
all-notes-off done). Also reported: bytes segue sent per byte it received over the flood.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from bench.common import model_folder, pct, table

BUNDLE_MESSAGES = 64


def flood(port: int, seconds: float, rate: int) -> int:
    """Send ``rate`` bundles a second of ``/segue/params`` requests to 127.0.0.1:``port``; bundles sent."""
    from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
    from pythonosc.osc_message_builder import OscMessageBuilder

    bundle = OscBundleBuilder(IMMEDIATELY)
    for _ in range(BUNDLE_MESSAGES):
        bundle.add_content(OscMessageBuilder("/segue/params").build())
    data = bundle.build().dgram
    sent = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            for _ in range(10):
                sock.sendto(data, ("127.0.0.1", port))
                sent += 1
            pause = start + sent / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
    return sent


class _Inbox:
    """Pongs and statuses from the reply port, stamped on arrival."""

    def __init__(self) -> None:
        from pythonosc.dispatcher import Dispatcher
        from pythonosc.osc_server import BlockingOSCUDPServer

        self.pongs: dict[str, int] = {}
        self.statuses: list[int] = []
        dispatcher = Dispatcher()
        dispatcher.map("/segue/pong", lambda _a, *args: self.pongs.setdefault(str(args[-1]),
                                                                              time.perf_counter_ns()))
        dispatcher.map("/segue/status", lambda _a, *args: self.statuses.append(time.perf_counter_ns()))
        self.server = BlockingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def flood_rows(seconds: float = 5.0, rate: int = 500, model: str = "default") -> list[tuple[str, str, str]]:
    """Ping round trips and panic latency during a flood, and the reply amplification."""
    from pythonosc.udp_client import SimpleUDPClient

    from bench.common import seed_phrase
    from bridge.config import ServeConfig
    from bridge.daemon import Daemon
    from bridge.params import ParamStore

    folder, name = model_folder(model)
    inbox = _Inbox()
    serve = ServeConfig(port=0, reply_port=inbox.port, midi=False, models=(str(folder),), model=name)
    params = ParamStore(values={"length_notes": 0, "length_beats": 256.0, "tempo": 60.0})
    daemon = Daemon(serve, params).open()
    rtts: list[float] = []
    panics: list[float] = []
    try:
        assert daemon.osc_address is not None and daemon.osc_server is not None
        port = daemon.osc_address[1]
        client = SimpleUDPClient("127.0.0.1", port)
        phrase: list[Any] = []
        for n in seed_phrase(16):
            phrase += [n.pitch, n.velocity, float(n.start), float(n.duration)]
        bytes_in0, bytes_out0 = daemon.osc_server.stats.bytes, daemon.reporter.replier.bytes_sent
        child = subprocess.Popen([sys.executable, "-m", "bench.stress_flood", "--flood", str(port),
                                  "--seconds", str(seconds), "--rate", str(rate)], stdout=subprocess.PIPE,
                                 text=True)
        time.sleep(0.3)
        sent: dict[str, int] = {}
        start = time.monotonic()
        i = 0
        next_panic = 0.5
        while time.monotonic() - start < seconds - 0.3:
            if time.monotonic() - start >= next_panic and len(panics) < 5:
                client.send_message("/segue/phrase", phrase)  # play again, then panic
                time.sleep(0.3)
                seen = len(inbox.statuses)
                t0 = time.perf_counter_ns()
                client.send_message("/segue/panic", [])
                deadline = time.monotonic() + 5
                while len(inbox.statuses) == seen and time.monotonic() < deadline:
                    time.sleep(0.0005)
                if len(inbox.statuses) > seen:
                    panics.append((inbox.statuses[seen] - t0) / 1e6)
                next_panic += (seconds - 1.0) / 5
            token = f"p{i}"
            sent[token] = time.perf_counter_ns()
            client.send_message("/segue/ping", token)
            i += 1
            time.sleep(0.02)
        bundles = int((child.communicate(timeout=60)[0] or "0").split()[-1])
        time.sleep(1.0)
        daemon.sync(10)
        rtts = [(inbox.pongs[t] - t0) / 1e6 for t, t0 in sent.items() if t in inbox.pongs]
        bytes_in = daemon.osc_server.stats.bytes - bytes_in0
        bytes_out = daemon.reporter.replier.bytes_sent - bytes_out0
    finally:
        daemon.close()
        inbox.close()
    lost = len(sent) - len(rtts)
    return [
        ("flood", f"{bundles} bundles x {BUNDLE_MESSAGES} /segue/params in {seconds:g} s", "-"),
        ("ping p99 during the flood", f"{pct(rtts, 0.99):.1f} ms ({lost} of {len(sent)} lost)",
         "< 50 ms, 0 lost"),
        ("panic to all-notes-off during the flood (max of 5)",
         f"{max(panics):.1f} ms" if panics else "none answered", "< 50 ms"),
        ("bytes out per byte in", f"{bytes_out / max(1, bytes_in):.4f} ({bytes_out} / {bytes_in})", "< 0.05"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=int, default=500, help="bundles a second")
    parser.add_argument("--model", default="default")
    parser.add_argument("--flood", type=int, metavar="PORT", help=argparse.SUPPRESS)  # the flooding child
    args = parser.parse_args(argv)
    if args.flood:
        print(flood(args.flood, args.seconds, args.rate), flush=True)
        return 0
    print(table(flood_rows(args.seconds, args.rate, args.model), "Flood: control during a flood of OSC"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
