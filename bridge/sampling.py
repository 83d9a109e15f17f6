"""Logit processing for the samplers: pure numpy, one function per step of the pipeline.

Order of one step: constraint masks (grammar, pitch range, key/scale) -> onset guard -> rest bias ->
repetition penalty -> temperature -> top-k offset -> top-k -> top-p -> pick (argmax or a draw). Beam
search uses the same masked, biased, penalised, tempered scores as log-probabilities.

The onset guard keeps greedy, low-temperature and beam answers from looping on one onset: within an
:class:`Onset` (the notes started since time last moved) a pitch already started cannot start again, and
at most ``max_chord`` notes start; once no note may start, a token that moves time must come next.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

import numpy as np

from bridge.params import param_table
from bridge.scales import SCALES, parse_key
from bridge.tokens import TokenScheme, TokenType

STRATEGIES = ("greedy", "sample", "beam")
NEG_INF = -np.inf
_DEFAULTS = {name: p.default for name, p in param_table().items()}


class SamplingError(ValueError):
    """Sampling parameters out of range."""


@dataclass(frozen=True)
class SamplingParams:
    """How the next token is chosen; the defaults are the parameter registry's. Validated on creation."""

    strategy: str = str(_DEFAULTS["strategy"])
    temperature: float = float(_DEFAULTS["temperature"])
    top_k: int = int(_DEFAULTS["top_k"])  # 0 = off
    top_p: float = float(_DEFAULTS["top_p"])  # 1 = off
    top_k_offset: int = int(_DEFAULTS["top_k_offset"])  # skip the k most likely tokens ("surprise")
    rest_bias: float = float(_DEFAULTS["rest_bias"])  # subtracted per rest/time shift a token holds
    repetition_penalty: float = float(_DEFAULTS["repetition_penalty"])  # 1 = off
    repetition_window: int = int(_DEFAULTS["repetition_window"])  # recent pitches the penalty looks at
    beam_width: int = int(_DEFAULTS["beam_width"])
    beam_lookahead: int = int(_DEFAULTS["beam_lookahead"])  # tokens the best beam may run ahead
    pitch_min: int = int(_DEFAULTS["pitch_min"])
    pitch_max: int = int(_DEFAULTS["pitch_max"])
    key: str | int = str(_DEFAULTS["key"])  # C, F#, Bb, ... or a pitch class 0-11
    scale: str = str(_DEFAULTS["scale"])
    memory_weight: float = float(_DEFAULTS["memory_weight"])  # a multiple of the fitted shares (0 = off)
    chord_memory_weight: float = float(_DEFAULTS["chord_memory_weight"])  # the same, for chordal seeds
    memory_phrases: int = int(_DEFAULTS["memory_phrases"])  # earlier phrases the memory holds
    memory_order: int = int(_DEFAULTS["memory_order"])  # longest match looked for, in base tokens
    allow_end: bool = True  # False: the end-of-sequence token is masked (a length was requested)
    enter_after_seed: bool = True  # the answer's first token moves time past the seed's last onset
    bar_weight: float = float(_DEFAULTS["bar_weight"])  # share from the seed's bar (0 = off)
    beat_weight: float = float(_DEFAULTS["beat_weight"])  # time moves' share from the seed's beat (0 = off)
    pitch_weight: float = float(_DEFAULTS["pitch_weight"])  # hold back over-played pitch classes (0 = off)
    heal: bool = bool(_DEFAULTS["heal"])  # re-state the seed's last tokens as music that goes on does
    max_chord: int = int(_DEFAULTS["max_chord"])  # notes that may start at one onset
    # what the engine's note guard lets sound of the sampled notes (bridge.note_guard, the scheduler)
    min_reattack_ms: float = float(_DEFAULTS["min_reattack_ms"])
    late_ms: float = float(_DEFAULTS["late_ms"])

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise SamplingError(f"strategy {self.strategy!r} is not one of {', '.join(STRATEGIES)}")
        if not self.temperature > 0:
            raise SamplingError(f"temperature {self.temperature} must be > 0")
        if self.top_k < 0:
            raise SamplingError(f"top_k {self.top_k} must be >= 0 (0 = off)")
        if not 0 < self.top_p <= 1:
            raise SamplingError(f"top_p {self.top_p} must be in (0, 1]")
        if self.top_k_offset < 0:
            raise SamplingError(f"top_k_offset {self.top_k_offset} must be >= 0")
        if not self.repetition_penalty >= 1:
            raise SamplingError(f"repetition_penalty {self.repetition_penalty} must be >= 1 (1 = off)")
        if self.repetition_window < 0:
            raise SamplingError(f"repetition_window {self.repetition_window} must be >= 0")
        if self.beam_width < 1:
            raise SamplingError(f"beam_width {self.beam_width} must be >= 1")
        if self.beam_lookahead < 1:
            raise SamplingError(f"beam_lookahead {self.beam_lookahead} must be >= 1")
        if not 0 <= self.pitch_min <= self.pitch_max <= 127:
            raise SamplingError(
                f"pitch range {self.pitch_min}-{self.pitch_max} must satisfy 0 <= min <= max <= 127"
            )
        if not (0 <= self.bar_weight < 1 and 0 <= self.beat_weight < 1):
            raise SamplingError(f"bar_weight {self.bar_weight} and beat_weight {self.beat_weight} must be in "
                                "[0, 1)")
        if not self.pitch_weight >= 0:
            raise SamplingError(f"pitch_weight {self.pitch_weight} must be >= 0 (0 = off)")
        if not (self.memory_weight >= 0 and self.chord_memory_weight >= 0) or self.memory_phrases < 0 \
                or self.memory_order < 1:
            raise SamplingError("memory_weight and chord_memory_weight must be >= 0, memory_phrases >= 0 and "
                                "memory_order >= 1")
        if self.max_chord < 1:
            raise SamplingError(f"max_chord {self.max_chord} must be >= 1")
        if not self.min_reattack_ms >= 0 or not self.late_ms > 0:
            raise SamplingError("min_reattack_ms must be >= 0 and late_ms > 0")
        if self.scale not in SCALES:
            raise SamplingError(f"scale {self.scale!r} is not one of {', '.join(SCALES)}")
        try:
            parse_key(self.key)
        except ValueError as exc:
            raise SamplingError(str(exc)) from exc

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> SamplingParams:
        """Build from a mapping (e.g. the parameter store); keys that are not fields are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})


# ---- pure functions on 1-D logits -----------------------------------------------------------------


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Log-probabilities; -inf stays -inf. All -inf gives all -inf."""
    top = np.max(logits)
    if not np.isfinite(top):
        return np.full_like(logits, NEG_INF, dtype=np.float64)
    shifted = logits.astype(np.float64) - top
    return shifted - np.log(np.sum(np.exp(shifted)))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities; masked (-inf) entries get 0."""
    return np.exp(log_softmax(logits))


def apply_mask(logits: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Copy with disallowed entries set to -inf."""
    return np.where(allowed, logits, NEG_INF)


