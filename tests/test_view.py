"""``segue serve --view`` in a real headless browser (Debian's chromium, driven by Playwright; nothing
downloads a browser): the page loads and shows the state, a phrase sent over OSC appears on the roll with
its answer, a slider or a number box changes the daemon's parameter (``/segue/get`` confirms), a change
over OSC shows on the page, a refused change is shown and undone, and the buttons (panic, continue,
clear, save, the style picker) act on the daemon. One in-process daemon on the shipped model serves the
module; every note it plays is audited for its note-off."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import OrderedReplies, StuckNoteAudit, free_udp_port, wait_for
from pythonosc.udp_client import SimpleUDPClient

from bridge.config import ServeConfig
from bridge.daemon import Daemon
from bridge.params import PARAMS, ParamStore

CHROMIUM = "/usr/bin/chromium"
PHRASE = [60, 100, 0.0, 0.5, 62, 100, 0.5, 0.5, 64, 100, 1.0, 0.5, 65, 100, 1.5, 0.5,
          67, 100, 2.0, 1.0, 65, 90, 3.0, 0.5, 64, 90, 3.5, 0.5, 62, 90, 4.0, 1.0]
PARAMS_USED = {"tempo": 240.0, "length_notes": 8, "rest_bias": 3.0, "seed": 1}


class Served:
    """The daemon, an OSC client to it, and its replies (note-ons and note-offs audited)."""

    def __init__(self, tmp: Path) -> None:
        self.audit = StuckNoteAudit()
        self.replies = OrderedReplies(self.audit)
        serve = ServeConfig(port=free_udp_port(), reply_port=self.replies.port, midi=False, view=True,
                            view_port=0, state_dir=str(tmp / "state"))
        self.daemon = Daemon(serve, ParamStore(values=PARAMS_USED)).open()
        self.osc = SimpleUDPClient("127.0.0.1", self.daemon.osc_address[1])
        self.tmp = tmp

    def get(self, name: str) -> Any:
        """The daemon's value of ``name``, asked over OSC."""
        mark = self.replies.mark()
        self.osc.send_message("/segue/get", [name])
        return self.replies.wait("/segue/value", lambda a: a[0] == name, after=mark)[1]

    def set(self, name: str, value: Any) -> None:
        mark = self.replies.mark()
        self.osc.send_message("/segue/set", [name, value])
        self.replies.wait("/segue/value", lambda a: a[0] == name, after=mark)

    def quiet(self) -> None:
        """Stop, and wait until nothing sounds."""
        self.osc.send_message("/segue/stop", [])
        self.audit.assert_clean(timeout=5)

    def close(self) -> None:
        self.daemon.close()
        self.replies.close()
        self.audit.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    s = Served(tmp_path_factory.mktemp("view"))
    try:
        yield s
    finally:
        s.close()
    s.audit.assert_clean()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert shutil.which(CHROMIUM), "chromium is not installed (Debian: apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, served: Served) -> Iterator[Any]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(served.daemon.view.url)
    page.wait_for_function("document.getElementById('link').dataset.up === 'true'")
    page.wait_for_function("document.querySelectorAll('#params .param').length > 0")
    yield page
    served.quiet()
    page.close()
    assert not errors, errors  # the page's script never threw


def _counts(page: Any) -> dict[str, int]:
    return page.evaluate("(() => { const d = document.getElementById('roll').dataset;"
                         " return {p: +d.performer, a: +d.answer, phrases: +d.phrases}; })()")


def _pixels(page: Any, colour: str) -> int:
    """Pixels of the roll's canvas drawn in ``colour`` (the performer's or the answer's, at any alpha)."""
    return page.evaluate("""(hex) => {
        const c = document.getElementById('roll');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
        let n = 0;
        for (let i = 0; i < d.length; i += 4) {
          const [r, g, b] = [d[i], d[i + 1], d[i + 2]];
          // notes are drawn at 45-100% alpha over the dark lanes: the hue stays, the level varies
          const k = r / want[0];
          if (k > 0.4 && Math.abs(g - want[1] * k) < 18 && Math.abs(b - want[2] * k) < 18) n++;
        }
        return n; }""", colour)


def test_the_page_loads_and_shows_the_state_and_every_parameter(page: Any, served: Served) -> None:
    page.wait_for_function("document.getElementById('model').textContent === 'default'")
    assert page.inner_text("#state").lower() == "idle"
    assert page.inner_text("#sampler") == "decoder"
    assert page.inner_text("#tempo") == "240.0 BPM"
    assert page.inner_text("#clock") == "internal"
    assert "OSC-only" in page.inner_text("#midi")
    rows = page.eval_on_selector_all("#params .param", "rs => rs.map(r => [r.dataset.name, r.dataset.type])")
    assert [name for name, _ in rows] == [p.name for p in PARAMS]
    for p in PARAMS:  # a control of each parameter's type and range, holding the daemon's value
        kind = {"choice": "select", "bool": "checkbox", "str": "text"}.get(p.type_name, "range")
        control = page.locator(f"#p-{p.name}")
        if kind == "select":
            assert control.evaluate("e => e.tagName") == "SELECT"
            assert control.evaluate("e => [...e.options].map(o => o.value)") == list(p.choices)
            assert control.input_value() == served.daemon.params[p.name]
        elif kind == "checkbox":
            assert control.get_attribute("type") == "checkbox"
            assert control.is_checked() == served.daemon.params[p.name]
        elif kind == "range":
            assert control.get_attribute("type") == "range"
            low, high = float(control.get_attribute("min")), float(control.get_attribute("max"))
            assert (low, high) == (p.min, p.max)
            assert float(page.input_value(f"#n-{p.name}")) == pytest.approx(served.daemon.params[p.name])
    assert page.eval_on_selector_all("#style-pick option", "o => o.map(x => x.value)") == ["", "fiddle"]
    assert "default" in page.eval_on_selector_all("#model-pick option", "o => o.map(x => x.value)")


