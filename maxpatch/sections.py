"""Sections the segue patchers share: parameter controls, the reply display, and the network core (the
daemon's node.script with start / stop / restart, OSC both ways, the ping that tells when it is up)."""

from __future__ import annotations

from dataclasses import dataclass

from patcher_json import Patcher

from bridge.params import PARAMS, Param

PING_MS = 250  # how often a starting daemon is pinged until it answers
PARAMS_BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}


def initial_message(param: Param) -> str | None:
    """The ``set`` message that shows ``param``'s default in a plain Max control (None: nothing to show)."""
    if param.choices is not None:
        return f"set {list(param.choices).index(str(param.default))}"
    if param.type is float:
        return f"set {float(param.default)!r}"
    if param.type is int:
        return f"set {int(param.default)}"
    return f"set {param.default}" if param.default else None


def param_ui(p: Patcher, name: str, x: float, y: float, send: str, live: bool) -> tuple[str, str]:
    """A labelled control for parameter ``name`` wired through [prepend /segue/set name] to ``send``;
    returns (control, label). A plain Max control shows the daemon's default from load on, so that
    re-sending it (when the daemon starts) never sends a value nobody chose."""
    param = PARAMS_BY_NAME[name]
    label = p.comment(name, x, y, 110.0)
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
    shown = None if live else initial_message(param)
    if shown is not None:
        show = p.obj(f"loadmess {shown}", x + 120, y, 100.0)
        p.wire(show, 0, ctl)
    return ctl, label


SHOWN_REPLIES = ["/segue/note", "/segue/status", "/segue/error", "/segue/value", "/segue/pong"]
NET_ROUTE = ["/segue/noteon", "/segue/noteoff", "/segue/pong"]


def replies(p: Patcher, src: str, outlet: int, x: float, y: float) -> str:
    """Shows the replies coming out of ``src`` (whole OSC messages, address first); returns the route."""
    route = p.route(SHOWN_REPLIES, x, y, 420.0)
    p.wire(src, outlet, route)
    labels = ["last note: pitch velocity beats channel", "status", "error", "value", "pong"]
    for i, label in enumerate(labels):
        row = y + 40 + 52 * i
        p.comment(label, x, row, 260.0)
        setter = p.obj("prepend set", x, row + 22)
        show = p.msg("", x + 100, row + 22, 300.0)
        p.wire(route, i, setter)
        p.wire(setter, 0, show)
    err = p.obj("print segue", x + 410, y + 40 + 52 * 2 + 22)
    p.wire(route, 2, err)
    return route


@dataclass(frozen=True)
class Net:
    """The boxes of the network core (see ``net_core``) that the patch around it wires to."""

    send: str  # [udpsend]: /segue/... messages to the daemon
    recv: str  # [udpreceive]: every reply, address first
    notes: str  # [route /segue/noteon /segue/noteoff /segue/pong]: outlets 0 and 1 are the notes
    node: str  # [node.script segue-daemon.js]
    start: str  # [start port reply_port(
    stop: str  # [stop(
    restart: str  # [t b b]: stop, then start
    running: str  # [1(: sent when node.script reports the daemon running
    stopped: str  # [0(: sent when it reports the daemon exited (or not started)
    ready: str  # [t b b]: left outlet bangs on the daemon's first pong after a (re)start


