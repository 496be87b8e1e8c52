"""The figure of a scoring: the reliability diagram of the forecasts (``sim score``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

POINTS = "#08519c"
"""Dark blue: the bins' observed shares."""


def reliability_diagram(ax: Axes | None, bins: pd.DataFrame, title: str) -> Axes:
    """Each bin's share of questions that happened against its mean forecast.

    With its 95 % interval, beside the diagonal of perfect reliability; each point is labelled
    with its number of questions.

    ``bins``: :func:`sim.experiments.scoring.reliability`'s table.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 7), layout="constrained")
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1.5,
            label="perfectly reliable")  # fmt: skip
    x, y = bins["mean_forecast"].to_numpy(), bins["happened"].to_numpy()
    error = np.vstack([y - bins["low"].to_numpy(), bins["high"].to_numpy() - y])
    ax.errorbar(x, y, yerr=error, fmt="o", color=POINTS, markersize=9, capsize=4,
                label="share that happened (95 % interval)")  # fmt: skip
    for xi, yi, count in zip(x, y, bins["questions"], strict=True):
        ax.annotate(f"{count}", (xi, yi), textcoords="offset points", xytext=(9, -4),
                    fontsize=11)  # fmt: skip
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    ax.set_xlabel("forecast: share of worlds where the condition holds (bin mean)")
    ax.set_ylabel("share of the bin's questions that happened")
    ax.set_title(title, fontsize=12)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", frameon=False, fontsize=10)
    return ax
