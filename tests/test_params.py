"""The parameter registry: validation, coercion, listeners, TOML, CLI flags and descriptions."""

from __future__ import annotations

import argparse
import math

import pytest
import tomllib
from hypothesis import given
from hypothesis import strategies as st

from bridge.params import PARAMS, Param, ParamError, ParamStore, param_table

REQUIRED = {
    "sampler", "strategy", "temperature", "top_k", "top_p", "top_k_offset", "beam_width", "rest_bias",
    "repetition_penalty", "pitch_min", "pitch_max", "key", "scale", "blend", "tempo", "clock_source",
    "length_beats", "length_notes", "mode", "phrase_end", "gap_seconds", "bar_beats", "lookahead_ms",
    "latency_ms", "channel", "velocity_scale", "feedback_suppress", "seed", "style",
}


def test_registry_has_every_parameter_and_defaults_are_valid() -> None:
    table = param_table()
    assert REQUIRED <= set(table)
    for p in PARAMS:
        assert p.coerce(p.default) == p.default, p.name
        assert p.doc, p.name
    store = ParamStore()
    assert store.snapshot() == {p.name: p.default for p in PARAMS}


def test_osc_style_coercion() -> None:
    store = ParamStore()
    assert store.set("temperature", 2) == 2.0 and isinstance(store["temperature"], float)
    assert store.set("top_k", 12.0) == 12 and isinstance(store["top_k"], int)
    assert store.set("top_k", "7") == 7
    assert store.set("feedback_suppress", 0) is False
    assert store.set("feedback_suppress", "true") is True
    assert store.set("feedback_suppress", "off") is False
    assert store.set("feedback_suppress", 1.0) is True
    assert store.set("strategy", "BEAM") == "beam"
    assert store.set("key", "eb") == "D#"
    assert store.set("key", "F#") == "F#"
    assert store.set("tempo", "96.5") == 96.5
    assert store.set("style", "  bach  ") == "bach"


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("temperature", math.nan, "finite"),
        ("temperature", math.inf, "finite"),
        ("temperature", "inf", "finite"),
        ("temperature", 9.0, "0.01..5"),
        ("temperature", "warm", "number"),
        ("temperature", True, "number"),
        ("top_k", 3.5, "whole number"),
        ("top_k", -1, "0..100000"),
        ("top_k", "many", "integer"),
        ("channel", 17, "1..16"),
        ("feedback_suppress", 2, "0/1"),
        ("feedback_suppress", "maybe", "0/1"),
        ("strategy", "nucleus", "greedy|sample|beam"),
        ("strategy", 1, "greedy|sample|beam"),
        ("scale", "lydian", "chromatic|major"),
        ("key", "H", "C|C#"),
        ("style", "a\nb", "printable"),
        ("temperature", 10**400, "number"),
    ],
)
def test_bad_values_name_the_fix(name: str, value: object, fragment: str) -> None:
    store = ParamStore()
    before = store.snapshot()
    with pytest.raises(ParamError) as info:
        store.set(name, value)
    assert name in str(info.value)
    assert fragment in str(info.value)
    assert store.snapshot() == before


def test_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(ParamError, match="did you mean 'temperature'"):
        ParamStore().set("temprature", 0.5)
    with pytest.raises(ParamError, match="segue params"):
        ParamStore().get("zzz")


def test_update_is_atomic_and_keeps_pitch_range_ordered() -> None:
    store = ParamStore()
    with pytest.raises(ParamError, match="top_p"):
        store.update({"temperature": 0.5, "top_p": 2.0})
    assert store["temperature"] == 1.0
    with pytest.raises(ParamError, match="pitch_min .* must not exceed pitch_max"):
        store.set("pitch_min", 120)
    assert store["pitch_min"] == 21
    store.update({"pitch_min": 110, "pitch_max": 120})  # both at once is fine
    assert (store["pitch_min"], store["pitch_max"]) == (110, 120)


