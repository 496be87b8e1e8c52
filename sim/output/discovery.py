"""A scenario discovery's results folder: written, read back, redrawn (issue 21).

The folder holds ``boxes.csv`` (one row per box and restricted parameter: its limits, the
parameter's range, the quasi-p value, and the box's coverage, density, lift and mass),
``trajectory.csv`` (PRIM's peeling and pruning steps of each box), ``figures/`` (per box, the
peeling trade-off and the box limits), ``report.md`` and ``manifest.json`` (the scenario, the
condition, the parameters, the design's size and seed: enough to run it again).
:func:`sim.output.saving.save_results` writes it and :func:`sim.output.saved.load_results`
reads it back.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine.results import scenario_hash, versions
from sim.experiments.discovery import Discovery
from sim.model.design import per_world
from sim.output.folders import TOOL
from sim.output.plots import projector_style
from sim.output.report import markdown_table, write_analysis_report
from sim.scenario.options import InvalidScenarioError, validated

KIND = "discover"
READ = ("boxes.csv", "trajectory.csv")
"""The tables a saved discovery is read back from."""


def write_discovery(
    result: Discovery, folder: Path, command: str | None, formats: tuple[str, ...]
) -> None:
    """Write ``result``'s files into the existing ``folder``."""
    result.to_df().to_csv(folder / "boxes.csv", index=False)
    result.trajectory.to_csv(folder / "trajectory.csv", index=False)
    figures = save_discovery_figures(result, folder / "figures", formats)
    (folder / "manifest.json").write_text(json.dumps(manifest(result, command), indent=2))
    write_discovery_report(result, folder, figures, command)


def save_discovery_figures(
    result: Discovery, folder: Path, formats: tuple[str, ...] = ("png",)
) -> list[Path]:
    """Per box, the peeling trade-off and the box limits; the files, one per format."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for box in result.boxes.index:
        rows = int((result.limits["box"] == box).sum())
        for kind, size in (("tradeoff", (9, 6.5)), ("limits", (11, 0.8 * max(rows, 1) + 2.2))):
            with projector_style():
                fig, ax = plt.subplots(figsize=size, dpi=110)
                try:
                    result.plot(ax=ax, box=int(box), kind=kind)
                    fig.tight_layout()
                    for fmt in formats:
                        paths.append(folder / f"{kind}_box{box}.{fmt}")
                        fig.savefig(paths[-1], bbox_inches="tight", pad_inches=0.15)
                finally:
                    plt.close(fig)
    return paths


def manifest(result: Discovery, command: str | None = None) -> dict[str, Any]:
    """What the folder's ``manifest.json`` holds."""
    return {
        "tool": TOOL,
        "kind": KIND,
        "where": result.where,
        "samples": result.samples,
        "worlds_per_point": result.worlds_per_point,
        "seed": result.seed,
        "runs": result.runs,
        "cases": result.cases,
        "base_rate": result.base_rate,
        "min_coverage": result.min_coverage,
        "significance": result.significance,
        "parameters": [p.path for p in result.parameters],
        "held": result.held,
        "scenario_name": result.scenario.name,
        "scenario_hash": scenario_hash(result.scenario),
        "scenario": json.loads(result.scenario.model_dump_json()),
        "command": command,
        "versions": versions(),
    }


