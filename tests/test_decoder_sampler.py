"""DecoderSampler on onnxruntime: KV cache against fresh prefills, grammar, beams, preemption."""

from __future__ import annotations

import dataclasses
import itertools
import logging

import numpy as np
import pytest
from test_model_loading import build_model
from test_tokens import miditok_notes, note_tuples

from bridge.model import ModelBundle
from bridge.notes import Note
from bridge.samplers import DecoderSampler, Sampler
from bridge.sampling import LogitsProcessor, SamplingParams, initial_state
from bridge.tokens import TokenType

CTX = 64


class CountingSession:
    """An onnxruntime session that counts its runs."""

    def __init__(self, session) -> None:
        self.session = session
        self.runs = 0

    def run(self, *args, **kwargs):
        self.runs += 1
        return self.session.run(*args, **kwargs)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> ModelBundle:
    root = tmp_path_factory.mktemp("models")
    build_model(root, context_length=CTX)
    return ModelBundle.load(root)


@pytest.fixture()
def counted(bundle) -> tuple[DecoderSampler, CountingSession]:
    session = CountingSession(bundle.session)
    return DecoderSampler(dataclasses.replace(bundle, session=session)), session


@pytest.fixture(scope="module")
def seed(bundle) -> list[int]:
    notes = [Note(60 + (i * 5) % 12, 79, i * 0.5, 0.5) for i in range(6)]
    ids = bundle.scheme.encode(notes, 120.0)
    assert 10 <= len(ids) <= 30
    return ids


def never() -> bool:
    return False


def take(iterator, n: int) -> list[int]:
    return list(itertools.islice(iterator, n))


def test_is_a_sampler(bundle):
    assert isinstance(DecoderSampler(bundle), Sampler)


def test_prefill_matches_a_fresh_forward(bundle, seed):
    sampler = DecoderSampler(bundle)
    sampler.prefill(seed)
    assert sampler.cached_ids == seed
    np.testing.assert_allclose(sampler.cached_logits, sampler.forward(seed)[-1], atol=1e-4)


def test_prefill_reuses_the_longest_common_prefix(bundle, seed):
    sampler = DecoderSampler(bundle)
    a, b, c = seed[:10], seed[10:14], seed[14:]
    sampler.prefill(a + b)
    sampler.prefill(a + c)
    assert (sampler.last_prefill_reused, sampler.last_prefill_computed) == (10, len(c))
    np.testing.assert_allclose(sampler.cached_logits, sampler.forward(a + c)[-1], atol=1e-4)
    sampler.prefill(a)  # a prefix of the cache: only the last token runs again, for its logits
    assert (sampler.last_prefill_reused, sampler.last_prefill_computed) == (9, 1)
    np.testing.assert_allclose(sampler.cached_logits, sampler.forward(a)[-1], atol=1e-4)
    sampler.prefill(a)
    assert sampler.last_prefill_computed == 0


def test_every_cached_step_equals_a_fresh_prefill(bundle, seed):
    sampler = DecoderSampler(bundle)
    # the ids sampled are the ids cached, chosen from the decoder's logits alone
    params = SamplingParams(strategy="greedy", heal=False, memory_weight=0.0, bar_weight=0.0, beat_weight=0.0,
                            pitch_weight=0.0)
    tokens = take(sampler.generate(seed, params, np.random.default_rng(0), never), CTX - len(seed) - 2)
    assert len(tokens) > 20
    processor = LogitsProcessor(bundle.scheme, params)
    fresh = sampler.forward(seed + tokens)
    for i, token in enumerate(tokens):
        scheme = bundle.scheme  # the answer's first token enters after the seed (time moves first)
        state = initial_state(scheme, seed, params) if i == 0 else scheme.state_after(seed + tokens[:i])
        assert processor.choose(fresh[len(seed) + i - 1], state, np.random.default_rng(0)) == token
    cached = sampler.cached_ids
    assert cached == (seed + tokens)[: len(cached)] and len(cached) >= len(seed) + len(tokens) - 1
    np.testing.assert_allclose(sampler.cached_logits, fresh[len(cached) - 1], atol=1e-4)


def test_the_context_slides_when_full(bundle, seed):
    sampler = DecoderSampler(bundle)
    tokens = []
    rng = np.random.default_rng(1)
    while len(tokens) < 4 * CTX:
        tokens += take(sampler.generate(seed + tokens, SamplingParams(), rng, never), 40)
        cached = sampler.cached_ids
        assert 0 < len(cached) <= CTX
        np.testing.assert_allclose(sampler.cached_logits, sampler.forward(cached)[-1], atol=1e-4)


def test_one_long_generation_slides_its_context_from_the_prefilled_next_window(bundle, seed, caplog):
    """The next window's keys/values are built a chunk a step before the context is full, so the slide
    runs only the newest token; the logits stay those of a fresh prefill of the window."""
    sampler = DecoderSampler(bundle)
    with caplog.at_level(logging.DEBUG, logger="bridge.samplers.decoder"):
        take(sampler.generate(seed, SamplingParams(), np.random.default_rng(2), never), 3 * CTX)
    cached = sampler.cached_ids
    assert 0 < len(cached) <= CTX
    np.testing.assert_allclose(sampler.cached_logits, sampler.forward(cached)[-1], atol=1e-4)
    slides = [r.getMessage() for r in caplog.records if "context full" in r.getMessage()]
    assert slides and all(m.endswith("(1 run now)") for m in slides), slides


