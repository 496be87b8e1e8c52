"""Per-world summary rows at the horizon, and the outcome classes (``docs/model.md`` §9).

Outcome precedence: ``settlement`` (a comprehensive ceasefire in force) > ``partial_ceasefire``
(a strike moratorium in force) > ``sanctions`` (the coercer imposed sanctions; the war goes on)
> ``paralysis`` (none of these).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.state import CORE_ISSUES, PERCENT

if TYPE_CHECKING:
    from sim.model.model import NegotiationModel

OUTCOMES = ("settlement", "partial_ceasefire", "sanctions", "paralysis")
AGGRESSOR_TYPES = ("stalling", "sincere")
CATEGORIES: dict[str, tuple[str, ...]] = {"outcome": OUTCOMES, "aggressor_type": AGGRESSOR_TYPES}
"""Columns kept as pandas categoricals in an ensemble's ``worlds`` frame (1 byte per world)."""
FLOAT32_COLUMNS = frozenset(
    {
        "day_summit",
        "day_sanctions",
        "day_settlement",
        "day_moratorium_start",
        "day_moratorium_end",
        "day_summit_offer",
        "day_aid_paused",
    }
)
"""Whole days or NaN: exact in float32 (integers below 2**24)."""
INT16_COLUMNS = frozenset({"deadline_extensions", "rejections_aggressor", "rejections_defender"})
"""At most one a day over at most 3650 days: exact in int16."""


def outcome_codes(
    settled: np.ndarray, moratorium: np.ndarray, sanctioned: np.ndarray
) -> np.ndarray:
    """Outcome class per world, by the contract's precedence, as int8 codes into :data:`OUTCOMES`.

    The one place the precedence is written: each later line overrides the ones before it.
    """
    codes = np.full(settled.shape, OUTCOMES.index("paralysis"), dtype=np.int8)
    codes[sanctioned] = OUTCOMES.index("sanctions")
    codes[moratorium] = OUTCOMES.index("partial_ceasefire")
    codes[settled] = OUTCOMES.index("settlement")
    return codes


def classify(settled: np.ndarray, moratorium: np.ndarray, sanctioned: np.ndarray) -> np.ndarray:
    """:func:`outcome_codes` as the outcome names."""
    return np.asarray(OUTCOMES)[outcome_codes(settled, moratorium, sanctioned)]


def compact(columns: dict[str, np.ndarray], world_dtype: type = np.int64) -> dict[str, np.ndarray]:
    """The summary columns in the smallest exact dtypes, for an ensemble's ``worlds`` frame.

    Event days become float32, counts int16, ``world`` ``world_dtype``; the categorical columns
    (:data:`CATEGORIES`) must already be int8 codes. Other columns keep their dtype: the
    continuous quantities stay float64 (float32 would round them).
    """
    result = {}
    for name, values in columns.items():
        if name == "world":
            values = values.astype(world_dtype)
        elif name in FLOAT32_COLUMNS:
            values = values.astype(np.float32)
        elif name in INT16_COLUMNS:
            values = values.astype(np.int16)
        result[name] = values
    return result


def territory_change(model: NegotiationModel) -> np.ndarray:
    """Percentage points of the defender's territory gained by the aggressor since day 0."""
    return model.state.territory * PERCENT - np.asarray(model.world.war.territory_start_pct)


