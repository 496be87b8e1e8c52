"""Load benchmark of `sim class`: a whole class at once (docs/performance.md, Class session).

Starts `sim class scenarios/summit.yaml` on a free port of 127.0.0.1 and plays a whole game with
8 teams of 3-4 students: scripted HTTP clients (one thread each) and some real browser contexts
(headless Chromium, as tests/test_browser.py drives it) that click the page's buttons. Each
student polls its team's screen and, when a decision waits, thinks a moment and picks an option;
members of a team race each other, as in a classroom (the server takes the first answer and
refuses the others as stale). Traffic goes to 127.0.0.1 only; every loop is bounded in time.

At the end it checks, team by team:
- no lost or duplicated decision: the answers the server accepted are exactly the team's saved
  moves (moves.yaml) and its debrief's decisions, one per decision day;
- no team saw another's private view: every screen a student got names its own team and actor
  and none of the other teams;
and reports the time to answer a decision (the POST /api/act round trip: the world moves on to
the team's next decision before it answers) at the 50th and 95th percentiles (goal: 95th <= 1 s),
with the machine's load.

    python bench/class_load.py [--students 30] [--teams 8] [--browsers 4]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "summit.yaml"
ACTORS = ("russia", "usa", "ukraine", "europe")
NAMES = ("Kestrel", "Osprey", "Heron", "Falcon", "Plover", "Curlew", "Merlin", "Avocet")
THINK_S = (0.2, 1.0)
"""A student's thinking time before answering, drawn uniformly (seconds)."""
POLL_S = 0.5
GAME_LIMIT_S = 900
"""The whole game must end within this; every loop stops by then."""
CHROMIUM = os.environ.get("SIM_CHROMIUM", "/usr/bin/chromium")


@dataclass
class TeamRecord:
    name: str
    actor: str
    token: str = ""
    pin: str = ""
    accepted: list[tuple[int, str]] = field(default_factory=list)
    refused: int = 0
    leaks: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Timings:
    seconds: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, value: float) -> None:
        with self.lock:
            self.seconds.append(value)


