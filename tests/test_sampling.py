"""Logit processing with hand-made logits, and the processor on a real token scheme."""

from __future__ import annotations

import numpy as np
import pytest
from test_tokens import train_tokenizer

from bridge.sampling import (
    LogitsProcessor,
    SamplingError,
    SamplingParams,
    apply_mask,
    apply_repetition_penalty,
    apply_top_k,
    apply_top_k_offset,
    apply_top_p,
    draw,
    log_softmax,
    softmax,
)
from bridge.tokens import TokenScheme, TokenType

INF = np.inf


def test_softmax_and_log_softmax_ignore_masked_entries():
    logits = np.array([np.log(1.0), np.log(3.0), -INF])
    np.testing.assert_allclose(softmax(logits), [0.25, 0.75, 0.0])
    np.testing.assert_allclose(log_softmax(logits)[:2], np.log([0.25, 0.75]))
    assert log_softmax(np.array([-INF, -INF])).tolist() == [-INF, -INF]


def test_mask_sets_disallowed_to_minus_infinity():
    out = apply_mask(np.array([1.0, 2.0, 3.0]), np.array([True, False, True]))
    assert out.tolist() == [1.0, -INF, 3.0]


def test_top_k_keeps_the_k_largest():
    logits = np.array([0.1, 3.0, -1.0, 2.0, 0.5])
    assert apply_top_k(logits, 2).tolist() == [-INF, 3.0, -INF, 2.0, -INF]
    assert apply_top_k(logits, 0).tolist() == logits.tolist()
    assert apply_top_k(logits, 10).tolist() == logits.tolist()


def test_top_p_keeps_the_smallest_set_reaching_p():
    logits = np.log(np.array([0.05, 0.5, 0.15, 0.3]))
    assert np.isfinite(apply_top_p(logits, 0.8)).tolist() == [False, True, False, True]
    assert np.isfinite(apply_top_p(logits, 0.81)).tolist() == [False, True, True, True]
    assert np.isfinite(apply_top_p(logits, 0.2)).tolist() == [False, True, False, False]
    assert apply_top_p(logits, 1.0).tolist() == logits.tolist()


def test_top_k_offset_skips_the_most_likely_but_keeps_one():
    logits = np.array([5.0, 1.0, 4.0, -INF, 3.0])
    assert apply_top_k_offset(logits, 2).tolist() == [-INF, 1.0, -INF, -INF, 3.0]
    assert apply_top_k_offset(logits, 10).tolist() == [-INF, 1.0, -INF, -INF, -INF]
    assert apply_top_k_offset(logits, 0).tolist() == logits.tolist()


def test_repetition_penalty_divides_positive_and_multiplies_negative():
    logits = np.array([2.0, -2.0, 2.0, -2.0])
    penalised = np.array([True, True, False, False])
    assert apply_repetition_penalty(logits, penalised, 2.0).tolist() == [1.0, -4.0, 2.0, -2.0]
    assert apply_repetition_penalty(logits, penalised, 1.0).tolist() == logits.tolist()


def test_draw_follows_the_distribution_and_never_picks_masked():
    rng = np.random.default_rng(1)
    logits = np.array([np.log(0.2), -INF, np.log(0.8), -INF])
    counts = np.bincount([draw(logits, rng) for _ in range(4000)], minlength=4)
    assert counts[1] == counts[3] == 0
    assert 0.17 < counts[0] / 4000 < 0.23


def test_params_are_validated():
    for bad in (
        {"strategy": "nucleus"},
        {"temperature": 0.0},
        {"top_k": -1},
        {"top_p": 0.0},
        {"top_p": 1.5},
        {"top_k_offset": -1},
        {"repetition_penalty": 0.5},
        {"beam_width": 0},
        {"beam_lookahead": 0},
        {"pitch_min": 80, "pitch_max": 60},
        {"pitch_max": 128},
        {"scale": "lydian-augmented"},
        {"key": "H"},
    ):
        with pytest.raises(SamplingError):
            SamplingParams(**bad)
    params = SamplingParams.from_mapping({"temperature": 0.7, "strategy": "greedy", "tempo_bpm": 120})
    assert (params.temperature, params.strategy) == (0.7, "greedy")


