"""Stress: fuzzed OSC datagrams, bad MIDI over JACK, and a sustained OSC load while generating.

    python -m bench.stress [--datagrams 100000] [--midi 100000] [--seconds 30] [--rate 5000]
                           [--model default] [--no-jack] [--quick]

1. OSC fuzz: random bytes, byte-mutated valid packets, hostile bundles (nested, negative and oversized
   element sizes, too many messages), wrong type tags, wrong arity, NaN/inf/huge numbers, strings for
   numbers, unknown addresses, traversal model names. Sent in batches, each followed by a
   ``/segue/ping`` that must be answered. Counted: datagrams the server read, rejections, ``/segue/error``
   replies (rate-limited) and held-back ones, unanswered pings, dead threads, and whether the model, seed
   and parameters changed (mutations that turn into valid state-changing messages are not sent).
2. Bad MIDI: random 1-3 byte events, running status, sysex floods, orphan note-offs, velocity-0 note-ons
   on every channel into "segue in" of a private ``jackd -d dummy``, while segue answers the phrases the
   garbage makes; afterwards every channel/pitch gets a note-off and the output is audited for stuck notes.
3. Load: ``segue serve`` (a subprocess, so its RSS is its own) gets ``--rate`` OSC messages a second
   for ``--seconds`` (pings, gets, statuses and bad messages) while phrases are sent one after the other;
   phrase-to-first-note (``/segue/phrase`` sent to first ``/segue/noteon`` received, lookahead 0) idle
   vs under load, RSS at the start and end of the load, and the share of pings answered.

Prints a markdown table per part. ``--quick`` runs a small slice (5k datagrams, 5k MIDI events, 5 s).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.common import REPO, model_folder, pct, private_jack, seed_phrase, table
from bridge.osc_wire import osc_bundle, osc_message, osc_string

PING_EVERY = 250  # datagrams between synchronising pings

JUNK: list[Any] = [math.nan, math.inf, -math.inf, 1e39, -1e300, 2 ** 40, -(2 ** 62), "", "x" * 40,
                   b"\x00\xff", [1, 2], None, True, "C4", "../../etc/passwd", "\u00e9\u4e2d"]
ADDRESSES = ["/segue/note", "/segue/phrase", "/segue/continue", "/segue/set", "/segue/param/temperature",
             "/segue/get", "/segue/params", "/segue/model", "/segue/ping", "/segue/status", "/segue/stop",
             "/segue/routes", "/segue/clear", "/segue/panic"]
SEEDS = [osc_message("/segue/ping", ["x"]), osc_message("/segue/status", []),
         osc_message("/segue/get", ["temperature"]),
         osc_message("/segue/phrase", [60, 100, 0.0, 1.0, 64, 90, 1.0, 0.5]),
         osc_message("/segue/set", ["temperature", 0.5]),
         osc_message("/segue/note", [60, 100, 1]),
         osc_bundle([osc_message("/segue/note", [60, 100]), osc_message("/segue/ping", [1])])]
STATEFUL = ("/segue/note", "/segue/phrase", "/segue/clear", "/segue/continue", "/segue/set", "/segue/param/",
            "/segue/model")


def fuzzed_datagrams(rng: random.Random) -> Iterator[bytes]:
    """An endless stream of hostile datagrams."""
    while True:
        kind = rng.random()
        if kind < 0.15:
            yield bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))
        elif kind < 0.45:
            data = bytearray(rng.choice(SEEDS))
            for _ in range(rng.randint(1, 6)):
                op, at = rng.randrange(5), rng.randrange(max(len(data), 1))
                if op == 0 and data:
                    data[at] ^= 1 << rng.randrange(8)
                elif op == 1 and data:
                    data[at] = rng.choice([0, 0x2C, 0x2F, 0x5B, 0x5D, 0x7F, 0x80, 0xFF])
                elif op == 2:
                    data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
                elif op == 3:
                    del data[at:at + rng.randint(1, 8)]
                else:
                    data = data[:at]
            yield bytes(data)
        elif kind < 0.55:
            choice = rng.randrange(5)
            inner = osc_message("/segue/ping", ["b"])
            if choice == 0:
                for _ in range(rng.randint(1, 40)):
                    inner = osc_bundle([inner])
                yield inner
            elif choice == 1:
                size = rng.choice([-4, -1, 0, 3, 7, 2 ** 31 - 1, -(2 ** 31), 4096])
                yield b"#bundle\x00" + bytes(8) + struct.pack(">i", size) + bytes(rng.randint(0, 16))
            elif choice == 2:
                yield osc_bundle([osc_message("/segue/status", [])] * rng.randint(257, 600))
            elif choice == 3:
                yield osc_bundle([])
            else:
                yield osc_message("/segue/ping", ["y" * 9000])
        elif kind < 0.65:
            tags = rng.choice([",X", ",ii&", ",[i", ",]", ",I", ",c", "nocomma", ",iiiiiiii", ",b"])
            yield osc_string(rng.choice(ADDRESSES)) + osc_string(tags) + bytes(rng.randint(0, 6))
        else:  # a known or unknown address with junk arguments
            address = rng.choice(ADDRESSES + ["/segue/nope", "/", "/segue/param/", "/other/x"])
            args = [rng.choice(JUNK) for _ in range(rng.randint(0, 6))]
            if address == "/segue/model":
                args = [rng.choice(["../x", "/etc/passwd", "..", "a/b", "", "missing-model"])]
            yield osc_message(address, args)


def is_stateful(data: bytes) -> bool:
    """True when ``data`` holds a well-formed message that may change the model, seed or parameters."""
    from pythonosc.osc_message import OscMessage

    from bridge.osc_packets import split_packet

    try:
        parsed = [OscMessage(part) for part in split_packet(data)]
    except Exception:
        return False
    for m in parsed:
        if m.address.startswith(STATEFUL):
            if m.address == "/segue/model":
                return True
            if m.address in ("/segue/continue", "/segue/clear") or _all_plain(m.params):
                return True
    return False


def _all_plain(values: list[Any]) -> bool:
    return all(isinstance(v, int | str) or (isinstance(v, float) and math.isfinite(v)) for v in values)


# ---------------------------------------------------------------- replies, counted on a raw socket


class RawInbox:
    """Every datagram sent to a local port: counts per address and arrival stamps of note-ons."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = int(self.sock.getsockname()[1])
        self.counts: dict[str, int] = {}
        self.noteons: list[int] = []
        self.pongs: dict[bytes, int] = {}
        self.sounding: dict[tuple[int, int], int] = {}
        self.cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            t = time.perf_counter_ns()
            address = data[:data.find(b"\x00")].decode("ascii", "replace")
            with self.cond:
                self.counts[address] = self.counts.get(address, 0) + 1
                if address in ("/segue/noteon", "/segue/noteoff"):
                    pitch, _, channel = struct.unpack(">iii", data[-12:])
                    key = (channel, pitch)
                    if address == "/segue/noteon":
                        self.noteons.append(t)
                        self.sounding[key] = self.sounding.get(key, 0) + 1
                    elif self.sounding.get(key, 0) > 0:
                        self.sounding[key] -= 1
                elif address == "/segue/pong":
                    self.pongs[data[-16:]] = t
                self.cond.notify_all()

    def count(self, address: str) -> int:
        with self.cond:
            return self.counts.get(address, 0)

    def stuck(self) -> list[tuple[int, int]]:
        with self.cond:
            return sorted(k for k, n in self.sounding.items() if n > 0)

    def wait_pong(self, token: str, timeout: float = 10.0) -> bool:
        key = osc_message("/segue/pong", [0.0, token])[-16:]
        deadline = time.monotonic() + timeout
        with self.cond:
            while key not in self.pongs:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True

    def wait_noteon(self, after: int, timeout: float = 10.0) -> int | None:
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.noteons) <= after:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)
            return self.noteons[after]

    def close(self) -> None:
        self._stop = True
        self._thread.join(1.0)
        self.sock.close()


