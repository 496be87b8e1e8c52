"""The classroom app: one world of a scenario, played a day at a time in the browser.

One world is the same model at ``worlds=1`` (``docs/model.md`` §2, *Worlds*). The sidebar has
Reset / Play / Step, the play interval and a slider for each knob of :mod:`sim.classroom.watch`,
each showing its value; the first tab shows the world's situation, what each actor did and why, and
its path so far; the second places it among 2,000 worlds run with the same settings.

The page is laid out with Solara's own cards and columns, not Mesa's SolaraViz: SolaraViz lays its
cards on a draggable grid of fixed-height cells (cards drawn over each other once the text grows)
and steps Play only after the figures are redrawn (about one day a second, whatever the interval).

Start it with ``sim viz scenarios/summit.yaml`` (which runs ``solara run sim.classroom.app``). In a
notebook, ``page("scenarios/summit.yaml")`` as the last line of a cell shows it inline. Needs the
``viz`` extra (``pip install -e ".[viz]"``).
"""

from __future__ import annotations

import html
import json
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import ipyvuetify as v
import markdown
import matplotlib
import solara
import solara.lab
import traitlets
from matplotlib.figure import Figure

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

PLAY_INTERVAL_MS = 150
"""Play's default pace: one simulated day every this many milliseconds."""

FIGURE_WIDTH_IN = 7.5
"""The figures' width in inches; the page scales them to their card's width."""

FIGURE_STYLE = {
    **plots.PROJECTOR_STYLE,
    "font.size": 14,
    "axes.titlesize": 15,
    "axes.labelsize": 14,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "legend.fontsize": 13,
    "legend.title_fontsize": 13,
}
"""Matplotlib settings of the app's figures: text of at least 13 pt, which the page shows at 14 px
or more on a projector of 1280 or 1920 pixels (checked by tests/test_browser.py)."""

PAGE_STYLE = """
.sim-card { font-size: 17px; line-height: 1.45; }
.sim-card table { border-collapse: collapse; margin: 6px 0 10px 0; }
.sim-card td { padding: 3px 10px 3px 0; vertical-align: top; }
.sim-card td:first-child { color: #444; }
.sim-card pre { white-space: pre-wrap; word-break: break-all; font-size: 15px; }
.sim-card h3 { margin: 4px 0 8px 0; }
.sim-card ul { margin: 0 0 8px 0; }
.sim-figure img { width: 100%; height: auto; }
.sim-sidebar .v-input__slot { flex-wrap: wrap; }
.sim-sidebar .v-input__slot > .v-label {
  width: 100%; max-width: 100%; height: auto; white-space: normal; overflow: visible;
  line-height: 1.3; font-size: 16px; margin-bottom: 2px;
}
.sim-day { font-size: 16px; font-weight: 500; }
.sim-sidebar .v-slider { min-width: 100%; }
"""
"""The cards' typography: large enough to read from the back of a classroom."""


@dataclass(frozen=True)
class Settings:
    """What the sidebar sets: the world's seed and row, the aggressor's type and the knobs."""

    seed: int
    world: int
    aggressor_type: str
    knobs: tuple[float, ...]

    def keywords(self) -> dict[str, Any]:
        """The keywords of :class:`~sim.classroom.watch.WatchedWorld` for these settings."""
        named = {knob.name: value for knob, value in zip(KNOBS, self.knobs, strict=True)}
        return {
            "seed": self.seed,
            "world": self.world,
            "aggressor_type": self.aggressor_type,
            **named,
        }


def start_settings(
    scenario_file: str, base_overrides: Sequence[str], seed: int, world: int
) -> Settings:
    """The sidebar's settings on opening: each knob where the scenario puts it (its mean)."""
    scenario = load_scenario(scenario_file, list(base_overrides))
    knobs = tuple(round(knob.start(scenario), 3) for knob in KNOBS)
    return Settings(seed=seed, world=world, aggressor_type=AS_DRAWN, knobs=knobs)


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
        lines += [f"**Day {day.day}** ({day.date})", ""]
        lines.extend(f"- {describe(entry)}" for entry in day.notable)
        lines.append("")
    return "\n".join(lines)


