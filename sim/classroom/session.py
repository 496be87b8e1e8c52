"""A class session: teams of students play the actors of a scenario, each in a world of it.

The state of one class, kept by the teacher's ``sim class`` server (``sim.classroom.server``): the
join code, the teams with their secret tokens, the worlds and the pace. Each world runs in its own
thread: it is a :class:`~sim.classroom.trace.NarratedWorld` stepped day by day, where each team's
actor is played by a :class:`TeamGame` (``sim play``'s game, whose menu is answered through the
server instead of the terminal) and the model plays every other actor.

Every world is world ``world`` of the run with ``seed``, as ``sim play --seed S --world W`` plays
it: with the same moves it is the same world, day for day. Each team's moves are saved as a
``moves.yaml`` that ``sim play --moves`` replays.

All methods are safe to call from any thread: one lock guards the class's state, and a world's
thread holds it only to read an answer or to publish a view, never while it steps.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sim.classroom.play import DecisionView, Game, PlayLog, debrief
from sim.classroom.trace import NarratedWorld
from sim.model.outcomes import OUTCOMES
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Letters and digits of a join code: none that reads like another (no I/1, O/0)."""
CODE_LENGTH = 6
"""A join code's length: short to type from a projector, 32**6 (about 10**9) codes to guess."""
TEAM_NAME_MOST = 24
"""The longest team name, in characters (it must fit a column of the teacher's board)."""
MOST_TEAMS = 40
"""Teams a class may have: a large class in pairs, and a bound on the worlds' threads."""
PIN_TRIES = 5
"""Wrong PINs for a team before its PIN is locked for :data:`PIN_LOCK_S` (4 digits are 10,000
guesses: without a lock a script would find one in seconds)."""
PIN_LOCK_S = 60.0
DEBRIEF_RUNS = 2_000
"""Worlds of the scenario (same seed) each team's result is placed among, as in ``sim play``."""
KEY_CHOICES = 3
"""How many of a team's choices the class debrief sets beside the model's."""
WAIT_SLICE_S = 0.25
"""How often a waiting world looks again at its timer and at a request to stop."""

Mode = Literal["own", "shared"]
Pace = Literal["free", "teacher"]


class RefusedError(Exception):
    """A request the session refuses, with the HTTP status that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SessionStoppedError(Exception):
    """Raised in a world's thread when the session stops while the world waits."""


@dataclass
class Settings:
    """How the teacher started the class.

    Attributes:
        scenario: the validated scenario.
        scenario_path: the scenario file, as the moves files' replay command names it.
        seed: the run's seed.
        world: the world every team plays (its index in the run).
        mode: ``own``: each team plays its actor in its own world; ``shared``: teams share
            worlds, one actor each (the model plays the actors no team took).
        pace: ``free``: each world runs to its next decision; ``teacher``: no world steps past
            the day the teacher has opened.
        timer_s: seconds a team has for a decision (0: no limit); when they run out, the team's
            actor does what the model's actor would most likely do.
        out: the folder each team's moves, transcript and debrief are saved in (None: unsaved).

    """

    scenario: Scenario
    scenario_path: str
    seed: int = 0
    world: int = 0
    mode: Mode = "own"
    pace: Pace = "free"
    timer_s: float = 0.0
    out: Path | None = None


@dataclass
class Team:
    """One team: its name, actor, secret token, and what its screen shows."""

    number: int
    name: str
    actor: str
    token: str
    pin: str
    status: str = "joined"
    seq: int = 0
    lines: list[str] = field(default_factory=list)
    pending: DecisionView | None = None
    deadline: float | None = None
    answer: str | None = None
    last: str = ""
    timed_out: int = 0
    wrong_pins: int = 0
    pin_locked_until: float = 0.0
    day: int = 0
    debrief: dict[str, Any] | None = None
    debrief_text: str = ""
    game: TeamGame | None = None
    world: World | None = None
    folder: Path | None = None


class TeamGame(Game):
    """``sim play``'s game for one team: its menu answered in the browser, through the session."""

    def __init__(self, session: ClassSession, team: Team, model: NarratedWorld, log: Any) -> None:
        settings = session.settings
        super().__init__(
            settings.scenario,
            team.actor,
            settings.seed,
            say=team.lines.append,
            ask=_never_asked,
            log=log,
            world=settings.world,
            model=model,
        )
        self.session = session
        self.team = team

    def choose(self, view: DecisionView) -> str:
        """Publish the decision to the team and wait for its answer (or the timer)."""
        return self.session.await_answer(self.team, view)


