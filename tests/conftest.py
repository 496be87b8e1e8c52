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

import pytest

from sim.engine.ensemble import run
from sim.engine.results import Results
from sim.scenario.loading import load_scenario

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


@lru_cache(maxsize=64)
def ensemble(scenario: str, *overrides: str, runs: int = RUNS, seed: int = 11) -> Results:
    """A seeded ensemble of a bundled scenario, with ``--set`` style overrides."""
    spec = load_scenario(SCENARIOS / scenario, (*overrides, *switched_off()))
    return run(spec, runs=runs, seed=seed, workers=1)


@pytest.fixture
def summit_path() -> Path:
    return SCENARIOS / "summit.yaml"
