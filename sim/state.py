"""The world-state arrays: one row per simulated world, owned by the model, viewed by the agents.

Invariants (checked by :meth:`WorldState.check`): shares and probabilities lie in [0, 1], blame
rows sum to 1, counts are non-negative, and nothing but the ``day_*`` records is NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ISSUES = ("territory", "security", "sanctions_relief", "ceasefire_scope")
"""Negotiated issues; positions in [0, 1], 1 = the aggressor's maximal demand."""
CORE_ISSUES = np.array([True, True, False, False])
"""Issues on which a stalling aggressor never moves (Stanovaya: the core position is unchanged)."""

EVENT_DAYS = (
    "summit",
    "sanctions",
    "settlement",
    "moratorium_start",
    "moratorium_end",
    "summit_offer",
    "aid_paused",
    "deadline",
)
"""Events whose first day is recorded per world (NaN where it never happened)."""

# Summit status codes.
SUMMIT_NONE, SUMMIT_OFFERED, SUMMIT_SCHEDULED, SUMMIT_HELD, SUMMIT_DECLINED = range(5)
# Levels of the coercer's aid to the defender (``WorldState.aid_level``).
AID_PAUSED, AID_NORMAL, AID_INCREASED = 0.0, 1.0, 2.0
# Proposal kinds.
PROPOSAL_NONE, PROPOSAL_CEASEFIRE, PROPOSAL_MORATORIUM = range(3)


def _zeros(n: int, *shape: int, dtype: type = np.float64) -> np.ndarray:
    return np.zeros((n, *shape), dtype=dtype)


