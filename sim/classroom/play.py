"""``sim play``: a student takes one actor's decisions; the model plays everyone else.

The student plays world ``i`` of the run with seed ``S`` (the same world ``sim trace`` and
``sim run`` show). On each decision day -- a proposal to answer, a deadline, a summit offer, or a
day when the model's own actor would seriously consider acting -- the student sees what the actor
knows and a menu of actions with their likely consequences. On other days the actor's routine
(the model's choice) goes on. A student who waits when nothing demands an answer is asked again
only after :data:`QUIET_DAYS`, or as soon as another actor does something new. The debrief
places the result among the worlds of the same scenario and seed, and shows what the model's
actor would most likely have done at each choice.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import textwrap
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from sim.classroom.trace import NarratedWorld, probability_text
from sim.model.actions import CATALOGUE
from sim.model.agents import ActorAgent
from sim.model.context import Context
from sim.model.decision import Choice
from sim.model.state import PROPOSAL_MORATORIUM, SUMMIT_HELD, SUMMIT_OFFERED, SUMMIT_SCHEDULED
from sim.scenario import catalogue
from sim.scenario.inputs import InputFileError, read_text
from sim.scenario.loading import MAX_FILE_BYTES, ScenarioError, parse_yaml
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

CONSIDER = 0.05
"""A day is a decision day when the model's actor would take some non-routine action with at
least this probability (besides days with a proposal, deadline or summit offer to answer)."""
ROUTINE = frozenset({"wait", "strike_refineries"})
QUIET_DAYS = 7
"""After the student waits on a day with nothing to answer, the days before the next such day is
a decision day again, unless another actor does something new first (without it, an aggressor
whose model would often propose or escalate is asked every day: 120 decisions a game)."""


QUIET_SUMMARY_DAYS = 3
"""A stretch of at least this many days in which nothing is said to the student is summarised in
one line (how the front, casualties and sanctions moved) before the next news or decision."""
DEBRIEF_WIDTH = 100
"""The game's widest line (narrower on a narrower terminal), so it reads well at 120 columns."""
REASONS_SHOWN = 3
"""How many of its utility components explain the model's choice in the debrief."""

PAYOFF_MEANING = {
    "aggressor": "face kept and blame shed, plus territory gained, minus the economic pressure "
    "and sanctions you endured",
    "coercer": "face kept and blame shed, plus your credibility, minus the running cost of "
    "your own sanctions",
    "defender": "face kept and blame shed, minus territory lost",
    "supporter": "face kept and blame shed",
}
"""What an actor's payoff adds up, by role (``outcomes.payoffs``; docs/model.md, section 9)."""

IRREGULAR_VERBS = {"is": "are", "has": "have", "does": "do", "goes": "go"}


def text_width() -> int:
    """The width of the game's text: the terminal's, between 60 and :data:`DEBRIEF_WIDTH`."""
    return min(max(shutil.get_terminal_size((DEBRIEF_WIDTH, 24)).columns, 60), DEBRIEF_WIDTH) - 1


def wrap(text: str, width: int, indent: str = "", hanging: str = "") -> list[str]:
    """``text`` in lines of ``width``, never parting a utility component from its value."""
    glued = re.sub(r"(\w) ([+-]\d)", "\\1\N{NO-BREAK SPACE}\\2", text)
    lines = textwrap.wrap(glued, width, initial_indent=indent, subsequent_indent=hanging)
    return [line.replace("\N{NO-BREAK SPACE}", " ") for line in lines]


def second_person(text: str, actor: str) -> str:
    """A narrated line about ``actor``, told to the student who plays it.

    "usa imposes" becomes "You impose", "offers usa a summit" "offers you a summit" and "usa's
    deadline" "your deadline".
    """
    name = re.escape(actor)
    text = re.sub(rf"\b{name}'s\b", "your", text)
    subject = re.match(rf"{name} (\w+)\b", text)
    if subject:
        verb = subject.group(1)
        if verb in IRREGULAR_VERBS:
            base = IRREGULAR_VERBS[verb]
        elif verb.endswith(("shes", "ches", "sses", "xes", "zes")):
            base = verb[:-2]
        elif verb.endswith("ies"):
            base = verb[:-3] + "y"
        elif verb.endswith("s"):
            base = verb[:-1]
        else:
            base = verb
        text = f"You {base}" + text[subject.end() :]
    return re.sub(rf"\b{name}\b", "you", text)