def test_listeners_hear_changes_only() -> None:
    store = ParamStore()
    heard: list[tuple[str, object, object]] = []
    remove = store.add_listener(lambda n, old, new: heard.append((n, old, new)))

    def broken(name: str, old: object, new: object) -> None:
        raise RuntimeError("listener bug")

    store.add_listener(broken)
    store.set("temperature", 0.7)
    store.set("temperature", 0.7)  # unchanged: silent
    store.update({"top_k": 5, "mode": "continuous"})
    assert heard == [("temperature", 1.0, 0.7), ("top_k", 0, 5), ("mode", "call_response", "continuous")]
    remove()
    store.set("temperature", 0.9)
    assert len(heard) == 3
    store.reset()
    assert store.snapshot() == ParamStore().snapshot()


def test_toml_round_trip(tmp_path) -> None:
    registry = [*PARAMS, Param("label", str, "", "free text")]  # style is a plain name: text escapes here
    store = ParamStore(registry)
    store.update({"temperature": 0.75, "top_k": 40, "feedback_suppress": False, "key": "A",
                  "style": "fiddle-2.v1", "label": 'say "hi" \\ \u00e9t\u00e9', "seed": 1234})
    text = store.to_toml()
    assert tomllib.loads(text)["params"]["temperature"] == 0.75
    path = tmp_path / "segue.toml"
    store.save_toml(path)
    loaded = ParamStore(registry)
    loaded.load_toml(path)
    assert loaded.snapshot() == store.snapshot()


def test_toml_top_level_keys_and_other_tables() -> None:
    store = ParamStore()
    store.update_from_toml('tempo = 90\nchannel = 3\n[server]\nport = 9100\n')
    assert store["tempo"] == 90.0 and store["channel"] == 3
    store.update_from_toml('[server]\nport = 1\n[params]\nscale = "minor"\n')
    assert store["scale"] == "minor"


def test_toml_errors_apply_nothing(tmp_path) -> None:
    store = ParamStore()
    with pytest.raises(ParamError, match="not valid TOML"):
        store.update_from_toml("tempo = = 3")
    with pytest.raises(ParamError, match="unknown parameter 'tempi'"):
        store.update_from_toml("[params]\ntempo = 100\ntempi = 3\n")
    assert store["tempo"] == 120.0
    with pytest.raises(ParamError, match="cannot read config"):
        store.load_toml(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[params]\nchannel = 0\n")
    with pytest.raises(ParamError, match="bad.toml: channel"):
        store.load_toml(bad)


def test_cli_flags() -> None:
    store = ParamStore()
    parser = argparse.ArgumentParser(prog="segue", exit_on_error=False)
    store.add_arguments(parser)
    args = parser.parse_args(["--top-k", "8", "--no-feedback-suppress", "--strategy", "greedy",
                              "--tempo", "100"])
    assert store.apply_args(args) == {"top_k": 8, "feedback_suppress": False, "strategy": "greedy",
                                      "tempo": 100.0}
    assert store["top_k"] == 8 and store["feedback_suppress"] is False
    untouched = ParamStore()
    untouched.apply_args(parser.parse_args([]))
    assert untouched.snapshot() == ParamStore().snapshot()
    with pytest.raises(argparse.ArgumentError, match="1..16"):
        parser.parse_args(["--channel", "0"])


def test_descriptions() -> None:
    store = ParamStore()
    store.set("top_k", 3)
    rows = {row["name"]: row for row in store.describe()}
    assert set(rows) == {p.name for p in PARAMS}
    assert rows["top_k"]["value"] == 3 and rows["top_k"]["default"] == 0
    assert rows["strategy"]["choices"] == ["greedy", "sample", "beam"]
    assert rows["temperature"]["type"] == "float" and rows["temperature"]["domain"] == "0.01..5"
    table = store.format_table()
    for p in PARAMS:
        assert f"/segue/param/{p.name} " in table


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_float_params_accept_exactly_their_range(value: float) -> None:
    store = ParamStore()
    p = store.param("blend")
    if math.isfinite(value) and 0.0 <= value <= 1.0:
        assert store.set("blend", value) == value
    else:
        with pytest.raises(ParamError):
            store.set("blend", value)
    assert p.min == 0.0 and p.max == 1.0


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=40))
def test_free_text_survives_toml(text: str) -> None:
    registry = [*PARAMS, Param("label", str, "", "free text")]
    store = ParamStore(registry)
    store.set("label", text)
    loaded = ParamStore(registry)
    loaded.update_from_toml(store.to_toml())
    assert loaded["label"] == store["label"] == text.strip()
