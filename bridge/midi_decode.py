"""Raw MIDI bytes to mido messages: running status, garbage and sysex handled, never in an I/O callback."""

from __future__ import annotations

from collections.abc import Iterable

import mido


class MidiDecoder:
    """Raw MIDI bytes -> mido messages, with running status; stray data bytes and sysex are dropped.

    By default each ``decode`` call is one self-contained event (what rtmidi delivers: ALSA and JACK
    events never continue a previous event's running status, and several sources share one input);
    ``stream=True`` treats the calls as one continuous byte stream (a serial line)."""

    def __init__(self, keep_sysex: bool = False, max_sysex: int = 4096, stream: bool = False) -> None:
        self.stream = stream
        self.keep_sysex = keep_sysex
        self.max_sysex = max_sysex
        self.errors = 0  # bytes or messages that made no sense
        self._running = 0  # running status byte (channel messages)
        self._sysex: list[int] | None = None
        self._partial: list[int] = []  # stream mode: a message cut by the end of the last chunk
        self._need = 0

    def decode(self, data: Iterable[int]) -> list[mido.Message]:
        """Messages completed by ``data`` (one rtmidi event usually holds exactly one)."""
        out: list[mido.Message] = []
        current: list[int] = []
        need = 0
        if self.stream:  # a message may go on from the last chunk
            current, need = self._partial, self._need
        else:
            self._running = 0
            self._sysex = None
        for byte in data:
            if not isinstance(byte, int) or not 0 <= byte <= 255:
                self.errors += 1
                continue
            if byte >= 0xF8:  # real-time: may appear anywhere
                self._emit([byte], out)
                continue
            if self._sysex is not None:
                if byte == 0xF7:
                    if self.keep_sysex:
                        self._emit([*self._sysex, 0xF7], out)
                    self._sysex = None
                elif byte & 0x80:
                    self._sysex = None  # unterminated sysex: drop it, handle the status byte below
                    self.errors += 1
                else:
                    if len(self._sysex) < self.max_sysex:
                        self._sysex.append(byte)
                    continue
                if byte == 0xF7:
                    continue
            if byte == 0xF0:
                self._sysex = [0xF0]
                self._running = 0
                current, need = [], 0
                continue
            if byte & 0x80:
                if current:
                    self.errors += 1  # a status byte cut the previous message short
                current = [byte]
                need = _length(byte) - 1
                self._running = byte if byte < 0xF0 else 0
                if need <= 0:
                    if need == 0:
                        self._emit(current, out)
                    else:
                        self.errors += 1
                    current, need = [], 0
                continue
            # data byte
            if not current:
                if not self._running:
                    self.errors += 1
                    continue
                current = [self._running]
                need = _length(self._running) - 1
            current.append(byte)
            need -= 1
            if need == 0:
                self._emit(current, out)
                current = []
        if self.stream:
            self._partial, self._need = current, need
        elif current:
            self.errors += 1
        return out

    def _emit(self, data: list[int], out: list[mido.Message]) -> None:
        try:
            out.append(mido.Message.from_bytes(data))
        except (ValueError, TypeError, KeyError):
            self.errors += 1


def _length(status: int) -> int:
    """Bytes in a message with this status byte; -1 for undefined ones."""
    if status < 0xF0:
        return 2 if 0xC0 <= status < 0xE0 else 3
    return {0xF1: 2, 0xF2: 3, 0xF3: 2, 0xF6: 1}.get(status, -1)
