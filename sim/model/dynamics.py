"""What happens each day besides the actors' choices: calendar, answers, beliefs, war, economy.

Each function updates the world arrays in place for every world at once. Sources are cited per
function; the numbers themselves live in the scenario and ``docs/calibration.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from sim.model.actions import ACCEPT, REJECT, rejection_blame
from sim.model.context import Context, Derived, Roles
from sim.model.state import (
    AID_NORMAL,
    PERCENT,
    PROPOSAL_CEASEFIRE,
    PROPOSAL_MORATORIUM,
    PROPOSAL_NONE,
    SIGNAL_CORE,
    SIGNAL_MINOR,
    SIGNAL_NONE,
    SIGNAL_STATEMENT,
    SIGNAL_STRIKE_PAUSE,
    SUMMIT_DECLINED,
    SUMMIT_HELD,
    SUMMIT_OFFERED,
    SUMMIT_SCHEDULED,
    SURE,
    WorldState,
    at,
    per_world,
)
from sim.scenario.schema import (
    AidPackageEvent,
    AidPauseEvent,
    AidResumeEvent,
    DeadlineEvent,
    MoratoriumEvent,
    SanctionsEvent,
    SanctionsPackageEvent,
    Scenario,
    SummitEvent,
    SummitOfferEvent,
    TalksEvent,
    UnilateralTruceEvent,
)

Note = Callable[[np.ndarray, str], None]
"""Callback that narrates an event in the traced world: ``note(mask, text)``."""


def _every(state: WorldState) -> np.ndarray:
    return np.ones(state.n, dtype=bool)


HALF = 0.5
"""What is left after one half-life (a definition, not a parameter)."""
SHORTEST = 1e-9
"""Half-lives are at least this many days (no division by 0)."""
UNIFORM_EDGE = 1e-12
"""Uniforms are kept this far from 0 and 1 before the normal quantile (a draw of 0 gives −inf)."""
NO_WEIGHT = 1e-12
"""The truce's total weight of striking is at least this (no division by 0 when both are 0)."""


def _halflife_factor(days) -> np.ndarray:
    return np.power(HALF, 1.0 / np.maximum(days, SHORTEST))


@dataclass(frozen=True)
class Rates:
    """The parts of the daily dynamics that depend on drawn parameters only, not on the state.

    Computed once per model (:meth:`of`) instead of every day; each is the same expression, so
    the results are the same to the bit.
    """

    ground_casualties: np.ndarray | float
    strike_casualties: np.ndarray | float
    urgency_keep: np.ndarray | float
    sanctions_effect: np.ndarray
    pressure_lag: np.ndarray | float
    refinery_keep: np.ndarray | float
    progress_keep: np.ndarray | float
    daily_lr: np.ndarray
    minor_lr: np.ndarray | float
    statement_lr: np.ndarray | float
    aggressor_strike_weight: np.ndarray | float
    truce_total_weight: np.ndarray | float
    truce_willing: np.ndarray
    trend_keep: np.ndarray | float
    """Daily weight of yesterday's ground trend (``bargaining.trend_halflife_days``)."""

    @classmethod
    def of(
        cls,
        state: WorldState,
        world: SimpleNamespace,
        roles: Roles,
        actors: list[SimpleNamespace],
    ) -> Rates:
        """The rates of a model's worlds (``state.sanctions_bite`` must be drawn already)."""
        war, economy, beliefs = world.war, world.economy, world.beliefs
        civilians = war.civilian_casualties_per_day
        share = war.strike_share_of_civilian_casualties
        boost = beliefs.credulity_boost * actors[roles.coercer].credulity
        aggressor, defender = actors[roles.aggressor], actors[roles.defender]
        can_a = "violate_moratorium" not in aggressor.disabled_actions
        can_d = "violate_moratorium" not in defender.disabled_actions
        weight_a = aggressor.strike_priority * can_a
        weight_d = defender.refinery_campaign * can_d
        return cls(
            ground_casualties=war.casualties_per_day + civilians * (1 - share),
            strike_casualties=civilians * share,
            urgency_keep=_halflife_factor(world.air_defense.urgency_halflife_days),
            sanctions_effect=np.where(
                state.sanctions_bite, economy.strong_effect, economy.weak_effect
            ),
            pressure_lag=np.maximum(economy.pressure_lag_days, 1.0),
            refinery_keep=1.0 - 1.0 / np.maximum(economy.refinery_repair_days, 1.0),
            progress_keep=_halflife_factor(world.face.progress_halflife_days),
            daily_lr=per_world(beliefs.daily_lr, state.n),
            minor_lr=beliefs.minor_concession_lr + boost,
            statement_lr=beliefs.statement_lr + boost,
            aggressor_strike_weight=weight_a,
            truce_total_weight=np.maximum(weight_a + weight_d, NO_WEIGHT),
            truce_willing=(can_a or can_d) & (per_world(weight_a + weight_d, state.n) > 0),
            trend_keep=HALF ** (1.0 / np.maximum(world.bargaining.trend_halflife_days, SHORTEST)),
        )


