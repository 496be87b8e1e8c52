"""Read a results folder written by ``sim run`` or ``sim compare`` back into memory."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from sim.aggregates import DailyAggregates
from sim.comparison import Comparison
from sim.results import TOOL, Results
from sim.schema import MAX_RUNS, Scenario


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


def _daily(folder: Path) -> DailyAggregates | None:
    """The per-day aggregates of ``daily.csv``, or None where the folder has none."""
    path = folder / "daily.csv"
    if not path.exists():
        return None
    try:
        return DailyAggregates.from_frame(pd.read_csv(path))
    except (KeyError, ValueError, pd.errors.ParserError) as err:
        raise ResultsFolderError(
            f"{path}: not a per-day aggregates file of this version ({err}); "
            "rerun the scenario to regenerate it"
        ) from None


def load_results(folder: str | Path) -> Results | Comparison:
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
            "expected a folder written by 'sim run' or 'sim compare'"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ResultsFolderError(f"{manifest_path}: cannot read it ({err.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ResultsFolderError(f"{manifest_path}: not valid JSON ({err})") from None
    if not isinstance(manifest, dict) or manifest.get("tool") != TOOL:
        raise ResultsFolderError(
            f"{manifest_path}: written by another tool; expected a manifest with tool '{TOOL}'"
        )
    seed = _whole(manifest, "seed", 0, None, manifest_path)
    runs = _whole(manifest, "runs", 1, MAX_RUNS, manifest_path)
    worlds = _worlds(folder / "worlds.csv")
    try:
        if manifest.get("kind") == "compare":
            labels = list(manifest["labels"])
            _check_rows(worlds, runs * len(labels), folder / "worlds.csv", "scenario")
            results = []
            for entry in manifest["scenarios"]:
                label = entry["label"]
                rows = worlds[worlds["scenario"] == label].drop(columns="scenario")
                _check_rows(rows, runs, folder / "worlds.csv", f"scenario {label!r}")
                results.append(
                    Results(
                        scenario=_scenario(entry["scenario"], manifest_path),
                        worlds=rows.reset_index(drop=True),
                        daily=_daily(folder / "scenarios" / label),
                        seed=seed,
                        runs=runs,
                    )
                )
            return Comparison(results=results, labels=labels)
        _check_rows(worlds, runs, folder / "worlds.csv")
        return Results(
            scenario=_scenario(manifest["scenario"], manifest_path),
            worlds=worlds,
            daily=_daily(folder),
            seed=seed,
            runs=runs,
        )
    except ResultsFolderError:
        raise
    except (KeyError, TypeError, ValueError) as err:
        raise ResultsFolderError(f"{manifest_path}: damaged manifest ({err})") from None


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
    """The scenario stored in the manifest, validated again (one line if it is not valid)."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "scenario"
        raise ResultsFolderError(
            f"{path}: scenario.{field}: {first['msg']} (a damaged manifest; rerun the scenario)"
        ) from None


def _worlds(path: Path) -> pd.DataFrame:
    """``worlds.csv``, read back (one line if it is missing or not a table of this tool)."""
    if not path.is_file():
        raise ResultsFolderError(f"{path}: worlds.csv is missing")
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
    return worlds


def _check_rows(worlds: pd.DataFrame, expected: int, path: Path, which: str = "") -> None:
    """A table cut short (or padded) would give wrong shares: its rows must be the runs."""
    if len(worlds) != expected:
        of = f" of {which}" if which else ""
        raise ResultsFolderError(
            f"{path}: {len(worlds):,} rows{of}, but the manifest says {expected:,} worlds "
            "(the file is damaged; rerun the scenario)"
        )
