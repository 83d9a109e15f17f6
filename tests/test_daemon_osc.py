"""The running daemon over real UDP: in-process and as ``python -m bridge serve``, python-osc and liblo.

The model is a small decoder exported by the project's own export path (random weights, the base TSD
tokenizer), listed in a manifest with checksums like the shipped one, so the whole runtime path runs:
manifest check, onnxruntime session, KV-cache sampler, streaming decode, scheduler, OSC out.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import OrderedReplies, StuckNoteAudit, free_udp_port, wait_for
from pythonosc.udp_client import SimpleUDPClient

from bridge.config import ServeConfig
from bridge.daemon import ROUTES, Daemon
from bridge.params import PARAMS, ParamStore

REPO = Path(__file__).resolve().parent.parent
TINY = "tiny"


def build_tiny_models(root: Path) -> Path:
    """A models folder holding ``tiny``: a 2-layer decoder exported like the shipped model, + manifest."""
    import torch

    from export.model import GPT, GPTConfig
    from export.onnx_export import export_onnx
    from export.tokenizer import base_tokenizer

    model_dir = root / TINY
    model_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = base_tokenizer()
    tokenizer.save(model_dir)
    torch.manual_seed(0)
    gpt = GPT(GPTConfig(vocab_size=len(tokenizer), context_length=128, n_layer=2, n_head=2, n_embd=64,
                        dropout=0.0))
    export_onnx(gpt, model_dir / "tokenizer.json", model_dir)
    files = [{"path": f"{TINY}/{f.name}", "sha256": hashlib.sha256(f.read_bytes()).hexdigest()}
             for f in sorted(model_dir.iterdir())]
    manifest = {"version": 1, "default": TINY, "models": {TINY: {"files": files, "metrics": {}}}}
    (root / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return root


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_models(tmp_path_factory.mktemp("models"))


# Short answers from the random-weight model: 8 notes at a high tempo, creativity up (fewer rests).
# the daemon tests play the tiny untrained test model: its answers' timing (which these tests wait on)
# is kept to the decoder's own; the seed's pitch-class expert is tested on the shipped model
# (tests/test_seed_profile.py) and measured by bench.quality
TEST_PARAMS = {"tempo": 300.0, "length_notes": 8, "rest_bias": 3.0, "seed": 1, "lookahead_ms": 5.0,
               "pitch_weight": 0.0}
# A continuation that plays for minutes: only stop, panic, a new seed or shutdown end it.
LONG = [("length_notes", 0), ("length_beats", 256.0), ("tempo", 60.0)]


def play_long(client: SimpleUDPClient) -> None:
    for name, value in LONG:
        client.send_message("/segue/set", [name, value])
PHRASE = [60, 100, 0.0, 0.5, 62, 100, 0.5, 0.5, 64, 100, 1.0, 0.5, 65, 100, 1.5, 0.5,
          67, 100, 2.0, 1.0, 65, 90, 3.0, 0.5, 64, 90, 3.5, 0.5, 62, 90, 4.0, 1.0]


Replies = OrderedReplies  # every reply in arrival order; note-ons/offs also go to a StuckNoteAudit


@pytest.fixture
def replies(stuck_note_audit: StuckNoteAudit) -> Iterator[Replies]:
    r = Replies(stuck_note_audit)
    yield r
    r.close()


def start_daemon(models_dir: Path, reply_port: int, **params: Any) -> Daemon:
    serve = ServeConfig(port=free_udp_port(), reply_port=reply_port, midi=False, models=(str(models_dir),),
                        model=TINY)
    return Daemon(serve, ParamStore(values={**TEST_PARAMS, **params})).open()


@pytest.fixture
def daemon(models_dir: Path, replies: Replies) -> Iterator[Daemon]:
    d = start_daemon(models_dir, replies.port)
    yield d
    d.close()


@pytest.fixture
def client(daemon: Daemon) -> SimpleUDPClient:
    assert daemon.osc_address is not None
    return SimpleUDPClient("127.0.0.1", daemon.osc_address[1])


def ping(client: SimpleUDPClient, replies: Replies, token: str) -> None:
    """Round trip: every message sent before this one has been handled by the control thread."""
    client.send_message("/segue/ping", token)
    replies.wait("/segue/pong", lambda a: a[-1] == token)


def test_ping_pong(client: SimpleUDPClient, replies: Replies) -> None:
    client.send_message("/segue/ping", "hello")
    pong = replies.wait("/segue/pong")
    assert isinstance(pong[0], float) and pong[1] == "hello"


def test_phrase_in_continuation_out_every_note_on_matched(
        daemon: Daemon, client: SimpleUDPClient, replies: Replies, stuck_note_audit: StuckNoteAudit) -> None:
    client.send_message("/segue/phrase", PHRASE)
    replies.wait("/segue/noteon")
    replies.wait("/segue/status", lambda a: a[0] == "generating")
    assert daemon.engine is not None and daemon.engine.wait_idle(10)
    stuck_note_audit.assert_clean(timeout=10)
    notes = replies.all("/segue/note")
    ons = replies.all("/segue/noteon")
    assert len(notes) == len(ons) == stuck_note_audit.count("osc", "on") >= 1
    for pitch, velocity, duration, channel in notes:
        assert 0 <= pitch <= 127 and 1 <= velocity <= 127 and duration > 0 and channel == 1
    assert len(replies.all("/segue/noteoff")) == len(ons)


def test_continuation_on_the_channel_and_velocity_scale_set_over_osc(
        daemon: Daemon, client: SimpleUDPClient, replies: Replies, stuck_note_audit: StuckNoteAudit) -> None:
    client.send_message("/segue/set", ["channel", 10])
    client.send_message("/segue/param/velocity_scale", 0.0)  # every velocity clamps to 1
    ping(client, replies, "set")
    client.send_message("/segue/phrase", PHRASE)
    replies.wait("/segue/noteon")
    assert daemon.engine is not None and daemon.engine.wait_idle(10)
    stuck_note_audit.assert_clean(timeout=10)
    assert {(a[1], a[2]) for a in replies.all("/segue/noteon")} == {(1, 10)}


def test_set_and_get(daemon: Daemon, client: SimpleUDPClient, replies: Replies) -> None:
    client.send_message("/segue/set", ["temperature", 0.5])
    assert replies.wait("/segue/value", lambda a: a[0] == "temperature") == ("temperature", 0.5)
    client.send_message("/segue/param/top_k", 7)
    assert replies.wait("/segue/value", lambda a: a[0] == "top_k") == ("top_k", 7)
    mark = replies.mark()
    client.send_message("/segue/get", "top_k")
    assert replies.wait("/segue/value", after=mark) == ("top_k", 7)
    mark = replies.mark()
    client.send_message("/segue/get", [])
    assert replies.wait("/segue/value", lambda a: a[0] == PARAMS[-1].name, after=mark)
    values = dict(a for a in replies.all("/segue/value")[-len(PARAMS):])
    assert values["temperature"] == 0.5 and values["scale"] == "chromatic" and values["tempo"] == 300.0
    assert daemon.params["temperature"] == 0.5 and daemon.params["top_k"] == 7


BAD_MESSAGES: list[tuple[str, list[Any], str]] = [
    ("/segue/nope", [], "unknown address"),
    ("/segue/set", ["temperature", "hot"], "temperature"),
    ("/segue/set", ["temperature", 99.0], "out of range"),
    ("/segue/set", ["no_such_param", 1], "unknown parameter"),
    ("/segue/set", ["temperature"], "expects 2 argument"),
    ("/segue/param/top_k", [1.5], "whole number"),
    ("/segue/set", ["pitch_min", 120], "must not exceed"),
    ("/segue/note", [60], "expects 2-4 argument"),
    ("/segue/note", [60, 100, 1, 0.0], "beats"),
    ("/segue/note", [200, 100], "pitch 200 is out of range"),
    ("/segue/note", [60, 100, 17], "channel 17 is out of range"),
    ("/segue/note", ["C4", 100], "pitch must be a number"),
    ("/segue/phrase", [60, 100, 0.0], "groups of 4"),
    ("/segue/phrase", [60, 100, 0.0, -1.0], "duration"),
    ("/segue/continue", [], "no seed phrase yet"),
    ("/segue/continue", [1000.0], "out of range"),
    ("/segue/model", ["../../etc"], "invalid model name"),
    ("/segue/get", ["tmperature"], "did you mean 'temperature'"),
    ("/segue/ping", [1, 2], "expects 0-1 argument"),
]


def test_bad_messages_get_errors_and_change_nothing(
        daemon: Daemon, client: SimpleUDPClient, replies: Replies) -> None:
    before = daemon.params.snapshot()
    for address, args, expected in BAD_MESSAGES:
        mark = replies.mark()
        client.send_message(address, args)
        error = replies.wait("/segue/error", after=mark)
        assert error[0] == address and expected in error[1], (address, args, error)
    # a datagram that is not OSC, and one over the size limit
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw:
        assert daemon.osc_address is not None
        oversized = b"/segue/ping\x00" + b"x" * 9000
        for payload, expected in ((b"\x00garbage", "malformed"), (oversized, "too large")):
            mark = replies.mark()
            raw.sendto(payload, ("127.0.0.1", daemon.osc_address[1]))
            error = replies.wait("/segue/error", after=mark)
            assert expected in error[1]
    ping(client, replies, "still alive")
    assert daemon.params.snapshot() == before
    assert daemon.engine is not None and daemon.engine.seed_notes == ()
    assert replies.all("/segue/noteon") == []


def test_stop_preempts_and_releases(
        daemon: Daemon, client: SimpleUDPClient, replies: Replies, stuck_note_audit: StuckNoteAudit) -> None:
    play_long(client)
    client.send_message("/segue/phrase", PHRASE)
    replies.wait("/segue/noteon")
    client.send_message("/segue/stop", [])
    ping(client, replies, "stopped")
    assert daemon.engine is not None and daemon.engine.wait_idle(10)
    stuck_note_audit.assert_clean(timeout=5)
    count = len(replies.all("/segue/noteon"))
    time.sleep(0.5)
    assert len(replies.all("/segue/noteon")) == count  # nothing plays after stop
    assert daemon.engine.stats.preempted + daemon.engine.stats.continuations >= 1


def test_panic_ends_everything(
        daemon: Daemon, client: SimpleUDPClient, replies: Replies, stuck_note_audit: StuckNoteAudit) -> None:
    play_long(client)
    client.send_message("/segue/phrase", PHRASE)
    replies.wait("/segue/noteon")
    client.send_message("/segue/panic", [])
    ping(client, replies, "panicked")
    assert daemon.engine is not None and daemon.engine.wait_idle(10)
    stuck_note_audit.assert_clean(timeout=5)
    client.send_message("/segue/status", [])
    replies.wait("/segue/status", lambda a: a[0] == "idle")


def test_new_phrase_preempts_the_running_continuation(
        daemon: Daemon, client: SimpleUDPClient, replies: Replies, stuck_note_audit: StuckNoteAudit) -> None:
    play_long(client)
    client.send_message("/segue/phrase", PHRASE)
    replies.wait("/segue/noteon")
    client.send_message("/segue/phrase", PHRASE[:8])
    ping(client, replies, "second")
    assert daemon.engine is not None
    assert wait_for(lambda: daemon.engine.stats.continuations == 2, timeout=10)
    client.send_message("/segue/stop", [])
    assert daemon.engine.wait_idle(10)
    stuck_note_audit.assert_clean(timeout=5)


@pytest.mark.parametrize("phrase_end", ["trigger", "gap"])
def test_notes_in_phrase_end_continuation_out(
        daemon: Daemon, client: SimpleUDPClient, replies: Replies, stuck_note_audit: StuckNoteAudit,
        phrase_end: str) -> None:
    client.send_message("/segue/set", ["phrase_end", phrase_end])
    client.send_message("/segue/set", ["gap_seconds", 0.1])
    for pitch in (60, 64, 67, 72):
        client.send_message("/segue/note", [pitch, 100])
        client.send_message("/segue/note", [pitch, 0])
    if phrase_end == "trigger":
        ping(client, replies, "played")
        assert daemon.capture.active
        client.send_message("/segue/continue", [])
    replies.wait("/segue/noteon")
    assert daemon.engine is not None and daemon.engine.wait_idle(10)
    assert [n.pitch for n in daemon.engine.seed_notes] == [60, 64, 67, 72]
    stuck_note_audit.assert_clean(timeout=10)


def test_notes_without_note_offs_end_with_their_duration(
        daemon: Daemon, client: SimpleUDPClient, replies: Replies, stuck_note_audit: StuckNoteAudit) -> None:
    """Live coding senders (Tidal) send note-ons only: a duration in beats releases each note."""
    client.send_message("/segue/set", ["gap_seconds", 0.1])
    for pitch in (60, 64, 67):
        client.send_message("/segue/note", [pitch, 100, 1, 0.25])  # 0.25 beats at 300 BPM: 50 ms
    replies.wait("/segue/noteon")
    assert daemon.engine is not None and daemon.engine.wait_idle(10)
    seed = daemon.engine.seed_notes
    assert [n.pitch for n in seed] == [60, 64, 67] and not daemon.capture.held
    assert all(0.2 <= n.duration <= 0.5 for n in seed), seed  # released on time, not cut at the end
    stuck_note_audit.assert_clean(timeout=10)


def test_continuous_mode_answers_while_the_performer_plays(
        daemon: Daemon, client: SimpleUDPClient, replies: Replies, stuck_note_audit: StuckNoteAudit) -> None:
    client.send_message("/segue/set", ["mode", "continuous"])
    client.send_message("/segue/set", ["phrase_end", "trigger"])  # no phrase ever ends on its own
    for pitch in (60, 62, 64):
        client.send_message("/segue/note", [pitch, 100])
    replies.wait("/segue/noteon")  # answered while the notes are still held
    ping(client, replies, "held")
    assert daemon.capture.held == [(0, 60), (0, 62), (0, 64)]
    for pitch in (60, 62, 64):
        client.send_message("/segue/note", [pitch, 0])
    client.send_message("/segue/stop", [])
    ping(client, replies, "released")
    assert daemon.engine is not None and daemon.engine.wait_idle(10)
    stuck_note_audit.assert_clean(timeout=5)


def test_continue_again_and_clear(
        daemon: Daemon, client: SimpleUDPClient, replies: Replies, stuck_note_audit: StuckNoteAudit) -> None:
    client.send_message("/segue/phrase", PHRASE)
    replies.wait("/segue/noteon")
    assert daemon.engine is not None and daemon.engine.wait_idle(10)
    stuck_note_audit.assert_clean(timeout=10)
    first = len(replies.all("/segue/noteon"))
    client.send_message("/segue/continue", [2.0])
    assert wait_for(lambda: len(replies.all("/segue/noteon")) > first, timeout=10)
    assert daemon.engine.wait_idle(10)
    stuck_note_audit.assert_clean(timeout=10)
    client.send_message("/segue/clear", [])
    mark = replies.mark()
    client.send_message("/segue/continue", [])
    assert "no seed phrase" in replies.wait("/segue/error", after=mark)[1]


def test_model_swap_failure_keeps_the_model(
        daemon: Daemon, client: SimpleUDPClient, replies: Replies) -> None:
    client.send_message("/segue/model", "missing")
    error = replies.wait("/segue/error")
    assert error[0] == "/segue/model" and "still playing 'tiny'" in error[1]
    client.send_message("/segue/model", TINY)  # reloading the same model works
    ping(client, replies, "swapped")
    assert daemon.engine is not None and daemon.engine.wait_idle(10)
    mark = replies.mark()
    client.send_message("/segue/status", [])
    state, model, sampler, late, max_late, dropped, *clock = replies.wait("/segue/status", after=mark)
    assert (state, model, sampler) == ("idle", TINY, "decoder")
    assert isinstance(late, int) and isinstance(max_late, float) and isinstance(dropped, int)
    # the musical time is appended (older clients read the leading arguments only)
    tempo, source, beat, phase, peers, link, playing = clock
    assert (tempo, source, peers, link, playing) == (daemon.params["tempo"], "internal", 0, "off", 0)
    assert beat > 0 and 0 <= phase < 4


def test_self_describing_api(daemon: Daemon, client: SimpleUDPClient, replies: Replies) -> None:
    client.send_message("/segue/routes", [])
    assert replies.wait("/segue/route", lambda a: a[0] == ROUTES[-1].address)
    assert [a[0] for a in replies.all("/segue/route")] == [r.address for r in ROUTES]
    client.send_message("/segue/params", [])
    assert replies.wait("/segue/params/end") == (len(PARAMS),)
    described = {a[0]: a for a in replies.all("/segue/param")}
    name, kind, domain, default, value, doc = described["temperature"]
    param = ParamStore().param("temperature")
    assert (kind, domain, default, value, doc) == ("float", param.domain, 1.0, 1.0, param.doc)


def test_liblo_oscsend_and_oscdump_round_trip(models_dir: Path, stuck_note_audit: StuckNoteAudit) -> None:
    reply_port = free_udp_port()
    dump = subprocess.Popen(["oscdump", "-L", str(reply_port)], stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(dump.stdout.readline, "")), daemon=True)
    reader.start()
    d = start_daemon(models_dir, reply_port)
    try:
        assert d.osc_address is not None
        port = str(d.osc_address[1])
        subprocess.run(["oscsend", "localhost", port, "/segue/ping", "s", "liblo"], check=True, timeout=10)
        assert wait_for(lambda: any("/segue/pong" in ln and "liblo" in ln for ln in lines), timeout=10)
        subprocess.run(["oscsend", "localhost", port, "/segue/phrase", "iiffiiff",
                        "60", "100", "0", "1", "64", "100", "1", "1"], check=True, timeout=10)
        assert wait_for(lambda: any("/segue/noteon" in ln for ln in lines), timeout=10)
        assert d.engine is not None and d.engine.wait_idle(10)
        assert wait_for(lambda: sum("/segue/noteoff" in ln for ln in lines)
                        == sum("/segue/noteon" in ln for ln in lines), timeout=10)
        subprocess.run(["oscsend", "localhost", port, "/segue/set", "sf", "temperature", "9.5"], check=True,
                       timeout=10)
        assert wait_for(lambda: any("/segue/error" in ln and "temperature" in ln for ln in lines), timeout=10)
    finally:
        d.close()
        dump.terminate()
        dump.wait(5)
    for line in lines:  # every note-on line: "/segue/noteon iii pitch velocity channel"
        parts = line.split()
        if "/segue/noteon" in parts:
            i = parts.index("/segue/noteon")
            stuck_note_audit.on("oscdump", int(parts[i + 4]), int(parts[i + 2]))
        elif "/segue/noteoff" in parts:
            i = parts.index("/segue/noteoff")
            stuck_note_audit.off("oscdump", int(parts[i + 4]), int(parts[i + 2]))
    assert stuck_note_audit.count("oscdump", "on") >= 1


def serve_subprocess(models_dir: Path, port: int, reply_port: int, *extra: str,
                     midi: bool = False) -> subprocess.Popen[str]:
    """``python -m bridge serve`` on the tiny model (OSC-only unless ``midi``)."""
    args = [sys.executable, "-m", "bridge", "serve", *([] if midi else ["--no-midi"]), "--port", str(port),
            "--reply-port",
            str(reply_port), "--models", str(models_dir), "--model", TINY, "--tempo", "300",
            "--length-notes", "8", "--rest-bias", "3", "--seed", "1", *extra]
    return subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def read_until(proc: subprocess.Popen[str], needle: str, timeout: float = 30.0) -> list[str]:
    out: list[str] = []
    found = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.append(line)
            if needle in line:
                found.set()

    threading.Thread(target=read, daemon=True).start()
    if not found.wait(timeout):
        proc.kill()
        raise AssertionError(f"{needle!r} not printed; output: {''.join(out)}")
    return out


def test_serve_as_a_subprocess_plays_and_exits_cleanly_on_sigterm(
        models_dir: Path, replies: Replies, stuck_note_audit: StuckNoteAudit) -> None:
    port = free_udp_port()
    proc = serve_subprocess(models_dir, port, replies.port, "--length-notes", "0", "--length-beats", "256",
                            "--tempo", "60")
    try:
        output = read_until(proc, "OSC in")
        client = SimpleUDPClient("127.0.0.1", port)
        ping(client, replies, "subprocess")
        client.send_message("/segue/phrase", PHRASE)
        replies.wait("/segue/noteon")  # a long continuation is playing now
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    text = "".join(output)
    assert f"udp://127.0.0.1:{port}" in text and f"oscsend localhost {port}" in text and "OSC-only" in text
    stuck_note_audit.assert_clean(timeout=5)  # SIGTERM released every sounding note


def test_serve_reports_a_taken_port(models_dir: Path, replies: Replies) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        proc = serve_subprocess(models_dir, port, replies.port)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "--port" in out and "Traceback" not in out
