"""State a patch can trust, over real UDP with an in-process daemon playing the shipped model:
``/segue/answer/end`` after the answer's last note-off (and ``playing`` until then), replies to
``/segue/style``, ``/segue/get`` answering what is in force, and ``/segue/save`` round trips."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import OrderedReplies, StuckNoteAudit, free_udp_port
from pythonosc.udp_client import SimpleUDPClient
from test_daemon_osc import PHRASE, TEST_PARAMS

from bridge.answer_end import AnswerEndSink, Drained
from bridge.config import ServeConfig, load_config, save_config
from bridge.daemon import Daemon
from bridge.params import ParamStore


def _start(replies: OrderedReplies, serve: ServeConfig | None = None,
           store: ParamStore | None = None) -> tuple[Daemon, SimpleUDPClient]:
    serve = (serve or ServeConfig()).replace(port=free_udp_port(), reply_port=replies.port, midi=False)
    daemon = Daemon(serve, store if store is not None else ParamStore(values=dict(TEST_PARAMS))).open()
    return daemon, SimpleUDPClient("127.0.0.1", daemon.osc_address[1])


@pytest.fixture
def replies(stuck_note_audit: StuckNoteAudit) -> Iterator[OrderedReplies]:
    r = OrderedReplies(stuck_note_audit)
    yield r
    r.close()


@pytest.fixture
def shipped(replies: OrderedReplies) -> Iterator[tuple[Daemon, SimpleUDPClient, OrderedReplies]]:
    daemon, client = _start(replies)
    yield daemon, client, replies
    daemon.close()


def _index(replies: OrderedReplies, address: str, args: tuple | None = None, after: int = 0) -> int:
    for i, (addr, a) in enumerate(replies.messages[after:], after):
        if addr == address and (args is None or a[:len(args)] == args):
            return i
    raise AssertionError(f"no {address} {args or ''} among the replies")


def test_the_answer_ends_after_its_last_note_off(shipped, stuck_note_audit):
    daemon, client, replies = shipped
    client.send_message("/segue/phrase", PHRASE)
    replies.wait("/segue/answer/end", timeout=60)
    stuck_note_audit.assert_clean(timeout=10)
    end = _index(replies, "/segue/answer/end")
    replies.wait("/segue/status", lambda a: a[0] == "idle", after=end)
    messages = list(replies.messages)
    offs = [i for i, (addr, _) in enumerate(messages) if addr == "/segue/noteoff"]
    assert offs and end > offs[-1]  # every note-off of the answer went out first
    playing = _index(replies, "/segue/status", ("playing",))
    idle = _index(replies, "/segue/status", ("idle",), after=playing)
    assert offs[0] < idle and idle > offs[-1]  # playing while it sounded, idle once the last one ended
    assert sum(addr == "/segue/answer/end" for addr, _ in messages) == 1


def test_style_replies_and_get_answers_the_style_in_force(shipped):
    daemon, client, replies = shipped
    client.send_message("/segue/get", "style")  # the default style plays: its name, not ""
    assert replies.wait("/segue/value", lambda a: a[0] == "style") == ("style", "fiddle")
    client.send_message("/segue/get", "model")
    assert replies.wait("/segue/value", lambda a: a[0] == "model") == ("model", daemon.model.name)
    client.send_message("/segue/style", "fiddle")
    assert replies.wait("/segue/style", timeout=60) == ("fiddle",)
    assert replies.all("/segue/error") == []


def test_save_writes_the_live_settings_to_the_config_file(replies, tmp_path):
    path = tmp_path / "segue.toml"
    save_config(path, ServeConfig(), ParamStore(values=dict(TEST_PARAMS)))
    store = ParamStore()
    daemon, client = _start(replies, load_config(path, store), store)
    try:
        client.send_message("/segue/set", ["tempo", 97.0])
        client.send_message("/segue/save", [])
        assert replies.wait("/segue/saved") == (str(path.resolve()),)
        other = tmp_path / "other.toml"
        client.send_message("/segue/set", ["length_notes", 5])
        client.send_message("/segue/save", str(other))
        assert replies.wait("/segue/saved", lambda a: a[0] != str(path.resolve())) == (str(other),)
    finally:
        daemon.close()
    back = ParamStore()
    serve = load_config(path, back)
    assert back["tempo"] == 97.0 and back["length_notes"] == TEST_PARAMS["length_notes"]
    assert serve.model == daemon.model.name and serve.config_path == str(path.resolve())
    again = ParamStore()
    load_config(other, again)
    assert again["tempo"] == 97.0 and again["length_notes"] == 5
    assert replies.all("/segue/error") == []


def test_save_without_a_file_says_to_give_one(shipped, tmp_path):
    daemon, client, replies = shipped
    client.send_message("/segue/save", [])
    error = replies.wait("/segue/error")
    assert error[0] == "/segue/save" and "give one" in error[1]
    client.send_message("/segue/save", str(tmp_path / "notes.txt"))
    assert ".toml" in replies.wait("/segue/error", lambda a: "notes.txt" in a[1])[1]
    assert list(tmp_path.iterdir()) == [] and daemon.alive


def test_the_sink_posts_only_when_nothing_sounds_or_waits() -> None:
    posted: list[object] = []
    pending = [2]
    sink = AnswerEndSink(lambda: pending[0], posted.append, lambda: 7)
    sink.note_on(60, 90, 0)
    sink.note_on(64, 90, 0)
    sink.note_off(60, 0)
    assert posted == []  # one still sounds
    sink.note_off(64, 0)
    assert posted == []  # a rest: more is pending
    pending[0] = 0
    sink.note_on(67, 90, 0)
    sink.note_off(67, 0)
    assert posted == [Drained(7)]
