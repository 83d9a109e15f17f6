"""Styles in the running daemon: switching, learning from a folder and live, the blend weight."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from test_style_graph import build_style_models, write_midi_folder

from bridge.continuation import Model
from bridge.errors import error_address
from bridge.model import ModelBundle
from bridge.notes import Note
from bridge.samplers import DecoderSampler
from bridge.samplers.blend import BlendSampler
from bridge.samplers.graph import GraphSampler
from bridge.sampling import SamplingParams
from bridge.style import Style, StyleError, count_transitions, register_style, unit_rows
from bridge.style_service import StyleService, default_style, find_style
from export.learn_style import main as learn_style_main


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    build_style_models(root)
    midi = tmp_path_factory.mktemp("tunes")
    write_midi_folder(midi, tunes=5, random_pieces=1)
    learn_style_main([str(midi), "--name", "tunes", "--models", str(root), "--model", "tiny",
                      "--epochs", "20", "--no-progress"])
    return root


@pytest.fixture(scope="module")
def bundle(models) -> ModelBundle:
    return ModelBundle.load(models, "tiny")


def engine_model(bundle: ModelBundle) -> Model:
    return Model(name=bundle.name, scheme=bundle.scheme, samplers={"decoder": DecoderSampler(bundle)})


class Errors:
    """Typed errors the service reports, as (OSC address, message)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, error: Exception) -> None:
        with self.lock:
            self.items.append((error_address(error), str(error)))


def phrase(offset: int) -> list[Note]:
    return [Note(60 + (offset + 3 * i) % 12, 80, i * 0.5, 0.5) for i in range(12)]


@pytest.fixture()
def service(models, tmp_path):
    errors = Errors()
    svc = StyleService([models], errors, weight=0.25, roots=[tmp_path])
    svc.errors = errors
    yield svc
    svc.close()


def test_the_default_style_is_attached_to_the_model(service, bundle, models):
    assert default_style([models]) == "tunes" and find_style([models], "tunes") == models
    model = engine_model(bundle)
    service.attach(model)
    assert isinstance(model.samplers["graph"], GraphSampler)
    blend = model.samplers["blend"]
    assert isinstance(blend, BlendSampler) and blend.weight == 0.25
    assert blend.decoder is model.samplers["decoder"]  # one KV cache for both
    assert service.style.name == "tunes" and service.errors.items == []


def test_a_failed_switch_keeps_the_old_style(service, bundle):
    model = engine_model(bundle)
    service.attach(model)
    graph = model.samplers["graph"]
    service.select("nosuch")
    assert service.wait_idle()
    assert model.samplers["graph"] is graph and service.style.name == "tunes"
    assert service.errors.items and "no style called 'nosuch'" in service.errors.items[0][1]
    assert "still playing style 'tunes'" in service.errors.items[0][1]


def test_live_learning_follows_the_phrases(service, bundle):
    model = engine_model(bundle)
    service.attach(model)
    service.learn("live")
    assert service.wait_idle() and service.style.name == "tunes"  # no phrase yet: nothing changes
    service.add_phrase(phrase(0), 120.0)
    assert service.wait_idle()
    first = service.style
    assert first.name == "live" and first.card["sources"] == {"phrases": 1}
    assert first.embeddings.shape[1] == 64  # the shipped network ran on the new graph, in numpy
    service.add_phrase(phrase(5), 100.0)
    assert service.wait_idle()
    assert service.style.card["sources"] == {"phrases": 2}
    assert service.style.graph.n_edges > first.graph.n_edges
    assert model.samplers["graph"].style is service.style
    assert service.errors.items == []


