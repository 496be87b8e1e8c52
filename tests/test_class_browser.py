"""`sim class` in a real browser: the teacher's board, a student's decision view, the debrief.

As tests/test_browser.py: headless Chromium (Debian's package) driven by Playwright; without a
browser these tests skip and say why, and CI (SIM_REQUIRE_BROWSER=1) turns the skip into a
failure. The server is `sim class` itself, on a free port; teams other than the one a test plays
in the browser are played through the JSON API, as the students' other browsers would.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import stop
from tests.test_browser import (
    _MISSING,
    ACTION_TIMEOUT_MS,
    ROOT,
    SERVER_START_S,
    _free_port,
    _pixels,
)

SUMMIT = str(ROOT / "scenarios" / "summit.yaml")
SIZE = (1280, 720)
pytestmark = pytest.mark.skipif(_MISSING is not None, reason=_MISSING or "")


class ClassServer:
    """A running `sim class`: its address, join code and teacher's key, and a small API client."""

    def __init__(self, url: str, code: str, key: str, out: Path) -> None:
        self.url, self.code, self.key, self.out = url, code, key, out
        self.tokens: dict[str, dict[str, str]] = {}

    def call(self, path: str, body: dict | None = None, headers: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, headers=headers or {})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def teacher(self, body: dict | None = None) -> dict:
        path = "/api/teacher" if body else "/api/board"
        return self.call(path, body, {"X-Teacher-Key": self.key})

    def join(self, team: str, actor: str) -> dict[str, str]:
        joined = self.call("/api/join", {"code": self.code, "team": team, "actor": actor})
        self.tokens[team] = {"X-Team-Token": joined["token"]}
        return self.tokens[team]

    def play_out(self, headers: dict[str, str]) -> None:
        """Answer every decision of a team with its first option, to the end of its game."""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            view = self.call("/api/view", headers=headers)
            if view["status"] == "finished":
                return
            decision = view["decision"]
            if decision:
                act = {"seq": view["seq"], "day": decision["day"]}
                act["action"] = decision["options"][0]["name"]
                self.call("/api/act", act, headers)
            else:
                time.sleep(0.05)
        raise AssertionError("the team's game did not end in 300 s")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ClassServer]:
    """`sim class scenarios/summit.yaml` on a free port; always stopped afterwards."""
    port = _free_port()
    out = tmp_path_factory.mktemp("class") / "out"
    command = [sys.executable, "-m", "sim.cli", "class", SUMMIT, "--port", str(port)]
    command += ["--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    log = out.parent / "server.log"
    with log.open("w") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            try:
                with urllib.request.urlopen(url + "/api/scenario", timeout=5):
                    break
            except (OSError, urllib.error.URLError):
                assert process.poll() is None, f"sim class exited: {log.read_text()}"
                assert time.monotonic() < deadline, f"no answer in {SERVER_START_S} s"
                time.sleep(0.5)
        said = log.read_text()
        code = re.search(r"type the code ([A-Z0-9]+)", said).group(1)
        key = re.search(r"teacher#key=(\S+)", said).group(1)
        yield ClassServer(url, code, key, out)
    finally:
        stop(process)


class Tab:
    """One browser tab at 1280x720, with the console's errors collected."""

    def __init__(self, browser, url: str) -> None:
        self.context = browser.new_context(viewport={"width": SIZE[0], "height": SIZE[1]})
        self.context.set_default_timeout(ACTION_TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on(
            "console",
            lambda message: message.type == "error" and self.errors.append(message.text),
        )
        self.page.goto(url)

    def shot(self, name: str) -> None:
        shots = os.environ.get("SIM_SCREENSHOTS")
        if shots:
            self.page.screenshot(path=str(Path(shots) / name))


@pytest.fixture
def tabs(browser) -> Iterator:
    opened: list[Tab] = []

    def open_tab(url: str) -> Tab:
        tab = Tab(browser, url)
        opened.append(tab)
        return tab

    yield open_tab
    for tab in opened:
        tab.context.close()


def _not_blank(tab: Tab) -> None:
    pixels = _pixels(tab.page.screenshot())
    assert pixels.std() > 20


def test_the_teachers_board_shows_the_code_and_each_team_live(server, tabs):
    teacher = tabs(f"{server.url}/teacher#key={server.key}")
    teacher.page.locator("#code").get_by_text(server.code).wait_for()
    assert teacher.page.url.endswith("/teacher")  # the key is taken off the address bar
    assert server.url in teacher.page.locator("#address").inner_text()
    server.join("Falcons", "usa")
    server.join("<b>Owls</b>", "russia")  # shown as text, never as markup
    rows = teacher.page.locator("#board tbody tr")
    rows.nth(1).wait_for()
    assert rows.nth(0).locator("td").nth(0).inner_text() == "Falcons"
    assert rows.nth(1).locator("td").nth(0).inner_text() == "<b>Owls</b>"
    assert teacher.page.locator("#board b").count() == 0
    teacher.page.get_by_role("button", name="Start the game").click()
    teacher.page.get_by_role("button", name="Game started").wait_for()
    teacher.page.locator("#board tbody tr td", has_text="deciding").first.wait_for()
    cells = [c.strip() for c in rows.nth(0).locator("td").all_inner_texts()]
    assert cells[1] == "usa" and re.fullmatch(r"\d+ / 120", cells[3]), cells
    _not_blank(teacher)
    teacher.shot("class-teacher-1280x720.png")
    assert teacher.errors == []


def test_a_wrong_key_shows_the_teacher_an_error_not_the_board(server, tabs):
    teacher = tabs(f"{server.url}/teacher#key=wrong")
    teacher.page.locator("#error", has_text="teacher's key required").wait_for()
    assert teacher.page.locator("#board tbody tr").count() == 0


def test_a_student_joins_decides_and_rejoins_after_a_reload(server, tabs):
    server.teacher({"command": "start"})
    student = tabs(server.url + "/")
    student.page.locator("#code").fill("WRONG1")
    student.page.locator("#team").fill("Herons")
    student.page.get_by_label("usa (coercer)").check()
    student.page.get_by_role("button", name="Join").click()
    student.page.locator("#join-error", has_text="wrong join code").wait_for()
    refused = [e for e in student.errors if "status of 403" in e]
    assert len(refused) == 1  # the browser logs the refusal this test provoked; nothing else
    student.errors.remove(refused[0])
    student.page.locator("#code").fill(server.code)
    student.page.get_by_role("button", name="Join").click()
    title = student.page.locator("#decision-title", has_text=re.compile(r"Day \d+: your decision"))
    title.wait_for()
    assert "Herons: you play usa (coercer)" in student.page.locator("#title").inner_text()
    situation = student.page.locator("#situation").inner_text()
    assert "your decision as usa" in situation and "Your options:" in situation
    options = student.page.locator("#options button.option")
    assert options.count() >= 2
    for index in range(options.count()):
        text = options.nth(index).inner_text()
        assert re.match(r"\w+: \S", text), text  # the action and its consequence
    assert "you play usa" in student.page.locator("#news").inner_text()
    token = student.page.evaluate("localStorage.getItem('sim-class-token')")
    server.tokens["Herons"] = {"X-Team-Token": token}
    _not_blank(student)
    student.shot("class-student-1280x720.png")
    day = title.inner_text()
    first = options.first.inner_text().split(":")[0]
    options.first.click()
    student.page.wait_for_function(
        "before => { const t = document.querySelector('#decision-title').innerText;"
        " return t !== before || document.querySelector('#debrief:not(.hidden)'); }",
        arg=day,
    )
    board = server.teacher()
    herons = next(t for t in board["teams"] if t["team"] == "Herons")
    assert herons["last"].endswith(first)
    shown = student.page.locator("#decision-title").inner_text()
    student.page.reload()  # a dropped connection: the team's token is kept in the browser
    student.page.locator("#decision-title", has_text=shown).wait_for()
    assert student.page.locator("#join").is_hidden()
    assert student.errors == []


def test_the_student_and_the_class_see_the_debrief(server, tabs):
    headers = server.join("Storks", "europe")
    server.teacher({"command": "start"})
    student = tabs(server.url + "/")
    student.page.evaluate(f"localStorage.setItem('sim-class-token', {headers['X-Team-Token']!r})")
    student.page.reload()
    for other in server.tokens.values():  # the class's other teams, as their browsers would
        server.play_out(other)
    debrief = student.page.locator("#debrief-text")
    debrief.get_by_text("== Debrief ==").wait_for()
    text = debrief.inner_text()
    assert "Your world ended in" in text and "The payoff is your standing" in text
    assert student.page.locator("#decision").is_hidden()
    teacher = tabs(f"{server.url}/teacher#key={server.key}")
    teacher.page.get_by_role("button", name="Show the class debrief").click()
    teacher.page.locator("#shares tbody tr").nth(3).wait_for()
    storks = teacher.page.locator("#team-results tbody tr", has_text="Storks")
    storks.wait_for()
    cells = storks.locator("td").all_inner_texts()
    assert cells[1] == "europe" and re.search(r"beats \d+%", cells[3]), cells
    choices = teacher.page.locator("#key-choices").inner_text()
    assert "Storks (europe): followed the model's likeliest choice at" in choices
    moves = next(server.out.glob("team*-storks/moves.yaml"))
    assert moves.read_text().count("- {day:") >= 1
    teacher.page.locator("#debrief").scroll_into_view_if_needed()
    teacher.shot("class-debrief-1280x720.png")
    assert student.errors == [] and teacher.errors == []


def test_the_teacher_sets_the_pace_and_the_timer_on_the_page(server, tabs):
    teacher = tabs(f"{server.url}/teacher#key={server.key}")
    teacher.page.locator("#board tbody tr").first.wait_for()
    advance = teacher.page.get_by_role("button", name="Advance a day for all")
    assert advance.is_disabled()  # free pace: nothing to open
    teacher.page.locator("#pace").select_option("teacher")
    teacher.page.locator("#open-days", has_text="days open: 0 to 0").wait_for()
    advance.click()
    teacher.page.locator("#open-days", has_text="days open: 0 to 1").wait_for()
    teacher.page.get_by_role("button", name="Advance a week").click()
    teacher.page.locator("#open-days", has_text="days open: 0 to 8").wait_for()
    assert server.teacher()["open_days"] == 9
    teacher.page.locator("#timer").fill("45")
    teacher.page.get_by_role("button", name="Set timer").click()
    teacher.page.wait_for_function("() => document.activeElement.id !== 'timer'")
    deadline = time.monotonic() + 60
    while server.teacher()["timer_s"] != 45 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.teacher()["timer_s"] == 45
    teacher.page.locator("#pace").select_option("free")
    teacher.page.wait_for_function("() => document.querySelector('#open-days').innerText === ''")
    assert server.teacher()["pace"] == "free"
    assert teacher.errors == []
