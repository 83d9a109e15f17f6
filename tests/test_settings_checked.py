"""Settings that cannot play are refused when set, over real UDP: the reason comes back as
``/segue/error``, and ``/segue/get`` still shows the old value (a rejected value is never stored)."""

from __future__ import annotations

from typing import Any

import pytest
from pythonosc.udp_client import SimpleUDPClient
from test_daemon_osc import Replies, client, daemon, models_dir, ping, replies

from bridge.daemon import Daemon
from bridge.params import ParamError, ParamStore

__all__ = ["client", "daemon", "models_dir", "replies"]  # fixtures shared with the OSC tests


def get(client: SimpleUDPClient, replies: Replies, name: str) -> Any:
    mark = replies.mark()
    client.send_message("/segue/get", name)
    return replies.wait("/segue/value", lambda a: a[0] == name, after=mark)[1]


def refused(client: SimpleUDPClient, replies: Replies, name: str, value: Any, reason: str) -> str:
    """Send ``/segue/set name value``; the ``/segue/error`` message that came back (containing ``reason``)."""
    mark = replies.mark()
    client.send_message("/segue/set", [name, value])
    error = replies.wait("/segue/error", lambda a: a[0] == "/segue/set", after=mark)
    assert reason in error[1], error
    ping(client, replies, f"after {name}")
    return str(error[1])


@pytest.mark.parametrize(("setup", "name", "value", "reason"), [
    ([], "style", "../x", "not a path"),
    ([], "style", "/etc/passwd", "not a path"),
    ([("pitch_min", 61), ("pitch_max", 61)], "scale", "major", "no pitch of C major"),
    ([("scale", "pentatonic"), ("pitch_min", 61)], "pitch_max", 61, "no pitch of C pentatonic"),
    ([("scale", "major"), ("pitch_min", 60), ("pitch_max", 60)], "key", "D", "no pitch of D major"),
    ([("sampler", "blend")], "strategy", "beam", "does not combine with strategy beam"),
    ([("strategy", "beam")], "sampler", "blend", "does not combine with strategy beam"),
    ([("strategy", "beam")], "sampler", "graph", "does not combine with strategy beam"),
])
def test_a_setting_that_cannot_play_is_refused_and_not_stored(
        daemon: Daemon, client: SimpleUDPClient, replies: Replies, setup: list[tuple[str, Any]], name: str,
        value: Any, reason: str) -> None:
    for setting, setting_value in setup:
        client.send_message("/segue/set", [setting, setting_value])
    ping(client, replies, "setup")
    assert not replies.all("/segue/error"), replies.all("/segue/error")
    old = get(client, replies, name)
    refused(client, replies, name, value, reason)
    assert get(client, replies, name) == old
    assert daemon.params[name] == old
    # the daemon plays on with its settings: a valid value is still taken
    client.send_message("/segue/set", ["temperature", 0.9])
    assert replies.wait("/segue/value", lambda a: a[0] == "temperature")[1] == pytest.approx(0.9)


def test_the_per_parameter_address_refuses_the_same(client: SimpleUDPClient, replies: Replies) -> None:
    client.send_message("/segue/param/style", "a/../../b")
    error = replies.wait("/segue/error", lambda a: a[0] == "/segue/param/style")
    assert "not a path" in error[1]
    assert get(client, replies, "style") == ""


def test_a_combination_refused_in_a_config_stores_nothing() -> None:
    store = ParamStore()
    with pytest.raises(ParamError, match="does not combine"):
        store.update_from_toml('[params]\nsampler = "blend"\nstrategy = "beam"\ntemperature = 0.5\n')
    assert (store["sampler"], store["strategy"], store["temperature"]) == ("decoder", "sample", 1.0)
    # each alone is fine, and a name like the shipped styles' is a valid style
    assert store.update({"strategy": "beam", "style": "fiddle-2.v1"})["style"] == "fiddle-2.v1"
    assert store.set("scale", "blues") == "blues"  # the full default range holds blues pitches
