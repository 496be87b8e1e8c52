"""Benchmark of issue 21, item 5: how the uncertainty band's ends move with K draws and M worlds.

Runs ``sim.compare([sanctions, summit], uncertainty=K, worlds_per_draw=M)`` over every ranged
parameter for several K (at the default M) and several M (at the default K), each for a few
seeds, and prints the band's ends (5th and 95th percentile over the draws) of P(paralysis) and
P(sanctions by day 14) under the summit and of the paired difference summit − sanctions in
P(sanctions by day 14), with the claims' share of draws and the wall time and load. The
defaults of ``sim.experiments.uncertainty`` were chosen from its output (``docs/sensitivity.md``).

    python bench/uncertainty.py                       # K sweep and M sweep, seeds 0-2
    python bench/uncertainty.py --json bench-uncertainty.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from sim.experiments import uncertainty as bands

ROOT = Path(__file__).resolve().parents[1]
WATCHED = (
    ("share", "summit", "paralysis"),
    ("share", "summit", "sanctions_by_day_14"),
    ("difference", "summit", "sanctions_by_day_14"),
)


def measure(draws: int, worlds: int, seed: int, workers: int | None) -> dict:
    """One comparison with bands: the watched band ends, the claims, the wall time."""
    start = time.perf_counter()
    result = bands.with_bands(
        [ROOT / "scenarios" / "sanctions.yaml", ROOT / "scenarios" / "summit.yaml"],
        draws, worlds, runs=10_000, seed=seed, workers=workers, labels=["sanctions", "summit"],
    )  # fmt: skip
    wall = time.perf_counter() - start
    table = result.to_df().reset_index()
    row = {"draws": draws, "worlds_per_draw": worlds, "seed": seed, "wall_s": round(wall, 2)}
    for kind, scenario, measure_name in WATCHED:
        found = table[
            (table.kind == kind) & (table.scenario == scenario) & (table.measure == measure_name)
        ].iloc[0]
        key = f"{kind}:{measure_name}"
        row[key] = [round(100 * found.band_low, 1), round(100 * found.band_high, 1)]
    for claim in result.claims().itertuples():
        row[claim.claim] = round(claim.share_of_draws, 3)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, nargs="*", default=[25, 50, 100, 200, 400, 800])
    parser.add_argument("--worlds", type=int, nargs="*", default=[50, 100, 250, 500, 1000])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    rows = []
    load = os.getloadavg()[0]
    plan = [(k, bands.DEFAULT_WORLDS_PER_DRAW) for k in args.draws]
    plan += [(bands.DEFAULT_DRAWS, m) for m in args.worlds if m != bands.DEFAULT_WORLDS_PER_DRAW]
    for draws, worlds in plan:
        for seed in range(args.seeds):
            rows.append(measure(draws, worlds, seed, args.workers))
            print(json.dumps(rows[-1]), flush=True)
    report = {"load_before": load, "load_after": os.getloadavg()[0], "rows": rows}
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
