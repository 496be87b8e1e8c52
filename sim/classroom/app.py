"""The classroom app: one world of a scenario, played a day at a time in the browser.

Built on Mesa's SolaraViz (one world is the same model at ``worlds=1``, ``docs/model.md`` §2). The
sidebar has Mesa's Reset / Play / Step and sliders for the knobs of :mod:`sim.classroom.watch`; the
first page shows the world's situation, what each actor did and why, and its path so far; the second
places it among 2,000 worlds run with the same settings.

Start it with ``sim viz scenarios/summit.yaml`` (which runs ``solara run sim.classroom.app``). In a
notebook, ``page("scenarios/summit.yaml")`` as the last line of a cell shows it inline. Needs the
``viz`` extra (``pip install -e ".[viz]"``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz

from sim.classroom.trace import describe
from sim.classroom.watch import (
    AGGRESSOR_TYPES,
    AS_DRAWN,
    ENSEMBLE_RUNS,
    KNOBS,
    SETTINGS_VARIABLE,
    WatchedWorld,
)
from sim.model import outcomes
from sim.output import plots
from sim.scenario.loading import bundled_scenarios, load_scenario

LOG_DAYS = 12
"""How many of the latest eventful days the log shows."""


def model_params(
    scenario_file: str, base_overrides: Sequence[str] = (), seed: int = 0, world: int = 0
) -> dict[str, Any]:
    """SolaraViz's ``model_params``: the fixed file and overrides, sliders for the rest.

    Each knob's slider starts where the scenario puts it (its mean, where it is drawn per world);
    left there, it sets nothing.
    """
    scenario = load_scenario(scenario_file, list(base_overrides))
    params: dict[str, Any] = {
        "scenario_file": scenario_file,
        "base_overrides": list(base_overrides),
        "seed": {
            "type": "SliderInt",
            "label": "Seed (as in sim run --seed)",
            "value": seed,
            "min": 0,
            "max": max(99, seed),
            "step": 1,
        },
        "world": {
            "type": "SliderInt",
            "label": "World (row of sim run)",
            "value": world,
            "min": 0,
            "max": ENSEMBLE_RUNS - 1,
            "step": 1,
        },
        "aggressor_type": {
            "type": "Select",
            "label": "Aggressor's private type",
            "value": AS_DRAWN,
            "values": list(AGGRESSOR_TYPES),
        },
    }
    for knob in KNOBS:
        params[knob.name] = {
            "type": "SliderFloat",
            "label": knob.label,
            "value": round(knob.start(scenario), 3),
            "min": 0.0,
            "max": 1.0,
            "step": 0.05,
        }
    return params


def territory_change(model: WatchedWorld) -> float:
    """The watched world's territory change so far, in percentage points (as in ``worlds``)."""
    return float(outcomes.territory_change(model)[model.row])


def situation_text(model: WatchedWorld) -> str:
    """The situation card: today's state of the world, its outcome so far, how to repeat it."""
    state = model.current
    spec = model.spec
    day = model.days[-1] if model.days else None
    when = f"**Day {day.day}** ({day.date})" if day else "**Before day 0**"
    aggressor = model.actor_names[model.roles.aggressor]
    private = "sincere" if model.state.sincere[model.row] else "stalling"
    blame = ", ".join(f"{name} {share:.0%}" for name, share in state["blame"].items())
    truce = "in force" if state["moratorium"] else "none"
    outcome = model.outcome()["outcome"].replace("_", " ")
    ending = "Outcome" if not model.running else "Outcome if the horizon were today"
    changed = ", ".join(f"`{text}`" for text in model.changes) or "none (as in the file)"
    lines = [
        f"### {spec.name}",
        f"{when} of {model.horizon} · world {model.world_index}, seed {model.seed}",
        "",
        "| | |",
        "|---|---|",
        f"| Territory held by the aggressor | {state['territory_pct']:.2f} % "
        f"({territory_change(model):+.2f} pp since day 0) |",
        f"| Casualties so far | {state['casualties']:,} |",
        f"| Sanctions level | {state['sanctions_level']:.2f} |",
        f"| Economic pressure on the aggressor | {state['economic_pressure']:.2f} |",
        f"| Coercer's belief that the aggressor is sincere | {state['belief_sincere']:.2f} |",
        f"| Strike moratorium | {truce} |",
        f"| Settlement | {'in force' if state['settled'] else 'none'} |",
        f"| Blame | {blame} |",
        "",
        f"{aggressor} is privately **{private}**; the coercer does not know it.",
        "",
        f"**{ending}: {outcome}.**",
        "",
        f"Settings changed: {changed}. The same world on the command line:",
        "",
        f"    {model.command()}",
    ]
    return "\n".join(lines)


def log_text(model: WatchedWorld) -> str:
    """The latest eventful days, newest first: each act, its probability and its reasons."""
    eventful = [day for day in model.days if day.notable]
    if not eventful:
        return "### What happened\nNothing yet beyond the war itself. Press Step or Play."
    lines = [
        "### What happened (newest first)",
        "Each act shows its probability under the logit choice, its main reason and its "
        "utility components. Days of routine strikes alone are left out.",
        "",
    ]
    for day in reversed(eventful[-LOG_DAYS:]):
        lines.append(f"**Day {day.day}** ({day.date})")
        lines.extend(f"- {describe(entry)}" for entry in day.notable)
        lines.append("")
    return "\n".join(lines)