def load_discovery(folder: Path, manifest: dict[str, Any]) -> Discovery:
    """A saved discovery, from its manifest, ``boxes.csv`` and ``trajectory.csv``.

    Raises:
        ValueError: a file is missing or does not match the manifest (the caller names it).

    """
    try:
        scenario = validated(manifest["scenario"])
    except InvalidScenarioError as err:
        raise ValueError(f"the scenario of the manifest is not valid ({err})") from None
    known = per_world(scenario)
    parameters = [known[path] for path in manifest["parameters"]]
    table = pd.read_csv(folder / "boxes.csv")
    trajectory = pd.read_csv(folder / "trajectory.csv")
    limit_columns = ["box", "parameter", "low", "high", "range_low", "range_high", "qp"]
    missing = [c for c in limit_columns if c not in table.columns]
    missing += [c for c in _TRAJECTORY_COLUMNS if c not in trajectory.columns]
    if missing:
        raise ValueError(f"boxes.csv or trajectory.csv: no column {', '.join(missing)}")
    limits = table.dropna(subset=["parameter"])[limit_columns].reset_index(drop=True)
    if not set(limits["parameter"]) <= set(manifest["parameters"]):
        raise ValueError("boxes.csv: a box restricts a parameter the manifest does not vary")
    if trajectory["chosen"].dtype != bool:
        raise ValueError("trajectory.csv: column chosen holds other than True and False")
    if sorted(trajectory.loc[trajectory["chosen"], "box"]) != sorted(set(trajectory["box"])):
        raise ValueError("trajectory.csv: expected one reported step per box")
    return Discovery(
        scenario=scenario,
        where=str(manifest["where"]),
        parameters=parameters,
        held=dict(manifest["held"]),
        trajectory=trajectory,
        limits=limits,
        base_rate=float(manifest["base_rate"]),
        cases=int(manifest["cases"]),
        samples=int(manifest["samples"]),
        worlds_per_point=int(manifest["worlds_per_point"]),
        seed=int(manifest["seed"]),
        runs=int(manifest["runs"]),
        min_coverage=float(manifest["min_coverage"]),
        significance=float(manifest["significance"]),
    )


_TRAJECTORY_COLUMNS = ("box", "step", "phase", "coverage", "density", "mass", "restricted",
                       "chosen")  # fmt: skip


def write_discovery_report(
    result: Discovery, folder: Path, figures: list[Path], command: str | None
) -> Path:
    """Write ``report.md``: each box in plain words, its limits, and its two figures."""
    lines = [
        f"# Where {result.where} is likely: {result.scenario.name}",
        "",
        f"Generated {dt.date.today().isoformat()} by negotiation-sim "
        f"{versions()['negotiation-sim']}" + (f": `{command}`" if command else "."),
        "",
        f"**Scenario discovery** with PRIM (ema_workbench) over {len(result.parameters)} "
        f"parameters: a Latin hypercube of {result.samples:,} design points × "
        f"{result.worlds_per_point} world(s) (seed {result.seed}), each parameter over its "
        "plausible range or the scenario's distribution. The condition holds in "
        f"{result.cases:,} of {result.runs:,} worlds ({result.base_rate:.1%}).",
        "",
        "A box is a range of each restricted parameter. **Coverage**: the share of the worlds "
        "meeting the condition that fall in the box; **density**: the share of the box's "
        "worlds that meet it; **lift**: density over the share in all worlds; **mass**: the "
        "share of all worlds in the box. PRIM peels the box step by step (the trade-off "
        f"figure); the densest step with coverage ≥ {result.min_coverage:.0%} is then pruned: "
        "restrictions whose quasi-p value is "
        f"{result.significance:g} or more are dropped (see `docs/sensitivity.md`).",
        "",
    ]
    by_name = {path.stem: path for path in figures if path.suffix == ".png"}
    for box, stats in result.boxes.iterrows():
        lines += [
            f"## Box {box}",
            "",
            result.sentence(int(box)),
            "",
            f"Coverage {stats['coverage']:.1%}, density {stats['density']:.1%}, lift "
            f"{stats['lift']:.2f}, mass {stats['mass']:.1%} ({int(stats['worlds']):,} worlds).",
            "",
        ]
        rows = result.limits[result.limits["box"] == box]
        if not rows.empty:
            cells = [
                [
                    f"`{r.parameter}`",
                    f"{r.low:.4g} – {r.high:.4g}",
                    f"{r.range_low:.4g} – {r.range_high:.4g}",
                    f"{r.qp:.2g}",
                ]
                for r in rows.itertuples()
            ]
            lines += [markdown_table(["parameter", "box", "sampled range", "quasi-p"], cells), ""]
        for kind, words in (("limits", "Box limits"), ("tradeoff", "Peeling trade-off")):
            path = by_name.get(f"{kind}_box{box}")
            if path is not None:
                lines += [f"![{words}, box {box}]({path.relative_to(folder).as_posix()})", ""]
    return write_analysis_report(folder, lines, result.held)