def consequence(name: str, ctx: Context, row: int) -> str:
    """The menu's line for action ``name`` in today's situation.

    The consequence declared with the action (``sim/scenario/catalogue.py``), except where the
    situation makes it wrong: a second round of sanctions does not make a threat "credible
    again", and declining a summit keeps no deadline's pressure on when no deadline is left.
    """
    state = ctx.state
    if name == "impose_sanctions" and state.coercer_sanctions[row] > 0:
        return (
            "Tighten your sanctions further: more pressure on the aggressor over the coming "
            "weeks, at a higher running cost to you; if they fail you lose face."
        )
    deadline_ahead = (
        bool(np.isfinite(state.deadline_day[row])) and state.deadline_day[row] >= ctx.day
    )
    if name == "decline_summit" and not deadline_ahead:
        return "Refuse to meet: looks firm; no talks for now, and no deadline is left to enforce."
    return next(action.consequence for action in catalogue.ACTIONS if action.name == name)


def top_components(
    components: dict[str, Any], row: int, worlds: int, count: int = REASONS_SHOWN
) -> dict[str, float]:
    """The ``count`` largest utility components (by size) of an option in world row ``row``."""
    values = {k: float(np.broadcast_to(v, worlds)[row]) for k, v in components.items()}
    ranked = sorted(values.items(), key=lambda kv: -abs(kv[1]))
    return {k: round(v, 3) for k, v in ranked[:count] if v != 0}


class PlayError(ValueError):
    """Bad input during a play: an unknown actor, or a moves file that does not fit the game."""


@dataclass
class Move:
    """One decision of the student (or of a moves file, with the line it stands on)."""

    day: int
    action: str
    line: int | None = field(default=None, compare=False)


@dataclass
class Decision:
    """What was chosen on a decision day, beside what the model's actor would most likely do."""

    day: int
    chosen: str
    model_choice: str
    model_probability: float
    chosen_probability: float
    options: list[str] = field(default_factory=list)
    model_reasons: dict[str, float] = field(default_factory=dict)


@dataclass
class DecisionView:
    """What the student sees on a decision day: the situation and the menu.

    Attributes:
        day: the day of the decision.
        situation: what the actor knows today (the text of its decision-day header).
        options: the actions open today, each with its likely consequence.
        likeliest: the action the model's actor would most likely take.

    """

    day: int
    situation: str
    options: list[tuple[str, str]]
    likeliest: str


def load_moves(path: str | Path) -> list[Move]:
    """Read a moves file: a YAML list of ``{day: D, action: NAME}``, days in increasing order.

    Raises:
        PlayError: missing file, bad YAML, or entries of the wrong shape (naming the line).

    """
    path = Path(path)
    try:  # the scenario files' reader and YAML parser, with their bounds
        text = read_text(path, MAX_FILE_BYTES, "moves file")
        data, node, _ = parse_yaml(text, str(path))
    except FileNotFoundError:
        raise PlayError(f"{path}: cannot read the moves file (no such file)") from None
    except InputFileError as err:
        where = f":{err.line}" if err.line else ""
        raise PlayError(f"{path}{where}: {err.message}") from None
    except ScenarioError as err:
        where = f":{err.line}" if err.line else ""
        problem = err.message.removeprefix("invalid YAML: ")
        kind = "a YAML moves file" if problem != err.message else "a moves file"
        raise PlayError(f"{path}{where}: not {kind} ({problem})") from None
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise PlayError(f"{path}: expected a list of {{day: D, action: NAME}} entries")
    moves: list[Move] = []
    for entry, item in zip(data, node.value, strict=True):
        line = item.start_mark.line + 1
        if (
            not isinstance(entry, dict)
            or set(entry) != {"day", "action"}
            or type(entry["day"]) is not int
            or not isinstance(entry["action"], str)
        ):
            raise PlayError(
                f"{path}:{line}: expected {{day: <whole number>, action: <name>}}, "
                f"got {_shortened(repr(entry))}"
            )
        day = entry["day"]
        if day < 0 or (moves and day <= moves[-1].day):
            after = f"after day {moves[-1].day}" if moves else "from 0"
            raise PlayError(f"{path}:{line}: day {day}: expected days in increasing order {after}")
        moves.append(Move(day, entry["action"], line))
    return moves


