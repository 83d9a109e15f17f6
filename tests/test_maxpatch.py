"""The Max package: every patcher parses, uses known objects wired in range, and speaks only the OSC
addresses and parameter values the daemon defines; the .amxd device reads back as the generated patcher;
the node.script helper really starts and stops the daemon (run by node against a stand-in for Max's
``max-api`` module), driven by the messages the patchers send at load, restart and first pong."""

from __future__ import annotations

import json
import re
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import free_udp_port, wait_for
from max_harness import (
    MAX_DIR,
    NodeScript,
    alive,
    atoms,
    load,
    ping,
    run_node_script,
)

from bridge.config import ServeConfig
from bridge.daemon import OUT_MESSAGES, RequestError, find_route
from bridge.params import PARAMS, ParamError, ParamStore

PATCHERS = sorted([*MAX_DIR.rglob("*.maxpat"), *MAX_DIR.rglob("*.maxhelp")])
PARAM = {p.name: p for p in PARAMS}
OUT_ADDRESSES = {address for address, _, _ in OUT_MESSAGES}
ABSTRACTIONS = {p.stem: p for p in (MAX_DIR / "patchers").glob("*.maxpat")}

@pytest.fixture
def node_script(tmp_path: Path) -> Iterator[NodeScript]:
    yield from run_node_script(tmp_path)


# ---------------------------------------------------------------- helpers


