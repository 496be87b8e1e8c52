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
from tests.conftest import ROOT, SCENARIOS

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
    scenario = load_scenario(SCENARIOS / "summit.yaml")
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
