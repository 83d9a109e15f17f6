"""Writes the segue Max patchers (patchers/segue.maxpat, patchers/segue.m4l.maxpat, help/segue.maxhelp).

The patchers are generated so that their wiring, inlet/outlet counts and parameter ranges stay consistent;
edit this file and run ``python maxpatch/build_patchers.py`` rather than editing the JSON by hand (Max
itself opens, edits and re-saves the output like any patcher). Parameter ranges and menu items come from
the daemon's registry (``bridge.params``), so the UI cannot offer a value the daemon would reject.
``tests/test_maxpatch.py`` checks the written files against the registry and the OSC routing table.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bridge.params import PARAMS, Param  # noqa: E402

SERVER_PORT = 9000
REPLY_PORT = 9001
PARAMS_BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}

# inlets, outlets and outlet types of the objects these patchers use (Max 8 / Max 9)
FIXED: dict[str, tuple[int, int, list[str]]] = {
    "udpsend": (1, 0, []),
    "udpreceive": (1, 1, [""]),
    "prepend": (2, 1, [""]),
    "tosymbol": (1, 1, [""]),
    "print": (1, 0, []),
    "notein": (1, 3, ["int", "int", "int"]),
    "noteout": (3, 0, []),
    "midiin": (1, 1, ["int"]),
    "midiout": (1, 0, []),
    "midiparse": (1, 8, ["", "", "", "int", "int", "", "int", ""]),
    "midiformat": (7, 2, ["int", ""]),
    "flush": (2, 2, ["int", "int"]),
    "loadbang": (1, 1, ["bang"]),
    "closebang": (1, 1, ["bang"]),
    "freebang": (1, 1, ["bang"]),
    "node.script": (1, 2, ["", ""]),
    "js": (1, 1, [""]),
    "live.thisdevice": (1, 3, ["bang", "int", "int"]),
    "live.path": (1, 3, ["", "", ""]),
    "live.observer": (2, 2, ["", ""]),
    "clip": (3, 1, [""]),
    "change": (1, 3, ["", "int", "int"]),
    "deferlow": (1, 1, [""]),
}
UI: dict[str, tuple[int, int, list[str]]] = {
    "message": (2, 1, [""]),
    "comment": (1, 0, []),
    "number": (1, 2, ["", "bang"]),
    "flonum": (1, 2, ["", "bang"]),
    "umenu": (1, 3, ["int", "", ""]),
    "textedit": (1, 4, ["", "int", "", ""]),
    "button": (1, 1, ["bang"]),
    "kslider": (2, 2, ["int", "int"]),
    "live.dial": (1, 2, ["", "float"]),
    "live.numbox": (1, 2, ["", "float"]),
    "live.menu": (1, 3, ["", "", "float"]),
    "live.text": (1, 2, ["", ""]),
    "live.button": (1, 1, [""]),
    "panel": (1, 0, []),
    "inlet": (0, 1, [""]),
    "outlet": (1, 0, []),
}


class Patcher:
    """A Max patcher under construction: boxes, patch lines, and the JSON Max reads."""

    def __init__(self, rect: tuple[float, float, float, float] = (60.0, 80.0, 1180.0, 820.0),
                 devicewidth: float = 0.0) -> None:
        self.rect = rect
        self.devicewidth = devicewidth
        self.boxes: list[dict[str, Any]] = []
        self.lines: list[dict[str, Any]] = []
        self._by_id: dict[str, dict[str, Any]] = {}

    def _add(self, box: dict[str, Any]) -> str:
        box["id"] = f"obj-{len(self.boxes) + 1}"
        self.boxes.append({"box": box})
        self._by_id[box["id"]] = box
        return box["id"]

    def obj(self, text: str, x: float, y: float, w: float | None = None,
            io: tuple[int, int, list[str]] | None = None, **attrs: Any) -> str:
        """An object box (``newobj``); inlet/outlet counts from the table, or ``io`` for variable ones."""
        name = text.split()[0]
        inlets, outlets, types = io if io is not None else FIXED[name]
        box = {"maxclass": "newobj", "text": text, "numinlets": inlets, "numoutlets": outlets,
               "outlettype": types, "patching_rect": [x, y, w or max(40.0, 7.0 * len(text) + 14), 22.0]}
        box.update(attrs)
        return self._add(box)

    def route(self, args: list[str], x: float, y: float, w: float | None = None) -> str:
        """``[route a b c]``: one outlet per argument plus the reject outlet."""
        return self.obj("route " + " ".join(args), x, y, w, io=(2, len(args) + 1, [""] * (len(args) + 1)))

    def unpack(self, n: int, x: float, y: float) -> str:
        return self.obj("unpack " + " ".join(["0"] * n), x, y, io=(1, n, ["int"] * n))

    def pack(self, n: int, x: float, y: float) -> str:
        return self.obj("pack " + " ".join(["0"] * n), x, y, io=(n, 1, [""]))

    def trigger(self, kinds: str, x: float, y: float) -> str:
        parts = kinds.split()
        types = ["bang" if k == "b" else "int" if k == "i" else "" for k in parts]
        return self.obj("t " + kinds, x, y, io=(1, len(parts), types))

    def ui(self, maxclass: str, x: float, y: float, w: float, h: float, **attrs: Any) -> str:
        inlets, outlets, types = UI[maxclass]
        box = {"maxclass": maxclass, "numinlets": inlets, "numoutlets": outlets, "outlettype": types,
               "patching_rect": [x, y, w, h]}
        if maxclass in ("number", "flonum", "umenu", "textedit", "button", "kslider"):
            box["parameter_enable"] = 0
        box.update(attrs)
        return self._add(box)

    def msg(self, text: str, x: float, y: float, w: float | None = None) -> str:
        return self.ui("message", x, y, w or max(40.0, 6.6 * len(text) + 12), 22.0, text=text)

    def comment(self, text: str, x: float, y: float, w: float = 260.0, lines: int = 1, **attrs: Any) -> str:
        return self.ui("comment", x, y, w, 20.0 * lines, text=text, linecount=lines, **attrs)

    def wire(self, src: str, outlet: int, dst: str, inlet: int = 0) -> None:
        """A patch line; the indices are checked here too, so a bad wire fails the build."""
        if not 0 <= outlet < self._by_id[src]["numoutlets"]:
            raise ValueError(f"{src} has no outlet {outlet}")
        if not 0 <= inlet < self._by_id[dst]["numinlets"]:
            raise ValueError(f"{dst} has no inlet {inlet}")
        self.lines.append({"patchline": {"destination": [dst, inlet], "source": [src, outlet]}})

    def present(self, box_id: str, x: float, y: float, w: float | None = None,
                h: float | None = None) -> None:
        """Show the box in presentation mode (the Max for Live device view)."""
        box = self._by_id[box_id]
        rect = box["patching_rect"]
        box["presentation"] = 1
        box["presentation_rect"] = [x, y, w or rect[2], h or rect[3]]

    def to_json(self, description: str = "") -> dict[str, Any]:
        patcher: dict[str, Any] = {
            "fileversion": 1,
            "appversion": {"major": 8, "minor": 6, "revision": 0, "architecture": "x64", "modernui": 1},
            "classnamespace": "box",
            "rect": list(self.rect),
            "openinpresentation": 1 if self.devicewidth else 0,
            "default_fontsize": 12.0,
            "default_fontname": "Arial",
            "gridsize": [15.0, 15.0],
            "description": description,
            "digest": "",
            "tags": "segue osc midi",
            "boxes": self.boxes,
            "lines": self.lines,
            "dependency_cache": [],
            "autosave": 0,
        }
        if self.devicewidth:
            patcher["devicewidth"] = self.devicewidth
        return {"patcher": patcher}


# ---------------------------------------------------------------- shared sections


def _param_ui(p: Patcher, name: str, x: float, y: float, send: str, live: bool) -> str:
    """A labelled control for parameter ``name`` wired through [prepend /segue/set name] to ``send``."""
    param = PARAMS_BY_NAME[name]
    p.comment(name, x, y, 110.0)
    pre = p.obj(f"prepend /segue/set {name}", x, y + 50, 180.0)
    p.wire(pre, 0, send)
    if param.choices is not None:
        if live:
            ctl = p.ui("live.menu", x, y + 22, 100.0, 15.0, varname=f"segue_{name}",
                       saved_attribute_attributes={"valueof": {
                           "parameter_longname": f"segue {name}", "parameter_shortname": name[:8],
                           "parameter_type": 2, "parameter_enum": list(param.choices),
                           "parameter_initial_enable": 1,
                           "parameter_initial": [param.choices.index(str(param.default))]}})
        else:
            items: list[str] = []
            for choice in param.choices:
                items += [choice, ","]
            ctl = p.ui("umenu", x, y + 22, 110.0, 22.0, items=items[:-1])
        p.wire(ctl, 1, pre)  # the item text
    elif param.type is str:
        ctl = p.ui("textedit", x, y + 22, 110.0, 22.0, keymode=1, lines=1)
        sym = p.obj("tosymbol", x + 120, y + 22)
        p.wire(ctl, 0, sym)
        p.wire(sym, 0, pre)
    else:
        lo, hi = float(param.min), float(param.max)  # type: ignore[arg-type]
        if name == "top_k":
            hi = min(hi, 1000.0)  # a practical span for a dial; the daemon takes up to its own maximum
        if live:
            kind = "live.dial" if param.type is float else "live.numbox"
            ctl = p.ui(kind, x, y + 22, 44.0 if kind == "live.dial" else 50.0, 48.0 if kind == "live.dial"
                       else 15.0, varname=f"segue_{name}", saved_attribute_attributes={"valueof": {
                           "parameter_longname": f"segue {name}", "parameter_shortname": name[:8],
                           "parameter_type": 0 if param.type is float else 1,
                           "parameter_mmin": lo, "parameter_mmax": hi, "parameter_initial_enable": 1,
                           "parameter_initial": [param.default], "parameter_unitstyle": 1}})
        else:
            kind = "flonum" if param.type is float else "number"
            ctl = p.ui(kind, x, y + 22, 70.0, 22.0, minimum=lo, maximum=hi)
        p.wire(ctl, 0, pre)
    return ctl


SEND_MESSAGES = [
    "/segue/phrase 60 100 0. 1. 62 100 1. 1. 64 100 2. 1. 67 100 3. 1.",
    "/segue/continue",
    "/segue/continue 8.",
    "/segue/stop",
    "/segue/panic",
    "/segue/clear",
    "/segue/status",
    "/segue/get",
    "/segue/ping",
]
PARAM_CONTROLS = ["sampler", "strategy", "temperature", "top_k", "top_p", "blend", "tempo", "length_beats",
                  "length_notes", "mode", "phrase_end", "style"]
REPLIES = ["/segue/noteon", "/segue/noteoff", "/segue/note", "/segue/status", "/segue/error", "/segue/value",
           "/segue/pong"]


def _replies(p: Patcher, x: float, y: float) -> tuple[str, str, str]:
    """udpreceive -> route; returns (route, noteon/off unpack, status display)."""
    recv = p.obj(f"udpreceive {REPLY_PORT}", x, y)
    route = p.route(REPLIES, x, y + 40, 520.0)
    p.wire(recv, 0, route)
    notes = p.unpack(3, x, y + 90)
    p.wire(route, 0, notes)
    p.wire(route, 1, notes)
    labels = ["last note: pitch velocity beats channel", "status", "error", "value", "pong"]
    for i, label in enumerate(labels):
        row = y + 130 + 52 * i
        p.comment(label, x + 150, row, 260.0)
        setter = p.obj("prepend set", x + 150, row + 22)
        show = p.msg("", x + 250, row + 22, 300.0)
        p.wire(route, 2 + i, setter)
        p.wire(setter, 0, show)
    err = p.obj("print segue", x + 560, y + 130 + 52 * 2 + 22)
    p.wire(route, 4, err)
    return route, notes, ""


def _release_on(p: Patcher, event: str, send: str, flush: str) -> str:
    """On ``event`` (closebang, freebang): /segue/panic to the daemon and all notes off through
    ``flush``; returns the trigger, whose left outlet is free for stopping the daemon."""
    bang = p.obj(event, 30, 560)
    trig = p.trigger("b b b", 30, 596)
    panic = p.msg("/segue/panic", 150, 630)
    p.wire(bang, 0, trig)
    p.wire(trig, 2, panic)
    p.wire(panic, 0, send)
    p.wire(trig, 1, flush)
    return trig


def _daemon(p: Patcher, x: float, y: float, close: str) -> str:
    """node.script running segue-daemon.js, with start/stop messages and stop on ``close``."""
    p.comment("daemon (needs `segue` on the PATH, or send: command /path/to/segue)", x, y, 420.0)
    start = p.msg(f"start {SERVER_PORT} {REPLY_PORT}", x, y + 24)
    stop = p.msg("stop", x + 120, y + 24)
    node = p.obj("node.script segue-daemon.js @autostart 1", x, y + 60, 260.0,
                 saved_object_attributes={"autostart": 1, "defer": 0, "watch": 0})
    log = p.obj("print segue-daemon", x, y + 96)
    p.wire(start, 0, node)
    p.wire(stop, 0, node)
    p.wire(node, 0, log)
    p.wire(close, 0, stop)
    return node


# ---------------------------------------------------------------- the patchers


def build_main() -> Patcher:
    """patchers/segue.maxpat: the full client; also usable as an object ([segue]) with 1 inlet, 2 outlets."""
    p = Patcher()
    p.comment("segue: play a phrase in, hear it continued. Server udp 9000, replies on udp 9001.", 30, 10,
              700.0, fontsize=16.0)
    send = p.obj(f"udpsend 127.0.0.1 {SERVER_PORT}", 30, 740, 170.0)
    inlet = p.ui("inlet", 30, 40, 30.0, 30.0, comment="OSC messages to the daemon (/segue/...)")
    p.wire(inlet, 0, send)

    # notes in: MIDI keyboard and on-screen keys
    p.comment("notes in (MIDI keyboard or click)", 30, 80, 240.0)
    notein = p.obj("notein", 30, 104)
    pack3 = p.pack(3, 30, 140)
    for i in range(3):
        p.wire(notein, i, pack3, i)
    keys = p.ui("kslider", 150, 104, 224.0, 53.0, mode=1)
    pack2 = p.pack(2, 150, 170)
    p.wire(keys, 0, pack2, 0)
    p.wire(keys, 1, pack2, 1)
    note = p.obj("prepend /segue/note", 30, 204, 130.0)
    p.wire(pack3, 0, note)
    p.wire(pack2, 0, note)
    p.wire(note, 0, send)

    # phrases and transport
    p.comment("phrase and transport", 30, 250, 240.0)
    for i, text in enumerate(SEND_MESSAGES):
        m = p.msg(text, 30, 274 + 30 * i, 430.0 if i == 0 else None)
        p.wire(m, 0, send)

    # parameters
    p.comment("parameters (ranges are the daemon's)", 480, 80, 300.0)
    for i, name in enumerate(PARAM_CONTROLS):
        col, row = i % 3, i // 3
        _param_ui(p, name, 480 + 230 * col, 104 + 90 * row, send, live=False)

    # replies and MIDI out
    route, notes, _ = _replies(p, 480, 480)
    flush = p.obj("flush", 480, 610)
    noteout = p.obj("noteout", 480, 650)
    p.wire(notes, 0, flush, 0)
    p.wire(notes, 1, flush, 1)
    p.wire(notes, 2, noteout, 2)
    p.wire(flush, 0, noteout, 0)
    p.wire(flush, 1, noteout, 1)
    out_notes = p.ui("outlet", 480, 690, 30.0, 30.0,
                     comment="continuation note-on/off: pitch velocity channel")
    out_other = p.ui("outlet", 560, 690, 30.0, 30.0,
                     comment="other replies: note, status, error, value, pong")
    p.wire(route, 0, out_notes)
    p.wire(route, 1, out_notes)
    p.wire(route, len(REPLIES), out_other)
    for i in range(2, len(REPLIES)):
        p.wire(route, i, out_other)

    # lifecycle: all notes off and stop the daemon when the patch closes
    trig = _release_on(p, "closebang", send, flush)
    p.comment("all notes off now", 280, 596, 150.0)
    allOff = p.ui("button", 250, 596, 22.0, 22.0)
    p.wire(allOff, 0, flush)
    _daemon(p, 30, 780, trig)
    return p


def build_m4l() -> Patcher:
    """patchers/segue.m4l.maxpat: the Max for Live MIDI effect (build the .amxd from it, see README)."""
    p = Patcher(rect=(60.0, 80.0, 1300.0, 900.0), devicewidth=560.0)
    send = p.obj(f"udpsend 127.0.0.1 {SERVER_PORT}", 30, 760, 170.0)

    # the track's MIDI (clip or live input) passes through and is the seed
    p.comment("track MIDI in: passes through and seeds segue", 30, 10, 320.0)
    midiin = p.obj("midiin", 30, 34)
    midiout = p.obj("midiout", 30, 230)
    p.wire(midiin, 0, midiout)
    parse = p.obj("midiparse", 100, 70, 120.0)
    p.wire(midiin, 0, parse)
    note = p.obj("prepend /segue/note", 100, 110, 130.0)
    p.wire(parse, 0, note)
    p.wire(note, 0, send)

    # Live's tempo
    p.comment("Live's tempo", 300, 10, 120.0)
    this = p.obj("live.thisdevice", 300, 34)
    trig = p.trigger("b b", 300, 66)
    path = p.msg("path live_set", 360, 98)
    prop = p.msg("property tempo", 300, 130)
    lpath = p.obj("live.path", 360, 130)
    obs = p.obj("live.observer", 300, 166)
    clip = p.obj("clip 20. 300.", 300, 200)
    tempo = p.obj("prepend /segue/set tempo", 300, 232, 170.0)
    p.wire(this, 0, trig)
    p.wire(trig, 1, path)
    p.wire(path, 0, lpath)
    p.wire(lpath, 0, obs, 1)
    p.wire(trig, 0, prop)
    p.wire(prop, 0, obs, 0)
    p.wire(obs, 0, clip)
    p.wire(clip, 0, tempo)
    p.wire(tempo, 0, send)

    # device view: transport buttons
    p.comment("segue", 30, 280, 80.0, fontsize=14.0)
    buttons = [("continue", "/segue/continue"), ("stop", "/segue/stop"), ("panic", "/segue/panic"),
               ("clear", "/segue/clear")]
    for i, (label, address) in enumerate(buttons):
        b = p.ui("live.text", 30, 310 + 34 * i, 60.0, 18.0, text=label, mode=0, varname=f"segue_{label}",
                 saved_attribute_attributes={"valueof": {"parameter_longname": f"segue {label}",
                                                         "parameter_shortname": label,
                                                         "parameter_type": 2,
                                                         "parameter_enum": ["off", "on"],
                                                         "parameter_mmax": 1}})
        m = p.msg(address, 110, 310 + 34 * i)
        p.wire(b, 0, m)
        p.wire(m, 0, send)
        p.present(b, 8 + 64 * i, 150)
    clipbtn = p.ui("live.text", 30, 450, 80.0, 18.0, text="send clip", mode=0, varname="segue_send_clip",
                   saved_attribute_attributes={"valueof": {"parameter_longname": "segue send clip",
                                                           "parameter_shortname": "clip",
                                                           "parameter_type": 2,
                                                           "parameter_enum": ["off", "on"],
                                                           "parameter_mmax": 1}})
    js = p.obj("js segue-clip.js", 30, 480, 110.0)
    p.wire(clipbtn, 0, js)
    p.wire(js, 0, send)
    p.present(clipbtn, 264, 150, 80.0, 18.0)
    p.comment("send clip: the selected clip's notes as one phrase (Live 11+)", 150, 450, 360.0)

    # parameters
    live_params = ["sampler", "temperature", "top_k", "top_p", "blend", "length_beats", "mode"]
    for i, name in enumerate(live_params):
        ctl = _param_ui(p, name, 520 + 150 * (i % 4), 20 + 100 * (i // 4), send, live=True)
        p.present(ctl, 8 + 78 * i, 30)
    style = _param_ui(p, "style", 520, 230, send, live=False)
    p.present(style, 8, 110, 150.0, 22.0)

    # continuation out to the track, with a local all-notes-off
    route, notes, _ = _replies(p, 520, 330)
    flush = p.obj("flush", 520, 460)
    pack2 = p.pack(2, 520, 496)
    fmt = p.obj("midiformat", 520, 530, 120.0)
    out = p.obj("midiout", 520, 566)
    p.wire(notes, 0, flush, 0)
    p.wire(notes, 1, flush, 1)
    p.wire(notes, 2, fmt, 6)  # channel
    p.wire(flush, 0, pack2, 0)
    p.wire(flush, 1, pack2, 1)
    p.wire(pack2, 0, fmt, 0)
    p.wire(fmt, 0, out)

    # on removal: all notes off, panic, stop the daemon this device started
    tb = _release_on(p, "freebang", send, flush)
    _daemon(p, 30, 800, tb)
    return p


def build_help() -> Patcher:
    """help/segue.maxhelp: [segue] as an object, fed with messages, its outlets shown."""
    p = Patcher(rect=(80.0, 100.0, 900.0, 620.0))
    p.comment("segue: a real-time continuation engine. Play a phrase, hear it continued.", 20, 10, 700.0,
              fontsize=18.0)
    steps = [
        "1. The daemon starts with this patch (node.script runs "
        "`segue serve --port 9000 --reply-port 9001`).",
        "   Without Node for Max: run that command in a terminal first.",
        "2. Send a phrase (click the first message), or play notes into [segue]'s MIDI input.",
        "3. The continuation plays through [noteout] inside [segue] and comes out of the left outlet.",
        "Parameters: /segue/set NAME VALUE; the full list: run `segue params` in a terminal.",
        "Open [segue] (double-click) for the full control panel.",
    ]
    for i, line in enumerate(steps):
        p.comment(line, 20, 44 + 22 * i, 760.0)
    messages = [
        "/segue/phrase 60 100 0. 1. 64 100 1. 1. 67 100 2. 1. 72 100 3. 1.",
        "/segue/set temperature 0.8",
        "/segue/set top_k 40",
        "/segue/set top_p 0.95",
        "/segue/set sampler decoder",
        "/segue/set tempo 96.",
        "/segue/set length_beats 16.",
        "/segue/set mode continuous",
        "/segue/set mode call_response",
        "/segue/continue",
        "/segue/panic",
    ]
    seg = p.obj("segue", 20, 480, 120.0, io=(1, 2, ["", ""]))
    for i, text in enumerate(messages):
        m = p.msg(text, 20 + 380 * (i // 6), 190 + 40 * (i % 6), 360.0 if i == 0 else None)
        p.wire(m, 0, seg)
    setter = p.obj("prepend set", 20, 520)
    show = p.msg("", 20, 556, 200.0)
    setter2 = p.obj("prepend set", 300, 520)
    show2 = p.msg("", 300, 556, 400.0)
    p.wire(seg, 0, setter)
    p.wire(setter, 0, show)
    p.wire(seg, 1, setter2)
    p.wire(setter2, 0, show2)
    p.comment("note-on/off: pitch velocity channel", 20, 590, 260.0)
    p.comment("status, error, value ...", 300, 590, 260.0)
    return p


def write_all(root: Path = HERE) -> list[Path]:
    """Write the three patchers under ``root``; returns their paths."""
    outputs = {
        root / "patchers" / "segue.maxpat": build_main().to_json("segue client: OSC to the segue daemon"),
        root / "patchers" / "segue.m4l.maxpat": build_m4l().to_json("segue Max for Live MIDI effect"),
        root / "help" / "segue.maxhelp": build_help().to_json("segue help"),
    }
    for path, data in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return list(outputs)


if __name__ == "__main__":
    for written in write_all():
        print(written)
