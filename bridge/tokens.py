"""The model's token scheme at run time: miditok TSD (possibly BPE), streaming decode and grammar masks.

miditok encodes seeds and owns the vocabulary. Everything on the per-token path is precomputed here at
load time as numpy arrays (type of each id's first and last base token, pitches, time advance), so a
sampler step costs a few vector operations. miditok only decodes whole sequences; a performer needs
each note as soon as its Duration token is sampled, so ``bridge.stream_decoder.StreamDecoder`` is a small
state machine over base tokens that follows miditok's TSD decoding rules exactly.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterable, Sequence
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bridge.notes import Note
from bridge.scales import TokenError, scale_bits

if TYPE_CHECKING:
    from bridge.stream_decoder import StreamDecoder

log = logging.getLogger(__name__)


_TICKS_PER_QUARTER = 480


def import_miditok() -> object:
    """The miditok module, imported without torch.

    miditok's package init tries its optional torch data helpers and carries on when torch is
    missing; with torch installed (a training machine) that import adds seconds to the daemon's
    start and pulls torch into the runtime. So torch is hidden during miditok's first import.
    """
    if "miditok" in sys.modules or "torch" in sys.modules:
        return importlib.import_module("miditok")
    sys.modules["torch"] = None  # makes `import torch` raise ImportError
    try:
        return importlib.import_module("miditok")
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]


def load_merged(path: Path | str) -> Any:
    """A MIDI file as a one-track symusic ``Score`` (non-drum tracks with notes merged, program 0):
    how every piece is read for tokenizing, in training and at run time."""
    from symusic import Score

    import_miditok()
    from miditok.utils import merge_tracks

    score = Score(str(path))
    score.tracks = [t for t in score.tracks if not t.is_drum and len(t.notes) > 0]
    if len(score.tracks) > 1:
        score.tracks = [merge_tracks(score, effects=False)]
    for track in score.tracks:
        track.program = 0
    return score


def encode_ids(tokenizer: Any, score: Any) -> list[int]:
    """Token ids of a one-track score (BPE applied when the tokenizer is trained); [] without notes."""
    seq = tokenizer.encode(score)
    if isinstance(seq, list):
        seq = seq[0] if seq else None
    return [] if seq is None else [int(i) for i in seq.ids]


class TokenType(IntEnum):
    """Base token types of TSD; also the grammar state (the type of the last base token)."""

    PAD = 0
    BOS = 1
    EOS = 2
    MASK = 3
    PITCH = 4
    VELOCITY = 5
    DURATION = 6
    TIMESHIFT = 7
    REST = 8
    TEMPO = 9
    TIMESIG = 10
    OTHER = 11
    BOUNDARY = 12  # BPE word boundary without base tokens: a bar start when ids are split per bar
    ENTRY = 13  # not a token: the start of an answer after a complete seed (time must move first)


_TYPE_BY_NAME = {
    "PAD": TokenType.PAD,
    "BOS": TokenType.BOS,
    "EOS": TokenType.EOS,
    "MASK": TokenType.MASK,
    "Pitch": TokenType.PITCH,
    "Velocity": TokenType.VELOCITY,
    "Duration": TokenType.DURATION,
    "TimeShift": TokenType.TIMESHIFT,
    "Rest": TokenType.REST,
    "Tempo": TokenType.TEMPO,
    "TimeSig": TokenType.TIMESIG,
}

T = TokenType
# Which base token type may follow which in TSD (checked against the corpus' encodings: at one time,
# TimeSig comes before Tempo, so no chain of them without time moving). A BPE word boundary (bar
# start) may come wherever a new event may, but not twice in a row.
FOLLOWS: dict[TokenType, frozenset[TokenType]] = {
    T.BOS: frozenset({T.TIMESIG, T.TEMPO, T.PITCH, T.TIMESHIFT, T.REST, T.BOUNDARY}),
    T.PITCH: frozenset({T.VELOCITY}),
    T.VELOCITY: frozenset({T.DURATION}),
    T.DURATION: frozenset({T.PITCH, T.TIMESHIFT, T.REST, T.TEMPO, T.TIMESIG, T.EOS, T.BOUNDARY}),
    T.TIMESHIFT: frozenset({T.PITCH, T.TIMESHIFT, T.REST, T.TEMPO, T.TIMESIG, T.EOS, T.BOUNDARY}),
    T.REST: frozenset({T.PITCH, T.TIMESHIFT, T.REST, T.TEMPO, T.TIMESIG, T.EOS, T.BOUNDARY}),
    T.TEMPO: frozenset({T.PITCH, T.TIMESHIFT, T.REST, T.EOS, T.BOUNDARY}),
    T.TIMESIG: frozenset({T.TEMPO, T.PITCH, T.TIMESHIFT, T.REST, T.EOS, T.BOUNDARY}),
    T.BOUNDARY: frozenset({T.TIMESIG, T.TEMPO, T.PITCH, T.TIMESHIFT, T.REST, T.EOS}),
    # an answer enters after the seed's last onset, never on its last, already complete chord
    T.ENTRY: frozenset({T.TIMESHIFT, T.REST}),
    T.EOS: frozenset(),
    T.PAD: frozenset(),
    T.MASK: frozenset(),
    T.OTHER: frozenset(),
}
del T

def _time_value(text: str) -> float:
    """A TSD time value ``beat.pos.res`` in beats of the current time signature's denominator."""
    beat, pos, res = (int(x) for x in text.split("."))
    return beat + pos / res


