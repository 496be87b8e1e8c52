"""The benchmark script still runs against the current API (timings are not checked here)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "ensemble.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_ensemble", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_ensemble_measurement_runs_and_reports_per_world_figures(bench):
    result = bench._measure_ensemble(runs=300, horizon=10, workers=2, repeat=2)
    assert len(result["times"]) == 2 and all(t > 0 for t in result["times"])
    assert result["frame_bytes"] > 300 * 100  # about 240 bytes a world
    result.update(self_peak_mb=100.0, largest_worker_peak_mb=50.0)
    result.update(tree_peak_rss_mb=120.0, tree_peak_pss_mb=110.0)
    row = bench._row("sim.run", 300, 10, 2, result)
    assert row["worlds_per_s"] == pytest.approx(300 / min(result["times"]), rel=0.01)
    assert row["peak_bound_mb"] == 150.0  # this process plus one helper


def test_the_batch_run_measurement_runs_the_same_model_one_world_at_a_time(bench):
    result = bench._measure_batch_run(models=3, horizon=10, processes=1)
    assert len(result["times"]) == 1 and result["times"][0] > 0


def test_the_command_measurement_runs_the_main_command(bench):
    result = bench._measure_command(runs=50, workers=1, repeat=1)
    assert len(result["times"]) == 1 and result["times"][0] > 0


def test_the_compare_measurement_runs_the_bundled_scenarios_together(bench, monkeypatch):
    from sim.experiments import comparison

    seen = []
    real = comparison.compare
    monkeypatch.setattr(comparison, "compare", lambda s, **kw: seen.append(len(s)) or real(s, **kw))
    result = bench._measure_compare(runs=50, workers=2, repeat=1)
    assert len(result["times"]) == 1 and result["times"][0] > 0
    assert seen == [4]


@pytest.mark.parametrize("measure", ["_measure_ensemble", "_measure_compare"])
def test_each_repeat_starts_its_clock_after_the_last_repeats_helper_has_exited(
    bench, monkeypatch, measure
):
    from sim.engine import ensemble, forking
    from sim.experiments import comparison

    events = []
    real_wait = forking.wait_for_helpers

    def wait() -> None:
        if sys._getframe(1).f_globals["__name__"] == bench.__name__:  # not the runs' own waits
            events.append("wait")
        real_wait()

    def recorded(real):
        def call(*args, **kwargs):
            events.append("run")
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(forking, "wait_for_helpers", wait)
    monkeypatch.setattr(ensemble, "run", recorded(ensemble.run))
    monkeypatch.setattr(comparison, "compare", recorded(comparison.compare))
    if measure == "_measure_ensemble":
        bench._measure_ensemble(runs=200, horizon=10, workers=2, repeat=2)
    else:
        bench._measure_compare(runs=20, workers=2, repeat=2)
    assert events == ["wait", "run", "wait", "run", "wait"]


def test_scaling_measures_each_size_from_the_mean_and_from_the_largest_run(bench):
    figures = bench.scaling({1_000: 130.0, 10_000: 34.3, 100_000: 26.4, 1_000_000: 25.8})
    assert figures["sizes"] == [10_000, 100_000, 1_000_000]  # 1,000 worlds is outside the range
    assert figures["mean_us_per_world"] == pytest.approx(28.83, abs=0.01)
    assert figures["vs_mean_pct"] == {10_000: 19.0, 100_000: -8.4, 1_000_000: -10.5}
    assert figures["vs_largest_pct"][10_000] == 32.9
    assert figures["within_tolerance_of_mean"]
    assert not bench.scaling({10_000: 60.0, 100_000: 26.4, 1_000_000: 25.8})[
        "within_tolerance_of_mean"
    ]
    assert bench.scaling({1_000: 130.0, 10_000: 34.3}) == {}


def _class_load():
    path = Path(__file__).resolve().parents[1] / "bench" / "class_load.py"
    spec = importlib.util.spec_from_file_location("bench_class_load", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_class_load_benchmark_plays_a_small_class_and_checks_it():
    import subprocess

    script = Path(__file__).resolve().parents[1] / "bench" / "class_load.py"
    args = ["--students", "4", "--teams", "2", "--browsers", "0"]
    done = subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["checks"] == {"ok": True, "problems": []} and report["failures"] == []
    assert report["decisions_accepted"] > 0 and report["answer_p95_s"] > 0


def test_the_class_load_check_finds_a_lost_a_duplicated_and_a_leaked_decision(tmp_path):
    bench = _class_load()
    folder = tmp_path / "team01-kestrel"
    folder.mkdir()
    (folder / "moves.yaml").write_text("- {day: 0, action: wait}\n- {day: 3, action: wait}\n")
    decisions = [{"day": 0, "chosen": "wait"}, {"day": 3, "chosen": "wait"}]
    (folder / "debrief.json").write_text(json.dumps({"decisions": decisions}))
    (tmp_path / "class.json").write_text("{}")
    team = bench.TeamRecord("Kestrel", "usa", accepted=[(0, "wait"), (3, "wait")])
    assert bench.verify([team], tmp_path)["ok"]
    team.accepted = [(0, "wait")]  # an answer the server said it took, not saved
    assert not bench.verify([team], tmp_path)["ok"]
    team.accepted = [(0, "wait"), (3, "wait"), (3, "wait")]
    assert not bench.verify([team], tmp_path)["ok"]
    team.accepted = [(0, "wait"), (3, "wait")]
    bench.check_private(team, {"team": "Kestrel", "actor": "usa", "lines": ["Osprey"]}, ["Osprey"])
    assert not bench.verify([team], tmp_path)["ok"]
