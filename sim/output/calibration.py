"""A calibration's results folder (``sim calibrate``, issue 22).

The folder holds:

- ``posterior.yaml``: the **posterior overlay**, a scenario that ``extends:`` the calibrated file
  (by a path relative to the folder) and gives each fitted parameter its posterior as a
  distribution, so that ``sim run posterior.yaml`` carries the posterior's uncertainty;
- ``posterior.csv`` (the last generation's particles and weights), ``parameters.csv`` (prior and
  posterior summaries), ``targets.csv`` (the record against the predictive intervals),
  ``generations.csv`` (pyabc's thresholds and acceptance), ``predictive.csv`` (each predictive
  world's targets, prior and posterior);
- ``abc.db``: pyabc's SQLite history of every generation (``pyabc.History``);
- ``figures/`` (``parameters.png``, ``targets.png``), ``report.md`` and ``manifest.json``.

:func:`sim.output.saving.save_results` writes it atomically (a staging folder renamed at the end),
with pyabc's database copied in last, so an interrupted calibration leaves neither.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.engine.results import scenario_hash, versions
from sim.experiments.calibration import LEVEL, Calibration
from sim.output.folders import TOOL
from sim.output.plots import projector_style
from sim.output.report import markdown_table
from sim.scenario.inputs import read_bytes
from sim.scenario.loading import MAX_FILE_BYTES

KIND = "calibration"
OVERLAY = "posterior.yaml"
DATABASE = "abc.db"


def write_calibration(
    result: Calibration, folder: Path, command: str | None, formats: tuple[str, ...]
) -> None:
    """Write ``result``'s files into the existing (staging) ``folder``."""
    result.posterior.to_csv(folder / "posterior.csv", index=False)
    result.parameters_table().to_csv(folder / "parameters.csv", index=False)
    result.targets_table().to_csv(folder / "targets.csv", index=False)
    result.generations.to_csv(folder / "generations.csv", index=False)
    predictive = pd.concat(
        [
            result.prior_predictive.assign(distribution="prior"),
            result.posterior_predictive.assign(distribution="posterior"),
        ],
        ignore_index=True,
    )
    predictive.to_csv(folder / "predictive.csv", index=False)
    (folder / OVERLAY).write_text(overlay_text(result, folder), encoding="utf-8")
    figures = save_figures(result, folder / "figures", formats)
    (folder / "manifest.json").write_text(json.dumps(manifest(result, command), indent=2))
    write_report(result, folder, figures, command)
    if result.database is not None and result.database.exists():
        shutil.copyfile(result.database, folder / DATABASE)


def overlay_text(result: Calibration, folder: Path) -> str:
    """The overlay file: a comment saying where it comes from, then the scenario mapping.

    ``extends`` is the calibrated file's path relative to ``folder``'s parent's child: the
    staging folder and the final one are siblings, so the path holds for both.
    """
    source = result.scenario_file
    extends = os.path.relpath(Path(source).resolve(), folder.resolve()) if source else "?"
    header = (
        f"# The posterior of `sim calibrate` (issue 22), seed {result.seed}: "
        f"{len(result.parameters)} parameters of\n#   {source}\n# fitted to\n"
        f"#   {result.record.file}\n"
        "# Each is a normal with the posterior's weighted mean and standard deviation, truncated\n"
        "# to its prior's support; correlations between parameters are not kept\n"
        "# (docs/calibration.md, 'Calibrating to the record').\n"
    )
    body = yaml.safe_dump(result.overlay(extends), sort_keys=False, allow_unicode=True, width=100)
    return header + body