def test_learning_a_folder_runs_aside_and_installs_the_style(service, bundle, tmp_path):
    model = engine_model(bundle)
    service.attach(model)
    write_midi_folder(tmp_path / "reels", tunes=3, random_pieces=0)
    service.learn(str(tmp_path / "reels"))
    assert service.wait_idle(timeout=120)
    assert service.errors.items == []
    assert service.style.name == "reels" and service.style.card["sources"]["pieces"] == 3
    graph = model.samplers["graph"]
    assert graph.style is service.style
    walk = graph.generate([bundle.scheme.bos_id], SamplingParams(), np.random.default_rng(0), lambda: False)
    assert service.style.graph.counts[next(iter(walk))] > 0
    with pytest.raises(StyleError, match="not a style folder under the style roots"):
        service.learn(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    service.learn(str(tmp_path / "empty"))
    assert service.wait_idle(timeout=120)
    assert "no .mid/.midi files" in service.errors.items[-1][1] and service.style.name == "reels"


def test_a_style_of_another_tokenizer_is_refused(service, bundle, models):
    card = json.loads((models / "styles" / "tunes" / "style.json").read_text())
    assert card["decoder"]["tokenizer_sha256"]
    other = Style("other", count_transitions([[5, 6]], bundle.vocab_size),
                  unit_rows(np.ones((bundle.vocab_size, 4), np.float32)),
                  {"decoder": {"tokenizer_sha256": "0" * 64}})
    files = other.save(models / "styles" / "other")
    register_style(models, "other", files)
    model = engine_model(bundle)
    service.attach(model)
    service.select("other")
    assert service.wait_idle()
    assert "another tokenizer" in service.errors.items[-1][1] and service.style.name == "tunes"


# ---------------------------------------------------------------- the daemon over real UDP


@pytest.fixture
def style_daemon(models, stuck_note_audit):
    from conftest import free_udp_port
    from test_daemon_osc import TEST_PARAMS, Replies

    from bridge.config import ServeConfig
    from bridge.daemon import Daemon
    from bridge.params import ParamStore

    replies = Replies(stuck_note_audit)
    serve = ServeConfig(port=free_udp_port(), reply_port=replies.port, midi=False, models=(str(models),),
                        model="tiny")
    daemon = Daemon(serve, ParamStore(values=dict(TEST_PARAMS))).open()
    from pythonosc.udp_client import SimpleUDPClient

    client = SimpleUDPClient("127.0.0.1", daemon.osc_address[1])
    yield daemon, client, replies
    daemon.close()
    replies.close()


def _play(daemon, client, replies, stuck_note_audit, expect: int = 8) -> list[tuple]:
    """Send the test phrase; the ``expect`` notes of its answer, once all have sounded and ended."""
    from conftest import wait_for
    from test_daemon_osc import PHRASE

    before = len(replies.all("/segue/note"))
    client.send_message("/segue/phrase", PHRASE)
    assert wait_for(lambda: len(replies.all("/segue/note")) - before >= expect, timeout=20)
    assert daemon.engine.wait_idle(20)
    stuck_note_audit.assert_clean(timeout=10)
    return replies.all("/segue/note")[before:]


def _ping(client, replies, token: str) -> None:
    client.send_message("/segue/ping", token)
    replies.wait("/segue/pong", lambda a: a[-1] == token)


def test_graph_and_blend_play_over_udp(style_daemon, stuck_note_audit):
    daemon, client, replies = style_daemon
    assert daemon.styles.style.name == "tunes"
    client.send_message("/segue/set", ["sampler", "graph"])
    _ping(client, replies, "graph")
    notes = _play(daemon, client, replies, stuck_note_audit)
    assert len(notes) == 8 and all(0 <= p <= 127 and d > 0 for p, _, d, _ in notes)
    client.send_message("/segue/set", ["sampler", "blend"])
    client.send_message("/segue/set", ["blend", 0.8])
    _ping(client, replies, "blend")
    notes = _play(daemon, client, replies, stuck_note_audit)
    assert len(notes) == 8
    # the engine gave the blend the weight its command carried (OSC floats are 32-bit)
    assert daemon.model.samplers["blend"].weight == pytest.approx(0.8)
    assert replies.all("/segue/error") == []


def test_learning_live_over_udp(style_daemon, stuck_note_audit):
    daemon, client, replies = style_daemon
    client.send_message("/segue/style/learn", "live")
    client.send_message("/segue/set", ["sampler", "graph"])
    _ping(client, replies, "live")
    _play(daemon, client, replies, stuck_note_audit)  # the phrase is learned as it is answered
    assert daemon.styles.wait_idle(20) and daemon.styles.style.name == "live"
    assert daemon.styles.style.card["sources"]["phrases"] >= 1
    notes = _play(daemon, client, replies, stuck_note_audit)  # now in the live style
    assert len(notes) == 8 and replies.all("/segue/error") == []


def test_style_errors_answer_and_keep_the_style(style_daemon, tmp_path):
    daemon, client, replies = style_daemon
    client.send_message("/segue/style", "nosuch")
    error = replies.wait("/segue/error")
    assert error[0] == "/segue/style" and "no style called 'nosuch'" in error[1]
    client.send_message("/segue/style/learn", str(tmp_path / "missing"))
    error = replies.wait("/segue/error", lambda a: a[0] == "/segue/style/learn")
    assert "not a style folder under the style roots" in error[1]
    client.send_message("/segue/style", "../tunes")
    assert "invalid model name" in replies.wait("/segue/error", lambda a: "invalid" in a[1])[1]
    assert daemon.styles.wait_idle() and daemon.styles.style.name == "tunes"


def test_the_routes_list_the_style_messages():
    from bridge.daemon import format_routes

    text = format_routes()
    assert "/segue/style " in text and "/segue/style/learn" in text


def test_the_cli_learns_a_style_and_says_what_is_wrong(models, tmp_path, capsys, monkeypatch):
    """The style and its manifest entry land in the user's data folder; the decoder's folder is untouched."""
    import shutil

    from bridge.cli import main as cli_main
    from bridge.loading import models_folders
    from bridge.style import available_styles

    mine = tmp_path / "models"
    shutil.copytree(models, mine)
    before = (mine / "manifest.json").read_bytes()
    monkeypatch.setenv("SEGUE_DATA", str(tmp_path / "data"))
    write_midi_folder(tmp_path / "jigs", tunes=3, random_pieces=0)
    rc = cli_main(["learn-style", str(tmp_path / "jigs"), "--name", "jigs", "--models", str(mine),
                   "--model", "tiny", "--epochs", "10", "--no-progress"])
    assert rc == 0 and available_styles(tmp_path / "data") == ["jigs"]
    assert (tmp_path / "data" / "styles" / "jigs" / "style.json").is_file()
    assert (mine / "manifest.json").read_bytes() == before and not (mine / "styles" / "jigs").exists()
    assert find_style(models_folders([mine]), "jigs") == tmp_path / "data"
    Style.load(tmp_path / "data", "jigs")  # its checksums match what the user folder's manifest lists
    assert "held-out edge AUC" in capsys.readouterr().out
    assert cli_main(["learn-style", str(tmp_path / "none"), "--name", "x", "--models", str(mine)]) == 1
    assert "is not a folder" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("not MIDI")
    assert cli_main(["learn-style", str(tmp_path), "--name", "../x", "--models", str(mine)]) == 1
    assert "invalid" in capsys.readouterr().err
    assert cli_main(["learn-style", str(tmp_path / "jigs"), "--name", "x", "--models", str(mine),
                     "--model", "nosuch"]) == 1
    assert "no model 'nosuch'" in capsys.readouterr().err