def call(url: str, path: str, body: dict | None = None, token: str = "") -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", "X-Team-Token": token}
    request = urllib.request.Request(url + path, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def check_private(team: TeamRecord, view: dict, others: list[str]) -> None:
    """The screen is the team's own: its name and actor, nothing of another team."""
    text = json.dumps(view)
    if view.get("team") != team.name or view.get("actor") != team.actor:
        team.leaks.append(f"screen of {view.get('team')}/{view.get('actor')}")
    for other in others:
        if other in text:
            team.leaks.append(f"names {other}")


def student(url: str, team: TeamRecord, others: list[str], timings: Timings, seed: int) -> None:
    """One scripted student: poll, think, answer, until the team's game ends."""
    rng = random.Random(seed)
    end = time.monotonic() + GAME_LIMIT_S
    while time.monotonic() < end:
        status, view = call(url, "/api/view", token=team.token)
        if status != 200:
            raise RuntimeError(f"{team.name}: view refused: {view}")
        check_private(team, view, others)
        if view["status"] == "finished":
            return
        decision = view["decision"]
        if not decision:
            time.sleep(POLL_S)
            continue
        time.sleep(rng.uniform(*THINK_S))
        action = rng.choice(decision["options"])["name"]
        act = {"seq": view["seq"], "day": decision["day"], "action": action}
        started = time.perf_counter()
        status, answer = call(url, "/api/act", act, token=team.token)
        elapsed = time.perf_counter() - started
        if status == 200:
            timings.add(elapsed)
            with team.lock:
                team.accepted.append((decision["day"], action))
            check_private(team, answer, others)
        elif status == 409:  # a teammate answered first: refused as stale, as it should be
            with team.lock:
                team.refused += 1
        else:
            raise RuntimeError(f"{team.name}: act refused with {status}: {answer}")
    raise RuntimeError(f"{team.name}: the game did not end in {GAME_LIMIT_S} s")


def browsers(
    url: str, code: str, teams: list[TeamRecord], count: int, timings: Timings, done
) -> int:
    """``count`` browser contexts, the students of ``teams`` (two to a team), each joining with
    the team's PIN on the page, then clicking the first enabled option when a decision waits."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        pages = []
        for index in range(count):
            team = teams[index % len(teams)]
            context = chromium.new_context(viewport={"width": 1280, "height": 720})
            page = context.new_page()

            def finished(request, team=team) -> None:
                if request.url.endswith("/api/act") and request.method == "POST":
                    response = request.response()
                    body = request.post_data_json
                    if response is not None and response.status == 200:
                        timings.add(request.timing["responseEnd"] / 1000)
                        with team.lock:
                            team.accepted.append((body["day"], body["action"]))
                    elif response is not None and response.status == 409:
                        with team.lock:
                            team.refused += 1

            page.on("requestfinished", finished)
            page.goto(url + "/")
            page.locator("#code").fill(code)
            page.locator("#team").fill(team.name)
            page.locator("#pin").fill(team.pin)
            page.get_by_role("button", name="Join").click()
            page.locator("#game:not(.hidden)").wait_for(timeout=60_000)
            pages.append(page)
        clicks = 0
        end = time.monotonic() + GAME_LIMIT_S
        while not done.is_set() and time.monotonic() < end:
            for page in pages:
                button = page.locator("#options button.option:enabled")
                if button.count():
                    try:
                        button.first.click(timeout=2000)
                        clicks += 1
                    except Exception:  # the menu was redrawn under the click: try again
                        pass
            time.sleep(0.3)
        chromium.close()
        return clicks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--teams", type=int, default=8)
    parser.add_argument("--browsers", type=int, default=4)
    args = parser.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with TemporaryDirectory() as tmp:
        out = Path(tmp) / "class"
        command = [sys.executable, "-m", "sim.cli", "class", str(SCENARIO), "--port", str(port)]
        log = Path(tmp) / "server.log"
        with log.open("w") as sink:
            server = subprocess.Popen(
                [*command, "--out", str(out)],
                stdout=sink,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        try:
            report = run_class(f"http://127.0.0.1:{port}", log, out, server.pid, args)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(json.dumps(report, indent=2))


def run_class(url: str, log: Path, out: Path, server_pid: int, args) -> dict:
    import psutil

    deadline = time.monotonic() + 120
    while "type the code" not in log.read_text():
        if time.monotonic() > deadline:
            raise RuntimeError(f"sim class did not start: {log.read_text()}")
        time.sleep(0.2)
    said = log.read_text()
    code = re.search(r"type the code ([A-Z0-9]+)", said).group(1)
    key = re.search(r"teacher#key=(\S+)", said).group(1)
    teams = [TeamRecord(NAMES[i], ACTORS[i % len(ACTORS)]) for i in range(args.teams)]
    for team in teams:
        status, joined = call(
            url, "/api/join", {"code": code, "team": team.name, "actor": team.actor}
        )
        assert status == 200, joined
        team.token = joined["token"]
        status, view = call(url, "/api/view", token=team.token)
        team.pin = view["pin"]
    scripted = args.students - args.browsers
    browser_teams = teams[len(teams) - (args.browsers + 1) // 2 :] if args.browsers else []
    typed = [team for team in teams if team not in browser_teams]  # played by scripted clients
    members = [typed[i % len(typed)] for i in range(scripted)]
    for team in members:  # every scripted member joins through the PIN, as a classmate would
        status, joined = call(url, "/api/join", {"code": code, "team": team.name, "pin": team.pin})
        assert status == 200 and joined["token"] == team.token, joined
    timings = Timings()
    process = psutil.Process(server_pid)
    process.cpu_percent(None)
    load_before = os.getloadavg()
    request = urllib.request.Request(
        url + "/api/teacher",
        data=json.dumps({"command": "start"}).encode(),
        headers={"X-Teacher-Key": key, "Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=30).read()
    started = time.monotonic()
    done = threading.Event()
    failures: list[str] = []

    def run_student(team: TeamRecord, seed: int) -> None:
        try:
            student(url, team, [t.name for t in teams if t is not team], timings, seed)
        except Exception as err:
            failures.append(f"{team.name}: {err}")

    threads = [
        threading.Thread(target=run_student, args=(team, seed)) for seed, team in enumerate(members)
    ]
    for thread in threads:
        thread.start()
    clicked: list[int] = []

    def stop_when_done() -> None:
        for thread in threads:
            thread.join()
        while browser_teams and time.monotonic() - started < GAME_LIMIT_S:
            views = [call(url, "/api/view", token=team.token)[1] for team in browser_teams]
            for team, view in zip(browser_teams, views, strict=True):
                check_private(team, view, [t.name for t in teams if t is not team])
            if all(view["status"] == "finished" for view in views):
                break
            time.sleep(POLL_S)
        done.set()

    watcher = threading.Thread(target=stop_when_done)
    watcher.start()
    if args.browsers:
        clicked.append(browsers(url, code, browser_teams, args.browsers, timings, done))
    watcher.join()
    elapsed = time.monotonic() - started
    load_after = os.getloadavg()
    server_cpu = process.cpu_percent(None)
    checks = verify(teams, out)
    seconds = sorted(timings.seconds)
    quantiles = statistics.quantiles(seconds, n=100) if len(seconds) > 1 else seconds * 99
    return {
        "students": args.students,
        "scripted_clients": scripted,
        "browser_contexts": args.browsers,
        "teams": args.teams,
        "game_seconds": round(elapsed, 1),
        "decisions_accepted": len(seconds),
        "stale_answers_refused": sum(team.refused for team in teams),
        "browser_clicks": sum(clicked),
        "browser_teams": [team.name for team in browser_teams],
        "answer_p50_s": round(quantiles[49], 3),
        "answer_p95_s": round(quantiles[94], 3),
        "answer_max_s": round(seconds[-1], 3) if seconds else None,
        "server_cpu_percent": round(server_cpu, 1),
        "load_average_1min_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "cores": os.cpu_count(),
        "failures": failures,
        "checks": checks,
    }


def verify(teams: list[TeamRecord], out: Path) -> dict:
    """No lost or duplicated decision, no leaked screen: team by team."""
    from sim.classroom.play import load_moves

    problems = []
    for team in teams:
        (folder,) = out.glob(f"team*-{team.name.lower()}")
        moves = [(m.day, m.action) for m in load_moves(folder / "moves.yaml")]
        decisions = json.loads((folder / "debrief.json").read_text())["decisions"]
        accepted = sorted(team.accepted)
        if accepted != moves:
            problems.append(f"{team.name}: accepted {accepted} but saved {moves}")
        if [(d["day"], d["chosen"]) for d in decisions] != moves:
            problems.append(f"{team.name}: the debrief's decisions differ from its moves")
        if len({day for day, _ in moves}) != len(moves):
            problems.append(f"{team.name}: a day decided twice")
        if team.leaks:
            problems.append(f"{team.name}: saw {sorted(set(team.leaks))}")
    if not (out / "class.json").exists():
        problems.append("no class.json")
    return {"ok": not problems, "problems": problems}


if __name__ == "__main__":
    main()
