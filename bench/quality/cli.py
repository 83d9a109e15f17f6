"""The command line of ``python -m bench.quality`` (segue's continuations vs the real next notes of
held-out music); ``export.evaluate_style`` reuses its flags.

    python -m bench.quality [--sets fiddle,test] [--pieces 100] [--windows 2] [--samplers decoder]
                            [--weights 0.25,0.5] [--style fiddle] [--model default] [--models DIR]
                            [--precision auto] [--temperature T] [--seed 0] [--bootstrap 2000]
                            [--rolls 6] [--out runs/quality] [--quick]
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import shutil
import sys
from pathlib import Path

from bench.quality.settings import SETS, Settings

DESCRIPTION = ("How close segue's continuations come to the real next notes of held-out music, "
               "next to baselines.")


def _floats(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(w) for w in text.split(",") if w.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of numbers") from None


def _param(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE (e.g. top_p=0.95)")
    return name.strip(), value.strip()


def _names(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(",") if w.strip())


def add_arguments(parser: argparse.ArgumentParser, defaults: Settings, sets: bool = True) -> None:
    """The protocol's flags (shared with ``export.evaluate_style``), their defaults from ``defaults``."""
    d = defaults
    if sets:
        parser.add_argument("--sets", type=_names, default=",".join(d.sets),
                            help=f"evaluation sets, comma-separated ({', '.join(SETS)}; default %(default)s)")
    parser.add_argument("--corpus", type=Path, default=d.corpus, help="folder with index.json, midi/")
    parser.add_argument("--pieces", type=int, default=d.pieces, help="usable pieces per set")
    parser.add_argument("--windows", type=int, default=d.windows, help="windows per piece at most")
    parser.add_argument("--samplers", type=_names, default=",".join(d.samplers),
                        help="segue samplers, comma-separated: decoder, blend, graph (default %(default)s)")
    parser.add_argument("--weights", type=_floats, default=",".join(f"{w:g}" for w in d.blend_weights),
                        help="blend weights, one blend row each (e.g. 0.25,0.5,1)"
                        + ("; default %(default)s" if d.blend_weights else ""))
    parser.add_argument("--memory-weights", type=_floats,
                        default=",".join(f"{w:g}" for w in d.memory_weights),
                        help="phrase-memory weights, one 'decoder memory W' row each (e.g. 0.5,1)")
    parser.add_argument("--style", default=d.style, help="style of graph and blend")
    parser.add_argument("--model", default=d.model, help="model name (default: the manifest's default)")
    parser.add_argument("--models", type=Path, action="append", default=list(d.models),
                        help="a models folder searched before the shipped one (repeatable)")
    parser.add_argument("--precision", choices=("auto", "fp32", "int8"), default=d.precision)
    parser.add_argument("--temperature", type=float, default=d.temperature)
    parser.add_argument("--param", dest="params", type=_param, action="append", default=list(d.params),
                        metavar="NAME=VALUE", help="any registry parameter for segue's rows (repeatable), "
                        "e.g. --param top_p=0.95")
    parser.add_argument("--vary", dest="variants", type=_param, action="append", default=list(d.variants),
                        metavar="NAME=V1,V2", help="one 'decoder NAME=V' row per value of a registry "
                        "parameter, beside the decoder row (repeatable), e.g. --vary groove=0")
    parser.add_argument("--seed-notes", type=int, default=d.seed_notes)
    parser.add_argument("--notes", "--cont-notes", dest="cont_notes", type=int, default=d.cont_notes,
                        help="real and continued notes per window (default %(default)s)")
    parser.add_argument("--seed", type=int, default=d.seed, help="seeds sample, answers, bootstrap")
    parser.add_argument("--bootstrap", type=int, default=d.bootstrap, help="bootstrap resamples")
    parser.add_argument("--rolls", type=int, default=d.rolls, help="piano-roll PNGs per set")
    parser.add_argument("--out", type=Path, default=d.out, help="output folder (default %(default)s)")
    parser.add_argument("--nll", action="store_true",
                        help="also the likelihood table: decoder vs a Kneser-Ney 5-gram on held-out tokens")
    parser.add_argument("--tokens", type=Path, default=d.tokens, help="export.dataset's token folder")
    parser.add_argument("--quick", action="store_true", help="smoke run: 10 pieces per set, 1 window each")
    parser.add_argument("--verbose", action="store_true", help="log every step")


