"""Style graphs from token streams: tokenizing a folder, held-out edge splits and node features.

The graph itself (directed transitions within a window, nearer neighbours weighing more, weights kept)
is counted by :func:`bridge.style.count_transitions`, shared with the runtime's live learning. Here:
tokenizing MIDI like the decoder was trained, the three node-feature variants of the graph network,
and the split of transitions into training and held-out edges for link prediction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bridge.style import DEFAULT_DECAY, DEFAULT_WINDOW, StyleGraph, count_transitions
from bridge.style_learner import tokenize_midi_files

log = logging.getLogger(__name__)

VARIANTS = ("token", "token_pos", "window")
"""Node features from token embeddings over the next-token graph; token and positional embeddings
over the next-token graph; token embeddings over the window graph."""


def tokenize_files(
    files: Sequence[Path], tokenizer_path: Path, progress: Callable[[Iterable], Iterable] = lambda x: x
) -> tuple[list[list[int]], list[str]]:
    """Token ids of each readable file (merged tracks, BPE) and the names of those that failed."""
    from miditok import TSD

    sequences, failed = tokenize_midi_files(files, TSD(params=tokenizer_path), progress)
    return sequences, [str(path) for path in failed]


def load_token_split(prefix: Path, limit: int = 0) -> list[np.ndarray]:
    """Pieces of a token split written by ``export.dataset`` (``<prefix>.npy`` + ``.offsets.npy``)."""
    flat = np.load(f"{prefix}.npy", allow_pickle=False)
    offsets = np.load(f"{prefix}.offsets.npy", allow_pickle=False)
    bounds = [*offsets.tolist(), len(flat)]
    pieces = [flat[a:b].astype(np.int64) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return pieces[:limit] if limit > 0 else pieces


def build_style_graph(
    sequences: Iterable[Sequence[int]], vocab_size: int, skip: Iterable[int] = (),
    window: int = DEFAULT_WINDOW, decay: float = DEFAULT_DECAY,
) -> StyleGraph:
    """The weighted, directed window graph of a style (see :func:`bridge.style.count_transitions`)."""
    return count_transitions(sequences, vocab_size, window=window, decay=decay, skip=skip)


def positional_profile(sequences: Iterable[Sequence[int]], pos_emb: np.ndarray, vocab_size: int,
                       skip: Iterable[int] = ()) -> np.ndarray:
    """``[V, d]``: each token's mean positional embedding over where it occurs in the style's pieces.

    Positions run from each piece's start and wrap at the decoder's context length, as the runtime
    slides its window.
    """
    context, dim = pos_emb.shape
    total = np.zeros((vocab_size, dim), dtype=np.float64)
    count = np.zeros(vocab_size, dtype=np.float64)
    skip_ids = np.array(sorted(set(skip)), dtype=np.int64)
    for seq in sequences:
        arr = np.asarray(seq, dtype=np.int64)
        positions = np.arange(arr.size) % context
        keep = ~np.isin(arr, skip_ids) if skip_ids.size else np.ones(arr.size, bool)
        np.add.at(total, arr[keep], pos_emb[positions[keep]])
        count += np.bincount(arr[keep], minlength=vocab_size)
    return (total / np.maximum(count, 1)[:, None]).astype(np.float32)


def node_features(variant: str, tok_emb: np.ndarray, pos_profile: np.ndarray | None = None) -> np.ndarray:
    """Input features of the graph network for one variant."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: one of {', '.join(VARIANTS)}")
    if variant == "token_pos":
        if pos_profile is None:
            raise ValueError("the token_pos variant needs the positional profile")
        return np.concatenate([tok_emb, pos_profile], axis=1).astype(np.float32)
    return np.asarray(tok_emb, dtype=np.float32)


@dataclass(frozen=True)
class EdgeSplit:
    """Held-out next-token transitions (as node pairs) and non-edges for the link-prediction test."""

    test_pos: np.ndarray  # int64 [n, 2]
    test_neg: np.ndarray  # int64 [n, 2], unlinked pairs of tokens the style uses
    test_neg_vocab: np.ndarray  # int64 [n, 2], unlinked pairs of any tokens of the vocabulary
    held_out: np.ndarray  # bool [V, V], symmetric: pairs removed from every training graph


def split_edges(graph: StyleGraph, rng: np.random.Generator, test_fraction: float = 0.1) -> EdgeSplit:
    """Hold out ``test_fraction`` of the next-token (distance 1) transitions, self-loops excluded.

    Both directions of a held-out pair leave the training graphs (the decoder of the network is a
    symmetric dot product). Negatives are pairs of tokens of the style with no edge either way.
    """
    vocab = graph.vocab_size
    first = (graph.next_weight > 0) & (graph.src != graph.dst)
    pairs = np.stack([graph.src[first], graph.dst[first]], axis=1).astype(np.int64)
    canon = np.unique(np.sort(pairs, axis=1), axis=0)
    n_test = max(1, int(round(len(canon) * test_fraction)))
    test_pos = canon[rng.permutation(len(canon))[:n_test]]
    held = np.zeros((vocab, vocab), dtype=bool)
    held[test_pos[:, 0], test_pos[:, 1]] = True
    held |= held.T
    linked = graph.dense() > 0
    linked = linked | linked.T
    active = np.flatnonzero(graph.counts > 0)
    return EdgeSplit(test_pos, _negatives(active, linked, n_test, rng),
                     _negatives(np.arange(vocab), linked, n_test, rng), held)


def _negatives(nodes: np.ndarray, linked: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Up to ``n`` distinct unlinked ordered pairs of ``nodes``."""
    out: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    tries = 0
    while len(out) < n and tries < 50 * n and nodes.size > 1:
        a, b = (int(x) for x in rng.choice(nodes, 2))
        tries += 1
        if a != b and not linked[a, b] and (a, b) not in seen:
            seen.add((a, b))
            out.append((a, b))
    return np.array(out, dtype=np.int64).reshape(-1, 2)


def training_weights(variant: str, graph: StyleGraph, split: EdgeSplit | None) -> np.ndarray:
    """``[V, V]`` weights the variant's network propagates over (held-out pairs removed)."""
    if variant == "window":
        w = graph.dense().copy()
    else:
        w = np.zeros((graph.vocab_size, graph.vocab_size), dtype=np.float32)
        w[graph.src, graph.dst] = graph.next_weight
    if split is not None:
        w[split.held_out] = 0.0
    return w
