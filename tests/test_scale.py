"""Ensembles at scale: the same worlds however the run is cut, and aggregates that merge exactly.

No timings here (those live in ``bench/ensemble.py`` and ``docs/performance.md``): these tests
check the structure that makes the speed and the bounded memory safe.
"""

from __future__ import annotations

import multiprocessing
import pickle
import platform
import random
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from unittest import mock

import numpy as np
import pandas as pd
import pytest

from sim.engine.ensemble import MIN_CHUNK, plan, run, run_all
from sim.engine.results import Results
from sim.model.aggregates import EVENTS, QUANTILE_COLUMNS, QUANTILES, DailyAggregates
from sim.model.model import NegotiationModel
from sim.model.streams import BLOCK_SIZE
from sim.scenario.loading import load_scenario
from tests.conftest import SCENARIOS

RUNS = 2 * BLOCK_SIZE + 900
"""Three seeding blocks, the last one partial."""


@lru_cache(maxsize=1)
def summit():
    return load_scenario(SCENARIOS / "summit.yaml")


@contextmanager
def work_in_random_order(seed: int) -> Iterator[list[tuple[list, list]]]:
    """Run and submit the chunks of every run inside in a random order; yields (planned, run)."""
    from sim.engine import ensemble

    planned, orders = ensemble.plan, []

    def shuffled(*args, **kwargs):
        work = planned(*args, **kwargs)
        orders.append((work, random.Random(seed).sample(work, len(work))))
        return orders[-1][1]

    with mock.patch.object(ensemble, "plan", shuffled):
        yield orders
    assert any(work != order for work, order in orders)  # the order really changed


@lru_cache(maxsize=8)
def _run(workers: int, chunk_size: int = 16_384, shuffled: bool = False) -> Results:
    """A run whose chunks, when ``shuffled``, are run and submitted in a random order."""
    if not shuffled:
        return run(summit(), runs=RUNS, seed=3, workers=workers, chunk_size=chunk_size)
    with work_in_random_order(5):
        return run(summit(), runs=RUNS, seed=3, workers=workers, chunk_size=chunk_size)


@pytest.mark.parametrize(
    ("workers", "chunk_size", "shuffled"),
    [(2, 16_384, False), (3, 16_384, False), (1, 1_000, True), (2, 1_500, True)],
)
def test_worlds_and_aggregates_do_not_depend_on_workers_chunks_or_order(
    workers, chunk_size, shuffled
):
    one = _run(1)
    other = _run(workers, chunk_size, shuffled)
    pd.testing.assert_frame_equal(one.worlds, other.worlds)
    assert one.daily == other.daily


def test_a_run_returns_before_its_helpers_exit_and_the_next_run_still_forks(monkeypatch):
    from sim.engine import ensemble, forking

    forking.wait_for_helpers()
    threads = set(threading.enumerate())
    methods = []
    real_context = ensemble._pool_context

    def spied_context():
        context = real_context()
        methods.append(context.get_start_method() if context else None)
        return context

    monkeypatch.setattr(ensemble, "_pool_context", spied_context)
    for seed in (1, 2):  # the second run starts while the first one's helper may still exit
        run(summit(), runs=2 * MIN_CHUNK, seed=seed, workers=2)
    assert methods == ["fork", "fork"]  # not the fork server, chosen when other threads run
    forking.wait_for_helpers()
    assert set(threading.enumerate()) <= threads
    assert multiprocessing.active_children() == []


def test_the_default_workers_are_the_cores_this_process_may_use(monkeypatch):
    from sim.engine import ensemble, forking

    helpers = []
    real_share = ensemble.share
    monkeypatch.setattr(
        ensemble, "share", lambda *args: helpers.append(args[4]) or real_share(*args)
    )
    for cores, expected in (({0}, []), ({0, 1}, [1])):  # as under taskset -c 0, and -c 0,1
        helpers.clear()
        monkeypatch.setattr(forking.os, "sched_getaffinity", lambda pid, cores=cores: cores)
        run(summit(), runs=2 * MIN_CHUNK, seed=1)
        assert helpers == expected


def test_the_plan_covers_every_world_once_in_equal_shares_per_worker():
    for runs, workers in [(1, 4), (100_000, 2), (1_000_000, 2), (10_000, 3), (RUNS, 3)]:
        chunks = [work.chunk for work in plan(runs, workers)]
        assert [c.first for c in chunks] == list(np.cumsum([0] + [c.size for c in chunks[:-1]]))
        assert sum(c.size for c in chunks) == runs
        assert max(c.size for c in chunks) - min(c.size for c in chunks) <= 1 or len(chunks) == 1
        if runs >= workers * MIN_CHUNK:
            assert len(chunks) % workers == 0


