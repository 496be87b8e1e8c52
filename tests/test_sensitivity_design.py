"""A design gives each world its own parameter values on the path of ``sim run`` (issue 21, step 1).

World *i* takes row ``i // worlds_per_point``; its random numbers stay those of world *i*, so a
design point's worlds are exactly the worlds of the scenario run with ``--set`` at that point.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.ensemble import run, run_all
from sim.model.design import Design, held, per_world
from sim.model.model import NegotiationModel
from sim.scenario.loading import load_scenario
from tests.conftest import SCENARIOS

SUMMIT = SCENARIOS / "summit.yaml"


def _at(**values: float) -> list[str]:
    return [f"{path}={value}" for path, value in values.items()]


def test_each_point_is_the_scenario_set_to_it_on_the_same_worlds() -> None:
    scenario = load_scenario(SUMMIT)
    points = np.array([[0.1, 0.55, 0.0015], [0.9, 0.95, 0.004], [0.4, 0.7, 0.0025]])
    # the expected pace is also what the actors expect: a point sets both, as --set does
    paths = (
        "actors.usa.credulity",
        "actors.russia.weakness_aversion",
        "bargaining.expected_pace_pct_per_day",
    )
    design = Design(paths, points, worlds_per_point=300)
    worlds = run(scenario, runs=900, seed=4, workers=1, design=design).worlds
    for index, row in enumerate(points):
        fixed = load_scenario(SUMMIT, overrides=_at(**dict(zip(paths, row, strict=True))))
        alone = run(fixed, runs=900, seed=4, workers=1).worlds
        part = slice(index * 300, (index + 1) * 300)
        assert (
            worlds.iloc[part].reset_index(drop=True).equals(alone.iloc[part].reset_index(drop=True))
        ), f"design point {index}"
    # The points differ enough that a wrong row mapping could not pass unnoticed.
    shares = [
        (worlds.outcome.iloc[i * 300 : (i + 1) * 300] == "sanctions").mean() for i in range(3)
    ]
    assert max(shares) - min(shares) > 0.1  # about 0.19 (0.26 against 0.07), 300 worlds each


def test_a_design_overrides_a_drawn_parameter_and_leaves_the_other_draws() -> None:
    scenario = load_scenario(SUMMIT)
    assert scenario.economy.sanctions_success.dist == "beta"  # drawn per world in the file
    design = Design(("economy.sanctions_success",), np.full((500, 1), 0.3))
    worlds = run(scenario, runs=500, seed=2, workers=1, design=design).worlds
    fixed = run(load_scenario(SUMMIT, overrides=["economy.sanctions_success=0.3"]), 500, 2, 1)
    assert (worlds.sanctions_success_prob == 0.3).all()
    assert worlds.equals(fixed.worlds)


def test_the_scenarios_own_values_as_a_design_change_nothing() -> None:
    scenario = load_scenario(SUMMIT)
    constants = [p for p in per_world(scenario).values() if p.distribution is None]
    values = np.tile([p.default for p in constants], (1200, 1))
    design = Design(tuple(p.path for p in constants), values)
    assert len(constants) > 100
    designed = run(scenario, runs=1200, seed=7, workers=1, design=design)
    plain = run(scenario, runs=1200, seed=7, workers=1)
    assert designed.worlds.equals(plain.worlds)


def test_a_design_run_is_the_same_for_any_workers_and_chunks() -> None:
    scenario = load_scenario(SUMMIT)
    params = list(per_world(scenario).values())
    rng = np.random.default_rng(0)
    low = np.array([p.low for p in params])
    high = np.array([p.high for p in params])
    design = Design(
        tuple(p.path for p in params), low + (high - low) * rng.random((1500, len(params))), 2
    )
    one = run(scenario, runs=3000, seed=1, workers=1, design=design)
    two = run(scenario, runs=3000, seed=1, workers=2, design=design, chunk_size=700)
    assert one.worlds.equals(two.worlds)
    assert one.daily == two.daily


def test_scenarios_run_together_each_take_their_own_design() -> None:
    scenario = load_scenario(SUMMIT)
    low = Design(("actors.usa.credulity",), np.full((400, 1), 0.05))
    high = Design(("actors.usa.credulity",), np.full((400, 1), 0.95))
    together = run_all([scenario, scenario], runs=400, seed=5, workers=2, designs=[low, high])
    assert together[0].worlds.equals(run(scenario, 400, 5, 1, design=low).worlds)
    assert together[1].worlds.equals(run(scenario, 400, 5, 1, design=high).worlds)
    assert not together[0].worlds.equals(together[1].worlds)


def test_whole_numbers_of_days_and_the_type_prior_are_held() -> None:
    scenario = load_scenario(SUMMIT)
    kept = {p.path for p in held(scenario)}
    assert {"summit.lead_days", "actors.russia.types.sincere"} <= kept
    assert not kept & set(per_world(scenario))
    with pytest.raises(ValueError, match=r"summit\.lead_days"):
        NegotiationModel(scenario, worlds=3, rng=0, design={"summit.lead_days": np.ones(3)})
    with pytest.raises(ValueError, match=r"actors\.nobody\.credulity"):
        NegotiationModel(scenario, worlds=3, rng=0, design={"actors.nobody.credulity": np.ones(3)})


def test_a_design_must_fit_the_run() -> None:
    scenario = load_scenario(SUMMIT)
    design = Design(("actors.usa.credulity",), np.full((10, 1), 0.5), worlds_per_point=3)
    assert design.worlds == 30
    with pytest.raises(ValueError, match="30 worlds; the run has 31"):
        run(scenario, runs=31, seed=0, workers=1, design=design)
    with pytest.raises(ValueError, match="finite"):
        Design(("actors.usa.credulity",), np.array([[np.nan]]))
    with pytest.raises(ValueError, match="one column per path"):
        Design(("a", "b"), np.zeros((2, 3)))


def test_rows_follow_the_points_across_chunk_edges() -> None:
    design = Design(("x",), np.arange(5.0)[:, None], worlds_per_point=3)
    assert design.rows(4, 7)["x"].tolist() == [1, 1, 2, 2, 2, 3, 3]
    assert design.rows(0, 15)["x"].tolist() == [v for v in range(5) for _ in range(3)]
    with pytest.raises(ValueError):
        design.rows(10, 6)


def test_repeated_worlds_are_the_same_worlds_in_every_block() -> None:
    scenario = load_scenario(SUMMIT)
    first = np.full((700, 1), 0.2)
    second = np.full((700, 1), 0.8)
    stacked = Design(("actors.usa.credulity",), np.vstack([first, second]), stream_period=700)
    both = run(scenario, runs=1400, seed=6, workers=2, design=stacked, chunk_size=500).worlds
    for half, values in enumerate((first, second)):
        alone = run(scenario, 700, 6, 1, design=Design(("actors.usa.credulity",), values)).worlds
        part = both.iloc[half * 700 : (half + 1) * 700].drop(columns="world")
        assert part.reset_index(drop=True).equals(alone.drop(columns="world")), half
