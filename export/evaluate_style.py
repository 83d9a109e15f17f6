"""Is a continuation in the style? Decoder, graph, blend and a uniform-random baseline on held-out pieces.

For each held-out piece of the unseen style, the first ``--seed-notes`` notes (as the piece's own
tokens) seed every sampler, each continues for ``--notes`` notes, and the continuation is compared with
the piece's real next notes: distances (total variation, 0 = same, 1 = disjoint) between pitch-class,
melodic-interval and inter-onset-interval histograms, and the share of notes in the piece's key
(estimated from the seed and the real continuation; Krumhansl-Kessler profiles). Lower distances and
an in-key share nearer the real one are closer to the style.

    python -m export.evaluate_style --style fiddle --tokens data/tokens/style_test [--pieces 60]
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bridge.model import ModelBundle
from bridge.notes import Note
from bridge.samplers.blend import BlendSampler
from bridge.samplers.decoder import DecoderSampler
from bridge.samplers.graph import GraphSampler
from bridge.sampling import LogitsProcessor, SamplingParams
from bridge.style import Style
from bridge.tokens import TokenScheme, TokenType
from export.style_graph import load_token_split

log = logging.getLogger(__name__)

MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
MAJOR_STEPS, MINOR_STEPS = (0, 2, 4, 5, 7, 9, 11), (0, 2, 3, 5, 7, 8, 10)
IOI_EDGES = np.array([0.0, 0.09, 0.19, 0.31, 0.44, 0.625, 0.875, 1.25, 1.75, 2.5, 3.5, np.inf])
METRICS = ("pitch_class", "interval", "ioi", "in_key")


class UniformSampler:
    """The baseline: every token the grammar allows, equally likely."""

    name = "random"

    def __init__(self, scheme: TokenScheme) -> None:
        self.scheme = scheme

    def generate(self, seed_ids: Sequence[int], params: SamplingParams, rng: np.random.Generator,
                 should_stop: Callable[[], bool]) -> Iterator[int]:
        processor = LogitsProcessor(self.scheme, params)
        never = [self.scheme.eos_id, self.scheme.bos_id, self.scheme.pad_id]
        state = self.scheme.state_after(seed_ids)
        while not should_stop():
            allowed = processor.allowed(state).copy()
            allowed[never] = False
            token = int(rng.choice(np.flatnonzero(allowed)))
            yield token
            state = TokenType(int(self.scheme.last_type[token]))


# ---------------------------------------------------------------- histograms and key


def _hist(values: np.ndarray, bins: int | np.ndarray, lo: float = 0, hi: float = 0) -> np.ndarray:
    if isinstance(bins, np.ndarray):
        counts = np.histogram(values, bins=bins)[0].astype(np.float64)
    else:
        counts = np.histogram(values, bins=bins, range=(lo, hi))[0].astype(np.float64)
    total = counts.sum()
    return counts / total if total else counts


def features(notes: Sequence[Note]) -> dict[str, np.ndarray]:
    """Normalised pitch-class, interval (-12..12, wider folded in) and inter-onset histograms."""
    ordered = sorted(notes, key=lambda n: (n.start, -n.pitch))
    pitches = np.array([n.pitch for n in ordered], dtype=np.float64)
    onsets = np.unique(np.round([n.start for n in ordered], 4))
    intervals = np.clip(np.diff(pitches), -12, 12) if len(pitches) > 1 else np.zeros(0)
    return {
        "pitch_class": _hist(pitches % 12, 12, 0, 12),
        "interval": _hist(intervals, 25, -12.5, 12.5),
        "ioi": _hist(np.diff(onsets), IOI_EDGES),
    }


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Total variation between two normalised histograms (1 when either is empty)."""
    if not a.sum() or not b.sum():
        return 1.0
    return 0.5 * float(np.abs(a - b).sum())


def estimate_key(notes: Sequence[Note]) -> tuple[int, tuple[int, ...]]:
    """Tonic pitch class and scale steps best correlated with the notes' duration-weighted profile."""
    profile = np.zeros(12)
    for n in notes:
        profile[n.pitch % 12] += n.duration
    best, key = -np.inf, (0, MAJOR_STEPS)
    for tonic in range(12):
        for shape, steps in ((MAJOR, MAJOR_STEPS), (MINOR, MINOR_STEPS)):
            r = np.corrcoef(profile, np.roll(shape, tonic))[0, 1] if profile.any() else 0.0
            if r > best:
                best, key = r, (tonic, steps)
    return key


def in_key(notes: Sequence[Note], key: tuple[int, tuple[int, ...]]) -> float:
    tonic, steps = key
    scale = {(tonic + s) % 12 for s in steps}
    return float(np.mean([n.pitch % 12 in scale for n in notes])) if notes else 0.0


# ---------------------------------------------------------------- the run


@dataclass
class Piece:
    seed_ids: list[int]
    seed_notes: list[Note]
    real: list[Note]