def card_html(text: str) -> str:
    """A card's Markdown as HTML, rendered on the server.

    Solara's Markdown component would fetch KaTeX in the browser (not among the offline assets of
    ``solara-assets``, so an error in every offline classroom); the text has no mathematics. The
    text is escaped first, so a scenario's name shows as written, never as markup.
    """
    return markdown.markdown(html.escape(text, quote=False), extensions=["tables"])


@contextmanager
def figure_style() -> Iterator[None]:
    """Matplotlib settings of the app's figures (:data:`FIGURE_STYLE`)."""
    with matplotlib.rc_context(FIGURE_STYLE):
        yield


def path_figure(model: WatchedWorld) -> Figure:
    """The world's path so far: front line, sanctions and pressure, belief, blame."""
    with figure_style():
        figure = Figure(figsize=(FIGURE_WIDTH_IN, 6.5), layout="constrained")
        axes = figure.subplots(2, 2, sharex=True)
        days = [d.day for d in model.days]
        states = [d.state for d in model.days]
        series = {
            (0, 0): ("Territory held (%)", {"territory_pct": "territory"}),
            (0, 1): (
                "Sanctions, pressure",
                {"sanctions_level": "sanctions", "economic_pressure": "pressure"},
            ),
            (1, 0): ("Belief: sincere", {"belief_sincere": "belief"}),
        }
        for (row, column), (title, keys) in series.items():
            ax = axes[row, column]
            for key, label in keys.items():
                ax.plot(days, [s[key] for s in states], label=label)
            ax.set_title(title)
        axes[0, 1].legend(loc="upper left")
        for ax in (axes[0, 1], axes[1, 0]):
            ax.set_ylim(0, 1)
        ax = axes[1, 1]
        for name in model.actor_names:
            ax.plot(days, [s["blame"][name] for s in states], label=name)
        ax.set_title("Blame shares")
        ax.set_ylim(0, 1)
        ax.legend(loc="upper right", ncols=2)
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
    with figure_style():
        figure = Figure(figsize=(FIGURE_WIDTH_IN, 6.5), layout="constrained")
        top, bottom = figure.subplots(2, 1, height_ratios=[1, 2])
        plots.outcome_bars(results, ax=top)
        top.set_yticks([0], [f"{ENSEMBLE_RUNS:,} worlds"])
        plots.distribution(results, "territory_change", ax=bottom, label="territory change (pp)")
        bottom.legend(loc="upper right")  # inside: below the axes it would leave the figure
        if model.running:
            top.set_title(
                f"Outcome at day {model.horizon}; world {model.world_index} joins the figures\n"
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
        top.set_title(
            f"Outcome at day {model.horizon}; world {model.world_index} ended in {outcome}"
        )
    return figure


def days_due(started: float, now: float, interval_ms: int) -> int:
    """How many days Play should have stepped by ``now``, started at ``started`` (monotonic s).

    One day at the start and one per interval after it: the days follow the clock, not the
    redrawing, so Play keeps its pace (1000 / interval days a second) when showing a day takes
    longer than the interval; it then shows fewer frames, each a few days on.
    """
    return int((now - started) * 1000 / max(interval_ms, 1)) + 1


class PlayClock(v.VuetifyTemplate):
    """Play's clock, kept by the browser: while ``playing``, it ticks every ``interval`` ms.

    Each tick calls ``on_tick`` on the server, which steps the days that fell due
    (:func:`days_due`); the next tick leaves an interval later, once the server has answered (or
    after 5 s without an answer), so ticks never queue up behind a slow redraw and a click on
    Pause is answered at once.

    A timer in the browser rather than a thread on the server: a server thread stepping the world
    did not reliably redraw the student's page (on Solara 1.58 its updates reached no page in
    about one start in three), while a tick is handled as a click on Step is.
    """

    playing = traitlets.Bool(False).tag(sync=True)
    interval = traitlets.Int(PLAY_INTERVAL_MS).tag(sync=True)
    answered = traitlets.Int(0).tag(sync=True)
    on_tick = traitlets.Any(None)
    template = traitlets.Unicode(
        """
<template><span class="sim-play-clock"></span></template>
<script>
module.exports = {
  mounted() {
    this.sent = 0;
    this.waiting = false;
    this.timer = setInterval(() => this.beat(), 25);
  },
  destroyed() { clearInterval(this.timer); },
  watch: { answered() { this.waiting = false; } },
  methods: {
    beat() {
      const now = Date.now();
      const due = !this.waiting && now - this.sent >= this.interval;
      if (this.playing && (due || now - this.sent > 5000)) {  // 5 s: an answer was lost
        this.sent = now;
        this.waiting = true;
        this.tick();
      }
    },
  },
};
</script>
"""
    ).tag(sync=True)

    def vue_tick(self, _data: Any = None) -> None:
        try:
            if self.on_tick is not None:
                self.on_tick()
        finally:
            self.answered += 1  # the browser sends the next tick only after this answer


@solara.component
def world_view(model: WatchedWorld, day: int) -> solara.Element:
    """The first tab: the situation and the path (side by side when wide enough), then the log."""
    with solara.Column(gap="16px") as view:
        with solara.ColumnsResponsive(default=12, xlarge=6, gutters_dense=True):
            with solara.Card("Situation", classes=["sim-situation"], margin=0):
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=card_html(situation_text(model)),
                    classes=["sim-card", "sim-situation-text"],
                )
            with solara.Card("Path so far", classes=["sim-path", "sim-figure"], margin=0):
                solara.FigureMatplotlib(path_figure(model), dependencies=[model, day])
        with solara.Card("What happened", classes=["sim-log"], margin=0):
            solara.HTML(
                tag="div",
                unsafe_innerHTML=card_html(log_text(model)),
                classes=["sim-card", "sim-log-text"],
            )
    return view


