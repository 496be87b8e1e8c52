"""Figures drawn from results only (never from a model), readable on a projector.

Each function has the form ``f(source, ax=None, ...) -> Axes`` where ``source`` is one run's
:class:`~sim.engine.results.Results` or a :class:`~sim.experiments.comparison.Comparison` of
several. Colours of the outcome classes are the same in every figure; scenarios are told apart by
line colour and style.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.engine.forking import run_tasks
from sim.engine.results import Results
from sim.experiments.comparison import Comparison
from sim.experiments.grids import Grid
from sim.experiments.palette import OUTCOME_COLOURS, OUTCOME_LABELS, new_axes
from sim.experiments.sweeps import Sweep
from sim.model.outcomes import OUTCOMES
from sim.scenario import options as arguments

if TYPE_CHECKING:
    from collections.abc import Iterator

    from matplotlib.axes import Axes


EVENT_LABELS = {
    "day_summit": "summit held",
    "day_sanctions": "sanctions imposed",
    "day_moratorium_start": "strike moratorium agreed",
    "day_settlement": "settlement",
}
EXTRA_EVENT_LABELS = {"day_moratorium_end": "strike moratorium ended"}
EVENT_COLOURS = {
    "day_summit": "#1f78b4",
    "day_sanctions": OUTCOME_COLOURS["sanctions"],
    "day_moratorium_start": OUTCOME_COLOURS["partial_ceasefire"],
    "day_settlement": OUTCOME_COLOURS["settlement"],
}
SCENARIO_STYLES = [
    ("#222222", "-"),
    ("#1f78b4", "--"),
    ("#e31a1c", "-."),
    ("#33a02c", ":"),
    ("#ff7f00", (0, (5, 1, 1, 1))),
    ("#6a3d9a", (0, (1, 2))),
]
"""The first six scenarios' colour and line style; :func:`scenario_styles` extends them."""


SWEEP_OVERLAYS = 6
"""A sweep of more values than this is drawn in ``sweep.png`` alone."""


def scenario_styles(count: int) -> list[tuple[str, Any]]:
    """A colour and line style for each of ``count`` scenarios.

    The six of :data:`SCENARIO_STYLES`, then colours of matplotlib's ``tab20`` map in turn, with
    the same six line styles.
    """
    styles = list(SCENARIO_STYLES[:count])
    if count > len(SCENARIO_STYLES):
        from matplotlib import colormaps

        palette = colormaps["tab20"].colors
        for index in range(len(SCENARIO_STYLES), count):
            colour = palette[index % len(palette)]
            styles.append((colour, SCENARIO_STYLES[index % len(SCENARIO_STYLES)][1]))
    return styles


FAN_VARIABLES = {
    "territory_change": "territory gained by the aggressor (pp)",
    "casualties": "casualties since day 0",
    "economic_pressure": "economic pressure on the aggressor (0-1)",
    "belief_sincere": "coercer's belief: aggressor sincere",
    "air_defense_delivered": "air defence delivered (interceptors)",
}
PROJECTOR_STYLE = {
    "font.size": 13,
    "axes.titlesize": 15,
    "axes.labelsize": 13,
    "legend.fontsize": 11,
    "lines.linewidth": 2.2,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def series(source: Results | Comparison) -> list[tuple[str, Results]]:
    """``(label, results)`` pairs of a run (one pair) or a comparison (one per scenario)."""
    if isinstance(source, Comparison):
        return list(zip(source.labels, source.results, strict=True))
    if not isinstance(source, Results):
        raise TypeError(
            f"expected the Results of sim.run or the Comparison of sim.compare, got "
            f"{type(source).__name__}"
        )
    return [(source.scenario.name, source)]


def _title(source: Results | Comparison, text: str) -> str:
    pairs = series(source)
    if len(pairs) == 1:
        return f"{text}\n{pairs[0][0]}"
    return text


def outcome_bars(source: Results | Comparison, ax: Axes | None = None) -> Axes:
    """Outcome classes as stacked bars, one per scenario, with 95% interval whiskers."""
    pairs = series(source)
    ax = new_axes(ax, (9, 1.6 + 1.1 * len(pairs)))
    rows = np.arange(len(pairs))[::-1]
    for row, (_, results) in zip(rows, pairs, strict=True):
        table = results.outcome_table()
        left = 0.0
        for outcome in OUTCOMES:
            p, low, high = table.loc[outcome, ["probability", "low", "high"]]
            ax.barh(
                row, p, left=left, color=OUTCOME_COLOURS[outcome], height=0.6, edgecolor="white"
            )
            if p >= 0.06:
                ax.text(
                    left + p / 2,
                    row,
                    f"{p:.0%}",
                    ha="center",
                    va="center",
                    color="white",
                    fontweight="bold",
                )
            # The class's own interval, over the middle of its segment: at the segment's edge it
            # would mix with the classes before it, and the last edge is always at 1.
            ax.errorbar(
                left + p / 2,
                row + 0.34,
                xerr=[[max(p - low, 0.0)], [max(high - p, 0.0)]],
                color="black",
                capsize=3,
                linewidth=1.2,
            )
            left += p
    ax.set_yticks(rows, [label for label, _ in pairs])
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of worlds (whisker over each class: the 95% interval of its share)")
    ax.set_title(f"Outcome at day {pairs[0][1].scenario.horizon_days}")
    from matplotlib.patches import Patch

    handles = [Patch(color=OUTCOME_COLOURS[o], label=OUTCOME_LABELS[o]) for o in OUTCOMES]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.35 / max(1, len(pairs))),
        ncol=4,
        frameon=False,
    )
    return ax


