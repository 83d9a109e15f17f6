"""BlendSampler: weight 0 is the decoder exactly; a weight pulls the decoder into the style's figures."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_graph_sampler import bundle, seed, style  # noqa: F401 - shared module fixtures

from bridge.samplers import DecoderSampler, Sampler, SamplerError
from bridge.samplers.blend import BlendSampler
from bridge.sampling import SamplingParams, log_softmax
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
    blend = BlendSampler(DecoderSampler(bundle), style, weight=1.0)

    def style_nll(tokens: list[int]) -> float:
        context, total = blend.model.context(seed), 0.0
        for token in tokens:
            total -= float(np.log(context.probs()[token]))
            context.feed(token)
        return total / len(tokens)

    params = SamplingParams(memory_weight=0.0, bar_weight=0.0, beat_weight=0.0, pitch_weight=0.0,
                            heal=False)  # decoder, style
    decoder_alone = [take(DecoderSampler(bundle).generate(seed, params, np.random.default_rng(r), never), 120)
                     for r in range(3)]
    blended = [take(blend.generate(seed, params, np.random.default_rng(r), never), 120) for r in range(3)]
    assert np.mean([style_nll(t) for t in blended]) < np.mean([style_nll(t) for t in decoder_alone]) - 0.3
    assert all(scheme.eos_id not in t[:-1] for t in blended)


def test_each_step_mixes_the_style_linearly(bundle, style, seed):  # noqa: F811
    decoder = DecoderSampler(bundle)
    blend = BlendSampler(decoder, style, weight=0.5)
    mixer = blend.mixer(seed, 0.5)
    logits = decoder.forward(seed)[-1]
    p_style, share = blend.model.probs_after(seed), mixer.share
    assert 0 < share < 1
    mixed = np.exp(log_softmax(mixer.mix(logits)))
    np.testing.assert_allclose(mixed, (1 - share) * np.exp(log_softmax(logits)) + share * p_style, atol=1e-9)
    assert blend.mixer(seed, 1.0).share == pytest.approx(min(0.95, 2 * share))


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
    no_tokens = Style("old", style.graph, style.embeddings)  # a style folder without tokens.npz
    with pytest.raises(SamplerError, match="tokens.npz"):
        BlendSampler(DecoderSampler(bundle), no_tokens)
