"""`sim class`: the class session's state, its JSON API and its refusals.

The session is driven directly (sim.classroom.session) and through its web app with Starlette's
TestClient (no port, no browser). The security tests each send one bad request, check it is
refused with a 4xx status and a reason, and check that the other teams' games go on unharmed.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.classroom.play import Game, load_moves
from sim.classroom.session import CODE_ALPHABET, CODE_LENGTH, ClassSession, RefusedError, Settings
from sim.scenario.loading import load_scenario
from tests.conftest import SCENARIOS

SUMMIT = SCENARIOS / "summit.yaml"
WAIT_S = 60
"""How long a test waits for a world's thread to move on (a loaded two-core machine)."""


OPENED: list[ClassSession] = []


@pytest.fixture(autouse=True)
def _closed_after_each_test():
    """Every session a test opens is closed, its threads ended: a later test that forks (an
    ensemble's pool) must find no other thread running."""
    yield
    while OPENED:
        session = OPENED.pop()
        session.close()
        assert not [w for w in session.worlds if w.thread and w.thread.is_alive()]


def _session(tmp_path: Path | None = None, clock=None, **given) -> ClassSession:
    settings = Settings(load_scenario(SUMMIT), str(SUMMIT), out=tmp_path, **given)
    session = ClassSession(settings, clock=clock) if clock else ClassSession(settings)
    OPENED.append(session)
    return session


def _until(condition, what: str) -> None:
    end = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < end, f"waited {WAIT_S} s for {what}"
        time.sleep(0.01)


def _settled(session: ClassSession, team) -> dict:
    """The team's view once its world has stopped moving (a decision, a hold, or the end)."""
    _until(lambda: session.view(team)["status"] != "playing", f"{team.name}'s world")
    return session.view(team)


def _play_out(session: ClassSession, teams, pick=lambda view: view["decision"]["options"][0]):
    """Answer every decision of ``teams`` with ``pick`` until each has finished."""
    chosen: dict[str, list[tuple[int, str]]] = {team.name: [] for team in teams}
    while True:
        views = [_settled(session, team) for team in teams]
        if all(view["status"] == "finished" for view in views):
            return chosen
        for team, view in zip(teams, views, strict=True):
            if view["decision"]:
                action = pick(view)["name"]
                session.act(team.token, view["seq"], view["decision"]["day"], action)
                chosen[team.name].append((view["decision"]["day"], action))


def test_a_join_code_is_short_and_from_an_unambiguous_alphabet():
    codes = {_session().code for _ in range(20)}
    assert len(codes) == 20  # drawn with secrets, not fixed
    for code in codes:
        assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
        assert not set(code) & set("IO01")


def test_each_team_plays_its_own_world_and_its_moves_file_replays_it_in_sim_play(tmp_path):
    session = _session(tmp_path)
    usa = session.join(session.code, "Blue", actor="usa")
    russia = session.join(session.code.lower(), "  Red  ", actor="russia")  # code case-blind
    assert russia.name == "Red" and usa.world is not russia.world
    assert usa.token != russia.token and len(usa.token) >= 32
    session.start()
    last = lambda view: view["decision"]["options"][-1]  # noqa: E731  (not the model's pick)
    chosen = _play_out(session, [usa, russia], pick=last)
    for team in (usa, russia):
        moves = load_moves(team.folder / "moves.yaml")
        assert [(m.day, m.action) for m in moves] == chosen[team.name]
        replay = Game(load_scenario(SUMMIT), team.actor, 0, lambda t: None, input, moves=moves)
        replay.play()
        assert replay.model.outcome()["outcome"] == team.debrief["outcome"]
        assert replay.model.outcome()[f"payoff_{team.actor}"] == pytest.approx(
            team.debrief["payoff"]
        )
        assert (team.folder / "debrief.json").exists()
    saved = json.loads((tmp_path / "class.json").read_text())
    assert [t["team"] for t in saved["teams"]] == ["Blue", "Red"]
    assert saved["class_worlds"] == 2 and sum(saved["class_shares"].values()) == pytest.approx(1)


