"""Faults on stage: bad models, a failing worker, a reply port nobody listens on, MIDI outputs and the
JACK server going away, Ctrl-C/SIGTERM, and a restart from the config file.

Each fault must give a clear message, leave the daemon with its last good state (model, seed,
parameters) and end every sounding note. Every test that plays checks a ``StuckNoteAudit``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import JackMidiListener, JackServer, OrderedReplies, StuckNoteAudit, free_udp_port, wait_for
from pythonosc.udp_client import SimpleUDPClient
from test_daemon_midi import MidiProbe, segue_ports
from test_daemon_osc import PHRASE, REPO, TEST_PARAMS, TINY, models_dir, play_long, read_until

from bridge.config import ServeConfig
from bridge.daemon import Daemon
from bridge.params import ParamStore

__all__ = ["models_dir"]


def start(models: Path, replies: OrderedReplies, **serve: Any) -> tuple[Daemon, SimpleUDPClient]:
    cfg = ServeConfig(port=free_udp_port(), reply_port=replies.port, midi=serve.pop("midi", False),
                      models=(str(models),), model=TINY, **serve)
    d = Daemon(cfg, ParamStore(values=TEST_PARAMS)).open()
    assert d.osc_address is not None
    return d, SimpleUDPClient("127.0.0.1", d.osc_address[1])


def ping(client: SimpleUDPClient, replies: OrderedReplies, token: str) -> None:
    mark = replies.mark()
    client.send_message("/segue/ping", token)
    replies.wait("/segue/pong", lambda a: a[-1] == token, after=mark)


def state(d: Daemon) -> tuple[Any, ...]:
    assert d.engine is not None
    return d.params.snapshot(), d.engine.model.name, d.engine.seed_notes


# ---------------------------------------------------------------- bad models on /segue/model


def _relist(root: Path, name: str) -> None:
    """(Re)write ``name``'s manifest entry with the checksums of the files in its folder now."""
    manifest = json.loads((root / "manifest.json").read_text())
    files = [{"path": f"{name}/{f.name}", "sha256": hashlib.sha256(f.read_bytes()).hexdigest()}
             for f in sorted((root / name).iterdir())]
    manifest["models"][name] = {"files": files, "metrics": {}}
    (root / "manifest.json").write_text(json.dumps(manifest))


def make_bad_model(root: Path, kind: str) -> str:
    """A copy of tiny, broken in one way, listed in the manifest; returns its name."""
    name = f"bad-{kind}"
    folder = Path(shutil.copytree(root / TINY, root / name))
    _relist(root, name)
    config = json.loads((folder / "config.json").read_text())
    if kind == "missing":
        (folder / "decoder.onnx").unlink()  # still listed, gone from disk
        return name
    if kind == "corrupt":
        (folder / "decoder.onnx").write_bytes(b"\x08\x07not an onnx graph" * 64)
    elif kind == "shape":
        config["n_layer"] += 1  # the graph has one layer's cache fewer than the config promises
        (folder / "config.json").write_text(json.dumps(config))
    elif kind == "tokenizer":
        import miditok

        other = miditok.TSD(miditok.TokenizerConfig(pitch_range=(48, 72)))  # a smaller vocabulary
        other.save(folder)
    elif kind == "config":
        (folder / "config.json").write_text("{not json")
    _relist(root, name)  # checksums match: the file itself is what is wrong
    return name


BAD_MODELS = {
    "missing": "file bad-missing/decoder.onnx is missing",
    "corrupt": "is not a loadable ONNX model",
    "shape": "the ONNX graph does not match config.json",
    "tokenizer": "does not match the tokenizer's",
    "config": "is not valid JSON",
}


