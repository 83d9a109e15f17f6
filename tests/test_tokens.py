"""TokenScheme: streaming decode against miditok's own decode, seed encoding, grammar and pitch masks."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from miditok import TSD
from symusic import Note as SNote
from symusic import Score, Tempo, TimeSignature, Track

from bridge.notes import Note
from bridge.scales import SCALES, parse_key, scale_bits
from bridge.tokens import FOLLOWS, TokenError, TokenScheme, TokenType
from export.tokenizer import base_config

TPQ = 480


def random_score(seed: int, n_notes: int = 150, time_signatures=((0, 4, 4),)) -> Score:
    """A one-track score with chords, gaps long enough for Rest tokens, tempo and metre changes."""
    rng = random.Random(seed)
    score = Score(TPQ)
    for beat, num, den in time_signatures:
        score.time_signatures.append(TimeSignature(beat * TPQ, num, den))
    score.tempos.append(Tempo(0, 96.0))
    track = Track(program=0)
    tick = 0
    for i in range(n_notes):
        step = rng.choice([0, 60, 120, 240, 240, 480, 720, 1920 + 60 * rng.randint(0, 8)])
        tick += step
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            duration = rng.choice([60, 120, 240, 360, 480, 960, 1500])
            track.notes.append(SNote(tick, duration, rng.randint(40, 90), rng.randint(20, 120)))
        if i == n_notes // 2:
            score.tempos.append(Tempo(tick, 150.0))
    score.tracks.append(track)
    return score


def _ids(tokenizer: TSD, score: Score) -> list[int]:
    seq = tokenizer.encode(score)
    return list((seq[0] if isinstance(seq, list) else seq).ids)


def train_tokenizer(out_dir: Path, vocab_size: int | None = None, n_scores: int = 24) -> Path:
    """The project's TSD configuration, BPE-trained on synthetic scores when ``vocab_size`` is given."""
    tokenizer = TSD(base_config())
    if vocab_size is not None:
        pieces = []
        for i in range(n_scores):
            seq = tokenizer.encode(random_score(100 + i), encode_ids=False)
            seq = seq[0] if isinstance(seq, list) else seq
            pieces.append([tokenizer._ids_to_bytes(seq.ids, as_one_str=True)])
        tokenizer.train(vocab_size=vocab_size, model="BPE", iterator=pieces)
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer.save(out_dir)
    return out_dir / "tokenizer.json"


@pytest.fixture(scope="module", params=["base", "bpe"])
def scheme(request, tmp_path_factory) -> TokenScheme:
    path = tmp_path_factory.mktemp(request.param)
    vocab = 420 if request.param == "bpe" else None
    return TokenScheme.from_file(train_tokenizer(path, vocab))


def miditok_notes(tokenizer: TSD, ids: list[int]) -> list[tuple]:
    score = tokenizer.decode([ids])
    tpq = score.ticks_per_quarter
    notes = [n for track in score.tracks for n in track.notes]
    return sorted((n.pitch, n.velocity, n.time / tpq, n.duration / tpq) for n in notes)


def note_tuples(notes: list[Note]) -> list[tuple]:
    return sorted((n.pitch, n.velocity, n.start, n.duration) for n in notes)


@pytest.mark.parametrize(
    "time_signatures",
    [((0, 4, 4),), ((0, 6, 8),), ((0, 4, 4), (16, 6, 8), (40, 3, 4), (52, 12, 8))],
    ids=["4/4", "6/8", "changes"],
)
def test_streaming_decode_matches_miditok(scheme, time_signatures):
    tokenizer = scheme.tokenizer
    for seed in range(3):
        ids = _ids(tokenizer, random_score(seed, time_signatures=time_signatures))
        expected = miditok_notes(tokenizer, ids)
        decoder = scheme.stream_decoder()
        streamed = [note for token_id in ids for note in decoder.feed(token_id)]
        assert len(expected) > 100
        got = note_tuples(streamed)
        assert [g[:2] for g in got] == [e[:2] for e in expected]
        np.testing.assert_allclose([g[2:] for g in got], [e[2:] for e in expected], atol=1e-9)


