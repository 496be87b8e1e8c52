"""sim compare, plot, trace, rerun and --force; results folders that never half-exist."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.classroom.trace import format_trace, trace_world
from sim.cli import app
from sim.engine.ensemble import run
from sim.experiments.comparison import _share_of_worlds, compare, unpaired_difference
from sim.output.saving import save_results
from sim.scenario.loading import load_scenario
from tests.conftest import ROOT, SCENARIOS

runner = CliRunner()
SUMMIT = str(SCENARIOS / "summit.yaml")
SANCTIONS = str(SCENARIOS / "sanctions.yaml")


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_paired_intervals_are_narrower_than_unpaired_on_common_worlds():
    scenarios = [load_scenario(SCENARIOS / n) for n in ("sanctions.yaml", "summit.yaml")]
    comparison = compare(scenarios, runs=3000, seed=2, workers=1, labels=["sanctions", "summit"])
    paired = comparison.differences()
    a, b = (r.worlds for r in comparison.results)
    for measure, column in (("territory_change", "territory_change"), ("casualties", "casualties")):
        row = paired.loc[("summit", measure)]
        independent = unpaired_difference(a[column], b[column])
        assert row["high"] - row["low"] < 0.5 * (independent["high"] - independent["low"])
    row = paired.loc[("summit", "P(paralysis)")]
    independent = unpaired_difference(a["outcome"] == "paralysis", b["outcome"] == "paralysis")
    assert row["high"] - row["low"] < independent["high"] - independent["low"]
    assert row["low"] > 0.3  # the summit's off-ramp: far more paralysis


def test_differences_report_each_actors_blame_in_points_at_the_intervals_precision():
    from sim.experiments.comparison import format_difference

    scenarios = [load_scenario(SCENARIOS / n) for n in ("baseline.yaml", "ceasefire_strikes.yaml")]
    comparison = compare(scenarios, runs=2000, seed=3, workers=1, labels=["base", "truce"])
    measures = list(comparison.differences().loc["truce"].index)
    assert measures[-4:] == ["blame_russia", "blame_usa", "blame_ukraine", "blame_europe"]
    row = comparison.differences().loc[("truce", "blame_russia")]
    worlds = [r.worlds["blame_russia"] for r in comparison.results]
    assert row["difference"] == pytest.approx((worlds[1] - worlds[0]).mean())
    # An interval that excludes zero shows it, however small; no exponent notation.
    assert format_difference("blame_usa", -0.00126, -0.00135, -0.00117) == [
        "-0.126 pp",
        "-0.135 pp",
        "-0.117 pp",
    ]
    assert format_difference("territory_change", 4.74e-5, 4.1e-5, 5.4e-5) == [
        "+0.000047",
        "+0.000041",
        "+0.000054",
    ]
    assert format_difference("casualties", -1045.2, -1104.0, -986.4) == ["-1,045", "-1,104", "-986"]
    # ... and the end nearest zero gets the digits it needs, however wide the interval
    assert format_difference("blame_usa", -0.0002, -0.0003, -0.000034) == [
        "-0.020 pp",
        "-0.030 pp",
        "-0.003 pp",
    ]
    assert format_difference("casualties", -10.3, -20.7, -0.4)[2] == "-0.4"
    assert format_difference("casualties", -750.0, -1500.0, -0.2)[1:] == ["-1,500.0", "-0.2"]
    assert format_difference("P(x)", 0.03, -0.01, 0.07) == ["+3.0 pp", "-1.0 pp", "+7.0 pp"]
    assert format_difference("air_defense_delivered", -45.6, -47.2, -44.0) == ["-46", "-47", "-44"]


def test_the_terminal_tables_keep_long_labels_apart():
    scenarios = [load_scenario(SCENARIOS / n) for n in ("baseline.yaml", "summit.yaml")]
    long = "a_scenario_label_longer_than_any_column_was"
    text = compare(scenarios, runs=1000, seed=0, workers=1, labels=["base", long]).summary_text()
    lines = text.splitlines()
    assert lines[2].split() == ["outcome", "base", long]
    assert any(line.split()[:2] == [long, "P(settlement)"] for line in lines)
    settlement = next(line for line in lines if line.startswith("settlement") and " in " in line)
    assert len(re.findall(r"(?:day \d+|never) in \d", settlement)) == 2  # a cell per scenario
    assert _share_of_worlds(0.001) == "0.1%"  # one world in 1,000 does not read as 0 %
    assert _share_of_worlds(0.0) == "0%" and _share_of_worlds(0.08) == "8%"


def test_compare_writes_tables_figures_and_report(tmp_path):
    out = tmp_path / "cmp"
    result = invoke("compare", SANCTIONS, SUMMIT, "--runs", "400", "--seed", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Paired differences against sanctions" in result.output
    sanctions_line = next(line for line in result.output.splitlines() if "P(sanctions)" in line)
    assert sanctions_line.rstrip().endswith(" pp]")  # a difference of shares is in points
    assert "territory_change (pp of territory)" in result.output
    worlds = pd.read_csv(out / "worlds.csv")
    assert set(worlds["scenario"]) == {"sanctions", "summit"}
    assert len(worlds) == 800
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "compare" and manifest["labels"] == ["sanctions", "summit"]
    report = (out / "report.md").read_text()
    assert "# Comparison: sanctions vs summit" in report
    assert "Each world is classed at the horizon" in report
    for png in (out / "figures").glob("*.png"):
        assert f"figures/{png.name}" in report
    assert (out / "figures" / "event_sanctions.png").exists()


def _reject(token):
    raise AssertionError(f"{token} is not JSON")


def test_summary_json_is_standard_json_where_events_never_happen(tmp_path):
    """Days of events that never happened are null, not Python's NaN token (not JSON)."""
    baseline = str(SCENARIOS / "baseline.yaml")
    for command in (["run", baseline], ["compare", baseline, SUMMIT]):
        out = tmp_path / command[0]
        assert invoke(*command, "--runs", "100", "--out", str(out)).exit_code == 0
        text = (out / "summary.json").read_text()
        json.loads(text, parse_constant=_reject)
        assert "null" in text  # the baseline's summit is never held


