"""Read a results folder written by ``sim run`` or ``sim compare`` back into memory."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.aggregates import DailyAggregates
from sim.comparison import Comparison
from sim.results import TOOL, Results
from sim.schema import Scenario


class ResultsFolderError(ValueError):
    """A folder that is missing, not a results folder, or damaged."""


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
            the files the manifest promises.

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
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ResultsFolderError(f"{manifest_path}: not valid JSON ({err})") from None
    if not isinstance(manifest, dict) or manifest.get("tool") != TOOL:
        raise ResultsFolderError(
            f"{manifest_path}: written by another tool; expected a manifest with tool '{TOOL}'"
        )
    worlds_path = folder / "worlds.csv"
    if not worlds_path.exists():
        raise ResultsFolderError(f"{folder}: worlds.csv is missing")
    worlds = pd.read_csv(worlds_path)
    try:
        if manifest.get("kind") == "compare":
            results = []
            for entry in manifest["scenarios"]:
                label = entry["label"]
                rows = worlds[worlds["scenario"] == label].drop(columns="scenario")
                results.append(
                    Results(
                        scenario=Scenario.model_validate(entry["scenario"]),
                        worlds=rows.reset_index(drop=True),
                        daily=_daily(folder / "scenarios" / label),
                        seed=manifest["seed"],
                        runs=manifest["runs"],
                    )
                )
            return Comparison(results=results, labels=list(manifest["labels"]))
        return Results(
            scenario=Scenario.model_validate(manifest["scenario"]),
            worlds=worlds,
            daily=_daily(folder),
            seed=manifest["seed"],
            runs=manifest["runs"],
        )
    except ResultsFolderError:
        raise
    except (KeyError, TypeError, ValueError) as err:
        raise ResultsFolderError(f"{manifest_path}: damaged manifest ({err})") from None
