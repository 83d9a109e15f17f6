"""Reading files with a bound: regular files only, a size limit per kind, UTF-8 text, checked npz arrays.

Every file segue reads (config files, model and style JSON, tokenizers, npz arrays) goes through here, so
a FIFO, a device such as ``/dev/zero``, a huge file or an npz whose arrays decompress to gigabytes is
refused before it is parsed, with a message naming the file and the bound. Files are opened with
``O_NONBLOCK`` and checked with ``fstat`` on the open descriptor, so a FIFO never blocks the open and the
file checked is the file read.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Collection
from pathlib import Path
from typing import BinaryIO

import numpy as np

MIB = 1 << 20
# The most bytes a file of each kind may have on disk.
LIMITS: dict[str, int] = {
    "config": 1 * MIB,  # a segue.toml
    "json": 4 * MIB,  # a model's config.json, a style card
    "manifest": 8 * MIB,  # models/manifest.json
    "tokenizer": 32 * MIB,  # a miditok tokenizer.json (the shipped one is 76 KB)
    "npz": 1024 * MIB,  # compressed arrays: model weights, style graphs
    "onnx": 2048 * MIB,  # a decoder graph
    "gcn": 64 * MIB,  # a style's graph network (gcn.onnx; the shipped one is 134 KB), read into memory
    "state": 64 * 1024,  # the state folder's note journal and JACK connections
}
NPZ_MEMBER_BYTES = 512 * MIB  # the most one array of an npz may hold once decompressed
NPZ_TOTAL_BYTES = 1024 * MIB  # the most all arrays of an npz may hold together
NPZ_MEMBERS = 4096  # the most arrays one npz may hold
_NPY = ".npy"


class FileRefused(ValueError):
    """A file that is not read: not a regular file, too large, not UTF-8, or arrays out of bounds."""


def limit_of(kind: str) -> int:
    """The size bound of a kind of file (``LIMITS``)."""
    return LIMITS[kind]


def _open_checked(path: Path | str, what: str, kind: str) -> tuple[int, int]:
    """Open ``path`` without blocking; (descriptor, size) of a regular file within the kind's bound."""
    limit = LIMITS[kind]
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise FileRefused(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(f"{what} {path} is not a regular file")
        if info.st_size > limit:
            raise FileRefused(f"{what} {path} is {info.st_size} bytes, more than the {limit} bytes "
                              f"segue reads for a {kind} file")
    except BaseException:
        os.close(fd)
        raise
    return fd, info.st_size


def check_file(path: Path | str, what: str, kind: str) -> int:
    """The size of a regular file within the kind's bound (nothing of it is read)."""
    fd, size = _open_checked(path, what, kind)
    os.close(fd)
    return size


def read_bytes(path: Path | str, what: str, kind: str) -> bytes:
    """The bytes of a regular file, never more than the kind's bound (even if it grows meanwhile)."""
    limit = LIMITS[kind]
    fd, _ = _open_checked(path, what, kind)
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise FileRefused(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise FileRefused(f"{what} {path} is more than the {limit} bytes segue reads for a {kind} file")
    return data


def read_text(path: Path | str, what: str, kind: str) -> str:
    """The UTF-8 text of a regular file within the kind's bound."""
    data = read_bytes(path, what, kind)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileRefused(f"{what} {path} is not UTF-8 text (byte {exc.start}: {exc.reason}); "
                          "save it as UTF-8") from None


def _npy_header(member: BinaryIO) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from a ``.npy`` header, reading nothing after it."""
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(member)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(member)
    else:
        raise FileRefused(f"npy format version {version} is not read")
    return tuple(shape), dtype


def _checked_members(archive: zipfile.ZipFile, path: Path | str,
                     names: Collection[str] | None) -> list[tuple[zipfile.ZipInfo, str]]:
    """The npz members to load, each checked by its header against the bounds before any is loaded."""
    infos = archive.infolist()
    if len(infos) > NPZ_MEMBERS:
        raise FileRefused(f"{path} holds {len(infos)} arrays, more than {NPZ_MEMBERS}")
    chosen: list[tuple[zipfile.ZipInfo, str]] = []
    total = 0
    for info in infos:
        if not info.filename.endswith(_NPY):
            raise FileRefused(f"{path}: member {info.filename!r} is not a .npy array")
        key = info.filename[: -len(_NPY)]
        if names is not None and key not in names:
            continue
        if info.file_size > NPZ_MEMBER_BYTES + MIB:
            raise FileRefused(f"{path}: array {key!r} unpacks to {info.file_size} bytes, more than "
                              f"{NPZ_MEMBER_BYTES}")
        with archive.open(info) as member:
            shape, dtype = _npy_header(member)
        if dtype.hasobject:
            raise FileRefused(f"{path}: array {key!r} holds Python objects; segue never unpickles")
        if any(n < 0 for n in shape):
            raise FileRefused(f"{path}: array {key!r} declares a negative shape {shape}")
        nbytes = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
        if nbytes > NPZ_MEMBER_BYTES:
            raise FileRefused(f"{path}: array {key!r} {shape} of {dtype} holds {nbytes} bytes, more "
                              f"than {NPZ_MEMBER_BYTES}")
        if nbytes > info.file_size:
            raise FileRefused(f"{path}: array {key!r} declares {nbytes} bytes but holds {info.file_size}")
        total += nbytes
        if total > NPZ_TOTAL_BYTES:
            raise FileRefused(f"{path}: the arrays hold more than {NPZ_TOTAL_BYTES} bytes together")
        chosen.append((info, key))
    return chosen


def load_npz(path: Path | str, what: str = "arrays", names: Collection[str] | None = None,
             ) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file (only ``names`` when given), each checked against its declared
    shape before it is decompressed; object arrays are refused (nothing is unpickled)."""
    fd, _ = _open_checked(path, what, "npz")
    with os.fdopen(fd, "rb") as handle:
        try:
            with zipfile.ZipFile(handle) as archive:
                out: dict[str, np.ndarray] = {}
                for info, key in _checked_members(archive, path, names):
                    with archive.open(info) as member:
                        out[key] = np.lib.format.read_array(member, allow_pickle=False)
                return out
        except FileRefused:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError,
                NotImplementedError) as exc:
            raise FileRefused(f"cannot read {what} from {path}: {exc}") from None
