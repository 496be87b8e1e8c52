"""NegotiationModel: the Mesa model that steps many simulated worlds at once, one day per step.

One model, two scales (``docs/model.md`` §2, *Worlds*): ``worlds=1`` is an ordinary Mesa model for
``sim trace``, ``DataCollector`` and ``mesa.batch_run``; ``worlds=16384`` is a chunk of an ensemble.
The rules are the same code either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace

import mesa
import numpy as np

from sim.model import dynamics
from sim.model.agents import ActorAgent
from sim.model.aggregates import EVENTS, DailyAggregates
from sim.model.context import Context, Roles, derive
from sim.model.design import check_rows
from sim.model.draws import draw_section, mean_of
from sim.model.state import CORE_ISSUES, ISSUES, PERCENT, SIGNAL_NONE, SURE, WorldState
from sim.model.streams import BLOCK_SIZE, seed_from, streams_for
from sim.scenario import options as arguments
from sim.scenario.schema import WORLD_SECTIONS, Scenario

ROLE_ORDER = ("aggressor", "coercer", "defender", "supporter")
"""Who moves first each day: the aggressor sets the agenda, the coercer answers, then the rest."""


def _as_scenario(scenario: Scenario | str | Path) -> Scenario:
    """A scenario as given, or loaded from its path (not validated again: models are many)."""
    if isinstance(scenario, Scenario):
        return scenario
    return arguments.scenario(scenario)  # a path is loaded; anything else is a TypeError


def _expected(
    spec: Scenario, path: str, design: Mapping[str, np.ndarray] | None
) -> float | np.ndarray:
    """What the actors expect of a number: its mean, or each world's value where a design sets it.

    A design point is the scenario with the number set to it, as ``--set`` would set it.
    """
    if design is not None and path in design:
        return design[path]
    section, name = path.split(".")
    return mean_of(getattr(getattr(spec, section), name))


class NegotiationModel(mesa.Model):
    """A wartime negotiation (``docs/model.md`` §7, M1–M8) simulated in ``worlds`` parallel worlds.

    Args:
        scenario: a validated :class:`~sim.scenario.schema.Scenario` or the path of a scenario file.
        worlds: how many worlds to step at once.
        rng: the run's seed (an int), a numpy Generator to derive one from, or None.
        block: which seeding block of the run the worlds start at; row ``i`` of the model is
            world ``block * 4096 + i`` of the run and gets that world's random numbers.
        trace_world: row whose decisions and events are narrated in :attr:`log`.
        first_world: the run's index of row 0, for a model that starts inside a block (an
            ensemble's chunk); overrides ``block``.
        collect: record run-wide daily means in :attr:`datacollector` (Mesa's
            ``DataCollector``: for ``worlds=1``, SolaraViz and ``mesa.batch_run``).
        aggregate: keep :class:`~sim.model.aggregates.DailyAggregates` in :attr:`aggregates` (what
            ensembles keep instead of the ``DataCollector``, which copies every value).
        design: each world's own values of some parameters, by dotted path, one per row
            (:meth:`sim.model.design.Design.rows`); the worlds' random numbers are unchanged.
        stream_period: world *i* of the run draws the random numbers of world
            ``i % stream_period`` (:class:`~sim.model.streams.RepeatedStreams`); default: its own.

    """

    def __init__(
        self,
        scenario: Scenario | str | Path,
        worlds: int = 1,
        rng: int | np.random.Generator | None = None,
        *,
        block: int = 0,
        trace_world: int | None = None,
        first_world: int | None = None,
        collect: bool = True,
        aggregate: bool = False,
        design: Mapping[str, np.ndarray] | None = None,
        stream_period: int | None = None,
    ) -> None:
        seed = seed_from(rng)
        super().__init__(rng=seed)
        worlds = arguments.whole("worlds", worlds, 1)
        self.spec = _as_scenario(scenario)
        self.seed = seed
        self.first_world = block * BLOCK_SIZE if first_world is None else first_world
        self.block = self.first_world // BLOCK_SIZE
        self.horizon = self.spec.horizon_days
        self.streams = streams_for(seed, self.first_world, worlds, stream_period)
        self.trace_world = (
            None
            if trace_world is None
            else arguments.whole("trace_world", trace_world, 0, worlds - 1)
        )
        self.log: list[dict] = []
        rows = None if design is None else check_rows(design, worlds, self.spec)
        self.world = SimpleNamespace(
            **{
                name: draw_section(getattr(self.spec, name), name, self.streams, rows)
                for name in WORLD_SECTIONS
            }
        )
        ordered = sorted(self.spec.actors.items(), key=lambda item: ROLE_ORDER.index(item[1].role))
        self.actor_names = [name for name, _ in ordered]
        self.actor_params = [
            draw_section(actor, f"actors.{name}", self.streams, rows) for name, actor in ordered
        ]
        self.params_by_name = dict(zip(self.actor_names, self.actor_params, strict=True))
        roles = [actor.role for _, actor in ordered]
        self.roles = Roles(
            aggressor=roles.index("aggressor"),
            coercer=roles.index("coercer"),
            defender=roles.index("defender"),
            supporters=tuple(i for i, role in enumerate(roles) if role == "supporter"),
        )
        self.expected_success = _expected(self.spec, "economy.sanctions_success", rows)
        self.expected_pace = _expected(self.spec, "bargaining.expected_pace_pct_per_day", rows)
        self.state = self._initial_state(worlds)
        self.actors = [
            ActorAgent(self, name, role, index, params)
            for index, (name, role, params) in enumerate(
                zip(self.actor_names, roles, self.actor_params, strict=True)
            )
        ]
        self.rates = dynamics.Rates.of(self.state, self.world, self.roles, self.actor_params)
        dynamics.start_calendar(self.state, self.spec, self.world)
        self.derived = derive(
            self.state, self.world, self.actor_params, self.roles, self.expected_success
        )
        self.collect = collect
        self.aggregates: DailyAggregates | None = None
        if aggregate:
            self.aggregates = DailyAggregates.for_actors(
                self.horizon, worlds, self.actor_names, self.actor_names[self.roles.defender]
            )
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "territory_pct": lambda m: PERCENT * float(m.state.territory.mean()),
                "sanctions_level": lambda m: float(m.state.sanctions_level.mean()),
                "economic_pressure": lambda m: float(m.state.economic_pressure.mean()),
                "belief_sincere": lambda m: float(m.state.belief.mean()),
                "blame_aggressor": lambda m: float(m.state.blame[:, m.roles.aggressor].mean()),
                "moratorium": lambda m: float(m.state.moratorium.mean()),
                "settled": lambda m: float(m.state.settled.mean()),
            }
        )

    def _initial_state(self, worlds: int) -> WorldState:
        """Day-0 state: the 2025 front line, the blame priors, the aggressor's private type."""
        state = WorldState(
            n=worlds,
            n_actors=len(self.actor_params),
            territory=np.broadcast_to(self.world.war.territory_start_pct / PERCENT, worlds).astype(
                float
            ),
        )
        state.blame = self.initial_blame_shares(worlds)
        aggressor = self.actor_params[self.roles.aggressor]
        coercer = self.actor_params[self.roles.coercer]
        state.belief = np.broadcast_to(coercer.belief_prior, worlds).astype(float).copy()
        state.belief = np.clip(state.belief, SURE, 1 - SURE)
        state.sincere = self.streams.uniform("aggressor_type")[:, 0] < aggressor.types.sincere
        bite = self.world.economy.sanctions_success
        state.sanctions_bite = self.streams.uniform("sanctions_bite")[:, 0] < bite
        state.aggressor_positions[:] = np.reshape(aggressor.core_demand, (-1, 1))
        state.economic_pressure[:] = self.world.economy.baseline_pressure
        self._initial_beliefs(state)
        return state

    def _initial_beliefs(self, state: WorldState) -> None:
        """Day-0 estimates of the balance and the aggressor's resolve (M9).

        Both sides start mutually optimistic about the war share (Fearon 1995; Slantchev 2003);
        a stalling aggressor starts resolved to hold its core demand, a sincere one open to a deal.
        """
        share, learning = self.world.bargaining.war_share, self.world.learning
        state.aggressor_estimate[:] = np.clip(share + learning.aggressor_optimism, 0.0, 1.0)
        state.defender_estimate[:] = np.clip(share - learning.defender_optimism, 0.0, 1.0)
        state.aggressor_prior[:] = state.aggressor_estimate
        state.resolve[:] = np.where(
            state.sincere, learning.sincere_resolve, learning.stalling_resolve
        )

    # --- hooks the agents and dynamics call --------------------------------------------------

    def initial_blame_shares(self, worlds: int) -> np.ndarray:
        """Each actor's ``initial_blame`` as a share of the world's total.

        Equal shares where every actor's is 0. The blame on day 0, and the payoffs' reference.
        """
        blame = np.column_stack(
            [np.broadcast_to(p.initial_blame, worlds) for p in self.actor_params]
        ).astype(float)
        total = blame.sum(axis=1, keepdims=True)
        return np.where(total > 0, blame / np.where(total > 0, total, 1), 1 / blame.shape[1])

    def responding(self, actor: int) -> np.ndarray:
        """Worlds where ``actor`` must answer a pending proposal today."""
        return dynamics.responders(self.state, self.roles, actor)

    def note(self, mask: np.ndarray, text: str) -> None:
        """Narrate an event, if it happened in the traced world."""
        if self.trace_world is not None and mask[self.trace_world]:
            self.log.append({"day": self.state.day, "actor": None, "text": text})

    def note_choice(self, agent: ActorAgent, choice) -> None:
        """Narrate a choice other than waiting in the traced world, with its reasons."""
        world = self.trace_world
        if world is None:
            return
        column = int(choice.index[world])
        if column == 0:
            return
        rationality = np.broadcast_to(self.world.decision.rationality, self.state.n)
        probabilities = choice.probabilities(world, float(rationality[world]))
        parts = {
            k: float(np.broadcast_to(v, self.state.n)[world])
            for k, v in choice.components[column].items()
        }
        text = f"{agent.name} {agent.actions[column].words}"
        if agent.actions[column].name == "concede":
            index = int(self.state.last_conceded_issue[world, agent.index])
            kind = "a core issue" if CORE_ISSUES[index] else "a non-core issue"
            text = f"{agent.name} concedes a step on {ISSUES[index].replace('_', ' ')} ({kind})"
        self.log.append(
            {
                "day": self.state.day,
                "actor": agent.name,
                "action": agent.actions[column].name,
                "text": text,
                "probability": float(probabilities[column]),
                "utility": float(choice.utilities[world, column]),
                "components": parts,
            }
        )

    # --- one day -----------------------------------------------------------------------------

    def step(self) -> None:
        """Advance every world one day (docs/model.md §3: events, choices, answers, dynamics)."""
        state = self.state
        if state.day >= self.horizon:
            self.running = False
            return
        state.signals[:] = SIGNAL_NONE
        state.answers[:] = 0
        dynamics.fire_events(state, self.spec, self.world, self.note, self.params_by_name)
        dynamics.hold_summits(state, self.roles, self.actor_params, self.world.summit, self.note)
        dynamics.lapse_summit_offers(state, self.world.summit, self.note)
        self.derived = derive(
            state, self.world, self.actor_params, self.roles, self.expected_success
        )
        dynamics.watch_bargaining_range(state, self.derived, self.note)
        for agent in self.actors:
            agent.step()
        ctx = Context(
            state, self.world, self.actor_params, self.roles, self.roles.aggressor, self.derived
        )
        dynamics.resolve_proposals(ctx, self.actor_names, self.note)
        dynamics.update_beliefs(state, self.world.beliefs, self.rates)
        surge = dynamics.strike_surge(
            self.streams.uniform("strikes")[:, 0], self.world.war.strike_dispersion
        )
        dynamics.wage_war(state, self.world, self.roles, self.expected_pace, self.rates, surge)
        dynamics.run_economy(state, self.world.economy, self.rates)
        dynamics.learn_from_war(state, self.world, self.expected_pace, self.rates, self.note)
        dynamics.decay_progress(state, self.rates)
        draws = self.streams.uniform("truce", 2)  # a shape: whether a truce breaks, and who
        dynamics.truce_hazard(
            state,
            self.world.truce,
            self.roles,
            self.rates,
            self.world.blame,
            draws,
            self.note,
        )
        if self.collect:
            self.datacollector.collect(self)
        if self.aggregates is not None:
            self.aggregates.observe(state.day, self.daily_values())
        state.day += 1
        if state.day >= self.horizon:
            self.running = False

    def daily_values(self) -> dict[str, np.ndarray]:
        """Today's per-world values that :class:`~sim.model.aggregates.DailyAggregates` observes."""
        state = self.state
        values = {
            "territory_pct": state.territory,
            "territory_change": state.territory * PERCENT - self.world.war.territory_start_pct,
            "sanctions_level": state.sanctions_level,
            "economic_pressure": state.economic_pressure,
            "belief_sincere": state.belief,
            "casualties": state.casualties,
            "air_defense_delivered": state.air_defense_delivered,
            "moratorium": state.moratorium,
            "settled": state.settled,
        }
        for index, name in enumerate(self.actor_names):
            values[f"blame_{name}"] = state.blame[:, index]
        for event in EVENTS:
            values[event] = state.happened[event]
        return values

    def run_to_horizon(self) -> None:
        """Step until the scenario's horizon."""
        while self.running:
            self.step()

    def close(self) -> None:
        """Let go of the world arrays now.

        A model and its agents refer to each other (and Mesa's scheduler to the model), so only
        the cyclic garbage collector frees them, and it runs rarely once pandas and the rest are
        loaded. An ensemble closes each chunk's model as soon as it is summarised, so that memory
        stays at one chunk's worth.
        """
        self.running = False
        del self.state, self.world, self.actor_params, self.derived, self.streams
        del self.params_by_name
        self.aggregates = None