def test_long_seeds_are_windowed_on_aligned_starts(bundle):
    sampler = DecoderSampler(bundle)
    assert sampler.window(list(range(40))) == list(range(40))
    starts = {sampler.window(list(range(n)))[0] for n in range(60, 68)}
    assert len(starts) <= 2 and all(s % (CTX // 4) == 0 for s in starts)
    for n in range(49, 200):
        assert CTX // 2 <= len(sampler.window(list(range(n)))) <= CTX - CTX // 4


CONSTRAINED = {"pitch_min": 55, "pitch_max": 79, "key": "D", "scale": "dorian", "rest_bias": 1.0}


@pytest.mark.parametrize(
    "params",
    [
        SamplingParams(strategy="greedy", top_k_offset=1, repetition_penalty=1.5, **CONSTRAINED),
        SamplingParams(strategy="sample", temperature=1.5, top_k=40, top_p=0.95, **CONSTRAINED),
        SamplingParams(strategy="sample", temperature=5.0),
        SamplingParams(strategy="beam", beam_width=4, beam_lookahead=3, **CONSTRAINED),
    ],
    ids=["greedy", "sample", "sample-hot", "beam"],
)
def test_500_tokens_follow_the_grammar_and_the_constraints(bundle, params):
    scheme = bundle.scheme
    sampler = DecoderSampler(bundle)
    rng = np.random.default_rng(2)
    produced: list[int] = []
    notes: list[Note] = []
    for k in range(60):  # a continuation may end at EOS: then go on from another seed
        seed = scheme.encode([Note(50 + (i * 7 + k) % 24, 79, i * 0.5, 0.5) for i in range(6)], 120.0)
        state = scheme.state_after(seed)
        decoder = scheme.stream_decoder(seed)
        segment = take(sampler.generate(seed, params, rng, never), 500 - len(produced))
        for token in segment:
            assert scheme.allowed_mask(state)[token], (state, scheme.base_tokens(token))
            state = scheme.state_after([token], state)
            produced.append(token)
            notes += decoder.feed(token)
        # what streams out is what miditok makes of the whole sequence
        whole = seed + segment
        ours, theirs = note_tuples(scheme.decode(whole)), miditok_notes(scheme.tokenizer, whole)
        assert [n[:2] for n in ours] == [n[:2] for n in theirs]
        np.testing.assert_allclose([n[2:] for n in ours], [n[2:] for n in theirs], atol=1e-9)
        if len(produced) >= 500:
            break
    assert len(produced) >= 500 and notes
    if params.pitch_min == CONSTRAINED["pitch_min"]:
        assert all(55 <= n.pitch <= 79 and n.pitch % 12 in {2, 4, 5, 7, 9, 11, 0} for n in notes)


def test_beam_of_one_is_greedy(bundle, seed):
    sampler = DecoderSampler(bundle)
    rng = np.random.default_rng(0)
    alone = {"heal": False, "memory_weight": 0.0, "bar_weight": 0.0, "beat_weight": 0.0,
             "pitch_weight": 0.0}  # beam: no mixing
    greedy = take(sampler.generate(seed, SamplingParams(strategy="greedy", **alone), rng, never), 40)
    beam = SamplingParams(strategy="beam", beam_width=1, beam_lookahead=1)
    assert take(sampler.generate(seed, beam, rng, never), 40) == greedy


def test_beam_search_streams_within_its_lookahead(counted, seed):
    sampler, session = counted
    params = SamplingParams(strategy="beam", beam_width=4, beam_lookahead=3)
    tokens = sampler.generate(seed, params, np.random.default_rng(0), never)
    first = next(tokens)
    assert session.runs <= 1 + params.beam_lookahead  # the prefill, then at most lookahead steps
    assert 0 <= first < sampler.scheme.vocab_size
    rest = take(tokens, 60)
    assert len(rest) == 60 or rest[-1] == sampler.scheme.eos_id
    assert session.runs <= 1 + params.beam_lookahead + len(rest)


@pytest.mark.parametrize("strategy", ["greedy", "sample", "beam"])
def test_should_stop_preempts_before_the_next_step(counted, seed, strategy):
    sampler, session = counted
    stop = False
    params = SamplingParams(strategy=strategy, beam_lookahead=1)
    tokens = sampler.generate(seed, params, np.random.default_rng(0), lambda: stop)
    got = take(tokens, 5)
    assert len(got) == 5
    stop = True
    runs = session.runs
    assert list(tokens) == []
    assert session.runs == runs  # no model step once asked to stop


def test_stopped_before_start_does_nothing(counted, seed):
    sampler, session = counted
    assert list(sampler.generate(seed, SamplingParams(), np.random.default_rng(0), lambda: True)) == []
    assert session.runs == 0 and sampler.cached_ids == []


def test_prefill_ahead_makes_generation_start_with_one_token(counted, seed):
    sampler, session = counted
    sampler.prefill(seed[:-1])  # the performer is still playing the last note
    runs = session.runs
    next(sampler.generate(seed, SamplingParams(heal=False), np.random.default_rng(0), never))
    assert session.runs == runs + 1 and sampler.last_prefill_computed == 1
    sampler.prefill(seed)  # healing starts from a prefix of the prefilled seed: one token runs again
    next(sampler.generate(seed, SamplingParams(), np.random.default_rng(0), never))
    assert sampler.last_prefill_computed <= 1


def test_empty_seed_starts_from_bos_and_bad_ids_are_refused(bundle):
    sampler = DecoderSampler(bundle)
    token = next(sampler.generate([], SamplingParams(), np.random.default_rng(0), never))
    assert bundle.scheme.allowed_mask(TokenType.BOS)[token]
    with pytest.raises(ValueError, match="outside the vocabulary"):
        sampler.generate([1, 10_000], SamplingParams(), np.random.default_rng(0), never)
