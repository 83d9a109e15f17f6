"""The style expert: a variable-order model of a style's token sequences, backing off to the graph network.

An interpolated modified Kneser-Ney model (``bridge.kneser_ney``) over the style's pieces, orders up to
``order`` (a figure, a cadence, a rhythm of several tokens is carried, not just the last transition).
Where the style never showed the context, Kneser-Ney backs off order by order; its lowest level is not
the plain unigram but ``(1 - gcn_share) p_unigram + gcn_share p_gcn(. | last token)``, where ``p_gcn`` is
a softmax over the style's tokens of the graph network's link-prediction scores: those ``gcn.onnx``
gives for a style learned in the daemon (``bridge.gcn_runtime``), else the cosine of the two tokens'
embeddings at ``gcn_temperature``. So a transition the style never played but the graph
finds plausible keeps some probability, which is the graph network's job here.

Built for the sampler's step: :meth:`StyleModel.context` returns a :class:`StyleContext` that is fed one
token at a time (one ``searchsorted`` per order) and gives the next-token distribution as a dense array
(one scaled copy and one scatter per order); both are written by the thread that samples.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bridge.kneser_ney import KneserNey
from bridge.model import ModelError, load_npz

log = logging.getLogger(__name__)

DEFAULT_ORDER = 6
DEFAULT_GCN_SHARE = 0.3
DEFAULT_GCN_TEMPERATURE = 0.1  # on embedding cosines
SCORE_TEMPERATURE = 1.0  # on the graph network's link scores (logits of a link)
MAX_SHARE = 0.95
#: the style's share of the next token by the longest context it matched (0..order - 1 tokens), fitted by
#: EM on held-out fiddle continuations (``python -m bench.quality.style_nll``); ``blend`` 0.5 uses them
SHARES = (0.0, 0.12, 0.245, 0.484, 0.607, 0.754)
SHARES_AT_BLEND = 0.5
TRIM_AFTER_TOKENS = 100_000  # counting this many tokens or more gives the freed memory back


@dataclass(frozen=True)
class _Level:
    """One order's n-grams grouped by context: ``starts[c]:starts[c + 1]`` are context ``c``'s followers."""

    keys: np.ndarray  # int64 sorted gram keys (context id * V + token)
    starts: np.ndarray  # int64 [n_contexts + 1]
    follower: np.ndarray  # int64 token of each gram
    alpha: np.ndarray  # float64 discounted probability of each gram
    gamma: np.ndarray  # float64 back-off weight of each context


class StyleModel:
    """Next-token probabilities of a style given the tokens so far (see the module docstring)."""

    def __init__(self, kn: KneserNey, embeddings: np.ndarray | None = None,
                 gcn_share: float = DEFAULT_GCN_SHARE,
                 gcn_temperature: float = DEFAULT_GCN_TEMPERATURE,
                 link_scores: np.ndarray | None = None) -> None:
        if not kn.keys:
            raise ValueError("the Kneser-Ney model is not fitted")
        if not 0 <= gcn_share < 1 or not gcn_temperature > 0:
            raise ValueError("gcn_share must be in [0, 1) and gcn_temperature > 0")
        self.order, self.vocab_size = kn.order, kn.vocab_size
        V = self.vocab_size
        self._levels: list[_Level] = []
        for k in range(1, self.order + 1):
            keys = kn.keys[k - 1]
            n_contexts = len(kn.gamma[k - 1])
            starts = np.searchsorted(keys, np.arange(n_contexts + 1, dtype=np.int64) * V)
            self._levels.append(_Level(keys, starts, keys % V, kn.alpha[k - 1], kn.gamma[k - 1]))
        first = self._levels[0]  # the unigram level over the uniform floor, the same for every context
        unigram = np.full(V, first.gamma[0] / V)
        unigram[first.follower] += first.alpha
        self.unigram = unigram
        self.gcn_share = gcn_share if embeddings is not None or link_scores is not None else 0.0
        self._floor = None
        if self.gcn_share > 0:
            if link_scores is not None:
                self._floor = self._gcn_rows(np.asarray(link_scores, dtype=np.float64), SCORE_TEMPERATURE)
            else:
                self._floor = self._gcn_rows(_cosines(embeddings, V), gcn_temperature)

    @classmethod
    def fit(cls, sequences: Sequence[Sequence[int]], vocab_size: int, order: int = DEFAULT_ORDER,
            embeddings: np.ndarray | None = None, gcn_share: float = DEFAULT_GCN_SHARE,
            gcn_temperature: float = DEFAULT_GCN_TEMPERATURE,
            link_scores: np.ndarray | None = None) -> StyleModel:
        """Count the style's ``sequences`` (one per piece) and build the expert."""
        kn = KneserNey(order=order, vocab_size=vocab_size).fit(sequences)
        model = cls(kn, embeddings, gcn_share, gcn_temperature, link_scores)
        del kn
        if sum(len(q) for q in sequences) >= TRIM_AFTER_TOKENS:  # a live style's few phrases free little
            release_freed_memory()  # counting a million tokens frees ~100 MB that malloc would keep
        return model

    def _gcn_rows(self, scores: np.ndarray, temperature: float) -> np.ndarray:
        """``[V, V]`` float64: each row ``(1 - share) p_unigram + share p_gcn(. | row token)``, ``p_gcn`` the
        softmax of the row's link ``scores`` over the style's tokens at ``temperature``."""
        if scores.shape != (self.vocab_size, self.vocab_size):
            raise ValueError(f"link scores must be [V, V] with V = {self.vocab_size}, got {scores.shape}")
        seen = self._levels[0].follower  # the style's tokens: the only places the graph may send mass
        masked = np.full((self.vocab_size, self.vocab_size), -np.inf)
        masked[:, seen] = scores[:, seen] / temperature
        gcn = np.exp(masked - masked.max(axis=1, keepdims=True))
        gcn /= gcn.sum(axis=1, keepdims=True)
        rows = (1 - self.gcn_share) * self.unigram[None, :] + self.gcn_share * gcn
        rows[~np.isfinite(rows).all(axis=1)] = self.unigram
        return rows

    def context(self, tokens: Sequence[int] = ()) -> StyleContext:
        """A context fed with ``tokens`` (only the last ``order - 1`` matter)."""
        ctx = StyleContext(self)
        for token in list(tokens)[-(self.order - 1):] if self.order > 1 else []:
            ctx.feed(int(token))
        return ctx

    def probs_after(self, tokens: Sequence[int]) -> np.ndarray:
        """The next-token distribution after ``tokens`` (a fresh context each call; see :meth:`context`)."""
        return self.context(tokens).probs()


