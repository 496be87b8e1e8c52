"""The EMA workbench connector (issue 21): uncertainties and outcomes of a scenario, batches
run through the design path, and the workbench's PRIM finding the box ``sim discover`` finds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.experiments import discovery
from sim.experiments.sensitivity import SensitivityError
from sim.model.design import Design
from tests.conftest import SCENARIOS

pytest.importorskip("ema_workbench", reason="sim.ema needs the explore extra")

from ema_workbench import SequentialEvaluator, perform_experiments
from ema_workbench.analysis import prim

import sim.ema

SUMMIT = SCENARIOS / "summit.yaml"
FEW = ["actors.usa.belief_prior", "actors.usa.credulity", "actors.usa.weakness_aversion",
       "economy.sanctions_success", "blame.sanctions_weight"]  # fmt: skip


def _perform(model, scenarios, evaluator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return perform_experiments(model, scenarios, evaluator=evaluator)


def test_the_uncertainties_are_the_ranges_and_the_outcomes_the_outputs() -> None:
    model = sim.ema.model(SUMMIT, params=["actors.usa.c*", "economy.sanctions_success"])
    ranges = {
        sim.ema.parameter_path(u.name): (u.lower_bound, u.upper_bound) for u in model.uncertainties
    }
    credulity = sim.load_scenario(SUMMIT).actors["usa"]
    assert set(ranges) == {"actors.usa.credulity", "economy.sanctions_success"}
    assert (
        ranges["actors.usa.credulity"][0] < credulity.credulity < ranges["actors.usa.credulity"][1]
    )
    low, high = ranges["economy.sanctions_success"]  # a beta: its 0.5 %-99.5 % quantiles
    assert 0 < low < high < 1
    names = [o.name for o in model.outcomes]
    assert {"settlement", "paralysis", "sanctions_by_day_14", "blame_usa"} <= set(names)
    with pytest.raises(SensitivityError, match="matches no parameter"):
        sim.ema.model(SUMMIT, params=["blame.nothing*"])


def test_a_batch_is_the_design_run_averaged_over_each_experiments_worlds() -> None:
    model = sim.ema.model(SUMMIT, params=FEW[:2], worlds=3)
    values = np.array([[0.35, 0.2], [0.65, 0.8], [0.5, 0.5], [0.4, 0.9]])
    experiments, outcomes = _perform(
        model, sim.ema.samples(model, values), sim.ema.BatchEvaluator(model, seed=4, workers=2)
    )
    np.testing.assert_allclose(experiments[list(model.names)].to_numpy(), values)
    worlds = sim.run(
        sim.load_scenario(SUMMIT),
        runs=12,
        seed=4,
        workers=1,
        design=Design(tuple(FEW[:2]), values, 3),
    ).worlds
    paralysis = (worlds["outcome"] == "paralysis").to_numpy(float).reshape(4, 3).mean(axis=1)
    np.testing.assert_allclose(outcomes["paralysis"], paralysis)
    np.testing.assert_allclose(
        outcomes["casualties"], worlds["casualties"].to_numpy().reshape(4, 3).mean(axis=1)
    )


def test_the_first_experiment_of_a_batch_is_the_experiment_run_alone() -> None:
    model = sim.ema.model(SUMMIT, params=FEW[:2], worlds=5, seed=2)
    chosen = sim.ema.samples(model, np.array([[0.4, 0.6], [0.6, 0.3]]))
    _, batched = _perform(model, chosen, sim.ema.BatchEvaluator(model, seed=2, workers=1))
    _, alone = _perform(model, chosen[:1], SequentialEvaluator(model))
    for name in ("paralysis", "sanctions_by_day_14", "territory_change", "blame_russia"):
        assert alone[name][0] == batched[name][0], name


def test_the_workbenchs_prim_finds_the_box_sim_discover_finds() -> None:
    """The same design points and worlds through the connector give the same PRIM boxes."""
    found = sim.discover(SUMMIT, "day_sanctions <= 14", params=FEW, samples=600, workers=2)
    model = sim.ema.model(SUMMIT, params=FEW)
    points = discovery.design(found.parameters, found.samples, found.seed)
    evaluator = sim.ema.BatchEvaluator(model, seed=found.seed, workers=2)
    experiments, outcomes = _perform(model, sim.ema.samples(model, points), evaluator)
    x = experiments[list(model.names)].rename(columns=sim.ema.parameter_path)
    y = outcomes["sanctions_by_day_14"] == 1
    assert int(y.sum()) == found.cases

    with warnings.catch_warnings():  # the workbench's own PRIM, as its users call it
        warnings.simplefilter("ignore")
        box = prim.Prim(x, y).find_box()
    peeled = found.trajectory[found.trajectory["phase"] == "peel"].reset_index(drop=True)
    steps = box.peeling_trajectory.reset_index(drop=True)
    np.testing.assert_allclose(steps["coverage"].astype(float), peeled["coverage"])
    np.testing.assert_allclose(steps["density"].astype(float), peeled["density"])

    trajectory, limits = discovery.find_boxes(x, y)
    pd.testing.assert_frame_equal(trajectory, found.trajectory)
    pd.testing.assert_frame_equal(limits, found.limits)
    assert not limits.empty


def test_the_batch_evaluator_runs_only_scenario_models() -> None:
    from ema_workbench import Model

    other = Model("other", function=lambda **kwargs: {})
    with pytest.raises(TypeError, match=r"BatchEvaluator runs sim\.ema models"):
        sim.ema.BatchEvaluator(other)


def test_the_benchmark_script_runs_and_reports_a_ratio(tmp_path) -> None:
    """bench/ema_connector.py still runs against the current API (its timings are not checked)."""
    script = Path(__file__).resolve().parents[1] / "bench" / "ema_connector.py"
    out = tmp_path / "bench.json"
    args = ["--experiments", "12", "--worlds", "2", "--plain", "2", "--workers", "1"]
    done = subprocess.run(
        [sys.executable, str(script), *args, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(out.read_text())
    every = len(sim.ema.model(SUMMIT).parameters)  # the script varies all per-world parameters
    assert found["experiments"] == 12 and found["parameters"] == every
    assert found["ratio"] == pytest.approx(
        found["plain_extrapolated_s"] / found["connector_s"], rel=0.1
    )