def start_calendar(state: WorldState, spec: Scenario, world: SimpleNamespace) -> None:
    """Deadlines are public before they fall: the first one is known from day 0.

    A deadline with an ``announced`` day becomes public on that day instead (:func:`fire_events`).
    """
    deadlines = [e for e in spec.events if isinstance(e, DeadlineEvent) and e.announced is None]
    if deadlines:
        first = min(deadlines, key=lambda e: e.day)
        state.deadline_day[:] = first.day
        cost = first.audience_cost if first.audience_cost is not None else world.face.audience_cost
        state.deadline_cost[:] = cost
        state.record("deadline", _every(state))


def fire_events(
    state: WorldState,
    spec: Scenario,
    world: SimpleNamespace,
    note: Note,
    actors: Mapping[str, SimpleNamespace] | None = None,
) -> None:
    """Apply the scenario's calendar events that fall today (``docs/model.md`` §6, *Events*).

    ``actors`` are the drawn parameters by actor name (a sanctions package's default level is its
    supporter's ``sanctions_capacity``); without them, the scenario's constants are used.
    """
    everyone = _every(state)
    live = ~state.settled
    for event in spec.events:
        if isinstance(event, DeadlineEvent):
            if event.public_day == state.day:
                _set_deadline(state, event, world, live, note)
            continue
        if event.day != state.day:
            continue
        if _fire_record_event(state, spec, world, event, live, note, actors):
            continue
        if isinstance(event, SummitOfferEvent):
            mask = live & (state.summit_status != SUMMIT_SCHEDULED)
            state.summit_status[mask] = SUMMIT_OFFERED
            state.summit_changed_day[mask] = state.day
            state.summit_to_aggressor[mask] = spec.actors[event.to].role == "aggressor"
            lead = world.summit.lead_days
            held = event.held_on if event.held_on is not None else state.day + lead
            state.summit_day[mask] = held
            state.signals[mask] = SIGNAL_STATEMENT
            state.record("summit_offer", mask)
            note(mask, f"{event.by} offers {event.to} a summit on day {held}")
        elif isinstance(event, SummitEvent):
            state.summit_status[live] = SUMMIT_SCHEDULED
            state.summit_day[live] = state.day
            state.summit_to_aggressor[live] = False
        elif isinstance(event, MoratoriumEvent):
            start_moratorium(state, live, event.monitored, event.length_days)
            note(live, "a moratorium on long-range strikes takes effect")
        elif isinstance(event, AidPackageEvent):
            state.air_defense_delivered[everyone] += event.air_defense
            note(everyone, f"{event.by} delivers {event.air_defense:g} interceptors to {event.to}")
        elif isinstance(event, SanctionsEvent):
            by_coercer = spec.actors[event.by].role == "coercer"
            state.add_sanctions(live, event.level, coercer=by_coercer, floor=True)
            state.deadline_day[live] = np.inf
            state.record("sanctions", live)
            note(live, f"{event.by} imposes sanctions on {event.against}")