def test_a_note_completes_at_its_duration_token(scheme):
    ids = _ids(scheme.tokenizer, random_score(7, n_notes=40))
    decoder = scheme.stream_decoder()
    for token_id in ids:
        notes = decoder.feed(token_id)
        kinds = [kind for kind, _ in scheme.events(token_id)]
        assert len(notes) == kinds.count(TokenType.DURATION)


def test_tempo_and_time_signature_are_noted(scheme):
    ids = _ids(scheme.tokenizer, random_score(3, time_signatures=((0, 4, 4), (8, 6, 8))))
    decoder = scheme.stream_decoder(ids)
    assert decoder.time_signature == (6, 8)
    assert decoder.tempo == pytest.approx(152.0, abs=14)  # the tokenizer's nearest tempo bin to 150


def test_bpe_ids_expand_like_miditok(scheme):
    tokenizer = scheme.tokenizer
    ids = _ids(tokenizer, random_score(11))
    expanded = [tok for token_id in ids for tok in scheme.base_tokens(token_id)]
    seq = tokenizer.encode(random_score(11))
    seq = seq[0] if isinstance(seq, list) else seq
    if tokenizer.is_trained:
        assert len(ids) < len(expanded)  # BPE merges really happened
        tokenizer.decode_token_ids(seq)
    assert expanded == list(seq.tokens)


def test_base_tokens_rejects_out_of_range_ids(scheme):
    with pytest.raises(TokenError):
        scheme.base_tokens(scheme.vocab_size)


def test_encode_starts_with_bos_and_round_trips(scheme):
    bins = [int(t.split("_")[1]) for t in scheme.tokenizer.vocab if t.startswith("Velocity_")]
    notes = [
        Note(60, bins[5], 0.0, 0.5),
        Note(64, bins[9], 0.0, 1.0),
        Note(67, bins[3], 0.5, 0.25),
        Note(72, bins[12], 2.0, 1.5),
        Note(71, bins[8], 8.0, 0.125),
    ]
    shifted = [n.shifted(3.0) for n in notes]  # the seed's own time origin is its first note
    ids = scheme.encode(shifted, 120.0)
    assert ids[0] == scheme.bos_id
    assert note_tuples(scheme.decode(ids)) == note_tuples(notes)
    assert scheme.encode([], 120.0) == [scheme.bos_id]
    with pytest.raises(TokenError):
        scheme.encode(notes, 0.0)


def test_primed_decoder_times_the_continuation_from_the_last_onset(scheme):
    notes = [Note(60, 79, 0.0, 0.5), Note(62, 79, 1.0, 0.5), Note(64, 79, 2.5, 0.5)]
    seed_ids = scheme.encode(notes, 120.0)
    whole = scheme.encode([*notes, Note(65, 79, 3.0, 0.5), Note(67, 79, 4.5, 1.0)], 120.0)
    assert whole[: len(seed_ids)] == seed_ids or scheme.tokenizer.is_trained  # BPE may merge across
    decoder = scheme.stream_decoder(seed_ids)
    assert decoder.origin == pytest.approx(2.5)
    assert decoder.position == 0.0
    assert decoder.state == scheme.state_after(seed_ids)
    if whole[: len(seed_ids)] == seed_ids:
        tail = [n for t in whole[len(seed_ids):] for n in decoder.feed(t)]
        assert [(n.pitch, n.start + decoder.origin) for n in tail] == [(65, 3.0), (67, 4.5)]


def test_real_sequences_follow_the_grammar(scheme):
    for seed in range(4):
        ids = _ids(scheme.tokenizer, random_score(seed, time_signatures=((0, 4, 4), (16, 6, 8))))
        state = TokenType.BOS
        for token_id in ids:
            assert scheme.allowed_mask(state)[token_id], scheme.base_tokens(token_id)
            state = scheme.state_after([token_id], state)
        assert scheme.allowed_mask(state)[scheme.eos_id]


