"""The daemon's styles: which style the graph and blend samplers play in, switched and learned live.

:class:`StyleService` attaches a style's ``graph`` and ``blend`` samplers to the model the engine plays
(``model.samplers``), and swaps them when the performer picks another style or learns one. Loading and
learning run off the daemon's threads: a worker thread loads styles and learns from the phrases of
this session (numpy only, incrementally and within a CPU budget: ``bridge.live_style``); a folder of
MIDI files under a style root is tokenized and learned in a child process with a time and memory
budget (``bridge.folder_learning``), so a long job never holds the interpreter the scheduler needs.
A job that fails reports a typed error (``StyleSelectError``, ``StyleLearnError``) and the old style
keeps playing. The engine owns the model's samplers: a style loaded or learned here is
sent to it (``deliver(samplers, decoder)``, the engine's ``install``), never written from this thread.
"""

from __future__ import annotations

import logging
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bridge.config import ServeConfig
from bridge.errors import SegueError, StyleLearnError, StyleSelectError
from bridge.folder_learning import LearnChild, resolve_style_folder, style_roots
from bridge.gcn_runtime import GraphNetwork
from bridge.live_style import LIVE, LiveLearner
from bridge.model import ModelError, check_name, sha256_file
from bridge.notes import Note
from bridge.samplers.blend import BlendSampler, style_model_of
from bridge.samplers.graph import GraphSampler
from bridge.style import Style, StyleError, available_styles
from bridge.style_sources import token_embeddings

log = logging.getLogger(__name__)

_SERVE = ServeConfig()  # the learning child's budgets by default: --learn-seconds, --learn-memory-mb


def find_style(folders: Sequence[Path], name: str) -> Path:
    """The first models folder whose manifest lists style ``name``."""
    check_name(name)
    for folder in folders:
        if name in available_styles(folder):
            return Path(folder)
    raise StyleError(f"no style called {name!r} in the models folders ({', '.join(map(str, folders))})")


def default_style(folders: Sequence[Path]) -> str | None:
    """The style played when none is named: the first one the models folders list."""
    names = listed_styles(folders)
    return names[0] if names else None


def listed_styles(folders: Sequence[Path]) -> list[str]:
    """Every style the models folders list, in folder order, each name once."""
    out: list[str] = []
    for folder in folders:
        out.extend(n for n in available_styles(folder) if n not in out)
    return out


