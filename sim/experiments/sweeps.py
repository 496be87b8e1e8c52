"""Sweep one field of a scenario over a list of values, on the same simulated worlds.

"What happens as the coercer's fear of looking weak goes from 0.1 to 0.9?" Each value makes one
variant of the scenario (the field overridden, as ``--set`` does), and the variants run together as
one comparison (:func:`sim.experiments.comparison.compare`): world *i* draws the same random numbers
under every value (common random numbers), so the curves move with the field, not with sampling
noise, and many small variants run about as fast per world as one large run
(``docs/performance.md``).
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.experiments.comparison import Comparison
from sim.experiments.palette import OUTCOME_COLOURS, OUTCOME_LABELS, differing_parts, new_axes
from sim.model.outcomes import OUTCOMES
from sim.scenario.loading import OVERRIDE, ScenarioError, load_scenario
from sim.scenario.schema import Scenario
from sim.scenario.values import as_yaml, brief, same_key, shown, value_at

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from sim.engine.results import Results

VARY = "--vary"
"""The command line's name for the swept field and its values (errors name it)."""
MAX_VALUES = 50
"""At most this many values in one sweep (each is a whole ensemble)."""
MEANS = ("territory_change", "casualties", "air_defense_delivered")
"""Per-world columns whose means the sweep table reports beside the outcome shares."""

Progress = Callable[[int, int], None]


class SweepError(ValueError):
    """A swept field or list of values that cannot be used."""


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """Split ``PATH=V1,V2,...`` into the field's dotted path and its values (each read as YAML).

    The values are read with the scenario files' own YAML reader and its limits.

    Raises:
        SweepError: no ``=``, no path, fewer than two or more than :data:`MAX_VALUES` values, a
            value that is not YAML or is null, or a value given twice.

    """
    from sim.scenario.loading import read_yaml_value

    path, equals, listed = text.partition("=")
    path = path.strip()
    example = "e.g. actors.usa.weakness_aversion=0.1,0.5,0.9"
    if not equals or not path or not listed.strip():
        raise SweepError(f"{VARY}: expected PATH=V1,V2,... ({example}), got {text!r}")
    listed = listed.strip()
    flow = listed if listed.startswith("[") else f"[{listed}]"
    try:
        values = read_yaml_value(flow, VARY)
    except ScenarioError as err:
        raise SweepError(
            f"{VARY}: {path}: cannot read {listed!r} as values separated by commas ({example}): "
            f"{err.message}"
        ) from None
    if not isinstance(values, list):
        raise SweepError(f"{VARY}: {path}: expected values separated by commas, got {listed!r}")
    return check_path(path), check_values(path, values)


def check_path(path: object) -> str:
    """``path``, a dotted path of a field: text without spaces or ``=``."""
    if not isinstance(path, str) or not path.strip():
        raise SweepError(f"{VARY}: expected the dotted path of a field, got {path!r}")
    if any(c.isspace() for c in path) or "=" in path:
        raise SweepError(
            f"{VARY}: expected the dotted path of a field (no spaces or '='), got {path!r}"
        )
    return path


def check_values(path: str, values: Any) -> list[Any]:
    """``values`` as a list of plain values: two to :data:`MAX_VALUES`, none null or repeated.

    numpy arrays and numbers, dates and decimals are turned into what a scenario file holds
    (Python numbers, ISO dates as text), so that they can be written to a manifest.
    """
    if hasattr(values, "tolist") and not isinstance(values, str | bytes):
        values = values.tolist()  # a numpy array
    if isinstance(values, str | bytes | dict) or not isinstance(values, Sequence | range):
        raise SweepError(f"{VARY}: {path}: expected a list of values, got {brief(values)}")
    values = [_plain(path, value) for value in values]
    if not 2 <= len(values) <= MAX_VALUES:
        raise SweepError(f"{VARY}: {path}: expected 2 to {MAX_VALUES} values, got {len(values)}")
    keys = [same_key(value) for value in values]
    for index, key in enumerate(keys):
        if key in keys[:index]:
            first = values[keys.index(key)]
            also = (
                ""
                if as_yaml(first) == as_yaml(values[index])
                else f" (as {as_yaml(values[index])})"
            )
            raise SweepError(f"{VARY}: {path}: the value {as_yaml(first)} is given twice{also}")
    return values


