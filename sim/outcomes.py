"""Per-world summary rows at the horizon, and the outcome classes (DESIGN §2, contract).

Outcome precedence: ``settlement`` (a comprehensive ceasefire in force) > ``partial_ceasefire``
(a strike moratorium in force) > ``sanctions`` (the coercer imposed sanctions; the war goes on)
> ``paralysis`` (none of these).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.actions import SANCTIONS_HARM

if TYPE_CHECKING:
    from sim.model import NegotiationModel

OUTCOMES = ("settlement", "partial_ceasefire", "sanctions", "paralysis")


def classify(settled: np.ndarray, moratorium: np.ndarray, sanctioned: np.ndarray) -> np.ndarray:
    """Outcome class per world, by the contract's precedence."""
    return np.select(
        [settled, moratorium, sanctioned],
        ["settlement", "partial_ceasefire", "sanctions"],
        default="paralysis",
    )


def territory_change(model: NegotiationModel) -> np.ndarray:
    """Percentage points of the defender's territory gained by the aggressor since day 0."""
    return model.state.territory * 100 - np.asarray(model.world.war.territory_start_pct)


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
    initial_blame = np.column_stack(
        [np.broadcast_to(p.initial_blame, state.n) for p in model.actor_params]
    ).astype(float)
    initial_blame /= np.maximum(initial_blame.sum(axis=1, keepdims=True), 1e-12)
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
                - world.bargaining.pressure_weight * 4 * mean_pressure
                - SANCTIONS_HARM * exposure
            )
        elif index == roles.coercer:
            coercer_level = np.where(
                np.isnan(state.first_day["sanctions"]), 0.0, state.sanctions_level
            )
            standing = standing + (state.credibility - 1.0) - params.sanction_cost * coercer_level
        elif index == roles.defender:
            standing = standing - gained
        result[f"payoff_{name}"] = np.broadcast_to(standing, state.n).astype(float)
    return result


def summarise(model: NegotiationModel, first_world: int = 0) -> dict[str, np.ndarray]:
    """The per-world summary columns.

    DESIGN §3 contract columns come first, then the extras documented in ``docs/model.md``.
    """
    state = model.state
    first = state.first_day
    sanctioned = ~np.isnan(first["sanctions"])
    day_moratorium_end = np.where(state.moratorium, np.nan, first["moratorium_end"])
    columns: dict[str, np.ndarray] = {
        "world": first_world + np.arange(state.n),
        "outcome": classify(state.settled, state.moratorium, sanctioned),
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
            "aggressor_type": np.where(state.sincere, "sincere", "stalling"),
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
            "aggressor_demand": state.aggressor_demand(),
            "aggressor_core_position": state.aggressor_positions[:, :2].mean(axis=1),
            "defender_offer": state.defender_offer(),
            "rejections_aggressor": state.rejections[:, model.roles.aggressor].copy(),
            "rejections_defender": state.rejections[:, model.roles.defender].copy(),
        }
    )
    for index, name in enumerate(model.actor_names):
        columns[f"face_{name}"] = state.face[:, index].copy()
    columns.update(payoffs(model))
    return columns