def _set_deadline(
    state: WorldState, event: DeadlineEvent, world: SimpleNamespace, live: np.ndarray, note: Note
) -> None:
    """A deadline becomes public: the earlier of it and any pending one stands (M1, M6).

    An announced deadline (``announced`` given) is recorded as the day a deadline was set; it may
    fall past the horizon and is then still pending when the run ends.
    """
    mask = live & np.isnan(state.first_day["sanctions"])
    cost = event.audience_cost if event.audience_cost is not None else world.face.audience_cost
    state.deadline_day[mask] = np.minimum(state.deadline_day[mask], event.day)
    state.deadline_cost[mask] = at(cost, mask)
    if event.announced is None:
        note(mask, f"{event.by} sets a deadline for {event.against}: {event.threat} today")
        return
    state.record("deadline", mask)
    note(mask, f"{event.by} sets a deadline for {event.against}: {event.threat} on day {event.day}")


def _fire_record_event(
    state: WorldState,
    spec: Scenario,
    world: SimpleNamespace,
    event: object,
    live: np.ndarray,
    note: Note,
    actors: Mapping[str, SimpleNamespace] | None,
) -> bool:
    """The event kinds the record of 2025 needs (``docs/model.md`` §6); False for any other kind.

    An aid pause sets the coercer's aid to the event's level and a resumption restores paused aid
    to normal (M4's aid level, M8's pace); a unilateral truce stops the aggressor's long-range
    strikes and slows the ground war for its days (M5); talks at delegation level bring the
    coercer a little visible progress (M2); a supporters' package adds to their part of the
    sanctions level without being the coercer's sanctions (M6). All apply only in live worlds.
    """
    if isinstance(event, AidPauseEvent):
        state.aid_level[live] = event.level
        if event.level < AID_NORMAL:
            state.record("aid_paused", live)
        note(live, f"{event.by} pauses its aid to {event.to} (aid level {event.level:g})")
    elif isinstance(event, AidResumeEvent):
        paused = live & (state.aid_level < AID_NORMAL)
        state.aid_level[paused] = AID_NORMAL
        note(paused, f"{event.by} resumes its aid to {event.to}")
    elif isinstance(event, UnilateralTruceEvent):
        state.truce_until[live] = event.day + event.length_days - 1
        state.signals[live & (state.signals == SIGNAL_NONE)] = SIGNAL_STATEMENT
        note(live, f"{event.by} declares a truce of {event.length_days} days")
    elif isinstance(event, TalksEvent):
        talks = world.summit.talks_progress
        state.progress[live] = np.maximum(state.progress[live], at(talks, live))
        state.signals[live & (state.signals == SIGNAL_NONE)] = SIGNAL_STATEMENT
        note(live, f"delegations of {', '.join(event.between)} meet; the leaders stay away")
    elif isinstance(event, SanctionsPackageEvent):
        level = event.level
        if level is None:
            drawn = actors[event.by] if actors is not None else spec.actors[event.by]
            level = drawn.sanctions_capacity
        state.add_sanctions(live, at(level, live), coercer=False)
        note(live, f"{event.by} adopts a further sanctions package against {event.against}")
    else:
        return False
    return True


def start_moratorium(
    state: WorldState, mask: np.ndarray, monitored: bool = False, length: int | None = None
) -> None:
    """Put a strike moratorium in force in the worlds of ``mask``."""
    mask = mask & ~state.moratorium & ~state.settled
    state.moratorium[mask] = True
    state.monitored[mask] = monitored
    # The last strike-free day: today is the first of length_days.
    state.moratorium_expiry[mask] = np.inf if length is None else state.day + length - 1
    state.record("moratorium_start", mask)
    state.signals[mask & (state.signals == SIGNAL_NONE)] = SIGNAL_STRIKE_PAUSE


