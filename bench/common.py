"""Shared bench helpers: the model under test, a 32-note seed, percentiles and the markdown table."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bridge.daemon import shipped_models
from bridge.model import available_models
from bridge.notes import Note

REPO = Path(__file__).resolve().parent.parent


def model_folder(name: str = "default") -> tuple[Path, str]:
    """The shipped models folder and model name; fails with the fix when it is missing."""
    folder = shipped_models()
    if name not in available_models(folder):
        raise SystemExit(f"no model {name!r} in {folder}: export one first (see README, 'Reproduce')")
    return folder, name


def seed_phrase(n_notes: int = 32, transpose: int = 0) -> list[Note]:
    """A 32-note seed: a rising and falling C-major line in eighths, every fourth note longer."""
    steps = [0, 2, 4, 5, 7, 9, 11, 12, 11, 9, 7, 5, 4, 2, 0, -1]
    notes = []
    for i in range(n_notes):
        pitch = 60 + transpose + steps[i % len(steps)]
        duration = 1.0 if i % 4 == 3 else 0.5
        notes.append(Note(pitch, 80 + (i % 3) * 10, i * 0.5, duration))
    return notes


def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(rows: Sequence[tuple[str, str, str]], title: str) -> str:
    """A markdown table: measure, value, target."""
    lines = [f"### {title}", "", f"machine: {platform.processor() or platform.machine()}, "
             f"{_cores()} CPU cores, Python {platform.python_version()}", "",
             "| measure | value | target |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def ms(ns: float) -> str:
    return f"{ns / 1e6:.2f} ms"


@contextmanager
def private_jack(prefix: str, settle_s: float = 1.0) -> Iterator[dict[str, str]]:
    """A ``jackd -d dummy -r 48000 -p 64`` of the bench's own, named ``<prefix>-<pid>``.

    It is the default JACK server of this process while the block runs, and of the environment yielded
    for child processes; it is stopped (and the environment restored) when the block ends.
    """
    name = f"{prefix}-{os.getpid()}"
    env = {**os.environ, "JACK_DEFAULT_SERVER": name, "JACK_NO_START_SERVER": "1",
           "JACK_NO_AUDIO_RESERVATION": "1"}
    jackd = subprocess.Popen(["jackd", "-n", name, "-d", "dummy", "-r", "48000", "-p", "64"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    old = os.environ.get("JACK_DEFAULT_SERVER")
    os.environ["JACK_DEFAULT_SERVER"] = name
    try:
        time.sleep(settle_s)
        yield env
    finally:
        jackd.terminate()
        try:
            jackd.wait(5)
        except subprocess.TimeoutExpired:  # a client still attached can hold it: never leave it running
            jackd.kill()
            jackd.wait()
        if old is None:
            os.environ.pop("JACK_DEFAULT_SERVER", None)
        else:
            os.environ["JACK_DEFAULT_SERVER"] = old
