"""The two headline results issue 26 turned round, taken apart (``docs/model.md``, M1 and M2).

Usage::

    .venv/bin/python bench/sign_changes.py                      # 20,000 worlds, seed 1
    .venv/bin/python bench/sign_changes.py --set learning.resolve_erosion=0

*Paralysis* (M1): ``summit.yaml`` with the default types and a face-conscious coercer
(``weakness_aversion`` 0.9), the aggressor's ``weakness_aversion`` at 0.1 and at 0.9; the outcome
shares of stalling and sincere worlds, and the stalling worlds' mean belief at the horizon and
mean core position (how far they conceded).

*The coercer's gain from the summit* (M2): its mean payoff in ``summit.yaml`` minus that in
``sanctions.yaml``, with the payoff's terms (``sim/model/outcomes.py``: face, blame shed,
credibility, the running cost of its sanctions) and the mean number of deadline extensions.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import sim
from sim.model.model import NegotiationModel

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SHOWN = ("paralysis", "sanctions", "settlement", "partial_ceasefire")


def paralysis(runs: int, seed: int, overrides: tuple[str, ...]) -> None:
    """Outcome shares by type, aggressor's weakness aversion 0.1 against 0.9 (coercer's 0.9)."""
    for aversion in (0.1, 0.9):
        spec = sim.load_scenario(
            SCENARIOS / "summit.yaml",
            (
                *overrides,
                f"actors.russia.weakness_aversion={aversion}",
                "actors.usa.weakness_aversion=0.9",
            ),
        )
        worlds = sim.run(spec, runs, seed).worlds
        parts = [f"aggressor WA {aversion}: paralysis {(worlds.outcome == 'paralysis').mean():.1%}"]
        for kind in ("stalling", "sincere"):
            some = worlds[worlds.aggressor_type == kind]
            shares = some.outcome.value_counts(normalize=True)
            parts.append(f"{kind} " + " ".join(f"{o} {shares.get(o, 0):.1%}" for o in SHOWN))
        stalling = worlds[worlds.aggressor_type == "stalling"]
        parts.append(
            f"stalling: belief {stalling.belief_sincere.mean():.2f}, "
            f"core position {stalling.aggressor_core_position.mean():.3f}"
        )
        print("\n    ".join(parts))


def coercer_terms(name: str, runs: int, seed: int, overrides: tuple[str, ...]) -> dict:
    """The coercer's mean payoff at the horizon and its terms, in one scenario."""
    spec = sim.load_scenario(SCENARIOS / f"{name}.yaml", overrides)
    model = NegotiationModel(spec, worlds=runs, rng=seed, collect=False)
    while model.running:
        model.step()
    state, world, coercer = model.state, model.world, model.roles.coercer
    params = model.actor_params[coercer]
    shed = model.initial_blame_shares(state.n)[:, coercer] - state.blame[:, coercer]
    terms = {
        "face": float(state.face[:, coercer].mean()),
        "blame shed": float((params.blame_sensitivity * world.decision.blame_scale * shed).mean()),
        "credibility - 1": float((state.credibility - 1.0).mean()),
        "sanctions' cost": float(-(params.sanction_cost * state.coercer_sanctions).mean()),
    }
    terms["payoff"] = sum(terms.values())
    terms["extensions"] = float(state.extensions.mean())
    terms["sanctioned by coercer"] = float(np.mean(state.coercer_sanctions > 0))
    return terms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--set", action="append", default=[], dest="overrides")
    args = parser.parse_args()
    overrides = tuple(args.overrides)
    print(f"{args.runs} worlds, seed {args.seed}, overrides {list(overrides)}")
    types = "the scenario's types" if not any(".types" in o for o in overrides) else "types as set"
    print(f"M1, summit.yaml, {types}, coercer's WA 0.9")
    paralysis(args.runs, args.seed, overrides)
    print("M2, the coercer's payoff: sanctions.yaml -> summit.yaml")
    before = coercer_terms("sanctions", args.runs, args.seed, overrides)
    after = coercer_terms("summit", args.runs, args.seed, overrides)
    for key in before:
        change = after[key] - before[key]
        print(f"    {key:22s} {before[key]:+.3f} -> {after[key]:+.3f} ({change:+.3f})")


if __name__ == "__main__":
    main()
