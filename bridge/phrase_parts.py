"""Long phrases in several OSC messages: ``/segue/phrase/add`` parts gathered per sender until
``/segue/phrase/end``.

One UDP datagram holds at most ``MAX_PACKET_BYTES`` (8 KB), about 400 notes of ``/segue/phrase`` (20 bytes a
note); a phrase may have ``MAX_PHRASE_NOTES``. :class:`PhraseParts` keeps one pending phrase per sender,
bounded in notes, in senders (``MAX_SENDERS``, the oldest dropped) and in time (a phrase with no part for
``PENDING_S`` is dropped). It belongs to the control thread; time is passed in.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from bridge.errors import PREFIX, RequestError
from bridge.notes import Note
from bridge.osc_packets import MAX_PACKET_BYTES

log = logging.getLogger(__name__)

NS_PER_S = 1_000_000_000
MAX_PHRASE_NOTES = 512
NOTE_BYTES = 20  # four type tags and four 32-bit arguments
MAX_MESSAGE_NOTES = 400  # notes per /segue/phrase message: they fit one datagram, in a bundle too
assert MAX_MESSAGE_NOTES * NOTE_BYTES + 64 <= MAX_PACKET_BYTES
PENDING_S = 5.0
MAX_SENDERS = 16
ADD = f"{PREFIX}/phrase/add"
END = f"{PREFIX}/phrase/end"


def check_message_notes(count: int) -> None:
    """A whole ``/segue/phrase`` of ``count`` notes must fit one datagram; else ``RequestError``."""
    if count > MAX_MESSAGE_NOTES:
        raise RequestError(f"at most {MAX_MESSAGE_NOTES} notes per /segue/phrase message (one datagram), got "
                           f"{count}: send a longer phrase (up to {MAX_PHRASE_NOTES} notes) in parts with "
                           f"{ADD}, then {END}")


@dataclass(slots=True)
class _Pending:
    notes: list[Note] = field(default_factory=list)
    last_ns: int = 0


class PhraseParts:
    """Pending phrases by sender; see the module docstring."""

    def __init__(self, max_notes: int = MAX_PHRASE_NOTES, pending_s: float = PENDING_S,
                 max_senders: int = MAX_SENDERS) -> None:
        self.max_notes = max_notes
        self.pending_ns = round(pending_s * NS_PER_S)
        self.max_senders = max_senders
        self.dropped = 0  # pending phrases dropped unfinished
        self._pending: dict[Hashable, _Pending] = {}

    def add(self, sender: Hashable, notes: Sequence[Note], t_ns: int) -> int:
        """Append ``notes`` to ``sender``'s pending phrase; returns its length. Over ``max_notes`` raises
        ``RequestError`` and changes nothing."""
        self._expire(t_ns)
        check_message_notes(len(notes))
        pending = self._pending.get(sender)
        have = len(pending.notes) if pending is not None else 0
        if have + len(notes) > self.max_notes:
            raise RequestError(f"at most {self.max_notes} notes per phrase: {have} pending, {len(notes)} "
                               f"more refused; send {END} to play them")
        if pending is None:
            if len(self._pending) >= self.max_senders:
                oldest = min(self._pending, key=lambda s: self._pending[s].last_ns)
                del self._pending[oldest]
                self.dropped += 1
            pending = self._pending[sender] = _Pending()
        pending.notes.extend(notes)
        pending.last_ns = t_ns
        return len(pending.notes)

    def end(self, sender: Hashable, t_ns: int) -> list[Note]:
        """``sender``'s whole pending phrase (forgotten here); ``RequestError`` when there is none."""
        self._expire(t_ns)
        pending = self._pending.pop(sender, None)
        if pending is None:
            raise RequestError(f"no pending phrase from this sender: send {ADD} first (parts older than "
                               f"{self.pending_ns / NS_PER_S:g} s are dropped)")
        return pending.notes

    def __len__(self) -> int:
        return len(self._pending)

    def _expire(self, now_ns: int) -> None:
        old = [s for s, p in self._pending.items() if now_ns - p.last_ns > self.pending_ns]
        for sender in old:
            log.info("pending phrase of %d notes from %s dropped: no %s", len(self._pending[sender].notes),
                     sender, END)
            del self._pending[sender]
        self.dropped += len(old)