def hold_summits(
    state: WorldState,
    roles: Roles,
    actors: list[SimpleNamespace],
    summit: SimpleNamespace,
    note: Note,
) -> None:
    """A scheduled summit is held: face for both leaders (Greene).

    The coercer can claim its threats worked; the aggressor gains standing without conceding
    anything -- "a better move for Russia than for anyone else".
    """
    due = (state.summit_status == SUMMIT_SCHEDULED) & (state.summit_day <= state.day)
    if not due.any():
        return
    state.summit_status[due] = SUMMIT_HELD
    state.summit_changed_day[due] = state.day
    state.progress[due] = 1.0
    state.signals[due] = SIGNAL_STATEMENT
    for actor in (roles.coercer, roles.aggressor):
        aversion = actors[actor].weakness_aversion
        state.face[due, actor] += at(summit.face, due) * at(aversion, due)
    state.record("summit", due)
    note(due, "the summit is held: both sides speak of progress")


def lapse_summit_offers(state: WorldState, summit: SimpleNamespace, note: Note) -> None:
    """A summit offer left unanswered for ``summit.answer_days`` lapses, as if declined (M2)."""
    offered = state.summit_status == SUMMIT_OFFERED
    lapsed = offered & (state.day - state.summit_changed_day >= summit.answer_days)
    if not lapsed.any():
        return
    state.summit_status[lapsed] = SUMMIT_DECLINED
    state.summit_changed_day[lapsed] = state.day
    state.summit_day[lapsed] = np.inf
    note(lapsed, "the summit offer lapses unanswered")


def responders(state: WorldState, roles: Roles, actor: int) -> np.ndarray:
    """Worlds where ``actor`` must answer a proposal made on an earlier day."""
    if actor not in (roles.aggressor, roles.defender):
        return np.zeros(state.n, dtype=bool)
    pending = state.proposal_kind != PROPOSAL_NONE
    return pending & (state.proposal_day < state.day) & (state.proposal_by != actor)


def resolve_proposals(ctx: Context, names: list[str], note: Note) -> None:
    """Settle today's answers.

    A deal needs every veto player (Fearon 1995); a rejection moves blame onto the rejecter by
    the proposal's reasonableness (Baunov; M4).
    """
    state, roles = ctx.state, ctx.roles
    veto = (roles.aggressor, roles.defender)
    due = np.zeros(state.n, dtype=bool)
    accepted = np.ones(state.n, dtype=bool)
    rebuffed = np.zeros(state.n, dtype=bool)
    for actor in veto:
        answering = responders(state, roles, actor)
        due |= answering
        rejected = answering & (state.answers[:, actor] == REJECT)
        accepted &= ~answering | (state.answers[:, actor] == ACCEPT)
        if rejected.any():
            state.add_blame(actor, rejection_blame(ctx, actor), rejected)
            state.last_rejection_day[rejected, actor] = state.day
            state.rejections[rejected, actor] += 1
            rebuffed |= rejected
            note(rejected, f"the rejection moves blame onto {names[actor]}")
    # One rebuff per rejected proposal, counted after both answers (each weighed the same past).
    rows = rebuffed.nonzero()[0]
    state.rebuffs[rows, state.proposal_by[rows]] += 1
    deal = due & accepted
    ceasefire = deal & (state.proposal_kind == PROPOSAL_CEASEFIRE)
    if ceasefire.any():
        state.settled[ceasefire] = True
        state.record("moratorium_end", ceasefire & state.moratorium)
        state.moratorium[ceasefire] = False
        state.record("settlement", ceasefire)
        by_other = ceasefire & (state.proposal_by != roles.aggressor)
        state.signals[by_other] = SIGNAL_CORE
        note(ceasefire, "a comprehensive ceasefire is agreed")
    moratorium = deal & (state.proposal_kind == PROPOSAL_MORATORIUM)
    if moratorium.any():
        start_moratorium(state, moratorium)
        note(moratorium, "a moratorium on long-range strikes is agreed")
    state.proposal_kind[due] = PROPOSAL_NONE
    state.proposal_by[due] = -1