def test_the_same_seed_and_moves_give_the_same_world_in_two_sessions():
    outcomes = []
    for _ in range(2):
        session = _session()
        team = session.join(session.code, "Blue", actor="europe")
        session.start()
        _play_out(session, [team])
        outcomes.append((team.debrief["outcome"], team.debrief["payoff"], team.lines))
    assert outcomes[0] == outcomes[1]


def test_the_class_debrief_sets_each_teams_key_choices_beside_the_models():
    session = _session()
    team = session.join(session.code, "Blue", actor="usa")
    session.start()
    unlike_model = lambda view: view["decision"]["options"][-1]  # noqa: E731
    _play_out(session, [team], pick=unlike_model)
    data = session.class_debrief()
    (entry,) = data["teams"]
    assert entry["key_choices"], entry
    for choice in entry["key_choices"]:
        assert choice["chosen"] != choice["model_choice"]
        assert choice["model_probability"] > choice["chosen_probability"]
        assert choice["model_reasons"]  # the model's utility components: its reasons
    assert (
        entry["followed_model"]
        + len([d for d in team.debrief["decisions"] if d["chosen"] != d["model_choice"]])
        == entry["decisions"]
    )
    assert 0 <= entry["percentile"] <= 100
    assert data["class_shares"][entry["outcome"]] == 1.0
    assert sum(data["model_shares"].values()) == pytest.approx(1)


def test_shared_worlds_seat_one_team_per_actor():
    session = _session(mode="shared")
    usa = session.join(session.code, "Blue", actor="usa")
    russia = session.join(session.code, "Red", actor="russia")
    usa2 = session.join(session.code, "Green", actor="usa")
    assert usa.world is russia.world and usa2.world is not usa.world
    session.start()
    _play_out(session, [usa, russia, usa2])
    assert usa.debrief["outcome"] == russia.debrief["outcome"]  # one world, one outcome
    assert any("Red" in line for line in usa.lines[:3])  # told who plays russia
    assert session.class_debrief()["class_worlds"] == 2


def test_the_teachers_pace_holds_every_world_at_the_open_day():
    session = _session(pace="teacher")
    teams = [session.join(session.code, f"T{i}", actor=a) for i, a in enumerate(["usa", "europe"])]
    session.start()

    _until(lambda: all(session.view(t)["status"] != "playing" for t in teams), "a hold")
    for opened in (1, 6, 20):
        if opened > 1:
            session.advance(opened - session.open_days)
        _until(
            lambda opened=opened: (
                _play_some(session, teams) == 0
                and all(session.view(t)["status"] == "waiting for the teacher" for t in teams)
            ),
            f"the hold at day {opened}",
        )
        days = {session.view(t)["day"] for t in teams}
        assert days == {opened}  # the next day to step, not stepped


def _play_some(session: ClassSession, teams) -> int:
    """Answer the pending decisions (the first option); how many there were."""
    answered = 0
    for team in teams:
        view = session.view(team)
        if view["decision"]:
            option = view["decision"]["options"][0]["name"]
            session.act(team.token, view["seq"], view["decision"]["day"], option)
            answered += 1
    return answered


def test_when_the_timer_runs_out_the_model_decides_for_the_team():
    now = [0.0]
    session = _session(timer_s=30.0, clock=lambda: now[0])
    team = session.join(session.code, "Blue", actor="usa")
    session.start()
    view = _settled(session, team)
    assert view["decision"]["seconds_left"] == 30.0
    pending = team.pending
    now[0] += 29.0
    time.sleep(0.6)
    assert session.view(team)["seq"] == 0  # not yet
    now[0] += 2.0
    _until(lambda: team.seq == 1, "the timer")
    assert team.last == f"day {pending.day}: {pending.likeliest} (time ran out)"
    assert team.timed_out == 1
    assert any("Time ran out" in line for line in team.lines)


def test_a_team_rejoins_with_its_pin_and_finds_its_state():
    session = _session()
    team = session.join(session.code, "Blue", actor="usa")
    session.start()
    before = _settled(session, team)
    again = session.join(session.code, "blue", pin=team.pin)  # a classmate, or a reload
    assert again is team and session.view(again) == before
    with pytest.raises(RefusedError) as refused:
        session.join(session.code, "Blue", pin="0000" if team.pin != "0000" else "1111")
    assert refused.value.status == 409
    with pytest.raises(RefusedError):
        session.join(session.code, "Blue", actor="russia")  # a name is taken, not shared


