"""What an actor sees when it decides: the state, the drawn parameters, and derived quantities.

The derived quantities are the bargaining model's war values (Fearon 1995) and the deadline's
imminence; they are computed once a day by :func:`derive` and shared by every actor's utilities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from types import SimpleNamespace
from typing import Any

import numpy as np

from sim.model.state import WorldState, at, per_world

SHORTEST_DAYS = 1e-9
"""A deadline's threat scale is at least this many days (no division by 0)."""


@dataclass(frozen=True)
class Roles:
    """Actor indexes by role (columns of the per-actor state arrays)."""

    aggressor: int
    coercer: int
    defender: int
    supporters: tuple[int, ...]


@dataclass
class Derived:
    """Quantities every actor uses, recomputed each day."""

    aggressor_war_value: np.ndarray
    aggressor_reservation: np.ndarray
    defender_war_value: np.ndarray
    defender_max_terms: np.ndarray
    threat: np.ndarray
    perceived_success: np.ndarray
    cost: np.ndarray
    """The (negative) cost component of an action that is not a forced answer."""


@dataclass
class Context:
    """One actor's view for one day's decision."""

    state: WorldState
    world: SimpleNamespace
    actors: list[SimpleNamespace]
    roles: Roles
    me: int
    derived: Derived
    responding: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    cache: dict[str, Any] = field(default_factory=dict)
    """Quantities an action's utility and its effect share within one decision."""

    @property
    def day(self) -> int:
        return self.state.day

    # Computed once per decision and shared by the utilities of all of the actor's actions.

    @cached_property
    def deadline_today(self) -> np.ndarray:
        """The coercer's deadline falls today: it must enforce or extend (and does nothing else)."""
        if self.me != self.roles.coercer:
            return np.zeros(self.state.n, dtype=bool)
        return self.state.deadline_day <= self.day

    @cached_property
    def free(self) -> np.ndarray:
        """Worlds where this actor is neither answering a proposal nor facing its deadline."""
        if self.me != self.roles.coercer:
            return ~self.responding
        return ~self.responding & ~self.deadline_today

    @cached_property
    def active(self) -> np.ndarray:
        """Worlds where the war goes on and this actor is free to act (:attr:`free`)."""
        return ~self.state.settled & self.free

    @cached_property
    def blame_weight(self) -> np.ndarray | float:
        """How much this actor cares about a unit share of blame."""
        return self.params.blame_sensitivity * self.world.decision.blame_scale

    @property
    def params(self) -> SimpleNamespace:
        """This actor's (drawn) parameters."""
        return self.actors[self.me]

    def of(self, index: int) -> SimpleNamespace:
        """Another actor's parameters."""
        return self.actors[index]


def _threat(days_left: np.ndarray, scale: np.ndarray | float) -> np.ndarray:
    """``exp(-max(days_left, 0) / scale)``, with ``scale`` = ``face.threat_days`` (M1).

    0 where no deadline is set (``exp(-inf)``, not computed).
    """
    pending = np.isfinite(days_left)
    count = np.count_nonzero(pending)
    if count == days_left.shape[0]:
        return np.exp(-np.maximum(days_left, 0.0) / scale)
    threat = np.zeros(days_left.shape[0])
    if count:
        threat[pending] = np.exp(-np.maximum(days_left[pending], 0.0) / at(scale, pending))
    return threat


def resolved_reservation(
    war_value: np.ndarray, core_demand: float | np.ndarray, resolve: np.ndarray
) -> np.ndarray:
    """The aggressor's reservation: its war value, raised toward its core demand by its resolve.

    ``war_value + resolve · max(core_demand − war_value, 0)`` (M9): at resolve 1 (a stalling
    aggressor on day 0) it accepts nothing below its core demand (Stanovaya); at resolve 0 (a
    sincere one) anything above its war value (Fearon 1995).
    """
    return war_value + resolve * np.maximum(core_demand - war_value, 0.0)


def derive(
    state: WorldState,
    world: SimpleNamespace,
    actors: list[SimpleNamespace],
    roles: Roles,
    expected_success: float | np.ndarray,
) -> Derived:
    """Compute the day's war values, reservations and threat.

    War values follow Fearon (1995): fighting on is worth the expected share ``p`` minus the cost
    of war. Each side's ``p`` is its own estimate, learnt from the war (M9); the aggressor's rises
    with a favourable military trend (M7) and falls with economic pressure (M6). The aggressor's
    reservation lies between its war value and its core demand by its resolve (M9). The
    defender's value of a deal carries the risk of renewed attack, lowered by security
    guarantees: ``V = 1 - x - q(g) D``.
    """
    bargaining = world.bargaining
    aggressor = actors[roles.aggressor]
    trend = state.ground_trend - 1.0
    aggressor_war = (
        state.aggressor_estimate
        + bargaining.trend_weight * trend
        - bargaining.aggressor_war_cost
        - bargaining.pressure_weight * state.economic_pressure
    )
    reservation = resolved_reservation(aggressor_war, aggressor.core_demand, state.resolve)
    defender_war = (
        1.0
        - state.defender_estimate
        - bargaining.trend_weight * trend
        - bargaining.defender_war_cost
        - bargaining.aid_war_value * (1.0 - state.aid_level)
    )
    renewed = bargaining.renewed_attack_risk * (1.0 - state.guarantees)
    defender_max = 1.0 - defender_war - renewed * bargaining.renewed_attack_damage
    days_left = state.deadline_day - state.day
    threat = _threat(days_left, np.maximum(world.face.threat_days, SHORTEST_DAYS))
    success = world.economy.sanctions_success
    insight = world.economy.success_insight
    # At insight 0.5, the same floats as 0.5 * expected + 0.5 * success (1 - 0.5 is exact).
    perceived = (1.0 - insight) * expected_success + insight * success * np.ones(state.n)
    cost = -per_world(world.decision.action_cost, state.n)
    return Derived(
        aggressor_war_value=aggressor_war,
        aggressor_reservation=reservation,
        defender_war_value=defender_war,
        defender_max_terms=defender_max,
        threat=threat,
        perceived_success=perceived,
        cost=cost,
    )