def sweep_lines(source: Sweep, ax: Axes | None = None) -> Axes:
    """Each outcome's share against the swept value, with its 95% interval shaded."""
    if not isinstance(source, Sweep):
        raise TypeError(f"sweep_lines draws a Sweep (sim.sweep), got {type(source).__name__}")
    return source.plot(ax=ax)


def _cumulative(values: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    days = np.arange(horizon)
    finite = np.sort(values[~np.isnan(values)])
    share = np.searchsorted(finite, days, side="right") / len(values)
    return days, share


def event_days(
    source: Results | Comparison, ax: Axes | None = None, event: str | None = None
) -> Axes:
    """Cumulative share of worlds, by day, in which each event has happened.

    For one run all four events share the axes; for a comparison pass ``event`` (e.g.
    ``"day_sanctions"``) to draw that event for every scenario.
    """
    ax = new_axes(ax)
    pairs = series(source)
    horizon = max(results.scenario.horizon_days for _, results in pairs)  # the longest one's
    if event is None and len(pairs) == 1:
        results = pairs[0][1]
        for column, colour in EVENT_COLOURS.items():
            days, share = _cumulative(results.worlds[column].to_numpy(float), horizon)
            ax.step(days, share, where="post", color=colour, label=EVENT_LABELS[column])
        title = _title(source, "When things happen")
    else:
        column = event or "day_sanctions"
        if f"day_{column}" in pairs[0][1].worlds.columns:  # "summit" for "day_summit"
            column = f"day_{column}"
        if not column.startswith("day_") or column not in pairs[0][1].worlds.columns:
            days = [c for c in pairs[0][1].worlds.columns if c.startswith("day_")]
            raise ValueError(f"unknown event {event!r}; expected one of {', '.join(days)}")
        styles = scenario_styles(len(pairs))
        for (label, results), (colour, style) in zip(pairs, styles, strict=True):
            own = results.scenario.horizon_days
            days, share = _cumulative(results.worlds[column].to_numpy(float), own)
            ax.step(days, share, where="post", color=colour, linestyle=style, label=label)
        name = {**EVENT_LABELS, **EXTRA_EVENT_LABELS}.get(column, column)
        title = f"{name.capitalize()}: share of worlds by day"
    start = pairs[0][1].scenario.start_date
    ax.set_xlim(0, max(horizon - 1, 1))  # a one-day scenario still has an axis
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"day (day 0 = {start})")
    ax.set_ylabel("share of worlds, cumulative")
    ax.set_title(title)
    # Below the axes: curves can run anywhere in the plot (a summit held everywhere on day 8 is
    # a line along the top), so no corner inside it is reliably free.
    if event is None and len(pairs) == 1:
        columns = 2
    else:
        columns = legend_columns([label for label, _ in pairs], most=4)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=columns, frameon=False)
    return ax


FAN_BANDS = 3
"""The most scenarios whose fans are drawn with their bands; beyond, medians only."""

LEGEND_CHARACTERS = 84
"""About how many characters of legend entries fit across a 9-inch figure, one row."""