def test_guessing_a_teams_pin_is_slowed_to_a_few_tries_a_minute():
    from sim.classroom.session import PIN_LOCK_S, PIN_TRIES

    now = [0.0]
    session = _session(clock=lambda: now[0])
    team = session.join(session.code, "Blue", actor="usa")
    wrong = [f"{n:04d}" for n in range(10_000) if f"{n:04d}" != team.pin]
    for guess in wrong[:PIN_TRIES]:
        with pytest.raises(RefusedError) as refused:
            session.join(session.code, "Blue", pin=guess)
        assert refused.value.status == 409
    with pytest.raises(RefusedError) as refused:  # locked: even the right PIN waits
        session.join(session.code, "Blue", pin=team.pin)
    assert refused.value.status == 429
    now[0] += PIN_LOCK_S
    assert session.join(session.code, "Blue", pin=team.pin) is team


@pytest.mark.parametrize(
    "name",
    ["", " ", "x" * 25, "tab\tname\x00", "\u202eevil"],
    ids=["empty", "blank", "long", "ctrl", "bidi"],
)
def test_bad_team_names_are_refused(name):
    session = _session()
    with pytest.raises(RefusedError) as refused:
        session.join(session.code, name, actor="usa")
    assert refused.value.status == 422 and not session.teams


# --- the web API: the security tests -------------------------------------------------------------


@pytest.fixture
def api():
    from starlette.testclient import TestClient

    from sim.classroom.server import make_app

    session = _session()
    with TestClient(make_app(session)) as client:  # closes the session on leaving
        client.session = session  # type: ignore[attr-defined]
        yield client


def _join(api, name: str, actor: str) -> dict[str, str]:
    response = api.post("/api/join", json={"code": api.session.code, "team": name, "actor": actor})
    assert response.status_code == 200, response.text
    return {"X-Team-Token": response.json()["token"]}


def _started(api, teams: dict[str, dict[str, str]]) -> dict[str, dict]:
    key = {"X-Teacher-Key": api.session.teacher_key}
    assert api.post("/api/teacher", json={"command": "start"}, headers=key).status_code == 200
    views = {}
    for name, headers in teams.items():
        _until(lambda h=headers: api.get("/api/view", headers=h).json()["decision"], name)
        views[name] = api.get("/api/view", headers=headers).json()
    return views


def _others_unharmed(api, teams, before):
    """Each other team's view is as it was, and each can still make its decision."""
    for name, headers in teams.items():
        view = api.get("/api/view", headers=headers).json()
        assert view["seq"] == before[name]["seq"] and view["decision"] == before[name]["decision"]
        decision = view["decision"]
        act = {"seq": view["seq"], "day": decision["day"], "action": decision["options"][0]["name"]}
        answered = api.post("/api/act", json=act, headers=headers)
        assert answered.status_code == 200 and answered.json()["seq"] == view["seq"] + 1


def test_a_team_cannot_act_for_another_team(api):
    teams = {"Blue": _join(api, "Blue", "usa"), "Red": _join(api, "Red", "europe")}
    views = _started(api, teams)
    red = views["Red"]["decision"]
    # Blue sends Red's decision: the server acts for the token's team only, and Blue's menu has
    # no such move on that day
    forged = {"seq": views["Red"]["seq"], "day": red["day"], "action": red["options"][0]["name"]}
    blue_menu = {o["name"] for o in views["Blue"]["decision"]["options"]}
    answered = api.post("/api/act", json=forged, headers=teams["Blue"])
    if forged["action"] not in blue_menu:
        assert answered.status_code == 422
    if answered.status_code == 200:  # a move on Blue's own menu: taken for Blue, not for Red
        assert answered.json()["team"] == "Blue" and answered.json()["seq"] == 1
    # naming the other team in the message is refused outright
    named = {**forged, "team": "Red"}
    assert api.post("/api/act", json=named, headers=teams["Blue"]).status_code == 422
    # a made-up token, a token with the wrong case, no token: unknown team
    for headers in (
        {"X-Team-Token": "x" * 32},
        {"X-Team-Token": teams["Red"]["X-Team-Token"].upper()},
        {},
    ):
        response = api.post("/api/act", json=forged, headers=headers)
        assert response.status_code == 401 and "unknown team" in response.json()["error"]
    # a student's token opens no teacher's control
    for path in ("/api/board", "/api/debrief"):
        assert api.get(path, headers=teams["Red"]).status_code == 403
    assert (
        api.post("/api/teacher", json={"command": "advance"}, headers=teams["Red"]).status_code
        == 403
    )
    red_now = api.get("/api/view", headers=teams["Red"]).json()
    assert red_now["seq"] == views["Red"]["seq"] and red_now["decision"] == red
    assert "Blue" not in json.dumps(red_now)  # Red sees nothing of Blue
    _others_unharmed(api, {"Red": teams["Red"]}, {"Red": views["Red"]})