def _plain(path: str, value: Any) -> Any:
    """One value as JSON-able data: numpy scalars, dates and decimals converted; no nulls."""
    import datetime as dt
    from decimal import Decimal

    if value is None:
        raise SweepError(f"{VARY}: {path}: a value cannot be null (nothing)")
    if hasattr(value, "item") and not isinstance(value, str | bytes | dict | list):
        value = value.item()  # a numpy scalar
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise SweepError(f"{VARY}: {path}: expected finite values, got {value}")
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(key): _plain(path, item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(path, item) for item in value]
    raise SweepError(f"{VARY}: {path}: cannot sweep a value of type {type(value).__name__}")


SAFE = re.compile(r"[A-Za-z0-9_.+-]+")
"""Characters a label may use: it names a folder of the saved sweep on every system."""


def value_labels(path: str, values: Sequence[Any]) -> list[str]:
    """One label per value, ``<last part of the path>=<value>``, usable as a folder name.

    A value that cannot name a folder (a mapping, a text with spaces or slashes) is numbered:
    ``<last part>-value<n>``.
    """
    leaf = re.sub(r"[^A-Za-z0-9_.+-]", "_", path.rsplit(".", 1)[-1]) or "value"
    labels = []
    for number, value in enumerate(values, start=1):
        text = shown(value)
        usable = len(text) <= 40 and SAFE.fullmatch(text) and text not in (".", "..")
        labels.append(f"{leaf}={text}" if usable else f"{leaf}-value{number}")
    if len(set(labels)) < len(labels):
        labels = [f"{leaf}-value{number}" for number in range(1, len(values) + 1)]
    return labels


def load_variants(
    path: str | Path, swept: str, values: Sequence[Any], overrides: Sequence[str] = ()
) -> list[Scenario]:
    """The scenario at ``path`` once per value of the field ``swept`` (after ``overrides``).

    Raises:
        TypeError: ``overrides`` is not a list of texts.
        SweepError: an override sets the swept field (the sweep would replace it).
        ScenarioError: the file, an override, or a value does not give a valid scenario; a
            problem that only a value causes names ``--vary`` and the value.

    """
    if isinstance(overrides, str) or not all(isinstance(text, str) for text in overrides):
        raise TypeError(f"overrides must be a list of 'PATH=VALUE' texts, got {brief(overrides)}")
    for text in overrides:
        dotted = text.partition("=")[0].strip()
        if dotted == swept or dotted.startswith(swept + "."):
            raise SweepError(
                f"{VARY}: {swept}: also given by {OVERRIDE} {dotted}=..., which every value of "
                "the sweep would replace; give the field once"
            )
    variants = []
    for value in values:
        text = f"{swept}={as_yaml(value)}"
        try:
            variants.append(load_scenario(path, [*overrides, text]))
        except ScenarioError as err:
            raise _blamed(err, path, overrides, swept, value) from None
    return variants


def _blamed(
    err: ScenarioError, path: str | Path, overrides: Sequence[str], swept: str, value: Any
) -> ScenarioError:
    """``err`` from loading one value, saying ``--vary`` and the value when the value caused it.

    When the file and the ``--set`` overrides fail without the value too, their own error is
    the one to fix first, and it is returned instead.
    """
    try:
        load_scenario(path, overrides)
    except ScenarioError as without:
        return without
    if err.file == OVERRIDE and err.field == swept:
        return ScenarioError(
            f"{err.message} (with the value {as_yaml(value)})", file=VARY, field=err.field
        )
    after = f" (after {OVERRIDE} {swept}=...)"
    message = err.message.replace(after, "") + f" (with {VARY} {swept}={as_yaml(value)})"
    return ScenarioError(message, file=err.file, line=err.line, field=err.field)


