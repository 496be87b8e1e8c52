"""A run's or comparison's folder with uncertainty bands: written, read back, redrawn (issue 21).

The folder is the run's or comparison's own (``worlds.csv`` at the files' values, …) plus
``uncertainty.csv`` (the per-draw values: ``draw, kind, scenario, reference, measure, value``),
``draws.csv`` (each draw's parameter values), ``bands.csv`` (the table of
:meth:`~sim.experiments.uncertainty.Uncertainty.to_df`), ``claims.csv`` in a comparison, the
band figures, a section of ``report.md``, and an ``uncertainty`` entry in the manifest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.uncertainty import (
    CLAIM_KIND,
    DIFFERENCE_KIND,
    SHARE_KIND,
    Uncertainty,
    describe,
)
from sim.model.design import per_world
from sim.output.plots import projector_style
from sim.output.report import markdown_table

PER_DRAW, DRAWS, BANDS, CLAIMS = "uncertainty.csv", "draws.csv", "bands.csv", "claims.csv"
READ = (PER_DRAW, DRAWS)
"""The files a saved uncertainty run is read back from (besides the run's own)."""


def write_tables(result: Uncertainty, folder: Path) -> None:
    """The per-draw tables and the band table."""
    result.per_draw.to_csv(folder / PER_DRAW, index=False)
    result.draws.to_csv(folder / DRAWS)
    result.to_df().to_csv(folder / BANDS)
    claims = result.claims()
    if len(claims):
        claims.to_csv(folder / CLAIMS, index=False)


def manifest_entry(result: Uncertainty) -> dict[str, Any]:
    """The manifest's ``uncertainty`` entry: enough to run the draws again."""
    return {
        "draws": result.draw_count,
        "worlds_per_draw": result.worlds_per_draw,
        "level": result.level,
        "parameters": [p.path for p in result.parameters],
        "held": result.held,
        "labels": result.labels,
    }


def load_uncertainty(base: Any, folder: Path, entry: dict[str, Any]) -> Uncertainty:
    """The saved bands of ``base`` (the loaded run or comparison), from the manifest's entry.

    Raises:
        ValueError: a file is missing or does not match the manifest (the caller names it).

    """
    first = base.results[0] if hasattr(base, "results") else base
    known = per_world(first.scenario)
    parameters = [known[path] for path in entry["parameters"]]
    per_draw = pd.read_csv(folder / PER_DRAW, keep_default_na=False, na_values={"value": [""]})
    draws = pd.read_csv(folder / DRAWS, index_col="draw")
    if list(draws.columns) != list(entry["parameters"]):
        raise ValueError(f"{DRAWS}: its parameters are not the manifest's")
    if len(draws) != int(entry["draws"]) or set(per_draw["draw"]) != set(range(len(draws))):
        raise ValueError(f"{PER_DRAW}: its draws are not the manifest's {entry['draws']}")
    per_draw["reference"] = per_draw["reference"].astype(str)
    return Uncertainty(
        base=base,
        parameters=parameters,
        held=dict(entry["held"]),
        draws=draws,
        per_draw=per_draw,
        worlds_per_draw=int(entry["worlds_per_draw"]),
        level=float(entry["level"]),
        labels=dict(entry["labels"]),
    )


def save_band_figures(
    result: Uncertainty, folder: Path, formats: tuple[str, ...] = ("png",)
) -> list[Path]:
    """Draw the band figures; the files, one per format.

    ``uncertainty_shares``, and in a comparison ``uncertainty_differences`` and (where a claim
    of the article applies) ``uncertainty_claims``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    kinds = [SHARE_KIND]
    if (result.per_draw["kind"] == DIFFERENCE_KIND).any():
        kinds.append(DIFFERENCE_KIND)
    if (result.per_draw["kind"] == CLAIM_KIND).any():
        kinds.append(CLAIM_KIND)
    paths = []
    for kind in kinds:
        with projector_style():
            rows = (
                len(result.claims())
                if kind == CLAIM_KIND
                else 7
                * len(result.scenario_labels if kind == SHARE_KIND else result.scenario_labels[1:])
            )
            fig, ax = plt.subplots(figsize=(12, 2.4 + 0.45 * rows), dpi=110)
            try:
                result.plot(ax=ax, kind=kind)
                fig.tight_layout()
                name = {SHARE_KIND: "shares", DIFFERENCE_KIND: "differences"}.get(kind, "claims")
                for fmt in formats:
                    paths.append(folder / f"uncertainty_{name}.{fmt}")
                    fig.savefig(paths[-1], bbox_inches="tight", pad_inches=0.15)
            finally:
                plt.close(fig)
    return paths


def report_section(result: Uncertainty, folder: Path, figures: list[Path]) -> str:
    """The ``report.md`` section of the bands and claims, in plain words."""
    low, high = result.percentiles
    lines = [
        "## Uncertainty bands: how far the answer moves over plausible parameters",
        "",
        f"Two different intervals. **Simulation error** (±) is the 95 % Monte Carlo interval of "
        f"each estimate at the file's values, from {result.base.runs:,} worlds: more worlds "
        f"shrink it. The **band across plausible parameters** is the {low:g}th to {high:g}th "
        f"percentile of the same quantity over {result.draw_count} parameter draws "
        f"({len(result.parameters)} parameters, each uniform over its plausible range or over "
        f"the scenario's distribution), {result.worlds_per_draw} worlds per draw, every draw "
        "on the same worlds (common random numbers) and, in a comparison, every scenario on the "
        "same draws. More worlds do not shrink it: it is what the assumptions leave open. It is "
        "not a confidence interval: the ranges are judgements (`docs/calibration.md`), and the "
        "band is only as good as they are (`docs/sensitivity.md`).",
        "",
    ]
    table = result.to_df()
    for (kind, scenario, reference), rows in table.groupby(level=[0, 1, 2], sort=False):
        title = scenario if kind == SHARE_KIND else f"{scenario} − {reference} (paired)"
        cells = [[row["label"], describe(measure, row, kind)] for (*_, measure), row in
                 rows.iterrows()]  # fmt: skip
        lines += [f"### {title}", "", markdown_table(["measure", "estimate and band"], cells), ""]
    claims = result.claims()
    if len(claims):
        lines += [
            "### The article's claims across plausible parameters",
            "",
            markdown_table(
                ["who", "claim", "at the file's values", "holds in", "reversed in"],
                [
                    [
                        r.who,
                        f"{r.says} ({r.scenario} vs {r.reference})",
                        "holds" if r.holds_at_file_values else "does not hold",
                        f"{r.share_of_draws:.0%} of draws",
                        f"{r.share_reversed:.0%} of draws",
                    ]
                    for r in claims.itertuples()
                ],
                left=3,
            ),
            "",
        ]
    for path in figures:
        if path.suffix == ".png":
            lines += [f"![{path.stem}]({path.relative_to(folder).as_posix()})", ""]
    if result.held:
        lines += [
            "Held at the file's value: "
            + ", ".join(f"`{p}`" for p in result.held)
            + " (whole numbers of days and the type prior are one number for all worlds; a "
            "parameter that differs between compared files is the comparison's own change).",
            "",
        ]
    return "\n".join(lines)


def redraw(
    result: Uncertainty, folder: Path, formats: tuple[str, ...], command: str | None
) -> list[Path]:
    """``sim plot``: the run's figures and report, then the bands'; the figures."""
    from sim.output.plots import save_figures
    from sim.output.report import write_report

    figures = save_figures(result.base, folder / "figures", formats)
    write_report(result.base, folder, figures, command)
    return figures + append_bands(result, folder, formats)


def append_bands(result: Uncertainty, folder: Path, formats: tuple[str, ...]) -> list[Path]:
    """Draw the band figures and add their section to the run's ``report.md``; the figures."""
    bands = save_band_figures(result, folder / "figures", formats)
    path = folder / "report.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n" + report_section(result, folder, bands) + "\n", encoding="utf-8")
    return bands
