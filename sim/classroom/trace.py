"""One simulated world narrated day by day: who did what, and why.

World ``i`` of ``sim trace --seed S --world i`` is the same world as row ``i`` of
``sim run --seed S``: the trace steps the block that world belongs to, with the same random
numbers, and records the decisions of its row.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.model.model import NegotiationModel
from sim.model.outcomes import summarise
from sim.model.streams import BLOCK_SIZE
from sim.scenario import options as arguments
from sim.scenario.schema import Scenario

QUIET_BELIEF = 0.01
QUIET_BLAME = 0.005
TRACE_WIDTH = 96
"""Width of the narrated text: an act on its line, its reasons wrapped under it."""
ROUTINE_ACTIONS = frozenset({"strike_refineries"})
"""Campaign actions repeated most days; folded into quiet spans and counted there."""
RARE_DRAW = 0.05
"""An act the logit choice gave less than this probability is narrated as a rare draw (chance
picked it, not the model's reasons). Stylised: the conventional 5 % level; plausible 0.01-0.1."""
LIKELY = 0.5
"""An act with at least this probability was the likeliest of the options open that day."""


@dataclass
class TraceDay:
    """One day of the traced world: what happened and the state after it."""

    day: int
    date: str
    entries: list[dict[str, Any]]
    state: dict[str, Any]
    changes: dict[str, float] = field(default_factory=dict)

    @property
    def notable(self) -> list[dict[str, Any]]:
        """Entries other than routine campaign actions."""
        return [e for e in self.entries if e.get("action") not in ROUTINE_ACTIONS]

    @property
    def quiet(self) -> bool:
        """Nothing but routine happened, and beliefs and blame barely moved."""
        return not self.notable and not self.changes


@dataclass
class Trace:
    """A narrated world: its days, and its summary row at the horizon."""

    scenario: Scenario
    seed: int
    world: int
    days: list[TraceDay]
    outcome: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (``sim trace --format json``)."""
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "world": self.world,
            "days": [
                {
                    "day": d.day,
                    "date": d.date,
                    "entries": d.entries,
                    "state": d.state,
                    "changes": d.changes,
                }
                for d in self.days
            ],
            "outcome": self.outcome,
        }


def snapshot(model: NegotiationModel, row: int) -> dict[str, Any]:
    """The state of row ``row`` that a narrated day shows: front line, losses, beliefs, blame."""
    state = model.state
    blame = {name: float(state.blame[row, i]) for i, name in enumerate(model.actor_names)}
    return {
        "territory_pct": round(float(state.territory[row]) * 100, 3),
        "casualties": round(float(state.casualties[row])),
        "belief_sincere": round(float(state.belief[row]), 4),
        "sanctions_level": round(float(state.sanctions_level[row]), 3),
        "economic_pressure": round(float(state.economic_pressure[row]), 3),
        "aggressor_resolve": round(float(state.resolve[row]), 3),
        "aggressor_estimate": round(float(state.aggressor_estimate[row]), 4),
        "defender_estimate": round(float(state.defender_estimate[row]), 4),
        "moratorium": bool(state.moratorium[row]),
        "settled": bool(state.settled[row]),
        "blame": {k: round(v, 4) for k, v in blame.items()},
    }


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
    moved = {}
    belief = after["belief_sincere"] - before["belief_sincere"]
    if abs(belief) >= QUIET_BELIEF:
        moved["belief_sincere"] = round(belief, 4)
    for actor, share in after["blame"].items():
        delta = share - before["blame"][actor]
        if abs(delta) >= QUIET_BLAME:
            moved[f"blame_{actor}"] = round(delta, 4)
    return moved


def _plain(value: Any) -> Any:
    """A summary value as plain Python: numpy scalars unwrapped, NaN (never happened) as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


class NarratedWorld(NegotiationModel):
    """World ``world`` of a run with ``seed``, stepped day by day and narrated as it goes.

    The model steps the seeding block the world belongs to, up to its row, with the same random
    numbers as ``sim run --seed S``; after each :meth:`step`, :attr:`days` holds one more
    :class:`TraceDay`. ``sim trace`` runs it to the horizon; ``sim viz`` shows it a day at a time.

    Raises:
        ValueError: a negative seed or world index.

    """

    def __init__(self, scenario: Scenario, seed: int = 0, world: int = 0) -> None:
        scenario = arguments.scenario(scenario)
        world = arguments.whole("world", world, 0)
        block, row = divmod(world, BLOCK_SIZE)
        super().__init__(scenario, worlds=row + 1, rng=seed, block=block, trace_world=row)
        self.world_index = world
        self.row = row
        self.days: list[TraceDay] = []
        self.current = snapshot(self, row)
        """The narrated row's state now: after the last day stepped, or on day 0."""

    def step(self) -> None:
        """Advance one day and record what happened in the narrated world."""
        if not self.running:
            return
        day = self.state.day
        logged = len(self.log)
        super().step()
        after = snapshot(self, self.row)
        entries = [_entry(e) for e in self.log[logged:]]
        date = (self.spec.start_date + dt.timedelta(days=day)).isoformat()
        self.days.append(TraceDay(day, date, entries, after, _changes(self.current, after)))
        self.current = after

    def outcome(self) -> dict[str, Any]:
        """The narrated world's summary row as of today (its ``worlds`` row at the horizon)."""
        summary = summarise(self, self.first_world)
        return {k: _plain(v[self.row]) for k, v in summary.items()}


def trace_world(scenario: Scenario, seed: int = 0, world: int = 0) -> Trace:
    """Simulate world ``world`` of a run with ``seed`` and narrate it.

    Raises:
        ValueError: a negative seed or world index.

    """
    model = NarratedWorld(scenario, seed, world)
    model.run_to_horizon()
    return Trace(
        scenario=model.spec,
        seed=seed,
        world=model.world_index,
        days=model.days,
        outcome=model.outcome(),
    )


def _entry(entry: dict[str, Any]) -> dict[str, Any]:
    """A log entry with its main reason: the largest utility component other than cost."""
    entry = dict(entry)
    components = entry.get("components")
    if components:
        reasons = {k: v for k, v in components.items() if k != "cost" and v > 0}
        if reasons:
            entry["main_reason"] = max(reasons, key=lambda k: reasons[k])
        entry["components"] = {k: round(v, 3) for k, v in components.items()}
    return entry


def probability_text(probability: float) -> str:
    """A probability as narrated: two decimals; below 0.01 up to four; below 0.0001 a bound."""
    if probability >= 0.01:
        return f"{probability:.2f}"
    if probability >= 0.0001:
        return f"{float(f'{probability:.1g}'):.4f}".rstrip("0")
    return "<0.0001"


def why_chosen(entry: dict[str, Any]) -> str:
    """Why an act happened, in words: a rare draw, its main reason, or the least bad option.

    A rare draw (below :data:`RARE_DRAW`) is chance, whatever its components say; an act with no
    component in its favour was the least bad option only when it was the likeliest (at least
    :data:`LIKELY`), and otherwise a draw among poor options.
    """
    probability = entry["probability"]
    reason = entry.get("main_reason")
    if probability < RARE_DRAW:
        odds = f"about 1 in {round(1 / probability):,}" if probability > 0 else "almost never"
        pull = f" (its strongest pull: {reason})" if reason else ""
        return f"a rare draw, {odds}: chance picked it, not the model's reasons{pull}"
    if reason:
        return f"main reason: {reason}"
    if probability >= LIKELY:
        return "the least bad option: every alternative was worse or unavailable"
    return (
        "a draw among poor options: nothing pulled toward it, and no alternative was clearly better"
    )


def reasons(entry: dict[str, Any]) -> str:
    """Why a chosen act happened: its probability, :func:`why_chosen` and utility components.

    Empty for an event that nobody chose (a summit held, a truce broken).
    """
    if "probability" not in entry:
        return ""
    parts = ", ".join(f"{k} {v:+.2f}" for k, v in entry["components"].items())
    return f"p={probability_text(entry['probability'])}; {why_chosen(entry)}; {parts}"


def describe(entry: dict[str, Any]) -> str:
    """A narrated entry as one line: the act, then its :func:`reasons` in brackets."""
    why = reasons(entry)
    return f"{entry['text']}  ({why})" if why else entry["text"]


def _routine_counts(days: list[TraceDay]) -> str:
    counts: dict[str, int] = {}
    for day in days:
        for entry in day.entries:
            if entry.get("action") in ROUTINE_ACTIONS:
                key = f"{entry['actor']} {entry['text'].split(' ', 1)[1]}"
                counts[key] = counts.get(key, 0) + 1
    if not counts:
        return ""
    if len(days) == 1:
        return "; " + "; ".join(counts)
    return "; " + "; ".join(f"{text} on {n} of {len(days)} days" for text, n in counts.items())


def _wrapped(text: str, indent: str) -> list[str]:
    """``text`` in lines of :data:`TRACE_WIDTH`, never parting a component from its value."""
    glued = re.sub(r"(\w) ([+-]\d)", "\\1\N{NO-BREAK SPACE}\\2", text)
    lines = textwrap.wrap(glued, TRACE_WIDTH, initial_indent=indent, subsequent_indent=indent)
    return [line.replace("\N{NO-BREAK SPACE}", " ") for line in lines]


def format_trace(trace: Trace) -> str:
    """The narrated world as text, quiet days folded."""
    lines = [
        f"{trace.scenario.name} -- world {trace.world}, seed {trace.seed}",
        "Each action shows its probability under the logit choice and its utility components.",
        "",
    ]
    quiet: list[TraceDay] = []

    def flush() -> None:
        if not quiet:
            return
        first, last = quiet[0], quiet[-1]
        span = f"Day {first.day}" if first is last else f"Days {first.day}-{last.day}"
        routine = _routine_counts(quiet)
        status = "the ceasefire holds" if last.state["settled"] else "the war goes on"
        quiet_days = (
            f"{span}: quiet; {status}{routine} (territory "
            f"{last.state['territory_pct']:.2f}%, casualties {last.state['casualties']:,}, "
            f"the aggressor's resolve {last.state['aggressor_resolve']:.2f})"
        )
        lines.extend(textwrap.wrap(quiet_days, TRACE_WIDTH, subsequent_indent=" " * 4))
        quiet.clear()

    for day in trace.days:
        if day.quiet:
            quiet.append(day)
            continue
        flush()
        lines.append(f"Day {day.day} ({day.date})")
        for entry in day.notable:
            lines.append(f"  - {entry['text']}")
            lines += _wrapped(reasons(entry), " " * 6)
        if day.changes:
            moves = ", ".join(f"{k} {v:+.3f}" for k, v in day.changes.items())
            lines.append(f"    moves: {moves}")
    flush()
    o = trace.outcome
    outcome = (
        f"Outcome at day {trace.scenario.horizon_days}: {o['outcome']} "
        f"(aggressor {o['aggressor_type']}; territory {o['territory_change']:+.2f} pp; "
        f"casualties {o['casualties']:,.0f})"
    )
    lines += ["", *textwrap.wrap(outcome, TRACE_WIDTH, subsequent_indent=" " * 4)]
    return "\n".join(lines)
