"""Sweep one field of a scenario over a list of values, on the same simulated worlds.

"What happens as the coercer's fear of looking weak goes from 0.1 to 0.9?" Each value makes one
variant of the scenario (the field overridden, as ``--set`` does), and the variants run together
as one comparison (:func:`sim.comparison.compare`): world *i* draws the same random numbers under
every value (common random numbers), so the curves move with the field, not with sampling noise,
and many small variants run about as fast per world as one large run (``docs/performance.md``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.comparison import Comparison
from sim.outcomes import OUTCOMES
from sim.scenario import OVERRIDE, ScenarioError, load_scenario
from sim.schema import Scenario

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

    Raises:
        SweepError: no ``=``, no path, fewer than two or more than :data:`MAX_VALUES` values, a
            value that is not YAML, or a value given twice.

    """
    import yaml

    path, equals, listed = text.partition("=")
    path = path.strip()
    example = "e.g. actors.usa.weakness_aversion=0.1,0.5,0.9"
    if not equals or not path or not listed.strip():
        raise SweepError(f"{VARY}: expected PATH=V1,V2,... ({example}), got {text!r}")
    listed = listed.strip()
    flow = listed if listed.startswith("[") else f"[{listed}]"
    try:
        values = yaml.safe_load(flow)
    except yaml.YAMLError:
        raise SweepError(
            f"{VARY}: {path}: cannot read {listed!r} as values separated by commas ({example})"
        ) from None
    if not isinstance(values, list) or any(value is None for value in values):
        raise SweepError(f"{VARY}: {path}: expected values separated by commas, got {listed!r}")
    return path, check_values(path, values)


def check_values(path: str, values: Sequence[Any]) -> list[Any]:
    """``values`` as a list: two to :data:`MAX_VALUES` of them, none repeated."""
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise SweepError(f"{VARY}: {path}: expected a list of values, got {values!r}")
    values = list(values)
    if not 2 <= len(values) <= MAX_VALUES:
        raise SweepError(f"{VARY}: {path}: expected 2 to {MAX_VALUES} values, got {len(values)}")
    shown = [_yaml(value) for value in values]
    repeated = next((text for text in shown if shown.count(text) > 1), None)
    if repeated is not None:
        raise SweepError(f"{VARY}: {path}: the value {repeated} is given twice")
    return values


def _yaml(value: Any) -> str:
    """A value as one line of YAML (JSON is YAML), for an override and for labels."""
    text = json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, float) and "e" in text and "." not in text:
        mantissa, exponent = text.split("e")  # YAML 1.1 reads 1e+20 as text, 1.0e+20 as a number
        text = f"{mantissa}.0e{exponent}"
    return text


