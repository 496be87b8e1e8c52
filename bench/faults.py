"""Measure what survives concurrent runs and kills (docs/reliability.md, "Measured").

Three measurements, each with ``sim`` commands in their own processes, as a lab or a scheduler
would run them:

1. eight runs at once to eight folders (seeds 0 and 1, four each), against a lone run of each seed:
   their ``worlds.csv``, ``daily.csv`` and ``summary.json`` must be byte for byte the lone run's;
2. four runs at once to one folder: how many are kept and reported, and what the others print;
3. a run killed with SIGKILL at five points (loading, helpers started, simulating, writing the
   tables, drawing the figures): the processes of the run alive 5 s later, and the hidden
   files left after the next run (to another folder next to it).

Usage: python bench/faults.py [--runs 20000] [--work /tmp/faults]   (Linux: reads /proc)
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEPT = ("worlds.csv", "daily.csv", "summary.json")
"""The files of a run that depend only on the scenario, seed and runs (not on --out)."""


def start(*args: str, cwd: Path) -> subprocess.Popen:
    """Start ``sim ARGS`` in ``cwd``, its output captured."""
    command = [sys.executable, "-m", "sim.cli", *args]
    return subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(process: subprocess.Popen, timeout: float = 600) -> tuple[int, str, str]:
    """Wait for ``process``: its exit status, stdout and stderr."""
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out.decode(), err.decode()


def process_table() -> dict[int, tuple[int, str]]:
    """Every live process: pid -> (parent pid, state letter), from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            table[int(entry)] = (int(fields[1]), fields[0])
    return table


def descendants(pid: int) -> set[int]:
    """The processes started by ``pid``, and theirs, now."""
    table = process_table()
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, (parent, _) in table.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (a zombie holds nothing and counts as gone)."""
    table = process_table()
    return {pid for pid in pids if pid in table and table[pid][1] != "Z"}


def staging(place: Path, name: str = "out") -> list[Path]:
    """The hidden staging folders of ``name`` in ``place``."""
    return [p for p in place.iterdir() if p.name.startswith(f".{name}-partial-")]


def _helpers_busy_for(seconds: float) -> Callable[[Path, subprocess.Popen], bool]:
    def reached(place: Path, process: subprocess.Popen) -> bool:
        if not descendants(process.pid):
            return False
        time.sleep(seconds)
        return True

    return reached


POINTS: dict[str, Callable[[Path, subprocess.Popen], bool]] = {
    "loading": lambda place, process: True,
    "helpers started": _helpers_busy_for(0.0),
    "simulating": _helpers_busy_for(1.0),
    "writing tables": lambda place, process: bool(staging(place) and descendants(process.pid)),
    "drawing figures": lambda place, process: any(
        (s / "figures").is_dir() and any((s / "figures").iterdir()) for s in staging(place)
    ),
}
"""Five points in a run, each recognised by what can be seen of it from outside."""


def wait_until(condition: Callable[[], bool], process: subprocess.Popen, limit: float) -> bool:
    """Poll ``condition`` every 5 ms for ``limit`` seconds; False if the run ended first."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if condition():
            return True
        time.sleep(0.005)
    raise TimeoutError(f"not reached within {limit} s")


def kill_at(
    place: Path, point: str, signum: int, runs: int, limit: float = 600
) -> tuple[subprocess.Popen, set[int]]:
    """Start a run to ``out``, send ``signum`` to its main process at ``point``.

    Returns the run (ended) and the processes it had started when it was signalled.
    """
    scenario = str(place / "in" / "summit.yaml")
    process = start(
        "run", scenario, "--runs", str(runs), "--workers", "2", "--out", "out", cwd=place
    )
    if not wait_until(lambda: POINTS[point](place, process), process, limit):
        raise RuntimeError(f"the run ended before {point}: {process.communicate()}")
    family = descendants(process.pid)
    os.kill(process.pid, signum)
    process.communicate(timeout=limit)
    return process, family


def prepare(place: Path) -> None:
    """Put the summit scenario and the file it extends in ``place/in``."""
    (place / "in").mkdir(parents=True, exist_ok=True)
    for name in ("summit.yaml", "article.yaml"):
        shutil.copy(ROOT / "scenarios" / name, place / "in" / name)


def eight_to_eight(place: Path, runs: int) -> None:
    run = ("run", "in/summit.yaml", "--runs", str(runs))
    started = time.monotonic()
    together = [start(*run, "--seed", str(i % 2), "--out", f"out{i}", cwd=place) for i in range(8)]
    codes = [finish(process)[0] for process in together]
    elapsed = time.monotonic() - started
    for seed in range(2):
        finish(start(*run, "--seed", str(seed), "--out", f"lone{seed}", cwd=place))
    same = [
        all(
            (place / f"out{i}" / name).read_bytes() == (place / f"lone{i % 2}" / name).read_bytes()
            for name in KEPT
        )
        for i in range(8)
    ]
    print(f"8 runs to 8 folders, {runs:,} worlds each, together in {elapsed:.1f} s:")
    print(f"  exit statuses {codes}; identical to the lone run of their seed: {sum(same)} of 8")


def four_to_one(place: Path, runs: int) -> None:
    run = ("run", "in/summit.yaml", "--runs", str(runs), "--out", "race")
    ended = [finish(process) for process in [start(*run, cwd=place) for _ in range(4)]]
    kept = [out for code, out, _ in ended if code == 0 and "Results written" in out]
    print("4 runs racing for one folder:")
    print(f"  kept and reported: {len(kept)}; exit statuses {[code for code, _, _ in ended]}")
    for code, _, err in ended:
        if code != 0:
            print(f"  {err.strip()}")
    hidden = [p.name for p in place.iterdir() if p.name.startswith(".")]
    print(f"  hidden files left: {hidden or 'none'}")


def kills(place: Path, runs: int) -> None:
    print(f"SIGKILL at five points of a run of {runs:,} worlds (2 workers):")
    for point in POINTS:
        _, family = kill_at(place, point, signal.SIGKILL, runs)
        time.sleep(5.0)
        survivors = alive(family)
        left_by_kill = len(staging(place))
        code, _, _ = finish(
            start("run", "in/summit.yaml", "--runs", "50", "--out", "next", cwd=place)
        )
        hidden = [p.name for p in place.iterdir() if p.name.startswith(".")]
        print(
            f"  {point:<16} helpers {len(family)}, alive 5 s later {len(survivors)}; "
            f"staging left {left_by_kill}, after the next run {len(hidden)} (exit {code})"
        )
        shutil.rmtree(place / "next", ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20_000, help="worlds per run")
    parser.add_argument(
        "--work", type=Path, default=None, help="working folder (default: a temporary one)"
    )
    options = parser.parse_args()
    place = options.work or Path(tempfile.mkdtemp(prefix="sim-faults-"))
    prepare(place)
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores, in {place}")
    eight_to_eight(place, options.runs)
    four_to_one(place, options.runs)
    kills(place, max(options.runs, 40_000))
    if options.work is None:
        shutil.rmtree(place)


if __name__ == "__main__":
    main()
