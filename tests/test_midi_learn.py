"""MIDI learn and the ``[midi.map]`` table: CCs and notes of real JACK MIDI driving parameters and
commands, learned over real UDP; the config's map checked with errors that name the line.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import JackServer, OrderedReplies, StuckNoteAudit, free_udp_port, wait_for
from pythonosc.udp_client import SimpleUDPClient
from test_daemon_midi import MidiProbe, wired_probe
from test_daemon_osc import TEST_PARAMS, TINY, models_dir
from test_never_deaf import answered, answers, cc

from bridge.config import ConfigError, ServeConfig, dump_config, load_config
from bridge.daemon import Daemon
from bridge.midi_map import Action, MidiMap, MidiMapError
from bridge.params import ParamStore, param_table

__all__ = ["models_dir"]  # the session fixture, shared with the OSC tests


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "segue.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the config's [midi.map]


def test_the_config_map_loads_and_dumps_back(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[params]\ntemperature = 1.5\n\n[midi.map]\ntemperature = "cc 21"\n'
                        'blend = "CC 22 ch 2"\ncontinue = "note 36"\n')
    store = ParamStore()
    serve = load_config(path, store)
    assert serve.midi_map == (("temperature", "cc 21"), ("blend", "cc 22 ch 2"), ("continue", "note 36"))
    assert store["temperature"] == 1.5
    again = write_config(tmp_path, dump_config(serve.replace(port=9100), store))
    assert load_config(again, ParamStore()).midi_map == serve.midi_map
    live = MidiMap.from_config({"top_p": "cc 30 ch 1"}).to_config()
    text = dump_config(serve, store, midi_map=live)  # what /segue/save writes: the live map
    assert load_config(write_config(tmp_path, text), ParamStore()).midi_map == (("top_p", "cc 30 ch 1"),)
    assert "midi_map" not in text.split("[midi.map]")[0]


@pytest.mark.parametrize(("entry", "message"), [
    ('tempratur = "cc 21"', "unknown parameter or command 'tempratur'"),
    ('temperature = "cc 200"', "the cc number must be 0-127, got 200"),
    ('temperature = "cc 21 ch 17"', "the channel must be 1-16, got 17"),
    ('temperature = "cc 21 ch 0"', "the channel must be 1-16, got 0"),
    ('continue = "knob 3"', "not a MIDI control"),
    ("temperature = 21", 'expected a string like "cc 21"'),
    ('style = "cc 1"', "style is free text"),
])
def test_a_bad_map_entry_names_its_line(tmp_path: Path, entry: str, message: str) -> None:
    path = write_config(tmp_path, f'[params]\ntempo = 100.0\n\n[midi.map]\nblend = "cc 22"\n{entry}\n')
    store = ParamStore()
    with pytest.raises(ConfigError) as caught:
        load_config(path, store)
    text = str(caught.value)
    assert text.startswith(f"{path}:6: [midi.map] {entry.split(' =')[0]} = ")
    assert message in text
    assert store["tempo"] == 120.0  # nothing applied


@pytest.mark.parametrize("text", ["[midi]\nchannel = 1\n", "[midi.keys]\na = 1\n", "midi = 3\n",
                                  '[serve]\nmidi_map = [["temperature", "cc 21"]]\n'])
def test_other_midi_tables_are_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError, match=r"\[midi.map\]"):
        load_config(write_config(tmp_path, text), ParamStore())


# ---------------------------------------------------------------- the map itself


def test_values_scale_onto_ranges_choices_and_bools() -> None:
    table = param_table()
    m = MidiMap.from_config({"temperature": "cc 1", "top_k": "cc 2", "scale": "cc 3", "heal": "cc 4",
                             "feedback_suppress": "note 40"})
    t = table["temperature"]
    assert m.offer("control_change", 1, 0, 0) == (True, [Action("temperature", t.min)], None)
    assert m.offer("control_change", 1, 127, 5) == (True, [Action("temperature", t.max)], None)
    assert m.offer("control_change", 2, 127, 0)[1] == [Action("top_k", 100_000)]
    assert m.offer("control_change", 3, 0, 0)[1] == [Action("scale", "chromatic")]
    assert m.offer("control_change", 3, 127, 0)[1] == [Action("scale", "blues")]
    assert m.offer("control_change", 4, 63, 0)[1] == [Action("heal", False)]
    assert m.offer("control_change", 4, 64, 0)[1] == [Action("heal", True)]
    assert m.offer("note_on", 40, 90, 0)[1] == [Action("feedback_suppress", toggle=True)]
    assert m.offer("note_off", 40, 0, 0) == (True, [], None)  # taken: never a note of the phrase
    assert m.offer("control_change", 5, 127, 0) == (False, [], None)


def test_commands_fire_on_a_note_or_a_rising_cc_and_channels_match() -> None:
    m = MidiMap.from_config({"stop": "cc 20 ch 2", "continue": "note 36"})
    assert m.offer("control_change", 20, 127, 0) == (False, [], None)  # channel 1: not mapped
    assert m.offer("control_change", 20, 127, 1)[1] == [Action("stop")]
    assert m.offer("control_change", 20, 120, 1) == (True, [], None)  # still held: once per press
    assert m.offer("control_change", 20, 0, 1) == (True, [], None)
    assert m.offer("control_change", 20, 100, 1)[1] == [Action("stop")]
    assert m.offer("note_on", 36, 100, 9)[1] == [Action("continue")]
    assert m.offer("note_on", 36, 0, 9) == (True, [], None)  # a note-on at velocity 0 is its note-off


def test_learning_takes_the_next_control_and_moves_it() -> None:
    m = MidiMap.from_config({"temperature": "cc 21 ch 1"})
    m.learn("top_p")
    assert m.offer("note_on", 60, 100, 0) == (False, [], None)  # a parameter learns a CC, not a key
    assert m.offer("control_change", 21, 5, 0) == (True, [], ("top_p", "cc 21 ch 1"))
    assert m.learning is None and m.to_config() == {"top_p": "cc 21 ch 1"}  # it drives top_p alone now
    m.learn("continue")
    assert m.offer("note_on", 36, 100, 9) == (True, [], ("continue", "note 36 ch 10"))
    m.learn("blend")
    m.learn(None)
    assert m.offer("control_change", 22, 5, 0) == (False, [], None)
    assert m.unlearn("top_p") and not m.unlearn("top_p")
    with pytest.raises(MidiMapError, match="unknown parameter or command"):
        m.learn("nope")
    assert m.spec("continue") == "note 36 ch 10" and m.spec("blend") == ""


# ---------------------------------------------------------------- over real JACK MIDI and UDP


@pytest.fixture
def mapped(jack_server: JackServer, models_dir: Path, stuck_note_audit: StuckNoteAudit, tmp_path: Path,
           request: pytest.FixtureRequest) -> Iterator[Any]:
    """``start(map_text, **params)`` -> (daemon, replies, probe, client): an in-process daemon on JACK
    started from a config file holding ``map_text`` under ``[midi.map]``, wired to a probe."""
    opened: list[Any] = []

    def start(map_text: str = "", **params: Any) -> tuple[Daemon, OrderedReplies, MidiProbe, SimpleUDPClient]:
        store = ParamStore(values={**TEST_PARAMS, **params})
        serve = load_config(write_config(tmp_path, f"[midi.map]\n{map_text}\n"), store)
        replies = OrderedReplies(stuck_note_audit)
        opened.append(replies)
        serve = serve.replace(port=free_udp_port(), reply_port=replies.port, midi=True, midi_api="jack",
                              models=(str(models_dir),), model=TINY)
        assert isinstance(serve, ServeConfig)
        daemon = Daemon(serve, store).open()
        opened.append(daemon)
        probe = wired_probe(jack_server, request.node.name[-16:].replace("[", "").replace("]", ""),
                            stuck_note_audit)
        opened.append(probe)
        assert daemon.osc_address is not None
        return daemon, replies, probe, SimpleUDPClient("127.0.0.1", daemon.osc_address[1])

    yield start
    for item in reversed(opened):
        item.close()
        if isinstance(item, Daemon):
            wait_for(lambda: not [p for p in jack_server.ports() if p.endswith(":segue in")], timeout=5)


def get(client: SimpleUDPClient, replies: OrderedReplies, name: str) -> Any:
    """``/segue/get name`` over UDP: the value segue answers."""
    mark = replies.mark()
    client.send_message("/segue/get", name)
    return replies.wait("/segue/value", lambda a: a[0] == name, after=mark)[1]


def test_a_mapped_cc_sets_its_parameter_live(mapped: Any) -> None:
    daemon, replies, probe, client = mapped('temperature = "cc 21"\nscale = "cc 22 ch 3"')
    temperature = param_table()["temperature"]
    cc(probe, 21, 127)
    assert wait_for(lambda: daemon.sync() and daemon.params["temperature"] == temperature.max, timeout=10)
    assert get(client, replies, "temperature") == pytest.approx(temperature.max)
    cc(probe, 21, 64, channel=7)  # any channel
    expected = temperature.min + (temperature.max - temperature.min) * 64 / 127
    assert replies.wait("/segue/value", lambda a: a[0] == "temperature" and a[1] != temperature.max)[1] \
        == pytest.approx(expected, rel=1e-6)  # the patch hears the change
    assert get(client, replies, "temperature") == pytest.approx(expected, rel=1e-6)
    cc(probe, 22, 127, channel=0)  # scale listens on channel 3 only
    cc(probe, 22, 127, channel=2)
    assert wait_for(lambda: daemon.sync() and daemon.params["scale"] == "blues", timeout=10)
    assert get(client, replies, "scale") == "blues"
    assert not replies.all("/segue/error")


def test_learn_maps_the_next_cc_and_unlearn_removes_it(mapped: Any, tmp_path: Path) -> None:
    daemon, replies, probe, client = mapped()
    client.send_message("/segue/learn", "top_p")
    assert replies.wait("/segue/learning") == ("top_p",)
    cc(probe, 30, 0)
    assert replies.wait("/segue/learned") == ("top_p", "cc 30 ch 1")
    assert get(client, replies, "top_p") == 1.0  # the learning move itself sets nothing
    cc(probe, 30, 0)
    assert wait_for(lambda: daemon.sync() and daemon.params["top_p"] == pytest.approx(0.01), timeout=10)
    assert get(client, replies, "top_p") == pytest.approx(0.01)
    mark = replies.mark()
    client.send_message("/segue/map", [])
    assert replies.wait("/segue/learned", after=mark) == ("top_p", "cc 30 ch 1")
    client.send_message("/segue/save", str(tmp_path / "saved.toml"))  # the learned map is saved too
    replies.wait("/segue/saved")
    assert load_config(tmp_path / "saved.toml", ParamStore()).midi_map == (("top_p", "cc 30 ch 1"),)
    client.send_message("/segue/unlearn", "top_p")
    assert replies.wait("/segue/learned", lambda a: a[1] == "") == ("top_p", "")
    cc(probe, 30, 127)
    assert daemon.sync() and get(client, replies, "top_p") == pytest.approx(0.01)
    client.send_message("/segue/learn", "blend")
    client.send_message("/segue/learn", [])  # cancelled
    assert replies.wait("/segue/learning", lambda a: a[0] == "") == ("",)
    cc(probe, 31, 127)
    assert daemon.sync() and get(client, replies, "blend") == 0.5
    client.send_message("/segue/learn", "tempratur")
    assert replies.wait("/segue/error")[0] == "/segue/learn" and daemon.alive


def test_a_mapped_note_runs_continue_and_is_no_note_of_the_phrase(
        mapped: Any, stuck_note_audit: StuckNoteAudit) -> None:
    daemon, replies, probe, client = mapped('continue = "note 36"', phrase_end="trigger")
    probe.play([60, 62, 64])
    assert daemon.sync()
    time.sleep(0.3)
    assert answers(replies) == 0  # phrase_end trigger: it waits for the command
    probe.play([36])
    answered(daemon, replies, stuck_note_audit, 1)
    assert [n.pitch for n in daemon.engine.seed_notes] == [60, 62, 64]


def test_a_learned_note_runs_its_command(mapped: Any, stuck_note_audit: StuckNoteAudit) -> None:
    daemon, replies, probe, client = mapped(phrase_end="trigger")
    client.send_message("/segue/learn", "continue")
    assert replies.wait("/segue/learning") == ("continue",)
    probe.play([37])
    assert replies.wait("/segue/learned") == ("continue", "note 37 ch 1")
    probe.play([60, 64])
    probe.play([37])
    answered(daemon, replies, stuck_note_audit, 1)
    assert [n.pitch for n in daemon.engine.seed_notes] == [60, 64]


def test_a_mapped_cc_64_is_not_the_sustain_pedal(mapped: Any, stuck_note_audit: StuckNoteAudit) -> None:
    daemon, replies, probe, client = mapped('blend = "cc 64"', phrase_end="gap", gap_seconds=0.1,
                                            max_hold_s=600.0)
    cc(probe, 64, 127)  # would be "pedal down"
    probe.play([60])
    answered(daemon, replies, stuck_note_audit, 1)  # the gap ended the phrase: nothing was held
    (seed,) = daemon.engine.seed_notes
    assert seed.pitch == 60 and seed.duration < 2.5
    assert get(client, replies, "blend") == 1.0
    cc(probe, 64, 0)
    assert wait_for(lambda: daemon.sync() and daemon.params["blend"] == 0.0, timeout=10)
