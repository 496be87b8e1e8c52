"""``report.md``: the tables and figures of a run or comparison, for a reader or a slide deck."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.engine.results import Results, versions
from sim.experiments.comparison import Comparison, format_difference, measure_name
from sim.experiments.grids import Grid
from sim.experiments.sweeps import Sweep
from sim.model.outcomes import OUTCOMES
from sim.output.plots import FAN_BANDS, SWEEP_OVERLAYS
from sim.scenario.values import shown

if TYPE_CHECKING:
    import pandas as pd


FIGURE_CAPTIONS = {
    **{
        f"grid_{o}": f"P({o.replace('_', ' ')}) at the horizon over the grid of the two fields."
        for o in ("settlement", "partial_ceasefire", "sanctions", "paralysis")
    },
    "sweep": "Outcome classes at the horizon against the swept value (shaded: 95% intervals).",
    "outcomes": "Outcome classes at the horizon (whiskers: 95% intervals).",
    "event_days": "When the summit, sanctions, a strike moratorium or a settlement first happened.",
    "event_summit": "Share of worlds where the summit has been held, by day.",
    "event_sanctions": "Share of worlds where the coercer has imposed sanctions, by day.",
    "event_moratorium_start": "Share of worlds where a strike moratorium has begun, by day.",
    "event_settlement": "Share of worlds where a settlement has been reached, by day.",
    "territory": "Territory gained by the aggressor over the horizon, across worlds.",
    "casualties": "Casualties over the horizon, across worlds.",
    "blame": "Who carries the blame at the horizon.",
    "fan_territory": "Territory gained over time: median, with 50% and 90% bands for up to "
    f"{FAN_BANDS} scenarios.",
    "fan_pressure": "Economic pressure on the aggressor over time: median, with 50% and 90% "
    f"bands for up to {FAN_BANDS} scenarios.",
}


OUTCOME_CLASSES = (
    "Each world is classed at the horizon by the first of these that holds: **settlement** (a "
    "comprehensive ceasefire in force), **partial ceasefire** (a strike moratorium in force), "
    "**sanctions** (the coercer or a scripted event imposed sanctions at some point, even if "
    "eased later), **paralysis** (none of these). A world that saw sanctions and ends under a "
    "truce or a settlement is classed as that, so the sanctions class can be smaller than the "
    "share of worlds that saw sanctions (`day_sanctions` in `worlds.csv`)."
)
"""What the four outcome classes mean (``docs/model.md``, "Outcome classes")."""


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """A GitHub-flavoured Markdown table: ``left`` text columns first, then numbers (right)."""
    align = [":---"] * left + ["---:"] * (len(header) - left)
    lines = ["| " + " | ".join(h.replace("|", "\\|") for h in header) + " |"]
    lines.append("| " + " | ".join(align) + " |")
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_analysis_report(folder: Path, lines: list[str], held: dict[str, str]) -> Path:
    """Write an analysis's ``report.md``: ``lines``, then the parameters held and why."""
    if held:
        rows = [[f"`{p}`", why] for p, why in held.items()]
        table = markdown_table(["parameter", "why"], rows)
        lines = [*lines, "## Held at the scenario's value", "", table, ""]
    path = folder / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _pct(value: float) -> str:
    return f"{value:.1%}"


def _outcome_rows(results: Results) -> list[list[str]]:
    table = results.outcome_table()
    return [
        [
            o.replace("_", " "),
            _pct(table.loc[o, "probability"]),
            f"{_pct(table.loc[o, 'low'])} – {_pct(table.loc[o, 'high'])}",
        ]
        for o in OUTCOMES
    ]


def _event_rows(results: Results) -> list[list[str]]:
    rows = []
    for event, row in results.event_table().iterrows():
        days = (
            f"{row['q25']:.0f} / {row['median']:.0f} / {row['q75']:.0f}"
            if row["share"] > 0
            else "–"
        )
        rows.append([event.replace("_", " "), _pct(row["share"]), days])
    return rows


def _figures_section(figures: Sequence[Path], folder: Path) -> list[str]:
    lines = ["## Figures", ""]
    for path in figures:
        if path.suffix != ".png":
            continue
        caption = FIGURE_CAPTIONS.get(path.stem, path.stem)
        lines += [f"![{caption}]({path.relative_to(folder).as_posix()})", "", f"*{caption}*", ""]
    return lines


def _footer(seed: int, runs: int, command: str | None) -> list[str]:
    lines = [
        "## How this was made",
        "",
        f"- negotiation-sim {versions()['negotiation-sim']}, {dt.date.today().isoformat()}",
        f"- {runs:,} worlds per scenario, seed {seed}",
    ]
    if command:
        lines.append(f"- command: `{command}`")
    lines.append("- model and sources: `docs/model.md`, `docs/calibration.md`")
    return lines


