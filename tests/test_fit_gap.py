"""The matched training/validation gap: scoring per piece, first versions only, collection weights."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="the export tests need the export extra: pip install -e '.[test]'"
)

from export.evaluate import decoder_nll, sliding_windows  # noqa: E402
from export.fit_gap import matched_gap, torch_scorer  # noqa: E402
from export.model import GPT, GPTConfig  # noqa: E402

VOCAB = 40


def _model() -> GPT:
    torch.manual_seed(3)
    return GPT(GPTConfig(vocab_size=VOCAB, context_length=16, n_layer=1, n_head=2, n_embd=16,
                         dropout=0.0)).eval()


def _write_split(folder: Path, split: str, versions: list[tuple[str, list[int]]]) -> None:
    lengths = [len(seq) for _, seq in versions]
    np.save(folder / f"{split}.npy", np.array([t for _, seq in versions for t in seq], dtype=np.uint16))
    np.save(folder / f"{split}.offsets.npy", np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64))
    (folder / f"{split}.pieces.json").write_text(json.dumps([piece for piece, _ in versions]))


class _Forward:
    """The sampler interface ``export.evaluate.decoder_nll`` scores with, on a torch model."""

    def __init__(self, model: GPT) -> None:
        self.model = model

    def forward(self, window: np.ndarray) -> np.ndarray:
        ids = torch.from_numpy(np.asarray(window, dtype=np.int64))[None]
        with torch.no_grad():
            return self.model(ids, causal=True)[0][0].numpy()


def test_sliding_windows_score_every_position_once() -> None:
    for length in (2, 10, 16, 17, 50, 64):
        covered = []
        for start, first in sliding_windows(length, 16):
            covered.extend(range(start + first, min(start + 16, length)))
        assert covered == list(range(1, length))


def test_the_torch_scorer_agrees_with_the_likelihood_table_scoring() -> None:
    model = _model()
    rng = np.random.default_rng(0)
    short, long = rng.integers(3, VOCAB, 10), rng.integers(3, VOCAB, 50)
    scored = torch_scorer(model, batch=3)([short, long])
    assert scored[:, 1].tolist() == [9, 49]
    for row, seq in zip(scored, (short, long), strict=True):
        assert row[0] / row[1] == pytest.approx(decoder_nll(_Forward(model), [seq], 16), rel=1e-5)


def test_the_gap_sets_each_collection_against_its_own_first_versions(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    tokens = tmp_path
    pieces = [("a/v1.mid", "a", "validation"), ("a/t1.mid", "a", "train"), ("b/v1.mid", "b", "validation"),
              ("b/t1.mid", "b", "train"), ("c/t1.mid", "c", "train")]
    seqs = {p: [1, *rng.integers(3, VOCAB, 30 if c == "a" else 10).tolist(), 2] for p, c, _ in pieces}
    _write_split(tokens, "validation", [(p, seqs[p]) for p, _, s in pieces if s == "validation"])
    augmented = [5] * 40  # a later version of a/t1: it must not be what the training side scores
    _write_split(tokens, "train", [("a/t1.mid", seqs["a/t1.mid"]), ("a/t1.mid", augmented),
                                   ("b/t1.mid", seqs["b/t1.mid"]), ("c/t1.mid", seqs["c/t1.mid"])])
    model = _model()
    score = torch_scorer(model)
    gap = matched_gap(score, tokens)
    assert set(gap.collections) == {"a", "b"}  # c has no validation pieces
    assert gap.collections["a"]["weight"] == pytest.approx(31 / 42, abs=1e-3)
    expected = {}
    for side, names in (("validation", ("a/v1.mid", "b/v1.mid")), ("training", ("a/t1.mid", "b/t1.mid"))):
        per = score([np.array(seqs[n]) for n in names])
        expected[side] = 31 / 42 * per[0, 0] / per[0, 1] + 11 / 42 * per[1, 0] / per[1, 1]
    assert gap.validation == pytest.approx(expected["validation"], rel=1e-6)
    assert gap.training == pytest.approx(expected["training"], rel=1e-6)
    assert gap.gap == pytest.approx(gap.validation - gap.training)
    assert gap.interval[0] <= gap.gap <= gap.interval[1]


def test_bench_sizes_gives_every_trained_run_of_a_size_a_row(tmp_path: Path) -> None:
    from bench.sizes import _fit_cells, _trained
    from export.model import save_npz
    from export.train import save_checkpoint

    rng = np.random.default_rng(2)
    seqs = {f"a/{name}.mid": [1, *rng.integers(3, VOCAB, 20).tolist(), 2] for name in ("v", "t")}
    _write_split(tmp_path, "validation", [("a/v.mid", seqs["a/v.mid"])])
    _write_split(tmp_path, "train", [("a/t.mid", seqs["a/t.mid"])])
    model = _model()
    run = tmp_path / "run"
    run.mkdir()
    history = [{"step": 100, "val_nll": 3.5, "train_nll": 3.0, "minutes": 10.0},
               {"step": 200, "val_nll": 3.2, "train_nll": 2.9, "minutes": 20.0}]
    opt = torch.optim.AdamW(model.parameters())
    save_checkpoint(run / "best.pt", model, opt, 200, 3.2, history)
    (run / "history.json").write_text(json.dumps(history))
    released = tmp_path / "models" / "tiny"
    released.mkdir(parents=True)
    save_npz(model, released / "weights.npz")
    metrics = {"train_minutes": 70.0, "train_steps": 1686, "validation_nll": 2.78}
    (released.parent / "manifest.json").write_text(json.dumps({"models": {"tiny": {"metrics": metrics}}}))
    rows = _trained([run, released], tmp_path)
    assert list(rows) == [(1, 16, 16)] and len(rows[(1, 16, 16)]) == 2
    from_run, shipped = (_fit_cells(r) for r in rows[(1, 16, 16)])
    assert from_run[:2] == [f"20 min, 200 steps ({run})", "3.200"]
    assert shipped[:2] == [f"70 min, 1686 steps ({released} (shipped))", "2.780"]
    assert from_run[2] == shipped[2]  # the same weights: the same matched gap
    assert _fit_cells(None) == ["not trained", "-", "-"]
