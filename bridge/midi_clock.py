"""Tempo and transport from incoming MIDI clock: 0xF8 ticks at 24 per quarter note, start/stop/continue.

``MidiClock.feed(kind, t_ns)`` takes the message type (``"clock"``, ``"start"``, ``"stop"``,
``"continue"``, ``"songpos"``) and its arrival stamp. The tempo is the least-squares slope over the last
``window`` tick stamps (two beats by default), which averages out per-tick jitter, then rounded to
``resolution`` BPM and only reported when it moved by ``hysteresis`` or more, so it does not flicker. A
pause longer than ``dropout_s`` between ticks restarts the estimate; so do ``jump_ticks`` ticks in a row
landing off the fitted line on the same side (a real tempo change, not jitter), so large changes are
followed within about a beat. Not thread-safe: one loop feeds it.
"""

from __future__ import annotations

import logging
from collections import deque

log = logging.getLogger(__name__)

NS_PER_S = 1_000_000_000
PPQN = 24


class MidiClock:
    """Follows an external MIDI clock; ``tempo_bpm`` is ``None`` until enough ticks arrived."""

    def __init__(self, window: int = 2 * PPQN, min_ticks: int = 6, dropout_s: float = 0.5,
                 resolution: float = 0.1, hysteresis: float = 0.2, jump: float = 0.25,
                 jump_ticks: int = 3) -> None:
        if window < 2 or min_ticks < 2:
            raise ValueError("window and min_ticks must be at least 2")
        self.window = window
        self.min_ticks = min_ticks
        self.dropout_ns = round(dropout_s * NS_PER_S)
        self.resolution = resolution
        self.hysteresis = hysteresis
        self.jump = jump
        self.jump_ticks = jump_ticks
        self.running = False
        self.ticks = 0  # ticks since start (song position), counted while running
        self.start_ns: int | None = None  # stamp of the first tick after start: beat 0
        self._stamps: deque[int] = deque(maxlen=window)
        self._tempo: float | None = None
        self._last_tick_ns: int | None = None
        self._outliers = 0
        self._outlier_sign = 0
        self._fit: tuple[float, float] | None = None  # (ns per tick, intercept) over the window
        self._await_first_tick = False

    @property
    def tempo_bpm(self) -> float | None:
        """Smoothed tempo, or ``None`` without a clock (too few ticks yet)."""
        return self._tempo

    @property
    def beat(self) -> float:
        """Song position in beats (ticks / 24)."""
        return self.ticks / PPQN

    @property
    def fitted_tick_ns(self) -> int | None:
        """The last tick's time on the line fitted through the window (its jitter averaged out), or
        ``None`` before a fit."""
        if self._fit is None or not self._stamps:
            return None
        slope, intercept = self._fit
        return round(intercept + slope * (len(self._stamps) - 1))

    def present(self, now_ns: int) -> bool:
        """True when a tick arrived within ``dropout_s`` and a tempo is known."""
        return (self._tempo is not None and self._last_tick_ns is not None
                and now_ns - self._last_tick_ns <= self.dropout_ns)

    def reset(self) -> None:
        """Forget the tempo estimate (transport state is kept)."""
        self._stamps.clear()
        self._tempo = None
        self._fit = None
        self._outliers = 0

    def feed(self, kind: str, t_ns: int, value: int = 0) -> None:
        """Take one MIDI real-time message: ``clock``, ``start``, ``stop``, ``continue``, ``songpos``
        (``value`` in MIDI beats, i.e. sixteenth notes). Other kinds are ignored."""
        if kind == "clock":
            self._tick(t_ns)
        elif kind == "start":
            self.running = True
            self.ticks = 0
            self.start_ns = None
            self._await_first_tick = True
        elif kind == "continue":
            self.running = True
        elif kind == "stop":
            self.running = False
        elif kind == "songpos":
            self.ticks = max(0, int(value)) * 6

    def _tick(self, t_ns: int) -> None:
        if self._last_tick_ns is not None and t_ns - self._last_tick_ns > self.dropout_ns:
            log.info("MIDI clock resumed after %.2f s: re-estimating tempo",
                     (t_ns - self._last_tick_ns) / NS_PER_S)
            self.reset()
        if self._last_tick_ns is not None and t_ns < self._last_tick_ns:
            return  # stamps out of order: ignore this one
        if self.running:
            if self._await_first_tick:
                self.start_ns = t_ns
                self._await_first_tick = False
            else:
                self.ticks += 1
        self._last_tick_ns = t_ns
        self._check_jump(t_ns)
        self._stamps.append(t_ns)
        if len(self._stamps) >= self.min_ticks:
            self._update_tempo()

    def _check_jump(self, t_ns: int) -> None:
        """Restart the window when ``jump_ticks`` ticks in a row land off the fitted line, on the same side,
        by more than ``jump`` of a tick interval (jitter scatters around the line; a new tempo drifts)."""
        if self._fit is None:
            return
        slope, intercept = self._fit
        error = t_ns - (intercept + slope * len(self._stamps))
        if abs(error) > self.jump * slope:
            sign = 1 if error > 0 else -1
            self._outliers = self._outliers + 1 if sign == self._outlier_sign else 1
            self._outlier_sign = sign
            if self._outliers >= self.jump_ticks:
                keep = list(self._stamps)[-self._outliers:]
                self._stamps.clear()
                self._stamps.extend(keep)
                self._tempo = None
                self._fit = None
                self._outliers = 0
                self._outlier_sign = 0
        else:
            self._outliers = 0
            self._outlier_sign = 0

    def _update_tempo(self) -> None:
        stamps = self._stamps
        n = len(stamps)
        t0 = stamps[0]
        mean_i = (n - 1) / 2
        ys = [s - t0 for s in stamps]
        mean_y = sum(ys) / n
        num = sum((i - mean_i) * (y - mean_y) for i, y in enumerate(ys))
        den = sum((i - mean_i) ** 2 for i in range(n))
        slope = num / den  # ns per tick
        if slope <= 0:
            self._fit = None
            return
        # the line through the window, in the window's own tick numbering
        self._fit = (slope, t0 + mean_y - slope * mean_i)
        bpm = 60.0 * NS_PER_S / (slope * PPQN)
        if not 1.0 <= bpm <= 1000.0:
            return
        if self._tempo is None or abs(bpm - self._tempo) >= self.hysteresis:
            res = self.resolution
            self._tempo = round(round(bpm / res) * res, 6) if res > 0 else bpm
