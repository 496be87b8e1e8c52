"""Read a results folder written by ``sim run`` or ``sim compare`` back into memory.

Everything read is checked before it is used, so that a damaged folder gets one line naming the
file and what is wrong (:class:`ResultsFolderError`), never a traceback halfway through redrawing
its figures, and never figures drawn from rows that do not add up.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.engine.results import Results
from sim.experiments.comparison import Comparison
from sim.experiments.sensitivity import Sensitivity
from sim.model.aggregates import DailyAggregates
from sim.model.outcomes import OUTCOMES
from sim.output.folders import TOOL
from sim.output.sensitivity import KIND, load_sensitivity
from sim.scenario.options import InvalidScenarioError, validated
from sim.scenario.schema import MAX_RUNS, Scenario


class ResultsFolderError(ValueError):
    """A folder that is missing, not a results folder, or damaged."""


CONTRACT_COLUMNS = (
    "world",
    "outcome",
    "day_summit",
    "day_sanctions",
    "day_settlement",
    "day_moratorium_start",
    "day_moratorium_end",
    "territory_change",
    "casualties",
    "air_defense_delivered",
)
"""Columns every ``worlds.csv`` of this tool has (with ``blame_<actor>``; ``docs/model.md``)."""
RERUN = "rerun the scenario to write it again"


def load_results(folder: str | Path) -> Results | Comparison | Sensitivity:
    """Load a saved run or comparison.

    Raises:
        ResultsFolderError: the folder does not exist, has no manifest of this tool, or lacks
            the files the manifest promises, or they are damaged (one line naming the file).

    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsFolderError(f"{folder}: no such results folder")
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise ResultsFolderError(
            f"{folder}: not a results folder (no manifest.json); "
            "expected a folder written by 'sim run', 'sim compare' or 'sim sweep'"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ResultsFolderError(f"{manifest_path}: cannot read it ({err.strerror})") from None
    except (ValueError, UnicodeDecodeError) as err:  # ValueError: also a number too long to read
        raise ResultsFolderError(f"{manifest_path}: not valid JSON ({err})") from None
    if not isinstance(manifest, dict) or manifest.get("tool") != TOOL:
        raise ResultsFolderError(
            f"{manifest_path}: written by another tool; expected a manifest with tool '{TOOL}'"
        )
    seed = _whole(manifest, "seed", 0, None, manifest_path)
    if manifest.get("kind") == KIND:
        return _sensitivity(folder, manifest, manifest_path)
    runs = _whole(manifest, "runs", 1, MAX_RUNS, manifest_path)
    worlds_path = folder / "worlds.csv"
    worlds = _worlds(worlds_path)
    try:
        if manifest.get("kind") == "compare":
            return _comparison(folder, manifest, worlds, seed, runs)
        scenario = _scenario(manifest["scenario"], manifest_path)
        _check_rows(worlds, runs, worlds_path)
        return Results(
            scenario=scenario,
            worlds=worlds,
            daily=_daily(folder, scenario),
            seed=seed,
            runs=runs,
        )
    except ResultsFolderError:
        raise
    except (KeyError, TypeError, ValueError) as err:
        raise ResultsFolderError(f"{manifest_path}: damaged manifest ({err})") from None


def _sensitivity(folder: Path, manifest: dict, manifest_path: Path) -> Sensitivity:
    """A saved sensitivity analysis (:mod:`sim.output.sensitivity`)."""
    try:
        return load_sensitivity(folder, manifest)
    except FileNotFoundError as err:
        raise ResultsFolderError(f"{err.filename}: missing; {RERUN}") from None
    except (KeyError, TypeError, ValueError) as err:
        raise ResultsFolderError(f"{manifest_path}: damaged sensitivity analysis ({err})") from None


def _comparison(
    folder: Path, manifest: dict, worlds: pd.DataFrame, seed: int, runs: int
) -> Comparison:
    """The scenarios of a saved comparison, each with its rows of ``worlds.csv``."""
    manifest_path, worlds_path = folder / "manifest.json", folder / "worlds.csv"
    entries = manifest["scenarios"]
    labels = [entry["label"] for entry in entries]
    if (
        len(labels) < 2
        or len(set(labels)) != len(labels)
        or not all(isinstance(label, str) for label in labels)
        or list(manifest["labels"]) != labels
    ):
        raise ResultsFolderError(
            f"{manifest_path}: labels: expected two or more distinct names, the same in "
            f"'labels' and 'scenarios', got {manifest['labels']!r} and {labels!r}"
        )
    if "scenario" not in worlds.columns:
        raise ResultsFolderError(f"{worlds_path}: no column scenario; {RERUN}")
    _check_rows(worlds, runs * len(labels), worlds_path, "in all")
    results = []
    for entry, label in zip(entries, labels, strict=True):
        scenario = _scenario(entry["scenario"], manifest_path)
        rows = worlds[worlds["scenario"] == label].drop(columns="scenario")
        _check_rows(rows, runs, worlds_path, f"of scenario {label!r}")
        results.append(
            Results(
                scenario=scenario,
                worlds=rows.reset_index(drop=True),
                daily=_daily(folder / "scenarios" / label, scenario),
                seed=seed,
                runs=runs,
            )
        )
    from sim.experiments import grids, sweeps

    comparison = Comparison(results=results, labels=labels)
    if manifest.get("grid") is not None:
        return grids.from_manifest(comparison, manifest["grid"])
    return sweeps.from_manifest(comparison, manifest.get("sweep"))


def _whole(manifest: dict, key: str, low: int, high: int | None, path: Path) -> int:
    """The manifest's whole number ``key``, checked against ``low`` and ``high``."""
    value = manifest.get(key)
    if type(value) is not int or value < low or (high is not None and value > high):
        upper = f" to {high:,}" if high is not None else " or more"
        raise ResultsFolderError(
            f"{path}: {key}: expected a whole number from {low}{upper}, got {value!r}"
        )
    return value


def _scenario(data: object, path: Path) -> Scenario:
    """The scenario stored in the manifest, validated again as a file would be (one line)."""
    try:
        return validated(data)
    except InvalidScenarioError as err:
        raise ResultsFolderError(
            f"{path}: scenario.{err.field}: {err.message} (a damaged manifest; {RERUN})"
        ) from None


def _worlds(path: Path) -> pd.DataFrame:
    """``worlds.csv``, read back (one line if it is missing or not a table of this tool)."""
    if not path.exists():
        raise ResultsFolderError(f"{path}: worlds.csv is missing")
    if not path.is_file():
        raise ResultsFolderError(f"{path}: not a file")
    try:
        worlds = pd.read_csv(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        reason = getattr(err, "strerror", None) or str(err).splitlines()[0]
        raise ResultsFolderError(f"{path}: not a worlds table ({reason})") from None
    missing = [column for column in CONTRACT_COLUMNS if column not in worlds.columns]
    if missing:
        raise ResultsFolderError(
            f"{path}: not a worlds table of this tool (no column {', '.join(missing[:3])})"
        )
    for column in CONTRACT_COLUMNS:
        if column != "outcome" and not pd.api.types.is_numeric_dtype(worlds[column]):
            raise ResultsFolderError(f"{path}: column {column} holds text; {RERUN}")
    unknown = sorted(set(worlds["outcome"].dropna().astype(str)) - set(OUTCOMES))
    if unknown or worlds["outcome"].isna().any():
        shown = ", ".join(unknown[:3]) or "an empty cell"
        raise ResultsFolderError(
            f"{path}: column outcome holds {shown}; expected {', '.join(OUTCOMES)}"
        )
    return worlds


def _check_rows(worlds: pd.DataFrame, expected: int, path: Path, which: str = "") -> None:
    """A table cut short (or padded) would give wrong shares: its rows must be the runs."""
    if len(worlds) != expected:
        of = f" {which}" if which else ""
        raise ResultsFolderError(
            f"{path}: {len(worlds):,} rows{of}, but the manifest says {expected:,} worlds "
            f"(the file is damaged; {RERUN})"
        )


def _daily(folder: Path, scenario: Scenario) -> DailyAggregates | None:
    """The per-day aggregates of ``daily.csv``, or None where the folder has none.

    They must cover the scenario's days and every variable a run keeps.
    """
    path = folder / "daily.csv"
    if not path.exists():
        return None
    try:
        daily = DailyAggregates.from_frame(pd.read_csv(path))
    except OSError as err:
        raise ResultsFolderError(f"{path}: cannot read it ({err.strerror})") from None
    except (KeyError, ValueError, pd.errors.ParserError) as err:
        raise ResultsFolderError(
            f"{path}: not a per-day aggregates file of this version ({err}); {RERUN}"
        ) from None
    defender = next(name for name, a in scenario.actors.items() if a.role == "defender")
    kept = DailyAggregates.for_actors(1, 0, list(scenario.actors), defender)
    missing = sorted(
        (set(kept.quantile_names) - set(daily.quantile_names))
        | (set(kept.mean_names) - set(daily.mean_names))
    )
    if missing or daily.days != scenario.horizon_days:
        what = f"no {', '.join(missing[:3])}" if missing else f"{daily.days} days"
        raise ResultsFolderError(
            f"{path}: incomplete ({what}; the scenario has {scenario.horizon_days} days); {RERUN}"
        )
    return daily
