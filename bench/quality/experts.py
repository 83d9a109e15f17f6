"""Held-out likelihood of real continuations given their seeds: the decoder, the phrase memories, mixtures.

Same windows as the quality benchmark (``bench.quality.windows``): the seed and its real next notes are
encoded together as ``segue continue`` encodes a seed (the file's tempo, meter and bar origin); the tokens
after the seed's own encoding are scored, each given everything before it (the seed's tail as music that
goes on spells it, which is what healing gives the sampler). The memories hold the seed only, as when
segue answers that seed. Rows: the decoder alone; the id-level memory (``bench.quality.token_memory``)
alone, log-linear and linearly mixed with its fitted shares; the copy expert segue ships
(``bridge.copying``) at weight 1 and at the registry's weight; and the sampler's own mixture, the copy
expert and then the seed's bar (``bridge.bar_copy``) where the match is short. ``--fit`` fits both
share tables by EM on the first set (validation) and prints them. Nats per token; paired difference
against the decoder per piece, 95% bootstrap over pieces.

    python -m bench.quality.experts [--sets validation,fiddle,test] [--pieces 100] [--fit]
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.quality.nll import load_decoder, ratio_bootstrap
from bench.quality.settings import Settings
from bench.quality.token_memory import MIX_BY_MATCH, memory_of
from bench.quality.windows import DEFAULT_METER, Window, load_set
from bridge.bar_copy import BAR_BELOW_MATCH, BarCopy
from bridge.copying import MATCH_EDGES, SHARES, BaseCodes, SeedCopy, share_for
from bridge.params import ParamStore
from bridge.sampling import log_softmax
from bridge.seed_walk import common_prefix

log = logging.getLogger(__name__)

LOG_LINEAR = (0.25, 1.0)  # weights of the log-linear rows (0.25: the best of a grid on validation)
FIT_ITERATIONS = 100


@dataclass
class Scored:
    """Every scored token of one set: the target's probability under each expert, by piece."""

    pieces: list[str] = field(default_factory=list)
    decoder: list[float] = field(default_factory=list)  # p_decoder(target)
    memory: list[float] = field(default_factory=list)  # p_memory(target)
    matched: list[int] = field(default_factory=list)  # longest context the memory had seen
    copy: list[float] = field(default_factory=list)  # p_decoder(target | the copy set), 0 outside it
    copy_match: list[int] = field(default_factory=list)  # base tokens the copy expert matched
    shipped: list[float] = field(default_factory=list)  # p(target) as the sampler mixes: copy, then bar
    log_linear: dict[float, list[float]] = field(default_factory=lambda: {w: [] for w in LOG_LINEAR})

    def arrays(self) -> dict[str, np.ndarray]:
        """The lists as numpy arrays."""
        out = {k: np.asarray(getattr(self, k))
               for k in ("pieces", "decoder", "memory", "matched", "copy", "copy_match", "shipped")}
        out.update({f"log-linear {w:g}": np.exp(np.asarray(v)) for w, v in self.log_linear.items()})
        return out


def window_tokens(scheme, window: Window) -> tuple[list[int], list[int], int]:
    """The seed's tokens, the seed and real continuation's tokens, and where scoring starts."""
    meter = window.seed.time_signature or DEFAULT_METER
    tempo = window.seed.tempo_bpm or 120.0
    seed = scheme.encode(list(window.seed.notes), tempo, meter, window.seed.bar_origin)
    whole = scheme.encode([*window.seed.notes, *window.real], tempo, meter, window.seed.bar_origin)
    return seed, whole, max(1, common_prefix(seed, whole))


