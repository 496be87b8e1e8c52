"""Same seed, same worlds: whatever the workers, the run size, or the scenario beside it."""

from __future__ import annotations

import pandas as pd

from sim.engine.ensemble import run
from sim.model.streams import BLOCK_SIZE
from sim.scenario.loading import load_scenario
from tests.conftest import SCENARIOS


def _run(name: str, runs: int, seed: int, workers: int = 1) -> pd.DataFrame:
    return run(load_scenario(SCENARIOS / name), runs=runs, seed=seed, workers=workers).worlds


def test_same_seed_gives_identical_worlds_and_another_seed_does_not():
    first, again = _run("summit.yaml", 500, 7), _run("summit.yaml", 500, 7)
    pd.testing.assert_frame_equal(first, again)
    other = _run("summit.yaml", 500, 8)
    assert not first["casualties"].equals(other["casualties"])


def test_workers_do_not_change_the_worlds():
    runs = BLOCK_SIZE + 300  # two blocks, so two workers really split the work
    one = _run("summit.yaml", runs, 3, workers=1)
    two = _run("summit.yaml", runs, 3, workers=2)
    pd.testing.assert_frame_equal(one, two)


def test_world_i_does_not_depend_on_the_number_of_runs():
    small = _run("summit.yaml", 50, 4)
    large = _run("summit.yaml", 1000, 4)
    pd.testing.assert_frame_equal(small, large.iloc[:50])


def test_world_i_shares_its_draws_across_scenarios():
    """Common random numbers: the per-world inputs of world i agree across scenarios."""
    summit = _run("summit.yaml", 800, 9)
    sanctions = _run("sanctions.yaml", 800, 9)
    for column in ("aggressor_type", "sanctions_success_prob", "sanctions_bite"):
        assert summit[column].equals(sanctions[column])
    assert summit["aggressor_type"].nunique() == 2
    assert not summit["outcome"].equals(sanctions["outcome"])
