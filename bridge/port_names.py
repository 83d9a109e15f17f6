"""The full names of segue's MIDI ports as the host's tools name them, and the line that connects them.

Each rtmidi port is its own client: on JACK the input is ``segue:segue in`` and the output, a second
client of the same name, ``segue-01:segue out`` (JACK renames it); these names are what ``jack_connect``
takes. On ALSA other clients list the output as ``segue:segue out 128:0``; ``aconnect`` takes the
``128:0`` address.
"""

from __future__ import annotations

import logging
import re
from typing import Any

log = logging.getLogger(__name__)

_ALSA_ADDRESS = re.compile(r"\s(\d+:\d+)$")


def full_names(ports: Any) -> dict[str, str]:
    """``{"in": full name, "out": full name}`` of the ports ``ports`` (a ``MidiPorts``) opened; an entry is
    missing where the name cannot be told (no JACK watch, two clients with the same port name)."""
    out: dict[str, str] = {}
    for key, short, existing in (("in", ports.input_port, ports.connect_in),
                                 ("out", ports.output_port, ports.connect_out)):
        if short is None:
            continue
        if existing:  # an existing port, opened by the name the API lists
            out[key] = short
        elif ports.api == "jack" and ports.jack is not None:
            full = ports.jack.own_port(short)
            if full is not None:
                out[key] = full
        elif ports.api == "alsa":
            full = _alsa_name(ports.client_name, short, key)
            if full is not None:
                out[key] = full
    return out


def _alsa_name(client: str, short: str, key: str) -> str | None:
    """How another ALSA client lists our port (the newest such client: the highest client number)."""
    import rtmidi

    probe = rtmidi.MidiIn if key == "out" else rtmidi.MidiOut  # our output is an input to the others
    try:
        lister = probe(rtapi=rtmidi.API_LINUX_ALSA, name=f"{client} names")
    except (rtmidi.RtMidiError, OSError) as exc:
        log.debug("cannot list ALSA ports: %s", exc)
        return None
    try:
        found = [n for n in lister.get_ports()
                 if n.startswith(f"{client}:{short} ") and _ALSA_ADDRESS.search(n)]
    finally:
        lister.delete()
    return max(found, key=lambda n: int(_ALSA_ADDRESS.search(n).group(1).split(":")[0])) if found else None


def describe(ports: Any) -> str:
    """One line for the banner: each port's full name, virtual or existing."""
    names = full_names(ports)
    parts = []
    for key, short, existing in (("in", ports.input_port, ports.connect_in),
                                 ("out", ports.output_port, ports.connect_out)):
        if short is not None:
            parts.append(f'{key} "{names.get(key, short)}"' + ("" if existing else " (virtual)"))
    return f"MIDI ({ports.api}): " + ", ".join(parts)


def connect_hint(ports: Any) -> list[str]:
    """Ready-made commands connecting segue's output to a synth (and a keyboard to its input)."""
    names = full_names(ports)
    lines = []
    if ports.api == "jack":
        if "out" in names:
            lines.append(f'connect: jack_connect "{names["out"]}" <synth input>   (jack_lsp lists the ports)')
        if "in" in names:
            lines.append(f'         jack_connect <keyboard output> "{names["in"]}"')
    elif ports.api == "alsa":
        for key, template in (("out", "connect: aconnect {} <synth>   (aconnect -l lists the ports)"),
                              ("in", "         aconnect <keyboard> {}")):
            match = _ALSA_ADDRESS.search(names.get(key, ""))
            if match:
                lines.append(template.format(match.group(1)))
    return lines


def connect_lines(ports: dict[str, dict[str, object]]) -> list[str]:
    """How to connect a running segue's ports, by the full names the listing shows."""
    lines = []
    for api, info in ports.items():
        tool = {"jack": "jack_connect", "alsa": "aconnect"}.get(api)
        outs = [n for n in info.get("inputs", []) if ":segue out" in n]  # segue's output feeds our inputs
        ins = [n for n in info.get("outputs", []) if ":segue in" in n]
        if tool is None or not (outs or ins):
            continue
        lines.append(f"{api}: segue's ports, to connect by these full names:")
        if api == "alsa":  # aconnect takes the client:port numbers ALSA lists at the end of each name
            outs, ins = ([n.rsplit(" ", 1)[-1] for n in names] for names in (outs, ins))
        lines += [f'  {tool} "{name}" <synth input>' for name in outs]
        lines += [f'  {tool} <keyboard output> "{name}"' for name in ins]
    return lines
