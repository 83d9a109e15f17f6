"""The graph network's numeric core in numpy: the propagation matrix and the feature scaling.

The runtime prepares a graph learned live with these and runs the network itself from ONNX
(``bridge.gcn_runtime``); ``export/gcn.py`` trains on the same maths.
"""

from __future__ import annotations

import numpy as np


def normalized_adjacency(weights: np.ndarray) -> np.ndarray:
    """GCN propagation matrix ``D^-1/2 (S + I) D^-1/2`` of a weighted directed graph (float32 ``[V, V]``).

    ``S`` is the symmetrised weight matrix scaled so its largest entry is 1, so a node's own features
    keep a say against heavily counted neighbours.
    """
    w = np.asarray(weights, dtype=np.float64)
    sym = w + w.T
    top = sym.max() if sym.size else 0.0
    if top > 0:
        sym = sym / top
    sym = np.log1p(sym * 1e3) / np.log1p(1e3)  # compress the heavy-tailed counts
    sym[np.diag_indices_from(sym)] += 1.0
    degree = sym.sum(axis=1)
    inv = 1.0 / np.sqrt(degree)
    return (sym * inv[:, None] * inv[None, :]).astype(np.float32)


def scale_features(features: np.ndarray) -> np.ndarray:
    """Node features divided by their overall standard deviation (the decoder's embeddings may be tiny)."""
    x = np.asarray(features, dtype=np.float32)
    return (x / (float(x.std()) + 1e-8)).astype(np.float32)


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norm, out=np.zeros_like(x, dtype=np.float32), where=norm > 0).astype(np.float32)
