"""Typed errors of the daemon's parts, and the one place that maps them to ``/segue/error`` addresses.

Each part raises (or reports) the error type of what went wrong where it happens; the daemon turns every
one into ``/segue/error address message`` with :func:`error_address`. A rejected OSC message is
reported at its own address; every other error at the address of the thing it concerns.
"""

from __future__ import annotations

PREFIX = "/segue"


class SegueError(Exception):
    """Base of the errors reported over OSC; ``address`` is where ``/segue/error`` reports it."""

    address = PREFIX


class RequestError(SegueError):
    """A rejected OSC message (wrong arity, type or range); reported at the message's own address."""


class NoSeed(SegueError):
    """``/segue/continue`` with nothing to continue."""

    address = f"{PREFIX}/continue"


class EmptySeed(SegueError):
    """A seed phrase without notes."""

    address = f"{PREFIX}/phrase"


class EngineError(SegueError):
    """A request the engine cannot carry out, or the worker failing (reported, never fatal)."""

    address = f"{PREFIX}/engine"


class ModelSwapError(EngineError):
    """``/segue/model NAME`` could not load NAME; the old model plays on."""

    address = f"{PREFIX}/model"


class StyleSelectError(SegueError):
    """Switching to a learned style failed; the old style plays on."""

    address = f"{PREFIX}/style"


class StyleLearnError(SegueError):
    """Learning a style failed; the old style plays on."""

    address = f"{PREFIX}/style/learn"


class MidiLost(SegueError):
    """The MIDI backend (the JACK server) went away; OSC goes on."""

    address = f"{PREFIX}/midi"


class RateLimitSummary(SegueError):
    """How many ``/segue/error`` replies the rate limit held back."""

    address = PREFIX


def error_address(error: BaseException, request: str | None = None) -> str:
    """Where ``/segue/error`` reports ``error``: a rejected request (``RequestError``, or a parameter or
    model name refused while handling ``request``) at the request's address, a typed error at its own."""
    from bridge.params import ParamError

    if request is not None and isinstance(error, RequestError | ParamError):
        return request
    if isinstance(error, SegueError) and (request is None or type(error).address != PREFIX):
        return type(error).address
    return request if request is not None else PREFIX
