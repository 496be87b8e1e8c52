"""The Python API on a notebook's mistakes: a clear error at once, naming the argument."""

from __future__ import annotations

import re

import numpy as np
import pydantic
import pytest

import sim
from sim.classroom.trace import trace_world
from sim.model.model import NegotiationModel
from sim.output.saving import save_results
from tests.conftest import SCENARIOS

BASELINE = SCENARIOS / "baseline.yaml"


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario(BASELINE)


@pytest.fixture(scope="module")
def variant():
    return sim.load_scenario(BASELINE, overrides=["actors.usa.credulity=0.3"])


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"seed": 1.5}, TypeError, "seed must be a whole number, got 1.5"),
        ({"seed": "1"}, TypeError, "seed must be a whole number"),
        ({"runs": 100.0}, TypeError, "runs must be a whole number, got 100.0"),
        ({"runs": True}, TypeError, "runs must be a whole number"),
        ({"runs": 10**8}, ValueError, "at most 10,000,000"),
        ({"workers": "2"}, TypeError, "workers must be a whole number"),
        ({"workers": 0}, ValueError, "workers must be >= 1"),
    ],
)
def test_run_checks_its_counts_before_any_work(scenario, kwargs, error, words):
    with pytest.raises(error, match=re.escape(words)):
        sim.run(scenario, **{"runs": 50, **kwargs})


def test_a_seed_that_is_not_a_whole_number_is_refused_not_replaced_by_chance(scenario):
    """A float seed once got a fresh random seed: a run that could never be repeated."""
    for rng in (1.5, "42", np.random.RandomState(1)):
        with pytest.raises(TypeError, match="must be a whole number >= 0, a numpy Generator"):
            NegotiationModel(scenario, rng=rng)


def test_numpy_integers_count_as_whole_numbers(scenario):
    results = sim.run(scenario, runs=np.int64(60), seed=np.int32(2), workers=1)
    again = sim.run(scenario, runs=60, seed=2, workers=1)
    assert results.worlds.equals(again.worlds)
    assert NegotiationModel(scenario, worlds=np.int64(3)).state.n == 3


def test_a_path_is_a_scenario_everywhere_and_a_dict_is_not(scenario):
    from_path = sim.run(str(BASELINE), runs=50, seed=1, workers=1)
    assert from_path.summary()["runs"] == 50  # summary needs a real Scenario
    assert from_path.worlds.equals(sim.run(scenario, runs=50, seed=1, workers=1).worlds)
    assert trace_world(str(BASELINE), seed=1, world=2).world == 2
    with pytest.raises(TypeError, match="scenario must be a Scenario"):
        sim.run({"name": "x"}, runs=50)


def test_a_loaded_scenario_cannot_be_changed_only_overridden_into_a_new_one():
    loaded = sim.load_scenario(BASELINE)
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        loaded.horizon_days = 0
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        loaded.actors["usa"].credulity = 0.9
    changed = sim.load_scenario(BASELINE, overrides=["actors.usa.credulity=0.9"])
    assert changed.actors["usa"].credulity == 0.9 and loaded.actors["usa"].credulity != 0.9


@pytest.mark.parametrize(
    ("labels", "words"),
    [
        (None, r"'Baseline -- the war as it is' appears twice .*pass labels"),
        (["a", "a"], "labels must be distinct"),
        (["a"], "2 scenarios need 2 labels, got 1"),
        (["a", "../escaped"], "no '/'"),
        (["a", ".."], "no '/'"),
        (["a", ""], "non-empty texts"),
        ([1, 2], "non-empty texts"),
    ],
)
def test_compare_checks_its_labels_before_running(scenario, variant, labels, words):
    """Labels name the folders of a saved comparison; duplicates once ran, then failed to save."""
    with pytest.raises(ValueError, match=words):
        sim.compare([scenario, variant], runs=50, labels=labels)


def test_overrides_must_be_a_list_of_texts():
    with pytest.raises(TypeError, match="overrides must be a list of 'PATH=VALUE' texts"):
        sim.load_scenario(BASELINE, overrides="actors.usa.credulity=0.3")


def test_save_checks_formats_and_workers_and_names_overwrite(scenario, tmp_path):
    results = sim.run(scenario, runs=50, workers=1)
    with pytest.raises(TypeError, match="formats must be a tuple"):
        save_results(results, tmp_path / "a", formats="png")
    with pytest.raises(ValueError, match="workers must be >= 1"):
        save_results(results, tmp_path / "b", workers=0)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    save_results(results, tmp_path / "c", workers=1)
    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        save_results(results, tmp_path / "c", workers=1)


@pytest.fixture(scope="module")
def comparison(scenario, variant):
    return sim.compare([scenario, variant], runs=60, labels=["a", "b"], workers=1)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda c: c.differences(columns="casualties"), TypeError, "must be a list of column"),
        (lambda c: c.differences(columns=["payoff_usaa"]), ValueError, "not a per-world column"),
        (lambda c: sim.output.plots.distribution(c, "outcome"), ValueError, "'outcome' is text"),
        (
            lambda c: sim.output.plots.event_days(c, event="picnic"),
            ValueError,
            "unknown event 'picnic'",
        ),
        (lambda c: sim.output.plots.outcome_bars(c.results), TypeError, "expected the Results"),
        (lambda c: c.results[0].daily.counts("territory"), KeyError, "no histogram kept"),
    ],
)
def test_tables_and_figures_name_what_they_accept(comparison, call, error, words):
    import matplotlib

    matplotlib.use("Agg")
    import sim.output.plots  # noqa: F401  (the figures' module, loaded on first use)

    with pytest.raises(error, match=re.escape(words)):
        call(comparison)


def test_an_event_is_named_with_or_without_its_day_prefix(comparison):
    import matplotlib

    matplotlib.use("Agg")
    from sim.output import plots

    short = plots.event_days(comparison, event="summit")
    long = plots.event_days(comparison, event="day_summit")
    assert [line.get_ydata().tolist() for line in short.get_lines()] == [
        line.get_ydata().tolist() for line in long.get_lines()
    ]


def test_a_traced_row_must_be_one_of_the_models_worlds(scenario):
    with pytest.raises(ValueError, match="trace_world must be >= 0 and at most 0, got 5"):
        NegotiationModel(scenario, worlds=1, trace_world=5)