def _shortened(text: str, most: int = 80) -> str:
    """``text``, cut to ``most`` characters with an ellipsis (a message stays one short line)."""
    return text if len(text) <= most else text[: most - 3] + "..."


def check_moves(moves: list[Move], path: str | Path, scenario: Scenario, actor: str) -> None:
    """Check a moves file against the game before it starts.

    Each action must be one of the actor's, each day inside the horizon; whether a day is a
    decision day is known only as the game runs.

    Raises:
        PlayError: naming the file, the line and what was expected.

    """
    role = scenario.actors[actor].role
    names = [action.name for action in CATALOGUE[role]]
    for move in moves:
        where = f"{path}:{move.line}" if move.line else str(path)
        if move.action not in names:
            raise PlayError(
                f"{where}: unknown action {move.action!r} for the {role} {actor}; expected one "
                f"of {', '.join(names)}"
            )
        if move.day >= scenario.horizon_days:
            raise PlayError(
                f"{where}: day {move.day} is past the horizon (days 0 to "
                f"{scenario.horizon_days - 1})"
            )


class PlayLog:
    """The results folder of a play, written as the game goes (kept if the game stops early)."""

    def __init__(self, folder: Path, scenario_path: str, actor: str, seed: int, world: int):
        self.folder = folder
        self.created = not folder.exists()  # else an empty folder the caller checked
        folder.mkdir(parents=True, exist_ok=True)
        self.moves_path = folder / "moves.yaml"
        self.transcript_path = folder / "transcript.txt"
        header = {"scenario": scenario_path, "actor": actor, "seed": seed, "world": world}
        (folder / "play.json").write_text(json.dumps(header, indent=2))
        self.moves_path.write_text(
            f"# sim play {scenario_path} --as {actor} --seed {seed} --world {world}\n"
            f"# replay with: --moves {self.moves_path}\n"
        )
        self.transcript_path.write_text("")

    def discard(self) -> None:
        """Remove what the log wrote: its folder if it made it, else only its own files."""
        if self.created:
            shutil.rmtree(self.folder, ignore_errors=True)
            return
        for path in self.folder.iterdir():
            if path.name in ("play.json", "moves.yaml", "transcript.txt"):
                path.unlink()

    def move(self, move: Move) -> None:
        with self.moves_path.open("a", encoding="utf-8") as file:
            file.write(f"- {{day: {move.day}, action: {move.action}}}\n")

    def line(self, text: str) -> None:
        with self.transcript_path.open("a", encoding="utf-8") as file:
            file.write(text + "\n")

    def debrief(self, data: dict[str, Any], text: str) -> None:
        (self.folder / "debrief.json").write_text(json.dumps(data, indent=2, default=str))
        (self.folder / "debrief.txt").write_text(text + "\n")