def outcome_row(result: Results) -> dict[str, float]:
    """One variant's row of a sweep's table: outcome shares with 95% intervals, then means.

    Keys ``<outcome>``, ``<outcome>_low``, ``<outcome>_high``, each of :data:`MEANS`, and
    ``sanctions_imposed``.
    """
    shares = result.outcome_table()
    row: dict[str, float] = {}
    for outcome in OUTCOMES:
        row[outcome] = float(shares.loc[outcome, "probability"])
        row[f"{outcome}_low"] = float(shares.loc[outcome, "low"])
        row[f"{outcome}_high"] = float(shares.loc[outcome, "high"])
    for column in MEANS:
        row[column] = float(result.worlds[column].mean())
    row["sanctions_imposed"] = float(result.worlds["day_sanctions"].notna().mean())
    return row


@dataclass
class Sweep(Comparison):
    """A comparison of one scenario at several values of one field.

    Attributes:
        swept: the field's dotted path, e.g. ``actors.usa.weakness_aversion``.
        values: the values, in the order run; ``labels[i]`` names ``values[i]``.
        default: the field's value in the scenario file itself (after ``--set``), or None if
            the file does not set it (a field of an event the file lacks, say).

    """

    swept: str = ""
    values: list[Any] = field(default_factory=list)
    default: Any = None

    def numeric_default(self) -> float | None:
        """The file's own value where a numeric sweep's axis can mark it, else None.

        A value outside the swept range is not marked: the axis would stretch to reach it.
        """
        value = self.default
        if not self.numeric() or isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if not math.isfinite(value) or not min(self.values) <= value <= max(self.values):
            return None
        return float(value)

    def default_text(self) -> str:
        """A sentence naming the file's own value, or nothing if the file does not set it."""
        if self.default is None:
            return ""
        value = self.default
        number = isinstance(value, int | float) and not isinstance(value, bool)
        outside = self.numeric() and number and self.numeric_default() is None
        where = ", outside the swept range" if outside else ""
        return f"The scenario file's own value is {shown(value)}{where}."

    def numeric(self) -> bool:
        """Whether every value is a number (then figures put them on a numeric axis)."""
        return all(
            isinstance(value, int | float) and not isinstance(value, bool) for value in self.values
        )

    def table(self) -> pd.DataFrame:
        """One row per value: each outcome's share with its 95% interval, and mean outcomes.

        Columns ``<outcome>``, ``<outcome>_low``, ``<outcome>_high`` (shares of worlds), then
        the means of ``territory_change`` (pp), ``casualties`` and ``air_defense_delivered``,
        and ``sanctions_imposed``: the share of worlds that saw sanctions on any day, which the
        ``sanctions`` class undercounts where a truce or a settlement followed them.
        """
        rows = [
            {self.swept: value if self.numeric() else shown(value), **outcome_row(result)}
            for result, value in zip(self.results, self.values, strict=True)
        ]
        return pd.DataFrame(rows).set_index(self.swept)

    def extra_manifest(self) -> dict[str, Any]:
        """The swept field, its values and the file's own value (:func:`from_manifest`)."""
        return {"sweep": {"field": self.swept, "values": self.values, "default": self.default}}

    def extra_summary(self, folder: Path) -> dict[str, Any]:
        """Writes ``sweep.csv``; the summary gets the same table."""
        table = self.table()
        table.to_csv(folder / "sweep.csv")
        records = table.reset_index().to_dict(orient="records")
        return {"sweep": {"field": self.swept, "values": self.values, "table": records}}

    def to_df(self) -> pd.DataFrame:
        """The sweep's table (:meth:`table`), by the name SALib's results use."""
        return self.table()

    def plot(self, ax: Axes | None = None) -> Axes:
        """Each outcome's share against the swept value, 95% intervals shaded (``sweep.png``)."""
        ax = new_axes(ax, (9, 5))
        table = self.table()
        numeric = self.numeric()
        x = np.asarray(self.values, dtype=float) if numeric else np.arange(len(table))
        for outcome in OUTCOMES:
            colour = OUTCOME_COLOURS[outcome]
            ax.fill_between(
                x, table[f"{outcome}_low"], table[f"{outcome}_high"], color=colour, alpha=0.2, lw=0
            )
            ax.plot(x, table[outcome], color=colour, marker="o", label=OUTCOME_LABELS[outcome])
        axis_label = self.swept
        if not numeric:
            import textwrap

            ticks, frame = differing_parts([str(value) for value in table.index])
            if frame:
                axis_label = f"{self.swept}: {frame}"
            if len(ticks) > 4 and max(len(tick) for tick in ticks) > 6:  # slanted, one line each
                ticks = [textwrap.shorten(tick, 28, placeholder="...") for tick in ticks]
                ax.set_xticks(x, ticks, rotation=30, ha="right")
            else:
                ax.set_xticks(x, [textwrap.fill(tick, 16) for tick in ticks])
        default = self.numeric_default()
        if default is not None:
            ax.axvline(
                default, color="grey", linestyle=":", linewidth=1.2, label="the file's value"
            )
        ax.set_ylim(0, 1)
        ax.set_xlabel(axis_label)
        ax.set_ylabel("share of worlds")
        horizons = {result.scenario.horizon_days for result in self.results}
        when = f"day {horizons.pop()}" if len(horizons) == 1 else "the horizon"
        ax.set_title(f"Outcome at {when} as {self.swept} varies")
        ax.legend(
            loc="center left",
            bbox_to_anchor=(1.01, 0.5),
            frameon=False,
            title="shaded: 95%\ninterval",
        )
        return ax

    def summary_text(self) -> str:
        """A plain-text table for the terminal: outcome shares and means by value."""
        table = self.table()
        texts = [shown(value) for value in self.values]
        width = max(len(self.swept), *(len(text) for text in texts))
        lines = [
            f"Sweep of {self.swept} on the same {self.runs:,} worlds (seed {self.seed}); "
            f"scenario: {self.results[0].scenario.name}",
            "",
            f"{self.swept:>{width}}  settlement  partial  sanctions  paralysis"
            "   territory   casualties",
        ]
        for text, (_, row) in zip(texts, table.iterrows(), strict=True):
            shares = "".join(
                f"{row[o] * 100:>{w}.1f}%" for o, w in zip(OUTCOMES, (11, 8, 10, 10), strict=True)
            )
            lines.append(
                f"{text:>{width}}{shares}  {row['territory_change']:>+8.3f}pp"
                f"  {row['casualties']:>11,.0f}"
            )
        widest = max((table[f"{o}_high"] - table[f"{o}_low"]).max() / 2 for o in OUTCOMES)
        note = (
            "Territory (change in pp) and casualties are means over the worlds (sim run prints "
            f"medians). The shares' 95% intervals are at most ±{widest * 100:.1f} points; every "
            "value runs on the same worlds, so differences between values are measured world by "
            "world. The sanctions class leaves out worlds where a truce or a settlement followed "
            "sanctions; the share that saw sanctions on any day is sweep.csv's sanctions_imposed."
        )
        if self.default is not None:
            note += " " + self.default_text()
        lines += ["", *textwrap.wrap(note, 88)]
        return "\n".join(lines)