def test_sim_plot_redraws_the_saved_figures_without_rerunning(tmp_path):
    out = tmp_path / "run"
    assert invoke("run", SUMMIT, "--runs", "300", "--out", str(out)).exit_code == 0
    figures = out / "figures"
    before = {p.name: p.read_bytes() for p in figures.iterdir()}
    for path in figures.iterdir():
        path.unlink()
    (out / "report.md").unlink()
    result = invoke("plot", str(out), "--format", "svg")
    assert result.exit_code == 0, result.output
    after = {p.name for p in figures.iterdir()}
    assert set(before) <= after
    assert {n.replace(".png", ".svg") for n in before} <= after
    for name, data in before.items():
        assert (figures / name).read_bytes() == data
    assert (out / "report.md").exists()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "no such results folder"),
        ("empty", "no manifest.json"),
        ("foreign", "written by another tool"),
        ("damaged", "worlds.csv is missing"),
        ("old-daily", "daily.csv: not a per-day aggregates file"),
    ],
)
def test_sim_plot_rejects_folders_that_are_not_results(tmp_path, setup, message):
    folder = tmp_path / "f"
    if setup != "missing":
        folder.mkdir()
    if setup == "foreign":
        (folder / "manifest.json").write_text(json.dumps({"tool": "other", "seed": 1}))
    if setup == "damaged":
        manifest = {"tool": "negotiation-sim", "seed": 1, "runs": 50}
        (folder / "manifest.json").write_text(json.dumps(manifest))
    if setup == "old-daily":
        saved = tmp_path / "saved"
        assert invoke("run", SUMMIT, "--runs", "50", "--out", str(saved)).exit_code == 0
        folder.rmdir()
        saved.rename(folder)
        (folder / "daily.csv").write_text("day,territory_pct\n0,19.0\n")
    result = invoke("plot", str(folder))
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_compare_rejects_a_single_scenario_and_unpaired_actors(tmp_path):
    result = invoke("compare", SUMMIT, "--out", str(tmp_path / "x"))
    assert result.exit_code == 2 and "at least two" in result.output
    other = tmp_path / "five.yaml"
    other.write_text(
        f"extends: {SCENARIOS / 'summit.yaml'}\n"
        "name: with a second supporter\n"
        "actors:\n  poland: {role: supporter}\n"
    )
    result = invoke("compare", SUMMIT, str(other), "--out", str(tmp_path / "y"))
    assert result.exit_code == 2
    assert "cannot be paired" in result.output and "poland" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_trace_is_stable_and_every_action_names_its_reason():
    scenario = load_scenario(SCENARIOS / "summit.yaml")
    first = format_trace(trace_world(scenario, seed=3, world=5))
    again = format_trace(trace_world(scenario, seed=3, world=5))
    assert first == again
    lines = first.splitlines()
    reasons = [line for line in lines if line.lstrip().startswith("p=")]
    assert len(reasons) >= 3
    for line in reasons:  # under its act, indented: the probability and the main reason
        assert line.startswith("      p=")
        assert any(
            why in line for why in ("main reason:", "least bad option", "rare draw", "poor options")
        )
        assert lines[lines.index(line) - 1].startswith("  - ")
    assert "quiet" in first  # quiet days are folded
    assert max(len(line) for line in lines) <= 96  # fits a terminal, wrapped under its act


