"""Held-out likelihood of real continuations under the decoder, the style expert, the phrase memory and
their mixtures: how ``bridge.style_model`` and ``bridge.copying`` are weighted, chosen by measurement.

Same windows and tokens as ``bench.quality.experts`` (the seed and its real next notes encoded together;
the continuation's tokens scored, each given everything before it). The style expert for the fiddle set
is fitted on the fiddle family's ``style_train`` pieces (what the shipped fiddle style learns from); for
the test split, on the training split (the corpus's own style). The shares are fitted on a *fit* set
that neither is scored on: windows of 100 ``style_train`` pieces, with the style fitted on the other
pieces of ``style_train``. Rows per set (nats/token; row - decoder per piece, 95% bootstrap):

- the decoder; the style expert alone (with and without the graph network's back-off); the id-level
  seed memory alone (``bench.quality.token_memory``);
- decoder + style, linear with the fitted share per matched context length, and log-linear at 0.5, 1;
- decoder + memory (the copy expert at the registry's weight); decoder + memory + style.

    python -m bench.quality.style_nll [--pieces 100] [--order 6]
"""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.quality.experts import em_shares, markdown, window_tokens
from bench.quality.nll import load_decoder, ratio_bootstrap
from bench.quality.settings import Settings
from bench.quality.token_memory import memory_of
from bench.quality.windows import Window, load_set
from bridge.copying import BaseCodes, SeedCopy
from bridge.params import ParamStore
from bridge.sampling import log_softmax
from bridge.style import Style
from bridge.style_model import DEFAULT_GCN_SHARE, DEFAULT_GCN_TEMPERATURE, StyleModel, mix_linear

log = logging.getLogger(__name__)

GCN_GRID = ((0.0, 0.1), (0.1, 0.1), (0.3, 0.1), (0.3, 0.05), (0.3, 0.2), (0.5, 0.1))
DEFAULT_GCN = (DEFAULT_GCN_SHARE, DEFAULT_GCN_TEMPERATURE)  # what the samplers use; one of GCN_GRID
LOG_LINEAR = (0.5, 1.0)
TOKENS = Path("data/tokens")


@dataclass
class Scored:
    """Per scored token: piece, p_decoder, p under the memory mixture, p_style per GCN setting, match."""

    pieces: list[str] = field(default_factory=list)
    decoder: list[float] = field(default_factory=list)
    memory_mix: list[float] = field(default_factory=list)
    memory_alone: list[float] = field(default_factory=list)
    matched: list[int] = field(default_factory=list)
    style: dict[tuple, list[float]] = field(default_factory=lambda: {g: [] for g in GCN_GRID})
    # for the log-linear and memory + style rows, the needed full distributions are reduced here
    log_linear: dict[float, list[float]] = field(default_factory=lambda: {w: [] for w in LOG_LINEAR})
    mem_then_style: list[float] = field(default_factory=list)  # only when the shares are given


def sequences(split: str) -> tuple[list[np.ndarray], list[str]]:
    """The pieces' token sequences of a split and their piece ids."""
    tokens = np.load(TOKENS / f"{split}.npy").astype(np.int64)
    starts = list(np.load(TOKENS / f"{split}.offsets.npy")) + [len(tokens)]
    pieces = json.loads((TOKENS / f"{split}.pieces.json").read_text())
    return [tokens[a:b] for a, b in zip(starts[:-1], starts[1:], strict=True)], pieces


def score(sampler, windows: list[Window], styles: dict[tuple, StyleModel], weight: float,
          share_by_match: np.ndarray | None) -> Scored:
    """Score every window's continuation tokens under each expert and mixture."""
    scheme, context = sampler.scheme, sampler.bundle.context_length
    codes = BaseCodes(scheme)
    copy_context = int(ParamStore().get("memory_order"))
    out = Scored()
    for window in windows:
        seed, whole, begin = window_tokens(scheme, window)
        start = max(0, len(whole) - context)
        logits = sampler.forward(whole[start:])
        first = max(begin, start + 1)
        copier = SeedCopy(codes, [seed], copy_context)
        copier.feed(codes.of(whole[max(0, first - copy_context):first]))
        memory = memory_of([seed], scheme.vocab_size, 8)
        contexts = {g: m.context(whole[:first]) for g, m in styles.items()}
        shipped = contexts[DEFAULT_GCN]  # the setting the shares and the mixtures use
        for t in range(first, len(whole)):
            target = whole[t]
            row = logits[t - 1 - start]
            lp = log_softmax(row)
            out.pieces.append(window.piece)
            out.decoder.append(float(np.exp(lp[target])))
            mem_logits = copier.mix(row, weight)
            out.memory_mix.append(float(np.exp(log_softmax(mem_logits)[target])))
            out.memory_alone.append(float(memory.probs_and_match(whole[:t])[0][target]))
            probs = {g: ctx.probs() for g, ctx in contexts.items()}
            for g, p in probs.items():
                out.style[g].append(float(p[target]))
            p_default = probs[DEFAULT_GCN]
            out.matched.append(shipped.matched)
            for w in LOG_LINEAR:
                out.log_linear[w].append(float(np.exp(log_softmax(lp + w * np.log(p_default))[target])))
            if share_by_match is not None:
                share = float(share_by_match[min(shipped.matched, len(share_by_match) - 1)])
                both = mix_linear(mem_logits, p_default, share)
                out.mem_then_style.append(float(np.exp(log_softmax(both)[target])))
            copier.feed(codes.codes[target])
            for ctx in contexts.values():
                ctx.feed(int(target))
    return out