def save_figures(
    result: Calibration, folder: Path, formats: tuple[str, ...] = ("png",)
) -> list[Path]:
    """``parameters`` (prior vs posterior) and ``targets`` (record vs predictive)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.experiments.calibration_plot import parameters_figure, targets_figure

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, draw in (("parameters", parameters_figure), ("targets", targets_figure)):
        with projector_style():
            fig = draw(result)
            try:
                for fmt in formats:
                    paths.append(folder / f"{name}.{fmt}")
                    fig.savefig(paths[-1], dpi=100, bbox_inches="tight", pad_inches=0.15)
            finally:
                plt.close(fig)
    return paths


def manifest(result: Calibration, command: str | None = None) -> dict[str, Any]:
    """What ``manifest.json`` holds: the scenario, the record (with its SHA-256), the settings."""
    import hashlib

    record_bytes = read_bytes(result.record.file, MAX_FILE_BYTES, "record file")
    return {
        "tool": TOOL,
        "kind": KIND,
        "seed": result.seed,
        "population": result.population,
        "generations": len(result.generations),
        "worlds": result.worlds,
        "parameters": result.names,
        "targets": [t.name for t in result.record.targets],
        "record": {
            "file": result.record.file,
            "sha256": hashlib.sha256(record_bytes).hexdigest(),
        },
        "scenario_file": result.scenario_file,
        "scenario_name": result.scenario.name,
        "scenario_hash": scenario_hash(result.scenario),
        "scenario": json.loads(result.scenario.model_dump_json()),
        "command": command,
        "versions": versions(),
    }


def _g(value: float) -> str:
    return f"{value:.4g}"


def write_report(
    result: Calibration, folder: Path, figures: list[Path], command: str | None
) -> None:
    """``report.md``: the posterior, the fit, the generations, the cost."""
    level = f"{LEVEL:.0%}"
    params = result.parameters_table()
    targets = result.targets_table()
    lines = [
        f"# Calibration of {result.scenario.name} to the record",
        "",
        f"`{command or 'sim.calibrate'}` — {dt.date.today().isoformat()}",
        "",
        f"ABC-SMC (pyabc) of {len(result.parameters)} parameters against "
        f"{len(result.record.targets)} targets of `{result.record.file}` "
        f"({result.record.start} to {result.record.end}): {len(result.generations)} generations "
        f"of {result.population:,} particles, one simulated world per particle, "
        f"{result.worlds:,} worlds in all (the predictive checks included), seed {result.seed}. "
        f"The ABC-SMC took {result.seconds:.0f} s in {result.batches} ensemble calls. "
        f"The last generation has {result.effective_particles():.0f} effective particles.",
        "",
        f"**The posterior overlay** `{OVERLAY}` extends the calibrated scenario with each "
        "parameter's posterior as a truncated normal: `sim run <this folder>/"
        f"{OVERLAY}` carries it into a run.",
        "",
        "## Parameters",
        "",
        markdown_table(
            [
                "parameter",
                "prior",
                f"prior {level}",
                f"posterior {level}",
                "posterior mean",
                "interval narrowed by",
            ],
            [
                [
                    f"`{r['parameter']}`",
                    r["prior"],
                    f"{_g(r['prior_low'])}–{_g(r['prior_high'])}",
                    f"{_g(r['posterior_low'])}–{_g(r['posterior_high'])}",
                    _g(r["posterior_mean"]),
                    f"{r['narrowed']:.0%}",
                ]
                for _, r in params.iterrows()
            ],
            left=2,
        ),
        "",
        "## The record against the predictive distributions",
        "",
        f"Each target's {level} interval over {len(result.prior_predictive):,} worlds drawn "
        "from the prior and from the posterior (one world per parameter draw).",
        "",
        markdown_table(
            [
                "target",
                "quantity",
                "observed",
                f"prior {level}",
                f"posterior {level}",
                "record inside",
            ],
            [
                [
                    r["target"],
                    f"`{r['quantity']}`",
                    _g(r["observed"]),
                    f"{_g(r['prior_low'])}–{_g(r['prior_high'])}",
                    f"{_g(r['posterior_low'])}–{_g(r['posterior_high'])}",
                    "yes" if r["inside"] else "**no**",
                ]
                for _, r in targets.iterrows()
            ],
            left=2,
        ),
        "",
        "## Generations",
        "",
        markdown_table(
            ["t", "threshold", "particles", "proposals", "acceptance", "effective particles"],
            [
                [
                    str(int(r["t"])),
                    _g(r["epsilon"]),
                    f"{int(r['particles']):,}",
                    f"{int(r['evaluated']):,}",
                    f"{r['acceptance']:.1%}",
                    f"{r['effective']:.0f}",
                ]
                for _, r in result.generations.iterrows()
            ],
            left=1,
        ),
        "",
        "## Figures",
        "",
    ]
    lines += [f"![{p.stem}](figures/{p.name})" for p in figures if p.suffix == ".png"]
    (folder / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
