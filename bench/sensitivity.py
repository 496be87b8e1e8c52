"""Benchmark of issue 21: Sobol indices of every ranged parameter of summit.yaml, timed.

Runs ``sim.sensitivity`` on the share of worlds with sanctions by day 14 and on paralysis, with
every parameter that can vary per world, and reports the wall time (simulation and SALib's
estimation), the machine's load, and the bootstrap 95 % half-width of the total index of each
output's top three parameters (the issue asks for at most 0.05, in at most 60 s on two cores).

    python bench/sensitivity.py                  # 4,096 base samples
    python bench/sensitivity.py --samples 8192 --json bench-sensitivity.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

from sim.engine.ensemble import run
from sim.experiments import sensitivity as analysis

ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = ("sanctions_by_day_14", "paralysis")


def _plain_route_seconds(planned, experiments: int, seed: int, workers: int | None):
    """Seconds per experiment of the same analysis through plain ``perform_experiments``.

    Each of the design's worlds is one experiment there (one world at one design point), so the
    plain route's time is this per-experiment cost times the design's worlds. Times the first
    ``experiments`` of a Latin hypercube over the same parameters (bench/ema_connector.py's
    plain route), in this run, after the analysis; None without the explore extra or with 0.
    """
    if experiments <= 0:
        return None
    try:
        import sim.ema
    except ImportError:
        return None
    import importlib.util
    import warnings

    from sim.experiments import discovery

    spec = importlib.util.spec_from_file_location("ema_bench", ROOT / "bench" / "ema_connector.py")
    ema_bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ema_bench)
    warnings.simplefilter("ignore")
    model = sim.ema.model(planned.scenario, worlds=1, seed=seed)
    chosen = sim.ema.samples(model, discovery.design(model.parameters, experiments, seed))
    seconds, _ = ema_bench.plain_route(planned.scenario, model, chosen, 1, seed, workers)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=4096)
    parser.add_argument("--resamples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--plain",
        type=int,
        default=20,
        help="one-world experiments timed through plain perform_experiments (0: none)",
    )
    args = parser.parse_args()

    load_before = os.getloadavg()
    planned = analysis.plan(
        ROOT / "scenarios" / "summit.yaml",
        samples=args.samples,
        seed=args.seed,
        resamples=args.resamples,
        outputs=OUTPUTS,
    )
    start = time.perf_counter()
    simulated: list[float] = []

    def progress(done: int, total: int) -> None:
        if done == total:
            simulated.append(time.perf_counter() - start)

    result = analysis.run_plan(planned, workers=args.workers, progress=progress)
    wall = time.perf_counter() - start
    load_after = os.getloadavg()
    # The same number of worlds through plain sim.run, timed in the same conditions: what the
    # analysis costs over a run (docs/performance.md gives a run's speed on an idle machine).
    start = time.perf_counter()
    run(planned.scenario, runs=planned.worlds, seed=args.seed, workers=args.workers)
    plain = time.perf_counter() - start
    plain_route = _plain_route_seconds(planned, args.plain, args.seed, args.workers)
    report = {
        "scenario": "summit.yaml",
        "parameters": len(planned.parameters),
        "held": len(planned.held),
        "samples": args.samples,
        "resamples": args.resamples,
        "worlds": planned.worlds,
        "wall_s": round(wall, 1),
        "simulation_s": round(simulated[0], 1) if simulated else None,
        "estimation_s": round(wall - simulated[0], 1) if simulated else None,
        "worlds_per_s": round(planned.worlds / simulated[0]) if simulated else None,
        "plain_sim_run_same_worlds_s": round(plain, 1),
        "load_1min_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "cores": os.cpu_count(),
        "peak_rss_mb_this_process": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ),
        "python": platform.python_version(),
        "versions": analysis_versions(),
        "top": {},
    }
    for output in OUTPUTS:
        top = result.top(output, 3)
        report["top"][output] = {
            "unexplained": round(float(result.noise.loc[output, "unexplained"]), 3),
            "parameters": [
                {
                    "parameter": row.parameter,
                    "ST": round(row.ST, 3),
                    "ST_half_width": round(row.ST_conf, 3),
                    "S1": round(row.S1, 3),
                    "S1_half_width": round(row.S1_conf, 3),
                }
                for row in top.itertuples()
            ],
        }
    if plain_route is not None:
        report["plain_perform_experiments_per_experiment_s"] = round(plain_route, 3)
        report["plain_perform_experiments_extrapolated_s"] = round(plain_route * planned.worlds)
        report["ratio_plain_over_this"] = round(plain_route * planned.worlds / wall)
    widest = max(p["ST_half_width"] for o in report["top"].values() for p in o["parameters"])
    report["widest_top3_ST_half_width"] = widest
    print(json.dumps(report, indent=2))
    print(
        f"\n{planned.worlds:,} worlds, {len(planned.parameters)} parameters: {wall:.1f} s wall "
        f"(load {load_before[0]:.1f} → {load_after[0]:.1f} on {os.cpu_count()} cores); widest "
        f"top-3 ST half-width {widest:.3f} (goal ≤ 0.05, ≤ 60 s); sim.run of as many worlds: "
        f"{plain:.1f} s"
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


def analysis_versions() -> dict[str, str]:
    from importlib.metadata import version

    from sim.engine.results import versions

    return {**versions(), "SALib": version("SALib")}


if __name__ == "__main__":
    main()