def legend_columns(labels: Sequence[str], most: int) -> int:
    """Columns for a legend below the axes: at most ``most``, and no wider than the figure.

    Of those, as few as give the same number of rows: matplotlib fills a legend column by
    column, so 6 entries read in order in 3 columns of 2, not in 4 columns of 2, 2, 1 and 1.
    """
    widest = max((len(label) for label in labels), default=0) + 6  # the line sample and a gap
    columns = max(1, min(len(labels), most, LEGEND_CHARACTERS // widest))
    rows = math.ceil(len(labels) / columns) if labels else 1
    return max(1, math.ceil(len(labels) / rows))


def distribution(
    source: Results | Comparison,
    column: str,
    ax: Axes | None = None,
    label: str | None = None,
    bins: int = 40,
) -> Axes:
    """Distribution over worlds of one per-world column, one outline per scenario."""
    ax = new_axes(ax)
    pairs = series(source)
    for _, results in pairs:
        arguments.numeric_column(results.worlds, column)
    values = [r.worlds[column].to_numpy(float) for _, r in pairs]
    finite = np.concatenate([v[np.isfinite(v)] for v in values])
    low, high = _histogram_range(finite)
    edges = np.linspace(low, high if high > low else low + 1.0, bins + 1)
    styles = scenario_styles(len(pairs))
    labels = []
    for (name, _), data, (colour, style) in zip(pairs, values, styles, strict=True):
        drawn = data[np.isfinite(data)]
        counts, _ = np.histogram(drawn, bins=edges)
        beyond = 1 - counts.sum() / len(drawn) if len(drawn) else 0.0
        labels.append(f"{name} ({beyond:.1%} beyond the axis)" if beyond > 0 else name)
        share = counts / max(len(data), 1)
        ax.stairs(share, edges, color=colour, linestyle=style, label=labels[-1], linewidth=2.2)
        median = np.nanmedian(data)
        ax.axvline(median, color=colour, linestyle=style, linewidth=1, alpha=0.7)
    if abs(high) >= 10_000 or abs(low) >= 10_000:
        from matplotlib.ticker import StrMethodFormatter

        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_xlabel(label or column)
    ax.set_ylabel("share of worlds")
    ax.set_title(_title(source, f"Distribution over worlds: {label or column}"))
    # Below the axes, as in the other figures: inside, long labels would cover the bulk.
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        ncol=legend_columns(labels, most=3),
        frameon=False,
        title="thin lines: medians",
        title_fontsize=10,
    )
    return ax


TAIL_SHARE = 0.005
"""Share of worlds at each end that a histogram may leave off the axis when they stretch it."""


def _histogram_range(finite: np.ndarray) -> tuple[float, float]:
    """The range of a histogram's bins: every value, less a few extreme ones that stretch it.

    A handful of extreme worlds would otherwise squash the bulk of the distribution into a few
    bins at one end. Each end is cut to the ``TAIL_SHARE`` (or ``1 - TAIL_SHARE``) quantile
    where the values beyond it reach further than half the span between those quantiles. If
    nearly every world has the same value, the whole range is kept.
    """
    if not len(finite):
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    q_low, q_high = (float(q) for q in np.quantile(finite, [TAIL_SHARE, 1 - TAIL_SHARE]))
    if q_high <= q_low:
        return low, high
    reach = 0.5 * (q_high - q_low)
    return (q_low if q_low - low > reach else low), (q_high if high - q_high > reach else high)


def blame_shares(source: Results | Comparison, ax: Axes | None = None) -> Axes:
    """Mean blame share of each actor at the horizon, with 5-95% ranges, per scenario."""
    pairs = series(source)
    ax = new_axes(ax)
    actors = pairs[0][1].actors
    width = 0.8 / len(pairs)
    x = np.arange(len(actors))
    for index, ((name, results), (colour, _)) in enumerate(
        zip(pairs, scenario_styles(len(pairs)), strict=True)
    ):
        columns = [results.worlds[f"blame_{a}"] for a in actors]
        mean = np.array([c.mean() for c in columns])
        low = np.clip(mean - np.array([c.quantile(0.05) for c in columns]), 0.0, None)
        high = np.clip(np.array([c.quantile(0.95) for c in columns]) - mean, 0.0, None)
        ax.bar(
            x + (index - (len(pairs) - 1) / 2) * width,
            mean,
            width,
            color=colour,
            label=name,
            yerr=[low, high],
            capsize=3,
            alpha=0.85,
        )
    ax.set_xticks(x, actors)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of blame at the horizon")
    ax.set_title(_title(source, "Who carries the blame (bars: mean; whiskers: 5-95% of worlds)"))
    if len(pairs) > 1:  # one run's title already names its scenario
        ax.legend(loc="upper right")
    return ax


def fan_chart(
    source: Results | Comparison, variable: str = "territory_change", ax: Axes | None = None
) -> Axes:
    """Median and 50% / 90% bands over days of a state variable, one fan per scenario.

    With more than :data:`FAN_BANDS` scenarios only the medians are drawn: their bands would
    cover one another.
    """
    ax = new_axes(ax)
    pairs = series(source)
    bands = len(pairs) <= FAN_BANDS
    for (name, results), (colour, style) in zip(pairs, scenario_styles(len(pairs)), strict=True):
        if results.daily is None:
            raise ValueError(f"{name}: no per-day aggregates (a folder without daily.csv)")
        q = results.daily.quantiles(variable)
        days = q.index.to_numpy()
        # The middle 50% shaded, the 90% band as thin edges: overlapping shades of several
        # scenarios would mix into one grey that no legend can tell apart.
        if bands:
            ax.fill_between(days, q["q25"], q["q75"], color=colour, alpha=0.22, linewidth=0)
            for edge in ("q05", "q95"):
                ax.plot(days, q[edge], color=colour, linestyle=style, linewidth=0.9, alpha=0.7)
        ax.plot(days, q["q50"], color=colour, linestyle=style, linewidth=2.2, label=name)
    ax.set_xlabel(f"day (day 0 = {pairs[0][1].scenario.start_date})")
    ax.set_ylabel(FAN_VARIABLES.get(variable, variable))
    ax.set_title(
        _title(source, "Over time: median, 50% and 90% of worlds" if bands else "Over time: median")
    )
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        ncol=legend_columns([name for name, _ in pairs], most=3),
        frameon=False,
        title="thick: median; shaded: middle 50% of worlds; thin: 5% and 95%"
        if bands
        else f"medians only: the bands of {len(pairs)} scenarios would cover one another",
        title_fontsize=10,
    )
    return ax


