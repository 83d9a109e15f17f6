"""The style expert (bridge.style_model): Kneser-Ney counts stepped token by token, the graph network's
back-off, the linear mixture, and the token sequences a style folder keeps."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.kneser_ney import KneserNey
from bridge.model import ModelError
from bridge.sampling import log_softmax
from bridge.style_model import MAX_SHARE, StyleMixer, StyleModel, mix_linear, read_sequences, write_sequences

V = 40


@pytest.fixture(scope="module")
def sequences() -> list[list[int]]:
    rng = np.random.default_rng(3)
    figure = [5, 9, 12, 9, 5, 7]  # a figure the style repeats, among noise
    out = []
    for _ in range(30):
        noise = rng.integers(1, V, size=int(rng.integers(4, 12))).tolist()
        out.append([0, *figure, *noise, *figure, *figure[:3], 39])
    return out


def test_the_stepped_context_is_kneser_ney_exactly(sequences):
    kn = KneserNey(5, V).fit(sequences)
    model = StyleModel(kn, None, 0.0)
    text = [int(t) for seq in sequences[:4] for t in seq]
    context = model.context()
    for i, token in enumerate(text):
        context.feed(token)
        expected = np.exp(kn.next_log_probs(text[max(0, i - 3):i + 1]))
        np.testing.assert_allclose(context.probs(), expected, atol=1e-12)
    assert context.probs().sum() == pytest.approx(1.0)


def test_a_long_figure_is_carried(sequences):
    model = StyleModel.fit(sequences, V, order=6)
    after_figure = model.probs_after([5, 9, 12, 9, 5])
    assert int(np.argmax(after_figure)) == 7 and after_figure[7] > 0.5
    assert model.context([5, 9, 12, 9, 5]).matched == 5
    assert model.context([33, 34, 35]).matched <= 3


def test_an_unseen_context_backs_off_to_the_graph_then_the_unigram(sequences):
    emb = np.zeros((V, 2))
    emb[:, 0] = 1.0
    emb[20, :] = (0.0, 1.0)  # token 20's nearest neighbour in the graph's space: token 21
    emb[21, :] = (0.05, 1.0)
    kn = KneserNey(3, V).fit(sequences)
    plain = StyleModel(kn, None, 0.0)
    steered = StyleModel(kn, emb, gcn_share=0.5, gcn_temperature=0.05)
    unseen_last = [38, 20]  # 20 may be rare; the bigram context (38, 20) is not in the style
    p_plain, p_steered = plain.probs_after(unseen_last), steered.probs_after(unseen_last)
    assert p_steered.sum() == pytest.approx(1.0)
    assert p_steered[21] > 2 * p_plain[21]  # the graph's plausible neighbour gains
    never_seen = np.setdiff1d(np.arange(V), np.unique(np.concatenate(sequences)))
    if never_seen.size:  # the graph sends mass only to tokens of the style
        assert np.allclose(p_steered[never_seen], p_plain[never_seen] * (1 - 0.5), rtol=0.5)


def test_the_mixture_is_linear_and_zero_is_the_decoder(sequences):
    model = StyleModel.fit(sequences, V, order=4)
    logits = np.random.default_rng(0).normal(size=V)
    assert mix_linear(logits, model.probs_after([5, 9]), 0.0) is logits
    p_style = model.probs_after([5, 9])
    mixed = np.exp(log_softmax(mix_linear(logits, p_style, 0.3)))
    np.testing.assert_allclose(mixed, 0.7 * np.exp(log_softmax(logits)) + 0.3 * p_style, atol=1e-12)
    mixer = StyleMixer(model, [5, 9, 12], blend=50.0)
    assert mixer.share == MAX_SHARE  # capped: the decoder always keeps a say
    quiet = StyleMixer(model, [5, 9, 12], blend=0.0)
    assert quiet.share == 0.0 and quiet.mix(logits) is logits
    mixer.feed(9)
    assert mixer.context.last == 9


def test_sequences_round_trip_and_bad_files_are_refused(sequences, tmp_path):
    path = tmp_path / "tokens.npz"
    write_sequences(path, sequences)
    back = read_sequences(path, V)
    assert [list(q) for q in back] == sequences
    with pytest.raises(ModelError, match="vocabulary"):
        read_sequences(path, 10)
    np.savez(tmp_path / "bad.npz", tokens=np.zeros((2, 2), np.uint16), offsets=np.zeros(1, np.int64))
    with pytest.raises(ModelError, match="1-d"):
        read_sequences(tmp_path / "bad.npz", V)
    with pytest.raises(ValueError, match="16 bits"):
        write_sequences(tmp_path / "big.npz", [[70000]])
