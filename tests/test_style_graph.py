"""Style graphs: window weights, pieces kept apart, held-out splits, safe loading, live learning."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from symusic import Note as SNote
from symusic import Score, Tempo, TimeSignature, Track
from test_model_loading import build_model, write_manifest
from test_tokens import random_score

from bridge.gcn_runtime import GraphNetwork
from bridge.model import ModelError, sha256_file
from bridge.style import (
    Style,
    StyleError,
    StyleGraph,
    available_styles,
    count_transitions,
    register_style,
    style_from_sequences,
    unit_rows,
)
from bridge.style_sources import midi_files
from bridge.tokens import TokenScheme
from export.gcn import GCN
from export.gcn_onnx import gcn_onnx_bytes
from export.style_graph import VARIANTS, split_edges, tokenize_files, training_weights

TPQ = 480
EMB = 32


# ---------------------------------------------------------------- helpers shared by the style tests


def tune_score(seed: int, bars: int = 16) -> Score:
    """A fiddle-like tune: running eighths in D major in 6/8, a two-bar motif repeated with variations."""
    rng = random.Random(seed)
    scale = [62, 64, 66, 67, 69, 71, 73, 74, 76, 78]
    motif = [rng.randrange(len(scale)) for _ in range(12)]
    score = Score(TPQ)
    score.time_signatures.append(TimeSignature(0, 6, 8))
    score.tempos.append(Tempo(0, 110.0))
    track = Track(program=0)
    tick = 0
    for bar in range(bars):
        for step in range(6):
            degree = motif[(bar % 2) * 6 + step]
            if rng.random() < 0.2:
                degree = max(0, min(len(scale) - 1, degree + rng.choice([-1, 1])))
            length = 240 if step != 5 or bar % 4 != 3 else 480
            track.notes.append(SNote(tick, length, scale[degree], 70 + 10 * (step == 0)))
            tick += 240
        if bar % 4 == 3:
            tick += 240
    score.tracks.append(track)
    return score


def write_midi_folder(folder: Path, tunes: int = 5, random_pieces: int = 1) -> list[Path]:
    """Generated MIDI files: structured tunes plus random pieces with chords, rests and tempo changes."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(tunes):
        path = folder / f"tune{i}.mid"
        tune_score(i).dump_midi(path)
        paths.append(path)
    for i in range(random_pieces):
        path = folder / "sub" / f"random{i}.MID"
        path.parent.mkdir(exist_ok=True)
        random_score(500 + i, n_notes=60).dump_midi(path)
        paths.append(path)
    return paths


def build_style_models(root: Path) -> Path:
    """A tiny decoder (``tiny``) with a ``weights.npz`` holding token and positional embeddings."""
    folder = build_model(root, name="tiny", context_length=64)
    config = json.loads((folder / "config.json").read_text())
    rng = np.random.default_rng(0)
    np.savez(folder / "weights.npz",
             **{"tok_emb.weight": rng.normal(0, 0.02, (config["vocab_size"], EMB)).astype(np.float32),
                "pos_emb.weight": rng.normal(0, 0.02, (64, EMB)).astype(np.float32),
                "__config__": np.array(json.dumps({"vocab_size": config["vocab_size"]}))})
    write_manifest(root, default="tiny")
    return folder


def specials(scheme: TokenScheme) -> list[int]:
    return [scheme.pad_id, scheme.bos_id, scheme.eos_id]


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("models")
    build_style_models(root)
    return root


@pytest.fixture(scope="module")
def scheme(models) -> TokenScheme:
    return TokenScheme.from_model_dir(models / "tiny")


@pytest.fixture(scope="module")
def midi_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("midi")
    write_midi_folder(folder)
    return folder


# ---------------------------------------------------------------- the graph


def test_nearer_neighbours_weigh_more_and_weights_are_kept():
    graph = count_transitions([[1, 5, 6, 7]], vocab_size=10, window=2, decay=0.5, skip=[1])
    dense = graph.dense()
    expected = np.zeros((10, 10), dtype=np.float32)
    expected[5, 6] = expected[6, 7] = 1.0
    expected[5, 7] = 0.5
    np.testing.assert_array_equal(dense, expected)
    nxt = dict(zip(zip(graph.src.tolist(), graph.dst.tolist(), strict=True), graph.next_weight.tolist(),
                   strict=True))
    assert nxt == {(5, 6): 1.0, (5, 7): 0.0, (6, 7): 1.0}
    p = graph.transition(window=True)
    np.testing.assert_allclose(p[5, [6, 7]], [2 / 3, 1 / 3], rtol=1e-6)
    np.testing.assert_allclose(p.sum(axis=1)[[5, 6]], [1.0, 1.0], rtol=1e-6)
    assert p[7].sum() == 0
    nxt_p = graph.transition()  # next-token only: 5 -> 7 at distance 2 does not count
    np.testing.assert_array_equal(nxt_p[5, [6, 7]], [1.0, 0.0])
    assert nxt_p[7].sum() == 0 and graph.counts.tolist()[5:8] == [1, 1, 1] and graph.counts[1] == 0