@solara.component
def among_view(model: WatchedWorld, day: int) -> solara.Element:
    """The second tab: the watched world among :data:`ENSEMBLE_RUNS` worlds like it."""
    with solara.Card(
        f"Among {ENSEMBLE_RUNS:,} worlds like it", classes=["sim-among", "sim-figure"], margin=0
    ) as card:
        solara.FigureMatplotlib(among_figure(model), dependencies=[model, day, model.running])
    return card


def _value_label(label: str, value: float | int) -> str:
    shown = f"{value:.2f}" if isinstance(value, float) else str(value)
    return f"{label}: {shown}"


def page(
    scenario_file: str,
    base_overrides: Sequence[str] = (),
    seed: int = 0,
    world: int = 0,
) -> solara.Element:
    """The app for one scenario file: a :class:`~sim.classroom.watch.WatchedWorld`, day by day.

    Raises:
        ScenarioError: the file or an override is invalid.
        ValueError: a negative seed, or a world outside the sliders' range.

    """
    if not 0 <= world < ENSEMBLE_RUNS:
        raise ValueError(f"world: expected 0 to {ENSEMBLE_RUNS - 1}, got {world}")
    load_scenario(scenario_file, list(base_overrides))
    return world_page(scenario_file, tuple(base_overrides), seed, world)


