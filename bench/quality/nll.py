"""Likelihood of held-out music: the decoder against an interpolated Kneser-Ney 5-gram, same tokens.

Both score tokens 1.. of every held-out piece (``data/tokens/<split>.npy``, from ``export.dataset``): the
decoder through onnxruntime with sliding windows (``export.evaluate.decoder_nll``, what performers run),
the 5-gram fitted on the training split's tokens (``bridge.kneser_ney``). Rows: the test split, the
held-out style family, and the Bach chorales of the test split, where a 5-gram fitted on the training
split's chorales alone is a row too (the strongest small specialist). Per token and per note (nats over
the notes the tokens stand for), and the paired difference decoder - 5-gram per piece with a 95% bootstrap
interval over pieces.

    python -m bench.quality --nll [--tokens data/tokens]
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.quality.stats import Estimate

log = logging.getLogger(__name__)

#: table rows: (label, split, collection filter or None)
NLL_SETS = (("test", "test", None), ("fiddle", "style_test", None), ("test: Bach chorales", "test", "bach"))


@dataclass(frozen=True)
class NllRow:
    """One held-out set's figures (nats)."""

    label: str
    pieces: int
    tokens: int
    notes: int
    decoder_per_token: float
    kn5_per_token: float
    decoder_per_note: float
    kn5_per_note: float
    difference_per_token: Estimate  # decoder - 5-gram, per piece's tokens, pieces resampled
    specialist_per_token: float | None = None  # 5-gram fitted on the training split's same collection

    def as_json(self) -> dict[str, Any]:
        """Plain JSON values."""
        out = dict(self.__dict__)
        out["difference_per_token"] = self.difference_per_token.as_json()
        return out


def _load(tokens: Path, split: str) -> tuple[list[np.ndarray], list[str]]:
    from export.evaluate import split_sequences

    seqs = split_sequences(np.load(tokens / f"{split}.npy"), np.load(tokens / f"{split}.offsets.npy"))
    pieces = json.loads((tokens / f"{split}.pieces.json").read_text())
    return seqs, pieces


def _per_piece_decoder(sampler: Any, seqs: list[np.ndarray], context: int) -> np.ndarray:
    from export.evaluate import decoder_nll

    return np.array([decoder_nll(sampler, [s], context) * (len(s) - 1) for s in seqs])


def _per_piece_kn(model: Any, seqs: list[np.ndarray]) -> np.ndarray:
    return np.array([model.nll([s])[0] for s in seqs])


def load_decoder(model_name: str, models: tuple[Path, ...] = ()) -> tuple[Any, Any]:
    """The fp32 bundle of ``model_name`` from the models folders, and a decoder sampler on it."""
    from bridge.loading import models_folders
    from bridge.model import ModelBundle, available_models
    from bridge.samplers.decoder import DecoderSampler

    folder = next((f for f in models_folders(models) if model_name in available_models(f)), None)
    if folder is None:
        raise ValueError(f"no model {model_name!r} in the models folders")
    bundle = ModelBundle.load(folder, model_name, threads=2, precision="fp32")
    return bundle, DecoderSampler(bundle)


def ratio_bootstrap(totals: np.ndarray, counts: np.ndarray, resamples: int = 2000, seed: int = 0,
                    confidence: float = 0.95) -> Estimate:
    """``sum(totals) / sum(counts)`` (a per-token mean over pieces) with a percentile interval over
    resampled pieces."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(totals), size=(resamples, len(totals)))
    ratios = totals[draws].sum(axis=1) / counts[draws].sum(axis=1)
    tail = (1.0 - confidence) / 2 * 100
    lo, hi = np.percentile(ratios, [tail, 100 - tail])
    return Estimate(float(totals.sum() / counts.sum()), float(lo), float(hi), len(totals), len(totals))


def nll_table(tokens: Path, model_name: str = "default", models: tuple[Path, ...] = (), seed: int = 0,
              resamples: int = 2000) -> list[NllRow]:
    """The rows of the likelihood table (fits the 5-grams; scores every held-out piece)."""
    from bridge.kneser_ney import KneserNey

    bundle, sampler = load_decoder(model_name, models)
    n_notes = np.asarray(bundle.scheme.n_notes, dtype=np.int64)
    train, train_pieces = _load(tokens, "train")
    kn5 = KneserNey(order=5, vocab_size=bundle.vocab_size).fit(train)
    rows = []
    for label, split, collection in NLL_SETS:
        seqs, pieces = _load(tokens, split)
        if collection is not None:
            keep = [i for i, p in enumerate(pieces) if p.split("/")[0] == collection]
            seqs, pieces = [seqs[i] for i in keep], [pieces[i] for i in keep]
        seqs = [s for s in seqs if len(s) > 1]
        if not seqs:
            continue
        counts = np.array([len(s) - 1 for s in seqs], dtype=np.float64)
        notes = int(sum(n_notes[s].sum() for s in seqs))
        decoder = _per_piece_decoder(sampler, seqs, bundle.context_length)
        kn = _per_piece_kn(kn5, seqs)
        diff = ratio_bootstrap(decoder - kn, counts, resamples, seed)
        specialist = None
        if collection is not None:
            same = [s for s, p in zip(train, train_pieces, strict=True) if p.split("/")[0] == collection]
            if same:
                specialist = float(_per_piece_kn(KneserNey(5, bundle.vocab_size).fit(same), seqs).sum()
                                   / counts.sum())
        rows.append(NllRow(label, len(seqs), int(counts.sum()), notes, float(decoder.sum() / counts.sum()),
                           float(kn.sum() / counts.sum()), float(decoder.sum() / notes),
                           float(kn.sum() / notes), diff, specialist))
        log.info("NLL %s: decoder %.3f, 5-gram %.3f nats/token", label, rows[-1].decoder_per_token,
                 rows[-1].kn5_per_token)
    return rows


def fit_gap(tokens: Path, model_name: str = "default", models: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Training vs validation NLL of the decoder on onnxruntime, collections matched (``export.fit_gap``)."""
    from export.fit_gap import matched_gap

    bundle, sampler = load_decoder(model_name, models)

    def score(seqs: list[np.ndarray]) -> np.ndarray:
        counts = np.array([len(s) - 1 for s in seqs], dtype=np.float64)
        return np.column_stack([_per_piece_decoder(sampler, seqs, bundle.context_length), counts])

    return matched_gap(score, tokens).to_dict(collections=False)


def nll_markdown(rows: list[NllRow]) -> str:
    """The likelihood table as markdown."""
    lines = ["## Likelihood of held-out music", "",
             "Nats per token (and per note) of every held-out piece's tokens: the decoder (onnxruntime, "
             "fp32, sliding windows) and an interpolated Kneser-Ney 5-gram fitted on the training split. "
             "Difference per piece, 95% bootstrap interval over pieces (negative: the decoder is better).",
             "",
             "| set | pieces | tokens | decoder | 5-gram | decoder - 5-gram | decoder / note | 5-gram / note "
             "| 5-gram of that collection alone |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        specialist = f"{r.specialist_per_token:.3f}" if r.specialist_per_token is not None else "-"
        lines.append(f"| {r.label} | {r.pieces} | {r.tokens} | {r.decoder_per_token:.3f} | "
                     f"{r.kn5_per_token:.3f} | {r.difference_per_token.cell(signed=True)} | "
                     f"{r.decoder_per_note:.3f} | {r.kn5_per_note:.3f} | {specialist} |")
    return "\n".join(lines) + "\n"