def test_grammar_masks_follow_the_tsd_order(scheme):
    first = scheme.first_type
    after_pitch = scheme.allowed_mask(TokenType.PITCH)
    assert after_pitch.any() and set(first[after_pitch]) == {TokenType.VELOCITY}
    after_velocity = scheme.allowed_mask(TokenType.VELOCITY)
    assert set(first[after_velocity]) == {TokenType.DURATION}
    for state, follows in FOLLOWS.items():
        mask = scheme.allowed_mask(state)
        assert set(first[mask]) <= {int(t) for t in follows}
        for banned in (scheme.pad_id, scheme.bos_id):
            assert not mask[banned]
    assert not scheme.allowed_mask(TokenType.EOS).any()
    # every allowed BPE id is grammatical inside as well
    for token_id in np.flatnonzero(scheme.allowed_mask(TokenType.DURATION)):
        events = scheme.events(token_id)
        for (a, _), (b, _) in zip(events, events[1:], strict=False):
            assert b in FOLLOWS[a]
    with pytest.raises(ValueError):
        scheme.allowed_mask(TokenType.DURATION)[0] = True  # read-only


def test_bar_boundary_ids_are_silent_and_never_doubled(scheme):
    boundary = scheme.ids_of_type(TokenType.BOUNDARY)
    assert len(boundary) == (1 if scheme.tokenizer.is_trained else 0)  # bar-split BPE has one marker
    decoder = scheme.stream_decoder()
    for token_id in boundary:
        assert scheme.base_tokens(token_id) == ()
        assert scheme.allowed_mask(TokenType.DURATION)[token_id]
        assert not scheme.allowed_mask(TokenType.BOUNDARY)[token_id]
        assert not scheme.allowed_mask(TokenType.PITCH)[token_id]
        assert decoder.feed(token_id) == [] and decoder.state is TokenType.BOUNDARY


def test_pitch_range_mask_checks_every_pitch_of_a_token(scheme):
    mask = scheme.pitch_range_mask(55, 70)
    for token_id in range(scheme.vocab_size):
        pitches = [int(t.split("_")[1]) for t in scheme.base_tokens(token_id) if t.startswith("Pitch_")]
        assert mask[token_id] == all(55 <= p <= 70 for p in pitches)
    assert mask.sum() < scheme.vocab_size


@pytest.mark.parametrize(("key", "scale"), [("C", "major"), ("F#", "minor"), (2, "dorian"), ("Bb", "blues")])
def test_scale_mask_checks_every_pitch_of_a_token(scheme, key, scale):
    mask = scheme.scale_mask(key, scale)
    classes = {(parse_key(key) + step) % 12 for step in SCALES[scale]}
    for token_id in range(scheme.vocab_size):
        pitches = [int(t.split("_")[1]) for t in scheme.base_tokens(token_id) if t.startswith("Pitch_")]
        assert mask[token_id] == all(p % 12 in classes for p in pitches)
    assert scheme.scale_mask(0, "chromatic").all()


def test_keys_and_scales():
    assert [parse_key(k) for k in ("C", "c#", "Db", "DB", "B", "Cb", 14, "7")] == [0, 1, 1, 1, 11, 11, 2, 7]
    assert scale_bits("C", "pentatonic") == sum(1 << p for p in (0, 2, 4, 7, 9))
    assert scale_bits("A", "minor") == scale_bits("C", "major")
    for bad in ("H", "C$", ""):
        with pytest.raises(TokenError):
            parse_key(bad)
    with pytest.raises(TokenError):
        scale_bits("C", "lydian-augmented")


def test_missing_or_broken_tokenizer_file(tmp_path):
    with pytest.raises(TokenError, match="does not exist"):
        TokenScheme.from_file(tmp_path / "nope.json")
    broken = tmp_path / "tokenizer.json"
    broken.write_text("{not json")
    with pytest.raises(TokenError, match="not a miditok TSD tokenizer"):
        TokenScheme.from_model_dir(tmp_path)
