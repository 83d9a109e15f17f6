"""The view thread's picture of the daemon, built from the feed: the roll, the phrases, the answers'
latency, the state and the values, turned into the JSON messages the page reads.

:class:`Hub` is written by the view's server thread alone. ``apply(events)`` takes what the feed held
and returns the page's events; ``hello()`` is everything a page that (re)connects needs at once: the
last ``HISTORY_S`` of notes and phrases, the last ``ANSWERS`` answers, the state and the values. Times
go to the page in seconds since the hub's epoch, on the daemon's clock.

- Notes pair up by (who, channel, pitch): a second note-on ends the first, a note-off without a note-on
  is ignored. ``who`` is ``p`` (the performer: what reached the session) or ``a`` (segue's answer: what
  left through the scheduler).
- A phrase ends where the session asked the engine for an answer (its ``end`` event); it started at the
  earliest performer note since the previous end.
- An answer's latency is its phrase end (or continue) to its first note-on out; its scheduler figures
  (late notes, the scheduler's recent p99) come from the daemon's snapshots while it plays.
- With ``feedback_suppress`` on, a performer note that echoes an answer note (same pitch and channel
  within ``ECHO_NS``, the feedback filter's window) is what the session ignores too, and so does the roll.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from bridge.errors import PREFIX

NS_PER_S = 1_000_000_000
HISTORY_S = 120.0  # notes and phrases a page that (re)loads gets
MAX_NOTES = 6000  # notes kept at most (a dense answer for minutes)
ANSWERS = 40  # answers in the latency panel
ERRORS = 30  # messages in the log panel
ECHO_NS = 50_000_000  # bridge.capture.FeedbackFilter's window


def public(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer's record as the page gets it (the hub's own bookkeeping left out)."""
    return {k: v for k, v in answer.items() if not k.startswith("_")}


def _status() -> dict[str, Any]:
    return {"state": "idle", "model": "", "sampler": "", "style": "", "tempo": 120.0, "bar_beats": 4,
            "downbeat": None, "clock_source": "internal", "midi": "", "late": 0, "dropped": 0, "max_ms": 0.0,
            "p50_ms": 0.0, "p99_ms": 0.0}


