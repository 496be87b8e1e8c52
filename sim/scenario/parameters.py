"""The scenario's parameters as a list: each number's path, value, plausible range and source.

Every numeric field of an actor or of a world section (``decision``, ``war``, …, ``truce``) is
declared with :func:`sim.scenario.schema.parameter`, which records its meaning, its source and a
plausible range. :func:`ranged` lists them for one scenario, with the scenario's values, for the
sensitivity analysis; :func:`table` writes them as the Markdown table of ``docs/calibration.md``
and ``sim schema --table``. Events, the horizon and the distributions' own fields are the
scenario's design, not parameters, and have no range.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sim.scenario.schema import (
    ACTOR_MODELS,
    BetaDist,
    Dist,
    NormalDist,
    Scenario,
    TriangularDist,
    UniformDist,
    _numeric,
)

SECTIONS = (
    "decision",
    "war",
    "air_defense",
    "economy",
    "beliefs",
    "blame",
    "face",
    "summit",
    "bargaining",
    "truce",
)
"""The scenario's world sections, in the order of ``docs/model.md`` (M1-M8)."""
DISTRIBUTIONS = (BetaDist, UniformDist, NormalDist, TriangularDist)


@dataclass(frozen=True)
class Parameter:
    """One number of a scenario, with what a sensitivity analysis needs to vary it.

    Attributes:
        path: the dotted path ``--set`` takes, actors by name (``actors.usa.credulity``).
        default: the scenario's value (the mean, where the scenario gives a distribution).
        low: the lowest plausible value.
        high: the highest plausible value.
        source: a study, a person quoted in the article, or "stylised".
        meaning: what the number does, in one line.
        distribution: the scenario's distribution for it, if it gives one.

    """

    path: str
    default: float
    low: float
    high: float
    source: str
    meaning: str
    distribution: Dist | None = None


def declared(model: type[BaseModel], name: str) -> tuple[float, float, str] | None:
    """A field's ``(low, high, source)`` as :func:`~sim.scenario.schema.parameter` declared it."""
    extra = model.model_fields[name].json_schema_extra
    if not isinstance(extra, dict) or "range" not in extra:
        return None
    low, high = extra["range"]  # type: ignore[misc]
    return float(low), float(high), str(extra["source"])


def unranged(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Numeric fields of ``model`` and of the models inside it that declare no range.

    Also lists ranges that are empty or leave out the field's default, and missing sources or
    meanings. Empty for a sound schema (``tests/test_parameters.py``).
    """
    problems = []
    for name, field in model.model_fields.items():
        where = f"{prefix}{model.__name__}.{name}"
        inner = _model_of(field.annotation)
        if inner is not None:
            problems += unranged(inner, prefix)
            continue
        if not _numeric(field.annotation):
            continue
        found = declared(model, name)
        if found is None:
            problems.append(f"{where}: no range (declare it with schema.parameter)")
            continue
        low, high, source = found
        if not low < high:
            problems.append(f"{where}: range [{low}, {high}] is empty")
        if isinstance(field.default, int | float) and not low <= field.default <= high:
            problems.append(f"{where}: default {field.default} outside [{low}, {high}]")
        if not source.strip() or not (field.description or "").strip():
            problems.append(f"{where}: no source or no meaning")
    return problems


def schema_unranged() -> list[str]:
    """:func:`unranged` over every actor model and world section of the scenario schema."""
    models = [*ACTOR_MODELS, *(_model_of(Scenario.model_fields[s].annotation) for s in SECTIONS)]
    return [problem for model in models if model is not None for problem in unranged(model)]


def ranged(scenario: Scenario) -> list[Parameter]:
    """Every parameter of ``scenario``: its actors' (by name) and its world sections'.

    Returns:
        One :class:`Parameter` per numeric field, in the order of the file: actors first, then
        ``decision``, ``war``, … ``truce``.

    """
    found: list[Parameter] = []
    for name, actor in scenario.actors.items():
        found += _walk(actor, f"actors.{name}")
    for section in SECTIONS:
        found += _walk(getattr(scenario, section), section)
    return found


def table(scenario: Scenario) -> str:
    """The Markdown table of :func:`ranged`: field, default, range, source, meaning."""
    lines = [
        "| field | default | range | source | meaning |",
        "|-------|---------|-------|--------|---------|",
    ]
    for p in ranged(scenario):
        value = _shown(p.default) if p.distribution is None else _dist_text(p.distribution)
        lines.append(
            f"| `{p.path}` | {value} | {_shown(p.low)} – {_shown(p.high)} | {p.source} | "
            f"{p.meaning} |"
        )
    return "\n".join(lines) + "\n"


def mean(dist: Dist) -> float:
    """The expected value of a distribution (closed forms; a truncated normal's too)."""
    if isinstance(dist, BetaDist):
        return dist.a / (dist.a + dist.b)
    if isinstance(dist, UniformDist):
        return (dist.low + dist.high) / 2
    if isinstance(dist, TriangularDist):
        return (dist.low + dist.mode + dist.high) / 3
    if isinstance(dist, NormalDist):
        low, high = dist.support()
        alpha, beta = (low - dist.mean) / dist.sd, (high - dist.mean) / dist.sd
        mass = _cdf(beta) - _cdf(alpha)
        return dist.mean + dist.sd * (_pdf(alpha) - _pdf(beta)) / mass
    raise TypeError(f"not a distribution: {dist!r}")


def _walk(model: BaseModel, path: str) -> Iterator[Parameter]:
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel) and not isinstance(value, DISTRIBUTIONS):
            yield from _walk(value, f"{path}.{name}")
            continue
        found = declared(type(model), name)
        if found is None:
            continue
        low, high, source = found
        number = isinstance(value, int | float)
        yield Parameter(
            path=f"{path}.{name}",
            default=float(value) if number else mean(value),
            low=low,
            high=high,
            source=source,
            meaning=field.description or "",
            distribution=None if number else value,
        )


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The schema model a field holds (``types``, a section), if it holds one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _shown(value: float) -> str:
    return f"{value:g}"


def _dist_text(dist: Dist) -> str:
    fields = ", ".join(
        f"{name} {_shown(v)}"
        for name, v in dist.model_dump(exclude={"dist"}).items()
        if v is not None
    )
    return f"{dist.dist}({fields})"


def _pdf(x: float) -> float:
    return 0.0 if math.isinf(x) else math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def _cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"
"""The markers around the generated table in ``docs/calibration.md``."""


def rewrite(page: Path, scenario: Scenario) -> bool:
    """Put the current :func:`table` between the markers of ``page``; True if it changed."""
    text = page.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{table(scenario)}{END}{tail}"
    page.write_text(new)
    return new != text


if __name__ == "__main__":  # python -m sim.scenario.parameters docs/calibration.md
    import sys

    from sim.scenario.loading import load_scenario

    article = Path(__file__).resolve().parents[2] / "scenarios" / "article.yaml"
    changed = rewrite(Path(sys.argv[1]), load_scenario(article))
    print("rewritten" if changed else "up to date")
