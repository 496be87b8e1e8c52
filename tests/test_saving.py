"""A saved folder is the same, byte for byte, whether a forked helper shares the writing or not."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pytest

from sim.engine import forking
from sim.engine.ensemble import run
from sim.engine.results import Results
from sim.output import tables
from sim.output.saving import save_results
from sim.scenario.loading import load_scenario
from tests.conftest import SCENARIOS


@lru_cache(maxsize=1)
def results() -> Results:
    return run(load_scenario(SCENARIOS / "summit.yaml"), runs=300, seed=4, workers=1)


def files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def two_cores(monkeypatch):
    """Share the writing with a helper (as on the 2-core machine), and count that it happened."""
    shared = []
    real_share = forking.share
    monkeypatch.setattr(forking, "available_cores", lambda: 2)
    monkeypatch.setattr(
        forking, "share", lambda *args: shared.append(len(args[0])) or real_share(*args)
    )
    return shared


def test_files_written_with_a_helper_are_the_files_written_alone(tmp_path, monkeypatch, two_cores):
    monkeypatch.setattr(tables, "PART_ROWS", 70)  # worlds.csv in five parts
    save_results(results(), tmp_path / "shared", command="sim run")
    assert two_cores == [5 + 1 + 7]  # five parts of worlds.csv, daily.csv, seven figures
    monkeypatch.setattr(forking, "fork_context", lambda: None)
    save_results(results(), tmp_path / "alone", command="sim run")
    shared, alone = files(tmp_path / "shared"), files(tmp_path / "alone")
    assert shared == alone
    assert shared[Path("worlds.csv")] == results().worlds.to_csv(index=False).encode()
    assert not [name for name in shared if str(name).startswith(".")]  # no parts left
    assert "Each world is classed at the horizon" in shared[Path("report.md")].decode()


def test_a_task_failing_in_the_helper_fails_the_save_and_leaves_no_folder(
    tmp_path, monkeypatch, two_cores
):
    parent = os.getpid()
    real_write = tables.CsvInParts._write

    def write_or_fail(self, index):
        if os.getpid() != parent:  # the helper's first task: part 0 of worlds.csv
            raise RuntimeError("disk full")
        real_write(self, index)

    monkeypatch.setattr(tables.CsvInParts, "_write", write_or_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        save_results(results(), tmp_path / "run")
    assert two_cores
    assert list(tmp_path.iterdir()) == []


def test_one_worker_writes_everything_itself(tmp_path, two_cores):
    save_results(results(), tmp_path / "run", workers=1)
    assert two_cores == []
    assert (tmp_path / "run" / "worlds.csv").read_bytes() == (
        results().worlds.to_csv(index=False).encode()
    )


def test_a_comparison_written_in_parts_with_a_helper_has_every_row_once(
    tmp_path, monkeypatch, two_cores
):
    import pandas as pd

    from sim.experiments.comparison import compare

    monkeypatch.setattr(tables, "PART_ROWS", 70)
    scenarios = [load_scenario(SCENARIOS / f"{name}.yaml") for name in ("baseline", "summit")]
    comparison = compare(scenarios, runs=150, seed=2, workers=1, labels=["baseline", "summit"])
    save_results(comparison, tmp_path / "compare")
    assert two_cores and two_cores[0] > 5  # five parts of worlds.csv, the rest
    saved = pd.read_csv(tmp_path / "compare" / "worlds.csv")
    assert list(saved["scenario"]) == ["baseline"] * 150 + ["summit"] * 150
    assert list(saved["world"]) == list(range(150)) * 2
    expected = [r.worlds["casualties"].to_numpy() for r in comparison.results]
    assert saved["casualties"].tolist() == [*expected[0], *expected[1]]


def test_sigterm_stops_the_command_without_leaving_a_partial_folder(tmp_path):
    """A scheduler's kill during a save: exit 143, and neither the folder nor its staging copy."""
    import subprocess
    import sys

    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from sim.cli import stop_cleanly_on_signals\n"
        "from sim.output.folders import write_folder\n"
        "stop_cleanly_on_signals()\n"
        "def fill(folder):\n"
        "    (folder / 'worlds.csv').write_text('half')\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    (folder / 'never.csv').write_text('x')\n"
        "write_folder(Path(sys.argv[1]) / 'run', fill)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 143, done.stderr
    assert done.stderr.strip() == "error: terminated"
    assert list(tmp_path.iterdir()) == []