def shown(value: Any) -> str:
    """A value as a reader would write it in a scenario file (``{stalling: 1, sincere: 0}``)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        import yaml

        return yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10**6).strip()
    return str(value)


def value_labels(path: str, values: Sequence[Any]) -> list[str]:
    """One label per value, ``<last part of the path>=<value>``, usable as a folder name."""
    leaf = path.rsplit(".", 1)[-1]
    labels = []
    for number, value in enumerate(values, start=1):
        text = _yaml(value).strip('"')
        usable = text and len(text) <= 40 and not any(c in text for c in '/\\{}[]:"')
        labels.append(f"{leaf}={text}" if usable else f"{leaf}-value{number}")
    return labels


def load_variants(
    path: str | Path, swept: str, values: Sequence[Any], overrides: Sequence[str] = ()
) -> list[Scenario]:
    """The scenario at ``path`` once per value of the field ``swept`` (after ``overrides``).

    Raises:
        ScenarioError: the file, an override, or a value does not give a valid scenario; a
            problem with a value names ``--vary`` and the value.

    """
    variants = []
    for value in values:
        text = f"{swept}={_yaml(value)}"
        try:
            variants.append(load_scenario(path, [*overrides, text]))
        except ScenarioError as err:
            after = f" (after {OVERRIDE} {swept}=...)"  # a problem the value caused elsewhere
            if err.file == OVERRIDE and err.field == swept:
                raise ScenarioError(
                    f"{err.message} (with the value {_yaml(value)})", file=VARY, field=err.field
                ) from None
            if after not in err.message:
                raise
            message = err.message.replace(after, f" (with {VARY} {swept}={_yaml(value)})")
            raise ScenarioError(message, file=err.file, line=err.line, field=err.field) from None
    return variants


@dataclass
class Sweep(Comparison):
    """A comparison of one scenario at several values of one field.

    Attributes:
        swept: the field's dotted path, e.g. ``actors.usa.weakness_aversion``.
        values: the values, in the order run; ``labels[i]`` names ``values[i]``.

    """

    swept: str = ""
    values: list[Any] = field(default_factory=list)

    def numeric(self) -> bool:
        """Whether every value is a number (then figures put them on a numeric axis)."""
        return all(
            isinstance(value, int | float) and not isinstance(value, bool) for value in self.values
        )

    def table(self) -> pd.DataFrame:
        """One row per value: each outcome's share with its 95% interval, and mean outcomes.

        Columns ``<outcome>``, ``<outcome>_low``, ``<outcome>_high`` (shares of worlds), then
        the means of ``territory_change`` (pp), ``casualties`` and ``air_defense_delivered``.
        """
        rows = []
        for result, value in zip(self.results, self.values, strict=True):
            shares = result.outcome_table()
            row: dict[str, Any] = {self.swept: value if self.numeric() else shown(value)}
            for outcome in OUTCOMES:
                row[outcome] = float(shares.loc[outcome, "probability"])
                row[f"{outcome}_low"] = float(shares.loc[outcome, "low"])
                row[f"{outcome}_high"] = float(shares.loc[outcome, "high"])
            for column in MEANS:
                row[column] = float(result.worlds[column].mean())
            rows.append(row)
        return pd.DataFrame(rows).set_index(self.swept)

    def summary_text(self) -> str:
        """A plain-text table for the terminal: outcome shares and means by value."""
        table = self.table()
        shown = [_short(value) for value in table.index]
        width = max(len(self.swept), *(len(text) for text in shown))
        lines = [
            f"Sweep of {self.swept} on the same {self.runs:,} worlds (seed {self.seed}); "
            f"scenario: {self.results[0].scenario.name}",
            "",
            f"{self.swept:>{width}}  settlement  partial  sanctions  paralysis"
            "   territory   casualties",
        ]
        for text, (_, row) in zip(shown, table.iterrows(), strict=True):
            shares = "".join(
                f"{row[o] * 100:>{w}.1f}%" for o, w in zip(OUTCOMES, (11, 8, 10, 10), strict=True)
            )
            lines.append(
                f"{text:>{width}}{shares}  {row['territory_change']:>+8.3f}pp"
                f"  {row['casualties']:>11,.0f}"
            )
        widest = max((table[f"{o}_high"] - table[f"{o}_low"]).max() / 2 for o in OUTCOMES)
        lines += [
            "",
            f"The shares' 95% intervals are at most ±{widest * 100:.1f} points. Every value runs",
            "on the same worlds, so differences between values are measured world by world.",
        ]
        return "\n".join(lines)


def _short(value: Any) -> str:
    """A value in at most 30 characters."""
    text = value if isinstance(value, str) else f"{value:g}"
    return text if len(text) <= 30 else text[:27] + "..."


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
    from sim.comparison import compare

    if not isinstance(scenario, str | Path):
        raise TypeError(f"scenario must be the path of a scenario file, got {scenario!r}")
    if not isinstance(swept, str) or not swept.strip():
        raise SweepError(f"{VARY}: expected the dotted path of a field, got {swept!r}")
    values = check_values(swept, values)
    variants = load_variants(scenario, swept, values, overrides)
    labels = value_labels(swept, values)
    compared = compare(
        variants, runs=runs, seed=seed, workers=workers, labels=labels, progress=progress
    )
    return Sweep(results=compared.results, labels=compared.labels, swept=swept, values=values)


def sweep_manifest(source: Comparison) -> dict[str, Any] | None:
    """What a saved folder's manifest records of a sweep (None for another comparison)."""
    if not isinstance(source, Sweep):
        return None
    return {"field": source.swept, "values": source.values}


def from_manifest(comparison: Comparison, entry: Any, path: Path) -> Comparison:
    """The saved comparison as a :class:`Sweep` if its manifest records one."""
    if entry is None:
        return comparison
    if (
        not isinstance(entry, dict)
        or not isinstance(entry.get("field"), str)
        or not isinstance(entry.get("values"), list)
        or len(entry["values"]) != len(comparison.labels)
        or any(isinstance(v, float) and not math.isfinite(v) for v in entry["values"])
    ):
        raise ValueError(f"sweep: expected a field and one value per label, got {entry!r}")
    return Sweep(
        results=comparison.results,
        labels=comparison.labels,
        swept=entry["field"],
        values=entry["values"],
    )
