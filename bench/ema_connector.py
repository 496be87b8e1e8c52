"""Benchmark of issue 21: the EMA workbench connector against one ``sim.run`` per experiment.

The same experiments of summit.yaml (a Latin hypercube over every ranged parameter, ``--worlds``
worlds each) go through ``ema_workbench.perform_experiments`` twice:

- **connector**: ``sim.ema.model`` with ``sim.ema.BatchEvaluator``, the whole batch as one run of
  the design path;
- **plain**: an ``ema_workbench.Model`` wrapping ``sim.run`` in a plain function (the scenario
  with the experiment's values as a one-row design, all cores), run by the workbench's
  ``SequentialEvaluator`` on the first ``--plain`` experiments and extrapolated to all of them.

Prints (and with ``--json`` writes) both wall times, the ratio and the machine's load. Needs the
explore extra.

    python bench/ema_connector.py                         # 1,000 experiments × 100 worlds
    python bench/ema_connector.py --worlds 1000 --experiments 200 --plain 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np

import sim
import sim.ema
from sim.experiments import discovery
from sim.model.design import Design

ROOT = Path(__file__).resolve().parents[1]


def plain_route(scenario, model, chosen, worlds: int, seed: int, workers: int | None):
    """Seconds per experiment of the plain route, and its outcomes, on the experiments ``chosen``.

    An ``ema_workbench.Model`` whose function wraps ``sim.run`` (the experiment as a one-row
    design of ``worlds`` worlds), run by the workbench's ``SequentialEvaluator``.
    """
    from ema_workbench import Model, ScalarOutcome, SequentialEvaluator, perform_experiments

    outputs = model.outputs

    def plain_run(**values: float) -> dict[str, float]:
        row = np.array([[values[name] for name in model.names]])
        frame = sim.run(
            scenario,
            runs=worlds,
            seed=seed,
            workers=workers,
            design=Design(model.paths, row, worlds),
        ).worlds
        return {o.name: float(np.nan_to_num(o.value(frame)).mean()) for o in outputs}

    plain_model = Model("plain", function=plain_run)
    plain_model.uncertainties = model.uncertainties
    plain_model.outcomes = [ScalarOutcome(o.name) for o in outputs]
    start = time.perf_counter()
    _, alone = perform_experiments(
        plain_model, chosen, evaluator=SequentialEvaluator(plain_model), log_progress=False
    )
    return (time.perf_counter() - start) / len(chosen), alone


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=1000)
    parser.add_argument("--worlds", type=int, default=100)
    parser.add_argument("--plain", type=int, default=10, help="experiments timed the plain way")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    from ema_workbench import perform_experiments

    warnings.simplefilter("ignore")
    scenario = sim.load_scenario(ROOT / "scenarios" / "summit.yaml")
    model = sim.ema.model(scenario, worlds=args.worlds, seed=args.seed)
    points = discovery.design(model.parameters, args.experiments, args.seed)
    chosen = sim.ema.samples(model, points)
    load_before = os.getloadavg()

    start = time.perf_counter()
    evaluator = sim.ema.BatchEvaluator(model, seed=args.seed, workers=args.workers)
    _, batched = perform_experiments(model, chosen, evaluator=evaluator, log_progress=False)
    connector = time.perf_counter() - start

    per_experiment, alone = plain_route(
        scenario, model, chosen[: args.plain], args.worlds, args.seed, args.workers
    )
    load_after = os.getloadavg()
    plain = per_experiment * args.experiments
    assert alone["paralysis"][0] == batched["paralysis"][0]  # experiment 0: the same worlds

    found = {
        "experiments": args.experiments,
        "worlds_per_experiment": args.worlds,
        "parameters": len(model.parameters),
        "connector_s": round(connector, 2),
        "plain_per_experiment_s": round(per_experiment, 3),
        "plain_extrapolated_s": round(plain, 1),
        "plain_timed_experiments": args.plain,
        "ratio": round(plain / connector, 1),
        "cores": os.cpu_count(),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "python": platform.python_version(),
    }
    print(
        f"{args.experiments:,} experiments × {args.worlds:,} worlds, "
        f"{len(model.parameters)} uncertainties: connector {connector:.1f} s; plain "
        f"{per_experiment:.3f} s per experiment ({args.plain} timed) → {plain:.0f} s; "
        f"ratio {plain / connector:.0f}×; load {load_before[0]:.1f} → {load_after[0]:.1f} "
        f"on {os.cpu_count()} cores"
    )
    if args.json:
        args.json.write_text(json.dumps(found, indent=2))


if __name__ == "__main__":
    main()
