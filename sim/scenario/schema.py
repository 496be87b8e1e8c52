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

ROLES = ("aggressor", "defender", "coercer", "supporter")
MAX_RUNS = 10_000_000
MAX_NAME = 200
"""Longest name (a scenario's, an actor's label), in characters: it titles figures and reports."""
MAX_DESCRIPTION = 1_000_000
"""Longest description of a scenario, in characters: as much as a scenario file may hold (a
class's briefing fits), whether it comes from the file or from ``--set``. It is printed once, in
the report, never drawn."""
"""The most worlds one run may have (``--runs``, and the ``runs`` of a saved manifest)."""


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

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_default=True)

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


# --- distributions -----------------------------------------------------------------------------

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

    @model_validator(mode="after")
    def _drawable(self) -> _Distribution:
        import numpy as np

        self._check_parameters()
        with np.errstate(all="ignore"):
            flaw = self._flaw(self.quantile(np.array(PROBED_UNIFORMS)))
        if flaw is not None:
            raise ValueError(f"a {self.dist} with these parameters {flaw}: {self._why()}")
        return self

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
Weight = Annotated[float | Dist, _bounded(0.0, 10.0, "a weight in [0, 10]")]


# --- actors --------------------------------------------------------------------------------------

ACTIONS_BY_ROLE: dict[str, tuple[str, ...]] = {
    "aggressor": (
        "offer_summit",
        "propose_ceasefire",
        "propose_moratorium",
        "concede",
        "escalate_strikes",
        "violate_moratorium",
    ),
    "coercer": (
        "extend_deadline",
        "impose_sanctions",
        "ease_sanctions",
        "accept_summit",
        "decline_summit",
        "propose_terms",
        "pressure_defender",
        "increase_aid",
    ),
    "defender": (
        "counter_propose",
        "strike_refineries",
        "concede",
        "violate_moratorium",
    ),
    "supporter": (
        "surge_air_defense",
        "own_sanctions",
        "oppose_proposal",
        "offer_guarantees",
    ),
}
"""Actions a scenario may switch off per actor (``disabled_actions``). Waiting, and answering a
proposal put to the actor, are always possible."""


class _ActorBase(_Strict):
    label: str | None = Field(
        None, max_length=MAX_NAME, description="display name; defaults to the actor's key"
    )
    weakness_aversion: Probability = Field(
        0.5, description="weight of face: the cost of being seen to cave or to back down (M1)"
    )
    blame_sensitivity: Probability = Field(
        0.5, description="weight of blame in this actor's choices (M4)"
    )
    initial_blame: NonNegative = Field(
        0.1, description="relative share of blame for the war at day 0 (renormalised over actors)"
    )
    disabled_actions: list[str] = Field(
        default_factory=list, description="actions this actor may not take in this scenario"
    )

    @field_validator("disabled_actions")
    @classmethod
    def _known_actions(cls, value: list[str]) -> list[str]:
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

    stalling: float = Field(0.8, ge=0, le=1)
    sincere: float = Field(0.2, ge=0, le=1)

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
    weakness_aversion: Probability = 0.8
    initial_blame: NonNegative = 0.75
    blame_sensitivity: Probability = 0.4
    types: AggressorTypes = Field(default_factory=AggressorTypes)
    core_demand: Probability = Field(
        0.9, description="share of the disputed stake its core position claims (Stanovaya)"
    )
    strike_priority: Probability = Field(
        0.5, description="value it places on its long-range strike campaign (M5)"
    )


class Coercer(_ActorBase):
    """The broker that sets deadlines and can sanction or pressure either side (the US)."""

    role: Literal["coercer"] = "coercer"
    weakness_aversion: Probability = 0.7
    initial_blame: NonNegative = 0.05
    blame_sensitivity: Probability = 0.6
    credulity: Probability = Field(0.5, description="over-weighting of statements (M3)")
    belief_prior: Probability = Field(0.5, description="initial belief the aggressor is sincere")
    summit_forgiveness: Probability = Field(
        0.7, description="share of the audience cost forgiven by visible progress, phi (M2)"
    )
    sanction_cost: NonNegative = Field(0.15, description="own cost of sanctions and tariffs (M6)")
    deadline_extension_days: int = Field(14, ge=1, le=365)


class Defender(_ActorBase):
    """The side defending its territory (Ukraine)."""

    role: Literal["defender"] = "defender"
    weakness_aversion: Probability = 0.6
    initial_blame: NonNegative = 0.1
    refinery_campaign: Probability = Field(
        0.6, description="capacity and will for long-range strikes on refineries (M5)"
    )