@solara.component
def world_page(
    scenario_file: str, base_overrides: tuple[str, ...], seed: int, world: int
) -> solara.Element:
    """The page of :func:`page`: the sidebar's controls and settings, and the two tabs."""
    start = solara.use_memo(lambda: start_settings(scenario_file, base_overrides, seed, world), [])
    chosen = solara.use_reactive(start)  # what the sidebar shows
    built = solara.use_reactive(start)  # what the world was built with (set by Reset)
    resets = solara.use_reactive(0)
    day = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    interval = solara.use_reactive(PLAY_INTERVAL_MS)

    def build() -> WatchedWorld:
        keywords = built.value.keywords()
        return WatchedWorld(scenario_file, base_overrides=list(base_overrides), **keywords)

    model = solara.use_memo(build, [built.value, resets.value])

    play_started = solara.use_ref(0.0)
    play_stepped = solara.use_ref(0)

    def toggle_play() -> None:
        if playing.value:
            playing.set(False)
            return
        play_started.current, play_stepped.current = time.monotonic(), 0
        playing.set(True)
        tick()

    def tick() -> None:
        if not playing.value:  # a tick sent before Pause arrived after it
            return
        due = days_due(play_started.current, time.monotonic(), interval.value)
        while play_stepped.current < due and model.running:
            model.step()
            play_stepped.current += 1
        day.set(len(model.days))
        if not model.running:
            playing.set(False)

    def set_interval(value: int) -> None:
        if playing.value:  # the new pace from now on
            play_started.current, play_stepped.current = time.monotonic(), 0
        interval.set(value)

    def step() -> None:
        if model.running:
            model.step()
        day.set(len(model.days))

    def reset() -> None:
        playing.set(False)
        built.set(chosen.value)
        resets.set(resets.value + 1)
        day.set(0)

    def set_knob(index: int, value: float) -> None:
        knobs = list(chosen.value.knobs)
        knobs[index] = round(float(value), 3)
        chosen.set(
            Settings(
                chosen.value.seed, chosen.value.world, chosen.value.aggressor_type, tuple(knobs)
            )
        )

    def set_field(name: str, value: Any) -> None:
        fields = {**chosen.value.__dict__, name: value}
        chosen.set(Settings(**fields))

    PlayClock.element(playing=playing.value, interval=interval.value, on_tick=tick)
    solara.Style(PAGE_STYLE)
    solara.Title(f"sim viz: {model.spec.name}")
    with solara.AppBarTitle():
        solara.Text(f"sim viz: {model.spec.name}")
    with solara.Sidebar():
        with solara.Card("Controls", margin=0, classes=["sim-controls", "sim-sidebar"]):
            with solara.Row(justify="space-between"):
                solara.Button("Reset", on_click=reset, color="primary")
                solara.Button(
                    "Pause" if playing.value else "Play",
                    on_click=toggle_play,
                    color="primary",
                    disabled=not model.running,
                )
                solara.Button(
                    "Step",
                    on_click=step,
                    color="primary",
                    disabled=playing.value or not model.running,
                )
            solara.SliderInt(
                _value_label("Play interval (ms per day)", interval.value),
                value=interval.value,
                on_value=set_interval,
                min=50,
                max=1000,
                step=50,
            )
            solara.Text(f"{len(model.days)} of {model.horizon} days played", classes=["sim-day"])
        with solara.Card("Model parameters", margin=0, classes=["sim-parameters", "sim-sidebar"]):
            solara.Text("Move a slider, then press Reset to replay the world with it.")
            settings = chosen.value
            solara.SliderInt(
                _value_label("Seed (as in sim run --seed)", settings.seed),
                value=settings.seed,
                on_value=lambda value: set_field("seed", int(value)),
                min=0,
                max=max(99, seed),
            )
            solara.SliderInt(
                _value_label("World (row of sim run)", settings.world),
                value=settings.world,
                on_value=lambda value: set_field("world", int(value)),
                min=0,
                max=ENSEMBLE_RUNS - 1,
            )
            solara.Select(
                "Aggressor's private type",
                value=settings.aggressor_type,
                values=list(AGGRESSOR_TYPES),
                on_value=lambda value: set_field("aggressor_type", value),
            )
            for index, knob in enumerate(KNOBS):
                solara.SliderFloat(
                    _value_label(knob.label, settings.knobs[index]),
                    value=settings.knobs[index],
                    on_value=lambda value, index=index: set_knob(index, value),
                    min=0.0,
                    max=1.0,
                    step=0.05,
                )
    with solara.lab.Tabs(lazy=True):
        with solara.lab.Tab("This world"):
            world_view(model, day.value)
        with solara.lab.Tab(f"Among {ENSEMBLE_RUNS:,} worlds"):
            among_view(model, day.value)


@solara.component
def Page() -> solara.Element:  # noqa: N802 (the name solara looks for)
    """What ``solara run sim.classroom.app`` serves: :func:`page` with the settings of ``sim viz``.

    Started by hand (``solara run sim.classroom.app``), it shows the bundled summit scenario.
    """
    settings = json.loads(os.environ.get(SETTINGS_VARIABLE, "{}"))
    if "scenario_file" not in settings:  # started as `solara run sim.classroom.app`
        summit = [path for path in bundled_scenarios() if path.name == "summit.yaml"]
        settings["scenario_file"] = str(summit[0])
    return page(**settings)
