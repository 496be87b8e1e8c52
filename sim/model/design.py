"""A design: each world's own values of chosen parameters, one row of a matrix per design point.

A sensitivity analysis (issue 21, ``docs/sensitivity.md``) runs one ensemble in which world *i*
takes the values of row ``i // worlds_per_point`` of a :class:`Design`: the parameters it names
are then per-world arrays, exactly as if the scenario gave them a distribution
(:func:`sim.model.draws.draw_section`). A design replaces only the values of the parameters it
names: every random stream of world *i* is keyed by *i* as in any run (:mod:`sim.model.streams`),
so world *i* meets the same chance events whatever its design point (common random numbers), and
the run is the same for any number of workers or chunk size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel

from sim.scenario.parameters import Parameter, ranged
from sim.scenario.schema import Scenario, _numeric


@dataclass(frozen=True, eq=False)
class Design:
    """Parameter values per design point; world *i* takes row ``i // worlds_per_point``.

    Attributes:
        paths: the parameters' dotted paths, as ``--set`` takes them (``actors.usa.credulity``).
        values: one row per design point, one column per path.
        worlds_per_point: how many consecutive worlds share a design point (each with its own
            random numbers).
        stream_period: if set, world *i* draws the random numbers of world
            ``i % stream_period``: each block of that many worlds simulates the same worlds
            (the matrices of a sensitivity analysis, stacked in one run); default: its own.

    """

    paths: tuple[str, ...]
    values: np.ndarray
    worlds_per_point: int = 1
    stream_period: int | None = None

    def __post_init__(self) -> None:
        values = np.asarray(self.values, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != len(self.paths):
            raise ValueError(
                f"a design's values need one column per path ({len(self.paths)}), "
                f"got shape {values.shape}"
            )
        if values.shape[0] < 1:
            raise ValueError("a design needs at least one design point")
        if len(set(self.paths)) != len(self.paths):
            raise ValueError("a design names each parameter once")
        if not np.isfinite(values).all():
            raise ValueError("a design's values must be finite numbers")
        if self.worlds_per_point < 1:
            raise ValueError(f"worlds_per_point must be >= 1, got {self.worlds_per_point}")
        if self.stream_period is not None and self.stream_period < 1:
            raise ValueError(f"stream_period must be >= 1, got {self.stream_period}")
        values.flags.writeable = False
        object.__setattr__(self, "values", values)

    @property
    def points(self) -> int:
        """How many design points (rows)."""
        return self.values.shape[0]

    @property
    def worlds(self) -> int:
        """How many worlds the design gives values to: points × worlds per point."""
        return self.points * self.worlds_per_point

    def rows(self, first: int, size: int) -> dict[str, np.ndarray]:
        """Each parameter's values for worlds ``first .. first + size - 1``, by path."""
        if first < 0 or first + size > self.worlds:
            raise ValueError(
                f"worlds {first}..{first + size - 1} are outside the design's {self.worlds}"
            )
        k = self.worlds_per_point
        start = first // k
        block = self.values[start : (first + size - 1) // k + 1]
        if k > 1:
            block = np.repeat(block, k, axis=0)[first - start * k : first - start * k + size]
        return {path: np.ascontiguousarray(block[:, c]) for c, path in enumerate(self.paths)}


def per_world(scenario: Scenario) -> dict[str, Parameter]:
    """The ranged parameters a design can vary: those the rules read per world, by path.

    A field that takes a distribution (``Probability``, ``NonNegative``) is read per world by the
    rules, so a design can give each world its own value. A plain number (a whole number of days,
    the aggressor's type prior, whose two shares sum to 1) is one value for all worlds: it is
    held at the scenario's value (:func:`held`).
    """
    return {p.path: p for p in ranged(scenario) if _takes_distribution(scenario, p.path)}


def held(scenario: Scenario) -> list[Parameter]:
    """The ranged parameters a design cannot vary (read as one number for all worlds)."""
    return [p for p in ranged(scenario) if not _takes_distribution(scenario, p.path)]


def _takes_distribution(scenario: Scenario, path: str) -> bool:
    owner: BaseModel = scenario
    parts = path.split(".")
    if parts[0] == "actors":
        owner, parts = scenario.actors[parts[1]], parts[2:]
    for part in parts[:-1]:
        owner = getattr(owner, part)
    annotation = type(owner).model_fields[parts[-1]].annotation
    return _numeric(annotation) and annotation not in (float, int)


def check_rows(
    rows: Mapping[str, np.ndarray], worlds: int, scenario: Scenario
) -> dict[str, np.ndarray]:
    """A model's design values, checked: per-world parameters, one float per simulated world."""
    allowed = per_world(scenario)
    checked = {}
    for path, values in rows.items():
        if path not in allowed:
            raise ValueError(
                f"a design cannot vary {path!r}: not a parameter the scenario reads per world"
            )
        array = np.asarray(values, dtype=np.float64)
        if array.shape != (worlds,):
            raise ValueError(f"design values of {path} need shape ({worlds},), got {array.shape}")
        checked[path] = array
    return checked
