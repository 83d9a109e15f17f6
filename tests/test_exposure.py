"""What the daemon exposes: where OSC listens, who may talk to it, and which files a model may load.

The "other client" is a socket bound to 127.0.0.2: another address on this machine, outside the
allow-list, so no second host is needed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import OrderedReplies, StuckNoteAudit, free_udp_port, wait_for
from pythonosc.osc_message_builder import OscMessageBuilder
from test_daemon_osc import TEST_PARAMS, TINY, models_dir

from bridge.cli import _settings, build_parser
from bridge.config import ServeConfig
from bridge.daemon import Daemon, DaemonError
from bridge.model import ModelBundle, ModelError
from bridge.params import ParamStore

__all__ = ["models_dir"]


def datagram(address: str, *args: Any) -> bytes:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


def send_from(source_ip: str, port: int, data: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((source_ip, 0))
        s.sendto(data, ("127.0.0.1", port))


@pytest.fixture
def models_copy(models_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the tiny models folder."""
    return Path(shutil.copytree(models_dir, tmp_path / "models"))


def add_model(root: Path, name: str, files: dict[str, bytes | Path], sha: dict[str, str] | None = None,
              paths: dict[str, str] | None = None) -> None:
    """List model ``name`` in ``root``'s manifest with ``files`` (written unless already a path)."""
    folder = root / name
    folder.mkdir(exist_ok=True)
    entries = []
    for file_name, content in files.items():
        target = folder / file_name
        if isinstance(content, Path):
            if not target.exists() and not target.is_symlink():
                target.symlink_to(content)
        else:
            target.write_bytes(content)
        digest = hashlib.sha256(target.read_bytes()).hexdigest() if target.exists() else "0" * 64
        rel = (paths or {}).get(file_name, f"{name}/{file_name}")
        entries.append({"path": rel, "sha256": (sha or {}).get(file_name, digest)})
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["models"][name] = {"files": entries, "metrics": {}}
    (root / "manifest.json").write_text(json.dumps(manifest))


def tiny_files(root: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted((root / TINY).iterdir())}


# ---------------------------------------------------------------- where and to whom OSC listens


def test_osc_binds_loopback_by_default(models_dir: Path, stuck_note_audit: StuckNoteAudit) -> None:
    serve, _ = _settings(build_parser().parse_args(["serve"]))
    assert serve.host == "127.0.0.1" == ServeConfig().host
    replies = OrderedReplies(stuck_note_audit)
    d = Daemon(ServeConfig(port=free_udp_port(), reply_port=replies.port, midi=False,
                           models=(str(models_dir),), model=TINY), ParamStore(values=TEST_PARAMS)).open()
    try:
        assert d.osc_server.bound[0] == "127.0.0.1"
        assert d.osc_address is not None and d.osc_address[0] == "127.0.0.1"
    finally:
        d.close()
        replies.close()


def test_a_wide_bind_needs_an_allow_list(models_dir: Path) -> None:
    serve = ServeConfig(host="0.0.0.0", port=free_udp_port(), midi=False, models=(str(models_dir),),
                        model=TINY)
    with pytest.raises(DaemonError, match="allow-list"):
        Daemon(serve, ParamStore(values=TEST_PARAMS)).open()


@pytest.fixture
def wide_daemon(models_dir: Path,
                stuck_note_audit: StuckNoteAudit) -> Iterator[tuple[Daemon, OrderedReplies]]:
    replies = OrderedReplies(stuck_note_audit)
    serve = ServeConfig(host="0.0.0.0", port=free_udp_port(), reply_port=replies.port, midi=False,
                        allow=("192.0.2.0/24",), models=(str(models_dir),), model=TINY)
    d = Daemon(serve, ParamStore(values=TEST_PARAMS)).open()
    yield d, replies
    d.close()
    replies.close()


def test_messages_from_others_are_dropped_and_counted(wide_daemon: tuple[Daemon, OrderedReplies]) -> None:
    daemon, replies = wide_daemon
    assert daemon.osc_address is not None
    port = daemon.osc_address[1]
    server = daemon.osc_server
    before = daemon.params.snapshot()
    for i in range(20):  # another local address, not in the allow-list: a stranger
        send_from("127.0.0.2", port, datagram("/segue/set", "temperature", 0.1 + i / 100))
        send_from("127.0.0.2", port, datagram("/segue/phrase", 60, 100, 0.0, 1.0))
        send_from("127.0.0.2", port, datagram("/segue/ping", f"stranger {i}"))
    assert wait_for(lambda: server.stats.not_allowed == 60, timeout=10)
    send_from("127.0.0.1", port, datagram("/segue/ping", "owner"))  # this machine itself gets in
    assert replies.wait("/segue/pong")[-1] == "owner"
    assert daemon.sync()
    assert not replies.all("/segue/error") and len(replies.all("/segue/pong")) == 1
    assert daemon.params.snapshot() == before
    assert daemon.engine is not None and daemon.engine.seed_notes == ()
    assert server.stats.packets == 1  # the dropped ones never reached the parser


