"""``segue learn-style FOLDER --name NAME``: learn a style from a folder of MIDI files.

Tokenizes the files with the decoder's tokenizer, counts the window graph, trains the graph network
by link prediction for the three node-feature variants (held-out edge AUC for each), and writes
``OUT/styles/NAME/`` (graph.npz, embeddings.npz from the window variant, gcn.onnx: the graph network,
tokens.npz: the pieces' tokens for the style expert, style.json) and the style's entry in
``OUT/manifest.json``. ``OUT`` is ``--out`` (``segue learn-style`` passes the user's data folder),
else the ``--models`` folder the decoder is read from (``models``: how the shipped style is made).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from bridge.gcn_runtime import GraphNetwork
from bridge.model import check_name, sha256_file
from bridge.style import STYLES_DIR, Style, register_style
from bridge.style_sources import midi_files
from export.style_graph import (
    VARIANTS,
    build_style_graph,
    load_token_split,
    node_features,
    positional_profile,
    split_edges,
    tokenize_files,
    training_weights,
)

log = logging.getLogger(__name__)

SHIPPED_VARIANT = "window"


def _progress(items: Iterable, total: int | None, desc: str, enabled: bool) -> Iterable:
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, desc=desc, unit="file" if desc == "tokenize" else "it", leave=False)


def decoder_inputs(models_root: Path, model: str) -> tuple[Path, np.ndarray, np.ndarray, dict]:
    """Tokenizer path, token and positional embedding tables, and config of a model folder."""
    folder = models_root / check_name(model)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    with np.load(folder / "weights.npz", allow_pickle=False) as data:
        tok_emb = np.asarray(data["tok_emb.weight"], dtype=np.float32)
        pos_emb = np.asarray(data["pos_emb.weight"], dtype=np.float32)
    return folder / "tokenizer.json", tok_emb, pos_emb, config


def learn_style(
    name: str,
    sequences: Sequence[Sequence[int]],
    models_root: Path,
    model: str = "default",
    sources: dict | None = None,
    variants: Sequence[str] = VARIANTS,
    epochs: int = 300,
    seed: int = 0,
    register: bool = True,
    progress: bool = False,
    out_root: Path | None = None,
) -> dict:
    """Learn style ``name`` from token sequences with the decoder of ``models_root``; writes its folder
    (and manifest entry) into ``out_root`` (default ``models_root``) and returns its card."""
    from export.gcn import embed, torch_threads, train_link_prediction
    from export.gcn_onnx import gcn_onnx_bytes

    check_name(name)
    if SHIPPED_VARIANT not in variants:
        raise ValueError(f"the variants must include {SHIPPED_VARIANT!r} (its embeddings are shipped)")
    started = time.perf_counter()
    tokenizer, tok_emb, pos_emb, config = decoder_inputs(models_root, model)
    vocab = int(config["vocab_size"])
    skip = [int(config[k]) for k in ("pad_id", "bos_id", "eos_id") if k in config]
    graph = build_style_graph(sequences, vocab, skip=skip)
    if graph.n_edges == 0:
        raise ValueError("the style's pieces hold no transitions")
    split = split_edges(graph, np.random.default_rng(seed))
    active = np.flatnonzero(graph.counts > 0)
    torch_threads(1)
    profile = positional_profile(sequences, pos_emb, vocab, skip) if "token_pos" in variants else None
    aucs: dict[str, float] = {}
    aucs_vocab: dict[str, float] = {}
    shipped = None
    for variant in _progress(variants, len(variants), "train", progress):
        features = node_features(variant, tok_emb, profile)
        net, auc, loss = train_link_prediction(training_weights(variant, graph, split), features, split,
                                               epochs=epochs, seed=seed)
        aucs[variant], aucs_vocab[variant] = round(auc.style, 4), round(auc.vocabulary, 4)
        log.info("variant %s: held-out edge AUC %.4f vs style pairs, %.4f vs vocabulary pairs (loss %.3f)",
                 variant, auc.style, auc.vocabulary, loss)
        if variant == SHIPPED_VARIANT:
            shipped = (net, features)
    model_, features = shipped
    embeddings = embed(model_, training_weights(SHIPPED_VARIANT, graph, None), features)
    card = {
        "sources": sources or {},
        "decoder": {"model": model, "tokenizer_sha256": sha256_file(tokenizer), "vocab_size": vocab},
        "graph": {"window": graph.window, "decay": graph.decay, "edges": graph.n_edges,
                  "tokens": int(graph.counts.sum()), "nodes": int(active.size)},
        "gcn": {"layers": 2, "variant": SHIPPED_VARIANT, "epochs": epochs, "hidden": 128,
                "dim": int(embeddings.shape[1]), "negatives": "uniform pairs of style tokens, 1 per edge"},
        "auc": aucs,
        "auc_vocabulary": aucs_vocab,
        "auc_test": {"positives": int(len(split.test_pos)), "negatives": int(len(split.test_neg)),
                     "held_out": "10% of next-token pairs, both directions removed from training",
                     "auc": "negatives: unlinked pairs of tokens the style uses",
                     "auc_vocabulary": "negatives: unlinked pairs of any vocabulary tokens"},
        "seconds": round(time.perf_counter() - started, 2),
    }
    style = Style(name, graph, embeddings, card, GraphNetwork(gcn_onnx_bytes(model_)),
                  tuple(np.asarray(q, dtype=np.int64) for q in sequences if len(q)))
    out_root = Path(out_root) if out_root is not None else Path(models_root)
    folder = out_root / STYLES_DIR / name
    files = style.save(folder)
    if register:
        register_style(out_root, name, files, auc=aucs, auc_vocabulary=aucs_vocab,
                       data=(sources or {}).get("description", ""))
    return {**card, "files": files, "folder": str(folder)}


def _list_digest(names: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(names).encode()).hexdigest()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="segue learn-style", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?",
                        help="folder of .mid/.midi files (searched recursively)")
    parser.add_argument("--name", required=True, help="style name (letters, digits, '.', '_', '-')")
    parser.add_argument("--models", type=Path, default=Path("models"),
                        help="models folder the decoder is read from")
    parser.add_argument("--out", type=Path, help="models folder the style and its manifest entry are written "
                        "to (default: the --models folder)")
    parser.add_argument("--model", default="default", help="decoder whose tokenizer and embeddings are used")
    parser.add_argument("--tokens", type=Path,
                        help="token split prefix from export.dataset instead of a folder (e.g. "
                        "data/tokens/style_train)")
    parser.add_argument("--limit", type=int, default=0, help="use the first N files or pieces only")
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--description", default="", help="where the pieces come from (for the card)")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    started = time.perf_counter()
    if args.tokens is not None:
        sequences = load_token_split(args.tokens, args.limit)
        sources = {"tokens": str(args.tokens), "pieces": len(sequences), "description": args.description}
    elif args.folder is not None:
        files = midi_files(args.folder)
        if args.limit > 0:
            files = files[: args.limit]
        tokenizer, *_ = decoder_inputs(args.models, args.model)

        def bar(items: Iterable) -> Iterable:
            return _progress(items, len(files), "tokenize", not args.no_progress)

        sequences, failed = tokenize_files(files, tokenizer, bar)
        rel = [str(f.relative_to(args.folder)) for f in files]
        sources = {"folder": str(args.folder), "files": len(files), "failed": failed,
                   "pieces": len(sequences), "first_files": rel[:10], "files_sha256": _list_digest(rel),
                   "description": args.description}
    else:
        parser.error("give a FOLDER or --tokens PREFIX")
    card = learn_style(args.name, sequences, args.models, args.model, sources, epochs=args.epochs,
                       progress=not args.no_progress, out_root=args.out)
    took = time.perf_counter() - started
    aucs = ", ".join(f"{k} {v:.4f}/{card['auc_vocabulary'][k]:.4f}" for k, v in card["auc"].items())
    print(f"style {args.name}: {len(sequences)} pieces, {card['graph']['edges']} edges, held-out edge AUC "
          f"(style/vocabulary negatives) {aucs}; {took:.1f} s -> {card['folder']}")
    return card


if __name__ == "__main__":
    main()