def path_figure(model: WatchedWorld) -> Figure:
    """The world's path so far: front line, sanctions and pressure, belief, blame."""
    figure = Figure(figsize=(9, 6), layout="constrained")
    axes = figure.subplots(2, 2, sharex=True)
    days = [d.day for d in model.days]
    states = [d.state for d in model.days]
    series = {
        (0, 0): ("Territory held by the aggressor (%)", ["territory_pct"]),
        (0, 1): ("Sanctions level and economic pressure", ["sanctions_level", "economic_pressure"]),
        (1, 0): ("Coercer's belief: aggressor sincere", ["belief_sincere"]),
    }
    for (row, column), (title, keys) in series.items():
        ax = axes[row, column]
        for key in keys:
            ax.plot(days, [s[key] for s in states], label=key.replace("_", " "))
        ax.set_title(title, fontsize=10)
    axes[0, 1].legend(fontsize=8, loc="upper left")
    for ax in (axes[0, 1], axes[1, 0]):
        ax.set_ylim(0, 1)
    ax = axes[1, 1]
    for name in model.actor_names:
        ax.plot(days, [s["blame"][name] for s in states], label=name)
    ax.set_title("Blame shares", fontsize=10)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8, loc="upper right")
    for ax in axes[1]:
        ax.set_xlabel("day")
    for ax in axes.flat:
        ax.set_xlim(0, model.horizon)
    return figure


def among_figure(model: WatchedWorld) -> Figure:
    """Where the watched world stands among the worlds like it.

    (:data:`~sim.classroom.watch.ENSEMBLE_RUNS` of them.)
    """
    results = model.ensemble()
    figure = Figure(figsize=(9, 6), layout="constrained")
    top, bottom = figure.subplots(2, 1, height_ratios=[1, 2])
    plots.outcome_bars(results, ax=top)
    top.set_yticks([0], [f"{ENSEMBLE_RUNS:,} worlds"])
    plots.distribution(results, "territory_change", ax=bottom, label="territory change (pp)")
    bottom.legend(loc="upper right")  # inside: below the axes it would leave the figure
    if model.running:
        top.set_title(
            f"Outcome at day {model.horizon}; world {model.world_index} joins the figures "
            f"when it gets there (day {len(model.days)} now)"
        )
        return figure
    bottom.axvline(
        territory_change(model),
        color="crimson",
        linewidth=2.5,
        label=f"world {model.world_index}",
    )
    bottom.legend(loc="upper right")
    outcome = model.outcome()["outcome"].replace("_", " ")
    top.set_title(f"Outcome at day {model.horizon}; world {model.world_index} ended in {outcome}")
    return figure


def situation_card(model: WatchedWorld) -> solara.Element:
    """SolaraViz component: :func:`situation_text` as a card."""
    return solara.Markdown(situation_text(model))


def log_card(model: WatchedWorld) -> solara.Element:
    """SolaraViz component: :func:`log_text` as a card."""
    return solara.Markdown(log_text(model))


def path_chart(model: WatchedWorld) -> solara.Element:
    """SolaraViz component: :func:`path_figure`."""
    return solara.FigureMatplotlib(path_figure(model))


def among_chart(model: WatchedWorld) -> solara.Element:
    """SolaraViz component: :func:`among_figure`."""
    return solara.FigureMatplotlib(among_figure(model))


def page(
    scenario_file: str,
    base_overrides: Sequence[str] = (),
    seed: int = 0,
    world: int = 0,
) -> solara.Element:
    """The app for one scenario file: SolaraViz over a :class:`~sim.classroom.watch.WatchedWorld`.

    Raises:
        ScenarioError: the file or an override is invalid.
        ValueError: a negative seed, or a world outside the sliders' range.

    """
    if not 0 <= world < ENSEMBLE_RUNS:
        raise ValueError(f"world: expected 0 to {ENSEMBLE_RUNS - 1}, got {world}")
    params = model_params(scenario_file, base_overrides, seed, world)
    model = WatchedWorld(scenario_file, seed, world, base_overrides=list(base_overrides))
    return SolaraViz(
        model,
        components=[(situation_card, 0), (path_chart, 0), (log_card, 0), (among_chart, 1)],
        model_params=params,
        name=f"sim viz: {model.spec.name}",
        play_interval=150,
    )


@solara.component
def Page() -> solara.Element:  # noqa: N802 (the name solara looks for)
    """What ``solara run sim.classroom.app`` serves: :func:`page` with the settings of ``sim viz``.

    Started by hand (``solara run sim.classroom.app``), it shows the bundled summit scenario.
    """
    settings = json.loads(os.environ.get(SETTINGS_VARIABLE, "{}"))
    if (
        "scenario_file" not in settings
    ):  # started as `solara run sim.classroom.app`, not by `sim viz`
        summit = [path for path in bundled_scenarios() if path.name == "summit.yaml"]
        settings["scenario_file"] = str(summit[0])
    return page(**settings)
