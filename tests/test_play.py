"""sim play: driven through a real pseudo-terminal, replayed from moves files, and bad input."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.classroom.play import Game, PlayError, load_moves
from sim.scenario.loading import load_scenario
from tests.conftest import ROOT, SCENARIOS, bundled

SUMMIT = str(SCENARIOS / "summit.yaml")


class Terminal:
    """A child process on a pseudo-terminal, read until a pattern appears."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.master, slave = os.openpty()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
        self.process = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env, close_fds=True
        )
        os.close(slave)
        self.seen = ""

    def expect(self, pattern: str, start: int = 0, timeout: float = 60) -> str:
        """Read until ``pattern`` appears in the output after position ``start``."""
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.seen[start:]):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{pattern!r} never appeared; last output:\n{self.seen[-2000:]}"
                )
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536).decode("utf-8", "replace")
                except OSError:  # the child closed the terminal
                    break
        return self.seen[start:]

    def send(self, text: str) -> None:
        os.write(self.master, (text + "\n").encode())

    def close(self) -> int:
        code = self.process.wait(timeout=60)
        os.close(self.master)
        return code


def test_play_in_a_terminal_reprompts_and_ends_with_a_debrief(tmp_path):
    out = tmp_path / "play"
    term = Terminal(
        [
            sys.executable,
            "-m",
            "sim.cli",
            "play",
            SUMMIT,
            "--as",
            "usa",
            "--seed",
            "3",
            "--out",
            str(out),
            "--debrief-runs",
            "300",
        ],
        cwd=tmp_path,
    )
    term.expect(r"Your choice \(1-\d+\): ")
    start = len(term.seen)
    term.send("99")
    term.expect(r"Please type a number from 1 to \d+", start)
    start = len(term.seen)
    term.send("abc")
    term.expect(r"Please type a number from 1 to \d+", start)
    answered = 0
    while True:
        start = len(term.seen)
        term.send("1")
        answered += 1
        reply = term.expect(r"Your choice \(1-\d+\): |== Debrief ==", start)
        if "== Debrief ==" in reply:
            break
    term.expect(r"Play logged in")
    assert term.close() == 0
    assert answered >= 3
    debrief = json.loads((out / "debrief.json").read_text())
    assert debrief["decisions"] and 0 <= debrief["percentile"] <= 100
    assert (out / "moves.yaml").exists() and (out / "transcript.txt").stat().st_size > 0


def _play(moves=None, answers=None, world=0):
    scenario = load_scenario(SCENARIOS / "summit.yaml")
    said: list[str] = []
    queue = list(answers or [])
    game = Game(
        scenario,
        "usa",
        seed=3,
        say=said.append,
        ask=lambda prompt: queue.pop(0),
        moves=moves,
        world=world,
    )
    game.play()
    return game, said


def test_an_aggressor_who_waits_is_not_asked_every_day():
    """Waiting with nothing to answer quiets the game for QUIET_DAYS (or until news).

    Without the rule the aggressor's model would propose or escalate with at least 5 % on every
    day, and a student who waits was asked 120 times. Meanwhile the model never acts for the
    student: every action of the student's actor is one the student chose, or routine.
    """
    scenario = bundled("summit.yaml")  # the rule's numbers, not the posterior's
    game = Game(scenario, "russia", seed=3, say=lambda text: None, ask=lambda prompt: "1")
    game.play()
    days = [d.day for d in game.decisions]
    assert all(d.chosen == "wait" for d in game.decisions)
    assert 5 <= len(days) <= 30, days
    acted = [e for e in game.model.log if e.get("actor") == "russia"]
    assert all(e["action"] in ("wait", "strike_refineries") for e in acted), acted


def test_moves_replay_exactly(tmp_path):
    first, _ = _play(answers=["2"] * 200)
    moves_file = tmp_path / "moves.yaml"
    moves_file.write_text(
        "".join(f"- {{day: {d.day}, action: {d.chosen}}}\n" for d in first.decisions)
    )
    second, said = _play(moves=load_moves(moves_file))
    assert [(d.day, d.chosen) for d in second.decisions] == [
        (d.day, d.chosen) for d in first.decisions
    ]
    assert first.model.state.casualties[0] == second.model.state.casualties[0]
    assert any("(replayed)" in line for line in said)


