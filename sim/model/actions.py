"""What each action does: when it is available, its utility and its effects (its :class:`Rule`).

What an action *is* -- its name, roles, words and the consequence ``sim play`` shows -- is
declared once in :mod:`sim.scenario.catalogue`; :data:`RULES` gives each declared action its rule
under the same name, and :data:`CATALOGUE` joins the two per role.

Each rule has a ``utility`` function returning ``(available, components)``: a mask
over worlds and a dict of named utility components (arrays over worlds) whose sum is the
action's utility. Naming the components is what makes every choice explainable in ``sim trace``.
Waiting has utility 0; every other action pays ``decision.action_cost`` except forced answers.

Component names: ``material`` (terms or resources against fighting on), ``face`` (audience costs,
Fearon 1994), ``blame`` (Baunov), ``belief`` (the coercer's view of the aggressor's sincerity,
Kydd 2005), ``threat`` (an imminent deadline), ``standing`` (the face a summit would bring),
``military`` (strike campaigns, Baunov), ``cost``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from sim.model.context import Context
from sim.model.state import (
    AID_INCREASED,
    AID_NORMAL,
    AID_PAUSED,
    CORE_ISSUES,
    PROPOSAL_CEASEFIRE,
    PROPOSAL_MORATORIUM,
    PROPOSAL_NONE,
    SIGNAL_CORE,
    SIGNAL_MINOR,
    SUMMIT_DECLINED,
    SUMMIT_NONE,
    SUMMIT_OFFERED,
    SUMMIT_SCHEDULED,
    at,
    per_world,
)
from sim.scenario import catalogue
from sim.scenario.catalogue import ActionSpec

Components = dict[str, np.ndarray]
Utility = Callable[[Context], tuple[np.ndarray, Components]]
Effect = Callable[[Context, np.ndarray], None]

ACCEPT, REJECT = 1, 2
"""Codes of an answer to a pending proposal (``Context.answers``)."""

TOLERANCE = 1e-9
"""Room, sanctions or guarantees smaller than this count as none (floating-point slack, not a
model parameter: the model's numbers are scenario parameters, ``sim.scenario.schema``)."""


@dataclass(frozen=True)
class Rule:
    """What an action does.

    Attributes:
        utility: availability mask and utility components.
        apply: its effects on the state, in the worlds where it was chosen.

    """

    utility: Utility
    apply: Effect


@dataclass(frozen=True)
class Action:
    """One role's action: its declaration (:mod:`sim.scenario.catalogue`) joined with its rule.

    Attributes:
        spec: what the action is: name, roles, words, consequence, signal.
        role: the role taking it.
        utility: availability mask and utility components.
        apply: its effects on the state, in the worlds where it was chosen.

    """

    spec: ActionSpec
    role: str
    utility: Utility
    apply: Effect

    @property
    def name(self) -> str:
        """The name used in scenario files (``disabled_actions``), traces and ``sim play``."""
        return self.spec.name

    @property
    def words(self) -> str:
        """What the actor does, in plain words, for traces."""
        return self.spec.words

    @property
    def consequence(self) -> str:
        """Its likely consequences, for the menu of ``sim play``."""
        return self.spec.consequence

    @property
    def signal(self) -> str | None:
        """What the coercer reads into it (a ``beliefs`` likelihood ratio), if anything."""
        return self.spec.signal

    @property
    def answer(self) -> bool:
        """True for accepting or rejecting a pending proposal (never disabled)."""
        return self.spec.answer


# --- shared pieces -----------------------------------------------------------------------------


NONE: Components = {}
"""The components of an action unavailable in every world: not computed. Return it only with an
all-False mask: :func:`sim.model.decision.choose` then skips the action without counting the
mask."""


def _n(ctx: Context) -> int:
    return ctx.state.n


def _cost(ctx: Context) -> np.ndarray:
    return ctx.derived.cost


def _active(ctx: Context) -> np.ndarray:
    """Worlds where the war goes on and this actor is not answering a proposal."""
    return ctx.active


def _deadline_today(ctx: Context) -> np.ndarray:
    """The coercer's deadline falls today: it enforces, extends or lets it lapse (nothing else)."""
    return ctx.deadline_today


def _blame_weight(ctx: Context) -> np.ndarray:
    return ctx.blame_weight


def _cooled_down(ctx: Context) -> np.ndarray:
    last = ctx.state.last_proposal_day[:, ctx.me]
    return ctx.day - last >= ctx.world.bargaining.proposal_cooldown_days


def reasonableness(headline: float, value_to_rejecter: np.ndarray, framing_weight) -> np.ndarray:
    """How reasonable a proposal looks to onlookers: headline against terms (Baunov; M4).

    A proposal to de-escalate (``headline`` 1) made without a military defeat looks reasonable
    whatever its terms when ``framing_weight`` is high.
    """
    return framing_weight * headline + (1.0 - framing_weight) * value_to_rejecter


def fatigue(ctx: Context, proposer: int | np.ndarray) -> np.ndarray:
    """What is left of a rejection's blame after the proposer's earlier rebuffs (M4).

    ``repeat_discount ** rebuffs``: onlookers credit the first refused offer to the rejecter's
    intransigence, less so the same offer made again (stylised).
    """
    state = ctx.state
    rebuffs = state.rebuffs[np.arange(state.n), np.maximum(proposer, 0)]
    return np.power(ctx.world.blame.repeat_discount, rebuffs)


def rejection_blame(ctx: Context, rejecter: int) -> np.ndarray:
    """Blame share a rejection of the pending proposal would move onto ``rejecter`` (M4 ledger)."""
    state = ctx.state
    terms = state.proposal_terms
    value = terms if rejecter == ctx.roles.aggressor else 1.0 - terms
    blame = ctx.world.blame
    value = np.where(state.proposal_kind == PROPOSAL_MORATORIUM, blame.moratorium_fairness, value)
    reasonable = reasonableness(1.0, value, blame.framing_weight)
    dampened = 1.0 - blame.opposition_damping * state.proposal_opposed
    return blame.rejection_weight * reasonable * dampened * fatigue(ctx, state.proposal_by)


def _propose(ctx: Context, mask: np.ndarray, kind: int, terms: np.ndarray) -> None:
    state = ctx.state
    state.proposal_kind[mask] = kind
    state.proposal_by[mask] = ctx.me
    state.proposal_terms[mask] = terms[mask]
    state.proposal_opposed[mask] = False
    state.proposal_day[mask] = ctx.day
    state.last_proposal_day[mask, ctx.me] = ctx.day


def _proposal_open(ctx: Context) -> np.ndarray:
    return ctx.state.proposal_kind == PROPOSAL_NONE


# --- waiting and answering ---------------------------------------------------------------------


def _wait_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    return ctx.free, {}


def _nothing(ctx: Context, mask: np.ndarray) -> None:
    return None


def _acceptable(ctx: Context) -> np.ndarray:
    """Whether the pending terms lie in this actor's acceptable set (a hard veto, Fearon 1995)."""
    state, derived = ctx.state, ctx.derived
    terms = state.proposal_terms
    moratorium = state.proposal_kind == PROPOSAL_MORATORIUM
    if ctx.me == ctx.roles.aggressor:
        inside = terms >= derived.aggressor_reservation
    else:
        inside = terms <= derived.defender_max_terms
    return moratorium | inside


def _accept_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    if not ctx.responding.any():
        return ctx.responding, NONE
    available = ctx.responding & _acceptable(ctx)
    if not available.any():
        return available, NONE
    state, derived, params, world = ctx.state, ctx.derived, ctx.params, ctx.world
    terms = state.proposal_terms
    moratorium = state.proposal_kind == PROPOSAL_MORATORIUM
    face_cost = world.face.caving_cost * params.weakness_aversion
    if ctx.me == ctx.roles.aggressor:
        surplus = terms - derived.aggressor_war_value
        caved = np.clip(state.aggressor_demand() - terms, 0.0, None)
        strikes = _moratorium_value(ctx)  # never reached: only the aggressor proposes moratoria
    else:
        surplus = derived.defender_max_terms - terms
        caved = np.clip(terms - state.defender_offer(), 0.0, None)
        war = world.war
        strikes = (
            war.defender_moratorium_value
            - war.defender_moratorium_campaign * params.refinery_campaign
            - war.defender_moratorium_urgency * state.strike_urgency
        )
    material = np.where(moratorium, strikes, world.bargaining.acceptance_weight * surplus)
    face = np.where(moratorium, 0.0, -face_cost * world.face.acceptance_weight * caved)
    return available, {"material": material, "face": face}


def _reject_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    if not ctx.responding.any():
        return ctx.responding, NONE
    return ctx.responding, {"blame": -_blame_weight(ctx) * rejection_blame(ctx, ctx.me)}


def _answer(code: int) -> Effect:
    def apply(ctx: Context, mask: np.ndarray) -> None:
        ctx.state.answers[mask, ctx.me] = code

    return apply


# --- aggressor -----------------------------------------------------------------------------------


def _offer_summit_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    """Offer a summit when a credible threat is near: talks as an off-ramp (Greene)."""
    state, summit = ctx.state, ctx.world.summit
    since = ctx.day - state.summit_changed_day
    open_ = (state.summit_status == SUMMIT_NONE) | (
        (state.summit_status != SUMMIT_OFFERED)
        & (state.summit_status != SUMMIT_SCHEDULED)
        & (since >= summit.reoffer_days)
    )
    available = _active(ctx) & open_
    if not available.any():
        return available, NONE
    return available, {**_aggressor_summit_value(ctx), "cost": _cost(ctx)}


def _aggressor_summit_value(ctx: Context) -> Components:
    """What a summit is worth to the aggressor: a shield from sanctions and standing (Greene).

    ``threat``: the sanctions a summit holds off (while one is scheduled the coercer cannot
    impose them except on its deadline day), ``sanctions_harm · max(threat_t, doubt) ·
    credibility · (1 − sanctions_level)``; ``standing``: ``summit.standing_share`` of the face a
    held summit brings. The same value when it offers, answers or weighs calling one off (M2).
    """
    state, summit = ctx.state, ctx.world.summit
    harm = 1.0 - state.sanctions_level
    pressure = np.maximum(
        ctx.derived.threat, summit.pressure_without_deadline * (1.0 - state.belief)
    )
    threat = ctx.world.economy.sanctions_harm * pressure * state.credibility * harm
    standing = summit.standing_share * summit.face * ctx.params.weakness_aversion * np.ones(_n(ctx))
    return {"threat": threat, "standing": standing}


def _propose_ceasefire(ctx: Context, mask: np.ndarray) -> None:
    _propose(ctx, mask, PROPOSAL_CEASEFIRE, ctx.state.aggressor_demand())


def _offer_summit(ctx: Context, mask: np.ndarray) -> None:
    state = ctx.state
    state.summit_status[mask] = SUMMIT_OFFERED
    state.summit_changed_day[mask] = ctx.day
    state.summit_day[mask] = ctx.day + ctx.world.summit.lead_days
    state.summit_to_aggressor[mask] = False
    state.record("summit_offer", mask)


def _propose_ceasefire_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    """A full ceasefire on its own terms: accepted it pays, rejected it shifts blame (Baunov)."""
    state, derived = ctx.state, ctx.derived
    available = _active(ctx) & _proposal_open(ctx) & _cooled_down(ctx)
    if not available.any():
        return available, NONE
    terms = state.aggressor_demand()
    rejected = terms > derived.defender_max_terms
    weights = ctx.world.blame
    gain = reasonableness(1.0, 1.0 - terms, weights.framing_weight)
    accepted_share = np.where(rejected, 1, weights.accepted_proposal_blame)
    blame = _blame_weight(ctx) * weights.rejection_weight * gain * accepted_share
    blame = blame * fatigue(ctx, ctx.me)
    reach = terms - derived.aggressor_reservation
    material = np.where(rejected, 0.0, ctx.world.bargaining.proposal_weight * reach)
    return available, {"blame": blame, "material": material, "cost": _cost(ctx)}


def _propose_moratorium_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    """A pause in long-range strikes eases refinery damage and the air-defence rush (Baunov)."""
    state = ctx.state
    available = _active(ctx) & _proposal_open(ctx) & _cooled_down(ctx) & ~state.moratorium
    if not available.any():
        return available, NONE
    material = _moratorium_value(ctx)
    blame = (
        _blame_weight(ctx) * ctx.world.blame.rejection_weight * ctx.world.blame.framing_weight
    ) * fatigue(ctx, ctx.me)
    return available, {"material": material, "blame": blame, "cost": _cost(ctx)}


def _moratorium_value(ctx: Context) -> np.ndarray:
    """The aggressor's material value of a strike pause (Baunov; M5).

    Less refinery damage and less urgency to deliver air defence to the other side, against the
    campaign it gives up.
    """
    state, war = ctx.state, ctx.world.war
    return (
        state.refinery_damage * war.moratorium_refinery_weight
        + war.moratorium_urgency_weight * state.strike_urgency
        - ctx.params.strike_priority
    )


def _concession_gap(ctx: Context) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Room to concede: where the public position exceeds what the actor would settle for.

    Returns:
        The actor's positions, the largest gap over issues (``room``) and the first issue with
        that gap, per world. Computed issue by issue (1-D arrays, exactly as a maximum over the
        issue axis would be) and once per decision: the utility and the effect share it.

    """
    cached = ctx.cache.get("concession_gap")
    if cached is not None:
        return cached
    state = ctx.state
    if ctx.me == ctx.roles.aggressor:
        positions = state.aggressor_positions
        # Core issues down to the reservation; non-core ones as far as framing allows (M3, M9).
        war_value = np.clip(ctx.derived.aggressor_war_value, 0.0, 1.0)
        core_floor = np.clip(ctx.derived.aggressor_reservation, 0.0, 1.0)
        framing_floor = np.asarray(ctx.params.core_demand) - ctx.world.bargaining.framing_room
        other_floor = np.minimum(core_floor, np.maximum(war_value, framing_floor))
        gaps = [
            np.maximum(positions[:, issue] - (core_floor if core else other_floor), 0.0)
            for issue, core in enumerate(CORE_ISSUES)
        ]
    else:
        positions = state.defender_positions
        ceiling = np.clip(ctx.derived.defender_max_terms, 0.0, 1.0)
        gaps = [np.maximum(ceiling - positions[:, issue], 0.0) for issue in range(len(CORE_ISSUES))]
    room = gaps[0]
    issue = np.zeros(state.n, dtype=np.intp)
    for column, gap in enumerate(gaps[1:], start=1):
        issue = np.where(gap > room, column, issue)
        room = np.maximum(room, gap)
    ctx.cache["concession_gap"] = positions, room, issue
    return positions, room, issue


def _concede_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    """Concede a step on one issue: costly in face, worth it under pressure (Fearon 1994).

    Only a step on a core issue is visible caving (Greene); a step on a non-core issue costs
    ``face.non_core_share`` of that.
    """
    state, params, bargaining, faces = ctx.state, ctx.params, ctx.world.bargaining, ctx.world.face
    _, room, issue = _concession_gap(ctx)
    available = _active(ctx) & (room > TOLERANCE)
    if not available.any():
        return available, NONE
    core = CORE_ISSUES[issue]
    step = bargaining.concession_step
    if ctx.me == ctx.roles.aggressor:
        urgency = state.economic_pressure + ctx.derived.threat * state.credibility
    else:
        urgency = (
            bargaining.aid_urgency * (1.0 - state.aid_level)
            + bargaining.blame_urgency * state.blame[:, ctx.me]
        )
    room_valued = np.minimum(room, bargaining.concession_room_cap)
    material = bargaining.concession_weight * urgency * room_valued
    visible = np.where(core, 1.0, faces.non_core_share)
    face = -params.weakness_aversion * faces.caving_cost * faces.concession_weight * step * visible
    return available, {"material": material, "face": face, "cost": _cost(ctx)}


def _propose_moratorium(ctx: Context, mask: np.ndarray) -> None:
    # A strike-only proposal has no terms on the issues; it is recorded as looking even-handed.
    terms = per_world(ctx.world.blame.moratorium_fairness, ctx.state.n)
    _propose(ctx, mask, PROPOSAL_MORATORIUM, terms)


def _concede(ctx: Context, mask: np.ndarray) -> None:
    state = ctx.state
    positions, room, issue = _concession_gap(ctx)
    rows = mask.nonzero()[0]
    step = ctx.world.bargaining.concession_step
    step = at(step, rows)
    moved = np.minimum(step, room[rows])
    direction = -1.0 if ctx.me == ctx.roles.aggressor else 1.0
    positions[rows, issue[rows]] += direction * moved
    state.concessions[rows, ctx.me] += 1
    state.last_conceded_issue[rows, ctx.me] = issue[rows]
    if ctx.me == ctx.roles.aggressor:
        ctx.state.signals[rows] = np.where(CORE_ISSUES[issue[rows]], SIGNAL_CORE, SIGNAL_MINOR)


def _escalate_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    """Escalate strikes after a rejection or new sanctions (coercive punishment)."""
    state, params = ctx.state, ctx.params
    available = _active(ctx) & ~state.moratorium & (state.escalated_until < ctx.day)
    if not available.any():
        return available, NONE
    # A NaN first day (no sanctions yet) compares False, as "long ago" would.
    war, weights = ctx.world.war, ctx.world.blame
    provoked = (
        ctx.day - state.last_rejection_day[:, ctx.roles.defender] <= war.provocation_days
    ) | (ctx.day - state.first_day["sanctions"] <= war.provocation_days)
    military = params.strike_priority * (war.escalation_base + war.escalation_provoked * provoked)
    blame = -_blame_weight(ctx) * weights.strike_blame_per_day * weights.escalation_blame_days
    return available, {"military": military, "blame": blame * np.ones(_n(ctx)), "cost": _cost(ctx)}


def _escalate(ctx: Context, mask: np.ndarray) -> None:
    # The last escalated day: today's war is the first of escalation_days.
    ctx.state.escalated_until[mask] = ctx.day + ctx.world.war.escalation_days - 1


# --- coercer -------------------------------------------------------------------------------------


def sanction_components(ctx: Context) -> Components:
    """Components of imposing sanctions, for the coercer (M1, M3, M4, M6).

    ``material``: expected success against own cost (Hufbauer et al.); ``belief``: pressure is
    worth more the less sincere the aggressor seems (Kydd 2005); ``blame``: pressure goes to the
    side with more blame; ``face``: sanctions that visibly fail cost face — Greene: the coercer
    "couldn't impose sanctions unless he knew they would work".
    """
    state, params, world = ctx.state, ctx.params, ctx.world
    economy, beliefs = world.economy, world.beliefs
    success = ctx.derived.perceived_success
    material = (
        economy.sanctions_material_weight * success
        - params.sanction_cost
        + economy.sanctions_material_bias
    )
    doubt = beliefs.sanctions_threshold - state.belief
    belief = beliefs.sanctions_weight * doubt + beliefs.sanctions_bias
    roles = ctx.roles
    blame = (
        _blame_weight(ctx)
        * world.blame.sanctions_weight
        * (state.blame[:, roles.aggressor] - state.blame[:, roles.defender])
    )
    face = -params.weakness_aversion * world.face.failure_cost * (1.0 - success)
    return {"material": material, "belief": belief, "blame": blame, "face": face}


def _impose_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    state = ctx.state
    due = _deadline_today(ctx)
    available = ~state.settled & ~ctx.responding & (state.sanctions_level < 1.0 - TOLERANCE)
    available &= due | (state.summit_status != SUMMIT_SCHEDULED)
    if not available.any():
        return available, NONE
    components = sanction_components(ctx)
    components["cost"] = np.where(due, 0.0, _cost(ctx))
    return available, components


def _impose(ctx: Context, mask: np.ndarray) -> None:
    state = ctx.state
    state.add_sanctions(mask, at(ctx.world.economy.sanctions_step, mask), coercer=True)
    state.deadline_day[mask] = np.inf
    gain = at(ctx.world.face.credibility_gain, mask)
    state.credibility[mask] = np.minimum(1.0, state.credibility[mask] + gain)
    state.record("sanctions", mask)


def deadline_face(ctx: Context) -> np.ndarray:
    """Audience cost of letting the deadline pass, discounted by visible progress.

    Fearon (1994): the cost grows as the crisis runs (``audience_cost_growth`` per extension);
    Levendusky & Horowitz (2012): a leader who can point to new information — a summit — pays
    less (``summit_forgiveness``, phi), but the same news does not excuse a series of climb-downs:
    ``repeat_extension_cost`` per earlier extension is not forgiven. Greene: a summit gives
    "enough progress for Trump to claim his threats worked".
    """
    state, params, face = ctx.state, ctx.params, ctx.world.face
    grown = state.deadline_cost * (1.0 + face.audience_cost_growth * state.extensions)
    forgiven = 1.0 - params.summit_forgiveness * state.progress
    repeated = state.deadline_cost * face.repeat_extension_cost * state.extensions
    return -params.weakness_aversion * (grown * forgiven + repeated)


def _extend_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    available = _deadline_today(ctx) & ~ctx.state.settled
    if not available.any():
        return available, NONE
    return available, {"face": deadline_face(ctx)}


def _extend(ctx: Context, mask: np.ndarray) -> None:
    state = ctx.state
    state.deadline_day[mask] = ctx.day + ctx.params.deadline_extension_days
    state.extensions[mask] += 1
    state.credibility[mask] *= at(ctx.world.face.credibility_keep, mask)


def _lapse_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    """Let the deadline lapse: the climb-down paid once, with no new deadline (M1, M2).

    ``face = −WA · deadline_cost · (1 + audience_cost_growth · extensions) · (1 − φ · progress)
    · (1 + lapse_premium)``: the forgiven audience cost of an extension (Fearon 1994; Levendusky
    & Horowitz 2012) with a premium for dropping the threat outright, but without the
    unforgiven ``repeat_extension_cost`` a further extension adds. After a few extensions, and
    sooner with a summit's progress, lapsing costs less than extending again — Greene's
    off-ramp: a summit lets the coercer drop its deadline.
    """
    available = _deadline_today(ctx) & ~ctx.state.settled
    if not available.any():
        return available, NONE
    state, params, face = ctx.state, ctx.params, ctx.world.face
    grown = state.deadline_cost * (1.0 + face.audience_cost_growth * state.extensions)
    forgiven = 1.0 - params.summit_forgiveness * state.progress
    lapsed = grown * forgiven * (1.0 + face.lapse_premium)
    return available, {"face": -params.weakness_aversion * lapsed}


def _lapse(ctx: Context, mask: np.ndarray) -> None:
    state = ctx.state
    state.deadline_day[mask] = np.inf
    state.credibility[mask] *= at(ctx.world.face.lapse_credibility_keep, mask)
    state.record("deadline_lapsed", mask)


def _ease_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    """Ease the coercer's own sanctions: the supporters' packages are not its to lift."""
    state, params, beliefs = ctx.state, ctx.params, ctx.world.beliefs
    available = _active(ctx) & (state.coercer_sanctions > TOLERANCE)
    if not available.any():
        return available, NONE
    belief = beliefs.ease_weight * (state.belief - beliefs.ease_threshold) * state.progress
    face = -params.weakness_aversion * ctx.world.face.ease_cost * np.ones(_n(ctx))
    return available, {"belief": belief, "face": face, "cost": _cost(ctx)}


def _ease(ctx: Context, mask: np.ndarray) -> None:
    ctx.state.ease_sanctions(mask, at(ctx.world.economy.sanctions_step, mask))


def _summit_answer_components(ctx: Context) -> Components:
    """Accepting a summit: an off-ramp from the deadline's audience cost (Greene).

    Talks are worth more the more sincere the aggressor seems and the more credulous the coercer.
    """
    state, params, world = ctx.state, ctx.params, ctx.world
    summit = world.summit
    pending = np.where(
        np.isfinite(state.deadline_day), state.deadline_cost, summit.stake_without_deadline
    )
    face = params.weakness_aversion * params.summit_forgiveness * pending
    trust = state.belief + summit.credulity_weight * params.credulity
    belief = summit.belief_weight * (trust - world.beliefs.sanctions_threshold)
    return {"face": face, "belief": belief}


def _answers_summits(ctx: Context) -> np.ndarray:
    """Worlds where this actor is the leader a summit was offered to (M2).

    The coercer answers the aggressor's offers; the aggressor answers offers made to it (by the
    defender or the coercer, ``summit_offer`` events).
    """
    to_aggressor = ctx.state.summit_to_aggressor
    if ctx.me == ctx.roles.aggressor:
        return to_aggressor
    return ~to_aggressor


def _summit_value(ctx: Context) -> Components:
    """This leader's value of holding the summit: the coercer's off-ramp, the aggressor's shield."""
    if ctx.me == ctx.roles.aggressor:
        return _aggressor_summit_value(ctx)
    return _summit_answer_components(ctx)


