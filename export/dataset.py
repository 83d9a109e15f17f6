"""Tokenize the corpus splits into flat token arrays for training and evaluation.

Each piece becomes ``[BOS] tokens [EOS]``; pieces are concatenated per split into ``data/tokens/<split>.npy``
(uint16) with ``<split>.offsets.npy`` marking where each piece starts. The training split is augmented:
besides the original, ``--augment - 1`` copies transposed by a random interval in [-6, 6] (kept only when
every note stays in the tokenizer's pitch range) with every velocity shifted by the same random amount (+-12),
half of them cut to start at a random bar line (with the meter and tempo in force there), as a seed from the
middle of a piece is encoded.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing as mp
import random
from pathlib import Path

import numpy as np

from export.corpus import load_index
from export.tokenizer import crop_at_bar, encode_ids, jitter_velocity, load_merged, transpose

log = logging.getLogger(__name__)
_TOKENIZER = None


def _init_worker(tokenizer_path: str) -> None:
    global _TOKENIZER  # per-process cache of the tokenizer, set once by the pool initialiser
    from miditok import TSD

    _TOKENIZER = TSD(params=tokenizer_path)


def _tokenize(job: tuple[str, int, int]) -> list[list[int]]:
    path, versions, seed = job
    rng = random.Random(seed)
    tok = _TOKENIZER
    bos, eos = tok.vocab["BOS_None"], tok.vocab["EOS_None"]
    try:
        score = load_merged(path)
    except Exception as exc:  # noqa: BLE001 - an unreadable file is skipped, not fatal
        log.warning("skipped %s: %s", path, exc)
        return []
    out = [[bos, *encode_ids(tok, score), eos]]
    for _ in range(versions - 1):
        for _attempt in range(4):
            moved = transpose(score, rng.choice([s for s in range(-6, 7) if s]))
            if moved is not None:
                if rng.random() < 0.5:
                    moved = crop_at_bar(moved, rng)
                out.append([bos, *encode_ids(tok, jitter_velocity(moved, 12, rng)), eos])
                break
    return [seq for seq in out if len(seq) > 3]


def build_split(corpus: Path, tokenizer: Path, split: str, out: Path, versions: int, workers: int) -> dict:
    pieces = [p for p in load_index(corpus) if p.split == split]
    jobs = [(str(corpus / "midi" / p.id), versions, i) for i, p in enumerate(pieces)]
    seqs: list[list[int]] = []
    piece_ids: list[str] = []
    with mp.Pool(workers, initializer=_init_worker, initargs=(str(tokenizer),)) as pool:
        for piece, result in zip(pieces, pool.imap(_tokenize, jobs, chunksize=16), strict=True):
            seqs.extend(result)
            piece_ids.extend([piece.id] * len(result))
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(seqs) else np.zeros(0, np.int64)
    flat = np.fromiter((t for s in seqs for t in s), dtype=np.uint16, count=int(lengths.sum()))
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / f"{split}.npy", flat)
    np.save(out / f"{split}.offsets.npy", offsets)
    (out / f"{split}.pieces.json").write_text(json.dumps(piece_ids))
    notes = sum(p.notes for p in pieces)
    log.info("%s: %d pieces, %d sequences, %d tokens", split, len(pieces), len(seqs), len(flat))
    return {"pieces": len(pieces), "sequences": len(seqs), "tokens": int(len(flat)), "notes": notes}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"))
    parser.add_argument("--tokenizer", type=Path, default=Path("models/default/tokenizer.json"))
    parser.add_argument("--out", type=Path, default=Path("data/tokens"))
    parser.add_argument("--augment", type=int, default=4, help="versions of each training piece")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    stats = {}
    for split in ("train", "validation", "test", "style_train", "style_test"):
        versions = args.augment if split == "train" else 1
        stats[split] = build_split(args.corpus, args.tokenizer, split, args.out, versions, args.workers)
    (args.out / "stats.json").write_text(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main()
