"""Sweep two fields of a scenario over a grid of values, on the same simulated worlds.

"Neither leader can afford to look weak" (Greene, in the article) is a claim about two
parameters at once: paralysis should need *both* leaders' fear of looking weak (M1). A grid runs
the scenario at every pair of values of two fields, each pair a variant run on the same worlds
as every other (common random numbers, as in :mod:`sim.experiments.sweeps`), and shows each
outcome's share as a heat map over the two fields.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.experiments.comparison import Comparison
from sim.experiments.sweeps import (
    SAFE,
    VARY,
    Progress,
    SweepError,
    check_path,
    check_total,
    check_values,
    load_variants,
    outcome_row,
    run_variants,
)
from sim.model.outcomes import OUTCOMES
from sim.scenario.values import as_yaml, brief, shown, value_at

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

MAX_PAIRS = 100
"""At most this many pairs of values in one grid (each is a whole ensemble, with its own
day-by-day file of about 1 MB, and a heat map stays readable)."""

SAFE_NAME = re.compile(r"[^A-Za-z0-9_.+-]")
"""Characters a field's name cannot keep in a label (a label names a folder)."""


@dataclass
class Grid(Comparison):
    """A comparison of one scenario at every pair of values of two fields.

    The variants are in row-major order: ``results[i * len(column_values) + j]`` is the scenario
    with ``rows`` at ``row_values[i]`` and ``columns`` at ``column_values[j]``.

    Attributes:
        rows: the dotted path of the field whose values make the rows.
        row_values: its values, top to bottom.
        columns: the dotted path of the field whose values make the columns.
        column_values: its values, left to right.
        defaults: the scenario file's own value of ``rows`` and of ``columns`` (None where the
            file does not set it).

    """

    rows: str = ""
    row_values: list[Any] = field(default_factory=list)
    columns: str = ""
    column_values: list[Any] = field(default_factory=list)
    defaults: list[Any] = field(default_factory=lambda: [None, None])

    def table(self) -> pd.DataFrame:
        """One row per pair of values (row-major), indexed by both fields.

        The columns are those of a sweep's table (:func:`sim.experiments.sweeps.outcome_row`).
        """
        rows, columns = _keys(self.row_values), _keys(self.column_values)
        index = pd.MultiIndex.from_tuples(
            [(r, c) for r in rows for c in columns], names=[self.rows, self.columns]
        )
        return pd.DataFrame([outcome_row(result) for result in self.results], index=index)

    def shares(self, outcome: str, table: pd.DataFrame | None = None) -> pd.DataFrame:
        """The share of worlds ending in ``outcome``: rows by row value, columns by column value.

        Numbers index it as numbers; other values as a scenario file writes them. ``table`` is
        :meth:`table` if the caller has it already (it counts every variant's outcomes).
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; expected one of {', '.join(OUTCOMES)}")
        table = self.table() if table is None else table
        matrix = table[outcome].unstack(self.columns)
        return matrix.loc[_keys(self.row_values), _keys(self.column_values)]

    def extra_manifest(self) -> dict[str, Any]:
        """The two fields, their values and the file's own values (:func:`from_manifest`)."""
        return {"grid": self._record()}

    def extra_summary(self, folder: Path) -> dict[str, Any]:
        """Writes ``grid.csv``; the summary gets the same table."""
        table = self.table().assign(scenario=self.labels)  # the label of its rows in worlds.csv
        table.to_csv(folder / "grid.csv")
        return {"grid": {**self._record(), "table": table.reset_index().to_dict("records")}}

    def _record(self) -> dict[str, Any]:
        return {
            "rows": {"field": self.rows, "values": self.row_values, "default": self.defaults[0]},
            "columns": {
                "field": self.columns,
                "values": self.column_values,
                "default": self.defaults[1],
            },
        }

    def to_df(self) -> pd.DataFrame:
        """The grid's table (:meth:`table`)."""
        return self.table()

    def summary_text(self) -> str:
        """Each outcome's share as a matrix of row values by column values, for the terminal."""
        name = self.results[0].scenario.name
        lines = textwrap.wrap(
            f"Grid of {self.rows} (rows) by {self.columns} (columns) on the same "
            f"{self.runs:,} worlds (seed {self.seed}); scenario: {name}",
            88,
        )
        rows = [shown(value) for value in self.row_values]
        columns = [shown(value) for value in self.column_values]
        left = max(len(row) for row in rows) + 2
        width = max(8, *(len(column) + 2 for column in columns))
        table = self.table()
        for outcome in OUTCOMES:
            matrix = self.shares(outcome, table).to_numpy()
            lines += ["", f"P({outcome})", " " * left + "".join(f"{c:>{width}}" for c in columns)]
            for row, shares in zip(rows, matrix, strict=True):
                lines.append(f"{row:<{left}}" + "".join(f"{share:>{width}.1%}" for share in shares))
        widest = max((table[f"{o}_high"] - table[f"{o}_low"]).max() / 2 for o in OUTCOMES)
        note = (
            f"The shares' 95% intervals are at most ±{widest * 100:.1f} points; every pair of "
            "values runs on the same worlds. The sanctions class leaves out worlds where a truce "
            "or a settlement followed sanctions (grid.csv's sanctions_imposed counts them)."
        )
        note += "".join(f" {text}" for text in self.default_texts())
        return "\n".join([*lines, "", *textwrap.wrap(note, 88)])

    def default_texts(self) -> list[str]:
        """For each field the scenario file sets: its value there, and whether the grid has it."""
        texts = []
        for path, values, default in zip(
            (self.rows, self.columns),
            (self.row_values, self.column_values),
            self.defaults,
            strict=True,
        ):
            if default is not None:
                where = "" if default in values else ", not in the grid"
                texts.append(f"The scenario file's {path} is {shown(default)}{where}.")
        return texts


