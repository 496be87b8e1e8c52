"""A sensitivity analysis's results folder: written, read back, redrawn (issue 21).

The folder holds ``sensitivity.csv`` (one row per output and parameter: the indices with their
95 % half-widths, the parameter's range and source), ``outputs.csv`` (per output: mean, variance
over the design, the share no parameter explains), ``figures/`` (one bar chart per output that
varies), ``report.md`` and ``manifest.json`` (the scenario or scenarios, the parameters, the
sample's size and seed: enough to run it again). :func:`sim.output.saving.save_results` writes it
and :func:`sim.output.saved.load_results` reads it back.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine.results import scenario_hash, versions
from sim.experiments.sensitivity import Sensitivity
from sim.model.design import per_world
from sim.output.folders import TOOL
from sim.output.plots import projector_style
from sim.output.report import markdown_table, write_analysis_report
from sim.scenario.options import InvalidScenarioError, validated

KIND = "sensitivity"
SHOWN = 10
"""Parameters per output in the figures and the report."""


def write_sensitivity(
    result: Sensitivity, folder: Path, command: str | None, formats: tuple[str, ...]
) -> None:
    """Write ``result``'s files into the existing ``folder``."""
    result.to_df().to_csv(folder / "sensitivity.csv", index=False)
    outputs_table(result).to_csv(folder / "outputs.csv")
    figures = save_sensitivity_figures(result, folder / "figures", formats)
    (folder / "manifest.json").write_text(json.dumps(manifest(result, command), indent=2))
    write_sensitivity_report(result, folder, figures, command)


def outputs_table(result: Sensitivity) -> pd.DataFrame:
    """Per output: its words, mean and variance over the design, and the unexplained share."""
    table = result.noise.copy()
    table.insert(0, "label", [result.labels.get(name, name) for name in table.index])
    return table


def save_sensitivity_figures(
    result: Sensitivity, folder: Path, formats: tuple[str, ...] = ("png",)
) -> list[Path]:
    """One bar chart per output that varies over the design; the files, one per format."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for output in varying_outputs(result):
        with projector_style():
            fig, ax = plt.subplots(figsize=(11, 0.5 * SHOWN + 2.2), dpi=110)
            try:
                result.plot(ax=ax, output=output, count=SHOWN)
                fig.tight_layout()
                for fmt in formats:
                    paths.append(folder / f"sensitivity_{output}.{fmt}")
                    fig.savefig(paths[-1], bbox_inches="tight", pad_inches=0.15)
            finally:
                plt.close(fig)
    return paths


def varying_outputs(result: Sensitivity) -> list[str]:
    """The outputs that vary over the design (the others have nothing to decompose)."""
    return [name for name in result.noise.index if result.noise.loc[name, "variance"] > 0]


def manifest(result: Sensitivity, command: str | None = None) -> dict[str, Any]:
    """What the folder's ``manifest.json`` holds."""
    scenarios = [result.scenario] + ([result.against] if result.against is not None else [])
    return {
        "tool": TOOL,
        "kind": KIND,
        "method": result.method,
        "samples": result.samples,
        "worlds_per_point": result.worlds_per_point,
        "seed": result.seed,
        "runs": result.runs,
        "parameters": [p.path for p in result.parameters],
        "held": result.held,
        "labels": result.labels,
        "scenarios": [
            {
                "scenario_name": s.name,
                "scenario_hash": scenario_hash(s),
                "scenario": json.loads(s.model_dump_json()),
            }
            for s in scenarios
        ],
        "command": command,
        "versions": versions(),
    }


