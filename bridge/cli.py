"""The ``segue`` command: ``serve`` (the daemon), ``continue`` (offline), ``ports`` and ``params``.

User errors print one message that says how to fix it and exit non-zero, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bridge import preview
from bridge.offline import read_seed, write_notes
from bridge.params import ParamError, ParamStore

log = logging.getLogger("segue")

EXIT_USAGE = 2
EXIT_FAILURE = 1


class UserError(Exception):
    """A problem the user can fix; the message says how."""


# ---------------------------------------------------------------- argument structure


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; registry parameters become flags of ``serve`` and ``continue``."""
    parser = argparse.ArgumentParser(
        prog="segue",
        description="Real-time music continuation: play a phrase in, hear it continued.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv: debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser(
        "serve",
        help="run the daemon: OSC server + virtual MIDI ports, continuations streamed in time",
        description="Run the daemon. Settings come from defaults, then --config FILE, then flags.",
    )
    net = serve.add_argument_group("network")
    net.add_argument("--host", help="address the OSC server binds (default 127.0.0.1)")
    net.add_argument("--port", type=_port, help="OSC server UDP port (default 9000)")
    net.add_argument("--reply-host", help="where replies and notes go (default 127.0.0.1)")
    net.add_argument("--reply-port", type=_port, help="UDP port replies go to (default 9001)")
    net.add_argument(
        "--osc-allow", dest="allow", action="append", metavar="ADDR",
        help="client address allowed to send (repeatable; needed when --host is not a loopback address)",
    )
    midi = serve.add_argument_group("MIDI")
    midi.add_argument(
        "--midi-api", metavar="API",
        help="rtmidi API: coremidi, alsa, jack, windows-mm (default: the platform's own)",
    )
    midi.add_argument("--midi-in", metavar="NAME", help="open an existing input port (name prefix) instead "
                      "of the virtual 'segue in' (Windows: e.g. a loopMIDI port)")
    midi.add_argument("--midi-out", metavar="NAME", help="open an existing output port (name prefix) instead "
                      "of the virtual 'segue out'")
    midi.add_argument("--no-midi", action="store_true", help="run OSC-only")
    midi.add_argument("--restore-connections", action="store_true", default=None,
                      help="remember who is connected to segue's JACK ports and connect them again after a "
                      "restart or when the JACK server comes back")
    serve.add_argument("--state-dir", metavar="DIR", help="folder for the note journal and the remembered "
                       "connections (default: the user's state folder, e.g. ~/.local/state/segue)")
    serve.add_argument("--view", action="store_true", default=None, help="serve a web page that shows what "
                       "segue plays and controls it, at http://HOST:VIEW_PORT/ (pip install 'segue[view]')")
    serve.add_argument("--view-port", type=_port, help="TCP port of the web page (default 9080)")
    serve.add_argument("--no-speculation", action="store_true",
                       help="do not sample the answer's first notes while the performer plays "
                       "(for comparisons)")
    _add_model_args(serve)
    styles = serve.add_argument_group("style learning (/segue/style/learn FOLDER)")
    styles.add_argument("--style-root", dest="style_roots", action="append", metavar="DIR",
                        help="a folder whose MIDI folders may be learned (repeatable; the user's data folder "
                        "for styles always is)")
    styles.add_argument("--learn-seconds", type=float, metavar="S",
                        help="time budget of one folder's learning (default 120)")
    styles.add_argument("--learn-memory-mb", type=int, metavar="MB",
                        help="memory budget of one folder's learning (default 2048)")
    serve.add_argument("--save-config", metavar="FILE", help="write the effective settings to FILE and exit")
    ParamStore().add_arguments(serve.add_argument_group("parameters (also /segue/set name value)"))

    cont = sub.add_parser(
        "continue",
        help="continue a MIDI file offline (same samplers and parameters as the daemon)",
        description="Continue the notes of SEED (a MIDI file) and write seed + continuation to OUT.",
    )
    cont.add_argument("seed", metavar="SEED.mid", help="the seed phrase, a standard MIDI file")
    cont.add_argument("-o", "--output", required=True, metavar="OUT.mid", help="MIDI file to write")
    cont.add_argument("--only", action="store_true", help="write the continuation alone, without the seed")
    preview.add_arguments(cont)
    _add_model_args(cont)
    ParamStore().add_arguments(cont.add_argument_group("parameters"))

    ports = sub.add_parser("ports", help="list MIDI input and output ports, per rtmidi API")
    ports.add_argument("--midi-api", metavar="API", help="only this API")

    params = sub.add_parser("params", help="print the OSC address space and every parameter")
    params.add_argument("--json", action="store_true", help="machine-readable output")

    learn = sub.add_parser(
        "learn-style",
        help="learn a style from a folder of MIDI files into the user's data folder (needs the export extra)",
        description="Tokenize FOLDER with the model's tokenizer, build the style graph, train its graph "
        "network (held-out edge AUC per variant) and write styles/NAME with its manifest entry into the "
        "user's data folder (or --out DIR). The daemon plays it with /segue/style NAME.",
    )
    learn.add_argument("folder", metavar="FOLDER", help="folder of .mid/.midi files (searched recursively)")
    learn.add_argument("--name", required=True, help="style name (letters, digits, '.', '_', '-')")
    learn.add_argument("--models", action="append", metavar="DIR",
                       help="a models folder searched for the decoder before the user's and the shipped one "
                       "(repeatable)")
    learn.add_argument("--out", metavar="DIR", help="models folder the style is written to (default: the "
                       "user's data folder, e.g. ~/.local/share/segue; $SEGUE_DATA overrides it)")
    learn.add_argument("--model", default="default", metavar="NAME",
                       help="decoder whose tokenizer and embeddings are used")
    learn.add_argument("--limit", type=int, default=0, help="use the first N files only")
    learn.add_argument("--epochs", type=int, default=300, help="graph network training epochs")
    learn.add_argument("--description", default="", help="where the pieces come from (for the style card)")
    learn.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _add_model_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("model")
    group.add_argument("--models", action="append", metavar="DIR",
                       help="a models folder searched before the shipped one (repeatable)")
    group.add_argument("--model", metavar="NAME", help="model to play (default: the manifest's default)")
    group.add_argument("--precision", choices=("auto", "fp32", "int8"),
                       help="decoder graph: auto (default: int8 on the CPU where the model ships one, "
                       "measured faster at equal quality; fp32 on a GPU), fp32 or int8")
    group.add_argument("--config", metavar="FILE", help="TOML config file ([serve] and [params] tables)")


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be a number 1-65535, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, got {value}")
    return value