def grid_heatmap(source: Grid, ax: Axes | None = None, outcome: str = "paralysis") -> Axes:
    """One outcome's share over a grid of two fields' values, each cell labelled.

    Rows run top to bottom in the order given, as in the grid's tables. The cell of the scenario
    file's own pair of values, where the grid has it, is outlined.
    """
    from sim.scenario.values import shown

    if not isinstance(source, Grid):
        raise TypeError(f"grid_heatmap draws a Grid (sim.grid), got {type(source).__name__}")
    ax = new_axes(ax, grid_size(source))
    matrix = source.shares(outcome).to_numpy(float)
    image = ax.imshow(matrix, cmap="Greys", vmin=0, vmax=1, aspect="auto")
    size = 12 if matrix.shape[1] <= 6 else 9
    for (i, j), share in np.ndenumerate(matrix):
        # white from 62 %: black or white text keeps a contrast of 4.5:1 on every grey
        colour = "white" if share > 0.62 else "black"
        ax.text(j, i, f"{share:.0%}", ha="center", va="center", color=colour, fontsize=size)
    columns = [shown(value) for value in source.column_values]
    slanted = max(len(text) for text in columns) * len(columns) > 48
    if slanted:  # one line each
        ax.set_xticks(range(len(columns)), columns, rotation=30, ha="right")
    else:
        ax.set_xticks(range(len(columns)), columns)
    ax.set_yticks(range(matrix.shape[0]), [shown(value) for value in source.row_values])
    ax.set_xlabel(source.columns)
    ax.set_ylabel(source.rows)
    own = [
        values.index(default) if default in values else None
        for values, default in zip(
            (source.row_values, source.column_values), source.defaults, strict=True
        )
    ]
    if None not in own:
        from matplotlib.patches import Rectangle

        row, column = own
        outline = Rectangle(
            (column - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="crimson", lw=2.5
        )
        ax.add_patch(outline)
        ax.legend(
            [outline],
            ["the scenario file's own values"],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.3 if slanted else -0.14),
            frameon=False,
        )
    scenario = source.results[0].scenario
    ax.set_title(f"P({OUTCOME_LABELS[outcome]}) at day {scenario.horizon_days}\n{scenario.name}")
    colourbar = ax.figure.colorbar(image, ax=ax, fraction=0.05)
    colourbar.set_label("share of worlds")
    return ax