def test_a_wrong_join_code_is_refused_and_makes_no_team(api):
    code = api.session.code
    wrong = next(c for c in CODE_ALPHABET if c != code[0]) + code[1:]
    for bad in (wrong, "", code + "X", code[:-1], " " * 6):
        response = api.post("/api/join", json={"code": bad, "team": "Blue", "actor": "usa"})
        assert response.status_code in (403, 422), bad
    assert not api.session.teams


def test_a_replayed_message_is_refused_and_the_decision_taken_once(api):
    teams = {"Blue": _join(api, "Blue", "usa"), "Red": _join(api, "Red", "europe")}
    views = _started(api, teams)
    blue = views["Blue"]
    act = {
        "seq": blue["seq"],
        "day": blue["decision"]["day"],
        "action": blue["decision"]["options"][0]["name"],
    }
    first = api.post("/api/act", json=act, headers=teams["Blue"])
    assert first.status_code == 200
    for _ in range(3):
        again = api.post("/api/act", json=act, headers=teams["Blue"])
        assert again.status_code == 409 and "stale" in again.json()["error"]
    after = api.get("/api/view", headers=teams["Blue"]).json()
    assert after["seq"] == blue["seq"] + 1
    assert api.session.teams[teams["Blue"]["X-Team-Token"]].game.decisions.__len__() == 1
    _others_unharmed(api, {"Red": teams["Red"]}, {"Red": views["Red"]})


GARBAGE = [
    b"",
    b"not json",
    b"\xff\xfe\x00garbage",
    b"[]",
    b"null",
    b'{"seq": "0", "day": 0, "action": "wait"}',
    b'{"seq": 0, "day": -1, "action": "wait"}',
    b'{"seq": 0, "day": 0}',
    b'{"seq": 1e999, "day": 0, "action": "wait"}',
    b'{"seq": 0, "day": 0, "action": ["wait"]}',
    b'{"seq": 0, "day": 0, "action": "' + b"w" * 100 + b'"}',
    b'{"seq": 0, "day": 0, "action": "launch_nukes"}',
    b'{"seq": 0, "day": 0, "action": "wait", "extra": 1}',
    b'{"a": ' * 500 + b"1" + b"}" * 500,
    b"x" * 100_000,
]


def test_garbage_messages_are_refused_and_the_server_keeps_serving(api):
    teams = {"Blue": _join(api, "Blue", "usa"), "Red": _join(api, "Red", "europe")}
    views = _started(api, teams)
    for body in GARBAGE:
        for path in ("/api/act", "/api/join", "/api/teacher"):
            headers = {**teams["Blue"], "X-Teacher-Key": api.session.teacher_key}
            response = api.post(path, content=body, headers=headers)
            assert 400 <= response.status_code < 500, (path, body[:40], response.text)
            assert response.json()["error"]
    assert (
        api.get("/api/view", headers={"X-Team-Token": "\u00e9".encode("latin-1")}).status_code
        == 401
    )
    assert api.get("/api/board", headers={"X-Teacher-Key": "wrong"}).status_code == 403
    _others_unharmed(api, teams, views)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.binary(max_size=300)
    | st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=10,
    ).map(lambda value: json.dumps(value).encode())
)
def test_any_message_gets_an_answer_never_a_server_error(api, body):
    token = {"X-Team-Token": "t" * 32}
    for path in ("/api/act", "/api/join"):
        response = api.post(path, content=body, headers=token)
        assert response.status_code < 500