def token_of(i: int) -> str:
    return f"s{i:011d}"  # fixed width: the last 16 bytes of the pong identify it


# ---------------------------------------------------------------- part 1: OSC fuzz (in-process daemon)


def osc_fuzz(models: Path, name: str, count: int, seed: int) -> list[tuple[str, str, str]]:
    from bridge.config import ServeConfig
    from bridge.daemon import Daemon
    from bridge.params import ParamStore

    inbox = RawInbox()
    port = free_port()
    daemon = Daemon(ServeConfig(port=port, reply_port=inbox.port, midi=False, models=(str(models),),
                                model=name), ParamStore(values={"length_notes": 8})).open()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rng = random.Random(seed)
    source = fuzzed_datagrams(rng)
    engine = daemon.engine
    assert engine is not None

    def state() -> tuple[Any, ...]:
        return daemon.params.snapshot(), engine.model.name, engine.seed_notes

    before = state()
    sent = skipped = unanswered = pings = 0
    t0 = time.perf_counter()
    try:
        while sent < count:
            data = next(source)
            if is_stateful(data):
                skipped += 1
                continue
            sock.sendto(data, ("127.0.0.1", port))
            sent += 1
            if sent % PING_EVERY == 0 or sent == count:
                pings += 1
                token = token_of(pings)
                sock.sendto(osc_message("/segue/ping", [token]), ("127.0.0.1", port))
                if not inbox.wait_pong(token):
                    unanswered += 1
        elapsed = time.perf_counter() - t0
        engine.wait_idle(10)
        daemon.sync()
        server = daemon.osc_server
        threads_alive = daemon.alive and server.alive and engine.alive
        changed = state() != before
        stats = server.stats
        read = stats.packets - pings
        rows = [
            ("datagrams sent (fuzzed; valid state-changing mutations skipped)", f"{sent} ({skipped} skipped)",
             "100k"),
            ("datagrams the server read (the rest: kernel socket buffer)", f"{read}", "-"),
            ("crashes (dead OSC, control or engine thread)", "0" if threads_alive else "1", "0"),
            ("rejections (packets + messages)", f"{daemon.rejected}", "every bad one"),
            ("`/segue/error` replies sent / held back by the rate limit",
             f"{inbox.count('/segue/error')} / {daemon.errors_suppressed}", "rate-limited"),
            (f"pings answered (one per {PING_EVERY} datagrams)", f"{pings - unanswered}/{pings}", "all"),
            ("model, seed and parameters changed", "yes" if changed else "no", "no"),
            ("throughput", f"{sent / elapsed:,.0f} datagrams/s", "-"),
        ]
    finally:
        sock.close()
        daemon.close()
        inbox.close()
    return rows