class Game:
    """One play of one actor in one world.

    Args:
        scenario: the validated scenario.
        actor: the key of the actor the student plays.
        seed: the run's seed; the world is world ``world`` of that run.
        say: prints a line to the student.
        ask: asks the student and returns the answer (raises EOFError when input ends).
        moves: decisions to replay before asking.
        log: where the play is recorded.
        world: the world's index in the run.
        moves_file: how an error names the moves file.
        model: the world to play in, when several students share one (one actor each; world
            ``world`` of ``seed`` if None).

    """

    def __init__(
        self,
        scenario: Scenario,
        actor: str,
        seed: int,
        say: Callable[[str], None],
        ask: Callable[[str], str],
        moves: list[Move] | None = None,
        log: PlayLog | None = None,
        world: int = 0,
        moves_file: str = "moves file",
        model: NarratedWorld | None = None,
    ) -> None:
        if actor not in scenario.actors:
            raise PlayError(
                f"--as: unknown actor {actor!r}; expected one of {', '.join(scenario.actors)}"
            )
        self.scenario = scenario
        self.actor = actor
        self.seed = seed
        self.world = world
        self._say, self.ask = say, ask
        self.moves = list(moves or [])
        self.moves_file = moves_file
        self.log = log
        self.decisions: list[Decision] = []
        self.model = model if model is not None else NarratedWorld(scenario, seed, world)
        self.row = self.model.row
        self.agent = next(a for a in self.model.actors if a.name == actor)
        self.agent.policy = self._decide
        self.names = [action.name for action in self.agent.actions]
        self._narrated = 0
        self._quiet_until = 0
        self._said_through = -1  # the last day the student was told something about

    def say(self, text: str = "") -> None:
        self._say(text)
        if self.log:
            self.log.line(text)

    # --- the game loop -----------------------------------------------------------------------

    def play(self) -> NarratedWorld:
        """Play to the horizon; return the model in its final state."""
        self.introduce()
        while self.model.running:
            self.model.step()
            self.after_step()
        self.finish()
        return self.model

    def introduce(self, others: str = "The model plays everyone else.") -> None:
        """The game's first lines: the scenario, the actor played, the world."""
        role = self.scenario.actors[self.actor].role
        self.say(f"{self.scenario.name}: you play {self.actor} ({role}).")
        self.say(
            f"World {self.world}, seed {self.seed}; {self.scenario.horizon_days} days "
            f"from {self.scenario.start_date}. {others}"
        )

    def after_step(self) -> None:
        """Tell the student what the others did on the day just stepped."""
        self._narrate()

    def finish(self) -> None:
        """After the horizon: the last quiet stretch; a moves file must be used up.

        Raises:
            PlayError: a replayed moves file holds a move the game never asked for.

        """
        self._summarise_quiet(self.scenario.horizon_days)
        if self.moves:
            extra = self.moves[0]
            raise PlayError(
                f"{self._where(extra)}: day {extra.day}: {self.actor} had no decision to make "
                f"on day {extra.day} (or it came after the game ended)"
            )

    def _where(self, move: Move) -> str:
        """The moves file and the line of ``move``, for an error message."""
        return f"{self.moves_file}:{move.line}" if move.line else self.moves_file

    def _must_answer(self, ctx: Context, choice: Choice) -> bool:
        """A proposal to answer, a deadline or another forced choice, or a summit offer."""
        if ctx.responding[self.row]:
            return True
        if not np.isfinite(choice.utilities[self.row, self.names.index("wait")]):
            return True
        return self._summit_pending(ctx)

    def _considered(self, choice: Choice, probabilities: np.ndarray) -> bool:
        """The model's actor would take a non-routine action with probability >= CONSIDER."""
        available = np.isfinite(choice.utilities[self.row])
        return any(
            probabilities[i] >= CONSIDER and name not in ROUTINE and available[i]
            for i, name in enumerate(self.names)
        )

    def _news(self) -> bool:
        """Another actor did something (not routine) since the last narration."""
        return any(
            entry.get("actor") != self.actor and entry.get("action") not in ROUTINE
            for entry in self.model.log[self._narrated :]
        )

    def _summit_pending(self, ctx: Context) -> bool:
        offered = bool(ctx.state.summit_status[self.row] == SUMMIT_OFFERED)
        to_aggressor = bool(ctx.state.summit_to_aggressor[self.row])
        answerer = "aggressor" if to_aggressor else "coercer"
        return offered and self.agent.role == answerer

    def _narrate(self) -> None:
        """Show what the other actors did (and what happened) since the last narration.

        Told to the student: their own actor is "you". A stretch of quiet days before the news
        is summarised first (:meth:`_summarise_quiet`).
        """
        for entry in self.model.log[self._narrated :]:
            if entry.get("actor") != self.actor and entry.get("action") not in ROUTINE:
                self._summarise_quiet(entry["day"])
                self.say(f"    day {entry['day']}: {second_person(entry['text'], self.actor)}")
        self._narrated = len(self.model.log)

    def _summarise_quiet(self, day: int) -> None:
        """Before saying something about ``day``: one line for the quiet days since the last.

        Only a stretch of at least :data:`QUIET_SUMMARY_DAYS` days is summarised: how far the
        front moved, the casualties and the sanctions level.
        """
        first, last = self._said_through + 1, day - 1
        self._said_through = max(self._said_through, day)
        days = {d.day: d.state for d in self.model.days}
        if last - first + 1 < QUIET_SUMMARY_DAYS or first - 1 not in days or last not in days:
            return
        before, after = days[first - 1], days[last]
        moved = after["territory_pct"] - before["territory_pct"]
        summary = (
            f"days {first}\N{EN DASH}{last}: no decision needed; the front moved "
            f"{moved:+.2f} pp (the aggressor holds {after['territory_pct']:.2f}%), "
            f"{after['casualties'] - before['casualties']:,} more casualties, sanctions level "
            f"{after['sanctions_level']:.2f}."
        )
        width = text_width()
        for line in textwrap.wrap(
            summary, width, initial_indent=" " * 4, subsequent_indent=" " * 6
        ):
            self.say(line)

    def _decide(self, agent: ActorAgent, ctx: Context, choice: Choice) -> np.ndarray:
        row = self.row
        rationality = float(
            np.broadcast_to(self.model.world.decision.rationality, ctx.state.n)[row]
        )
        probabilities = choice.probabilities(row, rationality)
        forced = self._must_answer(ctx, choice)
        quiet = ctx.day < self._quiet_until and not self._news()
        if not forced and (quiet or not self._considered(choice, probabilities)):
            if quiet and self.names[choice.index[row]] not in ROUTINE:
                index = choice.index.copy()  # the student chose to wait: the model does not
                index[row] = self.names.index("wait")  # act for it meanwhile
                return index
            return choice.index
        self._narrate()
        names = self.names
        options = [i for i in range(len(names)) if np.isfinite(choice.utilities[row, i])]
        if self._summit_pending(ctx) and len(options) > 1:
            options = [i for i in options if names[i] != "wait"]  # an offer must be answered
        best = max(options, key=lambda i: choice.utilities[row, i])
        picked = self._pick(ctx, names, options, likeliest=best)
        if not forced and names[picked] == "wait":
            self._quiet_until = ctx.day + QUIET_DAYS
        self.decisions.append(
            Decision(
                day=ctx.day,
                chosen=names[picked],
                model_choice=names[best],
                model_probability=float(probabilities[best]),
                chosen_probability=float(probabilities[picked]),
                options=[names[i] for i in options],
                model_reasons=top_components(choice.components[best], row, ctx.state.n),
            )
        )
        index = choice.index.copy()
        index[row] = picked
        return index

    def _pick(self, ctx: Context, names: list[str], options: list[int], likeliest: int) -> int:
        day = ctx.day
        self._summarise_quiet(day)
        if self.moves:
            move = self.moves[0]
            if move.day != day:
                raise PlayError(
                    f"{self._where(move)}: day {move.day}: expected the decision of day {day} "
                    f"next ({self.actor}'s next decision day)"
                )
            if move.action not in [names[i] for i in options]:
                allowed = ", ".join(names[i] for i in options)
                raise PlayError(
                    f"{self._where(move)}: day {day}: action {move.action!r} is not available; "
                    f"expected one of {allowed}"
                )
            self.moves.pop(0)
            picked = names.index(move.action)
            self.say(self._situation(ctx))
            self.say(f"  (replayed) you chose: {move.action}")
        else:
            view = DecisionView(
                day=day,
                situation=self._situation(ctx),
                options=[(names[i], consequence(names[i], ctx, self.row)) for i in options],
                likeliest=names[likeliest],
            )
            picked = names.index(self.choose(view))
        if self.log:
            self.log.move(Move(day, names[picked]))
        return picked

    def choose(self, view: DecisionView) -> str:
        """Show the situation and the menu, and return the action the student picks.

        In a terminal: a numbered menu and a number typed. A class session's team answers in
        the browser instead (``sim.classroom.session``).
        """
        self.say(view.situation)
        width = text_width()
        for number, (name, effect) in enumerate(view.options, start=1):
            option = f"  {number}. {name}: {effect}"
            hanging = " " * len(f"  {number}. ")
            self.say(textwrap.fill(option, width, subsequent_indent=hanging))
        return view.options[self._ask_number(len(view.options)) - 1][0]

    def _ask_number(self, count: int) -> int:
        while True:
            answer = self.ask(f"Your choice (1-{count}): ").strip()
            if answer.isdigit() and 1 <= int(answer) <= count:
                return int(answer)
            self.say(f"Please type a number from 1 to {count}.")

    # --- what the actor knows ----------------------------------------------------------------

    def _situation(self, ctx: Context) -> str:
        state, row, roles = ctx.state, self.row, ctx.roles
        date = self.scenario.start_date + dt.timedelta(days=ctx.day)
        coercers = "yours" if ctx.me == roles.coercer else "the coercer's"
        lines = [
            "",
            f"== Day {ctx.day} ({date}) -- your decision as {self.actor} ==",
            f"  Front: the aggressor holds {state.territory[row] * 100:.2f}% of the defender's "
            f"territory; casualties so far {state.casualties[row]:,.0f}.",
            f"  Sanctions level {state.sanctions_level[row]:.2f} ({coercers} "
            f"{state.coercer_sanctions[row]:.2f}); economic pressure on the aggressor "
            f"{state.economic_pressure[row]:.2f} (0-1).",
        ]
        if np.isfinite(state.deadline_day[row]) and state.deadline_day[row] >= ctx.day:
            left = int(state.deadline_day[row] - ctx.day)
            when = "today" if left <= 0 else f"in {left} day{'s' if left > 1 else ''}"
            whose = "Your" if ctx.me == roles.coercer else "The coercer's"
            lines.append(f"  {whose} deadline for sanctions falls {when}.")
        summit = int(state.summit_status[row])
        if summit == SUMMIT_OFFERED:
            lines.append("  A summit has been offered and awaits an answer.")
        elif summit == SUMMIT_SCHEDULED:
            lines.append(f"  A summit is scheduled for day {state.summit_day[row]:.0f}.")
        elif summit == SUMMIT_HELD:
            lines.append("  A summit has been held.")
        if ctx.responding[row]:
            by = second_person(self.model.actor_names[int(state.proposal_by[row])], self.actor)
            if state.proposal_kind[row] == PROPOSAL_MORATORIUM:
                lines.append(f"  On the table: {by} proposes a moratorium on long-range strikes.")
            else:
                terms = state.proposal_terms[row]
                lines.append(
                    f"  On the table: {by} proposes a full ceasefire giving the aggressor "
                    f"{terms:.0%} of what is disputed."
                )
        if state.moratorium[row]:
            lines.append("  A moratorium on long-range strikes is in force.")
        blame = ", ".join(
            f"{name} {state.blame[row, i]:.0%}" for i, name in enumerate(self.model.actor_names)
        )
        lines.append(f"  Blame for the war, in the eyes of onlookers: {blame}.")
        if ctx.me == roles.coercer:
            lines.append(
                f"  Your belief that the aggressor is sincere: {state.belief[row]:.0%}; "
                f"your credibility {state.credibility[row]:.2f}."
            )
        if ctx.me == roles.aggressor:
            kind = "sincere" if state.sincere[row] else "stalling"
            lines.append(
                f"  (Only you know:) you are {kind}; your public demand is "
                f"{state.aggressor_demand()[row]:.0%} of what is disputed."
            )
        lines.append("  Your options:")
        return "\n".join(lines)


