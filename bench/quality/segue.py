"""Segue's answers, through exactly ``segue continue``'s code path (``bridge.offline.continue_seed``).

The model is loaded once (``bridge.daemon.load_model``). The graph and blend samplers play a learned
style, attached as ``segue continue`` attaches it (``bridge.offline.prepare_model``); ``continue_seed``
gives the blend its weight from the settings, as the engine does.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass, field
from typing import Any

from bench.quality.settings import Settings
from bench.quality.windows import Window
from bridge.notes import Note
from bridge.offline import STYLE_SAMPLERS

log = logging.getLogger(__name__)

OK, SHORT, EMPTY, FAILED = "ok", "short", "empty", "failed"


@dataclass(frozen=True)
class Row:
    """One of segue's rows in the tables: a sampler, and the blend weight for a blend row."""

    label: str
    sampler: str
    blend: float | None = None
    memory: float | None = None  # the phrase memory's weight (None: the settings')
    params: tuple[tuple[str, str], ...] = ()  # registry parameters of this row only


@dataclass
class Answer:
    """A row's answer to one window: its notes (None when there is none) and how it ended."""

    notes: list[Note] | None
    status: str  # ok, short (fewer notes than asked), empty (EmptyContinuation), failed (any other error)
    message: str = ""


def segue_rows(settings: Settings) -> list[Row]:
    """The segue rows of a run: one per sampler; ``blend`` becomes one row per weight when weights are
    given (and is added when weights are given without it)."""
    samplers = list(settings.samplers)
    if settings.blend_weights and "blend" not in samplers:
        samplers.append("blend")
    rows: list[Row] = []
    for name in samplers:
        if name == "blend" and settings.blend_weights:
            rows.extend(Row(f"blend {w:g}", "blend", float(w)) for w in settings.blend_weights)
        else:
            rows.append(Row(name, name))
        if name == "decoder":
            rows.extend(Row(f"decoder memory {w:g}", "decoder", memory=float(w))
                        for w in settings.memory_weights)
            rows.extend(Row(f"decoder {param}={value}", "decoder", params=((param, value),))
                        for param, values in settings.variants for value in _names(values))
    return rows


def _names(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def window_seed(settings: Settings, window: Window) -> int:
    """The sampling seed of a window: fixed by the run's seed, the piece and the window index."""
    return zlib.crc32(f"{settings.seed}:{window.piece}:{window.index}".encode()) & 0x7FFFFFFF


@dataclass
class Segue:
    """The model under test, with the style attached when a row needs it."""

    settings: Settings
    model: Any = None
    attached: Any = None  # the Style graph and blend play
    style_problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        from bridge.daemon import load_model, models_folders

        folders = models_folders(self.settings.models)
        self.model = load_model(self.settings.model, folders, precision=self.settings.precision)
        if any(r.sampler in STYLE_SAMPLERS for r in segue_rows(self.settings)):
            self.attached = attach_style(self.model, folders, self.settings.style, self.style_problems)

    @property
    def name(self) -> str:
        """The loaded model's name."""
        return str(self.model.name)

    @property
    def style(self) -> str | None:
        """The style graph and blend play (None when no row needs one, or none could be attached)."""
        return getattr(self.attached, "name", None)

    def answer(self, window: Window, row: Row) -> Answer:
        """Row ``row``'s continuation of ``window``'s seed, ``cont_notes`` long at most."""
        from bridge.offline import EmptyContinuation, SeedFile, continue_seed, settings_for
        from bridge.params import ParamStore

        s = self.settings
        store = ParamStore()
        store.set("length_notes", s.cont_notes)
        store.set("seed", window_seed(s, window))
        store.set("sampler", row.sampler)
        store.set("style", s.style)
        if s.temperature is not None:
            store.set("temperature", s.temperature)
        for name, value in s.params:
            store.set(name, value)
        for name, value in row.params:
            store.set(name, value)
        if row.memory is not None:
            store.set("memory_weight", row.memory)
        if row.sampler == "blend":
            store.set("blend", row.blend if row.blend is not None else store.param("blend").default)
        seed = window.seed
        settings_for(seed, store)
        forget_prefill(self.model)
        try:
            notes = continue_seed(self.model, SeedFile(seed.notes, seed.tempo_bpm, seed.time_signature,
                                                       seed.bar_origin), store)
        except EmptyContinuation as exc:
            return Answer(None, EMPTY, str(exc))
        except Exception as exc:  # noqa: BLE001 - any engine or sampler error is a counted failure
            log.debug("%s failed on %s", row.label, window.key, exc_info=True)
            problem = "; ".join(self.style_problems) if row.sampler in STYLE_SAMPLERS else ""
            return Answer(None, FAILED, f"{type(exc).__name__}: {exc}" + (f" ({problem})" if problem else ""))
        notes = notes[: s.cont_notes]
        return Answer(notes, OK if len(notes) >= s.cont_notes else SHORT)


def forget_prefill(model: Any) -> None:
    """Empty the decoder's key/value cache, so that an answer depends on its window and settings only.

    The decoder reuses the cached keys/values of the last sequence for a new seed's common prefix (the
    header tokens every seed shares), and the int8 decoder's answer then differs from a fresh prefill's
    (dynamically quantised activations depend on the tokens run together): without this, a window's
    answer would depend on which windows and rows ran before it. A fresh ``segue continue`` process starts
    empty too.
    """
    reset = getattr(model.samplers.get("decoder"), "reset", None)
    if reset is not None:
        reset()


def attach_style(model: Any, folders: Any, name: str, problems: list[str]) -> Any:
    """Give ``model`` the ``graph`` and ``blend`` samplers of style ``name`` the way ``segue continue``
    does (``bridge.offline.prepare_model``); the style, or None with the reason in ``problems``."""
    from bridge.offline import prepare_model
    from bridge.params import ParamStore

    store = ParamStore(values={"sampler": "blend", "style": name})
    try:
        prepare_model(model, store, folders)
    except ValueError as exc:
        problems.append(str(exc))
        log.warning("%s: graph and blend rows will fail", exc)
        return None
    return model.samplers["blend"].style
