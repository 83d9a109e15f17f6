"""Export a trained ``GPT`` to ONNX with an explicit KV cache, and check parity with onnxruntime.

Inputs ``input_ids`` [batch, seq] and ``past_key_values.{i}.key|value`` [batch, heads, past, head_dim];
outputs ``logits`` [batch, seq, vocab] and ``present.{i}.key|value``: the naming of the ONNX ecosystem's
decoder exports. The model's settings go into the ONNX metadata and into ``config.json`` beside it, so
``bridge/`` rebuilds everything without torch.
"""

from __future__ import annotations

import json
import logging
import shutil
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from export.model import GPT

log = logging.getLogger(__name__)
OPSET = 17


class _FlatKV(nn.Module):
    """Adapter: flat (ids, k0, v0, k1, v1, ...) in, flat (logits, k0', v0', ...) out."""

    def __init__(self, model: GPT) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: Tensor, *flat_past: Tensor) -> tuple[Tensor, ...]:
        past = [(flat_past[2 * i], flat_past[2 * i + 1]) for i in range(len(flat_past) // 2)]
        logits, present = self.model(input_ids, past)
        return (logits, *[t for kv in present for t in kv])


def io_names(n_layer: int) -> tuple[list[str], list[str]]:
    inputs = ["input_ids"] + [f"past_key_values.{i}.{kv}" for i in range(n_layer) for kv in ("key", "value")]
    outputs = ["logits"] + [f"present.{i}.{kv}" for i in range(n_layer) for kv in ("key", "value")]
    return inputs, outputs


def model_config(model: GPT, tokenizer_vocab: dict[str, int], extra: dict | None = None) -> dict:
    cfg = model.cfg
    return {
        "format": "segue-decoder", "version": 1,
        "vocab_size": cfg.vocab_size, "n_layer": cfg.n_layer, "n_head": cfg.n_head, "n_embd": cfg.n_embd,
        "head_dim": cfg.head_dim, "context_length": cfg.context_length,
        "tokenizer": "tokenizer.json", "onnx": "decoder.onnx",
        "pad_id": tokenizer_vocab["PAD_None"], "bos_id": tokenizer_vocab["BOS_None"],
        "eos_id": tokenizer_vocab["EOS_None"],
        **(extra or {}),
    }


def export_onnx(model: GPT, tokenizer_path: Path, out_dir: Path, extra_config: dict | None = None) -> Path:
    """Write ``decoder.onnx``, ``tokenizer.json`` and ``config.json`` into ``out_dir``."""
    from miditok import TSD

    out_dir.mkdir(parents=True, exist_ok=True)
    model = model.eval().float()
    cfg = model.cfg
    names_in, names_out = io_names(cfg.n_layer)
    ids = torch.randint(0, cfg.vocab_size, (1, 3))
    past = [t for kv in model.empty_past(1) for t in kv]
    # a non-empty past in the example keeps the exporter from specialising on past length 0
    past = [torch.randn(1, cfg.n_head, 2, cfg.head_dim) for _ in past]
    dynamic = {"input_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}}
    for name in names_in[1:]:
        dynamic[name] = {0: "batch", 2: "past"}
    for name in names_out[1:]:
        dynamic[name] = {0: "batch", 2: "total"}
    onnx_path = out_dir / "decoder.onnx"
    with warnings.catch_warnings():
        # the TorchScript exporter warns about its own deprecation and about tracing shape arithmetic
        # (the split size is the fixed embedding width); neither affects this graph, which parity() checks
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(
            _FlatKV(model), (ids, *past), str(onnx_path), input_names=names_in, output_names=names_out,
            dynamic_axes=dynamic, opset_version=OPSET, dynamo=False,
        )
    tokenizer_target = out_dir / "tokenizer.json"
    if Path(tokenizer_path).resolve() != tokenizer_target.resolve():
        shutil.copy(tokenizer_path, tokenizer_target)
    vocab = TSD(params=tokenizer_target).vocab
    config = model_config(model, vocab, extra_config)
    (out_dir / "config.json").write_text(json.dumps(config, indent=1))
    _write_metadata(onnx_path, config)
    return onnx_path


def _write_metadata(onnx_path: Path, config: dict) -> None:
    import onnx

    proto = onnx.load(str(onnx_path))
    del proto.metadata_props[:]
    for key, value in config.items():
        if not isinstance(value, dict):
            entry = proto.metadata_props.add()
            entry.key, entry.value = key, json.dumps(value)
    onnx.save(proto, str(onnx_path))


def parity(model: GPT, onnx_path: Path, prefill: int = 32, steps: int = 64, seed: int = 0) -> float:
    """Max abs logit difference, torch vs onnxruntime, over a prefill and ``steps`` cached steps."""
    import onnxruntime as ort

    model = model.eval().float()
    cfg = model.cfg
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    names_in, _ = io_names(cfg.n_layer)
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, cfg.vocab_size, (1, prefill + steps), generator=gen)
    worst = 0.0
    past_t = None
    feeds = {n: np.zeros((1, cfg.n_head, 0, cfg.head_dim), np.float32) for n in names_in[1:]}
    chunks = [ids[:, :prefill]] + [ids[:, i : i + 1] for i in range(prefill, prefill + steps)]
    with torch.no_grad():
        for chunk in chunks:
            logits_t, past_t = model(chunk, past_t)
            out = sess.run(None, {"input_ids": chunk.numpy(), **feeds})
            worst = max(worst, float(np.abs(out[0] - logits_t.numpy()).max()))
            feeds = dict(zip(names_in[1:], out[1:], strict=True))
    return worst