def _replay(tmp_path, moves, out):
    """``sim play`` of the US in summit.yaml, seed 3, replaying ``moves`` into ``out``."""
    return subprocess.run(
        [
            *(sys.executable, "-m", "sim.cli", "play", SUMMIT, "--as", "usa", "--seed", "3"),
            *("--moves", str(moves), "--out", str(out)),
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        # found as the game runs
        ("- {day: 2, action: accept_summit}\n", ":1: day 2: expected the decision of day 0"),
        ("- {day: 0, action: ease_sanctions}\n", ":1: day 0: action 'ease_sanctions' is not a"),
        # found before the game starts
        ("- {day: 0}\n", ":1: expected {day: <whole number>, action: <name>}"),
        ("- {day: true, action: wait}\n", ":1: expected {day: <whole number>"),
        ("- {day: 0, action: wait}\n- {day: 0, action: wait}\n", ":2: day 0: expected days in"),
        ("- {day: 0, action: wait}\n- {day: 999, action: wait}\n", ":2: day 999 is past the hor"),
        ("- {day: 0, action: escalate_strikes}\n", ":1: unknown action 'escalate_strikes' for"),
        ("- {day: 0, action: wait}\n- {day: 1, action: [\n", ":3: not a YAML moves file"),
    ],
)
def test_bad_moves_files_fail_clearly_and_leave_no_folder(tmp_path, entry, message):
    moves = tmp_path / "moves.yaml"
    moves.write_text(entry)
    out = tmp_path / "log"
    result = _replay(tmp_path, moves, out)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {moves}{message}"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists() and not (tmp_path / "results").exists()


def test_a_failed_replay_into_an_existing_folder_leaves_the_folder(tmp_path):
    """Only what the play wrote is removed: the user's own (empty) --out folder stays."""
    moves = tmp_path / "moves.yaml"
    moves.write_text("- {day: 2, action: accept_summit}\n")
    out = tmp_path / "mine"
    out.mkdir()
    result = _replay(tmp_path, moves, out)
    assert result.returncode == 2 and "expected the decision of day 0" in result.stderr
    assert out.is_dir() and list(out.iterdir()) == []


def test_a_moves_file_with_an_unreadable_number_gets_one_line(tmp_path):
    moves = tmp_path / "moves.yaml"
    moves.write_text("- {day: " + "9" * 5000 + ", action: wait}\n")
    with pytest.raises(PlayError, match="not a moves file"):
        load_moves(moves)


def test_unknown_actor_is_refused_before_anything_is_written(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", "play", SUMMIT, "--as", "nato"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert result.returncode == 2
    assert "unknown actor 'nato'" in result.stderr and "russia, usa" in result.stderr
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(PlayError):
        Game(load_scenario(SCENARIOS / "summit.yaml"), "nato", 0, print, input)


# --- what the student reads ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "actor", "told"),
    [
        ("usa imposes sanctions and tariffs", "usa", "You impose sanctions and tariffs"),
        ("russia offers usa a summit on day 8", "usa", "russia offers you a summit on day 8"),
        ("usa's deadline passes", "usa", "your deadline passes"),
        ("europe rushes air defence to the defender", "europe", "You rush air defence to the"),
        ("ukraine is blamed", "ukraine", "You are blamed"),
        ("russia offers a summit", "us", "russia offers a summit"),  # a name inside a word
        ("russia offers a summit", "usa", "russia offers a summit"),
    ],
)
def test_narration_speaks_to_the_student_in_the_second_person(text, actor, told):
    from sim.classroom.play import second_person

    assert second_person(text, actor).startswith(told)


def test_the_news_told_to_the_student_never_names_their_own_actor():
    _, said = _play(answers=["1"] * 200, world=0)
    news = [line for line in said if line.startswith("    day ")]
    assert news and not [line for line in news if re.search(r"\busa\b", line)]


def _ctx(day: int, sanctions: float, deadline: float):
    from types import SimpleNamespace

    import numpy as np

    state = SimpleNamespace(
        coercer_sanctions=np.array([sanctions]), deadline_day=np.array([deadline])
    )
    return SimpleNamespace(state=state, day=day)