def _standing_firm(ctx: Context) -> np.ndarray:
    """The face of refusing to meet (``summit.decline_face · WA``), per world (M2)."""
    return ctx.world.summit.decline_face * ctx.params.weakness_aversion * np.ones(_n(ctx))


def _accept_summit_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    available = (ctx.state.summit_status == SUMMIT_OFFERED) & _active(ctx) & _answers_summits(ctx)
    if not available.any():
        return available, NONE
    return available, _summit_value(ctx)


def _accept_summit(ctx: Context, mask: np.ndarray) -> None:
    state = ctx.state
    state.summit_status[mask] = SUMMIT_SCHEDULED
    state.summit_changed_day[mask] = ctx.day
    state.summit_day[mask] = np.maximum(state.summit_day[mask], ctx.day + 1)
    accepted = at(ctx.world.summit.accepted_progress, mask)
    state.progress[mask] = np.maximum(state.progress[mask], accepted)


def _decline_summit_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    available = (ctx.state.summit_status == SUMMIT_OFFERED) & _active(ctx) & _answers_summits(ctx)
    if not available.any():
        return available, NONE
    return available, {"face": _standing_firm(ctx)}


def _decline_summit(ctx: Context, mask: np.ndarray) -> None:
    ctx.state.summit_status[mask] = SUMMIT_DECLINED
    ctx.state.summit_changed_day[mask] = ctx.day
    ctx.state.summit_day[mask] = np.inf


