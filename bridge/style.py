"""Learned styles: a weighted token-transition graph and node embeddings, loaded safely and built live.

A style folder ``models/styles/<name>/`` holds ``graph.npz`` (the directed, window-weighted transition
counts), ``embeddings.npz`` (one vector per token id, from the graph network), ``tokens.npz`` (the
pieces' token ids, which the style expert ``bridge.style_model`` counts), optionally ``gcn.onnx`` (the
graph network, run by onnxruntime: a graph learned at run time gets embeddings and link scores without
torch) and ``style.json`` (the card: sources, settings, link-prediction AUC). Every file is listed with
its sha256 in the ``styles`` section of ``models/manifest.json`` and checked before it is read; npz
files are read without unpickling. The numeric core (counting transitions, the normalised adjacency, in
``bridge.gcn_maths``) lives in the runtime because it builds graphs live; ``export/`` trains on it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bridge.bounded_files import FileRefused, check_file
from bridge.gcn_maths import normalized_adjacency, scale_features, unit_rows
from bridge.gcn_runtime import GraphNetwork
from bridge.model import MANIFEST, ModelError, check_name, load_npz, read_json, sha256_file
from bridge.style_model import read_sequences, write_sequences

log = logging.getLogger(__name__)


STYLE_FORMAT = "segue-style"
STYLE_VERSION = 1
STYLES_DIR = "styles"
GRAPH_FILE = "graph.npz"
EMBEDDINGS_FILE = "embeddings.npz"
GCN_FILE = "gcn.onnx"
TOKENS_FILE = "tokens.npz"
CARD_FILE = "style.json"
DEFAULT_WINDOW = 4
DEFAULT_DECAY = 0.5
MIDI_SUFFIXES = (".mid", ".midi")
_KINDS = {".npz": "npz", ".onnx": "gcn"}  # a style file's size bound (bridge.bounded_files)


class StyleError(ModelError):
    """A style that cannot be loaded or learned (missing, corrupt or mismatched files, bad input)."""


# ---------------------------------------------------------------- the graph


@dataclass(frozen=True)
class StyleGraph:
    """Directed token transitions of a style, weighted by distance within a window.

    ``weights[i, j]`` (sparse: ``src``, ``dst``, ``weight``) sums ``decay ** (d - 1)`` over every time
    token ``j`` follows token ``i`` at distance ``d <= window`` inside one piece; ``next_weight`` holds the
    same edges' counts at distance 1 only (0 where the pair never touched). ``counts`` is how often
    each token occurs.
    """

    vocab_size: int
    src: np.ndarray  # int32 [E]
    dst: np.ndarray  # int32 [E]
    weight: np.ndarray  # float32 [E]
    next_weight: np.ndarray  # float32 [E]
    counts: np.ndarray  # float32 [V]
    window: int = DEFAULT_WINDOW
    decay: float = DEFAULT_DECAY
    _dense: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_edges(self) -> int:
        return int(self.src.shape[0])

    def dense(self) -> np.ndarray:
        """``[V, V]`` window weights (float32, read-only, cached)."""
        out = self._dense.get("w")
        if out is None:
            out = np.zeros((self.vocab_size, self.vocab_size), dtype=np.float32)
            out[self.src, self.dst] = self.weight
            out.flags.writeable = False
            self._dense["w"] = out
        return out

    def transition(self, window: bool = False) -> np.ndarray:
        """``[V, V]`` row-normalised next-token counts: the style's next-token distribution per token.

        ``window=True`` normalises the window weights instead (every neighbour within the window, nearer
        ones weighing more). Rows of tokens the style never left are all zero.
        """
        key = "p_window" if window else "p_next"
        out = self._dense.get(key)
        if out is None:
            if window:
                w = self.dense()
            else:
                w = np.zeros((self.vocab_size, self.vocab_size), dtype=np.float32)
                w[self.src, self.dst] = self.next_weight
            total = w.sum(axis=1, keepdims=True)
            out = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
            out.flags.writeable = False
            self._dense[key] = out
        return out

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for ``graph.npz`` (no objects, so it loads without pickles)."""
        return {
            "vocab_size": np.array(self.vocab_size, dtype=np.int64),
            "src": self.src, "dst": self.dst, "weight": self.weight, "next_weight": self.next_weight,
            "counts": self.counts,
            "window": np.array(self.window, dtype=np.int64),
            "decay": np.array(self.decay, dtype=np.float64),
        }

    @classmethod
    def from_arrays(cls, data: dict[str, np.ndarray]) -> StyleGraph:
        """Inverse of :meth:`to_arrays`, shape- and range-checked."""
        need = ("vocab_size", "src", "dst", "weight", "next_weight", "counts", "window", "decay")
        missing = [k for k in need if k not in data]
        if missing:
            raise StyleError(f"style graph lacks arrays {', '.join(missing)}")
        vocab = int(data["vocab_size"])
        src = np.asarray(data["src"], dtype=np.int32)
        dst = np.asarray(data["dst"], dtype=np.int32)
        weight = np.asarray(data["weight"], dtype=np.float32)
        nxt = np.asarray(data["next_weight"], dtype=np.float32)
        counts = np.asarray(data["counts"], dtype=np.float32)
        n = src.shape[0]
        if vocab < 1 or src.ndim != 1 or dst.shape != (n,) or weight.shape != (n,) or nxt.shape != (n,):
            raise StyleError("style graph arrays have inconsistent shapes")
        if counts.shape != (vocab,):
            raise StyleError(f"style graph counts have shape {counts.shape}, expected ({vocab},)")
        if n and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= vocab):
            raise StyleError("style graph edges point outside the vocabulary")
        if not (np.all(np.isfinite(weight)) and np.all(weight >= 0) and np.all(nxt >= 0)):
            raise StyleError("style graph weights must be finite and non-negative")
        return cls(vocab, src, dst, weight, nxt, counts, int(data["window"]), float(data["decay"]))