@pytest.fixture(scope="module")
def scheme(tmp_path_factory) -> TokenScheme:
    return TokenScheme.from_file(train_tokenizer(tmp_path_factory.mktemp("tok"), 420))


def test_rest_bias_moves_each_time_token_by_the_bias(scheme):
    """Creativity 2 lowers each time token's logit by 2 per rest/time shift it holds: more notes."""
    logits = np.zeros(scheme.vocab_size)
    plain = LogitsProcessor(scheme, SamplingParams()).scores(logits, TokenType.DURATION)
    biased = LogitsProcessor(scheme, SamplingParams(rest_bias=2.0)).scores(logits, TokenType.DURATION)
    allowed = np.isfinite(plain)
    np.testing.assert_allclose(biased[allowed] - plain[allowed], -2.0 * scheme.n_time[allowed])
    assert (scheme.n_time[allowed] > 0).any() and (scheme.n_time[allowed] == 0).any()


def test_repetition_penalty_hits_tokens_with_recent_pitches(scheme):
    logits = np.ones(scheme.vocab_size)
    proc = LogitsProcessor(scheme, SamplingParams(repetition_penalty=2.0))
    out = proc.scores(logits, TokenType.DURATION, recent_pitches=[60, 64])
    allowed = np.isfinite(out)
    hit = scheme.contains_pitch[[60, 64]].any(axis=0)
    assert (out[allowed & hit] == 0.5).all() and (out[allowed & ~hit] == 1.0).all()
    assert (allowed & hit).any()


def test_constraints_combine_with_the_grammar(scheme):
    proc = LogitsProcessor(scheme, SamplingParams(pitch_min=60, pitch_max=72, key="G", scale="major"))
    for state in TokenType:
        allowed = proc.allowed(state)
        grammar = scheme.allowed_mask(state)
        if grammar.any():
            assert allowed.any() and not (allowed & ~grammar).any()
    allowed = proc.allowed(TokenType.DURATION)
    for token_id in np.flatnonzero(allowed):
        for pitch in scheme.pitches[token_id]:
            assert 60 <= pitch <= 72 and pitch % 12 in {7, 9, 11, 0, 2, 4, 6}
    nothing_fits = LogitsProcessor(scheme, SamplingParams(pitch_min=0, pitch_max=0))
    assert nothing_fits.allowed(TokenType.PITCH).any()  # Velocity tokens hold no pitch
    assert not (nothing_fits.allowed(TokenType.DURATION) & (scheme.n_notes > 0)).any()


def test_greedy_takes_the_best_allowed_and_offset_the_next(scheme):
    rng = np.random.default_rng(0)
    logits = np.random.default_rng(5).normal(size=scheme.vocab_size)
    allowed = scheme.allowed_mask(TokenType.DURATION)
    order = np.argsort(-np.where(allowed, logits, -INF))
    greedy = LogitsProcessor(scheme, SamplingParams(strategy="greedy"))
    assert greedy.choose(logits, TokenType.DURATION, rng) == order[0]
    offset = LogitsProcessor(scheme, SamplingParams(strategy="greedy", top_k_offset=2))
    assert offset.choose(logits, TokenType.DURATION, rng) == order[2]
    top1 = LogitsProcessor(scheme, SamplingParams(strategy="sample", top_k=1))
    assert top1.choose(logits, TokenType.DURATION, rng) == order[0]


def test_sampled_tokens_are_always_allowed(scheme):
    rng = np.random.default_rng(3)
    proc = LogitsProcessor(scheme, SamplingParams(temperature=3.0, top_p=0.95, top_k=50))
    logits = rng.normal(size=scheme.vocab_size) * 4
    state = TokenType.BOS
    for _ in range(300):
        token = proc.choose(logits, state, rng)
        assert scheme.allowed_mask(state)[token]
        state = scheme.state_after([token], state)
        if state is TokenType.EOS:
            state = TokenType.BOS
