"""What a compared scenario changes against the reference, field by field, for its report.

A comparison's numbers answer "what difference does it make"; this module says *what* was
changed, so that a reader of ``report.md`` need not open the scenario files. Fields are named by
their dotted paths, as ``--set`` writes them (``actors.usa.credulity``, ``events.0.day``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sim.scenario.schema import Scenario
from sim.scenario.values import as_written, shown

UNCOMPARED = ("name", "description")
"""Fields that tell scenarios apart rather than change the model."""

ABSENT = "–"
"""How a missing value or an empty side of a change is shown."""


@dataclass(frozen=True)
class Change:
    """One field whose value differs between the reference and a compared scenario.

    Attributes:
        field: the dotted path of the field; for a list of events whose length differs, the
            list's own path.
        reference: the reference's value, as a scenario file writes it (:data:`ABSENT` for a
            list of events whose length differs).
        scenario: the compared scenario's value, or for such a list the events it ``adds``
            and ``drops``.

    """

    field: str
    reference: str
    scenario: str


def changes(reference: Scenario, scenario: Scenario) -> list[Change]:
    """Every model field whose value differs, in the order of the scenario file's sections.

    Events listed in another order but falling on the same days in the same order within each
    day are the same calendar, and no change.
    """
    before, after = _plain(reference), _plain(scenario)
    found: list[Change] = []
    _walk("", before, after, found)
    return found


def no_change(reference: Scenario, scenario: Scenario) -> str:
    """What to say of a scenario whose model fields are all the reference's."""
    if reference.model_dump_json() == scenario.model_dump_json():
        return "the same scenario, name and description included"
    return "only its name and description"


def _plain(scenario: Scenario) -> dict[str, Any]:
    data = json.loads(scenario.model_dump_json())
    for key in UNCOMPARED:
        data.pop(key, None)
    return data


def _by_day(items: list[Any]) -> list[Any]:
    """Events in the order they fire: by day, and in the file's order within a day."""
    return sorted(items, key=lambda item: item.get("day", 0) if isinstance(item, dict) else 0)


def _is_section(value: Any) -> bool:
    """A mapping of fields, walked field by field (a distribution is one value)."""
    return isinstance(value, dict) and "dist" not in value


def _is_record_list(*values: Any) -> bool:
    """Lists of mappings (events), walked item by item; a list of names is one value."""
    return all(isinstance(value, list) for value in values) and any(
        isinstance(item, dict) for value in values for item in value
    )


def _walk(path: str, before: Any, after: Any, found: list[Change]) -> None:
    if before == after:
        return
    if _is_section(before) and _is_section(after):
        for key in [*before, *(k for k in after if k not in before)]:
            inner = f"{path}.{key}" if path else key
            _walk(inner, before.get(key), after.get(key), found)
        return
    if _is_record_list(before, after):
        if _by_day(before) == _by_day(after):
            return  # the same calendar, listed in another order
        if len(before) == len(after):
            for index, (one, other) in enumerate(zip(before, after, strict=True)):
                if _kind(one) == _kind(other):
                    _walk(f"{path}.{index}", one, other, found)
                elif one != other:  # another kind of event: shown whole
                    found.append(Change(f"{path}.{index}", _text(one), _text(other)))
            return
        added = [item for item in after if item not in before]
        dropped = [item for item in before if item not in after]
        listed = [
            f"{how} {_items(items)}"
            for how, items in (("adds", added), ("drops", dropped))
            if items
        ]
        found.append(Change(path, ABSENT, "; ".join(listed)))
        return
    found.append(Change(path, _text(before), _text(after)))


def _kind(item: Any) -> Any:
    """An event's kind (its fields compared one by one only against an event of its kind)."""
    return item.get("kind") if isinstance(item, dict) else None


def _items(items: list[Any]) -> str:
    return ", ".join(_text(item) for item in items)


def _text(value: Any) -> str:
    """A value as a file writes it (``2`` not ``2.0``; an event's unset fields left out)."""
    if value is None:
        return ABSENT
    return shown(as_written(value))