def _keys(values: list[Any]) -> list[Any]:
    """A field's values as the table indexes them: numbers as numbers, others as text."""
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    return list(values) if numeric else [shown(value) for value in values]


def grid(
    scenario: str | Path,
    rows: str,
    row_values: Sequence[Any],
    columns: str,
    column_values: Sequence[Any],
    runs: int = 10_000,
    seed: int = 0,
    workers: int | None = None,
    overrides: Sequence[str] = (),
    progress: Progress | None = None,
) -> Grid:
    """Run the scenario file at every pair of values of two fields, on the same worlds.

    Args:
        scenario: the scenario file.
        rows: the first field's dotted path, as in ``--set`` (e.g.
            ``actors.russia.weakness_aversion``); its values make the rows.
        row_values: two or more values of ``rows``.
        columns: the second field's dotted path; its values make the columns.
        column_values: two or more values of ``columns``.
        runs: worlds per pair of values.
        seed: root random seed; every pair runs on the same worlds.
        workers: processes (default: one per core).
        overrides: ``PATH=VALUE`` texts applied before the two fields.
        progress: called with (worlds done, worlds in all) as chunks finish.

    Example:
        ``sim.grid("scenarios/summit.yaml", "actors.russia.weakness_aversion", [0.1, 0.9],
        "actors.usa.weakness_aversion", [0.1, 0.9])``

    """
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a function or None, got {brief(progress)}")
    planned = plan(scenario, rows, row_values, columns, column_values, runs, overrides)
    return run_plan(planned, runs=runs, seed=seed, workers=workers, progress=progress)


@dataclass(frozen=True)
class Plan:
    """A grid checked and loaded, ready to run: one scenario and one label per pair."""

    rows: str
    row_values: list[Any]
    columns: str
    column_values: list[Any]
    variants: list[Scenario]
    labels: list[str]
    defaults: list[Any]


def plan(
    scenario: str | Path,
    rows: str,
    row_values: Sequence[Any],
    columns: str,
    column_values: Sequence[Any],
    runs: int,
    overrides: Sequence[str] = (),
) -> Plan:
    """Check a grid and load its variants, without simulating anything.

    Raises:
        TypeError: ``scenario`` is not a path, or ``overrides`` not a list of texts.
        SweepError: the fields, the values or the total of worlds cannot be swept; the same
            field (or a field and a part of it) given twice.
        ScenarioError: a value (or the file, or an override) gives no valid scenario.
        ComparisonError: the values give scenarios with different actors.

    """
    from sim.experiments.comparison import check_comparable
    from sim.scenario import options as arguments
    from sim.scenario.loading import load_scenario

    if not isinstance(scenario, str | Path):
        raise TypeError(
            f"scenario must be the path of a scenario file, got a {type(scenario).__name__}"
        )
    rows, columns = check_path(rows), check_path(columns)
    if rows == columns or columns.startswith(rows + ".") or rows.startswith(columns + "."):
        raise SweepError(
            f"{VARY}: {rows} and {columns}: a grid varies two different fields, each given once"
        )
    row_values = check_values(rows, row_values)
    column_values = check_values(columns, column_values)
    pairs = len(row_values) * len(column_values)
    if pairs > MAX_PAIRS:
        raise SweepError(
            f"{VARY}: {len(row_values)} by {len(column_values)} values are {pairs} pairs; a grid "
            f"has at most {MAX_PAIRS} (give fewer values)"
        )
    check_total(arguments.runs(runs), pairs, "pairs")
    load_variants(scenario, rows, row_values, overrides)  # a bad value is named with its field
    load_variants(scenario, columns, column_values, overrides)
    variants = [
        _pair(scenario, overrides, (rows, row), (columns, column))
        for row in row_values
        for column in column_values
    ]
    row_name, column_name = field_names(rows, columns)
    labels = [
        f"{row}__{column}"
        for row in _value_labels(row_name, row_values)
        for column in _value_labels(column_name, column_values)
    ]
    check_comparable(variants, labels)
    base = load_scenario(scenario, overrides)
    defaults = [value_at(base, rows), value_at(base, columns)]
    return Plan(rows, row_values, columns, column_values, variants, labels, defaults)


