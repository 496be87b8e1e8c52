"""The scenario file's schema: pydantic v2 models, every key documented, unknown keys rejected.

The code knows *roles*, never countries: actors are named in the scenario file and carry a role
(``aggressor``, ``defender``, ``coercer``, ``supporter``). Numeric inputs marked ``Number`` may be
given as a constant or as a distribution drawn once per world (``{dist: beta, a: 2, b: 6}``).
Sources for every default live in ``docs/calibration.md`` and in comments of
``scenarios/article.yaml``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import itertools
import math
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from sim.scenario.catalogue import DISABLEABLE

ROLES = ("aggressor", "defender", "coercer", "supporter")
MAX_RUNS = 10_000_000
"""The most worlds one run may have (``--runs``, and the ``runs`` of a saved manifest)."""
MAX_NAME = 200
"""Longest name (a scenario's, an actor's label), in characters: it titles figures and reports."""
MAX_DESCRIPTION = 1_000_000
"""Longest description of a scenario, in characters: as much as a scenario file may hold (a
class's briefing fits), whether it comes from the file or from ``--set``. It is printed once, in
the report, never drawn."""


BOOLEAN_FOR_NUMBER = "boolean_for_number"
"""The error type of a boolean given for a number (located at the field by the loader)."""
BOOLEAN_MESSAGE = "expected a number, got {value} (YAML reads yes, no, on and off as booleans)"


def _numeric(annotation: Any) -> bool:
    """Whether a field of this type takes a number (``float`` or ``int`` anywhere in it)."""
    if annotation in (float, int):
        return True
    return any(_numeric(arg) for arg in get_args(annotation))


class _Strict(BaseModel):
    """Base for every schema model: unknown keys are errors, NaN and infinity are refused.

    So are booleans where a number is expected: pydantic would take ``true`` as 1, and YAML reads
    ``yes``, ``no``, ``on`` and ``off`` as booleans, so ``horizon_days: yes`` became one day.
    """

    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, validate_default=True, frozen=True
    )

    @model_validator(mode="before")
    @classmethod
    def _no_boolean_for_a_number(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, value in data.items():
                field = cls.model_fields.get(name) if isinstance(name, str) else None
                if isinstance(value, bool) and field is not None and _numeric(field.annotation):
                    raise PydanticCustomError(
                        BOOLEAN_FOR_NUMBER,
                        "{field}: " + BOOLEAN_MESSAGE,
                        {"field": name, "value": str(value).lower()},
                    )
        return data


# --- parameters ----------------------------------------------------------------------------------

STYLISED = "stylised"
"""The source of a number no study gives: a judgement, explained in docs/calibration.md."""
GREENE = "Greene (CEPA), quoted in the article"
STANOVAYA = "Stanovaya (Carnegie), quoted in the article"
BAUNOV = "Baunov (Carnegie), quoted in the article"


def parameter(
    default: float,
    low: float,
    high: float,
    meaning: str,
    source: str = STYLISED,
    **limits: float,
) -> Any:
    """A scenario parameter: a field with its default, meaning, source and plausible range.

    The range ``[low, high]`` is what a sensitivity analysis varies the parameter over (issue 21,
    :func:`sim.scenario.parameters.ranged`); it is not a validation limit (those are the field's
    type and ``limits``, e.g. ``ge=1``). ``sim schema`` shows range and source on the property;
    ``docs/calibration.md`` lists them all.

    Args:
        default: the value when a scenario leaves the field out.
        low: the lowest plausible value.
        high: the highest plausible value.
        meaning: one line on what the number does (the field's description).
        source: a study, a person quoted in the article, or "stylised".
        limits: pydantic's numeric constraints (``ge``, ``le``, ``gt``) for a plain-number field.

    """
    extra = {"range": [low, high], "source": source}
    return Field(default, description=meaning, json_schema_extra=extra, **limits)


# --- distributions -----------------------------------------------------------------------------

BETA_SHAPES_WITHOUT_PROBE = (0.05, 1000.0)
"""Beta shapes a and b in this range are drawable without probing (``tests/test_parameters.py``
probes the range's corners and inside it)."""

PROBED_UNIFORMS = (
    0.0,
    2.0**-53,
    *(10.0**-k for k in range(15, 0, -1)),
    *(k / 10 for k in range(2, 9)),
    *(1 - 10.0**-k for k in range(1, 16)),
    1 - 2.0**-53,
)
"""Uniforms at which a distribution's draws are checked when it is read: the ends of what a
random stream gives (``[0, 1)`` in steps of 2**-53), both tails decade by decade, and between."""


class _Undecided:
    """The type of :data:`UNDECIDED`."""


UNDECIDED = _Undecided()
"""A family cannot give the probe's verdict without numpy: run the full probe."""


def _flaw_of_floats(draws: list[float], low: float, high: float) -> str | None:
    """:meth:`_Distribution._flaw` on a list of Python floats (the same tests, the same words)."""
    if not all(math.isfinite(x) for x in draws):
        return "draws values that are not finite numbers"
    if any(x < low or x > high for x in draws):
        return f"draws values outside [{low}, {high}]"
    if any(b < a for a, b in itertools.pairwise(draws)):
        return "draws values that fall as the uniform rises"
    if not draws[-2] > draws[1]:
        return f"draws the same value, {draws[1]:.6g}, in every world"
    return None


class _Distribution(_Strict):
    """What every distribution has: an inverse CDF, and draws checked when it is read.

    A distribution whose parameters float64 arithmetic cannot draw from (draws that are NaN or
    infinite, outside the support, falling as the uniform rises, or one value in every world)
    is refused with the reason, at :data:`PROBED_UNIFORMS` (``docs/reliability.md``).
    """

    def support(self) -> tuple[float, float]:
        raise NotImplementedError

    def quantile(self, u: Any) -> Any:
        """The inverse CDF at uniforms ``u`` (a numpy array): one draw per world."""
        raise NotImplementedError

    def _check_parameters(self) -> None:
        """Raise ValueError if the parameters are out of order (each family's own rule)."""

    def _flaw(self, draws: Any) -> str | None:
        """What is wrong with the draws at :data:`PROBED_UNIFORMS`, or None."""
        import numpy as np

        low, high = self.support()
        if not np.isfinite(draws).all():
            return "draws values that are not finite numbers"
        if (draws < low).any() or (draws > high).any():
            return f"draws values outside [{low}, {high}]"
        if (np.diff(draws) < 0).any():
            return "draws values that fall as the uniform rises"
        if not draws[-2] > draws[1]:
            return f"draws the same value, {draws[1]:.6g}, in every world"
        return None

    def _flaw_without_numpy(self) -> str | _Undecided | None:
        """The verdict of :meth:`_flaw` where it is known without numpy and scipy, else UNDECIDED.

        Reading a scenario should not import numpy and scipy (about half a second) just to check
        an ordinary distribution: each family answers here, without them, for the parameters
        where it can give the very verdict of the full probe (``tests/test_parameters.py``
        checks that it does), and the full probe runs for the rest.
        """
        return UNDECIDED

    @model_validator(mode="after")
    def _drawable(self) -> _Distribution:
        self._check_parameters()
        flaw = self._flaw_without_numpy()
        if flaw is UNDECIDED:
            flaw = self._probed_flaw()
        if flaw is not None:
            raise ValueError(f"a {self.dist} with these parameters {flaw}: {self._why()}")
        return self

    def _probed_flaw(self) -> str | None:
        """What is wrong with the draws at :data:`PROBED_UNIFORMS`, drawn as the model draws."""
        import numpy as np

        with np.errstate(all="ignore"):
            return self._flaw(self.quantile(np.array(PROBED_UNIFORMS)))

    def _why(self) -> str:
        """Why parameters this extreme cannot be drawn, and what to write instead."""
        raise NotImplementedError


class BetaDist(_Distribution):
    """Beta(a, b) on [0, 1]."""

    dist: Literal["beta"]
    a: float = Field(gt=0, description="first shape parameter (> 0)")
    b: float = Field(gt=0, description="second shape parameter (> 0)")

    def support(self) -> tuple[float, float]:
        return 0.0, 1.0

    def quantile(self, u: Any) -> Any:
        from scipy import special

        return special.betaincinv(self.a, self.b, u)

    def _flaw_without_numpy(self) -> str | _Undecided | None:
        """No flaw for shapes in [0.05, 1000], where the inverse CDF is well behaved."""
        if all(
            BETA_SHAPES_WITHOUT_PROBE[0] <= x <= BETA_SHAPES_WITHOUT_PROBE[1]
            for x in (self.a, self.b)
        ):
            return None
        return UNDECIDED

    def _why(self) -> str:
        mean = self.a / (self.a + self.b)
        return (
            f"a and b this large (a={self.a:g}, b={self.b:g}) are beyond what the beta's inverse "
            f"CDF computes in float64; a beta this narrow is all but the constant {mean:.6g}: "
            "write that number instead"
        )


class UniformDist(_Distribution):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: float
    high: float

    def _check_parameters(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"uniform needs low < high, got low={self.low}, high={self.high}")

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def quantile(self, u: Any) -> Any:
        """The inverse CDF, kept inside [low, high] against rounding."""
        import numpy as np

        return np.clip(self.low + (self.high - self.low) * u, self.low, self.high)

    def _flaw_without_numpy(self) -> str | _Undecided | None:
        """The probe in Python floats (the same IEEE operations as numpy's) for finite spreads."""
        low, high = self.low, self.high
        if not math.isfinite(high - low):
            return UNDECIDED
        draws = [min(max(low + (high - low) * u, low), high) for u in PROBED_UNIFORMS]
        return _flaw_of_floats(draws, low, high)

    def _why(self) -> str:
        return (
            f"its spread high - low = {self.high - self.low:g} is not a finite float64 "
            "difference; expected low and high closer together"
        )


class NormalDist(_Distribution):
    """Normal(mean, sd), optionally truncated to [low, high]."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(gt=0, description="standard deviation (> 0)")
    low: float | None = None
    high: float | None = None

    def _check_parameters(self) -> None:
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"normal needs low < high, got low={self.low}, high={self.high}")

    def support(self) -> tuple[float, float]:
        low = -math.inf if self.low is None else self.low
        high = math.inf if self.high is None else self.high
        return low, high

    def quantile(self, u: Any) -> Any:
        """Inverse CDF of the truncated normal, its uniforms kept 1e-12 from 0 and 1."""
        import numpy as np
        from scipy import special

        low, high = self.support()
        lo_cdf = special.ndtr((low - self.mean) / self.sd)
        hi_cdf = special.ndtr((high - self.mean) / self.sd)
        p = np.clip(lo_cdf + u * (hi_cdf - lo_cdf), 1e-12, 1.0 - 1e-12)
        return np.clip(self.mean + self.sd * special.ndtri(p), low, high)

    def _flaw_without_numpy(self) -> str | _Undecided | None:
        """No flaw for an ordinary normal: moderate numbers, a window that is not far or thin.

        That is: mean and sd at most 1e12 in size, the sd at least a millionth of the mean's
        size (or of 1), and a window, if any, reaching within 6 sd of the mean and at least a
        thousandth of an sd wide.
        """
        mean, sd = self.mean, self.sd
        low, high = self.support()
        moderate = abs(mean) <= 1e12 and sd <= 1e12 and sd >= 1e-6 * max(1.0, abs(mean))
        ends = [x for x in (self.low, self.high) if x is not None]
        if not moderate or not all(math.isfinite(x) and abs(x) <= 1e12 for x in ends):
            return UNDECIDED
        near = low <= mean + 6 * sd and high >= mean - 6 * sd
        if near and high - low >= 1e-3 * sd:
            return None
        return UNDECIDED

    def _why(self) -> str:
        low, high = self.support()
        with_window = f"the window [{low:g}, {high:g}]"
        if not math.isfinite(self.mean + 40 * self.sd):
            return f"mean {self.mean:g} and sd {self.sd:g} are too large for float64 draws"
        if low > self.mean + 7 * self.sd or high < self.mean - 7 * self.sd:
            distance = max(low - self.mean, self.mean - high) / self.sd
            return (
                f"{with_window} lies {distance:.3g} sd from the mean {self.mean:g}, where the "
                "normal has no probability left to draw: every draw would fall at its edge; "
                "move the mean or the window"
            )
        return (
            f"the sd {self.sd:g} is so large that {with_window} is only "
            f"{(high - low) / self.sd:.3g} sd wide, and the normal's CDF is flat across it; "
            f"a normal this flat is a uniform: write {{dist: uniform, low: {low:g}, "
            f"high: {high:g}}}"
        )


class TriangularDist(_Distribution):
    """Triangular(low, mode, high)."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    def _check_parameters(self) -> None:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                "triangular needs low <= mode <= high and low < high, "
                f"got low={self.low}, mode={self.mode}, high={self.high}"
            )

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def quantile(self, u: Any) -> Any:
        """The inverse CDF, kept inside [low, high] against rounding.

        ``high - sqrt(...)`` can fall below ``low`` when ``high`` is far larger than ``low``.
        """
        import numpy as np

        low, mode, high = self.low, self.mode, self.high
        split = (mode - low) / (high - low)
        left = low + np.sqrt(u * (high - low) * (mode - low))
        right = high - np.sqrt((1.0 - u) * (high - low) * (high - mode))
        return np.clip(np.where(u < split, left, right), low, high)

    def _flaw_without_numpy(self) -> str | _Undecided | None:
        """The probe in Python floats (the same IEEE operations as numpy's) where none overflows."""
        low, mode, high = self.low, self.mode, self.high
        if not math.isfinite((high - low) * (high - low)):
            return UNDECIDED
        split = (mode - low) / (high - low)
        draws = []
        for u in PROBED_UNIFORMS:
            left = low + math.sqrt(u * (high - low) * (mode - low))
            right = high - math.sqrt((1.0 - u) * (high - low) * (high - mode))
            draws.append(min(max(left if u < split else right, low), high))
        return _flaw_of_floats(draws, low, high)

    def _why(self) -> str:
        return (
            f"its spread high - low = {self.high - self.low:g} is too large for float64 "
            "arithmetic; expected low and high closer together"
        )


Dist = Annotated[BetaDist | UniformDist | NormalDist | TriangularDist, Field(discriminator="dist")]


DRAWN_SDS = 40.0
"""How far from its mean, in standard deviations, a normal draw can fall: draws are inverse CDFs
of float64 uniforms, which stay within about 38.5 sd (an upper cap is checked against this)."""


@dataclasses.dataclass(frozen=True)
class _Bounded(AfterValidator):
    """An :class:`AfterValidator` that also writes its bounds into the JSON Schema (for editors)."""

    low: float = 0.0
    high: float = 1.0

    def __get_pydantic_json_schema__(self, core: Any, handler: GetJsonSchemaHandler) -> Any:
        """The field's schema, with ``minimum`` and ``maximum`` on its plain-number branch."""
        schema = handler(core)
        target = handler.resolve_ref_schema(schema)
        for branch in target.get("anyOf", [target]):
            if branch.get("type") in ("number", "integer"):
                branch.update(minimum=self.low, maximum=self.high)
        return schema


def _bounded(low: float, high: float, what: str) -> _Bounded:
    """Validator factory: a constant or a distribution's support must lie within [low, high]."""

    def check(value: float | Dist) -> float | Dist:
        lo, hi = (value, value) if isinstance(value, float | int) else value.support()
        reach = hi
        if isinstance(value, NormalDist) and hi == math.inf and high == LARGEST:
            reach = value.mean + DRAWN_SDS * value.sd  # open-ended, but its draws have a reach
        if lo < low or reach > high:
            shown = value if isinstance(value, float | int) else f"a {value.dist} on [{lo}, {hi}]"
            if reach != hi and lo >= low:
                shown = f"a normal reaching {reach:.3g} (its mean + {DRAWN_SDS:g} sd)"
            raise ValueError(f"expected {what}, got {shown}")
        return value

    return _Bounded(check, low, high)


Number = float | Dist
Probability = Annotated[float | Dist, _bounded(0.0, 1.0, "a probability in [0, 1]")]
LARGEST = 1e9
"""The largest value of a ``NonNegative`` field: far above any sensible input (casualties per
day are in the thousands), and small enough that a run's totals stay finite and printable."""
NonNegative = Annotated[float | Dist, _bounded(0.0, LARGEST, "a number >= 0 and at most 1e9")]


def _constant(value: float | Dist) -> float:
    """Events are the same in every world: their numbers cannot be distributions."""
    if not isinstance(value, float | int):
        raise ValueError(
            f"expected a number, got a {value.dist} distribution (an event is the same in every "
            "world; draw the actors' or sections' numbers instead)"
        )
    return value


ProbabilityValue = Annotated[
    float | Dist, AfterValidator(_constant), _bounded(0.0, 1.0, "a probability in [0, 1]")
]
"""An event's probability: a number, never a distribution."""
NonNegativeValue = Annotated[
    float | Dist, AfterValidator(_constant), _bounded(0.0, LARGEST, "a number >= 0 and at most 1e9")
]
"""An event's non-negative quantity: a number, never a distribution."""


# --- actors --------------------------------------------------------------------------------------

ACTIONS_BY_ROLE = DISABLEABLE
"""Actions a scenario may switch off per actor (``disabled_actions``), read from the one list of
actions, :data:`sim.scenario.catalogue.ACTIONS`. Waiting, and answering a proposal put to the
actor, are always possible."""


class _ActorBase(_Strict):
    label: str | None = Field(
        None, max_length=MAX_NAME, description="display name; defaults to the actor's key"
    )
    weakness_aversion: Probability = parameter(
        0.5, 0.1, 0.9, "weight of face: the cost of being seen to cave or to back down (M1)"
    )
    blame_sensitivity: Probability = parameter(
        0.5, 0.1, 0.9, "weight of blame in this actor's choices (M4)"
    )
    initial_blame: NonNegative = parameter(
        0.1, 0.0, 0.3, "relative share of blame for the war at day 0 (renormalised over actors)"
    )
    disabled_actions: tuple[str, ...] = Field(
        default_factory=tuple, description="actions this actor may not take in this scenario"
    )

    @field_validator("disabled_actions")
    @classmethod
    def _known_actions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        role = cls.model_fields["role"].default
        allowed = ACTIONS_BY_ROLE[role]
        for name in value:
            if name not in allowed:
                close = difflib.get_close_matches(name, allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ValueError(
                    f"unknown action {name!r} for the {role}; expected one of "
                    f"{', '.join(allowed)}{hint}"
                )
        return value


class AggressorTypes(_Strict):
    """Prior over the aggressor's private type (Kydd 2005): stalling or sincere."""

    stalling: float = parameter(
        0.8,
        0.5,
        1.0,
        "prior probability the aggressor is stalling (sums to 1 with sincere)",
        STANOVAYA,
        ge=0,
        le=1,
    )
    sincere: float = parameter(
        0.2,
        0.0,
        0.5,
        "prior probability the aggressor is sincere (sums to 1 with stalling)",
        STANOVAYA,
        ge=0,
        le=1,
    )

    @model_validator(mode="after")
    def _sums_to_one(self) -> AggressorTypes:
        if abs(self.stalling + self.sincere - 1.0) > 1e-6:
            raise ValueError(
                f"type probabilities must sum to 1, got {self.stalling} + {self.sincere}"
            )
        return self


class Aggressor(_ActorBase):
    """The side that started the war and holds the initiative (Russia in the article)."""

    role: Literal["aggressor"] = "aggressor"
    weakness_aversion: Probability = parameter(
        0.8, 0.5, 1.0, "weight of face: the cost of being seen to cave (M1)", GREENE
    )
    initial_blame: NonNegative = parameter(
        0.75, 0.5, 0.9, "relative share of blame for the war at day 0 (renormalised)"
    )
    blame_sensitivity: Probability = parameter(
        0.4, 0.1, 0.7, "weight of blame in its choices (M4)", BAUNOV
    )
    types: AggressorTypes = Field(default_factory=AggressorTypes)
    core_demand: Probability = parameter(
        0.9, 0.7, 1.0, "share of the disputed stake its core position claims (M3)", STANOVAYA
    )
    strike_priority: Probability = parameter(
        0.5, 0.2, 0.8, "value it places on its long-range strike campaign (M5)"
    )


class Coercer(_ActorBase):
    """The broker that sets deadlines and can sanction or pressure either side (the US)."""

    role: Literal["coercer"] = "coercer"
    weakness_aversion: Probability = parameter(
        0.7, 0.4, 0.9, "weight of face: the cost of backing down from its threat (M1)", GREENE
    )
    initial_blame: NonNegative = parameter(
        0.05, 0.0, 0.2, "relative share of blame for the war at day 0 (renormalised)"
    )
    blame_sensitivity: Probability = parameter(
        0.6, 0.3, 0.9, "weight of blame in its choices: pressure on the side at fault (M4)"
    )
    credulity: Probability = parameter(
        0.5,
        0.0,
        1.0,
        "over-weighting of statements and framing concessions (M3)",
        "the article: 'great progress' declared after one envoy meeting",
    )
    belief_prior: Probability = parameter(
        0.5, 0.3, 0.7, "initial belief the aggressor is sincere (M3)"
    )
    summit_forgiveness: Probability = parameter(
        0.7,
        0.3,
        0.9,
        "share of the audience cost forgiven by visible progress, phi (M2)",
        "Levendusky & Horowitz (2012)",
    )
    sanction_cost: NonNegative = parameter(
        0.15, 0.05, 0.4, "own cost of sanctions and secondary tariffs (M6)"
    )
    deadline_extension_days: int = parameter(
        14,
        7,
        30,
        "days to the next deadline when one is extended (M1)",
        "the 'two weeks' of the 2025 deadlines",
        ge=1,
        le=365,
    )


class Defender(_ActorBase):
    """The side defending its territory (Ukraine)."""

    role: Literal["defender"] = "defender"
    weakness_aversion: Probability = parameter(
        0.6, 0.3, 0.9, "weight of face: the cost of being seen to give up ground (M1)"
    )
    initial_blame: NonNegative = parameter(
        0.1, 0.0, 0.3, "relative share of blame for the war at day 0 (renormalised)"
    )
    refinery_campaign: Probability = parameter(
        0.6,
        0.3,
        0.9,
        "capacity and will for long-range strikes on refineries (M5)",
        "the summer 2025 refinery campaign (Reuters tally)",
    )


class Supporter(_ActorBase):
    """A government backing the defender with arms and money (European governments)."""

    role: Literal["supporter"] = "supporter"
    weakness_aversion: Probability = parameter(
        0.3, 0.1, 0.6, "weight of face: it has no deadline of its own at stake (M1)"
    )
    initial_blame: NonNegative = parameter(
        0.1, 0.0, 0.3, "relative share of blame for the war at day 0 (renormalised)"
    )
    air_defense_capacity: NonNegative = parameter(
        20.0, 5.0, 50.0, "interceptors one surge delivers, Patriot-equivalent (M5)"
    )
    sanctions_capacity: Probability = parameter(
        0.15,
        0.05,
        0.3,
        "sanctions level its own package adds (M6)",
        "the EU's 18th package, July 2025 (stylised mapping)",
    )
    guarantee_strength: Probability = parameter(
        0.5, 0.2, 0.8, "credibility of the security guarantees it can offer (M7)"
    )


Actor = Annotated[Aggressor | Coercer | Defender | Supporter, Field(discriminator="role")]
ACTOR_MODELS = (Aggressor, Coercer, Defender, Supporter)


# --- events --------------------------------------------------------------------------------------


class _EventBase(_Strict):
    day: int = Field(ge=0, description="day the event happens, counted from start_date")


class DeadlineEvent(_EventBase):
    """The coercer's ultimatum: act by ``day`` or face the threat (the article's 8 Aug deadline)."""

    kind: Literal["deadline"]
    by: str
    against: str
    threat: Literal["sanctions"] = "sanctions"
    audience_cost: NonNegativeValue | None = Field(
        None, description="how publicly the threat is staked; default face.audience_cost"
    )
    announced: int | None = Field(
        None,
        ge=0,
        description="day the deadline is made public (none: the first deadline from day 0, a "
        "later one on its own day); an announced deadline may fall past the horizon, pending",
    )

    @property
    def public_day(self) -> int | None:
        """The day the deadline becomes public in :func:`sim.model.dynamics.fire_events`."""
        return self.announced if self.announced is not None else self.day


class SummitOfferEvent(_EventBase):
    """An offered summit; the recipient decides whether to accept (Greene's off-ramp, M2).

    The aggressor offers it to the coercer, or the defender or the coercer offers it to the
    aggressor (Zelensky's challenge to Putin to meet in Istanbul, May 2025): the leader it is
    offered to answers it.
    """

    kind: Literal["summit_offer"]
    by: str
    to: str
    held_on: int | None = Field(None, ge=0, description="day the summit would be held")


class SummitEvent(_EventBase):
    """A summit already agreed, held on ``day``."""

    kind: Literal["summit"]
    between: tuple[str, ...] = Field(min_length=2)


class MoratoriumEvent(_EventBase):
    """An agreed moratorium on long-range strikes (Baunov, M5)."""

    kind: Literal["moratorium"]
    length_days: int | None = Field(None, ge=1, le=3650, description="none: until broken")
    monitored: bool = Field(False, description="third-party monitoring (Fortna 2003)")


class AidPackageEvent(_EventBase):
    """A scheduled delivery of air defence."""

    kind: Literal["aid_package"]
    by: str
    to: str
    air_defense: NonNegativeValue = Field(description="interceptors delivered (Patriot-equivalent)")


class SanctionsEvent(_EventBase):
    """Sanctions imposed on a fixed day, whatever the actors decide."""

    kind: Literal["sanctions"]
    by: str
    against: str
    level: ProbabilityValue = 0.5


class AidPauseEvent(_EventBase):
    """The coercer holds back its aid to the defender from ``day`` (the US pause of March 2025)."""

    kind: Literal["aid_pause"]
    by: str
    to: str
    level: ProbabilityValue = Field(
        0.0, description="aid level during the pause: 0 all held back, 0.5 a partial pause"
    )


class AidResumeEvent(_EventBase):
    """The coercer's paused aid is restored to normal (Jeddah, 11 March 2025)."""

    kind: Literal["aid_resume"]
    by: str
    to: str


class UnilateralTruceEvent(_EventBase):
    """A short truce one side declares on its own (the Easter and Victory Day truces, 2025).

    For ``length_days`` days from ``day`` the aggressor launches no long-range strikes and the
    ground war slows to ``truce.unilateral_pace_share`` of its pace (M5).
    """

    kind: Literal["unilateral_truce"]
    by: str
    length_days: int = Field(ge=1, le=3650, description="calendar days the truce covers")


class TalksEvent(_EventBase):
    """Direct talks at delegation level, without the leaders (Istanbul, May-July 2025; M2)."""

    kind: Literal["talks"]
    between: tuple[str, ...] = Field(min_length=2)


class SanctionsPackageEvent(_EventBase):
    """A supporter's further sanctions package on a fixed day (the EU's 16th-18th; M6).

    It adds to the supporters' part of the sanctions level; unlike a ``sanctions`` event it is
    not the coercer's sanctions (no ``day_sanctions``) and leaves the deadline pending.
    """

    kind: Literal["sanctions_package"]
    by: str
    against: str
    level: ProbabilityValue | None = Field(
        None, description="sanctions level it adds; default economy.package_level"
    )


EVENT_ROLES: dict[str, dict[str, tuple[tuple[str, ...], str]]] = {
    "deadline": {
        "by": (("coercer",), "a deadline is set by the coercer"),
        "against": (("aggressor",), "a deadline is set against the aggressor"),
    },
    "summit_offer": {
        "by": (
            ("aggressor", "coercer", "defender"),
            "a summit is offered by the aggressor, the coercer or the defender",
        ),
        "to": (("coercer", "aggressor"), "a summit is offered to the coercer or the aggressor"),
    },
    "aid_package": {
        "by": (("coercer", "supporter"), "aid is sent by the coercer or a supporter"),
        "to": (("defender",), "aid is sent to the defender"),
    },
    "sanctions": {
        "by": (("coercer", "supporter"), "sanctions are imposed by the coercer or a supporter"),
        "against": (("aggressor",), "sanctions are imposed on the aggressor"),
    },
    "aid_pause": {
        "by": (("coercer",), "aid is paused by the coercer"),
        "to": (("defender",), "aid to the defender is paused"),
    },
    "aid_resume": {
        "by": (("coercer",), "aid is resumed by the coercer"),
        "to": (("defender",), "aid to the defender is resumed"),
    },
    "unilateral_truce": {
        "by": (("aggressor",), "a unilateral truce is declared by the aggressor"),
    },
    "sanctions_package": {
        "by": (("supporter",), "a sanctions package is adopted by a supporter"),
        "against": (("aggressor",), "a sanctions package targets the aggressor"),
    },
}
"""Roles an event's actors may have, by event kind and field, with the rule in words. A summit
(``between``) must include the aggressor and the coercer, talks (``between``) the aggressor and
the defender; a summit offer is made by or to the aggressor; a moratorium names no actors."""

Event = Annotated[
    DeadlineEvent
    | SummitOfferEvent
    | SummitEvent
    | MoratoriumEvent
    | AidPackageEvent
    | SanctionsEvent
    | AidPauseEvent
    | AidResumeEvent
    | UnilateralTruceEvent
    | TalksEvent
    | SanctionsPackageEvent,
    Field(discriminator="kind"),
]


# --- world parameters ----------------------------------------------------------------------------


class Decision(_Strict):
    """Logit quantal response (McKelvey & Palfrey 1995)."""

    rationality: NonNegative = parameter(
        10.0,
        3.0,
        30.0,
        "lambda: 0 uniform choice, large = best reply",
        "McKelvey & Palfrey (1995); stylised value",
    )
    action_cost: NonNegative = parameter(
        0.35, 0.15, 0.6, "fixed cost of any action but waiting: inertia of state bureaucracies"
    )
    blame_scale: NonNegative = parameter(
        4.0, 2.0, 8.0, "utility of a whole share of blame, before blame_sensitivity (M4)"
    )


class War(_Strict):
    """The ground war and the strike campaigns (M5, M8), calibrated to mid-2025."""

    territory_start_pct: Annotated[
        float | Dist, _bounded(0.0, 100.0, "a percentage in [0, 100]")
    ] = parameter(
        19.0,
        18.0,
        20.0,
        "percent of the defender's territory held by the aggressor at day 0",
        "DeepState map; ISW (mid-2025)",
    )
    ground_gain_pct_per_day: NonNegative = parameter(
        0.0025,
        0.0015,
        0.004,
        "percentage points of territory the aggressor gains per day",
        "DeepState monthly tallies, mid-2025",
    )
    casualties_per_day: NonNegative = parameter(
        1400.0,
        700.0,
        2100.0,
        "killed and wounded, both armies, per day of ground war",
        "Ukrainian General Staff claims; CSIS (June 2025)",
    )
    civilian_casualties_per_day: NonNegative = parameter(
        55.0,
        30.0,
        80.0,
        "civilians killed and injured per day, all causes",
        "UN HRMMU (July 2025)",
    )
    strike_share_of_civilian_casualties: Probability = parameter(
        0.5, 0.3, 0.7, "share of civilian casualties caused by long-range strikes"
    )
    strikes_per_day: NonNegative = parameter(
        170.0,
        100.0,
        300.0,
        "drones and missiles the aggressor launches on an ordinary (not escalated) day, on average",
        "Ukrainian Air Force counts (July 2025: about 210 a day, escalated days included)",
    )
    strike_dispersion: NonNegative = parameter(
        0.6,
        0.4,
        0.8,
        "standard deviation of the log of a day's strikes around the campaign's mean",
        "stylised, to the 2025 record's surges: peaks above 700 against a mean of about 210",
    )
    strike_capacity: NonNegative = parameter(
        1000.0,
        800.0,
        1500.0,
        "most drones and missiles the aggressor can launch in one day",
        "stylised, above the 2025 record's peaks of 700-820",
    )
    casualty_pace_share: Probability = parameter(
        0.3,
        0.0,
        0.6,
        "share of the ground war's casualties that scales with the pace over the expected pace",
        "stylised: assaults that gain ground cost lives (attrition)",
    )
    moratorium_ground_shift: NonNegative = parameter(
        0.25, 0.0, 0.5, "extra ground pace while long-range strikes pause (M5)", BAUNOV
    )
    aid_effect: Probability = parameter(
        0.1,
        0.0,
        0.3,
        "change in the aggressor's ground pace when aid is paused or raised (M8)",
        "small: the 2024 aid gap and the April 2024 package moved the front's pace little "
        "(Reuters, 4 Feb 2025: delays coincided with gains, analysts caution against a direct "
        "link; FT, Apr 2024: aid would slow, not reverse, the offensive)",
    )
    fuel_effect: Probability = parameter(
        0.3, 0.1, 0.5, "slowing of the ground pace at full refinery damage (M8)"
    )
    escalation_factor: NonNegative = parameter(
        1.6, 1.2, 2.5, "strike intensity multiplier during an escalation (M5)"
    )
    escalation_days: int = parameter(
        7, 3, 14, "days an escalation of strikes lasts (M5)", ge=1, le=3650
    )
    surge_cooldown_days: int = parameter(
        30, 14, 60, "days between one supporter's surges (M5)", ge=1, le=3650
    )
    provocation_days: int = parameter(
        3,
        1,
        7,
        "days a rejection or new sanctions count as a provocation to escalate (M5)",
        ge=0,
        le=3650,
    )
    escalation_base: NonNegative = parameter(
        0.3, 0.1, 0.5, "military value of escalating, per unit of strike_priority (M5)"
    )
    escalation_provoked: NonNegative = parameter(
        0.6, 0.3, 1.0, "extra military value of escalating when provoked, per strike_priority"
    )
    refinery_strike_value: NonNegative = parameter(
        0.2, 0.0, 0.4, "military value of a refinery strike beyond the campaign's will (M5)"
    )
    moratorium_refinery_weight: NonNegative = parameter(
        1.5,
        0.5,
        2.5,
        "aggressor's gain from a strike pause per unit of refinery damage (M5)",
        BAUNOV,
    )
    moratorium_urgency_weight: NonNegative = parameter(
        0.3,
        0.1,
        0.6,
        "aggressor's gain from a strike pause per unit of air-defence urgency",
        BAUNOV,
    )
    defender_moratorium_value: NonNegative = parameter(
        0.2, 0.0, 0.4, "defender's value of accepting a strike moratorium before its costs (M5)"
    )
    defender_moratorium_campaign: NonNegative = parameter(
        0.6, 0.3, 1.0, "defender's loss from a moratorium per unit of refinery_campaign (M5)"
    )
    defender_moratorium_urgency: NonNegative = parameter(
        0.3, 0.0, 0.6, "defender's loss from a moratorium per unit of strike urgency (M5)"
    )


class AirDefense(_Strict):
    """Air-defence deliveries driven by the urgency of the strike campaign (M5)."""

    base_deliveries_per_day: NonNegative = parameter(
        1.0, 0.5, 2.0, "interceptors delivered per day at strike urgency 1"
    )
    urgency_halflife_days: NonNegative = parameter(
        10.0, 5.0, 20.0, "memory of strike intensity, in days"
    )
    urgency_cap: NonNegative = parameter(
        2.0, 1.5, 3.0, "the strike urgency above which daily deliveries no longer grow"
    )
    surge_weight: NonNegative = parameter(
        1.2, 0.8, 1.6, "a supporter's value of a surge per unit of strike urgency", BAUNOV
    )
    surge_threshold: NonNegative = parameter(
        0.4, 0.2, 0.6, "the value a surge must overcome, before the action cost"
    )


class Economy(_Strict):
    """Sanctions and the aggressor's economic pressure (M6)."""

    sanctions_success: Probability = parameter(
        0.12,
        0.04,
        0.34,
        "probability sanctions succeed, drawn per world",
        "Hufbauer, Schott & Elliott; Pape (1997)",
    )
    strong_effect: Probability = parameter(0.6, 0.4, 0.8, "pressure from full sanctions that bite")
    weak_effect: Probability = parameter(
        0.12, 0.05, 0.25, "pressure from full sanctions that are evaded"
    )
    pressure_lag_days: NonNegative = parameter(
        45.0,
        20.0,
        90.0,
        "time constant of the pressure's response, in days",
        "oil price cap, 2023-24 (stylised value)",
    )
    baseline_pressure: Probability = parameter(
        0.2, 0.1, 0.3, "pressure without new sanctions (those in force since 2022)"
    )
    refinery_effect: Probability = parameter(0.25, 0.1, 0.4, "pressure at full refinery damage")
    refinery_damage_per_strike_day: Probability = parameter(
        0.01,
        0.005,
        0.02,
        "share of refining idled per strike day at refinery_campaign 1",
        "chosen to give the Reuters tally of ~17% idle (Aug 2025)",
    )
    refinery_repair_days: NonNegative = parameter(
        30.0, 15.0, 60.0, "time constant of refinery repair, in days"
    )
    sanctions_harm: NonNegative = parameter(
        1.3, 0.8, 2.0, "value the aggressor's leaders place on avoiding full sanctions"
    )
    sanctions_step: Probability = parameter(
        0.5, 0.25, 1.0, "sanctions level one imposition adds and one easing lifts"
    )
    success_insight: Probability = parameter(
        0.5,
        0.0,
        1.0,
        "weight of the world's true success probability in the coercer's expectation "
        "(the rest: the mean)",
    )
    sanctions_material_weight: NonNegative = parameter(
        1.5, 1.0, 2.5, "coercer's value of sanctions per unit of expected success"
    )
    sanctions_material_bias: NonNegative = parameter(
        0.1, 0.0, 0.3, "coercer's value of sanctions besides success and cost"
    )
    own_sanctions_follow: NonNegative = parameter(
        0.4, 0.2, 0.6, "a supporter's value of its own package once the coercer has sanctioned"
    )
    own_sanctions_cost: NonNegative = parameter(
        0.1, 0.0, 0.3, "a supporter's own cost of a sanctions package"
    )
    payoff_pressure_scale: NonNegative = parameter(
        4.0,
        2.0,
        6.0,
        "weight of mean pressure (times pressure_weight) in the aggressor's payoff column",
    )


class Beliefs(_Strict):
    """The coercer's Bayesian belief that the aggressor is sincere (Kydd 2005; M3)."""

    statement_lr: NonNegative = parameter(
        1.0, 0.9, 1.2, "likelihood ratio of a statement", "Kydd (2005): cheap talk"
    )
    credulity_boost: NonNegative = parameter(
        0.3, 0.0, 0.6, "extra likelihood ratio a fully credulous coercer reads into statements"
    )
    core_concession_lr: NonNegative = parameter(
        4.0,
        2.0,
        8.0,
        "likelihood ratio of a concession on a core issue",
        "Kydd (2005): costly signals",
    )
    minor_concession_lr: NonNegative = parameter(
        1.0,
        0.9,
        1.2,
        "likelihood ratio of a concession on a non-core issue (both types make them)",
        "Kydd (2005)",
    )
    strike_pause_lr: NonNegative = parameter(
        1.2, 1.0, 1.5, "likelihood ratio of the start of a strike moratorium"
    )
    daily_lr: NonNegative = parameter(
        0.99,
        0.98,
        1.0,
        "likelihood ratio of a day of fighting on with no costly signal",
        "Slantchev (2003)",
    )
    sanctions_threshold: Probability = parameter(
        0.3, 0.2, 0.4, "belief below which pressure is preferred over patience"
    )
    sanctions_weight: NonNegative = parameter(
        1.5, 1.0, 2.5, "coercer's value of sanctions per unit of belief below the threshold"
    )
    sanctions_bias: NonNegative = parameter(
        0.1, 0.0, 0.3, "coercer's belief-term value of sanctions at the threshold"
    )
    ease_weight: NonNegative = parameter(
        2.0, 1.0, 3.0, "coercer's value of easing per unit of belief above ease_threshold"
    )
    ease_threshold: Probability = parameter(
        0.65, 0.5, 0.8, "belief above which easing sanctions rewards progress"
    )
    pause_aid_weight: NonNegative = parameter(
        0.5, 0.2, 1.0, "coercer's value of pausing aid per unit of belief above the threshold"
    )
    pause_aid_threshold: Probability = parameter(
        0.5, 0.3, 0.7, "belief above which pausing aid to press the defender pays"
    )
    aid_weight: NonNegative = parameter(
        1.0, 0.5, 1.5, "coercer's value of more aid per unit of belief below sanctions_threshold"
    )
    guarantee_belief_weight: NonNegative = parameter(
        1.2, 0.8, 1.6, "a supporter's value of guarantees per unit of the coercer's belief"
    )
    guarantee_progress_weight: NonNegative = parameter(
        0.5, 0.2, 0.8, "a supporter's value of guarantees per unit of visible progress"
    )
    guarantee_threshold: NonNegative = parameter(
        0.9, 0.6, 1.2, "the value guarantees must overcome, before the action cost"
    )


class Blame(_Strict):
    """The blame ledger (Baunov; Wyer 2025; M4)."""

    rejection_weight: NonNegative = parameter(
        0.2,
        0.1,
        0.4,
        "beta: blame moved by one rejection of a fully reasonable proposal",
        BAUNOV,
    )
    framing_weight: Probability = parameter(
        0.6,
        0.4,
        0.8,
        "weight of a proposal's de-escalatory headline against its terms",
        "Baunov; Wyer (2025)",
    )
    strike_blame_per_day: NonNegative = parameter(
        0.002, 0.001, 0.004, "blame added to the aggressor per day of strikes"
    )
    violation_blame: NonNegative = parameter(
        0.1, 0.05, 0.2, "blame added to the side that breaks a truce"
    )
    moratorium_fairness: Probability = parameter(
        0.5,
        0.3,
        0.7,
        "how fair a strike moratorium's terms look to the side that rejects it",
    )
    opposition_damping: Probability = parameter(
        0.5,
        0.2,
        0.8,
        "share of a rejection's blame a supporter's opposition takes away",
    )
    accepted_proposal_blame: NonNegative = parameter(
        0.3,
        0.0,
        0.6,
        "share of the blame gain an aggressor counts on when its proposal would be accepted",
    )
    escalation_blame_days: NonNegative = parameter(
        20.0, 10.0, 40.0, "days of strike blame an aggressor weighs when it escalates"
    )
    counter_blame_share: NonNegative = parameter(
        0.5, 0.2, 0.8, "share of a rejection's blame a counter-proposal sends back"
    )
    counter_window_days: int = parameter(
        5, 2, 10, "days after its rejection that a counter-proposal pays", ge=0, le=3650
    )
    sanctions_weight: NonNegative = parameter(
        0.1,
        0.0,
        0.3,
        "coercer's value of sanctions per unit of blame gap (aggressor's less defender's)",
    )
    aid_weight: NonNegative = parameter(
        0.5, 0.2, 1.0, "coercer's value of more aid per unit of blame gap"
    )
    aid_offset: float = parameter(0.5, 0.3, 0.7, "blame gap below which more aid does not pay")
    own_sanctions_weight: NonNegative = parameter(
        0.3, 0.1, 0.6, "a supporter's value of its own package per unit of the aggressor's blame"
    )
    own_sanctions_offset: NonNegative = parameter(
        0.5, 0.3, 0.7, "the aggressor's blame above which a supporter's package pays in blame"
    )
    opposition_weight: NonNegative = parameter(
        2.0, 1.0, 3.0, "a supporter's value of opposing a proposal per unit of its terms"
    )
    opposition_threshold: NonNegative = parameter(
        0.6, 0.4, 0.8, "terms above which a supporter opposes the aggressor's proposal"
    )
    repeat_discount: Probability = parameter(
        0.5,
        0.3,
        0.8,
        "share of a rejection's blame left for each earlier rejected proposal of the same proposer "
        "(onlookers tire of an offer already refused)",
    )


class Face(_Strict):
    """Audience costs (Fearon 1994; Tomz 2007; Levendusky & Horowitz 2012; M1, M2)."""

    audience_cost: NonNegative = parameter(
        1.0, 0.5, 1.5, "cost of an empty threat at a deadline (the utility unit)", "Tomz (2007)"
    )
    audience_cost_growth: NonNegative = parameter(
        0.1, 0.0, 0.2, "growth of the audience cost per extension", "Fearon (1994)"
    )
    repeat_extension_cost: NonNegative = parameter(
        0.02,
        0.0,
        0.1,
        "audience cost per earlier extension that progress does not forgive",
        "Levendusky & Horowitz (2012): new information excuses a climb-down, not a series; "
        "stylised",
    )
    lapse_premium: NonNegative = parameter(
        0.1,
        0.0,
        0.5,
        "extra audience cost, as a share of the deadline's forgiven cost, of dropping the threat "
        "outright instead of setting a new deadline",
        "Fearon (1994): backing down outright is the full climb-down; stylised",
    )
    lapse_credibility_keep: Probability = parameter(
        0.7,
        0.4,
        1.0,
        "factor on the coercer's credibility when it lets a deadline lapse without a new one",
        "stylised (below credibility_keep: a dropped threat says more than a postponed one)",
    )
    failure_cost: NonNegative = parameter(
        0.9, 0.6, 1.2, "cost of sanctions that visibly fail", GREENE
    )
    caving_cost: NonNegative = parameter(1.0, 0.5, 1.5, "cost of a visible concession")
    progress_halflife_days: NonNegative = parameter(
        45.0, 20.0, 90.0, "half-life of a summit's visible progress, in days"
    )
    threat_days: NonNegative = parameter(
        5.0, 2.0, 14.0, "time scale of a deadline's threat: exp(-days left / this)"
    )
    credibility_gain: Probability = parameter(
        0.2, 0.05, 0.5, "the coercer's credibility restored by imposing sanctions"
    )
    credibility_keep: Probability = parameter(
        0.85, 0.6, 1.0, "factor on the coercer's credibility at each extension"
    )
    ease_cost: NonNegative = parameter(
        0.5, 0.2, 1.0, "face cost of easing sanctions, per unit of weakness_aversion"
    )
    non_core_share: Probability = parameter(
        0.3,
        0.1,
        0.6,
        "share of the caving cost a concession on a non-core issue carries",
        "Greene (stylised share)",
    )
    concession_weight: NonNegative = parameter(
        3.0, 1.5, 5.0, "face cost of a concession per unit of concession_step and caving_cost"
    )
    acceptance_weight: NonNegative = parameter(
        2.0, 1.0, 4.0, "face cost of accepting terms per unit of distance from its position"
    )


class Summit(_Strict):
    """The summit off-ramp (Greene; Levendusky & Horowitz 2012; M2)."""

    lead_days: int = parameter(
        7,
        3,
        21,
        "days from a summit offer to the summit, when the offer names no date",
        ge=1,
        le=3650,
    )
    answer_days: int = parameter(
        3, 1, 7, "days a summit offer stays open before it lapses unanswered", ge=1, le=3650
    )
    reoffer_days: int = parameter(
        30, 14, 60, "days after a held or declined summit before the next offer", ge=0, le=3650
    )
    face: NonNegative = parameter(
        0.3,
        0.1,
        0.6,
        "face a held summit gives each leader, per unit of weakness_aversion",
        GREENE,
    )
    standing_share: Probability = parameter(
        0.5,
        0.2,
        1.0,
        "share of a held summit's face the aggressor counts when it offers one",
    )
    pressure_without_deadline: NonNegative = parameter(
        0.1, 0.0, 0.3, "threat the aggressor feels with no deadline pending, per unit of doubt"
    )
    accepted_progress: Probability = parameter(
        0.8,
        0.5,
        1.0,
        "visible progress an accepted summit brings before it is held",
        GREENE,
    )
    stake_without_deadline: NonNegative = parameter(
        0.3, 0.1, 0.6, "audience cost a summit offsets when no deadline is pending"
    )
    belief_weight: NonNegative = parameter(
        1.5, 1.0, 2.5, "coercer's value of a summit per unit of belief above the threshold"
    )
    credulity_weight: NonNegative = parameter(
        0.3, 0.0, 0.6, "belief a fully credulous coercer adds when it weighs a summit"
    )
    decline_face: NonNegative = parameter(
        0.3, 0.1, 0.6, "face of declining a summit (standing firm), per weakness_aversion"
    )
    talks_progress: Probability = parameter(
        0.3,
        0.0,
        0.6,
        "visible progress direct talks at delegation level bring the coercer (a summit's: "
        "accepted_progress)",
        "Levendusky & Horowitz (2012): talks are news a leader can point to; the Istanbul "
        "rounds of 2025 moved nothing on the core (stylised, below a summit's)",
    )


class Bargaining(_Strict):
    """The bargaining model of war (Fearon 1995; M7)."""

    war_share: Probability = parameter(
        0.45, 0.35, 0.55, "aggressor's expected share from fighting on", "Fearon (1995)"
    )
    aggressor_war_cost: NonNegative = parameter(
        0.1, 0.05, 0.2, "aggressor's cost of war, as a share of the stake", "Fearon (1995)"
    )
    defender_war_cost: NonNegative = parameter(
        0.1, 0.05, 0.2, "defender's cost of war, as a share of the stake", "Fearon (1995)"
    )
    pressure_weight: NonNegative = parameter(
        0.5, 0.25, 0.75, "fall in the aggressor's war value at full economic pressure"
    )
    trend_weight: NonNegative = parameter(
        0.3,
        0.1,
        0.5,
        "rise in its war value per unit of ground pace above expectation",
        "Powell (2004, 2006)",
    )
    expected_pace_pct_per_day: NonNegative = parameter(
        0.0025,
        0.0015,
        0.004,
        "the ground pace both sides expect; the trend's yardstick",
        "DeepState monthly tallies, mid-2025",
    )
    renewed_attack_risk: Probability = parameter(
        0.5, 0.3, 0.7, "q: risk of a renewed attack after a deal without guarantees"
    )
    renewed_attack_damage: NonNegative = parameter(
        0.3, 0.1, 0.5, "D: the defender's loss from a renewed attack, as a share of the stake"
    )
    concession_step: Probability = parameter(
        0.1, 0.05, 0.2, "how far one concession moves a position"
    )
    proposal_cooldown_days: int = parameter(
        7, 3, 30, "least days between one actor's proposals", ge=1, le=3650
    )
    trend_halflife_days: NonNegative = parameter(
        30.0, 15.0, 60.0, "half-life of the ground trend's memory, in days"
    )
    aid_war_value: NonNegative = parameter(
        0.1, 0.05, 0.2, "defender's war value per aid level above normal (and below)"
    )
    aid_urgency: NonNegative = parameter(
        0.6, 0.3, 0.9, "defender's urge to concede per aid level below normal (and above)"
    )
    blame_urgency: NonNegative = parameter(
        0.3, 0.1, 0.5, "defender's urge to concede per unit of its own blame"
    )
    concession_weight: NonNegative = parameter(
        3.0, 1.5, 5.0, "value of a concession per unit of urgency and room"
    )
    concession_room_cap: NonNegative = parameter(
        0.3,
        0.1,
        0.5,
        "room to concede beyond which a concession's value no longer grows",
    )
    framing_room: Probability = parameter(
        0.2,
        0.1,
        0.3,
        "how far a stalling aggressor moves on non-core issues to look open",
        STANOVAYA,
    )
    acceptance_weight: NonNegative = parameter(
        2.0, 1.0, 3.0, "value of accepting a ceasefire per unit of surplus over fighting on"
    )
    proposal_weight: NonNegative = parameter(
        0.7,
        0.3,
        1.0,
        "aggressor's value of proposing terms the defender could accept, "
        "per unit above its reservation",
    )
    broker_weight: NonNegative = parameter(
        1.5, 1.0, 2.5, "coercer's value of brokering terms, at no gap and full belief"
    )
    broker_gap_weight: NonNegative = parameter(
        2.0, 1.0, 3.0, "fall in that value per unit of gap between the public positions"
    )
    broker_split: Probability = parameter(
        0.5,
        0.3,
        0.7,
        "where the coercer's brokered terms lie: the aggressor's demand's weight "
        "against the defender's offer",
    )


class Learning(_Strict):
    """Bargaining while fighting: what the war teaches both sides (``docs/model.md`` M9).

    Each side holds an estimate of the military balance (the aggressor's expected share from
    fighting on) and revises it from the front's pace against expectation, as battles reveal
    relative strength in Filson & Werner (2002) and expectations converge in Slantchev (2003). The
    aggressor's resolve -- how far its reservation stands above its war value -- erodes under
    sustained costs and hardens under a favourable trend (after Powell 2004's learning about the
    cost of fighting; the functional form is stylised).
    """

    aggressor_optimism: Probability = parameter(
        0.05,
        0.0,
        0.15,
        "how far the aggressor's prior estimate of its war share exceeds the drawn war share",
        "mutual optimism: Fearon (1995); Slantchev (2003)",
    )
    defender_optimism: Probability = parameter(
        0.05,
        0.0,
        0.15,
        "how far the defender's prior estimate of the aggressor's war share falls short of it",
        "mutual optimism: Fearon (1995); Slantchev (2003)",
    )
    prior_days: NonNegative = parameter(
        30.0,
        10.0,
        90.0,
        "weight of each side's prior estimate, in days of fighting's evidence",
        "Filson & Werner (2002), stylised",
    )
    balance_per_pace: NonNegative = parameter(
        0.1,
        0.05,
        0.2,
        "war share the front reveals per unit of ground pace above expectation",
        "Filson & Werner (2002), stylised",
    )
    stalling_resolve: Probability = parameter(
        1.0,
        0.7,
        1.0,
        "a stalling aggressor's resolve on day 0: its reservation's place between war value "
        "and core demand",
        STANOVAYA,
    )
    sincere_resolve: Probability = parameter(
        0.0, 0.0, 0.3, "a sincere aggressor's resolve on day 0"
    )
    resolve_erosion: NonNegative = parameter(
        0.1,
        0.0,
        0.3,
        "daily fall in the aggressor's resolve per unit of hardship (economic pressure above "
        "baseline plus the fall in its estimate of its war share)",
        "Powell (2004), stylised",
    )
    resolve_hardening: NonNegative = parameter(
        0.05,
        0.0,
        0.15,
        "daily rise in the aggressor's resolve per unit of ground trend above expectation",
        "Powell (2004), stylised",
    )


class Truce(_Strict):
    """Ceasefire durability (Fortna 2003, 2004; M5)."""

    moratorium_hazard_per_day: Probability = parameter(
        0.03,
        0.01,
        0.06,
        "daily breakdown hazard of an informal, unmonitored strike moratorium",
        "the March 2025 energy-strike moratorium",
    )
    settlement_hazard_per_day: Probability = parameter(
        0.003,
        0.001,
        0.006,
        "daily breakdown hazard of a comprehensive ceasefire",
        "Fortna (2004)",
    )
    monitoring_effect: float = parameter(
        -1.4, -2.0, -0.7, "log hazard ratio of a monitored truce", "Fortna (2003)", le=0
    )
    guarantee_effect: float = parameter(
        -0.7,
        -1.4,
        -0.2,
        "log hazard ratio per unit of security guarantees",
        "Fortna (2003)",
        le=0,
    )
    settlement_monitoring: Probability = parameter(
        0.5, 0.0, 1.0, "monitoring credited to a comprehensive settlement"
    )
    unilateral_pace_share: Probability = parameter(
        0.5,
        0.2,
        1.0,
        "share of the ground pace that goes on during a unilateral short truce",
        "stylised: Kyiv reported many violations of the Easter truce of April 2025 "
        "(records/2025-01-20_to_2025-08-06.yaml, easter-truce)",
    )


# --- the scenario --------------------------------------------------------------------------------


def _named(name: str) -> str:
    """A scenario's name titles its report and figures: it must have some text."""
    if not name.strip():
        raise ValueError(f"expected a name with some text, got {name!r}")
    return name


class Scenario(_Strict):
    """A whole scenario file after ``extends`` is merged and ``--set`` overrides applied."""

    name: Annotated[str, Field(max_length=MAX_NAME), AfterValidator(_named)]
    description: str = Field("", max_length=MAX_DESCRIPTION)
    start_date: dt.date
    horizon_days: int = Field(ge=1, le=3650)
    actors: dict[str, Actor]
    events: tuple[Event, ...] = Field(default_factory=tuple)
    decision: Decision = Field(default_factory=Decision)
    war: War = Field(default_factory=War)
    air_defense: AirDefense = Field(default_factory=AirDefense)
    economy: Economy = Field(default_factory=Economy)
    beliefs: Beliefs = Field(default_factory=Beliefs)
    blame: Blame = Field(default_factory=Blame)
    face: Face = Field(default_factory=Face)
    summit: Summit = Field(default_factory=Summit)
    bargaining: Bargaining = Field(default_factory=Bargaining)
    learning: Learning = Field(default_factory=Learning)
    truce: Truce = Field(default_factory=Truce)

    def semantic_errors(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Cross-field problems pydantic cannot see: actors' names and roles, events' days, actors.

        An event's actors must exist and have the roles of ``EVENT_ROLES``.

        Returns:
            ``(path, message)`` pairs; the loader turns each path into a file and line.

        """
        errors: list[tuple[tuple[str | int, ...], str]] = []
        for name in self.actors:
            if not name.strip():
                errors.append((("actors", name), "an actor's name must not be empty"))
            elif "." in name:
                errors.append(
                    (("actors", name), f"an actor's name cannot contain '.', got {name!r}")
                )
            elif len(name) > MAX_NAME:
                errors.append(
                    (
                        ("actors", name),
                        f"an actor's name must have at most {MAX_NAME} characters, "
                        f"got {len(name):,}",
                    )
                )
        by_role: dict[str, list[str]] = {role: [] for role in ROLES}
        for name, actor in self.actors.items():
            by_role[actor.role].append(name)
        for role in ("aggressor", "coercer", "defender"):
            named = by_role[role]
            if not named:
                errors.append(
                    (
                        ("actors",),
                        f"no actor has the role {role}; a scenario needs exactly one aggressor, "
                        "one coercer and one defender",
                    )
                )
            elif len(named) > 1:
                errors.append(
                    (
                        ("actors", named[1], "role"),
                        f"expected exactly one actor with role {role}, got {len(named)}: "
                        f"{', '.join(named)}",
                    )
                )
        try:
            self.start_date + dt.timedelta(days=self.horizon_days)
        except OverflowError:
            errors.append((("start_date",), "the horizon runs past the year 9999"))
        names = ", ".join(self.actors)
        for index, event in enumerate(self.events):
            where = ("events", index)
            announced = getattr(event, "announced", None)
            if announced is not None and announced > event.day:
                errors.append(
                    ((*where, "announced"), f"announced {announced} is after day {event.day}")
                )
            elif announced is not None and announced >= self.horizon_days:
                errors.append(
                    (
                        (*where, "announced"),
                        f"announced {announced} is past the horizon "
                        f"(horizon_days={self.horizon_days})",
                    )
                )
            elif announced is None and event.day >= self.horizon_days:
                errors.append(
                    (
                        (*where, "day"),
                        f"day {event.day} is past the horizon (horizon_days={self.horizon_days})",
                    )
                )
            held_on = getattr(event, "held_on", None)
            if held_on is not None and held_on < event.day:
                errors.append(((*where, "held_on"), f"held_on {held_on} is before day {event.day}"))
            elif held_on is not None and held_on >= self.horizon_days:
                errors.append(
                    (
                        (*where, "held_on"),
                        f"held_on {held_on} is past the horizon (horizon_days={self.horizon_days})",
                    )
                )
            for field in ("by", "to", "against", "between"):
                value = getattr(event, field, None)
                for name in value if isinstance(value, tuple) else [value]:
                    if name is not None and name not in self.actors:
                        errors.append(
                            ((*where, field), f"unknown actor {name!r}; expected one of {names}")
                        )
            errors += [((*where, *path), message) for path, message in self._role_errors(event)]
        return errors

    def _role_errors(self, event: Event) -> list[tuple[tuple[str | int, ...], str]]:
        """Events whose actors have the wrong roles for the event's kind (``EVENT_ROLES``)."""
        errors: list[tuple[tuple[str | int, ...], str]] = []
        for field, (roles, rule) in EVENT_ROLES.get(event.kind, {}).items():
            name = getattr(event, field)
            actor = self.actors.get(name)
            if actor is not None and actor.role not in roles:
                article = "a" if actor.role == "supporter" else "the"
                errors.append(((field,), f"{name!r} is {article} {actor.role}, but {rule}"))
        if isinstance(event, SummitOfferEvent) and event.by == event.to:
            errors.append((("to",), f"{event.to!r} cannot offer a summit to itself"))
        elif isinstance(event, SummitOfferEvent):
            roles = [getattr(self.actors.get(n), "role", None) for n in (event.by, event.to)]
            if None not in roles and "aggressor" not in roles:
                errors.append(
                    (
                        ("to",),
                        f"a summit is offered by the aggressor or to it; {event.by!r} offers "
                        f"{event.to!r}",
                    )
                )
        if isinstance(event, TalksEvent):
            errors += _talks_errors(event, self.actors)
        if isinstance(event, SummitEvent):
            for position, name in enumerate(event.between):
                if name in event.between[:position]:
                    errors.append((("between", position), f"{name!r} is named twice"))
            for role in ("aggressor", "coercer"):
                named = [n for n, a in self.actors.items() if a.role == role]
                if len(named) == 1 and named[0] not in event.between:
                    errors.append(
                        (
                            ("between",),
                            f"a summit is held between the aggressor and the coercer (others may "
                            f"join); add {named[0]!r}",
                        )
                    )
        return errors


def _talks_errors(event: TalksEvent, actors: dict) -> list[tuple[tuple[str | int, ...], str]]:
    """Talks name each actor once and include the aggressor and the defender."""
    errors: list[tuple[tuple[str | int, ...], str]] = []
    for position, name in enumerate(event.between):
        if name in event.between[:position]:
            errors.append((("between", position), f"{name!r} is named twice"))
    for role in ("aggressor", "defender"):
        named = [n for n, a in actors.items() if a.role == role]
        if len(named) == 1 and named[0] not in event.between:
            errors.append(
                (
                    ("between",),
                    f"talks are held between the aggressor and the defender (others may join); "
                    f"add {named[0]!r}",
                )
            )
    return errors


WORLD_SECTIONS: tuple[str, ...] = tuple(
    name
    for name, field in Scenario.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, _Strict)
)
"""The scenario's world sections (``decision``, ``war``, … ``truce``): every field of
:class:`Scenario` that is a section of parameters, in the file's order."""