# ---------------------------------------------------------------- commands


def _settings(args: argparse.Namespace) -> tuple[object, ParamStore]:
    """Defaults < config file < flags: the ServeConfig and the parameter store."""
    from bridge.config import ConfigError, ServeConfig, load_config

    store = ParamStore()
    serve = ServeConfig()
    if getattr(args, "config", None):
        try:
            serve = load_config(args.config, store)
        except ConfigError as exc:
            raise UserError(str(exc)) from None
    try:
        store.apply_args(args)
    except ParamError as exc:
        raise UserError(str(exc)) from None
    changes: dict[str, object] = {}
    for flag, name in (("host", "host"), ("port", "port"), ("reply_host", "reply_host"),
                       ("reply_port", "reply_port"), ("midi_api", "midi_api"), ("midi_in", "midi_in"),
                       ("midi_out", "midi_out"), ("model", "model"), ("precision", "precision"),
                       ("learn_seconds", "learn_seconds"), ("learn_memory_mb", "learn_memory_mb"),
                       ("state_dir", "state_dir"), ("restore_connections", "restore_connections"),
                       ("view", "view"), ("view_port", "view_port")):
        value = getattr(args, flag, None)
        if value is not None:
            changes[name] = value
    if getattr(args, "allow", None):
        changes["allow"] = tuple(args.allow)
    if getattr(args, "style_roots", None):
        changes["style_roots"] = tuple(args.style_roots)
    if getattr(args, "models", None):
        changes["models"] = tuple(args.models)
    if getattr(args, "no_midi", False):
        changes["midi"] = False
    try:
        return serve.replace(**changes), store
    except ConfigError as exc:
        raise UserError(str(exc).replace("[serve] ", "--").replace("_", "-")) from None


def cmd_serve(args: argparse.Namespace) -> int:
    from bridge.config import save_config
    from bridge.daemon import Daemon, DaemonError

    serve, store = _settings(args)
    if args.save_config:
        save_config(args.save_config, serve, store)
        print(f"wrote {args.save_config}")
        return 0
    try:
        daemon = Daemon(serve, store, speculate=not getattr(args, "no_speculation", False))
        daemon.install_signal_handlers()  # from here on Ctrl-C / SIGTERM end the daemon cleanly
        daemon.open()
    except DaemonError as exc:
        raise UserError(str(exc)) from None
    try:
        for line in daemon.banner():
            print(line, flush=True)
        daemon.serve_forever(install_signals=False)
    finally:
        daemon.close()
    return 0


