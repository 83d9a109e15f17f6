"""The MIDI APIs python-rtmidi offers here, finding ports by name, and listing them (``segue ports``)."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterable
from typing import Any

import rtmidi

log = logging.getLogger(__name__)

API_IDS: dict[str, int] = {
    "alsa": rtmidi.API_LINUX_ALSA,
    "jack": rtmidi.API_UNIX_JACK,
    "coremidi": rtmidi.API_MACOSX_CORE,
    "windows-mm": rtmidi.API_WINDOWS_MM,
}
API_CHOICES = ("auto", *API_IDS)

UNSTICK_PORT = "sysex unstick"  # the JACK port that sends it (hidden from `segue ports`)

FIX_HINT = ("start a JACK server (`jackd -d dummy -r 48000 -p 64`, then --midi-api jack) or load the ALSA "
            "sequencer (`sudo modprobe snd-seq`)")


OUTPUT_SETTLE_S = 0.02  # after closing an output port, before freeing it: longer than any process cycle


def close_output(port: Any) -> None:
    """Close an rtmidi output and free it, without racing its JACK process callback.

    RtMidi 5's JACK output frees its ring buffer before it closes its JACK client, so a process cycle
    still running at that moment reads freed memory (a rare crash at close). Once the port is closed
    every new cycle returns at once; waiting ``OUTPUT_SETTLE_S`` lets a cycle in flight finish first.
    """
    port.close_port()
    time.sleep(OUTPUT_SETTLE_S)
    port.delete()


CLOSE_TIMEOUT_S = 3.0  # closing the ports may take this long before segue goes on without them


def close_handles(watch: Any, midi_in: Any, unstick: Any, midi_out: Any,
                  timeout_s: float = CLOSE_TIMEOUT_S) -> bool:
    """Close detached port handles (any may be None) in this order: the JACK watch, the input (before
    the unstick port that feeds it: never close a port mid-feed), the unstick port, the output.

    The closing runs on a thread of its own, waited for ``timeout_s`` at most: libjack's client close
    waits on the server, and a server that does not answer must not keep segue from shutting down (the
    notes were ended before). False when it did not finish in time (logged)."""
    def close_all() -> None:
        if watch is not None:
            _logged(watch.close, "the JACK watch")
        if midi_in is not None:
            _logged(lambda: (midi_in.cancel_callback(), midi_in.close_port(), midi_in.delete()),
                    "the MIDI input")
        if unstick is not None:
            _logged(lambda: close_output(unstick), "the sysex unstick port")
        if midi_out is not None:
            _logged(lambda: close_output(midi_out), "the MIDI output")

    closer = threading.Thread(target=close_all, name="segue-midi-close", daemon=True)
    closer.start()
    closer.join(timeout_s)
    if closer.is_alive():
        log.error("closing the MIDI ports did not finish in %.0f s (the JACK server does not answer): "
                  "going on without them", timeout_s)
        return False
    return True


def _logged(close: Any, what: str) -> None:
    try:
        close()
    except Exception:
        log.exception("closing %s failed", what)


class MidiUnavailable(RuntimeError):
    """No MIDI backend or port could be opened; the message says why and how to fix it."""


class MidiPortNotFound(MidiUnavailable):
    """A port asked for by name prefix does not exist; the message lists the ports there are."""


def compiled_apis() -> list[str]:
    """Names of the APIs this python-rtmidi was built with."""
    compiled = set(rtmidi.get_compiled_api())
    return [name for name, api in API_IDS.items() if api in compiled]


def auto_order(platform: str = sys.platform) -> list[str]:
    """APIs ``auto`` tries, in order, on ``platform`` (only the compiled ones)."""
    if platform.startswith("win"):
        order = ["windows-mm"]
    elif platform == "darwin":
        order = ["coremidi", "jack"]
    else:
        order = ["alsa", "jack"]
    compiled = compiled_apis()
    return [a for a in order if a in compiled]


def _resolve_api(api: str) -> list[str]:
    api = api.lower().replace("_", "-")
    if api == "auto":
        order = auto_order()
        if not order:
            raise MidiUnavailable(f"python-rtmidi was built without a usable MIDI API (compiled: "
                                  f"{compiled_apis() or 'none'})")
        return order
    if api not in API_IDS:
        raise MidiUnavailable(f"unknown MIDI API {api!r}; choose one of {', '.join(API_CHOICES)}")
    if api not in compiled_apis():
        raise MidiUnavailable(f"python-rtmidi was built without the {api} API (compiled: "
                              f"{', '.join(compiled_apis()) or 'none'}); pick another --midi-api")
    return [api]


def find_port(names: Iterable[str], wanted: str) -> str | None:
    """The port ``wanted`` names: exact, else the first starting with it, else the first containing it
    (case-insensitive). ``None`` when nothing matches."""
    names = list(names)
    if wanted in names:
        return wanted
    for name in names:
        if name.startswith(wanted):
            return name
    low = wanted.lower()
    for name in names:
        if low in name.lower():
            return name
    return None


def list_ports(apis: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """Ports per API: ``{api: {"inputs": [...], "outputs": [...]}}`` or ``{api: {"error": why}}``.

    ``inputs`` are the ports segue can read from (``--midi-in``), ``outputs`` those it can play to
    (``--midi-out``), as the API names them (on JACK: ``client:port``)."""
    result: dict[str, dict[str, Any]] = {}
    wanted: list[str] = []
    for api in apis if apis is not None else compiled_apis():
        wanted.extend(auto_order() if api == "auto" else [api])
    for api in wanted:
        try:
            rtapi = API_IDS[_resolve_api(api)[0]]
            mi = rtmidi.MidiIn(rtapi=rtapi, name="segue ports")
            mo = rtmidi.MidiOut(rtapi=rtapi, name="segue ports")
            try:
                inputs = [n for n in mi.get_ports() if not n.endswith(f":{UNSTICK_PORT}")]  # segue's own
                result[api] = {"inputs": inputs, "outputs": mo.get_ports()}
            finally:
                mi.delete()
                mo.delete()
        except (MidiUnavailable, rtmidi.RtMidiError) as exc:
            result[api] = {"error": _why(api, exc)}
    return result


def format_ports(ports: dict[str, dict[str, Any]]) -> str:
    """``list_ports()`` as text for ``segue ports``."""
    lines = []
    for api, info in ports.items():
        if "error" in info:
            lines.append(f"{api}: unavailable ({info['error']})")
            continue
        lines.append(f"{api}:")
        lines.append("  inputs (for --midi-in):   " + (", ".join(map(repr, info["inputs"])) or "none"))
        lines.append("  outputs (for --midi-out): " + (", ".join(map(repr, info["outputs"])) or "none"))
    return "\n".join(lines)


def _why(api: str, exc: BaseException) -> str:
    text = str(exc)
    if api == "jack" and ("JACK" in text or "jack" in text):
        return "no JACK server running"
    if api == "alsa":
        return "cannot open the ALSA sequencer (/dev/snd/seq)"
    return text or type(exc).__name__