def apply_repetition_penalty(logits: np.ndarray, penalised: np.ndarray, penalty: float) -> np.ndarray:
    """CTRL-style: penalised positive logits are divided by ``penalty``, negative ones multiplied."""
    if penalty == 1.0 or not penalised.any():
        return logits
    scaled = np.where(logits > 0, logits / penalty, logits * penalty)
    return np.where(penalised, scaled, logits)


def apply_top_k_offset(logits: np.ndarray, offset: int) -> np.ndarray:
    """Mask the ``offset`` most likely tokens, always leaving at least one finite entry."""
    finite = int(np.isfinite(logits).sum())
    offset = min(offset, finite - 1)
    if offset <= 0:
        return logits
    top = np.argpartition(-logits, offset - 1)[:offset]
    out = logits.copy()
    out[top] = NEG_INF
    return out


def apply_top_k(logits: np.ndarray, k: int) -> np.ndarray:
    """Keep the ``k`` largest logits (0 = keep all)."""
    if k <= 0 or k >= logits.shape[-1]:
        return logits
    kth = np.partition(logits, -k)[-k]
    return np.where(logits >= kth, logits, NEG_INF)


def apply_top_p(logits: np.ndarray, p: float) -> np.ndarray:
    """Keep the smallest set of most likely tokens whose probability sums to >= ``p``."""
    if p >= 1.0:
        return logits
    candidates = np.flatnonzero(np.isfinite(logits))  # after the masks, often a small set
    if len(candidates) == 0:
        return logits
    order = candidates[np.argsort(-logits[candidates], kind="stable")]
    cumulative = np.cumsum(softmax(logits[order]))
    keep = min(int(np.searchsorted(cumulative, p, side="left")) + 1, len(order))
    out = np.full_like(logits, NEG_INF, dtype=np.float64)
    chosen = order[:keep]
    out[chosen] = logits[chosen]
    return out


