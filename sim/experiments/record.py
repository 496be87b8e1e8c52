"""The record a calibration fits: a record file's period, actors, events and ``targets``.

A record file (``docs/record.md``) says what happened over a period, as data. Its ``targets:``
section turns the parts the model can express into numbers a calibration compares with the same
summaries of simulated worlds (``sim calibrate``, ``docs/calibration.md``)::

    targets:
      - name: no_coercer_sanctions
        quantity: sanctions by 2025-08-06     # a condition: 1 in a world where it holds, else 0
        observed: false
        scale: 0.5
        summarises: [observations.coercer_sanctions]

A target's ``quantity`` is one of:

- a condition of :mod:`sim.experiments.conditions` (``sanctions by 2025-08-06``): 1 or 0;
- a numeric column of ``worlds.csv`` (``territory_change``);
- the difference of two (``day_moratorium_end - day_moratorium_start``);
- a column per day of the run (``strikes_launched per day``).

An event day after the record's last day counts as never (NaN): the record says nothing of it.
A quantity that can be NaN (it reads a ``day_`` column) needs ``missing``, the value it takes
then. ``observed`` is a number, ``true``/``false`` for a condition, a date for a day (counted
from the record's ``day_zero``) or ``null`` for "never" (the ``missing`` value). ``scale`` is the
difference that counts as one unit of distance. ``summarises`` names the record entries the
target stands for (event ids, or ``observations.<key>``): each must exist and be an entry the
model can express (``model`` not null).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.conditions import (
    Compare,
    Condition,
    ConditionSyntaxError,
    EventBy,
    holds,
    leaves,
    parse_condition,
)
from sim.scenario.inputs import InputFileError, read_text
from sim.scenario.loading import MAX_FILE_BYTES, ScenarioError, parse_yaml
from sim.scenario.schema import Scenario

TARGET_FIELDS = ("name", "quantity", "observed", "scale", "missing", "summarises", "notes")
REQUIRED = ("name", "quantity", "observed", "scale")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_DIFFERENCE = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s+-\s+([a-z_][a-z0-9_]*)\s*$")
_PER_DAY = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s+per\s+day\s*$")
_COLUMN = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*$")
QUANTITIES = (
    "a condition ('sanctions by 2025-08-06'), a column ('territory_change'), "
    "'<column> - <column>' or '<column> per day'"
)


class RecordError(ScenarioError):
    """A problem in a record file, or between a record and the scenario it calibrates.

    Formats as a scenario file's error: ``file:line: field: what was expected``.
    """


@dataclass(frozen=True)
class Quantity:
    """A per-world number: a condition's 0/1, a column, a difference, or a column per day."""

    text: str
    columns: tuple[str, ...]
    condition: Condition | None = None
    per_day: bool = False

    @property
    def reads_days(self) -> bool:
        """Whether it reads an event day (NaN where the event never came)."""
        return self.condition is None and any(c.startswith("day_") for c in self.columns)


@dataclass(frozen=True)
class Target:
    """One summary of the record, compared with the same summary of each simulated world."""

    name: str
    quantity: Quantity
    observed: float
    scale: float
    missing: float | None = None
    summarises: tuple[str, ...] = ()
    notes: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Record:
    """A record file: its period and the targets a calibration fits."""

    file: str
    start: dt.date
    end: dt.date
    day_zero: dt.date
    actors: dict[str, str]
    targets: tuple[Target, ...]
    lines: dict[str, int] = field(default_factory=dict, compare=False)
    """The line of ``period``, ``actors`` and ``targets`` in the file."""

    @property
    def last_day(self) -> int:
        """The record's last day as a scenario day (``day_zero`` is day 0)."""
        return (self.end - self.day_zero).days

    def error(self, message: str, where: str) -> RecordError:
        return RecordError(message, file=self.file, line=self.lines.get(where), field=where)


def parse_quantity(text: str) -> Quantity:
    """A target's quantity (see the module's docstring).

    Raises:
        ConditionSyntaxError: neither a column form nor a condition.

    """
    for pattern, per_day in ((_DIFFERENCE, False), (_PER_DAY, True), (_COLUMN, False)):
        match = pattern.match(text)
        if match:
            return Quantity(text.strip(), tuple(match.groups()), per_day=per_day)
    condition = parse_condition(text)
    columns = tuple(
        leaf.column if isinstance(leaf, EventBy | Compare) else "" for leaf in leaves(condition)
    )
    return Quantity(text.strip(), columns, condition=condition)


def values(
    target: Target, worlds: pd.DataFrame, start: dt.date, last_day: int, horizon_days: int
) -> np.ndarray:
    """The target's quantity in each world (``missing`` where it is NaN).

    ``last_day``: the record's last day; an event day after it counts as never.
    """
    quantity = target.quantity
    frame = worlds
    day_columns = [c for c in quantity.columns if c.startswith("day_") and c in worlds]
    if day_columns:
        frame = worlds.copy()
        for column in day_columns:
            days = frame[column].to_numpy(dtype=float, na_value=np.nan)
            frame[column] = np.where(days > last_day, np.nan, days)
    if quantity.condition is not None:
        return holds(quantity.condition, frame, start).astype(float)
    found = [frame[c].to_numpy(dtype=float, na_value=np.nan) for c in quantity.columns]
    value = found[0] - found[1] if len(found) == 2 else found[0]
    if quantity.per_day:
        value = value / horizon_days
    if target.missing is not None:
        value = np.where(np.isnan(value), target.missing, value)
    return value


