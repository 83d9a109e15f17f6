"""BlendSampler: weight 0 is the decoder exactly; a weight pulls the decoder into the style's transitions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_graph_sampler import bundle, seed, style  # noqa: F401 - shared module fixtures

from bridge.samplers import DecoderSampler, Sampler, SamplerError
from bridge.samplers.blend import BlendSampler, graph_log_table
from bridge.sampling import SamplingParams
from bridge.style import Style, StyleError, count_transitions


def never() -> bool:
    return False


def take(iterator, n: int) -> list[int]:
    return list(itertools.islice(iterator, n))


def test_is_a_sampler(bundle, style):  # noqa: F811
    assert isinstance(BlendSampler(DecoderSampler(bundle), style), Sampler)


@pytest.mark.parametrize("params", [
    SamplingParams(), SamplingParams(strategy="greedy"),
    SamplingParams(temperature=0.7, top_k=20, top_p=0.9, repetition_penalty=1.3, pitch_min=55),
])
def test_weight_zero_is_the_decoder_exactly(bundle, style, seed, params):  # noqa: F811
    decoder = DecoderSampler(bundle)
    expected = take(decoder.generate(seed, params, np.random.default_rng(5), never), 80)
    blend = BlendSampler(DecoderSampler(bundle), style, weight=0.0)
    assert take(blend.generate(seed, params, np.random.default_rng(5), never), 80) == expected


def test_a_weight_pulls_towards_the_style(bundle, style, seed):  # noqa: F811
    scheme = bundle.scheme
    p = style.graph.transition()
    def on_graph(tokens: list[int]) -> float:
        prev, hits = seed[-1], []
        for token in tokens:
            if p[prev].sum() > 0:
                hits.append(p[prev, token] > 0)
            prev = token
        return float(np.mean(hits))
    params = SamplingParams(memory_weight=0.0, bar_weight=0.0)  # the decoder and the style only
    decoder_alone = take(DecoderSampler(bundle).generate(seed, params, np.random.default_rng(1), never), 150)
    strong = BlendSampler(DecoderSampler(bundle), style, weight=4.0)
    blended = take(strong.generate(seed, params, np.random.default_rng(1), never), 150)
    assert on_graph(blended) > 0.9 > on_graph(decoder_alone)
    assert scheme.eos_id not in blended[:-1]


def test_the_bias_is_the_weighted_log_transition(bundle, style):  # noqa: F811
    blend = BlendSampler(DecoderSampler(bundle), style, weight=0.5, floor=1e-3)
    p = style.graph.transition()
    seen = int(np.flatnonzero(p.sum(axis=1) > 0)[0])
    np.testing.assert_allclose(blend.bias(seen, 0.5), 0.5 * np.log(p[seen] + 1e-3), rtol=1e-5)
    unseen = int(np.flatnonzero(p.sum(axis=1) == 0)[0])
    assert not blend.bias(unseen, 2.0).any()  # a token the style never left adds nothing
    assert not graph_log_table(style).flags.writeable


def test_the_decoder_cache_is_shared(bundle, style, seed):  # noqa: F811
    decoder = DecoderSampler(bundle)
    blend = BlendSampler(decoder, style)
    blend.prefill(seed)
    assert decoder.cached_ids == seed
    take(blend.generate(seed, SamplingParams(heal=False), np.random.default_rng(0), never), 5)
    assert decoder.cached_ids[: len(seed)] == seed and len(decoder.cached_ids) > len(seed)
    assert decoder.last_prefill_computed == 0  # the generation reused the prefilled seed
    blend.prefill(seed)
    take(blend.generate(seed, SamplingParams(), np.random.default_rng(0), never), 5)
    kept = decoder.healer.keep(seed)  # a healed answer starts from a prefix of the seed
    assert decoder.cached_ids[:kept] == seed[:kept] and decoder.last_prefill_computed <= 1


def test_bad_settings_are_refused(bundle, style, seed):  # noqa: F811
    blend = BlendSampler(DecoderSampler(bundle), style)
    with pytest.raises(SamplerError):
        blend.weight = -1
    with pytest.raises(SamplerError):
        blend.weight = float("nan")
    with pytest.raises(SamplerError, match="beam"):
        blend.generate(seed, SamplingParams(strategy="beam"), np.random.default_rng(0), never)
    small = Style("small", count_transitions([[1, 2]], 5), np.ones((5, 2), np.float32))
    with pytest.raises(StyleError):
        BlendSampler(DecoderSampler(bundle), small)
