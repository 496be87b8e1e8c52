"""Benchmark of issue 25: the four bundled scenarios on a local Dask cluster against this machine.

For each scenario, one run on this machine's processes (the local path, two workers), then the
same run through a :class:`distributed.LocalCluster` of one and of two workers, and of two
workers one of which is killed (SIGKILL) once the first chunk is in; each run's ``worlds.csv``,
``summary.json`` and ``daily.csv`` are written and their SHA-256 compared with the local path's.
Then the throughput of ``sim run`` (simulation and the results folder, streamed) on the local path
and on a two-worker local cluster at ``--throughput`` worlds. Times exclude starting the cluster
(reported on its own).

``--memory N`` instead runs ``sim run scenarios/summit.yaml --runs N`` as a command, on a local
cluster of two workers (``--scheduler local:2``, or ``--scheduler`` given), and reports the peak
memory (resident set) of the command's own process, the client, and of each of its workers: the
kernel's high-water mark of each process (``VmHWM``), read every 0.2 s while they live, and the
command's largest from ``/usr/bin/time``. With the wall time and the load before and after.

    python bench/cluster.py                       # 100,000 worlds a scenario
    python bench/cluster.py --runs 20000 --throughput 100000 1000000 --json bench-cluster.json
    python bench/cluster.py --memory 10000000 --json bench-memory.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sim.engine import cluster
from sim.engine.ensemble import run
from sim.output.saving import save_results
from sim.output.streaming import run_into_folder
from sim.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("baseline", "sanctions", "summit", "ceasefire_strikes")
FILES = ("worlds.csv", "summary.json", "daily.csv")


def _digests(results, folder: Path) -> dict[str, str]:
    save_results(results, folder, workers=2)
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILES}


def _killer() -> tuple[list[str], object]:
    killed: list[str] = []

    def progress(done: int, total: int) -> None:
        if killed:
            return
        client = cluster.current().client
        busy = [address for address, tasks in client.processing().items() if tasks]
        if busy:
            pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed.append(busy[0])

    return killed, progress


def identical(runs: int, seed: int, scratch: Path) -> list[dict]:
    rows = []
    for name in SCENARIOS:
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        start = time.perf_counter()
        results = run(scenario, runs=runs, seed=seed, workers=2)
        row = {"scenario": name, "local_s": round(time.perf_counter() - start, 1)}
        local = _digests(results, scratch / f"{name}-here")
        for label, address, kill in (
            ("cluster_1", "local:1", False),
            ("cluster_2", "local:2", False),
            ("cluster_2_killed", "local:2", True),
        ):
            with cluster.connected(address):
                killed, progress = _killer() if kill else ([], None)
                start = time.perf_counter()
                results = run(scenario, runs=runs, seed=seed, progress=progress)
                seconds = time.perf_counter() - start
            same = _digests(results, scratch / f"{name}-{label}") == local
            row[label] = {"same_bytes": same, "seconds": round(seconds, 1)}
            if kill:
                row[label]["killed"] = bool(killed)
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def throughput(sizes: list[int], seed: int, scratch: Path) -> list[dict]:
    scenario = load_scenario(ROOT / "scenarios" / "summit.yaml")
    rows = []

    def timed(label: str, runs: int) -> float:
        folder = scratch / f"throughput-{label}-{runs}"
        begin = time.perf_counter()
        run_into_folder(scenario, folder, runs, seed, workers=2)
        seconds = time.perf_counter() - begin
        shutil.rmtree(folder)
        return seconds

    for runs in sizes:
        here = timed("here", runs)
        start = time.perf_counter()
        with cluster.connected("local:2"):
            started = time.perf_counter() - start
            on_cluster = timed("cluster", runs)
        row = {
            "worlds": runs,
            "local_path_s": round(here, 2),
            "local_cluster_2_s": round(on_cluster, 2),
            "cluster_over_local": round(on_cluster / here, 2),
            "cluster_start_s": round(started, 1),
            "load_1min_after": round(os.getloadavg()[0], 1),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def _high_water_kb(pid: int) -> int | None:
    """The peak resident set of process ``pid`` so far (``VmHWM``, kB), or None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _descendants(pid: int) -> list[int]:
    """The processes started by ``pid``, and by them, recursively (from ``/proc``)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _say_so_far(seconds: float, peaks: dict[int, int], client: int | None, folder: Path) -> None:
    """Print the peaks so far and the size of ``worlds.csv`` in the staging folder."""
    staging = folder.parent.glob(f".{folder.name}-partial-*/worlds.csv")
    staged = sum(path.stat().st_size for path in staging)
    so_far = {
        "seconds": round(seconds),
        "client_peak_mb": round(peaks.get(client, 0) / 1024, 1),
        "others_peak_mb": sorted((round(kb / 1024, 1) for p, kb in peaks.items() if p != client)),
        "worlds_csv_gb_so_far": round(staged / 1e9, 3),
        "load_1min": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(so_far), flush=True)


def memory(runs: int, seed: int, scheduler: str | None, scratch: Path) -> dict:
    """Peak memory of ``sim run`` of ``runs`` worlds: the command's process and each worker."""
    folder = scratch / "memory"
    command = ["sim", "run", str(ROOT / "scenarios" / "summit.yaml"), "--runs", str(runs)]
    command += ["--seed", str(seed), "--out", str(folder)]
    if scheduler:
        command += ["--scheduler", scheduler]
    timing = scratch / "time.txt"
    load = os.getloadavg()
    start = time.perf_counter()
    process = subprocess.Popen(
        ["/usr/bin/time", "-f", "%M %e", "-o", str(timing), *command], stdout=subprocess.DEVNULL
    )
    peaks: dict[int, int] = {}
    client: int | None = None
    last_said = start
    while process.poll() is None:
        if client is None:
            found = _descendants(process.pid)
            client = found[0] if found else None
        if client is not None:
            for pid in [client, *_descendants(client)]:
                peak = _high_water_kb(pid)
                if peak is not None:
                    peaks[pid] = max(peak, peaks.get(pid, 0))
        if time.perf_counter() - last_said > 60:  # a long run says how far it is, every minute
            last_said = time.perf_counter()
            _say_so_far(last_said - start, peaks, client, folder)
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    largest_kb = int(timing.read_text().split()[0])
    others = sorted((kb for pid, kb in peaks.items() if pid != client), reverse=True)
    report = {
        "worlds": runs,
        "scheduler": scheduler or "this machine",
        "exit_status": process.returncode,
        "wall_s": round(seconds, 1),
        "client_peak_mb_sampled": round(peaks.get(client, 0) / 1024, 1),
        "largest_process_peak_mb_time": round(largest_kb / 1024, 1),
        "other_processes_peak_mb": [round(kb / 1024, 1) for kb in others],
        "worlds_csv_gb": round((folder / "worlds.csv").stat().st_size / 1e9, 2)
        if (folder / "worlds.csv").exists()
        else None,
        "load_1min_before_after": [round(load[0], 1), round(os.getloadavg()[0], 1)],
        "cores": os.cpu_count(),
    }
    print(json.dumps(report), flush=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--throughput", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--memory", type=int, default=None, metavar="N")
    parser.add_argument("--scheduler", default="local:2")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        if args.memory is not None:
            report = memory(args.memory, args.seed, args.scheduler or None, Path(scratch))
        else:
            report = {
                "runs": args.runs,
                "identical": identical(args.runs, args.seed, Path(scratch)) if args.runs else [],
                "throughput": throughput(args.throughput, args.seed, Path(scratch)),
                "load_1min_before_after": [round(load[0], 1), round(os.getloadavg()[0], 1)],
                "cores": os.cpu_count(),
            }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    print(json.dumps(report.get("load_1min_before_after")), file=sys.stderr)


if __name__ == "__main__":
    main()
