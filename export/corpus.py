"""Build a MIDI corpus from music21's bundled corpus (and any folder of .mid files).

ABC collections are converted by the ``abc2midi`` binary that symusic ships (about a second for all
of them); everything else (Humdrum, MusicXML) is parsed by music21 in a process pool. Each piece is
recorded in ``index.json`` with its collection and composer, and given a deterministic split by piece:
``train`` / ``validation`` / ``test`` for the decoder, or ``style_train`` / ``style_test`` for the
held-out style family (fiddle and dance tunes), which the decoder never sees.

Run ``python -m export.corpus --out data/corpus``; a second run only converts what is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import multiprocessing as mp
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

INDEX_VERSION = 1
#: Collections kept entirely out of the decoder's training: the "unseen style" of the graph sampler.
HELD_OUT_STYLE = ("oneills1850", "ryansMammoth", "airdsAirs", "nottingham-dataset")
HELD_OUT_STYLE_NAME = "fiddle"
#: Collections kept out of training and out of every shipped style: split "reserved".
RESERVED = ("trecento",)
SCORE_SUFFIXES = (".krn", ".mxl", ".xml", ".musicxml")
SKIP_DIRS = ("_metadataCache", "__pycache__", "demos", "theoryExercises", "leadSheet")


@dataclass
class Piece:
    """One converted piece of the corpus."""

    id: str  # relative MIDI path, also the split key
    collection: str
    composer: str
    source: str
    split: str
    notes: int = 0


def split_for(piece_id: str, collection: str) -> str:
    """Deterministic split by piece: 90/5/5, or the style family's 90/10; reserved collections apart."""
    if collection in RESERVED:
        return "reserved"
    bucket = int(hashlib.sha1(piece_id.encode()).hexdigest()[:8], 16) % 100
    if collection in HELD_OUT_STYLE:
        return "style_train" if bucket < 90 else "style_test"
    if bucket < 90:
        return "train"
    return "validation" if bucket < 95 else "test"


def music21_corpus_dir() -> Path:
    import music21

    return Path(music21.__file__).parent / "corpus"


def abc2midi_binary() -> Path:
    import symusic

    path = Path(symusic.__file__).parent / "bin" / "abc2midi"
    if not path.exists():
        raise FileNotFoundError(f"abc2midi not found in symusic ({path}); pip install symusic")
    return path


def count_notes(midi_path: Path) -> int:
    from symusic import Score

    score = Score(str(midi_path))
    return sum(len(t.notes) for t in score.tracks)