def sweep(
    scenario: str | Path,
    swept: str,
    values: Sequence[Any],
    runs: int = 10_000,
    seed: int = 0,
    workers: int | None = None,
    overrides: Sequence[str] = (),
    progress: Progress | None = None,
) -> Sweep:
    """Run the scenario file at each value of one field, on the same worlds.

    Args:
        scenario: the scenario file.
        swept: the field's dotted path, as in ``--set`` (e.g. ``actors.usa.credulity``).
        values: two or more values (numbers, or anything ``--set`` takes).
        runs: worlds per value.
        seed: root random seed; every value runs on the same worlds.
        workers: processes (default: one per core).
        overrides: ``PATH=VALUE`` texts applied before the swept field.
        progress: called with (worlds done, worlds in all) as chunks finish.

    Example:
        ``sim.sweep("scenarios/summit.yaml", "actors.usa.weakness_aversion", [0.1, 0.5, 0.9])``

    """
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a function or None, got {brief(progress)}")
    planned = plan(scenario, swept, values, runs, overrides)
    return run_plan(planned, runs=runs, seed=seed, workers=workers, progress=progress)


@dataclass(frozen=True)
class Plan:
    """A sweep checked and loaded, ready to run: one scenario and one label per value."""

    swept: str
    values: list[Any]
    variants: list[Scenario]
    labels: list[str]
    default: Any = None


