"""The Wilson interval, including the edge cases an empty outcome class produces."""

from __future__ import annotations

import pytest

from sim.engine.stats import wilson_interval


@pytest.mark.parametrize("trials", [1, 50, 400, 500, 1000, 2000, 5000, 20000])
def test_interval_is_exact_at_zero_and_all_and_contains_the_share(trials):
    assert wilson_interval(0, trials)[0] == 0.0
    assert wilson_interval(trials, trials)[1] == 1.0
    for successes in (0, 1, trials // 3, trials - 1, trials):
        low, high = wilson_interval(successes, trials)
        assert 0.0 <= low <= successes / trials <= high <= 1.0


def test_interval_matches_the_textbook_value():
    low, high = wilson_interval(40, 115)  # Hufbauer et al.'s 40 successes in 115 episodes
    assert low == pytest.approx(0.2670, abs=1e-3)
    assert high == pytest.approx(0.4385, abs=1e-3)