@pytest.mark.parametrize(
    ("probability", "reason", "expected"),
    [
        (0.0007, None, "p=0.0007; a rare draw, about 1 in 1,429: chance picked it"),
        (0.0007, "blame", "rare draw, about 1 in 1,429: chance picked it, not the model's reasons"),
        (0.049, "face", "p=0.05; a rare draw, about 1 in 20"),
        (0.051, "face", "p=0.05; main reason: face;"),
        (0.93, None, "p=0.93; the least bad option: every alternative was worse"),
        (0.30, None, "p=0.30; a draw among poor options"),
    ],
)
def test_a_rare_draw_is_called_a_rare_draw_and_the_least_bad_option_only_when_likeliest(
    probability, reason, expected
):
    from sim.classroom.trace import reasons

    entry = {"probability": probability, "components": {"face": -0.2, "cost": -0.3}}
    if reason:
        entry["main_reason"] = reason
    text = reasons(entry)
    assert expected in text
    assert ("least bad" in text) == (expected.find("least bad") >= 0)
    assert text.endswith("face -0.20, cost -0.30")


def test_trace_narrates_the_same_world_as_the_run():
    scenario = load_scenario(SCENARIOS / "summit.yaml")
    worlds = run(scenario, runs=40, seed=4, workers=1).worlds
    for world in (0, 17, 39):
        outcome = trace_world(scenario, seed=4, world=world).outcome
        row = worlds.iloc[world]
        assert outcome["outcome"] == row["outcome"]
        assert outcome["casualties"] == pytest.approx(row["casualties"])


def test_trace_json_is_machine_readable():
    result = invoke("trace", SUMMIT, "--seed", "2", "--world", "1", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output, parse_constant=_reject)  # NaN is not JSON
    assert data["world"] == 1 and len(data["days"]) == 120
    assert data["outcome"]["day_settlement"] is None  # this world never settles
    chosen = [e for d in data["days"] for e in d["entries"] if "probability" in e]
    assert chosen and all(0 < e["probability"] <= 1 for e in chosen)


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    """A good results folder of 50 worlds, to copy and damage."""
    out = tmp_path_factory.mktemp("saved") / "run"
    assert invoke("run", SUMMIT, "--runs", "50", "--out", str(out)).exit_code == 0
    return out


def _edit_manifest(**changes):
    def edit(folder):
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest.update(changes)
        (folder / "manifest.json").write_text(json.dumps(manifest))

    return edit


def _truncate_worlds(folder):
    lines = (folder / "worlds.csv").read_text().splitlines()
    (folder / "worlds.csv").write_text("\n".join(lines[:6]) + "\n")