def update_beliefs(state: WorldState, beliefs: SimpleNamespace, rates: Rates) -> None:
    """Bayes on the aggressor's type: ``π' = πL / (πL + 1 − π)`` (Kydd 2005; M3).

    Statements carry a likelihood ratio near 1 — plus what a credulous coercer reads into them;
    concessions on core issues are costly and informative; a day of fighting on without any costly
    signal is weak evidence of stalling (Slantchev 2003).
    """
    signals = state.signals
    ratio = np.where(signals == SIGNAL_MINOR, rates.minor_lr, rates.daily_lr)
    ratio = np.where(signals == SIGNAL_CORE, beliefs.core_concession_lr, ratio)
    ratio = np.where(signals == SIGNAL_STATEMENT, rates.statement_lr, ratio)
    ratio = np.where(signals == SIGNAL_STRIKE_PAUSE, beliefs.strike_pause_lr, ratio)
    prior = state.belief
    state.belief = np.clip(prior * ratio / (prior * ratio + 1.0 - prior), SURE, 1 - SURE)


def _relative_pace(pace: np.ndarray, expected: float | np.ndarray) -> np.ndarray | float:
    """The day's ground gain over the expected pace (M7's trend); 1 where none is expected.

    ``expected`` is one number, or one per world where a design varies it (:mod:`sim.model.design`).
    """
    if np.ndim(expected) == 0:
        return pace / expected if expected > 0 else 1.0
    positive = expected > 0
    return np.where(positive, pace / np.where(positive, expected, 1.0), 1.0)


def strike_surge(uniforms: np.ndarray, dispersion: float | np.ndarray) -> np.ndarray:
    """A day's strikes over the campaign's mean: lognormal with mean 1 (M8).

    ``exp(σ·z − σ²/2)`` with ``z`` the standard normal at ``uniforms`` and ``σ`` the
    ``war.strike_dispersion``: most days below the mean, a few surges of several times it.
    """
    from scipy.special import ndtri  # imported when a model steps, not with the package

    z = ndtri(np.clip(uniforms, UNIFORM_EDGE, 1.0 - UNIFORM_EDGE))
    return np.exp(dispersion * z - dispersion**2 / 2)  # /2: mean 1 (a definition)


def wage_war(
    state: WorldState,
    world: SimpleNamespace,
    roles: Roles,
    expected_pace: float | np.ndarray,
    rates: Rates,
    surge: np.ndarray | float = 1.0,
) -> None:
    """The ground war, long-range strikes and air defence for one day (M5, M8).

    Ground pace: the drawn 2025 rate, faster while long-range strikes pause (Baunov: the war moves
    to where the aggressor has the upper hand) and when aid is paused, slower at high refinery
    damage. Ground casualties grow with the pace (``war.casualty_pace_share`` of them scale with
    it). Strikes: the campaign's mean times the intensity (M5) times the day's ``surge``
    (:func:`strike_surge`), at most ``war.strike_capacity``; civilians hit by strikes follow them.
    Air-defence deliveries follow the urgency of the strike campaign.
    """
    war, air = world.war, world.air_defense
    fighting = ~state.settled
    pace = (
        war.ground_gain_pct_per_day
        * (1.0 + war.moratorium_ground_shift * state.moratorium)
        * (1.0 + war.aid_effect * (1.0 - state.aid_level))
        * (1.0 - war.fuel_effect * state.refinery_damage)
        * fighting
    )
    truce = state.truce_until >= state.day
    if truce.any():  # a unilateral short truce slows the ground war (M5)
        pace = pace * np.where(truce, world.truce.unilateral_pace_share, 1.0)
    state.pace = pace
    state.territory = np.clip(state.territory + pace / PERCENT, 0.0, 1.0)
    keep = rates.trend_keep
    relative = _relative_pace(pace, expected_pace)
    state.ground_trend = keep * state.ground_trend + (1 - keep) * relative
    escalated = state.escalated_until >= state.day
    strikes = fighting & ~state.moratorium & ~truce
    intensity = strikes * (1.0 + (war.escalation_factor - 1.0) * escalated)
    share = war.casualty_pace_share
    state.casualties += rates.ground_casualties * fighting * ((1.0 - share) + share * relative)
    launched = np.minimum(war.strikes_per_day * intensity * surge, war.strike_capacity)
    scale = launched / np.maximum(war.strikes_per_day, SHORTEST)  # intensity times the surge
    state.casualties += rates.strike_casualties * scale
    state.strikes_launched += launched
    keep = rates.urgency_keep
    state.strike_urgency = keep * state.strike_urgency + (1 - keep) * intensity
    urgency = np.clip(state.strike_urgency, 0, air.urgency_cap)
    state.air_defense_delivered += air.base_deliveries_per_day * urgency
    state.add_blame(roles.aggressor, world.blame.strike_blame_per_day * intensity, strikes)


