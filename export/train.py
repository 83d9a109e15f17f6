"""Train the default decoder: ``python -m export.train --data data/tokens --out runs/default``.

Random windows of ``context_length + 1`` tokens from the (augmented) training split, AdamW with warm-up and
cosine decay, periodic validation, checkpoints that resume (``--resume``). A time budget (``--minutes``)
or a step count ends it; the best-validation weights are what gets exported.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import time
from pathlib import Path

import numpy as np
import torch

from export.model import GPT, GPTConfig

log = logging.getLogger(__name__)


class TokenWindows:
    """Batches of random windows from a flat uint16 token array."""

    def __init__(self, tokens: np.ndarray, window: int, seed: int) -> None:
        if len(tokens) <= window + 1:
            raise ValueError(f"only {len(tokens)} tokens, need more than {window + 1}")
        self.tokens = tokens
        self.window = window
        self.rng = np.random.default_rng(seed)

    def batch(self, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        starts = self.rng.integers(0, len(self.tokens) - self.window - 1, size)
        rows = np.stack([self.tokens[s : s + self.window + 1] for s in starts]).astype(np.int64)
        data = torch.from_numpy(rows)
        return data[:, :-1], data[:, 1:]


def lr_at(step: int, total: int, peak: float, warmup: int, floor: float) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return floor + 0.5 * (peak - floor) * (1 + math.cos(math.pi * progress))


@torch.no_grad()
def evaluate_nll(model: GPT, tokens: np.ndarray, window: int, max_windows: int = 200) -> float:
    """Mean NLL per token (nats) over non-overlapping windows at fixed positions."""
    model.eval()
    total, count = 0.0, 0
    starts = np.linspace(
        0, len(tokens) - window - 1, num=min(max_windows, (len(tokens) - 1) // window)
    ).astype(int)
    for chunk in np.array_split(starts, max(1, len(starts) // 16)):
        rows = np.stack([tokens[s : s + window + 1] for s in chunk]).astype(np.int64)
        x, y = torch.from_numpy(rows[:, :-1]), torch.from_numpy(rows[:, 1:])
        loss = model.loss(x, y)
        total += float(loss) * y.numel()
        count += y.numel()
    model.train()
    return total / count


def save_checkpoint(
    path: Path, model: GPT, opt: torch.optim.Optimizer, step: int, best: float, history: list
) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(
        {
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "step": step,
            "best_val": best,
            "config": model.cfg.to_dict(),
            "history": history,
        },
        tmp,
    )
    tmp.replace(path)


def load_trained(ckpt_dir: Path) -> GPT:
    """The best-validation model of a run folder (``best.pt``, else ``last.pt``)."""
    path = ckpt_dir / "best.pt" if (ckpt_dir / "best.pt").exists() else ckpt_dir / "last.pt"
    state = torch.load(path, map_location="cpu", weights_only=True)
    model = GPT(GPTConfig.from_dict(state["config"]))
    model.load_state_dict(state["model"])
    return model.eval()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data/tokens"))
    parser.add_argument("--out", type=Path, default=Path("runs/default"))
    parser.add_argument("--vocab-size", type=int, default=1000)
    parser.add_argument("--context", type=int, default=192)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--embd", type=int, default=192)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--batch", type=int, default=24)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--steps", type=int, default=6000, help="schedule length (cosine decay over these)")
    parser.add_argument("--minutes", type=float, default=0, help="stop after this wall time (0: no limit)")
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    train = np.load(args.data / "train.npy")
    val = np.load(args.data / "validation.npy")
    cfg = GPTConfig(
        vocab_size=args.vocab_size,
        context_length=args.context,
        n_layer=args.layers,
        n_head=args.heads,
        n_embd=args.embd,
        dropout=args.dropout,
    )
    model = GPT(cfg)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr,
        betas=(0.9, 0.95),
    )
    step, best, history = 0, float("inf"), []
    last = args.out / "last.pt"
    if args.resume and last.exists():
        state = torch.load(last, map_location="cpu", weights_only=True)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step, best, history = state["step"], state["best_val"], state["history"]
        log.info("resumed at step %d (best val %.4f)", step, best)
    log.info(
        "model %.2fM parameters; train %d tokens, validation %d",
        model.num_params() / 1e6,
        len(train),
        len(val),
    )
    windows = TokenWindows(train, cfg.context_length, args.seed + step)
    started = time.time()
    tokens_seen = 0
    model.train()
    while step < args.steps:
        for group in opt.param_groups:
            group["lr"] = lr_at(step, args.steps, args.lr, 200, args.lr / 20)
        x, y = windows.batch(args.batch)
        loss = model.loss(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        tokens_seen += y.numel()
        elapsed = time.time() - started
        out_of_time = args.minutes > 0 and elapsed > args.minutes * 60
        if step % 50 == 0:
            log.info(
                "step %d loss %.4f lr %.2e %.0f tok/s",
                step,
                float(loss.detach()),
                opt.param_groups[0]["lr"],
                tokens_seen / elapsed,
            )
        if step % args.eval_every == 0 or step == args.steps or out_of_time:
            val_nll = evaluate_nll(model, val, cfg.context_length)
            history.append(
                {
                    "step": step,
                    "train_loss": float(loss.detach()),
                    "val_nll": val_nll,
                    "minutes": elapsed / 60,
                }
            )
            log.info("step %d validation NLL %.4f (best %.4f)", step, val_nll, min(best, val_nll))
            save_checkpoint(last, model, opt, step, min(best, val_nll), history)
            if val_nll < best:
                best = val_nll
                save_checkpoint(args.out / "best.pt", model, opt, step, best, history)
            (args.out / "history.json").write_text(json.dumps(history, indent=1))
        if out_of_time:
            log.info("time budget reached at step %d", step)
            break


if __name__ == "__main__":
    main()