def plan(
    scenario: str | Path,
    swept: str,
    values: Sequence[Any],
    runs: int,
    overrides: Sequence[str] = (),
) -> Plan:
    """Check a sweep and load its variants, without simulating anything.

    Raises:
        TypeError: ``scenario`` is not a path, or ``overrides`` not a list of texts.
        SweepError: the field, the values or the total of worlds cannot be swept.
        ScenarioError: a value (or the file, or an override) gives no valid scenario.
        ComparisonError: the values give scenarios with different actors.

    """
    from sim.experiments.comparison import check_comparable
    from sim.scenario import options as arguments

    if not isinstance(scenario, str | Path):
        raise TypeError(
            f"scenario must be the path of a scenario file, got a {type(scenario).__name__}"
        )
    swept = check_path(swept)
    values = check_values(swept, values)
    check_total(arguments.runs(runs), len(values))
    variants = load_variants(scenario, swept, values, overrides)
    labels = value_labels(swept, values)
    check_comparable(variants, labels)
    default = value_at(load_scenario(scenario, overrides), swept)
    return Plan(swept=swept, values=values, variants=variants, labels=labels, default=default)


def run_plan(
    planned: Plan,
    runs: int,
    seed: int,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Sweep:
    """Simulate a planned sweep: its variants together, on the same worlds."""
    compared = run_variants(planned.variants, planned.labels, runs, seed, workers, progress)
    return Sweep(
        results=compared.results,
        labels=compared.labels,
        swept=planned.swept,
        values=planned.values,
        default=planned.default,
    )


def run_variants(
    variants: list[Scenario],
    labels: list[str],
    runs: int,
    seed: int,
    workers: int | None,
    progress: Progress | None,
) -> Comparison:
    """A sweep's or grid's variants run together on the same worlds, as one comparison."""
    from sim.experiments.comparison import compare

    return compare(
        variants, runs=runs, seed=seed, workers=workers, labels=labels, progress=progress
    )


def check_total(runs: int, count: int, what: str = "values") -> None:
    """A sweep simulates ``runs`` worlds per value (or pair): at most :data:`MAX_RUNS` in all."""
    from sim.scenario.schema import MAX_RUNS

    if runs * count > MAX_RUNS:
        raise SweepError(
            f"{VARY}: {count} {what} of {runs:,} worlds each are {runs * count:,} worlds; "
            f"a sweep runs at most {MAX_RUNS:,} in all (lower --runs or give fewer values)"
        )


def from_manifest(comparison: Comparison, entry: Any) -> Comparison:
    """The saved comparison as a :class:`Sweep` if its manifest records one.

    Raises:
        ValueError: the record is not a field and one distinct, finite value per label.

    """
    if entry is None:
        return comparison
    if not isinstance(entry, dict) or not isinstance(entry.get("values"), list):
        raise ValueError(f"sweep: expected a field and a list of values, got {brief(entry)}")
    try:
        swept = check_path(entry.get("field"))
        values = check_values(swept, entry["values"])
    except SweepError as err:
        raise ValueError(f"sweep: {err}") from None
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if len(values) != len(comparison.labels) or not all(_drawable(v) for v in numbers):
        raise ValueError(
            f"sweep: expected one finite value per label ({len(comparison.labels)}), "
            f"got {brief(entry['values'])}"
        )
    return Sweep(
        results=comparison.results,
        labels=comparison.labels,
        swept=swept,
        values=values,
        default=entry.get("default"),  # None in folders written before it was recorded
    )


def _drawable(number: float) -> bool:
    """Whether a number fits a figure's axis (finite, and far from float's limits)."""
    try:
        return abs(float(number)) < 1e300
    except OverflowError:
        return False