# ---------------------------------------------------------------- part 2: bad MIDI over JACK


def bad_midi(rng: random.Random) -> Iterator[list[int]]:
    while True:
        kind = rng.random()
        if kind < 0.45:
            yield [rng.randrange(256) for _ in range(rng.randint(1, 3))]
        elif kind < 0.5:
            body = [rng.randrange(128) for _ in range(rng.randint(0, 1500))]
            if body and rng.random() < 0.3:
                body[rng.randrange(len(body))] = rng.randrange(128, 256)
            yield [0xF0, *body, *([0xF7] if rng.random() < 0.5 else [])]
        elif kind < 0.65:
            yield [rng.randrange(128) for _ in range(rng.randint(1, 2))]
        elif kind < 0.8:
            yield [0x80 | rng.randrange(16), rng.randrange(128), rng.randrange(128)]
        else:
            yield [0x90 | rng.randrange(16), rng.randrange(128), 0]


def midi_flood(models: Path, name: str, count: int, seed: int) -> list[tuple[str, str, str]] | None:
    if shutil.which("jackd") is None:
        print("jackd not found: skipping the MIDI part", file=sys.stderr)
        return None
    import rtmidi

    from bridge.config import ServeConfig
    from bridge.daemon import Daemon
    from bridge.params import ParamStore

    with private_jack("segue-stress", settle_s=2.0):
        daemon = None
        inbox = RawInbox()
        try:
            daemon = Daemon(ServeConfig(port=free_port(), reply_port=inbox.port, midi=True, midi_api="jack",
                                        models=(str(models),), model=name),
                            ParamStore(values={"length_notes": 8, "phrase_end": "gap", "gap_seconds": 0.1,
                                               "lookahead_ms": 5.0})).open()
            out = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name="stress")
            out.open_virtual_port("stress out")
            audit = rtmidi.MidiIn(rtapi=rtmidi.API_UNIX_JACK, name="stress-audit")
            audit.ignore_types(sysex=False, timing=False, active_sense=False)
            audit.open_virtual_port("audit in")
            _jack_connect(_jack_port(":stress out"), _jack_port(":segue in"))
            _jack_connect(_jack_port(":segue out"), _jack_port(":audit in"))
            midi_sounding: dict[tuple[int, int], int] = {}
            midi_ons = [0]
            stop_audit = threading.Event()

            def drain_audit() -> None:
                while not stop_audit.is_set():
                    item = audit.get_message()
                    if item is None:
                        stop_audit.wait(0.001)
                        continue
                    data = item[0]
                    if len(data) == 3 and data[0] & 0xF0 in (0x80, 0x90):
                        key = (data[0] & 0x0F, data[1])
                        if data[0] & 0xF0 == 0x90 and data[2] > 0:
                            midi_sounding[key] = midi_sounding.get(key, 0) + 1
                            midi_ons[0] += 1
                        elif midi_sounding.get(key, 0) > 0:
                            midi_sounding[key] -= 1

            reader = threading.Thread(target=drain_audit, daemon=True)
            reader.start()
            source = bad_midi(random.Random(seed))
            ports = daemon.midi
            t0 = time.perf_counter()
            held: set[tuple[int, int]] = set()  # note-ons the flood left open
            for i in range(count):
                data = next(source)
                out.send_message(data)
                if len(data) == 3 and data[0] & 0xF0 == 0x90 and data[1] < 128 and 0 < data[2] < 128:
                    held.add((data[0] & 0x0F, data[1]))
                if i % 64 == 63:
                    time.sleep(0.004)  # JACK's MIDI buffers hold a few KB a period
                if i % 2000 == 1999:  # a gap: release what the flood holds, the phrase ends, segue answers
                    time.sleep(0.3)  # a cut-short sysex leaves rtmidi's JACK input deaf for up to 0.25 s
                    for channel, pitch in sorted(held):
                        out.send_message([0x80 | channel, pitch, 0])
                    held.clear()
                    time.sleep(0.3)
            elapsed = time.perf_counter() - t0
            time.sleep(0.3)
            for i, (channel, pitch) in enumerate((c, p) for c in range(16) for p in range(128)):
                out.send_message([0x80 | channel, pitch, 0])
                if i % 32 == 31:
                    time.sleep(0.004)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not (daemon.sync() and daemon.pending == 0):
                time.sleep(0.05)
            alive = daemon.alive
            ping_ok = _ping(daemon, inbox, "midi")
            engine = daemon.engine
            assert engine is not None
            held_after = len(daemon.capture.held)
            counters = (ports.decoder.errors, ports.dropped + daemon.dropped, daemon.capture.ignored_offs)
            daemon.close()  # the last phrase may still be answered: closing ends every note
            time.sleep(0.5)
            stop_audit.set()
            reader.join(1.0)
            stuck = sorted(k for k, n in midi_sounding.items() if n > 0)
            rows = [
                ("MIDI events sent into 'segue in' (JACK, paced; every 2000 the open notes end, 0.3 s gap)",
                 f"{count} in {elapsed:.1f} s", "100k"),
                ("crashes (dead control thread)", "0" if alive else "1", "0"),
                ("bytes/messages the decoder dropped as garbage", f"{counters[0]}", "-"),
                ("events lost to a full queue", f"{counters[1]}", "-"),
                ("orphan note-offs ignored by the capture", f"{counters[2]}", "-"),
                ("continuations played while flooded (note-ons out)", f"{engine.stats.continuations} "
                 f"({midi_ons[0]})", "-"),
                ("notes held in the capture after all note-offs", f"{held_after}", "0"),
                ("stuck notes on 'segue out' after the daemon closed", f"{len(stuck)}", "0"),
                ("ping answered after the flood", "yes" if ping_ok else "no", "yes"),
            ]
            audit.close_port()
            out.close_port()
            return rows
        finally:
            if daemon is not None:
                daemon.close()
            inbox.close()