def net_core(p: Patcher, x: float, y: float, port: str, reply: str) -> Net:
    """The daemon's lifecycle and the OSC both ways: node.script with start / stop / restart, UDP to ``port``
    and from ``reply`` (numbers, or #1 #2 in an abstraction), and the ping loop: while the daemon is
    starting, /segue/ping every PING_MS until the first /segue/pong, which fires ``ready`` once."""
    p.comment("daemon (needs `segue` on the PATH, or send: command /path/to/segue)", x, y, 420.0)
    start = p.msg(f"start {port} {reply}", x, y + 24)
    stop = p.msg("stop", x + 120, y + 24)
    restart = p.trigger("b b", x + 180, y - 10)
    p.wire(restart, 1, stop)  # right to left: stop first, then start (the script waits for the exit)
    p.wire(restart, 0, start)
    node = p.obj("node.script segue-daemon.js @autostart 1", x, y + 60, 260.0,
                 saved_object_attributes={"autostart": 1, "defer": 0, "watch": 0})
    p.wire(start, 0, node)
    p.wire(stop, 0, node)
    log = p.obj("print segue-daemon", x + 280, y + 60)
    p.wire(node, 0, log)
    # what node.script reports; "loaded" (Node itself up) catches a load-time start Node was not yet up for
    reports = p.route(["running", "exited", "error", "loaded"], x, y + 96, 260.0)
    p.wire(node, 0, reports)
    p.wire(reports, 3, start)
    on_t = p.trigger("b", x, y + 130)
    off_t = p.trigger("b", x + 90, y + 130)
    p.wire(reports, 0, on_t)
    p.wire(reports, 1, off_t)
    p.wire(reports, 2, off_t)
    running = p.msg("1", x, y + 162)
    stopped = p.msg("0", x + 90, y + 162)
    p.wire(on_t, 0, running)
    p.wire(off_t, 0, stopped)

    send = p.obj(f"udpsend 127.0.0.1 {port}", x, y + 330, 170.0)
    recv = p.obj(f"udpreceive {reply}", x + 300, y + 130)
    notes = p.route(NET_ROUTE, x + 300, y + 166, 320.0)
    p.wire(recv, 0, notes)

    p.comment("ping until the daemon answers, once per start", x, y + 196, 300.0)
    metro = p.obj(f"metro {PING_MS}", x, y + 220)
    gate = p.gate(x + 180, y + 220)
    for flag in (running, stopped):
        p.wire(flag, 0, metro)
        p.wire(flag, 0, gate)
    ping = p.msg("/segue/ping", x, y + 256)
    p.wire(metro, 0, ping)
    p.wire(ping, 0, send)
    p.wire(notes, 2, gate, 1)
    ready = p.trigger("b b", x + 180, y + 256)
    p.wire(gate, 0, ready)
    answered = p.msg("0", x + 270, y + 256)
    p.wire(ready, 1, answered)  # close the gate and stop pinging before anything reacts to the answer
    p.wire(answered, 0, metro)
    p.wire(answered, 0, gate)
    return Net(send, recv, notes, node, start, stop, restart, running, stopped, ready)


def status_light(p: Patcher, net_on: str, net_off: str, x: float, y: float) -> str:
    """The status light: a toggle lit while the daemon runs."""
    light = p.ui("toggle", x, y, 18.0, 18.0, ignoreclick=1)
    p.wire(net_on, 0, light)
    p.wire(net_off, 0, light)
    return light


def resend(p: Patcher, source: str, outlet: int, targets: list[str], x: float, y: float) -> None:
    """Bang every box in ``targets`` (each re-sends its value) when ``source`` fires."""
    trig = p.trigger(" ".join(["b"] * len(targets)), x, y)
    p.wire(source, outlet, trig)
    for i, target in enumerate(targets):
        p.wire(trig, i, target)


def release_on(p: Patcher, event: str, send: str, flush: str) -> str:
    """On ``event`` (freebang): /segue/panic to the daemon and all notes off through ``flush``; returns
    the trigger, whose left outlet is free for stopping the daemon."""
    bang = p.obj(event, 30, 560)
    trig = p.trigger("b b b", 30, 596)
    panic = p.msg("/segue/panic", 150, 630)
    p.wire(bang, 0, trig)
    p.wire(trig, 2, panic)
    p.wire(panic, 0, send)
    p.wire(trig, 1, flush)
    return trig


def live_button(p: Patcher, label: str, short: str, x: float, y: float, w: float = 60.0) -> str:
    """A momentary live.text button (a Live parameter, so it can be mapped)."""
    return p.ui("live.text", x, y, w, 18.0, text=label, mode=0, varname=f"segue_{label.replace(' ', '_')}",
                saved_attribute_attributes={"valueof": {"parameter_longname": f"segue {label}",
                                                        "parameter_shortname": short,
                                                        "parameter_type": 2,
                                                        "parameter_enum": ["off", "on"],
                                                        "parameter_mmax": 1}})
