"""The reference runs quoted in ``docs/calibration.md`` ("Reproducing the checks"), recomputed.

Usage::

    .venv/bin/python bench/reference_runs.py            # 20,000 worlds of each scenario, seed 1

Prints, for each bundled scenario, the means the page quotes (territory change, casualties, air
defence delivered, strikes launched) and its outcome shares; then the baseline's medians and the
day counts behind the page's explanation of the realised pace (days of increased aid, of
escalation and of moratorium per world), and the moratorium scenario's median end day. Run it
after a change to the model's numbers and update the page.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import sim
from sim.model.model import NegotiationModel
from sim.model.outcomes import OUTCOMES
from sim.model.state import AID_INCREASED

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("baseline", "sanctions", "summit", "ceasefire_strikes")
KM2_PER_PP = 6035.5
"""Ukraine's 603,550 km2, per percentage point."""


def day_counts(path: Path, runs: int, seed: int) -> dict[str, float]:
    """Mean days per world with aid increased, strikes escalated and a moratorium in force."""
    model = NegotiationModel(sim.load_scenario(path), worlds=runs, rng=seed, collect=False)
    increased = escalated = moratorium = np.zeros(runs)
    while model.running:
        state = model.state
        model.step()
        increased = increased + (state.aid_level == AID_INCREASED)
        escalated = escalated + (state.escalated_until >= state.day - 1)
        moratorium = moratorium + state.moratorium
    return {
        "days of increased aid": increased.mean(),
        "worlds ever with increased aid": (increased > 0).mean(),
        "days escalated": escalated.mean(),
        "days of moratorium": moratorium.mean(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"{args.runs} worlds, seed {args.seed}")
    print(
        "scenario | territory pp | km2 | casualties | air defence | strikes | "
        + " | ".join(OUTCOMES)
    )
    worlds = {}
    for name in SCENARIOS:
        results = sim.run(
            sim.load_scenario(ROOT / "scenarios" / f"{name}.yaml"), args.runs, args.seed
        )
        w = worlds[name] = results.worlds
        shares = w["outcome"].value_counts(normalize=True)
        pp = w.territory_change.mean()
        print(
            f"{name} | {pp:.3f} | {pp * KM2_PER_PP:,.0f}"
            f" | {w.casualties.mean():,.0f} | {w.air_defense_delivered.mean():.0f}"
            f" | {w.strikes_launched.mean():,.0f} | "
            + " | ".join(f"{100 * shares.get(o, 0):.1f}%" for o in OUTCOMES)
        )
    base = worlds["baseline"]
    days = 120
    print(
        f"baseline median: {base.territory_change.median():.3f} pp "
        f"({base.territory_change.median() * KM2_PER_PP:,.0f} km2), "
        f"{base.casualties.median() / days:,.0f} casualties a day; "
        f"strikes a day {base.strikes_launched.mean() / days:.0f}"
    )
    strikes = worlds["ceasefire_strikes"]
    ended = strikes.day_moratorium_end.dropna()
    ground = strikes.territory_change.mean() / base.territory_change.mean() - 1
    air = strikes.air_defense_delivered.mean() / base.air_defense_delivered.mean() - 1
    print(
        f"ceasefire_strikes: territory {ground:+.0%}, air defence {air:+.0%}, moratorium ended "
        f"in {len(ended) / len(strikes):.0%} of worlds, median end day {ended.median():.0f}"
    )
    print(
        f"mean pressure: ceasefire_strikes {strikes.mean_economic_pressure.mean():.3f}, "
        f"baseline {base.mean_economic_pressure.mean():.3f}"
    )
    counts = day_counts(ROOT / "scenarios" / "baseline.yaml", args.runs, args.seed)
    print("baseline, per world: " + "; ".join(f"{k} {v:.2f}" for k, v in counts.items()))
    mechanism_figures(worlds, args.runs, args.seed)


def mechanism_figures(worlds: dict, runs: int, seed: int) -> None:
    """The reference figures of docs/model.md, M1-M3 (M5 and M8 are printed above)."""
    summit, sanctions = worlds["summit"], worlds["sanctions"]
    print(
        f"M2: P(sanctions by day 8) sanctions.yaml {(sanctions.day_sanctions <= 8).mean():.1%}, "
        f"summit.yaml {(summit.day_sanctions <= 8).mean():.1%}; summit.yaml: held on day "
        f"{summit.day_summit.min():.0f}-{summit.day_summit.max():.0f} "
        f"({summit.day_summit.notna().mean():.1%} of worlds), sanctions on day 1 in "
        f"{(summit.day_sanctions == 1).mean():.1%}"
    )
    for actor in ("russia", "usa"):
        before, after = sanctions[f"payoff_{actor}"].mean(), summit[f"payoff_{actor}"].mean()
        print(f"M2: mean payoff_{actor} {before:.2f} -> {after:.2f} ({after - before:+.2f})")
    for name, w in worlds.items():
        stalling = w[w.aggressor_type == "stalling"]
        print(
            f"M3: {name}: stalling demand {stalling.aggressor_demand.mean():.3f}, core position "
            f"{stalling.aggressor_core_position.min():.3f}-{stalling.aggressor_core_position.max():.3f}"
        )
    article = sim.run(sim.load_scenario(ROOT / "scenarios" / "article.yaml"), runs, seed).worlds
    print(
        f"article.yaml: summit offered in {article.day_summit_offer.notna().mean():.1%} of worlds,"
        f" median day {article.day_summit_offer.median():.0f}"
    )
    uncertain = "actors.russia.types={stalling: 0.5, sincere: 0.5}"
    for scenario in ("summit", "sanctions"):
        for types in ("50/50", "default"):
            shares = []
            for aggressor in (0.1, 0.9):
                for coercer in (0.1, 0.9):
                    overrides = [
                        f"actors.russia.weakness_aversion={aggressor}",
                        f"actors.usa.weakness_aversion={coercer}",
                    ]
                    if types == "50/50":
                        overrides.append(uncertain)
                    loaded = sim.load_scenario(ROOT / "scenarios" / f"{scenario}.yaml", overrides)
                    outcome = sim.run(loaded, runs, seed).worlds.outcome
                    shares.append(f"{(outcome == 'paralysis').mean():.1%}")
            print(f"M1: {scenario}.yaml, types {types}: " + " | ".join(shares))


if __name__ == "__main__":
    main()