def _call_off_summit_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    """Call off an agreed summit once holding it has become worse than not (M2, issue 22).

    The leader weighs the summit by today's state as it weighed the offer: its value of holding
    it (:func:`_summit_value`: the coercer's off-ramp and belief, the aggressor's shield and
    standing) against its value of not holding it -- the face of standing firm for the leader
    the summit was offered to (:func:`_standing_firm`), nothing for the one who offered it. The
    utility is the second less the first, plus the action cost; the action is available only
    where that difference is positive, so a summit is called off only once it has lost its worth
    to this leader -- for the coercer, typically when its belief in the aggressor's sincerity has
    fallen as the aggressor restated its demands without conceding (M3; the logic of Fearon
    1994 and Levendusky & Horowitz 2012 run backwards: the summit no longer excuses anything).
    """
    state = ctx.state
    scheduled = (state.summit_status == SUMMIT_SCHEDULED) & (state.summit_day > ctx.day)
    available = scheduled & _active(ctx)
    if not available.any():
        return available, NONE
    components = {name: -value for name, value in _summit_value(ctx).items()}
    firm = _standing_firm(ctx) * _answers_summits(ctx)
    components["face"] = components.get("face", 0.0) + firm
    gain = sum(components.values())
    available &= gain > 0.0
    if not available.any():
        return available, NONE
    components["cost"] = _cost(ctx)
    return available, components


