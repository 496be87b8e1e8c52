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
import shutil
import textwrap
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.classroom.trace import NarratedWorld
from sim.model.actions import CATALOGUE
from sim.model.agents import ActorAgent
from sim.model.context import Context
from sim.model.decision import Choice
from sim.model.state import PROPOSAL_MORATORIUM, SUMMIT_HELD, SUMMIT_OFFERED, SUMMIT_SCHEDULED
from sim.scenario.schema import Scenario

CONSIDER = 0.05
"""A day is a decision day when the model's actor would take some non-routine action with at
least this probability (besides days with a proposal, deadline or summit offer to answer)."""
ROUTINE = frozenset({"wait", "strike_refineries"})
QUIET_DAYS = 7
"""After the student waits on a day with nothing to answer, the days before the next such day is
a decision day again, unless another actor does something new first (without it, an aggressor
whose model would often propose or escalate is asked every day: 120 decisions a game)."""


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


def load_moves(path: str | Path) -> list[Move]:
    """Read a moves file: a YAML list of ``{day: D, action: NAME}``, days in increasing order.

    Raises:
        PlayError: missing file, bad YAML, or entries of the wrong shape (naming the line).

    """
    path = Path(path)
    try:
        loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
        try:
            node = loader.get_single_node()  # kept for the entries' lines
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except OSError as err:
        raise PlayError(f"{path}: cannot read the moves file ({err.strerror})") from None
    except UnicodeDecodeError as err:
        raise PlayError(f"{path}: not a text file ({err.reason})") from None
    except ValueError as err:  # e.g. a whole number of thousands of digits
        raise PlayError(f"{path}: not a moves file ({err})") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or "not valid YAML"
        raise PlayError(f"{path}{where}: not a YAML moves file ({problem})") from None
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
                f"{path}:{line}: expected {{day: <whole number>, action: <name>}}, got {entry!r}"
            )
        day = entry["day"]
        if day < 0 or (moves and day <= moves[-1].day):
            after = f"after day {moves[-1].day}" if moves else "from 0"
            raise PlayError(f"{path}:{line}: day {day}: expected days in increasing order {after}")
        moves.append(Move(day, entry["action"], line))
    return moves


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
        self.model = NarratedWorld(scenario, seed, world)
        self.row = self.model.row
        self.agent = next(a for a in self.model.actors if a.name == actor)
        self.agent.policy = self._decide
        self.names = [action.name for action in self.agent.actions]
        self._narrated = 0
        self._quiet_until = 0

    def say(self, text: str = "") -> None:
        self._say(text)
        if self.log:
            self.log.line(text)

    # --- the game loop -----------------------------------------------------------------------

    def play(self) -> NarratedWorld:
        """Play to the horizon; return the model in its final state."""
        role = self.scenario.actors[self.actor].role
        self.say(f"{self.scenario.name}: you play {self.actor} ({role}).")
        self.say(
            f"World {self.world}, seed {self.seed}; {self.scenario.horizon_days} days "
            f"from {self.scenario.start_date}. The model plays everyone else."
        )
        while self.model.running:
            self.model.step()
            self._narrate()
        if self.moves:
            extra = self.moves[0]
            raise PlayError(
                f"{self._where(extra)}: day {extra.day}: {self.actor} had no decision to make "
                f"on day {extra.day} (or it came after the game ended)"
            )
        return self.model

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
        offered = ctx.state.summit_status[self.row] == SUMMIT_OFFERED
        return self.agent.role == "coercer" and bool(offered)

    def _narrate(self) -> None:
        """Show what the other actors did (and what happened) since the last narration."""
        for entry in self.model.log[self._narrated :]:
            if entry.get("actor") != self.actor and entry.get("action") not in ROUTINE:
                self.say(f"    day {entry['day']}: {entry['text']}")
        self._narrated = len(self.model.log)

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
        picked = self._pick(ctx, names, options)
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
            )
        )
        index = choice.index.copy()
        index[row] = picked
        return index

    def _pick(self, ctx: Context, names: list[str], options: list[int]) -> int:
        day = ctx.day
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
            self.say(self._situation(ctx))
            width = min(max(shutil.get_terminal_size((100, 24)).columns, 60), 100) - 1
            for number, i in enumerate(options, start=1):
                option = f"  {number}. {names[i]}: {self.agent.actions[i].consequence}"
                hanging = " " * len(f"  {number}. ")
                self.say(textwrap.fill(option, width, subsequent_indent=hanging))
            picked = options[self._ask_number(len(options)) - 1]
        if self.log:
            self.log.move(Move(day, names[picked]))
        return picked

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
        lines = [
            "",
            f"== Day {ctx.day} ({date}) -- your decision as {self.actor} ==",
            f"  Front: the aggressor holds {state.territory[row] * 100:.2f}% of the defender's "
            f"territory; casualties so far {state.casualties[row]:,.0f}.",
            f"  Sanctions level {state.sanctions_level[row]:.2f} (the coercer's "
            f"{state.coercer_sanctions[row]:.2f}); economic pressure on the aggressor "
            f"{state.economic_pressure[row]:.2f} (0-1).",
        ]
        if np.isfinite(state.deadline_day[row]):
            left = int(state.deadline_day[row] - ctx.day)
            when = "today" if left <= 0 else f"in {left} day{'s' if left > 1 else ''}"
            lines.append(f"  The coercer's deadline for sanctions falls {when}.")
        summit = int(state.summit_status[row])
        if summit == SUMMIT_OFFERED:
            lines.append("  A summit has been offered and awaits an answer.")
        elif summit == SUMMIT_SCHEDULED:
            lines.append(f"  A summit is scheduled for day {state.summit_day[row]:.0f}.")
        elif summit == SUMMIT_HELD:
            lines.append("  A summit has been held.")
        if ctx.responding[row]:
            by = self.model.actor_names[int(state.proposal_by[row])]
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


def debrief(game: Game, runs: int = 2000) -> tuple[dict[str, Any], str]:
    """Place the play among the worlds of the same scenario and seed.

    Returns:
        The debrief as data (for ``debrief.json``) and as text.

    """
    from sim.engine.ensemble import run

    runs = max(runs, game.world + 1)
    ensemble = run(game.scenario, runs=runs, seed=game.seed, workers=1).worlds
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
    lines = [
        "",
        "== Debrief ==",
        f"Your world ended in: {data['outcome']} (territory {data['territory_change']:+.2f} pp, "
        f"casualties {data['casualties']:,.0f}).",
        f"Had the model played {game.actor} in this same world: "
        f"{data['model_outcome_same_world']}.",
        f"Across {runs:,} worlds of this scenario and seed the outcomes were: "
        + ", ".join(f"{k} {v:.0%}" for k, v in sorted(shares.items(), key=lambda kv: -kv[1]))
        + ".",
        f"Your standing ({column} = {standing:+.2f}) beats {percentile:.0f}% of those worlds.",
        "",
        "Your choices, and what the model's actor would most likely have done:",
    ]
    for d in game.decisions:
        same = (
            "same as the model"
            if d.chosen == d.model_choice
            else (f"model: {d.model_choice} (p={d.model_probability:.2f})")
        )
        lines.append(
            f"  day {d.day:>3}: you chose {d.chosen} (p={d.chosen_probability:.2f}); {same}"
        )
    return data, "\n".join(lines)
