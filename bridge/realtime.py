"""The real-time scheduler: a :class:`~bridge.scheduler.Scheduler` core owned by its own thread.

The thread sleeps on its command queue until ~1 ms before the next event, then spins on
``time.perf_counter_ns`` (yielding the interpreter while more than ``YIELD_NS`` remain). Every public method
is thread-safe: other threads send it commands (schedule, all-notes-off, panic, tempo, the grid, tickers).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable

from bridge.notes import Note
from bridge.scheduler import (
    NS_PER_MS,
    NS_PER_S,
    YIELD_NS,
    EventSink,
    LatenessStats,
    Scheduler,
    Ticker,
    _check_tempo,
    beats_to_ns,
)
from bridge.timeline import Grid

log = logging.getLogger(__name__)


class RealtimeScheduler:
    """A ``Scheduler`` run by its own thread on ``perf_counter_ns``; every public method is thread-safe.

    The thread waits on its command queue until ``spin_ns`` before the next event, then spins on the
    clock, so events leave within microseconds of their due time on an idle core. On Linux the thread
    asks for ``SCHED_FIFO`` at ``realtime_priority`` (default 1: above ordinary processes, so a busy
    machine cannot delay a note by a whole time slice, and below JACK's threads); where that is not
    permitted it logs and runs as an ordinary thread. ``None`` skips the request. Use as a context
    manager, or ``start()`` / ``close()``; ``close()`` cancels pending notes and ends sounding ones.
    """

    def __init__(self, output: EventSink, *, tempo_bpm: float = 120.0,
                 spin_ns: int = NS_PER_MS, clock: Callable[[], int] = time.perf_counter_ns,
                 realtime_priority: int | None = 1, late_ms: float | None = None) -> None:
        self.core = Scheduler(clock, output, tempo_bpm=tempo_bpm, late_ms=late_ms)
        self.realtime_priority = realtime_priority
        self.realtime = False  # True once the thread runs under SCHED_FIFO
        self.clock = clock
        self.spin_ns = spin_ns
        self._commands: queue.SimpleQueue[tuple[Callable[[], None], threading.Event | None]] = (
            queue.SimpleQueue())
        self._thread: threading.Thread | None = None
        self._running = False
        self._accepting = False  # the thread takes commands (guarded by _lock)
        self._lock = threading.Lock()
        self._tempo_bpm = tempo_bpm
        self._grid: Grid | None = None

    @property
    def stats(self) -> LatenessStats:
        """Lateness statistics (thread-safe snapshot via ``stats.snapshot()``)."""
        return self.core.stats

    @property
    def tempo_bpm(self) -> float:
        """The tempo last set."""
        return self._tempo_bpm

    def beats_to_ns(self, beats: float) -> int:
        """``beats`` at the tempo last set, in ns."""
        return beats_to_ns(beats, self._tempo_bpm)

    # -- lifecycle
    def start(self) -> RealtimeScheduler:
        """Start the thread (idempotent)."""
        if self._thread is None:
            self._running = True
            self._accepting = True
            self._thread = threading.Thread(target=self._run, name="segue-scheduler", daemon=True)
            self._thread.start()
        return self

    def close(self, timeout: float = 2.0) -> None:
        """Release every note (pending dropped, sounding ended) and stop the thread."""
        if self._thread is None:
            self.core.cancel_pending()
            return

        def stop() -> None:
            self.core.cancel_pending()
            self._running = False

        done = self._call(stop, wait=True, timeout=timeout)
        self._thread.join(timeout)
        if not done or self._thread.is_alive():
            log.error("scheduler thread did not stop in %.1f s", timeout)
        self._thread = None

    def __enter__(self) -> RealtimeScheduler:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def grid(self) -> Grid | None:
        """The beat axis last set (notes placed on beats are played on it)."""
        return self._grid

    # -- commands (any thread)
    def schedule(self, note: Note, at_ns: int, beat: float | None = None) -> None:
        """Queue ``note`` at ``at_ns`` (perf_counter_ns); with ``beat``, its place on the grid's beat axis
        (re-timed when the grid changes)."""
        queued = self.clock()
        self._call(lambda: self.core.schedule(note, at_ns, queued, beat))

    def set_grid(self, grid: Grid) -> None:
        """A new beat axis (tempo change, clock correction): notes on beats not yet sent are re-timed."""
        self._grid = grid
        self._call(lambda: self.core.set_grid(grid))

    def add_ticker(self, ticker: Ticker) -> None:
        """Fire ``ticker`` from the scheduler's loop (it gets the grid at once)."""
        def add() -> None:
            if self.core.grid is not None:
                ticker.set_grid(self.core.grid, self.clock())
            self.core.tickers.append(ticker)
        self._call(add, wait=True)

    def remove_ticker(self, ticker: Ticker, then: Callable[[], None] | None = None) -> None:
        """Stop firing ``ticker``; ``then()`` runs on the scheduler's thread right after (a last message)."""
        def remove() -> None:
            if ticker in self.core.tickers:
                self.core.tickers.remove(ticker)
            if then is not None:
                then()
        self._call(remove, wait=True)

    def flush(self, timeout: float = 0.002) -> bool:
        """Return once the scheduler thread ran every command queued so far (True) or after ``timeout``;
        a note due now is then sent before that thread waits again."""
        return self._call(lambda: None, True, timeout)

    def set_tempo(self, tempo_bpm: float) -> None:
        """Tempo for durations of notes scheduled from now on."""
        _check_tempo(tempo_bpm)
        self._tempo_bpm = tempo_bpm
        self._call(lambda: self.core.set_tempo(tempo_bpm))

    def set_late_ms(self, late_ms: float) -> None:
        """Note-ons later than ``late_ms`` are dropped (with their note-offs) from now on."""
        if not late_ms > 0:
            raise ValueError(f"late_ms must be > 0, got {late_ms!r}")
        self._call(lambda: self.core.set_late_ms(late_ms))

    def cancel_pending(self, wait: bool = True, timeout: float = 1.0) -> bool:
        """Drop pending events and end sounding notes; with ``wait``, return once done (True) or timed out."""
        return self._call(self.core.cancel_pending, wait, timeout)

    def all_notes_off(self, wait: bool = True, timeout: float = 1.0) -> bool:
        """Same as ``cancel_pending``."""
        return self._call(self.core.all_notes_off, wait, timeout)

    def panic(self, wait: bool = True, timeout: float = 1.0) -> bool:
        """``cancel_pending`` plus the sink's all-notes-off."""
        return self._call(self.core.panic, wait, timeout)

    def _call(self, fn: Callable[[], None], wait: bool = False, timeout: float = 1.0) -> bool:
        done = threading.Event() if wait else None
        with self._lock:
            if self._accepting:
                self._commands.put((fn, done))
            else:
                fn()  # no thread: the caller owns the core
                return True
        return done.wait(timeout) if done is not None else True

    # -- the thread
    def _drain(self, block_s: float | None) -> None:
        try:
            item = self._commands.get(timeout=block_s) if block_s != 0 else self._commands.get_nowait()
        except queue.Empty:
            return
        while True:
            fn, done = item
            try:
                fn()
            except Exception:
                log.exception("scheduler command failed")
            finally:
                if done is not None:
                    done.set()
            try:
                item = self._commands.get_nowait()
            except queue.Empty:
                return

    def _raise_priority(self) -> None:
        if self.realtime_priority is None or not hasattr(os, "sched_setscheduler"):
            return
        try:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(self.realtime_priority))
            self.realtime = True
            log.debug("scheduler thread runs under SCHED_FIFO %d", self.realtime_priority)
        except (OSError, ValueError) as exc:
            log.info("scheduler thread keeps normal priority (SCHED_FIFO not permitted: %s); timing may "
                     "suffer on a busy machine", exc)

    def _spin_until(self, due: int) -> None:
        """Wait for ``due`` on the clock: yield the GIL while more than ``YIELD_NS`` remain, then spin.

        A bare spin would hold the interpreter for up to ``spin_ns`` before every event and starve the
        engine thread that samples the next notes; ``time.sleep(0)`` lets it run in between.
        """
        clock = self.clock
        while True:
            left = due - clock()
            if left <= 0:
                return
            if left > YIELD_NS:
                time.sleep(0)

    def _run(self) -> None:
        core = self.core
        self._raise_priority()
        try:
            while self._running:
                wait = core.poll(self.clock())
                if not self._running:
                    break
                if wait is None:
                    self._drain(0.1)
                elif wait > self.spin_ns:
                    self._drain((wait - self.spin_ns) / NS_PER_S)
                else:
                    self._drain(0)
                    due = core.next_due()
                    if due is not None:
                        self._spin_until(due)
        except Exception:
            log.exception("scheduler thread failed; releasing notes")
            core.cancel_pending()
            raise
        finally:
            # commands that raced with the stop still run here, on the owning thread
            with self._lock:
                self._accepting = False
            while True:
                try:
                    fn, done = self._commands.get_nowait()
                except queue.Empty:
                    break
                try:
                    fn()
                except Exception:
                    log.exception("scheduler command failed")
                if done is not None:
                    done.set()