def count_transitions(
    sequences: Iterable[Sequence[int]],
    vocab_size: int,
    window: int = DEFAULT_WINDOW,
    decay: float = DEFAULT_DECAY,
    skip: Iterable[int] = (),
) -> StyleGraph:
    """The style graph of token sequences (one per piece; edges never cross pieces).

    Ids in ``skip`` (PAD, BOS, EOS, ...) are dropped first. Raises :class:`StyleError` on ids outside
    the vocabulary or a bad window/decay.
    """
    if window < 1:
        raise StyleError(f"window {window} must be >= 1")
    if not 0 < decay <= 1:
        raise StyleError(f"decay {decay} must be in (0, 1]")
    skip_ids = np.array(sorted(set(int(s) for s in skip)), dtype=np.int64)
    parts, piece = [], []
    for k, seq in enumerate(sequences):
        arr = np.asarray(seq, dtype=np.int64).ravel()
        if arr.size and (arr.min() < 0 or arr.max() >= vocab_size):
            raise StyleError(f"sequence {k} has token ids outside the vocabulary (0..{vocab_size - 1})")
        if skip_ids.size:
            arr = arr[~np.isin(arr, skip_ids)]
        parts.append(arr)
        piece.append(np.full(arr.shape, k, dtype=np.int64))
    flat = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    owner = np.concatenate(piece) if piece else np.zeros(0, np.int64)
    size = vocab_size * vocab_size
    total = np.zeros(size, dtype=np.float64)
    first = np.zeros(size, dtype=np.float64)
    for d in range(1, window + 1):
        if flat.size <= d:
            break
        same = owner[:-d] == owner[d:]
        index = flat[:-d][same] * vocab_size + flat[d:][same]
        hits = np.bincount(index, minlength=size).astype(np.float64)
        total += hits * decay ** (d - 1)
        if d == 1:
            first = hits
    edges = np.flatnonzero(total)
    counts = np.bincount(flat, minlength=vocab_size).astype(np.float32)
    return StyleGraph(
        vocab_size=vocab_size,
        src=(edges // vocab_size).astype(np.int32),
        dst=(edges % vocab_size).astype(np.int32),
        weight=total[edges].astype(np.float32),
        next_weight=first[edges].astype(np.float32),
        counts=counts,
        window=window,
        decay=float(decay),
    )


# ---------------------------------------------------------------- a loaded style


@dataclass
class Style:
    """One style as the samplers see it."""

    name: str
    graph: StyleGraph
    embeddings: np.ndarray  # float32 [V, d], unit rows
    card: dict = field(default_factory=dict)
    gcn: GraphNetwork | None = None
    sequences: tuple[np.ndarray, ...] = ()  # the pieces' token ids: what the style expert counts
    link_scores: np.ndarray | None = None  # [V, V] the graph network's link scores (learned in the daemon)
    experts: dict = field(default_factory=dict, repr=False, compare=False)  # its style model(s), built once

    @property
    def vocab_size(self) -> int:
        return self.graph.vocab_size

    def check_vocab(self, vocab_size: int) -> None:
        """Raise :class:`StyleError` when the style was learned on another vocabulary."""
        if self.vocab_size != vocab_size:
            raise StyleError(
                f"style {self.name!r} has {self.vocab_size} tokens but the model has {vocab_size}: "
                "learn it again with this model's tokenizer"
            )

    @classmethod
    def load(cls, models_root: Path | str, name: str) -> Style:
        """Load ``models/styles/<name>/`` after checking each file against the manifest's sha256."""
        files = _checked_style_files(Path(models_root), name)
        return cls._read(name, files)

    @classmethod
    def read_folder(cls, folder: Path, name: str) -> Style:
        """Read a style folder this process wrote itself (no manifest, so no checksums)."""
        files = {f.name: f for f in Path(folder).iterdir() if f.is_file()}
        return cls._read(name, files)

    @classmethod
    def _read(cls, name: str, files: dict[str, Path]) -> Style:
        for needed in (GRAPH_FILE, EMBEDDINGS_FILE, CARD_FILE):
            if needed not in files:
                raise StyleError(f"style {name!r}: {needed} is missing")
        card = read_json(files[CARD_FILE], "style card")
        if card.get("format") != STYLE_FORMAT or card.get("version") != STYLE_VERSION:
            raise StyleError(f"style {name!r}: style.json is not a {STYLE_FORMAT} v{STYLE_VERSION} card")
        graph = StyleGraph.from_arrays(load_npz(files[GRAPH_FILE]))
        emb = load_npz(files[EMBEDDINGS_FILE]).get("embeddings")
        if emb is None or emb.ndim != 2 or emb.shape[0] != graph.vocab_size or not np.all(np.isfinite(emb)):
            raise StyleError(f"style {name!r}: embeddings.npz must hold finite 'embeddings' [vocab, dim]")
        gcn = None
        if GCN_FILE in files:
            try:
                gcn = GraphNetwork.from_file(files[GCN_FILE])
            except ModelError as exc:
                raise StyleError(f"style {name!r}: {exc}") from None
        sequences = read_sequences(files[TOKENS_FILE], graph.vocab_size) if TOKENS_FILE in files else ()
        log.info("style %s: %d tokens, %d edges, embeddings %d-d, %d sequences", name, graph.vocab_size,
                 graph.n_edges, emb.shape[1], len(sequences))
        return cls(name, graph, unit_rows(emb.astype(np.float32)), card, gcn, sequences)

    def save(self, folder: Path) -> list[str]:
        """Write the style's files into ``folder``; returns their names (card last)."""
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(folder / GRAPH_FILE, **self.graph.to_arrays())
        np.savez_compressed(folder / EMBEDDINGS_FILE, embeddings=self.embeddings.astype(np.float16))
        names = [GRAPH_FILE, EMBEDDINGS_FILE]
        if self.gcn is not None:
            self.gcn.save(folder / GCN_FILE)
            names.append(GCN_FILE)
        if self.sequences:
            write_sequences(folder / TOKENS_FILE, self.sequences)
            names.append(TOKENS_FILE)
        card = {"format": STYLE_FORMAT, "version": STYLE_VERSION, "name": self.name, **self.card}
        card["format"], card["version"] = STYLE_FORMAT, STYLE_VERSION
        (folder / CARD_FILE).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
        names.append(CARD_FILE)
        return names


def _checked_style_files(models_root: Path, name: str) -> dict[str, Path]:
    check_name(name)
    manifest = read_json(models_root / MANIFEST, "model manifest")
    styles = manifest.get("styles")
    if not isinstance(styles, dict) or not isinstance(styles.get(name), dict):
        known = ", ".join(sorted(styles)) if isinstance(styles, dict) else "none"
        raise StyleError(
            f"style {name!r} is not in {models_root / MANIFEST} (known styles: {known or 'none'})")
    items = styles[name].get("files")
    if not isinstance(items, list) or not items:
        raise StyleError(f"style {name!r} lists no files in the manifest")
    root = models_root.resolve()
    style_dir = (root / STYLES_DIR / name).resolve()
    out: dict[str, Path] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str) or "sha256" not in item:
            raise StyleError(f"style {name!r}: manifest file entries need 'path' and 'sha256'")
        rel = item["path"]
        path = (root / rel).resolve()
        if Path(rel).is_absolute() or ".." in Path(rel).parts or path.parent != style_dir:
            raise StyleError(f"style {name!r}: manifest path {rel!r} is not a file of {STYLES_DIR}/{name}/")
        if not path.exists():
            raise StyleError(f"style {name!r}: file {rel} is missing")
        try:  # the size bound before the checksum: a huge file is never read
            check_file(path, f"style {name!r} file", _KINDS.get(path.suffix.lower(), "json"))
        except FileRefused as exc:
            raise StyleError(str(exc)) from None
        actual = sha256_file(path)
        if actual != str(item["sha256"]).lower():
            raise StyleError(
                f"style {name!r}: file {rel} is corrupt or was changed (sha256 {actual[:12]}...)")
        out[path.name] = path
    return out