# --- reading a record file ----------------------------------------------------------------------


def load_record(path: str | Path) -> Record:
    """Read a record file and check its ``period``, ``actors`` and ``targets``.

    Raises:
        RecordError: naming the file, the line, the field and what was expected.

    """
    file = str(path)
    try:
        text = read_text(path, MAX_FILE_BYTES, "record file")
    except FileNotFoundError:
        raise RecordError(
            "file not found; expected a record file (docs/record.md)", file=file
        ) from None
    except IsADirectoryError:
        raise RecordError("is a directory; expected a record file", file=file) from None
    except InputFileError as err:
        raise RecordError(err.message, file=file) from None
    except UnicodeDecodeError as err:
        raise RecordError(f"not a UTF-8 text file ({err.reason})", file=file) from None
    data, _, sources = parse_yaml(text, file)
    if not isinstance(data, dict):
        raise RecordError("expected a mapping with period, actors, events and targets", file=file)

    def line(*key: Any) -> int | None:
        return sources.get(tuple(key), (None, None))[1]

    for key in ("period", "actors", "targets"):
        if key not in data:
            raise RecordError(
                f"missing; expected a {key}: section (docs/record.md)", file=file, field=key
            )
    period = data["period"]
    dates = {}
    for key in ("start", "end", "day_zero"):
        value = period.get(key) if isinstance(period, dict) else None
        if type(value) is not dt.date:
            raise RecordError(
                f"expected a date YYYY-MM-DD, got {value!r}",
                file=file,
                line=line("period", key) or line("period"),
                field=f"period.{key}",
            )
        dates[key] = value
    if not dates["day_zero"] <= dates["start"] <= dates["end"]:
        raise RecordError(
            "expected day_zero <= start <= end", file=file, line=line("period"), field="period"
        )
    actors = data["actors"]
    if not isinstance(actors, dict) or not all(isinstance(v, str) for v in actors.values()):
        raise RecordError(
            "expected a mapping of role: actor name", file=file, line=line("actors"), field="actors"
        )
    entries = _entries(data, line)
    raw = data["targets"]
    if not isinstance(raw, list) or not raw:
        raise RecordError(
            "expected a non-empty list of targets (- name: ..., quantity: ..., observed: ..., "
            "scale: ...)",
            file=file,
            line=line("targets"),
            field="targets",
        )
    targets: list[Target] = []
    for index, entry in enumerate(raw):
        target = _target(entry, index, file, line, entries, dates["day_zero"])
        if any(t.name == target.name for t in targets):
            raise RecordError(
                f"name {target.name!r} is used twice; expected unique names",
                file=file,
                line=target.line,
                field=f"targets.{target.name}",
            )
        targets.append(target)
    return Record(
        file=file,
        start=dates["start"],
        end=dates["end"],
        day_zero=dates["day_zero"],
        actors=dict(actors),
        targets=tuple(targets),
        lines={k: line(k) for k in ("period", "actors", "targets") if line(k) is not None},
    )


def _entries(data: dict[str, Any], line: Any) -> dict[str, tuple[Any, int | None]]:
    """The record's events (by id) and observations (``observations.<key>``), with their lines."""
    found: dict[str, tuple[Any, int | None]] = {}
    for index, event in enumerate(data.get("events") or []):
        if isinstance(event, dict) and isinstance(event.get("id"), str):
            found[event["id"]] = (event.get("model"), line("events", index))
    for key, value in (data.get("observations") or {}).items():
        model = value.get("model", "") if isinstance(value, dict) else ""
        found[f"observations.{key}"] = (model, line("observations", key))
    return found


