"""Global sensitivity analysis (issue 21): known indices, the model's mechanisms, reproducibility,
the folder it writes, and bad input.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami
from typer.testing import CliRunner

import sim
from sim.cli import app
from sim.experiments import sensitivity as analysis
from sim.scenario.parameters import Parameter
from tests.conftest import MECHANISM_OFF, SCENARIOS, bundled

SUMMIT = SCENARIOS / "summit.yaml"
SANCTIONS = SCENARIOS / "sanctions.yaml"
LEADERS = ("actors.russia.weakness_aversion", "actors.usa.weakness_aversion")
FEW = [*LEADERS, "actors.usa.credulity", "economy.sanctions_success"]

# Ishigami (a = 7, b = 0.1) on [-pi, pi]^3: Saltelli et al. (2008), Global Sensitivity Analysis.
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def _uniform(name: str) -> Parameter:
    return Parameter(name, 0.0, -math.pi, math.pi, "test", "test")


def test_the_pipeline_recovers_the_ishigami_indices() -> None:
    names = ["x1", "x2", "x3"]
    unit = analysis.sample("sobol", names, 4096, seed=3)
    values = np.stack(
        [np.column_stack([analysis.values_at(_uniform(n), m[:, i]) for i, n in enumerate(names)])
         for m in unit]
    )  # fmt: skip
    per_matrix = np.stack([Ishigami.evaluate(matrix) for matrix in values])
    table = analysis.indices("sobol", names, unit, per_matrix, resamples=100, seed=0)
    assert table["S1"].to_numpy() == pytest.approx(ISHIGAMI_S1, abs=0.04)
    assert table["ST"].to_numpy() == pytest.approx(ISHIGAMI_ST, abs=0.04)
    assert (table["ST_conf"] < 0.05).all()


def test_morris_ranks_the_ishigami_inputs() -> None:
    names = ["x1", "x2", "x3"]
    unit = analysis.sample("morris", names, 200, seed=1)
    per_matrix = np.stack([Ishigami.evaluate(-math.pi + 2 * math.pi * matrix) for matrix in unit])
    table = analysis.indices("morris", names, unit, per_matrix, resamples=100, seed=0)
    # x3 acts only with x1 (mu near 0 by symmetry, spread large); x2 has the largest mean effect
    assert table["mu_star"].idxmax() == "x2"
    assert abs(table.loc["x3", "mu"]) < 0.3 * table.loc["x3", "mu_star"]


def test_the_unexplained_share_is_the_noise_variance_over_the_total() -> None:
    rng = np.random.default_rng(0)
    signal = rng.normal(0.0, math.sqrt(3.0), 20_000)
    pairs = signal[:, None] + rng.normal(0.0, 1.0, (20_000, 2))
    reference = signal + rng.normal(0.0, 1.0, 20_000)
    share, conf = analysis.noise_share(pairs, reference)
    assert share == pytest.approx(0.25, abs=0.02)
    assert 0 < conf < 0.02


@pytest.fixture(scope="module")
def m1_on_and_off() -> tuple[analysis.Sensitivity, analysis.Sensitivity]:
    # An aggressor of uncertain type, as in M1's own test (docs/model.md, M1): with the default
    # 80 % stalling worlds the aggressor's face acts only in the few sincere ones.
    uncertain = "actors.russia.types={stalling: 0.5, sincere: 0.5}"
    on_scenario = bundled("summit.yaml", uncertain)  # at the priors, as the rules' tests run
    on = analysis.sensitivity(on_scenario, params=FEW, samples=256, workers=1)
    off_scenario = bundled("summit.yaml", uncertain, *MECHANISM_OFF["M1"])
    off = analysis.sensitivity(off_scenario, params=FEW, samples=256, workers=1)
    return on, off


def _total(result: analysis.Sensitivity, output: str, parameter: str) -> float:
    rows = result.table
    return float(rows[(rows.output == output) & (rows.parameter == parameter)]["ST"].iloc[0])


def test_without_face_the_leaders_weakness_aversion_stops_driving_paralysis(m1_on_and_off):
    on, off = m1_on_and_off
    for leader in LEADERS:
        assert _total(on, "paralysis", leader) > 0.06, leader
        assert _total(off, "paralysis", leader) < 0.04, leader
    # a parameter that acts only through face: exactly no effect on common random numbers
    assert _total(off, "paralysis", "actors.usa.weakness_aversion") == 0.0
    # the other drivers stay
    assert _total(off, "paralysis", "actors.usa.credulity") > 0.15


def test_the_analysis_is_the_same_for_one_and_two_workers(m1_on_and_off):
    on, _ = m1_on_and_off
    two = analysis.sensitivity(on.scenario, params=FEW, samples=256, workers=2)
    pd.testing.assert_frame_equal(on.table, two.table)
    pd.testing.assert_frame_equal(on.noise, two.noise)


def test_a_scenario_against_itself_differs_in_nothing() -> None:
    result = analysis.sensitivity(SUMMIT, against=SUMMIT, params=FEW[:2], samples=64, workers=1)
    assert (result.noise["mean"] == 0).all()
    assert (result.table[["S1", "ST"]] == 0).all().all()


def test_a_paired_difference_is_decomposed_on_common_worlds() -> None:
    result = analysis.sensitivity(
        SUMMIT, against=SANCTIONS, params=FEW, samples=128, workers=2, by_days=(14,)
    )
    # the summit delays sanctions: fewer worlds sanctioned by day 14 than without it
    assert result.noise.loc["sanctions_by_day_14", "mean"] < -0.05
    top = result.top("sanctions_by_day_14", 1)["parameter"].iloc[0]
    assert top in FEW
    assert result.runs == 2 * 128 * (len(FEW) + 3)


def test_a_parameter_that_differs_between_the_scenarios_is_held() -> None:
    other = sim.load_scenario(SUMMIT, overrides=["actors.usa.credulity=0.9"])
    chosen, held = analysis.select(sim.load_scenario(SUMMIT), ["actors.usa.*"], other)
    assert "actors.usa.credulity" not in [p.path for p in chosen]
    assert "comparison's own change" in held["actors.usa.credulity"]


def test_the_folder_reloads_and_redraws(tmp_path) -> None:
    runner = CliRunner()
    out = tmp_path / "s"
    args = ["sensitivity", str(SUMMIT), "--params", "actors.usa.c*", "--samples", "64"]
    done = runner.invoke(app, [*args, "--out", str(out), "--workers", "1"])
    assert done.exit_code == 0, done.output
    assert "actors.usa.credulity" in done.output
    assert {p.name for p in out.iterdir()} >= {
        "sensitivity.csv", "outputs.csv", "report.md", "manifest.json", "figures"
    }  # fmt: skip
    loaded = sim.load_results(out)
    assert isinstance(loaded, analysis.Sensitivity)
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table.parameter) == {"actors.usa.credulity"}
    assert {"S1", "S1_conf", "ST", "ST_conf", "low", "high", "source"} <= set(table.columns)
    before = (out / "report.md").read_text()
    for figure in (out / "figures").iterdir():
        figure.unlink()
    redrawn = runner.invoke(app, ["plot", str(out)])
    assert redrawn.exit_code == 0, redrawn.output
    assert (out / "figures" / "sensitivity_sanctions.png").exists()
    assert (out / "report.md").read_text().split("\n", 3)[3] == before.split("\n", 3)[3]


def test_morris_from_the_command_line(tmp_path) -> None:
    runner = CliRunner()
    out = tmp_path / "m"
    args = ["sensitivity", str(SUMMIT), "--method", "morris", "--params", "actors.usa.*"]
    args += ["--outputs", "sanctions*", "--outputs", "paralysis"]
    done = runner.invoke(app, [*args, "--samples", "4", "--out", str(out), "--workers", "2"])
    assert done.exit_code == 0, done.output
    table = pd.read_csv(out / "sensitivity.csv")
    assert {"mu_star", "mu_star_conf", "sigma", "mu"} <= set(table.columns)
    assert set(table.output) == {"sanctions", "sanctions_by_day_14", "paralysis"}
    assert sim.load_results(out).top("paralysis", 1)["mu_star"].iloc[0] > 0


BAD = [
    (["--params", "blam.*"], "unknown section 'blam' (did you mean 'blame'?)"),
    (["--params", "actors.nato.*"], "no actor 'nato'"),
    (["--params", "blame.nothing*"], "matches no parameter"),
    (["--params", "summit.lead_days"], "held fixed: summit.lead_days"),
    (["--samples", "32"], "base samples are too few for"),
    (["--params", "blame.*", "--samples", "100"], "expected a power of two"),
    (["--method", "fast"], "--method: expected one of sobol, morris"),
    (["--method", "morris", "--samples", "2"], "at least 4 Morris trajectories"),
    (["--replicates", "0"], "--replicates: expected a number of worlds >= 1"),
    (["--outputs", "sanction"], "matches no output (did you mean 'sanctions'?)"),
]


@pytest.mark.parametrize(("extra", "words"), BAD, ids=[" ".join(b[0]) for b in BAD])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, extra, words) -> None:
    out = tmp_path / "never"
    done = CliRunner().invoke(app, ["sensitivity", str(SUMMIT), *extra, "--out", str(out)])
    assert done.exit_code == 2, done.output
    lines = [line for line in done.output.splitlines() if line.strip()]
    assert len(lines) == 1, done.output
    assert words in lines[0]
    assert not out.exists()