def _never_asked(prompt: str) -> str:
    raise AssertionError("a team's game is answered through the session, not asked")


class World:
    """One world of the class and its thread: the teams that play in it, one actor each."""

    def __init__(self, session: ClassSession, number: int) -> None:
        self.session = session
        self.number = number
        self.teams: list[Team] = []
        self.model: NarratedWorld | None = None
        self.thread: threading.Thread | None = None
        self.error: str | None = None

    def has_seat(self, actor: str) -> bool:
        return self.thread is None and all(team.actor != actor for team in self.teams)

    def start(self) -> None:
        settings = self.session.settings
        self.model = NarratedWorld(settings.scenario, settings.seed, settings.world)
        for team in self.teams:
            log = self.session.open_log(team)
            team.game = TeamGame(self.session, team, self.model, log)
            team.status = "playing"  # (the session's lock is held) until the world says more
        self.thread = threading.Thread(target=self._run, name=f"world-{self.number}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        model, session = self.model, self.session
        assert model is not None
        games = [team.game for team in self.teams if team.game is not None]
        try:
            for game in games:
                mates = [f"{t.actor} ({t.name})" for t in self.teams if t.game is not game]
                if mates:
                    game.introduce(f"Other teams play {', '.join(mates)}; the model the rest.")
                else:
                    game.introduce("The model plays every other actor.")
            while model.running:
                session.hold(self, int(model.state.day))
                session.publish(self, "playing")
                model.step()
                for game in games:
                    game.after_step()
                session.publish(self, "playing", day=int(model.state.day))
            ensemble = session.ensemble()
            for game in games:
                game.finish()
                data, text = debrief(game, ensemble=ensemble)
                if game.log:
                    game.log.debrief(data, text)
                session.finished(game.team, data, text)
        except SessionStoppedError:
            session.publish(self, "stopped")
        except Exception as err:  # a bug must show on the board, not kill the server silently
            self.error = f"{type(err).__name__}: {err}"
            session.publish(self, "failed")
            raise


class ClassSession:
    """The class: join code, teams, worlds, pace, and the class debrief.

    Args:
        settings: how the teacher started the class.
        clock: seconds, monotonic (a test may pass its own).

    """

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        self.teacher_key = secrets.token_urlsafe(24)
        self.teams: dict[str, Team] = {}  # by token
        self.worlds: list[World] = []
        self.started = False
        self.stopping = False
        self.open_days = 1
        """With the teacher's pace: worlds may step the days before this one."""
        self.lock = threading.Condition()
        self._ensemble: pd.DataFrame | None = None
        self._ensemble_lock = threading.Lock()
        self._ensemble_thread: threading.Thread | None = None

    # --- joining -----------------------------------------------------------------------------

    def check_code(self, code: str) -> None:
        """Refuse a wrong join code (compared in constant time)."""
        given = code.strip().upper().encode("utf-8", "replace")
        if not secrets.compare_digest(given, self.code.encode()):
            raise RefusedError(403, "wrong join code: check the code on the teacher's screen")

    def join(self, code: str, name: str, actor: str | None = None, pin: str | None = None) -> Team:
        """A team joins, or a student joins a team a classmate made (with its PIN).

        Raises:
            RefusedError: a wrong code, a bad or taken name, an unknown actor, a full class.

        """
        self.check_code(code)
        name = _team_name(name)
        with self.lock:
            existing = self._team_named(name)
            if existing is not None:
                return self._join_with_pin(existing, pin)
            actors = self.settings.scenario.actors
            if actor not in actors:
                raise RefusedError(422, f"pick an actor: one of {', '.join(actors)}")
            if len(self.teams) >= MOST_TEAMS:
                raise RefusedError(409, f"the class is full ({MOST_TEAMS} teams)")
            team = Team(
                number=len(self.teams) + 1,
                name=name,
                actor=actor,
                token=secrets.token_urlsafe(24),
                pin=f"{secrets.randbelow(10**4):04d}",
            )
            self.teams[team.token] = team
            world = self._seat(team)
            if self.started:
                world.start()
            self.lock.notify_all()
            return team

    def _join_with_pin(self, team: Team, pin: str | None) -> Team:
        """A classmate joins ``team`` with its PIN (the lock held); wrong PINs lock it a while."""
        now = self.clock()
        if now < team.pin_locked_until:
            wait = int(team.pin_locked_until - now) + 1
            raise RefusedError(429, f"too many wrong PINs for {team.name!r}: try in {wait} s")
        if pin is not None and secrets.compare_digest(
            pin.strip().encode("utf-8", "replace"), team.pin.encode()
        ):
            team.wrong_pins = 0
            return team
        if pin is not None:
            team.wrong_pins += 1
            if team.wrong_pins >= PIN_TRIES:
                team.wrong_pins = 0
                team.pin_locked_until = now + PIN_LOCK_S
        raise RefusedError(
            409,
            f"the team name {team.name!r} is taken: pick another, or type its team PIN "
            "(on its screen) to join it",
        )

    def _team_named(self, name: str) -> Team | None:
        return next((t for t in self.teams.values() if t.name.casefold() == name.casefold()), None)

    def _seat(self, team: Team) -> World:
        """The world the team plays in: its own, or the first shared one with its actor free."""
        world = None
        if self.settings.mode == "shared":
            world = next((w for w in self.worlds if w.has_seat(team.actor)), None)
        if world is None:
            world = World(self, len(self.worlds) + 1)
            self.worlds.append(world)
        world.teams.append(team)
        team.world = world
        return world

    def team(self, token: str) -> Team:
        """The team whose secret token this is.

        Raises:
            RefusedError: no team has it.

        """
        team = self.teams.get(token) if isinstance(token, str) else None
        if team is None:
            raise RefusedError(401, "unknown team: join again with the code and your team's name")
        return team

    # --- the teacher's controls --------------------------------------------------------------

    def start(self) -> None:
        """Start every world (teams joining later start at once)."""
        with self.lock:
            if self.started:
                return
            self.started = True
            for world in self.worlds:
                world.start()
            self._ensemble_thread = threading.Thread(
                target=self.ensemble, name="ensemble", daemon=True
            )
        self._ensemble_thread.start()

    def advance(self, days: int) -> None:
        """With the teacher's pace: let every world step ``days`` more days."""
        with self.lock:
            self.open_days = min(self.open_days + days, self.settings.scenario.horizon_days)
            self._release_held()
            self.lock.notify_all()

    def _release_held(self) -> None:
        """Teams held by the teacher's pace whose next day is now open are playing (lock held)."""
        for team in self.teams.values():
            free = self.settings.pace == "free" or team.day < self.open_days
            if team.status == "waiting for the teacher" and free:
                team.status = "playing"

    def set_pace(self, pace: Pace) -> None:
        with self.lock:
            self.settings.pace = pace
            self._release_held()
            self.lock.notify_all()

    def set_timer(self, seconds: float) -> None:
        """Seconds a team has for each decision from now on (0: no limit)."""
        with self.lock:
            self.settings.timer_s = seconds
            now = self.clock()
            for team in self.teams.values():
                if team.pending is not None:
                    team.deadline = now + seconds if seconds > 0 else None
            self.lock.notify_all()

    def stop(self) -> None:
        """Wake every waiting world so that its thread ends."""
        with self.lock:
            self.stopping = True
            self.lock.notify_all()

    def close(self, timeout_s: float = 30.0) -> None:
        """Stop the session and wait for its threads to end (a world stops at its next wait).

        No thread of the session outlives it: a process that forks later (an ensemble's pool)
        finds no other thread running (``sim.engine.forking``).
        """
        self.stop()
        threads = [world.thread for world in self.worlds if world.thread is not None]
        threads += [self._ensemble_thread] if self._ensemble_thread is not None else []
        end = time.monotonic() + timeout_s
        for thread in threads:
            thread.join(max(0.0, end - time.monotonic()))

    # --- a team's moves ----------------------------------------------------------------------

    def act(self, token: str, seq: int, day: int, action: str) -> Team:
        """A team's answer to its pending decision.

        ``seq`` must be the team's current sequence number (shown with the decision): a message
        sent twice, replayed later, or sent by a second member of the team after the first, is
        refused, and the decision is taken once.

        Raises:
            RefusedError: an unknown token, a stale ``seq``, no decision on ``day``, or an
                action not on the menu.

        """
        team = self.team(token)
        with self.lock:
            if seq != team.seq:
                raise RefusedError(
                    409, f"stale message (number {seq}, expected {team.seq}): already answered"
                )
            view = team.pending
            if view is None or view.day != day:
                raise RefusedError(409, f"no decision of day {day} is waiting for your team")
            names = [name for name, _ in view.options]
            if action not in names:
                raise RefusedError(
                    422, f"{action!r} is not on today's menu: one of {', '.join(names)}"
                )
            self._take(team, action, timed_out=False)
            return team

    def _take(self, team: Team, action: str, timed_out: bool) -> None:
        """Record ``action`` as the team's answer (the lock held)."""
        team.answer = action
        team.pending = None
        team.deadline = None
        team.seq += 1
        team.status = "playing"
        team.last = f"day {team.day}: {action}" + (" (time ran out)" if timed_out else "")
        self.lock.notify_all()

    def await_answer(self, team: Team, view: DecisionView) -> str:
        """In the world's thread: show ``view`` to the team and wait for its answer."""
        with self.lock:
            team.pending = view
            team.day = view.day
            team.answer = None
            timer = self.settings.timer_s
            team.deadline = self.clock() + timer if timer > 0 else None
            team.status = "deciding"
            for mate in team.world.teams if team.world else []:
                if mate is not team and mate.status != "finished":
                    mate.status = f"waiting for {team.name}"
            self.lock.notify_all()
            while team.answer is None:
                if self.stopping:
                    raise SessionStoppedError
                if team.deadline is not None and self.clock() >= team.deadline:
                    self._take(team, view.likeliest, timed_out=True)
                    team.timed_out += 1
                    team.lines.append(
                        f"  Time ran out: you did what the model's {team.actor} would most "
                        f"likely do ({view.likeliest})."
                    )
                    break
                self.lock.wait(WAIT_SLICE_S)
            answer = team.answer
            team.answer = None
            for mate in team.world.teams if team.world else []:
                if mate is not team and mate.status.startswith("waiting for"):
                    mate.status = "playing"
            return answer

    def hold(self, world: World, day: int) -> None:
        """In the world's thread: with the teacher's pace, wait until ``day`` is opened."""
        with self.lock:
            while self.settings.pace == "teacher" and day >= self.open_days:
                if self.stopping:
                    raise SessionStoppedError
                for team in world.teams:
                    team.status = "waiting for the teacher"
                    team.day = day
                self.lock.wait(WAIT_SLICE_S)
            if self.stopping:
                raise SessionStoppedError

    def publish(self, world: World, status: str, day: int | None = None) -> None:
        """In the world's thread: the teams' status (and day) as the world moves on."""
        with self.lock:
            for team in world.teams:
                if team.status == "finished":
                    continue
                team.status = status
                if day is not None:
                    team.day = day
            self.lock.notify_all()

    def finished(self, team: Team, data: dict[str, Any], text: str) -> None:
        """In the world's thread: the team's game is over; its debrief is shown."""
        with self.lock:
            team.debrief = data
            team.debrief_text = text
            team.status = "finished"
            team.day = self.settings.scenario.horizon_days
            team.lines.extend(text.splitlines())
            self.lock.notify_all()
            everyone = all(t.status == "finished" for t in self.teams.values())
        if self.settings.out and everyone:
            self.save_class_debrief()

    # --- what is shown -----------------------------------------------------------------------

    def view(self, team: Team) -> dict[str, Any]:
        """What the team's screen shows: only its own world, decisions and debrief."""
        with self.lock:
            pending = team.pending
            decision = None
            if pending is not None:
                left = None if team.deadline is None else max(0.0, team.deadline - self.clock())
                decision = {
                    "day": pending.day,
                    "situation": pending.situation.strip("\n"),
                    "options": [{"name": n, "consequence": c} for n, c in pending.options],
                    "seconds_left": left,
                }
            return {
                "team": team.name,
                "actor": team.actor,
                "role": self.settings.scenario.actors[team.actor].role,
                "pin": team.pin,
                "scenario": self.settings.scenario.name,
                "status": team.status if self.started else "waiting for the teacher to start",
                "day": team.day,
                "horizon": self.settings.scenario.horizon_days,
                "seq": team.seq,
                "lines": list(team.lines),
                "decision": decision,
                "debrief": team.debrief_text or None,
            }

    def board(self) -> dict[str, Any]:
        """The teacher's board: every team's actor, day, last decision and state."""
        with self.lock:
            worlds = {w.number: w for w in self.worlds}
            return {
                "code": self.code,
                "scenario": self.settings.scenario.name,
                "seed": self.settings.seed,
                "world": self.settings.world,
                "mode": self.settings.mode,
                "pace": self.settings.pace,
                "timer_s": self.settings.timer_s,
                "open_days": self.open_days,
                "horizon": self.settings.scenario.horizon_days,
                "started": self.started,
                "teams": [
                    {
                        "number": t.number,
                        "team": t.name,
                        "actor": t.actor,
                        "world": t.world.number if t.world else None,
                        "day": t.day,
                        "last": t.last,
                        "status": t.status,
                        "timed_out": t.timed_out,
                        "error": worlds[t.world.number].error if t.world else None,
                    }
                    for t in sorted(self.teams.values(), key=lambda t: t.number)
                ],
            }

    def ensemble(self) -> pd.DataFrame:
        """The worlds table of :data:`DEBRIEF_RUNS` worlds of the scenario and seed, run once."""
        with self._ensemble_lock:
            if self._ensemble is None:
                from sim.engine.ensemble import run

                runs = max(DEBRIEF_RUNS, self.settings.world + 1)
                settings = self.settings
                self._ensemble = run(settings.scenario, runs=runs, seed=settings.seed, workers=1)
                self._ensemble = self._ensemble.worlds
            return self._ensemble

    def class_debrief(self) -> dict[str, Any]:
        """Each team's result among the model's worlds, the class's outcomes beside the model's.

        The class's shares count each world once (teams sharing a world share its outcome).
        """
        ensemble = self.ensemble()
        model_shares = ensemble["outcome"].value_counts(normalize=True)
        with self.lock:
            teams = sorted(self.teams.values(), key=lambda t: t.number)
            done = [t for t in teams if t.debrief is not None]
            worlds = {t.world.number: t.debrief["outcome"] for t in done if t.world and t.debrief}
        counts = {name: 0 for name in OUTCOMES}
        for outcome in worlds.values():
            counts[outcome] = counts.get(outcome, 0) + 1
        payoffs = {}
        for actor in self.settings.scenario.actors:
            column = ensemble[f"payoff_{actor}"]
            low, high = float(column.quantile(0.01)), float(column.quantile(0.99))
            payoffs[actor] = {"low": low, "high": high, "median": float(column.median())}
        return {
            "scenario": self.settings.scenario.name,
            "seed": self.settings.seed,
            "world": self.settings.world,
            "runs": len(ensemble),
            "outcomes": list(OUTCOMES),
            "model_shares": {k: float(model_shares.get(k, 0.0)) for k in OUTCOMES},
            "class_worlds": len(worlds),
            "class_shares": {k: v / len(worlds) if worlds else 0.0 for k, v in counts.items()},
            "payoff_ranges": payoffs,
            "teams": [_team_debrief(t) for t in teams],
        }

    # --- saving ------------------------------------------------------------------------------

    def open_log(self, team: Team) -> PlayLog | None:
        """The team's folder of the class's output: moves, transcript, debrief."""
        out = self.settings.out
        if out is None:
            return None
        slug = re.sub(r"[^a-z0-9]+", "-", team.name.casefold()).strip("-")[:24] or "team"
        team.folder = out / f"team{team.number:02d}-{slug}"
        settings = self.settings
        return PlayLog(
            team.folder, settings.scenario_path, team.actor, settings.seed, settings.world
        )

    def save_class_debrief(self) -> Path | None:
        """Write ``class.json`` (the class debrief) in the output folder, if there is one."""
        import json

        if self.settings.out is None:
            return None
        path = self.settings.out / "class.json"
        path.write_text(json.dumps(self.class_debrief(), indent=2, default=str))
        return path


def _team_name(name: str) -> str:
    """A team name as shown: trimmed, 1 to :data:`TEAM_NAME_MOST` printable characters."""
    name = " ".join(name.split()) if isinstance(name, str) else ""
    if not 1 <= len(name) <= TEAM_NAME_MOST or not name.isprintable():
        raise RefusedError(422, f"a team name is 1 to {TEAM_NAME_MOST} printable characters")
    return name


def _team_debrief(team: Team) -> dict[str, Any]:
    """One team's line of the class debrief, with its key choices beside the model's."""
    data = team.debrief
    entry: dict[str, Any] = {"team": team.name, "actor": team.actor, "status": team.status}
    if data is None:
        return entry
    departed = [d for d in data["decisions"] if d["chosen"] != d["model_choice"]]
    departed.sort(key=lambda d: d["chosen_probability"])  # the least likely for the model first
    entry.update(
        outcome=data["outcome"],
        payoff=data["payoff"],
        percentile=data["percentile"],
        payoff_meaning=data["payoff_meaning"],
        model_outcome_same_world=data["model_outcome_same_world"],
        model_payoff_same_world=data["model_payoff_same_world"],
        decisions=len(data["decisions"]),
        followed_model=len(data["decisions"]) - len(departed),
        key_choices=[
            {
                "day": d["day"],
                "chosen": d["chosen"],
                "chosen_probability": d["chosen_probability"],
                "model_choice": d["model_choice"],
                "model_probability": d["model_probability"],
                "model_reasons": d["model_reasons"],
            }
            for d in sorted(departed[:KEY_CHOICES], key=lambda d: d["day"])
        ],
        moves_file=str(team.folder / "moves.yaml") if team.folder else None,
    )
    return entry
