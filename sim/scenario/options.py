"""Checks of the Python API's arguments: a notebook's mistake gets a clear error at once.

The command line checks its options in :mod:`sim.cli`; these are the same rules for callers of
:func:`sim.run`, :func:`sim.compare`, ``Results.save`` and
:class:`~sim.model.model.NegotiationModel`, raised before any work, naming the argument and what was
expected.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.scenario.schema import MAX_RUNS

if TYPE_CHECKING:
    import pandas as pd

    from sim.scenario.schema import Scenario

FORMATS = ("png", "svg")
"""The figure formats a saved folder can have."""


def whole(name: str, value: object, low: int, high: int | None = None) -> int:
    """``value`` as a whole number from ``low`` to ``high`` (numpy integers too).

    Raises:
        TypeError: not a whole number (a float, a string, a boolean).
        ValueError: out of range.

    """
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be a whole number, got {value!r} ({type(value).__name__})")
    number = operator.index(value)
    if number < low or (high is not None and number > high):
        upper = f" and at most {high:,}" if high is not None else ""
        raise ValueError(f"{name} must be >= {low}{upper}, got {number:,}")
    return number


def runs(value: object) -> int:
    """A number of worlds: 1 to :data:`~sim.scenario.schema.MAX_RUNS`."""
    return whole("runs", value, 1, MAX_RUNS)


def workers(value: object) -> int | None:
    """A number of processes, or None for one per core."""
    return None if value is None else whole("workers", value, 1)


def scenario(value: object) -> Scenario:
    """A loaded scenario as it is, or one loaded from its path.

    A loaded scenario is immutable (its models are frozen; overrides make a new, validated one),
    so it is never validated again here.

    Raises:
        TypeError: neither a Scenario nor a path.

    """
    from sim.scenario.schema import Scenario

    if isinstance(value, str | Path):
        from sim.scenario.loading import load_scenario

        return load_scenario(value)
    if not isinstance(value, Scenario):
        raise TypeError(
            "scenario must be a Scenario (sim.load_scenario(path)) or the path of a scenario "
            f"file, got {type(value).__name__}"
        )
    return value


class InvalidScenarioError(ValueError):
    """Data that does not pass a scenario file's checks: the first problem, by field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def validated(data: object) -> Scenario:
    """``data`` (a scenario as a dict) validated as a file would be, semantic checks included.

    Raises:
        InvalidScenarioError: the first problem found.

    """
    from pydantic import ValidationError

    from sim.scenario.schema import Scenario

    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or "scenario"
        raise InvalidScenarioError(field, first["msg"]) from None
    for where, message in scenario.semantic_errors():
        raise InvalidScenarioError(".".join(str(part) for part in where), message)
    return scenario


def labels(names: Sequence[object], count: int, given: bool) -> list[str]:
    """Labels for ``count`` compared scenarios: distinct texts usable as folder names.

    ``given``: the caller passed them (else they are the scenarios' names).
    """
    if isinstance(names, str) or len(names) != count:
        shown = 1 if isinstance(names, str) else len(names)
        raise ValueError(f"labels: {count} scenarios need {count} labels, got {shown}")
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"labels must be non-empty texts, got {name!r}")
        if "/" in name or "\\" in name or name in (".", ".."):
            raise ValueError(
                f"labels name folders of a saved comparison: no '/', '\\', '.' or '..', "
                f"got {name!r}"
            )
    repeated = sorted({name for name in names if list(names).count(name) > 1})
    if repeated:
        hint = "" if given else " (variants of one file keep its name: pass labels=[...])"
        raise ValueError(f"labels must be distinct; {repeated[0]!r} appears twice{hint}")
    return [str(name) for name in names]


def numeric_column(worlds: pd.DataFrame, column: object) -> str:
    """``column``, a numeric per-world column of ``worlds`` (named, or listed if unknown)."""
    from pandas.api.types import is_numeric_dtype

    if not isinstance(column, str):
        raise TypeError(f"a column is named by a text, got {column!r}")
    numeric = [name for name in worlds.columns if is_numeric_dtype(worlds.dtypes[name])]
    if column not in numeric:
        known = "text, not numbers" if column in worlds.columns else "not a per-world column"
        raise ValueError(f"{column!r} is {known}; numeric columns: {', '.join(numeric)}")
    return column


def formats(value: object) -> tuple[str, ...]:
    """Figure formats: a list or tuple of ``png`` and ``svg``."""
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise TypeError(
            f"formats must be a tuple such as ('png',) or ('png', 'svg'), got {value!r}"
        )
    unknown = [f for f in value if f not in FORMATS]
    if unknown:
        raise ValueError(f"formats: expected png or svg, got {unknown[0]!r}")
    return tuple(value)