def _bad_scenario(folder):
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["scenario"]["horizon_days"] = -3
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _edit_stored_scenario(**changes):
    def edit(folder):
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["scenario"].update(changes)
        (folder / "manifest.json").write_text(json.dumps(manifest))

    return edit


def _edit_worlds(column, old, new):
    def edit(folder):
        worlds = pd.read_csv(folder / "worlds.csv")
        worlds[column] = worlds[column].astype(object)
        worlds.loc[worlds[column] == old if old is not None else worlds.index[:3], column] = new
        worlds.to_csv(folder / "worlds.csv", index=False)

    return edit


def _cut_daily(folder):
    lines = (folder / "daily.csv").read_text().splitlines()
    (folder / "daily.csv").write_text("\n".join(lines[:50]) + "\n")


def _huge_seed(folder):
    text = (folder / "manifest.json").read_text()
    (folder / "manifest.json").write_text(text.replace('"seed": 0', '"seed": ' + "9" * 5000))


def _replace(name, make):
    def edit(folder):
        path = folder / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
        make(path)

    return edit


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_replace("worlds.csv", lambda p: p.write_text("")), "worlds.csv: not a worlds table"),
        (_replace("worlds.csv", lambda p: p.write_text('a,b\n"x,1\n')), "not a worlds table"),
        (_replace("worlds.csv", lambda p: p.write_text("a,b\n1,2\n")), "no column world"),
        (_truncate_worlds, "5 rows, but the manifest says 50 worlds"),
        (_replace("manifest.json", lambda p: p.mkdir()), "manifest.json: cannot read it"),
        (_edit_manifest(runs="many"), "runs: expected a whole number from 1 to 10,000,000"),
        (_edit_manifest(runs=0), "runs: expected a whole number from 1"),
        (_edit_manifest(runs=10**11), "runs: expected a whole number from 1"),
        (_edit_manifest(runs=True), "runs: expected a whole number from 1"),
        (_edit_manifest(seed=-1), "seed: expected a whole number from 0 or more"),
        (_edit_manifest(seed=2.5), "seed: expected a whole number from 0 or more"),
        (_bad_scenario, "manifest.json: scenario.horizon_days: "),
        (_edit_stored_scenario(horizon_days=5), "manifest.json: scenario.events.0.held_on"),
        (_edit_stored_scenario(horizon_days=100), "daily.csv: incomplete (120 days; the scen"),
        (_huge_seed, "manifest.json: not valid JSON"),
        (_edit_worlds("territory_change", None, "abc"), "column territory_change holds text"),
        (_edit_worlds("outcome", "paralysis", "zzz"), "column outcome holds zzz; expected"),
        (_replace("worlds.csv", lambda p: p.mkdir()), "worlds.csv: not a file"),
        (_replace("daily.csv", lambda p: p.mkdir()), "daily.csv: cannot read it"),
        (_cut_daily, "daily.csv: incomplete (no "),
        (_replace("report.md", lambda p: p.mkdir()), "report.md: exists and is not a file"),
        (_replace("figures", lambda p: p.write_text("")), "figures: exists and is not a folder"),
    ],
)
def test_damaged_results_folders_get_one_line_from_plot_and_rerun(
    tmp_path, saved_run, damage, message
):
    folder = tmp_path / "run"
    shutil.copytree(saved_run, folder)
    damage(folder)
    for command in ("plot", "rerun"):
        if command == "rerun" and ("figures" in message or "report.md" in message):
            continue  # rerun writes a new folder: the old figures and report do not matter
        result = invoke(command, str(folder))
        assert result.exit_code == 2, (command, result.output)
        assert message in result.output and "Traceback" not in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_force_replaces_an_earlier_results_folder_and_its_absence_protects_it(tmp_path):
    out = tmp_path / "run"
    result = invoke("run", SUMMIT, "--runs", "50", "--seed", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    (out / "notes.txt").write_text("scratch")
    result = invoke("run", SUMMIT, "--runs", "50", "--out", str(out))
    assert result.exit_code == 2 and "--force" in result.output
    assert (out / "notes.txt").read_text() == "scratch"
    result = invoke("run", SUMMIT, "--runs", "50", "--out", str(out), "--force")
    assert result.exit_code == 0, result.output
    assert not (out / "notes.txt").exists() and (out / "worlds.csv").exists()
    assert json.loads((out / "manifest.json").read_text())["seed"] == 0
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no staging folders left


def test_force_without_out_replaces_the_default_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("run", SUMMIT, "--runs", "50", "--seed", "1").exit_code == 0
    assert invoke("run", SUMMIT, "--runs", "50", "--seed", "1").exit_code == 0
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == [
        "summit-seed1",
        "summit-seed1-2",
    ]
    (tmp_path / "results" / "summit-seed1" / "notes.txt").write_text("scratch")
    result = invoke("run", SUMMIT, "--runs", "60", "--seed", "1", "--force")
    assert result.exit_code == 0, result.output
    replaced = tmp_path / "results" / "summit-seed1"
    assert not (replaced / "notes.txt").exists()
    assert json.loads((replaced / "manifest.json").read_text())["runs"] == 60
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == [
        "summit-seed1",
        "summit-seed1-2",
    ]
    other = tmp_path / "results" / "summit-seed2"
    other.mkdir()
    (other / "mine.txt").write_text("not a results folder")
    result = invoke("run", SUMMIT, "--runs", "50", "--seed", "2", "--force")
    assert result.exit_code == 2 and (other / "mine.txt").exists()


def test_force_never_deletes_a_folder_that_is_not_a_results_folder(tmp_path, monkeypatch):
    """A mistyped --out (a project folder, the working folder) survives --force untouched."""
    work = tmp_path / "project"
    work.mkdir()
    (work / "important.txt").write_text("keep me")
    monkeypatch.chdir(tmp_path)
    for out in (str(work), "project"):
        result = invoke("run", SUMMIT, "--runs", "50", "--out", out, "--force")
        assert result.exit_code == 2
        assert "not a results folder" in result.output and "Traceback" not in result.output
    monkeypatch.chdir(work)
    for out in (str(work), "."):
        result = invoke("run", SUMMIT, "--runs", "50", "--out", out, "--force")
        assert result.exit_code == 2 and "holds the current folder" in result.output
    assert sorted(p.name for p in work.iterdir()) == ["important.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]


def test_a_results_folder_holding_the_working_folder_is_not_replaced(tmp_path, monkeypatch):
    out = tmp_path / "run"
    assert invoke("run", SUMMIT, "--runs", "50", "--out", str(out)).exit_code == 0
    (out / "figures").mkdir(exist_ok=True)
    monkeypatch.chdir(out / "figures")
    result = invoke("run", SUMMIT, "--runs", "50", "--out", str(out), "--force")
    assert result.exit_code == 2 and "holds the current folder" in result.output
    assert (out / "manifest.json").exists()


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("{tmp}/afile/sub", "afile is a file, not a folder"),
        ("/proc/sim-results", "cannot create /proc/sim-results"),
        ("{tmp}/" + "x" * 250, "is too long"),
    ],
)
def test_an_output_folder_that_cannot_be_made_is_refused_before_the_run(tmp_path, out, message):
    """Said at once, in one line, with nothing simulated and nothing left behind."""
    (tmp_path / "afile").write_text("")
    out = out.format(tmp=tmp_path)
    for command in (["run", SUMMIT], ["compare", SUMMIT, str(SCENARIOS / "sanctions.yaml")]):
        result = invoke(*command, "--runs", "50", "--out", out)
        assert result.exit_code == 2, result.output
        assert result.output.startswith("error: --out: ") and message in result.output
        assert len(result.output.strip().splitlines()) == 1  # no summary: nothing was run
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_a_crash_while_saving_leaves_no_folder(tmp_path, monkeypatch):
    import sim.output.saving

    results = run(load_scenario(SCENARIOS / "summit.yaml"), runs=50, seed=1, workers=1)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.output.saving, "figure_tasks", crash)
    with pytest.raises(KeyboardInterrupt):
        save_results(results, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_during_a_run_leaves_no_results_folder(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim.cli",
            "run",
            SUMMIT,
            "--runs",
            "400000",
            "--workers",
            "1",
            "--out",
            str(tmp_path / "out"),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # As at a terminal: a shell's background job would otherwise inherit SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    assert list(tmp_path.iterdir()) == []
    assert b"Traceback" not in stderr


def test_rerun_from_the_manifest_gives_identical_worlds(tmp_path):
    out = tmp_path / "first"
    assert (
        invoke(
            "run",
            SUMMIT,
            "--runs",
            "300",
            "--seed",
            "9",
            "--out",
            str(out),
            "--set",
            "actors.usa.credulity=0.9",
        ).exit_code
        == 0
    )
    again = tmp_path / "again"
    result = invoke("rerun", str(out), "--out", str(again))
    assert result.exit_code == 0, result.output
    first = pd.read_csv(out / "worlds.csv")
    second = pd.read_csv(again / "worlds.csv")
    pd.testing.assert_frame_equal(first, second)
    manifest = json.loads((again / "manifest.json").read_text())
    assert manifest["scenario"]["actors"]["usa"]["credulity"] == 0.9
    assert np.isclose(manifest["seed"], 9)


def test_trace_names_the_issue_and_a_resolved_stalling_aggressor_never_concedes_its_core():
    """Stanovaya: the impression of openness, the core position unchanged while resolve holds.

    With its resolve held at 1 (no erosion, M9) a stalling aggressor moves on non-core issues only.
    """
    scenario = load_scenario(SCENARIOS / "summit.yaml", overrides=["learning.resolve_erosion=0"])
    worlds = run(scenario, runs=60, seed=5, workers=1).worlds
    stalling = worlds.index[worlds["aggressor_type"] == "stalling"][:12]
    concessions = []
    for world in stalling:
        text = format_trace(trace_world(scenario, seed=5, world=int(world)))
        concessions += [line for line in text.splitlines() if "russia concedes" in line]
    assert concessions, "expected some framing concessions in twelve stalling worlds"
    assert all("(a non-core issue)" in line for line in concessions)


def test_a_results_folder_is_as_readable_as_any_new_folder(tmp_path):
    """Staged in a private temporary folder (0700), it gets the umask's mode when it lands."""
    old = os.umask(0o022)
    try:
        out = tmp_path / "run"
        assert invoke("run", SUMMIT, "--runs", "50", "--out", str(out)).exit_code == 0
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o755


def test_comparing_a_file_with_itself_warns_and_still_runs(tmp_path):
    again = str(SCENARIOS / ".." / "scenarios" / "summit.yaml")
    result = invoke("compare", SUMMIT, again, "--runs", "50", "--out", str(tmp_path / "c"))
    assert result.exit_code == 0, result.output
    assert "is the same file as" in result.output and "every difference" in result.output


@pytest.fixture(scope="module")
def saved_comparison(tmp_path_factory):
    out = tmp_path_factory.mktemp("saved") / "cmp"
    baseline = str(SCENARIOS / "baseline.yaml")
    assert invoke("compare", baseline, SUMMIT, "--runs", "50", "--out", str(out)).exit_code == 0
    return out


def _edit_comparison(change):
    def edit(folder):
        manifest = json.loads((folder / "manifest.json").read_text())
        change(manifest)
        (folder / "manifest.json").write_text(json.dumps(manifest))

    return edit


def _same_labels(manifest):
    manifest["labels"] = ["baseline", "baseline"]
    for entry in manifest["scenarios"]:
        entry["label"] = "baseline"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_edit_comparison(lambda m: m.update(scenarios=[])), "labels: expected two or more"),
        (_edit_comparison(_same_labels), "labels: expected two or more distinct names"),
        (
            _replace(
                "worlds.csv",
                lambda p: p.write_text(
                    pd.read_csv(p.with_name("scratch.csv"))
                    .drop(columns="scenario")
                    .to_csv(index=False)
                ),
            ),
            "worlds.csv: no column scenario",
        ),
    ],
)
def test_damaged_comparison_folders_get_one_line(tmp_path, saved_comparison, damage, message):
    folder = tmp_path / "cmp"
    shutil.copytree(saved_comparison, folder)
    shutil.copy(folder / "worlds.csv", folder / "scratch.csv")
    damage(folder)
    result = invoke("plot", str(folder))
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("out", ["{tmp}/new/..", "{tmp}", "."])
def test_an_out_that_names_the_working_folder_is_refused_before_the_run(tmp_path, monkeypatch, out):
    """'.', its absolute path or 'x/..' once crashed after the run (a folder cannot be renamed
    by '..') or replaced the folder the shell was in."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "new").mkdir()
    result = invoke("run", SUMMIT, "--runs", "50", "--out", out.format(tmp=tmp_path))
    assert result.exit_code == 2, result.output
    assert "holds the current folder" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new"]


def test_rerun_of_dot_writes_next_to_the_folder(tmp_path, saved_run, monkeypatch):
    folder = tmp_path / "run"
    shutil.copytree(saved_run, folder)
    monkeypatch.chdir(folder / "figures")
    result = invoke("rerun", "..")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "run-rerun" / "worlds.csv").exists()


# --- compare: each scenario against the reference it extends --------------------------------


def test_references_follow_extends_and_warn_when_the_first_is_not_a_common_parent(tmp_path):
    from sim.experiments.comparison import choose_references

    article, baseline, sanctions, summit, truce = (
        tmp_path / f"{n}.yaml" for n in ("article", "baseline", "sanctions", "summit", "truce")
    )
    labels = ["a", "b", "c"]
    # the truce's parent is compared: it is read against it; siblings against the first
    assert choose_references(
        [sanctions, baseline, truce], [article, article, baseline], labels
    ) == ([0, 0, 1], [])
    # the truce's parent is not compared and differs from the first's: read against the first,
    # with a warning that names the file to add
    references, warnings = choose_references(
        [sanctions, summit, truce], [article, article, baseline], labels
    )
    assert references == [0, 0, 0] and len(warnings) == 1
    assert warnings[0].startswith("c extends baseline.yaml but a extends article.yaml")
    assert "add baseline.yaml" in warnings[0]
    # the first extends the second: the second is its parent, nothing mixed
    assert choose_references([truce, baseline], [baseline, article], labels[:2]) == ([0, 0], [])


def test_a_scenario_is_read_against_its_reference_world_by_world():
    names = ("sanctions.yaml", "baseline.yaml", "ceasefire_strikes.yaml")
    scenarios = [load_scenario(SCENARIOS / n) for n in names]
    comparison = compare(
        scenarios, runs=300, seed=1, workers=1, labels=["s", "b", "t"], references=[0, 0, 1]
    )
    differences = comparison.differences(["casualties"])
    s, b, t = (r.worlds for r in comparison.results)
    truce = differences.loc[("t", "casualties")]
    assert truce["reference"] == "b"
    assert truce["difference"] == pytest.approx((t["casualties"] - b["casualties"]).mean())
    assert truce["difference"] != pytest.approx((t["casualties"] - s["casualties"]).mean())
    assert differences.loc[("b", "casualties")]["reference"] == "s"
    text = comparison.summary_text()
    assert "Paired differences against each scenario's reference" in text
    assert "t - b" in text and "b - s" in text
    with pytest.raises(ValueError, match="references: expected"):
        compare(scenarios, runs=10, seed=1, workers=1, references=[0, 1, 1])


def test_sim_compare_warns_when_scenarios_extend_different_references(tmp_path):
    files = [str(SCENARIOS / n) for n in ("sanctions.yaml", "summit.yaml")]
    truce = str(SCENARIOS / "ceasefire_strikes.yaml")
    result = invoke("compare", *files, truce, "--runs", "50", "--out", str(tmp_path / "a"))
    assert result.exit_code == 0, result.output
    assert "warning: ceasefire_strikes extends baseline.yaml but sanctions extends" in result.output
    baseline = str(SCENARIOS / "baseline.yaml")
    result = invoke(
        "compare", files[0], baseline, truce, "--runs", "50", "--out", str(tmp_path / "b")
    )
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    assert "ceasefire_strikes - baseline" in result.output
