"""The OSC address space as data: argument types, routes registered next to their handlers, and the
messages segue sends.

A handler method is declared with ``@route(address, *args, doc=...)``; :func:`collect` gathers the routes
of a class in declaration order, each bound to its handler function (no handler names as strings).
``segue params`` prints them with :func:`format_routes`, ``/segue/routes`` replies with them, and the
tests walk them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bridge.errors import PREFIX, RequestError

PARAM_PREFIX = f"{PREFIX}/param/"
PARAM_ROUTE = f"{PREFIX}/param/<name>"


@dataclass(frozen=True, slots=True)
class Arg:
    """One OSC argument: ``kind`` is int, float, str or any; numbers may carry a range."""

    name: str
    kind: str
    optional: bool = False
    min: float | None = None
    max: float | None = None

    @property
    def signature(self) -> str:
        text = f"{self.name}:{self.kind}"
        return f"[{text}]" if self.optional else text

    def coerce(self, value: Any) -> Any:
        """The value as this argument's type, or ``RequestError``. Max sends floats for ints and back."""
        if self.kind == "any":
            if isinstance(value, bool | int | float | str):
                return value
            raise RequestError(f"{self.name} must be a number or a string, got {type(value).__name__}")
        if self.kind == "str":
            if not isinstance(value, str):
                raise RequestError(f"{self.name} must be a string, got {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RequestError(f"{self.name} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise RequestError(f"{self.name} must be finite, got {value!r}")
        if self.kind == "int":
            if value != int(value):
                raise RequestError(f"{self.name} must be a whole number, got {value!r}")
            value = int(value)
        else:
            value = float(value)
        if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
            raise RequestError(f"{self.name} {value!r} is out of range {_num(self.min)}..{_num(self.max)}")
        return value


def _num(x: float | None) -> str:
    if x is None:
        return "*"
    return str(int(x)) if float(x).is_integer() else str(x)


Handler = Callable[..., None]


@dataclass(frozen=True, slots=True)
class Route:
    """One OSC address the daemon accepts. ``repeat``: the args form a group sent one or more times.
    ``handler(owner, address, values, t_ns)`` is the function declared with it."""

    address: str
    args: tuple[Arg, ...]
    doc: str
    handler: Handler
    repeat: bool = False

    @property
    def signature(self) -> str:
        body = " ".join(a.signature for a in self.args)
        return f"({body})*" if self.repeat else body

    def parse(self, args: Sequence[Any]) -> list[Any]:
        """Check arity and types; returns the coerced values or raises ``RequestError``."""
        if self.repeat:
            width = len(self.args)
            if not args or len(args) % width:
                raise RequestError(f"expects groups of {width} values ({self.signature}), got {len(args)}")
            return [self.args[i % width].coerce(v) for i, v in enumerate(args)]
        required = sum(not a.optional for a in self.args)
        if not required <= len(args) <= len(self.args):
            want = str(required) if required == len(self.args) else f"{required}-{len(self.args)}"
            raise RequestError(f"expects {want} argument(s) ({self.signature or 'none'}), got {len(args)}")
        return [a.coerce(v) for a, v in zip(self.args, args, strict=False)]

    def describe(self) -> dict[str, Any]:
        return {"address": self.address, "args": self.signature, "doc": self.doc}


def route(address: str, *args: Arg, doc: str, repeat: bool = False) -> Callable[[Handler], Handler]:
    """Declare the method below as the handler of ``address`` (see :func:`collect`)."""

    def declare(fn: Handler) -> Handler:
        fn.__segue_route__ = (address, tuple(args), doc, repeat)  # type: ignore[attr-defined]
        return fn

    return declare


def collect(cls: type) -> tuple[Route, ...]:
    """The routes declared on ``cls``'s methods, in declaration order."""
    out = []
    for value in vars(cls).values():
        spec = getattr(value, "__segue_route__", None)
        if spec is not None:
            address, args, doc, repeat = spec
            out.append(Route(address, args, doc, value, repeat))
    return tuple(out)


class RouteTable:
    """Routes by address; ``/segue/param/<name>`` matches every ``/segue/param/NAME``."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes = tuple(routes)
        self._by_address = {r.address: r for r in self.routes}

    def find(self, address: str) -> Route | None:
        """The route handling ``address``, or None."""
        found = self._by_address.get(address)
        if found is None and address.startswith(PARAM_PREFIX) and len(address) > len(PARAM_PREFIX):
            found = self._by_address.get(PARAM_ROUTE)
        return found


OUT_MESSAGES: tuple[tuple[str, str, str], ...] = (
    (f"{PREFIX}/note", "pitch:int velocity:int duration:float channel:int",
     "a continuation note, sent at its note-on time (duration in beats, channel 1-16)"),
    (f"{PREFIX}/noteon", "pitch:int velocity:int channel:int", "a continuation note-on"),
    (f"{PREFIX}/noteoff", "pitch:int velocity:int channel:int", "its note-off (velocity 0)"),
    (f"{PREFIX}/status", "state:str model:str sampler:str late:int max_late_ms:float dropped:int "
     "tempo:float clock_source:str beat:float phase:float peers:int link:str playing:int",
     "state is idle, listening, generating or playing (the answer still sounds); dropped counts the notes "
     "not played for being more than late_ms late; tempo is the one in force (a clock's when one drives it), "
     "beat and phase where the grid is now (phase: beats into the bar of quantum beats), peers the Link "
     "session's other apps, link off, alone or linked, playing 1 while the followed transport runs; sent "
     "on /segue/status and on every state change"),
    (f"{PREFIX}/answer/end", "-", "the last note-off of an answer has gone out (the answer played to its "
     "end; a stop or a newer phrase cuts it without this); the status then leaves playing"),
    (f"{PREFIX}/style", "name:str", "the style now playing, once installed (after /segue/style, a model swap "
     "or a live rebuild)"),
    (f"{PREFIX}/model", "name:str", "the model now playing, once a /segue/model swap succeeded"),
    (f"{PREFIX}/saved", "path:str", "answer to /segue/save: the config file written"),
    (f"{PREFIX}/error", "address:str message:str", "a message was rejected; nothing changed"),
    (f"{PREFIX}/midi", "status:str", "the MIDI ports' status, sent when they are lost (the JACK server "
     "stopped) and when segue has reopened them by itself"),
    (f"{PREFIX}/pong", "server_time_s:float [token]", "answer to /segue/ping"),
    (f"{PREFIX}/value", "name:str value", "answer to /segue/get"),
    (f"{PREFIX}/param", "name type domain default value doc", "answer to /segue/params, one per parameter"),
    (f"{PREFIX}/params/end", "count:int", "ends the /segue/params answer"),
    (f"{PREFIX}/route", "address args doc", "answer to /segue/routes, one per address"),
    (f"{PREFIX}/learning", "target:str", "answer to /segue/learn: the parameter or command the next MIDI "
     "control is learned for (empty: learning cancelled)"),
    (f"{PREFIX}/learned", "target:str control:str", "a MIDI control was learned for target (control like "
     "\"cc 21 ch 1\"; empty: unmapped); also the answer to /segue/unlearn and, one per entry, /segue/map"),
)


def format_routes(routes: Sequence[Route]) -> str:
    """The OSC address space as text: in and out messages with argument types and docs."""
    width = max(len(r.address) for r in routes)
    rows = ["in:"]
    for r in routes:
        rows.append(f"  {r.address.ljust(width)}  {r.signature or '-'}\n  {' ' * width}    {r.doc}")
    rows.append("out (to the reply port):")
    for address, args, doc in OUT_MESSAGES:
        rows.append(f"  {address.ljust(width)}  {args}\n  {' ' * width}    {doc}")
    return "\n".join(rows)
