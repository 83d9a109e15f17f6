"""The graph sampler: a biased random walk with restart over a style's token graph.

From the current token the walk steps to one of its out-neighbours, chosen with probability
``softmax((log p(j | i) + similarity * cos(e_i, e_j)) / temperature)`` over the ``k`` best neighbours
the token grammar (and the pitch/key constraints) allow after ``i``; ``p(j | i)`` is the style's
window-weighted transition distribution and ``e`` the learned node embeddings. With probability
``restart`` the step starts instead from a token of the seed phrase that leaves the grammar in the
same state, so the walk keeps returning to the performer's material. A token may follow itself at
most ``max_repeat`` times in a row, and a short cycle that keeps going is broken by a restart, so the
walk cannot get stuck. The onset guard (``bridge.sampling``) holds too: a pitch starts once per onset and
at most ``max_chord`` notes start together, so a step it blocks goes to the best neighbour it allows, or
to a token that moves time. A token with no usable neighbour (never seen in the style) steps by the
style's token frequencies among the tokens the grammar allows.

All of that is precomputed per (temperature, k, similarity, constraints) into per-node neighbour
lists with cumulative probabilities, so one step is a uniform draw and a bisection.
"""

from __future__ import annotations

import bisect
import itertools
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from bridge.samplers.base import SamplerError
from bridge.sampling import LogitsProcessor, Onset, SamplingParams, onset_after, onset_of, onset_tables
from bridge.style import Style
from bridge.tokens import TokenScheme, TokenType

log = logging.getLogger(__name__)

DEFAULT_K = 8
_DRAWS = 512  # uniform numbers drawn at once


@dataclass(frozen=True)
class WalkTables:
    """Per node: neighbour ids and cumulative probabilities, with and without the self-edge."""

    neighbours: list[list[int]]
    cumulative: list[list[float]]
    cumulative_noself: list[list[float]]  # empty when the self-edge was the only way out
    fallback: dict[int, tuple[list[int], list[float]]]  # per grammar state
    movers: dict[int, list[int]]  # per grammar state: tokens that move time, most frequent first


