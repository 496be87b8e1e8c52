"""Logit quantal-response choice over an actor's available actions (McKelvey & Palfrey 1995).

``P(a) = exp(λ·U(a)) / Σ_b exp(λ·U(b))`` over the available actions, sampled for all worlds at
once by Gumbel-max: ``argmax(λ·U + G)`` with standard Gumbel noise ``G``. ``λ = 0`` is uniform
choice; large ``λ`` is best response. Utilities are sums of named components
(``sim.model.actions``).

The maximum is taken one action at a time over 1-D arrays, and only over actions available in
some world: an action disabled by the scenario or unavailable everywhere today costs neither its
utility components nor the transform of its noise. Each action's uniforms come from its own
stream, ``decide/<actor>/<action>`` (:meth:`sim.model.agents.ActorAgent.noise`), drawn every day
for every enabled action: adding or removing an action leaves the others' noise unchanged, and
every world's random numbers are the same whatever other worlds run beside it.
"""

from __future__ import annotations

import numpy as np

from sim.model.actions import NONE, Action, Components
from sim.model.context import Context

TINY = np.finfo(np.float64).tiny
"""A uniform of exactly 0 is raised to this before ``-log(-log(u))``."""
SPARSE = 8
"""An action available in fewer than 1 / SPARSE of the worlds has its noise and logit computed
on those worlds only (gathered and scattered back: the same arithmetic on fewer numbers)."""


def _gumbel_logit(uniforms: np.ndarray, scaled: np.ndarray) -> np.ndarray:
    """``λ·U + G`` with ``G = -log(-log(u))``, computed as ``λ·U - log(-log(u))`` (same bits)."""
    logit = np.maximum(uniforms, TINY)
    np.log(logit, out=logit)
    np.negative(logit, out=logit)
    np.log(logit, out=logit)
    return np.subtract(scaled, logit, out=logit)


class Choice:
    """The outcome of one actor's decision across worlds.

    Attributes:
        index: chosen action per world (a column of ``utilities``).
        components: per action, the named components behind its utility (empty for actions
            unavailable in every world).

    """

    def __init__(
        self,
        index: np.ndarray,
        totals: list[tuple[np.ndarray, np.ndarray] | None],
        components: list[Components],
    ) -> None:
        self.index = index
        self.components = components
        self._totals = totals
        self._utilities: np.ndarray | None = None

    @property
    def considered(self) -> list[int]:
        """The actions available in at least one world."""
        return [column for column, total in enumerate(self._totals) if total is not None]

    @property
    def utilities(self) -> np.ndarray:
        """Total utility per world and action, ``-inf`` where unavailable (built on first use)."""
        if self._utilities is None:
            n = self.index.shape[0]
            utilities = np.full((n, len(self._totals)), -np.inf)
            for column, entry in enumerate(self._totals):
                if entry is not None:
                    available, total = entry
                    utilities[:, column] = np.where(available, total, -np.inf)
            self._utilities = utilities
        return self._utilities

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
    uniforms: np.ndarray,
    rationality: float | np.ndarray,
) -> Choice:
    """Pick one action per world by logit choice.

    Args:
        ctx: the actor's view of the day.
        actions: the role's catalogue (fixed order).
        enabled: per action, whether the scenario allows it for this actor.
        uniforms: the uniforms behind the Gumbel noise, shape ``(worlds, len(actions))``:
            ``G = -log(-log(u))``, transformed here only for the actions that can be chosen.
        rationality: lambda, a constant or one value per world.

    """
    n = ctx.state.n
    totals: list[tuple[np.ndarray, np.ndarray] | None] = []
    components: list[Components] = []
    dense: list[tuple[int, np.ndarray, bool, np.ndarray]] = []
    sparse: list[tuple[int, np.ndarray, np.ndarray]] = []
    for column, action in enumerate(actions):
        if not enabled[column]:
            totals.append(None)
            components.append({})
            continue
        available, parts = action.utility(ctx)
        count = 0 if parts is NONE else np.count_nonzero(available)  # NONE: available nowhere
        if not count:
            totals.append(None)
            components.append({})
            continue
        total = _total(parts, n)
        totals.append((available, total))
        components.append(parts)
        if count * SPARSE < n:
            sparse.append((column, available, total))
        else:
            dense.append((column, available, count == n, total))
    index = np.zeros(n, dtype=np.intp)
    best = np.empty(n)
    best.fill(-np.inf)
    if dense:
        # The noise of every widely available action in one pass: log(-log(u)), subtracted below.
        noise = uniforms[:, np.array([column for column, *_ in dense], dtype=np.intp)]
        np.maximum(noise, TINY, out=noise)
        np.log(noise, out=noise)
        np.negative(noise, out=noise)
        np.log(noise, out=noise)
        for position, (column, available, everywhere, total) in enumerate(dense):
            logit = rationality * total
            logit -= noise[:, position]
            better = logit > best
            if not everywhere:
                better &= available
            np.copyto(index, column, where=better)
            np.copyto(best, logit, where=better)
    per_world = isinstance(rationality, np.ndarray) and rationality.ndim > 0
    for column, available, total in sparse:
        rows = available.nonzero()[0]
        lam = rationality[rows] if per_world else rationality
        logit = _gumbel_logit(uniforms[rows, column], lam * total[rows])
        better = logit > best[rows]
        rows = rows[better]
        index[rows] = column
        best[rows] = logit[better]
    return Choice(index=index, totals=totals, components=components)


def _total(parts: Components, n: int) -> np.ndarray:
    """The sum of the components, in their order, as one array over worlds."""
    values = iter(parts.values())
    first = next(values, None)
    if first is None:
        return np.zeros(n)
    total = first + 0.0  # + 0.0: as if summed from zero (and a copy to add into)
    if type(total) is np.ndarray and total.shape == (n,):
        for value in values:
            total += value
        return total
    for value in values:  # a constant first component: the sum becomes an array on the way
        total = total + value
    if type(total) is not np.ndarray or total.shape != (n,):
        total = np.broadcast_to(total, n)
    return total
