"""Values as a scenario file writes them: the one place that formats a value for people and files.

Sweeps, grids, the scenario diff, reports and figures all name a field's value; they do so
through these functions, so that ``2`` reads ``2`` (not ``2.0``) and a distribution reads as the
mapping a file would hold, wherever it is shown.
"""

from __future__ import annotations

import json
from typing import Any

from sim.scenario.schema import Scenario


def as_written(value: Any) -> Any:
    """A scenario's value as a file writes it: unset keys left out, ``2`` rather than ``2.0``."""
    if isinstance(value, dict):
        return {key: as_written(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [as_written(item) for item in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def shown(value: Any) -> str:
    """A value as a reader would write it in a scenario file (``{stalling: 1, sincere: 0}``)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        import yaml

        return yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10**6).strip()
    return str(value)


def as_yaml(value: Any) -> str:
    """A value as one line of YAML (JSON is YAML), for an override and for labels."""
    text = json.dumps(value, sort_keys=True)
    if isinstance(value, float) and "e" in text and "." not in text:
        mantissa, exponent = text.split("e")  # YAML 1.1 reads 1e+20 as text, 1.0e+20 as a number
        text = f"{mantissa}.0e{exponent}"
    return text


def same_key(value: Any) -> str:
    """A key equal for values a scenario reads alike: 1 and 1.0, 0.0 and -0.0, 30 and "30"."""
    if isinstance(value, str):
        try:
            return repr(float(value) + 0.0)
        except ValueError:
            return as_yaml(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return repr(float(value) + 0.0)
        except OverflowError:  # an integer beyond float's range
            return repr(value)
    return as_yaml(value)


def brief(value: Any) -> str:
    """A short description of an argument, for error messages."""
    text = repr(value)
    return text if len(text) <= 60 else f"a {type(value).__name__}"


def value_at(scenario: Scenario, path: str) -> Any:
    """The value of a dotted path (``actors.usa.credulity``, ``events.0.day``), or None.

    A mapping (a distribution, an event) comes without its unset keys, as a file writes it.
    """
    value: Any = json.loads(scenario.model_dump_json())
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return as_written(value)
