"""``sim sweep`` and :func:`sim.sweep`: one field over several values, on the same worlds."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import sim
from sim.cli import app
from sim.experiments.sweeps import Sweep, SweepError, parse_vary, value_labels
from sim.output.saved import load_results
from sim.output.saving import save_results
from sim.scenario.values import as_yaml

ROOT = Path(__file__).resolve().parents[1]
SUMMIT = ROOT / "scenarios" / "summit.yaml"
FEAR = "actors.usa.weakness_aversion"


@pytest.fixture(scope="module")
def fear_sweep() -> Sweep:
    return sim.sweep(SUMMIT, FEAR, [0.1, 0.5, 0.9], runs=3000, seed=4)


def test_each_value_gives_the_worlds_of_its_own_run(fear_sweep):
    """Common random numbers: a value's worlds are those of `sim run --set FIELD=VALUE`."""
    for value, result in zip(fear_sweep.values, fear_sweep.results, strict=True):
        alone = sim.run(sim.load_scenario(SUMMIT, [f"{FEAR}={value}"]), runs=3000, seed=4)
        pd.testing.assert_frame_equal(result.worlds, alone.worlds)


def test_the_table_follows_the_field(fear_sweep):
    """Greene (M1): a coercer afraid of looking weak sanctions less, and paralysis grows."""
    table = fear_sweep.table()
    assert list(table.index) == [0.1, 0.5, 0.9]
    assert table.loc[0.1, "sanctions"] > table.loc[0.9, "sanctions"] + 0.15
    assert table.loc[0.1, "paralysis"] < table.loc[0.9, "paralysis"] - 0.15
    shares = table[["settlement", "partial_ceasefire", "sanctions", "paralysis"]].sum(axis=1)
    assert shares.round(9).eq(1.0).all()
    assert (table["sanctions_low"] < table["sanctions"]).all()
    assert (table["sanctions"] < table["sanctions_high"]).all()
    pd.testing.assert_frame_equal(fear_sweep.to_df(), table)
    # Worlds that saw sanctions on any day include those the sanctions class leaves to a truce
    for value, result in zip(fear_sweep.values, fear_sweep.results, strict=True):
        imposed = result.worlds["day_sanctions"].notna().mean()
        assert table.loc[value, "sanctions_imposed"] == imposed >= table.loc[value, "sanctions"]
    text = fear_sweep.summary_text().splitlines()
    assert text[2].split()[:2] == [FEAR, "settlement"]
    assert [line.split()[0] for line in text[3:6]] == ["0.1", "0.5", "0.9"] and text[6] == ""
    assert "casualties are means over the worlds" in " ".join(text[7:])


def test_the_command_writes_a_folder_that_plot_redraws(tmp_path):
    runner = CliRunner()
    out = tmp_path / "sweep"
    done = runner.invoke(
        app,
        ["sweep", str(SUMMIT), "--vary", f"{FEAR}=0.2,0.8", "--runs", "400", "--out", str(out)],
    )
    assert done.exit_code == 0, done.output
    assert f"Sweep of {FEAR}" in done.output
    table = pd.read_csv(out / "sweep.csv", index_col=0)
    assert list(table.index) == [0.2, 0.8]
    assert (out / "figures" / "sweep.png").stat().st_size > 10_000
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sweep"] == {"field": FEAR, "values": [0.2, 0.8], "default": 0.7}
    report = (out / "report.md").read_text()
    assert "# Sweep: " in report and "sanctions on any day" in report
    assert "Each world is classed at the horizon" in report
    saved = load_results(out)
    assert isinstance(saved, Sweep) and saved.values == [0.2, 0.8] and saved.default == 0.7
    pd.testing.assert_frame_equal(saved.table(), table, check_names=False, check_exact=False)
    (out / "figures" / "sweep.png").unlink()
    redrawn = runner.invoke(app, ["plot", str(out)])
    assert redrawn.exit_code == 0, redrawn.output
    assert (out / "figures" / "sweep.png").exists()


@pytest.mark.parametrize(
    ("vary", "expected"),
    [
        (FEAR, "--vary: expected PATH=V1,V2,..."),
        ("=0.1,0.2", "--vary: expected PATH=V1,V2,..."),
        (f"{FEAR}=0.3", "expected 2 to 50 values, got 1"),
        (f"{FEAR}=0.3,0.3", "the value 0.3 is given twice"),
        (f"{FEAR}=0.1,[", "cannot read '0.1,[' as values separated by commas"),
        (f"{FEAR}=0.1,2", f"--vary: {FEAR}: expected a probability in [0, 1], got 2.0 (with the"),
        ("actors.usa.weaknes_aversion=0.1,0.2", "did you mean 'weakness_aversion'?"),
        ("actors.usa.role=coercer,supporter", '(with --vary actors.usa.role="supporter")'),
        (f"{FEAR}=" + ",".join(str(i / 100) for i in range(51)), "got 51"),
    ],
)
def test_a_bad_vary_gets_one_line_and_no_folder(tmp_path, vary, expected):
    out = tmp_path / "never"
    done = CliRunner().invoke(
        app, ["sweep", str(SUMMIT), "--vary", vary, "--runs", "50", "--out", str(out)]
    )
    assert done.exit_code == 2
    lines = done.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert expected in lines[0]
    assert not out.exists()