def fit_styles(train: list[np.ndarray], vocab: int, order: int, embeddings: np.ndarray) -> dict:
    """One style expert per GCN setting, all on the same counts."""
    from bridge.kneser_ney import KneserNey

    kn = KneserNey(order=order, vocab_size=vocab).fit(train)
    return {g: StyleModel(kn, embeddings if g[0] > 0 else None, g[0], g[1]) for g in GCN_GRID}


def rows_of(s: Scored, shares: np.ndarray, resamples: int) -> list[dict]:
    """The table's rows for one set."""
    a = {k: np.asarray(v) for k, v in s.__dict__.items() if isinstance(v, list)}
    matched = np.minimum(a["matched"], len(shares) - 1)
    share = shares[matched]
    p_style = np.asarray(s.style[DEFAULT_GCN])
    rows = {"decoder": a["decoder"], "id seed memory alone": a["memory_alone"]}
    for g, v in s.style.items():
        rows[f"style alone (GCN share {g[0]:g}, temperature {g[1]:g})"] = np.asarray(v)
    rows["decoder + style (linear, fitted shares)"] = (1 - share) * a["decoder"] + share * p_style
    for w, v in s.log_linear.items():
        rows[f"decoder + style (log-linear {w:g})"] = np.asarray(v)
    rows["decoder + memory (copy expert, default weight)"] = a["memory_mix"]
    if s.mem_then_style:
        rows["decoder + memory + style (linear, fitted shares)"] = a["mem_then_style"]
    names, index = np.unique(a["pieces"], return_inverse=True)
    counts = np.bincount(index, minlength=len(names)).astype(np.float64)
    base = np.bincount(index, weights=-np.log(a["decoder"]), minlength=len(names))
    out = []
    for label, p in rows.items():
        per_piece = np.bincount(index, weights=-np.log(np.maximum(p, 1e-300)), minlength=len(names))
        out.append({"row": label, "nll": float(per_piece.sum() / counts.sum()),
                    "minus_decoder": ratio_bootstrap(per_piece - base, counts, resamples)})
    return out


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.quality.style_nll",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--pieces", type=int, default=100)
    parser.add_argument("--windows", type=int, default=2)
    parser.add_argument("--order", type=int, default=6)
    parser.add_argument("--bootstrap", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=Path("runs/quality"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    _, sampler = load_decoder("default")
    vocab = sampler.scheme.vocab_size
    embeddings = Style.load(Path("models"), "fiddle").embeddings
    weight = float(ParamStore().get("memory_weight"))
    settings = Settings(pieces=args.pieces, windows=args.windows, seed=0)
    style_train, style_pieces = sequences("style_train")
    # the fit set: windows of style_train pieces, the style fitted on the rest of style_train
    fit_windows, _ = load_set("fiddle_fit", settings)
    held = {w.piece for w in fit_windows}
    rest = [s for s, p in zip(style_train, style_pieces, strict=True) if p not in held]
    log.info("fit set: %d windows of %d pieces; style fitted on the other %d pieces",
             len(fit_windows), len(held), len(rest))
    fit_experts = fit_styles(rest, vocab, args.order, embeddings)
    fit = score(sampler, fit_windows, fit_experts, weight, None)
    buckets = np.minimum(np.asarray(fit.matched), args.order - 1)
    shares = em_shares(np.asarray(fit.decoder), np.asarray(fit.style[DEFAULT_GCN]), buckets, args.order)
    text = ["## Likelihood of real continuations: the style expert and the phrase memory", "",
            f"Style shares by matched context (0..{args.order - 1} tokens), fitted by EM on the fit set: "
            f"{tuple(round(float(x), 3) for x in shares)}", ""]
    report = {"shares": shares.tolist()}
    text.append(markdown("fit set (style_train windows, style fitted without them)", len(fit_windows),
                         len(fit.decoder), rows_of(fit, shares, args.bootstrap)))
    for name, split in (("fiddle", "style_train"), ("test", "train")):
        windows, _ = load_set(name, settings)
        train, _ = sequences(split)
        scored = score(sampler, windows, fit_styles(train, vocab, args.order, embeddings), weight,
                       shares)
        rows = rows_of(scored, shares, args.bootstrap)
        text.append(markdown(f"{name} (style fitted on {split})", len(windows), len(scored.decoder), rows))
        report[name] = [{**r, "minus_decoder": r["minus_decoder"].as_json()} for r in rows]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "style_nll.md").write_text("\n".join(text))
    (args.out / "style_nll.json").write_text(json.dumps(report, indent=1))
    print("\n".join(text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
