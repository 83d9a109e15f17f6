"""The decoder sampler: a GPT-style ONNX decoder with an explicit KV cache, on onnxruntime.

Latency comes from the cache. ``prefill`` keeps the keys/values of the last seed, and a new seed that
shares a prefix with it (a performer's phrase growing note by note) only runs its new suffix. Each
generated token is one single-token step. When the context is full, the last half is prefilled again.
A sampled answer heals the seed's end (``bridge.healing``) and mixes in the phrase memory
(``bridge.copying``) and the seed's bar (``bridge.bar_copy``). Beam search (``bridge.samplers.beam``)
runs its beams as one batch and streams the tokens all beams agree on.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from bridge.bar_copy import BAR_BELOW_MATCH, BarCopy, TimeMoves
from bridge.copying import BaseCodes, SeedCopy, chordal_starts
from bridge.healing import Healer
from bridge.model import ModelBundle
from bridge.samplers.base import SamplerError
from bridge.samplers.beam import beam_search
from bridge.sampling import LogitsProcessor, SamplingParams, initial_state
from bridge.seed_profile import FeatureTable, SeedProfile
from bridge.seed_walk import SeedWalk, common_prefix
from bridge.stream_decoder import StreamDecoder
from bridge.style_model import StyleMixer
from bridge.tokens import TokenType

log = logging.getLogger(__name__)

StyleFor = Callable[[Sequence[int]], StyleMixer]  # the style expert of one answer, given its history


@dataclass
class _Cache:
    """Keys/values (batch 1) for ``ids``, and the logits after the last of them. ``shadow``: the
    keys/values of the window that comes next (``ids[start:start + n]``), built a chunk at a time
    while the context fills, so sliding it costs no long prefill."""

    ids: list[int]
    past: list[np.ndarray]
    logits: np.ndarray
    shadow: _Shadow | None = None


@dataclass
class _Shadow:
    start: int
    n: int
    past: list[np.ndarray]


SLIDE_CHUNK = 16  # tokens of the next window prefilled per step while the context fills
MAX_PHRASES = 64  # phrases the memory can hold (the memory_phrases parameter's maximum)


class DecoderSampler:
    """Implements the ``Sampler`` protocol on a :class:`ModelBundle`.

    ``prefill`` may run on another thread while a generation is in progress: a generation steps its
    own cache and only publishes its newest state for the next seed to reuse.
    """

    name = "decoder"

    def __init__(self, bundle: ModelBundle) -> None:
        self.bundle = bundle
        self.scheme = bundle.scheme
        self._session = bundle.session
        self._past_names = bundle.past_names()
        self._outputs = ["logits", *bundle.present_names()]
        self._ctx = bundle.context_length
        self._cache: _Cache | None = None
        self.last_prefill_reused = 0  # tokens of the last prefill served from the cache
        self.last_prefill_computed = 0  # tokens the last prefill ran through the model
        self._phrases: deque[tuple[int, ...]] = deque(maxlen=MAX_PHRASES)
        self.healer = Healer(bundle.scheme)
        self.codes = BaseCodes(bundle.scheme)
        self._walk = SeedWalk(bundle.scheme)
        self._moves = TimeMoves(bundle.scheme)  # the ids that move time, for the seed's beat
        self._pitch_classes = FeatureTable.pitch_classes(bundle.scheme)  # for the seed's pitch classes

    # ---- model calls ---------------------------------------------------------------------------

    def _run(self, ids: np.ndarray, past: Sequence[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
        feed = {"input_ids": ids}
        feed.update(zip(self._past_names, past, strict=True))
        try:
            out = self._session.run(self._outputs, feed)
        except Exception as exc:  # onnxruntime's own exception types
            raise SamplerError(f"decoder step failed: {exc}") from exc
        return out[0], out[1:]

    def warm_up(self) -> None:
        """Run a few prefills and steps, so the first phrase does not pay onnxruntime's first-run costs."""
        bos = self.scheme.bos_id
        for length in (1, 16, 64):
            logits, past = self._run(
                np.full((1, min(length, self._ctx - 8)), bos, dtype=np.int64), self._empty_past(1)
            )
            for _ in range(4):
                logits, past = self._run(np.array([[bos]], dtype=np.int64), past)

    def _empty_past(self, batch: int) -> list[np.ndarray]:
        shape = (batch, self.bundle.n_head, 0, self.bundle.head_dim)
        return [np.zeros(shape, dtype=np.float32) for _ in self._past_names]

    def forward(self, ids: Sequence[int]) -> np.ndarray:
        """Logits ``[len(ids), vocab]`` of a fresh prefill (no cache involved)."""
        logits, _ = self._run(np.array([list(ids)], dtype=np.int64), self._empty_past(1))
        return logits[0]

    # ---- prefill -------------------------------------------------------------------------------

    def window(self, ids: Sequence[int]) -> list[int]:
        """The tail of ``ids`` that is fed to the model, leaving room to generate.

        Longer sequences are cut at a start aligned to a quarter of the context, so a seed that grows
        keeps the same start (and its cached prefix) for a quarter of a context.
        """
        ids = list(ids)
        limit = self._ctx - max(1, self._ctx // 4)
        if len(ids) <= limit:
            return ids
        step = max(1, self._ctx // 4)
        keep = max(1, self._ctx // 2)
        start = ((len(ids) - keep) // step) * step
        return ids[start:]

    def _checked_seed(self, seed_ids: Sequence[int]) -> list[int]:
        seed = [int(i) for i in seed_ids] or [self.scheme.bos_id]
        bad = [i for i in seed if not 0 <= i < self.scheme.vocab_size]
        if bad:
            raise ValueError(
                f"seed token ids {bad[:5]} are outside the vocabulary (0..{self.scheme.vocab_size - 1})"
            )
        return seed

    def prefill(self, seed_ids: Sequence[int]) -> None:
        """Run the seed through the model now (e.g. while the performer still plays). An answer that
        heals the seed's tail (``bridge.healing``) starts from a prefix of it: one token runs again."""
        self._prefill(self.window(self._checked_seed(seed_ids)))

    @property
    def context_length(self) -> int:
        """Tokens the model sees at most."""
        return self._ctx

    @property
    def cached_ids(self) -> list[int]:
        """Token ids whose keys/values are in the cache."""
        return list(self._cache.ids) if self._cache else []

    @property
    def cached_logits(self) -> np.ndarray | None:
        """Logits after the last cached token (None when the cache is empty)."""
        return self._cache.logits if self._cache else None

    def _prefill(self, ids: list[int]) -> _Cache:
        cache = self._cache
        if cache is not None and cache.ids == ids:
            self.last_prefill_reused, self.last_prefill_computed = len(ids), 0
            return cache
        keep = common_prefix(cache.ids, ids) if cache is not None else 0
        keep = min(keep, len(ids) - 1)  # at least one token runs, to get the logits after the last one
        if keep > 0:
            past = [np.ascontiguousarray(p[:, :, :keep]) for p in cache.past]
        else:
            past = self._empty_past(1)
        logits, present = self._run(np.array([ids[keep:]], dtype=np.int64), past)
        self._cache = _Cache(list(ids), present, logits[0, -1])
        self.last_prefill_reused, self.last_prefill_computed = keep, len(ids) - keep
        return self._cache

    def _advance(self, cache: _Cache, token: int) -> _Cache:
        """The cache after one more token; slides the context window when it is full.

        The window after the slide holds the last ``ctx // 2`` tokens. Its keys/values are prefilled
        ``SLIDE_CHUNK`` tokens a step over the last steps before the context is full (the shadow), so
        the slide itself runs only what the shadow lacks."""
        ids = [*cache.ids, token]
        keep = max(1, self._ctx // 2)
        if len(ids) > self._ctx:
            start = len(ids) - keep
            shadow = cache.shadow
            if shadow is not None and shadow.start == start and shadow.n < keep:
                rest = ids[start + shadow.n:]
                logits, present = self._run(np.array([rest], dtype=np.int64), shadow.past)
            else:
                rest = ids[start:]
                logits, present = self._run(np.array([rest], dtype=np.int64), self._empty_past(1))
            log.debug("context full: slid to the last %d tokens (%d run now)", keep, len(rest))
            return _Cache(ids[start:], present, logits[0, -1])
        logits, present = self._run(np.array([[token]], dtype=np.int64), cache.past)
        return _Cache(ids, present, logits[0, -1], self._grow_shadow(cache.shadow, ids, keep))

    def _grow_shadow(self, shadow: _Shadow | None, ids: list[int], keep: int) -> _Shadow | None:
        """The next window's keys/values, a chunk further, once the context is close to full."""
        start = self._ctx + 1 - keep  # where the window starts when the context overflows
        left = self._ctx + 1 - len(ids)  # steps until then
        if keep < 2 or start < 1 or len(ids) <= start:
            return shadow
        have = shadow.n if shadow is not None and shadow.start == start else 0
        need = keep - 1 - have  # the overflowing token itself runs at the slide
        if need <= 0 or need < left * SLIDE_CHUNK - SLIDE_CHUNK:
            return shadow  # not yet: the chunks would finish too early
        n = min(SLIDE_CHUNK, len(ids) - start - have, need)
        if n <= 0:
            return shadow
        past = shadow.past if have else self._empty_past(1)
        _, present = self._run(np.array([ids[start + have:start + have + n]], dtype=np.int64), past)
        return _Shadow(start, have + n, present)

    def stream_after(self, ids: Sequence[int]) -> StreamDecoder:
        """``scheme.stream_decoder(ids)``, from the walk of the last seed (only what follows their common
        prefix is decoded again)."""
        return self._walk.walk(ids).primed(len(ids))

    # ---- the phrase memory (written by the engine's thread, like everything here) ---------------

    def reset(self) -> None:
        """Drop the cached keys/values: the next answer depends on its seed and settings only (the int8
        graph's dynamically quantised activations make a reused prefix differ slightly from a fresh one)."""
        self._cache = None

    def remember(self, ids: Sequence[int]) -> None:
        """Keep a finished phrase's ids for the memory of later answers (at most ``MAX_PHRASES``)."""
        self._phrases.append(tuple(int(i) for i in ids))

    def forget(self) -> None:
        """Forget every remembered phrase (``/segue/clear``)."""
        self._phrases.clear()

    def memory_for(self, seed: Sequence[int], params: SamplingParams) -> tuple[SeedCopy | None, float]:
        """The copy expert over the last ``params.memory_phrases`` phrases and ``seed`` and its weight
        (``chord_memory_weight`` for a chordal seed); None at weight 0."""
        weight = params.chord_memory_weight if self._chordal(seed) else params.memory_weight
        if weight <= 0:
            return None, 0.0
        recent = list(self._phrases)[-params.memory_phrases:] if params.memory_phrases else []
        return SeedCopy(self.codes, [*recent, seed], params.memory_order), weight

    def _chordal(self, seed: Sequence[int]) -> bool:
        """Whether ``seed`` is chordal, read from the seed walk's onsets (the walk keeps the last seed:
        nothing is decoded again)."""
        return chordal_starts(self._walk.walk(seed).primed(len(seed)).primed_onsets)

    # ---- generation ----------------------------------------------------------------------------

    def generate(
        self,
        seed_ids: Sequence[int],
        params: SamplingParams,
        rng: np.random.Generator,
        should_stop: Callable[[], bool],
        style: StyleFor | None = None,
    ) -> Iterator[int]:
        """Token ids continuing ``seed_ids``, one at a time, until EOS or ``should_stop()``.

        ``style(history)``, when given, makes the style expert that mixes into every sampled step (the
        blend sampler's); beam search takes none."""
        seed = self._checked_seed(seed_ids)
        processor = LogitsProcessor(self.scheme, params)
        state = initial_state(self.scheme, seed[-1:], params)  # the state is the last token's
        recent: deque[int] = deque(maxlen=params.repetition_window)
        for token_id in seed[-4 * params.repetition_window :]:
            recent.extend(self.scheme.pitches[token_id])
        if params.strategy == "beam":
            if style is not None:
                raise SamplerError("beam search takes no style expert")
            return beam_search(self, seed, processor, state, tuple(recent), should_stop)
        return self._sample(seed, processor, state, recent, rng, should_stop, style)

    def _sample(
        self,
        seed: list[int],
        processor: LogitsProcessor,
        state: TokenType,
        recent: deque[int],
        rng: np.random.Generator,
        should_stop: Callable[[], bool],
        style: StyleFor | None = None,
    ) -> Iterator[int]:
        """Draw tokens; ``style(history)`` makes the style expert mixed in first (the blend's)."""
        if should_stop():
            return
        params = processor.params
        keep = self.healer.keep(seed) if params.heal else len(seed)
        history = seed[:keep]
        rest = self.healer.rest(seed, keep)
        entry = state  # the state after the whole seed, where a healed answer starts
        if rest:
            state = TokenType(int(self.scheme.last_type[history[-1]]))
        cache = self._prefill(self.window(history))
        eos = self.scheme.eos_id
        memory, weight = self.memory_for(seed, params)
        if memory is not None:
            memory.feed(self.codes.of(history[-params.memory_order:]))
        bar = BarCopy(self.scheme, seed, at=keep, walk=self._walk, moves=self._moves) \
            if params.bar_weight > 0 or params.beat_weight > 0 else None
        onset = processor.onset_of(history[-64:])  # the onset guard: no loop on one onset
        mixer = style(history) if style is not None else None
        profile = SeedProfile(self._pitch_classes, seed) if params.pitch_weight > 0 else None
        while True:
            if should_stop():
                return
            logits = cache.logits if mixer is None else mixer.mix(cache.logits)
            if memory is not None:  # the seed's say comes last: the style reshapes, the seed decides
                logits = memory.mix(logits, weight)
            if bar is not None and (memory is None or memory.current[0] < BAR_BELOW_MATCH):
                logits = bar.mix(logits, params.bar_weight)  # the meter, where the seed's notes are not
            if bar is not None:
                logits = bar.mix_time(logits, params.beat_weight)  # the seed's rhythm, at every step
            if profile is not None:  # over-played pitch classes held back to the seed's proportions
                logits = profile.mix(logits, params.pitch_weight)
            if rest:
                among = self.healer.candidates(rest, params.enter_after_seed)
                token = processor.choose(logits, state, rng, recent, among=among, onset=onset)
                step = self.healer.step(rest, token)
                rest, emitted = step.rest, step.emitted
                if not rest and not emitted:  # the seed re-stated exactly: the answer starts now
                    state = entry
                else:
                    state = TokenType(int(self.scheme.last_type[token]))
            else:
                token = processor.choose(logits, state, rng, recent, onset=onset)
                emitted = (token,)
                state = TokenType(int(self.scheme.last_type[token]))
            for out in emitted:
                if should_stop():
                    return
                yield out
                recent.extend(self.scheme.pitches[out])
            if token == eos:
                return
            history.append(token)
            onset = processor.onset_after(onset, token)
            if memory is not None:
                memory.feed(self.codes.codes[token])
            if bar is not None:
                bar.feed(token)
            if mixer is not None:
                mixer.feed(token)
            if profile is not None:
                profile.feed(token)
            if should_stop():
                return
            cache = self._advance(cache, token)
            self._cache = cache