class GraphSampler:
    """Implements the ``Sampler`` protocol over a :class:`Style` and a model's :class:`TokenScheme`."""

    name = "graph"

    def __init__(
        self,
        scheme: TokenScheme,
        style: Style,
        restart: float = 0.1,
        similarity: float = 1.0,
        max_repeat: int = 2,
        k: int = DEFAULT_K,
    ) -> None:
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
        never = [scheme.pad_id, scheme.bos_id, scheme.eos_id]
        self._walkable = np.ones(scheme.vocab_size, dtype=bool)
        self._walkable[never] = False  # the walk never ends a piece by itself: the engine stops it
        self._tables: dict[tuple, WalkTables] = {}

    # ---- tables --------------------------------------------------------------------------------

    def tables(self, params: SamplingParams) -> WalkTables:
        """The walk tables for these parameters (built once, then cached)."""
        k = params.top_k if params.top_k > 0 else self.k
        key = (params.temperature, k, params.pitch_min, params.pitch_max, params.key, params.scale)
        cached = self._tables.get(key)
        if cached is None:
            processor = LogitsProcessor(self.scheme, params)
            masks = {int(s): processor.allowed(s) & self._walkable for s in TokenType}
            cached = self._build(params.temperature, k, masks)
            if len(self._tables) > 16:
                self._tables.clear()
            self._tables[key] = cached
        return cached

    def _build(self, temperature: float, k: int, masks: dict[int, np.ndarray]) -> WalkTables:
        vocab = self.scheme.vocab_size
        graph, emb = self.style.graph, self.style.embeddings
        src, dst = graph.src.astype(np.int64), graph.dst.astype(np.int64)
        out_weight = np.bincount(src, weights=graph.weight, minlength=vocab)
        score = np.log(graph.weight / out_weight[src])  # log p(dst | src), on the edges only
        if self.similarity:
            score = score + self.similarity * np.einsum("ij,ij->i", emb[src], emb[dst])
        state_mask = np.stack([masks[s] for s in range(max(masks) + 1)] if masks else [])
        ok = state_mask[self.scheme.last_type[src], dst]
        src, dst, score = src[ok], dst[ok], score[ok] / temperature
        order = np.lexsort((-score, src))  # by source, best first
        src, dst, score = src[order], dst[order], score[order]
        starts = np.searchsorted(src, np.arange(vocab + 1))
        keep = np.arange(src.size) - starts[src] < k  # the k best of each source
        src, dst, score = src[keep], dst[keep], score[keep]
        starts = np.searchsorted(src, np.arange(vocab + 1))
        w = np.exp(score - score[starts[src]]) if src.size else score
        w_noself = np.where(src == dst, 0.0, w)
        cum, cum_noself = _grouped_cumsum(w, starts), _grouped_cumsum(w_noself, starts)
        dst_list, cum_list, noself_list = dst.tolist(), cum.tolist(), cum_noself.tolist()
        bounds = starts.tolist()
        neighbours = [dst_list[a:b] for a, b in itertools.pairwise(bounds)]
        cumulative = [cum_list[a:b] for a, b in itertools.pairwise(bounds)]
        noself = [noself_list[a:b] if b > a and noself_list[b - 1] > 0 else []
                  for a, b in itertools.pairwise(bounds)]
        counts = self.style.graph.counts.astype(np.float64)
        fallback: dict[int, tuple[list[int], list[float]]] = {}
        for state, mask in masks.items():
            ids = np.flatnonzero(mask)
            if ids.size == 0:
                continue
            seen = ids[counts[ids] > 0]
            if seen.size:
                top_ids = seen[np.argsort(-counts[seen], kind="stable")[: max(k, 16)]]
                w = np.power(counts[top_ids] / counts[top_ids].max(), 1.0 / temperature)
            else:
                top_ids, w = ids, np.ones(ids.size)
            fallback[state] = (top_ids.tolist(), _cumulative(w))
        moves = onset_tables(self.scheme).moves
        movers = {state: [int(i) for i in np.flatnonzero(mask & moves)[np.argsort(
            -counts[mask & moves], kind="stable")][:16]] for state, mask in masks.items()}
        return WalkTables(neighbours, cumulative, noself, fallback, movers)

    # ---- the walk ------------------------------------------------------------------------------

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
        return self._walk(seed, self.tables(params), rng, should_stop, params.max_chord)

    def _walk(
        self, seed: list[int], tables: WalkTables, rng: np.random.Generator, should_stop: Callable[[], bool],
        max_chord: int = 8,
    ) -> Iterator[int]:
        last_type = self.scheme.last_type.tolist()
        neighbours, cumulative, noself = tables.neighbours, tables.cumulative, tables.cumulative_noself
        fallback = tables.fallback
        walkable = self._walkable
        # restart targets: seed tokens with somewhere to go, grouped by the grammar state they leave
        restart_from: dict[int, list[int]] = {}
        for token in seed:
            if walkable[token] and neighbours[token]:
                restart_from.setdefault(last_type[token], []).append(token)
        restart = self.restart
        max_repeat, cap = self.max_repeat, 4
        node = seed[-1]
        state = int(self.scheme.state_after(seed))
        history = [node] * 5
        repeats = 0
        runs = [0, 0, 0, 0, 0]  # runs[p]: steps in a row with token == the token p steps back
        force_restart = False
        draws = rng.random(_DRAWS)
        n_draw = 0
        onsets = onset_tables(self.scheme)
        onset = onset_of(onsets, seed[-64:])
        while True:
            if should_stop():
                return
            if n_draw + 2 > _DRAWS:
                draws, n_draw = rng.random(_DRAWS), 0
            u, v = draws[n_draw], draws[n_draw + 1]
            n_draw += 2
            source = node
            if (force_restart or u < restart) and state in restart_from:
                targets = restart_from[state]
                source = targets[int(v * len(targets)) % len(targets)]
                force_restart = False
            ids = neighbours[source]
            cum = noself[source] if repeats >= max_repeat else cumulative[source]
            if not cum:
                entry = fallback.get(state)
                if entry is None:
                    raise SamplerError(f"no token may follow grammar state {TokenType(state).name}")
                ids, cum = entry
            pick = ids[min(bisect.bisect_right(cum, v * cum[-1]), len(ids) - 1)]
            if pick == node and repeats >= max_repeat:  # fallback rows may still hold the node itself
                pick = next((t for t in ids if t != node), pick)
            if onset.pitches and _blocked(onsets.head_pitches[pick], onset, max_chord):
                allowed = [t for t in ids if not _blocked(onsets.head_pitches[t], onset, max_chord)]
                movers = tables.movers.get(state, ())
                pick = allowed[0] if allowed else movers[0] if movers else pick
            onset = onset_after(onsets, onset, pick)
            yield pick
            repeats = repeats + 1 if pick == node else 0
            for period in (2, 3, 4):
                runs[period] = runs[period] + 1 if pick == history[-period] else 0
                if runs[period] >= cap * period:
                    force_restart = True
                    runs[period] = 0
            history.append(pick)
            del history[0]
            node = pick
            state = last_type[pick]


def _blocked(head: tuple[int, ...], onset: Onset, max_chord: int) -> bool:
    """Whether a token starting ``head`` (before it moves time) may not come next in ``onset``."""
    return bool(head) and (len(onset.pitches) + len(head) > max_chord or not onset.pitches.isdisjoint(head))


def _grouped_cumsum(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Cumulative sums of ``values`` restarting at each group start (groups are contiguous)."""
    total = np.cumsum(values)
    before = np.concatenate([[0.0], total])[starts[:-1]]  # sum of everything before each group
    sizes = np.diff(starts)
    return total - np.repeat(before, sizes)


def _cumulative(weights: np.ndarray) -> list[float]:
    """Cumulative sums of ``weights`` as a list (for bisection)."""
    return np.cumsum(np.asarray(weights, dtype=np.float64)).tolist()
