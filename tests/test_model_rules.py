"""Rules of the model that a trace makes visible, checked day by day on seeded models.

How long an escalation and a moratorium last, and whose sanctions the coercer can ease. Each test
watches what the war and the economy do (strikes launched, the sanctions level), not the fields
that schedule them, and each failed on the code before its rule was fixed.
"""

from __future__ import annotations

import numpy as np

from sim.model.model import NegotiationModel
from sim.scenario.loading import load_scenario
from tests.conftest import SCENARIOS, bundled

MINIMAL = SCENARIOS.parent / "tests" / "data" / "minimal.yaml"


def daily(model: NegotiationModel, field: str) -> np.ndarray:
    """Step ``model`` to its horizon; ``field`` after each day, shape (days, worlds)."""
    rows = []
    while model.running:
        model.step()
        rows.append(getattr(model.state, field).copy())
    return np.array(rows)


def runs_of(flags: np.ndarray) -> list[tuple[int, int]]:
    """``(first day, length)`` of each run of True days in a 1-D array, ignoring a run cut off by
    the last day."""
    runs, start = [], None
    for day, flag in enumerate(flags):
        if flag and start is None:
            start = day
        elif not flag and start is not None:
            runs.append((start, day - start))
            start = None
    return runs


def strikes_by_day(overrides: list[str], worlds: int, seed: int) -> tuple[np.ndarray, float]:
    """Strikes launched on each day of each world, and the strikes of a plain day.

    Without the day's surge (``war.strike_dispersion=0``): a day's count shows its intensity.
    """
    scenario = load_scenario(MINIMAL, ["horizon_days=90", "war.strike_dispersion=0", *overrides])
    launched = daily(NegotiationModel(scenario, worlds=worlds, rng=seed), "strikes_launched")
    per_day = np.diff(launched, axis=0, prepend=0.0)
    return per_day, scenario.war.strikes_per_day


def test_an_escalation_lasts_escalation_days():
    """``war.escalation_days: 5`` multiplies five days of strikes, then the campaign is plain."""
    per_day, plain = strikes_by_day(
        ["war.escalation_days=5", "war.escalation_factor=2"], worlds=64, seed=2
    )
    escalated = np.isclose(per_day, 2 * plain)
    # Runs that end in a plain day of strikes (not in a moratorium or a settlement).
    lengths = [
        length
        for world in range(per_day.shape[1])
        for start, length in runs_of(escalated[:, world])
        if np.isclose(per_day[start + length, world], plain)
    ]
    assert len(lengths) > 100  # the aggressor escalates often enough to see it
    # An aggressor may escalate again on the first day it is free to: runs of 5, 10, 15 days.
    assert set(lengths) <= {5, 10, 15, 20, 25, 30}
    assert 5 in lengths


def test_a_moratorium_holds_for_its_length_days():
    """A moratorium of ``length_days: 10`` from day 3 stops strikes on days 3 to 12 exactly."""
    per_day, plain = strikes_by_day(
        [
            "events=[{day: 3, kind: moratorium, length_days: 10}]",
            "truce.moratorium_hazard_per_day=0",
            "actors.agg.disabled_actions=[propose_moratorium, propose_ceasefire]",
            "actors.def.disabled_actions=[counter_propose]",
            "actors.us.disabled_actions=[propose_terms]",
        ],
        worlds=32,
        seed=4,
    )
    quiet = per_day == 0
    assert quiet[3:13].all()
    assert not quiet[:3].any() and not quiet[13].any()
    assert (per_day[13] >= plain).all()


def test_easing_lifts_only_the_coercers_own_sanctions():
    """In summit worlds the coercer never sanctioned, it has nothing to ease, and supporters'
    packages stay in force; where it did sanction, it still eases (the action is alive)."""
    scenario = bundled("summit.yaml")
    model = NegotiationModel(scenario, worlds=2000, rng=5)
    level = daily(model, "sanctions_level")
    fell = (np.diff(level, axis=0) < -1e-12).any(axis=0)
    never_sanctioned = np.isnan(model.state.first_day["sanctions"])
    supporters_sanctioned = model.state.own_sanctions.any(axis=1)
    assert (never_sanctioned & supporters_sanctioned).sum() > 200
    assert not fell[never_sanctioned].any()
    assert fell[~never_sanctioned].sum() > 20
    final = level[-1]
    assert (final[never_sanctioned & supporters_sanctioned] > 0).all()
