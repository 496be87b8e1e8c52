"""Figures of a calibration: prior against posterior, and the record against the predictive."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.experiments.calibration import Calibration

PRIOR = "#9e9e9e"
POSTERIOR = "#1f5fa8"
RECORD = "#c0392b"
BINS = 30


def _grid(count: int) -> tuple[int, int]:
    columns = min(count, 3)
    return math.ceil(count / columns), columns


def parameters_figure(result: Calibration) -> Figure:
    """One panel per parameter: the prior's density and the posterior's weighted histogram."""
    import matplotlib.pyplot as plt

    from sim.experiments.calibration import frozen_prior, prior_support

    rows, columns = _grid(len(result.parameters))
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.0 * rows), squeeze=False)
    table = result.parameters_table().set_index("parameter")
    for ax, parameter in zip(axes.flat, result.parameters, strict=False):
        low, high = prior_support(parameter)
        low, high = max(low, parameter.low), min(high, parameter.high)
        x = result.posterior[parameter.path].to_numpy(float)
        low, high = min(low, x.min()), max(high, x.max())
        edges = np.linspace(low, high, BINS + 1)
        ax.hist(
            x,
            bins=edges,
            weights=result.weights,
            density=True,
            color=POSTERIOR,
            alpha=0.75,
            label="posterior",
        )
        grid = np.linspace(low, high, 200)
        ax.plot(grid, frozen_prior(parameter).pdf(grid), color=PRIOR, lw=2, label="prior")
        row = table.loc[parameter.path]
        ax.axvspan(row["posterior_low"], row["posterior_high"], color=POSTERIOR, alpha=0.12)
        ax.axvline(parameter.default, color="black", lw=1, ls=":", label="scenario's value")
        ax.set_title(parameter.path, fontsize=9)
        ax.set_yticks([])
    return _finished(
        fig,
        axes,
        len(result.parameters),
        f"Prior and posterior of each calibrated parameter — {result.scenario.name}\n"
        "(shaded: the posterior's 90 % credible interval; dotted: the scenario's value)",
    )


def targets_figure(result: Calibration) -> Figure:
    """One panel per target: prior and posterior predictive histograms, the record's value."""
    import matplotlib.pyplot as plt

    targets = result.record.targets
    rows, columns = _grid(len(targets))
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.0 * rows), squeeze=False)
    table = result.targets_table().set_index("target")
    for ax, target in zip(axes.flat, targets, strict=False):
        before = result.prior_predictive[target.name].to_numpy(float)
        after = result.posterior_predictive[target.name].to_numpy(float)
        low = min(before.min(), after.min(), target.observed)
        high = max(before.max(), after.max(), target.observed)
        if high <= low:
            high = low + 1.0
        edges = np.linspace(low, high, BINS + 1)
        ax.hist(before, bins=edges, density=True, color=PRIOR, alpha=0.5, label="prior predictive")
        ax.hist(
            after,
            bins=edges,
            density=True,
            color=POSTERIOR,
            alpha=0.6,
            label="posterior predictive",
        )
        row = table.loc[target.name]
        ax.axvspan(row["posterior_low"], row["posterior_high"], color=POSTERIOR, alpha=0.12)
        ax.axvline(target.observed, color=RECORD, lw=2.5, label="the record")
        ax.set_title(f"{target.name}\n{target.quantity.text}", fontsize=9)
        ax.set_yticks([])
    return _finished(
        fig,
        axes,
        len(targets),
        f"The record against the predictive distribution of each target — {result.scenario.name}"
        "\n(shaded: the posterior predictive 90 % interval; one world per parameter draw)",
    )


def _finished(fig: Figure, axes: np.ndarray, used: int, title: str) -> Figure:
    """Hide the panels past the first ``used``, add the legend and the title, lay it out."""
    for ax in list(axes.flat)[used:]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8, loc="upper right")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig
