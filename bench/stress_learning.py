"""Bounded learning under load: late notes with live learning on and off, and SIGTERM while learning.

1. Live learning: an in-process daemon (OSC only, the shipped model) answers ``--phrases`` phrases, each
   played to its end, once with ``/segue/style/learn live`` and once without. Counted from the
   scheduler's lateness stats (the ones ``/segue/status`` reports): note events more than 1 ms late,
   the largest lateness, and the CPU the process and the live learner used.
2. SIGTERM while learning: ``segue serve`` (a subprocess) learns a folder of 2,000 MIDI files under a
   ``--style-root``; once the learning child runs, SIGTERM; measured: the time until segue exited, and
   whether the learner's process group outlived it.

``python -m bench.stress_learning [--phrases N]``
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import REPO, model_folder, seed_phrase, table
from bench.stress import RawInbox, free_port
from bridge.offline import write_notes
from bridge.osc_wire import osc_message

PARAMS = {"length_notes": 8, "tempo": 240.0, "seed": 1}
LEARN_FILES = 2000


def live_run(folder: Path, name: str, phrases: int, live: bool) -> dict[str, float]:
    """Answer ``phrases`` phrases (with live learning when ``live``): the lateness stats and CPU."""
    from bridge.config import ServeConfig
    from bridge.daemon import Daemon
    from bridge.params import ParamStore

    inbox = RawInbox()
    daemon = Daemon(ServeConfig(port=free_port(), reply_port=inbox.port, midi=False, models=(str(folder),),
                                model=name), ParamStore(values=dict(PARAMS))).open()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        address = ("127.0.0.1", daemon.osc_address[1])
        if live:
            sock.sendto(osc_message("/segue/style/learn", ["live"]), address)
        cpu0 = time.process_time()
        before = daemon.scheduler.stats.snapshot()
        for i in range(phrases):
            notes = seed_phrase(12, transpose=(i * 5) % 12 - 6)
            args: list[object] = []
            for n in notes:
                args += [n.pitch, n.velocity, float(n.start), float(n.duration)]
            done = inbox.count("/segue/noteoff")
            sock.sendto(osc_message("/segue/phrase", args), address)
            deadline = time.monotonic() + 30
            while inbox.count("/segue/noteoff") < done + 8 and time.monotonic() < deadline:
                time.sleep(0.01)
            daemon.engine.wait_idle(10)
        after = daemon.scheduler.stats.snapshot()
        daemon.styles.wait_idle(30)
        return {"late": after["late"] - before["late"], "events": after["count"] - before["count"],
                "max_ms": after["max_ms"], "cpu_s": time.process_time() - cpu0,
                "learner_cpu_s": daemon.styles.learner.cpu_s, "rebuilds": daemon.styles.learner.rebuilds}
    finally:
        sock.close()
        daemon.close()
        inbox.close()


def sigterm_while_learning(folder: Path, name: str) -> tuple[float, bool]:
    """Seconds from SIGTERM to segue's exit while it learns, and whether the learner survived it."""
    with tempfile.TemporaryDirectory(prefix="segue-bench-learn-") as tmp:
        root = Path(tmp) / "root"
        (root / "big").mkdir(parents=True)
        write_notes(root / "big" / "seed.mid", seed_phrase(32), 120.0, (4, 4))
        for i in range(LEARN_FILES):
            shutil.copy(root / "big" / "seed.mid", root / "big" / f"copy{i}.mid")
        inbox = RawInbox()
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "bridge", "serve", "--no-midi", "--port", str(port), "--reply-port",
             str(inbox.port), "--models", str(folder), "--model", name, "--style-root", str(root)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        learner = 0
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if "OSC in" in line:
                    break
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.sendto(osc_message("/segue/style/learn", ["big"]), ("127.0.0.1", port))
            deadline = time.monotonic() + 30
            while not learner and time.monotonic() < deadline:
                learner = _learner_of(proc.pid)
                time.sleep(0.05)
            time.sleep(1.0)  # let it get going
            start = time.perf_counter()
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
            elapsed = time.perf_counter() - start
            time.sleep(0.5)
            return elapsed, bool(learner) and _alive(learner)
        finally:
            if proc.poll() is None:
                proc.kill()
            if learner and _alive(learner):
                os.killpg(learner, signal.SIGKILL)
            inbox.close()


def _learner_of(pid: int) -> int:
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if int(stat[stat.rindex(")") + 2:].split()[1]) == pid and b"bridge.style_learner" in cmd:
            return int(entry.name)
    return 0


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def learning_rows(phrases: int = 150, folder: Path | None = None,
                  name: str = "default") -> list[tuple[str, str, str]]:
    """The rows of the learning part of ``bench.stress``: (measure, value, target)."""
    if folder is None:
        folder, name = model_folder(name)
    off = live_run(folder, name, phrases, live=False)
    on = live_run(folder, name, phrases, live=True)
    seconds, survived = sigterm_while_learning(folder, name)
    return [
        (f"late note events (> 1 ms), {phrases} phrases, live learning off / on",
         f"{off['late']} / {on['late']} of {off['events']} / {on['events']}", "on within 2x of off"),
        ("max lateness, live learning off / on", f"{off['max_ms']:.1f} / {on['max_ms']:.1f} ms", "< 20 ms"),
        ("process CPU over the phrases, live learning off / on", f"{off['cpu_s']:.1f} / {on['cpu_s']:.1f} s",
         "on within 1.5x of off"),
        ("live learner CPU, rebuilds", f"{on['learner_cpu_s']:.2f} s, {on['rebuilds']}", "<= 10 % of a core"),
        (f"SIGTERM while learning {LEARN_FILES} files: exit", f"{seconds * 1000:.0f} ms", "< 1 s"),
        ("learner left running after segue exited", "yes" if survived else "no", "no"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stress_learning",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--phrases", type=int, default=150)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    print(table(learning_rows(args.phrases), f"bounded learning: {args.phrases} phrases"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
