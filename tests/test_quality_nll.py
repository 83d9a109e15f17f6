"""The likelihood table of bench.quality: decoder vs Kneser-Ney 5-gram on held-out token arrays."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench.quality.nll import nll_markdown, nll_table, ratio_bootstrap
from bridge.notes import Note
from bridge.tokens import TokenScheme

MODELS = Path(__file__).resolve().parent.parent / "models"


def test_ratio_bootstrap_is_the_token_weighted_mean_with_an_interval_around_it() -> None:
    totals = np.array([10.0, 30.0, 20.0, 40.0])
    counts = np.array([5.0, 10.0, 10.0, 10.0])
    est = ratio_bootstrap(totals, counts, resamples=500, seed=1)
    assert est.mean == pytest.approx(100.0 / 35.0)
    assert est.lo <= est.mean <= est.hi and est.lo < est.hi
    same = ratio_bootstrap(np.array([3.0, 6.0]), np.array([1.0, 2.0]), resamples=200)
    assert same.lo == pytest.approx(3.0) and same.hi == pytest.approx(3.0)


def _write_split(folder: Path, split: str, scheme: TokenScheme, pieces: list[tuple[str, int]]) -> None:
    seqs, ids = [], []
    for piece, shift in pieces:
        notes = [Note(60 + shift + (i * 2) % 12, 80, i * 0.5, 0.5) for i in range(24)]
        seqs.append([*scheme.encode(notes, 120.0), scheme.eos_id])
        ids.append(piece)
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in seqs])[:-1]])
    np.save(folder / f"{split}.npy", np.concatenate(seqs).astype(np.uint16))
    np.save(folder / f"{split}.offsets.npy", offsets)
    (folder / f"{split}.pieces.json").write_text(json.dumps(ids))


def test_nll_table_scores_every_set_and_the_collection_specialist(tmp_path: Path) -> None:
    scheme = TokenScheme.from_model_dir(MODELS / "default")
    _write_split(tmp_path, "train", scheme, [(f"bach/t{i}.mid", i % 5) for i in range(6)]
                 + [(f"essen/t{i}.mid", 3) for i in range(4)])
    _write_split(tmp_path, "test", scheme, [("bach/a.mid", 1), ("essen/b.mid", 2), ("bach/c.mid", 4)])
    _write_split(tmp_path, "style_test", scheme, [("oneills1850/d.mid", 0), ("oneills1850/e.mid", 6)])
    rows = {r.label: r for r in nll_table(tmp_path, resamples=200)}
    assert set(rows) == {"test", "fiddle", "test: Bach chorales"}
    assert rows["test"].pieces == 3 and rows["test: Bach chorales"].pieces == 2
    for row in rows.values():
        assert np.isfinite(row.decoder_per_token) and row.decoder_per_token > 0
        assert np.isfinite(row.kn5_per_token) and row.kn5_per_token > 0
        assert row.decoder_per_note > row.decoder_per_token  # more than one token a note
        d = row.difference_per_token
        assert d.mean == pytest.approx(row.decoder_per_token - row.kn5_per_token)
        assert d.lo <= d.mean <= d.hi
    assert rows["test: Bach chorales"].specialist_per_token is not None
    assert rows["test"].specialist_per_token is None
    text = nll_markdown(list(rows.values()))
    assert "| test: Bach chorales | 2 |" in text and "5-gram of that collection alone" in text


def test_fit_gap_matches_collections_and_uses_original_pieces(tmp_path: Path) -> None:
    from bench.quality.nll import fit_gap

    scheme = TokenScheme.from_model_dir(MODELS / "default")
    # each piece twice in training (original, then a copy), as export.dataset writes them
    _write_split(tmp_path, "train", scheme, [(f"bach/t{i // 2}.mid", i % 3) for i in range(8)])
    _write_split(tmp_path, "validation", scheme, [("bach/v.mid", 1), ("essen/w.mid", 2)])
    gap = fit_gap(tmp_path)
    # essen has no training piece: the figures are bach's alone, scored as the likelihood table scores
    from bench.quality.nll import load_decoder
    from export.evaluate import decoder_nll

    bundle, sampler = load_decoder("default")
    bach = np.load(tmp_path / "validation.npy")[: int(np.load(tmp_path / "validation.offsets.npy")[1])]
    expected = decoder_nll(sampler, [bach.astype(np.int64)], bundle.context_length)
    assert gap["validation_nll"] == pytest.approx(expected, abs=1e-4)
    assert gap["gap"] == pytest.approx(gap["validation_nll"] - gap["training_nll"], abs=1e-3)
    assert gap["training_nll"] > 0 and gap["gap_95"][0] <= gap["gap"] <= gap["gap_95"][1]
