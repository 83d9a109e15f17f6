"""A two-layer GCN trained by link prediction with negative sampling, and its held-out edge AUC.

``Z = A relu(A X W1 + b1) W2 + b2`` with ``A`` the normalised adjacency of
:func:`bridge.style.normalized_adjacency`; an edge ``(i, j)`` scores ``z_i . z_j``. Each epoch takes
every training edge as a positive and as many uniformly drawn token pairs of the style as negatives
(binary cross-entropy). The network exports to ONNX (``export.gcn_onnx``), which the runtime runs with
onnxruntime, so it needs no torch.
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
    """Two graph-convolution layers (bias added after propagation) and the
    link decoder ``score(i, j) = sum(z_i * r * z_j) + z_i . u + z_j . u`` (``u``: how readily a token
    links at all, so frequent tokens do not need to crowd the embedding space)."""

    def __init__(self, in_dim: int, hidden: int = 128, out_dim: int = 64) -> None:
        super().__init__()
        self.w1 = nn.Parameter(torch.empty(in_dim, hidden))
        self.b1 = nn.Parameter(torch.zeros(hidden))
        self.w2 = nn.Parameter(torch.empty(hidden, out_dim))
        self.b2 = nn.Parameter(torch.zeros(out_dim))
        self.r = nn.Parameter(torch.ones(out_dim))
        self.u = nn.Parameter(torch.zeros(out_dim))
        nn.init.xavier_uniform_(self.w1)
        nn.init.xavier_uniform_(self.w2)

    def forward(self, adjacency: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        hidden = torch.relu(adjacency @ (features @ self.w1) + self.b1)
        return adjacency @ (hidden @ self.w2) + self.b2

    def isolated(self, features: torch.Tensor) -> torch.Tensor:
        """The forward pass of tokens without edges (their adjacency is the identity)."""
        return torch.relu(features @ self.w1 + self.b1) @ self.w2 + self.b2

    def score_matrix(self, z: torch.Tensor) -> torch.Tensor:
        """``[n, n]`` link scores of every pair."""
        popularity = z @ self.u
        return (z * self.r) @ z.T + popularity[:, None] + popularity[None, :]

    def export(self) -> dict[str, np.ndarray]:
        """The weights as float32 arrays for ``gcn.npz``."""
        return {k: v.detach().cpu().numpy().astype(np.float32) for k, v in self.state_dict().items()}


def torch_threads(n: int) -> None:
    """Pin torch's intra-op threads (small dense graphs run fastest on one)."""
    torch.set_num_threads(max(1, n))


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


@dataclass(frozen=True)
class LinkAUC:
    """Held-out edge AUC against two kinds of negatives."""

    style: float  # negatives: unlinked pairs of tokens the style uses (the hard test)
    vocabulary: float  # negatives: unlinked pairs drawn from the whole vocabulary (the usual test)


def train_link_prediction(
    weights: np.ndarray,
    features: np.ndarray,
    split: EdgeSplit | None = None,
    epochs: int = 300,
    lr: float = 0.01,
    hidden: int = 128,
    out_dim: int = 64,
    seed: int = 0,
) -> tuple[GCN, LinkAUC | None, float]:
    """Train on the edges of ``weights`` (``[V, V]``); returns the network, its AUC on ``split``'s
    held-out pairs (None without a split) and the last loss.

    Each epoch draws as many negative pairs as there are edges: half among the tokens the style uses,
    half anywhere in the vocabulary.
    """
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    n = weights.shape[0]
    linked = (weights > 0) | (weights > 0).T
    active = np.flatnonzero(linked.any(axis=1))
    if active.size < 2:
        raise ValueError("the graph has no edges to learn from")
    # tokens without edges propagate only to themselves (their adjacency row is the identity), so the
    # network runs over the linked tokens' subgraph plus a fresh sample of the others each epoch
    others = torch.as_tensor(np.setdiff1d(np.arange(n), active), dtype=torch.long)
    n_extra = min(len(others), max(64, active.size // 2))
    adjacency = torch.from_numpy(normalized_adjacency(weights[np.ix_(active, active)]))
    x_all = torch.from_numpy(scale_features(features))
    x_active = x_all[torch.as_tensor(active, dtype=torch.long)]
    m = active.size + n_extra
    positive = torch.zeros(m, m)
    positive[: active.size, : active.size] = torch.from_numpy(
        (weights[np.ix_(active, active)] > 0) & ~np.eye(active.size, dtype=bool)).float()
    n_pos = int(positive.sum())
    model = GCN(x_all.shape[1], hidden, out_dim)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    softplus = nn.functional.softplus
    loss = float("nan")
    half = n_pos // 2
    for _ in range(epochs):
        optimiser.zero_grad()
        z = model(adjacency, x_active)
        if n_extra:
            extra = others[torch.randperm(len(others), generator=gen)[:n_extra]]
            z = torch.cat([z, model.isolated(x_all[extra])])
        scores = model.score_matrix(z)
        # negatives: half among the style's own tokens (hard), half among all the tokens in play
        negative = torch.zeros(m * m)
        pairs = torch.randint(active.size, (half, 2), generator=gen)
        negative[pairs[:, 0] * m + pairs[:, 1]] = 1.0
        negative[torch.randint(m * m, (n_pos - half,), generator=gen)] = 1.0
        negative = negative.view(m, m)
        batch_loss = ((softplus(-scores) * positive).sum() + (softplus(scores) * negative).sum()) / n_pos
        batch_loss.backward()
        optimiser.step()
        loss = float(batch_loss.detach())
    model.eval()
    if split is None:
        return model, None, loss
    with torch.no_grad():
        scores = model.score_matrix(torch.from_numpy(embed(model, weights, features))).numpy()
    pos = scores[split.test_pos[:, 0], split.test_pos[:, 1]]
    auc = LinkAUC(
        style=auc_score(pos, scores[split.test_neg[:, 0], split.test_neg[:, 1]]),
        vocabulary=auc_score(pos, scores[split.test_neg_vocab[:, 0], split.test_neg_vocab[:, 1]]),
    )
    return model, auc, loss


def embed(model: GCN, weights: np.ndarray, features: np.ndarray) -> np.ndarray:
    """Node embeddings of every token over the full graph (the features scaled as in training)."""
    with torch.no_grad():
        z = model(torch.from_numpy(normalized_adjacency(weights)), torch.from_numpy(scale_features(features)))
    return z.numpy().astype(np.float32)
