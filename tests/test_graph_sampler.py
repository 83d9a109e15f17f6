"""GraphSampler: grammar-valid walks, restarts into the seed, no self-loop traps, notes out."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_style_graph import build_style_models, specials, write_midi_folder

from bridge.model import ModelBundle
from bridge.notes import Note
from bridge.samplers import Sampler, SamplerError
from bridge.samplers.graph import GraphSampler
from bridge.sampling import SamplingParams
from bridge.style import Style, StyleError, count_transitions, style_from_sequences, unit_rows
from bridge.style_model import StyleModel
from bridge.style_sources import midi_files
from bridge.tokens import TokenType
from export.style_graph import tokenize_files


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> ModelBundle:
    root = tmp_path_factory.mktemp("models")
    build_style_models(root)
    return ModelBundle.load(root)


@pytest.fixture(scope="module")
def style(bundle, tmp_path_factory) -> Style:
    folder = tmp_path_factory.mktemp("midi")
    write_midi_folder(folder, tunes=6, random_pieces=2)
    sequences, _ = tokenize_files(midi_files(folder), bundle.path / "tokenizer.json")
    with np.load(bundle.path / "weights.npz") as data:
        tok_emb = data["tok_emb.weight"]
    return style_from_sequences("tunes", sequences, bundle.vocab_size, specials(bundle.scheme), tok_emb)


@pytest.fixture(scope="module")
def seed(bundle) -> list[int]:
    notes = [Note([62, 66, 69, 71, 69, 66][i % 6], 80, i * 0.5, 0.5) for i in range(12)]
    return bundle.scheme.encode(notes, 110.0)


def never() -> bool:
    return False


def take(iterator, n: int) -> list[int]:
    return list(itertools.islice(iterator, n))


def grammar_errors(scheme, seed: list[int], tokens: list[int]) -> list[int]:
    state = scheme.state_after(seed)
    bad = []
    for i, token in enumerate(tokens):
        if not scheme.allowed_mask(state)[token]:
            bad.append(i)
        state = TokenType(int(scheme.last_type[token]))
    return bad


def test_is_a_sampler(bundle, style):
    assert isinstance(GraphSampler(bundle.scheme, style), Sampler)


@pytest.mark.parametrize("params", [
    SamplingParams(),
    SamplingParams(temperature=0.3, top_k=3),
    SamplingParams(temperature=2.5, pitch_min=60, pitch_max=72),
    SamplingParams(key="D", scale="major"),
])
def test_long_walks_follow_the_grammar_and_the_constraints(bundle, style, seed, params):
    sampler = GraphSampler(bundle.scheme, style)
    tokens = take(sampler.generate(seed, params, np.random.default_rng(0), never), 3000)
    scheme = bundle.scheme
    assert len(tokens) == 3000
    assert grammar_errors(scheme, seed, tokens) == []
    assert not set(tokens) & {scheme.bos_id, scheme.eos_id, scheme.pad_id}
    pitches = {p for t in tokens for p in scheme.pitches[t]}
    assert pitches and min(pitches) >= params.pitch_min and max(pitches) <= params.pitch_max
    if params.scale != "chromatic":
        assert all(scheme.scale_mask(params.key, params.scale)[t] for t in tokens)
    notes = bundle.scheme.decode(tokens)
    assert len(notes) > 100 and all(n.duration > 0 and 1 <= n.velocity <= 127 for n in notes)


def test_walks_are_reproducible_and_stop_at_once(bundle, style, seed):
    sampler = GraphSampler(bundle.scheme, style)
    a = take(sampler.generate(seed, SamplingParams(), np.random.default_rng(7), never), 200)
    b = take(sampler.generate(seed, SamplingParams(), np.random.default_rng(7), never), 200)
    assert a == b
    assert list(sampler.generate(seed, SamplingParams(), np.random.default_rng(7), lambda: True)) == []
    count = itertools.count()
    assert len(list(sampler.generate(seed, SamplingParams(), np.random.default_rng(7),
                                     lambda: next(count) >= 10))) == 10


def test_steps_follow_edges_of_the_style(bundle, style, seed):
    sampler = GraphSampler(bundle.scheme, style, restart=0.0)
    tokens = take(sampler.generate(seed, SamplingParams(), np.random.default_rng(3), never), 500)
    w = style.graph.dense()
    prev = seed[-1]
    off_graph = 0
    for token in tokens:
        off_graph += w[prev, token] == 0
        prev = token
    assert off_graph <= 25  # the back-off's (graph network's, unigram's) share: a step in twenty at most


def test_the_walk_carries_the_style_s_longer_figures(bundle, style, seed):
    grams = {tuple(q[i:i + 6]) for q in style.sequences for i in range(len(q) - 5)}

    def reused(order: int) -> float:
        model = StyleModel.fit(style.sequences, bundle.vocab_size, order, style.embeddings)
        sampler = GraphSampler(bundle.scheme, style, restart=0.0, model=model)
        shares = []
        for r in range(3):
            t = take(sampler.generate(seed, SamplingParams(), np.random.default_rng(r), never), 400)
            shares.append(np.mean([tuple(t[i:i + 6]) in grams for i in range(len(t) - 5)]))
        return float(np.mean(shares))

    assert reused(6) > reused(2) + 0.15  # a figure of several tokens goes on, not just one transition


def test_restarts_return_to_the_seed_context(bundle, style, seed):
    scheme = bundle.scheme
    sampler = GraphSampler(scheme, style, restart=0.99)
    tokens = take(sampler.generate(seed, SamplingParams(), np.random.default_rng(4), never), 400)
    w = style.graph.dense()
    from_seed = np.zeros(scheme.vocab_size, dtype=bool)
    for token in seed:
        from_seed |= w[token] > 0
    share = np.mean([from_seed[t] for t in tokens])
    assert share > 0.9
    # without restarts the walk wanders further from the seed's neighbourhood
    free = take(GraphSampler(scheme, style, restart=0.0).generate(seed, SamplingParams(),
                                                                  np.random.default_rng(4), never), 400)
    assert np.mean([from_seed[t] for t in free]) < share


def test_a_self_loop_never_traps_the_walk(bundle):
    scheme = bundle.scheme
    shift = next(i for i in range(scheme.vocab_size)
                 if scheme.base_tokens(i) == ("TimeShift_1.0.8",))
    note = [next(i for i in range(scheme.vocab_size) if scheme.base_tokens(i) == (t,))
            for t in ("Pitch_62", "Velocity_79", "Duration_1.0.8")]
    # a style that nearly always repeats the same time shift
    piece = [shift] * 200 + note + [shift] * 200
    graph = count_transitions([piece], scheme.vocab_size)
    emb = unit_rows(np.random.default_rng(0).normal(size=(scheme.vocab_size, 8)).astype(np.float32))
    style = Style("loop", graph, emb, sequences=(np.array(piece),))
    for max_repeat in (0, 2, 5):
        sampler = GraphSampler(scheme, style, restart=0.0, max_repeat=max_repeat)
        walk = sampler.generate([shift], SamplingParams(temperature=0.2), np.random.default_rng(0), never)
        tokens = take(walk, 600)
        longest = max(len(list(run)) for _, run in itertools.groupby(tokens))
        assert longest <= max_repeat + 1
        assert grammar_errors(scheme, [shift], tokens) == []
        assert any(scheme.pitches[t] for t in tokens)  # notes keep coming


def test_unknown_seed_tokens_fall_back_to_the_style(bundle, style):
    scheme = bundle.scheme
    unseen = [i for i in range(scheme.vocab_size) if style.graph.counts[i] == 0 and scheme.internally_valid[i]
              and scheme.allowed_mask(TokenType.BOS)[i]]
    assert unseen, "the tiny vocabulary should hold tokens the style never used"
    for token in unseen[:5]:
        seed = [scheme.bos_id, token]
        walk = GraphSampler(scheme, style).generate(seed, SamplingParams(), np.random.default_rng(0), never)
        tokens = take(walk, 300)
        assert grammar_errors(scheme, seed, tokens) == []
        assert np.mean([style.graph.counts[t] > 0 for t in tokens]) > 0.95


def test_restarts_are_steered_by_the_graph_network(bundle, style, seed):
    sampler = GraphSampler(bundle.scheme, style, similarity=4.0)
    emb = style.embeddings
    points = list(range(len(seed)))
    node = seed[3]
    picks = [sampler._restart_at(points, seed, node, u) for u in np.linspace(0.001, 0.999, 400)]
    near = np.mean([float(emb[seed[i]] @ emb[node]) for i in picks])
    assert near > np.mean([float(emb[t] @ emb[node]) for t in seed]) + 0.05  # nearer than a uniform pick
    plain = GraphSampler(bundle.scheme, style, similarity=0.0)
    assert sorted({plain._restart_at(points, seed, node, u) for u in np.linspace(0, 0.999, 400)}) == points


def test_bad_settings_and_seeds_are_refused(bundle, style):
    with pytest.raises(SamplerError):
        GraphSampler(bundle.scheme, style, restart=1.0)
    with pytest.raises(SamplerError):
        GraphSampler(bundle.scheme, style, k=0)
    small = Style("small", count_transitions([[1, 2]], 5), np.ones((5, 2), np.float32))
    with pytest.raises(StyleError, match="has 5 tokens"):
        GraphSampler(bundle.scheme, small)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        GraphSampler(bundle.scheme, style).generate([10**6], SamplingParams(), np.random.default_rng(0),
                                                    never)
