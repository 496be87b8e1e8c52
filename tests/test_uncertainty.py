"""Uncertainty bands (issue 21, item 5): K parameter draws × M worlds on common random numbers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from conftest import MECHANISM_OFF, SCENARIOS
from typer.testing import CliRunner

import sim
from sim.cli import _bare_uncertainty, app
from sim.experiments import uncertainty as bands

SUMMIT, SANCTIONS = SCENARIOS / "summit.yaml", SCENARIOS / "sanctions.yaml"
BASELINE, STRIKE_TRUCE = SCENARIOS / "baseline.yaml", SCENARIOS / "ceasefire_strikes.yaml"
FEW = (
    "actors.usa.credulity",
    "actors.usa.belief_prior",
    "actors.usa.summit_forgiveness",
    "economy.sanctions_success",  # a beta distribution in the file
)
K, M = 20, 64
"""The fewest draws, and a few worlds per draw: enough for every property tested here."""


def _per_draw(result: bands.Uncertainty, kind: str, scenario: str, measure: str) -> np.ndarray:
    rows = result.per_draw
    chosen = rows[(rows.kind == kind) & (rows.scenario == scenario) & (rows.measure == measure)]
    return chosen.sort_values("draw")["value"].to_numpy()


@pytest.fixture(scope="module")
def summit_vs_sanctions() -> bands.Uncertainty:
    return sim.compare(
        [SANCTIONS, SUMMIT], runs=M, seed=3, workers=1, labels=["sanctions", "summit"],
        uncertainty=K, worlds_per_draw=M, params=FEW,
    )  # fmt: skip


def test_a_draw_is_the_scenario_run_with_that_draws_values(summit_vs_sanctions) -> None:
    draw = 7
    values = summit_vs_sanctions.draws.iloc[draw]
    overrides = [f"{path}={value!r}" for path, value in values.items()]
    alone = sim.run(sim.load_scenario(SUMMIT, overrides), runs=M, seed=3, workers=1).worlds
    for outcome in ("sanctions", "paralysis", "settlement"):
        share = _per_draw(summit_vs_sanctions, "share", "summit", outcome)[draw]
        assert share == (alone["outcome"] == outcome).mean(), outcome
    by_14 = _per_draw(summit_vs_sanctions, "share", "summit", "sanctions_by_day_14")[draw]
    assert by_14 == (alone["day_sanctions"] <= 14).mean()


def test_the_draws_cover_each_range_and_follow_a_scenario_distribution() -> None:
    result = sim.run(SUMMIT, runs=M, uncertainty=200, worlds_per_draw=M, params=FEW, workers=1)
    credulity = result.draws["actors.usa.credulity"]
    low, high = next((p.low, p.high) for p in result.parameters if p.path == FEW[0])
    # a Latin hypercube: exactly one draw in each of the 200 equal slices of the range
    slices = np.floor((credulity - low) / (high - low) * 200).astype(int)
    assert sorted(slices) == list(range(200))
    success = result.draws["economy.sanctions_success"]  # beta(2, 14) in article.yaml
    mean = next(p.default for p in result.parameters if p.path == "economy.sanctions_success")
    assert mean == pytest.approx(2 / 16)
    assert success.mean() == pytest.approx(mean, abs=0.005)
    assert success.min() > 0.0 and success.max() < 1.0


def test_paired_differences_are_the_difference_of_shares_on_common_draws(
    summit_vs_sanctions,
) -> None:
    result = summit_vs_sanctions
    for measure in ("sanctions", "paralysis", "sanctions_by_day_14"):
        summit = _per_draw(result, "share", "summit", measure)
        sanctions = _per_draw(result, "share", "sanctions", measure)
        difference = _per_draw(result, "difference", "summit", measure)
        np.testing.assert_array_equal(difference, summit - sanctions)
    # each scenario's draws are those of a run of it alone: the same draws and worlds
    alone = sim.run(SUMMIT, runs=M, seed=3, workers=1, uncertainty=K, worlds_per_draw=M, params=FEW)
    pd.testing.assert_frame_equal(alone.draws, result.draws)
    np.testing.assert_array_equal(
        _per_draw(alone, "share", alone.scenario_labels[0], "paralysis"),
        _per_draw(result, "share", "summit", "paralysis"),
    )


def test_a_scenario_against_itself_differs_in_no_draw() -> None:
    # on other draws or other worlds for the copy, the per-draw differences would not be 0
    result = sim.compare(
        [SUMMIT, SUMMIT], runs=M, seed=1, workers=1, labels=["a", "b"],
        uncertainty=K, worlds_per_draw=M, params=FEW,
    )  # fmt: skip
    differences = result.per_draw[result.per_draw.kind == "difference"]
    assert len(differences) == K * len(result.labels)
    assert (differences["value"] == 0).all()
    shares = result.per_draw[
        (result.per_draw.kind == "share") & (result.per_draw.measure == "sanctions")
    ]
    assert shares["value"].nunique() > 1  # while the shares do move from draw to draw


def test_collapsed_ranges_leave_a_band_of_simulation_error_only() -> None:
    planned = bands.plan([SANCTIONS, SUMMIT], K, M, M, 5, FEW)
    collapsed = tuple(
        dataclasses.replace(p, low=p.default, high=p.default, distribution=None)
        for p in planned.parameters
    )
    result = bands.run_plan(dataclasses.replace(planned, parameters=collapsed), workers=1)
    table = result.to_df()
    assert (table["band_low"] == table["band_high"]).all()
    # ... and the band is the estimate of M worlds at those values: an ordinary comparison
    fixed = [f"{p.path}={p.default!r}" for p in collapsed]
    ordinary = sim.compare(
        [sim.load_scenario(SANCTIONS, fixed), sim.load_scenario(SUMMIT, fixed)],
        runs=M, seed=5, workers=1,
    )  # fmt: skip
    for label, results in zip(result.base.labels, ordinary.results, strict=True):
        paralysis = (results.worlds["outcome"] == "paralysis").mean()
        assert table.loc[("share", label, "", "paralysis"), "band_low"] == paralysis
    difference = ordinary.differences().loc[(ordinary.labels[1], "P(sanctions)"), "difference"]
    band = table.loc[("difference", result.base.labels[1], result.base.labels[0], "sanctions")]
    assert band["band_low"] == pytest.approx(difference, abs=1e-12)


def test_the_band_holds_the_estimate_where_no_varied_parameter_acts() -> None:
    # with face switched off (M1), weakness aversion acts on nothing: every draw is the same
    # worlds with the same outcome, and the band shrinks onto the estimate of those worlds
    scenario = sim.load_scenario(SUMMIT, list(MECHANISM_OFF["M1"]))
    result = sim.run(
        scenario, runs=M, seed=2, workers=1, uncertainty=K, worlds_per_draw=M,
        params=["actors.usa.weakness_aversion"],
    )  # fmt: skip
    table = result.to_df()
    for measure in ("paralysis", "sanctions", "sanctions_by_day_14"):
        row = table.loc[("share", scenario.name, "", measure)]
        assert row["band_low"] <= row["estimate"] <= row["band_high"], measure
        assert row["band_low"] == row["band_high"] == row["estimate"], measure
    # with face on, the same parameter does move paralysis across draws
    on = sim.run(
        SUMMIT, runs=M, seed=2, workers=1, uncertainty=K, worlds_per_draw=M,
        params=["actors.usa.weakness_aversion"],
    )  # fmt: skip
    assert (
        on.to_df().loc[("share", on.scenario_labels[0], "", "paralysis"), "band_high"]
        > (on.to_df().loc[("share", on.scenario_labels[0], "", "paralysis"), "band_low"])
    )


def test_one_and_two_workers_give_the_same_bands(summit_vs_sanctions) -> None:
    two = sim.compare(
        [SANCTIONS, SUMMIT], runs=M, seed=3, workers=2, labels=["sanctions", "summit"],
        uncertainty=K, worlds_per_draw=M, params=FEW,
    )  # fmt: skip
    pd.testing.assert_frame_equal(summit_vs_sanctions.per_draw, two.per_draw)
    pd.testing.assert_frame_equal(summit_vs_sanctions.to_df(), two.to_df())
    pd.testing.assert_frame_equal(summit_vs_sanctions.claims(), two.claims())


def test_claims_are_the_share_of_draws_in_which_their_direction_holds(
    summit_vs_sanctions,
) -> None:
    claims = summit_vs_sanctions.claims().set_index("claim")
    assert {"greene_offramp", "greene_better_for_russia"} == set(claims.index)
    # the off-ramp claim: fewer sanctions by day 14 with the summit, draw by draw
    change = _per_draw(summit_vs_sanctions, "difference", "summit", "sanctions_by_day_14")
    margin = _per_draw(summit_vs_sanctions, "claim", "summit", "greene_offramp")
    np.testing.assert_allclose(margin, -change)
    assert claims.loc["greene_offramp", "share_of_draws"] == (change < 0).mean()
    assert claims.loc["greene_offramp", "share_reversed"] == (change > 0).mean()
    assert claims.loc["greene_offramp", "holds_at_file_values"]


def test_baunov_s_claims_apply_to_the_strike_truce_against_baseline() -> None:
    result = sim.compare(
        [BASELINE, STRIKE_TRUCE], runs=512, seed=0, workers=1, labels=["baseline", "truce"],
        uncertainty=K, worlds_per_draw=M, params=["war.*"],
    )  # fmt: skip
    claims = result.claims().set_index("claim")
    assert {"baunov_air_defence", "baunov_ground"} == set(claims.index)
    air = _per_draw(result, "difference", "truce", "air_defense_delivered")
    assert claims.loc["baunov_air_defence", "share_of_draws"] == pytest.approx((air < 0).mean())
    # the strike truce lowers air-defence deliveries at the file's values (notebook 04)
    assert claims.loc["baunov_air_defence", "margin"] > 0
    assert claims.loc["baunov_air_defence", "mc_low"] > 0


def test_no_claim_applies_to_scenarios_in_the_other_order() -> None:
    result = sim.compare(
        [SUMMIT, SANCTIONS], runs=M, seed=1, workers=1, labels=["summit", "sanctions"],
        uncertainty=K, worlds_per_draw=M, params=FEW[:1],
    )  # fmt: skip
    assert result.claims().empty


def test_the_api_draws_on_given_axes_and_tells_the_two_intervals_apart(
    summit_vs_sanctions,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    assert summit_vs_sanctions.plot(ax=ax) is ax
    legend = " ".join(text.get_text() for text in ax.get_legend().get_texts())
    assert "across plausible parameters" in legend and "simulation error" in legend
    assert summit_vs_sanctions.plot(kind="difference") is not None
    assert summit_vs_sanctions.plot(kind="claim") is not None
    plt.close("all")
    text = summit_vs_sanctions.summary_text()
    assert "simulation error ±" in text and "across plausible parameters" in text


def test_the_folder_reloads_and_redraws(tmp_path) -> None:
    runner = CliRunner()
    out = tmp_path / "bands"
    args = ["compare", str(SANCTIONS), str(SUMMIT), "--runs", "256", "--uncertainty", "20"]
    args += ["--worlds-per-draw", "50", "--params", "actors.usa.*", "--workers", "1"]
    done = runner.invoke(app, [*args, "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "across plausible parameters" in done.output and "simulation error ±" in done.output
    assert {"uncertainty.csv", "draws.csv", "bands.csv", "claims.csv", "worlds.csv"} <= {
        p.name for p in out.iterdir()
    }
    loaded = sim.load_results(out)
    assert isinstance(loaded, bands.Uncertainty)
    saved = pd.read_csv(out / "bands.csv", keep_default_na=False, index_col=[0, 1, 2, 3])
    np.testing.assert_allclose(loaded.to_df()["band_high"], saved["band_high"].astype(float))
    assert loaded.draw_count == 20 and loaded.worlds_per_draw == 50
    before = (out / "report.md").read_text()
    assert "## Uncertainty bands" in before
    for figure in (out / "figures").iterdir():
        figure.unlink()
    redrawn = runner.invoke(app, ["plot", str(out)])
    assert redrawn.exit_code == 0, redrawn.output
    for name in ("shares", "differences", "claims"):
        assert (out / "figures" / f"uncertainty_{name}.png").exists(), name
    assert (out / "report.md").read_text().split("\n", 3)[3] == before.split("\n", 3)[3]


def test_a_bare_uncertainty_flag_takes_the_default_draws() -> None:
    assert _bare_uncertainty(["run", "a.yaml", "--uncertainty"]) == [
        "run", "a.yaml", "--uncertainty=default"
    ]  # fmt: skip
    assert _bare_uncertainty(["run", "--uncertainty", "a.yaml"])[1] == "--uncertainty=default"
    assert _bare_uncertainty(["run", "a.yaml", "--uncertainty", "40"])[2:] == [
        "--uncertainty", "40"
    ]  # fmt: skip


BAD = [
    (["--uncertainty", "5"], "--uncertainty: expected a whole number >= 20"),
    (["--uncertainty", "20", "--worlds-per-draw", "10"], "--worlds-per-draw: expected a whole"),
    (["--uncertainty", "20", "--params", "summit.lead_days"], "held fixed: summit.lead_days"),
    (["--uncertainty", "20", "--params", "events.*"], "unknown section 'events'"),
    (["--uncertainty", "20", "--params", "blame.nothing*"], "matches no parameter"),
    (["--worlds-per-draw", "100"], "need --uncertainty"),
    (["--uncertainty", "1000000", "--worlds-per-draw", "1000000"], "at most"),
]


@pytest.mark.parametrize("command", ["run", "compare"])
@pytest.mark.parametrize(("extra", "words"), BAD, ids=[" ".join(b[0]) for b in BAD])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    tmp_path, command, extra, words
) -> None:
    out = tmp_path / "never"
    files = [str(SUMMIT)] if command == "run" else [str(SANCTIONS), str(SUMMIT)]
    done = CliRunner().invoke(app, [command, *files, *extra, "--out", str(out)])
    assert done.exit_code == 2, done.output
    lines = [line for line in done.output.splitlines() if line.strip()]
    assert len(lines) == 1, done.output
    assert words in lines[0]
    assert list(tmp_path.iterdir()) == []
