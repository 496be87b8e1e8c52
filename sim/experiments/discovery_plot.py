"""The figures of a scenario discovery: PRIM's peeling trade-off and a box's limits.

Drawn from the tables of :class:`sim.experiments.discovery.Discovery` (so a saved folder redraws
them), after the figures of ema_workbench's ``PrimBox.show_tradeoff`` and
``PrimBox.inspect(style="graph")`` (Kwakkel 2017).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

BOX, RANGE = "#08519c", "#d9d9d9"
"""Dark blue: the box's limits; light grey: the parameter's whole range."""


def tradeoff(ax: Axes | None, steps: pd.DataFrame, base_rate: float, title: str) -> Axes:
    """Coverage against density at each step of PRIM's peeling, coloured by restrictions.

    Peeling steps are dots, pruning steps (restrictions dropped) triangles; the reported box is
    ringed and labelled; the dashed line is the share of all worlds that meet the condition (a
    box's density starts there).
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 6), layout="constrained")
    restricted = steps["restricted"].to_numpy()
    top = max(int(restricted.max()), 1)
    cmap = plt.get_cmap("viridis", top + 1)
    peel = (steps["phase"] == "peel").to_numpy()
    for mask, marker, label in ((peel, "o", "peeling"), (~peel, "^", "pruning")):
        if not mask.any():
            continue
        dots = ax.scatter(
            steps["coverage"][mask], steps["density"][mask], c=restricted[mask], cmap=cmap,
            vmin=-0.5, vmax=top + 0.5, s=34, marker=marker, zorder=3, label=label,
        )  # fmt: skip
    ax.legend(loc="upper right", frameon=False)
    bar = ax.figure.colorbar(dots, ax=ax, ticks=range(0, top + 1, max(1, (top + 1) // 8)))
    bar.set_label("parameters restricted")
    chosen = steps[steps["chosen"]]
    if not chosen.empty:
        row = chosen.iloc[0]
        ax.scatter([row["coverage"]], [row["density"]], s=160, facecolors="none",
                   edgecolors="#cb181d", linewidths=2, zorder=4)  # fmt: skip
        ax.annotate(
            f"reported box: coverage {row['coverage']:.0%}, density {row['density']:.0%}",
            (row["coverage"], row["density"]), xytext=(0.04, 0.08), textcoords="axes fraction",
            color="#cb181d", arrowprops={"arrowstyle": "->", "color": "#cb181d"},
        )  # fmt: skip
    ax.axhline(base_rate, color="grey", linestyle="--", linewidth=1)
    ax.annotate(f"all worlds: {base_rate:.1%}", (0.02, base_rate), xytext=(0, 4),
                textcoords="offset points", color="grey")  # fmt: skip
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, min(1.02, max(float(steps["density"].max()) * 1.15, base_rate * 1.5, 0.1)))
    ax.set_xlabel("coverage: share of the worlds meeting the condition that are in the box")
    ax.set_ylabel("density: share of the box's worlds that meet it")
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    return ax


def limits(ax: Axes | None, rows: pd.DataFrame, title: str) -> Axes:
    """Each restricted parameter's sampled range (grey) and the box's part of it (blue).

    Bars are drawn on each parameter's own range scaled to [0, 1]; the numbers are in the
    parameter's units, and the quasi-p value (Bryant & Lempert 2010) is beside its name.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 0.6 * max(len(rows), 1) + 2), layout="constrained")
    rows = rows.iloc[::-1]
    where = np.arange(len(rows))
    span = (rows["range_high"] - rows["range_low"]).to_numpy(float)
    span = np.where(span > 0, span, 1.0)
    low = (rows["low"] - rows["range_low"]).to_numpy(float) / span
    high = (rows["high"] - rows["range_low"]).to_numpy(float) / span
    ax.barh(where, np.ones(len(rows)), 0.55, color=RANGE)
    ax.barh(where, high - low, 0.55, left=low, color=BOX)
    for y, row, left, right in zip(where, rows.itertuples(), low, high, strict=True):
        ax.annotate(f"{row.low:.3g}", (left, y), xytext=(-3, 0), textcoords="offset points",
                    ha="right", va="center", fontsize=9)  # fmt: skip
        ax.annotate(f"{row.high:.3g}", (right, y), xytext=(3, 0), textcoords="offset points",
                    ha="left", va="center", fontsize=9)  # fmt: skip
    labels = [
        f"{row.parameter.removeprefix('actors.')}\n"
        f"sampled {row.range_low:.3g}–{row.range_high:.3g}, quasi-p {row.qp:.2g}"
        for row in rows.itertuples()
    ]
    ax.set_yticks(where, labels, fontsize=9)
    ax.set_xlim(-0.12, 1.12)
    ax.set_xticks([0, 0.5, 1], ["low end", "middle", "high end"])
    ax.set_xlabel("each parameter's sampled range (grey) and the box (blue)")
    if rows.empty:
        ax.text(0.5, 0.5, "the box restricts no parameter", ha="center", va="center",
                transform=ax.transAxes)  # fmt: skip
    ax.set_title(title, fontsize=11)
    return ax
