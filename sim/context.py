"""What an actor sees when it decides: the state, the drawn parameters, and derived quantities.

The derived quantities are the bargaining model's war values (Fearon 1995) and the deadline's
imminence; they are computed once a day by :func:`derive` and shared by every actor's utilities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from sim.state import WorldState


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

    @property
    def day(self) -> int:
        return self.state.day

    @property
    def params(self) -> SimpleNamespace:
        """This actor's (drawn) parameters."""
        return self.actors[self.me]

    def of(self, index: int) -> SimpleNamespace:
        """Another actor's parameters."""
        return self.actors[index]


def derive(
    state: WorldState,
    world: SimpleNamespace,
    actors: list[SimpleNamespace],
    roles: Roles,
    expected_success: float,
) -> Derived:
    """Compute the day's war values, reservations and threat.

    War values follow Fearon (1995): fighting on is worth the expected share ``p`` minus the cost
    of war. The aggressor's ``p`` rises with a favourable military trend (M7) and falls with
    economic pressure (M6). A stalling aggressor's reservation is its core demand (Stanovaya);
    a sincere one accepts anything above its war value. The defender's value of a deal carries the
    risk of renewed attack, lowered by security guarantees: ``V = 1 - x - q(g) D``.
    """
    bargaining = world.bargaining
    aggressor = actors[roles.aggressor]
    trend = state.ground_trend - 1.0
    aggressor_war = (
        bargaining.war_share
        + bargaining.trend_weight * trend
        - bargaining.aggressor_war_cost
        - bargaining.pressure_weight * state.economic_pressure
    )
    reservation = np.where(state.sincere, aggressor_war, aggressor.core_demand)
    defender_war = (
        1.0
        - bargaining.war_share
        - bargaining.trend_weight * trend
        - bargaining.defender_war_cost
        - 0.1 * (1.0 - state.aid_level)
    )
    renewed = bargaining.renewed_attack_risk * (1.0 - state.guarantees)
    defender_max = 1.0 - defender_war - renewed * bargaining.renewed_attack_damage
    days_left = state.deadline_day - state.day
    threat = np.where(np.isfinite(days_left), np.exp(-np.clip(days_left, 0, None) / 5.0), 0.0)
    success = world.economy.sanctions_success
    perceived = 0.5 * expected_success + 0.5 * success * np.ones(state.n)
    return Derived(
        aggressor_war_value=aggressor_war,
        aggressor_reservation=reservation,
        defender_war_value=defender_war,
        defender_max_terms=defender_max,
        threat=threat,
        perceived_success=perceived,
    )