def convert_abc_file(abc: Path, out_dir: Path, binary: Path) -> list[Path]:
    """Convert every tune of one ABC file; abc2midi writes next to its input, so work in a temp dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / abc.name
        shutil.copy(abc, local)
        subprocess.run(
            [str(binary), local.name, "-silent", "-NGUI", "-NCOM"],
            cwd=tmp,
            capture_output=True,
            timeout=120,
            check=False,
        )
        written = []
        for mid in sorted(Path(tmp).glob("*.mid")):
            target = out_dir / mid.name
            shutil.move(str(mid), target)
            written.append(target)
    return written


def _convert_score(job: tuple[str, str]) -> tuple[str, str | None]:
    """Worker: parse one score with music21 and write it as MIDI. Returns (source, error)."""
    source, target = job
    try:
        import music21

        score = music21.converter.parse(source)
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        score.write("midi", fp=target)
        return source, None
    except Exception as exc:  # noqa: BLE001 - one bad score must not stop the corpus
        return source, f"{type(exc).__name__}: {exc}"


def _progress(items: Iterable, total: int, desc: str):
    try:
        from tqdm import tqdm

        return tqdm(items, total=total, desc=desc, unit="file")
    except ImportError:  # tqdm is in the export extra; stay usable without it
        return items


def build_corpus(
    out: Path,
    extra_dirs: Iterable[Path] = (),
    workers: int = 2,
    max_score_kb: int = 0,
    include_reserved: bool = False,
) -> list[Piece]:
    """Convert what is missing under ``out/midi`` and (re)write ``out/index.json``.

    ``max_score_kb`` > 0 skips score files larger than that (the long quartets take minutes each). The
    reserved collections (``RESERVED``) are converted only with ``include_reserved``: nothing trains on them.
    """
    root = music21_corpus_dir()
    midi_root = out / "midi"
    binary = abc2midi_binary()
    skip = SKIP_DIRS if include_reserved else (*SKIP_DIRS, *RESERVED)
    collections = sorted(p for p in root.iterdir() if p.is_dir() and p.name not in skip)

    abc_files = [f for c in collections for f in sorted(c.rglob("*.abc"))]
    done_marker = out / "abc.done"
    if not done_marker.exists():
        for abc in _progress(abc_files, len(abc_files), "abc2midi"):
            collection = abc.relative_to(root).parts[0]
            convert_abc_file(abc, midi_root / collection, binary)
        done_marker.write_text("ok\n")

    score_jobs = []
    for c in collections:
        for f in sorted(c.rglob("*")):
            if f.suffix.lower() in SCORE_SUFFIXES:
                target = (
                    midi_root
                    / c.name
                    / (f.relative_to(c).with_suffix("").as_posix().replace("/", "_") + ".mid")
                )
                too_big = max_score_kb > 0 and f.stat().st_size > max_score_kb * 1024
                if not too_big and not target.exists() and not target.with_suffix(".failed").exists():
                    score_jobs.append((str(f), str(target)))
    # small scores first: the many short pieces are ready early, the few long quartets come last
    score_jobs.sort(key=lambda job: Path(job[0]).stat().st_size)
    if score_jobs:
        with mp.Pool(workers, maxtasksperchild=20) as pool:
            results = pool.imap_unordered(_convert_score, score_jobs)
            for source, error in _progress(results, len(score_jobs), "music21"):
                if error:
                    log.warning("skipped %s: %s", source, error)
                    target = next(t for s, t in score_jobs if s == source)
                    Path(target).with_suffix(".failed").parent.mkdir(parents=True, exist_ok=True)
                    Path(target).with_suffix(".failed").write_text(error)

    for extra in extra_dirs:
        name = "extra_" + Path(extra).name
        for mid in sorted(Path(extra).rglob("*.mid")) + sorted(Path(extra).rglob("*.midi")):
            target = midi_root / name / mid.relative_to(extra).as_posix().replace("/", "_")
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(mid, target)

    return write_index(out)


def write_index(out: Path) -> list[Piece]:
    """Scan ``out/midi`` and write ``out/index.json`` (cached note counts are reused)."""
    index_path = out / "index.json"
    cached = {}
    if index_path.exists():
        cached = {p["id"]: p for p in json.loads(index_path.read_text())["pieces"]}
    pieces = []
    files = sorted((out / "midi").rglob("*.mid"))
    for mid in _progress(files, len(files), "index"):
        piece_id = mid.relative_to(out / "midi").as_posix()
        collection = piece_id.split("/")[0]
        if piece_id in cached:
            pieces.append(Piece(**{**cached[piece_id], "split": split_for(piece_id, collection)}))
            continue
        try:
            notes = count_notes(mid)
        except Exception as exc:  # noqa: BLE001
            log.warning("unreadable MIDI %s: %s", mid, exc)
            continue
        if notes == 0:
            continue
        pieces.append(
            Piece(
                id=piece_id,
                collection=collection,
                composer=collection,
                source=piece_id,
                split=split_for(piece_id, collection),
                notes=notes,
            )
        )
    index = {
        "version": INDEX_VERSION,
        "held_out_style": {HELD_OUT_STYLE_NAME: list(HELD_OUT_STYLE)},
        "reserved": list(RESERVED),
        "pieces": [asdict(p) for p in pieces],
    }
    index_path.write_text(json.dumps(index, indent=1))
    return pieces


def load_index(out: Path) -> list[Piece]:
    return [Piece(**p) for p in json.loads((out / "index.json").read_text())["pieces"]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data/corpus"))
    parser.add_argument("--extra", type=Path, action="append", default=[], help="a folder of .mid files")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-score-kb", type=int, default=0, help="skip larger score files (0: none)")
    parser.add_argument("--index-only", action="store_true", help="only rescan what is converted")
    parser.add_argument("--include-reserved", action="store_true",
                        help=f"also convert the reserved collections ({', '.join(RESERVED)})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if args.index_only:
        pieces = write_index(args.out)
    else:
        pieces = build_corpus(args.out, args.extra, args.workers, args.max_score_kb, args.include_reserved)
    by_split: dict[str, list[int]] = {}
    for p in pieces:
        by_split.setdefault(p.split, [0, 0])
        by_split[p.split][0] += 1
        by_split[p.split][1] += p.notes
    for split, (n, notes) in sorted(by_split.items()):
        log.info("%-12s %6d pieces %9d notes", split, n, notes)


if __name__ == "__main__":
    main()