def split_piece(scheme: TokenScheme, ids: Sequence[int], seed_notes: int, notes: int) -> Piece | None:
    """The piece's own tokens up to its ``seed_notes``-th note, and its next ``notes`` notes."""
    decoder = scheme.stream_decoder()
    done: list[Note] = []
    cut = None
    for i, token in enumerate(ids):
        if token == scheme.eos_id:
            break
        done.extend(decoder.feed(int(token)))
        if cut is None and len(done) >= seed_notes:
            cut = i + 1
            # the seed ends at a note's Duration token; the rest of its chord belongs to the seed
        if cut is not None and len(done) >= seed_notes + notes:
            break
    if cut is None or len(done) < seed_notes + notes:
        return None
    return Piece([int(t) for t in ids[:cut]], done[:seed_notes], done[seed_notes: seed_notes + notes])


def continue_notes(sampler: object, scheme: TokenScheme, seed: list[int], n_notes: int,
                   params: SamplingParams, rng: np.random.Generator, max_tokens: int = 2000) -> list[Note]:
    """``n_notes`` continuation notes (fewer when the sampler ends the piece or the token cap is hit)."""
    decoder = scheme.stream_decoder(seed)
    out: list[Note] = []
    steps = 0

    def stop() -> bool:
        return len(out) >= n_notes or steps >= max_tokens

    for token in sampler.generate(seed, params, rng, stop):
        steps += 1
        if token == scheme.eos_id:
            break
        out.extend(decoder.feed(token))
    return out[:n_notes]


def evaluate(bundle: ModelBundle, style: Style, pieces: Sequence[Piece], weights: Sequence[float],
             n_notes: int, params: SamplingParams, seed: int = 0) -> dict[str, dict[str, float]]:
    """Mean metric per sampler over ``pieces``; ``real`` carries the real continuation's in-key share."""
    scheme = bundle.scheme
    decoder = DecoderSampler(bundle)
    samplers: dict[str, object] = {"decoder": decoder, "graph": GraphSampler(scheme, style)}
    for w in weights:
        samplers[f"blend {w:g}"] = BlendSampler(decoder, style, weight=w)
    samplers["random"] = UniformSampler(scheme)
    sums: dict[str, dict[str, list[float]]] = {name: {m: [] for m in METRICS} for name in ["real", *samplers]}
    for k, piece in enumerate(pieces):
        key = estimate_key([*piece.seed_notes, *piece.real])
        real = features(piece.real)
        sums["real"]["in_key"].append(in_key(piece.real, key))
        for name, sampler in samplers.items():
            rng = np.random.default_rng(seed * 100_003 + k)
            notes = continue_notes(sampler, scheme, piece.seed_ids, n_notes, params, rng)
            got = features(notes)
            for metric in ("pitch_class", "interval", "ioi"):
                sums[name][metric].append(distance(got[metric], real[metric]))
            sums[name]["in_key"].append(in_key(notes, key))
    return {name: {m: round(float(np.mean(v)), 4) for m, v in metrics.items() if v}
            for name, metrics in sums.items()}


def markdown(results: dict[str, dict[str, float]], n_pieces: int, n_notes: int) -> str:
    lines = ["| sampler | pitch-class dist. | interval dist. | inter-onset dist. | in-key share |",
             "|---|---|---|---|---|"]
    for name, m in results.items():
        cells = [f"{m[k]:.3f}" if k in m else "-" for k in METRICS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"{n_pieces} held-out pieces, {n_notes} continuation notes each; distances are total "
                 "variation to the real continuation's histograms (lower is closer); in-key share is "
                 "the notes' share in the piece's estimated key (real: the real continuation's own).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m export.evaluate_style",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=Path("models"))
    parser.add_argument("--model", default=None, help="decoder (default: the manifest's default)")
    parser.add_argument("--style", default="fiddle")
    parser.add_argument("--tokens", type=Path, default=Path("data/tokens/style_test"),
                        help="held-out pieces of the style (token split prefix from export.dataset)")
    parser.add_argument("--pieces", type=int, default=60)
    parser.add_argument("--seed-notes", type=int, default=32)
    parser.add_argument("--notes", type=int, default=32)
    parser.add_argument("--weights", default="0.5,1", help="blend weights to evaluate, comma-separated")
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    started = time.perf_counter()
    bundle = ModelBundle.load(args.models, args.model, threads=1)
    style = Style.load(args.models, args.style)
    pieces: list[Piece] = []
    for ids in load_token_split(args.tokens):
        piece = split_piece(bundle.scheme, ids.tolist(), args.seed_notes, args.notes)
        if piece is not None:
            pieces.append(piece)
        if len(pieces) >= args.pieces:
            break
    if not pieces:
        raise SystemExit(f"no piece of {args.tokens} has {args.seed_notes + args.notes} notes")
    weights = [float(w) for w in args.weights.split(",") if w.strip()]
    params = SamplingParams(temperature=args.temperature)
    results = evaluate(bundle, style, pieces, weights, args.notes, params, args.seed)
    print(markdown(results, len(pieces), args.notes))
    print(f"\n({time.perf_counter() - started:.0f} s; model {bundle.name}, style {style.name}, "
          f"temperature {args.temperature:g})")
    if args.json:
        args.json.write_text(json.dumps({"pieces": len(pieces), "notes": args.notes, "model": bundle.name,
                                         "style": style.name, "results": results}, indent=1) + "\n")
    return results


if __name__ == "__main__":
    main()