def settings_from(args: argparse.Namespace, defaults: Settings) -> Settings:
    """The run's settings: ``defaults`` with the flags given."""
    settings = dataclasses.replace(
        defaults,
        sets=getattr(args, "sets", defaults.sets), corpus=args.corpus, pieces=args.pieces,
        windows=args.windows,
        samplers=args.samplers, blend_weights=args.weights, memory_weights=args.memory_weights,
        style=args.style, model=args.model,
        models=tuple(args.models), precision=args.precision, temperature=args.temperature,
        params=tuple(args.params), variants=tuple(args.variants),
        seed_notes=args.seed_notes, cont_notes=args.cont_notes, seed=args.seed, bootstrap=args.bootstrap,
        rolls=args.rolls, out=args.out, nll=getattr(args, "nll", False),
        tokens=getattr(args, "tokens", defaults.tokens),
    )
    return settings.quick() if args.quick else settings


def execute(settings: Settings, verbose: bool = False, json_copy: Path | None = None) -> int:
    """Run the benchmark, write its outputs (and a copy of the JSON at ``json_copy``), print the tables;
    the exit status."""
    from bench.quality.report import write_outputs
    from bench.quality.run import run
    from bridge.daemon import DaemonError

    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(levelname)s %(message)s")
    if not (Path(settings.corpus) / "index.json").is_file():
        print(f"no corpus index at {Path(settings.corpus) / 'index.json'}: build it with "
              f"`python -m export.corpus --out {settings.corpus}`", file=sys.stderr)
        return 2
    try:
        result = run(settings)
    except (ValueError, DaemonError) as exc:
        print(f"bench.quality: {exc}", file=sys.stderr)
        return 2
    written = write_outputs(result, Path(settings.out))
    if json_copy is not None:
        shutil.copyfile(Path(settings.out) / "quality.json", json_copy)
    print(written["markdown"])
    if settings.nll:
        print(likelihood(settings))
    print(f"\nwrote {settings.out}/quality.md, quality.json and {len(written['rolls'])} piano rolls "
          f"({result.elapsed_s:.0f} s)")
    return 0


def likelihood(settings: Settings) -> str:
    """The likelihood table, written to ``nll.md`` and ``nll.json`` in the output folder."""
    import json

    from bench.quality.nll import fit_gap, nll_markdown, nll_table

    if not (Path(settings.tokens) / "train.npy").is_file():
        return (f"no token arrays at {settings.tokens}: build them with `python -m export.dataset --out "
                f"{settings.tokens}` for the likelihood table")
    rows = nll_table(Path(settings.tokens), settings.model, tuple(settings.models), settings.seed,
                     settings.bootstrap)
    gap = fit_gap(Path(settings.tokens), settings.model, tuple(settings.models))
    text = nll_markdown(rows) + (
        f"\nTraining vs validation, collections matched (`export.fit_gap`: each collection's validation "
        f"pieces against a sample of its training pieces in their original key): validation "
        f"{gap['validation_nll']:.3f}, training {gap['training_nll']:.3f}, gap {gap['gap']:+.3f} "
        f"[{gap['gap_95'][0]:+.3f}, {gap['gap_95'][1]:+.3f}] nats/token.\n")
    out = Path(settings.out)
    (out / "nll.md").write_text(text)
    (out / "nll.json").write_text(json.dumps({"sets": [r.as_json() for r in rows], "fit": gap}, indent=1)
                                  + "\n")
    return text


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.quality``: parse the flags, run, print; the exit status."""
    defaults = Settings()
    parser = argparse.ArgumentParser(prog="python -m bench.quality", description=DESCRIPTION)
    add_arguments(parser, defaults)
    args = parser.parse_args(argv)
    try:
        settings = settings_from(args, defaults)
    except ValueError as exc:
        parser.error(str(exc))
    return execute(settings, args.verbose)