class StyleService:
    """Owns the style of the model's graph and blend samplers; loads and learns in the background."""

    def __init__(self, folders: Sequence[Path], on_error: Callable[[SegueError], None],
                 weight: float = 0.5, on_change: Callable[[str], None] | None = None,
                 roots: Sequence[str | Path] = (), learn_seconds: float = _SERVE.learn_seconds,
                 learn_memory_mb: int = _SERVE.learn_memory_mb, live: LiveLearner | None = None) -> None:
        self.folders = [Path(f) for f in folders]
        self.roots = style_roots(roots)  # folders /segue/style/learn may read: the user's, then --style-root
        self.child = LearnChild(learn_seconds, learn_memory_mb)
        self.learner = live if live is not None else LiveLearner()  # written by the worker only
        self._on_error = on_error
        self._on_change = on_change
        self._weight = float(weight)  # the blend's first weight; the engine sets it per continuation
        self._deliver: Callable[[dict[str, Any], Any], None] | None = None
        self._model: Any = None
        self._style: Style | None = None
        self._lock = threading.Lock()
        self._jobs: queue.Queue[tuple[str, Any] | None] = queue.Queue()
        self._live = False
        self._base_of: tuple[Any, np.ndarray | None] | None = None  # (bundle, its token embeddings)
        self._worker = threading.Thread(target=self._run, name="segue-styles", daemon=True)
        self._worker.start()

    # ---- what the daemon calls -----------------------------------------------------------------

    @property
    def style(self) -> Style | None:
        """The style now playing (None before one is attached)."""
        return self._style

    @property
    def live(self) -> bool:
        """True while the style follows the phrases played in this session."""
        return self._live

    def connect(self, deliver: Callable[[dict[str, Any], Any], None]) -> None:
        """From now on send samplers built in the background to ``deliver(samplers, decoder)`` (the
        engine's ``install``) instead of putting them into the model."""
        self._deliver = deliver

    def attach(self, model: Any, name: str = "") -> None:
        """Give ``model`` graph and blend samplers, synchronously (daemon start, model swap).

        Keeps the current style when it fits the model, else loads ``name`` or, without a name, the
        first listed style that fits. Failures are logged (nobody asked yet); the model then plays
        its decoder only, and picking ``graph`` or ``blend`` says why.
        """
        from bridge.tokens import TokenScheme

        if not isinstance(getattr(model, "scheme", None), TokenScheme):
            log.info("model %s has no token scheme: the graph and blend samplers are off",
                     getattr(model, "name", "?"))
            return
        with self._lock:
            self._model = model
            style = self._style
        if style is not None and self._fits(model, style):
            self._install(model, style)
            return
        candidates = [name] if name else listed_styles(self.folders)
        if not candidates:
            log.info("no style in the models folders: the graph and blend samplers are off")
            return
        problems = []
        for candidate in candidates:
            try:
                self._install(model, self._load(candidate))
                return
            except (StyleError, ModelError) as exc:
                problems.append(str(exc))
        log.warning("no style fits model %s, the graph and blend samplers are off: %s",
                    getattr(model, "name", "?"), "; ".join(problems))

    def select(self, name: str) -> None:
        """Switch to style ``name`` in the background."""
        check_name(name)
        self._submit("select", name)

    def learn(self, source: str) -> None:
        """Learn a style from a folder of MIDI files under a style root, or from this session's phrases
        (``live``). A folder outside the roots raises the one :func:`~bridge.folder_learning.refusal`."""
        if source == LIVE:
            self._jobs.put(("live", None))
            return
        self._jobs.put(("folder", resolve_style_folder(source, self.roots)))

    def add_phrase(self, notes: Sequence[Note], tempo_bpm: float) -> None:
        """Remember a phrase the performer played; a live style learns from it in the background."""
        if notes:
            self._jobs.put(("phrase", (tuple(notes), float(tempo_bpm))))

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once no job is queued or running and no live rebuild is pending (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._jobs.unfinished_tasks == 0 and not (self._live and self.learner.dirty):
                return True
            time.sleep(0.01)
        return False

    def close(self) -> None:
        """Stop the worker; a folder's learning child is ended with its process group."""
        self.child.close()
        self._jobs.put(None)
        self._worker.join(timeout=2.0)

    # ---- the worker ----------------------------------------------------------------------------

    def _submit(self, kind: str, arg: Any) -> None:
        self._jobs.put((kind, arg))

    def _next_job(self) -> tuple[str, Any] | None:
        """The next message, or a live rebuild when one is pending and its time has come."""
        if not (self._live and self.learner.dirty):
            return self._jobs.get()
        try:
            return self._jobs.get(timeout=max(0.0, self.learner.due_in()))
        except queue.Empty:
            self._jobs.put(("rebuild", None))  # counted as a job, so wait_idle sees it
            return self._jobs.get()

    def _run(self) -> None:
        while True:
            job = self._next_job()
            if job is None:
                self._jobs.task_done()
                return
            kind, arg = job
            failure = StyleSelectError if kind == "select" else StyleLearnError
            try:
                if kind == "phrase":
                    self.learner.add(*arg)
                elif kind == "live":
                    self._live = True
                    self.learner.dirty = True  # rebuild from the phrases heard so far
                elif kind == "rebuild":
                    self._rebuild_live()
                else:
                    style = self._load(arg) if kind == "select" else self._learn_folder(arg)
                    self._live = False
                    model = self._model
                    if model is None:
                        raise StyleError("no model is loaded")
                    self._install(model, style, deliver=self._deliver)
            except (StyleError, ModelError, OSError, ValueError, subprocess.SubprocessError) as exc:
                current = self._style.name if self._style is not None else "none"
                log.warning("style job %s failed: %s", kind, exc)
                self._on_error(failure(f"{exc}; still playing style {current!r}"))
            except Exception as exc:  # noqa: BLE001 - the worker must outlive any one job
                log.exception("style job %s crashed", kind)
                self._on_error(failure(f"style job failed: {exc}"))
            finally:
                self._jobs.task_done()

    def _load(self, name: str) -> Style:
        return Style.load(find_style(self.folders, name), name)

    def _fits(self, model: Any, style: Style) -> bool:
        try:
            self._check(model, style)
        except StyleError:
            return False
        return True

    @staticmethod
    def _check(model: Any, style: Style) -> None:
        style.check_vocab(model.scheme.vocab_size)
        wanted = style.card.get("decoder", {}).get("tokenizer_sha256")
        tokenizer = _tokenizer_path(model)
        if wanted and tokenizer is not None and sha256_file(tokenizer) != wanted:
            raise StyleError(f"style {style.name!r} was learned with another tokenizer than model "
                             f"{model.name!r}'s: learn it again for this model")

    def _install(self, model: Any, style: Style,
                 deliver: Callable[[dict[str, Any], Any], None] | None = None) -> None:
        """Build the samplers (walk tables warmed for the parameters that play now) and put them into
        the model, or send them to its owner with ``deliver``."""
        self._check(model, style)
        samplers = style_samplers(model, style, self._weight)
        decoder = model.samplers.get("decoder")
        if deliver is not None:
            deliver(samplers, decoder)
        else:
            model.samplers.update(samplers)
        with self._lock:
            self._style = style
        log.info("style %s now plays (graph%s)", style.name, " and blend" if "blend" in samplers else "")
        if self._on_change is not None:
            self._on_change(style.name)

    def _base(self, model: Any) -> tuple[np.ndarray | None, GraphNetwork | None]:
        """The decoder's token embeddings (read and checked once per model) and the current style's
        graph network (worker thread)."""
        bundle = getattr(model.samplers.get("decoder"), "bundle", None)
        if self._base_of is None or self._base_of[0] is not bundle:
            base = token_embeddings(bundle.path.parent, bundle.name) if bundle is not None else None
            self._base_of = (bundle, base)
        base = self._base_of[1]
        current = self._style
        return base, current.gcn if current is not None else None

    def _rebuild_live(self) -> None:
        model = self._model
        if model is None:
            self.learner.dirty = False
            raise StyleError("no model is loaded")
        base, gcn = self._base(model)
        self.learner.rebuild(model.scheme, base, gcn,
                             lambda style: self._install(model, style, deliver=self._deliver))

    def _learn_folder(self, folder: Path) -> Style:
        model = self._model
        tokenizer = _tokenizer_path(model) if model is not None else None
        if tokenizer is None:
            raise StyleError("the model has no tokenizer file to learn a style with")
        base, gcn = self._base(model)
        name = folder.name if check_name_ok(folder.name) else "learned"
        with tempfile.TemporaryDirectory(prefix="segue-style-") as tmp:
            tmp_path = Path(tmp)
            command = [sys.executable, "-m", "bridge.style_learner", "learn", str(folder), "--name", name,
                       "--tokenizer", str(tokenizer), "--out", str(tmp_path / "style")]
            if base is not None:
                np.save(tmp_path / "base.npy", base)
                command += ["--base", str(tmp_path / "base.npy")]
            if gcn is not None:
                gcn.save(tmp_path / "gcn.onnx")
                command += ["--gcn", str(tmp_path / "gcn.onnx")]
            out = self.child.run(command, _child_env())
            if out.returncode != 0:
                lines = (out.stderr or out.stdout).strip().splitlines()
                raise StyleError(lines[-1] if lines else f"learning exited with status {out.returncode}")
            return Style.read_folder(tmp_path / "style", name)


def style_samplers(model: Any, style: Style, weight: float) -> dict[str, Any]:
    """The ``graph`` (and, with a decoder, ``blend``) samplers of ``style`` for ``model``, sharing the
    style's variable-order expert (built here, off the real-time path)."""
    expert = style_model_of(style)  # one variable-order expert serves both samplers
    samplers: dict[str, Any] = {"graph": GraphSampler(model.scheme, style, model=expert)}
    decoder = model.samplers.get("decoder")
    if decoder is not None:
        samplers["blend"] = BlendSampler(decoder, style, weight=weight, model=expert)
    return samplers


def attach_style(model: Any, folders: Sequence[Path], name: str, weight: float) -> Style:
    """Load style ``name`` (the first listed when empty) and put its samplers into ``model`` now, on
    the calling thread (offline use: ``segue continue``, benchmarks). Raises ``StyleError`` or
    ``ModelError`` with what to do."""
    names = [name] if name else listed_styles(folders)
    if not names:
        raise StyleError("no style in the models folders: learn one with segue learn-style FOLDER --name "
                         "NAME")
    style = Style.load(find_style(folders, names[0]), names[0])
    StyleService._check(model, style)
    model.samplers.update(style_samplers(model, style, weight))
    return style


def _child_env() -> dict[str, str]:
    """This environment, with the folder holding the ``bridge`` package first on the import path."""
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


def check_name_ok(name: str) -> bool:
    try:
        check_name(name)
    except ModelError:
        return False
    return True


def _tokenizer_path(model: Any) -> Path | None:
    bundle = getattr(model.samplers.get("decoder"), "bundle", None)
    if bundle is None:
        return None
    return Path(bundle.path) / str(bundle.config.get("tokenizer", "tokenizer.json"))