def debrief(
    game: Game, runs: int = 2000, ensemble: pd.DataFrame | None = None
) -> tuple[dict[str, Any], str]:
    """Place the play among the worlds of the same scenario and seed.

    ``ensemble``: the worlds table of that run, when the caller has it already (a class
    session runs it once for every team); else ``runs`` worlds are run here.

    Returns:
        The debrief as data (for ``debrief.json``) and as text.

    """
    from sim.engine.ensemble import run

    if ensemble is None or len(ensemble) <= game.world:
        runs = max(runs, game.world + 1)
        ensemble = run(game.scenario, runs=runs, seed=game.seed, workers=1).worlds
    runs = len(ensemble)
    played = game.model.outcome()
    column = f"payoff_{game.actor}"
    standing = float(played[column])
    percentile = float((ensemble[column] < standing).mean() * 100)
    shares = ensemble["outcome"].value_counts(normalize=True).to_dict()
    model_world = ensemble.iloc[game.world]
    data = {
        "actor": game.actor,
        "outcome": str(played["outcome"]),
        "payoff": standing,
        "percentile": percentile,
        "outcome_shares": {k: float(v) for k, v in shares.items()},
        "model_outcome_same_world": str(model_world["outcome"]),
        "model_payoff_same_world": float(model_world[column]),
        "territory_change": float(played["territory_change"]),
        "casualties": float(played["casualties"]),
        "decisions": [asdict(d) for d in game.decisions],
        "runs": runs,
    }
    role = game.scenario.actors[game.actor].role
    meaning = PAYOFF_MEANING.get(role, PAYOFF_MEANING["supporter"])
    data["payoff_meaning"] = meaning
    ranked = sorted(shares.items(), key=lambda kv: -kv[1])
    paragraphs = [
        f"Your world ended in: {data['outcome']} (territory {data['territory_change']:+.2f} pp, "
        f"casualties {data['casualties']:,.0f}). Had the model played {game.actor} in this same "
        f"world: {data['model_outcome_same_world']}.",
        f"Across {runs:,} worlds of this scenario and seed the outcomes were: "
        + ", ".join(f"{k} {v:.0%}" for k, v in ranked)
        + ".",
        f"Your payoff, {standing:+.2f}, beats {percentile:.0f}% of those worlds. The payoff is "
        f"your standing at day {game.scenario.horizon_days} in the model's utility units: "
        f"{meaning} (docs/model.md, section 9, Payoffs). Higher is better; it compares plays, "
        "it is not a measure of welfare.",
    ]
    width = text_width()
    lines = ["", "== Debrief =="]
    for paragraph in paragraphs:
        lines += textwrap.wrap(paragraph, width)
    lines += [
        "",
        "Your choices, beside what the model's actor would most likely have done and why",
        "(its largest utility components, as in sim trace):",
    ]
    for d in game.decisions:
        if d.chosen == d.model_choice:
            verdict = "the model's likeliest choice too"
        else:
            verdict = f"the model: {d.model_choice} (p={probability_text(d.model_probability)})"
        why = ", ".join(f"{k} {v:+.2f}" for k, v in d.model_reasons.items())
        because = f", because of {why}" if why else ""
        entry = (
            f"day {d.day:>3}: you chose {d.chosen} (p={probability_text(d.chosen_probability)}); "
            f"{verdict}{because}."
        )
        lines += wrap(entry, width, "  ", " " * 12)
    return data, "\n".join(lines)
