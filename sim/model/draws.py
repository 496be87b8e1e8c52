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

from sim.model.streams import WorldStreams
from sim.scenario.schema import BetaDist, NormalDist, TriangularDist, UniformDist

DistModel = BetaDist | UniformDist | NormalDist | TriangularDist


class DrawError(ValueError):
    """A distribution drew a value that is not a finite number.

    The schema refuses parameters that would (``sim.scenario.schema``'s distributions check
    their draws when read); this is the guard behind that check, at every draw.
    """


def quantile(dist: DistModel, u: np.ndarray) -> np.ndarray:
    """Inverse CDF of ``dist`` at uniforms ``u`` (one draw per world, fixed stream use).

    Raises:
        DrawError: a draw is not a finite number.

    """
    if not isinstance(dist, DistModel):
        raise TypeError(f"not a distribution: {dist!r}")
    with np.errstate(all="ignore"):
        draws = dist.quantile(u)
    if not np.isfinite(draws).all():
        raise DrawError(
            f"a {dist.dist} with parameters {dist.model_dump(exclude={'dist'})} drew a value that "
            "is not a finite number; expected less extreme parameters"
        )
    return draws


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
            try:
                values[name] = quantile(value, u)
            except DrawError as err:
                raise DrawError(f"{path}.{name}: {err}") from None
        elif isinstance(value, BaseModel):
            values[name] = draw_section(value, f"{path}.{name}", streams, design)
        else:
            values[name] = value
    return SimpleNamespace(**values)
