"""Recovery check of ``sim calibrate`` (issue 22, "Recovery"): does the posterior hold the truth?

Draws ``--sets`` parameter sets from the calibrated parameters' priors, simulates one world at
each (seed ``1000 + k``) and writes its targets as a synthetic record (the real record file with
its ``observed`` values replaced), then calibrates to it **with the same command** a user runs,
``sim calibrate SCENARIO --record synthetic.yaml`` (seed k). It prints, for every parameter and
set, whether the true value lies inside the posterior's 90 % credible interval, the coverage per
parameter and over all parameter-set pairs (the issue asks for at least 80 %), the width of the
interval against the prior's, and each calibration's wall time with the machine's load, last
threshold and effective particles. Set k's true values do not depend on ``--sets``, so a run
stopped early (its ``--json`` is rewritten after every set) is the first sets of a longer one,
and ``--only k`` re-runs one set (at other settings, say).

    python bench/calibration_recovery.py                          # 10 sets, the defaults
    python bench/calibration_recovery.py --population 400 --generations 6 --json recovery.json
    python bench/calibration_recovery.py --only 3                 # set 3 at the defaults
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments import calibration as fit
from sim.experiments.record import load_record
from sim.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "record-2025.yaml"
"""The scenario ``sim calibrate`` is run on for the bundled posterior: its priors are
``prior.yaml``'s. (``tests/data/record-scenario.yaml`` extends ``article.yaml``, whose fitted
parameters are now the posterior, so its priors would be that posterior, and it schedules no
summit offer for the summit parameters to answer.)"""
RECORD = ROOT / "records" / "2025-01-20_to_2025-08-06.yaml"


def truths(parameters: list, sets: int, seed: int) -> list[dict[str, float]]:
    """``sets`` parameter sets drawn from the priors (independent quantiles per parameter)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2022]))
    unit = rng.random((sets, len(parameters)))
    return [
        {p.path: float(fit.frozen_prior(p).ppf(unit[k, i])) for i, p in enumerate(parameters)}
        for k in range(sets)
    ]


def calibrate(record: Path, out: Path, args: argparse.Namespace, seed: int) -> float:
    """Run ``sim calibrate`` as a user would; its wall time."""
    command = [
        sys.executable,
        "-c",
        "from sim.cli import main; main()",
        "calibrate",
        str(args.scenario),
        "--record",
        str(record),
        "--seed",
        str(seed),
        "--population",
        str(args.population),
        "--generations",
        str(args.generations),
        "--out",
        str(out),
    ]
    for pattern in args.params or ():
        command += ["--params", pattern]
    if args.workers:
        command += ["--workers", str(args.workers)]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"sim calibrate failed:\n{done.stderr}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    parser.add_argument("--sets", type=int, default=10)
    parser.add_argument("--only", type=int, action="append", help="run only set K (repeatable)")
    parser.add_argument("--population", type=int, default=fit.DEFAULT_POPULATION)
    parser.add_argument("--generations", type=int, default=fit.DEFAULT_GENERATIONS)
    parser.add_argument("--params", action="append")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    scenario = load_scenario(args.scenario)
    record = load_record(RECORD)
    parameters = fit.choose(scenario, args.params or fit.DEFAULT_PARAMS)
    rows, timings = [], []
    with tempfile.TemporaryDirectory(prefix="calibration-recovery-") as scratch:
        drawn = truths(parameters, max([args.sets, *[k + 1 for k in args.only or ()]]), args.seed)
        for k, truth in enumerate(drawn):
            if args.only and k not in args.only:
                continue
            observed = fit.observe(scenario, record, truth, seed=1000 + k)
            path = Path(scratch) / f"record-{k}.yaml"
            path.write_text(fit.record_with(RECORD.read_text("utf-8"), observed), "utf-8")
            load = os.getloadavg()[0]
            wall = calibrate(path, Path(scratch) / f"fit-{k}", args, seed=k)
            table = pd.read_csv(Path(scratch) / f"fit-{k}" / "parameters.csv")
            last = pd.read_csv(Path(scratch) / f"fit-{k}" / "generations.csv").iloc[-1]
            timings.append(
                {
                    "set": k,
                    "seconds": round(wall, 1),
                    "load_1min": round(load, 1),
                    "threshold": round(float(last["epsilon"]), 3),
                    "effective_particles": round(float(last["effective"]), 1),
                }
            )
            for _, row in table.iterrows():
                value = truth[row["parameter"]]
                rows.append(
                    {
                        "set": k,
                        "parameter": row["parameter"],
                        "truth": value,
                        "low": row["posterior_low"],
                        "high": row["posterior_high"],
                        "inside": bool(row["posterior_low"] <= value <= row["posterior_high"]),
                        "width_vs_prior": 1 - row["narrowed"],
                    }
                )
            if args.json:  # after every set, so that a stopped run keeps the sets it finished
                args.json.write_text(json.dumps({"pairs": rows, "timings": timings}, indent=2))
            print(
                f"set {k}: {sum(r['inside'] for r in rows if r['set'] == k)}/{len(table)} "
                f"inside, {wall:.0f} s (load {load:.1f}); last threshold "
                f"{last['epsilon']:.2f}, {last['effective']:.0f} effective particles",
                flush=True,
            )
    found = pd.DataFrame(rows)
    grid = found.pivot(index="parameter", columns="set", values="inside")
    print("\nTrue value inside the posterior's 90 % credible interval (x: outside)\n")
    width = max(len(p) for p in grid.index)
    print(" " * width + "  " + " ".join(f"{k:>2}" for k in grid.columns) + "  coverage  width")
    for path, marks in grid.iterrows():
        share = marks.mean()
        narrow = found[found["parameter"] == path]["width_vs_prior"].mean()
        cells = " ".join(" ." if inside else " x" for inside in marks)
        print(f"{path:<{width}}  {cells}  {share:>7.0%}  {narrow:>5.2f}")
    total = found["inside"].mean()
    print(
        f"\nall {len(found)} parameter-set pairs: {total:.1%} inside (the issue asks >= 80 %); "
        f"'width' is the posterior interval's mean width over the prior's"
    )
    print(
        f"calibration wall time: median {np.median([t['seconds'] for t in timings]):.0f} s, "
        f"load {min(t['load_1min'] for t in timings)}-{max(t['load_1min'] for t in timings)}"
    )
    if args.json:
        args.json.write_text(
            json.dumps({"pairs": rows, "timings": timings, "coverage": total}, indent=2)
        )


if __name__ == "__main__":
    main()