def _target(
    entry: Any,
    index: int,
    file: str,
    line: Any,
    entries: dict[str, tuple[Any, int | None]],
    day_zero: dt.date,
) -> Target:
    """One entry of ``targets``, checked (its columns are checked against a run later)."""
    at = line("targets", index)
    where = f"targets[{index}]"
    if not isinstance(entry, dict):
        raise RecordError(
            "expected a mapping with name, quantity, observed and scale",
            file=file,
            line=at,
            field=where,
        )
    if isinstance(entry.get("name"), str) and NAME.match(entry["name"]):
        where = f"targets.{entry['name']}"

    def fail(key: str, message: str) -> RecordError:
        return RecordError(
            message, file=file, line=line("targets", index, key) or at, field=f"{where}.{key}"
        )

    for key in entry:
        if key not in TARGET_FIELDS:
            close = difflib.get_close_matches(str(key), TARGET_FIELDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise fail(str(key), f"unknown field{hint}; expected {', '.join(TARGET_FIELDS)}")
    for key in REQUIRED:
        if key not in entry:
            raise RecordError(
                f"missing {key}; expected {', '.join(REQUIRED)}", file=file, line=at, field=where
            )
    name = entry["name"]
    if not isinstance(name, str) or not NAME.match(name):
        raise fail("name", f"expected a lower-case identifier (a-z, 0-9, _), got {name!r}")
    text = entry["quantity"]
    if not isinstance(text, str) or not text.strip():
        raise fail("quantity", f"expected {QUANTITIES}, got {text!r}")
    try:
        quantity = parse_quantity(text)
    except ConditionSyntaxError as err:
        raise fail("quantity", f"{err}; expected {QUANTITIES}") from None
    scale = _number(entry["scale"])
    if scale is None or not scale > 0:
        raise fail("scale", f"expected a number > 0, got {entry['scale']!r}")
    missing = entry.get("missing")
    if missing is not None and _number(missing) is None:
        raise fail("missing", f"expected a number, got {missing!r}")
    missing = None if missing is None else _number(missing)
    if quantity.reads_days and missing is None:
        raise fail(
            "quantity",
            "reads an event day, which is NaN in a world where the event never came; "
            "expected a missing: value for those worlds",
        )
    observed = _observed(entry["observed"], quantity, missing, day_zero)
    if observed is None:
        raise fail(
            "observed",
            f"expected {_observed_words(quantity)}, got {entry['observed']!r}",
        )
    summarises = entry.get("summarises") or []
    if isinstance(summarises, str):
        summarises = [summarises]
    if not isinstance(summarises, list):
        raise fail("summarises", "expected a list of record event ids or observations.<key>")
    for name_of in summarises:
        if name_of not in entries:
            close = difflib.get_close_matches(str(name_of), list(entries), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise fail("summarises", f"{name_of!r} is no event or observation of the record{hint}")
        model, entry_line = entries[name_of]
        if model is None:
            raise fail(
                "summarises",
                f"record entry {name_of!r} (line {entry_line}) has model: null: the scenario "
                "cannot express it, so it cannot be a target (docs/record.md, 'Open gaps')",
            )
    notes = entry.get("notes")
    return Target(
        name=name,
        quantity=quantity,
        observed=observed,
        scale=scale,
        missing=missing,
        summarises=tuple(summarises),
        notes=notes if isinstance(notes, str) else None,
        line=at,
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _observed(
    value: Any, quantity: Quantity, missing: float | None, day_zero: dt.date
) -> float | None:
    if quantity.condition is not None:
        return float(value) if type(value) is bool else None
    if value is None:
        return missing
    if type(value) is dt.date:
        return float((value - day_zero).days) if quantity.reads_days else None
    return _number(value)


def _observed_words(quantity: Quantity) -> str:
    if quantity.condition is not None:
        return "true or false (whether the condition held in the record)"
    if quantity.reads_days:
        return "a number, a date YYYY-MM-DD, or null (never; needs missing:)"
    return "a number"


# --- a record against a scenario ----------------------------------------------------------------


def check_against(record: Record, scenario: Scenario, columns: Sequence[str]) -> None:
    """Check that ``scenario`` can be calibrated to ``record``; ``columns`` of its results.

    The scenario's day 0 must be the record's ``day_zero`` and its horizon must reach the
    record's end; the record's actors must be the scenario's, in the same roles; every column
    a target reads must exist, and every date a condition names must fall inside the record.

    Raises:
        RecordError: naming the record's field.

    """
    if scenario.start_date != record.day_zero:
        raise record.error(
            f"day_zero {record.day_zero} is not the scenario's start_date "
            f"{scenario.start_date} ({scenario.name}); expected a scenario that starts on the "
            "record's day zero",
            "period",
        )
    if record.last_day > scenario.horizon_days:
        last = scenario.start_date + dt.timedelta(days=scenario.horizon_days)
        raise record.error(
            f"the record ends on {record.end} (day {record.last_day}), outside the scenario's "
            f"horizon ({scenario.horizon_days} days, to {last}); expected a scenario that runs "
            "at least to the record's end",
            "period",
        )
    for role, name in record.actors.items():
        actor = scenario.actors.get(name)
        if actor is None or actor.role != role:
            raise record.error(
                f"{role}: {name} is not an actor of {scenario.name} in that role; its actors "
                f"are {', '.join(f'{a.role}: {n}' for n, a in scenario.actors.items())}",
                "actors",
            )
    known = set(columns)
    for target in record.targets:
        where = f"targets.{target.name}.quantity"
        for column in target.quantity.columns:
            if column not in known:
                close = difflib.get_close_matches(column, sorted(known), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise RecordError(
                    f"{column!r} is not a column of the results{hint}",
                    file=record.file,
                    line=target.line,
                    field=where,
                )
        if target.quantity.condition is not None:
            for leaf in leaves(target.quantity.condition):
                if isinstance(leaf, EventBy):
                    day = leaf.day if leaf.date is None else (leaf.date - record.day_zero).days
                    if not 0 <= day <= record.last_day:
                        raise RecordError(
                            f"day {day} lies outside the record (days 0-{record.last_day}); "
                            "expected a day inside it",
                            file=record.file,
                            line=target.line,
                            field=where,
                        )
