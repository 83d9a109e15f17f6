"""A port-less JACK client beside segue's MIDI ports: it knows when the JACK server goes away (libjack's
shutdown callback), which ports are segue's, and who they are connected to (asked, not called back)."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

MIDI_TYPE = b"8 bit raw midi"
_EEXIST = 17


class JackWatch:
    """Watches the JACK server for segue's MIDI ports: a port-less JACK client whose callbacks only set
    an event (rtmidi does not report a server going away): ``lost`` is set from libjack's thread when the
    server goes away; nothing else runs there.
    ``ports_at_open`` are the MIDI ports that existed before segue opened its own, so
    :meth:`own_port` tells segue's ports from another client's of the same name. ``open`` returns None
    where libjack cannot be loaded or no server answers."""

    _NO_START_SERVER = 0x01

    def __init__(self, lib: Any, client: int) -> None:
        self.lost = threading.Event()
        self.reason = ""
        self._lib = lib
        self._client: int | None = client

        @ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
        def on_shutdown(code: int, reason: bytes | None, arg: Any) -> None:
            self.reason = (reason or b"").decode("utf-8", "replace")
            self.lost.set()

        # the only callback into Python: libjack runs the others synchronously for the server, and one that
        # waits for the interpreter while a thread holding it waits for the server (closing a port) is a
        # deadlock that JACK's client timeout turns into a crash; connections are polled instead
        self._callbacks = (on_shutdown,)  # kept alive as long as the client
        lib.jack_on_info_shutdown(client, on_shutdown, None)
        if lib.jack_activate(client) != 0:
            raise OSError("jack_activate failed")
        self.ports_at_open = frozenset(self.midi_ports())

    @classmethod
    def open(cls, name: str) -> JackWatch | None:
        path = ctypes.util.find_library("jack")
        if path is None:
            return None
        try:
            lib = ctypes.CDLL(path)
            lib.jack_client_open.restype = ctypes.c_void_p
            lib.jack_client_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
            lib.jack_on_info_shutdown.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
            lib.jack_activate.argtypes = [ctypes.c_void_p]
            lib.jack_deactivate.argtypes = [ctypes.c_void_p]
            lib.jack_client_close.argtypes = [ctypes.c_void_p]
            lib.jack_get_ports.restype = ctypes.POINTER(ctypes.c_char_p)
            lib.jack_get_ports.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong]
            lib.jack_port_by_name.restype = ctypes.c_void_p
            lib.jack_port_by_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
            lib.jack_port_get_all_connections.restype = ctypes.POINTER(ctypes.c_char_p)
            lib.jack_port_get_all_connections.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
            lib.jack_connect.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
            lib.jack_free.argtypes = [ctypes.c_void_p]
            status = ctypes.c_int(0)
            client = lib.jack_client_open(name.encode(), cls._NO_START_SERVER, ctypes.byref(status))
            if not client:
                return None
            return cls(lib, client)
        except (OSError, AttributeError) as exc:
            log.debug("no JACK server watch: %s", exc)
            return None

    def _names(self, array: Any) -> list[str]:
        """The strings of a NULL-terminated array libjack allocated, which is then freed."""
        if not array:
            return []
        names = []
        i = 0
        while array[i]:
            names.append(array[i].decode("utf-8", "replace"))
            i += 1
        self._lib.jack_free(ctypes.cast(array, ctypes.c_void_p))
        return names

    def midi_ports(self) -> list[str]:
        """Full names (``client:port``) of every MIDI port on the server."""
        if self._client is None or self.lost.is_set():
            return []
        return self._names(self._lib.jack_get_ports(self._client, None, MIDI_TYPE, 0))

    def own_port(self, short_name: str) -> str | None:
        """The full name of the port ``short_name`` opened after this watch: segue's own (None if none or
        more than one)."""
        found = [p for p in self.midi_ports() if p.endswith(f":{short_name}") and p not in self.ports_at_open]
        return found[0] if len(found) == 1 else None

    def connections(self, port: str) -> list[str]:
        """Full names of the ports connected to ``port``."""
        if self._client is None or self.lost.is_set():
            return []
        handle = self._lib.jack_port_by_name(self._client, port.encode())
        if not handle:
            return []
        return sorted(self._names(self._lib.jack_port_get_all_connections(self._client, handle)))

    def connect(self, source: str, destination: str) -> bool:
        """Connect two ports by full name; True when connected (or already were)."""
        if self._client is None or self.lost.is_set():
            return False
        return self._lib.jack_connect(self._client, source.encode(), destination.encode()) in (0, _EEXIST)

    def close(self) -> None:
        """Close the watch client (skipped once the server is gone: libjack would wait on it)."""
        client, self._client = self._client, None
        if client is not None and not self.lost.is_set():
            self._lib.jack_deactivate(client)
            self._lib.jack_client_close(client)