def test_numbers_in_exponent_form_are_numbers_as_in_yaml_1_2():
    assert parse_vary("a.b=1e-1,5E-1,-2e+3,.5e1") == ("a.b", [0.1, 0.5, -2000.0, 5.0])
    with pytest.raises(SweepError, match="twice"):
        parse_vary("a.b=1e-1,0.1")
    assert parse_vary("a.b=1e,e5")[1] == ["1e", "e5"]  # not numbers: text, as before


def test_values_read_as_yaml_and_written_back_asas_yaml():
    assert parse_vary("a.b=[0.1, 0.2]") == ("a.b", [0.1, 0.2])
    assert parse_vary(" a.b = 1, 2.5 ,x") == ("a.b", [1, 2.5, "x"])
    assert parse_vary("a={dist: beta, a: 2, b: 5},0.3")[1][0] == {"dist": "beta", "a": 2, "b": 5}
    for value in (1e20, 0.1, 3, True, "text", {"dist": "uniform", "low": 0, "high": 1}):
        assert yaml.safe_load(as_yaml(value)) == value
    labels = value_labels(FEAR, [0.1, {"dist": "uniform", "low": 0, "high": 1}])
    assert labels == ["weakness_aversion=0.1", "weakness_aversion-value2"]


def test_the_api_refuses_what_it_cannot_sweep():
    with pytest.raises(TypeError, match="path of a scenario file"):
        sim.sweep(sim.load_scenario(SUMMIT), FEAR, [0.1, 0.2])
    with pytest.raises(SweepError, match="expected a list of values"):
        sim.sweep(SUMMIT, FEAR, "0.1,0.2")
    with pytest.raises(SweepError, match="given twice"):
        sim.sweep(SUMMIT, FEAR, [0.5, 0.5])
    with pytest.raises(sim.ScenarioError, match=r"--vary: .*\(with the value 7\)"):
        sim.sweep(SUMMIT, FEAR, [0.5, 7])


def test_values_that_are_not_numbers_get_a_category_axis():
    import matplotlib

    matplotlib.use("Agg")
    from sim.output.plots import sweep_lines

    types = [{"stalling": 1, "sincere": 0}, {"stalling": 0, "sincere": 1}]
    swept = sim.sweep(SUMMIT, "actors.russia.types", types, runs=300, seed=2)
    assert not swept.numeric()
    assert list(swept.table().index) == ["{stalling: 1, sincere: 0}", "{stalling: 0, sincere: 1}"]
    ax = swept.plot()
    assert ax.get_title().startswith("Outcome at day 120 as actors.russia.types")
    assert ax.get_xticklabels()[0].get_text() == "1, sincere: 0"  # only what differs
    assert ax.get_xlabel() == "actors.russia.types: {stalling: …}"
    # A stalling aggressor is sanctioned more often: the coercer's belief decays (M3); a sincere
    # one keeps it up, and the coercer lets its deadline lapse instead (M1).
    assert swept.table()["sanctions"].iloc[0] > swept.table()["sanctions"].iloc[1] + 0.05
    with pytest.raises(TypeError, match="draws a Sweep"):
        sweep_lines(sim.compare([SUMMIT, SUMMIT], runs=50, labels=["a", "b"]))


@pytest.mark.parametrize(
    ("vary", "expected"),
    [
        (f'{FEAR}="0.1",0.1', 'the value "0.1" is given twice (as 0.1)'),
        (f"{FEAR}=1,1.0", "the value 1 is given twice (as 1.0)"),
        (f"{FEAR}=0.1,null", "a value cannot be null"),
        (
            "a.b=&a0 [x,x,x,x,x,x,x,x,x,x], "
            + ", ".join(f"&a{n} [" + ",".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 5)),
            "aliases (*name) expand to more than",
        ),
    ],
)
def test_values_read_alike_or_unsafe_are_refused(tmp_path, vary, expected):
    done = CliRunner().invoke(
        app, ["sweep", str(SUMMIT), "--vary", vary, "--runs", "50", "--out", str(tmp_path / "x")]
    )
    assert done.exit_code == 2 and expected in done.output, done.output


