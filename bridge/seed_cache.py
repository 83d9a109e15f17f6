"""Seed token ids for a phrase that grows note by note, without re-tokenizing all of it each time.

miditok tokenizes a whole score (a few ms for 64 notes); a performer's phrase grows at its end, and the
bar-split BPE encodes each bar on its own, so only the last bars' ids change when notes are added.
:class:`SeedEncoder` keeps the last encoding with the bar of every id, re-encodes only a tail of the
phrase (from a note that starts clean: nothing before it still sounds) and splices the ids of the bars
that tail covers onto the unchanged ones. Whenever that shortcut's conditions do not hold (another
tempo, meter or origin, notes changed before the tail, no clean start), it encodes the whole phrase.
The result is the same list of ids ``TokenScheme.encode`` gives, which the tests check.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bridge.notes import Note

log = logging.getLogger(__name__)

MARGIN = 0.25  # beats: quantization slack when deciding which notes a tail needs


@dataclass(frozen=True, slots=True)
class _Walk:
    """What the tokens say about an encoding, on the tokenizer's own (quantized) grid, in quarter beats
    from its origin: the bar of each id, and per note its onset and the latest end of the notes before."""

    bars: list[int]
    onsets: list[float]
    ends_before: list[float]


@dataclass(slots=True)
class _Encoded:
    scheme: Any
    key: tuple[Any, ...]
    notes: tuple[Note, ...]  # sorted as encode sorts them
    ids: list[int]
    walk: _Walk | None  # None: no splicing from this one


class SeedEncoder:
    """``encode(scheme, notes, tempo, meter, bar_origin)`` like ``scheme.encode``, incrementally."""

    def __init__(self, splice: bool = True) -> None:
        self.splice = splice
        self.full = 0  # whole-phrase encodings
        self.spliced = 0  # tail encodings
        self._last: _Encoded | None = None

    def encode(self, scheme: Any, notes: Sequence[Note], tempo_bpm: float, meter: tuple[int, int] = (4, 4),
               bar_origin: float | None = None) -> list[int]:
        ordered = tuple(sorted(notes, key=lambda n: (n.start, n.pitch)))
        key = (float(tempo_bpm), tuple(meter), bar_origin)
        last = self._last
        if last is not None and last.scheme is scheme and last.key == key:
            if last.notes == ordered:
                return list(last.ids)
            if self.splice and last.walk is not None:
                ids = self._splice(last, last.walk, ordered)
                if ids is not None:
                    return ids
        ids = scheme.encode(list(ordered), tempo_bpm, meter, bar_origin)
        self.full += 1
        self._last = _Encoded(scheme, key, ordered, ids, _walk(scheme, ids, ordered, meter))
        return list(ids)

    def _splice(self, last: _Encoded, walk: _Walk, notes: tuple[Note, ...]) -> list[int] | None:
        from bridge.tokens import bar_length, encoding_origin

        old = last.notes
        common = 0
        while common < min(len(old), len(notes)) and old[common] == notes[common]:
            common += 1
        if common < 2 or notes[0] != old[0]:
            return None
        tempo, meter, bar_origin = last.key
        bar = bar_length(meter)
        # the first id that can change lies in the bar of the last unchanged note's onset
        changed_bar = math.floor(walk.onsets[common - 1] / bar + 1e-9)
        bar_start = changed_bar * bar
        # a tail from note k gives the same tokens from that bar on when k starts before the bar, starts
        # its onset, and nothing before k still sounds at k's onset (all on the tokenizer's grid)
        k = common - 1
        while k > 0 and not (walk.onsets[k] < bar_start - 1e-9 and walk.onsets[k - 1] < walk.onsets[k]
                             and walk.ends_before[k] <= walk.onsets[k] + 1e-9):
            k -= 1
        if k <= 0:
            return None
        origin = encoding_origin(notes, meter, bar_origin)
        tail = notes[k:]
        tail_ids = last.scheme.encode(list(tail), tempo, meter, origin)
        tail_walk = _walk(last.scheme, tail_ids, tail, meter)
        if tail_walk is None:
            return None
        offset = round((encoding_origin(tail, meter, origin) - origin) / bar)
        head = [(i, b) for i, b in zip(last.ids, walk.bars, strict=True) if b < changed_bar]
        kept = [(i, b + offset) for i, b in zip(tail_ids, tail_walk.bars, strict=True)
                if b + offset >= changed_bar]
        ids = [i for i, _ in head] + [i for i, _ in kept]
        full_walk = _walk(last.scheme, ids, notes, meter)
        self.spliced += 1
        self._last = _Encoded(last.scheme, last.key, notes, ids, full_walk)
        return list(ids)


def _walk(scheme: Any, ids: list[int], notes: Sequence[Note], meter: tuple[int, int]) -> _Walk | None:
    """Follow the tokens as miditok's TSD wrote them (a Rest starts where the sounding notes end);
    None when the scheme has no parsed events or some note did not make it into the tokens (out of the
    tokenizer's pitch range, a duplicate), so tokens and notes cannot be matched."""
    from bridge.tokens import TokenType, bar_length

    events_of = getattr(scheme, "events", None)
    if events_of is None:
        return None
    bar = bar_length(meter)
    time = 0.0  # quarter beats from the origin
    prev_end = 0.0
    per_beat = 1.0
    bars: list[int] = []
    onsets: list[float] = []
    ends_before: list[float] = []
    for token_id in ids:
        events = events_of(token_id)
        first = events[0][0] if events else None
        start = max(prev_end, time) if first is TokenType.REST else time
        bars.append(math.floor(start / bar + 1e-9))
        for kind, value in events:
            if kind is TokenType.TIMESHIFT:
                time += float(value) * per_beat
            elif kind is TokenType.REST:
                time = max(prev_end, time) + float(value) * per_beat
            elif kind is TokenType.PITCH:
                onsets.append(time)
                ends_before.append(prev_end)
            elif kind is TokenType.DURATION:
                prev_end = max(prev_end, time + float(value) * per_beat)
            elif kind is TokenType.TIMESIG:
                per_beat = 4.0 / value[1]
    if len(onsets) != len(notes):
        return None
    return _Walk(bars, onsets, ends_before)
