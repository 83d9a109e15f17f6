"""Export the trained graph network to ONNX (``gcn.onnx``): embeddings and link scores in one graph.

    python -m export.gcn_onnx models/styles/fiddle [--weights gcn.npz]

The graph is ``export.gcn.GCN``'s forward pass and its link decoder,
``scores = (Z * r) Z^T + Z u + (Z u)^T``, with the vocabulary size dynamic; the runtime
(``bridge.gcn_runtime``) runs it with onnxruntime when a style is learned in the daemon.
"""

from __future__ import annotations

import argparse
import io
import logging
from pathlib import Path

import numpy as np
import torch
from torch import nn

from export.gcn import GCN

log = logging.getLogger(__name__)

OPSET = 17


class _Scorer(nn.Module):
    """The GCN and its link decoder: (adjacency, features) -> (embeddings, scores)."""

    def __init__(self, gcn: GCN) -> None:
        super().__init__()
        self.gcn = gcn

    def forward(self, adjacency: torch.Tensor, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.gcn(adjacency, features)
        return z, self.gcn.score_matrix(z)


def gcn_from_weights(weights: dict[str, np.ndarray]) -> GCN:
    """A :class:`GCN` holding exported weights (``GCN.export``)."""
    w1, w2 = np.asarray(weights["w1"]), np.asarray(weights["w2"])
    model = GCN(w1.shape[0], w1.shape[1], w2.shape[1])
    state = {k: torch.from_numpy(np.asarray(v, dtype=np.float32)) for k, v in weights.items()}
    state.setdefault("r", torch.ones(w2.shape[1]))
    state.setdefault("u", torch.zeros(w2.shape[1]))
    model.load_state_dict(state)
    return model.eval()


def gcn_onnx_bytes(model: GCN, vocab_size: int = 16) -> bytes:
    """The ONNX graph of ``model`` (vocabulary size dynamic)."""
    in_dim = model.w1.shape[0]
    example = (torch.eye(vocab_size), torch.zeros(vocab_size, in_dim))
    buffer = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(_Scorer(model.eval()), example, buffer, input_names=["adjacency", "features"],
                          output_names=["embeddings", "scores"], opset_version=OPSET, dynamo=False,
                          dynamic_axes={"adjacency": {0: "vocab", 1: "vocab"}, "features": {0: "vocab"},
                                        "embeddings": {0: "vocab"}, "scores": {0: "vocab", 1: "vocab"}})
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Write ``gcn.onnx`` into a style folder from its ``gcn.npz`` weights."""
    parser = argparse.ArgumentParser(prog="python -m export.gcn_onnx", description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="a style folder")
    parser.add_argument("--weights", type=Path, help="the GCN weights (default: FOLDER/gcn.npz)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    with np.load(args.weights or args.folder / "gcn.npz", allow_pickle=False) as data:
        weights = {k: data[k] for k in data.files}
    (args.folder / "gcn.onnx").write_bytes(gcn_onnx_bytes(gcn_from_weights(weights)))
    print(f"wrote {args.folder / 'gcn.onnx'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