def grid_size(source: Grid) -> tuple[float, float]:
    """A heat map's figure size: room for each column's and row's label and cell."""
    return (
        max(8.0, 3.5 + 0.9 * len(source.column_values)),
        max(6.0, 3.0 + 0.55 * len(source.row_values)),
    )


FigureSpec = tuple[str, Callable[..., Any], dict[str, Any], tuple[float, float]]


def figure_specs(source: Results | Comparison) -> list[FigureSpec]:
    """The figures a run or comparison folder holds: file stem, function, arguments, size."""
    if isinstance(source, Grid):  # a grid: one heat map per outcome, no overlays
        return [(f"grid_{o}", grid_heatmap, {"outcome": o}, grid_size(source)) for o in OUTCOMES]
    compared = len(series(source)) > 1
    specs: list[FigureSpec] = [
        ("outcomes", outcome_bars, {}, (10, 2.2 + 1.0 * len(series(source))))
    ]
    if isinstance(source, Sweep):
        sweep_spec: FigureSpec = ("sweep", sweep_lines, {}, (9, 5.5))
        if len(series(source)) > SWEEP_OVERLAYS:
            return [sweep_spec]  # one line per value would crowd every other figure
        specs.insert(0, sweep_spec)
    if compared:
        for column in EVENT_LABELS:
            if not any(r.worlds[column].notna().any() for _, r in series(source)):
                continue  # an event no scenario saw would be an empty figure
            specs.append(
                (f"event_{column.removeprefix('day_')}", event_days, {"event": column}, (9, 5))
            )
    else:
        specs.append(("event_days", event_days, {}, (9, 5)))
    specs += [
        (
            "territory",
            distribution,
            {"column": "territory_change", "label": "territory gained by the aggressor (pp)"},
            (9, 5),
        ),
        (
            "casualties",
            distribution,
            {
                "column": "casualties",
                "label": "casualties over the horizon (soldiers and civilians, killed and wounded)",
            },
            (9, 5),
        ),
        ("blame", blame_shares, {}, (9, 5)),
    ]
    if all(r.daily is not None for _, r in series(source)):
        specs += [
            ("fan_territory", fan_chart, {"variable": "territory_change"}, (9, 5)),
            ("fan_pressure", fan_chart, {"variable": "economic_pressure"}, (9, 5)),
        ]
    return specs


@contextmanager
def projector_style() -> Iterator[None]:
    """Large fonts and thick lines, applied only while drawing."""
    import matplotlib

    with matplotlib.rc_context(PROJECTOR_STYLE):
        yield


def save_figures(
    source: Results | Comparison,
    folder: Path,
    formats: tuple[str, ...] = ("png",),
    workers: int | None = None,
) -> list[Path]:
    """Draw every figure into ``folder`` in each of ``formats`` (``png``, ``svg``).

    Returns the files in the order of :func:`figure_specs`. With ``workers`` above one (default:
    all cores), forked helpers draw some of the figures (:func:`sim.engine.forking.run_tasks`); the
    files are the same.
    """
    tasks = figure_tasks(source, folder, formats)
    return [path for paths in run_tasks(tasks, workers) for path in paths]


def figure_tasks(
    source: Results | Comparison, folder: Path, formats: tuple[str, ...] = ("png",)
) -> list[Callable[[], list[Path]]]:
    """One task per figure: it draws the figure into ``folder`` and returns its files."""
    import matplotlib

    matplotlib.use("Agg")
    folder.mkdir(parents=True, exist_ok=True)
    return [partial(_draw, source, folder, formats, spec) for spec in figure_specs(source)]


def _draw(
    source: Results | Comparison, folder: Path, formats: tuple[str, ...], spec: FigureSpec
) -> list[Path]:
    """Draw one figure in each of ``formats``; its files."""
    import matplotlib.pyplot as plt

    stem, draw, kwargs, size = spec
    paths = []
    with projector_style():
        fig, ax = plt.subplots(figsize=size, dpi=110)
        try:
            draw(source, ax=ax, **kwargs)
            fig.tight_layout()
            for fmt in formats:
                paths.append(folder / f"{stem}.{fmt}")
                fig.savefig(paths[-1], bbox_inches="tight", pad_inches=0.15)
        finally:
            plt.close(fig)
    return paths
