"""The interface every sampler implements, so the engine, the CLI and the tests treat them alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol, runtime_checkable

import numpy as np

from bridge.sampling import SamplingParams


class SamplerError(RuntimeError):
    """A sampler cannot go on (e.g. the inference session failed)."""


@runtime_checkable
class Sampler(Protocol):
    """Generates token ids one at a time, continuing ``seed_ids``."""

    name: str

    def generate(
        self,
        seed_ids: list[int],
        params: SamplingParams,
        rng: np.random.Generator,
        should_stop: Callable[[], bool],
    ) -> Iterator[int]:
        """Token ids, one at a time; stops at EOS or as soon as ``should_stop()`` is true."""
        ...