def test_scenarios_run_together_are_cut_as_one_run_into_shares_per_worker():
    for runs, workers, scenarios in [(10_000, 2, 3), (100_000, 2, 4), (9_000, 4, 2), (700, 2, 5)]:
        work = plan(runs, workers, scenarios=scenarios)
        for scenario in range(scenarios):  # every world of every scenario, once, in order
            chunks = [w.chunk for w in work if w.scenario == scenario]
            assert [c.first for c in chunks] == list(np.cumsum([0] + [c.size for c in chunks[:-1]]))
            assert sum(c.size for c in chunks) == runs
        assert max(w.chunk.size for w in work) <= 16_384
    sizes = [(w.scenario, w.chunk.size) for w in plan(10_000, 2, scenarios=2)]
    assert sizes == [(0, 10_000), (1, 10_000)]  # one chunk each
    sizes = [(w.scenario, w.chunk.size) for w in plan(10_000, 2, scenarios=3)]
    assert sizes == [(0, 10_000), (1, 5_000), (1, 5_000), (2, 10_000)]  # 15,000 worlds a worker


def _together(**options) -> list[Results]:
    scenarios = [summit(), load_scenario(SCENARIOS / "sanctions.yaml")]
    return run_all(scenarios, runs=BLOCK_SIZE + 500, seed=4, **options)


@pytest.mark.parametrize(
    ("workers", "chunk_size", "shuffled"),
    [(1, 16_384, False), (2, 16_384, False), (3, 1_500, True)],
)
def test_scenarios_run_together_get_the_results_each_gets_alone(workers, chunk_size, shuffled):
    if shuffled:
        with work_in_random_order(2):
            together = _together(workers=workers, chunk_size=chunk_size)
    else:
        together = _together(workers=workers, chunk_size=chunk_size)
    for results in together:
        alone = run(results.scenario, runs=BLOCK_SIZE + 500, seed=4, workers=1)
        pd.testing.assert_frame_equal(alone.worlds, results.worlds)
        assert alone.daily == results.daily


def test_a_comparison_forks_its_helpers_once_for_all_scenarios(monkeypatch):
    from sim.engine import ensemble
    from sim.experiments import comparison

    calls = []
    real_share = ensemble.share
    monkeypatch.setattr(ensemble, "share", lambda *args: calls.append(args) or real_share(*args))
    done = []
    scenarios = [summit(), load_scenario(SCENARIOS / "sanctions.yaml")]
    comparison.compare(
        scenarios, runs=2 * MIN_CHUNK, seed=1, workers=2, progress=lambda *p: done.append(p)
    )
    assert len(calls) == 1
    assert len(calls[0][0]) == 2  # one chunk of each scenario
    assert done[-1] == (4 * MIN_CHUNK, 4 * MIN_CHUNK)  # progress counts every scenario's worlds


def test_a_model_starting_inside_a_block_gets_the_worlds_of_the_run():
    """Streams skip to each world's own numbers: a slice across blocks equals the whole."""
    whole = NegotiationModel(summit(), worlds=BLOCK_SIZE + 200, rng=8)
    part = NegotiationModel(summit(), worlds=300, rng=8, first_world=BLOCK_SIZE - 100)
    whole.run_to_horizon()
    part.run_to_horizon()
    rows = slice(BLOCK_SIZE - 100, BLOCK_SIZE + 200)
    np.testing.assert_array_equal(whole.state.casualties[rows], part.state.casualties)
    np.testing.assert_array_equal(whole.state.blame[rows], part.state.blame)


def _stepped(first: int, worlds: int, seed: int = 2) -> NegotiationModel:
    model = NegotiationModel(
        summit(), worlds=worlds, rng=seed, first_world=first, collect=False, aggregate=True
    )
    model.run_to_horizon()
    return model


def test_aggregates_merged_from_chunks_equal_those_of_one_big_chunk_exactly():
    parts = [_stepped(0, 700), _stepped(700, 250), _stepped(950, 550)]
    big = _stepped(0, 1500).aggregates
    shuffled = [parts[2], parts[0], parts[1]]
    merged = DailyAggregates.combine(m.aggregates for m in shuffled)
    assert merged == big
    assert parts[0].aggregates.merge(parts[1].aggregates).merge(parts[2].aggregates) == big
    pd.testing.assert_frame_equal(merged.means(), big.means())
    pd.testing.assert_frame_equal(merged.incidence(), big.incidence())
    for variable in big.quantile_names:
        pd.testing.assert_frame_equal(merged.quantiles(variable), big.quantiles(variable))


