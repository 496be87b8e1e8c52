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

from sim.play import Game, PlayError, load_moves
from sim.scenario import load_scenario
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


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("- {day: 2, action: accept_summit}\n", "expected the decision of day 0"),
        ("- {day: 0, action: escalate_strikes}\n", "'escalate_strikes' is not available"),
        ("- {day: 0}\n", "expected {day: <whole number>, action: <name>}"),
    ],
)
def test_bad_moves_files_fail_clearly_and_keep_the_log(tmp_path, entry, message):
    moves = tmp_path / "moves.yaml"
    moves.write_text(entry)
    out = tmp_path / "log"
    result = subprocess.run(
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
            "--moves",
            str(moves),
            "--out",
            str(out),
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    if "whole number" not in message:  # a malformed file is refused before the game starts
        assert (out / "moves.yaml").exists() and (out / "transcript.txt").exists()


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