def test_an_allow_listed_address_gets_in(models_dir: Path, stuck_note_audit: StuckNoteAudit) -> None:
    replies = OrderedReplies(stuck_note_audit)
    serve = ServeConfig(host="0.0.0.0", port=free_udp_port(), reply_port=replies.port, midi=False,
                        allow=("127.0.0.2",), models=(str(models_dir),), model=TINY)
    d = Daemon(serve, ParamStore(values=TEST_PARAMS)).open()
    try:
        assert d.osc_address is not None
        send_from("127.0.0.2", d.osc_address[1], datagram("/segue/set", "temperature", 0.25))
        send_from("127.0.0.3", d.osc_address[1], datagram("/segue/set", "temperature", 4.0))
        assert replies.wait("/segue/value") == ("temperature", 0.25)
        assert wait_for(lambda: d.osc_server.stats.not_allowed == 1, timeout=5)
        assert d.sync() and d.params["temperature"] == 0.25
    finally:
        d.close()
        replies.close()


# ---------------------------------------------------------------- which files a model may load


@pytest.mark.parametrize("name", ["../tiny", "../../etc/passwd", "/etc/passwd", "tiny/../tiny", "..", ".",
                                  "a\\b", "tiny/decoder.onnx", "~root", ""])
def test_no_traversal_through_the_model_name(models_dir: Path, name: str) -> None:
    with pytest.raises(ModelError, match="invalid model name"):
        ModelBundle.load(models_dir, name)


def test_no_traversal_through_the_model_message(models_dir: Path, stuck_note_audit: StuckNoteAudit) -> None:
    replies = OrderedReplies(stuck_note_audit)
    d = Daemon(ServeConfig(port=free_udp_port(), reply_port=replies.port, midi=False,
                           models=(str(models_dir),), model=TINY), ParamStore(values=TEST_PARAMS)).open()
    try:
        assert d.osc_address is not None
        for name in ("../tiny", "/etc/passwd", "..%2Ftiny", "tiny/../tiny"):
            mark = replies.mark()
            send_from("127.0.0.1", d.osc_address[1], datagram("/segue/model", name))
            address, message = replies.wait("/segue/error", after=mark)
            assert address == "/segue/model" and ("invalid model name" in message or "cannot load" in message)
        assert d.engine is not None and d.engine.wait_idle(10) and d.engine.model.name == TINY
    finally:
        d.close()
        replies.close()


def test_manifest_paths_outside_the_model_folder_are_refused(models_copy: Path, tmp_path: Path) -> None:
    files = tiny_files(models_copy)
    outside = tmp_path / "outside.onnx"
    outside.write_bytes(files["decoder.onnx"])
    add_model(models_copy, "escape", files, paths={"decoder.onnx": "../outside.onnx"})
    with pytest.raises(ModelError, match="not a file of models/escape"):
        ModelBundle.load(models_copy, "escape")
    add_model(models_copy, "sibling", files, paths={"decoder.onnx": f"{TINY}/decoder.onnx"})
    with pytest.raises(ModelError, match="not a file of models/sibling"):
        ModelBundle.load(models_copy, "sibling")
    linked = dict(files)
    linked["decoder.onnx"] = outside  # a symlink leading out of the folder
    add_model(models_copy, "linked", linked)
    with pytest.raises(ModelError, match="not a file of models/linked"):
        ModelBundle.load(models_copy, "linked")


def test_only_onnx_json_and_npz_are_loaded(models_copy: Path) -> None:
    files = tiny_files(models_copy)
    add_model(models_copy, "pickled", {**files, "extra.pkl": b"\x80\x04K\x01."})
    with pytest.raises(ModelError, match="not ONNX, JSON or npz"):
        ModelBundle.load(models_copy, "pickled")
    config = json.loads(files["config.json"])
    config["onnx"] = "decoder.bin"
    renamed = {k: v for k, v in files.items() if k != "decoder.onnx"}
    add_model(models_copy, "renamed", {**renamed, "config.json": json.dumps(config).encode()})
    with pytest.raises(ModelError, match="must name an .onnx graph"):
        ModelBundle.load(models_copy, "renamed")


def test_a_sha256_mismatch_is_refused_and_the_old_model_plays_on(
        models_copy: Path, stuck_note_audit: StuckNoteAudit) -> None:
    files = tiny_files(models_copy)
    tampered = bytearray(files["decoder.onnx"])
    tampered[len(tampered) // 2] ^= 0xFF
    add_model(models_copy, "tampered", {**files, "decoder.onnx": bytes(tampered)},
              sha={"decoder.onnx": hashlib.sha256(files["decoder.onnx"]).hexdigest()})
    with pytest.raises(ModelError, match="corrupt or was changed"):
        ModelBundle.load(models_copy, "tampered")
    replies = OrderedReplies(stuck_note_audit)
    d = Daemon(ServeConfig(port=free_udp_port(), reply_port=replies.port, midi=False,
                           models=(str(models_copy),), model=TINY), ParamStore(values=TEST_PARAMS)).open()
    try:
        assert d.osc_address is not None
        send_from("127.0.0.1", d.osc_address[1], datagram("/segue/model", "tampered"))
        address, message = replies.wait("/segue/error")
        assert address == "/segue/model" and "corrupt or was changed" in message
        assert "still playing" in message
        assert d.engine is not None and d.engine.wait_idle(10) and d.engine.model.name == TINY
    finally:
        d.close()
        replies.close()
