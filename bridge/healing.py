"""Token healing at the seed's end: the decoder continues a seed from a tokenization it was trained on.

BPE merges base tokens across note boundaries, so the last tokens of a seed cut after its last note are
merges that music which goes on never has: a phrase ending on G encodes ``Pitch_67 | Velocity_87
Duration_0.4.8``, where the same G inside a phrase encodes ``Pitch_67 Velocity_87 Duration_0.4.8
TimeShift_0.4.8`` as one token. Measured on the quality benchmark's held-out windows, 99% of seeds end
in such a tail, and a decoder prefilled on it starts its answer from a context it seldom saw: its
first tokens wander (odd rests, lone velocities) and the answer never finds the seed's figures again.

Healing (the idea of token healing in LLM prompting) backs the context up to the last time move before
the seed's last onset (at most ``MAX_TOKENS`` tokens) and lets the decoder re-state what it removed:
the first sampled tokens are held to the removed base tokens - each a prefix of what is left of them,
all of it, or all of it followed by more (a time move first when the answer must enter after the seed).
What a healed token adds beyond the seed is passed on as base-token ids, so the notes that stream out
continue the seed exactly and the seed's last note is never played twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bridge.tokens import TokenScheme, TokenType

MAX_TOKENS = 4  # seed tokens healing may take back
CACHE_SIZE = 512  # candidate masks kept (one per distinct seed tail)
_HEADER = (TokenType.BOS, TokenType.TIMESIG, TokenType.TEMPO, TokenType.PAD, TokenType.MASK)
_TIME_MOVES = (TokenType.TIMESHIFT, TokenType.REST)


@dataclass(frozen=True)
class Step:
    """What one sampled token did to the healing: the base tokens still to re-state (empty: healed)
    and the ids to pass on for what it added beyond the seed."""

    rest: tuple[str, ...]
    emitted: tuple[int, ...]


class Healer:
    """Healing for one token scheme: where a seed's tail starts, and which ids may re-state it.

    Owned by the sampler that uses it (its candidate cache is written by that sampler's thread only).
    """

    def __init__(self, scheme: TokenScheme) -> None:
        self.scheme = scheme
        self._bases = tuple(scheme.base_tokens(i) for i in range(scheme.vocab_size))
        self._single = {b[0]: i for i, b in enumerate(self._bases) if len(b) == 1}
        self._types = tuple(tuple(k for k, _ in scheme.events(i)) for i in range(scheme.vocab_size))
        self._candidates: dict[tuple[tuple[str, ...], bool], np.ndarray] = {}

    def keep(self, ids: Sequence[int]) -> int:
        """How many of ``ids`` the context keeps: up to the last time move before the last onset, never
        into the header; ``len(ids)`` when there is nothing to heal."""
        scheme = self.scheme
        i = len(ids)
        while i > 1 and len(ids) - i < MAX_TOKENS:
            token = ids[i - 1]
            if not self._bases[token] or TokenType(int(scheme.first_type[token])) in _HEADER:
                break
            i -= 1
            if TokenType(int(scheme.last_type[ids[i - 1]])) in _TIME_MOVES:
                break
        if i == len(ids) or not all(b in self._single for b in self.rest(ids, i)):
            return len(ids)  # healing re-states base tokens one id each at worst: each needs its own id
        return i

    def rest(self, ids: Sequence[int], keep: int) -> tuple[str, ...]:
        """The base tokens of ``ids[keep:]``: what the healed tokens must re-state."""
        return tuple(b for token in ids[keep:] for b in self._bases[token])

    def candidates(self, rest: tuple[str, ...], enter_after: bool) -> np.ndarray:
        """``[vocab]`` bool: ids that re-state a prefix of ``rest``, all of it, or all of it and then
        more that can be passed on as base ids (starting with a time move when ``enter_after`` and
        ``rest`` ends a note)."""
        key = (rest, enter_after)
        mask = self._candidates.get(key)
        if mask is not None:
            return mask
        n = len(rest)
        ends_note = bool(rest) and rest[-1].startswith("Duration_")
        mask = np.zeros(self.scheme.vocab_size, dtype=bool)
        for token, bases in enumerate(self._bases):
            if not bases:
                continue
            if len(bases) <= n:
                mask[token] = bases == rest[: len(bases)]
            elif bases[:n] == rest and all(b in self._single for b in bases[n:]):
                mask[token] = not (enter_after and ends_note) or self._types[token][n] in _TIME_MOVES
        if len(self._candidates) >= CACHE_SIZE:
            self._candidates.clear()
        self._candidates[key] = mask
        return mask

    def step(self, rest: tuple[str, ...], token: int) -> Step:
        """The healing after ``token`` (one of ``candidates(rest, ...)``)."""
        bases = self._bases[token]
        if len(bases) <= len(rest):
            return Step(rest[len(bases):], ())
        return Step((), tuple(self._single[b] for b in bases[len(rest):]))
