"""The graph sampler: a walk with restart through a style, led by the style's variable-order expert.

Each step draws the next token from :class:`bridge.style_model.StyleModel` given the walk so far (a
figure of several tokens is carried on, not just one transition; a context the style never showed backs
off to the graph network's link scores, then to the style's unigram), after the same masks, onset guard,
temperature, top-k (``k`` when the parameter is 0) and top-p as the decoder's steps. With probability
``restart`` the walk jumps back into the seed instead: to a seed token that leaves the grammar in the
walk's state, picked with weights ``exp(similarity * cos(e_walk, e_seed) / RESTART_TEMPERATURE)`` over
the graph network's embeddings (the seed's places nearest to where the walk is), and the style's context
becomes the seed up to there, so the walk keeps returning to the performer's material. A token may
follow itself at most ``max_repeat`` times in a row, and a short cycle that keeps going is broken by a
restart, so the walk cannot get stuck. The walk never ends a piece by itself: the engine stops it.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

import numpy as np

from bridge.samplers.base import SamplerError
from bridge.samplers.blend import style_model_of
from bridge.sampling import LogitsProcessor, SamplingParams, initial_state
from bridge.style import Style
from bridge.style_model import StyleModel
from bridge.tokens import TokenScheme, TokenType

log = logging.getLogger(__name__)

DEFAULT_K = 8
RESTART_TEMPERATURE = 0.25
CYCLE_CAP = 4  # a cycle of period p repeating this many times in a row forces a restart


class GraphSampler:
    """Implements the ``Sampler`` protocol over a :class:`Style` and a model's :class:`TokenScheme`."""

    name = "graph"

    def __init__(self, scheme: TokenScheme, style: Style, restart: float = 0.1, similarity: float = 1.0,
                 max_repeat: int = 2, k: int = DEFAULT_K, model: StyleModel | None = None) -> None:
        style.check_vocab(scheme.vocab_size)
        if not 0 <= restart < 1:
            raise SamplerError(f"restart probability {restart} must be in [0, 1)")
        if max_repeat < 0 or k < 1:
            raise SamplerError("max_repeat must be >= 0 and k >= 1")
        self.scheme = scheme
        self.style = style
        self.restart = restart
        self.similarity = similarity
        self.max_repeat = max_repeat
        self.k = k
        self.model = model if model is not None else style_model_of(style)
        self._walkable = np.ones(scheme.vocab_size, dtype=bool)
        self._walkable[[scheme.pad_id, scheme.bos_id, scheme.eos_id]] = False

    def generate(
        self,
        seed_ids: Sequence[int],
        params: SamplingParams,
        rng: np.random.Generator,
        should_stop: Callable[[], bool],
    ) -> Iterator[int]:
        """Token ids continuing ``seed_ids`` (endless: the caller stops it with ``should_stop``)."""
        vocab = self.scheme.vocab_size
        seed = [int(i) for i in seed_ids] or [self.scheme.bos_id]
        bad = [i for i in seed if not 0 <= i < vocab]
        if bad:
            raise ValueError(f"seed token ids {bad[:5]} are outside the vocabulary (0..{vocab - 1})")
        if params.top_k <= 0:
            params = replace(params, top_k=self.k)
        return self._walk(seed, LogitsProcessor(self.scheme, params), rng, should_stop)

    def _restart_points(self, seed: list[int]) -> dict[int, list[int]]:
        """Per grammar state: the seed positions that leave it (restart targets)."""
        last_type = self.scheme.last_type
        points: dict[int, list[int]] = {}
        for i, token in enumerate(seed):
            if self._walkable[token]:
                points.setdefault(int(last_type[token]), []).append(i)
        return points

    def _restart_at(self, points: list[int], seed: list[int], node: int, u: float) -> int:
        """A seed position among ``points``, nearest in the graph's embedding space to ``node`` most often."""
        if self.similarity:
            emb = self.style.embeddings
            score = self.similarity * (emb[[seed[i] for i in points]] @ emb[node]) / RESTART_TEMPERATURE
            weights = np.exp(score - score.max())
        else:
            weights = np.ones(len(points))
        cum = np.cumsum(weights)
        return points[min(int(np.searchsorted(cum, u * cum[-1], side="right")), len(points) - 1)]

    def _walk(self, seed: list[int], processor: LogitsProcessor, rng: np.random.Generator,
              should_stop: Callable[[], bool]) -> Iterator[int]:
        scheme, model = self.scheme, self.model
        last_type = scheme.last_type
        state = initial_state(scheme, seed[-1:], processor.params)
        context = model.context(seed)
        points = self._restart_points(seed)
        recent: deque[int] = deque(maxlen=processor.params.repetition_window)
        for token in seed[-4 * processor.params.repetition_window:]:
            recent.extend(scheme.pitches[token])
        onset = processor.onset_of(seed[-64:])
        node, repeats, force_restart = seed[-1], 0, False
        history: deque[int] = deque([node] * 5, maxlen=5)
        runs = [0] * 5  # runs[p]: steps in a row equal to the token p steps back
        with np.errstate(divide="ignore"):
            while not should_stop():
                u, v = rng.random(2)
                targets = points.get(int(state))
                if targets and (force_restart or u < self.restart):
                    at = self._restart_at(targets, seed, node, v)
                    context = model.context(seed[:at + 1])
                    force_restart = False
                among = self._walkable
                if repeats >= self.max_repeat:  # a copy only then: the walkable mask is shared
                    among = among.copy()
                    among[node] = False
                scores = np.log(context.probs())
                token = processor.choose(scores, state, rng, recent, among=among, onset=onset)
                yield token
                recent.extend(scheme.pitches[token])
                onset = processor.onset_after(onset, token)
                context.feed(token)
                repeats = repeats + 1 if token == node else 0
                for period in (2, 3, 4):
                    runs[period] = runs[period] + 1 if token == history[-period] else 0
                    if runs[period] >= CYCLE_CAP * period:
                        force_restart, runs[period] = True, 0
                history.append(token)
                node, state = token, TokenType(int(last_type[token]))
