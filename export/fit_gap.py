"""Training against validation NLL with the collections matched: does the decoder generalise or remember?

The splits are drawn by piece, so the raw figures of a run compare different music (one Beethoven quartet
is a fifth of the validation tokens), and its training figure is taken over the augmented copies, which
BPE spells in about twice the tokens of the originals, each easier to guess. Here every collection's
validation pieces are set against a random sample of the same collection's training pieces, in their
original key and start (the first version ``export.dataset`` writes of each), and both sides are weighted
by the collection's share of the validation tokens. A piece's tokens 1.. are scored with sliding windows
(``export.evaluate.sliding_windows``, as the likelihood table scores). The gap comes with a 95%
bootstrap interval, pieces resampled within each collection on both sides.

    python -m export.fit_gap --run runs/default
    python -m export.fit_gap --weights models/default/weights.npz [--by-collection]
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from export.evaluate import sliding_windows, split_sequences

log = logging.getLogger(__name__)

#: Training tokens scored per collection at most (a random sample of its pieces).
TRAIN_TOKENS_PER_COLLECTION = 80_000
BOOTSTRAP_ROUNDS = 1000

#: Scores sequences: [pieces, 2] of summed NLL (nats) and scored-token count per sequence.
Scorer = Callable[[list[np.ndarray]], np.ndarray]
#: collection -> per-piece [NLL sum, token count] arrays, validation and training
Groups = dict[str, tuple[np.ndarray, np.ndarray]]


@dataclass
class Gap:
    """The matched figures: validation and training NLL per token, their difference and its interval."""

    validation: float
    training: float
    gap: float
    interval: tuple[float, float]
    collections: dict[str, dict[str, float]]

    def to_dict(self, collections: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"validation_nll": round(self.validation, 4),
                               "training_nll": round(self.training, 4), "gap": round(self.gap, 4),
                               "gap_95": [round(v, 4) for v in self.interval]}
        if collections:
            out["collections"] = self.collections
        return out


def first_versions(tokens_dir: Path, split: str) -> dict[str, np.ndarray]:
    """Piece id -> its first (unaugmented) token sequence in ``<split>.npy``."""
    seqs = split_sequences(np.load(tokens_dir / f"{split}.npy"), np.load(tokens_dir / f"{split}.offsets.npy"))
    ids = json.loads((tokens_dir / f"{split}.pieces.json").read_text())
    out: dict[str, np.ndarray] = {}
    for piece, seq in zip(ids, seqs, strict=True):
        out.setdefault(piece, seq)
    return out


def torch_scorer(model: Any, batch: int = 16) -> Scorer:
    """A scorer on a torch ``GPT`` (export side), batched over sliding windows."""
    import torch
    import torch.nn.functional as F

    context = model.cfg.context_length

    @torch.no_grad()
    def score(sequences: list[np.ndarray]) -> np.ndarray:
        jobs = [(i, seq[s : s + context], first) for i, seq in enumerate(sequences)
                for s, first in sliding_windows(len(seq), context)]
        out = np.zeros((len(sequences), 2))
        for at in range(0, len(jobs), batch):
            group = jobs[at : at + batch]
            width = max(len(w) for _, w, _ in group)
            rows = np.zeros((len(group), width), dtype=np.int64)
            targets = np.full((len(group), width), -100, dtype=np.int64)
            for row, (_, window, first) in enumerate(group):
                rows[row, : len(window)] = window
                targets[row, first : len(window)] = window[first:]
            logits, _ = model(torch.from_numpy(rows), causal=True)
            target = torch.from_numpy(targets[:, 1:])
            loss = F.cross_entropy(logits[:, :-1].float().transpose(1, 2), target, ignore_index=-100,
                                   reduction="none")
            for row, (index, _, _) in enumerate(group):
                out[index] += (float(loss[row].sum()), int((target[row] != -100).sum()))
        return out

    return score


def _weighted(groups: Groups, weights: dict[str, float]) -> tuple[float, float]:
    """Collection-weighted (validation, training) NLL per token from per-piece [sum, count] arrays."""
    val = sum(w * groups[c][0][:, 0].sum() / groups[c][0][:, 1].sum() for c, w in weights.items())
    train = sum(w * groups[c][1][:, 0].sum() / groups[c][1][:, 1].sum() for c, w in weights.items())
    return float(val), float(train)


def matched_gap(score: Scorer, tokens_dir: Path, seed: int = 0) -> Gap:
    """Validation vs training NLL under ``score``, collections matched (see the module's docstring).

    A piece's collection is the first folder of its id, as ``export.corpus`` names them."""
    rng = np.random.default_rng(seed)
    val = first_versions(tokens_dir, "validation")
    train = first_versions(tokens_dir, "train")
    groups: Groups = {}
    for collection in sorted({p.split("/")[0] for p in val}):
        train_ids = [p for p in train if p.split("/")[0] == collection]
        if not train_ids:
            log.info("%s: no training pieces, left out", collection)
            continue
        picked, total = [], 0
        for index in rng.permutation(len(train_ids)):
            if total >= TRAIN_TOKENS_PER_COLLECTION:
                break
            picked.append(train[train_ids[index]])
            total += len(picked[-1]) - 1
        groups[collection] = (score([s for p, s in val.items() if p.split("/")[0] == collection]),
                              score(picked))
    val_tokens = {c: float(g[0][:, 1].sum()) for c, g in groups.items()}
    weights = {c: n / sum(val_tokens.values()) for c, n in val_tokens.items()}
    validation, training = _weighted(groups, weights)
    gaps = []
    for _ in range(BOOTSTRAP_ROUNDS):
        drawn = {c: (v[rng.integers(0, len(v), len(v))], t[rng.integers(0, len(t), len(t))])
                 for c, (v, t) in groups.items()}
        gaps.append(np.subtract(*_weighted(drawn, weights)))
    per = {c: {"weight": round(weights[c], 4),
               "validation_nll": round(float(v[:, 0].sum() / v[:, 1].sum()), 4),
               "training_nll": round(float(t[:, 0].sum() / t[:, 1].sum()), 4),
               "validation_pieces": len(v), "training_pieces": len(t)}
           for c, (v, t) in groups.items()}
    low, high = np.percentile(gaps, [2.5, 97.5])
    return Gap(validation, training, validation - training, (float(low), float(high)), per)


def load_model(run: Path | None, weights: Path | None) -> Any:
    """A run folder's best weights, or a released ``weights.npz``."""
    if run is not None:
        from export.train import load_trained

        return load_trained(run)
    from export.model import load_npz

    return load_npz(weights or Path("models/default/weights.npz"))


def describe(gap: Gap) -> str:
    """One line for a table's caption or a log."""
    return (f"validation {gap.validation:.3f}, training {gap.training:.3f}, gap {gap.gap:+.3f} "
            f"[{gap.interval[0]:+.3f}, {gap.interval[1]:+.3f}] nats/token, collections matched")


def main(argv: list[str] | None = None) -> int:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="a run folder of export.train (its best.pt)")
    parser.add_argument("--weights", type=Path, help="a released weights.npz (default: the shipped model's)")
    parser.add_argument("--tokens", type=Path, default=Path("data/tokens"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--by-collection", action="store_true", help="print each collection's figures too")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.set_num_threads(args.threads)
    if not (args.tokens / "validation.pieces.json").exists():
        parser.error(f"no token arrays at {args.tokens}: build them with python -m export.dataset")
    gap = matched_gap(torch_scorer(load_model(args.run, args.weights)), args.tokens)
    print(describe(gap))
    if args.by_collection:
        for name, row in sorted(gap.collections.items(), key=lambda kv: -kv[1]["weight"]):
            print(f"  {name:24s} weight {row['weight']:.3f}  validation {row['validation_nll']:.3f} "
                  f"({row['validation_pieces']} pieces)  training {row['training_nll']:.3f} "
                  f"({row['training_pieces']} pieces)")
    if args.json:
        args.json.write_text(json.dumps(gap.to_dict(), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