@pytest.fixture(scope="module")
def bad_models(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = Path(shutil.copytree(models_dir, tmp_path_factory.mktemp("bad") / "models"))
    for kind in BAD_MODELS:
        make_bad_model(root, kind)
    return root


@pytest.fixture
def replies(stuck_note_audit: StuckNoteAudit) -> Iterator[OrderedReplies]:
    r = OrderedReplies(stuck_note_audit)
    yield r
    r.close()


@pytest.mark.parametrize("kind", sorted(BAD_MODELS))
def test_a_bad_model_is_refused_and_the_old_one_plays_on(
        bad_models: Path, replies: OrderedReplies, stuck_note_audit: StuckNoteAudit, kind: str) -> None:
    d, client = start(bad_models, replies)
    try:
        play_long(client)
        client.send_message("/segue/phrase", PHRASE)
        replies.wait("/segue/noteon")  # a long continuation is sounding (the settings came first)
        before = state(d)
        client.send_message("/segue/model", f"bad-{kind}")
        address, message = replies.wait("/segue/error")
        assert address == "/segue/model" and BAD_MODELS[kind] in message, message
        assert f"still playing {TINY!r}" in message
        assert d.engine is not None and d.engine.wait_idle(10)
        count = len(replies.all("/segue/noteon"))  # the failed swap left the answer playing
        assert wait_for(lambda: len(replies.all("/segue/noteon")) > count, timeout=30)
        client.send_message("/segue/stop", [])
        assert d.engine.wait_idle(10)
        stuck_note_audit.assert_clean(timeout=5)
        assert state(d) == before
        count = len(replies.all("/segue/noteon"))
        client.send_message("/segue/continue", [1.0])  # the old model still answers
        assert wait_for(lambda: len(replies.all("/segue/noteon")) > count, timeout=10)
        assert d.engine.wait_idle(10)
    finally:
        d.close()


# ---------------------------------------------------------------- the worker raises


class Exploding:
    """Wraps a sampler: the first generation raises after ``after`` tokens, later ones work."""

    def __init__(self, inner: Any, after: int = 40) -> None:
        self.inner = inner
        self.name = inner.name
        self.after = after
        self.exploded = False

    def generate(self, *args: Any, **kwargs: Any) -> Iterator[int]:
        for i, token in enumerate(self.inner.generate(*args, **kwargs)):
            if i == self.after and not self.exploded:
                self.exploded = True
                raise RuntimeError("sampler blew up")
            yield token

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_worker_error_is_reported_and_releases_every_note(
        models_dir: Path, replies: OrderedReplies, stuck_note_audit: StuckNoteAudit) -> None:
    d, client = start(models_dir, replies)
    try:
        assert d.engine is not None
        decoder = d.engine.model.samplers["decoder"]
        d.engine.install({"decoder": Exploding(decoder)}, decoder)  # the engine owns its samplers
        assert d.engine.wait_idle(10)
        play_long(client)
        ping(client, replies, "settings applied")
        before = d.params.snapshot()
        client.send_message("/segue/phrase", PHRASE)
        address, message = replies.wait("/segue/error")
        assert address == "/segue/engine" and "RuntimeError: sampler blew up" in message
        assert d.engine.wait_idle(10)
        stuck_note_audit.assert_clean(timeout=5)
        assert d.engine.stats.errors == 1 and d.params.snapshot() == before
        assert len(d.engine.seed_notes) == len(PHRASE) // 4  # the seed survives the error
        ping(client, replies, "alive")
        count = len(replies.all("/segue/noteon"))
        client.send_message("/segue/continue", [1.0])  # the worker carries on
        assert wait_for(lambda: len(replies.all("/segue/noteon")) > count, timeout=10)
        assert d.engine.wait_idle(10)
    finally:
        d.close()


# ---------------------------------------------------------------- the reply address stops listening


def test_the_reply_port_going_away_changes_nothing(
        models_dir: Path, stuck_note_audit: StuckNoteAudit) -> None:
    first = OrderedReplies()
    d, client = start(models_dir, first)
    try:
        play_long(client)
        client.send_message("/segue/phrase", PHRASE)
        first.wait("/segue/noteon")
        port = first.port
        first.close()  # the patch that listened is gone: replies and notes go nowhere
        for i in range(20):
            client.send_message("/segue/ping", f"unheard {i}")
        rejected = d.rejected
        client.send_message("/segue/nope", [])
        assert wait_for(lambda: d.rejected == rejected + 1, timeout=5)  # handled, its reply went nowhere
        assert d.sync() and d.engine is not None
        second = OrderedReplies(stuck_note_audit, port=port)  # it comes back on the same port
        try:
            ping(client, second, "back")
            client.send_message("/segue/stop", [])
            assert d.engine.wait_idle(10)
            stuck_note_audit.assert_clean(timeout=5)  # every note seen on is seen off
            client.send_message("/segue/set", ["tempo", 300.0])  # notes of up to 12 beats end within 3 s
            client.send_message("/segue/continue", [1.0])
            second.wait("/segue/noteon")
            assert d.engine.wait_idle(10)
            stuck_note_audit.assert_clean(timeout=5)
        finally:
            second.close()
    finally:
        d.close()


# ---------------------------------------------------------------- MIDI outputs going away (JACK)


def test_a_midi_receiver_leaving_changes_nothing(
        jack_server: JackServer, models_dir: Path, stuck_note_audit: StuckNoteAudit) -> None:
    replies = OrderedReplies()
    d, client = start(models_dir, replies, midi=True, midi_api="jack")
    try:
        segue_in, segue_out = segue_ports(jack_server)
        stuck_note_audit.listen_midi(jack_server, segue_out, name="audit in leaving")
        synth = JackMidiListener("synth leaving")  # a receiver that goes away while notes sound
        jack_server.connect(segue_out, jack_server.find_port(":synth leaving"))
        cable = JackMidiListener("cable pulled")  # a receiver whose connection is pulled
        jack_server.connect(segue_out, jack_server.find_port(":cable pulled"))
        play_long(client)
        client.send_message("/segue/set", ["tempo", 240.0])  # the untrained test model rests up to 30
        client.send_message("/segue/phrase", PHRASE)  # beats at times: at 240 BPM 15 s always hold notes
        assert wait_for(lambda: synth.received() and cable.received(), timeout=15)
        synth.close()
        out = subprocess.run(["jack_disconnect", segue_out, jack_server.find_port(":cable pulled")],
                             capture_output=True, text=True, timeout=10)
        assert out.returncode == 0, out.stderr
        count = stuck_note_audit.count("midi", "on")
        assert wait_for(lambda: stuck_note_audit.count("midi", "on") > count, timeout=15)  # plays on
        ping(client, replies, "after")
        client.send_message("/segue/stop", [])
        assert d.engine is not None and d.engine.wait_idle(10)
        stuck_note_audit.assert_clean(timeout=5)
        cable.close()
    finally:
        d.close()
        replies.close()


def test_the_jack_server_stopping_is_reported_and_osc_goes_on(
        models_dir: Path, stuck_note_audit: StuckNoteAudit, tmp_path: Path) -> None:
    """A private JACK server under segue dies mid-phrase: segue says so and keeps playing over OSC."""
    name = f"segue-fault-{os.getpid()}"
    env = {**os.environ, "JACK_DEFAULT_SERVER": name, "JACK_NO_AUDIO_RESERVATION": "1",
           "PYTHONUNBUFFERED": "1"}
    jack_log = open(tmp_path / "jackd.log", "wb")  # noqa: SIM115 - closed below
    jackd = subprocess.Popen(["jackd", "-n", name, "-d", "dummy", "-r", "48000", "-p", "64"], env=env,
                             stdout=jack_log, stderr=subprocess.STDOUT)
    replies = OrderedReplies(stuck_note_audit)
    port = free_udp_port()
    proc: subprocess.Popen[str] | None = None
    try:
        assert wait_for(lambda: subprocess.run(["jack_lsp"], env=env, capture_output=True, text=True,
                                               timeout=10).returncode == 0, timeout=15, interval=0.2)
        proc = subprocess.Popen(
            [sys.executable, "-m", "bridge", "serve", "--midi-api", "jack", "--port", str(port),
             "--reply-port", str(replies.port), "--models", str(models_dir), "--model", TINY,
             "--tempo", "60", "--length-notes", "0", "--length-beats", "256", "--rest-bias", "3",
             "--seed", "1"], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        output = read_until(proc, "OSC in")
        client = SimpleUDPClient("127.0.0.1", port)
        client.send_message("/segue/phrase", PHRASE)
        replies.wait("/segue/noteon")
        jackd.terminate()
        jackd.wait(10)
        address, message = replies.wait("/segue/error", timeout=15)
        assert address == "/segue/midi" and "JACK server stopped" in message and "OSC" in message
        ping(client, replies, "still here")
        mark = replies.mark()
        client.send_message("/segue/phrase", PHRASE[:8])  # a new phrase still gets its answer
        replies.wait("/segue/noteon", after=mark)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        stuck_note_audit.assert_clean(timeout=5)
        assert any("JACK server stopped" in line for line in output)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
        if jackd.poll() is None:
            jackd.kill()
            jackd.wait(5)
        jack_log.close()
        replies.close()


# ---------------------------------------------------------------- Ctrl-C and SIGTERM


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_ends_everything_with_all_notes_off(
        jack_server: JackServer, models_dir: Path, stuck_note_audit: StuckNoteAudit, sig: int) -> None:
    replies = OrderedReplies(stuck_note_audit)
    probe = MidiProbe(jack_server, f"sig{int(sig)}")
    port = free_udp_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bridge", "serve", "--midi-api", "jack", "--port", str(port), "--reply-port",
         str(replies.port), "--models", str(models_dir), "--model", TINY, "--tempo", "60",
         "--length-notes", "0", "--length-beats", "256", "--rest-bias", "3", "--seed", "1"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        output = read_until(proc, "OSC in")
        segue_in, segue_out = segue_ports(jack_server)
        probe.wire(segue_in, segue_out)
        stuck_note_audit.listen_midi(jack_server, segue_out, name=f"audit in sig{int(sig)}")
        SimpleUDPClient("127.0.0.1", port).send_message("/segue/phrase", PHRASE)
        assert wait_for(lambda: stuck_note_audit.count("midi", "on") >= 2, timeout=15)
        proc.send_signal(sig)
        assert proc.wait(10) == 0
        # all-notes-off on every channel, and every note that went out came back off, on MIDI and OSC
        assert wait_for(lambda: {m.channel for m in probe.messages("control_change") if m.control == 123}
                        == set(range(16)), timeout=5)
        stuck_note_audit.assert_clean(timeout=5)
        assert stuck_note_audit.count("osc", "on") >= 2
        assert "Traceback" not in "".join(output)
    finally:
        if proc.poll() is None:
            proc.kill()
        probe.close()
        replies.close()


# ---------------------------------------------------------------- restart from the config file


def test_a_restart_picks_up_the_config_file(models_dir: Path, tmp_path: Path) -> None:
    config = tmp_path / "segue.toml"
    port, reply_port = free_udp_port(), free_udp_port()
    saved = subprocess.run(
        [sys.executable, "-m", "bridge", "serve", "--no-midi", "--port", str(port), "--reply-port",
         str(reply_port), "--models", str(models_dir), "--model", TINY, "--tempo", "96",
         "--temperature", "0.7", "--scale", "minor", "--save-config", str(config)],
        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert saved.returncode == 0, saved.stderr
    replies = OrderedReplies(port=reply_port)
    try:
        for run in range(2):  # the same settings on every start
            proc = subprocess.Popen([sys.executable, "-m", "bridge", "serve", "--config", str(config)],
                                    cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                    env={**os.environ, "PYTHONUNBUFFERED": "1"})
            try:
                read_until(proc, "OSC in")
                client = SimpleUDPClient("127.0.0.1", port)
                for name in ("tempo", "temperature", "scale"):
                    mark = replies.mark()
                    client.send_message("/segue/get", name)
                    replies.wait("/segue/value", lambda a, n=name: a[0] == n, after=mark)
                values = {a[0]: a[1] for a in replies.all("/segue/value")}
                assert values == {"tempo": 96.0, "temperature": pytest.approx(0.7), "scale": "minor"}, run
                client.send_message("/segue/set", ["temperature", 1.5])  # not saved: the file wins
                replies.wait("/segue/value", lambda a: a == ("temperature", 1.5))
                replies.clear()
                proc.send_signal(signal.SIGTERM)
                assert proc.wait(10) == 0
            finally:
                if proc.poll() is None:
                    proc.kill()
    finally:
        replies.close()
