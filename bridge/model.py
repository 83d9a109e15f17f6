"""Loading a shipped model: manifest and checksums, config, onnxruntime session, token scheme.

Models load only from a models folder, by a plain name listed in its ``manifest.json``; every file
read is checked against the manifest's sha256 first. Only ONNX, JSON and npz are read, and npz without
pickles, so a model folder cannot run code.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bridge import bounded_files
from bridge.bounded_files import FileRefused
from bridge.tokens import TokenError, TokenScheme

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
CONFIG = "config.json"
CONFIG_FORMAT = "segue-decoder"
CONFIG_VERSION = 1
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_REQUIRED_CONFIG = ("vocab_size", "n_layer", "n_head", "head_dim", "context_length", "tokenizer", "onnx")
PRECISIONS = ("auto", "fp32", "int8")
LOADABLE_SUFFIXES = (".onnx", ".json", ".npz")  # nothing else in a model folder is ever read
_SIZE_KIND = {".onnx": "onnx", ".json": "tokenizer", ".npz": "npz"}  # the largest JSON a model has
_CUDA = "CUDAExecutionProvider"
_CPU = "CPUExecutionProvider"


class ModelError(Exception):
    """A model that cannot be loaded: missing, corrupt or mismatched files, or a bad name."""


def check_name(name: str) -> str:
    """A model or file name without path separators or ``..``; raises :class:`ModelError`."""
    if not isinstance(name, str) or not _NAME.match(name) or ".." in name:
        raise ModelError(f"invalid model name {name!r}: use letters, digits, '.', '_' and '-' only")
    return name


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_json(path: Path, what: str, kind: str = "json") -> dict:
    """A JSON object from ``path`` (a regular file within the ``kind``'s size bound, see
    ``bridge.bounded_files.LIMITS``); :class:`ModelError` when missing, too large or malformed."""
    if not Path(path).exists():
        raise ModelError(f"{what} {path} does not exist")
    try:
        data = json.loads(bounded_files.read_text(path, what, kind))
    except FileRefused as exc:
        raise ModelError(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise ModelError(f"{what} {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ModelError(f"{what} {path} must hold a JSON object")
    return data


def load_npz(path: Path, names: Collection[str] | None = None) -> dict[str, np.ndarray]:
    """Arrays of an ``.npz`` file (only ``names`` when given), never unpickling objects, each checked
    against its declared shape and the bounds of ``bridge.bounded_files`` before it is decompressed."""
    try:
        return bounded_files.load_npz(path, "arrays", names)
    except FileRefused as exc:
        raise ModelError(f"cannot read arrays: {exc}") from None


def read_manifest(models_root: Path) -> dict:
    """The manifest of a models folder, shape-checked."""
    manifest = read_json(Path(models_root) / MANIFEST, "model manifest", "manifest")
    models = manifest.get("models")
    if not isinstance(models, dict):
        raise ModelError(f"model manifest {Path(models_root) / MANIFEST} has no 'models' table")
    return manifest


def available_models(models_root: Path) -> list[str]:
    """Names listed in a models folder's manifest (empty when there is none)."""
    try:
        return sorted(read_manifest(models_root)["models"])
    except ModelError:
        return []


def _checked_files(models_root: Path, name: str, entry: dict) -> dict[str, Path]:
    """Verify every file of the model against its sha256; file name -> path."""
    files = entry.get("files")
    if not isinstance(files, list) or not files:
        raise ModelError(f"model {name!r} lists no files in the manifest")
    root = models_root.resolve()
    model_dir = (root / name).resolve()
    out: dict[str, Path] = {}
    for item in files:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str) or "sha256" not in item:
            raise ModelError(f"model {name!r}: manifest file entries need 'path' and 'sha256'")
        rel = item["path"]
        path = (root / rel).resolve()
        if Path(rel).is_absolute() or ".." in Path(rel).parts or path.parent != model_dir:
            raise ModelError(f"model {name!r}: manifest path {rel!r} is not a file of models/{name}/")
        if Path(rel).suffix.lower() not in LOADABLE_SUFFIXES or path.suffix.lower() not in LOADABLE_SUFFIXES:
            raise ModelError(f"model {name!r}: manifest file {rel!r} is not ONNX, JSON or npz; segue loads "
                             f"only {', '.join(LOADABLE_SUFFIXES)} files")
        if not path.exists():
            raise ModelError(f"model {name!r}: file {rel} is missing")
        try:  # the size bound before the checksum: a huge file is never read
            bounded_files.check_file(path, f"model {name!r} file", _SIZE_KIND[path.suffix.lower()])
        except FileRefused as exc:
            raise ModelError(str(exc)) from None
        actual = sha256_file(path)
        if actual != str(item["sha256"]).lower():
            raise ModelError(
                f"model {name!r}: file {rel} is corrupt or was changed (sha256 {actual[:12]}..., "
                f"manifest says {str(item['sha256'])[:12]}...)"
            )
        out[path.name] = path
    return out