def cmd_continue(args: argparse.Namespace) -> int:
    from bridge.daemon import DaemonError, load_model, models_folders, play_config
    from bridge.errors import EngineError
    from bridge.offline import EmptyContinuation, continue_seed, parse_meter, prepare_model, settings_for

    serve, store = _settings(args)
    try:
        preview.check_previews(args)
        seed = read_seed(args.seed)
    except (preview.PreviewError, ValueError) as exc:
        raise UserError(str(exc)) from None
    if not seed.notes:
        raise UserError(f"{args.seed} has no notes to continue; give a MIDI file with a melody in it")
    settings_for(seed, store, tempo_given=getattr(args, "param_tempo", None) is not None,
                 meter_given=getattr(args, "param_meter", None) is not None)
    folders = models_folders(serve.models)
    try:
        model = load_model(serve.model, folders, precision=serve.precision)
        prepare_model(model, store, folders)
    except (DaemonError, ValueError) as exc:
        raise UserError(str(exc)) from None
    cfg = play_config(store)
    try:
        cont = continue_seed(model, seed, store)
    except EmptyContinuation as exc:
        raise UserError(f"no continuation for {args.seed}: {exc}") from None
    except (EngineError, ValueError) as exc:  # unknown sampler, sampling settings the model cannot honour
        raise UserError(str(exc)) from None
    notes = cont if args.only else [*seed.notes, *cont]
    meter = parse_meter(str(store.get("meter")))
    try:
        write_notes(args.output, notes, cfg.tempo_bpm, meter)
    except OSError as exc:
        raise UserError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    about = f"{model.name}, {cfg.sampler}, {cfg.tempo_bpm:g} BPM, {meter[0]}/{meter[1]}"
    print(f"wrote {args.output}: {len(cont)} continuation notes after {len(seed.notes)} seed notes ({about})",
          flush=True)
    try:
        for line in preview.write_previews(args, seed.notes, cont, cfg.tempo_bpm, meter, seed.bar_origin,
                                           f"{Path(args.seed).name}: {about}"):
            print(line, flush=True)
    except preview.PreviewError as exc:
        raise UserError(str(exc)) from None
    return 0


def cmd_ports(args: argparse.Namespace) -> int:
    from bridge.midi_io import format_ports, list_ports
    from bridge.port_names import connect_lines

    ports = list_ports([args.midi_api] if args.midi_api else None)
    print(format_ports(ports))
    for line in connect_lines(ports):
        print(line)
    return 0


TORCH_MISSING = (
    "learning a style with segue learn-style trains a graph network with torch, which is not installed: "
    "pip install 'segue[export]' --extra-index-url https://download.pytorch.org/whl/cpu (in a checkout: "
    "pip install -e '.[export]' with the same index), or let the running daemon learn it without torch: "
    "/segue/style/learn FOLDER"
)


def _has_module(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _decoder_folder(model: str, folders: Sequence[Path]) -> tuple[Path, str]:
    """The first folder whose manifest lists ``model`` (``default``: the manifest's default), and its name."""
    from bridge.model import ModelError, available_models, read_manifest

    for folder in folders:
        names = available_models(folder)
        if model in names:
            return folder, model
        if model == "default":
            try:
                wanted = read_manifest(folder).get("default")
            except ModelError:
                continue
            if isinstance(wanted, str) and wanted in names:
                return folder, wanted
    tried = "; ".join(f"{f} ({', '.join(available_models(f)) or 'no manifest.json'})" for f in folders)
    raise UserError(f"no model {model!r} in the models folders: {tried}. Pass --models DIR and --model NAME "
                    "of the decoder the style is for")


def cmd_learn_style(args: argparse.Namespace) -> int:
    from bridge.loading import is_inside_package, models_folders, user_data_folder
    from bridge.model import ModelError, check_name

    if not all(_has_module(m) for m in ("torch", "tqdm")):
        raise UserError(TORCH_MISSING)
    try:
        check_name(args.name)
    except ModelError as exc:
        raise UserError(f"{exc}: pick a plain name such as 'reels'") from None
    folder = Path(args.folder).expanduser()
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder: give a folder of .mid/.midi files")
    try:
        from export.learn_style import main as learn_main
    except ImportError as exc:
        raise UserError(f"{TORCH_MISSING} ({exc})") from None
    models, model = _decoder_folder(args.model, models_folders(args.models or ()))
    out = Path(args.out).expanduser() if args.out else user_data_folder()
    if is_inside_package(out):
        raise UserError(f"{out} holds the models shipped with segue and is not written to: leave out --out "
                        "(the user's data folder) or name another folder")
    argv = [str(folder), "--name", args.name, "--models", str(models), "--model", model, "--out", str(out),
            "--limit", str(args.limit), "--epochs", str(args.epochs), "--description", args.description]
    if args.no_progress:
        argv.append("--no-progress")
    try:
        learn_main(argv)
    except (ModelError, OSError, ValueError) as exc:
        raise UserError(f"cannot learn a style from {folder}: {exc}") from None
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    from bridge.daemon import ROUTES, format_routes

    store = ParamStore()
    if args.json:
        print(json.dumps({"routes": [r.describe() for r in ROUTES], "params": store.describe()}, indent=1))
        return 0
    print("OSC address space (default server 127.0.0.1:9000, replies to 127.0.0.1:9001)\n")
    print(format_routes())
    print("\nParameters: /segue/set NAME VALUE, /segue/param/NAME VALUE, --NAME flag, "
          "[params] in the config\n")
    print(store.format_table())
    return 0


COMMANDS = {"serve": cmd_serve, "continue": cmd_continue, "ports": cmd_ports, "params": cmd_params,
            "learn-style": cmd_learn_style}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``segue`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING if args.verbose == 0 else logging.INFO if args.verbose == 1 else logging.DEBUG
    if args.command == "serve":
        level = min(level, logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](args)
    except UserError as exc:
        print(f"segue {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into head and the like
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
