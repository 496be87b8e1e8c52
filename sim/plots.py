"""Figures drawn from :class:`~sim.results.Results` only (never from a model).

Each function has the form ``f(results, ax=None) -> Axes``. Colours of the outcome classes are
fixed across every figure.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.outcomes import OUTCOMES

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from sim.results import Results

OUTCOME_COLOURS = {
    "settlement": "#1b9e77",
    "partial_ceasefire": "#7570b3",
    "sanctions": "#d95f02",
    "paralysis": "#7f7f7f",
}
EVENT_LABELS = {
    "day_summit": "summit held",
    "day_sanctions": "sanctions imposed",
    "day_moratorium_start": "strike moratorium agreed",
    "day_settlement": "settlement",
}
EVENT_COLOURS = {
    "day_summit": "#1f78b4",
    "day_sanctions": OUTCOME_COLOURS["sanctions"],
    "day_moratorium_start": OUTCOME_COLOURS["partial_ceasefire"],
    "day_settlement": OUTCOME_COLOURS["settlement"],
}


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(8, 4.5))
    return ax


def outcome_bars(results: Results, ax: Axes | None = None) -> Axes:
    """Probability of each outcome class, with 95% interval whiskers."""
    ax = _axes(ax)
    table = results.outcome_table()
    x = np.arange(len(OUTCOMES))
    p = table["probability"].to_numpy()
    errors = np.vstack([p - table["low"].to_numpy(), table["high"].to_numpy() - p])
    ax.bar(x, p, color=[OUTCOME_COLOURS[o] for o in OUTCOMES], yerr=errors, capsize=6)
    ax.set_xticks(x, [o.replace("_", " ") for o in OUTCOMES])
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of worlds")
    ax.set_title(f"Outcome at day {results.scenario.horizon_days}: {results.scenario.name}")
    return ax


def event_days(results: Results, ax: Axes | None = None) -> Axes:
    """Cumulative probability, by day, that each event has happened."""
    ax = _axes(ax)
    horizon = results.scenario.horizon_days
    days = np.arange(horizon)
    for column, colour in EVENT_COLOURS.items():
        values = results.worlds[column].to_numpy()
        share = [(values <= d).mean() for d in days]
        ax.step(days, share, where="post", color=colour, label=EVENT_LABELS[column])
    ax.set_xlim(0, horizon - 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(f"day (0 = {results.scenario.start_date})")
    ax.set_ylabel("share of worlds, cumulative")
    ax.set_title("When things happen")
    ax.legend(loc="upper left")
    return ax


def save_figures(results: Results, folder: Path) -> list[Path]:
    """Draw every figure of a run into ``folder`` as PNG files."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in (("outcomes", outcome_bars), ("event_days", event_days)):
        fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
        draw(results, ax)
        fig.tight_layout()
        path = folder / f"{name}.png"
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written
