"""The control thread's handlers: the OSC address space (each route declared on its handler), MIDI input
and parameter changes, all acting on the :class:`~bridge.session.Session`, the parameter registry and the
timeline. Errors are raised typed; the daemon reports them (``bridge.errors.error_address``).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bridge.answer_end import StyleNow
from bridge.config import ConfigError, ServeConfig, save_config
from bridge.errors import PREFIX, RequestError, StyleSelectError
from bridge.midi_map import COMMANDS, MidiMap, MidiMapError
from bridge.model import ModelError, check_name
from bridge.notes import Note
from bridge.params import ParamStore
from bridge.phrase_parts import (
    MAX_MESSAGE_NOTES,
    MAX_PHRASE_NOTES,
    PENDING_S,
    PhraseParts,
    check_message_notes,
)
from bridge.replies import ReplyBudget, Verdict, message_bytes
from bridge.routes import PARAM_PREFIX, PARAM_ROUTE, Arg, RouteTable, collect, route
from bridge.session import Session, SessionConfig
from bridge.style import StyleError
from bridge.timeline import MIDI_CLOCK_KINDS

log = logging.getLogger(__name__)

NS_PER_S = 1_000_000_000
_NOTE_ARGS = (Arg("pitch", "int", min=0, max=127), Arg("velocity", "int", min=0, max=127),
              Arg("channel", "int", optional=True, min=1, max=16),
              Arg("beats", "float", optional=True, min=1e-3, max=256))
_PHRASE_ARGS = (Arg("pitch", "int", min=0, max=127), Arg("velocity", "int", min=1, max=127),
                Arg("start", "float", min=0, max=4096), Arg("duration", "float", min=1e-3, max=256))
_SESSION_PARAMS = ("mode", "phrase_end", "gap_seconds", "feedback_suppress", "max_hold_s")
#: served ahead of all other input (``bridge.wiring.Mailbox``'s priority lane)
PRIORITY = (f"{PREFIX}/stop", f"{PREFIX}/panic")
#: answers listing many items: bounded per sender (``bridge.replies.ReplyBudget``), once per packet
BULK = (f"{PREFIX}/params", f"{PREFIX}/routes", f"{PREFIX}/get", f"{PREFIX}/map")
_STARTS = (f"{PREFIX}/phrase", f"{PREFIX}/phrase/end", f"{PREFIX}/continue")  # what a later stop ends


def wire(value: Any) -> Any:
    """A value as an OSC argument: bools as 0/1 (Max and Pd have no boolean type)."""
    return int(value) if isinstance(value, bool) else value


class Control:
    """OSC and MIDI in, on the control thread. ``reply(address, *args)`` answers; ``status()`` sends
    ``/segue/status``; ``engine`` is for model swaps, ``styles`` for style jobs."""

    def __init__(self, session: Session, params: ParamStore, engine: Any, styles: Any,
                 reply: Callable[..., None], status: Callable[[], None], clock: Callable[[], int],
                 midi_map: Mapping[str, str] | None = None, serve: ServeConfig | None = None) -> None:
        self.session = session
        self.params = params
        self.engine = engine
        self.styles = styles
        self.reply = reply
        self.status = status
        self.clock = clock
        self.sender: Any = None  # who sent the message being handled (an OSC client address)
        self.budget = ReplyBudget()
        self.phrase_parts = PhraseParts()
        self.midi_map = MidiMap.from_config(midi_map or {})  # the config's [midi.map], and what is learned
        self.serve = serve if serve is not None else ServeConfig()  # what /segue/save writes with the params

    # ------------------------------------------------------------ dispatch

    def handle(self, address: str, args: Sequence[Any], t_ns: int, sender: Any = None,
               overtaken: bool = False) -> None:
        """Route one OSC message; raises ``RequestError`` (and other typed errors) when rejected.
        ``overtaken``: a stop or panic received after this message was served already (it goes first), so
        a phrase or continue is stopped again, as if in order."""
        found = TABLE.find(address)
        if found is None:
            raise RequestError("unknown address; `segue params` or /segue/routes lists them")
        self.sender = sender
        found.handler(self, address, found.parse(args), t_ns)
        if overtaken and address in _STARTS:
            self.session.stop(t_ns)

    def _bulk(self, address: str, t_ns: int, messages: list[tuple[Any, ...]]) -> None:
        """Send a many-item answer within the sender's budget: covered by the last one, limited (one
        error a second says so) or sent whole."""
        cost = sum(message_bytes(m[0], m[1:]) for m in messages)
        verdict = self.budget.admit(self.sender, address, t_ns, cost)
        if verdict == Verdict.LIMITED:
            raise RequestError(f"answer limited: bulk replies to one sender are capped at "
                               f"{self.budget.rate / 1024:g} KB/s ({self.budget.burst // 1024} KB at once); "
                               f"ask again in {max(0.1, self.budget.wait_s(self.sender, cost)):.1f} s")
        if verdict == Verdict.SEND:
            for message in messages:
                self.reply(*message)

    def midi(self, kind: str, data: Sequence[Any], t_ns: int) -> None:
        """One decoded MIDI message: notes into the session, real-time messages into the timeline."""
        if kind in MIDI_CLOCK_KINDS:
            self.session.clock(kind, t_ns, int(data[0]) if data else 0)
        elif kind in ("note_on", "note_off", "control_change") and self._mapped(kind, data, t_ns):
            return  # learned, or a mapped control: not a note of the phrase, not the pedal
        elif kind == "note_on":
            self.session.note(int(data[0]), int(data[1]), int(data[2]), t_ns)
        elif kind == "note_off":
            self.session.note(int(data[0]), 0, int(data[1]), t_ns)
        elif kind == "control_change":  # (control, value, channel)
            self.session.control(int(data[0]), int(data[1]), int(data[2]), t_ns)

    def _mapped(self, kind: str, data: Sequence[Any], t_ns: int) -> bool:
        """Offer a note or CC to the MIDI map; True when the map took it (and ran what it maps to)."""
        number, value, channel = (data[0], 0, data[1]) if kind == "note_off" else data[:3]
        taken, actions, learned = self.midi_map.offer(kind, int(number), int(value), int(channel))
        if learned is not None:
            self.reply(f"{PREFIX}/learned", *learned)
        for action in actions:
            if action.target in COMMANDS:
                _MAPPED_COMMANDS[action.target](self, action.target, [], t_ns)
                continue
            old = self.params.get(action.target)
            new = (not old) if action.toggle else action.value
            if new != old:  # the path of /segue/set: checked, listeners apply it, the patch hears it
                self.reply(f"{PREFIX}/value", action.target, wire(self.params.set(action.target, new)))
        return taken

    def news(self, event: Any) -> None:
        """A style installed or a model swapped: the patch hears what plays now."""
        if isinstance(event, StyleNow):
            self.reply(f"{PREFIX}/style", event.name)
        else:
            self.reply(f"{PREFIX}/model", event.name)
            self.status()

    def in_force(self, name: str) -> Any:
        """What plays now for ``name``: the style and model actually playing, the tempo in force, else the
        parameter."""
        if name == "model":
            return self.engine.model.name
        if name == "tempo":  # a clock's (MIDI, Link) when one drives it
            return round(self.session.timeline.grid.tempo_bpm, 3)
        if name == "style" and self.styles.style is not None:
            return self.styles.style.name
        return wire(self.params.get(name))

    def param_changed(self, name: str, value: Any) -> None:
        """A parameter changed (run on the control thread)."""
        timeline, session = self.session.timeline, self.session
        if name == "tempo":
            if timeline.set_tempo(float(value)):
                session.retime()
        elif name == "clock_source":
            if timeline.set_source(str(value)):
                session.retime()
        elif name == "bar_beats":
            timeline.set_bar_beats(int(value))
            session.retime()
        elif name in _SESSION_PARAMS:
            session.configure(SessionConfig.of(self.params.snapshot()), self.clock())
        elif name == "style" and value:
            try:
                self.styles.select(str(value))
            except ModelError as exc:
                raise StyleSelectError(str(exc)) from None

    # ------------------------------------------------------------ the routes, in the order documented

    @route(f"{PREFIX}/note", *_NOTE_ARGS,
           doc="a note-on into the phrase capture, like MIDI in (velocity 0 = note-off; channel 1-16; with "
           "beats, released after that many beats: for senders without note-offs)")
    def on_note(self, address: str, values: list[Any], t_ns: int) -> None:
        channel = values[2] - 1 if len(values) > 2 else 0
        self.session.note(values[0], values[1], channel, t_ns, values[3] if len(values) > 3 else None)

    @route(f"{PREFIX}/phrase", *_PHRASE_ARGS, repeat=True,
           doc=f"a whole seed phrase, times in beats; continued at once (at most {MAX_MESSAGE_NOTES} notes: "
           "one datagram; a longer one goes in parts with /segue/phrase/add)")
    def on_phrase(self, address: str, values: list[Any], t_ns: int) -> None:
        notes = _notes(values)
        check_message_notes(len(notes))
        self.session.phrase(notes, t_ns)

    @route(f"{PREFIX}/phrase/add", *_PHRASE_ARGS, repeat=True,
           doc=f"part of a longer seed phrase (up to {MAX_PHRASE_NOTES} notes in all), times in beats from "
           "the phrase start; kept per sender until /segue/phrase/end (dropped after "
           f"{PENDING_S:g} s without a part)")
    def on_phrase_add(self, address: str, values: list[Any], t_ns: int) -> None:
        self.phrase_parts.add(self.sender, _notes(values), t_ns)

    @route(f"{PREFIX}/phrase/end", doc="the phrase sent with /segue/phrase/add is whole: continued at once")
    def on_phrase_end(self, address: str, values: list[Any], t_ns: int) -> None:
        self.session.phrase(self.phrase_parts.end(self.sender, t_ns), t_ns)

    @route(f"{PREFIX}/clear", doc="forget the current seed and the phrase being played")
    def on_clear(self, address: str, values: list[Any], t_ns: int) -> None:
        self.session.clear(t_ns)

    @route(f"{PREFIX}/continue", Arg("beats", "float", optional=True, min=0.25, max=256),
           doc="end the phrase being played and continue it, or continue the last seed again")
    def on_continue(self, address: str, values: list[Any], t_ns: int) -> None:
        self.session.continue_(values[0] if values else None, t_ns)

    @route(f"{PREFIX}/stop", doc="stop generating: pending notes are dropped, sounding ones end")
    def on_stop(self, address: str, values: list[Any], t_ns: int) -> None:
        self.session.stop(t_ns)

    @route(f"{PREFIX}/panic", doc="stop, and all-notes-off on every MIDI channel")
    def on_panic(self, address: str, values: list[Any], t_ns: int) -> None:
        self.session.stop(t_ns, panic=True)

    @route(f"{PREFIX}/set", Arg("name", "str"), Arg("value", "any"), doc="set a parameter")
    def on_set(self, address: str, values: list[Any], t_ns: int) -> None:
        name, value = values
        self.reply(f"{PREFIX}/value", name, wire(self.params.set(name, value)))

    @route(PARAM_ROUTE, Arg("value", "any"), doc="set the parameter <name>")
    def on_param(self, address: str, values: list[Any], t_ns: int) -> None:
        name = address[len(PARAM_PREFIX):]
        self.reply(f"{PREFIX}/value", name, wire(self.params.set(name, values[0])))

    @route(f"{PREFIX}/get", Arg("name", "str", optional=True),
           doc="reply /segue/value name value, for one parameter or all: what is in force (style and model: "
           "the ones playing)")
    def on_get(self, address: str, values: list[Any], t_ns: int) -> None:
        if values:
            self.reply(f"{PREFIX}/value", values[0], self.in_force(values[0]))
            return
        self._bulk(address, t_ns, [(f"{PREFIX}/value", name, self.in_force(name))
                                   for name in self.params.snapshot()])

    @route(f"{PREFIX}/params", Arg("name", "str", optional=True),
           doc="reply /segue/param name type domain default value doc per parameter, then "
           "/segue/params/end n")
    def on_params(self, address: str, values: list[Any], t_ns: int) -> None:
        described = self.params.describe()
        if values:
            self.params.param(values[0])
            described = [d for d in described if d["name"] == values[0]]
        messages = [(f"{PREFIX}/param", d["name"], d["type"], d["domain"], wire(d["default"]),
                     wire(d["value"]), d["doc"]) for d in described]
        messages.append((f"{PREFIX}/params/end", len(described)))
        if values:  # one parameter: not a bulk answer
            for message in messages:
                self.reply(*message)
        else:
            self._bulk(address, t_ns, messages)

    @route(f"{PREFIX}/model", Arg("name", "str"),
           doc="hot-swap to another model of the models folders; the old one stays on failure")
    def on_model(self, address: str, values: list[Any], t_ns: int) -> None:
        try:
            check_name(values[0])
        except ModelError as exc:
            raise RequestError(str(exc)) from None
        self.engine.swap(values[0])

    @route(f"{PREFIX}/style", Arg("name", "str"),
           doc="switch the graph and blend samplers to a learned style; the old one stays on failure")
    def on_style(self, address: str, values: list[Any], t_ns: int) -> None:
        try:
            self.styles.select(values[0])
        except ModelError as exc:
            raise RequestError(str(exc)) from None

    @route(f"{PREFIX}/style/learn", Arg("source", "str"),
           doc="learn a style from a folder of MIDI files, or from this session's phrases ('live'), in the "
           "background")
    def on_style_learn(self, address: str, values: list[Any], t_ns: int) -> None:
        try:
            self.styles.learn(values[0])
        except (StyleError, ModelError) as exc:
            raise RequestError(str(exc)) from None

    @route(f"{PREFIX}/learn", Arg("target", "str", optional=True),
           doc="map the next CC that arrives on the MIDI input to a parameter, or the next CC or note to a "
           f"command ({', '.join(COMMANDS)}); reply /segue/learning target, then /segue/learned target "
           "control; without a target: cancel")
    def on_learn(self, address: str, values: list[Any], t_ns: int) -> None:
        try:
            self.midi_map.learn(values[0] if values else None)
        except MidiMapError as exc:
            raise RequestError(str(exc)) from None
        self.reply(f"{PREFIX}/learning", self.midi_map.learning or "")

    @route(f"{PREFIX}/unlearn", Arg("target", "str"),
           doc="remove the MIDI control of a parameter or command; reply /segue/learned target \"\"")
    def on_unlearn(self, address: str, values: list[Any], t_ns: int) -> None:
        try:
            self.midi_map.unlearn(values[0])
        except MidiMapError as exc:
            raise RequestError(str(exc)) from None
        self.reply(f"{PREFIX}/learned", values[0], "")

    @route(f"{PREFIX}/map", doc="reply /segue/learned target control per entry of the MIDI map")
    def on_map(self, address: str, values: list[Any], t_ns: int) -> None:
        self._bulk(address, t_ns, [(f"{PREFIX}/learned", target, spec)
                                   for target, spec in self.midi_map.to_config().items()])

    @route(f"{PREFIX}/save", Arg("file", "str", optional=True),
           doc="write the live settings to the config file (the --config one, or FILE, a .toml); reply "
           "/segue/saved path")
    def on_save(self, address: str, values: list[Any], t_ns: int) -> None:
        path = Path(values[0]).expanduser() if values and values[0] else None
        if path is None:
            if not self.serve.config_path:
                raise RequestError("no config file: give one (/segue/save FILE.toml) or start with --config")
            path = Path(self.serve.config_path)
        if path.suffix != ".toml":
            raise RequestError(f"{str(path)!r} is not a .toml file; a config file ends in .toml")
        serve = dataclasses.replace(self.serve, model=self.engine.model.name, config_path="",
                                    midi_map=tuple(self.midi_map.to_config().items()))
        try:
            save_config(path, serve, self.params)
        except ConfigError as exc:
            raise RequestError(str(exc)) from None
        self.reply(f"{PREFIX}/saved", str(path.resolve()))

    @route(f"{PREFIX}/status", doc="reply /segue/status")
    def on_status(self, address: str, values: list[Any], t_ns: int) -> None:
        self.status()

    @route(f"{PREFIX}/ping", Arg("token", "any", optional=True),
           doc="reply /segue/pong server_time_s [token]")
    def on_ping(self, address: str, values: list[Any], t_ns: int) -> None:
        self.reply(f"{PREFIX}/pong", self.clock() / NS_PER_S, *values)

    @route(f"{PREFIX}/routes", doc="reply /segue/route address args doc per address (this table)")
    def on_routes(self, address: str, values: list[Any], t_ns: int) -> None:
        self._bulk(address, t_ns, [(f"{PREFIX}/route", r.address, r.signature, r.doc) for r in ROUTES])


def _notes(values: list[Any]) -> list[Note]:
    return [Note(*values[i:i + 4]) for i in range(0, len(values), 4)]


ROUTES = collect(Control)
_MAPPED_COMMANDS = {"continue": Control.on_continue, "stop": Control.on_stop, "panic": Control.on_panic,
                    "clear": Control.on_clear}
TABLE = RouteTable(ROUTES)


def find_route(address: str) -> Any:
    """The route handling ``address`` (``/segue/param/<name>`` included), or None."""
    return TABLE.find(address)
