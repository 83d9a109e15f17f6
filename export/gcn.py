"""A two-layer GCN trained by link prediction with negative sampling, and its held-out edge AUC.

``Z = A relu(A X W1 + b1) W2 + b2`` with ``A`` the normalised adjacency of
:func:`bridge.style.normalized_adjacency`; an edge ``(i, j)`` scores ``z_i . z_j``. Each epoch takes
every training edge as a positive and as many uniformly drawn token pairs of the style as negatives
(binary cross-entropy). The weights export as plain arrays, and :func:`bridge.style.gcn_forward`
computes the same embeddings in numpy, so the runtime needs no torch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from bridge.style import normalized_adjacency, scale_features
from export.style_graph import EdgeSplit

log = logging.getLogger(__name__)


class GCN(nn.Module):
    """Two graph-convolution layers, the bias added after propagation (as in ``gcn_forward``)."""

    def __init__(self, in_dim: int, hidden: int = 128, out_dim: int = 64) -> None:
        super().__init__()
        self.w1 = nn.Parameter(torch.empty(in_dim, hidden))
        self.b1 = nn.Parameter(torch.zeros(hidden))
        self.w2 = nn.Parameter(torch.empty(hidden, out_dim))
        self.b2 = nn.Parameter(torch.zeros(out_dim))
        nn.init.xavier_uniform_(self.w1)
        nn.init.xavier_uniform_(self.w2)

    def forward(self, adjacency: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        hidden = torch.relu(adjacency @ (features @ self.w1) + self.b1)
        return adjacency @ (hidden @ self.w2) + self.b2

    def export(self) -> dict[str, np.ndarray]:
        """The weights as float32 arrays for ``gcn.npz``."""
        return {k: v.detach().cpu().numpy().astype(np.float32) for k, v in self.state_dict().items()}


@dataclass(frozen=True)
class TrainResult:
    model: GCN
    auc: float
    loss: float
    epochs: int


def auc_score(pos: np.ndarray, neg: np.ndarray) -> float:
    """Area under the ROC curve of positive vs negative scores (Mann-Whitney, ties count half)."""
    pos, neg = np.asarray(pos, np.float64), np.asarray(neg, np.float64)
    if pos.size == 0 or neg.size == 0:
        raise ValueError("AUC needs positive and negative scores")
    scores = np.concatenate([pos, neg])
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(scores.size, dtype=np.float64)
    sorted_scores = scores[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    avg = first + (counts - 1) / 2.0 + 1.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[: pos.size].sum() - pos.size * (pos.size + 1) / 2) / (pos.size * neg.size))


def edge_scores(z: torch.Tensor, pairs: np.ndarray) -> np.ndarray:
    """``z_i . z_j`` for each pair."""
    idx = torch.as_tensor(pairs, dtype=torch.long)
    return (z[idx[:, 0]] * z[idx[:, 1]]).sum(-1).detach().numpy()


def train_link_prediction(
    weights: np.ndarray,
    features: np.ndarray,
    active: np.ndarray,
    split: EdgeSplit | None = None,
    epochs: int = 150,
    lr: float = 0.01,
    hidden: int = 128,
    out_dim: int = 64,
    seed: int = 0,
) -> TrainResult:
    """Train on the edges of ``weights`` (``[V, V]``); AUC on ``split``'s held-out pairs (nan without).

    ``active``: the token ids negatives are drawn from (those the style uses).
    """
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    adjacency = torch.from_numpy(normalized_adjacency(weights))
    x = torch.from_numpy(scale_features(features))
    src, dst = np.nonzero(weights > 0)
    keep = src != dst
    pos = torch.as_tensor(np.stack([src[keep], dst[keep]], 1), dtype=torch.long)
    if pos.shape[0] == 0:
        raise ValueError("the graph has no edges to learn from")
    active_t = torch.as_tensor(active, dtype=torch.long)
    model = GCN(x.shape[1], hidden, out_dim)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    labels = torch.cat([torch.ones(pos.shape[0]), torch.zeros(pos.shape[0])])
    loss = torch.tensor(float("nan"))
    for _ in range(epochs):
        optimiser.zero_grad()
        z = model(adjacency, x)
        neg = active_t[torch.randint(len(active_t), (pos.shape[0], 2), generator=gen)]
        pairs = torch.cat([pos, neg])
        logits = (z[pairs[:, 0]] * z[pairs[:, 1]]).sum(-1)
        loss = loss_fn(logits, labels)
        loss.backward()
        optimiser.step()
    model.eval()
    auc = float("nan")
    if split is not None and len(split.test_neg):
        with torch.no_grad():
            z = model(adjacency, x)
        auc = auc_score(edge_scores(z, split.test_pos), edge_scores(z, split.test_neg))
    return TrainResult(model, auc, float(loss), epochs)


def embed(model: GCN, weights: np.ndarray, features: np.ndarray) -> np.ndarray:
    """Node embeddings over the full graph (the features scaled as in training)."""
    x = scale_features(features)
    with torch.no_grad():
        z = model(torch.from_numpy(normalized_adjacency(weights)), torch.from_numpy(x))
    return z.numpy().astype(np.float32)
