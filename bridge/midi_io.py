"""MIDI ports on python-rtmidi (messages built and parsed with mido): virtual "segue in"/"segue out" by
default, or existing ports found by name prefix (Windows has no virtual ports; loopMIDI appends numbers).

``MidiPorts`` is a context manager and an ``EventSink``. Its input callback only stamps
``time.perf_counter_ns()`` and enqueues a ``MidiEvent`` (raw bytes); the consumer turns events into mido
messages with ``decode`` (running status, garbage and sysex are handled there, never in the callback).
On JACK, rtmidi would call that callback from JACK's real-time thread, where waiting for Python's GIL
makes the whole graph miss deadlines (xruns, lost events), so there a small thread polls rtmidi's queue.
The output tracks sounding notes: ``panic()`` sends their note-offs and CC 123 on all 16 channels, and
``close()`` ends any note still sounding. When no backend can be opened (no ALSA sequencer, no JACK
server) ``MidiUnavailable`` says so and how to fix it, so the daemon can carry on with OSC only.

Port names on JACK: ``<client>:<port>``, e.g. ``segue:segue in``; JACK renames a second client of the same
name, so the output shows as ``segue-01:segue out`` (``jack_lsp`` lists them).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mido
import rtmidi

from bridge.jack_watch import JackWatch
from bridge.midi_decode import MidiDecoder

__all__ = ["API_CHOICES", "UNSTICK_INTERVAL_S", "JackWatch", "MidiDecoder", "MidiEvent", "MidiPortNotFound",
           "MidiPorts", "MidiUnavailable", "auto_order", "compiled_apis", "find_port", "format_ports",
           "list_ports"]

log = logging.getLogger(__name__)

from bridge.midi_apis import (  # noqa: E402  (re-exported: the MIDI layer's public names)
    API_CHOICES,
    API_IDS,
    FIX_HINT,
    UNSTICK_PORT,
    MidiPortNotFound,
    MidiUnavailable,
    _resolve_api,
    _why,
    auto_order,
    close_handles,
    compiled_apis,
    find_port,
    format_ports,
    list_ports,
)

UNSTICK_INTERVAL_S = 0.25  # JACK input: longest deafness after a cut-short sysex
_LONE_EOX = [0xF7]


@dataclass(frozen=True, slots=True)
class MidiEvent:
    """Raw bytes of one incoming MIDI message and their arrival stamp (perf_counter_ns)."""

    t_ns: int
    data: bytes
    source: str = "midi"


class MidiPorts:
    """The daemon's MIDI input and output; see the module docstring.

    ``api``: ``auto`` (ALSA then JACK on Linux, CoreMIDI on macOS, Windows MM on Windows), ``jack``,
    ``alsa``, ``coremidi`` or ``windows-mm``. ``input_mode``: ``callback`` (rtmidi calls in on arrival),
    ``poll`` (a thread drains rtmidi's queue every ``poll_interval_s``: stamps within that interval), or
    ``auto``: poll on JACK, whose callbacks run in its real-time thread, callback elsewhere.
    ``connect_in``/``connect_out``: name prefixes of existing
    ports to use instead of creating virtual ones. ``events``: the queue the input callback fills (pass
    a shared one to merge with OSC; full queue = event dropped and counted).
    """

    def __init__(self, api: str = "auto", *, in_name: str = "segue in", out_name: str = "segue out",
                 connect_in: str | None = None, connect_out: str | None = None, client_name: str = "segue",
                 events: queue.Queue[Any] | None = None, use_input: bool = True, use_output: bool = True,
                 ignore_sysex: bool = True, input_mode: str = "auto", poll_interval_s: float = 0.001,
                 on_lost: Callable[[str], None] | None = None) -> None:
        self.requested_api = api
        self.in_name = in_name
        self.out_name = out_name
        self.connect_in = connect_in
        self.connect_out = connect_out
        self.client_name = client_name
        self.events: queue.Queue[Any] = events if events is not None else queue.Queue(maxsize=4096)
        self.use_input = use_input
        self.use_output = use_output
        self.ignore_sysex = ignore_sysex
        if input_mode not in ("auto", "callback", "poll"):
            raise ValueError(f"input_mode must be auto, callback or poll, got {input_mode!r}")
        self.input_mode = input_mode
        self.poll_interval_s = poll_interval_s
        self._poll_stop = threading.Event()
        self._poll_thread: threading.Thread | None = None
        self.decoder = MidiDecoder()
        self.api: str | None = None
        self.input_port: str | None = None
        self.output_port: str | None = None
        self.dropped = 0  # input events lost to a full queue
        self.callback_errors = 0
        self._in: Any = None
        self._out: Any = None
        self._sounding: set[tuple[int, int]] = set()
        self._out_lock = threading.Lock()
        self._last_send_ns = 0
        self.drain_s = 0.05  # wait this long after the last send before closing the output
        self.on_lost = on_lost  # called once (from the input thread) when the JACK server goes away
        self._watch: JackWatch | None = None
        self._lost_reported = False
        self._unstick: Any = None  # see _unstick_port
        self._unstick_due = 0.0

    # -- lifecycle
    def open(self) -> MidiPorts:
        """Open the ports; raises ``MidiUnavailable`` (with the fix) when no backend works."""
        reasons = []
        for api in _resolve_api(self.requested_api):
            if api == "windows-mm" and ((self.use_input and not self.connect_in)
                                        or (self.use_output and not self.connect_out)):
                raise MidiUnavailable("Windows MM has no virtual ports: create two loopMIDI ports and pass "
                                      "--midi-in and --midi-out with their names (a prefix is enough)")
            try:
                self._open_api(api)
            except MidiPortNotFound:
                self._close_ports()
                raise
            except (rtmidi.RtMidiError, NotImplementedError, OSError) as exc:
                self._close_ports()
                reasons.append(f"{api}: {_why(api, exc)}")
                continue
            self.api = api
            log.info("MIDI on %s: %s", api, self.describe())
            return self
        raise MidiUnavailable(f"no MIDI backend available ({'; '.join(reasons)}). To fix: {FIX_HINT}")

    def _open_api(self, api: str) -> None:
        rtapi = API_IDS[api]
        if api == "jack":
            self._watch = JackWatch.open(f"{self.client_name}-watch")
            self._lost_reported = False  # a reopen on a server that came back reports its next loss
        if self.use_input:
            unstick = self._unstick_port(rtapi) if api == "jack" and self.ignore_sysex else None
            before = unstick.get_ports() if unstick is not None else []
            self._in = rtmidi.MidiIn(rtapi=rtapi, name=self.client_name)
            self._in.ignore_types(sysex=self.ignore_sysex, timing=False, active_sense=True)
            self.input_port = self._open_one(self._in, self.connect_in, self.in_name, "input")
            if unstick is not None:
                self._connect_unstick(unstick, before)
            if self.input_mode == "poll" or (self.input_mode == "auto" and api == "jack"):
                # JACK calls input callbacks from its real-time thread: Python there (waiting for the GIL)
                # makes the whole JACK graph miss its deadline. Poll rtmidi's own queue instead.
                self._poll_stop.clear()
                self._poll_thread = threading.Thread(target=self._poll_input, name="segue-midi-in",
                                                     daemon=True)
                self._poll_thread.start()
            else:
                self._in.set_callback(self.on_input)
        if self.use_output:
            self._out = rtmidi.MidiOut(rtapi=rtapi, name=self.client_name)
            self.output_port = self._open_one(self._out, self.connect_out, self.out_name, "output")

    def _unstick_port(self, rtapi: int) -> Any:
        """An output that will feed our own JACK input a lone End-of-Exclusive now and then.

        rtmidi's JACK input treats every event after a sysex start as part of that sysex until a 0xF7
        arrives, and segue ignores sysex: one cut-short sysex (a cable pulled mid-dump, a fuzzer) would
        leave the input deaf for good. A lone 0xF7 every ``UNSTICK_INTERVAL_S`` ends such a sysex; on a
        healthy input it is one event, dropped on arrival."""
        try:
            return rtmidi.MidiOut(rtapi=rtapi, name=f"{self.client_name}-unstick")
        except (rtmidi.RtMidiError, OSError) as exc:
            log.debug("no sysex unstick port: %s", exc)
            return None

    def _connect_unstick(self, unstick: Any, before: list[str]) -> None:
        try:
            after = unstick.get_ports()
            ours = [name for name in after if name not in before]  # the input port just opened
            if len(ours) != 1:
                raise OSError(f"cannot tell our own input port among {ours}")
            unstick.open_port(after.index(ours[0]), UNSTICK_PORT)
            self._unstick = unstick
        except (rtmidi.RtMidiError, OSError) as exc:
            log.warning("MIDI input: a cut-short sysex may leave it deaf until the next 0xF7 (%s)", exc)
            unstick.delete()

    @staticmethod
    def _open_one(port: Any, wanted: str | None, virtual_name: str, what: str) -> str:
        if wanted is None:
            port.open_virtual_port(virtual_name)
            return virtual_name
        names = port.get_ports()
        found = find_port(names, wanted)
        if found is None:
            listed = ", ".join(repr(n) for n in names) or "none"
            raise MidiPortNotFound(f"no MIDI {what} port matches {wanted!r}; ports there are: {listed}")
        port.open_port(names.index(found))
        return found

    def describe(self) -> str:
        """One line for the start-up banner, with the full port names (``segue-01:segue out`` on JACK)."""
        from bridge.port_names import describe

        return describe(self)

    def close(self) -> None:
        """End sounding notes, let them leave, then close both ports (idempotent).

        rtmidi's JACK output sends from a ring buffer in JACK's process callback; closing it while
        messages are still queued loses them (the last note-off), so ``close`` first waits until
        ``drain_s`` has passed since the last send."""
        if self._out is not None:
            self.release()
            wait_s = self.drain_s - (time.perf_counter_ns() - self._last_send_ns) / 1e9
            if wait_s > 0:
                time.sleep(wait_s)
        self._close_ports()

    @property
    def jack(self) -> JackWatch | None:
        """The JACK server watch (ports, connections), on JACK only."""
        return self._watch

    @property
    def server_lost(self) -> bool:
        """True once the JACK server this MIDI runs on has gone away (MIDI in and out are dead)."""
        return self._watch is not None and self._watch.lost.is_set()

    def _close_ports(self) -> None:
        if self._poll_thread is not None:  # first: it reads the input and sends the unstick bytes
            self._poll_stop.set()
            if self._poll_thread is not threading.current_thread():
                self._poll_thread.join(2.0)
            self._poll_thread = None
        unstick, self._unstick = self._unstick, None
        if self.server_lost:
            # rtmidi's close waits a second per port on a dead server: drop the handles instead
            log.warning("JACK server is gone: MIDI ports dropped without closing")
            self._in = None
            with self._out_lock:
                self._out = None
                self._sounding.clear()  # nothing sounds on a server that is gone
            self._watch = None
            return
        watch, midi_in, self._watch, self._in = self._watch, self._in, None, None
        with self._out_lock:  # from here on nothing is sent
            midi_out, self._out = self._out, None
        close_handles(watch, midi_in, unstick, midi_out)

    def __enter__(self) -> MidiPorts:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- input
    def on_input(self, message: tuple[list[int], float], data: object = None) -> None:
        """rtmidi's input callback: stamp and enqueue; anything it is given is dropped without harm."""
        t_ns = time.perf_counter_ns()
        if self._unstick is not None and message[0] == _LONE_EOX:
            return  # our own sysex unstick byte (or a device's stray one): nothing to decode
        try:
            self.events.put_nowait(MidiEvent(t_ns, bytes(message[0])))
        except queue.Full:
            self.dropped += 1
        except Exception:  # garbage from the backend must never kill its thread
            self.callback_errors += 1

    def _poll_input(self) -> None:
        """Input thread for poll mode: move rtmidi's queued messages to ``events`` every poll interval."""
        port = self._in
        while not self._poll_stop.is_set():
            while True:
                try:
                    item = port.get_message()
                except Exception:
                    self.callback_errors += 1
                    break
                if item is None:
                    break
                self.on_input(item)
            if self.server_lost and not self._lost_reported:
                self._report_lost()
            if self._unstick is not None and not self.server_lost and time.monotonic() >= self._unstick_due:
                self._unstick_due = time.monotonic() + UNSTICK_INTERVAL_S
                try:
                    self._unstick.send_message(_LONE_EOX)
                except Exception:
                    self.callback_errors += 1
            self._poll_stop.wait(self.poll_interval_s)

    def _report_lost(self) -> None:
        self._lost_reported = True
        reason = self._watch.reason if self._watch is not None else ""
        log.error("the JACK server stopped%s: MIDI in and out are gone", f" ({reason})" if reason else "")
        if self.on_lost is not None:
            try:
                self.on_lost(reason)
            except Exception:
                log.exception("MIDI lost callback failed")

    def decode(self, event: MidiEvent) -> list[mido.Message]:
        """The mido messages in ``event`` (none for garbage or dropped sysex)."""
        return self.decoder.decode(event.data)

    def receive(self, timeout: float | None = 0.0) -> list[tuple[int, mido.Message]]:
        """Drain the event queue (waiting up to ``timeout`` s for the first): ``(t_ns, message)`` pairs."""
        out: list[tuple[int, mido.Message]] = []
        try:
            if timeout is None or timeout > 0:
                ev = self.events.get(timeout=timeout)
            else:
                ev = self.events.get_nowait()
        except queue.Empty:
            return out
        while True:
            if isinstance(ev, MidiEvent):
                out.extend((ev.t_ns, m) for m in self.decode(ev))
            try:
                ev = self.events.get_nowait()
            except queue.Empty:
                return out

    # -- output
    def send(self, msg: mido.Message) -> None:
        """Send one message (thread-safe); note-ons and note-offs update the sounding set."""
        with self._out_lock:
            if self._out is None or self.server_lost:
                log.debug("MIDI output closed: %s not sent", msg)
                if self.server_lost:
                    self._sounding.clear()  # nothing can sound on a server that is gone
                return
            self._out.send_message(msg.bytes())
            self._last_send_ns = time.perf_counter_ns()
            if msg.type == "note_on" and msg.velocity > 0:
                self._sounding.add((msg.channel, msg.note))
            elif msg.type in ("note_on", "note_off"):
                self._sounding.discard((msg.channel, msg.note))

    @property
    def sounding(self) -> list[tuple[int, int]]:
        """(channel, pitch) of notes sent on and not yet off."""
        with self._out_lock:
            return sorted(self._sounding)

    def note_on(self, pitch: int, velocity: int, channel: int, duration_beats: float = 0.0) -> None:
        self.send(mido.Message("note_on", note=pitch, velocity=velocity, channel=channel))

    def note_off(self, pitch: int, channel: int) -> None:
        self.send(mido.Message("note_off", note=pitch, velocity=0, channel=channel))

    def all_notes_off(self) -> None:
        self.panic()

    def release(self) -> None:
        """Note-off for every sounding note."""
        for channel, pitch in self.sounding:
            try:
                self.note_off(pitch, channel)
            except Exception:
                log.exception("note-off %d failed", pitch)

    def panic(self) -> None:
        """Note-offs for sounding notes, then All Notes Off (CC 123) on all 16 channels."""
        self.release()
        for channel in range(16):
            try:
                self.send(mido.Message("control_change", control=123, value=0, channel=channel))
            except Exception:
                log.exception("all-notes-off on channel %d failed", channel + 1)
