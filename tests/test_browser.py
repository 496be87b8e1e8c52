"""`sim viz` in a real browser: headless Chromium (Debian's package) driven by Playwright.

These tests start `sim viz` on a free port, load the page as a student's browser would and use it:
no console errors, the cards and figures shown and readable on a projector, Step, Play, every
slider, Reset and the result. Without a browser they skip and say why; CI installs one and sets
SIM_REQUIRE_BROWSER=1, which turns the skip into a failure.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import CHROMIUM, stop

ROOT = Path(__file__).resolve().parent.parent
SUMMIT = str(ROOT / "scenarios" / "summit.yaml")
SERVER_START_S = 180
"""How long the server may take to answer (a loaded two-core machine), before the test fails."""
ACTION_TIMEOUT_MS = 90_000
"""How long one browser action (a load, a click, a wait for the page) may take."""
SHOWN_DAY = (
    "(e => e ? parseInt(e.innerText.match(/(\\d+) of \\d+ days played/)[1]) : -1)"
    "(document.querySelector('.sim-day'))"
)
"""The days played the sidebar shows, in JavaScript (-1 while the sidebar is being redrawn)."""
PROJECTOR_SIZES = [(1280, 720), (1920, 1080)]
MIN_TEXT_PX = 14


def _why_no_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return 'Playwright is not installed (pip install -e ".[dev]")'
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no browser at {CHROMIUM} (apt-get install chromium; or set SIM_CHROMIUM)"
    return None


_MISSING = _why_no_browser()
if _MISSING and os.environ.get("SIM_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"SIM_REQUIRE_BROWSER=1 but {_MISSING}")
pytestmark = pytest.mark.skipif(_MISSING is not None, reason=_MISSING or "")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """`sim viz scenarios/summit.yaml` on a free port; always stopped afterwards."""
    port = _free_port()
    command = [sys.executable, "-m", "sim.cli", "viz", SUMMIT, "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = tmp_path_factory.mktemp("viz") / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}/"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5):
                    break
            except OSError:
                assert process.poll() is None, f"sim viz exited: {log.read_text()}"
                assert time.monotonic() < deadline, f"no answer in {SERVER_START_S} s"
                time.sleep(0.5)
        yield url
    finally:
        stop(process)


class Page:
    """One browser tab on the app, with the console's errors collected."""

    def __init__(self, browser, url: str, size: tuple[int, int]) -> None:
        self.context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        self.context.set_default_timeout(ACTION_TIMEOUT_MS)
        self.tab = self.context.new_page()
        self.errors: list[str] = []
        self.tab.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.tab.on(
            "console",
            lambda message: message.type == "error" and self.errors.append(message.text),
        )
        self.tab.goto(url)
        self.tab.locator(".sim-situation").wait_for()
        self.tab.locator(".sim-path img").wait_for()

    def text(self, selector: str) -> str:
        return self.tab.locator(selector).first.inner_text()

    def day(self) -> int:
        return int(re.search(r"(\d+) of \d+ days played", self.text(".sim-day")).group(1))

    def click(self, name: str) -> None:
        self.tab.get_by_role("button", name=name, exact=True).click()

    def wait_day(self, day: int) -> None:
        self.tab.wait_for_function(f"{SHOWN_DAY} === {day}")

    def wait_day_beyond(self, day: int) -> None:
        self.tab.wait_for_function(f"{SHOWN_DAY} > {day}")

    def sliders(self):
        return self.tab.locator(".sim-sidebar .v-input.v-input__slider")


@pytest.fixture
def opened(browser, server) -> Iterator:
    pages: list[Page] = []

    def open_page(size: tuple[int, int] = (1280, 720)) -> Page:
        page = Page(browser, server, size)
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.context.close()


def _box(page: Page, selector: str) -> dict:
    box = page.tab.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def _smallest_text_px(figure, shown_width: float) -> float:
    """The smallest text of a figure of the app, in pixels as shown ``shown_width`` wide."""
    from matplotlib.text import Text

    from sim.classroom.app import FIGURE_WIDTH_IN

    smallest_pt = min(t.get_fontsize() for t in figure.findobj(Text) if t.get_text().strip())
    return smallest_pt * shown_width / (FIGURE_WIDTH_IN * 72)  # 72 points to the inch


def test_the_page_loads_without_errors_and_shows_its_cards_and_figure(opened, tmp_path):
    page = opened()
    situation = page.text(".sim-situation")
    assert "Summit before the deadline" in situation and "Before day 0" in situation
    assert "Nothing yet" in page.text(".sim-log")
    assert page.tab.get_by_role("tab", name="Among 2,000 worlds").count() == 1
    image = page.tab.screenshot()
    pixels = _pixels(image)
    assert pixels.std() > 20 and len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 50
    figure = page.tab.locator(".sim-path img").first
    assert figure.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.errors == []


