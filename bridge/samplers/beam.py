"""Beam search for the decoder sampler: the beams run as one batch, and the tokens all beams agree on
stream out (or the best beam's first token once it is ``beam_lookahead`` tokens ahead).

Beam search neither heals the seed's end nor mixes in the phrase memory or the bar (they steer sampled
answers); it is the decoder's own most likely continuation, under the onset guard (``bridge.sampling``):
each beam keeps its own onset, so no beam loops on one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bridge.sampling import LogitsProcessor, Onset
from bridge.tokens import TokenType

if TYPE_CHECKING:
    from bridge.samplers.decoder import DecoderSampler


@dataclass
class Beam:
    tokens: list[int]  # not yet emitted
    score: float
    state: TokenType
    recent: tuple[int, ...]
    row: int  # row of this beam's keys/values in the current batch
    onset: Onset = Onset()  # the notes started since time last moved (the onset guard)


def beam_search(
    sampler: DecoderSampler,
    seed: list[int],
    processor: LogitsProcessor,
    state: TokenType,
    recent: tuple[int, ...],
    should_stop: Callable[[], bool],
) -> Iterator[int]:
    """Token ids of the best beam, streamed as they settle (see the module's docstring)."""
    from bridge.seed_walk import common_prefix

    params = processor.params
    width, lookahead, window = params.beam_width, params.beam_lookahead, params.repetition_window
    scheme, eos = sampler.scheme, sampler.scheme.eos_id
    if should_stop():
        return
    base = sampler._prefill(sampler.window(seed))
    history = list(base.ids)  # emitted context shared by all beams
    past, logits, length = base.past, base.logits[None, :], len(base.ids)
    beams = [Beam([], 0.0, state, recent, 0, processor.onset_of(history[-64:]))]
    while True:
        candidates: list[tuple[float, int, int]] = []
        for beam in beams:
            lp = processor.log_probs(logits[beam.row], beam.state, beam.recent, beam.onset)
            finite = int(np.isfinite(lp).sum())
            k = min(width, finite)
            if k == 0:
                continue
            for token in np.argpartition(-lp, k - 1)[:k]:
                candidates.append((beam.score + float(lp[token]), beam.row, int(token)))
        if not candidates:
            return
        candidates.sort(key=lambda c: -c[0])
        by_row = {b.row: b for b in beams}
        if candidates[0][2] == eos:
            for token in [*by_row[candidates[0][1]].tokens, eos]:
                if should_stop():
                    return
                yield token
            return
        chosen = [c for c in candidates if c[2] != eos][:width]
        new_beams = []
        for score, row, token in chosen:
            parent = by_row[row]
            pitches = scheme.pitches[token]
            new_recent = (parent.recent + pitches)[-window:] if window else ()
            new_state = TokenType(int(scheme.last_type[token]))
            new_beams.append(Beam([*parent.tokens, token], score, new_state, new_recent, row,
                                  processor.onset_after(parent.onset, token)))
        # stream what is settled: the prefix all beams share, else the best beam's first token
        emit = new_beams[0].tokens[: min(common_prefix(new_beams[0].tokens, b.tokens) for b in new_beams)]
        if not emit and len(new_beams[0].tokens) >= lookahead:
            first = new_beams[0].tokens[0]
            new_beams = [b for b in new_beams if b.tokens[0] == first]
            emit = [first]
        for token in emit:
            if should_stop():
                return
            yield token
        if emit:
            history.extend(emit)
            for beam in new_beams:
                del beam.tokens[: len(emit)]
        if should_stop():
            return
        last = np.array([[b.tokens[-1] if b.tokens else history[-1]] for b in new_beams], dtype=np.int64)
        if length + 1 > sampler.context_length:
            keep = max(1, sampler.context_length // 2)
            rows = np.array([(history + b.tokens)[-keep:] for b in new_beams], dtype=np.int64)
            out, past = sampler._run(rows, sampler._empty_past(len(new_beams)))
            length = rows.shape[1]
            del history[: max(0, len(history) - sampler.context_length)]
        else:
            index = [b.row for b in new_beams]
            if index != list(range(past[0].shape[0])):
                past = [p[index] for p in past]
            out, past = sampler._run(last, past)
            length += 1
        logits = out[:, -1]
        for row, beam in enumerate(new_beams):
            beam.row = row
        beams = new_beams