class StyleContext:
    """The style expert's state at one point of a sequence: the id of each suffix's n-gram."""

    __slots__ = ("model", "_ids", "last")

    def __init__(self, model: StyleModel) -> None:
        self.model = model
        self._ids: list[int] = []  # _ids[k - 1]: id of the k-gram ending at the last token (-1: unseen)
        self.last = -1

    def feed(self, token: int) -> None:
        """One more token of the sequence: each k-gram ending here extends the (k-1)-gram ending before."""
        levels, V = self.model._levels, self.model.vocab_size
        previous, ids, parent = self._ids, [], 0  # parent: the empty context for the unigram
        for k in range(1, self.model.order):  # the context side needs grams up to order - 1
            gram = -1
            if parent >= 0:
                keys = levels[k - 1].keys
                key = parent * V + token
                i = int(np.searchsorted(keys, key))
                gram = i if i < len(keys) and keys[i] == key else -1
            ids.append(gram)
            parent = previous[k - 1] if k - 1 < len(previous) else -1
        self._ids = ids
        self.last = token

    @property
    def matched(self) -> int:
        """The longest context (in tokens) the style has seen here; 0 when even the last token is new."""
        return sum(1 for i in self._ids if i >= 0)

    def probs(self) -> np.ndarray:
        """The next-token distribution (float64 ``[V]``, sums to 1)."""
        model = self.model
        floor = model._floor
        p = (floor[self.last] if floor is not None and self.last >= 0 else model.unigram).copy()
        for k in range(2, model.order + 1):
            ctx = self._ids[k - 2] if k - 2 < len(self._ids) else -1
            if ctx < 0:
                break
            level = model._levels[k - 1]
            lo, hi = level.starts[ctx], level.starts[ctx + 1]
            p *= level.gamma[ctx]
            p[level.follower[lo:hi]] += level.alpha[lo:hi]
        return p