def test_repeats_accumulate_and_pieces_stay_apart():
    graph = count_transitions([[5, 6, 5, 6], [7, 8]], vocab_size=10, window=1)
    dense = graph.dense()
    assert dense[5, 6] == 2 and dense[6, 5] == 1 and dense[7, 8] == 1
    assert dense[6, 7] == 0  # no edge from the end of one piece to the start of the next
    assert graph.n_edges == 3


@pytest.mark.parametrize(("seqs", "kwargs", "match"), [
    ([[1, 12]], {}, "outside the vocabulary"),
    ([[-1, 2]], {}, "outside the vocabulary"),
    ([[1, 2]], {"window": 0}, "window"),
    ([[1, 2]], {"decay": 0.0}, "decay"),
])
def test_bad_sequences_and_settings_are_refused(seqs, kwargs, match):
    with pytest.raises(StyleError, match=match):
        count_transitions(seqs, vocab_size=10, **kwargs)


def test_graph_arrays_round_trip_and_are_checked():
    graph = count_transitions([[3, 4, 5, 3, 4]], vocab_size=8, window=3, decay=0.7)
    again = StyleGraph.from_arrays(graph.to_arrays())
    np.testing.assert_array_equal(again.dense(), graph.dense())
    assert (again.window, again.decay) == (3, pytest.approx(0.7))
    bad = dict(graph.to_arrays(), dst=graph.dst + 10)
    with pytest.raises(StyleError, match="outside the vocabulary"):
        StyleGraph.from_arrays(bad)
    with pytest.raises(StyleError, match="non-negative"):
        StyleGraph.from_arrays(dict(graph.to_arrays(), weight=-graph.weight))
    with pytest.raises(StyleError, match="lacks"):
        StyleGraph.from_arrays({"src": graph.src})


def test_generated_midi_tokenizes_into_grammatical_transitions(models, scheme, midi_dir):
    files = midi_files(midi_dir)
    assert len(files) == 6 and any(f.suffix == ".MID" for f in files)  # recursive, any case
    sequences, failed = tokenize_files(files, models / "tiny" / "tokenizer.json")
    assert failed == [] and len(sequences) == 6
    graph = count_transitions(sequences, scheme.vocab_size, skip=specials(scheme))
    first = graph.next_weight > 0
    assert first.any()
    # every next-token edge of a real tokenization is a transition the grammar allows
    for a, b in zip(graph.src[first].tolist(), graph.dst[first].tolist(), strict=True):
        assert scheme.allowed_mask(scheme.last_type[a])[b], (scheme.base_tokens(a), scheme.base_tokens(b))


def test_held_out_edges_leave_every_training_graph(models, scheme, midi_dir):
    sequences, _ = tokenize_files(midi_files(midi_dir), models / "tiny" / "tokenizer.json")
    graph = count_transitions(sequences, scheme.vocab_size, skip=specials(scheme))
    split = split_edges(graph, np.random.default_rng(1), test_fraction=0.2)
    linked = graph.dense() > 0
    assert len(split.test_pos) > 5 and len(split.test_neg) == len(split.test_pos)
    for a, b in split.test_pos.tolist():
        assert linked[a, b] or linked[b, a]
    for a, b in [*split.test_neg.tolist(), *split.test_neg_vocab.tolist()]:
        assert not linked[a, b] and not linked[b, a] and a != b
    for variant in VARIANTS:
        w = training_weights(variant, graph, split)
        assert not w[split.held_out].any()
        assert (w > 0).sum() > 0
    window_edges = (training_weights("window", graph, None) > 0).sum()
    assert window_edges > (training_weights("token", graph, None) > 0).sum()


# ---------------------------------------------------------------- saving and loading safely


