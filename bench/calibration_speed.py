"""Particles per second of ``sim calibrate``: batched ensemble calls against one call per particle.

Runs the same ABC-SMC (the default parameters and the record's targets on the stand-in record
scenario) twice: with :class:`sim.experiments.abc_batch.BatchSampler`, which simulates a batch of
particles as one ensemble run (one world each), and with pyabc's own ``SingleCoreSampler``, whose
model runs the ensemble once per particle (one world, one process: forking helpers for one world
would only add to the cost). Prints the particles simulated per second of each route, with the
machine's load. The one-by-one route is slow: keep its population small.

    python bench/calibration_speed.py
    python bench/calibration_speed.py --population 1000 --single-population 60
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from sim.experiments import calibration as fit
from sim.experiments.abc_batch import BatchSampler
from sim.experiments.record import load_record
from sim.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "tests" / "data" / "record-scenario.yaml"
RECORD = ROOT / "records" / "2025-01-20_to_2025-08-06.yaml"


def measure(planned: fit.Plan, batched: bool, workers: int | None) -> dict:
    """One ABC-SMC run; particles simulated, wall time, the load before it."""
    import pyabc

    simulate = fit.Simulator(
        planned.scenario,
        planned.record,
        planned.parameters,
        planned.seed,
        workers if batched else 1,
    )
    if batched:
        sampler, model = BatchSampler(simulate), None
    else:
        sampler = pyabc.SingleCoreSampler()

        def model(theta: dict) -> dict:
            return simulate([theta])[0]

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch, fit.seeded_global_numpy(planned.seed):
        start = time.perf_counter()
        abc = fit.build_abc(planned, sampler, model)
        abc.new(f"sqlite:///{scratch}/abc.db", {t.name: t.observed for t in planned.record.targets})
        history = abc.run(max_nr_populations=planned.generations)
        wall = time.perf_counter() - start
        evaluated = int(history.get_all_populations()["samples"].sum())
        generations = history.n_populations
    return {
        "route": "batched" if batched else "one call per particle",
        "population": planned.population,
        "generations": generations,
        "particles": simulate.worlds,
        "evaluated": evaluated,
        "seconds": wall,
        "per_second": simulate.worlds / wall,
        "load": load,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=int, default=fit.DEFAULT_POPULATION)
    parser.add_argument("--single-population", type=int, default=40)
    parser.add_argument("--generations", type=int, default=3)
    parser.add_argument("--workers", type=int)
    args = parser.parse_args()
    scenario, record = load_scenario(SCENARIO), load_record(RECORD)
    rows = []
    for batched, population in ((True, args.population), (False, args.single_population)):
        planned = fit.plan(scenario, record, population=population, generations=args.generations)
        rows.append(measure(planned, batched, args.workers))
        row = rows[-1]
        print(
            f"{row['route']:<22} population {row['population']:>5}, {row['generations']} "
            f"generations: {row['particles']:>7,} particles in {row['seconds']:7.1f} s = "
            f"{row['per_second']:8.1f} particles/s (load {row['load']:.1f})",
            flush=True,
        )
    speedup = rows[0]["per_second"] / rows[1]["per_second"]
    print(f"\nbatched / one call per particle: {speedup:.0f}x (cores: {os.cpu_count()})")


if __name__ == "__main__":
    main()