def draw(logits: np.ndarray, rng: np.random.Generator) -> int:
    """One id drawn from softmax(logits)."""
    probs = softmax(logits)
    cumulative = np.cumsum(probs)
    index = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
    index = min(index, len(probs) - 1)
    while probs[index] == 0.0:  # guard against landing on a masked entry through rounding
        index -= 1
    return index


def initial_state(scheme: TokenScheme, seed: Iterable[int], params: SamplingParams) -> TokenType:
    """The grammar state a continuation of ``seed`` starts in: ``ENTRY`` after a complete last note
    when ``params.enter_after_seed`` (so the answer does not land on the seed's last chord)."""
    state = scheme.state_after(seed)
    if params.enter_after_seed and state is TokenType.DURATION:
        return TokenType.ENTRY
    return state


# ---- the onset guard ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Onset:
    """The pitches started since time last moved (each starts once in an onset)."""

    pitches: frozenset[int] = frozenset()


class OnsetTables:
    """Per id of a scheme: the pitches it starts before it moves time (``head``, ``[pitch, id]``), whether
    it moves time, and the pitches it starts after its last time move (``tail``: the next onset's)."""

    def __init__(self, scheme: TokenScheme) -> None:
        n = scheme.vocab_size
        self.head = np.zeros((128, n), dtype=bool)
        self.moves = np.asarray(scheme.n_time) > 0
        self.tail: list[tuple[int, ...]] = []
        self.head_pitches: list[tuple[int, ...]] = []
        events = getattr(scheme, "events", None)
        for token_id in range(n):
            if events is None:  # a scheme without base tokens: all pitches before the time move
                parsed = [(TokenType.PITCH, p) for p in scheme.pitches[token_id]]
            else:
                parsed = list(events(token_id))
            head: list[int] = []
            tail: list[int] = []
            moved = False
            for kind, value in parsed:
                if kind in (TokenType.TIMESHIFT, TokenType.REST):
                    moved, tail = True, []
                elif kind is TokenType.PITCH:
                    (tail if moved else head).append(int(value))
            self.head[head, token_id] = True
            self.head_pitches.append(tuple(head))
            self.tail.append(tuple(tail))
        self.head_n = self.head.sum(axis=0)
        self.starts = self.head_n > 0
        self.max_head = int(self.head_n.max(initial=0))
        self.pitches = scheme.pitches


_ONSET_TABLES: weakref.WeakKeyDictionary[object, OnsetTables] = weakref.WeakKeyDictionary()


def onset_tables(scheme: TokenScheme) -> OnsetTables:
    """The scheme's :class:`OnsetTables` (built once per scheme)."""
    tables = _ONSET_TABLES.get(scheme)
    if tables is None:
        tables = _ONSET_TABLES[scheme] = OnsetTables(scheme)
    return tables


def onset_after(tables: OnsetTables, onset: Onset, token: int) -> Onset:
    """The onset after ``token``: a fresh one from the token's tail when it moves time."""
    if tables.moves[token]:
        return Onset(frozenset(tables.tail[token]))
    started = tables.pitches[token]
    return Onset(onset.pitches | frozenset(started)) if started else onset


def onset_of(tables: OnsetTables, ids: Iterable[int]) -> Onset:
    """The onset at the end of ``ids`` (a seed)."""
    onset = Onset()
    for token in ids:
        onset = onset_after(tables, onset, int(token))
    return onset


def onset_blocked(tables: OnsetTables, onset: Onset, max_chord: int) -> np.ndarray | None:
    """Ids that may not come next in ``onset`` (None when none is blocked)."""
    held = len(onset.pitches)
    blocked = tables.head[sorted(onset.pitches)].any(axis=0) if held else None
    if held + tables.max_head > max_chord:
        full = tables.head_n > max_chord - held
        blocked = full if blocked is None else blocked | full
    return blocked


# ---- the processor a sampler uses -----------------------------------------------------------------