RESOLVE_WAVERS = 0.5
"""The trace narrates the aggressor's resolve crossing this level (a narration mark, no rule)."""


def learn_from_war(
    state: WorldState,
    world: SimpleNamespace,
    expected_pace: float | np.ndarray,
    rates: Rates,
    note: Note,
) -> None:
    """Both sides learn the balance from the front; the aggressor's resolve moves with the war (M9).

    *Estimates.* A day of fighting shows a war share of
    ``war_share + balance_per_pace · (pace / expected_pace − 1)``: a front faster than expected
    reveals an aggressor stronger than assumed (battles as information, Filson & Werner 2002).
    Each side's estimate is the mean of its prior, counted as ``prior_days`` days of evidence, and
    the days it has seen (the posterior mean of conjugate normal learning), so the two sides'
    mutually optimistic priors converge on what the war shows (Slantchev 2003).

    *Resolve.* The aggressor's resolve falls by ``resolve_erosion`` per unit of hardship --
    economic pressure above its baseline and the fall in its estimate below its day-0 prior --
    and rises by ``resolve_hardening`` per unit of favourable ground trend: costs and
    disappointment screen out the resolve to hold out, and success hardens it (after Powell 2004,
    where fighting reveals how costly war is to the other side; the linear form is stylised).
    """
    learning, fighting = world.learning, ~state.settled
    implied = world.bargaining.war_share + learning.balance_per_pace * (
        _relative_pace(state.pace, expected_pace) - 1.0
    )
    state.days_observed += fighting
    weight = fighting / (learning.prior_days + state.days_observed)
    for estimate in (state.aggressor_estimate, state.defender_estimate):
        estimate += weight * (implied - estimate)
        np.clip(estimate, 0.0, 1.0, out=estimate)
    hardship = np.maximum(state.economic_pressure - world.economy.baseline_pressure, 0.0)
    hardship += np.maximum(state.aggressor_prior - state.aggressor_estimate, 0.0)
    favourable = np.maximum(state.ground_trend - 1.0, 0.0)
    change = learning.resolve_hardening * favourable - learning.resolve_erosion * hardship
    before = state.resolve
    state.resolve = np.clip(before + change * fighting, 0.0, 1.0)
    note(
        (before >= RESOLVE_WAVERS) & (state.resolve < RESOLVE_WAVERS),
        ("the aggressor's resolve wavers: the war costs more and yields less than it expected"),
    )
    note(
        (before < RESOLVE_WAVERS) & (state.resolve >= RESOLVE_WAVERS),
        ("the aggressor's resolve hardens: the front moves its way"),
    )