def test_many_teams_acting_at_once_each_decide_once():
    session = _session()
    teams = [
        session.join(session.code, f"T{i}", actor=a) for i, a in enumerate(["usa", "europe"] * 3)
    ]
    session.start()
    for team in teams:
        _settled(session, team)
    outcomes: dict[str, list[int]] = {team.name: [] for team in teams}

    together = threading.Barrier(len(teams) * 3)

    def member(team) -> None:  # three members of each team answer the same decision at once
        view = session.view(team)
        decision = view["decision"]
        together.wait()
        try:
            session.act(team.token, view["seq"], decision["day"], decision["options"][0]["name"])
            outcomes[team.name].append(200)
        except RefusedError as err:
            outcomes[team.name].append(err.status)

    threads = [threading.Thread(target=member, args=(t,)) for t in teams for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for team in teams:
        assert sorted(outcomes[team.name]) == [200, 409, 409]
        assert team.seq == 1


# --- the command ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere.yaml"], "nowhere.yaml"),
        ([str(SUMMIT), "--pace", "fast"], "--pace: expected free or teacher, got 'fast'"),
        ([str(SUMMIT), "--timer", "-1"], "--timer: expected 0 to 3600 seconds, got -1"),
        ([str(SUMMIT), "--port", "0"], "--port: expected a port from 1 to 65535, got 0"),
        ([str(SUMMIT), "--seed", "-2"], "--seed: expected a seed >= 0, got -2"),
    ],
    ids=["no-file", "pace", "timer", "port", "seed"],
)
def test_bad_arguments_end_with_one_line_and_exit_2(args, message, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from sim.cli import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["class", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert list(tmp_path.iterdir()) == []  # no results folder for a class that never ran


def test_a_port_in_use_ends_with_one_line_and_exit_2(tmp_path, monkeypatch):
    import socket

    from typer.testing import CliRunner

    from sim.cli import app

    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["class", str(SUMMIT), "--port", str(port)])
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: --port: cannot serve on 127.0.0.1:{port}: ")
    assert "try another --port" in line


def test_ctrl_c_ends_the_class_and_keeps_the_moves_so_far(tmp_path):
    import os
    import re
    import signal
    import socket
    import subprocess
    import sys
    import urllib.request

    from tests.conftest import ROOT

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "class"
    command = [sys.executable, "-m", "sim.cli", "class", str(SUMMIT), "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--out", str(out)],
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        said = ""
        while "Ctrl-C ends the session" not in said:
            line = process.stdout.readline()
            assert line, process.stderr.read()
            said += line
        code = re.search(r"type the code ([A-Z0-9]+)", said).group(1)
        key = re.search(r"teacher#key=(\S+)", said).group(1)
        url = f"http://127.0.0.1:{port}"

        def post(path, body, headers):
            request = urllib.request.Request(url + path, json.dumps(body).encode(), headers)
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())

        _until(lambda: _answers(url), "the server")
        token = post("/api/join", {"code": code, "team": "Blue", "actor": "usa"}, {})["token"]
        post("/api/teacher", {"command": "start"}, {"X-Teacher-Key": key})
        headers = {"X-Team-Token": token}
        _until(lambda: _get(url, headers)["decision"], "the first decision")
        view = _get(url, headers)
        decision = view["decision"]
        act = {"seq": 0, "day": decision["day"], "action": decision["options"][0]["name"]}
        post("/api/act", act, headers)  # a world thread is now waiting for the next answer
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert stderr.strip().splitlines()[-1] == "error: interrupted"
    (folder,) = out.glob("team01-blue")
    assert load_moves(folder / "moves.yaml")[0].action == act["action"]
    assert not _answers(f"http://127.0.0.1:{port}")  # nothing listens any more


def _get(url: str, headers: dict[str, str]) -> dict:
    import urllib.request

    request = urllib.request.Request(url + "/api/view", headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def _answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url + "/api/scenario", timeout=5):
            return True
    except OSError:
        return False
