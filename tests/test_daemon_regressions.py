"""Three bugs that came from state without one owner, each reproduced over the daemon's real ports.

- ``[/segue/phrase ..., /segue/continue 4]`` in one bundle: the continue was refused ("no seed phrase
  yet") because the control thread asked the engine, which had not seen the phrase yet.
- After the MIDI clock stopped, the capture kept the clock's tempo while the engine encoded the seed at
  the tempo parameter's: the phrase was answered at another tempo than it was played in.
- One ``/segue/panic`` sent All Notes Off twice (2 x 16 CC 123).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mido
import pytest
from conftest import JackServer, OrderedReplies, StuckNoteAudit, free_udp_port, wait_for
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.udp_client import SimpleUDPClient
from test_daemon_midi import MidiProbe, jack_daemon, segue_ports
from test_daemon_osc import PHRASE, TEST_PARAMS, TINY, models_dir, play_long

from bridge.config import ServeConfig
from bridge.continuation import Model
from bridge.daemon import Daemon, load_model
from bridge.params import ParamStore

__all__ = ["models_dir"]


def ping(client: SimpleUDPClient, replies: OrderedReplies, token: str) -> None:
    mark = replies.mark()
    client.send_message("/segue/ping", token)
    replies.wait("/segue/pong", lambda a: a[-1] == token, after=mark)


def message(address: str, args: list[Any]) -> Any:
    builder = OscMessageBuilder(address=address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build()


def test_a_phrase_and_a_continue_in_one_bundle_are_both_answered(
        models_dir: Path, stuck_note_audit: StuckNoteAudit) -> None:
    replies = OrderedReplies(stuck_note_audit)
    serve = ServeConfig(port=free_udp_port(), reply_port=replies.port, midi=False, models=(str(models_dir),),
                        model=TINY)
    daemon = Daemon(serve, ParamStore(values=TEST_PARAMS)).open()
    try:
        assert daemon.osc_address is not None
        client = SimpleUDPClient("127.0.0.1", daemon.osc_address[1])
        bundle = OscBundleBuilder(IMMEDIATELY)
        bundle.add_content(message("/segue/phrase", PHRASE))
        bundle.add_content(message("/segue/continue", [4.0]))
        client.send(bundle.build())
        ping(client, replies, "bundle")
        assert daemon.engine is not None and daemon.engine.wait_idle(20)
        assert replies.all("/segue/error") == []
        assert daemon.engine.stats.continuations == 2  # the phrase, then the continue of it
        assert len(daemon.engine.seed_notes) == len(PHRASE) // 4
        stuck_note_audit.assert_clean(timeout=10)
    finally:
        daemon.close()
        replies.close()


class Recording:
    """A sampler that records the seed ids of every generation and otherwise is the wrapped one."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.seeds: list[list[int]] = []
        self.lock = threading.Lock()

    def generate(self, seed_ids: list[int], *args: Any, **kwargs: Any) -> Iterator[int]:
        with self.lock:
            self.seeds.append(list(seed_ids))
        return self.inner.generate(seed_ids, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def tempo_tokens(model: Model, ids: list[int]) -> set[str]:
    return {t for i in ids for t in model.scheme.base_tokens(i) if t.startswith("Tempo_")}  # type: ignore[attr-defined]


def test_after_the_midi_clock_stops_the_phrase_is_answered_at_the_tempo_it_was_played_in(
        jack_server: JackServer, models_dir: Path, stuck_note_audit: StuckNoteAudit) -> None:
    loaded = load_model(TINY, [models_dir])
    recorder = Recording(loaded.samplers["decoder"])
    model = Model(loaded.name, loaded.scheme, {"decoder": recorder})
    replies = OrderedReplies(stuck_note_audit)
    serve = ServeConfig(port=free_udp_port(), reply_port=replies.port, midi=True, midi_api="jack",
                        models=(str(models_dir),), model=TINY)
    # the tempo parameter (300 BPM) and the clock (100 BPM) fall in different tempo tokens (250, 96)
    params = {**TEST_PARAMS, "clock_source": "midi", "phrase_end": "trigger"}
    daemon = Daemon(serve, ParamStore(values=params), model=model).open()
    probe = MidiProbe(jack_server, "clock dropout")
    running = threading.Event()
    running.set()

    def clock() -> None:
        probe.output.send(mido.Message("start"))
        next_tick = time.monotonic()
        while running.is_set():
            probe.output.send(mido.Message("clock"))
            next_tick += 60.0 / (100.0 * 24)
            time.sleep(max(0.0, next_tick - time.monotonic()))
        probe.output.send(mido.Message("stop"))

    ticker = threading.Thread(target=clock, daemon=True)
    try:
        segue_in, segue_out = segue_ports(jack_server)
        probe.wire(segue_in, segue_out)
        ticker.start()
        time.sleep(1.5)  # about two beats of clock: the tempo follows it
        assert daemon.osc_address is not None
        client = SimpleUDPClient("127.0.0.1", daemon.osc_address[1])
        for pitch in (60, 62, 64, 65, 67):
            client.send_message("/segue/note", [pitch, 100])
            time.sleep(0.1)
            client.send_message("/segue/note", [pitch, 0])
        running.clear()
        ticker.join(5)
        time.sleep(1.0)  # longer than the clock's drop-out time: no clock any more
        mark = replies.mark()
        client.send_message("/segue/continue", [])
        replies.wait("/segue/noteon", after=mark, timeout=20)
        assert daemon.engine is not None and daemon.engine.wait_idle(20)
        assert recorder.seeds, "the sampler never generated"
        assert tempo_tokens(model, recorder.seeds[-1]) == {"Tempo_96.0"}, recorder.seeds[-1]
        client.send_message("/segue/stop", [])
        assert daemon.engine.wait_idle(10)
        stuck_note_audit.assert_clean(timeout=10)
    finally:
        running.clear()
        daemon.close()
        probe.close()
        replies.close()


@pytest.fixture
def midi_daemon(jack_server: JackServer, models_dir: Path,
                stuck_note_audit: StuckNoteAudit) -> Iterator[tuple[Daemon, OrderedReplies]]:
    replies = OrderedReplies(stuck_note_audit)
    with jack_daemon(jack_server, models_dir, replies, TEST_PARAMS) as daemon:
        yield daemon, replies


def test_one_panic_sends_all_notes_off_once(
        jack_server: JackServer, midi_daemon: tuple[Daemon, OrderedReplies],
        stuck_note_audit: StuckNoteAudit) -> None:
    daemon, replies = midi_daemon
    probe = MidiProbe(jack_server, "one panic")
    try:
        segue_in, segue_out = segue_ports(jack_server)
        probe.wire(segue_in, segue_out)
        assert daemon.osc_address is not None
        client = SimpleUDPClient("127.0.0.1", daemon.osc_address[1])
        play_long(client)
        client.send_message("/segue/phrase", PHRASE)
        assert wait_for(lambda: probe.messages("note_on"), timeout=15)
        client.send_message("/segue/panic", [])

        def all_notes_off() -> list[int]:
            return [m.channel for m in probe.messages("control_change") if m.control == 123]

        assert wait_for(lambda: len(all_notes_off()) >= 16, timeout=10)
        ping(client, replies, "panicked")
        assert daemon.engine is not None and daemon.engine.wait_idle(10)
        time.sleep(0.5)  # a second all-notes-off would have arrived by now
        assert sorted(all_notes_off()) == list(range(16))
        stuck_note_audit.assert_clean(timeout=5)
    finally:
        probe.close()