def score_set(sampler, windows: list[Window], order: int, copy_context: int, weight: float,
              bar_weight: float) -> Scored:
    """Score every window's continuation tokens under the decoder, the memories, the log-linear rows and
    the sampler's own mixture (the copy expert at ``weight``, then the bar at ``bar_weight``)."""
    scheme, context = sampler.scheme, sampler.bundle.context_length
    codes = BaseCodes(scheme)
    out = Scored()
    for window in windows:
        seed, whole, begin = window_tokens(scheme, window)
        start = max(0, len(whole) - context)
        logits = sampler.forward(whole[start:])
        memory = memory_of([seed], scheme.vocab_size, order)
        copier = SeedCopy(codes, [seed], copy_context)  # fed as the sampler feeds it
        first = max(begin, start + 1)
        copier.feed(codes.of(whole[max(0, first - copy_context):first]))
        bar = BarCopy(scheme, seed)
        bar.restart(whole[:first])
        for t in range(first, len(whole)):
            target = whole[t]
            lp = log_softmax(logits[t - 1 - start])
            match, where = copier.current
            mixed_logits = copier.mix(logits[t - 1 - start], weight)
            if match < BAR_BELOW_MATCH:
                mixed_logits = bar.mix(mixed_logits, bar_weight)
            out.shipped.append(float(np.exp(log_softmax(mixed_logits)[target])))
            bar.feed(target)
            inside = copier.copy_set(where) if match else None
            p = np.exp(lp)
            mass = float(p[inside].sum()) if inside is not None else 0.0
            out.copy.append(float(p[target]) / mass if mass > 0 and inside[target] else 0.0)
            out.copy_match.append(match)
            copier.feed(codes.codes[target])
            p_memory, matched = memory.probs_and_match(whole[:t])
            out.pieces.append(window.piece)
            out.decoder.append(float(np.exp(lp[target])))
            out.memory.append(float(p_memory[target]))
            out.matched.append(matched)
            log_memory = np.log(p_memory)
            for w in LOG_LINEAR:
                out.log_linear[w].append(float(log_softmax(lp + w * log_memory)[target]))
    return out


def mixed(arrays: dict[str, np.ndarray], shares: np.ndarray) -> np.ndarray:
    """p(target) under the id-level memory's linear mixture with ``shares`` by matched context."""
    share = shares[np.minimum(arrays["matched"], len(shares) - 1)]
    return (1 - share) * arrays["decoder"] + share * arrays["memory"]


def copied(arrays: dict[str, np.ndarray], weight: float, shares: Sequence[float] = SHARES) -> np.ndarray:
    """p(target) under the copy expert's mixture at ``weight`` (``bridge.copying.SeedCopy.mix``)."""
    share = np.array([share_for(int(m), weight, shares) for m in arrays["copy_match"]])
    return (1 - share) * arrays["decoder"] + share * arrays["copy"]


