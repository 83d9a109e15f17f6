"""Bounded learning: /segue/style/learn only under the style roots, a learning child in its own process
group that dies with the daemon, and live learning that counts each phrase once within a CPU budget."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import OrderedReplies, free_udp_port, wait_for
from pythonosc.udp_client import SimpleUDPClient
from test_daemon_osc import PHRASE, REPO, TEST_PARAMS, read_until
from test_style_graph import build_style_models, write_midi_folder

from bridge.config import ServeConfig
from bridge.continuation import Model
from bridge.daemon import Daemon
from bridge.live_style import LiveLearner, TransitionCounts
from bridge.model import ModelBundle
from bridge.notes import Note
from bridge.params import ParamStore
from bridge.samplers import DecoderSampler
from bridge.style import count_transitions
from bridge.style_service import StyleService

REFUSED = "not a style folder under the style roots"


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("models")
    build_style_models(root)
    return root


@pytest.fixture
def roots(tmp_path) -> tuple[Path, Path]:
    """A style root holding ``reels`` and a link out, and a MIDI folder outside every root."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    write_midi_folder(root / "reels", tunes=3, random_pieces=0)
    write_midi_folder(outside, tunes=2, random_pieces=0)
    (root / "out").symlink_to(outside, target_is_directory=True)
    return root, outside


@pytest.fixture
def daemon(models, roots, stuck_note_audit):
    replies = OrderedReplies(stuck_note_audit)
    serve = ServeConfig(port=free_udp_port(), reply_port=replies.port, midi=False, models=(str(models),),
                        model="tiny", style_roots=(str(roots[0]),))
    daemon = Daemon(serve, ParamStore(values=dict(TEST_PARAMS))).open()
    yield daemon, SimpleUDPClient("127.0.0.1", daemon.osc_address[1]), replies
    daemon.close()
    replies.close()


def _learn_errors(replies: OrderedReplies) -> list[str]:
    return [a[1] for a in replies.all("/segue/error") if a[0] == "/segue/style/learn"]


def test_folders_outside_the_roots_are_refused_alike_and_start_nothing(daemon, roots):
    d, client, replies = daemon
    root, outside = roots
    sources = ["/", "", "~", "~root", "../..", str(outside), str(root / "out"), "out", str(root / "none")]
    for source in sources:
        client.send_message("/segue/style/learn", source)
    client.send_message("/segue/ping", "after")
    replies.wait("/segue/pong", lambda a: a[-1] == "after")
    assert wait_for(lambda: len(_learn_errors(replies)) >= len(sources), timeout=10)
    errors = _learn_errors(replies)
    assert len(errors) == len(sources) and len(set(errors)) == 1, errors
    assert REFUSED in errors[0] and "--style-root" in errors[0]
    assert str(outside) not in errors[0] and "/none" not in errors[0]  # nothing about the paths asked
    assert d.styles.wait_idle(10) and d.styles.child.started == 0


def test_a_folder_under_a_root_learns(daemon, roots):
    d, client, replies = daemon
    root, _ = roots
    client.send_message("/segue/style/learn", "reels")  # relative: inside the roots
    assert wait_for(lambda: d.styles.style is not None and d.styles.style.name == "reels", timeout=120)
    assert d.styles.style.card["sources"]["pieces"] == 3
    client.send_message("/segue/style/learn", str(root / "reels"))  # absolute, inside a root
    assert wait_for(lambda: d.styles.child.started == 2, timeout=30) and d.styles.wait_idle(120)
    assert _learn_errors(replies) == []


def _children(pid: int) -> list[tuple[int, int, str]]:
    """(pid, process group, command line) of every live child of ``pid``."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append((int(entry.name), int(fields[2]), cmdline))
    return out


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def big_folder(root: Path, copies: int) -> Path:
    """A folder of ``copies`` MIDI files under ``root``: minutes of tokenizing."""
    tunes = write_midi_folder(root / "big", tunes=1, random_pieces=0)
    for i in range(copies):
        shutil.copy(tunes[0], root / "big" / f"copy{i}.mid")
    return root / "big"


def serve_and_learn(models: Path, root: Path, port: int, reply_port: int) -> subprocess.Popen[str]:
    """``segue serve`` with ``root`` as a style root, started and learning ``root/big``."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bridge", "serve", "--no-midi", "--port", str(port), "--reply-port",
         str(reply_port), "--models", str(models), "--model", "tiny", "--style-root", str(root)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    read_until(proc, "OSC in")
    SimpleUDPClient("127.0.0.1", port).send_message("/segue/style/learn", "big")
    return proc


def test_sigterm_while_learning_ends_the_learner_too(models, tmp_path):
    big_folder(tmp_path / "root", copies=3000)
    replies = OrderedReplies()
    proc = serve_and_learn(models, tmp_path / "root", free_udp_port(), replies.port)
    pgid = 0
    try:
        learners = wait_for(lambda: [c for c in _children(proc.pid) if "bridge.style_learner" in c[2]],
                            timeout=30)
        assert learners, "no learning child started"
        child, pgid, _ = learners[0]
        assert pgid == child and pgid != os.getpgid(proc.pid)  # its own process group
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        assert time.monotonic() - start < 5.0  # generous: the figure is in bench.stress_learning
        assert wait_for(lambda: not _group_alive(pgid), timeout=5), "the learner outlived segue"
    finally:
        if proc.poll() is None:
            proc.kill()
        if pgid and _group_alive(pgid):
            os.killpg(pgid, signal.SIGKILL)
        replies.close()


