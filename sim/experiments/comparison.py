"""Compare scenarios on the same simulated worlds (common random numbers).

World *i* of every scenario run with one seed shares its random draws, so differences are
estimated world by world: the interval of a paired difference uses the spread of the per-world
differences, which is far narrower than treating the scenarios as independent samples.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.results import Results
from sim.engine.stats import Z95
from sim.model.outcomes import OUTCOMES
from sim.scenario.schema import Scenario

Progress = Callable[[int, int], None]


class ComparisonError(ValueError):
    """Scenarios that cannot be compared world by world."""


def choose_references(
    files: Sequence[Path], parents: Sequence[Path | None], labels: Sequence[str]
) -> tuple[list[int], list[str]]:
    """Which compared scenario each one is read against, and warnings where that misleads.

    A scenario is read against the file it ``extends`` when that file is among those compared
    (``ceasefire_strikes`` against ``baseline``): its differences are then its own change alone.
    Otherwise it is read against the first. When it and the first extend different files, its
    differences against the first mix both files' changes, and a warning says which file to add.

    Args:
        files: the compared files, resolved; the first is the reference of last resort.
        parents: for each, the resolved file it extends, or None.
        labels: the scenarios' labels, for the warnings.

    Returns:
        The index of each scenario's reference (0 for the first itself) and the warnings.

    """
    index = {file: i for i, file in enumerate(files)}
    references, warnings = [0], []
    for i, parent in enumerate(parents):
        if i == 0:
            continue
        if parent is not None and index.get(parent, i) != i:
            references.append(index[parent])
            continue
        references.append(0)
        if parent != parents[0] and files[i] != parents[0]:
            theirs = parent.name if parent else "no file"
            first = parents[0].name if parents[0] else "no file"
            add = f"; add {parent.name} to read it against its own reference" if parent else ""
            warnings.append(
                f"{labels[i]} extends {theirs} but {labels[0]} extends {first}: read against "
                f"{labels[0]}, its differences mix the changes of both files{add}"
            )
    return references, warnings


def check_comparable(scenarios: Sequence[Scenario], names: Sequence[str]) -> None:
    """Raise :class:`ComparisonError` unless the scenarios can be paired world by world.

    Pairing needs at least two scenarios with the same actors in the same roles: world *i* then
    draws the same quantiles of every shared input, and blame columns line up.
    """
    if len(scenarios) < 2:
        raise ComparisonError("compare needs at least two scenarios")
    first = {name: actor.role for name, actor in scenarios[0].actors.items()}
    for scenario, label in zip(scenarios[1:], names[1:], strict=True):
        actors = {name: actor.role for name, actor in scenario.actors.items()}
        if actors != first:
            raise ComparisonError(
                f"{label}: actors {_describe(actors)} cannot be paired with "
                f"{names[0]}'s {_describe(first)}; compared scenarios need the same actors "
                "in the same roles"
            )


def _describe(actors: dict[str, str]) -> str:
    return ", ".join(f"{name} ({role})" for name, role in actors.items())


DIFFERENCE_COLUMNS = ("territory_change", "casualties", "air_defense_delivered")
"""Per-world columns whose paired differences are reported by default, before each actor's
blame share (``blame_<actor>``)."""
MEASURE_UNITS = {
    "territory_change": "pp of territory",
    "casualties": "people",
    "air_defense_delivered": "interceptors",
}


def _is_share(measure: str) -> bool:
    """An outcome's probability or an actor's blame share: a share of 1, shown in points."""
    return measure.startswith(("P(", "blame_"))


def measure_name(measure: str) -> str:
    """A measure with its unit, where it has one: ``territory_change (pp)``."""
    unit = "share" if measure.startswith("blame_") else MEASURE_UNITS.get(measure)
    return f"{measure} ({unit})" if unit else measure


def format_difference(measure: str, difference: float, low: float, high: float) -> list[str]:
    """A difference and its interval's ends, in its measure's units, to a common precision.

    Shares are in points (pp); the decimals follow the interval's width, to the first
    significant digit of its half; values of 100 and more are whole numbers. An interval that
    excludes zero gets the decimals its end nearest zero needs to show a digit, so that it
    never reads as touching zero (``[-0.03, -0.00]``).
    """
    scale, unit = (100.0, " pp") if _is_share(measure) else (1.0, "")
    values = [scale * v for v in (difference, low, high)]
    near_zero = _end_nearest_zero(values[1], values[2])
    largest = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    if not _is_share(measure) and largest >= 100 and (near_zero is None or near_zero >= 0.5):
        return [f"{v:+,.0f}" for v in values]
    half = (values[2] - values[1]) / 2
    if math.isfinite(half) and half > 0:
        decimals = min(max(-math.floor(math.log10(half)), 1 if unit else 0), 6)
    else:
        decimals = 1 if unit else 3
    while near_zero is not None and decimals < 8 and round(near_zero, decimals) == 0:
        decimals += 1
    return [f"{v:+,.{decimals}f}{unit}" for v in values]


def _end_nearest_zero(low: float, high: float) -> float | None:
    """How far from zero an interval that excludes zero comes, or None if it includes zero."""
    if low > 0:
        return low
    if high < 0:
        return -high
    return None


def _share_of_worlds(share: float) -> str:
    """A share of worlds in whole per cent, with a decimal below 1 % so it never reads 0 %."""
    return f"{share:.1%}" if 0 < share < 0.01 else f"{share:.0%}"


def paired_difference(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Mean of ``b - a`` over paired worlds, with its 95% interval from the paired spread."""
    diff = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    n = len(diff)
    mean = float(diff.mean())
    half = Z95 * float(diff.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
    return {"difference": mean, "low": mean - half, "high": mean + half}


def unpaired_difference(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """The same difference as if the two samples were independent (for contrast)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    mean = float(b.mean() - a.mean())
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return {"difference": mean, "low": mean - Z95 * se, "high": mean + Z95 * se}


@dataclass
class Comparison:
    """Several scenarios' ensembles on the same worlds.

    Attributes:
        results: one :class:`Results` per scenario, in the order given.
        labels: short names (file stems) of the scenarios.
        references: for each scenario, the index of the one it is read against (by default the
            first, for all; see :func:`choose_references`); the first's own entry is 0.

    """

    results: list[Results]
    labels: list[str]
    references: list[int] | None = field(default=None, kw_only=True)

    def reference_of(self, index: int) -> int:
        """The index of the scenario that scenario ``index`` is read against."""
        return self.references[index] if self.references else 0

    @property
    def one_reference(self) -> bool:
        """Every scenario is read against the first."""
        return not self.references or not any(self.references)

    @property
    def seed(self) -> int:
        return self.results[0].seed

    @property
    def runs(self) -> int:
        return self.results[0].runs

    def outcome_table(self) -> pd.DataFrame:
        """Outcome probabilities and 95% intervals, one block of rows per scenario."""
        frames = [r.outcome_table().assign(scenario=label) for r, label in self._pairs()]
        return pd.concat(frames).reset_index().set_index(["scenario", "outcome"])

    def differences(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Paired differences against each scenario's reference: outcome shares, then ``columns``.

        The reference is the first scenario unless :attr:`references` says otherwise; the
        ``reference`` column names it.

        Outcome differences are in probability (share of worlds); territory in percentage
        points; casualties in people; blame as a share of 1; any other per-world column in its
        own units (e.g. ``payoff_russia``). By default ``columns`` are
        :data:`DIFFERENCE_COLUMNS` and each actor's blame share.
        """
        from sim.scenario import options as arguments

        first = self.results[0].worlds
        if columns is None:
            columns = [*DIFFERENCE_COLUMNS, *(f"blame_{a}" for a in self.results[0].actors)]
        if isinstance(columns, str):
            raise TypeError(f"columns must be a list of column names, got {columns!r}")
        columns = [arguments.numeric_column(first, column) for column in columns]
        rows = []
        for index, (result, label) in list(enumerate(self._pairs()))[1:]:
            worlds = result.worlds
            against = self.reference_of(index)
            reference = self.results[against].worlds
            named = {"scenario": label, "reference": self.labels[against]}
            for outcome in OUTCOMES:
                row = paired_difference(
                    reference["outcome"] == outcome, worlds["outcome"] == outcome
                )
                rows.append({**named, "measure": f"P({outcome})", **row})
            for column in columns:
                row = paired_difference(reference[column], worlds[column])
                rows.append({**named, "measure": column, **row})
        return pd.DataFrame(rows).set_index(["scenario", "measure"])

    def event_table(self) -> pd.DataFrame:
        """Share of worlds and quartiles of the day of each event, per scenario."""
        frames = [r.event_table().assign(scenario=label) for r, label in self._pairs()]
        return pd.concat(frames).reset_index().set_index(["scenario", "event"])

    def _changes_lines(self) -> list[str]:
        """The fields each scenario sets differently from the reference (values in report.md)."""
        from sim.scenario.changes import changes, no_change

        against = "its reference" if not self.one_reference else self.labels[0]
        lines = [f"What each scenario changes against {against} (values in report.md):"]
        for index, (result, label) in list(enumerate(self._pairs()))[1:]:
            reference = self.results[self.reference_of(index)].scenario
            fields = [change.field for change in changes(reference, result.scenario)]
            said = ", ".join(fields) or no_change(reference, result.scenario)
            name = (
                label if self.one_reference else f"{label} (against {self.reference_label(index)})"
            )
            lines.append(f"  {name}: {said}")
        return lines

    def reference_label(self, index: int) -> str:
        """The label of the scenario that scenario ``index`` is read against."""
        return self.labels[self.reference_of(index)]

    def _pairs(self):
        return zip(self.results, self.labels, strict=True)

    def extra_manifest(self) -> dict[str, Any]:
        """What a saved folder's manifest holds beyond a comparison's (a sweep adds its field)."""
        return {}

    def extra_summary(self, folder: Path) -> dict[str, Any]:
        """Files of a kind of comparison written into ``folder``; what its summary adds."""
        return {}

    def summary_text(self) -> str:
        """A plain-text report for the terminal, its columns as wide as the longest label."""
        column = max(24, 2 + max(len(label) for label in self.labels))
        lines = [
            f"Comparison on the same {self.runs:,} worlds (seed {self.seed}); "
            f"reference: {self.labels[0]}",
            "",
            f"{'outcome':<20}" + "".join(f"{label:>{column}}" for label in self.labels),
        ]
        table = self.outcome_table()
        for outcome in OUTCOMES:
            cells = []
            for label in self.labels:
                row = table.loc[(label, outcome)]
                cells.append(
                    f"{row['probability']:>7.1%} [{row['low']:.1%}, {row['high']:.1%}]".rjust(
                        column
                    )
                )
            lines.append(f"{outcome:<20}" + "".join(cells))
        lines += ["", *self._changes_lines()]
        against = self.labels[0] if self.one_reference else "each scenario's reference"
        lines += [
            "",
            f"Paired differences against {against}: mean over worlds (95% intervals):",
        ]
        differences = self.differences()
        names = {
            label: label if self.one_reference else f"{label} - {row_reference}"
            for (label, _), row_reference in differences["reference"].items()
        }
        name_width = max(column, 2 + max(len(name) for name in names.values()))
        width = max(len(measure_name(measure)) for _, measure in differences.index) + 2
        for (label, measure), row in differences.iterrows():
            d, low, high = format_difference(measure, row["difference"], row["low"], row["high"])
            text = f"{d}  [{low}, {high}]"
            lines.append(f"  {names[label]:<{name_width}}{measure_name(measure):<{width}}{text}")
        lines += [
            "",
            f"{'event day (median)':<20}" + "".join(f"{lb:>{column}}" for lb in self.labels),
        ]
        events = self.event_table()
        for event in ("summit", "sanctions", "moratorium_start", "settlement"):
            cells = []
            for label in self.labels:
                row = events.loc[(label, event)]
                day = f"day {row['median']:.0f}" if row["share"] > 0 else "never"
                cells.append(f"{day} in {_share_of_worlds(row['share'])}".rjust(column))
            lines.append(f"{event:<20}" + "".join(cells))
        return "\n".join(lines)


def compare(
    scenarios: Sequence[Scenario],
    runs: int = 10_000,
    seed: int = 0,
    workers: int | None = None,
    labels: Sequence[str] | None = None,
    progress: Progress | None = None,
    references: Sequence[int] | None = None,
) -> Comparison:
    """Run every scenario on the same worlds and compare them.

    Args:
        scenarios: two or more validated scenarios with the same actors and roles.
        runs: worlds per scenario.
        seed: the shared seed (common random numbers).
        workers: processes to use; results do not depend on it. The scenarios run in one pass
            (:func:`sim.engine.ensemble.run_all`): each gets the results it would get alone.
        labels: names for the scenarios (default: their ``name`` fields).
        progress: called as ``progress(done_worlds, total_worlds)`` across all scenarios.
        references: for each scenario, the index of the one it is read against (default: the
            first; :func:`choose_references` finds them from the files the scenarios extend).

    Raises:
        ComparisonError: fewer than two scenarios, actors that cannot be paired, or references
            that do not name another scenario.
        ValueError: labels that are not distinct folder-safe texts, one per scenario (and the
            checks of :func:`sim.run`).

    """
    from sim.engine.ensemble import run_checked
    from sim.scenario import options as arguments

    scenarios = [arguments.scenario(scenario) for scenario in scenarios]
    if len(scenarios) < 2:  # before the labels, whose count follows the scenarios'
        raise ComparisonError("compare needs at least two scenarios")
    given = labels is not None
    names = labels if given else [s.name for s in scenarios]
    labels = arguments.labels(names, len(scenarios), given=given)
    check_comparable(scenarios, labels)
    if references is not None:
        references = [int(r) for r in references]
        wrong = [
            i
            for i, r in enumerate(references)
            if not 0 <= r < len(scenarios) or (i > 0 and r == i) or (i == 0 and r != 0)
        ]
        if len(references) != len(scenarios) or wrong:
            raise ComparisonError(
                f"references: expected for each of the {len(scenarios)} scenarios the index of "
                f"another one (0 for the first), got {references}"
            )
    results = run_checked(scenarios, runs=runs, seed=seed, workers=workers, progress=progress)
    return Comparison(
        results=results, labels=labels, references=list(references) if references else None
    )