class LogitsProcessor:
    """Applies :class:`SamplingParams` to one model's logits, with the scheme's masks precomputed."""

    def __init__(self, scheme: TokenScheme, params: SamplingParams) -> None:
        self.scheme = scheme
        self.params = params
        self._constraint = scheme.pitch_range_mask(params.pitch_min, params.pitch_max) & scheme.scale_mask(
            params.key, params.scale
        )
        if not params.allow_end:
            self._constraint = self._constraint.copy()
            self._constraint[scheme.eos_id] = False
        self._bias = (-params.rest_bias * scheme.n_time).astype(np.float64) if params.rest_bias else None
        self._eos_only = np.zeros(scheme.vocab_size, dtype=bool)
        self._eos_only[scheme.eos_id] = True
        self._state_masks: dict[int, np.ndarray] = {}
        self.onsets = onset_tables(scheme)
        self._moves_or_end = self.onsets.moves.copy()
        self._moves_or_end[scheme.eos_id] = True

    def allowed(self, state: TokenType | int) -> np.ndarray:
        """Grammar & constraints; when constraints leave nothing, grammar alone; else EOS only."""
        key = int(state)
        mask = self._state_masks.get(key)
        if mask is None:
            grammar = self.scheme.allowed_mask(key)
            mask = grammar & self._constraint
            if not mask.any():
                mask = grammar if grammar.any() else self._eos_only
            self._state_masks[key] = mask
        return mask

    def guarded(self, state: TokenType | int, onset: Onset | None) -> np.ndarray:
        """``allowed(state)`` less what the onset guard blocks; when no note may start any more, only
        tokens that move time (or end); never nothing."""
        allowed = self.allowed(state)
        if onset is None:
            return allowed
        blocked = onset_blocked(self.onsets, onset, self.params.max_chord)
        if blocked is None:
            return allowed
        mask = allowed & ~blocked
        if not (mask & self.onsets.starts).any() and (allowed & self.onsets.starts).any():
            moving = mask & self._moves_or_end  # the onset is full: time moves
            mask = moving if moving.any() else mask
        return mask if mask.any() else allowed

    def onset_after(self, onset: Onset, token: int) -> Onset:
        """The onset after ``token`` (see :func:`onset_after`)."""
        return onset_after(self.onsets, onset, token)

    def onset_of(self, ids: Iterable[int]) -> Onset:
        """The onset at the end of ``ids``."""
        return onset_of(self.onsets, ids)

    def penalised(self, recent_pitches: Iterable[int]) -> np.ndarray | None:
        """Ids holding a pitch among ``recent_pitches`` (None when the penalty is off)."""
        if self.params.repetition_penalty == 1.0:
            return None
        pitches = sorted(set(recent_pitches))
        if not pitches:
            return None
        return self.scheme.contains_pitch[pitches].any(axis=0)

    def scores(
        self, logits: np.ndarray, state: TokenType | int, recent_pitches: Iterable[int] = (),
        onset: Onset | None = None,
    ) -> np.ndarray:
        """Masked, biased, penalised and tempered logits (float64, -inf where not allowed); ``onset``
        turns the onset guard on."""
        out = logits.astype(np.float64)
        if self._bias is not None:
            out = out + self._bias
        penalised = self.penalised(recent_pitches)
        if penalised is not None:
            out = apply_repetition_penalty(out, penalised, self.params.repetition_penalty)
        if self.params.temperature != 1.0:
            out = out / self.params.temperature
        return apply_mask(out, self.guarded(state, onset))

    def log_probs(
        self, logits: np.ndarray, state: TokenType | int, recent_pitches: Iterable[int] = (),
        onset: Onset | None = None,
    ) -> np.ndarray:
        """Log-probabilities of the next token for beam search."""
        return log_softmax(self.scores(logits, state, recent_pitches, onset))

    def choose(
        self,
        logits: np.ndarray,
        state: TokenType | int,
        rng: np.random.Generator,
        recent_pitches: Iterable[int] = (),
        among: np.ndarray | None = None,
        onset: Onset | None = None,
    ) -> int:
        """The next token: greedy takes the argmax, sample draws, both after the top-k offset.

        ``among`` (bool per id) narrows the choice further (healing the seed's tail); when the
        constraints leave none of it, the grammar alone decides among it. ``onset``: the onset guard."""
        out = self.scores(logits, state, recent_pitches, onset)
        if among is not None:
            narrowed = np.where(among, out, NEG_INF)
            if not np.isfinite(narrowed).any():
                grammar = self.scheme.allowed_mask(int(state)) & among
                narrowed = np.where(grammar if grammar.any() else among, logits.astype(np.float64), NEG_INF)
            out = narrowed
        out = apply_top_k_offset(out, self.params.top_k_offset)
        if self.params.strategy == "greedy":
            return int(np.argmax(out))
        out = apply_top_k(out, self.params.top_k)
        out = apply_top_p(out, self.params.top_p)
        return draw(out, rng)
