"""The figure of a sensitivity analysis: the top parameters' indices as bars with intervals."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

FIRST, TOTAL = "#9ecae1", "#08519c"
"""Light and dark blue: first-order and total indices (told apart in grey too)."""


def index_bars(ax: Axes | None, rows: pd.DataFrame, method: str, title: str) -> Axes:
    """Horizontal bars of the indices of ``rows`` (one per parameter, largest first), on top.

    Sobol: the total index (dark) over the first-order index (light), each with its 95 %
    bootstrap interval. Morris: mu* with its interval.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(11, 0.5 * len(rows) + 2.2), layout="constrained")
    rows = rows.iloc[::-1]
    where = np.arange(len(rows))
    if method == "sobol":
        height = 0.38
        ax.barh(where + height / 2, rows["ST"], height, xerr=rows["ST_conf"], color=TOTAL,
                label="total (ST)", capsize=3)  # fmt: skip
        ax.barh(where - height / 2, rows["S1"].clip(lower=0), height, xerr=rows["S1_conf"],
                color=FIRST, label="first order (S1)", capsize=3)  # fmt: skip
        ax.set_xlabel("share of the output's variance")
        ax.set_xlim(0, max(0.05, float((rows["ST"] + rows["ST_conf"]).max()) * 1.1))
        ax.legend(loc="lower right", frameon=False)
    else:
        ax.barh(where, rows["mu_star"], 0.6, xerr=rows["mu_star_conf"], color=TOTAL, capsize=3)
        ax.set_xlabel("mu*: mean |change| of the output over the parameter's whole range")
    ax.set_yticks(where, [path.removeprefix("actors.") for path in rows["parameter"]])
    ax.set_title(title, fontsize=12)
    ax.grid(axis="x", alpha=0.3)
    return ax
