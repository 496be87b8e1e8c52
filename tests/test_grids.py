"""A grid runs every pair of values of two fields on the same worlds (sim.grid, sim sweep)."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from typer.testing import CliRunner

import sim
from sim.cli import app
from sim.experiments.grids import Grid, field_names
from sim.model.outcomes import OUTCOMES
from sim.output.plots import grid_heatmap
from sim.output.saved import load_results
from tests.conftest import SCENARIOS, switched_off

SUMMIT = SCENARIOS / "summit.yaml"
RUSSIA = "actors.russia.weakness_aversion"
USA = "actors.usa.weakness_aversion"
COIN = "actors.russia.types={stalling: 0.5, sincere: 0.5}"  # as in the M1 mechanism test


@pytest.fixture(scope="module")
def fear_grid() -> Grid:
    overrides = [COIN, *switched_off()]  # SIM_MECHANISM_OFF=M1 must make the M1 test below fail
    return sim.grid(
        SUMMIT, RUSSIA, [0.1, 0.9], USA, [0.1, 0.9], runs=3000, seed=5, overrides=overrides
    )


def test_each_pair_gives_the_worlds_of_its_own_run(fear_grid):
    pairs = [(r, u) for r in (0.1, 0.9) for u in (0.1, 0.9)]  # row-major
    for (russia, usa), result in zip(pairs, fear_grid.results, strict=True):
        overrides = [COIN, *switched_off(), f"{RUSSIA}={russia}", f"{USA}={usa}"]
        scenario = sim.load_scenario(SUMMIT, overrides)
        alone = sim.run(scenario, runs=3000, seed=5)
        pd.testing.assert_frame_equal(result.worlds, alone.worlds)


def test_paralysis_needs_both_leaders_fear_of_looking_weak(fear_grid):
    """Greene (M1): paralysis is highest where both leaders fear looking weak."""
    paralysis = fear_grid.shares("paralysis")
    assert list(paralysis.index) == [0.1, 0.9] and list(paralysis.columns) == [0.1, 0.9]
    assert paralysis.loc[0.9, 0.9] > paralysis.loc[0.1, 0.1] + 0.15
    assert paralysis.loc[0.9, 0.9] > max(paralysis.loc[0.1, 0.9], paralysis.loc[0.9, 0.1])
    table = fear_grid.table()
    assert table.index.names == [RUSSIA, USA] and len(table) == 4
    outcomes = table[["settlement", "partial_ceasefire", "sanctions", "paralysis"]].sum(axis=1)
    assert outcomes.round(9).eq(1.0).all()
    assert fear_grid.defaults == [0.8, 0.7]  # summit.yaml's own values
    text = fear_grid.summary_text()
    assert text.count("P(") == 4 and f"{paralysis.loc[0.9, 0.9]:.1%}" in text


def test_the_heat_map_draws_the_shares_and_outlines_the_files_own_values():
    grid = sim.grid(SUMMIT, RUSSIA, [0.1, 0.8], USA, [0.7, 0.9], runs=200, seed=1, workers=1)
    fig, ax = plt.subplots()
    grid_heatmap(grid, ax=ax, outcome="sanctions")
    shares = grid.shares("sanctions")
    (image,) = ax.get_images()
    assert image.get_array().tolist() == shares.to_numpy().tolist()
    assert [t.get_text() for t in ax.texts[:4]] == [f"{v:.0%}" for v in shares.to_numpy().ravel()]
    (outline,) = ax.patches  # the cell (0.8, 0.7): row 1, column 0
    assert outline.get_xy() == (-0.5, 0.5)
    plt.close(fig)


def test_the_fields_are_named_by_as_much_of_their_paths_as_tells_them_apart():
    assert field_names(RUSSIA, USA) == ("russia.weakness_aversion", "usa.weakness_aversion")
    assert field_names("actors.usa.credulity", "face.audience_cost") == (
        "credulity",
        "audience_cost",
    )


def test_the_command_writes_a_grid_folder_that_plot_redraws(tmp_path):
    runner = CliRunner()
    out = tmp_path / "grid"
    arguments = ["--vary", f"{RUSSIA}=0.1,0.9", "--vary", f"{USA}=0.1,0.5,0.9", "--runs", "300"]
    done = runner.invoke(app, ["sweep", str(SUMMIT), *arguments, "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert f"Grid of {RUSSIA} (rows) by {USA} (columns)" in done.output
    grid = pd.read_csv(out / "grid.csv", index_col=[0, 1])
    assert len(grid) == 6 and grid.index.names == [RUSSIA, USA]
    figures = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert figures == sorted(f"grid_{o}.png" for o in OUTCOMES)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["grid"]["rows"] == {"field": RUSSIA, "values": [0.1, 0.9], "default": 0.8}
    assert manifest["grid"]["columns"]["values"] == [0.1, 0.5, 0.9]
    report = (out / "report.md").read_text()
    assert (
        report.startswith(f"# Grid: {RUSSIA} by {USA}") and "## P(paralysis) at day 120" in report
    )
    saved = load_results(out)
    assert isinstance(saved, Grid) and saved.row_values == [0.1, 0.9]
    assert list(grid.pop("scenario")) == saved.labels  # the rows of worlds.csv of each pair
    pd.testing.assert_frame_equal(saved.table(), grid, check_exact=False, check_index_type=False)
    (out / "figures" / "grid_paralysis.png").unlink()
    redrawn = runner.invoke(app, ["plot", str(out)])
    assert redrawn.exit_code == 0, redrawn.output
    assert (out / "figures" / "grid_paralysis.png").exists()
    assert (out / "report.md").read_text() == report
    rerun = runner.invoke(app, ["rerun", str(out)])
    assert (
        rerun.exit_code == 2 and "a grid; rerun takes a folder written by sim run" in rerun.output
    )


@pytest.mark.parametrize(
    ("varies", "words"),
    [
        ([f"{RUSSIA}=0.1,0.9", f"{USA}=0.1,0.9", "face.audience_cost=1,2"], "one field, or two"),
        ([f"{USA}=0.1,0.9", f"{USA}=0.2,0.8"], "two different fields"),
        ([f"{RUSSIA}=0.1,7", f"{USA}=0.1,0.9"], RUSSIA),
        ([f"{RUSSIA}=0.1,0.9", f"{USA}=0.1,7"], USA),
        (
            ["events.1.day=1,100", "horizon_days=120,50"],
            "the pair events.1.day=100, horizon_days=50",
        ),
        (
            [
                f"{RUSSIA}=" + ",".join(f"{i / 20:g}" for i in range(11)),
                f"{USA}=" + ",".join(f"{i / 20:g}" for i in range(10)),
            ],
            "110 pairs; a grid has at most 100",
        ),
    ],
)
def test_a_bad_grid_is_refused_before_anything_runs(tmp_path, varies, words):
    runner = CliRunner()
    arguments = [item for text in varies for item in ("--vary", text)]
    out = tmp_path / "never"
    result = runner.invoke(app, ["sweep", str(SUMMIT), *arguments, "--out", str(out)])
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith("error:") and "--vary" in message and words in message
    assert "Traceback" not in result.output and not out.exists()


def test_a_pair_that_only_fails_together_is_named_as_a_pair_with_its_own_flag():
    from sim.scenario.loading import ScenarioError

    with pytest.raises(ScenarioError) as caught:
        sim.grid(SUMMIT, "events.1.day", [1, 100], "horizon_days", [120, 50], runs=10)
    assert caught.value.file == "--vary"
    assert "(with the pair events.1.day=100, horizon_days=50)" in caught.value.message
    assert "--set" not in str(caught.value)


def test_the_files_own_values_are_said_with_whether_the_grid_has_them():
    grid = sim.experiments.grids.plan(SUMMIT, RUSSIA, [0.1, 0.8], USA, [0.2, 0.9], runs=10)
    assert grid.defaults == [0.8, 0.7]
    shaped = Grid(results=[], labels=[], rows=RUSSIA, row_values=[0.1, 0.8], columns=USA)
    shaped.column_values, shaped.defaults = [0.2, 0.9], grid.defaults
    assert shaped.default_texts() == [
        f"The scenario file's {RUSSIA} is 0.8.",
        f"The scenario file's {USA} is 0.7, not in the grid.",
    ]
    # a distribution is compared as a file writes it, without its unset bounds
    pair = sim.experiments.grids.plan(
        SUMMIT,
        "war.casualties_per_day",
        [1000, {"dist": "normal", "mean": 1400, "sd": 250, "low": 700}],
        USA,
        [0.1, 0.7],
        runs=10,
    )
    assert pair.defaults[0] == {"dist": "normal", "mean": 1400, "sd": 250, "low": 700}
