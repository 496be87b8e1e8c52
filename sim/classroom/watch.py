"""One world watched day by day with a few knobs to turn: the model behind ``sim viz``.

:class:`WatchedWorld` is :class:`~sim.classroom.trace.NarratedWorld` built from a scenario file and
a handful of plain keyword settings, which is what Mesa's SolaraViz needs to rebuild a model when a
student moves a slider and presses Reset. With every knob where the file puts it, the world is world
``world`` of ``sim run --seed S`` and of ``sim trace``, day for day.

The knobs are the parameters the article's experts argued about (``docs/model.md`` §7): how much
each leader fears looking weak (Greene, M1), how far the coercer believes statements (Stanovaya,
M3), how much a summit forgives an unenforced deadline (Greene; Levendusky & Horowitz 2012, M2), how
much a proposal's headline counts for blame (Baunov, M4), and the aggressor's private type (M3).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.classroom.trace import NarratedWorld
from sim.model.draws import mean_of
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.engine.results import Results

AS_DRAWN = "as drawn"
AGGRESSOR_TYPES = (AS_DRAWN, "sincere", "stalling")
"""``aggressor_type`` settings: the scenario's prior, or one type for certain."""

SETTINGS_VARIABLE = "SIM_VIZ_SETTINGS"
"""Environment variable: how ``sim viz`` hands its arguments to ``solara run sim.classroom.app``."""

ENSEMBLE_RUNS = 2_000
"""Worlds run with the same settings and seed, to place the watched world among them."""


def actor_path(scenario: Scenario, role: str, field: str) -> str:
    """The dotted path of a field of the (first) actor with ``role``: ``actors.usa.credulity``."""
    actor = next(name for name, a in scenario.actors.items() if a.role == role)
    return f"actors.{actor}.{field}"


@dataclass(frozen=True)
class Knob:
    """A scenario field a slider sets: an actor's field (by role) or a world field (by path).

    Attributes:
        name: the keyword of :class:`WatchedWorld` that sets it.
        label: the slider's label.
        field: the field's name, or for a world field its dotted path (``blame.framing_weight``).
        role: the role of the actor whose field it is; None for a world field.

    """

    name: str
    label: str
    field: str
    role: str | None = None

    def path(self, scenario: Scenario) -> str:
        """The field's dotted path in ``scenario``, as ``--set`` takes it."""
        if self.role is None:
            return self.field
        return actor_path(scenario, self.role, self.field)

    def start(self, scenario: Scenario) -> float:
        """The value the scenario gives the field: the mean where it draws it per world."""
        target: Any = scenario
        for part in self.path(scenario).split("."):
            target = target[part] if isinstance(target, dict) else getattr(target, part)
        return float(mean_of(target))


KNOBS = (
    Knob(
        "coercer_weakness_aversion",
        "Coercer: fear of looking weak (M1)",
        "weakness_aversion",
        "coercer",
    ),
    Knob(
        "aggressor_weakness_aversion",
        "Aggressor: fear of looking weak (M1)",
        "weakness_aversion",
        "aggressor",
    ),
    Knob("coercer_credulity", "Coercer: credulity toward statements (M3)", "credulity", "coercer"),
    Knob(
        "summit_forgiveness",
        "Coercer: how much a summit forgives (M2)",
        "summit_forgiveness",
        "coercer",
    ),
    Knob("framing_weight", "Blame: weight of a proposal's headline (M4)", "blame.framing_weight"),
)


def knob_overrides(scenario: Scenario, settings: dict[str, float | None]) -> list[str]:
    """``--set`` texts for the knobs moved away from where ``scenario`` puts them.

    A knob left at its start (or None) sets nothing, so a field the scenario draws per world is
    still drawn.
    """
    texts = []
    for knob in KNOBS:
        value = settings.get(knob.name)
        if value is None or round(value, 3) == round(knob.start(scenario), 3):
            continue
        texts.append(f"{knob.path(scenario)}={round(float(value), 3)!r}")
    return texts


def type_override(scenario: Scenario, aggressor_type: str) -> list[str]:
    """The ``--set`` text that makes the aggressor one type for certain, if one is chosen.

    Raises:
        ValueError: a setting other than those of :data:`AGGRESSOR_TYPES`.

    """
    if aggressor_type not in AGGRESSOR_TYPES:
        raise ValueError(
            f"aggressor_type: expected one of {', '.join(AGGRESSOR_TYPES)}, got {aggressor_type!r}"
        )
    if aggressor_type == AS_DRAWN:
        return []
    sincere = int(aggressor_type == "sincere")
    path = actor_path(scenario, "aggressor", "types")
    return [f"{path}={{stalling: {1 - sincere}, sincere: {sincere}}}"]


class WatchedWorld(NarratedWorld):
    """World ``world`` of ``sim run SCENARIO_FILE --seed S``, with the knobs' settings applied.

    Every argument is a plain keyword, as SolaraViz's Reset passes them. ``base_overrides`` are
    ``--set`` texts applied first (those of ``sim viz --set``); the knobs and ``aggressor_type``
    come on top.

    Raises:
        ScenarioError: the file or an override is invalid.
        ValueError: a negative seed or world, or an unknown ``aggressor_type``.

    """

    def __init__(
        self,
        scenario_file: str,
        seed: int = 0,
        world: int = 0,
        aggressor_type: str = AS_DRAWN,
        coercer_weakness_aversion: float | None = None,
        aggressor_weakness_aversion: float | None = None,
        coercer_credulity: float | None = None,
        summit_forgiveness: float | None = None,
        framing_weight: float | None = None,
        base_overrides: Sequence[str] = (),
    ) -> None:
        base = load_scenario(scenario_file, list(base_overrides))
        settings = {
            "coercer_weakness_aversion": coercer_weakness_aversion,
            "aggressor_weakness_aversion": aggressor_weakness_aversion,
            "coercer_credulity": coercer_credulity,
            "summit_forgiveness": summit_forgiveness,
            "framing_weight": framing_weight,
        }
        self.changes = knob_overrides(base, settings) + type_override(base, aggressor_type)
        self.overrides = [*base_overrides, *self.changes]
        self.scenario_file = scenario_file
        scenario = load_scenario(scenario_file, self.overrides) if self.changes else base
        super().__init__(scenario, seed=seed, world=world)
        self._ensemble: Results | None = None

    def command(self) -> str:
        """The ``sim trace`` command that narrates this same world."""
        words = ["sim", "trace", self.scenario_file, "--seed", str(self.seed)]
        words += ["--world", str(self.world_index)]
        for text in self.overrides:
            words += ["--set", text]
        return shlex.join(words)

    def ensemble(self) -> Results:
        """:data:`ENSEMBLE_RUNS` worlds with the same settings and seed, run once and kept.

        The watched world is among them when its index is below :data:`ENSEMBLE_RUNS`.
        """
        if self._ensemble is None:
            from sim.engine.ensemble import run

            self._ensemble = run(self.spec, runs=ENSEMBLE_RUNS, seed=self.seed, workers=1)
        return self._ensemble