def load_sensitivity(folder: Path, manifest: dict[str, Any]) -> Sensitivity:
    """A saved analysis, from its manifest, ``sensitivity.csv`` and ``outputs.csv``.

    Raises:
        ValueError: a file is missing or does not match the manifest (the caller names it).

    """
    scenarios = []
    for entry in manifest["scenarios"]:
        try:
            scenarios.append(validated(entry["scenario"]))
        except InvalidScenarioError as err:
            raise ValueError(f"a scenario of the manifest is not valid ({err})") from None
    known = per_world(scenarios[0])
    parameters = [known[path] for path in manifest["parameters"]]
    table = pd.read_csv(folder / "sensitivity.csv")
    noise = pd.read_csv(folder / "outputs.csv", index_col="output").drop(columns="label")
    columns = ["output", "parameter", *[c for c in table.columns if c not in _RANGE_COLUMNS]]
    table = table[list(dict.fromkeys(columns))]
    if set(table["parameter"]) != set(manifest["parameters"]):
        raise ValueError("sensitivity.csv: its parameters are not the manifest's")
    if set(table["output"]) != set(noise.index):
        raise ValueError("sensitivity.csv: its outputs are not those of outputs.csv")
    return Sensitivity(
        scenario=scenarios[0],
        against=scenarios[1] if len(scenarios) > 1 else None,
        method=manifest["method"],
        parameters=parameters,
        held=dict(manifest["held"]),
        table=table,
        noise=noise,
        samples=int(manifest["samples"]),
        worlds_per_point=int(manifest["worlds_per_point"]),
        seed=int(manifest["seed"]),
        runs=int(manifest["runs"]),
        labels=dict(manifest["labels"]),
    )


_RANGE_COLUMNS = ("low", "high", "source")


def write_sensitivity_report(
    result: Sensitivity, folder: Path, figures: list[Path], command: str | None
) -> Path:
    """Write ``report.md``: per output, the top parameters with intervals, and its figure."""
    sobol = result.method == "sobol"
    lines = [
        f"# Which assumptions drive the answer: {result.title}",
        "",
        f"Generated {dt.date.today().isoformat()} by negotiation-sim "
        f"{versions()['negotiation-sim']}" + (f": `{command}`" if command else "."),
        "",
        (
            f"**Sobol indices** of {len(result.parameters)} parameters from "
            f"{result.samples:,} base samples"
            if sobol
            else f"**Morris screening** of {len(result.parameters)} parameters from "
            f"{result.samples:,} trajectories"
        )
        + f" ({result.runs:,} simulated worlds, {result.worlds_per_point} per design point, "
        f"seed {result.seed}). Each parameter varies uniformly over its plausible range, or "
        "over the scenario's distribution where the file gives one. "
        + (
            "**ST** (total index) is the share of the output's variance that involves the "
            "parameter, alone or with others; **S1** (first order) the share it explains "
            "alone. ± is the half-width of a 95 % bootstrap interval."
            if sobol
            else "**mu\\*** is the mean absolute change of the output when the parameter moves "
            "by two thirds of its range; **sigma** the spread of that change (interactions, "
            "non-linearity)."
        ),
        "",
        "*Unexplained* is the share of the output's variance that no parameter explains: the "
        "model's own randomness at a fixed design point (see `docs/sensitivity.md`).",
        "",
    ]
    if result.against is not None:
        lines += [
            f"The outputs are **paired differences**, {result.scenario.name} − "
            f"{result.against.name}, on the same design points and random numbers.",
            "",
        ]
    by_output = {path.stem.removeprefix("sensitivity_"): path for path in figures}
    for output in result.noise.index:
        row = result.noise.loc[output]
        lines += [
            f"## {result.labels.get(output, output)}",
            "",
            f"Mean {row['mean']:.4g}; unexplained by any parameter "
            f"{min(row['unexplained'], 1.0):.2f} ± {row['unexplained_conf']:.2f}.",
            "",
        ]
        if not row["variance"] > 0:
            lines += ["It does not vary over the design: nothing to decompose.", ""]
            continue
        top = result.top(output, SHOWN)
        if sobol:
            header = ["parameter", "ST", "S1"]
            cells = [
                [
                    f"`{r.parameter}`",
                    f"{r.ST:.3f} ± {r.ST_conf:.3f}",
                    f"{r.S1:.3f} ± {r.S1_conf:.3f}",
                ]
                for r in top.itertuples()
            ]
        else:
            header = ["parameter", "mu*", "sigma"]
            cells = [
                [f"`{r.parameter}`", f"{r.mu_star:.4g} ± {r.mu_star_conf:.2g}", f"{r.sigma:.4g}"]
                for r in top.itertuples()
            ]
        lines += [markdown_table(header, cells), ""]
        if output in by_output:
            figure = by_output[output].relative_to(folder).as_posix()
            lines += [f"![{result.labels.get(output, output)}]({figure})", ""]
    return write_analysis_report(folder, lines, result.held)