def watch_bargaining_range(state: WorldState, derived: Derived, note: Note) -> None:
    """Narrate a bargaining range opening or closing (M7, M9); it changes no state but the mark.

    The range is open when the aggressor's reservation lies at or below the defender's maximum
    terms: only then can a ceasefire be accepted by both (Fearon 1995).
    """
    opened = derived.aggressor_reservation <= derived.defender_max_terms
    note(
        opened & ~state.range_open,
        ("a bargaining range opens: the aggressor would now accept terms the defender could"),
    )
    note(~opened & state.range_open, "the bargaining range closes")
    state.range_open = opened


def run_economy(state: WorldState, economy: SimpleNamespace, rates: Rates) -> None:
    """Economic pressure on the aggressor moves toward its target with a lag (M6).

    Sanctions bite fully only in worlds where they succeed (Hufbauer et al.: about a third of
    episodes; far fewer against a major power); elsewhere they are largely evaded. Refineries
    damaged by the defender's strikes add pressure and are repaired over weeks.
    """
    target = (
        economy.baseline_pressure
        + state.sanctions_level * rates.sanctions_effect
        + economy.refinery_effect * state.refinery_damage
    )
    state.economic_pressure = np.clip(
        state.economic_pressure + (target - state.economic_pressure) / rates.pressure_lag, 0.0, 1.0
    )
    state.refinery_damage = state.refinery_damage * rates.refinery_keep
    state.pressure_sum += state.economic_pressure
    state.sanctions_sum += state.sanctions_level


def decay_progress(state: WorldState, rates: Rates) -> None:
    """Visible progress fades after a summit unless something concrete follows."""
    fading = state.summit_status != SUMMIT_SCHEDULED
    state.progress = np.where(fading, state.progress * rates.progress_keep, state.progress)


def truce_hazard(
    state: WorldState,
    truce: SimpleNamespace,
    roles: Roles,
    rates: Rates,
    blame: SimpleNamespace,
    draws: np.ndarray,
    note: Note,
) -> None:
    """Truces break down at a daily hazard ``h = h0 · exp(Σ β_k m_k)`` (Fortna 2003, 2004; M5).

    Monitoring and guarantees lower the hazard; an informal, unmonitored partial truce has a high
    base hazard. The side that resumes fire is drawn in proportion to what it gains by striking
    and takes the blame for the violation; a side with ``violate_moratorium`` disabled never does,
    and with both disabled truces never break. Expired moratoria end without blame.
    """
    aggressor_breaks = draws[:, 1] * rates.truce_total_weight < rates.aggressor_strike_weight
    willing = rates.truce_willing
    scale = np.exp(
        truce.monitoring_effect * state.monitored + truce.guarantee_effect * state.guarantees
    )
    moratorium_breaks = (
        willing & state.moratorium & (draws[:, 0] < truce.moratorium_hazard_per_day * scale)
    )
    settlement_scale = np.exp(
        truce.monitoring_effect * truce.settlement_monitoring
        + truce.guarantee_effect * state.guarantees
    )
    settlement_breaks = (
        willing & state.settled & (draws[:, 0] < truce.settlement_hazard_per_day * settlement_scale)
    )
    expired = state.moratorium & (state.moratorium_expiry <= state.day) & ~moratorium_breaks
    broken = moratorium_breaks | settlement_breaks
    for actor, mask in (
        (roles.aggressor, broken & aggressor_breaks),
        (roles.defender, broken & ~aggressor_breaks),
    ):
        state.add_blame(actor, blame.violation_blame, mask)
    ended = moratorium_breaks | expired
    state.moratorium[ended] = False
    state.record("moratorium_end", ended)
    state.settled[settlement_breaks] = False
    note(moratorium_breaks, "the strike moratorium breaks down")
    note(settlement_breaks, "the ceasefire breaks down; the war resumes")
    note(expired, "the strike moratorium expires")
