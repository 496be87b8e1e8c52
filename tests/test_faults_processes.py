"""Faults of processes: runs racing for folders, and runs killed by every kind of signal.

Each ``sim`` runs in its own process, as a lab's or a scheduler's would; every wait has a timeout,
so a hang fails the test. The process table is read from ``/proc`` (Linux only).
"""

from __future__ import annotations

import importlib.util
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from sim.output.saved import load_results
from tests.conftest import ROOT, SCENARIOS

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads the process table from /proc (Linux)"
)
TIMEOUT = 240
"""Seconds any one command may take before the test calls it hung."""


def _bench() -> ModuleType:
    """``bench/faults.py``: its helpers start runs, read the process table and kill at points."""
    spec = importlib.util.spec_from_file_location("bench_faults", ROOT / "bench" / "faults.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench()
start, alive, descendants = bench.start, bench.alive, bench.descendants
POINTS = bench.POINTS


@pytest.fixture
def place(tmp_path) -> Path:
    """A working folder with the summit scenario (and the files it extends) in ``in/``."""
    (tmp_path / "in").mkdir()
    for name in ("summit.yaml", "article.yaml", "prior.yaml"):
        shutil.copy(SCENARIOS / name, tmp_path / "in" / name)
    return tmp_path


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    return bench.finish(process, TIMEOUT)


# --- concurrent writers ---------------------------------------------------------------------------


def test_of_four_runs_racing_for_one_folder_exactly_one_is_kept_and_reported(place):
    run = ("run", "in/summit.yaml", "--runs", "200", "--workers", "1", "--out", "out")
    racers = [start(*run, cwd=place) for _ in range(4)]
    ended = [finish(process) for process in racers]
    kept = [(code, out, err) for code, out, err in ended if code == 0]
    told = [(code, out, err) for code, out, err in ended if code != 0]
    assert len(kept) == 1, ended
    assert "Results written to out" in kept[0][1]
    for code, out, err in told:
        assert code == 2, err
        assert "Traceback" not in err and "Results written" not in out
        assert err.strip().startswith("error: ") and len(err.strip().splitlines()) == 1, err
        assert "out" in err and ("being written by another" in err or "exists" in err), err
    assert sorted(p.name for p in place.iterdir()) == ["in", "out"]  # no staging, no lock left
    lone = place / "lone"
    code, _, err = finish(start(*run[:-1], str(lone), cwd=place))
    assert code == 0, err
    assert (place / "out" / "worlds.csv").read_bytes() == (lone / "worlds.csv").read_bytes()


def test_eight_concurrent_runs_to_eight_folders_equal_lone_runs(place):
    def run(seed: int, out: str) -> tuple[str, ...]:
        return ("run", "in/summit.yaml", "--runs", "150", "--seed", str(seed), "--out", out)

    runs = [start(*run(seed % 2, f"out{seed}"), "--workers", "1", cwd=place) for seed in range(8)]
    for process in runs:
        code, _, err = finish(process)
        assert code == 0, err
    for seed in range(2):
        code, _, err = finish(start(*run(seed, f"lone{seed}"), "--workers", "2", cwd=place))
        assert code == 0, err
    for seed in range(8):
        lone = (place / f"lone{seed % 2}" / "worlds.csv").read_bytes()
        assert (place / f"out{seed}" / "worlds.csv").read_bytes() == lone, seed
    assert not [p.name for p in place.iterdir() if p.name.startswith(".")]


def test_runs_racing_for_the_default_folder_each_get_their_own(place):
    run = ("run", "in/summit.yaml", "--runs", "100", "--workers", "1")
    racers = [start(*run, cwd=place) for _ in range(3)]
    ended = [finish(process) for process in racers]
    assert [code for code, _, _ in ended] == [0, 0, 0], ended
    written = sorted(out.split("Results written to ")[1].split()[0] for _, out, _ in ended)
    assert written == ["results/summit-seed0", "results/summit-seed0-2", "results/summit-seed0-3"]
    assert sorted(p.name for p in (place / "results").iterdir()) == [
        "summit-seed0",
        "summit-seed0-2",
        "summit-seed0-3",
    ]


# --- hard kills -------------------------------------------------------------------------------


def kill_at(place: Path, point: str, signum: int) -> tuple[subprocess.Popen, set[int]]:
    """A run of 40,000 worlds (2 workers) sent ``signum`` at ``point``; it and its helpers."""
    return bench.kill_at(place, point, signum, runs=40_000, limit=TIMEOUT)


@pytest.mark.parametrize("point", list(POINTS))
def test_no_process_outlives_a_sigkill_and_the_next_run_cleans_up(place, point):
    process, family = kill_at(place, point, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    if point != "loading":
        assert family, "the run had no helpers to test"
    time.sleep(5.0)  # the bound: nothing of the toolkit alive 5 s after the kill
    assert alive(family) == set()
    assert not (place / "out").exists()
    code, _, err = finish(start("run", "in/summit.yaml", "--runs", "50", "--out", "out", cwd=place))
    assert code == 0, err
    assert sorted(p.name for p in place.iterdir()) == ["in", "out"]  # stale staging removed


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM, signal.SIGINT])
def test_a_catchable_signal_while_saving_stops_cleanly(place, signum):
    """Stopped while writing: nothing is kept. On a loaded machine the signal may instead land
    after the folder's final rename; then the run ends normally with its whole folder."""
    process, family = kill_at(place, "writing tables", signum)
    deadline = time.monotonic() + 5.0
    while alive(family) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive(family) == set()
    if process.returncode == 0:  # finished before the signal was handled: all of it, or nothing
        assert sorted(p.name for p in place.iterdir()) == ["in", "out"]
        load_results(place / "out")  # complete: every file there and matching its checksum
        return
    assert process.returncode in (128 + signum, 130), process.returncode
    assert sorted(p.name for p in place.iterdir()) == ["in"]  # nothing half-written