class Supporter(_ActorBase):
    """A government backing the defender with arms and money (European governments)."""

    role: Literal["supporter"] = "supporter"
    weakness_aversion: Probability = 0.3
    initial_blame: NonNegative = 0.1
    air_defense_capacity: NonNegative = Field(
        20.0, description="interceptors one surge delivers (Patriot-equivalent)"
    )
    sanctions_capacity: Probability = Field(
        0.15, description="sanctions level its own package adds (M6)"
    )
    guarantee_strength: Probability = Field(
        0.5, description="credibility of the security guarantees it can offer (M7)"
    )


Actor = Annotated[Aggressor | Coercer | Defender | Supporter, Field(discriminator="role")]


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


class SummitOfferEvent(_EventBase):
    """An offered summit; the recipient decides whether to accept (Greene's off-ramp, M2)."""

    kind: Literal["summit_offer"]
    by: str
    to: str
    held_on: int | None = Field(None, ge=0, description="day the summit would be held")


class SummitEvent(_EventBase):
    """A summit already agreed, held on ``day``."""

    kind: Literal["summit"]
    between: list[str] = Field(min_length=2)


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


EVENT_ROLES: dict[str, dict[str, tuple[tuple[str, ...], str]]] = {
    "deadline": {
        "by": (("coercer",), "a deadline is set by the coercer"),
        "against": (("aggressor",), "a deadline is set against the aggressor"),
    },
    "summit_offer": {
        "by": (("aggressor",), "a summit is offered by the aggressor (the coercer answers it)"),
        "to": (("coercer",), "a summit is offered to the coercer"),
    },
    "aid_package": {
        "by": (("coercer", "supporter"), "aid is sent by the coercer or a supporter"),
        "to": (("defender",), "aid is sent to the defender"),
    },
    "sanctions": {
        "by": (("coercer", "supporter"), "sanctions are imposed by the coercer or a supporter"),
        "against": (("aggressor",), "sanctions are imposed on the aggressor"),
    },
}
"""Roles an event's actors may have, by event kind and field, with the rule in words. A summit
(``between``) must include the aggressor and the coercer; a moratorium names no actors."""

Event = Annotated[
    DeadlineEvent
    | SummitOfferEvent
    | SummitEvent
    | MoratoriumEvent
    | AidPackageEvent
    | SanctionsEvent,
    Field(discriminator="kind"),
]


# --- world parameters ----------------------------------------------------------------------------


class Decision(_Strict):
    """Logit quantal response (McKelvey & Palfrey 1995)."""

    rationality: NonNegative = Field(
        10.0, description="lambda: 0 uniform choice, large = best reply"
    )
    action_cost: NonNegative = Field(
        0.35, description="fixed cost of any action but waiting: inertia of state bureaucracies"
    )
    blame_scale: NonNegative = Field(
        4.0, description="utility of a whole share of blame, before blame_sensitivity"
    )


class War(_Strict):
    """The ground war and the strike campaigns (M8), calibrated to mid-2025."""

    territory_start_pct: Annotated[
        float | Dist, _bounded(0.0, 100.0, "a percentage in [0, 100]")
    ] = Field(
        19.0, description="percent of the defender's territory held by the aggressor at day 0"
    )
    ground_gain_pct_per_day: NonNegative = Field(
        0.0025, description="percentage points of territory the aggressor gains per day"
    )
    casualties_per_day: NonNegative = Field(
        1400.0, description="killed and wounded, both armies, per day of ground war"
    )
    civilian_casualties_per_day: NonNegative = Field(
        55.0, description="civilians killed and injured per day, all causes"
    )
    strike_share_of_civilian_casualties: Probability = Field(
        0.5, description="share of civilian casualties caused by long-range strikes"
    )
    strikes_per_day: NonNegative = Field(
        200.0, description="drones and missiles the aggressor launches per day"
    )
    moratorium_ground_shift: NonNegative = Field(
        0.25, description="extra ground pace while long-range strikes pause (Baunov)"
    )
    aid_effect: Probability = Field(
        0.3, description="change in the aggressor's ground pace when aid is paused or raised"
    )
    fuel_effect: Probability = Field(
        0.3, description="slowing of the ground pace at full refinery damage"
    )
    escalation_factor: NonNegative = Field(
        1.6, description="strike intensity multiplier during an escalation"
    )
    escalation_days: int = Field(7, ge=1, le=3650)
    surge_cooldown_days: int = Field(
        30, ge=1, le=3650, description="days between one supporter's surges"
    )


class AirDefense(_Strict):
    """Air-defence deliveries driven by the urgency of the strike campaign (M5)."""

    base_deliveries_per_day: NonNegative = Field(
        1.0, description="interceptors delivered per day at full urgency"
    )
    urgency_halflife_days: NonNegative = Field(10.0, description="memory of strike intensity")


