"""Shared helpers: seeded ensembles of the bundled scenarios, cached per test session.

Set ``SIM_MECHANISM_OFF=M3`` (say) to run the mechanism tests with that mechanism switched off
by its parameters (``MECHANISM_OFF``): each mechanism test must then fail. This is how the
mechanism tests were checked to be able to fail.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.engine.ensemble import run
from sim.engine.results import Results
from sim.scenario.loading import load_scenario
from sim.scenario.values import as_yaml, value_at

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

CHROMIUM = os.environ.get("SIM_CHROMIUM", "/usr/bin/chromium")
"""The browser the browser tests drive (Debian's Chromium; tests/test_browser.py)."""
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Headless Chromium, driven by Playwright, for the pages' tests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


def stop(process: subprocess.Popen) -> None:
    """End a server the test started: politely, then for certain."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=20)


RUNS = 8192
"""Worlds per ensemble: two blocks; binomial standard errors below 0.6 points."""

MECHANISM_OFF: dict[str, tuple[str, ...]] = {
    "M1": ("face.audience_cost=0", "face.failure_cost=0", "face.caving_cost=0", "face.ease_cost=0"),
    "M2": ("actors.usa.summit_forgiveness=0",),
    "M3": ("beliefs.daily_lr=1.0",),
    "M4": ("blame.rejection_weight=0", "actors.usa.blame_sensitivity=0"),
    "M5": ("war.moratorium_ground_shift=0", "truce.monitoring_effect=0"),
    "M6": ("economy.strong_effect=0", "economy.weak_effect=0"),
    "M7": ("bargaining.trend_weight=0", "bargaining.renewed_attack_damage=0"),
    "M8": ("war.ground_gain_pct_per_day=0",),
    "M9": ("learning.resolve_erosion=0", "learning.balance_per_pace=0"),
}


def pytest_configure(config: pytest.Config) -> None:
    """Keep the test process single-threaded between tests.

    ``mesa.batch_run`` draws tqdm progress bars, whose monitor thread outlives them by up to 10 s;
    while another thread runs, helpers are not forked from this process (``sim.engine.forking``),
    and the tests of forked helpers would not test them. ``monitor_interval = 0`` is tqdm's
    documented way to do without that thread.
    """
    from tqdm import tqdm

    tqdm.monitor_interval = 0


def switched_off() -> tuple[str, ...]:
    """Overrides that switch off the mechanism named in ``SIM_MECHANISM_OFF``, if any."""
    name = os.environ.get("SIM_MECHANISM_OFF", "")
    return MECHANISM_OFF.get(name, ())


NOT_PARAMETERS = ("name", "description", "extends", "start_date", "horizon_days", "events")


@lru_cache(maxsize=1)
def at_the_priors() -> tuple[str, ...]:
    """``--set`` overrides that put back ``prior.yaml``'s values of what ``article.yaml`` fits.

    The rules' tests hold the numbers the rules were built and mutation-checked on: the studies'
    and the experts' values of ``prior.yaml``. The bundled scenarios ship with the calibrated
    posterior instead (docs/calibration.md, "The bundled scenarios use the posterior"), and
    docs/model.md's reference runs say what each mechanism does under it.
    """
    article = yaml.safe_load((SCENARIOS / "article.yaml").read_text(encoding="utf-8"))
    prior = load_scenario(SCENARIOS / "prior.yaml")
    fitted = {key: value for key, value in article.items() if key not in NOT_PARAMETERS}
    return tuple(f"{path}={as_yaml(value_at(prior, path))}" for path in _leaves(fitted))


def _leaves(tree: dict[str, Any], prefix: str = "") -> Iterator[str]:
    """The dotted paths of a scenario fragment's values (a distribution is one value)."""
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and "dist" not in value:
            yield from _leaves(value, f"{path}.")
        else:
            yield path


def bundled(scenario: str, *overrides: str) -> Any:
    """A bundled scenario at ``prior.yaml``'s values (:func:`at_the_priors`), with overrides."""
    return load_scenario(SCENARIOS / scenario, (*at_the_priors(), *overrides))


@lru_cache(maxsize=64)
def ensemble(scenario: str, *overrides: str, runs: int = RUNS, seed: int = 11) -> Results:
    """A seeded ensemble of a bundled scenario at the priors, with ``--set`` style overrides."""
    spec = bundled(scenario, *overrides, *switched_off())
    return run(spec, runs=runs, seed=seed, workers=1)


@pytest.fixture
def summit_path() -> Path:
    return SCENARIOS / "summit.yaml"