def test_a_helper_whose_parent_is_killed_dies_even_if_the_parent_dies_before_it_starts(tmp_path):
    """The helper's start checks its parent too: the death signal is only set from then on."""
    script = (
        "import os, sys, time\n"
        "from sim.engine import forking\n"
        "parent = os.getpid()\n"
        "if os.fork() == 0:\n"
        "    time.sleep(0.5)  # the parent is gone by now\n"
        "    forking.die_with_parent(parent)\n"
        "    open(sys.argv[1], 'w').write('survived')\n"
        "    os._exit(0)\n"
        "os._exit(0)\n"
    )
    marker = tmp_path / "marker"
    subprocess.run([sys.executable, "-c", script, str(marker)], timeout=60, check=True)
    time.sleep(1.5)
    assert not marker.exists()


def test_helpers_started_by_a_fork_server_run_and_give_the_same_worlds():
    """While another thread runs, helpers come from a fork server, which is their parent.

    A helper that took the server for a dead parent and exited broke the pool (a hang, once);
    the run is in a subprocess with a timeout, so a regression fails instead.
    """
    script = (
        "import sys, threading\n"
        "from sim.engine.ensemble import run\n"
        "from sim.scenario.loading import load_scenario\n"
        "scenario = load_scenario(sys.argv[1])\n"
        "stop = threading.Event()\n"
        "other = threading.Thread(target=stop.wait)\n"
        "other.start()\n"
        "try:\n"
        "    served = run(scenario, runs=40_000, seed=4, workers=2)\n"
        "finally:\n"
        "    stop.set()\n"
        "    other.join()\n"
        "alone = run(scenario, runs=40_000, seed=4, workers=1)\n"
        "print('same' if served.worlds.equals(alone.worlds) else 'different')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(SCENARIOS / "summit.yaml")],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "same"