class Economy(_Strict):
    """Sanctions and the aggressor's economic pressure (M6)."""

    sanctions_success: Probability = Field(
        0.12, description="probability sanctions succeed, drawn per world (Hufbauer et al.)"
    )
    strong_effect: Probability = Field(0.6, description="pressure from full sanctions that bite")
    weak_effect: Probability = Field(0.12, description="pressure from sanctions that are evaded")
    pressure_lag_days: NonNegative = Field(
        45.0, description="time constant of the pressure's response"
    )
    baseline_pressure: Probability = Field(0.2, description="pressure without new sanctions")
    refinery_effect: Probability = Field(0.25, description="pressure at full refinery damage")
    refinery_damage_per_strike_day: Probability = Field(0.01)
    refinery_repair_days: NonNegative = Field(30.0)


class Beliefs(_Strict):
    """The coercer's Bayesian belief that the aggressor is sincere (Kydd 2005; M3)."""

    statement_lr: NonNegative = Field(1.0, description="likelihood ratio of a statement")
    credulity_boost: NonNegative = Field(
        0.3, description="extra likelihood ratio a fully credulous coercer reads into statements"
    )
    core_concession_lr: NonNegative = Field(4.0)
    minor_concession_lr: NonNegative = Field(
        1.0,
        description="likelihood ratio of a concession on a non-core issue (both types make them)",
    )
    strike_pause_lr: NonNegative = Field(1.2)
    daily_lr: NonNegative = Field(
        0.99, description="likelihood ratio of a day of fighting on with no costly signal"
    )
    sanctions_threshold: Probability = Field(
        0.3, description="belief below which pressure is preferred over patience"
    )


class Blame(_Strict):
    """The blame ledger (Baunov; Wyer 2025; M4)."""

    rejection_weight: NonNegative = Field(0.2, description="beta: blame moved by one rejection")
    framing_weight: Probability = Field(
        0.6, description="weight of a proposal's de-escalatory headline against its terms"
    )
    strike_blame_per_day: NonNegative = Field(0.002)
    violation_blame: NonNegative = Field(0.1)


class Face(_Strict):
    """Audience costs (Fearon 1994; Tomz 2007; Levendusky & Horowitz 2012; M1, M2)."""

    audience_cost: NonNegative = Field(1.0, description="cost of an empty threat at a deadline")
    audience_cost_growth: NonNegative = Field(0.1, description="growth per extension")
    failure_cost: NonNegative = Field(0.9, description="cost of sanctions that visibly fail")
    caving_cost: NonNegative = Field(1.0, description="cost of a visible concession")
    progress_halflife_days: NonNegative = Field(45.0)


class Bargaining(_Strict):
    """The bargaining model of war (Fearon 1995; M7)."""

    war_share: Probability = Field(0.45, description="aggressor's expected share from fighting on")
    aggressor_war_cost: NonNegative = Field(0.1)
    defender_war_cost: NonNegative = Field(0.1)
    pressure_weight: NonNegative = Field(
        0.5, description="fall in the aggressor's war value at full economic pressure"
    )
    trend_weight: NonNegative = Field(
        0.3, description="rise in its war value per unit of ground pace above expectation"
    )
    expected_pace_pct_per_day: NonNegative = Field(
        0.0025, description="the ground pace both sides expect (2025 rate); the trend's yardstick"
    )
    renewed_attack_risk: Probability = Field(0.5, description="q without guarantees")
    renewed_attack_damage: NonNegative = Field(0.3)
    concession_step: Probability = Field(0.1)
    proposal_cooldown_days: int = Field(30, ge=1, le=3650)


class Truce(_Strict):
    """Ceasefire durability (Fortna 2003, 2004; M5)."""

    moratorium_hazard_per_day: Probability = Field(
        0.03, description="daily breakdown hazard of an informal, unmonitored strike moratorium"
    )
    settlement_hazard_per_day: Probability = Field(0.003)
    monitoring_effect: float = Field(-1.4, le=0)
    guarantee_effect: float = Field(-0.7, le=0)


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
    events: list[Event] = Field(default_factory=list)
    decision: Decision = Field(default_factory=Decision)
    war: War = Field(default_factory=War)
    air_defense: AirDefense = Field(default_factory=AirDefense)
    economy: Economy = Field(default_factory=Economy)
    beliefs: Beliefs = Field(default_factory=Beliefs)
    blame: Blame = Field(default_factory=Blame)
    face: Face = Field(default_factory=Face)
    bargaining: Bargaining = Field(default_factory=Bargaining)
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
            if event.day >= self.horizon_days:
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
                for name in value if isinstance(value, list) else [value]:
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

    def actor_of_role(self, role: str) -> str:
        """Name of the (first) actor with ``role``."""
        return next(name for name, actor in self.actors.items() if actor.role == role)