@dataclass
class WorldState:
    """Everything that changes during a run, as arrays over worlds (and actors where needed).

    Float64 throughout: the quantities are small in number per world, and sums of daily
    increments over three years must not lose the small daily territory changes.
    """

    n: int
    n_actors: int
    territory: np.ndarray
    day: int = 0
    casualties: np.ndarray = field(init=False)
    strikes_launched: np.ndarray = field(init=False)
    air_defense_delivered: np.ndarray = field(init=False)
    strike_urgency: np.ndarray = field(init=False)
    refinery_damage: np.ndarray = field(init=False)
    sanctions_level: np.ndarray = field(init=False)
    economic_pressure: np.ndarray = field(init=False)
    pressure_sum: np.ndarray = field(init=False)
    sanctions_sum: np.ndarray = field(init=False)
    blame: np.ndarray = field(init=False)
    face: np.ndarray = field(init=False)
    credibility: np.ndarray = field(init=False)
    belief: np.ndarray = field(init=False)
    sincere: np.ndarray = field(init=False)
    sanctions_bite: np.ndarray = field(init=False)
    aggressor_positions: np.ndarray = field(init=False)
    defender_positions: np.ndarray = field(init=False)
    progress: np.ndarray = field(init=False)
    deadline_day: np.ndarray = field(init=False)
    deadline_cost: np.ndarray = field(init=False)
    extensions: np.ndarray = field(init=False)
    summit_status: np.ndarray = field(init=False)
    summit_day: np.ndarray = field(init=False)
    summit_changed_day: np.ndarray = field(init=False)
    moratorium: np.ndarray = field(init=False)
    moratorium_expiry: np.ndarray = field(init=False)
    monitored: np.ndarray = field(init=False)
    settled: np.ndarray = field(init=False)
    escalated_until: np.ndarray = field(init=False)
    aid_level: np.ndarray = field(init=False)
    guarantees: np.ndarray = field(init=False)
    ground_trend: np.ndarray = field(init=False)
    proposal_kind: np.ndarray = field(init=False)
    proposal_by: np.ndarray = field(init=False)
    proposal_terms: np.ndarray = field(init=False)
    proposal_opposed: np.ndarray = field(init=False)
    last_proposal_day: np.ndarray = field(init=False)
    last_rejection_day: np.ndarray = field(init=False)
    rejections: np.ndarray = field(init=False)
    concessions: np.ndarray = field(init=False)
    surge_day: np.ndarray = field(init=False)
    own_sanctions: np.ndarray = field(init=False)
    answers: np.ndarray = field(init=False)
    signals: np.ndarray = field(init=False)
    first_day: dict[str, np.ndarray] = field(init=False)

    def __post_init__(self) -> None:
        n, a = self.n, self.n_actors
        self.casualties = _zeros(n)
        self.strikes_launched = _zeros(n)
        self.air_defense_delivered = _zeros(n)
        self.strike_urgency = np.ones(n)
        self.refinery_damage = _zeros(n)
        self.sanctions_level = _zeros(n)
        self.economic_pressure = _zeros(n)
        self.pressure_sum = _zeros(n)
        self.sanctions_sum = _zeros(n)
        self.blame = np.full((n, a), 1.0 / a)
        self.face = _zeros(n, a)
        self.credibility = np.ones(n)
        self.belief = np.full(n, 0.5)
        self.sincere = _zeros(n, dtype=bool)
        self.sanctions_bite = _zeros(n, dtype=bool)
        self.aggressor_positions = np.ones((n, len(ISSUES)))
        self.defender_positions = _zeros(n, len(ISSUES))
        self.progress = _zeros(n)
        self.deadline_day = np.full(n, np.inf)
        self.deadline_cost = _zeros(n)
        self.extensions = _zeros(n, dtype=np.int32)
        self.summit_status = _zeros(n, dtype=np.int8)
        self.summit_day = np.full(n, np.inf)
        self.summit_changed_day = np.full(n, -np.inf)
        self.moratorium = _zeros(n, dtype=bool)
        self.moratorium_expiry = np.full(n, np.inf)
        self.monitored = _zeros(n, dtype=bool)
        self.settled = _zeros(n, dtype=bool)
        self.escalated_until = np.full(n, -1, dtype=np.int32)
        self.aid_level = np.ones(n)
        self.guarantees = _zeros(n)
        self.ground_trend = np.ones(n)
        self.proposal_kind = _zeros(n, dtype=np.int8)
        self.proposal_by = np.full(n, -1, dtype=np.int8)
        self.proposal_terms = _zeros(n)
        self.proposal_opposed = _zeros(n, dtype=bool)
        self.last_proposal_day = np.full((n, a), -np.inf)
        self.last_rejection_day = np.full((n, a), -np.inf)
        self.rejections = _zeros(n, a, dtype=np.int32)
        self.concessions = _zeros(n, a, dtype=np.int32)
        self.surge_day = np.full((n, a), -np.inf)
        self.own_sanctions = _zeros(n, a, dtype=bool)
        self.answers = _zeros(n, a, dtype=np.int8)
        self.signals = _zeros(n, dtype=np.int8)
        self.first_day = {name: np.full(n, np.nan) for name in EVENT_DAYS}

    def record(self, event: str, mask: np.ndarray) -> None:
        """Note today as the first day of ``event`` in the worlds of ``mask`` that lack one."""
        days = self.first_day[event]
        days[mask & np.isnan(days)] = self.day

    def aggressor_demand(self) -> np.ndarray:
        """The aggressor's public demand: its share of the stake, the mean of its positions."""
        return self.aggressor_positions.mean(axis=1)

    def defender_offer(self) -> np.ndarray:
        """What the defender publicly offers the aggressor, on the same scale."""
        return self.defender_positions.mean(axis=1)

    def add_blame(self, actor: int, amount: np.ndarray, mask: np.ndarray) -> None:
        """Move blame onto ``actor`` in the worlds of ``mask``, then renormalise (M4 ledger)."""
        if not mask.any():
            return
        self.blame[mask, actor] += amount[mask] if np.ndim(amount) else amount
        self.blame[mask] /= self.blame[mask].sum(axis=1, keepdims=True)

    def check(self) -> list[str]:
        """Names of violated invariants (empty when the state is sound)."""
        problems = []
        unit = {
            "territory": self.territory,
            "refinery_damage": self.refinery_damage,
            "sanctions_level": self.sanctions_level,
            "economic_pressure": self.economic_pressure,
            "blame": self.blame,
            "credibility": self.credibility,
            "belief": self.belief,
            "progress": self.progress,
            "guarantees": self.guarantees,
            "aggressor_positions": self.aggressor_positions,
            "defender_positions": self.defender_positions,
        }
        for name, values in unit.items():
            if np.isnan(values).any() or (values < -1e-9).any() or (values > 1 + 1e-9).any():
                problems.append(f"{name} outside [0, 1]")
        if not np.allclose(self.blame.sum(axis=1), 1.0):
            problems.append("blame shares do not sum to 1")
        for name in ("casualties", "air_defense_delivered"):
            values = getattr(self, name)
            if np.isnan(values).any() or (values < 0).any():
                problems.append(f"{name} negative or NaN")
        return problems
