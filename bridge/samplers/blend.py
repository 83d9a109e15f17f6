"""The blend sampler: the decoder's next-token distribution mixed with a style's variable-order expert.

At each step ``p(t) = (1 - s) p_decoder(t) + s p_style(t | the tokens so far)``, before the usual masks,
temperature, top-k and top-p. ``p_style`` is :class:`bridge.style_model.StyleModel`: Kneser-Ney over the
style's pieces (orders up to 6), backing off to the graph network's link-prediction scores and then to
the style's unigram. The share ``s`` grows with the longest context the style has seen here
(``bridge.style_model.SHARES``, fitted by held-out likelihood) and scales with ``weight`` (the ``blend``
parameter: 0 = the decoder exactly, 0.5 = the fitted shares). A linear mixture, not a product: measured
on held-out fiddle continuations (``python -m bench.quality.style_nll``) the product of experts loses to
it at every weight, because the style's zero-count tokens veto what the decoder rightly expects. The
phrase memory mixes in after the style: the style reshapes, the seed decides. The decoder's KV cache is
shared with its own sampler, so a seed prefilled while the performer plays serves both.
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
from bridge.style_model import DEFAULT_ORDER, StyleMixer, StyleModel

log = logging.getLogger(__name__)


def style_model_of(style: Style, order: int = DEFAULT_ORDER) -> StyleModel:
    """The style's variable-order expert (its ``sequences`` counted, about a second per million tokens,
    once per style)."""
    if not style.sequences:
        raise SamplerError(f"style {style.name!r} holds no token sequences (tokens.npz): learn it again "
                           "(segue learn-style, or /segue/style/learn)")
    expert = style.experts.get(order)
    if expert is None:  # once per style: a model swap that keeps the style reuses it
        expert = style.experts[order] = StyleModel.fit(style.sequences, style.vocab_size, order,
                                                       style.embeddings, link_scores=style.link_scores)
    return expert


class BlendSampler:
    """Implements the ``Sampler`` protocol: a :class:`DecoderSampler` steered by a :class:`Style`."""

    name = "blend"

    def __init__(self, decoder: DecoderSampler, style: Style, weight: float = 0.5,
                 model: StyleModel | None = None) -> None:
        style.check_vocab(decoder.scheme.vocab_size)
        self.decoder = decoder
        self.scheme = decoder.scheme
        self.style = style
        self.weight = weight
        self.model = model if model is not None else style_model_of(style)

    @property
    def weight(self) -> float:
        """Weight of the style (0 = the decoder alone); read once per generation."""
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

    def mixer(self, history: Sequence[int], weight: float) -> StyleMixer:
        """The style expert for one answer, fed ``history`` (the context the decoder starts from)."""
        return StyleMixer(self.model, history, weight)

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
        style = None if weight == 0 else (lambda history: self.mixer(history, weight))
        return self.decoder.generate(seed_ids, params, rng, should_stop, style)
