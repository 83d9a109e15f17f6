"""Bounded files: size bombs, huge tokenizers, devices and FIFOs refused before parsing; a model's config
checked against its graph at load; a failed model swap leaves the answer playing (over real UDP)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import OrderedReplies, StuckNoteAudit, free_udp_port, wait_for
from pythonosc.udp_client import SimpleUDPClient
from test_daemon_osc import PHRASE, TEST_PARAMS, TINY, models_dir, play_long

from bridge import bounded_files
from bridge.bounded_files import NPZ_MEMBER_BYTES, FileRefused
from bridge.config import ConfigError, ServeConfig, load_config
from bridge.daemon import Daemon
from bridge.model import ModelBundle, ModelError, load_npz
from bridge.params import ParamStore
from bridge.tokens import TokenError, TokenScheme

__all__ = ["models_dir"]

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "models" / "default"
BOMB_BYTES = 1_500_000_000  # what the bomb's one array unpacks to
BOMB_CHUNK = 100_000_000
RSS_GROWTH_KB = 200 * 1024  # a refusal may not cost more memory than this


def _bomb(path: Path) -> Path:
    """A small npz whose one uint8 array of zeros decompresses to ``BOMB_BYTES``.

    Its deflate stream is one compressed block of zeros repeated (a full flush between blocks makes
    them independent), written with the zip headers by hand: seconds instead of compressing 1.5 GB.
    """
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, {"descr": "|u1", "fortran_order": False,
                                                "shape": (BOMB_BYTES,)})
    chunk = bytes(BOMB_CHUNK)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(head.getvalue()) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(head.getvalue())
    for _ in range(BOMB_BYTES // BOMB_CHUNK):
        crc = zlib.crc32(chunk, crc)
    data = first + block * (BOMB_BYTES // BOMB_CHUNK) + packer.flush()
    size, name = len(head.getvalue()) + BOMB_BYTES, b"a.npy"
    local = struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, 0, 8, 0, 0x21, crc, len(data), size,
                        len(name), 0) + name
    central = struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, 0, 8, 0, 0x21, crc, len(data),
                          size, len(name), 0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    path.write_bytes(local + data + central + end)
    return path


def test_an_npz_size_bomb_is_refused_with_low_memory(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.npz")
    assert bomb.stat().st_size < 4 << 20  # small on disk, 1.5 GB unpacked
    code = (
        "import resource, sys\n"
        "from bridge.model import ModelError, load_npz\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        f"    load_npz({str(bomb)!r})\n"
        "    print('loaded')\n"
        "except ModelError as exc:\n"
        "    print('refused', exc)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr
    verdict, growth = out.stdout.strip().splitlines()
    assert verdict.startswith("refused") and f"more than {NPZ_MEMBER_BYTES}" in verdict, verdict
    assert int(growth) < RSS_GROWTH_KB, f"the refusal grew the process by {int(growth)} KB"


def test_npz_members_are_checked_by_their_headers(tmp_path: Path) -> None:
    good = tmp_path / "good.npz"
    np.savez_compressed(good, a=np.arange(6).reshape(2, 3), b=np.ones(2))
    assert load_npz(good)["a"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert list(load_npz(good, ("b",))) == ["b"]  # only the arrays asked for
    lying = tmp_path / "lying.npz"  # its header declares more data than the member holds
    with zipfile.ZipFile(lying, "w") as archive:
        with archive.open("a.npy", "w") as member:
            np.lib.format.write_array_header_1_0(member, {"descr": "<f8", "fortran_order": False,
                                                          "shape": (1000,)})
            member.write(bytes(80))
    with pytest.raises(ModelError, match="declares 8000 bytes but holds"):
        load_npz(lying)
    stray = tmp_path / "stray.npz"
    with zipfile.ZipFile(stray, "w") as archive:
        archive.writestr("notes.txt", "not an array")
    with pytest.raises(ModelError, match="is not a .npy array"):
        load_npz(stray)


def test_a_huge_tokenizer_is_refused_without_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "tokenizer.json"
    with open(huge, "wb") as handle:
        handle.write(b'{"config": {}}')
        handle.truncate(300 << 20)  # sparse: 300 MB that take no disk
    with pytest.raises(TokenError, match="more than the .* bytes segue reads for a tokenizer file"):
        TokenScheme.from_file(huge)


def _model_copy(tmp_path: Path) -> Path:
    """A models folder holding a copy of the shipped model as ``default`` (no manifest yet)."""
    root = tmp_path / "models"
    shutil.copytree(SHIPPED, root / "default")
    return root


def _write_manifest(root: Path) -> None:
    files = [{"path": f"default/{f.name}", "sha256": hashlib.sha256(f.read_bytes()).hexdigest()}
             for f in sorted((root / "default").iterdir())]
    manifest = {"version": 1, "default": "default", "models": {"default": {"files": files}}}
    (root / "manifest.json").write_text(json.dumps(manifest))


def test_a_model_with_a_huge_tokenizer_is_refused_before_its_checksum(tmp_path: Path) -> None:
    root = _model_copy(tmp_path)
    _write_manifest(root)
    with open(root / "default" / "tokenizer.json", "r+b") as handle:
        handle.truncate(300 << 20)  # listed with the old checksum: the size must be what refuses it
    with pytest.raises(ModelError, match="more than the .* bytes segue reads"):
        ModelBundle.load(root)


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_a_config_claiming_a_longer_context_than_the_graph_is_refused_at_load(
        tmp_path: Path, precision: str) -> None:
    root = _model_copy(tmp_path)
    config_path = root / "default" / "config.json"
    config = json.loads(config_path.read_text())
    shipped = config["context_length"]
    config["context_length"] = shipped * 2
    config_path.write_text(json.dumps(config))
    _write_manifest(root)
    with pytest.raises(ModelError, match=f"context_length {shipped * 2} is longer than the ONNX graph"):
        ModelBundle.load(root, precision=precision)
    config["context_length"] = shipped  # the real context loads
    config_path.write_text(json.dumps(config))
    _write_manifest(root)
    assert ModelBundle.load(root, precision=precision).context_length == shipped


# ---------------------------------------------------------------- config files


def test_config_files_must_be_regular_utf8_and_small(tmp_path: Path) -> None:
    store = ParamStore()
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'[serve]\nmodel = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        load_config(latin, store)
    with pytest.raises(ConfigError, match="is not a regular file"):
        load_config("/dev/zero", store)
    with pytest.raises(ConfigError, match="is not a regular file"):
        load_config(tmp_path, store)
    big = tmp_path / "big.toml"
    with open(big, "wb") as handle:
        handle.truncate(bounded_files.LIMITS["config"] + 1)
    with pytest.raises(ConfigError, match="more than"):
        load_config(big, store)
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    with pytest.raises(FileRefused, match="is not a regular file"):
        bounded_files.read_text(fifo, "config file", "config")  # refused without blocking on the FIFO


def _serve_with_config(path: Path | str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "bridge", "serve", "--no-midi", "--port", "0", "--config", str(path)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=REPO)


@pytest.mark.parametrize("kind", ["latin1", "dev-zero", "fifo"])
def test_segue_serve_refuses_a_bad_config_file_at_once(tmp_path: Path, kind: str) -> None:
    if kind == "latin1":
        path: Path | str = tmp_path / "latin.toml"
        Path(path).write_bytes(b"[params]\n# caf\xe9\ntemperature = 0.8\n")
        expected = "is not UTF-8 text"
    elif kind == "dev-zero":
        path, expected = "/dev/zero", "is not a regular file"
    else:
        path, expected = tmp_path / "fifo.toml", "is not a regular file"
        os.mkfifo(path)
    out = _serve_with_config(path)  # a hang or an endless read would time out here
    assert out.returncode != 0
    assert expected in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.startswith("segue serve: error: ")


# ---------------------------------------------------------------- a failed swap over real UDP


@pytest.fixture
def replies(stuck_note_audit: StuckNoteAudit) -> Iterator[OrderedReplies]:
    r = OrderedReplies(stuck_note_audit)
    yield r
    r.close()


def test_a_failed_model_swap_leaves_the_answer_playing(
        models_dir: Path, replies: OrderedReplies, stuck_note_audit: StuckNoteAudit) -> None:
    cfg = ServeConfig(port=free_udp_port(), reply_port=replies.port, midi=False, models=(str(models_dir),),
                      model=TINY)
    d = Daemon(cfg, ParamStore(values=TEST_PARAMS)).open()
    assert d.osc_address is not None and d.engine is not None
    client = SimpleUDPClient("127.0.0.1", d.osc_address[1])
    try:
        play_long(client)
        client.send_message("/segue/set", ["tempo", 240.0])  # 256 beats: a minute of notes
        client.send_message("/segue/phrase", PHRASE)
        replies.wait("/segue/noteon")  # a long continuation is sounding
        client.send_message("/segue/model", "nonexistent")
        address, message = replies.wait("/segue/error", timeout=30)
        assert address == "/segue/model" and "nonexistent" in message and f"still playing {TINY!r}" in message
        count = len(replies.all("/segue/noteon"))
        # the answer was not cut: its notes keep coming after the error
        assert wait_for(lambda: len(replies.all("/segue/noteon")) >= count + 3, timeout=30)
        assert d.engine.model.name == TINY
        client.send_message("/segue/stop", [])
        stuck_note_audit.assert_clean(timeout=10)
    finally:
        d.close()
