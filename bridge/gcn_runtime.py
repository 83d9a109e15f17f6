"""The graph network at run time: its ONNX graph (``gcn.onnx``) run by onnxruntime, like the decoder.

``gcn.onnx`` (written by ``export.gcn_onnx`` from the trained torch GCN) maps a normalised adjacency
``[V, V]`` and node features ``[V, F]`` to the node embeddings ``[V, d]`` and every pair's
link-prediction score ``[V, V]`` (the trained link decoder). A style learned in the daemon, live or from
a folder, gets its embeddings and its link scores through it; the style expert backs off to those
scores. The graph's bytes are kept so a learned style folder carries the same file.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from bridge.bounded_files import FileRefused, read_bytes
from bridge.model import ModelError

log = logging.getLogger(__name__)

INPUTS = ("adjacency", "features")
OUTPUTS = ("embeddings", "scores")


class GraphNetwork:
    """A loaded ``gcn.onnx``: ``run(adjacency, features) -> (embeddings, scores)``."""

    def __init__(self, onnx_bytes: bytes, what: str = "gcn.onnx") -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(onnx_bytes, sess_options=options,
                                                 providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types for bad graphs
            raise ModelError(f"{what} is not a loadable ONNX graph network: {exc}") from None
        names = tuple(i.name for i in self._session.get_inputs())
        outputs = tuple(o.name for o in self._session.get_outputs())
        if names != INPUTS or outputs != OUTPUTS:
            raise ModelError(f"{what} must take {INPUTS} and give {OUTPUTS}, not {names} -> {outputs}")
        self.onnx_bytes = onnx_bytes
        self.feature_dim = int(self._session.get_inputs()[1].shape[1])

    @classmethod
    def from_file(cls, path: Path | str) -> GraphNetwork:
        """Load ``gcn.onnx`` (size-bounded read)."""
        try:
            return cls(read_bytes(path, "graph network", "gcn"), str(path))
        except FileRefused as exc:
            raise ModelError(str(exc)) from None

    def run(self, adjacency: np.ndarray, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Embeddings ``[V, d]`` and link scores ``[V, V]`` (float32) of a graph."""
        adjacency = np.ascontiguousarray(adjacency, dtype=np.float32)
        features = np.ascontiguousarray(features, dtype=np.float32)
        if features.shape[1] != self.feature_dim or adjacency.shape != (features.shape[0],) * 2:
            raise ModelError(f"graph network wants [V, V] and [V, {self.feature_dim}] inputs, got "
                             f"{adjacency.shape} and {features.shape}")
        embeddings, scores = self._session.run(OUTPUTS, {"adjacency": adjacency, "features": features})
        return embeddings, scores

    def save(self, path: Path) -> None:
        """Write the graph's bytes to ``path``."""
        Path(path).write_bytes(self.onnx_bytes)
