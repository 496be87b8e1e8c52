"""Logit quantal-response choice over an actor's available actions (McKelvey & Palfrey 1995).

``P(a) = exp(λ·U(a)) / Σ_b exp(λ·U(b))`` over the available actions, sampled for all worlds at
once by Gumbel-max: ``argmax(λ·U + G)`` with standard Gumbel noise ``G``. ``λ = 0`` is uniform
choice; large ``λ`` is best response. Utilities are sums of named components (``sim.actions``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.actions import Action, Components
from sim.context import Context


@dataclass
class Choice:
    """The outcome of one actor's decision across worlds.

    Attributes:
        index: chosen action per world (a column of ``utilities``).
        utilities: total utility per world and action; ``-inf`` where unavailable.
        components: per action, the named components behind its utility.

    """

    index: np.ndarray
    utilities: np.ndarray
    components: list[Components]

    def probabilities(self, world: int, rationality: float) -> np.ndarray:
        """The logit choice probabilities of every action in one world (for traces)."""
        utilities = self.utilities[world]
        available = np.isfinite(utilities)
        logits = np.where(available, rationality * np.where(available, utilities, 0.0), -np.inf)
        weights = np.exp(logits - logits[available].max())
        return weights / weights.sum()


def choose(
    ctx: Context,
    actions: tuple[Action, ...],
    enabled: np.ndarray,
    noise: np.ndarray,
    rationality: float | np.ndarray,
) -> Choice:
    """Pick one action per world by logit choice.

    Args:
        ctx: the actor's view of the day.
        actions: the role's catalogue (fixed order).
        enabled: per action, whether the scenario allows it for this actor.
        noise: standard Gumbel draws, shape ``(worlds, len(actions))``.
        rationality: lambda, a constant or one value per world.

    """
    n = ctx.state.n
    utilities = np.full((n, len(actions)), -np.inf)
    components: list[Components] = []
    for column, action in enumerate(actions):
        if not enabled[column]:
            components.append({})
            continue
        available, parts = action.utility(ctx)
        total = np.zeros(n)
        for value in parts.values():
            total = total + value
        utilities[:, column] = np.where(available, total, -np.inf)
        components.append(parts)
    available = np.isfinite(utilities)
    lam = np.reshape(rationality, (-1, 1)) if np.ndim(rationality) else rationality
    logits = np.where(available, lam * np.where(available, utilities, 0.0) + noise, -np.inf)
    return Choice(index=np.argmax(logits, axis=1), utilities=utilities, components=components)