def _call_off_summit(ctx: Context, mask: np.ndarray) -> None:
    """The summit is off: no shield from sanctions, and its progress starts to fade (M2)."""
    _decline_summit(ctx, mask)


def _propose_terms_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    """Broker a split between the public positions when they are close and talks seem sincere."""
    state = ctx.state
    available = _active(ctx) & _proposal_open(ctx) & _cooled_down(ctx)
    if not available.any():
        return available, NONE
    bargaining = ctx.world.bargaining
    gap = np.abs(state.aggressor_demand() - state.defender_offer())
    material = bargaining.broker_weight * (1.0 - bargaining.broker_gap_weight * gap) * state.belief
    return available, {"material": material, "cost": _cost(ctx)}


def _propose_terms(ctx: Context, mask: np.ndarray) -> None:
    state, split = ctx.state, ctx.world.bargaining.broker_split
    # At split 0.5, the same floats as the midpoint (d + o) / 2: halving is exact.
    terms = split * state.aggressor_demand() + (1.0 - split) * state.defender_offer()
    _propose(ctx, mask, PROPOSAL_CEASEFIRE, terms)


def _pressure_defender_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    """Pause aid to the side with more blame (Baunov; third parties allocate pressure by blame)."""
    state, roles = ctx.state, ctx.roles
    available = _active(ctx) & (state.aid_level >= AID_NORMAL)
    if not available.any():
        return available, NONE
    blame = _blame_weight(ctx) * (state.blame[:, roles.defender] - state.blame[:, roles.aggressor])
    beliefs = ctx.world.beliefs
    belief = beliefs.pause_aid_weight * (state.belief - beliefs.pause_aid_threshold)
    return available, {"blame": blame, "belief": belief, "cost": _cost(ctx)}


