"""Learning a style from a folder, bounded: which folders may be learned, and the child that learns.

A folder is learned only when it lies under a style root: the user's data folder for styles
(:func:`bridge.loading.user_styles_folder`) or a folder given with ``segue serve --style-root DIR``. The
request's path is never ``~``-expanded; it is resolved strictly (every symlink and ``..`` followed) and
the result must lie inside a resolved root. Every refusal gives the same message, so an answer never
tells whether a path exists outside the roots.

The learning runs in a child process (``python -m bridge.style_learner learn ...``) in its own process
group, with a wall-clock budget (the group is killed when it runs over) and a memory budget (the child
caps its own address space). :meth:`LearnChild.close` ends the group with the daemon: SIGTERM, then
SIGKILL after a short wait, so no learner outlives segue.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from bridge.loading import user_styles_folder
from bridge.style import StyleError

log = logging.getLogger(__name__)

KILL_GRACE_S = 0.3  # after SIGTERM, how long the learner may take to exit before SIGKILL


def style_roots(extra: Sequence[str | Path] = ()) -> list[Path]:
    """The configured style roots: the user's data folder for styles, then ``extra`` (``--style-root``)."""
    out = [user_styles_folder()]
    for root in extra:
        path = Path(root).expanduser()  # a configured root, written by the user, not a request
        if str(root) and path not in out:
            out.append(path)
    return out


def refusal(roots: Sequence[Path]) -> StyleError:
    """The one answer to every folder outside the roots (it names the roots, never the request)."""
    listed = ", ".join(str(r) for r in roots) or "none"
    return StyleError(f"not a style folder under the style roots ({listed}): name a folder inside one, "
                      "or add a root with segue serve --style-root DIR")


def resolve_style_folder(source: str, roots: Sequence[Path]) -> Path:
    """The folder ``source`` names, resolved, when it lies inside a style root; else :func:`refusal`.

    An absolute ``source`` must resolve inside a root; a relative one is taken inside each root in turn
    (``reels`` is ``<root>/reels``). Empty paths, ``~`` and NUL bytes are refused before any lookup.
    """
    if not source or source.startswith("~") or "\x00" in source:
        raise refusal(roots)
    path = Path(source)
    for root in roots:
        try:
            real_root = Path(root).resolve(strict=True)
            candidate = (path if path.is_absolute() else real_root / path).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            continue
        if candidate.is_relative_to(real_root) and candidate.is_dir():
            return candidate
    raise refusal(roots)


class LearnChild:
    """Runs the learner child, one at a time, in its own process group, within its budgets.

    ``run`` is called by the style worker; ``close`` by whoever ends the daemon: it kills a running
    child's group and refuses new ones.
    """

    def __init__(self, seconds: float, memory_mb: int) -> None:
        self.seconds = float(seconds)
        self.memory_mb = int(memory_mb)
        self.started = 0  # children started so far
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[str] | None = None
        self._closed = False

    def run(self, command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        """Run ``command`` (a learner command line; the memory budget is added) to its end, or kill its
        group after ``seconds``. Raises :class:`StyleError` when over time or closed."""
        command = [*command, "--memory-mb", str(self.memory_mb)]
        with self._lock:
            if self._closed:
                raise StyleError("segue is stopping: nothing is learned")
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    env=env, start_new_session=True)
            self._proc = proc
            self.started += 1
        try:
            out, err = proc.communicate(timeout=self.seconds)
        except subprocess.TimeoutExpired:
            self._kill(proc)
            out, err = proc.communicate()
            raise StyleError(f"learning took longer than its budget of {self.seconds:g} s: learn a smaller "
                             "folder, or give it more time with segue serve --learn-seconds S") from None
        finally:
            with self._lock:
                self._proc = None
        if self._closed:
            raise StyleError("segue is stopping: the learning was ended")
        return subprocess.CompletedProcess(command, proc.returncode, out, err)

    def close(self) -> None:
        """Refuse new children and end a running one's process group (SIGTERM, then SIGKILL)."""
        with self._lock:
            self._closed = True
            proc = self._proc
        if proc is not None:
            self._kill(proc)

    @staticmethod
    def _kill(proc: subprocess.Popen[str]) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if proc.poll() is not None:
                break
            try:
                os.killpg(proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                break
            deadline = time.monotonic() + KILL_GRACE_S
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.01)
        log.info("style learner %d ended", proc.pid)
