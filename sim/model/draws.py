"""Per-world draws of a scenario's uncertain inputs.

Every ``Number`` field of the scenario becomes either a float (a constant) or an array with one
value per world, drawn by inverse CDF from a stream named after the field's dotted path. Using the
path as the stream's purpose gives common random numbers: world *i* gets the same quantile of
``war.ground_gain_pct_per_day`` in every scenario of a comparison, even if the distributions differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import numpy as np
from pydantic import BaseModel
from scipy import special

from sim.model.streams import WorldStreams
from sim.scenario.schema import BetaDist, NormalDist, TriangularDist, UniformDist

DistModel = BetaDist | UniformDist | NormalDist | TriangularDist


def quantile(dist: DistModel, u: np.ndarray) -> np.ndarray:
    """Inverse CDF of ``dist`` at uniforms ``u`` (one draw per world, fixed stream use)."""
    if isinstance(dist, BetaDist):
        return special.betaincinv(dist.a, dist.b, u)
    if isinstance(dist, UniformDist):
        return dist.low + (dist.high - dist.low) * u
    if isinstance(dist, TriangularDist):
        low, mode, high = dist.low, dist.mode, dist.high
        split = (mode - low) / (high - low)
        left = low + np.sqrt(u * (high - low) * (mode - low))
        right = high - np.sqrt((1.0 - u) * (high - low) * (high - mode))
        return np.where(u < split, left, right)
    if isinstance(dist, NormalDist):
        low, high = dist.support()
        lo_cdf = special.ndtr((low - dist.mean) / dist.sd)
        hi_cdf = special.ndtr((high - dist.mean) / dist.sd)
        p = np.clip(lo_cdf + u * (hi_cdf - lo_cdf), 1e-12, 1.0 - 1e-12)
        return np.clip(dist.mean + dist.sd * special.ndtri(p), low, high)
    raise TypeError(f"not a distribution: {dist!r}")


def mean_of(value: float | DistModel) -> float:
    """Expected value of a constant or a distribution (what an actor expects before it learns)."""
    if isinstance(value, int | float):
        return float(value)
    grid = (np.arange(2000) + 0.5) / 2000
    return float(np.mean(quantile(value, grid)))


def draw_section(
    section: BaseModel,
    path: str,
    streams: WorldStreams,
    design: Mapping[str, np.ndarray] | None = None,
) -> SimpleNamespace:
    """Draw every distribution of a schema section; constants stay floats.

    Args:
        section: a pydantic model (an actor, ``war``, ``economy``, …).
        path: its dotted path in the scenario, the stream purpose prefix.
        streams: the block's random streams.
        design: per-world values by dotted path (:mod:`sim.model.design`); a field named there
            takes them instead of its constant or its draw, and leaves its stream unread.

    Returns:
        A namespace with the same field names; distributions replaced by per-world arrays.

    """
    values: dict[str, Any] = {}
    for name in type(section).model_fields:
        value = getattr(section, name)
        if design is not None and f"{path}.{name}" in design:
            values[name] = design[f"{path}.{name}"]
        elif isinstance(value, DistModel):
            u = streams.uniform(f"param/{path}.{name}")[:, 0]
            values[name] = quantile(value, u)
        elif isinstance(value, BaseModel):
            values[name] = draw_section(value, f"{path}.{name}", streams, design)
        else:
            values[name] = value
    return SimpleNamespace(**values)