def em_shares(decoder: np.ndarray, expert: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """EM estimate of the expert's share in each group (maximum held-out likelihood)."""
    shares = np.zeros(n_groups)
    for g in range(n_groups):
        rows = groups == g
        if not rows.any():
            shares[g] = shares[g - 1] if g else 0.0
            continue
        dec, exp, share = decoder[rows], expert[rows], 0.3
        for _ in range(FIT_ITERATIONS):
            share = float(np.mean(share * exp / ((1 - share) * dec + share * exp)))
        shares[g] = share
    return shares


def fit_shares(arrays: dict[str, np.ndarray], order: int) -> tuple[np.ndarray, np.ndarray]:
    """The id-level memory's shares per matched context, and the copy expert's per match bucket."""
    memory = em_shares(arrays["decoder"], arrays["memory"], arrays["matched"], order)
    buckets = np.searchsorted(MATCH_EDGES, arrays["copy_match"], side="right") - 1
    return memory, em_shares(arrays["decoder"], arrays["copy"], buckets, len(MATCH_EDGES))


def table(arrays: dict[str, np.ndarray], shares: np.ndarray, copy_shares: Sequence[float], weight: float,
          bar_weight: float, resamples: int, seed: int) -> list[dict]:
    """Rows: nats/token and the per-piece paired difference against the decoder."""
    pieces = arrays["pieces"]
    names, index = np.unique(pieces, return_inverse=True)
    counts = np.bincount(index, minlength=len(names)).astype(np.float64)
    rows = {"decoder": arrays["decoder"], "id memory alone": arrays["memory"],
            **{k: v for k, v in arrays.items() if k.startswith("log-linear")},
            "decoder + id memory (linear, fitted shares)": mixed(arrays, shares),
            "decoder + copy (weight 1)": copied(arrays, 1.0, copy_shares),
            f"decoder + copy (weight {weight:g}, the default)": copied(arrays, weight, copy_shares),
            f"the sampler's mixture (copy {weight:g}, then bar {bar_weight:g})": arrays["shipped"]}
    base = np.bincount(index, weights=-np.log(arrays["decoder"]), minlength=len(names))
    out = []
    for label, p in rows.items():
        per_piece = np.bincount(index, weights=-np.log(p), minlength=len(names))
        diff = ratio_bootstrap(per_piece - base, counts, resamples, seed)
        out.append({"row": label, "nll": float(per_piece.sum() / counts.sum()), "minus_decoder": diff})
    return out


def markdown(name: str, n_windows: int, n_tokens: int, rows: list[dict]) -> str:
    """One set's table."""
    lines = [f"### {name}: {n_windows} windows, {n_tokens} continuation tokens", "",
             "| row | nats/token | row - decoder [95%] |", "|---|---|---|"]
    for r in rows:
        diff = "-" if r["row"] == "decoder" else r["minus_decoder"].cell(signed=True)
        lines.append(f"| {r['row']} | {r['nll']:.3f} | {diff} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.quality.experts",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="validation,fiddle,test")
    parser.add_argument("--pieces", type=int, default=100)
    parser.add_argument("--windows", type=int, default=2)
    parser.add_argument("--model", default="default")
    parser.add_argument("--order", type=int, default=8, help="the id-level memory's longest context + 1")
    parser.add_argument("--fit", action="store_true", help="fit the shares on the first set")
    parser.add_argument("--bootstrap", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("runs/quality"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    settings = Settings(pieces=args.pieces, windows=args.windows, seed=args.seed)
    _, sampler = load_decoder(args.model)
    shares = np.asarray(MIX_BY_MATCH[: args.order] + MIX_BY_MATCH[-1:] * (args.order - len(MIX_BY_MATCH)))
    copy_shares: Sequence[float] = SHARES
    store = ParamStore()
    weight, copy_context = float(store.get("memory_weight")), int(store.get("memory_order"))
    bar_weight = float(store.get("bar_weight"))
    text = ["## Likelihood of real continuations given their seeds", ""]
    report = {}
    for i, name in enumerate(s.strip() for s in args.sets.split(",") if s.strip()):
        windows, _ = load_set(name, settings)
        arrays = score_set(sampler, windows, args.order, copy_context, weight, bar_weight).arrays()
        if args.fit and i == 0:
            shares, fitted_copy = fit_shares(arrays, args.order)
            copy_shares = tuple(round(float(x), 3) for x in fitted_copy)
            text.append(f"Shares fitted on {name}: id memory MIX_BY_MATCH = "
                        f"{tuple(round(float(x), 3) for x in shares)}; copy SHARES = {copy_shares}\n")
        rows = table(arrays, shares, copy_shares, weight, bar_weight, args.bootstrap, args.seed)
        text.append(markdown(name, len(windows), len(arrays["decoder"]), rows))
        report[name] = [{**r, "minus_decoder": r["minus_decoder"].as_json()} for r in rows]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "experts.md").write_text("\n".join(text))
    (args.out / "experts.json").write_text(json.dumps(
        {"memory_shares": shares.tolist(), "copy_shares": list(copy_shares), "weight": weight,
         "sets": report}, indent=1))
    print("\n".join(text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
