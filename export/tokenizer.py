"""The model's tokenizer: miditok TSD with the configuration of the well-known nanoGPT+miditok music LM.

Pitch 21-109, beat resolution {(0,4): 8, (4,12): 4}, 16 velocities, rests, 16 tempos in 40-250 BPM, time
signatures, no programs, no chords (a chord token would hide its notes from the streaming decoder and from
pitch/key masks). All tracks of a piece are merged into one stream, as a performer plays into one port.
BPE is trained on the training split (``python -m export.tokenizer``): measured on this corpus it cuts the
decoder steps per note by about 3x, which is what matters for latency.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
from collections.abc import Sequence
from pathlib import Path

from miditok import TSD, TokenizerConfig, TokTrainingIterator
from symusic import Score

from bridge.tokens import encode_ids, load_merged

log = logging.getLogger(__name__)


def base_config() -> TokenizerConfig:
    return TokenizerConfig(
        pitch_range=(21, 109),
        beat_res={(0, 4): 8, (4, 12): 4},
        num_velocities=16,
        special_tokens=["PAD", "BOS", "EOS", "MASK"],
        use_chords=False,
        use_rests=True,
        use_tempos=True,
        num_tempos=16,
        tempo_range=(40, 250),
        use_time_signatures=True,
        # the meters of music21's corpus and the daemon's ``meter`` parameter (bridge.params.METERS)
        time_signature_range={8: [3, 5, 6, 7, 9, 12], 4: [2, 3, 4, 5, 6, 7], 2: [2, 3]},
        use_programs=False,
        encode_ids_split="bar",
    )


def base_tokenizer() -> TSD:
    return TSD(base_config())


def transpose(score: Score, semitones: int, low: int = 21, high: int = 108) -> Score | None:
    """Transposed copy, or None when a note would leave the tokenizer's pitch range."""
    if semitones == 0:
        return score
    pitches = [n.pitch for t in score.tracks for n in t.notes]
    if not pitches or min(pitches) + semitones < low or max(pitches) + semitones > high:
        return None
    return score.shift_pitch(semitones)


def bar_starts(score: Score) -> list[int]:
    """Tick of every bar line of a tick-time score, following its time signatures (4/4 without one)."""
    tpq = score.ticks_per_quarter
    changes = [(int(ts.time), int(ts.numerator), int(ts.denominator)) for ts in score.time_signatures]
    if not changes or changes[0][0] > 0:
        changes.insert(0, (0, 4, 4))
    end = int(score.end())
    starts: list[int] = []
    for i, (at, num, den) in enumerate(changes):
        until = changes[i + 1][0] if i + 1 < len(changes) else end
        bar = max(1, round(tpq * 4 * num / den))
        starts.extend(range(at, max(at + 1, until), bar))
    return starts


def crop_at_bar(score: Score, rng: random.Random, latest: float = 0.67) -> Score:
    """The piece from a random bar line in its first ``latest`` part on, moved to start at 0 with the
    tempo and time signature in force there: training examples that start mid-piece the way a seed
    from the middle of a tune does."""
    bars = bar_starts(score)
    candidates = bars[1 : max(2, int(len(bars) * latest))]
    if not candidates:
        return score
    start = rng.choice(candidates)
    return score.clip(start, score.end() + 1, clip_end=False).shift_time(-start)


def jitter_velocity(score: Score, amount: int, rng: random.Random) -> Score:
    """Copy with every note's velocity moved by the same random offset in [-amount, amount]."""
    offset = rng.randint(-amount, amount)
    if offset == 0:
        return score
    out = score.copy()
    for track in out.tracks:
        for note in track.notes:
            note.velocity = max(1, min(127, note.velocity + offset))
    return out


class MergedTracksIterator(TokTrainingIterator):
    """miditok's BPE training iterator, reading each file as one merged track like the model does."""

    def load_file(self, path: Path) -> list[str]:
        score = self.tokenizer.preprocess_score(load_merged(path))
        tokseq = self.tokenizer(score, encode_ids=False, no_preprocess_score=True)
        seqs = tokseq if isinstance(tokseq, list) else [tokseq]
        chunks = [c for seq in seqs for c in seq.split_per_bars() if len(c) > 0]
        out = self.tokenizer._ids_to_bytes([c.ids for c in chunks], as_one_str=True)
        return [out] if isinstance(out, str) else out


def train_bpe(files: Sequence[Path], vocab_size: int) -> TSD:
    """A TSD tokenizer with BPE learned on ``files`` (merges never cross a bar line)."""
    tokenizer = base_tokenizer()
    tokenizer.train(vocab_size=vocab_size, model="BPE", iterator=MergedTracksIterator(tokenizer, list(files)))
    return tokenizer


def tokens_per_note(tokenizer: TSD, files: Sequence[Path]) -> float:
    tokens = notes = 0
    for f in files:
        score = load_merged(f)
        tokens += len(encode_ids(tokenizer, score))
        notes += sum(len(t.notes) for t in score.tracks)
    return tokens / max(notes, 1)


def main(argv: list[str] | None = None) -> None:
    from export.corpus import load_index

    parser = argparse.ArgumentParser(description="Train the BPE tokenizer on the training split.")
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"))
    parser.add_argument("--out", type=Path, default=Path("models/default"))
    parser.add_argument("--vocab-size", type=int, default=1000)
    parser.add_argument("--train-files", type=int, default=1500, help="pieces sampled for BPE training")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    pieces = [p for p in load_index(args.corpus) if p.split == "train"]
    rng = random.Random(0)
    rng.shuffle(pieces)
    files = [args.corpus / "midi" / p.id for p in pieces[: args.train_files]]
    probe = [args.corpus / "midi" / p.id for p in pieces[-200:]]
    base = base_tokenizer()
    tokenizer = train_bpe(files, args.vocab_size)
    base_tpn, bpe_tpn = tokens_per_note(base, probe), tokens_per_note(tokenizer, probe)
    log.info("tokens per note on 200 held pieces: base %.2f, BPE-%d %.2f", base_tpn, args.vocab_size, bpe_tpn)
    args.out.mkdir(parents=True, exist_ok=True)
    tokenizer.save(args.out)
    (args.out / "tokenizer_stats.json").write_text(json.dumps(
        {"base_vocab": len(base), "vocab_size": len(tokenizer), "tokens_per_note_base": round(base_tpn, 3),
         "tokens_per_note_bpe": round(bpe_tpn, 3), "bpe_train_pieces": len(files)}, indent=1))


if __name__ == "__main__":
    main()