def payoffs(model: NegotiationModel) -> dict[str, np.ndarray]:
    """Each actor's standing at the horizon, in decision-utility units (for comparisons, M2).

    Aggressor: territory gained and blame shed, minus mean economic pressure (scaled by the
    pressure weight of its war value), its mean exposure to sanctions (valued as in its
    summit offers) and face lost. Coercer: face and credibility, minus the
    running cost of its sanctions. Defender: territory lost and blame taken count against it.
    Supporters: the blame they avoid. All actors add the face they accumulated.
    """
    state, roles, world = model.state, model.roles, model.world
    days = max(state.day, 1)
    mean_pressure = state.pressure_sum / days
    gained = territory_change(model)
    initial_blame = model.initial_blame_shares(state.n)
    result = {}
    for index, name in enumerate(model.actor_names):
        params = model.actor_params[index]
        blame_shed = initial_blame[:, index] - state.blame[:, index]
        standing = (
            state.face[:, index]
            + params.blame_sensitivity * world.decision.blame_scale * blame_shed
        )
        if index == roles.aggressor:
            exposure = state.sanctions_sum / days
            standing = (
                standing
                + gained
                - world.bargaining.pressure_weight
                * world.economy.payoff_pressure_scale
                * mean_pressure
                - world.economy.sanctions_harm * exposure
            )
        elif index == roles.coercer:
            own_level = state.coercer_sanctions
            standing = standing + (state.credibility - 1.0) - params.sanction_cost * own_level
        elif index == roles.defender:
            standing = standing - gained
        result[f"payoff_{name}"] = np.broadcast_to(standing, state.n).astype(float)
    return result


def summarise(
    model: NegotiationModel, first_world: int = 0, codes: bool = False
) -> dict[str, np.ndarray]:
    """The per-world summary columns.

    The contract columns (``docs/model.md`` §9) come first, then the extras documented in
    ``docs/model.md``.

    Args:
        model: a model stepped to its horizon.
        first_world: the run's index of the model's row 0.
        codes: give the categorical columns (:data:`CATEGORIES`) as int8 codes, not strings.

    """
    state = model.state
    first = state.first_day
    sanctioned = ~np.isnan(first["sanctions"])
    day_moratorium_end = np.where(state.moratorium, np.nan, first["moratorium_end"])
    if codes:
        outcome = outcome_codes(state.settled, state.moratorium, sanctioned)
        aggressor_type = state.sincere.astype(np.int8)
    else:
        outcome = classify(state.settled, state.moratorium, sanctioned)
        aggressor_type = np.where(state.sincere, "sincere", "stalling")
    columns: dict[str, np.ndarray] = {
        "world": first_world + np.arange(state.n),
        "outcome": outcome,
        "day_summit": first["summit"],
        "day_sanctions": first["sanctions"],
        "day_settlement": first["settlement"],
        "day_moratorium_start": first["moratorium_start"],
        "day_moratorium_end": day_moratorium_end,
        "territory_change": territory_change(model),
        "casualties": state.casualties.copy(),
        "air_defense_delivered": state.air_defense_delivered.copy(),
    }
    for index, name in enumerate(model.actor_names):
        columns[f"blame_{name}"] = state.blame[:, index].copy()
    columns.update(
        {
            "day_summit_offer": first["summit_offer"],
            "strikes_launched": state.strikes_launched.copy(),
            "day_aid_paused": first["aid_paused"],
            "aggressor_type": aggressor_type,
            "sanctions_success_prob": np.broadcast_to(
                model.world.economy.sanctions_success, state.n
            ).astype(float),
            "sanctions_bite": state.sanctions_bite.copy(),
            "sanctions_level": state.sanctions_level.copy(),
            "economic_pressure": state.economic_pressure.copy(),
            "mean_economic_pressure": state.pressure_sum / max(state.day, 1),
            "belief_sincere": state.belief.copy(),
            "credibility": state.credibility.copy(),
            "deadline_extensions": state.extensions.copy(),
            "day_deadline_lapsed": first["deadline_lapsed"],
            "aggressor_demand": state.aggressor_demand(),
            "aggressor_core_position": state.aggressor_positions[:, CORE_ISSUES].mean(axis=1),
            "defender_offer": state.defender_offer(),
            "rejections_aggressor": state.rejections[:, model.roles.aggressor].copy(),
            "rejections_defender": state.rejections[:, model.roles.defender].copy(),
        }
    )
    for index, name in enumerate(model.actor_names):
        columns[f"face_{name}"] = state.face[:, index].copy()
    columns.update(payoffs(model))
    return columns