def test_aggregates_arrive_from_a_worker_unchanged():
    """A chunk's histograms travel in the narrowest integers that hold their counts."""
    aggregates = _stepped(0, 700).aggregates
    assert pickle.loads(pickle.dumps(aggregates)) == aggregates
    crowded = DailyAggregates(days=2, worlds=100_000, means=[], quantiles=["casualties"], events=[])
    crowded.observe(1, {"casualties": np.zeros(100_000)})  # one bin of 100,000 > 2**16
    back = pickle.loads(pickle.dumps(crowded))
    assert back == crowded
    assert back.counts("casualties")[1][1].tolist() == [100_000]


def _daily_values(worlds: int = 2000) -> tuple[DailyAggregates, list[dict[str, np.ndarray]]]:
    """Step a model and keep every day's per-world values beside its aggregates."""
    model = NegotiationModel(summit(), worlds=worlds, rng=4, collect=False, aggregate=True)
    days = []
    while model.running:
        model.step()
        values = model.daily_values()
        values.update({e: ~np.isnan(model.state.first_day[e]) for e in EVENTS})
        days.append({k: np.copy(v) for k, v in values.items()})
    assert model.aggregates is not None
    return model.aggregates, days


def test_quantile_sketch_is_within_half_a_bin_of_numpy_quantiles():
    aggregates, days = _daily_values()
    for variable in aggregates.quantile_names:
        sketch = aggregates.quantiles(variable)
        bins = aggregates.bins(variable)
        for day in (0, 1, 7, 30, 60, len(days) - 1):
            values = np.sort(days[day][variable])
            for column, q in zip(QUANTILE_COLUMNS, QUANTILES, strict=True):
                exact = np.quantile(values, q)
                below = int(np.floor(q * (len(values) - 1)))
                neighbours = values[[below, min(below + 1, len(values) - 1)]]
                tolerance = bins.half_width(neighbours).max() * (1 + 1e-9) + 1e-12
                assert abs(sketch.loc[day, column] - exact) <= tolerance, (variable, day, q)


def test_means_and_incidence_match_the_worlds():
    aggregates, days = _daily_values()
    means, incidence = aggregates.means(), aggregates.incidence()
    for day in (0, 9, len(days) - 1):
        values = days[day]
        assert means.loc[day, "territory_pct"] == pytest.approx(
            100 * values["territory_pct"].mean()
        )
        for name in ("economic_pressure", "belief_sincere", "blame_ukraine", "settled"):
            assert means.loc[day, name] == pytest.approx(values[name].mean(), abs=1e-9)
        for event in aggregates.event_names:
            assert incidence.loc[day, event] == values[event].mean()


def test_aggregates_survive_daily_csv(tmp_path):
    aggregates = _run(1).daily
    frame = aggregates.to_frame()
    assert list(frame.columns) == ["statistic", "variable", "day", "key", "value"]
    assert DailyAggregates.from_frame(frame) == aggregates
    frame.to_csv(tmp_path / "daily.csv", index=False)
    again = DailyAggregates.from_frame(pd.read_csv(tmp_path / "daily.csv"))
    assert again == aggregates
    pd.testing.assert_frame_equal(again.quantiles("casualties"), aggregates.quantiles("casualties"))
    pd.testing.assert_frame_equal(again.means(), aggregates.means(), rtol=1e-12)


def test_the_worlds_frame_is_compact():
    worlds = _run(1).worlds
    per_world = worlds.memory_usage(deep=True).sum() / len(worlds)
    assert per_world < 256  # 1,000,000 worlds in under 256 MB
    assert isinstance(worlds["outcome"].dtype, pd.CategoricalDtype)
    assert isinstance(worlds["aggressor_type"].dtype, pd.CategoricalDtype)
    assert worlds["day_sanctions"].dtype == np.float32
    assert worlds["world"].tolist() == list(range(RUNS))


def test_aggregates_do_not_grow_with_the_worlds():
    small, large = _stepped(0, 500).aggregates, _run(1).daily
    for variable in small.quantile_names:
        keys_small, _ = small.counts(variable)
        keys_large, _ = large.counts(variable)
        assert len(keys_large) < 4 * max(len(keys_small), 100)


