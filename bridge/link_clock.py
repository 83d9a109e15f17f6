"""Ableton Link as a tempo source: join the session, follow its tempo, beat, phase and transport.

:class:`LinkSource` wraps one ``link.Link`` (the ``linkpython-extern`` wheel: Ableton's own Link library
with its whole session-state API). It is a :class:`~bridge.timeline.TempoSource`: ``tempo_bpm()``,
``anchor()`` (a moment and the session's beat then, for the ``quantum``), ``downbeat_ns()`` (a bar
line: Link phase 0), ``playing()`` and ``song_beat()`` (start/stop sync). Link's clock is not
``perf_counter_ns`` (on Linux it is ``CLOCK_MONOTONIC_RAW``), so the offset between the two is measured
at every refresh, from the tightest of a few paired readings.

Threads: a small thread (``segue-link``) looks at the session every ``poll_s`` and calls ``notify`` (the
daemon posts to its control thread) when its tempo, transport or peers changed, and every ``refresh_s``
anyway, so the clock offset and the beat stay fresh. (Link's own callbacks are not used: they run Python
on Link's thread, which then waits for the interpreter while leaving the session waits for that thread.)
``refresh()``, and every reading, run on the control thread, which owns the snapshot. ``request_tempo``
proposes a tempo to the session
(every peer follows, as with any Link app's tempo change).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

NS_PER_US = 1_000
NS_PER_S = 1_000_000_000
REFRESH_S = 0.25
POLL_S = 0.01
CLOCK_READINGS = 5
LINK_STATES = ("off", "alone", "linked")


class LinkUnavailable(RuntimeError):
    """The Link library cannot be loaded; the message says how to install it."""


def load_link() -> Any:
    """The ``link`` module of ``linkpython-extern``."""
    try:
        import link
    except ImportError as exc:
        raise LinkUnavailable(f"Ableton Link is not installed ({exc}): pip install linkpython-extern") \
            from None
    return link


@dataclass(frozen=True, slots=True)
class LinkState:
    """The session as last read: ``tempo_bpm``, the beat at ``at_ns`` (perf_counter_ns) for the quantum,
    peers, transport (``playing``, and the beat where it started)."""

    tempo_bpm: float
    at_ns: int
    beat: float
    quantum: float
    peers: int
    playing: bool
    start_beat: float | None


class LinkSource:
    """See the module docstring. ``link_module``: the ``link`` module (injected by tests); ``clock``:
    perf_counter_ns. Not joined until ``enable``."""

    name = "link"
    exact = True  # a Link tempo is taken as it is: every digit moves the beat

    def __init__(self, tempo_bpm: float = 120.0, quantum: float = 4.0, *, link_module: Any = None,
                 clock: Callable[[], int] = time.perf_counter_ns, refresh_s: float = REFRESH_S,
                 poll_s: float = POLL_S) -> None:
        self._module = link_module
        self._clock = clock
        self._initial_tempo = float(tempo_bpm)
        self.quantum = float(quantum)
        self.refresh_s = refresh_s
        self.poll_s = poll_s
        self.start_stop_sync = True
        self._link: Any = None
        self._offset_ns = 0  # Link clock ns minus perf_counter_ns
        self._state: LinkState | None = None
        self._notify: Callable[[], None] = lambda: None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ joining

    @property
    def enabled(self) -> bool:
        return self._link is not None

    def enable(self, notify: Callable[[], None] = lambda: None) -> None:
        """Join the Link session (at ``tempo_bpm`` if segue is the first peer); ``notify()`` hears news."""
        if self._link is not None:
            return
        module = self._module if self._module is not None else load_link()
        self._notify = notify
        link = module.Link(self._initial_tempo)
        link.startStopSyncEnabled = self.start_stop_sync
        link.enabled = True
        self._link = link
        self._stop.clear()
        self._thread = threading.Thread(target=self._tick, name="segue-link", daemon=True)
        self._thread.start()
        self.refresh()
        log.info("joined the Link session at %.2f BPM", self._state.tempo_bpm if self._state else 0.0)

    def disable(self) -> None:
        """Leave the session (the last state is forgotten)."""
        link, self._link = self._link, None
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None
        if link is not None:
            link.enabled = False
            log.info("left the Link session")
        self._state = None

    close = disable

    def set_start_stop_sync(self, on: bool) -> None:
        """Share start/stop with the session's peers (Link's start/stop sync)."""
        self.start_stop_sync = bool(on)
        if self._link is not None:
            self._link.startStopSyncEnabled = self.start_stop_sync

    def set_quantum(self, quantum: float) -> None:
        self.quantum = float(quantum)
        if self._link is not None:
            self.refresh()

    def _news(self) -> None:
        try:
            self._notify()
        except Exception:
            log.exception("Link news failed")

    def _tick(self) -> None:  # the segue-link thread: news when the session changed, a refresh anyway
        link = self._link
        seen: tuple[float, bool, int] | None = None
        last = time.monotonic()
        while link is not None and not self._stop.wait(self.poll_s):
            session = link.captureAppSessionState()
            now = (session.tempo(), session.isPlaying(), link.numPeers())
            if now != seen or time.monotonic() - last >= self.refresh_s:
                seen, last = now, time.monotonic()
                self._news()

    # ------------------------------------------------------------ reading (control thread)

    @property
    def state(self) -> LinkState | None:
        """The session as last refreshed (``None`` when not joined)."""
        return self._state

    @property
    def peers(self) -> int:
        return self._state.peers if self._state is not None else 0

    @property
    def status(self) -> str:
        """``off`` (not joined), ``alone`` (no peer yet) or ``linked``."""
        if self._state is None:
            return "off"
        return "linked" if self._state.peers > 0 else "alone"

    def refresh(self) -> LinkState | None:
        """Read the session now: tempo, beat, transport, peers and the clock offset."""
        link = self._link
        if link is None:
            self._state = None
            return None
        self._offset_ns = self._measure_offset(link)
        session = link.captureAppSessionState()
        now = self._clock()
        micros = self.link_micros(now)
        q = self.quantum
        playing = bool(session.isPlaying())
        start_beat = None
        if playing:
            start_beat = float(session.beatAtTime(int(session.timeForIsPlaying()), q))
        self._state = LinkState(float(session.tempo()), now, float(session.beatAtTime(micros, q)), q,
                                int(link.numPeers()), playing, start_beat)
        return self._state

    def _measure_offset(self, link: Any) -> int:
        clock = link.clock()
        best: tuple[int, int] | None = None
        for _ in range(CLOCK_READINGS):
            before = self._clock()
            micros = clock.micros()
            after = self._clock()
            if best is None or after - before < best[0]:
                best = (after - before, micros * NS_PER_US - (before + after) // 2)
        assert best is not None
        return best[1]

    def link_micros(self, t_ns: int) -> int:
        """``t_ns`` (perf_counter_ns) on Link's clock, in microseconds."""
        return (t_ns + self._offset_ns) // NS_PER_US

    def perf_ns(self, link_micros: int) -> int:
        """A time of Link's clock (microseconds) as perf_counter_ns."""
        return link_micros * NS_PER_US - self._offset_ns

    # TempoSource
    def tempo_bpm(self) -> float | None:
        return self._state.tempo_bpm if self._state is not None else None

    def anchor(self) -> tuple[int, float] | None:
        state = self._state
        return None if state is None else (state.at_ns, state.beat)

    def downbeat_ns(self) -> int | None:
        """The last bar line (phase 0 for the quantum) at or before the last reading."""
        state = self._state
        if state is None:
            return None
        bar = math.floor(state.beat / state.quantum) * state.quantum
        return state.at_ns - round((state.beat - bar) * 60.0 * NS_PER_S / state.tempo_bpm)

    def playing(self) -> bool:
        return self._state is not None and self._state.playing

    def song_beat(self) -> float | None:
        return self._state.start_beat if self._state is not None else None

    # ------------------------------------------------------------ proposing

    def request_tempo(self, tempo_bpm: float) -> bool:
        """Propose ``tempo_bpm`` to the session (its peers follow); False when not joined."""
        link = self._link
        if link is None:
            return False
        session = link.captureAppSessionState()
        session.setTempo(float(tempo_bpm), self.link_micros(self._clock()))
        link.commitAppSessionState(session)
        self.refresh()
        return True