def test_the_menu_follows_the_situation():
    from sim.classroom.play import consequence
    from sim.scenario.catalogue import ACTIONS

    declared = {action.name: action.consequence for action in ACTIONS}
    fresh = consequence("impose_sanctions", _ctx(5, 0.0, 10), 0)
    assert fresh == declared["impose_sanctions"] and "credible again" in fresh
    again = consequence("impose_sanctions", _ctx(5, 0.5, 10), 0)
    assert "credible again" not in again and "further" in again
    ahead = consequence("decline_summit", _ctx(10, 0.0, 10), 0)  # the deadline falls today
    assert ahead == declared["decline_summit"] and "deadline's pressure" in ahead
    for deadline in (9, float("inf")):  # passed, or never set
        gone = consequence("decline_summit", _ctx(10, 0.0, deadline), 0)
        assert "deadline's pressure" not in gone and "no deadline is left" in gone


def test_a_sanctioned_student_is_not_told_their_threat_becomes_credible_again():
    game, said = _play(answers=["1"] * 200)  # impose_sanctions first, whenever offered
    text = "\n".join(said).split("== Debrief")[0]
    first = next(i for i, d in enumerate(game.decisions) if d.chosen == "impose_sanctions")
    after = text.split(f"== Day {game.decisions[first + 1].day} ", 1)[1]
    assert "impose_sanctions" in after  # still offered, now as tightening
    assert "credible again" not in after and "Tighten your sanctions further" in after


def test_quiet_stretches_are_summarised_with_how_the_world_moved():
    from sim.classroom.play import QUIET_SUMMARY_DAYS

    game, said = _play(answers=["1"] * 200)
    states = {d.day: d.state for d in game.model.days}
    covered: set[int] = set()
    summaries = 0
    text = " ".join(" ".join(said).split())  # wrapped lines joined again
    for found in re.finditer(
        r"days (\d+)\N{EN DASH}(\d+): no decision needed(.*?sanctions level)", text
    ):
        first, last, line = int(found[1]), int(found[2]), found[3]
        covered |= set(range(first, last + 1))
        summaries += 1
        more = states[last]["casualties"] - states[first - 1]["casualties"]
        assert f"{more:,} more casualties" in line
        assert f"holds {states[last]['territory_pct']:.2f}%" in line
    covered |= {int(day) for day in re.findall(r"(?<!days )\bday (\d+):", text)}
    covered |= {d.day for d in game.decisions}
    assert summaries >= 2
    gaps, run = [], 0
    for day in range(game.scenario.horizon_days):
        run = 0 if day in covered else run + 1
        gaps.append(run)
    assert max(gaps) < QUIET_SUMMARY_DAYS  # no stretch as long as that passes without a word


def test_top_components_are_the_largest_by_size_with_their_sign():
    from sim.classroom.play import top_components

    components = {"a": 0.1, "b": -0.5, "c": 0.3, "d": 0.0, "e": 0.05}
    assert top_components(components, row=0, worlds=1) == {"b": -0.5, "c": 0.3, "a": 0.1}


def test_the_debrief_says_what_payoff_is_gives_the_models_reasons_and_fits_120_columns(
    monkeypatch,
):
    from sim.classroom.play import PAYOFF_MEANING, debrief

    monkeypatch.setenv("COLUMNS", "120")
    game, _ = _play(answers=["1"] * 200)
    data, text = debrief(game, runs=50)
    flat = " ".join(text.split())
    assert "The payoff is your standing at day 120" in flat
    assert PAYOFF_MEANING["coercer"] in flat and data["payoff_meaning"] == PAYOFF_MEANING["coercer"]
    assert max(len(line) for line in text.splitlines()) <= 100
    differing = [d for d in game.decisions if d.chosen != d.model_choice]
    assert differing
    for d in differing:
        reasons = ", ".join(f"{k} {v:+.2f}" for k, v in d.model_reasons.items())
        assert d.model_reasons and f"the model: {d.model_choice}" in flat
        assert f"because of {reasons}." in flat
