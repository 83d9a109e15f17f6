"""Samplers: the decoder on onnxruntime (and later the style graph and their blend)."""

from bridge.samplers.base import Sampler, SamplerError
from bridge.samplers.decoder import DecoderSampler

__all__ = ["DecoderSampler", "Sampler", "SamplerError"]
