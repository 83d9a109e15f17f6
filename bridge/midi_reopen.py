"""Segue's MIDI ports kept alive: opened for the daemon, reopened by themselves when the JACK server comes
back after it went away, and (``restore_connections``) their JACK connections remembered in the state
folder and made again after a restart.

:class:`MidiKeeper` owns the opening; its thread (on JACK only) is the one that reopens the ports and
saves and restores connections. What it has to say (lost, back) goes to ``on_news(status, error)``; the
daemon hands that to its control thread.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bridge.config import ServeConfig
from bridge.errors import MidiLost, SegueError
from bridge.journal import StateFolder, read_state, write_atomic
from bridge.loading import DaemonError
from bridge.midi_io import MidiPorts, MidiUnavailable

log = logging.getLogger(__name__)

REOPEN_INTERVAL_S = 1.0
WATCH_INTERVAL_S = 0.2
CONNECTIONS_NAME = "connections.json"

News = Callable[[str, "SegueError | None"], None]


class MidiKeeper:
    """Opens the daemon's MIDI ports (``open``) and keeps them (``start``/``close``); see the module
    docstring. ``status`` is the line for the banner and ``/segue/midi``."""

    def __init__(self, serve: ServeConfig, events: Any, on_news: News,
                 state: StateFolder | None = None) -> None:
        self.serve = serve
        self.events = events
        self.on_news = on_news
        self.state = state
        self.restore = serve.restore_connections and state is not None and state.owned
        self.ports: MidiPorts | None = None
        self.status = "not opened"
        self._saved: dict[str, list[str]] = {}  # our short port name -> peers (full JACK names)
        self._absent: set[str] = set()  # saved peers whose ports are not there now
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- opening (the daemon's thread, before any other part runs)
    def open(self) -> MidiPorts | None:
        """The MIDI ports, connections restored; None (and why in ``status``) when running OSC-only."""
        serve = self.serve
        if not serve.midi:
            self.status = "off (--no-midi): running OSC-only"
            return None
        ports = MidiPorts(api=serve.midi_api or "auto", connect_in=serve.midi_in or None,
                          connect_out=serve.midi_out or None, events=self.events)
        try:
            ports.open()
        except MidiUnavailable as exc:
            if serve.midi_in or serve.midi_out or serve.midi_api:
                raise DaemonError(str(exc)) from None  # asked for explicitly: do not carry on silently
            self.status = f"unavailable, running OSC-only: {exc}"
            log.warning("MIDI %s", self.status)
            return None
        self.ports = ports
        self.status = ports.describe()
        if self.restore:
            self._saved = self._load()
            self._restore_all()
        return ports

    def start(self) -> None:
        """Watch the ports (JACK only: the one backend whose server can go away and come back)."""
        if self.ports is not None and self.ports.api == "jack" and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="segue-midi-keeper", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop watching (before the ports close); the connections as they are now are saved."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(3.0)
            self._thread = None

    # -- the keeper thread
    def _run(self) -> None:
        ports = self.ports
        assert ports is not None
        while not self._stop.is_set():
            if ports.server_lost:
                self._report_lost(ports)
                self._reopen(ports)
                continue
            watch = ports.jack
            if self.restore and watch is not None:
                self._sync()  # polled: a patch made is saved within WATCH_INTERVAL_S
            self._stop.wait(WATCH_INTERVAL_S)
        if self.restore and not ports.server_lost:
            self._sync()

    def _report_lost(self, ports: MidiPorts) -> None:
        reason = ports.jack.reason if ports.jack is not None else ""
        self.status = "lost: the JACK server stopped; OSC goes on, MIDI comes back when JACK runs again"
        message = ("the JACK server stopped" + (f" ({reason})" if reason else "")
                   + ": MIDI in and out are gone, OSC in and out go on; segue reopens its MIDI ports "
                   "by itself once JACK runs again")
        log.error("%s", message)
        self.on_news(self.status, MidiLost(message))

    def _reopen(self, ports: MidiPorts) -> None:
        """Try every ``REOPEN_INTERVAL_S`` until the ports are open on a running server (or stop)."""
        ports.requested_api = "jack"  # the server that went away is the one to wait for
        while not self._stop.wait(REOPEN_INTERVAL_S):
            try:
                ports.close()
                ports.open()
            except MidiUnavailable as exc:
                log.debug("MIDI not back yet: %s", exc)
                continue
            if ports.server_lost:
                continue
            if self.restore:
                self._restore_all()
            ports.panic()  # whatever a receiver still holds from before ends here
            self.status = ports.describe()
            log.warning("the JACK server is back: %s", self.status)
            self.on_news(self.status, None)
            return

    # -- connections
    def _own(self) -> dict[str, str]:
        """Our virtual ports on JACK: short name -> full name."""
        ports = self.ports
        watch = ports.jack if ports is not None else None
        if ports is None or watch is None:
            return {}
        own: dict[str, str] = {}
        for short, existing in ((ports.in_name, ports.connect_in), (ports.out_name, ports.connect_out)):
            full = watch.own_port(short) if not existing else None  # an existing port: rtmidi connects it
            if full is not None:
                own[short] = full
        return own

    def _connect(self, short: str, ours: str, peer: str) -> bool:
        ports = self.ports
        assert ports is not None and ports.jack is not None
        source, destination = (peer, ours) if short == ports.in_name else (ours, peer)
        done = ports.jack.connect(source, destination)
        if done:
            log.info("reconnected %s -> %s", source, destination)
        return done

    def _restore_all(self) -> None:
        """Connect every remembered peer that is there; the others when they appear."""
        ports = self.ports
        if ports is None or ports.jack is None:
            return
        present = set(ports.jack.midi_ports())
        for short, ours in self._own().items():
            for peer in self._saved.get(short, []):
                if peer in present:
                    self._connect(short, ours, peer)
        self._absent = {p for peers in self._saved.values() for p in peers if p not in present}
        self._sync()

    def _sync(self) -> None:
        """Connect remembered peers that just appeared, then save the connections if they changed.

        A peer whose port went away (a synth quit) stays remembered; one disconnected is forgotten."""
        ports = self.ports
        if ports is None or ports.jack is None:
            return
        watch = ports.jack
        own = self._own()
        present = set(watch.midi_ports())
        for short, ours in own.items():
            for peer in self._saved.get(short, []):
                if peer in self._absent and peer in present:
                    self._connect(short, ours, peer)
        unstick = f"{ports.client_name}-unstick:"
        saved: dict[str, list[str]] = {}
        for short, ours in own.items():
            now = {p for p in watch.connections(ours) if not p.startswith(unstick)}
            gone = {p for p in self._saved.get(short, []) if p not in present}
            saved[short] = sorted(now | gone)
        self._absent = {p for peers in saved.values() for p in peers if p not in present}
        if saved != self._saved:
            self._saved = saved
            self._save(saved)

    def _path(self) -> Path:
        assert self.state is not None
        return self.state.path / CONNECTIONS_NAME

    def _load(self) -> dict[str, list[str]]:
        data = read_state(self._path(), "JACK connections")
        if data is None:
            return {}
        try:
            loaded = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            log.warning("ignoring %s: not a segue connections file", self._path())
            return {}
        if not isinstance(loaded, dict):
            return {}
        return {str(k): [p for p in v if isinstance(p, str)]
                for k, v in loaded.items() if isinstance(v, list)}

    def _save(self, saved: dict[str, list[str]]) -> None:
        try:
            write_atomic(self._path(), json.dumps(saved, indent=1).encode("utf-8"))
        except OSError as exc:
            log.warning("cannot save the MIDI connections to %s: %s", self._path(), exc.strerror or exc)