def _pressure_defender(ctx: Context, mask: np.ndarray) -> None:
    ctx.state.aid_level[mask] = AID_PAUSED
    ctx.state.record("aid_paused", mask)


def _increase_aid_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    state, roles = ctx.state, ctx.roles
    available = _active(ctx) & (state.aid_level <= AID_NORMAL)
    if not available.any():
        return available, NONE
    weights, beliefs = ctx.world.blame, ctx.world.beliefs
    blame = (
        _blame_weight(ctx)
        * weights.aid_weight
        * (state.blame[:, roles.aggressor] - state.blame[:, roles.defender] - weights.aid_offset)
    )
    belief = beliefs.aid_weight * (beliefs.sanctions_threshold - state.belief)
    return available, {"blame": blame, "belief": belief, "cost": _cost(ctx)}


def _increase_aid(ctx: Context, mask: np.ndarray) -> None:
    ctx.state.aid_level[mask] = np.where(
        ctx.state.aid_level[mask] < AID_NORMAL, AID_NORMAL, AID_INCREASED
    )


# --- defender ------------------------------------------------------------------------------------


def _counter_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    """Answer a rejection with its own terms, to share the blame back."""
    state = ctx.state
    available = _active(ctx) & _proposal_open(ctx) & _cooled_down(ctx)
    if not available.any():
        return available, NONE
    weights = ctx.world.blame
    recent = ctx.day - state.last_rejection_day[:, ctx.me] <= weights.counter_window_days
    blame = _blame_weight(ctx) * weights.rejection_weight * weights.counter_blame_share * recent
    return available, {"blame": blame, "cost": _cost(ctx)}


