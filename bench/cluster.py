"""Benchmark of issue 25: the four bundled scenarios on a local Dask cluster against this machine.

For each scenario, one run on this machine's processes (the local path, two workers), then the
same run through a :class:`distributed.LocalCluster` of one and of two workers, and of two
workers one of which is killed (SIGKILL) once the first chunk is in; each run's ``worlds.csv``,
``summary.json`` and ``daily.csv`` are written and their SHA-256 compared with the local path's.
Then the throughput of the local path and of a two-worker local cluster at ``--throughput``
worlds. Times exclude starting the cluster (reported on its own).

    python bench/cluster.py                       # 100,000 worlds a scenario
    python bench/cluster.py --runs 20000 --throughput 100000 1000000 --json bench-cluster.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import tempfile
import time
from pathlib import Path

from sim.engine import cluster
from sim.engine.ensemble import run
from sim.output.saving import save_results
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


def throughput(sizes: list[int], seed: int) -> list[dict]:
    scenario = load_scenario(ROOT / "scenarios" / "summit.yaml")
    rows = []
    start = time.perf_counter()
    with cluster.connected("local:2"):
        started = time.perf_counter() - start
        for runs in sizes:
            begin = time.perf_counter()
            run(scenario, runs=runs, seed=seed)
            on_cluster = time.perf_counter() - begin
            begin = time.perf_counter()
            run(scenario, runs=runs, seed=seed, workers=2)
            here = time.perf_counter() - begin
            row = {
                "worlds": runs,
                "local_path_s": round(here, 2),
                "local_cluster_2_s": round(on_cluster, 2),
                "cluster_over_local": round(on_cluster / here, 2),
                "cluster_start_s": round(started, 1),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--throughput", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        report = {
            "runs": args.runs,
            "identical": identical(args.runs, args.seed, Path(scratch)),
            "throughput": throughput(args.throughput, args.seed),
            "load_1min_before_after": [round(load[0], 1), round(os.getloadavg()[0], 1)],
            "cores": os.cpu_count(),
        }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    print(json.dumps(report["load_1min_before_after"]))


if __name__ == "__main__":
    main()
