"""Write a run, a comparison, a sweep or a grid as a results folder, atomically.

One function, :func:`save_results`, for every kind of result; what goes into the folder depends
on the result's class (:func:`write_files` dispatches on it). The folder is written under a
hidden temporary name and renamed at the end (:func:`sim.output.folders.write_folder`), so an
interrupted save leaves nothing behind. :func:`sim.output.saved.load_results` reads it back.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from functools import partial, singledispatch
from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine.results import Results, scenario_hash, versions
from sim.experiments.calibration import Calibration
from sim.experiments.comparison import Comparison
from sim.experiments.discovery import Discovery
from sim.experiments.grids import Grid
from sim.experiments.scoring import Scores
from sim.experiments.sensitivity import Sensitivity
from sim.experiments.sweeps import Sweep
from sim.experiments.uncertainty import Uncertainty
from sim.output.calibration import write_calibration
from sim.output.discovery import write_discovery
from sim.output.folders import TOOL, strict_json, write_folder, write_shared
from sim.output.plots import figure_tasks
from sim.output.report import write_report
from sim.output.scoring import write_scores
from sim.output.sensitivity import write_sensitivity
from sim.output.tables import CsvInParts
from sim.output.uncertainty import append_bands, manifest_entry, write_tables
from sim.scenario import options
from sim.scenario.changes import changes


def save_results(
    result: Results | Comparison | Sensitivity | Discovery | Scores | Uncertainty | Calibration,
    directory: str | Path,
    command: str | None = None,
    overwrite: bool = False,
    formats: tuple[str, ...] = ("png",),
    workers: int | None = None,
) -> Path:
    """Write ``result``'s folder atomically; the folder's path.

    A run's folder holds ``worlds.csv``, ``summary.json``, ``manifest.json``, ``daily.csv``,
    ``report.md`` and ``figures/``; a comparison's adds a ``scenario`` column to ``worlds.csv``
    and one ``daily.csv`` per scenario under ``scenarios/``; a sweep adds ``sweep.csv``, a grid
    ``grid.csv``. ``workers`` processes write it (default: all cores).

    Raises:
        FolderExistsError: ``directory`` may not be replaced
            (:func:`sim.output.folders.check_target`); an existing non-empty folder is replaced
            only with ``overwrite``, and only if it is an earlier results folder.
        FolderNotWritableError: ``directory`` cannot be created.

    """
    formats, workers = options.formats(formats), options.workers(workers)
    return write_folder(
        directory, lambda folder: write_files(result, folder, command, formats, workers), overwrite
    )


@singledispatch
def write_files(
    result: object,
    folder: Path,
    command: str | None,
    formats: tuple[str, ...],
    workers: int | None = None,
) -> None:
    """Write ``result``'s files into the existing ``folder``, by the kind of result."""
    raise TypeError(
        "expected the Results of sim.run or the Comparison of sim.compare, sim.sweep or "
        f"sim.grid, got {type(result).__name__}"
    )


@write_files.register
def _run_files(
    result: Results,
    folder: Path,
    command: str | None,
    formats: tuple[str, ...],
    workers: int | None = None,
) -> None:
    """A run's files; the CSV files and the figures shared with forked helpers."""
    write_run_files(
        result, folder, command, formats, workers, CsvInParts(result.worlds, folder / "worlds.csv")
    )


def write_run_files(
    result: Results,
    folder: Path,
    command: str | None,
    formats: tuple[str, ...],
    workers: int | None = None,
    table: CsvInParts | None = None,
) -> None:
    """A run's files: ``worlds.csv`` from ``table``, daily aggregates, figures, summary, report.

    ``table`` is None when ``worlds.csv`` is written already (:mod:`sim.output.streaming`).
    The figures are drawn with forked helpers where they can be (:func:`write_shared`).
    """
    figures = write_shared(
        table,
        [partial(result.write_daily, folder)],
        figure_tasks(result, folder / "figures", formats),
        workers,
    )
    (folder / "summary.json").write_text(strict_json(result.summary()))
    (folder / "manifest.json").write_text(json.dumps(run_manifest(result, command), indent=2))
    write_report(result, folder, figures, command)


