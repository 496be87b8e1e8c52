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
    "deadline_lapsed",
)
"""Events whose first day is recorded per world (NaN where it never happened)."""

PERCENT = 100.0
"""Percentage points in a whole (territory is a share; paces and ``territory_start_pct`` are in
percent of the defender's territory)."""
SURE = 1e-6
"""Beliefs stay this far from 0 and 1: Bayes' rule could not move a belief of exactly 0 or 1."""

# Summit status codes.
SUMMIT_NONE, SUMMIT_OFFERED, SUMMIT_SCHEDULED, SUMMIT_HELD, SUMMIT_DECLINED = range(5)
# Levels of the coercer's aid to the defender (``WorldState.aid_level``).
AID_PAUSED, AID_NORMAL, AID_INCREASED = 0.0, 1.0, 2.0
# What the coercer saw the aggressor do today (``WorldState.signals``), read by Bayes' rule.
SIGNAL_NONE, SIGNAL_MINOR, SIGNAL_CORE, SIGNAL_STATEMENT, SIGNAL_STRIKE_PAUSE = range(5)
# Proposal kinds.
PROPOSAL_NONE, PROPOSAL_CEASEFIRE, PROPOSAL_MORATORIUM = range(3)


def _zeros(n: int, *shape: int, dtype: type = np.float64) -> np.ndarray:
    return np.zeros((n, *shape), dtype=dtype)


def per_world(value: float | np.ndarray, n: int) -> np.ndarray:
    """A constant or per-world parameter as a float array of length ``n`` (``value * ones``)."""
    if np.ndim(value) == 0:
        return np.full(n, float(value))
    return np.asarray(value, dtype=float) * 1.0


def at(value: float | np.ndarray, mask: np.ndarray) -> float | np.ndarray:
    """A constant or per-world parameter at the worlds of ``mask`` (a constant stays one)."""
    return value[mask] if np.ndim(value) else value


def row_sum(matrix: np.ndarray) -> np.ndarray:
    """``matrix.sum(axis=1)``, bit for bit, but column by column when there are few columns.

    numpy reduces a short row sequentially, ``((a0 + a1) + a2) + ...``, up to 7 columns; adding
    1-D columns in that order gives the same floats several times faster than a reduction over
    a short axis.
    """
    columns = matrix.shape[1]
    if not 1 < columns <= 7:
        return matrix.sum(axis=1)
    total = matrix[:, 0] + matrix[:, 1]
    for column in range(2, columns):
        total += matrix[:, column]
    return total


