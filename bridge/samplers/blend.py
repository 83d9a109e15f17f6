"""The blend sampler: the decoder's next-token distribution reweighted by a style graph.

A product of experts: ``p(t) ∝ p_decoder(t) * p_graph(t | previous token) ** weight``, i.e. the
decoder's logits plus ``weight * log p_graph`` before the usual masks, temperature, top-k and top-p.
The graph's transition rows are smoothed (``floor``) so the decoder can still leave the style, and a
token the style never left adds nothing. Weight 0 gives the decoder's tokens exactly. The decoder's KV
cache is shared with its own sampler, so a seed prefilled while the performer plays serves both.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from bridge.samplers.base import SamplerError
from bridge.samplers.decoder import DecoderSampler
from bridge.sampling import SamplingParams
from bridge.stream_decoder import StreamDecoder
from bridge.style import Style

log = logging.getLogger(__name__)

DEFAULT_FLOOR = 1e-4


def graph_log_table(style: Style, floor: float = DEFAULT_FLOOR) -> np.ndarray:
    """``[V, V]`` float32 ``log(p_graph(j | i) + floor)``, zero on rows the style never left.

    ``p_graph`` is the style's next-token distribution: measured on the held-out fiddle pieces, it pulls
    the decoder closer to the style than the window-weighted one, whose far neighbours blur rhythm.
    """
    p = style.graph.transition()
    seen = p.sum(axis=1, keepdims=True) > 0
    table = np.where(seen, np.log(p + floor), 0.0).astype(np.float32)
    table.flags.writeable = False
    return table


class BlendSampler:
    """Implements the ``Sampler`` protocol: a :class:`DecoderSampler` steered by a :class:`Style`."""

    name = "blend"

    def __init__(self, decoder: DecoderSampler, style: Style, weight: float = 0.5,
                 floor: float = DEFAULT_FLOOR) -> None:
        style.check_vocab(decoder.scheme.vocab_size)
        if not floor > 0:
            raise SamplerError(f"floor {floor} must be > 0")
        self.decoder = decoder
        self.scheme = decoder.scheme
        self.style = style
        self.weight = weight
        self._table = graph_log_table(style, floor)

    @property
    def weight(self) -> float:
        """Weight of the graph (0 = the decoder alone); read once per generation."""
        return self._weight

    @weight.setter
    def weight(self, value: float) -> None:
        value = float(value)
        if not (np.isfinite(value) and value >= 0):
            raise SamplerError(f"blend weight {value} must be a finite number >= 0")
        self._weight = value

    def prefill(self, seed_ids: Sequence[int]) -> None:
        """Run the seed through the decoder now (the cache is the decoder's)."""
        self.decoder.prefill(seed_ids)

    def stream_after(self, ids: Sequence[int]) -> StreamDecoder:
        """The decoder's primed stream decoder (see ``DecoderSampler.stream_after``)."""
        return self.decoder.stream_after(ids)

    def bias(self, token: int, weight: float) -> np.ndarray:
        """What the graph adds to the decoder's logits after ``token``."""
        return weight * self._table[token]

    def generate(
        self,
        seed_ids: Sequence[int],
        params: SamplingParams,
        rng: np.random.Generator,
        should_stop: Callable[[], bool],
    ) -> Iterator[int]:
        """Token ids continuing ``seed_ids``, one at a time, until EOS or ``should_stop()``."""
        if params.strategy == "beam":
            raise SamplerError("beam search is not available with the blend sampler: use strategy sample "
                               "or greedy")
        weight = self.weight
        bias = None if weight == 0 else (lambda previous: self.bias(previous, weight))
        return self.decoder.generate(seed_ids, params, rng, should_stop, bias)
