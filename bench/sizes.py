"""Decoder sizes: one-token step time (fp32 and int8, onnxruntime CPU, 1 thread) and held-out NLL.

Each size is exported to ONNX with random weights (step time does not depend on them) and quantised as
the release does; steps are timed with a half-full cache, the sizes in turn for three rounds so that all
see the same machine. Each trained run of a size is a row of its own: its minutes, steps and best
validation NLL (a run folder's ``history.json``; a released model folder's manifest entry), and the
training/validation gap of its weights with the collections matched (``export.fit_gap``). Needs the
export extra.

    python -m bench.sizes [--size 4x192 --size 6x256 ...] [--run runs/size-4x192 --run models/default ...]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

DEFAULT_SIZES = ("4x128", "4x192", "6x256", "8x320")


def _parse(size: str) -> tuple[int, int]:
    layers, _, embd = size.partition("x")
    return int(layers), int(embd)


def _export(layers: int, embd: int, context: int, vocab: int, tokenizer: Path, out: Path) -> dict:
    """Export a random-weight decoder of this size (and its int8 graph) into ``out``; its config."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from export.model import GPT, GPTConfig
    from export.onnx_export import export_onnx

    heads = next(h for h in (4, 5, 6, 8, 1) if embd % h == 0)
    model = GPT(GPTConfig(vocab_size=vocab, context_length=context, n_layer=layers, n_head=heads,
                          n_embd=embd, dropout=0.0))
    export_onnx(model, tokenizer, out)
    quantize_dynamic(str(out / "decoder.onnx"), str(out / "decoder.int8.onnx"), weight_type=QuantType.QInt8)
    config = json.loads((out / "config.json").read_text())
    config["params"] = model.num_params()
    return config


def _trained(runs: list[Path], tokens: Path) -> dict[tuple[int, int, int], list[dict]]:
    """(layers, embd, context) -> its trained runs: minutes, steps, best validation NLL, matched gap."""
    from export.fit_gap import load_model, matched_gap, torch_scorer
    from export.manifest import load_manifest

    out: dict[tuple[int, int, int], list[dict]] = {}
    for run in runs:
        if (run / "weights.npz").exists():  # a released model: its figures are in the manifest
            model = load_model(None, run / "weights.npz")
            metrics = load_manifest(run.parent)["models"][run.name]["metrics"]
            figures = {"minutes": metrics["train_minutes"], "steps": metrics["train_steps"],
                       "val_nll": metrics["validation_nll"], "label": f"{run} (shipped)"}
        else:
            model = load_model(run, None)
            history = json.loads((run / "history.json").read_text())
            figures = {"minutes": history[-1]["minutes"], "steps": history[-1]["step"],
                       "val_nll": min(h["val_nll"] for h in history), "label": str(run)}
        figures["gap"] = matched_gap(torch_scorer(model), tokens)
        cfg = model.cfg
        out.setdefault((cfg.n_layer, cfg.n_embd, cfg.context_length), []).append(figures)
    return out


def _fit_cells(run: dict | None) -> list[str]:
    if run is None:
        return ["not trained", "-", "-"]
    gap = run["gap"]
    return [f"{run['minutes']:.0f} min, {run['steps']} steps ({run['label']})", f"{run['val_nll']:.3f}",
            f"{gap.validation:.3f} / {gap.training:.3f}, {gap.gap:+.3f} "
            f"[{gap.interval[0]:+.3f}, {gap.interval[1]:+.3f}]"]


def main(argv: list[str] | None = None) -> int:
    from export.quantize import _session, step_ms

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", action="append", help="LAYERSxEMBD (repeatable; default: a ladder)")
    parser.add_argument("--context", type=int, default=256)
    parser.add_argument("--tokenizer", type=Path, default=Path("models/default/tokenizer.json"))
    parser.add_argument("--run", type=Path, action="append", default=[],
                        help="a trained run folder, or a released model folder (models/default)")
    parser.add_argument("--tokens", type=Path, default=Path("data/tokens"), help="for the matched gap")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = [_parse(s) for s in (args.size or DEFAULT_SIZES)]
    stats = json.loads((args.tokenizer.parent / "tokenizer_stats.json").read_text())
    tokens_per_note = stats["tokens_per_note_bpe"]  # a step time's notes per second
    trained = _trained(args.run, args.tokens)
    with tempfile.TemporaryDirectory() as tmp:
        sessions, configs = {}, {}
        for layers, embd in sizes:
            folder = Path(tmp) / f"{layers}x{embd}"
            configs[(layers, embd)] = _export(layers, embd, args.context, 1000, args.tokenizer, folder)
            sessions[(layers, embd)] = {p: _session(folder / f) for p, f in
                                        (("fp32", "decoder.onnx"), ("int8", "decoder.int8.onnx"))}
        times: dict[tuple, dict[str, list]] = {k: {"fp32": [], "int8": []} for k in sizes}
        for _ in range(args.rounds):  # in turn, so every size sees the same machine
            for key in sizes:
                for precision, session in sessions[key].items():
                    times[key][precision].append(step_ms(session, configs[key]))
    print("| size | params | int8 step p50 / p99 | fp32 step p50 / p99 | notes/s (int8 p50) | trained "
          "| validation NLL | matched validation / training, gap [95%] |\n|---|---|---|---|---|---|---|---|")
    for key in sizes:
        layers, embd = key
        cells = []
        for precision in ("int8", "fp32"):
            p50 = float(np.median([t[0] for t in times[key][precision]]))
            p99 = float(np.median([t[1] for t in times[key][precision]]))
            cells.append((p50, p99))
        steps = " | ".join(f"{p50:.2f} / {p99:.2f} ms" for p50, p99 in cells)
        params = configs[key]["params"] / 1e6
        head = (f"| {layers} layers, d={embd}, context {args.context} | {params:.2f}M | {steps} | "
                f"{1000 / (cells[0][0] * tokens_per_note):.0f}")
        for run in trained.get((layers, embd, args.context)) or [None]:
            print(f"{head} | {' | '.join(_fit_cells(run))} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