def _pair(
    scenario: str | Path, overrides: Sequence[str], row: tuple[str, Any], column: tuple[str, Any]
) -> Scenario:
    """The scenario at one pair of values; a pair that only fails together is named as one."""
    from sim.scenario.loading import OVERRIDE, ScenarioError, load_scenario

    texts = [f"{path}={as_yaml(value)}" for path, value in (row, column)]
    try:
        return load_scenario(scenario, [*overrides, *texts])
    except ScenarioError as err:
        message = err.message
        for path, _ in (row, column):
            message = message.replace(f" (after {OVERRIDE} {path}=...)", "")
        both = ", ".join(f"{path}={as_yaml(value)}" for path, value in (row, column))
        raise ScenarioError(
            f"{message} (with the pair {both})", file=VARY, line=None, field=err.field
        ) from None


def field_names(rows: str, columns: str) -> tuple[str, str]:
    """Short names of the two fields: their last parts, or as many as tell them apart.

    ``actors.russia.weakness_aversion`` and ``actors.usa.weakness_aversion`` are
    ``russia.weakness_aversion`` and ``usa.weakness_aversion``.
    """
    row_parts, column_parts = rows.split("."), columns.split(".")
    for length in range(1, max(len(row_parts), len(column_parts)) + 1):
        row, column = ".".join(row_parts[-length:]), ".".join(column_parts[-length:])
        if row != column:
            return row, column
    return rows, columns


def _value_labels(name: str, values: Sequence[Any]) -> list[str]:
    """``<name>=<value>`` for each value, usable in a folder name, else ``<name>-value<n>``."""
    safe_name = SAFE_NAME.sub("_", name)
    texts = [shown(value) for value in values]
    if all(len(text) <= 40 and SAFE.fullmatch(text) for text in texts):
        return [f"{safe_name}={text}" for text in texts]
    return [f"{safe_name}-value{number}" for number in range(1, len(values) + 1)]


def run_plan(
    planned: Plan,
    runs: int,
    seed: int,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Grid:
    """Simulate a planned grid: its variants together, on the same worlds."""
    compared = run_variants(planned.variants, planned.labels, runs, seed, workers, progress)
    return Grid(
        results=compared.results,
        labels=compared.labels,
        rows=planned.rows,
        row_values=planned.row_values,
        columns=planned.columns,
        column_values=planned.column_values,
        defaults=planned.defaults,
    )


def from_manifest(comparison: Comparison, entry: Any) -> Grid:
    """The saved comparison as a :class:`Grid`, from its manifest's ``grid`` record.

    Raises:
        ValueError: the record is not two fields with their values, one variant per pair.

    """
    try:
        rows, columns = (entry[key] for key in ("rows", "columns"))
        row_field, column_field = check_path(rows["field"]), check_path(columns["field"])
        row_values = check_values(row_field, rows["values"])
        column_values = check_values(column_field, columns["values"])
    except (TypeError, KeyError, SweepError) as err:
        raise ValueError(f"grid: expected two fields with their values, got {brief(entry)}") from (
            err
        )
    if len(row_values) * len(column_values) != len(comparison.labels):
        raise ValueError(
            f"grid: {len(row_values)} by {len(column_values)} values need as many scenarios, "
            f"got {len(comparison.labels)}"
        )
    return Grid(
        results=comparison.results,
        labels=comparison.labels,
        rows=row_field,
        row_values=row_values,
        columns=column_field,
        column_values=column_values,
        defaults=[rows.get("default"), columns.get("default")],
    )