def available_styles(models_root: Path | str) -> list[str]:
    """Style names listed in a models folder's manifest."""
    try:
        styles = read_json(Path(models_root) / MANIFEST, "model manifest").get("styles")
    except ModelError:
        return []
    return sorted(styles) if isinstance(styles, dict) else []


def register_style(models_root: Path, name: str, files: Sequence[str], **info: object) -> dict:
    """Add or replace style ``name`` in the manifest's ``styles`` section (the models are untouched)."""
    check_name(name)
    path = models_root / MANIFEST
    manifest = read_json(path, "model manifest", "manifest") if path.exists() else {
        "version": 1, "default": "default", "models": {}}
    entry = dict(manifest.get("styles", {}).get(name, {}))
    entry["files"] = [
        {"path": f"{STYLES_DIR}/{name}/{f}", "sha256": sha256_file(models_root / STYLES_DIR / name / f),
         "bytes": (models_root / STYLES_DIR / name / f).stat().st_size}
        for f in files
    ]
    entry.update(info)
    manifest.setdefault("styles", {})[name] = entry
    path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return entry


# ---------------------------------------------------------------- learning at run time (no torch)


def style_from_sequences(
    name: str,
    sequences: Sequence[Sequence[int]],
    vocab_size: int,
    skip: Iterable[int],
    base_embeddings: np.ndarray | None,
    gcn: GraphNetwork | None = None,
    card: dict | None = None,
) -> Style:
    """A style learned without torch: the graph, and node embeddings (and link scores) from the decoder's
    token embeddings passed through ``gcn`` (an earlier trained style's graph network, run by
    onnxruntime) over the new graph when given.

    Without token embeddings, a spectral embedding of the graph stands in.
    """
    return style_from_graph(name, count_transitions(sequences, vocab_size, skip=skip), base_embeddings,
                            gcn, card, sequences)