def _pixels(png: bytes) -> np.ndarray:
    import matplotlib.image

    return (matplotlib.image.imread(io.BytesIO(png), format="png")[..., :3] * 255).astype(int)


@pytest.mark.parametrize("size", PROJECTOR_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_on_a_projector_cards_do_not_overlap_sliders_show_values_text_is_large(opened, size):
    page = opened(size)
    shots = os.environ.get("SIM_SCREENSHOTS")
    for day in range(1, 13):
        page.click("Step")
        page.wait_day(day)  # each answered before the next click: a click on a redraw is lost
    cards = [_box(page, s) for s in (".sim-situation", ".sim-path", ".sim-log")]
    for i, a in enumerate(cards):
        for b in cards[i + 1 :]:
            assert not _overlap(a, b), (a, b)
    sliders = page.sliders()
    assert sliders.count() == 8  # play interval, seed, world and five knobs
    for index in range(sliders.count()):
        slider = sliders.nth(index)
        track = slider.locator(".v-slider").bounding_box()
        assert track["width"] >= 150, slider.inner_text()
        assert re.search(r": \d+(\.\d+)?$", slider.locator(".v-label").inner_text().strip())
    from sim.classroom.app import path_figure
    from sim.classroom.watch import WatchedWorld

    model = WatchedWorld(SUMMIT)
    for _ in range(12):
        model.step()
    shown_width = page.tab.locator(".sim-path img").first.evaluate("img => img.clientWidth")
    assert _smallest_text_px(path_figure(model), shown_width) >= MIN_TEXT_PX
    if shots:
        page.tab.screenshot(path=str(Path(shots) / f"viz-{size[0]}x{size[1]}.png"))
    assert page.errors == []


def test_step_play_and_pause(opened):
    page = opened()
    assert page.day() == 0
    page.click("Step")
    page.wait_day(1)
    assert "Day 0 (2025-08-07)" in page.text(".sim-situation")
    page.click("Play")
    page.wait_day_beyond(10)
    started, first = time.monotonic(), page.day()
    page.wait_day_beyond(first + 20)
    elapsed, later = time.monotonic() - started, page.day()
    print(f"Play at 150 ms: {(later - first) / elapsed:.1f} days a second (goal 6.7)")
    page.click("Pause")
    page.tab.get_by_role("button", name="Play", exact=True).wait_for()
    page.tab.wait_for_timeout(1500)  # ticks already on their way are answered
    settled = page.day()
    page.tab.wait_for_timeout(1500)
    assert page.day() == settled < 120
    assert page.errors == []


def test_every_slider_moves_shows_its_value_and_reset_applies_the_settings(opened):
    from sim.classroom.watch import KNOBS

    page = opened()
    sliders = page.sliders()
    moved = []
    for index in range(sliders.count()):
        slider = sliders.nth(index)
        label = slider.locator(".v-label")
        before = label.inner_text()
        thumb = slider.locator("[role=slider]")
        thumb.focus()
        thumb.press("ArrowRight")
        page.tab.wait_for_function(
            "([element, before]) => element.innerText !== before",
            arg=[label.element_handle(), before],
        )
        moved.append(label.inner_text())
    assert moved[1].endswith(": 1")  # the seed, one step from 0
    page.click("Step")
    page.wait_day(1)
    page.click("Reset")
    page.wait_day(0)
    situation = page.text(".sim-situation")
    assert "world 1, seed 1" in situation
    for knob, text in zip(KNOBS, moved[3:], strict=True):
        value = float(text.rsplit(": ", 1)[1])
        assert f"{knob.field.split('.')[-1]}={value!r}" in situation, (knob, situation)
    assert page.errors == []


def test_the_world_plays_to_its_end_and_the_second_tab_places_it(opened):
    from sim.classroom.app import among_figure
    from sim.classroom.watch import WatchedWorld

    model = WatchedWorld(SUMMIT)
    model.run_to_horizon()
    outcome = model.outcome()["outcome"].replace("_", " ")
    page = opened()
    page.click("Play")
    page.wait_day(model.horizon)
    assert f"Outcome: {outcome}." in page.text(".sim-situation")
    page.tab.get_by_role("tab", name="Among 2,000 worlds").click()
    page.tab.locator(".sim-among img").wait_for()
    figure = page.tab.locator(".sim-among img").first
    assert figure.evaluate("img => img.complete && img.naturalWidth > 0")
    shown_width = figure.evaluate("img => img.clientWidth")
    assert _smallest_text_px(among_figure(model), shown_width) >= MIN_TEXT_PX
    assert page.errors == []