def test_a_phrase_sent_over_osc_appears_on_the_roll_with_its_answer(page: Any, served: Served) -> None:
    before = _counts(page)
    served.osc.send_message("/segue/phrase", PHRASE)
    page.wait_for_function(f"+document.getElementById('roll').dataset.answer >= {before['a'] + 8}",
                           timeout=30_000)
    counts = _counts(page)
    assert counts["p"] == before["p"] + 8 and counts["phrases"] == before["phrases"] + 1
    served.replies.wait("/segue/answer/end", timeout=30)
    page.wait_for_function("document.getElementById('state').textContent === 'idle'")
    page.wait_for_timeout(200)  # a frame or two
    assert _pixels(page, "#4f8df0") > 300 and _pixels(page, "#f08a3c") > 300  # both drawn, apart
    assert page.locator("#latency .latency-bar").count() >= 1
    assert "ms" in page.inner_text("#latency-text")
    latency = page.evaluate("segueView.answers[segueView.answers.length - 1].latency_ms")
    assert 0 <= latency < 5000
    shot = served.tmp / "view.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000


def test_a_slider_and_a_number_box_change_the_daemon(page: Any, served: Served) -> None:
    slider = page.locator("#p-temperature")
    box = slider.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.1, box["y"] + box["height"] / 2)  # a real click on the track
    shown = float(page.input_value("#n-temperature"))
    assert shown != pytest.approx(1.0)
    wait_for(lambda: served.get("temperature") == pytest.approx(shown), timeout=5)
    page.fill("#n-temperature", "0.8")
    page.press("#n-temperature", "Enter")
    wait_for(lambda: served.get("temperature") == pytest.approx(0.8), timeout=5)
    page.select_option("#p-scale", "major")
    wait_for(lambda: served.get("scale") == "major", timeout=5)
    page.uncheck("#p-heal")
    wait_for(lambda: served.get("heal") == 0, timeout=5)
    page.wait_for_function("!document.querySelector('.param.pending')")
    for name, value in (("temperature", 1.0), ("scale", "chromatic"), ("heal", 1)):
        served.set(name, value)


def test_a_change_over_osc_shows_on_the_page(page: Any, served: Served) -> None:
    served.set("top_k", 40)
    page.wait_for_function("document.getElementById('n-top_k').value === '40'")
    served.set("mode", "continuous")
    page.wait_for_function("document.getElementById('p-mode').value === 'continuous'")
    served.set("feedback_suppress", 0)
    page.wait_for_function("!document.getElementById('p-feedback_suppress').checked")
    for name, value in (("top_k", 0), ("mode", "call_response"), ("feedback_suppress", 1)):
        served.set(name, value)


def test_a_refused_change_is_shown_and_the_control_goes_back(page: Any, served: Served) -> None:
    page.fill("#n-pitch_min", "120")  # above pitch_max (108): the daemon refuses it
    page.press("#n-pitch_min", "Enter")
    page.wait_for_selector("#log li.error")
    assert "pitch_min (120) must not exceed pitch_max" in page.inner_text("#log")
    assert page.is_visible("#toast")
    page.wait_for_function("document.getElementById('n-pitch_min').value === '21'")
    assert served.get("pitch_min") == 21


def test_panic_stops_a_long_answer_and_every_note_ends(page: Any, served: Served) -> None:
    for name, value in (("length_notes", 0), ("length_beats", 256.0), ("tempo", 120.0)):
        served.set(name, value)
    served.osc.send_message("/segue/phrase", PHRASE)
    served.replies.wait("/segue/noteon", timeout=30)
    page.wait_for_function("['generating', 'playing'].includes(document.getElementById('state').textContent)")
    page.click("#panic")
    served.replies.wait("/segue/status", lambda a: a[0] == "idle", timeout=10)
    served.audit.assert_clean(timeout=5)
    ons = served.audit.count("osc", "on")
    time.sleep(0.5)
    assert served.audit.count("osc", "on") == ons  # nothing more plays after the panic
    page.wait_for_function("document.getElementById('state').textContent === 'idle'")
    for name, value in PARAMS_USED.items():
        served.set(name, value)


def test_continue_clear_save_and_the_style_picker(page: Any, served: Served) -> None:
    served.osc.send_message("/segue/phrase", PHRASE)
    served.replies.wait("/segue/answer/end", timeout=30)
    answers = page.evaluate("segueView.answers.length")
    page.click("#continue")  # the same seed again: a new answer
    page.wait_for_function(f"segueView.answers.length > {answers}", timeout=30_000)
    served.replies.wait("/segue/answer/end", after=served.replies.mark() - 1, timeout=30)
    served.quiet()
    page.click("#clear")
    page.click("#continue")  # nothing to continue now: the daemon's error shows on the page
    page.wait_for_function("document.getElementById('log').textContent.includes('no seed phrase yet')")
    config = served.tmp / "saved.toml"
    page.fill("#save-file", str(config))
    page.click("#save")
    page.wait_for_function("document.getElementById('log').textContent.includes('settings saved to')")
    assert "[params]" in config.read_text()
    mark = served.replies.mark()
    page.select_option("#style-pick", "fiddle")
    served.replies.wait("/segue/style", lambda a: a[0] == "fiddle", after=mark, timeout=30)
    page.wait_for_function("document.getElementById('style').textContent === 'fiddle'")
