"""Writes the segue Max package: the network abstraction (patchers/segue.net.maxpat), the demo patch around
it (patchers/segue.maxpat), its help patch (help/segue.net.maxhelp), and the Max for Live MIDI effect, both
as a patcher (patchers/segue.m4l.maxpat) and as the device Live loads (patchers/segue.amxd).

The patchers are generated so that their wiring, inlet/outlet counts and parameter ranges stay consistent;
edit this file and run ``python maxpatch/build_patchers.py`` rather than editing the JSON by hand (Max
itself opens, edits and re-saves the output like any patcher). Parameter ranges and menu items come from
the daemon's registry (``bridge.params``), so the UI cannot offer a value the daemon would reject.
``tests/test_maxpatch.py`` checks the written files against the registry and the OSC routing table.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from amxd import MIDI_EFFECT, device_bytes, patcher_text  # noqa: E402
from patcher_json import Patcher  # noqa: E402
from sections import live_button, net_core, param_ui, release_on, replies, resend, status_light  # noqa: E402

SERVER_PORT = 9000
REPLY_PORT = 9001

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


# ---------------------------------------------------------------- the patchers


def build_net() -> Patcher:
    """patchers/segue.net.maxpat, the abstraction [segue.net PORT REPLY_PORT]: the daemon and the network,
    no MIDI. Inlet: /segue/... messages to the daemon, and "daemon start|stop|restart|command ...|options
    ..." for the daemon itself. Left outlet: continuation note-on/off (pitch velocity channel). Right
    outlet: every reply as it came (address first), plus "daemon running PID", "daemon exited CODE",
    "daemon error TEXT" and "daemon ready" (the daemon answered its first ping after a start)."""
    p = Patcher(rect=(80.0, 100.0, 900.0, 640.0))
    p.comment("segue.net: the segue daemon on udp #1, replies on udp #2 (arguments: port, reply port)", 30, 4,
              640.0, fontsize=14.0)
    inlet = p.ui("inlet", 30, 36, 30.0, 30.0, comment="/segue/... messages; daemon start|stop|restart")
    net = net_core(p, 30, 190, "#1", "#2")
    to_daemon = p.route(["daemon"], 30, 76, 120.0)
    p.wire(inlet, 0, to_daemon)
    p.wire(to_daemon, 1, net.send)
    verbs = p.route(["restart", "start", "stop"], 30, 110, 220.0)
    p.wire(to_daemon, 0, verbs)
    p.wire(verbs, 0, net.restart)
    p.wire(verbs, 1, net.start)
    p.wire(verbs, 2, net.stop)
    p.wire(verbs, 3, net.node)  # command ..., options ...

    # the daemon starts when the patch opens: after loading has finished, at low priority
    load = p.obj("loadbang", 330, 36)
    later = p.obj("deferlow", 330, 70)
    p.wire(load, 0, later)
    p.wire(later, 0, net.start)
    # and stops when the patch closes or this object is deleted, after /segue/panic
    gone = p.obj("freebang", 460, 36)
    last = p.trigger("b b", 460, 70)
    panic = p.msg("/segue/panic", 540, 104)
    p.wire(gone, 0, last)
    p.wire(last, 1, panic)
    p.wire(panic, 0, net.send)
    p.wire(last, 0, net.stop)

    notes_out = p.ui("outlet", 330, 600, 30.0, 30.0,
                     comment="continuation note-on/off: pitch velocity channel")
    replies_out = p.ui("outlet", 700, 600, 30.0, 30.0,
                       comment="every reply (address first); daemon running|exited|error|ready")
    p.wire(net.notes, 0, notes_out)
    p.wire(net.notes, 1, notes_out)
    p.wire(net.recv, 0, replies_out)
    status = p.obj("prepend daemon", 520, 286, 110.0)
    p.wire(net.node, 0, status)
    p.wire(status, 0, replies_out)
    ready = p.msg("daemon ready", 520, 480)
    p.wire(net.ready, 0, ready)
    p.wire(ready, 0, replies_out)
    return p


def build_main() -> Patcher:
    """patchers/segue.maxpat: the demo around [segue.net 9000 9001]: MIDI and on-screen keys in, every
    parameter, the replies shown, the continuation out through [noteout]; a status light and a restart
    button, all in presentation too."""
    p = Patcher()
    p.comment("segue: play a phrase in, hear it continued. Server udp 9000, replies on udp 9001.", 30, 10,
              700.0, fontsize=16.0)
    net = p.obj(f"segue.net {SERVER_PORT} {REPLY_PORT}", 30, 740, 170.0, io=(1, 2, ["", ""]))

    # notes in: MIDI keyboard and on-screen keys
    p.comment("notes in (MIDI keyboard or click)", 30, 80, 240.0)
    notein = p.obj("notein", 30, 104)
    pack3 = p.pack(3, 30, 140)
    for i in range(3):
        p.wire(notein, i, pack3, i)
    keys = p.ui("kslider", 150, 104, 224.0, 53.0, mode=1)
    p.present(keys, 10, 40)
    pack2 = p.pack(2, 150, 170)
    p.wire(keys, 0, pack2, 0)
    p.wire(keys, 1, pack2, 1)
    note = p.obj("prepend /segue/note", 30, 204, 130.0)
    p.wire(pack3, 0, note)
    p.wire(pack2, 0, note)
    p.wire(note, 0, net)

    # phrases and transport
    p.comment("phrase and transport", 30, 250, 240.0)
    for i, text in enumerate(SEND_MESSAGES):
        m = p.msg(text, 30, 274 + 30 * i, 430.0 if i == 0 else None)
        p.wire(m, 0, net)
        if text in ("/segue/continue", "/segue/stop", "/segue/panic", "/segue/clear"):
            p.present(m, 250 + 110 * (i % 2), 40 + 28 * ((i - 1) // 2), 104.0)

    # parameters
    p.comment("parameters (ranges are the daemon's)", 480, 80, 300.0)
    controls = []
    for i, name in enumerate(PARAM_CONTROLS):
        col, row = i % 3, i // 3
        ctl, label = param_ui(p, name, 480 + 230 * col, 104 + 90 * row, net, live=False)
        p.present(label, 10 + 150 * col, 110 + 50 * row)
        p.present(ctl, 10 + 150 * col, 130 + 50 * row)
        controls.append(ctl)

    # the daemon: status light, restart, and every dial re-sent when it answers after a (re)start
    p.comment("daemon", 480, 450, 60.0)
    daemon = p.route(["daemon"], 480, 474, 120.0)
    p.wire(net, 1, daemon)
    events = p.route(["running", "exited", "error", "ready"], 480, 508, 260.0)
    p.wire(daemon, 0, events)
    on_t, off_t = p.trigger("b", 480, 542), p.trigger("b", 560, 542)
    p.wire(events, 0, on_t)
    p.wire(events, 1, off_t)
    p.wire(events, 2, off_t)
    on, off = p.msg("1", 480, 574), p.msg("0", 560, 574)
    p.wire(on_t, 0, on)
    p.wire(off_t, 0, off)
    light = status_light(p, on, off, 640, 574)
    p.present(light, 460, 10)
    status_label = p.comment("daemon running", 664, 574, 110.0)
    p.present(status_label, 480, 9)
    restart = p.msg("daemon restart", 780, 450)
    p.wire(restart, 0, net)
    p.present(restart, 370, 10, 84.0)
    for i, text in enumerate(("daemon start", "daemon stop")):
        p.wire(p.msg(text, 900 + 100 * i, 450), 0, net)
    resend(p, events, 3, controls, 780, 508)

    # replies shown, notes out
    replies(p, daemon, 1, 30, 880)
    notes = p.unpack(3, 480, 640)
    p.wire(net, 0, notes)
    flush = p.obj("flush", 480, 680)
    noteout = p.obj("noteout", 480, 720)
    p.wire(notes, 0, flush, 0)
    p.wire(notes, 1, flush, 1)
    p.wire(notes, 2, noteout, 2)
    p.wire(flush, 0, noteout, 0)
    p.wire(flush, 1, noteout, 1)

    # all notes off when the patch closes ([segue.net] itself sends /segue/panic and stops the daemon)
    closing = p.obj("closebang", 250, 640)
    p.wire(closing, 0, flush)
    p.comment("all notes off now", 280, 680, 150.0)
    all_off = p.ui("button", 250, 680, 22.0, 22.0)
    p.wire(all_off, 0, flush)
    return p




def build_m4l() -> Patcher:
    """patchers/segue.m4l.maxpat, also written as patchers/segue.amxd: the Max for Live MIDI effect."""
    p = Patcher(rect=(60.0, 80.0, 1300.0, 1100.0), devicewidth=560.0)
    net = net_core(p, 30, 800, str(SERVER_PORT), str(REPLY_PORT))
    send = net.send

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

    # device loaded: start the daemon and follow Live's tempo (live.observer reports every change)
    p.comment("device loaded: start the daemon; Live's tempo", 300, 10, 300.0)
    this = p.obj("live.thisdevice", 300, 34)
    trig = p.trigger("b b b", 300, 66)
    path = p.msg("path live_set", 360, 98)
    prop = p.msg("property tempo", 300, 130)
    lpath = p.obj("live.path", 360, 130)
    obs = p.obj("live.observer", 300, 166)
    clip = p.obj("clip 20. 300.", 300, 200)
    tempo = p.obj("prepend /segue/set tempo", 300, 232, 170.0)
    p.wire(this, 0, trig)
    p.wire(trig, 2, net.start)
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
        b = live_button(p, label, label, 30, 310 + 34 * i)
        m = p.msg(address, 110, 310 + 34 * i)
        p.wire(b, 0, m)
        p.wire(m, 0, send)
        p.present(b, 8 + 64 * i, 150)
    clipbtn = live_button(p, "send clip", "clip", 30, 450, 80.0)
    js = p.obj("js segue-clip.js", 30, 480, 110.0)
    p.wire(clipbtn, 0, js)
    p.wire(js, 0, send)
    p.present(clipbtn, 264, 150, 80.0, 18.0)
    p.comment("send clip: the selected clip's notes as one phrase (Live 11+)", 150, 450, 360.0)

    # daemon: status light and restart
    light = status_light(p, net.running, net.stopped, 380, 520)
    p.present(light, 356, 150)
    running = p.comment("daemon", 402, 520, 60.0)
    p.present(running, 376, 149, 50.0, 20.0)
    restart = live_button(p, "restart", "restart", 380, 550)
    p.wire(restart, 0, net.restart)
    p.present(restart, 428, 150, 60.0, 18.0)

    # parameters
    live_params = ["sampler", "temperature", "top_k", "top_p", "blend", "length_beats", "mode"]
    controls = []
    left = 8.0
    for i, name in enumerate(live_params):
        ctl, _ = param_ui(p, name, 520 + 150 * (i % 4), 20 + 100 * (i // 4), send, live=True)
        p.present(ctl, left, 30)
        left += p.width(ctl) + 8.0
        controls.append(ctl)
    style, _ = param_ui(p, "style", 520, 230, send, live=False)
    p.present(style, 8, 110, 150.0, 22.0)
    controls.append(style)
    # the daemon answered after a (re)start: every dial and Live's tempo again
    resend(p, net.ready, 0, [*controls, obs], 520, 300)

    # replies shown; the continuation out to the track, with a local all-notes-off
    replies(p, net.recv, 0, 820, 330)
    notes = p.unpack(3, 520, 420)
    p.wire(net.notes, 0, notes)
    p.wire(net.notes, 1, notes)
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
    tb = release_on(p, "freebang", send, flush)
    p.wire(tb, 0, net.stop)
    return p




def build_help() -> Patcher:
    """help/segue.net.maxhelp: [segue.net 9000 9001] fed with messages, its outlets shown."""
    p = Patcher(rect=(80.0, 100.0, 900.0, 660.0))
    p.comment("segue.net: a real-time continuation engine. Play a phrase, hear it continued.", 20, 10, 700.0,
              fontsize=18.0)
    steps = [
        "1. The daemon starts with this patch: [segue.net 9000 9001] runs "
        "`segue serve --port 9000 --reply-port 9001` (arguments: port, reply port).",
        "   Without Node for Max: run that command in a terminal first.",
        "2. Send a phrase (click the first message). [segue.net] has no MIDI in or out: wire [notein] and "
        "a synth around it (see segue.maxpat).",
        "3. The continuation comes out of the left outlet as note-on/off; every reply out of the right one.",
        "Parameters: /segue/set NAME VALUE; the full list: run `segue params` in a terminal.",
        "Two instances need their own ports: [segue.net 9002 9003] next to [segue.net 9000 9001].",
    ]
    for i, line in enumerate(steps):
        p.comment(line, 20, 44 + 22 * i, 860.0)
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
        "daemon restart",
    ]
    seg = p.obj(f"segue.net {SERVER_PORT} {REPLY_PORT}", 20, 480, 150.0, io=(1, 2, ["", ""]))
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
    p.comment("replies (/segue/status ...), daemon running / exited / ready", 300, 590, 400.0)
    return p


def outputs() -> dict[Path, bytes]:
    """Every generated file, relative to the package folder, with its bytes."""
    m4l = build_m4l().to_json("segue Max for Live MIDI effect")
    texts = {
        Path("patchers") / "segue.net.maxpat": build_net().to_json("segue.net: the segue daemon over OSC"),
        Path("patchers") / "segue.maxpat": build_main().to_json("segue demo: MIDI and keys around segue.net"),
        Path("patchers") / "segue.m4l.maxpat": m4l,
        Path("help") / "segue.net.maxhelp": build_help().to_json("segue.net help"),
    }
    files = {path: patcher_text(data).encode("utf-8") for path, data in texts.items()}
    files[Path("patchers") / "segue.amxd"] = device_bytes(m4l, MIDI_EFFECT)
    return files


def write_all(root: Path = HERE) -> list[Path]:
    """Write every generated file under ``root``; returns their paths."""
    written = []
    for rel, data in outputs().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all():
        print(path)
