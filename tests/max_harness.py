"""Test harness for the Max package: the patchers' JSON, a message-by-message walk of their cords, the
.amxd chunk reader, and segue-daemon.js under node with a stand-in for Max's ``max-api`` module."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import wait_for
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import BlockingOSCUDPServer
from pythonosc.udp_client import SimpleUDPClient

ROOT = Path(__file__).resolve().parent.parent
MAX_DIR = ROOT / "maxpatch"


def atoms(text: str) -> list[Any]:
    """Max atoms: ints, floats and symbols."""
    out: list[Any] = []
    for word in text.split():
        if re.fullmatch(r"-?\d+", word):
            out.append(int(word))
        elif re.fullmatch(r"-?(\d+\.\d*|\.\d+|\d+\.?\d*e-?\d+)", word):
            out.append(float(word))
        else:
            out.append(word)
    return out


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))["patcher"]


MAX_API_STUB = """
const handlers = {};
module.exports = {
  addHandler: (name, fn) => { handlers[name] = fn; },
  outlet: (...args) => { console.log("OUTLET " + args.join(" ")); },
  post: (...args) => { console.error(args.join(" ")); },
};
const readline = require("readline");
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const [name, ...args] = line.trim().split(/\\s+/);
  if (handlers[name]) { handlers[name](...args.map((a) => (/^-?\\d+$/.test(a) ? Number(a) : a))); }
});
"""


class NodeScript:
    """segue-daemon.js under node, with Max's messages written to its stdin."""

    def __init__(self, tmp_path: Path) -> None:
        stub = tmp_path / "node_modules" / "max-api"
        stub.mkdir(parents=True)
        (stub / "index.js").write_text(MAX_API_STUB)
        env = {**os.environ, "NODE_PATH": str(tmp_path / "node_modules")}
        self.proc = subprocess.Popen(["node", str(MAX_DIR / "javascript" / "segue-daemon.js")], cwd=ROOT,
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        self.lines: queue.Queue[str] = queue.Queue()
        self.daemons: list[int] = []  # pids of the daemons it started (its "running" outlet)
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            if line.startswith("OUTLET running"):
                self.daemons.append(int(line.split()[-1]))
            self.lines.put(line)
        self.lines.put("")  # end of output

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, prefix: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if line.startswith(prefix):
                return line.strip()
            assert line, f"node exited before {prefix!r}"
        raise AssertionError(f"no {prefix!r} from segue-daemon.js")

    def close(self) -> None:
        """End node as Max does (SIGTERM: it stops its daemon first), and any daemon still left."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pid in self.daemons:
            deadline = time.monotonic() + 10
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if alive(pid) and "serve" in _cmdline(pid):  # still a segue daemon, not a reused pid
                os.kill(pid, signal.SIGKILL)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def ping(port: int, reply_port: int) -> bool:
    """True when the daemon on ``port`` answers /segue/ping on ``reply_port``."""
    return ping_answer(port, reply_port) is not None


def ping_answer(port: int, reply_port: int) -> tuple[Any, ...] | None:
    """The arguments of the daemon's /segue/pong to a /segue/ping, or None when it does not answer."""
    got: list[Any] = []
    dispatcher = Dispatcher()
    dispatcher.map("/segue/pong", lambda address, *args: got.append(args))
    server = BlockingOSCUDPServer(("127.0.0.1", reply_port), dispatcher)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        client = SimpleUDPClient("127.0.0.1", port)
        answered = wait_for(lambda: got or client.send_message("/segue/ping", "hello") or None, timeout=10,
                            interval=0.2)
        return got[0] if answered else None
    finally:
        server.shutdown()
        server.server_close()


def run_node_script(tmp_path: Path) -> Iterator[NodeScript]:
    """segue-daemon.js under node for one test (a fixture body), ended afterwards."""
    if shutil.which("node") is None:
        pytest.fail("node not found: apt-get install nodejs")
    script = NodeScript(tmp_path)
    try:
        yield script
    finally:
        script.close()


def read_device(data: bytes) -> list[tuple[str, bytes]]:
    """The chunks of an .amxd: 4-byte tag, little-endian uint32 length, payload; nothing may be left over."""
    chunks, at = [], 0
    while at < len(data):
        assert at + 8 <= len(data), f"a chunk header cut short at byte {at}"
        tag, size = data[at:at + 4].decode("ascii"), struct.unpack_from("<I", data, at + 4)[0]
        assert at + 8 + size <= len(data), f"chunk {tag} claims {size} bytes, the file has fewer"
        chunks.append((tag, data[at + 8:at + 8 + size]))
        at += 8 + size
    return chunks


def device_patcher(data: bytes) -> dict[str, Any]:
    """The patcher JSON of a MIDI effect device, checking the chunks around it."""
    chunks = read_device(data)
    assert [tag for tag, _ in chunks] == ["ampf", "meta", "ptch"]
    assert chunks[0][1] == b"mmmm", "not a MIDI effect"
    assert len(chunks[1][1]) == 4 and struct.unpack("<I", chunks[1][1])[0] == 1
    text = chunks[2][1]
    assert text.endswith(b"\0"), "the patcher text is NUL-terminated"
    return json.loads(text[:-1].decode("utf-8"))


def builder() -> Any:
    sys.path.insert(0, str(MAX_DIR))
    try:
        import build_patchers
    finally:
        sys.path.remove(str(MAX_DIR))
    return build_patchers


class Sim:
    """Carries messages along a patcher's cords the way Max does for the objects on the load, restart and
    reply paths: message boxes, [route], [t], [gate], [prepend], [deferlow] and the load/free objects.
    Every box records what reached it (inlet, message); the others pass nothing on. ``args`` fill #1 #2 ...
    as in an abstraction's instance."""

    def __init__(self, patcher: dict[str, Any], args: tuple[Any, ...] = ()) -> None:
        raw = json.dumps(patcher["boxes"])
        for i, arg in enumerate(args, start=1):
            raw = raw.replace(f"#{i}", str(arg))
        self.boxes = {b["box"]["id"]: b["box"] for b in json.loads(raw)}
        self.cords: dict[tuple[str, int], list[tuple[str, int]]] = {}
        for entry in patcher["lines"]:
            line = entry["patchline"]
            self.cords.setdefault(tuple(line["source"]), []).append(tuple(line["destination"]))
        for dests in self.cords.values():  # Max sends to the rightmost destination first
            dests.sort(key=lambda d: -self.boxes[d[0]]["patching_rect"][0])
        self.gates: dict[str, int] = {}
        self.arrived: list[tuple[str, int, list[Any]]] = []

    def find(self, text: str, maxclass: str | None = None) -> str:
        found = [i for i, b in self.boxes.items() if b.get("text", "").startswith(text)
                 and (maxclass is None or b["maxclass"] == maxclass)]
        assert len(found) == 1, f"{len(found)} boxes start with {text!r}"
        return found[0]

    def outlets(self, maxclass: str = "outlet") -> list[str]:
        """The abstraction's outlets (or inlets), left to right as Max numbers them."""
        found = [i for i, b in self.boxes.items() if b["maxclass"] == maxclass]
        return sorted(found, key=lambda i: self.boxes[i]["patching_rect"][0])

    def got(self, box: str) -> list[list[Any]]:
        return [msg for where, _, msg in self.arrived if where == box]

    def emit(self, box: str, outlet: int, msg: list[Any]) -> None:
        for dest, inlet in self.cords.get((box, outlet), []):
            self.deliver(dest, inlet, msg)

    def deliver(self, box_id: str, inlet: int, msg: list[Any]) -> None:
        self.arrived.append((box_id, inlet, msg))
        box = self.boxes[box_id]
        if box["maxclass"] == "message":
            if inlet == 0:
                for part in box["text"].split(","):
                    self.emit(box_id, 0, atoms(part))
            return
        if box["maxclass"] != "newobj":
            return
        name, *args = atoms(box["text"])
        rest = msg[1:] or ["bang"]
        if name == "route" and inlet == 0:
            hit = [i for i, a in enumerate(args) if str(a) == str(msg[0])]
            self.emit(box_id, hit[0], rest) if hit else self.emit(box_id, len(args), msg)
        elif name in ("t", "trigger"):
            for i in reversed(range(len(args))):
                self.emit(box_id, i, ["bang"] if args[i] == "b" else msg)
        elif name == "gate":
            if inlet == 0:
                self.gates[box_id] = int(msg[0])
            elif self.gates.get(box_id, 0):
                self.emit(box_id, self.gates[box_id] - 1, msg)
        elif name == "prepend":
            self.emit(box_id, 0, [*args, *msg])
        elif name in ("deferlow", "loadbang", "closebang", "freebang", "live.thisdevice"):
            self.emit(box_id, 0, msg)


def dials(sim: Sim) -> list[str]:
    """The controls whose value goes to a [prepend /segue/set NAME] (through [tosymbol] for free text)."""
    found = []
    for target, box in sim.boxes.items():
        if box.get("text", "").startswith("prepend /segue/set "):
            (src,) = [s for (s, _), dests in sim.cords.items() if any(d == target for d, _ in dests)]
            if sim.boxes[src].get("text", "").startswith("clip "):
                continue  # Live's tempo, re-sent through its live.observer
            if sim.boxes[src].get("text") == "tosymbol":
                (src,) = [s for (s, _), dests in sim.cords.items() if any(d == src for d, _ in dests)]
            found.append(src)
    return found


def start_daemon(node: NodeScript, sent: list[list[Any]], port: int, reply_port: int) -> int:
    """Runs what the patch sent node.script (on free ports), returns the daemon's pid once it answers."""
    node.send(f"command {sys.executable} -m bridge")
    node.send("options --no-midi")
    for msg in sent:
        node.send(" ".join(str(a) for a in msg))
    pid = int(node.expect("OUTLET running").split()[-1])
    assert ping(port, reply_port), "the daemon started from the patch does not answer"
    return pid
