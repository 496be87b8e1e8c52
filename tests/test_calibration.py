"""`sim calibrate` (issue 22): the batched sampler, the record's targets, recovery, faults.

The end-to-end tests calibrate the stand-in record scenario (tests/data/record-scenario.yaml) to
records simulated from known parameter values, small enough for CI; the coverage over ten
parameter sets is bench/calibration_recovery.py's.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pyabc = pytest.importorskip("pyabc")

from sim.experiments import calibration as fit  # noqa: E402
from sim.experiments.abc_batch import BatchSampler  # noqa: E402
from sim.experiments.record import load_record, parse_quantity, values  # noqa: E402
from sim.scenario.loading import load_scenario  # noqa: E402
from sim.scenario.schema import NormalDist  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "records" / "2025-01-20_to_2025-08-06.yaml"
SCENARIO = ROOT / "tests" / "data" / "record-scenario.yaml"
FITTED = ("war.strikes_per_day", "war.ground_gain_pct_per_day")
TRUTH = {"war.strikes_per_day": 240.0, "war.ground_gain_pct_per_day": 0.0019}


def sim(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from sim.cli import main; main()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )


# --- the batched sampler ------------------------------------------------------------------------


def _toy(theta: dict) -> dict:
    """A deterministic model: what it returns depends on the parameters only."""
    return {"a": float(theta["p0"] + theta["p1"]), "b": float(theta["p2"] ** 2)}


def _toy_abc(sampler, database: Path):
    prior = pyabc.Distribution(**{f"p{i}": pyabc.RV("uniform", 0, 1) for i in range(3)})
    np.random.seed(7)
    abc = pyabc.ABCSMC(
        _toy,
        prior,
        pyabc.distance.PNormDistance(p=1),
        population_size=60,
        sampler=sampler,
        eps=pyabc.epsilon.QuantileEpsilon(alpha=0.5),
    )
    abc.new(f"sqlite:///{database}", {"a": 0.7, "b": 0.2})
    return abc.run(max_nr_populations=4)


def test_the_batched_sampler_gives_pyabcs_own_particles_in_far_fewer_calls(tmp_path):
    one_by_one = _toy_abc(pyabc.SingleCoreSampler(), tmp_path / "single.db")
    batched_sampler = BatchSampler(lambda thetas: [_toy(t) for t in thetas], min_batch=16)
    batched = _toy_abc(batched_sampler, tmp_path / "batch.db")
    assert batched.max_t == one_by_one.max_t == 3
    for t in range(4):
        frame_a, w_a = one_by_one.get_distribution(t=t)
        frame_b, w_b = batched.get_distribution(t=t)
        pd.testing.assert_frame_equal(frame_a, frame_b)
        np.testing.assert_array_equal(w_a, w_b)
    pops_a, pops_b = one_by_one.get_all_populations(), batched.get_all_populations()
    np.testing.assert_array_equal(pops_a["epsilon"], pops_b["epsilon"])
    np.testing.assert_array_equal(pops_a["samples"], pops_b["samples"])
    assert batched_sampler.calls < pops_b["samples"].sum() / 10


# --- the record's targets -----------------------------------------------------------------------


def test_the_records_targets_are_read_with_dates_as_days_from_day_zero():
    record = load_record(RECORD)
    targets = {t.name: t for t in record.targets}
    assert record.last_day == 198  # 6 August 2025 is day 198 from 20 January
    assert targets["aid_pause_day"].observed == 42  # 3 March
    assert targets["no_coercer_sanctions"].observed == 0.0
    assert targets["moratorium_days"].quantity.columns == (
        "day_moratorium_end",
        "day_moratorium_start",
    )
    assert targets["strikes_per_day"].quantity.per_day


def test_a_targets_quantity_per_world():
    record = load_record(RECORD)
    targets = {t.name: t for t in record.targets}
    worlds = pd.DataFrame(
        {
            "day_sanctions": [10.0, np.nan, 199.0],  # the last is after the record's end
            "day_aid_paused": [42.0, np.nan, 250.0],
            "day_moratorium_start": [57.0, 57.0, 57.0],
            "day_moratorium_end": [86.0, np.nan, 60.0],
            "territory_change": [0.4, 0.5, 0.6],
            "strikes_launched": [198.0 * 177, 0.0, 198.0],
        }
    )
    start = dt.date(2025, 1, 20)

    def of(name: str) -> list[float]:
        return values(targets[name], worlds, start, 198, 198).tolist()

    assert of("no_coercer_sanctions") == [1.0, 0.0, 0.0]
    assert of("aid_pause_day") == [42.0, 199.0, 199.0]  # never, or after the end: missing
    assert of("moratorium_days") == [29.0, 0.0, 3.0]
    assert of("ground_taken_pp") == [0.4, 0.5, 0.6]
    assert of("strikes_per_day") == [177.0, 0.0, 1.0]
    assert parse_quantity("outcome == sanctions").condition is not None


def test_a_posterior_on_one_particle_is_refused():
    fit.check_not_collapsed(np.full(50, 0.02), 3)
    weights = np.r_[1.0, np.full(49, 1e-9)]
    with pytest.raises(fit.CalibrationError, match="collapsed to one particle"):
        fit.check_not_collapsed(weights, 3)


def test_without_pyabc_the_command_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyabc", None)
    with pytest.raises(fit.MissingExtraError, match=r"\.\[calibrate\]"):
        fit.load_pyabc()


# --- bad input ----------------------------------------------------------------------------------


def _record_with(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "record.yaml"
    text = RECORD.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _short_scenario(tmp_path: Path) -> Path:
    path = tmp_path / "short.yaml"
    path.write_text(f"extends: {SCENARIO}\nhorizon_days: 100\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "case",
    [
        "no-range",
        "held",
        "other-start",
        "short-horizon",
        "not-expressible",
        "unknown-column",
        "bad-scale",
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, case):
    scenario, record, extra = SCENARIO, RECORD, []
    if case == "no-range":
        extra, words = ["--params", "horizon_days"], ["horizon_days", "no plausible range"]
    elif case == "held":
        extra, words = ["--params", "summit.lead_days"], ["summit.lead_days", "held fixed"]
    elif case == "other-start":
        scenario, words = ROOT / "scenarios" / "article.yaml", ["period", "day_zero", "start_date"]
    elif case == "short-horizon":
        scenario, words = _short_scenario(tmp_path), ["period", "outside the scenario's horizon"]
    elif case == "not-expressible":
        record = _record_with(
            tmp_path, "summarises: [us-aid-pause-march]", "summarises: [india-oil-tariff]"
        )
        words = ["targets.aid_pause_day.summarises", "india-oil-tariff", "model: null", ":3"]
    elif case == "unknown-column":
        record = _record_with(tmp_path, "quantity: territory_change", "quantity: teritory_change")
        words = ["targets.ground_taken_pp.quantity", "did you mean 'territory_change'"]
    else:
        record = _record_with(tmp_path, "scale: 40", "scale: 0")
        words = ["targets.strikes_per_day.scale", "expected a number > 0"]
    out = tmp_path / "out"
    done = sim("calibrate", str(scenario), "--record", str(record), *extra, "--out", str(out))
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert not out.exists()


# --- recovery, reproducibility, the folder ------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> tuple[Path, dict[str, float]]:
    """A record whose targets are one world simulated at TRUTH (seed 12345)."""
    scenario = load_scenario(SCENARIO)
    observed = fit.observe(scenario, load_record(RECORD), TRUTH, seed=12345)
    path = tmp_path_factory.mktemp("record") / "synthetic.yaml"
    path.write_text(fit.record_with(RECORD.read_text(encoding="utf-8"), observed), "utf-8")
    return path, observed


@pytest.fixture(scope="module")
def calibrated(synthetic, tmp_path_factory) -> Path:
    record, _ = synthetic
    out = tmp_path_factory.mktemp("calibrated") / "fit"
    params = [arg for path in FITTED for arg in ("--params", path)]
    done = sim(
        "calibrate",
        str(SCENARIO),
        "--record",
        str(record),
        *params,
        "--population",
        "150",
        "--generations",
        "3",
        "--seed",
        "1",
        "--workers",
        "2",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    return out


def test_the_true_values_lie_in_the_posteriors_90_percent_intervals(calibrated):
    table = pd.read_csv(calibrated / "parameters.csv").set_index("parameter")
    for path, truth in TRUTH.items():
        row = table.loc[path]
        assert row["posterior_low"] <= truth <= row["posterior_high"], (path, row.to_dict())
    # the record informs the daily strikes: the interval narrows from the prior's
    assert table.loc["war.strikes_per_day", "narrowed"] > 0.3


def test_the_overlay_extends_the_scenario_with_the_posterior(calibrated):
    overlay = load_scenario(calibrated / "posterior.yaml")
    base = load_scenario(SCENARIO)
    posterior = pd.read_csv(calibrated / "posterior.csv")
    strikes = overlay.war.strikes_per_day
    assert isinstance(strikes, NormalDist)
    mean = float(np.average(posterior["war.strikes_per_day"], weights=posterior["weight"]))
    assert strikes.mean == pytest.approx(mean, rel=1e-5)
    assert (strikes.low, strikes.high) == (100.0, 300.0)
    assert isinstance(overlay.war.ground_gain_pct_per_day, NormalDist)
    assert overlay.horizon_days == base.horizon_days and overlay.events == base.events
    assert overlay.decision == base.decision  # what was not calibrated is the extended file's


def test_the_folder_holds_pyabcs_history_and_the_figures(calibrated):
    generations = pd.read_csv(calibrated / "generations.csv")
    with sqlite3.connect(calibrated / "abc.db") as db:
        stored = db.execute("select count(*) from populations where t >= 0").fetchone()[0]
    assert stored == len(generations) == 3
    for name in ("parameters.png", "targets.png"):
        assert (calibrated / "figures" / name).stat().st_size > 10_000
    assert "posterior.yaml" in (calibrated / "report.md").read_text(encoding="utf-8")


def _again(record: Path, out: Path, *how: str) -> None:
    """The calibration of the ``calibrated`` fixture again, in ``out``, run ``how``."""
    params = [arg for path in FITTED for arg in ("--params", path)]
    done = sim(
        "calibrate",
        str(SCENARIO),
        "--record",
        str(record),
        *params,
        *("--population", "150", "--generations", "3", "--seed", "1"),
        *how,
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr


def _same_posterior(out: Path, calibrated: Path) -> None:
    for name in ("posterior.csv", "generations.csv", "predictive.csv"):
        assert (out / name).read_bytes() == (calibrated / name).read_bytes(), name


def test_the_same_seed_gives_the_same_posterior_bytes_whatever_the_workers(
    synthetic, calibrated, tmp_path
):
    record, _ = synthetic
    out = tmp_path / "again"
    _again(record, out, "--workers", "1")
    _same_posterior(out, calibrated)
    # the overlay differs only by where it is (its extends: path is relative to the folder)
    assert (out / "posterior.yaml").read_text().replace("again", "fit") == (
        calibrated / "posterior.yaml"
    ).read_text().replace(str(calibrated.parent.name), str(out.parent.name))


def test_a_calibration_on_a_local_dask_cluster_is_the_same_bytes(synthetic, calibrated, tmp_path):
    """Issue 25: --scheduler sends the batches to Dask; the posterior is the local one."""
    pytest.importorskip("distributed")
    record, _ = synthetic
    out = tmp_path / "cluster"
    _again(record, out, "--scheduler", "local:1")
    _same_posterior(out, calibrated)
    # The option is honoured, not ignored: a scheduler nobody listens on stops the command.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    refused = sim("calibrate", str(SCENARIO), "--record", str(record), "--scheduler", address)
    assert refused.returncode == 2, refused.stderr
    assert "cannot reach a Dask scheduler" in refused.stderr


def test_an_interrupted_calibration_leaves_nothing_behind(synthetic, tmp_path):
    record, _ = synthetic
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    out = tmp_path / "results" / "fit"
    out.parent.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from sim.cli import main; main()",
            "calibrate",
            str(SCENARIO),
            "--record",
            str(record),
            "--population",
            "2000",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not any(scratch.iterdir()) and time.monotonic() < deadline:  # pyabc's database open
        time.sleep(0.2)
    time.sleep(2.0)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert stderr.strip().splitlines()[-1] == "error: terminated"
    assert "Traceback" not in stderr
    assert not out.exists()
    assert list(out.parent.iterdir()) == []  # no staging folder either
    assert list(scratch.iterdir()) == []  # nor pyabc's database