# ---------------------------------------------------------------- live learning


@pytest.fixture(scope="module")
def bundle(models) -> ModelBundle:
    return ModelBundle.load(models, "tiny")


def phrase(offset: int) -> list[Note]:
    return [Note(48 + (offset * 5 + 7 * i) % 36, 80, i * 0.25, 0.25 + (i % 3) * 0.25) for i in range(10)]


def scratch(learner: LiveLearner, scheme) -> object:
    sequences = [scheme.encode(list(notes), tempo) for notes, tempo in learner.phrases]
    return count_transitions(sequences, scheme.vocab_size, skip=[scheme.pad_id, scheme.bos_id, scheme.eos_id])


def same_graph(a, b) -> bool:
    return (a.n_edges == b.n_edges and np.array_equal(a.src, b.src) and np.array_equal(a.dst, b.dst)
            and np.array_equal(a.weight, b.weight) and np.array_equal(a.next_weight, b.next_weight)
            and np.array_equal(a.counts, b.counts))


def test_live_learning_counts_each_phrase_once_and_exactly(bundle, monkeypatch):
    scheme = bundle.scheme
    encoded = []
    encode = scheme.encode
    monkeypatch.setattr(scheme, "encode", lambda notes, tempo: encoded.append(threading.current_thread().name)
                        or encode(notes, tempo))
    learner = LiveLearner(max_phrases=6, interval_s=0.0)
    errors: list[Exception] = []
    service = StyleService([], errors.append, live=learner)
    try:
        service.attach(Model(name="tiny", scheme=scheme, samplers={"decoder": DecoderSampler(bundle)}))
        service.learn("live")
        for i in range(15):  # more phrases than the window holds: the oldest are taken back out
            service.add_phrase(phrase(i), 100.0 + i)
            assert service.wait_idle(20)
            assert service.style.name == "live" and same_graph(service.style.graph, scratch(learner, scheme))
        assert encoded.count("segue-styles") == 15  # each phrase encoded and counted once, aside
        assert service.style.card["sources"] == {"phrases": 6} and errors == []
    finally:
        service.close()


def test_running_counts_equal_a_count_from_scratch():
    rng = np.random.default_rng(3)
    pieces = [rng.integers(0, 40, size=int(rng.integers(0, 30))) for _ in range(60)]
    counts = TransitionCounts(40, skip=[0, 1])
    for piece in pieces:
        counts.add(piece)
    for piece in pieces[:25]:
        counts.remove(piece)
    assert same_graph(counts.graph(), count_transitions(pieces[25:], 40, skip=[0, 1]))
    assert counts.sequences == 35


def test_live_rebuilds_stay_within_their_cpu_share():
    now, cpu = [0.0], [0.0]

    class Scheme:
        vocab_size, pad_id, bos_id, eos_id = 16, 0, 1, 2

        @staticmethod
        def encode(notes, tempo):
            cpu[0] += 0.5  # every phrase costs half a second of this thread's CPU
            return [3 + n.pitch % 13 for n in notes]

    learner = LiveLearner(interval_s=1.0, cpu_share=0.1, clock=lambda: now[0], cpu_clock=lambda: cpu[0])
    installed, scheme = [], Scheme()
    learner.add(phrase(0), 120.0)
    assert learner.due_in() <= 0
    learner.rebuild(scheme, None, None, installed.append)
    assert learner.due_in() == pytest.approx(5.0)  # 0.5 s of CPU at a 10 % share: 5 s before the next
    learner.add(phrase(1), 120.0)
    learner.add(phrase(2), 120.0)
    now[0] = 5.0
    learner.rebuild(scheme, None, None, installed.append)  # both new phrases in one rebuild
    assert learner.due_in() == pytest.approx(10.0) and len(installed) == 2
    assert installed[-1].card["sources"] == {"phrases": 3}


def test_live_learning_over_udp_matches_a_count_from_scratch(daemon, stuck_note_audit):
    d, client, replies = daemon
    client.send_message("/segue/style/learn", "live")
    for i in range(3):
        before = len(replies.all("/segue/note"))
        client.send_message("/segue/phrase", PHRASE[: 4 * (8 - i)])
        assert wait_for(lambda b=before: len(replies.all("/segue/note")) - b >= 8, timeout=20)
        assert d.engine.wait_idle(20)
    assert d.styles.wait_idle(20)
    learner = d.styles.learner
    assert len(learner.phrases) == 3 and d.styles.style.card["sources"] == {"phrases": 3}
    assert same_graph(d.styles.style.graph, scratch(learner, d.model.scheme))
    stuck_note_audit.assert_clean(timeout=10)
    assert replies.all("/segue/error") == []