def _counter(ctx: Context, mask: np.ndarray) -> None:
    _propose(ctx, mask, PROPOSAL_CEASEFIRE, ctx.state.defender_offer())


def _strike_refineries_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    """Long-range strikes on refineries raise the aggressor's economic pressure (M5, M6)."""
    state, params = ctx.state, ctx.params
    available = _active(ctx) & ~state.moratorium
    if not available.any():
        return available, NONE
    military = (
        params.refinery_campaign * (1.0 - state.refinery_damage)
        + ctx.world.war.refinery_strike_value
    )
    return available, {"military": military, "cost": _cost(ctx)}


def _strike_refineries(ctx: Context, mask: np.ndarray) -> None:
    state = ctx.state
    hit = ctx.world.economy.refinery_damage_per_strike_day * ctx.params.refinery_campaign
    damage = state.refinery_damage
    state.refinery_damage = np.where(mask, damage + hit * (1.0 - damage), damage)


# --- supporters ----------------------------------------------------------------------------------


def _surge_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    """Rush air defence when strikes on cities are intense.

    Baunov: this is the pressure a strike moratorium would ease.
    """
    state = ctx.state
    since = ctx.day - ctx.state.surge_day[:, ctx.me]
    available = _active(ctx) & (since >= ctx.world.war.surge_cooldown_days)
    if not available.any():
        return available, NONE
    air = ctx.world.air_defense
    urgency = air.surge_weight * state.strike_urgency - air.surge_threshold
    return available, {"military": urgency, "cost": _cost(ctx)}