@dataclass
class WorldState:
    """Everything that changes during a run, as arrays over worlds (and actors where needed).

    Float64 throughout, on purpose (``docs/performance.md``):

    - daily increments accumulate for up to 3650 days: the front moves about 2.5e-5 of the
      defender's territory a day, on a share near 0.2 where float32's spacing is 1.5e-8, so
      float32 would round every day's gain by up to 0.03 %, and the errors add up;
    - a choice compares utilities plus Gumbel noise across actions; float32 would round near-ties
      differently and change which worlds settle;
    - at a chunk's size (16,384 worlds, arrays of 128 kB that stay in cache) a day costs about a
      thousand numpy operations, and their count, more than the bytes they move, sets the time.

    The per-world summary rows are stored compactly instead (``sim.model.outcomes.compact``).
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
    """The sanctions in force, ``min(1, coercer_sanctions + other_sanctions)``."""
    coercer_sanctions: np.ndarray = field(init=False)
    """The coercer's part: all that easing sanctions can lift."""
    other_sanctions: np.ndarray = field(init=False)
    """The supporters' part: their own packages and scripted sanctions events."""
    economic_pressure: np.ndarray = field(init=False)
    pressure_sum: np.ndarray = field(init=False)
    sanctions_sum: np.ndarray = field(init=False)
    blame: np.ndarray = field(init=False)
    face: np.ndarray = field(init=False)
    credibility: np.ndarray = field(init=False)
    belief: np.ndarray = field(init=False)
    sincere: np.ndarray = field(init=False)
    sanctions_bite: np.ndarray = field(init=False)
    aggressor_by_issue: np.ndarray = field(init=False)
    defender_by_issue: np.ndarray = field(init=False)
    progress: np.ndarray = field(init=False)
    deadline_day: np.ndarray = field(init=False)
    deadline_cost: np.ndarray = field(init=False)
    extensions: np.ndarray = field(init=False)
    summit_status: np.ndarray = field(init=False)
    summit_day: np.ndarray = field(init=False)
    summit_changed_day: np.ndarray = field(init=False)
    summit_to_aggressor: np.ndarray = field(init=False)
    """The summit on offer (or agreed) was offered to the aggressor, which answers it (M2)."""
    moratorium: np.ndarray = field(init=False)
    moratorium_expiry: np.ndarray = field(init=False)
    monitored: np.ndarray = field(init=False)
    settled: np.ndarray = field(init=False)
    escalated_until: np.ndarray = field(init=False)
    truce_until: np.ndarray = field(init=False)
    """The last day of a unilateral short truce (M5); -1 when none was declared."""
    aid_level: np.ndarray = field(init=False)
    guarantees: np.ndarray = field(init=False)
    ground_trend: np.ndarray = field(init=False)
    pace: np.ndarray = field(init=False)
    """Today's ground pace, percentage points of the defender's territory (M8)."""
    aggressor_estimate: np.ndarray = field(init=False)
    """The aggressor's estimate of its war share, learnt from the war (M9)."""
    defender_estimate: np.ndarray = field(init=False)
    """The defender's estimate of the aggressor's war share, learnt from the war (M9)."""
    aggressor_prior: np.ndarray = field(init=False)
    """The aggressor's estimate on day 0: its yardstick of disappointment (M9)."""
    days_observed: np.ndarray = field(init=False)
    """Days of fighting both sides have learnt from (M9)."""
    resolve: np.ndarray = field(init=False)
    """The aggressor's resolve: its reservation's place between war value and core demand (M9)."""
    range_open: np.ndarray = field(init=False)
    """Yesterday's reservations left a bargaining range: the aggressor's below the defender's."""
    proposal_kind: np.ndarray = field(init=False)
    proposal_by: np.ndarray = field(init=False)
    proposal_terms: np.ndarray = field(init=False)
    proposal_opposed: np.ndarray = field(init=False)
    proposal_day: np.ndarray = field(init=False)
    last_proposal_day: np.ndarray = field(init=False)
    last_rejection_day: np.ndarray = field(init=False)
    rejections: np.ndarray = field(init=False)
    rebuffs: np.ndarray = field(init=False)
    """Per world and actor, how many of the actor's proposals were rejected (M4)."""
    concessions: np.ndarray = field(init=False)
    last_conceded_issue: np.ndarray = field(init=False)
    surge_day: np.ndarray = field(init=False)
    own_sanctions: np.ndarray = field(init=False)
    answers: np.ndarray = field(init=False)
    signals: np.ndarray = field(init=False)
    first_day: dict[str, np.ndarray] = field(init=False)
    happened: dict[str, int] = field(init=False)
    """Per event, the number of worlds with a first day recorded (kept by :meth:`record`)."""

    def __post_init__(self) -> None:
        n, a = self.n, self.n_actors
        self.casualties = _zeros(n)
        self.strikes_launched = _zeros(n)
        self.air_defense_delivered = _zeros(n)
        self.strike_urgency = np.ones(n)
        self.refinery_damage = _zeros(n)
        self.sanctions_level = _zeros(n)
        self.coercer_sanctions = _zeros(n)
        self.other_sanctions = _zeros(n)
        self.economic_pressure = _zeros(n)
        self.pressure_sum = _zeros(n)
        self.sanctions_sum = _zeros(n)
        self.blame = np.full((n, a), 1.0 / a)
        self.face = _zeros(n, a)
        self.credibility = np.ones(n)
        self.belief = np.full(n, 0.5)
        self.sincere = _zeros(n, dtype=bool)
        self.sanctions_bite = _zeros(n, dtype=bool)
        self.aggressor_by_issue = np.ones((len(ISSUES), n))
        self.defender_by_issue = np.zeros((len(ISSUES), n))
        self.progress = _zeros(n)
        self.deadline_day = np.full(n, np.inf)
        self.deadline_cost = _zeros(n)
        self.extensions = _zeros(n, dtype=np.int32)
        self.summit_status = _zeros(n, dtype=np.int8)
        self.summit_day = np.full(n, np.inf)
        self.summit_changed_day = np.full(n, -np.inf)
        self.summit_to_aggressor = _zeros(n, dtype=bool)
        self.moratorium = _zeros(n, dtype=bool)
        self.moratorium_expiry = np.full(n, np.inf)
        self.monitored = _zeros(n, dtype=bool)
        self.settled = _zeros(n, dtype=bool)
        self.escalated_until = np.full(n, -1, dtype=np.int32)
        self.truce_until = np.full(n, -1, dtype=np.int32)
        self.aid_level = np.ones(n)
        self.guarantees = _zeros(n)
        self.ground_trend = np.ones(n)
        self.pace = _zeros(n)
        self.aggressor_estimate = _zeros(n)
        self.defender_estimate = _zeros(n)
        self.aggressor_prior = _zeros(n)
        self.days_observed = _zeros(n)
        self.resolve = _zeros(n)
        self.range_open = _zeros(n, dtype=bool)
        self.proposal_kind = _zeros(n, dtype=np.int8)
        self.proposal_by = np.full(n, -1, dtype=np.int8)
        self.proposal_terms = _zeros(n)
        self.proposal_opposed = _zeros(n, dtype=bool)
        self.proposal_day = np.full(n, -np.inf)
        self.last_proposal_day = np.full((n, a), -np.inf)
        self.last_rejection_day = np.full((n, a), -np.inf)
        self.rejections = _zeros(n, a, dtype=np.int32)
        self.rebuffs = _zeros(n, a, dtype=np.int32)
        self.concessions = _zeros(n, a, dtype=np.int32)
        self.last_conceded_issue = np.full((n, a), -1, dtype=np.int8)
        self.surge_day = np.full((n, a), -np.inf)
        self.own_sanctions = _zeros(n, a, dtype=bool)
        self.answers = _zeros(n, a, dtype=np.int8)
        self.signals = _zeros(n, dtype=np.int8)
        self.first_day = {name: np.full(n, np.nan) for name in EVENT_DAYS}
        self.happened = dict.fromkeys(EVENT_DAYS, 0)

    def record(self, event: str, mask: np.ndarray) -> None:
        """Note today as the first day of ``event`` in the worlds of ``mask`` that lack one."""
        days = self.first_day[event]
        new = mask & np.isnan(days)
        days[new] = self.day
        self.happened[event] += int(np.count_nonzero(new))

    @property
    def aggressor_positions(self) -> np.ndarray:
        """The aggressor's public position on each issue, shape ``(worlds, issues)``.

        A view of :attr:`aggressor_by_issue`, stored issue-major so that each issue's column is
        contiguous in memory (the utilities work issue by issue).
        """
        return self.aggressor_by_issue.T

    @property
    def defender_positions(self) -> np.ndarray:
        """The defender's public position on each issue, shape ``(worlds, issues)`` (a view)."""
        return self.defender_by_issue.T

    def aggressor_demand(self) -> np.ndarray:
        """The aggressor's public demand: its share of the stake, the mean of its positions."""
        return row_sum(self.aggressor_positions) / self.aggressor_positions.shape[1]

    def defender_offer(self) -> np.ndarray:
        """What the defender publicly offers the aggressor, on the same scale."""
        return row_sum(self.defender_positions) / self.defender_positions.shape[1]

    def add_sanctions(
        self, mask: np.ndarray, amount: np.ndarray | float, coercer: bool, floor: bool = False
    ) -> None:
        """Add sanctions in the worlds of ``mask``: the coercer's or another actor's part.

        With ``floor``, raise the level in force to at least ``amount`` instead (a scripted
        sanctions event). ``amount`` is one value or one per world of ``mask``. Each part and the
        level stay in [0, 1]; easing (:meth:`ease_sanctions`) lifts only the coercer's part.
        """
        own, rest = (
            (self.coercer_sanctions, self.other_sanctions)
            if coercer
            else (self.other_sanctions, self.coercer_sanctions)
        )
        if floor:
            own[mask] = np.maximum(own[mask], amount - rest[mask])
        else:
            own[mask] = np.minimum(1.0, own[mask] + amount)
        self.sanctions_level[mask] = np.minimum(1.0, own[mask] + rest[mask])

    def ease_sanctions(self, mask: np.ndarray, amount: float) -> None:
        """Lift up to ``amount`` of the coercer's sanctions; the supporters' stay in force."""
        coercer = self.coercer_sanctions
        coercer[mask] = np.maximum(0.0, coercer[mask] - amount)
        self.sanctions_level[mask] = np.minimum(1.0, coercer[mask] + self.other_sanctions[mask])

    def add_blame(self, actor: int, amount: np.ndarray | float, mask: np.ndarray) -> None:
        """Move blame onto ``actor`` in the worlds of ``mask``, then renormalise (M4 ledger).

        Few worlds: gather them. Many (the daily blame of strikes): update in place under
        ``where=mask``, which touches the same worlds with the same arithmetic.
        """
        count = np.count_nonzero(mask)
        if not count:
            return
        if count * 8 < self.n:
            rows = mask.nonzero()[0]
            blame = self.blame[rows]
            blame[:, actor] += at(amount, rows)
            blame /= blame.sum(axis=1, keepdims=True)
            self.blame[rows] = blame
            return
        column = self.blame[:, actor]
        np.add(column, amount, out=column, where=mask)
        total = np.where(mask, row_sum(self.blame), 1.0)  # x / 1.0 is x, bit for bit
        self.blame /= total[:, None]

    def check(self) -> list[str]:
        """Names of violated invariants (empty when the state is sound)."""
        problems = []
        unit = {
            "territory": self.territory,
            "refinery_damage": self.refinery_damage,
            "sanctions_level": self.sanctions_level,
            "coercer_sanctions": self.coercer_sanctions,
            "other_sanctions": self.other_sanctions,
            "economic_pressure": self.economic_pressure,
            "blame": self.blame,
            "credibility": self.credibility,
            "belief": self.belief,
            "resolve": self.resolve,
            "progress": self.progress,
            "guarantees": self.guarantees,
            "aggressor_positions": self.aggressor_positions,
            "defender_positions": self.defender_positions,
        }
        for name, values in unit.items():
            if np.isnan(values).any() or (values < -1e-9).any() or (values > 1 + 1e-9).any():
                problems.append(f"{name} outside [0, 1]")
        parts = np.minimum(1.0, self.coercer_sanctions + self.other_sanctions)
        if not np.allclose(self.sanctions_level, parts, rtol=0, atol=1e-12):
            problems.append("sanctions_level is not min(1, coercer's part + others')")
        if not np.allclose(self.blame.sum(axis=1), 1.0):
            problems.append("blame shares do not sum to 1")
        for name in ("casualties", "air_defense_delivered"):
            values = getattr(self, name)
            if np.isnan(values).any() or (values < 0).any():
                problems.append(f"{name} negative or NaN")
        return problems
