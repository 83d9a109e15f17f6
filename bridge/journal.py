"""What segue remembers across a kill: the notes sounding now, in a small file of fixed size.

:class:`NoteJournal` is an ``EventSink`` beside the MIDI and OSC outputs. On the scheduler thread it only
flips one byte per note event (no lock, no I/O); its own thread rewrites the file (a temporary file, then
``os.replace``) at most every ``interval_s`` when something changed, so the output timing never waits on
the disk. After a kill (SIGKILL, a crash, power pulled from the laptop but not the synth) the next start
reads the file and sends the exact note-offs of the notes that were sounding, before anything else.

The state folder (``state_dir``) is the user's state folder (``platformdirs``' ``user_state_dir``, else
``$XDG_STATE_HOME/segue`` or ``~/.local/state/segue``) unless ``--state-dir`` gives one. One segue at a time
owns it (an advisory lock held while it runs); another one started beside it runs without a journal and
says so.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import IO, Any

from bridge import bounded_files

log = logging.getLogger(__name__)

MAGIC = b"segue sounding v1\n"
SLOTS = 16 * 128  # one byte per (channel, pitch)
JOURNAL_NAME = "sounding"
LOCK_NAME = "lock"
WRITE_INTERVAL_S = 0.02


def state_dir(override: str = "") -> Path:
    """The folder segue keeps its state in: ``override`` when given, else the user's state folder."""
    if override:
        return Path(override)
    try:
        import platformdirs
    except ImportError:
        base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        return Path(base) / "segue"
    return Path(platformdirs.user_state_dir("segue", appauthor=False))


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step: a reader sees the old file or the new one, never half."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def read_state(path: Path, what: str) -> bytes | None:
    """The bytes of a state file (a regular file within the ``state`` bound), or None when there is none
    to read: missing, not a regular file (a FIFO must not hang the start), too large."""
    try:
        return bounded_files.read_bytes(path, what, "state")
    except bounded_files.FileRefused:
        return None


class StateFolder:
    """The state folder, locked for this process while it runs (``owned`` False when another segue holds
    it, or it cannot be created)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.owned = False
        self._lock: IO[bytes] | None = None
        try:
            path.mkdir(parents=True, exist_ok=True)
            self._lock = open(path / LOCK_NAME, "ab")  # noqa: SIM115 - held until close()
        except OSError as exc:
            log.warning("cannot use the state folder %s (%s): no note journal", path, exc.strerror or exc)
            return
        try:
            import fcntl
        except ImportError:  # no advisory locks here (Windows): one segue per state folder is up to you
            self.owned = True
            return
        try:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.owned = True
        except OSError:
            log.warning("another segue uses the state folder %s: this one keeps no note journal "
                        "(give it its own with --state-dir)", path)

    def close(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.close()  # releases the lock


class NoteJournal:
    """The sounding notes, mirrored to ``folder/sounding``; see the module docstring.

    The sink methods run on the scheduler thread, which alone writes ``_slots`` and ``_version``; the
    writer thread only reads them."""

    def __init__(self, folder: StateFolder, interval_s: float = WRITE_INTERVAL_S) -> None:
        self.folder = folder
        self.path = folder.path / JOURNAL_NAME
        self.interval_s = interval_s
        self._slots = bytearray(SLOTS)
        self._version = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.recovered: list[tuple[int, int]] = []  # (channel, pitch) ended at start

    # -- start
    def left_sounding(self) -> list[tuple[int, int]]:
        """(channel, pitch) of the notes the last run left sounding (none if it ended cleanly)."""
        if not self.folder.owned:
            return []
        data = read_state(self.path, "note journal")
        if data is None:
            return []
        if len(data) != len(MAGIC) + SLOTS or not data.startswith(MAGIC):
            log.warning("ignoring %s: not a segue note journal", self.path)
            return []
        body = data[len(MAGIC):]
        return [(i // 128, i % 128) for i, v in enumerate(body) if v]

    def recover(self, sink: Any) -> list[tuple[int, int]]:
        """Send ``sink`` the note-off of every note the last run left sounding, then clear the journal."""
        self.recovered = self.left_sounding()
        for channel, pitch in self.recovered:
            try:
                sink.note_off(pitch, channel)
            except Exception:
                log.exception("note-off %d on channel %d failed", pitch, channel + 1)
        if self.recovered:
            log.warning("ended %d note(s) left sounding by the last run", len(self.recovered))
        self._write(bytes(SLOTS))
        return self.recovered

    def start(self) -> None:
        """Start the writer thread (nothing to do when another segue owns the folder)."""
        if self.folder.owned and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="segue-journal", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop the writer after one last write (empty after a clean stop), and release the folder."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None

    # -- EventSink (scheduler thread)
    def note_on(self, pitch: int, velocity: int, channel: int, duration_beats: float = 0.0) -> None:
        self._slots[(channel & 15) * 128 + (pitch & 127)] = 1
        self._version += 1

    def note_off(self, pitch: int, channel: int) -> None:
        self._slots[(channel & 15) * 128 + (pitch & 127)] = 0
        self._version += 1

    def all_notes_off(self) -> None:
        self._slots[:] = bytes(SLOTS)
        self._version += 1

    # -- the writer thread
    def _run(self) -> None:
        written = self._version
        while True:
            stopping = self._stop.wait(self.interval_s)
            version = self._version
            if version != written:
                self._write(bytes(self._slots))
                written = version
            if stopping:
                break

    def _write(self, body: bytes) -> None:
        if not self.folder.owned:
            return
        try:
            write_atomic(self.path, MAGIC + body)
        except OSError as exc:
            log.warning("cannot write the note journal %s: %s", self.path, exc.strerror or exc)
