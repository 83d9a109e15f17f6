"""The seed's feel carried into the answer: a groove template taken from where the seed's onsets really
lie, applied to the notes the model places on its grid.

The token grid has no triplets (an eighth of a beat at its finest), so a swung seed (a hornpipe's
2/3 + 1/3 eighths, a performer's laid-back off-beats) is heard by the model quantised, and answered
straight. :func:`groove_of` compares the seed's onsets with the same onsets as the tokenizer placed
them (the seed's ids as the stream decoder primes on them) and keeps, for each place in the meter's
beat that the seed played (``MIN_HITS`` times at least), the median offset: a triplet the seed played
once is answered as a triplet, not on the straight grid (1 chosen against 2 and 3 on the quality
benchmark's fiddle_fit split). :meth:`Groove.apply` moves an answer's note by the offset of its place,
start and end, as a groove template in a DAW does. A straight seed gives offsets near zero; a place
the seed never played keeps the grid.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import median

from bridge.notes import Note

TICKS = 96  # places in a quarter-note beat are keyed in these (exact for any TSD grid: 1/8, 1/16, 1/12)
MIN_HITS = 1  # a place the seed played fewer times keeps the grid
MATCH_BEATS = 0.1  # a seed onset further than this from every encoded onset was not encoded there
SHORTEST_SHARE = 0.5  # a grooved note keeps at least this share of its grid duration


def meter_beat(meter: tuple[int, int]) -> float:
    """Quarter-note beats in the meter's felt beat: a dotted quarter in 6/8, 9/8 and 12/8, else the
    denominator's note (a quarter in x/4, a half in x/2, an eighth in 3/8)."""
    num, den = meter
    if den == 8 and num % 3 == 0 and num > 3:
        return 1.5
    return 4.0 / den


@dataclass(frozen=True)
class Groove:
    """Beats to add to a note at each place (``TICKS`` per quarter) in a beat of ``period`` quarters."""

    period: float = 1.0
    offsets: dict[int, float] = field(default_factory=dict)

    @property
    def straight(self) -> bool:
        """True when it moves nothing."""
        return not any(self.offsets.values())

    def offset_at(self, beats: float) -> float:
        """The offset of a grid time (beats from a bar line)."""
        place = round(beats * TICKS) % round(self.period * TICKS)
        return self.offsets.get(place, 0.0)

    def apply(self, note: Note, origin: float = 0.0) -> Note:
        """``note`` moved by its start's and its end's offsets; its times are beats from ``-origin`` (the
        model's bar line)."""
        if not self.offsets:
            return note
        start = note.start + self.offset_at(origin + note.start)
        end = note.end + self.offset_at(origin + note.end)
        duration = max(end - start, SHORTEST_SHARE * note.duration)
        return dataclasses.replace(note, start=start, duration=duration)

    def scaled(self, amount: float) -> Groove:
        """The same template ``amount`` strong (0: straight, 1: the seed's)."""
        return Groove(self.period, {k: v * amount for k, v in self.offsets.items() if v * amount})


STRAIGHT = Groove()


def groove_of(seed: Sequence[Note], encoded_onsets: Iterable[float], meter: tuple[int, int],
              encoding_start: float) -> Groove:
    """The groove of ``seed`` (beats on the seed's time line) against ``encoded_onsets`` (its onsets as
    the tokenizer placed them: beats from the model's first bar line, which lies at ``encoding_start``
    on the seed's time line)."""
    grid = sorted({round(t * TICKS) for t in encoded_onsets})  # in TICKS
    if not grid or not seed:
        return STRAIGHT
    period = round(meter_beat(meter) * TICKS)
    last = len(grid) - 1
    by_place: dict[int, list[float]] = {}
    for onset in sorted({(float(n.start) - encoding_start) * TICKS for n in seed}):
        i = min(bisect.bisect_left(grid, onset), last)
        near = grid[i - 1] if i and onset - grid[i - 1] < grid[i] - onset else grid[i]
        if abs(onset - near) <= MATCH_BEATS * TICKS:
            by_place.setdefault(near % period, []).append((onset - near) / TICKS)
    offsets = {place: median(d) for place, d in by_place.items() if len(d) >= MIN_HITS}
    return Groove(period / TICKS, {k: v for k, v in offsets.items() if v})