def _surge(ctx: Context, mask: np.ndarray) -> None:
    capacity = ctx.params.air_defense_capacity
    ctx.state.air_defense_delivered[mask] += at(capacity, mask)
    ctx.state.surge_day[mask, ctx.me] = ctx.day


def _own_sanctions_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    state, roles = ctx.state, ctx.roles
    available = _active(ctx) & ~ctx.state.own_sanctions[:, ctx.me]
    if not available.any():
        return available, NONE
    weights, economy = ctx.world.blame, ctx.world.economy
    blame = (
        _blame_weight(ctx)
        * weights.own_sanctions_weight
        * (state.blame[:, roles.aggressor] - weights.own_sanctions_offset)
    )
    follow = economy.own_sanctions_follow * (state.first_day["sanctions"] >= 0)
    material = follow - economy.own_sanctions_cost
    return available, {"blame": blame, "material": material, "cost": _cost(ctx)}


def _own_sanctions(ctx: Context, mask: np.ndarray) -> None:
    capacity = ctx.params.sanctions_capacity
    add = at(capacity, mask)
    ctx.state.add_sanctions(mask, add, coercer=False)
    ctx.state.own_sanctions[mask, ctx.me] = True


def _oppose_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    """Contest a proposal whose terms favour the aggressor, to blunt its blame-shifting."""
    state = ctx.state
    aggressors = state.proposal_by == ctx.roles.aggressor
    available = _active(ctx) & aggressors & (state.proposal_kind == PROPOSAL_CEASEFIRE)
    available &= ~state.proposal_opposed
    if not available.any():
        return available, NONE
    weights = ctx.world.blame
    material = weights.opposition_weight * (state.proposal_terms - weights.opposition_threshold)
    return available, {"material": material, "cost": _cost(ctx)}


