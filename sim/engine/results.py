"""Results of an ensemble run: the per-world frame, its summary and per-day aggregates.

Saving them to a folder is :func:`sim.output.saving.save_results`.
"""

from __future__ import annotations

import hashlib
import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.stats import wilson_interval
from sim.model.aggregates import DailyAggregates
from sim.model.outcomes import CATEGORIES, OUTCOMES
from sim.scenario.schema import Scenario

EVENT_COLUMNS = ("day_summit", "day_sanctions", "day_moratorium_start", "day_settlement")
SUMMARY_COLUMNS = ("outcome", *EVENT_COLUMNS, "territory_change", "casualties")
"""The per-world columns a run's summary, report and figures read (with ``air_defense_delivered``
and the ``blame_`` columns, :func:`is_summary_column`)."""


def is_summary_column(name: str) -> bool:
    """Whether a run's summary, report or figures read the per-world column ``name``."""
    return name in SUMMARY_COLUMNS or name == "air_defense_delivered" or name.startswith("blame_")


class WorldColumns:
    """Some per-world columns of a run, each in a file of its own, read one at a time.

    What a run streamed to its ``worlds.csv`` keeps of its worlds for its summary, report and
    figures (:func:`is_summary_column`): a column is read from its file each time it is asked
    for, as the same :class:`pandas.Series` a ``worlds`` frame gives, so statistics of it are
    the same numbers; only one column at a time is in memory (8 bytes a world at most).
    """

    def __init__(self, folder: Path, runs: int, dtypes: dict[str, np.dtype]) -> None:
        self.folder = folder
        self.runs = runs
        self.dtypes = pd.Series(
            {
                name: pd.CategoricalDtype(list(CATEGORIES[name])) if name in CATEGORIES else dtype
                for name, dtype in dtypes.items()
            },
            dtype=object,
        )
        self._stored = dict(dtypes)

    @property
    def columns(self) -> pd.Index:
        return pd.Index(list(self._stored))

    def __len__(self) -> int:
        return self.runs

    def __contains__(self, name: object) -> bool:
        return name in self._stored

    def path(self, name: str) -> Path:
        """The file holding column ``name``: its values in world order, in its dtype."""
        return self.folder / f"{name}.bin"

    def __getitem__(self, name: str) -> pd.Series:
        if name not in self._stored:
            raise KeyError(
                f"{name!r}: a run streamed to worlds.csv keeps only {', '.join(self._stored)}"
            )
        values = np.fromfile(self.path(name), dtype=self._stored[name])
        if name in CATEGORIES:
            values = pd.Categorical.from_codes(values, categories=list(CATEGORIES[name]))
        return pd.Series(values, name=name, copy=False)


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the validated scenario (after ``extends`` and ``--set``), for the manifest."""
    return hashlib.sha256(scenario.model_dump_json().encode("utf-8")).hexdigest()


def versions() -> dict[str, str]:
    """The versions of Python and of the packages a run depends on, for its manifest."""
    versions = {"python": platform.python_version()}
    for package in ("negotiation-sim", "mesa", "numpy", "pandas", "pydantic"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


@dataclass
class Results:
    """One scenario's ensemble.

    Attributes:
        scenario: the validated scenario that was run.
        worlds: one row per world (columns: the contract of ``docs/model.md`` §9, then its
            extras); for a run streamed to its folder, the columns its summary reads
            (:class:`WorldColumns`).
        daily: per-day aggregates over the worlds (event incidence, means, quantiles), or None.
        seed: the run's seed.
        runs: number of worlds.

    """

    scenario: Scenario
    worlds: pd.DataFrame | WorldColumns
    daily: DailyAggregates | None = None
    seed: int = 0
    runs: int = 0

    @property
    def actors(self) -> list[str]:
        return list(self.scenario.actors)

    def to_df(self) -> pd.DataFrame:
        """The per-world frame."""
        return self.worlds

    def outcome_table(self) -> pd.DataFrame:
        """Probability of each outcome class with its 95% Wilson interval."""
        counts = self.worlds["outcome"].value_counts()
        rows = []
        for outcome in OUTCOMES:
            k = int(counts.get(outcome, 0))
            low, high = wilson_interval(k, len(self.worlds))
            rows.append(
                {"outcome": outcome, "probability": k / len(self.worlds), "low": low, "high": high}
            )
        return pd.DataFrame(rows).set_index("outcome")

    def event_table(self) -> pd.DataFrame:
        """Share of worlds where each event happened, and quartiles of its first day."""
        rows = []
        for column in EVENT_COLUMNS:
            days = self.worlds[column].dropna()
            q = days.quantile([0.25, 0.5, 0.75]) if len(days) else pd.Series([np.nan] * 3)
            rows.append(
                {
                    "event": column.removeprefix("day_"),
                    "share": len(days) / len(self.worlds),
                    "q25": float(q.iloc[0]),
                    "median": float(q.iloc[1]),
                    "q75": float(q.iloc[2]),
                }
            )
        return pd.DataFrame(rows).set_index("event")

    def summary(self) -> dict[str, Any]:
        """Everything ``summary.json`` holds: outcomes, event days, war, blame."""
        worlds = self.worlds

        def spread(column: str) -> dict[str, float]:
            values = worlds[column]
            return {
                "mean": float(values.mean()),
                "median": float(values.median()),
                "p05": float(values.quantile(0.05)),
                "p95": float(values.quantile(0.95)),
            }

        return {
            "scenario": self.scenario.name,
            "runs": self.runs,
            "seed": self.seed,
            "horizon_days": self.scenario.horizon_days,
            "outcomes": self.outcome_table().to_dict(orient="index"),
            "events": self.event_table().to_dict(orient="index"),
            "territory_change_pp": spread("territory_change"),
            "casualties": spread("casualties"),
            "air_defense_delivered": spread("air_defense_delivered"),
            "blame": {a: float(worlds[f"blame_{a}"].mean()) for a in self.actors},
        }

    def summary_text(self) -> str:
        """A plain-text summary table for the terminal."""
        s = self.summary()
        lines = [
            f"{s['scenario']} -- {s['runs']:,} worlds, {s['horizon_days']} days, seed {s['seed']}",
            "",
            f"{'outcome':<20}{'probability':>12}   95% interval",
        ]
        for name, row in s["outcomes"].items():
            lines.append(
                f"{name:<20}{row['probability']:>11.1%}   [{row['low']:.1%}, {row['high']:.1%}]"
            )
        lines += ["", f"{'event':<20}{'happened':>9}{'day q25':>9}{'median':>8}{'q75':>6}"]
        for name, row in s["events"].items():
            days = (
                f"{row['q25']:>9.0f}{row['median']:>8.0f}{row['q75']:>6.0f}"
                if row["share"] > 0
                else f"{'-':>9}{'-':>8}{'-':>6}"
            )
            lines.append(f"{name:<20}{row['share']:>9.1%}{days}")
        t, c, a = s["territory_change_pp"], s["casualties"], s["air_defense_delivered"]
        lines += [
            "",
            f"territory change     {t['median']:+.2f} pp median"
            f"  (90%: {t['p05']:+.2f} to {t['p95']:+.2f})",
            f"casualties           {c['median']:,.0f} median"
            f"  (90%: {c['p05']:,.0f} to {c['p95']:,.0f})",
            f"air defence          {a['median']:,.0f} interceptors median",
            "blame at the horizon "
            + ", ".join(f"{k} {v:.0%}" for k, v in s["blame"].items())
            + " (means)",
        ]
        return "\n".join(lines)

    def write_daily(self, folder: Path) -> None:
        """Write the per-day aggregates as ``daily.csv``."""
        if self.daily is not None:
            self.daily.to_frame().to_csv(folder / "daily.csv", index=False)