def _jack_port(suffix: str) -> str:
    """The full JACK name of the port ending with ``suffix`` (JACK renames a second "segue" client)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        ports = subprocess.run(["jack_lsp"], capture_output=True, text=True, timeout=10).stdout.splitlines()
        found = [p.strip() for p in ports if p.strip().endswith(suffix)]
        if found:
            return found[0]
        time.sleep(0.1)
    raise RuntimeError(f"no JACK port ends with {suffix!r}")


def _jack_connect(source: str, destination: str) -> None:
    subprocess.run(["jack_connect", source, destination], check=True, capture_output=True, timeout=10)


def _ping(daemon: Any, inbox: RawInbox, tag: str) -> bool:
    token = token_of(hash(tag) % 10 ** 9)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.sendto(osc_message("/segue/ping", [token]), ("127.0.0.1", daemon.osc_address[1]))
        return inbox.wait_pong(token)
    finally:
        sock.close()


# ---------------------------------------------------------------- part 3: load while generating


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def phrase_rounds(sock: socket.socket, port: int, inbox: RawInbox, until: float,
                  max_rounds: int) -> list[float]:
    """Phrase sent to first note-on received, ms, one phrase after the other."""
    notes = seed_phrase(16)
    args: list[Any] = []
    for n in notes:
        args += [n.pitch, n.velocity, float(n.start), float(n.duration)]
    phrase = osc_message("/segue/phrase", args)
    stop = osc_message("/segue/stop", [])
    out: list[float] = []
    while time.monotonic() < until and len(out) < max_rounds:
        with inbox.cond:
            mark = len(inbox.noteons)
        t0 = time.perf_counter_ns()
        sock.sendto(phrase, ("127.0.0.1", port))
        first = inbox.wait_noteon(mark, timeout=10)
        if first is not None:
            out.append((first - t0) / 1e6)
        time.sleep(0.3)  # let a few notes play
        sock.sendto(stop, ("127.0.0.1", port))
        time.sleep(0.1)
    return out


def load_test(name: str, models: Path | None, seconds: float, rate: int,
              idle_rounds: int) -> list[tuple[str, str, str]]:
    inbox = RawInbox()
    port = free_port()
    args = [sys.executable, "-m", "bridge", "serve", "--no-midi", "--port", str(port), "--reply-port",
            str(inbox.port), "--model", name, "--lookahead-ms", "0", "--length-notes", "8", "--seed", "1"]
    if models is not None:
        args += ["--models", str(models)]
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        deadline = time.monotonic() + 60
        ready = False
        i = 0
        while not ready and time.monotonic() < deadline and proc.poll() is None:
            i += 1
            sock.sendto(osc_message("/segue/ping", [token_of(i)]), ("127.0.0.1", port))
            ready = inbox.wait_pong(token_of(i), timeout=0.2)
        if not ready:
            raise SystemExit("segue serve did not start; run it by hand to see why")
        idle = phrase_rounds(sock, port, inbox, time.monotonic() + 60, idle_rounds)
        rss_start = rss_mb(proc.pid)
        load_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        stop = threading.Event()
        sent = [0, 0]  # messages, pings

        def blast() -> None:
            rng = random.Random(7)
            mix = [osc_message("/segue/get", ["temperature"]), osc_message("/segue/status", []),
                   osc_message("/segue/nope", [1]), osc_message("/segue/set", ["temperature", math.nan]),
                   osc_message("/segue/note", [200, 1])]
            t_next = time.perf_counter()
            batch = max(1, rate // 200)  # every 5 ms
            while not stop.is_set():
                for _ in range(batch):
                    if sent[0] % 10 == 0:
                        sent[1] += 1
                        data = osc_message("/segue/ping", [token_of(10 ** 9 + sent[1])])
                    else:
                        data = rng.choice(mix)
                    load_sock.sendto(data, ("127.0.0.1", port))
                    sent[0] += 1
                t_next += 0.005
                delay = t_next - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)

        blaster = threading.Thread(target=blast, daemon=True)
        t0 = time.monotonic()
        blaster.start()
        loaded = phrase_rounds(sock, port, inbox, t0 + seconds, 10 ** 6)
        rss_end = rss_mb(proc.pid)
        stop.set()
        blaster.join(2.0)
        elapsed = time.monotonic() - t0
        load_sock.close()
        time.sleep(1.0)
        with inbox.cond:
            answered = sum(1 for k in inbox.pongs if k.startswith(b"s010"))  # the load's pings
        sock.sendto(osc_message("/segue/stop", []), ("127.0.0.1", port))
        time.sleep(0.5)
        t_sig = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(10)
        shutdown_s = time.perf_counter() - t_sig
        time.sleep(0.3)
        stuck = inbox.stuck()
        ratio = (answered / sent[1]) if sent[1] else float("nan")
        rows = [
            ("OSC load", f"{sent[0] / elapsed:,.0f} messages/s for {elapsed:.0f} s ({sent[0]:,})",
             f"{rate:,}/s for {seconds:.0f} s"),
            ("pings answered under load", f"{min(ratio, 1.0):.1%} ({min(answered, sent[1])}/{sent[1]})", "-"),
            ("phrase to first note, idle: p50 / p99", f"{pct(idle, 0.5):.1f} / {pct(idle, 0.99):.1f} ms "
             f"({len(idle)} phrases)", "-"),
            ("phrase to first note, under load: p50 / p99", f"{pct(loaded, 0.5):.1f} / "
             f"{pct(loaded, 0.99):.1f} ms ({len(loaded)} phrases)",
             "p99 within 2x idle"),
            ("p99 under load / p99 idle", f"{pct(loaded, 0.99) / pct(idle, 0.99):.2f}x", "<= 2x"),
            ("`segue serve` RSS at the start / end of the load", f"{rss_start:.0f} / {rss_end:.0f} MB",
             "steady"),
            ("SIGTERM to exit (exit code)", f"{shutdown_s * 1000:.0f} ms ({code})", "< 1 s, 0"),
            ("stuck notes after SIGTERM", f"{len(stuck)}", "0"),
        ]
        return rows
    finally:
        sock.close()
        if proc.poll() is None:
            proc.kill()
        inbox.close()


def _extra_parts() -> dict[str, tuple[str, Callable[[argparse.Namespace], list[tuple[str, str, str]]]]]:
    """The on-stage parts measured by their own modules: note storms, stalls, floods, learning."""
    from bench.stress_flood import flood_rows
    from bench.stress_learning import learning_rows
    from bench.stress_output import stall_rows, storm_rows

    return {
        "storm": ("note storms: temperature 0.05, greedy, beam", lambda a: storm_rows()),
        "stall": ("a 2 s SIGSTOP while an answer plays", lambda a: stall_rows()),
        "flood": ("a flood of /segue/params bundles while an answer plays",
                  lambda a: flood_rows(seconds=min(a.seconds, 5.0))),
        "learning": ("live learning and a folder learned while playing",
                     lambda a: learning_rows(phrases=a.phrases)),
    }


EXTRA_PARTS = ("storm", "stall", "flood", "learning")  # measured by the bench.stress_* modules


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stress", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datagrams", type=int, default=100_000)
    parser.add_argument("--midi", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=int, default=5000)
    parser.add_argument("--idle-rounds", type=int, default=30)
    parser.add_argument("--model", default="default")
    parser.add_argument("--models", type=Path, help="a models folder instead of the shipped one")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--no-jack", action="store_true", help="skip the bad MIDI part")
    parser.add_argument("--only", choices=["osc", "midi", "load", *EXTRA_PARTS], help="run one part")
    parser.add_argument("--phrases", type=int, default=150, help="phrases of the learning part")
    parser.add_argument("--quick", action="store_true", help="5k datagrams, 5k MIDI events, 5 s of load")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    if args.quick:
        args.datagrams, args.midi, args.seconds, args.idle_rounds = 5000, 5000, 5.0, 10
    if args.models is not None:
        folder, name = args.models, args.model
    else:
        folder, name = model_folder(args.model)
    results: dict[str, list[tuple[str, str, str]]] = {}
    if args.only in (None, "osc"):
        results["OSC fuzz"] = osc_fuzz(folder, name, args.datagrams, args.seed)
        print(table(results["OSC fuzz"], f"OSC fuzz: {args.datagrams:,} datagrams"), "\n", flush=True)
    if args.only in (None, "midi") and not args.no_jack:
        rows = midi_flood(folder, name, args.midi, args.seed)
        if rows is not None:
            results["bad MIDI"] = rows
            print(table(rows, f"bad MIDI over JACK: {args.midi:,} events"), "\n", flush=True)
    if args.only in (None, "load"):
        results["load"] = load_test(name, args.models, args.seconds, args.rate, args.idle_rounds)
        print(table(results["load"], f"load: {args.rate:,} OSC messages/s for {args.seconds:.0f} s while "
                                     f"generating"), flush=True)
    for part, (title, rows_of) in _extra_parts().items():
        if args.only in (None, part):
            results[part] = rows_of(args)
            print("\n" + table(results[part], title), flush=True)
    print(f"\ncommand: python -m bench.stress {' '.join(argv if argv is not None else sys.argv[1:])}")
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
