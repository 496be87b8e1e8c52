"""Each figure draws what its data says: bars, lines and labels counted from known results."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim.engine.results import Results
from sim.experiments.comparison import Comparison
from sim.experiments.palette import OUTCOME_COLOURS
from sim.model.outcomes import OUTCOMES
from sim.output import plots
from sim.scenario.loading import load_scenario
from tests.conftest import SCENARIOS

COUNTS = {"settlement": 1, "partial_ceasefire": 2, "sanctions": 3, "paralysis": 4}


def known_results(shift: float = 0.0) -> Results:
    """Ten worlds with known outcomes, event days and columns."""
    scenario = load_scenario(SCENARIOS / "summit.yaml")
    outcomes = [o for o in OUTCOMES for _ in range(COUNTS[o])]
    n = len(outcomes)
    worlds = pd.DataFrame(
        {
            "world": np.arange(n),
            "outcome": outcomes,
            "day_summit": [8.0] * n,
            "day_sanctions": [1.0, 1.0, 5.0, np.nan, np.nan, 30.0, np.nan, np.nan, np.nan, 2.0],
            "day_moratorium_start": [np.nan] * n,
            "day_settlement": [50.0] + [np.nan] * (n - 1),
            "territory_change": np.linspace(0.1, 0.5, n) + shift,
            "casualties": np.linspace(1e5, 2e5, n),
            "air_defense_delivered": np.full(n, 200.0),
            "blame_russia": np.full(n, 0.6),
            "blame_usa": np.full(n, 0.05),
            "blame_ukraine": np.full(n, 0.3),
            "blame_europe": np.full(n, 0.05),
        }
    )
    return Results(scenario=scenario, worlds=worlds, seed=0, runs=n)


class FixedDaily:
    """Stands in for the per-day aggregates: known quantiles by day."""

    def quantiles(self, variable: str) -> pd.DataFrame:
        days = np.arange(5)
        return pd.DataFrame(
            {q: days * k for q, k in (("q05", 1), ("q25", 2), ("q50", 3), ("q75", 4), ("q95", 5))},
            index=pd.Index(days, name="day"),
        )


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_outcome_bars_widths_are_the_outcome_shares(ax):
    plots.outcome_bars(known_results(), ax=ax)
    widths = [patch.get_width() for patch in ax.patches]
    assert widths == pytest.approx([0.1, 0.2, 0.3, 0.4])
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches]
    assert colours == [OUTCOME_COLOURS[o] for o in OUTCOMES]
    assert ax.get_xlabel() and ax.get_title()


def test_outcome_bars_draw_one_stacked_bar_per_scenario(ax):
    comparison = Comparison([known_results(), known_results()], labels=["a", "b"])
    plots.outcome_bars(comparison, ax=ax)
    assert len(ax.patches) == 2 * len(OUTCOMES)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]


def test_event_days_end_at_the_share_of_worlds_with_the_event(ax):
    plots.event_days(known_results(), ax=ax)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == set(plots.EVENT_LABELS.values())
    sanctions = lines["sanctions imposed"].get_ydata()
    assert sanctions[-1] == pytest.approx(0.5)  # 5 of 10 worlds
    assert sanctions[0] == pytest.approx(0.0) and sanctions[1] == pytest.approx(0.2)
    assert lines["summit held"].get_ydata()[-1] == pytest.approx(1.0)
    assert ax.get_xlabel().startswith("day") and ax.get_ylabel()


def test_event_days_of_a_comparison_draw_one_line_per_scenario(ax):
    comparison = Comparison([known_results(), known_results()], labels=["a", "b"])
    plots.event_days(comparison, ax=ax, event="day_settlement")
    assert [line.get_label() for line in ax.get_lines()][:2] == ["a", "b"]
    assert ax.get_lines()[0].get_ydata()[-1] == pytest.approx(0.1)


def test_distribution_outlines_sum_to_the_share_of_worlds(ax):
    comparison = Comparison([known_results(), known_results(0.2)], labels=["a", "b"])
    plots.distribution(comparison, "territory_change", ax=ax, label="territory (pp)")
    stairs = [p for p in ax.patches if isinstance(p, matplotlib.patches.StepPatch)]
    assert len(stairs) == 2
    for patch in stairs:
        assert patch.get_data().values.sum() == pytest.approx(1.0)
    medians = [line.get_xdata()[0] for line in ax.get_lines()]
    assert medians == pytest.approx([0.3, 0.5])
    assert ax.get_xlabel() == "territory (pp)"


def test_a_few_extreme_worlds_are_left_off_the_axis_and_counted(ax):
    results = known_results()
    bulk = np.linspace(0.1, 0.2, 996)
    results.worlds = pd.DataFrame({"territory_change": np.r_[bulk, np.full(4, 5.0)]})
    plots.distribution(results, "territory_change", ax=ax)
    (patch,) = [p for p in ax.patches if isinstance(p, matplotlib.patches.StepPatch)]
    edges = patch.get_data().edges
    assert edges[-1] < 0.21  # the bulk fills the axis: four worlds at 5.0 do not stretch it
    assert patch.get_data().values.sum() == pytest.approx(0.995, abs=0.001)  # at most 0.5 %
    (entry,) = ax.get_legend().get_texts()  # each scenario says how much of it is off the axis
    assert entry.get_text() == f"{results.scenario.name} (0.5% beyond the axis)"


def test_a_distribution_of_nearly_one_value_keeps_its_whole_range(ax):
    results = known_results()
    results.worlds = pd.DataFrame({"territory_change": np.r_[np.zeros(996), [1.0, 2.0, 3.0, 4.0]]})
    plots.distribution(results, "territory_change", ax=ax)
    (patch,) = [p for p in ax.patches if isinstance(p, matplotlib.patches.StepPatch)]
    assert patch.get_data().edges[[0, -1]] == pytest.approx([0.0, 4.0])
    assert patch.get_data().values.sum() == pytest.approx(1.0)


def test_one_runs_blame_has_no_legend_a_comparisons_has(ax):
    plots.blame_shares(known_results(), ax=ax)
    assert ax.get_legend() is None
    comparison = Comparison([known_results(), known_results()], labels=["a", "b"])
    fig, other = plt.subplots()
    plots.blame_shares(comparison, ax=other)
    assert [t.get_text() for t in other.get_legend().get_texts()] == ["a", "b"]
    plt.close(fig)


def test_a_comparison_draws_no_figure_for_an_event_no_scenario_saw():
    results = [known_results(), known_results()]
    names = [spec[0] for spec in plots.figure_specs(Comparison(results, labels=["a", "b"]))]
    assert "event_summit" in names
    for r in results:
        r.worlds["day_summit"] = np.nan
    names = [spec[0] for spec in plots.figure_specs(Comparison(results, labels=["a", "b"]))]
    assert "event_summit" not in names and "event_sanctions" in names


def test_a_legend_below_the_axes_never_grows_wider_than_the_figure():
    assert plots.legend_columns(["a", "b", "c", "d"], most=4) == 4
    assert plots.legend_columns(["a", "b", "c", "d", "e", "f"], most=4) == 3  # rows of 3, in order
    sweep_labels = [f"weakness_aversion={v}" for v in (0.1, 0.3, 0.5, 0.7, 0.9)]
    assert plots.legend_columns(sweep_labels, most=4) == 3
    assert plots.legend_columns(["x" * 90, "y"], most=4) == 1


def test_event_curves_run_to_each_scenarios_own_horizon(ax):
    short, long = known_results(), known_results()
    long.scenario = long.scenario.model_copy(update={"horizon_days": 150})
    plots.event_days(Comparison([short, long], labels=["a", "b"]), ax=ax, event="day_sanctions")
    assert [line.get_xdata()[-1] for line in ax.get_lines()] == [119, 149]
    assert ax.get_xlim()[1] == 149


def test_blame_bars_are_the_mean_shares(ax):
    plots.blame_shares(known_results(), ax=ax)
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx([0.6, 0.05, 0.3, 0.05])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["russia", "usa", "ukraine", "europe"]


def test_fan_chart_draws_the_median_the_50_band_and_the_90_edges(ax):
    results = known_results()
    results.daily = FixedDaily()
    plots.fan_chart(results, "territory_change", ax=ax)
    low, high, median = ax.get_lines()
    assert list(median.get_ydata()) == [0, 3, 6, 9, 12]
    assert median.get_label() == results.scenario.name
    assert list(low.get_ydata()) == [0, 1, 2, 3, 4] and list(high.get_ydata()) == [0, 5, 10, 15, 20]
    (band,) = ax.collections  # the middle 50%, shaded
    assert band.get_paths()[0].vertices[:, 1].max() == 16  # q75 on the last day
    assert "territory" in ax.get_ylabel()


def test_a_fan_chart_of_many_scenarios_draws_their_medians_only(ax):
    results = [known_results() for _ in range(plots.FAN_BANDS + 1)]
    for r in results:
        r.daily = FixedDaily()
    labels = [f"v{i}" for i in range(len(results))]
    plots.fan_chart(Comparison(results, labels=labels), "territory_change", ax=ax)
    assert [line.get_label() for line in ax.get_lines()] == labels
    assert not ax.collections  # no shaded bands
    assert "medians only" in ax.get_legend().get_title().get_text()


def test_save_figures_writes_every_figure(tmp_path):
    written = plots.save_figures(known_results(), tmp_path, formats=("png", "svg"))
    stems = {p.stem for p in written}
    assert stems == {"outcomes", "event_days", "territory", "casualties", "blame"}
    assert all(p.stat().st_size > 1000 for p in written)


def test_outcome_bars_survive_an_empty_outcome_class(ax):
    results = known_results()
    results.worlds.loc[results.worlds["outcome"] == "settlement", "outcome"] = "paralysis"
    plots.outcome_bars(results, ax=ax)
    assert ax.patches[0].get_width() == 0.0


def test_a_one_day_scenario_draws_every_figure_without_a_warning(tmp_path):
    """matplotlib warned of a singular x-axis (0 to 0) for a one-day horizon."""
    import warnings

    from sim.engine.ensemble import run

    scenario = load_scenario(SCENARIOS / "baseline.yaml", overrides=["horizon_days=1", "events=[]"])
    results = run(scenario, runs=50, seed=1, workers=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        written = plots.save_figures(results, tmp_path, workers=1)
    assert written and not [str(w.message) for w in caught]
