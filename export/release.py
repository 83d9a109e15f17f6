"""Turn a training run into a shipped model: ONNX + tokenizer + config + weights, checked and registered.

``python -m export.release --run runs/default --name default`` exports the best checkpoint to
``models/<name>/``, checks torch/onnxruntime parity, evaluates it (``export.evaluate``) and writes its
files' sha256, metrics, data description and the reproducing commands into ``models/manifest.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
from pathlib import Path

import numpy as np

from export.fit_gap import matched_gap, torch_scorer
from export.manifest import register_model
from export.model import save_npz
from export.onnx_export import export_onnx, parity
from export.quantize import INT8_FILE, quantize_decoder
from export.train import load_trained

log = logging.getLogger(__name__)

REPRODUCE = [
    "pip install -e '.[export]'",
    "python -m export.corpus --out data/corpus",
    "python -m export.tokenizer --corpus data/corpus --out data/tokenizer --vocab-size 1000",
    "python -m export.dataset --corpus data/corpus --tokenizer data/tokenizer/tokenizer.json "
    "--out data/tokens",
    "python -m export.train --data data/tokens --out runs/default --minutes 75",
    "python -m export.release --run runs/default --name default --tokenizer data/tokenizer",
    "python -m bench.quality",
]
SHIPPED_FILES = ["decoder.onnx", "tokenizer.json", "config.json", "weights.npz"]


def training_minutes(history: list[dict]) -> float:
    """Wall minutes over every run of a resumed training (each run's clock starts at 0)."""
    total, last = 0.0, 0.0
    for entry in history:
        if entry["minutes"] < last:  # a resumed run: its clock restarted
            total += last
        last = entry["minutes"]
    return total + last


def main(argv: list[str] | None = None) -> None:
    from export import evaluate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=Path("runs/default"))
    parser.add_argument("--models", type=Path, default=Path("models"))
    parser.add_argument("--name", default="default")
    parser.add_argument("--data", type=Path, default=Path("data/tokens"))
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"))
    parser.add_argument("--tokenizer", type=Path, default=None,
                        help="folder of the run's tokenizer.json (and tokenizer_stats.json) to ship")
    parser.add_argument("--skip-eval", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")

    out = args.models / args.name
    out.mkdir(parents=True, exist_ok=True)
    if args.tokenizer is not None:
        for name in ("tokenizer.json", "tokenizer_stats.json"):
            if (args.tokenizer / name).exists():
                shutil.copyfile(args.tokenizer / name, out / name)
    model = load_trained(args.run)
    history = json.loads((args.run / "history.json").read_text())
    best = min(history, key=lambda h: h["val_nll"])
    cfg = model.cfg
    stats = json.loads((args.data / "stats.json").read_text())
    tok_stats = (
        json.loads((out / "tokenizer_stats.json").read_text())
        if (out / "tokenizer_stats.json").exists()
        else {}
    )
    data = {
        "source": "music21's bundled corpus converted to MIDI (export.corpus); ABC collections by abc2midi",
        "held_out_style": "fiddle: oneills1850, ryansMammoth, airdsAirs, nottingham-dataset "
        "(never trained on)",
        "splits": stats,
        "reserved": "trecento: out of training and of every shipped style",
        "augmentation": "train x4: original + 3 copies transposed in [-6, 6] semitones, velocity +-12, "
        "half of the copies cut to start at a random bar line",
    }
    onnx_path = export_onnx(
        model,
        out / "tokenizer.json",
        out,
        {"trained_on": data["source"], "tokens_per_note": tok_stats.get("tokens_per_note_bpe")},
    )
    save_npz(model, out / "weights.npz")
    worst = parity(model, onnx_path)
    log.info("parity torch vs onnxruntime: max abs logit difference %.2e", worst)
    files = list(SHIPPED_FILES)
    int8 = quantize_decoder(out, np.load(args.data / "test.npy"))
    if int8["shipped"]:
        files.append(INT8_FILE)
    metrics = {
        "params": model.num_params(),
        "train_steps": history[-1]["step"],
        "train_minutes": round(training_minutes(history), 1),
        "best_step": best["step"],
        "validation_nll": round(best["val_nll"], 4),
        "train_nll_at_best": round(best["train_nll"], 4) if "train_nll" in best else None,
        "matched_fit": matched_gap(torch_scorer(model), args.data).to_dict(collections=False),
        "size": {"layers": cfg.n_layer, "heads": cfg.n_head, "embd": cfg.n_embd,
                 "context": cfg.context_length},
        "onnx_parity_max_abs": float(f"{worst:.2e}"),
        "tokenizer": tok_stats,
        "int8": int8,
    }
    register_model(args.models, args.name, files, metrics=metrics, data=data, reproduce=REPRODUCE)
    if not args.skip_eval:
        figures_path = out / "metrics.json"
        evaluate.main(
            [
                "--models",
                str(args.models),
                "--name",
                args.name,
                "--data",
                str(args.data),
                "--corpus",
                str(args.corpus),
                "--out",
                str(figures_path),
            ]
        )
        metrics.update(json.loads(figures_path.read_text()))
        figures_path.unlink()
    register_model(args.models, args.name, files, metrics=metrics, data=data, reproduce=REPRODUCE)
    log.info("registered %s: %s", args.name, json.dumps(metrics))


if __name__ == "__main__":
    main()