def run_report(results: Results, figures: Sequence[Path], folder: Path, command: str | None) -> str:
    """The Markdown report of one run."""
    s = results.summary()
    scenario = results.scenario
    t, c, a = s["territory_change_pp"], s["casualties"], s["air_defense_delivered"]
    lines = [
        f"# {scenario.name}",
        "",
        scenario.description.strip() or "",
        "",
        f"{results.runs:,} simulated worlds, {scenario.horizon_days} days from "
        f"{scenario.start_date}.",
        "",
        "## Outcomes",
        "",
        markdown_table(["outcome", "probability", "95% interval"], _outcome_rows(results)),
        "",
        OUTCOME_CLASSES,
        "",
        "## When things happened",
        "",
        markdown_table(["event", "happened in", "day: q25 / median / q75"], _event_rows(results)),
        "",
        "## The war and the blame",
        "",
        f"- Territory gained by the aggressor: median {t['median']:+.2f} percentage points of the "
        "defender's land "
        f"(90% of worlds between {t['p05']:+.2f} and {t['p95']:+.2f}).",
        f"- Casualties over the horizon: median {c['median']:,.0f} "
        f"(90% between {c['p05']:,.0f} and {c['p95']:,.0f}).",
        f"- Air defence delivered to the defender: median {a['median']:,.0f} interceptors "
        f"(90% between {a['p05']:,.0f} and {a['p95']:,.0f}).",
        "- Mean share of blame at the horizon: "
        + ", ".join(f"{actor} {share:.0%}" for actor, share in s["blame"].items())
        + ".",
        "",
    ]
    return "\n".join(
        [*lines, *_figures_section(figures, folder), *_footer(results.seed, results.runs, command)]
    )


def comparison_report(
    comparison: Comparison, figures: Sequence[Path], folder: Path, command: str | None
) -> str:
    """The Markdown report of a comparison."""
    labels = comparison.labels
    outcomes = comparison.outcome_table()
    rows = [
        [o.replace("_", " ")]
        + [
            f"{_pct(outcomes.loc[(label, o), 'probability'])} "
            f"({_pct(outcomes.loc[(label, o), 'low'])}–{_pct(outcomes.loc[(label, o), 'high'])})"
            for label in labels
        ]
        for o in OUTCOMES
    ]
    differences = []
    for (label, measure), row in comparison.differences().iterrows():
        d, low, high = format_difference(measure, row["difference"], row["low"], row["high"])
        name = label if comparison.one_reference else f"{label} − {row['reference']}"
        differences.append([name, measure_name(measure), d, f"{low} to {high}"])
    events = comparison.event_table()
    event_rows = []
    for event in ("summit", "sanctions", "moratorium_start", "settlement"):
        cells = []
        for label in labels:
            row = events.loc[(label, event)]
            cells.append(
                f"{_pct(row['share'])}, day {row['median']:.0f}" if row["share"] else "never"
            )
        event_rows.append([event.replace("_", " "), *cells])
    introduction = [
        "# Comparison: " + " vs ".join(labels),
        "",
        f"The same {comparison.runs:,} simulated worlds under each scenario (common random "
        f"numbers, seed {comparison.seed}). "
        + (
            f"Reference: **{labels[0]}**."
            if comparison.one_reference
            else "Each scenario is read against the scenario it extends (or the first): "
            + ", ".join(
                f"**{label}** against **{comparison.reference_label(i)}**"
                for i, label in enumerate(labels)
                if i
            )
            + "."
        ),
        "",
        "Scenarios: "
        + "; ".join(
            f"**{label}** — {r.scenario.name}"
            for r, label in zip(comparison.results, labels, strict=True)
        ),
        "",
        "## Outcomes (95% intervals)",
        "",
        markdown_table(["outcome", *labels], rows),
        "",
        OUTCOME_CLASSES,
        "",
    ]
    paired = [
        "## Differences against "
        + (labels[0] if comparison.one_reference else "each scenario's reference")
        + ", world by world",
        "",
        "Intervals use the pairing of worlds, so they are narrower than for independent samples.",
        "",
        markdown_table(["scenario", "measure", "difference", "95% interval"], differences),
        "",
    ]
    timing = [
        "## When things happened (share of worlds, median day)",
        "",
        markdown_table(["event", *labels], event_rows),
        "",
    ]
    if isinstance(comparison, Grid):  # a grid: its matrices, no differences per pair
        lines = _grid_section(comparison)
    elif isinstance(comparison, Sweep):  # its own table replaces the introduction and outcomes
        few = len(labels) <= SWEEP_OVERLAYS
        lines = [*_sweep_section(comparison), "", *paired, *(timing if few else [])]
    else:
        lines = [*introduction, *_changes_section(comparison), *paired, *timing]
    footer = _footer(comparison.seed, comparison.runs, command)
    return "\n".join([*lines, *_figures_section(figures, folder), *footer])