def pick_providers(available: Sequence[str]) -> list[str]:
    """CUDA first when onnxruntime offers it, always CPU as the fallback."""
    return [_CUDA, _CPU] if _CUDA in available else [_CPU]


@dataclass
class ModelBundle:
    """Everything a sampler needs from one model folder."""

    name: str
    path: Path
    config: dict
    scheme: TokenScheme
    session: object  # onnxruntime.InferenceSession
    provider: str
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]

    @property
    def n_layer(self) -> int:
        return int(self.config["n_layer"])

    @property
    def n_head(self) -> int:
        return int(self.config["n_head"])

    @property
    def head_dim(self) -> int:
        return int(self.config["head_dim"])

    @property
    def context_length(self) -> int:
        return int(self.config["context_length"])

    @property
    def vocab_size(self) -> int:
        return self.scheme.vocab_size

    @classmethod
    def load(
        cls,
        models_root: Path | str,
        name: str | None = None,
        threads: int = 1,
        providers: Sequence[str] | None = None,
        precision: str = "auto",
    ) -> ModelBundle:
        """Load model ``name`` (the manifest's default when None) from ``models_root``.

        ``threads`` sets onnxruntime's intra-op threads (1 leaves a core to the scheduler).
        ``precision``: ``auto`` runs the int8 graph (config ``onnx_int8``, shipped only when measured
        faster at equal NLL) on the CPU and fp32 on a GPU; ``fp32`` or ``int8`` force one.
        """
        import onnxruntime as ort

        models_root = Path(models_root)
        manifest = read_manifest(models_root)
        if name is None:
            name = manifest.get("default")
            if not isinstance(name, str):
                raise ModelError(f"model manifest {models_root / MANIFEST} names no default model")
        check_name(name)
        entry = manifest["models"].get(name)
        if not isinstance(entry, dict):
            known = ", ".join(sorted(manifest["models"])) or "none"
            raise ModelError(f"model {name!r} is not in {models_root / MANIFEST} (known: {known})")
        files = _checked_files(models_root, name, entry)
        if CONFIG not in files:
            raise ModelError(f"model {name!r}: {CONFIG} is not listed in the manifest")
        config = read_json(files[CONFIG], "model config")
        _check_config(name, config)
        onnx_file, tok_file = check_name(config["onnx"]), check_name(config["tokenizer"])
        if not onnx_file.endswith(".onnx") or not tok_file.endswith(".json"):
            raise ModelError(f"model {name!r}: config.json must name an .onnx graph and a .json tokenizer, "
                             f"not {onnx_file!r} and {tok_file!r}")
        if precision not in PRECISIONS:
            raise ModelError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        wanted = list(providers) if providers else pick_providers(ort.get_available_providers())
        int8_file = config.get("onnx_int8")
        if precision == "int8" and not int8_file:
            raise ModelError(f"model {name!r} has no int8 graph: use --precision fp32 or auto")
        on_cpu = wanted[0] == "CPUExecutionProvider"
        if int8_file and (precision == "int8" or (precision == "auto" and on_cpu)):
            onnx_file = check_name(str(int8_file))
            if not onnx_file.endswith(".onnx"):
                raise ModelError(f"model {name!r}: config.json onnx_int8 must name an .onnx graph")
        for needed in (onnx_file, tok_file):
            if needed not in files:
                raise ModelError(f"model {name!r}: {needed} is not listed in the manifest")
        try:
            scheme = TokenScheme.from_file(files[tok_file])
        except TokenError as exc:
            raise ModelError(f"model {name!r}: {exc}") from exc
        _check_scheme(name, config, scheme)
        if threads < 1:
            raise ModelError(f"threads must be >= 1, not {threads}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            session = ort.InferenceSession(str(files[onnx_file]), sess_options=options, providers=wanted)
        except Exception as exc:  # onnxruntime raises its own exception types for bad graphs
            raise ModelError(f"model {name!r}: {onnx_file} is not a loadable ONNX model: {exc}") from exc
        bundle = cls(
            name=name,
            path=files[onnx_file].parent,
            config=config,
            scheme=scheme,
            session=session,
            provider=session.get_providers()[0],
            input_names=tuple(i.name for i in session.get_inputs()),
            output_names=tuple(o.name for o in session.get_outputs()),
        )
        bundle._check_graph()
        log.info(
            "model %s: vocab %d, %d layers, context %d, %s on %s (%d thread%s)",
            name, scheme.vocab_size, bundle.n_layer, bundle.context_length, onnx_file, bundle.provider,
            threads, "" if threads == 1 else "s",
        )
        return bundle

    def past_names(self) -> list[str]:
        """Cache input names in order: layer 0 key, layer 0 value, layer 1 key, ..."""
        return [f"past_key_values.{i}.{kv}" for i in range(self.n_layer) for kv in ("key", "value")]

    def present_names(self) -> list[str]:
        """Cache output names in the order of :meth:`past_names`."""
        return [f"present.{i}.{kv}" for i in range(self.n_layer) for kv in ("key", "value")]

    def _check_graph(self) -> None:
        """The ONNX inputs/outputs match the config, and one real step gives logits of the vocab size."""
        missing_in = {"input_ids", *self.past_names()} - set(self.input_names)
        missing_out = {"logits", *self.present_names()} - set(self.output_names)
        if missing_in or missing_out:
            raise ModelError(
                f"model {self.name!r}: the ONNX graph does not match config.json (missing inputs "
                f"{sorted(missing_in) or 'none'}, outputs {sorted(missing_out) or 'none'})"
            )
        empty = np.zeros((1, self.n_head, 0, self.head_dim), dtype=np.float32)
        feed = {"input_ids": np.array([[self.scheme.bos_id]], dtype=np.int64)}
        feed.update({n: empty for n in self.past_names()})
        try:
            logits = self.session.run(["logits"], feed)[0]
        except Exception as exc:  # shape errors from a graph built for other dimensions
            raise ModelError(f"model {self.name!r}: the ONNX graph rejects a one-token step: {exc}") from exc
        if logits.shape[-1] != self.scheme.vocab_size:
            raise ModelError(
                f"model {self.name!r}: the ONNX logits have {logits.shape[-1]} entries but the tokenizer "
                f"has {self.scheme.vocab_size} tokens"
            )
        self._check_context()

    def _check_context(self) -> None:
        """The graph takes the whole ``context_length``: one step at its last position (after a cache of
        ``context_length - 1``) runs and gives finite logits, so an answer never fails halfway."""
        past = np.zeros((1, self.n_head, self.context_length - 1, self.head_dim), dtype=np.float32)
        feed = {"input_ids": np.array([[self.scheme.bos_id]], dtype=np.int64)}
        feed.update({n: past for n in self.past_names()})
        try:
            logits = self.session.run(["logits"], feed)[0]
        except Exception as exc:  # an index past the graph's position table
            first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
            raise ModelError(
                f"model {self.name!r}: config.json context_length {self.context_length} is longer than "
                f"the ONNX graph takes (its step at position {self.context_length - 1} fails: {first})"
            ) from exc
        if not np.all(np.isfinite(logits)):
            raise ModelError(f"model {self.name!r}: the ONNX graph gives non-finite logits at position "
                             f"{self.context_length - 1}: config.json context_length is longer than it takes")


def _check_config(name: str, config: dict) -> None:
    if config.get("format") != CONFIG_FORMAT:
        raise ModelError(
            f"model {name!r}: config.json format is {config.get('format')!r}, not {CONFIG_FORMAT!r}"
        )
    if config.get("version") != CONFIG_VERSION:
        raise ModelError(f"model {name!r}: config.json version {config.get('version')!r} is not supported")
    missing = [k for k in _REQUIRED_CONFIG if k not in config]
    if missing:
        raise ModelError(f"model {name!r}: config.json lacks {', '.join(missing)}")
    for key in ("vocab_size", "n_layer", "n_head", "head_dim", "context_length"):
        if not isinstance(config[key], int) or config[key] < 1:
            raise ModelError(f"model {name!r}: config.json {key} must be a positive integer")


def _check_scheme(name: str, config: dict, scheme: TokenScheme) -> None:
    if config["vocab_size"] != scheme.vocab_size:
        raise ModelError(
            f"model {name!r}: config.json vocab_size {config['vocab_size']} does not match the tokenizer's "
            f"{scheme.vocab_size} tokens"
        )
    for key, actual in (("bos_id", scheme.bos_id), ("eos_id", scheme.eos_id), ("pad_id", scheme.pad_id)):
        if key in config and config[key] != actual:
            raise ModelError(f"model {name!r}: config.json {key} {config[key]} is {actual} in the tokenizer")