def _parse_base(token: str) -> tuple[TokenType, object]:
    name, _, value = token.partition("_")
    kind = _TYPE_BY_NAME.get(name, TokenType.OTHER)
    if kind is TokenType.PITCH or kind is TokenType.VELOCITY:
        return kind, int(value)
    if kind in (TokenType.DURATION, TokenType.TIMESHIFT, TokenType.REST):
        return kind, _time_value(value)
    if kind is TokenType.TEMPO:
        return kind, float(value)
    if kind is TokenType.TIMESIG:
        num, den = value.split("/")
        return kind, (int(num), int(den))
    return kind, None


class TokenScheme:
    """The vocabulary of one model, with everything a sampler needs per id precomputed."""

    def __init__(self, tokenizer: object) -> None:
        """Wrap a loaded ``miditok.TSD``; use :meth:`from_model_dir` or :meth:`from_file` instead."""
        self._tokenizer = tokenizer
        base = self._base_tuples(tokenizer)
        self._base: tuple[tuple[str, ...], ...] = base
        self._events = tuple(tuple(_parse_base(t) for t in toks) for toks in base)
        n = len(base)
        self.vocab_size = n
        # an id standing for no base token is the BPE model's word-boundary marker
        edge = TokenType.BOUNDARY
        self.first_type = np.array([ev[0][0] if ev else edge for ev in self._events], dtype=np.int8)
        self.last_type = np.array([ev[-1][0] if ev else edge for ev in self._events], dtype=np.int8)
        self.pitches: tuple[tuple[int, ...], ...] = tuple(
            tuple(v for k, v in ev if k is TokenType.PITCH) for ev in self._events
        )
        self.pitch_lo = np.array([min(p, default=128) for p in self.pitches], dtype=np.int16)
        self.pitch_hi = np.array([max(p, default=-1) for p in self.pitches], dtype=np.int16)
        self.pitch_classes = np.array([sum({1 << (x % 12) for x in p}) for p in self.pitches], dtype=np.int32)
        self.n_notes = np.array([len(p) for p in self.pitches], dtype=np.int16)
        self.contains_pitch = np.zeros((128, n), dtype=bool)  # [pitch, id]
        for token_id, token_pitches in enumerate(self.pitches):
            self.contains_pitch[list(token_pitches), token_id] = True
        time_kinds = (TokenType.TIMESHIFT, TokenType.REST)
        self.n_time = np.array([sum(k in time_kinds for k, _ in ev) for ev in self._events], dtype=np.int16)
        self.internally_valid = np.array([self._valid_inside(ev) for ev in self._events], dtype=bool)
        self.bos_id = self._special_id("BOS_None")
        self.eos_id = self._special_id("EOS_None")
        self.pad_id = self._special_id("PAD_None")
        self._grammar = self._build_grammar()
        self._mask_cache: dict[tuple, np.ndarray] = {}

    # ---- loading -------------------------------------------------------------------------------

    @classmethod
    def from_file(cls, path: Path | str) -> TokenScheme:
        """Load a miditok TSD ``tokenizer.json``."""
        import tempfile

        from bridge.bounded_files import FileRefused, read_text

        tsd_class = import_miditok().TSD
        path = Path(path)
        if not path.exists():
            raise TokenError(f"tokenizer file {path} does not exist")
        try:  # a bounded read of a regular file; miditok then parses exactly these bytes
            text = read_text(path, "tokenizer file", "tokenizer")
        except FileRefused as exc:
            raise TokenError(str(exc)) from None
        try:
            with tempfile.TemporaryDirectory(prefix="segue-tok-") as folder:
                copy = Path(folder) / "tokenizer.json"
                copy.write_text(text, encoding="utf-8")
                tokenizer = tsd_class(params=copy)
        except Exception as exc:  # miditok raises assorted types on a bad file
            raise TokenError(f"tokenizer file {path} is not a miditok TSD tokenizer: {exc}") from exc
        return cls(tokenizer)

    @classmethod
    def from_model_dir(cls, path: Path | str) -> TokenScheme:
        """Load the tokenizer of a model directory (``tokenizer.json``)."""
        return cls.from_file(Path(path) / "tokenizer.json")

    @staticmethod
    def _base_tuples(tokenizer: object) -> tuple[tuple[str, ...], ...]:
        """For every id, the base tokens it stands for (BPE ids expand to several)."""
        if getattr(tokenizer, "is_trained", False):
            model = tokenizer._model  # the HF tokenizers object miditok trains
            learned = tokenizer._vocab_learned_bytes_to_tokens
            size = model.get_vocab_size()
            out = []
            for i in range(size):
                piece = model.id_to_token(i)
                if piece is None or piece not in learned:
                    raise TokenError(f"tokenizer id {i} has no base tokens")
                out.append(tuple(learned[piece]))
            return tuple(out)
        vocab = tokenizer.vocab
        if not isinstance(vocab, dict):
            raise TokenError("multi-vocabulary tokenizers are not supported (use TSD)")
        inverse = {i: tok for tok, i in vocab.items()}
        if sorted(inverse) != list(range(len(inverse))):
            raise TokenError("tokenizer ids are not contiguous")
        return tuple((inverse[i],) for i in range(len(inverse)))

    def _special_id(self, token: str) -> int:
        for i, toks in enumerate(self._base):
            if toks == (token,):
                return i
        raise TokenError(f"tokenizer has no {token} token")

    @staticmethod
    def _valid_inside(events: Sequence[tuple[TokenType, object]]) -> bool:
        if not events:
            return True  # the word-boundary marker
        if any(k in (TokenType.PAD, TokenType.MASK, TokenType.OTHER) for k, _ in events):
            return len(events) == 1 and events[0][0] is not TokenType.OTHER
        return all(b[0] in FOLLOWS[a[0]] for a, b in zip(events, events[1:], strict=False))

    def _build_grammar(self) -> np.ndarray:
        """``[state, id]``: may ``id`` follow a sequence whose last base token has type ``state``."""
        grammar = np.zeros((len(TokenType), self.vocab_size), dtype=bool)
        never = [TokenType.PAD, TokenType.MASK, TokenType.BOS]
        usable = self.internally_valid & ~np.isin(self.first_type, never)
        for state, follows in FOLLOWS.items():
            grammar[state] = usable & np.isin(self.first_type, [int(t) for t in follows])
        grammar.flags.writeable = False
        return grammar

    # ---- vocabulary ----------------------------------------------------------------------------

    @property
    def tokenizer(self) -> object:
        """The underlying miditok tokenizer."""
        return self._tokenizer

    def base_tokens(self, token_id: int) -> tuple[str, ...]:
        """The base tokens a (BPE) id stands for, e.g. ``('Pitch_60', 'Velocity_79')``."""
        if not 0 <= token_id < self.vocab_size:
            raise TokenError(f"token id {token_id} is outside the vocabulary (0..{self.vocab_size - 1})")
        return self._base[token_id]

    def ids_of_type(self, kind: TokenType) -> np.ndarray:
        """Ids whose first base token has type ``kind``."""
        return np.flatnonzero(self.first_type == kind)

    # ---- encoding ------------------------------------------------------------------------------

    def encode(
        self,
        notes: Sequence[Note],
        tempo_bpm: float,
        time_signature: tuple[int, int] = (4, 4),
        bar_origin: float | None = None,
    ) -> list[int]:
        """Token ids of a seed phrase: BOS, then miditok's encoding of one track at ``tempo_bpm`` in
        ``time_signature``, its bars counted from :func:`encoding_origin` (see there)."""
        from symusic import Note as SNote
        from symusic import Score, Tempo, TimeSignature, Track

        if not tempo_bpm > 0:
            raise TokenError(f"tempo {tempo_bpm} BPM must be > 0")
        if not notes:
            return [self.bos_id]
        origin = encoding_origin(notes, time_signature, bar_origin)
        score = Score(_TICKS_PER_QUARTER)
        score.tempos.append(Tempo(0, float(tempo_bpm)))
        score.time_signatures.append(TimeSignature(0, int(time_signature[0]), int(time_signature[1])))
        track = Track(program=0)
        for n in sorted(notes, key=lambda n: (n.start, n.pitch)):
            start = round((n.start - origin) * _TICKS_PER_QUARTER)
            duration = max(1, round(n.duration * _TICKS_PER_QUARTER))
            track.notes.append(SNote(start, duration, int(n.pitch), int(n.velocity)))
        score.tracks.append(track)
        seq = self._tokenizer.encode(score)
        if isinstance(seq, list):
            seq = seq[0] if seq else None
        ids = [] if seq is None else [int(i) for i in seq.ids]
        return [self.bos_id, *ids]

    # ---- decoding ------------------------------------------------------------------------------

    def stream_decoder(self, prime: Iterable[int] = ()) -> StreamDecoder:
        """A fresh streaming decoder; ``prime`` (e.g. the seed ids) sets its state and time origin."""
        from bridge.stream_decoder import StreamDecoder

        decoder = StreamDecoder(self)
        decoder.prime(prime)
        return decoder

    def decode(self, ids: Iterable[int]) -> list[Note]:
        """All notes of a whole sequence (the stream decoder run to the end)."""
        from bridge.stream_decoder import StreamDecoder

        decoder = StreamDecoder(self)
        notes: list[Note] = []
        for token_id in ids:
            notes.extend(decoder.feed(token_id))
        return notes

    def events(self, token_id: int) -> tuple[tuple[TokenType, object], ...]:
        """Parsed base tokens of an id: ``(type, value)`` pairs."""
        return self._events[token_id]

    # ---- grammar and constraint masks ----------------------------------------------------------

    def state_after(self, ids: Iterable[int], state: TokenType = TokenType.BOS) -> TokenType:
        """The grammar state after ``ids`` (the type of the last base token)."""
        for token_id in ids:
            state = TokenType(int(self.last_type[token_id]))
        return state

    def allowed_mask(self, state: TokenType | int) -> np.ndarray:
        """Read-only bool mask over the vocabulary: ids that may follow grammar state ``state``."""
        return self._grammar[int(state)]

    def pitch_range_mask(self, low: int, high: int) -> np.ndarray:
        """Ids all of whose pitches lie in ``[low, high]`` (ids without pitches are allowed)."""
        key = ("range", int(low), int(high))
        mask = self._mask_cache.get(key)
        if mask is None:
            mask = (self.pitch_lo >= low) & (self.pitch_hi <= high)
            mask.flags.writeable = False
            self._mask_cache[key] = mask
        return mask

    def scale_mask(self, key: int | str, scale: str) -> np.ndarray:
        """Ids all of whose pitches are in ``scale`` on ``key`` (ids without pitches are allowed)."""
        bits = scale_bits(key, scale)
        cache_key = ("scale", bits)
        mask = self._mask_cache.get(cache_key)
        if mask is None:
            mask = (self.pitch_classes & ~bits & 0xFFF) == 0
            mask.flags.writeable = False
            self._mask_cache[cache_key] = mask
        return mask


def bar_length(time_signature: tuple[int, int]) -> float:
    """Quarter-note beats in one bar of ``time_signature``."""
    num, den = time_signature
    return num * 4.0 / den


def encoding_origin(
    notes: Sequence[Note], time_signature: tuple[int, int] = (4, 4), bar_origin: float | None = None
) -> float:
    """Where a seed's encoding starts (its time 0), in the notes' beats.

    Without ``bar_origin`` the first note is taken as a downbeat (a phrase played live). With it (a
    beat where some bar starts: a file's time-signature origin, a clock's bar), the encoding starts at
    the bar line at or before the first note, so the model sees the seed where it lies in its bars.
    """
    first = min(float(n.start) for n in notes)
    if bar_origin is None:
        return first
    bar = bar_length(time_signature)
    bars = int((first - bar_origin + 1e-6) // bar)
    return bar_origin + bars * bar