def _changes_section(comparison: Comparison) -> list[str]:
    """What each compared scenario sets differently from the reference, field by field."""
    from sim.scenario.changes import changes, no_change

    labels = comparison.labels
    rows, unchanged = [], []
    for index, (result, label) in list(enumerate(zip(comparison.results, labels, strict=True)))[1:]:
        reference = comparison.results[comparison.reference_of(index)].scenario
        found = changes(reference, result.scenario)
        rows += [[label, f"`{c.field}`", c.reference, c.scenario] for c in found]
        if not found:
            unchanged.append(f"- **{label}**: {no_change(reference, result.scenario)}.")
    against = labels[0] if comparison.one_reference else "its reference"
    lines = [f"## What each scenario changes against {against}", ""]
    if rows:
        header = ["scenario", "field", f"in {against}", "in the scenario"]
        lines += [markdown_table(header, rows, left=len(header)), ""]
    if unchanged:
        lines += [*unchanged, ""]
    return lines


def _grid_section(grid: Grid) -> list[str]:
    """A grid's title and each outcome's share as a matrix over the two fields' values."""
    horizon = grid.results[0].scenario.horizon_days
    lines = [
        f"# Grid: {grid.rows} by {grid.columns} ({grid.results[0].scenario.name})",
        "",
        f"The scenario at {len(grid.row_values)} values of `{grid.rows}` (rows) and "
        f"{len(grid.column_values)} of `{grid.columns}` (columns), every pair on the same "
        f"{grid.runs:,} worlds (seed {grid.seed}). `grid.csv` has every pair's shares with 95% "
        "intervals, and means over worlds.",
        "",
    ]
    lines += [f"- {text}" for text in grid.default_texts()]
    lines += ["", OUTCOME_CLASSES, ""]
    table = grid.table()
    for outcome in OUTCOMES:
        matrix = grid.shares(outcome, table).to_numpy()
        rows = [
            [shown(value), *(_pct(share) for share in shares)]
            for value, shares in zip(grid.row_values, matrix, strict=True)
        ]
        header = [f"{grid.rows} ↓, {grid.columns} →", *map(shown, grid.column_values)]
        lines += [
            f"## P({outcome.replace('_', ' ')}) at day {horizon}",
            "",
            markdown_table(header, rows),
            "",
        ]
    return lines


def _share_with_interval(row: pd.Series, outcome: str) -> str:
    low, high = _pct(row[f"{outcome}_low"]), _pct(row[f"{outcome}_high"])
    return f"{_pct(row[outcome])} ({low}–{high})"


def _sweep_section(sweep: Sweep) -> list[str]:
    """A sweep's title and its table of outcome shares and means, one row per value."""
    table = sweep.table()
    rows = [
        [
            str(value),
            *(_share_with_interval(row, o) for o in OUTCOMES),
            f"{row['territory_change']:+.3f}",
            f"{row['casualties']:,.0f}",
            _pct(row["sanctions_imposed"]),
        ]
        for value, row in table.iterrows()
    ]
    header = [
        sweep.swept,
        *(o.replace("_", " ") for o in OUTCOMES),
        "territory (pp)",
        "casualties",
        "sanctions on any day",
    ]
    lines = [
        f"# Sweep: {sweep.swept} ({sweep.results[0].scenario.name})",
        "",
        f"The scenario at {len(sweep.values)} values of `{sweep.swept}`, each on the same "
        f"{sweep.runs:,} worlds (seed {sweep.seed}). Shares with 95% intervals; means over worlds."
        + (f" {sweep.default_text()}" if sweep.default is not None else ""),
        "",
        markdown_table(header, rows),
        "",
        OUTCOME_CLASSES,
        "",
        "Below, each value is compared with the first, world by world.",
    ]
    if len(sweep.values) > SWEEP_OVERLAYS:
        lines[-1] += (
            f" With more than {SWEEP_OVERLAYS} values, the table of event days and the figures"
            " per value are left out: `figures/sweep.png` shows every value."
        )
    return lines


def write_report(
    source: Results | Comparison, folder: Path, figures: Sequence[Path], command: str | None
) -> Path:
    """Write ``report.md`` into ``folder``."""
    if isinstance(source, Comparison):
        text = comparison_report(source, figures, folder, command)
    else:
        text = run_report(source, figures, folder, command)
    path = folder / "report.md"
    path.write_text(text + "\n", encoding="utf-8")
    return path