def _oppose(ctx: Context, mask: np.ndarray) -> None:
    ctx.state.proposal_opposed[mask] = True


def _guarantees_utility(ctx: Context) -> tuple[np.ndarray, Components]:
    state, params = ctx.state, ctx.params
    available = _active(ctx) & (state.guarantees < params.guarantee_strength - TOLERANCE)
    if not available.any():
        return available, NONE
    beliefs = ctx.world.beliefs
    belief = (
        beliefs.guarantee_belief_weight * state.belief
        + beliefs.guarantee_progress_weight * state.progress
        - beliefs.guarantee_threshold
    )
    return available, {"belief": belief, "cost": _cost(ctx)}


def _guarantees(ctx: Context, mask: np.ndarray) -> None:
    strength = ctx.params.guarantee_strength
    value = at(strength, mask)
    ctx.state.guarantees[mask] = np.maximum(ctx.state.guarantees[mask], value)


# --- the catalogue -------------------------------------------------------------------------------


RULES: dict[str, Rule] = {
    "wait": Rule(_wait_utility, _nothing),
    "accept": Rule(_accept_utility, _answer(ACCEPT)),
    "reject": Rule(_reject_utility, _answer(REJECT)),
    "concede": Rule(_concede_utility, _concede),
    # the aggressor
    "offer_summit": Rule(_offer_summit_utility, _offer_summit),
    "propose_ceasefire": Rule(_propose_ceasefire_utility, _propose_ceasefire),
    "propose_moratorium": Rule(_propose_moratorium_utility, _propose_moratorium),
    "escalate_strikes": Rule(_escalate_utility, _escalate),
    # the coercer
    "impose_sanctions": Rule(_impose_utility, _impose),
    "extend_deadline": Rule(_extend_utility, _extend),
    "let_deadline_lapse": Rule(_lapse_utility, _lapse),
    "ease_sanctions": Rule(_ease_utility, _ease),
    "accept_summit": Rule(_accept_summit_utility, _accept_summit),
    "decline_summit": Rule(_decline_summit_utility, _decline_summit),
    "call_off_summit": Rule(_call_off_summit_utility, _call_off_summit),
    "propose_terms": Rule(_propose_terms_utility, _propose_terms),
    "pressure_defender": Rule(_pressure_defender_utility, _pressure_defender),
    "increase_aid": Rule(_increase_aid_utility, _increase_aid),
    # the defender
    "counter_propose": Rule(_counter_utility, _counter),
    "strike_refineries": Rule(_strike_refineries_utility, _strike_refineries),
    # supporters
    "surge_air_defense": Rule(_surge_utility, _surge),
    "own_sanctions": Rule(_own_sanctions_utility, _own_sanctions),
    "oppose_proposal": Rule(_oppose_utility, _oppose),
    "offer_guarantees": Rule(_guarantees_utility, _guarantees),
}
"""What each daily action of :data:`sim.scenario.catalogue.ACTIONS` does, by its name.

``accept_summit``/``decline_summit`` answer a summit offer (the coercer's, or the aggressor's
when it was offered to it), ``call_off_summit`` (either leader) cancels an agreed one;
``violate_moratorium`` is not a daily choice but the truce hazard of :mod:`sim.model.dynamics`,
attributed to one side (Fortna 2003), so it has no rule here."""


def actions_of(role: str) -> tuple[Action, ...]:
    """A role's daily actions, in the order of :data:`sim.scenario.catalogue.ACTIONS`.

    Raises:
        LookupError: a declared daily action has no rule, or a rule no declared action.

    """
    specs = catalogue.ACTIONS
    daily = {spec.name for spec in specs if spec.daily}
    missing = [name for name in daily if name not in RULES]
    extra = [name for name in RULES if name not in daily]
    if missing or extra:
        raise LookupError(
            f"actions declared without a rule in sim/model/actions.py RULES: {missing}; rules "
            f"without a declaration in sim/scenario/catalogue.py ACTIONS: {extra}"
        )
    return tuple(
        Action(spec, role, RULES[spec.name].utility, RULES[spec.name].apply)
        for spec in catalogue.of_role(role)
        if spec.daily
    )


class _Catalogue(Mapping[str, tuple[Action, ...]]):
    """Per role, :func:`actions_of` (built on each look-up: a new action is seen at once)."""

    def __getitem__(self, role: str) -> tuple[Action, ...]:
        if role not in catalogue.EVERY_ROLE:
            raise KeyError(role)
        return actions_of(role)

    def __iter__(self) -> Iterator[str]:
        return iter(catalogue.EVERY_ROLE)

    def __len__(self) -> int:
        return len(catalogue.EVERY_ROLE)


CATALOGUE: Mapping[str, tuple[Action, ...]] = _Catalogue()
"""Every role's actions, in a fixed order: waiting first, then the declared order."""