def _saved_style(models: Path, name: str = "tunes") -> Style:
    graph = count_transitions([[3, 4, 5, 3, 4, 6]], vocab_size=12)
    emb = np.random.default_rng(0).normal(size=(12, 8)).astype(np.float32)
    style = Style(name, graph, unit_rows(emb), {"sources": {"pieces": 1}},
                  GraphNetwork(gcn_onnx_bytes(GCN(8, hidden=4, out_dim=8))), (np.array([3, 4, 5, 3, 4, 6]),))
    files = style.save(models / "styles" / name)
    register_style(models, name, files, auc={"window": 0.9})
    return style


def test_a_style_round_trips_through_the_manifest(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"version": 1, "default": "x", "models": {"x": {}}}))
    saved = _saved_style(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["models"] == {"x": {}}  # the models section is untouched
    assert [f["path"] for f in manifest["styles"]["tunes"]["files"]] == [
        f"styles/tunes/{f}" for f in ("graph.npz", "embeddings.npz", "gcn.onnx", "tokens.npz", "style.json")]
    loaded = Style.load(tmp_path, "tunes")
    np.testing.assert_array_equal(loaded.graph.dense(), saved.graph.dense())
    np.testing.assert_allclose(loaded.embeddings, saved.embeddings, atol=1e-3)  # stored as float16
    np.testing.assert_allclose(np.linalg.norm(loaded.embeddings, axis=1), 1.0, atol=1e-5)
    assert loaded.card["format"] == "segue-style" and loaded.card["sources"] == {"pieces": 1}
    assert loaded.gcn.feature_dim == 8 and [list(q) for q in loaded.sequences] == [[3, 4, 5, 3, 4, 6]]
    assert available_styles(tmp_path) == ["tunes"]


def test_changed_files_bad_paths_and_names_are_refused(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"version": 1, "default": "x", "models": {}}))
    _saved_style(tmp_path)
    with pytest.raises(StyleError, match="known styles: tunes"):
        Style.load(tmp_path, "other")
    with pytest.raises(ModelError, match="invalid model name"):
        Style.load(tmp_path, "../tunes")
    manifest_path = tmp_path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    entry = manifest["styles"]["tunes"]["files"][0]
    good = dict(entry)
    entry["path"] = "styles/../manifest.json"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(StyleError, match="is not a file of styles/tunes"):
        Style.load(tmp_path, "tunes")
    manifest["styles"]["tunes"]["files"][0] = good
    manifest_path.write_text(json.dumps(manifest))
    graph_file = tmp_path / "styles" / "tunes" / "graph.npz"
    graph_file.write_bytes(graph_file.read_bytes() + b"x")
    with pytest.raises(StyleError, match="corrupt or was changed"):
        Style.load(tmp_path, "tunes")


def test_a_pickled_array_is_never_loaded(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"version": 1, "default": "x", "models": {}}))
    _saved_style(tmp_path)
    emb_file = tmp_path / "styles" / "tunes" / "embeddings.npz"
    np.savez(emb_file, embeddings=np.array([{"a": 1}], dtype=object))
    register_style(tmp_path, "tunes", ["graph.npz", "embeddings.npz", "style.json"])
    assert sha256_file(emb_file)
    with pytest.raises(ModelError, match="cannot read arrays"):
        Style.load(tmp_path, "tunes")


# ---------------------------------------------------------------- learning live, without torch


def test_live_learning_runs_the_gcn_from_onnx(scheme):
    sequences = [scheme.encode([], 120.0) + list(range(10, 60)), list(range(30, 90))]
    rng = np.random.default_rng(0)
    base = rng.normal(size=(scheme.vocab_size, EMB)).astype(np.float32)
    gcn = GraphNetwork(gcn_onnx_bytes(GCN(EMB, hidden=16, out_dim=8)))
    style = style_from_sequences("live", sequences, scheme.vocab_size, specials(scheme), base, gcn)
    assert style.embeddings.shape == (scheme.vocab_size, 8)
    assert style.link_scores.shape == (scheme.vocab_size, scheme.vocab_size)
    assert [len(q) for q in style.sequences] == [len(q) for q in sequences]
    assert style.graph.dense()[10, 11] > 0 and style.graph.counts[scheme.bos_id] == 0
    plain = style_from_sequences("live", sequences, scheme.vocab_size, specials(scheme), base, None)
    assert plain.embeddings.shape == (scheme.vocab_size, EMB)
    with pytest.raises(StyleError, match="nothing to learn"):
        style_from_sequences("live", [[5]], scheme.vocab_size, [], base)


def test_the_runtime_style_modules_never_import_torch():
    code = ("import sys; import bridge.style, bridge.samplers.graph, bridge.samplers.blend; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
