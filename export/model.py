"""A GPT-style decoder with an explicit KV cache, small enough for real time on two CPU cores.

Pre-norm transformer blocks, learned positions, tied input/output embeddings (as nanoGPT). The forward
pass takes the past keys/values of every layer and returns the new ones, so one ONNX graph serves both
the prefill of a seed (past length 0) and one-token steps. Positions are ``past_len + arange(seq)``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

CONFIG_VERSION = 1


@dataclass
class GPTConfig:
    vocab_size: int = 1000
    context_length: int = 256
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 256
    dropout: float = 0.1

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    def to_dict(self) -> dict:
        return {"version": CONFIG_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict) -> GPTConfig:
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**fields)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=1))


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.n_head, self.head_dim = cfg.n_head, cfg.head_dim
        self.qkv = nn.Linear(cfg.n_embd, 3 * cfg.n_embd)
        self.proj = nn.Linear(cfg.n_embd, cfg.n_embd)
        self.dropout = cfg.dropout

    def forward(
        self, x: Tensor, past_k: Tensor, past_v: Tensor, causal: bool = False
    ) -> tuple[Tensor, Tensor, Tensor]:
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q = q.view(b, t, self.n_head, self.head_dim).transpose(1, 2)
        k = torch.cat([past_k, k.view(b, t, self.n_head, self.head_dim).transpose(1, 2)], dim=2)
        v = torch.cat([past_v, v.view(b, t, self.n_head, self.head_dim).transpose(1, 2)], dim=2)
        dropout = self.dropout if self.training else 0.0
        if causal:  # training: no past, the fused causal kernel
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=dropout)
            return self.proj(y.transpose(1, 2).contiguous().view(b, t, c)), k, v
        past_len = past_k.shape[2]
        total = k.shape[2]
        # query i (absolute position past_len + i) sees keys 0..past_len + i
        q_pos = torch.arange(t, device=x.device).unsqueeze(1) + past_len
        k_pos = torch.arange(total, device=x.device).unsqueeze(0)
        mask = k_pos <= q_pos
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout)
        y = y.transpose(1, 2).contiguous().view(b, t, c)
        return self.proj(y), k, v


class Block(nn.Module):
    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.n_embd)
        self.attn = CausalSelfAttention(cfg)
        self.ln2 = nn.LayerNorm(cfg.n_embd)
        self.mlp = nn.Sequential(
            nn.Linear(cfg.n_embd, 4 * cfg.n_embd), nn.GELU(), nn.Linear(4 * cfg.n_embd, cfg.n_embd),
            nn.Dropout(cfg.dropout),
        )

    def forward(
        self, x: Tensor, past_k: Tensor, past_v: Tensor, causal: bool = False
    ) -> tuple[Tensor, Tensor, Tensor]:
        a, k, v = self.attn(self.ln1(x), past_k, past_v, causal)
        x = x + a
        x = x + self.mlp(self.ln2(x))
        return x, k, v


class GPT(nn.Module):
    """Decoder-only transformer; ``forward(ids, past)`` returns (logits, present)."""

    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.pos_emb = nn.Embedding(cfg.context_length, cfg.n_embd)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        self.head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        self.head.weight = self.tok_emb.weight
        self.apply(self._init)
        for name, p in self.named_parameters():
            if name.endswith("proj.weight") or name.endswith("mlp.2.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, 0.0, 0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, 0.0, 0.02)

    def empty_past(self, batch: int = 1) -> list[tuple[Tensor, Tensor]]:
        shape = (batch, self.cfg.n_head, 0, self.cfg.head_dim)
        w = self.tok_emb.weight
        return [(w.new_zeros(shape), w.new_zeros(shape)) for _ in range(self.cfg.n_layer)]

    def forward(
        self, input_ids: Tensor, past: list[tuple[Tensor, Tensor]] | None = None, causal: bool = False
    ) -> tuple[Tensor, list[tuple[Tensor, Tensor]]]:
        """Logits and the new keys/values; ``causal`` (no past): the fused kernel for training."""
        if past is None:
            past = self.empty_past(input_ids.shape[0])
        past_len = past[0][0].shape[2]
        pos = torch.arange(input_ids.shape[1], device=input_ids.device) + past_len
        x = self.drop(self.tok_emb(input_ids) + self.pos_emb(pos))
        present = []
        for block, (pk, pv) in zip(self.blocks, past, strict=True):
            x, k, v = block(x, pk, pv, causal)
            present.append((k, v))
        return self.head(self.ln_f(x)), present

    def loss(self, input_ids: Tensor, targets: Tensor) -> Tensor:
        logits, _ = self(input_ids, causal=True)
        return token_loss(logits, targets)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters()) - self.pos_emb.weight.numel()


def token_loss(logits: Tensor, targets: Tensor) -> Tensor:
    """Mean cross-entropy of next-token ``logits`` [batch, seq, vocab] against ``targets`` [batch, seq]."""
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), targets.reshape(-1))


def save_npz(model: GPT, path: Path) -> None:
    """Weights as plain arrays (no pickle), with the config as a JSON string."""
    arrays = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items() if k != "head.weight"}
    np.savez(path, __config__=np.array(json.dumps(model.cfg.to_dict())), **arrays)


def load_npz(path: Path) -> GPT:
    """A ``GPT`` from ``save_npz``'s file."""
    with np.load(path, allow_pickle=False) as data:
        model = GPT(GPTConfig.from_dict(json.loads(str(data["__config__"]))))
        state = {k: torch.from_numpy(data[k]) for k in data.files if k != "__config__"}
    state["head.weight"] = state["tok_emb.weight"]
    model.load_state_dict(state)
    return model.eval()