class Hub:
    """See the module docstring. ``clock()`` is the daemon's clock (ns)."""

    def __init__(self, clock: Callable[[], int]) -> None:
        self.clock = clock
        self.epoch_ns = clock()
        self._ids = itertools.count(1)
        self._answer_numbers = itertools.count(1)
        self.notes: deque[dict[str, Any]] = deque()
        self._open: dict[tuple[str, int, int], dict[str, Any]] = {}
        self.phrases: deque[dict[str, Any]] = deque(maxlen=200)
        self._phrase_start: float | None = None
        self._phrase_played = 0
        self.answers: deque[dict[str, Any]] = deque(maxlen=ANSWERS)
        self._answer: dict[str, Any] | None = None  # asked for, or playing
        self.status = _status()
        self.values: dict[str, Any] = {}
        self.log: deque[dict[str, Any]] = deque(maxlen=ERRORS)
        self.dropped = 0
        self._answer_on: dict[tuple[int, int], int] = {}  # (channel, pitch) -> last answer note-on
        self._echoes: set[tuple[int, int]] = set()  # performer notes taken for echoes, until their off
        self.snapshot_wanted = True  # the server asks the daemon for a snapshot when True

    def seconds(self, t_ns: int | None) -> float | None:
        """``t_ns`` on the page's time line (seconds since the epoch, microseconds kept)."""
        return None if t_ns is None else round((t_ns - self.epoch_ns) / NS_PER_S, 6)

    # ------------------------------------------------------------ what the page gets

    def hello(self) -> dict[str, Any]:
        """Everything a page needs when it connects."""
        return {"type": "hello", "now": self.seconds(self.clock()), "status": dict(self.status),
                "values": dict(self.values), "notes": [dict(n) for n in self.notes],
                "phrases": list(self.phrases), "answers": [public(a) for a in self.answers],
                "log": list(self.log), "dropped": self.dropped}

    def apply(self, events: Iterable[tuple[Any, ...]], dropped: int = 0) -> list[dict[str, Any]]:
        """The feed's events, in order; returns the page's events for them."""
        out: list[dict[str, Any]] = []
        for event in events:
            kind, t_ns, data = event[1], event[2], event[3:]
            handler = _HANDLERS.get(kind)
            if handler is not None:
                handler(self, t_ns, out, *data)
        if dropped != self.dropped:
            self.dropped = dropped
            out.append({"k": "dropped", "n": dropped})
        self._forget()
        return out

    # ------------------------------------------------------------ notes

    def _note(self, t_ns: int, out: list[dict[str, Any]], who: str, pitch: int, velocity: int,
              channel: int) -> None:
        key = (channel, pitch)
        if who == "p" and self._is_echo(t_ns, key, velocity):
            return
        t = self.seconds(t_ns)
        sounding = self._open.pop((who, channel, pitch), None)
        if sounding is not None:  # a note-off, or a retrigger that ends the sounding note first
            sounding["off"] = max(t, sounding["on"])
            out.append({"k": "off", "id": sounding["id"], "t": sounding["off"]})
        if velocity <= 0:
            return
        note = {"id": next(self._ids), "who": who, "pitch": pitch, "vel": velocity, "ch": channel, "on": t,
                "off": None}
        self._open[(who, channel, pitch)] = note
        self.notes.append(note)
        out.append({"k": "on", **note})
        if who == "p":
            self._phrase_start = t if self._phrase_start is None else min(self._phrase_start, t)
            self._phrase_played += 1
        else:
            self._answer_on[key] = t_ns
            answer = self._answer
            if answer is not None and answer["first"] is None and t >= answer["at"]:
                answer["first"] = t
                answer["latency_ms"] = round((t - answer["at"]) * 1e3, 3)
                self.answers.append(answer)
                out.append({"k": "answer", **public(answer)})

    def _is_echo(self, t_ns: int, key: tuple[int, int], velocity: int) -> bool:
        if velocity <= 0:
            if key in self._echoes:
                self._echoes.discard(key)
                return True
            return False
        sent = self._answer_on.get(key)
        if self.values.get("feedback_suppress", True) and sent is not None and 0 <= t_ns - sent <= ECHO_NS:
            self._echoes.add(key)
            return True
        return False

    def _all_off(self, t_ns: int, out: list[dict[str, Any]], who: str, channel: int) -> None:
        t = self.seconds(t_ns)
        for key in [k for k in self._open if k[0] == who and (channel < 0 or k[1] == channel)]:
            note = self._open.pop(key)
            note["off"] = max(t, note["on"])
            out.append({"k": "off", "id": note["id"], "t": note["off"]})

    def _forget(self) -> None:
        cutoff = self.seconds(self.clock()) - HISTORY_S
        notes = self.notes
        while notes and (len(notes) > MAX_NOTES or (notes[0]["off"] is not None
                                                    and notes[0]["off"] < cutoff)):
            note = notes.popleft()
            key = (note["who"], note["ch"], note["pitch"])
            if self._open.get(key) is note:
                del self._open[key]
        while self.phrases and self.phrases[0]["end"] < cutoff:
            self.phrases.popleft()

    # ------------------------------------------------------------ phrases and answers

    def _end(self, t_ns: int, out: list[dict[str, Any]], kind: str, count: int) -> None:
        t = self.seconds(t_ns)
        if kind == "phrase":
            start = self._phrase_start if self._phrase_start is not None else t
            phrase = {"start": min(start, t), "end": t, "notes": count}
            self.phrases.append(phrase)
            out.append({"k": "phrase", **phrase})
            self._phrase_start = None
            self._phrase_played = 0
        self._answer = {"n": next(self._answer_numbers), "kind": kind, "at": t, "first": None,
                        "latency_ms": None, "late": 0, "dropped": 0, "p99_ms": None, "cut": "",
                        "_late0": self.status["late"], "_dropped0": self.status["dropped"]}

    def _stop(self, t_ns: int, out: list[dict[str, Any]], how: str) -> None:
        answer = self._answer
        if answer is None:
            return
        if answer["first"] is not None:
            answer["cut"] = how
            out.append({"k": "answer", **public(answer)})
        self._answer = None
        self.snapshot_wanted = True

    def _clear(self, t_ns: int, out: list[dict[str, Any]]) -> None:
        self._phrase_start = None
        self._phrase_played = 0
        out.append({"k": "clear", "t": self.seconds(t_ns)})

    # ------------------------------------------------------------ state

    def _snapshot(self, t_ns: int, out: list[dict[str, Any]], snap: dict[str, Any]) -> None:
        values = snap.get("values", {})
        self.values.update(values)
        status = {k: v for k, v in snap.items() if k in self.status}
        status["downbeat"] = self.seconds(snap.get("downbeat_ns"))
        self.status.update(status)
        out.append({"k": "status", **status})
        if values:
            out.append({"k": "values", "values": values})
        self._scheduler_figures(out)

    def _scheduler_figures(self, out: list[dict[str, Any]]) -> None:
        """The answer playing (or last played) gets the scheduler's figures as of now."""
        answer = self._answer if self._answer is not None else (self.answers[-1] if self.answers else None)
        if answer is None or answer["first"] is None:
            return
        answer["late"] = max(0, int(self.status["late"]) - int(answer["_late0"]))
        answer["dropped"] = max(0, int(self.status["dropped"]) - int(answer["_dropped0"]))
        answer["p99_ms"] = self.status["p99_ms"]
        out.append({"k": "answer", **public(answer)})

    def _reply(self, t_ns: int, out: list[dict[str, Any]], address: str, args: tuple[Any, ...]) -> None:
        name = address[len(PREFIX) + 1:]
        t = self.seconds(t_ns)
        if name == "status" and len(args) >= 3:
            status = dict(zip(("state", "model", "sampler", "late", "max_ms", "dropped"), args, strict=False))
            self.status.update(status)
            out.append({"k": "status", **status})
        elif name == "value" and len(args) >= 2:
            self.values[str(args[0])] = args[1]
            out.append({"k": "value", "name": args[0], "value": args[1]})
            if args[0] in ("sampler", "style", "model"):
                self.status[str(args[0])] = args[1]
                out.append({"k": "status", str(args[0]): args[1]})
            if args[0] in ("tempo", "clock_source", "bar_beats", "style"):
                self.snapshot_wanted = True  # the grid or the style in force may have moved
        elif name == "error" and len(args) >= 2:
            self._log(out, t, "error", f"{args[0]}: {args[1]}")
        elif name == "answer/end":
            self.snapshot_wanted = True
        elif name in ("style", "model") and args:
            self.status[name] = args[0]
            out.append({"k": "status", name: args[0]})
            self._log(out, t, "info", f"{name} {args[0]} plays now")
        elif name == "midi" and args:
            self.status["midi"] = args[0]
            out.append({"k": "status", "midi": args[0]})
            self._log(out, t, "info", f"MIDI: {args[0]}")
        elif name == "saved" and args:
            self._log(out, t, "info", f"settings saved to {args[0]}")
        elif name == "learning":
            self._log(out, t, "info", f"move a MIDI control to map it to {args[0]}" if args and args[0]
                      else "MIDI learn cancelled")
        elif name == "learned" and len(args) >= 2:
            text = f"{args[0]} is mapped to {args[1]}" if args[1] else f"{args[0]} is unmapped"
            self._log(out, t, "info", text)

    def _log(self, out: list[dict[str, Any]], t: float | None, level: str, text: str) -> None:
        entry = {"t": t, "level": level, "text": text}
        self.log.append(entry)
        out.append({"k": "log", **entry})


_HANDLERS: dict[str, Callable[..., None]] = {
    "note": Hub._note, "alloff": Hub._all_off, "end": Hub._end, "stop": Hub._stop, "clear": Hub._clear,
    "snapshot": Hub._snapshot, "reply": Hub._reply,
}