def release_freed_memory() -> None:
    """Give memory freed by numpy back to the system (glibc's ``malloc_trim``; elsewhere nothing)."""
    try:
        ctypes.CDLL(None).malloc_trim(0)  # the process's own symbols: libc's, without a library search
    except (OSError, AttributeError):
        pass


def _cosines(embeddings: np.ndarray, vocab_size: int) -> np.ndarray:
    """``[V, V]`` cosines of the embeddings (0 for a token without one): the link score of a style
    loaded with its embeddings only."""
    emb = np.asarray(embeddings, dtype=np.float64)
    if emb.ndim != 2 or emb.shape[0] != vocab_size:
        raise ValueError(f"embeddings must be [{vocab_size}, dim], got {emb.shape}")
    norm = np.linalg.norm(emb, axis=1, keepdims=True)
    unit = np.divide(emb, norm, out=np.zeros_like(emb), where=norm > 0)
    return unit @ unit.T


def mix_linear(logits: np.ndarray, p_style: np.ndarray, share: float) -> np.ndarray:
    """Logits of ``(1 - share) softmax(logits) + share p_style`` (share 0 returns ``logits``); computed in
    probability space (one exp, one log), a third of the cost of mixing log-probabilities."""
    if share <= 0:
        return logits
    share = min(share, MAX_SHARE)
    x = np.asarray(logits, dtype=np.float64)
    p = np.exp(x - x.max())
    p *= (1.0 - share) / p.sum()
    p += share * p_style
    with np.errstate(divide="ignore"):
        return np.log(p)


class StyleMixer:
    """The style expert inside one answer: fed the tokens as they are chosen, it moves the style's share of
    the next token (``SHARES`` by matched context, scaled by ``blend / SHARES_AT_BLEND``) onto the
    decoder's distribution. Written by the sampling thread only."""

    __slots__ = ("context", "scale", "shares")

    def __init__(self, model: StyleModel, history: Sequence[int], blend: float,
                 shares: Sequence[float] = SHARES) -> None:
        self.context = model.context(history)
        self.scale = float(blend) / SHARES_AT_BLEND
        self.shares = tuple(shares)

    @property
    def share(self) -> float:
        """The style's share of the next token here."""
        matched = min(self.context.matched, len(self.shares) - 1)
        return min(MAX_SHARE, self.scale * self.shares[matched])

    def mix(self, logits: np.ndarray) -> np.ndarray:
        """``logits`` with the style's share mixed in (see :func:`mix_linear`)."""
        return mix_linear(logits, self.context.probs(), self.share)

    def feed(self, token: int) -> None:
        """The token that was chosen."""
        self.context.feed(int(token))


def write_sequences(path, sequences: Sequence[Sequence[int]]) -> None:
    """Save token sequences as ``tokens`` (uint16, back to back) and ``offsets`` (each one's start)."""
    parts = [np.asarray(q, dtype=np.int64) for q in sequences]
    lengths = np.array([len(q) for q in parts], dtype=np.int64)
    tokens = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    if tokens.size and (tokens.min() < 0 or tokens.max() > np.iinfo(np.uint16).max):
        raise ValueError("token ids must fit in 16 bits")
    np.savez_compressed(path, tokens=tokens.astype(np.uint16), offsets=np.cumsum(lengths) - lengths)


def read_sequences(path, vocab_size: int) -> tuple[np.ndarray, ...]:
    """The sequences :func:`write_sequences` saved; :class:`ModelError` if they do not fit ``vocab_size``."""
    arrays = load_npz(path, ("tokens", "offsets"))
    tokens, offsets = arrays.get("tokens"), arrays.get("offsets")
    if tokens is None or offsets is None or tokens.ndim != 1 or offsets.ndim != 1:
        raise ModelError(f"{path}: tokens.npz needs 1-d 'tokens' and 'offsets'")
    tokens = tokens.astype(np.int64)
    ends = np.append(offsets[1:], len(tokens)).astype(np.int64)
    starts = offsets.astype(np.int64)
    if (tokens.size and tokens.max() >= vocab_size) or np.any(starts > ends) or np.any(starts < 0) \
            or (len(ends) and ends[-1] > len(tokens)):
        raise ModelError(f"{path}: token sequences do not fit a vocabulary of {vocab_size}")
    return tuple(tokens[a:b] for a, b in zip(starts, ends, strict=True) if b > a)