def load_known_objects() -> dict[str, tuple[str, str]]:
    known: dict[str, tuple[str, str]] = {}
    for line in (Path(__file__).parent / "maxobjects.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, inlets, outlets = line.split()
            known[name] = (inlets, outlets)
    return known


KNOWN = load_known_objects()


def count_io(patcher: dict[str, Any]) -> tuple[int, int]:
    boxes = [b["box"] for b in patcher["boxes"]]
    return (sum(b["maxclass"] == "inlet" for b in boxes), sum(b["maxclass"] == "outlet" for b in boxes))


def expected_io(box: dict[str, Any]) -> tuple[set[int] | None, set[int] | None]:
    """Allowed inlet and outlet counts for a box (None: not checked)."""
    if box["maxclass"] != "newobj":
        spec = KNOWN[box["maxclass"]]
        name, args = box["maxclass"], []
    else:
        name, *args = box["text"].split()
        args = [a for a in args if not a.startswith("@")]
        if name in ABSTRACTIONS:
            ins, outs = count_io(json.loads(ABSTRACTIONS[name].read_text())["patcher"])
            return {ins}, {outs}
        spec = KNOWN[name]
    n = len(args)
    rules: dict[str, tuple[Any, Any]] = {
        "route": (None, n + 1), "routepass": (None, n + 1), "select": ({2} if n == 1 else {1}, n + 1),
        "sel": ({2} if n == 1 else {1}, n + 1), "pack": (max(n, 2), None), "pak": (max(n, 2), None),
        "unpack": (None, max(n, 2)), "trigger": (None, max(n, 1)), "t": (None, max(n, 1)),
    }
    if name == "gate":
        rules["gate"] = (None, int(args[0]) if args else 1)

    def parse(field: str, rule: int | set[int] | None) -> set[int] | None:
        if field == "?":
            return None
        if field == "*":
            assert rule is not None, f"no rule for variable {name}"
            return rule if isinstance(rule, set) else {rule}
        return {int(x) for x in field.split("|")}

    rule_in, rule_out = rules.get(name, (None, None))
    return parse(spec[0], rule_in), parse(spec[1], rule_out)


def walk(patcher: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """This patcher and every subpatcher in it."""
    yield patcher
    for b in patcher["boxes"]:
        if "patcher" in b["box"]:
            yield from walk(b["box"]["patcher"])


def check_inbound(address: str, args: list[Any], where: str) -> None:
    """``address args`` must be a message the daemon accepts, with valid values."""
    route = find_route(address)
    assert route is not None, f"{where}: {address} is not in the daemon's routing table"
    if any(isinstance(a, str) and "$" in a for a in args):
        return
    try:
        values = route.parse(args)
    except RequestError as exc:
        raise AssertionError(f"{where}: {address} {args}: {exc}") from None
    store = ParamStore()
    try:
        if address == "/segue/set":
            store.set(values[0], values[1])
        elif address.startswith("/segue/param/"):
            store.set(address.rsplit("/", 1)[1], values[0])
    except ParamError as exc:
        raise AssertionError(f"{where}: {address} {args}: {exc}") from None


# ---------------------------------------------------------------- structure


def test_package_layout() -> None:
    info = json.loads((MAX_DIR / "package-info.json").read_text())
    assert info["name"] == "segue"
    for rel in ("patchers/segue.net.maxpat", "patchers/segue.maxpat", "patchers/segue.m4l.maxpat",
                "patchers/segue.amxd", "help/segue.net.maxhelp", "javascript/segue-daemon.js",
                "javascript/segue-clip.js", "README.md"):
        assert (MAX_DIR / rel).is_file(), rel
    assert len(PATCHERS) >= 4
    assert info["homepatcher"] in {p.name for p in PATCHERS}
    # the architectures Max ships for: Intel and Apple silicon Macs, 64-bit Windows
    platforms = {os_name: set(spec["platform"]) for os_name, spec in info["os"].items()}
    assert platforms == {"macintosh": {"x64", "aarch64"}, "windows": {"x64"}}


@pytest.mark.parametrize("path", PATCHERS, ids=lambda p: p.name)
def test_patcher_objects_and_lines(path: Path) -> None:
    top = load(path)
    for patcher in walk(top):
        boxes = {}
        for entry in patcher["boxes"]:
            box = entry["box"]
            assert box["id"] not in boxes, f"duplicate id {box['id']}"
            boxes[box["id"]] = box
            if box["maxclass"] == "newobj":
                name = box["text"].split()[0]
                assert name in KNOWN or name in ABSTRACTIONS, f"{path.name}: unknown Max object [{name}]"
            else:
                assert box["maxclass"] in KNOWN, f"{path.name}: unknown maxclass {box['maxclass']}"
            ins, outs = expected_io(box)
            label = box.get("text", box["maxclass"])
            if ins is not None:
                assert box["numinlets"] in ins, f"{path.name}: [{label}] has {ins} inlets"
            if outs is not None:
                assert box["numoutlets"] in outs, f"{path.name}: [{label}] has {outs} outlets"
            assert len(box.get("outlettype", [])) in (0, box["numoutlets"]), label
        for entry in patcher["lines"]:
            line = entry["patchline"]
            (src, outlet), (dst, inlet) = line["source"], line["destination"]
            assert src in boxes and dst in boxes, f"{path.name}: line {line} between missing boxes"
            assert 0 <= outlet < boxes[src]["numoutlets"], f"{path.name}: no outlet {outlet} on {src}"
            assert 0 <= inlet < boxes[dst]["numinlets"], f"{path.name}: inlet {inlet} of {dst} out of range"


@pytest.mark.parametrize("path", PATCHERS, ids=lambda p: p.name)
def test_osc_addresses_and_values_are_the_daemons(path: Path) -> None:
    used: set[str] = set()
    for patcher in walk(load(path)):
        boxes = {b["box"]["id"]: b["box"] for b in patcher["boxes"]}
        sources: dict[str, list[str]] = {}
        for entry in patcher["lines"]:
            line = entry["patchline"]
            sources.setdefault(line["destination"][0], []).append(line["source"][0])
        for box in boxes.values():
            text = box.get("text", "")
            if box["maxclass"] == "message":
                for message in text.split(","):
                    words = atoms(message)
                    if words and isinstance(words[0], str) and words[0].startswith("/"):
                        check_inbound(words[0], words[1:], f"{path.name} [{message.strip()}(")
                        used.add(words[0])
            elif box["maxclass"] == "newobj" and text.startswith("prepend /"):
                words = atoms(text)[1:]
                address = words[0]
                route = find_route(address)
                assert route is not None, f"{path.name}: [{text}] sends an unknown address"
                used.add(address)
                if address == "/segue/set":
                    assert len(words) == 2 and words[1] in PARAM, f"{path.name}: [{text}] names no parameter"
                    for src in sources.get(box["id"], []):
                        check_control(boxes, sources, src, PARAM[words[1]].name, path.name)
            elif box["maxclass"] == "newobj" and text.startswith("route /"):
                for address in text.split()[1:]:
                    assert address in OUT_ADDRESSES, f"{path.name}: the daemon never sends {address}"
    if path.name == "segue.maxpat":
        assert {"/segue/note", "/segue/phrase", "/segue/continue", "/segue/stop", "/segue/panic",
                "/segue/set"} <= used


def check_control(boxes: dict[str, Any], sources: dict[str, list[str]], src: str, name: str,
                  where: str) -> None:
    """The UI object (or [clip]/[tosymbol]) feeding [prepend /segue/set name] stays inside the range."""
    param = PARAM[name]
    box = boxes[src]
    kind = box["maxclass"] if box["maxclass"] != "newobj" else box["text"].split()[0]
    if kind in ("number", "flonum"):
        assert kind == ("number" if param.type is int else "flonum"), f"{where}: {name} needs a {param.type}"
        assert param.min <= box["minimum"] <= box["maximum"] <= param.max, f"{where}: {name} range"
    elif kind in ("live.dial", "live.numbox"):
        v = box["saved_attribute_attributes"]["valueof"]
        assert param.min <= v["parameter_mmin"] <= v["parameter_mmax"] <= param.max, f"{where}: {name} range"
        assert param.min <= v["parameter_initial"][0] <= param.max
        assert v["parameter_type"] == (0 if param.type is float else 1), f"{where}: {name} type"
    elif kind == "umenu":
        items = [i for i in box["items"] if i != ","]
        assert items and set(items) <= set(param.choices or ()), f"{where}: {name} menu {items}"
    elif kind == "live.menu":
        items = box["saved_attribute_attributes"]["valueof"]["parameter_enum"]
        assert items and set(items) <= set(param.choices or ()), f"{where}: {name} menu {items}"
    elif kind == "clip":
        lo, hi = atoms(box["text"])[1:3]
        assert param.min <= lo <= hi <= param.max, f"{where}: [{box['text']}] exceeds {name}'s range"
    elif kind == "tosymbol":
        assert param.type is str and param.choices is None, f"{where}: free text for {name}"
    else:
        raise AssertionError(f"{where}: [prepend /segue/set {name}] fed by an unchecked {kind}")


def texts_of(patcher: dict[str, Any]) -> list[str]:
    return [b["box"].get("text", "") for b in patcher["boxes"]]


def test_main_patch_controls_every_performance_parameter() -> None:
    patcher = load(MAX_DIR / "patchers" / "segue.maxpat")
    texts = texts_of(patcher)
    controlled = {t.split()[2] for t in texts if t.startswith("prepend /segue/set ")}
    assert {"sampler", "temperature", "top_k", "top_p", "blend", "tempo", "length_beats", "length_notes",
            "mode", "style"} <= controlled
    serve = ServeConfig()
    # the demo is MIDI around the network abstraction, on the daemon's default ports
    assert texts.count(f"segue.net {serve.port} {serve.reply_port}") == 1
    assert "notein" in texts and "noteout" in texts
    assert not any(t.startswith(("udpsend", "udpreceive", "node.script")) for t in texts)
    assert any(t.startswith("route /segue/note /segue/status /segue/error") for t in texts)


def test_network_abstraction_has_no_midi_and_takes_its_ports_as_arguments() -> None:
    net = load(MAX_DIR / "patchers" / "segue.net.maxpat")
    texts = texts_of(net)
    assert not any(t.split()[:1] in (["notein"], ["noteout"], ["midiin"], ["midiout"]) for t in texts)
    assert "udpsend 127.0.0.1 #1" in texts and "udpreceive #2" in texts and "start #1 #2" in texts
    assert not any(re.search(r"\b9\d{3}\b", t) for t in texts), "a fixed port inside the abstraction"
    help_texts = texts_of(load(MAX_DIR / "help" / "segue.net.maxhelp"))
    assert any(t.startswith("segue.net ") for t in help_texts)


@pytest.mark.parametrize("name,closer,needed", [
    ("segue.net.maxpat", "freebang", {"/segue/panic", "stop", "node.script"}),
    ("segue.maxpat", "closebang", {"flush"}),
    ("segue.m4l.maxpat", "freebang", {"/segue/panic", "stop", "node.script", "flush"}),
])
def test_closing_stops_notes_and_daemon(name: str, closer: str, needed: set[str]) -> None:
    """Closing the patch (removing the device or the [segue.net] object) reaches /segue/panic and the
    daemon's stop (in the abstraction), [flush] (where the notes go out)."""
    patcher = load(MAX_DIR / "patchers" / name)
    boxes = {b["box"]["id"]: b["box"] for b in patcher["boxes"]}
    graph: dict[str, set[str]] = {}
    for entry in patcher["lines"]:
        line = entry["patchline"]
        graph.setdefault(line["source"][0], set()).add(line["destination"][0])
    start = [i for i, b in boxes.items() if b.get("text") == closer]
    assert len(start) == 1
    seen, todo = set(start), list(start)
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    reached = {boxes[i].get("text", "").split(" segue-daemon.js")[0] for i in seen}
    assert needed <= reached


def test_m4l_device_takes_track_midi_and_live_tempo() -> None:
    patcher = load(MAX_DIR / "patchers" / "segue.m4l.maxpat")
    texts = [b["box"].get("text", "") for b in patcher["boxes"]]
    for needed in ("midiin", "midiparse", "prepend /segue/note", "midiformat", "midiout", "live.observer",
                   "prepend /segue/set tempo", "js segue-clip.js"):
        assert needed in texts, needed
    assert "property tempo" in texts and "path live_set" in texts
    assert patcher["devicewidth"] > 0
    assert any(b["box"].get("presentation") for b in patcher["boxes"])


def test_javascript_addresses_are_the_daemons() -> None:
    for path in (MAX_DIR / "javascript").glob("*.js"):
        for address in re.findall(r'"(/segue/[A-Za-z_/]+)"', path.read_text()):
            assert find_route(address) is not None, f"{path.name}: {address}"


def test_patchers_match_their_builder(tmp_path: Path) -> None:
    """The committed patchers are what build_patchers.py writes (edit the builder, then re-run it)."""
    sys.path.insert(0, str(MAX_DIR))
    try:
        import build_patchers
    finally:
        sys.path.remove(str(MAX_DIR))
    for written in build_patchers.write_all(tmp_path):
        committed = MAX_DIR / written.relative_to(tmp_path)
        assert written.read_bytes() == committed.read_bytes(), (
            f"{committed} is stale: run python maxpatch/build_patchers.py")


# ---------------------------------------------------------------- node.script lifecycle

def test_node_script_starts_and_stops_the_daemon(node_script: NodeScript) -> None:
    port, reply_port = free_udp_port(), free_udp_port()
    node_script.send(f"command {sys.executable} -m bridge")
    node_script.send("options --no-midi")
    node_script.send(f"start {port} {reply_port}")
    pid = int(node_script.expect("OUTLET running").split()[-1])
    assert ping(port, reply_port), "the daemon started by segue-daemon.js does not answer"
    node_script.send("stop")
    assert node_script.expect("OUTLET exited")
    assert wait_for(lambda: not alive(pid), timeout=10)


def test_daemon_ends_with_the_node_process(node_script: NodeScript) -> None:
    """Max ends the Node process when the patch closes; the daemon must not outlive it."""
    port, reply_port = free_udp_port(), free_udp_port()
    node_script.send(f"command {sys.executable} -m bridge")
    node_script.send("options --no-midi")
    node_script.send(f"start {port} {reply_port}")
    pid = int(node_script.expect("OUTLET running").split()[-1])
    assert ping(port, reply_port)
    node_script.proc.send_signal(signal.SIGTERM)
    node_script.proc.wait(10)
    assert wait_for(lambda: not alive(pid), timeout=10), "the daemon outlived its node.script"


def test_node_script_reports_a_missing_program(node_script: NodeScript) -> None:
    node_script.send("command /nonexistent/segue")
    node_script.send("start 9000 9001")
    line = node_script.expect("OUTLET error")
    assert "command /path/to/segue" in line


def _mutated(tmp_path: Path, change: Any) -> Path:
    data = json.loads((MAX_DIR / "patchers" / "segue.maxpat").read_text())
    change(data["patcher"])
    path = tmp_path / "broken.maxpat"
    path.write_text(json.dumps(data))
    return path


def _box(patcher: dict[str, Any], text: str) -> dict[str, Any]:
    return next(b["box"] for b in patcher["boxes"] if b["box"].get("text") == text)


def _feeding(patcher: dict[str, Any], text: str) -> dict[str, Any]:
    target = _box(patcher, text)["id"]
    boxes = {b["box"]["id"]: b["box"] for b in patcher["boxes"]}
    src = next(e["patchline"]["source"][0] for e in patcher["lines"]
               if e["patchline"]["destination"][0] == target)
    return boxes[src]


@pytest.mark.parametrize("change,check", [
    (lambda p: _box(p, "noteout").update(text="noteoutt"), test_patcher_objects_and_lines),
    (lambda p: p["lines"].append({"patchline": {"source": [_box(p, "notein")["id"], 3],
                                                "destination": [_box(p, "noteout")["id"], 0]}}),
     test_patcher_objects_and_lines),
    (lambda p: _box(p, "flush").update(numoutlets=3), test_patcher_objects_and_lines),
    (lambda p: _box(p, "/segue/stop").update(text="/segue/halt"),
     test_osc_addresses_and_values_are_the_daemons),
    (lambda p: _box(p, "/segue/continue 8.").update(text="/segue/continue 9999."),
     test_osc_addresses_and_values_are_the_daemons),
    (lambda p: _feeding(p, "prepend /segue/set temperature").update(maximum=50.0),
     test_osc_addresses_and_values_are_the_daemons),
    (lambda p: _feeding(p, "prepend /segue/set mode").update(items=["call_response", ",", "jam"]),
     test_osc_addresses_and_values_are_the_daemons),
    (lambda p: _box(p, "prepend /segue/set tempo").update(text="prepend /segue/set tempi"),
     test_osc_addresses_and_values_are_the_daemons),
], ids=["unknown-object", "outlet-out-of-range", "wrong-outlet-count", "unknown-address",
        "value-out-of-range", "dial-beyond-range", "menu-item-not-a-choice", "unknown-parameter"])
def test_the_checks_catch_a_broken_patch(tmp_path: Path, change: Any, check: Any) -> None:
    with pytest.raises(AssertionError):
        check(_mutated(tmp_path, change))