@write_files.register
def _comparison_files(
    result: Comparison,
    folder: Path,
    command: str | None,
    formats: tuple[str, ...],
    workers: int | None = None,
) -> None:
    """A comparison's files (a sweep's and a grid's add their table, by their own methods)."""
    pairs = list(zip(result.results, result.labels, strict=True))
    worlds = pd.concat([r.worlds.assign(scenario=label) for r, label in pairs], ignore_index=True)
    worlds = worlds[["scenario", *[c for c in worlds.columns if c != "scenario"]]]
    dailies = []
    for r, label in pairs:
        sub = folder / "scenarios" / label
        sub.mkdir(parents=True)
        dailies.append(partial(r.write_daily, sub))
    figures = write_shared(
        CsvInParts(worlds, folder / "worlds.csv"),
        dailies,
        figure_tasks(result, folder / "figures", formats),
        workers,
    )
    reference = result.results[0].scenario
    summary = {
        "labels": result.labels,
        "runs": result.runs,
        "seed": result.seed,
        "scenarios": {label: r.summary() for r, label in pairs},
        "differences": result.differences().reset_index().to_dict(orient="records"),
        "changes": {
            label: [asdict(change) for change in changes(reference, r.scenario)]
            for r, label in pairs[1:]
        },
    }
    summary.update(result.extra_summary(folder))
    (folder / "summary.json").write_text(strict_json(summary))
    manifest = comparison_manifest(result, command)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    write_report(result, folder, figures, command)


@write_files.register
def _sensitivity_files(
    result: Sensitivity,
    folder: Path,
    command: str | None,
    formats: tuple[str, ...],
    workers: int | None = None,
) -> None:
    """A sensitivity analysis's files (:mod:`sim.output.sensitivity`)."""
    write_sensitivity(result, folder, command, formats)


@write_files.register
def _score_files(
    result: Scores,
    folder: Path,
    command: str | None,
    formats: tuple[str, ...],
    workers: int | None = None,
) -> None:
    """A scoring's files (:mod:`sim.output.scoring`)."""
    write_scores(result, folder, command, formats)


@write_files.register
def _discovery_files(
    result: Discovery,
    folder: Path,
    command: str | None,
    formats: tuple[str, ...],
    workers: int | None = None,
) -> None:
    """A scenario discovery's files (:mod:`sim.output.discovery`)."""
    write_discovery(result, folder, command, formats)


@write_files.register
def _calibration_files(
    result: Calibration,
    folder: Path,
    command: str | None,
    formats: tuple[str, ...],
    workers: int | None = None,
) -> None:
    """A calibration's files (:mod:`sim.output.calibration`)."""
    write_calibration(result, folder, command, formats)


@write_files.register
def _uncertainty_files(
    result: Uncertainty,
    folder: Path,
    command: str | None,
    formats: tuple[str, ...],
    workers: int | None = None,
) -> None:
    """The run's or comparison's files, then the bands' (:mod:`sim.output.uncertainty`)."""
    write_files(result.base, folder, command, formats, workers)
    write_tables(result, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["uncertainty"] = manifest_entry(result)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    append_bands(result, folder, formats)


def run_manifest(result: Results, command: str | None = None) -> dict[str, Any]:
    """What a run's ``manifest.json`` holds: enough to repeat the run exactly (``sim rerun``)."""
    return {
        "tool": TOOL,
        "kind": "run",
        "scenario_name": result.scenario.name,
        "scenario_hash": scenario_hash(result.scenario),
        "scenario": json.loads(result.scenario.model_dump_json()),
        "seed": result.seed,
        "runs": result.runs,
        "command": command,
        "versions": versions(),
    }


def comparison_manifest(result: Comparison, command: str | None = None) -> dict[str, Any]:
    """What a comparison's ``manifest.json`` holds (a sweep's and a grid's add their fields)."""
    return {
        "tool": TOOL,
        "kind": "compare",
        **result.extra_manifest(),
        "labels": result.labels,
        "references": result.references,
        "seed": result.seed,
        "runs": result.runs,
        "scenarios": [
            {
                "label": label,
                "scenario_name": r.scenario.name,
                "scenario_hash": scenario_hash(r.scenario),
                "scenario": json.loads(r.scenario.model_dump_json()),
            }
            for r, label in zip(result.results, result.labels, strict=True)
        ],
        "command": command,
        "versions": versions(),
    }


def kind_of(result: object) -> str:
    """What a result is, in words (``a grid``), by its class: for messages about a folder."""
    for kind, name in (
        (Grid, "a grid"),
        (Sweep, "a sweep"),
        (Comparison, "a comparison"),
        (Sensitivity, "a sensitivity analysis"),
        (Scores, "a scoring of forecasts"),
        (Discovery, "a scenario discovery"),
        (Uncertainty, "a run with uncertainty bands"),
        (Calibration, "a calibration"),
    ):
        if isinstance(result, kind):
            return name
    return "a run" if isinstance(result, Results) else f"a {type(result).__name__}"
