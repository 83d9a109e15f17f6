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

from export.model import GPT, GPTConfig, token_loss

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
        device = next(model.parameters()).device
        x, y = torch.from_numpy(rows[:, :-1]).to(device), torch.from_numpy(rows[:, 1:]).to(device)
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


def _distributed() -> tuple[int, int]:
    """(rank, world size) under ``torchrun``; (0, 1) otherwise."""
    import os

    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    import torch.distributed as dist

    backend = "nccl" if torch.cuda.is_available() else "gloo"
    dist.init_process_group(backend)
    return dist.get_rank(), world


def _device(name: str, rank: int) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        torch.cuda.set_device(rank % max(1, torch.cuda.device_count()))
        return torch.device("cuda", rank % max(1, torch.cuda.device_count()))
    return torch.device(name)


def bf16_is_fast(device: torch.device) -> bool:
    """Whether bf16 autocast pays on ``device`` (CUDA; a CPU with AMX tiles or AVX512-BF16)."""
    if device.type == "cuda":
        return True
    cpu = torch.cpu
    return bool(getattr(cpu, "_is_amx_tile_supported", lambda: False)()
                or getattr(cpu, "_is_avx512_bf16_supported", lambda: False)())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data/tokens"))
    parser.add_argument("--out", type=Path, default=Path("runs/default"))
    parser.add_argument("--vocab-size", type=int, default=1000)
    parser.add_argument("--context", type=int, default=256)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--embd", type=int, default=192)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--batch", type=int, default=32, help="windows per step (per process under torchrun)")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--steps", type=int, default=20000, help="schedule length (cosine decay over these)")
    parser.add_argument("--minutes", type=float, default=0,
                        help="wall-time budget; the learning rate decays over it (0: no limit)")
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--patience", type=int, default=6,
                        help="stop after this many validations without improvement (0: never)")
    parser.add_argument("--device", default="auto", help="cpu, cuda or auto")
    parser.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=None,
                        help="bf16 autocast (default: on CUDA and on CPUs with AMX or AVX512-BF16, where it "
                        "is faster; emulated elsewhere and several times slower than fp32)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    rank, world = _distributed()
    device = _device(args.device, rank)
    if args.bf16 is None:
        args.bf16 = bf16_is_fast(device)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    main_process = rank == 0
    args.out.mkdir(parents=True, exist_ok=True)
    train = np.load(args.data / "train.npy")
    val = np.load(args.data / "validation.npy")
    cfg = GPTConfig(vocab_size=args.vocab_size, context_length=args.context, n_layer=args.layers,
                    n_head=args.heads, n_embd=args.embd, dropout=args.dropout)
    model = GPT(cfg).to(device)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr, betas=(0.9, 0.95),
    )
    step, best, history, minutes_before = 0, float("inf"), [], 0.0
    last = args.out / "last.pt"
    if args.resume and last.exists():
        state = torch.load(last, map_location=device, weights_only=True)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step, best, history = state["step"], state["best_val"], state["history"]
        minutes_before = history[-1]["minutes"] if history else 0.0
        log.info("resumed at step %d (best val %.4f)", step, best)
    trainer: torch.nn.Module = model
    if world > 1:
        trainer = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    if main_process:
        log.info("model %.2fM parameters on %s x%d (bf16 %s); train %d tokens, validation %d",
                 model.num_params() / 1e6, device, world, args.bf16, len(train), len(val))
    windows = TokenWindows(train, cfg.context_length, args.seed + 1000 * rank + step)
    started = time.time()
    tokens_seen, bad_evals = 0, 0
    model.train()
    while step < args.steps:
        elapsed = time.time() - started + minutes_before * 60
        progress_steps = step
        if args.minutes > 0:  # a time budget: the schedule follows the clock
            progress_steps = max(step, int(args.steps * elapsed / (args.minutes * 60)))
        for group in opt.param_groups:
            group["lr"] = lr_at(progress_steps, args.steps, args.lr, 200, args.lr / 20)
        x, y = windows.batch(args.batch)
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16):
            loss = model.loss(x, y) if world == 1 else _ddp_loss(trainer, x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        tokens_seen += y.numel() * world
        elapsed = time.time() - started + minutes_before * 60
        out_of_time = args.minutes > 0 and elapsed > args.minutes * 60
        if step % 50 == 0 and main_process:
            log.info("step %d loss %.4f lr %.2e %.0f tok/s", step, float(loss.detach()),
                     opt.param_groups[0]["lr"], tokens_seen / max(1e-9, time.time() - started))
        if not (step % args.eval_every == 0 or step == args.steps or out_of_time):
            continue
        stop = out_of_time
        if main_process:
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16):
                val_nll = evaluate_nll(model, val, cfg.context_length)
                train_nll = evaluate_nll(model, train, cfg.context_length)  # windows spread over it all
            history.append(
                {"step": step, "train_nll": train_nll, "val_nll": val_nll, "minutes": elapsed / 60}
            )
            log.info("step %d NLL train %.4f validation %.4f (best %.4f)", step, train_nll, val_nll,
                     min(best, val_nll))
            save_checkpoint(last, model, opt, step, min(best, val_nll), history)
            if val_nll < best - 1e-4:
                best, bad_evals = val_nll, 0
                save_checkpoint(args.out / "best.pt", model, opt, step, best, history)
            else:
                bad_evals += 1
            (args.out / "history.json").write_text(json.dumps(history, indent=1))
            if args.patience and bad_evals >= args.patience:
                log.info("validation not improved for %d evaluations: stopping at step %d", bad_evals, step)
                stop = True
        if world > 1:
            stop = _agree(stop, device)
        if stop:
            if out_of_time and main_process:
                log.info("time budget reached at step %d", step)
            break
    if world > 1:
        import torch.distributed as dist

        dist.destroy_process_group()


def _ddp_loss(trainer: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The loss through the DDP wrapper (its forward is what synchronises gradients)."""
    logits, _ = trainer(x, causal=True)
    return token_loss(logits, y)


def _agree(stop: bool, device: torch.device) -> bool:
    """Rank 0's decision to stop, shared with every process."""
    import torch.distributed as dist

    flag = torch.tensor([1.0 if stop else 0.0], device=device)
    dist.broadcast(flag, 0)
    return bool(flag.item())


if __name__ == "__main__":
    main()
