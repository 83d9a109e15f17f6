"""Learning a style from a folder of MIDI files without torch: the child process the daemon runs.

``python -m bridge.style_learner learn FOLDER --name N --tokenizer T --out DIR`` tokenizes every MIDI
file under the folder (files whose links lead outside it are left out) with the model's tokenizer,
counts the style's graph and embeds it (the decoder's token embeddings through an earlier style's graph
network, when given), and writes the style folder.
The daemon's :class:`~bridge.style_service.StyleService` runs it in a child process, so a long job never
holds the interpreter the scheduler needs; ``export/style_graph.py`` tokenizes with the same function.
With ``--memory-mb`` the child caps its own address space first; it exits by itself when the process
that started it goes away.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bridge.gcn_runtime import GraphNetwork
from bridge.model import ModelError
from bridge.style import Style, StyleError, style_from_sequences
from bridge.style_sources import midi_files

log = logging.getLogger(__name__)


def tokenize_midi_files(
    files: Sequence[Path], tokenizer: Any, progress: Callable[[Iterable], Iterable] = lambda x: x
) -> tuple[list[list[int]], list[Path]]:
    """Token ids of each readable file with notes (tracks merged, BPE), and the files that failed.

    ``tokenizer`` is the model's miditok tokenizer; an unreadable file is logged and listed, not fatal.
    """
    from bridge.tokens import encode_ids, load_merged

    sequences: list[list[int]] = []
    failed: list[Path] = []
    for path in progress(files):
        try:
            ids = encode_ids(tokenizer, load_merged(path))
        except Exception as exc:  # noqa: BLE001 - one unreadable file is reported, not fatal
            log.warning("skipped %s: %s", path, exc)
            failed.append(Path(path))
            continue
        if len(ids) >= 2:
            sequences.append(ids)
    return sequences, failed


def learn_folder(folder: Path, tokenizer: Path, name: str, base: np.ndarray | None,
                 gcn: GraphNetwork | None) -> Style:
    """A style from a folder of MIDI files, without torch (the runtime's learning)."""
    from bridge.tokens import TokenScheme

    scheme = TokenScheme.from_file(tokenizer)
    root = Path(folder).resolve()
    files = [f for f in midi_files(folder) if f.resolve().is_relative_to(root)]
    sequences, failed_files = tokenize_midi_files(files, scheme.tokenizer)
    failed = [path.name for path in failed_files]
    if not sequences:
        raise StyleError(f"no readable MIDI file with notes in {folder}")
    skip = [scheme.pad_id, scheme.bos_id, scheme.eos_id]
    card = {"sources": {"folder": str(folder), "files": len(files), "pieces": len(sequences),
                        "failed": failed}}
    return style_from_sequences(name, sequences, scheme.vocab_size, skip, base, gcn, card)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bridge.style_learner")
    sub = parser.add_subparsers(dest="command", required=True)
    learn = sub.add_parser("learn", help="learn a style from a MIDI folder into --out (no torch)")
    learn.add_argument("folder", type=Path)
    learn.add_argument("--name", required=True)
    learn.add_argument("--tokenizer", type=Path, required=True)
    learn.add_argument("--out", type=Path, required=True)
    learn.add_argument("--base", type=Path, help="token embeddings (.npy)")
    learn.add_argument("--gcn", type=Path, help="the graph network (gcn.onnx)")
    learn.add_argument("--memory-mb", type=int, default=0, help="cap this process's address space (MB)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    if args.memory_mb > 0:
        limit_memory(args.memory_mb)
    follow_parent()
    try:
        base = np.load(args.base, allow_pickle=False) if args.base else None
        gcn = GraphNetwork.from_file(args.gcn) if args.gcn else None
        style = learn_folder(args.folder, args.tokenizer, args.name, base, gcn)
        style.save(args.out)
    except (StyleError, ModelError, OSError, ValueError) as exc:
        print(f"cannot learn a style from {args.folder}: {exc}", file=sys.stderr)
        return 1
    except MemoryError:
        print(f"cannot learn a style from {args.folder}: it needs more than the memory budget of "
              f"{args.memory_mb} MB (segue serve --learn-memory-mb MB)", file=sys.stderr)
        return 1
    return 0


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space (where the platform allows it)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    limit = megabytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError) as exc:
        log.warning("memory budget not set: %s", exc)


def follow_parent(interval_s: float = 0.25) -> None:
    """Exit when the process that started this one is gone (a daemon killed before it could end us)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval_s)
        os._exit(3)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
