"""Knowing when the JACK server goes away: a port-less JACK client listening for libjack's shutdown."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from typing import Any

log = logging.getLogger(__name__)


class JackWatch:
    """Tells when the JACK server goes away: a port-less JACK client whose only job is libjack's
    shutdown callback (rtmidi does not report it). ``lost`` is set from libjack's thread; nothing else
    runs there. ``open`` returns None where libjack cannot be loaded or no server answers."""

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

        self._callback = on_shutdown  # kept alive as long as the client
        lib.jack_on_info_shutdown(client, on_shutdown, None)
        if lib.jack_activate(client) != 0:
            raise OSError("jack_activate failed")

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
            status = ctypes.c_int(0)
            client = lib.jack_client_open(name.encode(), cls._NO_START_SERVER, ctypes.byref(status))
            if not client:
                return None
            return cls(lib, client)
        except (OSError, AttributeError) as exc:
            log.debug("no JACK server watch: %s", exc)
            return None

    def close(self) -> None:
        """Close the watch client (skipped once the server is gone: libjack would wait on it)."""
        client, self._client = self._client, None
        if client is not None and not self.lost.is_set():
            self._lib.jack_deactivate(client)
            self._lib.jack_client_close(client)
