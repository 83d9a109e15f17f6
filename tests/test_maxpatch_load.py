"""The Max package at work: the .amxd device reads back as the generated patcher, and the messages the
patchers send at load, on restart and on the daemon's first pong start, restart and re-sync a real daemon
(segue-daemon.js under node with a stand-in for Max's ``max-api``)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import free_udp_port
from max_harness import (
    MAX_DIR,
    NodeScript,
    Sim,
    alive,
    atoms,
    builder,
    device_patcher,
    dials,
    load,
    ping,
    ping_answer,
    run_node_script,
    start_daemon,
)


@pytest.fixture
def node_script(tmp_path: Path) -> Iterator[NodeScript]:
    yield from run_node_script(tmp_path)


def test_amxd_reads_back_as_the_generated_device() -> None:
    data = (MAX_DIR / "patchers" / "segue.amxd").read_bytes()
    document = device_patcher(data)
    assert document == json.loads((MAX_DIR / "patchers" / "segue.m4l.maxpat").read_text())
    assert document == builder().build_m4l().to_json("segue Max for Live MIDI effect")
    patcher = document["patcher"]
    assert patcher["openinpresentation"] == 1 and patcher["devicewidth"] > 0
    shown = [b["box"] for b in patcher["boxes"] if b["box"].get("presentation")]
    kinds = {b["maxclass"] for b in shown}
    assert {"live.dial", "live.menu", "live.text", "toggle"} <= kinds  # dials, buttons, the status light
    assert "restart" in {b.get("text") for b in shown}
    for box in shown:
        x, _, w, _ = box["presentation_rect"]
        label = box.get("text", box["maxclass"])
        assert 0 <= x and x + w <= patcher["devicewidth"], f"{label} off the device"


@pytest.mark.parametrize("damage", [
    lambda d: d[:-3],  # cut short
    lambda d: d[:8] + b"aaaa" + d[12:],  # an audio effect
    lambda d: d[:-1] + b"}",  # no NUL
    lambda d: d + b"junk",  # trailing bytes
], ids=["truncated", "audio-effect", "no-nul", "trailing-bytes"])
def test_the_device_checks_catch_a_broken_file(damage: Any) -> None:
    data = damage((MAX_DIR / "patchers" / "segue.amxd").read_bytes())
    with pytest.raises(AssertionError):
        device_patcher(data)


NET = MAX_DIR / "patchers" / "segue.net.maxpat"
DEMO = MAX_DIR / "patchers" / "segue.maxpat"
M4L = MAX_DIR / "patchers" / "segue.m4l.maxpat"


def test_opening_the_patch_starts_the_daemon_and_first_pong_resends_every_dial(
        node_script: NodeScript) -> None:
    port, reply_port = free_udp_port(), free_udp_port()
    net = Sim(load(NET), args=(port, reply_port))  # [segue.net PORT REPLY_PORT]
    node, metro = net.find("node.script"), net.find("metro")
    net.deliver(net.find("loadbang"), 0, ["bang"])
    assert net.got(node) == [["start", port, reply_port]]
    pid = start_daemon(node_script, net.got(node), port, reply_port)
    # Node says it is up ("loaded", after the load-time start here): the patch starts again, same daemon
    net.emit(node, 0, ["loaded"])
    assert net.got(node)[-1] == ["start", port, reply_port]
    node_script.send(f"start {port} {reply_port}")
    assert int(node_script.expect("OUTLET running").split()[-1]) == pid

    # node.script reports running: the patch pings until the first pong, then says ready once
    net.emit(node, 0, ["running", pid])
    assert net.got(metro)[-1] == [1]
    answer = ping_answer(port, reply_port)
    assert answer is not None
    notes_out, replies_out = net.outlets()
    for _ in range(2):
        net.emit(net.find("udpreceive"), 0, ["/segue/pong", *answer])
    assert net.got(replies_out).count(["daemon", "ready"]) == 1
    assert net.got(metro)[-1] == [0]
    assert net.got(notes_out) == []

    # the demo around it: ready bangs every dial, running/exited drive the light
    demo = Sim(load(DEMO))
    box = demo.find("segue.net")
    demo.emit(box, 1, ["daemon", "ready"])
    controls = dials(demo)
    assert len(controls) == len(builder().PARAM_CONTROLS)
    for control in controls:
        assert demo.got(control) == [["bang"]], f"{demo.boxes[control]['maxclass']} not re-sent"
    light = demo.find("", maxclass="toggle")
    demo.emit(box, 1, ["daemon", "running", pid])
    demo.emit(box, 1, ["daemon", "exited", 0])
    assert demo.got(light) == [[1], [0]]


def test_restart_stops_then_starts_a_new_daemon(node_script: NodeScript) -> None:
    port, reply_port = free_udp_port(), free_udp_port()
    net = Sim(load(NET), args=(port, reply_port))
    node = net.find("node.script")
    demo = Sim(load(DEMO))
    restart = demo.find("daemon restart")
    demo.deliver(restart, 0, ["bang"])
    (to_net,) = demo.got(demo.find("segue.net"))
    assert to_net == ["daemon", "restart"]
    net.emit(net.outlets("inlet")[0], 0, to_net)
    assert net.got(node) == [["stop"], ["start", port, reply_port]]
    first = start_daemon(node_script, [["start", port, reply_port]], port, reply_port)
    for msg in net.got(node):  # sent together, as Max does: the start waits for the old daemon to exit
        node_script.send(" ".join(str(a) for a in msg))
    node_script.expect("OUTLET exited")
    second = int(node_script.expect("OUTLET running").split()[-1])
    assert second != first and not alive(first)
    assert ping(port, reply_port)


def test_loading_the_device_starts_the_daemon_and_first_pong_resends_dials_and_tempo(
        node_script: NodeScript) -> None:
    device = Sim(load(M4L))
    node, obs = device.find("node.script"), device.find("live.observer")
    device.deliver(device.find("live.thisdevice"), 0, ["bang"])
    (start,) = device.got(node)
    assert start == ["start", 9000, 9001]
    assert "udpsend 127.0.0.1 9000" in device.boxes[device.find("udpsend")]["text"]
    assert device.boxes[device.find("udpreceive")]["text"] == "udpreceive 9001"
    assert device.got(obs) == [["property", "tempo"]]  # Live's tempo observed from load on
    port, reply_port = free_udp_port(), free_udp_port()  # the same message, on ports free here
    pid = start_daemon(node_script, [["start", port, reply_port]], port, reply_port)
    light = device.find("", maxclass="toggle")
    device.emit(node, 0, ["running", pid])
    assert device.got(light) == [[1]]
    answer = ping_answer(port, reply_port)
    assert answer is not None
    for _ in range(2):
        device.emit(device.find("udpreceive"), 0, ["/segue/pong", *answer])
    controls = dials(device)
    assert len(controls) == 8
    for control in controls:
        assert device.got(control) == [["bang"]], f"{device.boxes[control]['maxclass']} not re-sent"
    assert device.got(obs)[-1] == ["bang"]  # live.observer answers a bang with the tempo
    assert device.got(light) == [[1]]
    restart = next(i for i, b in device.boxes.items() if b.get("text") == "restart")
    before = len(device.got(node))
    device.emit(restart, 0, [1])
    assert device.got(node)[before:] == [["stop"], ["start", 9000, 9001]]


def test_two_instances_on_different_ports_do_not_share_a_udp_port() -> None:
    ports = [(free_udp_port(), free_udp_port()), (free_udp_port(), free_udp_port())]
    instances = [Sim(load(NET), args=pair) for pair in ports]
    received, sent, started = [], [], []
    for sim in instances:
        received.append(atoms(sim.boxes[sim.find("udpreceive")]["text"])[1])
        sent.append(atoms(sim.boxes[sim.find("udpsend")]["text"])[2])
        sim.deliver(sim.find("loadbang"), 0, ["bang"])
        started.append(sim.got(sim.find("node.script")))
    assert received == [r for _, r in ports] and sent == [p for p, _ in ports]
    assert started == [[["start", p, r]] for p, r in ports]
    # both instances' [udpreceive] can hold their ports at once
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in received]
    try:
        for sock, port in zip(sockets, received, strict=True):
            sock.bind(("127.0.0.1", port))
    finally:
        for sock in sockets:
            sock.close()
