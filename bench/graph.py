"""Style graph speed: the graph sampler's cost per token and learning a style from 100 MIDI files.

    python -m bench.graph [--style fiddle] [--tokens 100000] [--files 100] [--corpus data/corpus]

Per token: the shipped style's walk continuing the bench seed, each of ``--tokens`` steps timed (the
style's variable-order expert is built once per style and timed separately). Learning:
``segue learn-style`` on ``--files`` MIDI files of the held-out style family (tokenizing, the graph,
the three graph-network variants, writing the style) in a subprocess, against a scratch copy of the
models folder.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import REPO, model_folder, seed_phrase, table
from bridge.model import ModelBundle
from bridge.samplers.graph import GraphSampler
from bridge.sampling import SamplingParams
from bridge.style import Style


def walk_cost(models: Path, model: str, style_name: str, n_tokens: int) -> dict[str, float]:
    """Per walk token (p50, p99 microseconds, steady state) and milliseconds to build the style's expert."""
    bundle = ModelBundle.load(models, model)
    style = Style.load(models, style_name)
    started = time.perf_counter_ns()
    sampler = GraphSampler(bundle.scheme, style)
    build_ms = (time.perf_counter_ns() - started) / 1e6
    seed = bundle.scheme.encode(seed_phrase(), 120.0)
    steps: list[int] = []
    walk = sampler.generate(seed, SamplingParams(), np.random.default_rng(0), lambda: len(steps) >= n_tokens)
    last = time.perf_counter_ns()
    for _ in walk:
        now = time.perf_counter_ns()
        steps.append(now - last)
        last = now
    us = np.asarray(steps) / 1e3
    return {"per_token_us": float(np.median(us)), "per_token_p99_us": float(np.percentile(us, 99)),
            "build_ms": build_ms, "tokens": len(steps)}


def learn_time(models: Path, model: str, corpus: Path, n_files: int) -> dict[str, float | str]:
    """Wall time of ``learn-style`` on ``n_files`` files of the held-out style family."""
    index = json.loads((corpus / "index.json").read_text())
    ids = [p["id"] for p in index["pieces"] if p["split"] == "style_train"][:n_files]
    if len(ids) < n_files:
        raise SystemExit(f"{corpus} has only {len(ids)} style_train pieces")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        folder = tmp_path / "midi"
        folder.mkdir()
        for i, piece in enumerate(ids):
            shutil.copy(corpus / "midi" / piece, folder / f"{i:03d}_{Path(piece).name}")
        scratch = tmp_path / "models"
        scratch.mkdir()
        shutil.copytree(models / model, scratch / model)
        shutil.copy(models / "manifest.json", scratch / "manifest.json")
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "export.learn_style", str(folder), "--name", "bench",
             "--models", str(scratch), "--model", model, "--no-progress"],
            capture_output=True, text=True, cwd=REPO, timeout=600,
        )
        seconds = time.perf_counter() - started
        if out.returncode != 0:
            raise SystemExit(f"learn-style failed:\n{out.stderr[-2000:]}")
        card = json.loads((scratch / "styles" / "bench" / "style.json").read_text())
    return {"seconds": seconds, "auc": card["auc"], "auc_vocabulary": card["auc_vocabulary"],
            "inside": card["seconds"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.graph", description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--style", default="fiddle")
    parser.add_argument("--tokens", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--corpus", type=Path, default=REPO / "data" / "corpus")
    parser.add_argument("--no-learn", action="store_true", help="only the walk")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    models, model = model_folder(args.model)
    walk = walk_cost(models, model, args.style, args.tokens)
    rows = [
        ("graph sampler, per token (p50 / p99)",
         f"{walk['per_token_us']:.1f} / {walk['per_token_p99_us']:.1f} us", "<= 20 us"),
        ("the style's variable-order expert, built once per style", f"{walk['build_ms']:.0f} ms", ""),
    ]
    result: dict = {"walk": walk}
    if not args.no_learn:
        learned = learn_time(models, model, args.corpus, args.files)
        result["learn"] = learned
        aucs = ", ".join(f"{k} {v:.3f}" for k, v in learned["auc"].items())
        rows.append((f"learn-style, {args.files} MIDI files (process start to style written)",
                     f"{learned['seconds']:.1f} s", "<= 60 s"))
        rows.append(("held-out edge AUC of those 100 files (style-token negatives)", aucs, ""))
    print(table(rows, f"style graph ({args.style}, model {model})"))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