ON_GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


def _run_script(script: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh interpreter, the summit scenario's path as its argument."""
    return subprocess.run(
        [sys.executable, "-c", script, str(SCENARIOS / "summit.yaml")],
        capture_output=True,
        text=True,
        check=check,
        timeout=300,
    )


FREED_HEAP = """
import resource, sys
from sim.engine.ensemble import run
from sim.engine.forking import wait_for_helpers
from sim.scenario.loading import load_scenario

def rss_mb():
    with open("/proc/self/status") as status:
        return int(status.read().split("VmRSS:")[1].split()[0]) // 1024

spec = load_scenario(sys.argv[1], ["horizon_days=30"])
run(spec, runs=100, seed=0, workers=1)
baseline = rss_mb()
freed, pinned = [], []
for _ in range(2000):  # 200 MB freed between live objects: the allocator keeps it mapped
    freed.append(bytes(100_000))
    pinned.append(bytes(600))
del freed
before = rss_mb()
run(spec, runs=4096, seed=0, workers=2)
wait_for_helpers()
print(baseline, before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
"""


@pytest.mark.skipif(not ON_GLIBC, reason="freed memory is handed back with glibc's malloc_trim")
def test_a_helper_does_not_inherit_memory_this_process_has_freed():
    done = _run_script(FREED_HEAP)
    baseline_mb, before_mb, helper_peak_mb = map(int, done.stdout.split())
    freed_mb = before_mb - baseline_mb
    assert freed_mb > 100  # most of the freed 200 MB were still resident before the run
    assert helper_peak_mb < baseline_mb + freed_mb / 2  # the helper, forked then, did not map them


EXIT_RIGHT_AFTER_A_RUN = """
import sys, time
import concurrent.futures.process as pool_internals
from sim.engine.ensemble import run
from sim.scenario.loading import load_scenario

def slow_wakeup(self):  # CPython's wake-up at exit, with its race window held open
    if not self._closed:
        time.sleep(0.2)
        self._writer.send_bytes(b"")

pool_internals._ThreadWakeup.wakeup = slow_wakeup
run(load_scenario(sys.argv[1], ["horizon_days=30"]), runs=4096, seed=0, workers=2)
print("ran")
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or not hasattr(threading, "_register_atexit"),
    reason="helpers are forked on Linux; the exit hook is CPython's",
)
def test_exiting_right_after_a_run_prints_no_error():
    """A run returns before its helper exits; the interpreter then waits for it at exit.

    Without that, CPython's pool shutdown at exit races with the pool's thread closing its pipe
    (CPython gh-125451, fixed in 3.12.8 and 3.13.1) and prints an OSError after the user's output.
    """
    done = _run_script(EXIT_RIGHT_AFTER_A_RUN, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "ran\n", "")


FAULTS_OF_A_SECOND_CHUNK = """
import resource, sys
from sim.engine.ensemble import run_chunk
from sim.engine.forking import run_tasks
from sim.scenario.loading import load_scenario

spec = load_scenario(sys.argv[1], ["horizon_days=60"])

def second_chunk_faults():
    run_chunk(spec, 0, 0, 16_129)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    run_chunk(spec, 0, 0, 16_129)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

here = second_chunk_faults()  # a caller's process: its allocator is left as it is
in_helper, _ = run_tasks([second_chunk_faults, lambda: 0], workers=2)  # the first goes to a helper
print(here, in_helper)
"""


@pytest.mark.skipif(not ON_GLIBC, reason="the allocator is tuned through glibc's mallopt")
def test_a_helper_reuses_its_memory_from_one_simulated_day_to_the_next():
    """In a helper, a chunk's daily arrays come back from the heap without faulting pages in."""
    done = _run_script(FAULTS_OF_A_SECOND_CHUNK)
    here, in_helper = map(int, done.stdout.split())
    assert in_helper < 2_000, (here, in_helper)


def test_the_sim_command_tunes_the_allocator_of_its_own_process(monkeypatch, capsys):
    from sim import cli
    from sim.engine import allocator

    calls = []
    monkeypatch.setattr(allocator, "tune_allocator", lambda: calls.append("tuned"))
    monkeypatch.setattr(sys, "argv", ["sim", "list"])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert (exited.value.code, calls) == (0, ["tuned"])
    assert "summit" in capsys.readouterr().out
