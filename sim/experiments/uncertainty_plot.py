"""The figures of an uncertainty run: bands across parameter draws beside simulation error."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

BAND_ALPHA = 0.35
SCENARIO_COLOURS = ("#1f78b4", "#e31a1c", "#33a02c", "#ff7f00", "#6a3d9a", "#b15928")
"""One colour per scenario of the bands (the first is blue: a band in black would hide the dot)."""


def band_chart(ax: Axes | None, rows: pd.DataFrame, kind: str, band: str, mc: str) -> Axes:
    """Bands beside simulation error, one row per measure (and scenario).

    A shaded bar for the band across parameter draws, a dot with black whiskers for the
    estimate at the file's values and its simulation error.

    Args:
        ax: where to draw (a new figure if None).
        rows: rows of :meth:`Uncertainty.to_df`, reset, of one kind, shares only.
        kind: ``share`` or ``difference`` (then in points, around a line at 0).
        band: the band's words (the legend says which is which).
        mc: the Monte Carlo interval's words.

    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    scenarios = list(dict.fromkeys(rows["scenario"]))
    measures = list(dict.fromkeys(rows["label"]))
    if ax is None:
        _, ax = plt.subplots(
            figsize=(11, 1.2 + 0.45 * len(measures) * len(scenarios)), layout="constrained"
        )
    step = 0.8 / len(scenarios)
    scale = 100.0
    for s, scenario in enumerate(scenarios):
        colour = SCENARIO_COLOURS[s % len(SCENARIO_COLOURS)]
        mine = rows[rows["scenario"] == scenario].set_index("label").reindex(measures)
        where = np.arange(len(measures))[::-1] + 0.4 - step * (s + 0.5)
        ax.barh(where, scale * (mine["band_high"] - mine["band_low"]), step * 0.85,
                left=scale * mine["band_low"], color=colour, alpha=BAND_ALPHA)  # fmt: skip
        estimate = scale * mine["estimate"]
        ax.errorbar(estimate, where, xerr=[estimate - scale * mine["mc_low"],
                    scale * mine["mc_high"] - estimate], fmt="o", color="black",
                    markerfacecolor=colour, capsize=3, markersize=6)  # fmt: skip
    ax.set_yticks(np.arange(len(measures))[::-1], measures)
    if kind == "difference":
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel("paired difference (percentage points)")
        pairs = rows.drop_duplicates("scenario")
        names = [f"{r.scenario} − {r.reference}" for r in pairs.itertuples()]
    else:
        ax.set_xlim(0, 100)
        ax.set_xlabel("share of worlds (%)")
        names = scenarios
    handles = [
        Patch(color=SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)], alpha=BAND_ALPHA, label=name)
        for i, name in enumerate(names)
    ]
    handles.append(Patch(color="grey", alpha=BAND_ALPHA, label=f"shaded bar: {band}"))
    estimate = f"dot and whiskers: at the file's values; {mc}"
    handles.append(Line2D([], [], color="black", marker="o", label=estimate))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False,
              fontsize=9)  # fmt: skip
    what = "each share" if kind != "difference" else "each paired difference"
    ax.set_title(f"How far {what} moves over plausible parameters, beside simulation error")
    ax.grid(axis="x", alpha=0.3)
    return ax


def claim_bars(ax: Axes | None, claims: pd.DataFrame, draws: int) -> Axes:
    """Horizontal bars: the share of parameter draws in which each claim holds."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(11, 1.6 + 0.7 * max(1, len(claims))), layout="constrained")
    if not len(claims):
        ax.text(0.5, 0.5, "no claim of the article applies to these scenarios", ha="center")
        ax.set_axis_off()
        return ax
    claims = claims.iloc[::-1]
    where = np.arange(len(claims))
    shares = 100 * claims["share_of_draws"].to_numpy(float)
    ax.barh(where, shares, 0.6, color=SCENARIO_COLOURS[1])
    reversed_ = 100 * claims["share_reversed"].to_numpy(float)
    for y, share, back, holds in zip(
        where, shares, reversed_, claims["holds_at_file_values"], strict=True
    ):
        word = "holds" if holds else "fails"
        text = f"{share:.0f} % (reversed in {back:.0f} %; {word} at the file's values)"
        ax.text(min(share, 100) + 1, y, text, va="center", fontsize=9)
    wrapped = [f"{r.who}: {_wrap(r.says)}" for r in claims.itertuples()]
    ax.set_yticks(where, wrapped, fontsize=9)
    ax.set_xlim(0, 150)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xlabel(f"share of the {draws} parameter draws in which the claim holds (%)")
    ax.set_title("The article's claims across plausible parameters")
    ax.grid(axis="x", alpha=0.3)
    return ax


def _wrap(text: str, width: int = 48) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))
