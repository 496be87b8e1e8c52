"""The bundled scenarios' headline outputs, beside the 2025 record where it gives a figure.

Usage::

    .venv/bin/python bench/headline.py                 # 5,000 worlds of each scenario, seed 0
    .venv/bin/python bench/headline.py --runs 20000 --seed 1

Steps each bundled scenario as one model (every world at once) and records, besides the summary
row of each world, the day-by-day quantities a summary row does not keep: strikes launched on each
world-day (their mean, 95th percentile and maximum), casualties per day at war, and the ground pace.
Prints a markdown table, one column per scenario and a last column with the 2025 reference
(``docs/model.md``, "Headline outputs against the record", says where each reference comes from).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import sim
from sim.model.model import NegotiationModel
from sim.model.outcomes import OUTCOMES, summarise

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("baseline", "sanctions", "summit", "ceasefire_strikes")
KM2_PER_PP = 6035.5
"""Ukraine's 603,550 km2, per percentage point."""

REFERENCE = {
    "settlement": "0 % (no ceasefire by Dec 2025)",
    "partial_ceasefire": "0 % (no strike moratorium Aug-Dec 2025)",
    "sanctions": "US sanctions on Rosneft and Lukoil, 22 Oct 2025 (day 76)",
    "stalling worlds that settled": "-",
    "sanctions by the horizon": "yes (day 76)",
    "median day of sanctions": "76",
    "strikes per day, mean": "about 210 (July 2025: ~6,300 drones + ~200 missiles)",
    "strikes per day, 95th percentile": "several hundred (surges)",
    "strikes per day, max": "above 700 (e.g. 9 Jul 2025: 728 drones; 7 Sep 2025: 810)",
    "a world's highest day (median world)": "about 820 (7 Sep 2025), 120 days Aug-Dec",
    "casualties per day at war": "about 1,450 (1,400 soldiers + ~55 civilians)",
    "ground pace, km2 per day": "13-20 (400-600 km2 a month, DeepState)",
    "defender's blame at the horizon": "-",
    "worlds with a moratorium start": "0 % (none)",
    "median deadline extensions": "2 (29 Jul to 8 Aug; then no further deadline)",
    "worlds where a deadline lapsed": "yes: 8 Aug passed with no sanctions and no new deadline",
}
"""The 2025 record, as the article and the sources of ``docs/calibration.md`` give it."""


def headline(path: Path, runs: int, seed: int) -> dict[str, str]:
    """One scenario's headline outputs, formatted."""
    model = NegotiationModel(sim.load_scenario(path), worlds=runs, rng=seed, collect=False)
    strikes, casualties, pace, at_war = [], [], [], []
    while model.running:
        state = model.state
        before = (state.strikes_launched.copy(), state.casualties.copy(), state.territory.copy())
        fighting = ~state.settled
        model.step()
        strikes.append(state.strikes_launched - before[0])
        casualties.append(state.casualties - before[1])
        pace.append((state.territory - before[2]) * 100)
        at_war.append(fighting)
    strikes_days = np.concatenate(strikes)
    war = np.concatenate(at_war)
    rows = summarise(model)
    outcome = rows["outcome"]
    stalling = ~model.state.sincere
    settled = ~np.isnan(rows["day_settlement"])
    sanctioned = ~np.isnan(rows["day_sanctions"])
    defender = model.actor_names[model.roles.defender]
    shares = {name: f"{np.mean(outcome == name):.1%}" for name in OUTCOMES}
    settled_by_stallers = (
        f"{np.mean(settled[stalling]):.1%}; {np.count_nonzero(settled & stalling)} of "
        f"{np.count_nonzero(settled)} settlements"
    )
    return {
        **shares,
        "stalling worlds that settled": settled_by_stallers,
        "sanctions by the horizon": f"{np.mean(sanctioned):.1%}",
        "median day of sanctions": (
            f"{np.median(rows['day_sanctions'][sanctioned]):.0f}" if sanctioned.any() else "-"
        ),
        "strikes per day, mean": f"{strikes_days.mean():.0f}",
        "strikes per day, 95th percentile": f"{np.quantile(strikes_days, 0.95):.0f}",
        "strikes per day, max": f"{strikes_days.max():.0f}",
        "a world's highest day (median world)": f"{np.median(np.max(strikes, axis=0)):.0f}",
        "casualties per day at war": f"{np.concatenate(casualties)[war].mean():,.0f}",
        "ground pace, km2 per day": f"{np.concatenate(pace)[war].mean() * KM2_PER_PP:.1f}",
        "defender's blame at the horizon": f"{rows[f'blame_{defender}'].mean():.2f}",
        "worlds with a moratorium start": f"{np.mean(~np.isnan(rows['day_moratorium_start'])):.1%}",
        "median deadline extensions": f"{np.median(rows['deadline_extensions']):.0f}",
        "worlds where a deadline lapsed": f"{np.mean(~np.isnan(rows['day_deadline_lapsed'])):.1%}",
    }


def table(runs: int, seed: int) -> str:
    """The markdown table of every bundled scenario's headline outputs."""
    columns = {
        name: headline(ROOT / "scenarios" / f"{name}.yaml", runs, seed) for name in SCENARIOS
    }
    lines = [
        "| output | " + " | ".join(f"`{n}`" for n in SCENARIOS) + " | 2025 record |",
        "|---|" + "---|" * (len(SCENARIOS) + 1),
    ]
    for key, reference in REFERENCE.items():
        cells = " | ".join(columns[n][key] for n in SCENARIOS)
        lines.append(f"| {key} | {cells} | {reference} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(table(args.runs, args.seed))
    print(f"\n({args.runs} worlds of each scenario, seed {args.seed})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
