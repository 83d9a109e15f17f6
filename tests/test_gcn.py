"""The graph network: AUC maths, torch/ONNX parity, the three variants, learn-style end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from test_style_graph import build_style_models, write_midi_folder

from bridge.gcn_runtime import GraphNetwork
from bridge.style import (
    Style,
    count_transitions,
    normalized_adjacency,
    scale_features,
    unit_rows,
)
from export.gcn import GCN, auc_score, embed, train_link_prediction
from export.gcn_onnx import gcn_from_weights, gcn_onnx_bytes
from export.learn_style import main as learn_style_main
from export.style_graph import VARIANTS, node_features, positional_profile, split_edges, training_weights


def markov_sequences(n_tokens: int = 60, pieces: int = 40, length: int = 80,
                     seed: int = 0) -> list[list[int]]:
    """Pieces from a Markov chain with structure, like stepwise melodies: from token t the next one is
    t-1, t+1, t+2 or t+3 (mod n), so a held-out transition is implied by its neighbourhood."""
    rng = np.random.default_rng(seed)
    successors = (np.arange(n_tokens)[:, None] + np.array([-1, 1, 2, 3])) % n_tokens
    out = []
    for _ in range(pieces):
        token = int(rng.integers(n_tokens))
        seq = [token]
        for _ in range(length - 1):
            token = int(successors[token, rng.integers(4)])
            seq.append(token)
        out.append(seq)
    return out


def test_auc_matches_pair_counting():
    rng = np.random.default_rng(0)
    pos, neg = rng.normal(1, 1, 50).round(1), rng.normal(0, 1, 40).round(1)
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))
    assert auc_score(pos, neg) == pytest.approx(wins)
    assert auc_score([2, 3], [0, 1]) == 1.0 and auc_score([0, 1], [2, 3]) == 0.0
    assert auc_score([1, 1], [1, 1]) == 0.5
    with pytest.raises(ValueError):
        auc_score([], [1])


def test_the_onnx_graph_network_equals_torch():
    rng = np.random.default_rng(1)
    weights = (rng.random((30, 30)) < 0.1) * rng.random((30, 30))
    features = rng.normal(size=(30, 12)).astype(np.float32)
    model = GCN(12, hidden=16, out_dim=8)
    with torch.no_grad():
        model.b1.normal_()
        model.b2.normal_()
        model.r.normal_()
        model.u.normal_()
    expected = embed(model, weights, features)
    network = GraphNetwork(gcn_onnx_bytes(model))  # exported with another vocabulary size: it is dynamic
    actual, scores = network.run(normalized_adjacency(weights), scale_features(features))
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5)
    with torch.no_grad():
        expected_scores = model.score_matrix(torch.from_numpy(expected)).numpy()
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-4, atol=1e-4)
    # the weights round trip: a GCN rebuilt from its exported arrays exports the same network
    again = GraphNetwork(gcn_onnx_bytes(gcn_from_weights(model.export())))
    np.testing.assert_allclose(again.run(normalized_adjacency(weights), scale_features(features))[1], scores,
                               atol=1e-5)
    # tokens without edges only see themselves: the isolated pass gives the same vectors
    lonely = np.flatnonzero(((weights > 0) | (weights > 0).T).sum(1) == 0)
    if lonely.size:
        with torch.no_grad():
            alone = model.isolated(torch.from_numpy(scale_features(features))[lonely]).numpy()
        np.testing.assert_allclose(alone, expected[lonely], rtol=1e-4, atol=1e-5)


def test_normalized_adjacency_is_symmetric_with_self_loops():
    w = np.zeros((4, 4), np.float32)
    w[0, 1] = 5
    w[1, 2] = 1
    a = normalized_adjacency(w)
    np.testing.assert_allclose(a, a.T)
    assert a[3, 3] == pytest.approx(1.0) and a[3, :3].sum() == 0  # a token with no edges keeps itself
    assert a[0, 1] > a[1, 2] > 0 and a[0, 2] == 0


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_variant_learns_to_predict_held_out_transitions(variant):
    n = 60
    sequences = markov_sequences(n)
    graph = count_transitions(sequences, n, window=3)
    split = split_edges(graph, np.random.default_rng(0), test_fraction=0.15)
    rng = np.random.default_rng(2)
    tok_emb = rng.normal(size=(n, 16)).astype(np.float32)
    pos_emb = rng.normal(size=(32, 16)).astype(np.float32)
    features = node_features(variant, tok_emb, positional_profile(sequences, pos_emb, n))
    assert features.shape == (n, 32 if variant == "token_pos" else 16)
    model, auc, loss = train_link_prediction(training_weights(variant, graph, split), features, split,
                                             epochs=150, hidden=32, out_dim=16)
    assert np.isfinite(loss)
    assert auc.style > 0.8 and auc.vocabulary > 0.8, auc
    untrained = GCN(features.shape[1], 32, 16)
    with torch.no_grad():
        z = torch.from_numpy(embed(untrained, training_weights(variant, graph, split), features))
        s = untrained.score_matrix(z).numpy()
    pos, neg = split.test_pos, split.test_neg
    before = auc_score(s[pos[:, 0], pos[:, 1]], s[neg[:, 0], neg[:, 1]])
    assert auc.style > before  # training, not the initialisation, separates the edges


def test_learn_style_writes_a_loadable_style(tmp_path, capsys):
    models = tmp_path / "models"
    build_style_models(models)
    write_midi_folder(tmp_path / "midi", tunes=6, random_pieces=1)
    card = learn_style_main([str(tmp_path / "midi"), "--name", "tunes", "--models", str(models),
                             "--model", "tiny", "--epochs", "40", "--no-progress"])
    assert "style tunes: 7 pieces" in capsys.readouterr().out
    assert set(card["auc"]) == set(VARIANTS) and all(0 <= v <= 1 for v in card["auc"].values())
    assert card["sources"]["files"] == 7 and card["sources"]["failed"] == []
    manifest = json.loads((models / "manifest.json").read_text())
    assert "tiny" in manifest["models"] and manifest["styles"]["tunes"]["auc"] == card["auc"]
    style = Style.load(models, "tunes")
    assert style.card["decoder"]["model"] == "tiny" and style.card["gcn"]["variant"] == "window"
    # the style's gcn.onnx reproduces its embeddings without torch
    with np.load(models / "tiny" / "weights.npz") as data:
        tok_emb = data["tok_emb.weight"]
    again, _ = style.gcn.run(normalized_adjacency(style.graph.dense()), scale_features(tok_emb))
    np.testing.assert_allclose(unit_rows(again), style.embeddings, atol=2e-3)
    assert style.sequences and sum(len(q) for q in style.sequences) > 100  # what the style expert counts
    with pytest.raises(SystemExit):
        learn_style_main(["--name", "x", "--models", str(models)])  # neither a folder nor tokens