def test_a_set_of_the_swept_field_is_refused_not_ignored(tmp_path):
    done = CliRunner().invoke(
        app,
        [
            "sweep",
            str(SUMMIT),
            "--vary",
            f"{FEAR}=0.1,0.9",
            "--set",
            f"{FEAR}=0.5",
            "--runs",
            "50",
            "--out",
            str(tmp_path / "never"),
        ],
    )
    assert done.exit_code == 2
    assert "also given by --set actors.usa.weakness_aversion" in done.output
    assert not (tmp_path / "never").exists()
    with pytest.raises(TypeError, match="overrides must be a list"):
        sim.sweep(SUMMIT, FEAR, [0.1, 0.9], overrides="actors.usa.credulity=0.2")
    with pytest.raises(SweepError, match="15,000,000 worlds"):
        sim.sweep(SUMMIT, FEAR, [0.1, 0.2, 0.3], runs=5_000_000)


def test_numpy_dates_and_many_values_are_swept_and_saved(tmp_path):
    import datetime as dt

    import numpy as np

    dated = sim.sweep(SUMMIT, "start_date", [dt.date(2025, 8, 7), dt.date(2025, 9, 1)], runs=100)
    assert dated.values == ["2025-08-07", "2025-09-01"]
    save_results(dated, tmp_path / "dated")
    assert load_results(tmp_path / "dated").values == ["2025-08-07", "2025-09-01"]
    many = sim.sweep(SUMMIT, "horizon_days", np.arange(20, 100, 10, dtype=np.int64), runs=100)
    assert many.numeric() and many.values == [20, 30, 40, 50, 60, 70, 80, 90]
    save_results(many, tmp_path / "many")
    assert sorted(p.name for p in (tmp_path / "many" / "figures").iterdir()) == ["sweep.png"]
    assert "left out" in (tmp_path / "many" / "report.md").read_text()


def test_every_scenario_of_a_comparison_gets_its_own_line_style():
    from sim.output.plots import SCENARIO_STYLES, scenario_styles

    styles = scenario_styles(9)
    assert styles[:6] == SCENARIO_STYLES
    assert len({(str(colour), str(style)) for colour, style in styles}) == 9


@pytest.mark.parametrize(
    "values", [[0.2, None], [0.2, 1e309], [0.2, 10**400], [0.2, 0.2], "0.2,0.8", [0.2]]
)
def test_plot_refuses_a_damaged_sweep_record(tmp_path, values):
    out = tmp_path / "sweep"
    CliRunner().invoke(
        app, ["sweep", str(SUMMIT), "--vary", f"{FEAR}=0.2,0.8", "--runs", "50", "--out", str(out)]
    )
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["sweep"]["values"] = values
    (out / "manifest.json").write_text(json.dumps(manifest).replace("Infinity", "1e309"))
    done = CliRunner().invoke(app, ["plot", str(out)])
    assert done.exit_code == 2, done.output
    assert done.output.startswith("error: ") and "sweep" in done.output


def test_a_sweep_knows_the_files_own_value_and_marks_it(fear_sweep):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.experiments.sweeps import plan
    from sim.output.plots import sweep_lines
    from sim.scenario.values import value_at

    summit = sim.load_scenario(SUMMIT)
    assert value_at(summit, FEAR) == 0.7
    assert value_at(summit, "events.1.day") == 1
    assert value_at(summit, "events.7.day") is None and value_at(summit, "no.such") is None
    overridden = plan(SUMMIT, FEAR, [0.1, 0.9], runs=10, overrides=["actors.usa.credulity=0.2"])
    assert overridden.default == 0.7
    assert plan(SUMMIT, "actors.usa.credulity", [0.1, 0.9], runs=10).default == 0.5
    assert fear_sweep.default == 0.7
    assert "The scenario file's own value is 0.7." in " ".join(fear_sweep.summary_text().split())
    fig, ax = plt.subplots()
    sweep_lines(fear_sweep, ax=ax)
    marks = [line for line in ax.get_lines() if line.get_label() == "the file's value"]
    assert len(marks) == 1 and marks[0].get_xdata()[0] == 0.7
    plt.close(fig)
    # A value outside the swept range is named, not marked: the axis would stretch to reach it
    outside = Sweep(results=fear_sweep.results, labels=fear_sweep.labels, swept=FEAR)
    outside.values, outside.default = [0.1, 0.3], 0.7
    assert outside.numeric_default() is None
    assert (
        outside.default_text() == "The scenario file's own value is 0.7, outside the swept range."
    )