def style_from_graph(
    name: str,
    graph: StyleGraph,
    base_embeddings: np.ndarray | None,
    gcn: GraphNetwork | None = None,
    card: dict | None = None,
    sequences: Sequence[Sequence[int]] = (),
) -> Style:
    """A style of a graph counted already (:func:`count_transitions`, or running counts): node
    embeddings as :func:`style_from_sequences` makes them."""
    vocab_size = graph.vocab_size
    if graph.n_edges == 0:
        raise StyleError("nothing to learn: the phrases hold fewer than two tokens")
    adjacency = normalized_adjacency(graph.dense())
    scores = None
    if base_embeddings is not None and base_embeddings.shape[0] == vocab_size:
        emb = base_embeddings
        if gcn is not None and gcn.feature_dim == base_embeddings.shape[1]:
            emb, scores = gcn.run(adjacency, scale_features(base_embeddings))
    else:
        emb = adjacency @ np.random.default_rng(0).standard_normal((vocab_size, 32)).astype(np.float32)
    info = {"learned": "live (numpy)", "gcn": gcn is not None, **(card or {})}
    kept = tuple(np.asarray(q, dtype=np.int64) for q in sequences if len(q))
    return Style(name, graph, unit_rows(np.asarray(emb, dtype=np.float32)), info, gcn, kept, scores)
