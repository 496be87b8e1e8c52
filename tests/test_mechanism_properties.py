"""Properties of each mechanism's rules, as ``docs/model.md`` (section 7) states them.

The ensemble tests of ``tests/test_mechanisms.py`` show that each mechanism moves the outcomes;
they cannot tell a rule from a subtly wrong one (a sign flipped, a term dropped, a lag fixed).
These tests call one rule at a time -- a utility, an effect, a step of the dynamics -- on a few
worlds whose state they set, and check the direction and size of its effect against the
formula the documentation gives. They were written against the survivors of mutation testing
(``docs/testing.md``): each fails on at least one mutant the ensemble tests let through.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import dynamics
from sim.model.actions import ACCEPT, REJECT, RULES, deadline_face, rejection_blame
from sim.model.context import Context, derive
from sim.model.decision import choose
from sim.model.model import NegotiationModel
from sim.model.outcomes import OUTCOMES, classify, payoffs
from sim.model.state import (
    AID_INCREASED,
    AID_NORMAL,
    AID_PAUSED,
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
    SUMMIT_NONE,
    SUMMIT_OFFERED,
    SUMMIT_SCHEDULED,
)
from tests.conftest import bundled

WORLDS = 6


def model(scenario: str = "summit.yaml", *overrides: str, worlds: int = WORLDS) -> NegotiationModel:
    """A freshly built model on day 0 (no step taken): its state is the test's to set."""
    return NegotiationModel(bundled(scenario, *overrides), worlds=worlds, rng=3)


def view(m: NegotiationModel, role: str, responding: np.ndarray | None = None) -> Context:
    """``role``'s view of today, with the derived quantities recomputed from the current state."""
    m.derived = derive(m.state, m.world, m.actor_params, m.roles, m.expected_success)
    me = m.roles.supporters[0] if role == "supporter" else getattr(m.roles, role)
    if responding is None:
        responding = np.zeros(m.state.n, dtype=bool)
    return Context(m.state, m.world, m.actor_params, m.roles, me, m.derived, responding=responding)


def utility(name: str, ctx: Context) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    return RULES[name].utility(ctx)


def apply(name: str, ctx: Context, mask: np.ndarray) -> None:
    RULES[name].apply(ctx, mask)


def quiet(*_args) -> None:
    """A ``note`` callback that narrates nothing."""


def close(actual, expected) -> None:
    actual, expected = np.broadcast_arrays(np.asarray(actual, float), np.asarray(expected, float))
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12)


# --- M1 Paralysis: audience costs ---------------------------------------------------------------


def test_m1_each_further_extension_raises_the_audience_cost_of_letting_the_deadline_pass():
    """M1: ``−WA · cost · ((1 + growth · ext) · (1 − φ · progress) + repeat · ext)``."""
    m = model()
    state, face = m.state, m.world.face
    coercer = m.actor_params[m.roles.coercer]
    state.deadline_day[:] = 0
    state.deadline_cost[:] = np.array([1.0, 1.0, 1.0, 1.0, 0.5, 2.0])
    state.extensions[:] = np.array([0, 1, 2, 3, 1, 1])
    state.progress[:] = 0.0
    available, parts = utility("extend_deadline", view(m, "coercer"))
    assert available.all()
    cost = parts["face"]
    assert (np.diff(cost[:4]) < 0).all()  # each extension costs more face
    step = coercer.weakness_aversion * (face.audience_cost_growth + face.repeat_extension_cost)
    close(np.diff(cost[:4]), -step)  # by the same amount: linear growth (Fearon 1994)
    close(cost[0], -coercer.weakness_aversion)
    close(cost[4:], cost[1] * np.array([0.5, 2.0]))  # proportional to the deadline's cost
    # Full progress forgives most of the cost, but not the part each repeated extension adds.
    state.progress[:] = 1.0
    forgiven = deadline_face(view(m, "coercer"))
    phi = coercer.summit_forgiveness
    unforgiven = face.audience_cost_growth * (1 - phi) + face.repeat_extension_cost
    close(np.diff(forgiven[:4]), -coercer.weakness_aversion * unforgiven)
    close(forgiven[0], -coercer.weakness_aversion * (1 - phi))


def test_m1_m2_visible_progress_forgives_the_audience_cost():
    """The summit off-ramp: the cost shrinks by ``summit_forgiveness · progress`` (M2)."""
    m = model()
    state = m.state
    coercer = m.actor_params[m.roles.coercer]
    state.deadline_day[:] = 0
    state.deadline_cost[:] = 1.0
    state.extensions[:] = 2
    state.progress[:] = np.array([0.0, 0.2, 0.5, 0.8, 1.0, 0.0])
    cost = deadline_face(view(m, "coercer"))
    face = m.world.face
    grown = 1 + face.audience_cost_growth * 2
    repeated = face.repeat_extension_cost * 2  # not forgiven by progress
    forgiven = 1 - coercer.summit_forgiveness * state.progress
    close(cost, -coercer.weakness_aversion * (grown * forgiven + repeated))
    assert (np.diff(cost[:5]) > 0).all()  # more progress, less face lost
    stronger = model("summit.yaml", "actors.usa.weakness_aversion=0.9")
    weaker = model("summit.yaml", "actors.usa.weakness_aversion=0.3")
    for m in (stronger, weaker):
        m.state.deadline_cost[:] = 1.0
        m.state.deadline_day[:] = 0
    assert (deadline_face(view(stronger, "coercer")) < deadline_face(view(weaker, "coercer"))).all()


@pytest.mark.parametrize("action", ["extend_deadline", "let_deadline_lapse"])
def test_m1_extending_or_lapsing_is_offered_only_on_the_deadline_day_of_a_live_world(action):
    m = model()
    state = m.state
    state.deadline_day[:] = np.array([0, 0, 1, np.inf, 0, 0])
    state.settled[:] = np.array([False, True, False, False, False, False])
    available, _ = utility(action, view(m, "coercer"))
    assert available.tolist() == [True, False, False, False, True, True]


def test_m1_extending_moves_the_deadline_and_costs_credibility():
    m = model()
    state = m.state
    state.day = 4
    state.deadline_day[:] = 4
    state.credibility[:] = 0.8
    mask = np.array([True, False, True, False, False, True])
    apply("extend_deadline", view(m, "coercer"), mask)
    coercer, face = m.actor_params[m.roles.coercer], m.world.face
    close(state.deadline_day[mask], 4 + coercer.deadline_extension_days)
    close(state.deadline_day[~mask], 4)
    assert state.extensions.tolist() == [1, 0, 1, 0, 0, 1]
    close(state.credibility[mask], 0.8 * face.credibility_keep)
    close(state.credibility[~mask], 0.8)


def test_m1_m2_lapsing_pays_the_forgiven_cost_once_with_a_premium_and_not_the_repeat_cost():
    """Lapse: ``−WA · cost · (1 + growth · ext) · (1 − φ · progress) · (1 + premium)``."""
    m = model()
    state, face = m.state, m.world.face
    coercer = m.actor_params[m.roles.coercer]
    wa, phi = coercer.weakness_aversion, coercer.summit_forgiveness
    state.deadline_day[:] = 0
    state.deadline_cost[:] = np.array([1.0, 1.0, 1.0, 2.0, 1.0, 1.0])
    state.extensions[:] = np.array([0, 1, 4, 1, 4, 4])
    state.progress[:] = np.array([0.0, 0.0, 0.0, 0.0, 0.5, 1.0])
    available, parts = utility("let_deadline_lapse", view(m, "coercer"))
    assert available.all() and set(parts) == {"face"}
    grown = state.deadline_cost * (1 + face.audience_cost_growth * state.extensions)
    forgiven = 1 - phi * state.progress
    close(parts["face"], -wa * grown * forgiven * (1 + face.lapse_premium))
    assert face.lapse_premium > 0  # the test below needs a premium to tell the two apart
    # With no extension yet, dropping the threat costs more than postponing it ...
    _, extend = utility("extend_deadline", view(m, "coercer"))
    assert parts["face"][0] < extend["face"][0]
    # ... but the unforgiven repeat cost is not paid: after enough extensions and progress,
    # lapsing is the cheaper climb-down (Greene's off-ramp).
    state.extensions[:] = 12
    state.progress[:] = 1.0
    _, lapse = utility("let_deadline_lapse", view(m, "coercer"))
    _, extend = utility("extend_deadline", view(m, "coercer"))
    assert (lapse["face"] > extend["face"]).all()


def test_m1_lapsing_clears_the_deadline_costs_credibility_and_is_recorded():
    m = model()
    state = m.state
    state.day = 4
    state.deadline_day[:] = 4
    state.extensions[:] = 2
    state.credibility[:] = 0.8
    mask = np.array([True, False, True, False, False, True])
    apply("let_deadline_lapse", view(m, "coercer"), mask)
    face = m.world.face
    assert np.isinf(state.deadline_day[mask]).all()
    close(state.deadline_day[~mask], 4)
    assert state.extensions.tolist() == [2] * 6  # not an extension
    close(state.credibility[mask], 0.8 * face.lapse_credibility_keep)
    close(state.credibility[~mask], 0.8)
    days = state.first_day["deadline_lapsed"]
    close(days[mask], 4)
    assert np.isnan(days[~mask]).all()


def test_m1_m6_sanctions_that_may_fail_cost_face_and_success_is_worth_more():
    """``impose_sanctions``: material, belief, blame and face components of docs/model.md M6."""
    m = model()
    state, world = m.state, m.world
    economy, beliefs, face = world.economy, world.beliefs, world.face
    coercer = m.actor_params[m.roles.coercer]
    state.belief[:] = np.array([0.1, 0.3, 0.5, 0.7, 0.9, 0.5])
    state.blame[:] = np.array([[0.7, 0.1, 0.1, 0.1]] * 5 + [[0.1, 0.1, 0.7, 0.1]])
    ctx = view(m, "coercer")
    ctx.derived.perceived_success = np.array([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    _, parts = utility("impose_sanctions", ctx)
    success = ctx.derived.perceived_success
    close(parts["face"], -coercer.weakness_aversion * face.failure_cost * (1 - success))
    close(
        parts["material"],
        economy.sanctions_material_weight * success
        - coercer.sanction_cost
        + economy.sanctions_material_bias,
    )
    close(
        parts["belief"],
        beliefs.sanctions_weight * (beliefs.sanctions_threshold - state.belief)
        + beliefs.sanctions_bias,
    )
    weight = coercer.blame_sensitivity * world.decision.blame_scale
    b = state.blame
    close(parts["blame"], weight * world.blame.sanctions_weight * (b[:, 0] - b[:, 2]))
    assert parts["blame"][0] > 0 > parts["blame"][5]  # pressure goes to the side with more blame
    assert (np.diff(parts["face"]) > 0).all()  # likelier success, less face at stake
    assert np.all(
        parts["belief"][:-1][np.diff(state.belief) > 0]
        > parts["belief"][1:][np.diff(state.belief) > 0]
    )


def test_m6_sanctions_on_the_deadline_day_are_free_and_a_scheduled_summit_holds_them_off():
    m = model()
    state = m.state
    state.deadline_day[:] = np.array([0, 0, 5, 5, 5, 5])
    state.summit_status[:] = np.array(
        [SUMMIT_SCHEDULED, SUMMIT_NONE, SUMMIT_SCHEDULED, SUMMIT_OFFERED, SUMMIT_NONE, SUMMIT_NONE]
    )
    state.sanctions_level[5] = 1.0
    available, parts = utility("impose_sanctions", view(m, "coercer"))
    assert available.tolist() == [True, True, False, True, True, False]
    cost = m.world.decision.action_cost
    close(parts["cost"], np.array([0, 0, -cost, -cost, -cost, -cost]))


def test_m6_imposing_sanctions_raises_the_level_clears_the_deadline_and_gains_credibility():
    m = model()
    state = m.state
    state.day = 3
    state.deadline_day[:] = 3
    state.credibility[:] = np.array([0.5, 0.95, 0.5, 0.5, 0.5, 0.5])
    state.coercer_sanctions[:] = np.array([0.0, 0.0, 0.8, 0.0, 0.0, 0.0])
    state.sanctions_level[:] = state.coercer_sanctions
    mask = np.array([True, True, True, False, False, False])
    apply("impose_sanctions", view(m, "coercer"), mask)
    economy, face = m.world.economy, m.world.face
    close(state.coercer_sanctions, [economy.sanctions_step, economy.sanctions_step, 1.0, 0, 0, 0])
    close(state.sanctions_level, state.coercer_sanctions)
    assert np.isinf(state.deadline_day[mask]).all() and (state.deadline_day[~mask] == 3).all()
    close(
        state.credibility,
        [0.5 + face.credibility_gain, 1.0, 0.5 + face.credibility_gain, 0.5, 0.5, 0.5],
    )
    assert state.first_day["sanctions"][mask].tolist() == [3, 3, 3]
    assert np.isnan(state.first_day["sanctions"][~mask]).all()


def test_m1_m7_a_core_concession_costs_more_face_than_a_non_core_one():
    """``face = −WA · caving_cost · concession_weight · step · visible``.

    ``visible`` is 1 on a core issue and ``face.non_core_share`` on a non-core one.
    """
    m = model()
    state = m.state
    state.sincere[:] = True
    aggressor = m.actor_params[m.roles.aggressor]
    # World 0: most room on territory (core); world 1: on sanctions relief (non-core).
    state.aggressor_by_issue[:] = 0.3
    state.aggressor_by_issue[0, 0] = 0.9
    state.aggressor_by_issue[2, 1] = 0.9
    state.economic_pressure[:] = 0.4
    state.credibility[:] = 0.5
    ctx = view(m, "aggressor")
    available, parts = utility("concede", ctx)
    face, bargaining = m.world.face, m.world.bargaining
    full = -aggressor.weakness_aversion * face.caving_cost * face.concession_weight
    full *= bargaining.concession_step
    close(parts["face"][:2], [full, full * face.non_core_share])
    assert parts["face"][0] < parts["face"][1] < 0
    # material = concession_weight · urgency · min(room, cap); urgency = pressure + threat · cred.
    _, room, _ = dynamics_free_gap(ctx)
    urgency = state.economic_pressure + ctx.derived.threat * state.credibility
    close(
        parts["material"][available],
        (bargaining.concession_weight * urgency * np.minimum(room, bargaining.concession_room_cap))[
            available
        ],
    )


def dynamics_free_gap(ctx: Context):
    """The concession gap the rule computed for ``ctx`` (cached within the decision)."""
    return ctx.cache["concession_gap"]


def test_m3_m7_a_resolved_stalling_aggressor_never_concedes_on_the_core_issues():
    """Resolve 1: non-core issues down to ``max(war value, core_demand − framing_room)`` only."""
    m = model()
    state = m.state
    state.sincere[:] = np.array([False, False, False, True, True, True])
    state.resolve[:] = np.where(state.sincere, 0.0, 1.0)  # the day-0 resolve of each type (M9)
    state.aggressor_by_issue[:] = 0.9
    ctx = view(m, "aggressor")
    utility("concede", ctx)
    _, room, issue = dynamics_free_gap(ctx)
    aggressor, bargaining = m.actor_params[m.roles.aggressor], m.world.bargaining
    war_value = np.clip(ctx.derived.aggressor_war_value, 0, 1)
    framing = 0.9 - max(aggressor.core_demand - bargaining.framing_room, 0)
    close(room[:3], np.minimum(framing, 0.9 - war_value[:3]))
    assert set(issue[:3].tolist()) == {2}  # the first non-core issue: sanctions relief
    close(room[3:], 0.9 - war_value[3:])
    assert set(issue[3:].tolist()) == {0}  # a sincere one starts with territory (first of a tie)
    mask = np.ones(WORLDS, dtype=bool)
    apply("concede", ctx, mask)
    positions = state.aggressor_positions
    moved = np.minimum(bargaining.concession_step, room)
    close(positions[:3, 0], 0.9)  # a staller's territory demand never moves
    close(positions[:3, 2], 0.9 - moved[:3])
    close(positions[3:, 0], 0.9 - moved[3:])  # a sincere aggressor moves on territory
    assert (state.signals[:3] == SIGNAL_MINOR).all()
    assert (state.concessions[:, m.roles.aggressor] == 1).all()


def test_m7_the_defender_concedes_toward_its_maximum_terms_under_paused_aid_and_blame():
    """Defender urgency: ``aid_urgency · (1 − aid_level) + blame_urgency · B_def``."""
    m = model()
    state = m.state
    state.defender_by_issue[:] = 0.0
    state.aid_level[:] = np.array([AID_PAUSED, AID_NORMAL, AID_INCREASED, AID_NORMAL, 0, 0])
    state.blame[:, :] = np.array([[0.4, 0.1, 0.4, 0.1]] * 3 + [[0.1, 0.1, 0.7, 0.1]] * 3)
    ctx = view(m, "defender")
    available, parts = utility("concede", ctx)
    bargaining = m.world.bargaining
    urgency = (
        bargaining.aid_urgency * (1 - state.aid_level)
        + bargaining.blame_urgency * state.blame[:, 2]
    )
    room = np.clip(ctx.derived.defender_max_terms, 0, 1)
    close(
        parts["material"],
        bargaining.concession_weight * urgency * np.minimum(room, bargaining.concession_room_cap),
    )
    apply("concede", ctx, available)
    step = np.minimum(bargaining.concession_step, room)
    close(state.defender_positions[available, 0], step[available])  # moved up, toward the aggressor


def test_m1_m7_accepting_below_ones_position_costs_face_and_outside_the_set_is_impossible():
    """``accept``: material ``acceptance_weight · surplus``, face on the caved amount; hard veto."""
    m = model()
    state = m.state
    state.sincere[:] = True
    state.proposal_kind[:] = PROPOSAL_CEASEFIRE
    state.proposal_by[:] = m.roles.defender
    state.proposal_terms[:] = np.array([0.1, 0.3, 0.5, 0.7, 0.9, 1.0])
    responding = np.ones(WORLDS, dtype=bool)
    ctx = view(m, "aggressor", responding)
    available, parts = utility("accept", ctx)
    reservation = ctx.derived.aggressor_reservation
    assert available.tolist() == (state.proposal_terms >= reservation).tolist()
    assert not available.all() and available.any()
    face, bargaining = m.world.face, m.world.bargaining
    aggressor = m.actor_params[m.roles.aggressor]
    terms = state.proposal_terms
    close(
        parts["material"], bargaining.acceptance_weight * (terms - ctx.derived.aggressor_war_value)
    )
    caved = np.clip(state.aggressor_demand() - terms, 0, None)
    close(
        parts["face"],
        -face.caving_cost * aggressor.weakness_aversion * face.acceptance_weight * caved,
    )
    # The defender: terms at most its maximum terms; surplus max_terms − terms.
    state.proposal_by[:] = m.roles.aggressor
    ctx = view(m, "defender", responding)
    available, parts = utility("accept", ctx)
    limit = ctx.derived.defender_max_terms
    assert available.tolist() == (terms <= limit).tolist()
    close(parts["material"], bargaining.acceptance_weight * (limit - terms))
    defender = m.actor_params[m.roles.defender]
    caved = np.clip(terms - state.defender_offer(), 0, None)
    close(
        parts["face"],
        -face.caving_cost * defender.weakness_aversion * face.acceptance_weight * caved,
    )
    # Terms better than its own public offer cost it no face: nothing is caved.
    state.defender_by_issue[:] = 0.6
    better = terms < state.defender_offer()
    assert better.any() and not better.all()
    _, parts = utility("accept", view(m, "defender", responding))
    close(parts["face"][better], 0.0)
    assert (parts["face"][~better] < 0).all()


def test_m5_accepting_a_moratorium_is_never_vetoed_and_costs_no_face():
    m = model()
    state = m.state
    state.proposal_kind[:] = PROPOSAL_MORATORIUM
    state.proposal_by[:] = m.roles.aggressor
    state.proposal_terms[:] = 0.99
    state.strike_urgency[:] = np.linspace(0, 1, WORLDS)
    ctx = view(m, "defender", np.ones(WORLDS, dtype=bool))
    available, parts = utility("accept", ctx)
    assert available.all()
    war = m.world.war
    defender = m.actor_params[m.roles.defender]
    close(
        parts["material"],
        war.defender_moratorium_value
        - war.defender_moratorium_campaign * defender.refinery_campaign
        - war.defender_moratorium_urgency * state.strike_urgency,
    )
    close(parts["face"], 0.0)


# --- M2 Summit off-ramp -------------------------------------------------------------------------


PER_WORLD_AVERSION = (
    "actors.usa.weakness_aversion={dist: uniform, low: 0.1, high: 0.9}",
    "actors.russia.weakness_aversion={dist: uniform, low: 0.2, high: 0.8}",
)
"""Weakness aversion drawn per world, as a distribution or a sensitivity design makes it."""


@pytest.mark.parametrize("overrides", [(), PER_WORLD_AVERSION], ids=["constant", "per-world"])
def test_m2_a_held_summit_raises_both_the_coercers_and_the_aggressors_face(overrides):
    """``hold_summits``: ``face += summit.face · WA`` for the coercer **and** the aggressor."""
    m = model("summit.yaml", *overrides)
    state, roles = m.state, m.roles
    state.day = 8
    state.summit_status[:] = np.array(
        [SUMMIT_SCHEDULED, SUMMIT_SCHEDULED, SUMMIT_SCHEDULED, SUMMIT_OFFERED, SUMMIT_NONE, 0]
    )
    state.summit_day[:] = np.array([8, 5, 9, 8, np.inf, np.inf])
    dynamics.hold_summits(state, roles, m.actor_params, m.world.summit, quiet)
    held = np.array([True, True, False, False, False, False])
    summit_face = m.world.summit.face
    for actor in (roles.coercer, roles.aggressor):
        wa = m.actor_params[actor].weakness_aversion
        close(state.face[:, actor], summit_face * wa * held)
    close(state.face[:, roles.defender], 0.0)
    assert (state.summit_status[held] == SUMMIT_HELD).all()
    assert state.summit_status[2] == SUMMIT_SCHEDULED
    close(state.progress, 1.0 * held)
    assert (state.signals[held] == SIGNAL_STATEMENT).all() and (state.signals[~held] == 0).all()
    assert state.first_day["summit"][:2].tolist() == [8, 8]


def test_m2_accepting_a_summit_is_an_off_ramp_worth_the_forgiven_audience_cost():
    """``face = WA · φ · pending``; ``belief = weight · (π + credulity_weight · credulity − θ)``."""
    m = model()
    state = m.state
    state.summit_status[:] = SUMMIT_OFFERED
    state.deadline_day[:] = np.array([3, 3, np.inf, np.inf, 3, 3])
    state.deadline_cost[:] = np.array([1.0, 0.5, 1.0, 1.0, 2.0, 1.0])
    state.belief[:] = np.array([0.2, 0.4, 0.6, 0.8, 0.5, 0.5])
    available, parts = utility("accept_summit", view(m, "coercer"))
    assert available.all()
    coercer, summit, beliefs = m.actor_params[m.roles.coercer], m.world.summit, m.world.beliefs
    pending = np.where(
        np.isfinite(state.deadline_day), state.deadline_cost, summit.stake_without_deadline
    )
    close(parts["face"], coercer.weakness_aversion * coercer.summit_forgiveness * pending)
    trust = state.belief + summit.credulity_weight * coercer.credulity
    close(parts["belief"], summit.belief_weight * (trust - beliefs.sanctions_threshold))
    assert "cost" not in parts


def test_m2_accepting_schedules_the_summit_and_brings_progress():
    m = model()
    state = m.state
    state.day = 2
    state.summit_status[:] = SUMMIT_OFFERED
    state.summit_day[:] = np.array([9, 2, 9, 9, 9, 9])
    state.progress[:] = np.array([0.0, 0.0, 0.95, 0.0, 0.0, 0.0])
    mask = np.array([True, True, True, False, False, False])
    apply("accept_summit", view(m, "coercer"), mask)
    accepted = m.world.summit.accepted_progress
    assert (state.summit_status[mask] == SUMMIT_SCHEDULED).all()
    assert (state.summit_status[~mask] == SUMMIT_OFFERED).all()
    close(state.summit_day[:3], [9, 3, 9])  # at the earliest the next day
    close(state.progress, [accepted, accepted, 0.95, 0, 0, 0])
    close(state.summit_changed_day[mask], 2)


def test_m2_declining_stands_firm_and_closes_the_offer():
    m = model()
    state = m.state
    state.day = 2
    state.deadline_day[:] = np.array([5, 5, 5, np.inf, 2, 2])  # a deadline day leaves no answer
    state.summit_status[:] = SUMMIT_OFFERED
    state.summit_day[:] = 9
    ctx = view(m, "coercer")
    available, parts = utility("decline_summit", ctx)
    coercer = m.actor_params[m.roles.coercer]
    assert available.tolist() == [True] * 4 + [False] * 2
    close(parts["face"], m.world.summit.decline_face * coercer.weakness_aversion)
    mask = np.array([True, False] * 3)
    apply("decline_summit", ctx, mask)
    assert (state.summit_status[mask] == SUMMIT_DECLINED).all()
    assert np.isinf(state.summit_day[mask]).all() and (state.summit_day[~mask] == 9).all()
    close(state.summit_changed_day[mask], 2)


def test_m2_a_summit_offer_lapses_after_answer_days_unanswered():
    m = model()
    state, summit = m.state, m.world.summit
    state.day = 10
    state.summit_status[:] = SUMMIT_OFFERED
    days = summit.answer_days
    state.summit_changed_day[:] = 10 - np.array([days + 1, days, days - 1, 0, days, days])
    state.summit_status[5] = SUMMIT_SCHEDULED
    state.summit_day[:] = 20
    dynamics.lapse_summit_offers(state, summit, quiet)
    lapsed = np.array([True, True, False, False, True, False])
    assert (state.summit_status[lapsed] == SUMMIT_DECLINED).all()
    assert state.summit_status[~lapsed].tolist() == [
        SUMMIT_OFFERED,
        SUMMIT_OFFERED,
        SUMMIT_SCHEDULED,
    ]
    assert np.isinf(state.summit_day[lapsed]).all() and (state.summit_day[~lapsed] == 20).all()
    close(state.summit_changed_day[lapsed], 10)


def test_m2_the_aggressor_offers_a_summit_under_a_credible_near_threat():
    """``threat = harm · max(threat_t, no_deadline · (1 − π)) · credibility · (1 − level)``."""
    m = model()
    state, summit = m.state, m.world.summit
    state.day = 40
    state.deadline_day[:] = np.array([40, 42, 60, np.inf, np.inf, np.inf])
    state.credibility[:] = np.array([1.0, 0.8, 1.0, 1.0, 1.0, 1.0])
    state.sanctions_level[:] = np.array([0.0, 0.5, 0.0, 0.0, 0.0, 0.0])
    state.summit_status[:] = np.array(
        [SUMMIT_NONE, SUMMIT_NONE, SUMMIT_DECLINED, SUMMIT_HELD, SUMMIT_DECLINED, SUMMIT_OFFERED]
    )
    state.summit_changed_day[:] = np.array(
        [
            -np.inf,
            -np.inf,
            40 - summit.reoffer_days,
            40 - summit.reoffer_days,
            40 - summit.reoffer_days + 1,
            0,
        ]
    )
    ctx = view(m, "aggressor")
    available, parts = utility("offer_summit", ctx)
    assert available.tolist() == [True, True, True, True, False, False]
    pressure = np.maximum(ctx.derived.threat, summit.pressure_without_deadline * (1 - state.belief))
    harm = m.world.economy.sanctions_harm
    close(parts["threat"], harm * pressure * state.credibility * (1 - state.sanctions_level))
    assert parts["threat"][0] > parts["threat"][2] > 0  # a nearer deadline, a stronger threat
    aggressor = m.actor_params[m.roles.aggressor]
    close(parts["standing"], summit.standing_share * summit.face * aggressor.weakness_aversion)
    state.summit_status[:] = SUMMIT_NONE
    apply("offer_summit", ctx, np.ones(WORLDS, dtype=bool))
    close(state.summit_day, 40 + summit.lead_days)
    assert (state.summit_status == SUMMIT_OFFERED).all()


def test_m2_progress_fades_unless_a_summit_is_scheduled():
    m = model()
    state = m.state
    state.progress[:] = 1.0
    state.summit_status[:] = np.array([SUMMIT_SCHEDULED, SUMMIT_HELD, SUMMIT_NONE, 0, 0, 0])
    dynamics.decay_progress(state, m.rates)
    keep = 0.5 ** (1 / m.world.face.progress_halflife_days)
    close(state.progress, [1.0, keep, keep, keep, keep, keep])
    assert keep < 1


# --- M3 Framing: Bayes on the aggressor's type ---------------------------------------------------


def test_m3_each_signal_moves_the_belief_by_its_likelihood_ratio():
    m = model()
    state, beliefs = m.state, m.world.beliefs
    coercer = m.actor_params[m.roles.coercer]
    state.belief[:] = 0.5
    state.signals[:] = np.array(
        [SIGNAL_NONE, SIGNAL_MINOR, SIGNAL_CORE, SIGNAL_STATEMENT, SIGNAL_STRIKE_PAUSE, SIGNAL_NONE]
    )
    dynamics.update_beliefs(state, beliefs, m.rates)
    boost = beliefs.credulity_boost * coercer.credulity
    ratios = np.array(
        [
            beliefs.daily_lr,
            beliefs.minor_concession_lr + boost,
            beliefs.core_concession_lr,
            beliefs.statement_lr + boost,
            beliefs.strike_pause_lr,
            beliefs.daily_lr,
        ]
    )
    close(state.belief, ratios / (ratios + 1))  # π' = πL / (πL + 1 − π) at π = 0.5
    assert state.belief[0] < 0.5 < state.belief[2]  # a quiet day is weak evidence of stalling
    state.belief[:] = 0.2
    state.signals[:] = SIGNAL_CORE
    dynamics.update_beliefs(state, beliefs, m.rates)
    lr = beliefs.core_concession_lr
    close(state.belief, 0.2 * lr / (0.2 * lr + 0.8))


def test_m3_beliefs_stay_off_certainty():
    m = model()
    state = m.state
    state.belief[:] = np.array([1e-9, 1 - 1e-9, 0.5, 0.5, 0.5, 0.5])
    dynamics.update_beliefs(state, m.world.beliefs, m.rates)
    assert (state.belief >= 1e-6).all() and (state.belief <= 1 - 1e-6).all()
    close(state.belief[:2], [1e-6, 1 - 1e-6])


# --- M4 Blame shifting ---------------------------------------------------------------------------


def test_m4_a_rejection_moves_blame_by_the_proposals_reasonableness():
    """``amount = rejection_weight · (framing · 1 + (1 − framing) · value) · damping``."""
    m = model()
    state, blame = m.state, m.world.blame
    state.proposal_kind[:] = np.array([PROPOSAL_CEASEFIRE] * 4 + [PROPOSAL_MORATORIUM] * 2)
    state.proposal_terms[:] = np.array([0.2, 0.8, 0.2, 0.8, 0.2, 0.8])
    state.proposal_opposed[:] = np.array([False, False, True, True, False, True])
    ctx = view(m, "defender")
    f, w = blame.framing_weight, blame.rejection_weight
    damping = 1 - blame.opposition_damping * state.proposal_opposed
    for rejecter, value in (
        (m.roles.defender, 1 - state.proposal_terms),
        (m.roles.aggressor, state.proposal_terms),
    ):
        value = np.where(
            state.proposal_kind == PROPOSAL_MORATORIUM, blame.moratorium_fairness, value
        )
        close(rejection_blame(ctx, rejecter), w * (f + (1 - f) * value) * damping)
    moved = rejection_blame(ctx, m.roles.defender)
    assert moved[0] > moved[1] > 0  # better terms for the rejecter, more blame for saying no
    assert moved[2] < moved[0]  # a supporter's opposition blunts it


def test_m4_resolving_a_rejection_puts_blame_on_the_rejecter_and_a_double_yes_settles():
    m = model()
    state, roles = m.state, m.roles
    state.day = 5
    state.proposal_kind[:] = np.array([PROPOSAL_CEASEFIRE] * 4 + [PROPOSAL_MORATORIUM] * 2)
    state.proposal_by[:] = roles.aggressor
    state.proposal_day[:] = np.array([4, 4, 4, 5, 4, 4])  # world 3: made today, not yet due
    state.proposal_terms[:] = 0.5
    state.answers[:, roles.defender] = np.array([REJECT, ACCEPT, REJECT, REJECT, ACCEPT, REJECT])
    before = state.blame.copy()
    ctx = view(m, "aggressor")
    expected = rejection_blame(ctx, roles.defender)
    dynamics.resolve_proposals(ctx, m.actor_names, quiet)
    rejected = np.array([True, False, True, False, False, True])
    d = roles.defender
    raised = before[:, d] + expected
    close(state.blame[rejected, d], (raised / (1 + expected))[rejected])
    close(state.blame[~rejected], before[~rejected])
    assert state.rejections[:, d].tolist() == rejected.astype(int).tolist()
    close(state.last_rejection_day[rejected, d], 5)
    assert state.settled.tolist() == [False, True, False, False, False, False]
    assert state.moratorium.tolist() == [False, False, False, False, True, False]
    assert (
        state.proposal_kind.tolist()
        == [PROPOSAL_NONE] * 3 + [PROPOSAL_CEASEFIRE] + [PROPOSAL_NONE] * 2
    )
    assert state.first_day["settlement"][1] == 5


def test_m4_onlookers_tire_of_an_offer_already_refused():
    """Rejection blame and a proposal's blame motive shrink by ``repeat_discount ** rebuffs``."""
    m = model()
    state, roles, blame = m.state, m.roles, m.world.blame
    state.proposal_kind[:] = PROPOSAL_CEASEFIRE
    state.proposal_terms[:] = 0.5
    state.proposal_by[:] = np.array([roles.aggressor] * 4 + [roles.defender] * 2)
    fresh = rejection_blame(view(m, "defender"), roles.defender)
    state.rebuffs[:, roles.aggressor] = np.array([0, 1, 2, 3, 0, 5])
    state.rebuffs[:, roles.defender] = np.array([4, 4, 4, 4, 2, 0])
    tired = np.array([0, 1, 2, 3, 2, 0])  # the rebuffs of each world's proposer
    close(
        rejection_blame(view(m, "defender"), roles.defender), fresh * blame.repeat_discount**tired
    )
    # The aggressor's motive to propose again shrinks with its own rebuffs (timing by prospects).
    state.proposal_kind[:] = PROPOSAL_NONE
    ctx = view(m, "aggressor")
    own = blame.repeat_discount ** state.rebuffs[:, roles.aggressor]
    _, ceasefire = utility("propose_ceasefire", ctx)
    _, moratorium = utility("propose_moratorium", ctx)
    state.rebuffs[:] = 0
    ctx = view(m, "aggressor")
    _, ceasefire0 = utility("propose_ceasefire", ctx)
    _, moratorium0 = utility("propose_moratorium", ctx)
    close(ceasefire["blame"], ceasefire0["blame"] * own)
    close(moratorium["blame"], moratorium0["blame"] * own)
    assert (np.diff(ceasefire["blame"][:4]) < 0).all()


def test_m4_each_rejected_proposal_counts_one_rebuff_after_both_answers():
    """Both veto players weigh the same past: the rebuff is counted once, after the answers."""
    m = model()
    state, roles = m.state, m.roles
    state.day = 5
    state.proposal_kind[:] = PROPOSAL_CEASEFIRE
    state.proposal_by[:] = roles.coercer
    state.proposal_day[:] = 4
    state.proposal_terms[:] = 0.5
    state.rebuffs[:, roles.coercer] = 1
    state.answers[:, roles.aggressor] = np.array([REJECT, REJECT, ACCEPT, ACCEPT, REJECT, ACCEPT])
    state.answers[:, roles.defender] = np.array([REJECT, ACCEPT, REJECT, ACCEPT, REJECT, REJECT])
    before = state.blame.copy()
    ctx = view(m, "aggressor")
    a, d = roles.aggressor, roles.defender
    by_aggressor, by_defender = rejection_blame(ctx, a), rejection_blame(ctx, d)
    dynamics.resolve_proposals(ctx, m.actor_names, quiet)
    both = np.array([True, False, False, False, True, False])
    rejected_any = np.array([True, True, True, False, True, True])
    assert state.rebuffs[:, roles.coercer].tolist() == (1 + rejected_any).tolist()
    expected = before.copy()
    for actor, amount, mask in (
        (a, by_aggressor, state.answers[:, a] == REJECT),
        (d, by_defender, state.answers[:, d] == REJECT),
    ):
        expected[mask, actor] += amount[mask]
        expected[mask] /= expected[mask].sum(axis=1, keepdims=True)
    close(state.blame[both], expected[both])


@pytest.mark.parametrize("role", ["defender", "aggressor"])
def test_m4_rejecting_costs_the_rejecters_blame_weight(role):
    """The blame a rejection costs is the rejecter's own: terms read from its side (M4)."""
    m = model()
    state = m.state
    state.proposal_kind[:] = PROPOSAL_CEASEFIRE
    state.proposal_terms[:] = np.linspace(0.1, 0.7, WORLDS)
    ctx = view(m, role, np.ones(WORLDS, dtype=bool))
    available, parts = utility("reject", ctx)
    assert available.all()
    rejecter, other = getattr(m.roles, role), m.roles.aggressor + m.roles.defender
    close(parts["blame"], -ctx.blame_weight * rejection_blame(ctx, rejecter))
    mirrored = rejection_blame(ctx, other - rejecter)  # the other side's reading of the terms
    assert not np.allclose(parts["blame"], -ctx.blame_weight * mirrored)


def test_m4_a_ceasefire_proposal_the_defender_must_reject_wins_blame():
    """``blame = bw · w · reasonableness(1, 1 − demand) · (1 if rejected else accepted share)``."""
    m = model()
    state = m.state
    state.aggressor_by_issue[:] = np.array([0.9, 0.9, 0.3, 0.3, 0.9, 0.2])
    ctx = view(m, "aggressor")
    available, parts = utility("propose_ceasefire", ctx)
    assert available.all()
    blame, bargaining = m.world.blame, m.world.bargaining
    demand = state.aggressor_demand()
    rejected = demand > ctx.derived.defender_max_terms
    assert rejected.any() and not rejected.all()
    f = blame.framing_weight
    share = np.where(rejected, 1, blame.accepted_proposal_blame)
    close(
        parts["blame"],
        ctx.blame_weight * blame.rejection_weight * (f + (1 - f) * (1 - demand)) * share,
    )
    reach = demand - ctx.derived.aggressor_reservation
    close(parts["material"], np.where(rejected, 0, bargaining.proposal_weight * reach))
    state.last_proposal_day[:, m.roles.aggressor] = np.array([0, -100, 0, 0, 0, 0])
    state.day = bargaining.proposal_cooldown_days - 1
    available, _ = utility("propose_ceasefire", view(m, "aggressor"))
    assert available.tolist() == [False, True, False, False, False, False]


def test_m4_the_coercer_pauses_aid_to_the_more_blamed_side_and_aids_the_less_blamed():
    m = model()
    state, blame, beliefs = m.state, m.world.blame, m.world.beliefs
    state.blame[:] = np.array([[0.7, 0.1, 0.1, 0.1], [0.1, 0.1, 0.7, 0.1]] * 3)
    state.belief[:] = np.array([0.2, 0.2, 0.5, 0.5, 0.8, 0.8])
    state.aid_level[:] = np.array([AID_NORMAL] * 4 + [AID_PAUSED, AID_INCREASED])
    ctx = view(m, "coercer")
    bw = ctx.blame_weight
    b_agg, b_def = state.blame[:, 0], state.blame[:, 2]
    available, parts = utility("pressure_defender", ctx)
    assert available.tolist() == [True] * 4 + [False, True]
    close(parts["blame"], bw * (b_def - b_agg))
    close(parts["belief"], beliefs.pause_aid_weight * (state.belief - beliefs.pause_aid_threshold))
    available, parts = utility("increase_aid", ctx)
    assert available.tolist() == [True] * 5 + [False]
    close(parts["blame"], bw * blame.aid_weight * (b_agg - b_def - blame.aid_offset))
    close(parts["belief"], beliefs.aid_weight * (beliefs.sanctions_threshold - state.belief))
    mask = np.ones(WORLDS, dtype=bool)
    state.day = 7
    apply("increase_aid", ctx, mask)
    close(state.aid_level, [AID_INCREASED] * 4 + [AID_NORMAL, AID_INCREASED])
    apply("pressure_defender", ctx, mask)
    close(state.aid_level, AID_PAUSED)
    close(state.first_day["aid_paused"], 7)


def test_m4_the_defender_counters_within_its_window_and_supporters_follow_blame():
    m = model()
    state, blame, economy = m.state, m.world.blame, m.world.economy
    state.day = 20
    window = blame.counter_window_days
    state.last_rejection_day[:, m.roles.defender] = 20 - np.array(
        [0, window, window + 1, np.inf, 1, 2]
    )
    ctx = view(m, "defender")
    available, parts = utility("counter_propose", ctx)
    assert available.all()
    recent = np.array([True, True, False, False, True, True])
    close(
        parts["blame"],
        ctx.blame_weight * blame.rejection_weight * blame.counter_blame_share * recent,
    )
    state.defender_by_issue[:] = 0.25
    apply("counter_propose", ctx, np.ones(WORLDS, dtype=bool))
    close(state.proposal_terms, 0.25)
    assert (state.proposal_by == m.roles.defender).all()
    assert (state.proposal_kind == PROPOSAL_CEASEFIRE).all()
    close(state.last_proposal_day[:, m.roles.defender], 20)

    state.blame[:] = np.array([[0.7, 0.1, 0.1, 0.1], [0.2, 0.1, 0.6, 0.1]] * 3)
    state.first_day["sanctions"][:] = np.array([1, np.nan, 1, np.nan, 1, np.nan])
    ctx = view(m, "supporter")
    _, parts = utility("own_sanctions", ctx)
    close(
        parts["blame"],
        ctx.blame_weight
        * blame.own_sanctions_weight
        * (state.blame[:, 0] - blame.own_sanctions_offset),
    )
    followed = ~np.isnan(state.first_day["sanctions"])
    close(parts["material"], economy.own_sanctions_follow * followed - economy.own_sanctions_cost)


def test_m4_a_supporter_opposes_only_the_aggressors_ceasefire_and_more_the_worse_its_terms():
    m = model()
    state, blame = m.state, m.world.blame
    state.proposal_kind[:] = np.array(
        [PROPOSAL_CEASEFIRE] * 4 + [PROPOSAL_MORATORIUM, PROPOSAL_CEASEFIRE]
    )
    state.proposal_by[:] = np.array([0, 0, 0, 2, 0, 0])
    state.proposal_opposed[5] = True
    state.proposal_terms[:] = np.array([0.9, 0.5, 0.2, 0.9, 0.9, 0.9])
    ctx = view(m, "supporter")
    available, parts = utility("oppose_proposal", ctx)
    assert available.tolist() == [True, True, True, False, False, False]
    close(
        parts["material"],
        blame.opposition_weight * (state.proposal_terms - blame.opposition_threshold),
    )
    apply("oppose_proposal", ctx, available)
    assert state.proposal_opposed.tolist() == [True, True, True, False, False, True]


# --- M5 Reshaping the war ------------------------------------------------------------------------


def test_m5_no_refinery_strikes_no_escalation_and_no_new_moratorium_while_one_holds():
    m = model()
    state = m.state
    state.moratorium[:] = np.array([True, True, True, False, False, False])
    for role, name in (
        ("defender", "strike_refineries"),
        ("aggressor", "escalate_strikes"),
        ("aggressor", "propose_moratorium"),
    ):
        available, _ = utility(name, view(m, role))
        assert available.tolist() == [False] * 3 + [True] * 3, name


def test_m5_refinery_strikes_are_worth_less_on_damaged_refineries_and_damage_saturates():
    m = model()
    state, war, economy = m.state, m.world.war, m.world.economy
    defender = m.actor_params[m.roles.defender]
    state.refinery_damage[:] = np.array([0.0, 0.2, 0.5, 0.8, 1.0, 0.0])
    ctx = view(m, "defender")
    _, parts = utility("strike_refineries", ctx)
    close(
        parts["military"],
        defender.refinery_campaign * (1 - state.refinery_damage) + war.refinery_strike_value,
    )
    mask = np.array([True] * 5 + [False])
    before = state.refinery_damage.copy()
    apply("strike_refineries", ctx, mask)
    hit = economy.refinery_damage_per_strike_day * defender.refinery_campaign
    close(state.refinery_damage, np.where(mask, before + hit * (1 - before), before))


def test_m5_the_moratoriums_value_rises_with_refinery_damage_and_strike_urgency():
    m = model()
    state, war = m.state, m.world.war
    aggressor = m.actor_params[m.roles.aggressor]
    state.refinery_damage[:] = np.array([0.0, 0.5, 1.0, 0.0, 0.0, 0.5])
    state.strike_urgency[:] = np.array([0.0, 0.0, 0.0, 0.5, 1.0, 0.5])
    ctx = view(m, "aggressor")
    available, parts = utility("propose_moratorium", ctx)
    assert available.all()
    close(
        parts["material"],
        war.moratorium_refinery_weight * state.refinery_damage
        + war.moratorium_urgency_weight * state.strike_urgency
        - aggressor.strike_priority,
    )
    blame = m.world.blame
    close(parts["blame"], ctx.blame_weight * blame.rejection_weight * blame.framing_weight)
    state.day = 3
    apply("propose_moratorium", ctx, np.ones(WORLDS, dtype=bool))
    assert (state.proposal_kind == PROPOSAL_MORATORIUM).all()
    close(state.proposal_terms, blame.moratorium_fairness)


def test_m5_escalation_is_provoked_by_a_recent_rejection_or_sanctions_and_lasts_its_days():
    m = model()
    state, war = m.state, m.world.war
    aggressor = m.actor_params[m.roles.aggressor]
    state.day = 30
    days = war.provocation_days
    state.last_rejection_day[:, m.roles.defender] = 30 - np.array([0, days, days + 1, 99, 99, 99])
    state.first_day["sanctions"][:] = np.array(
        [np.nan, np.nan, np.nan, 30 - days, 30 - days - 1, np.nan]
    )
    ctx = view(m, "aggressor")
    available, parts = utility("escalate_strikes", ctx)
    provoked = np.array([True, True, False, True, False, False])
    close(
        parts["military"],
        aggressor.strike_priority * (war.escalation_base + war.escalation_provoked * provoked),
    )
    blame = m.world.blame
    close(
        parts["blame"], -ctx.blame_weight * blame.strike_blame_per_day * blame.escalation_blame_days
    )
    state.escalated_until[:] = np.array([29, 30, 31, -1, -1, -1])
    available, _ = utility("escalate_strikes", view(m, "aggressor"))
    assert available.tolist() == [True, False, False, True, True, True]
    apply("escalate_strikes", ctx, np.ones(WORLDS, dtype=bool))
    close(state.escalated_until, 30 + war.escalation_days - 1)


def wage_one_day(m: NegotiationModel, surge: np.ndarray | float = 1.0) -> dict[str, np.ndarray]:
    """Territory gained (in percent) and strikes launched over one ``wage_war`` day."""
    state = m.state
    territory, strikes = state.territory.copy(), state.strikes_launched.copy()
    casualties = state.casualties.copy()
    dynamics.wage_war(state, m.world, m.roles, m.expected_pace, m.rates, surge)
    return {
        "pace": (state.territory - territory) * 100,
        "strikes": state.strikes_launched - strikes,
        "casualties": state.casualties - casualties,
    }


def calm(scenario: str = "baseline.yaml") -> NegotiationModel:
    """A model whose ground pace is the same constant in every world."""
    return model(scenario, "war.ground_gain_pct_per_day=0.004", "war.casualties_per_day=1000")


def test_m5_m8_the_ground_pace_follows_moratorium_aid_and_refinery_damage():
    """M8: ``pace = g · (1 + shift · [moratorium]) · (1 + aid · (1 − level)) · (1 − fuel · d)``."""
    m = calm()
    state, war = m.state, m.world.war
    state.moratorium[:] = np.array([False, True, False, False, False, False])
    state.aid_level[:] = np.array(
        [AID_NORMAL, AID_NORMAL, AID_PAUSED, AID_INCREASED, AID_NORMAL, AID_NORMAL]
    )
    state.refinery_damage[:] = np.array([0, 0, 0, 0, 0.5, 0])
    state.settled[5] = True
    day = wage_one_day(m)
    g = 0.004
    close(
        day["pace"],
        [
            g,
            g * (1 + war.moratorium_ground_shift),
            g * (1 + war.aid_effect),
            g * (1 - war.aid_effect),
            g * (1 - war.fuel_effect * 0.5),
            0.0,
        ],
    )
    pace = day["pace"]
    assert pace[1] > pace[0]  # a moratorium moves the war to the ground
    assert pace[2] > pace[0] > pace[3]  # more aid slows the aggressor's advance
    assert pace[4] < pace[0]  # damaged refineries slow it too


def test_m8_a_days_strikes_follow_its_surge_up_to_the_capacity():
    """``min(strikes_per_day · intensity · surge, strike_capacity)``; civilians follow them."""
    m = calm()
    state, war = m.state, m.world.war
    state.day = 10
    state.escalated_until[:] = np.array([-1, -1, 10, 10, -1, -1])
    state.moratorium[5] = True
    surge = np.array([0.5, 3.0, 2.0, 10.0, 1.0, 4.0])
    day = wage_one_day(m, surge)
    intensity = np.array([1, 1, war.escalation_factor, war.escalation_factor, 1, 0])
    launched = np.minimum(war.strikes_per_day * intensity * surge, war.strike_capacity)
    close(day["strikes"], launched)
    assert day["strikes"][3] == war.strike_capacity  # a surge beyond capacity is cut
    assert day["strikes"][1] > 2 * war.strikes_per_day  # a surge of several hundred
    k = war.casualty_pace_share
    civilians, share = war.civilian_casualties_per_day, war.strike_share_of_civilian_casualties
    ground = (1000 + civilians * (1 - share)) * ((1 - k) + k * day["pace"] / m.expected_pace)
    close(day["casualties"], ground + civilians * share * launched / war.strikes_per_day)


def test_m8_a_days_surge_is_lognormal_with_mean_one():
    """``exp(σ·z − σ²/2)``: mean 1, median ``exp(−σ²/2)``, a tail that grows with ``σ``."""
    u = (np.arange(200_000) + 0.5) / 200_000
    for sigma in (0.4, 0.6, 0.8):
        surge = dynamics.strike_surge(u, sigma)
        assert abs(surge.mean() - 1) < 0.01
        close(dynamics.strike_surge(np.array([0.5]), sigma), np.exp(-(sigma**2) / 2))
        assert (np.diff(surge) > 0).all()
    tail = [dynamics.strike_surge(np.array([0.995]), s)[0] for s in (0.4, 0.6, 0.8)]
    assert tail[0] < tail[1] < tail[2]
    assert 3 < tail[1] < 4  # at the default: one day in 200 over 3 times the mean


def test_m8_ground_casualties_grow_with_the_pace_and_so_fall_with_aid():
    """``ground · ((1 − k) + k · pace / expected_pace)``, with ``k = casualty_pace_share``."""
    m = calm()
    state, war = m.state, m.world.war
    state.aid_level[:] = np.array([AID_NORMAL, AID_INCREASED, AID_PAUSED, AID_NORMAL, 1, 1])
    state.moratorium[3] = True
    state.settled[5] = True
    day = wage_one_day(m)
    k = war.casualty_pace_share
    civilians, share = war.civilian_casualties_per_day, war.strike_share_of_civilian_casualties
    ground = 1000 + civilians * (1 - share)
    strikes = civilians * share * np.array([1, 1, 1, 0, 1, 0])
    expected = ground * ((1 - k) + k * day["pace"] / m.expected_pace) * np.array([1] * 5 + [0])
    close(day["casualties"], expected + strikes)
    ground_only = day["casualties"] - strikes
    assert ground_only[1] < ground_only[0] < ground_only[2]  # more aid, slower, fewer losses
    assert ground_only[3] > ground_only[0]  # the moratorium's faster ground war costs more


def test_m5_m8_no_strikes_under_a_moratorium_more_under_an_escalation():
    m = calm()
    state, war, blame = m.state, m.world.war, m.world.blame
    state.day = 10
    state.moratorium[:] = np.array([False, True, False, True, False, False])
    state.escalated_until[:] = np.array([-1, -1, 10, 12, 9, -1])
    state.settled[5] = True
    state.strike_urgency[:] = 0.0
    before_blame = state.blame.copy()
    day = wage_one_day(m)
    intensity = np.array([1, 0, war.escalation_factor, 0, 1, 0])
    close(day["strikes"], war.strikes_per_day * intensity)
    civilians, share = war.civilian_casualties_per_day, war.strike_share_of_civilian_casualties
    k = war.casualty_pace_share
    by_pace = (1 - k) + k * day["pace"] / m.expected_pace  # M8: assaults that gain ground cost
    ground = (1000 + civilians * (1 - share)) * np.array([1, 1, 1, 1, 1, 0]) * by_pace
    close(day["casualties"], ground + civilians * share * intensity)
    keep = 0.5 ** (1 / m.world.air_defense.urgency_halflife_days)
    close(state.strike_urgency, (1 - keep) * intensity)
    # Strikes put blame on the aggressor; a moratorium day or a settled world does not.
    struck = intensity > 0
    assert (state.blame[struck, 0] > before_blame[struck, 0]).all()
    close(state.blame[~struck], before_blame[~struck])
    amount = blame.strike_blame_per_day * intensity[0]
    close(state.blame[0, 0], (before_blame[0, 0] + amount) / (1 + amount))


def test_m5_air_defence_deliveries_follow_the_capped_urgency():
    m = calm()
    state, air = m.state, m.world.air_defense
    state.moratorium[:] = True  # intensity 0: urgency only decays
    state.strike_urgency[:] = np.array([0.0, 0.5, 1.0, 2.0, 5.0, 1.0])
    wage_one_day(m)
    keep = 0.5 ** (1 / air.urgency_halflife_days)
    urgency = keep * np.array([0.0, 0.5, 1.0, 2.0, 5.0, 1.0])
    close(state.strike_urgency, urgency)
    close(
        state.air_defense_delivered,
        air.base_deliveries_per_day * np.clip(urgency, 0, air.urgency_cap),
    )


def test_m5_the_air_defence_surge_answers_strike_urgency():
    m = model()
    state, air, war = m.state, m.world.air_defense, m.world.war
    state.day = 50
    state.strike_urgency[:] = np.linspace(0, 2, WORLDS)
    me = m.roles.supporters[0]
    state.surge_day[:, me] = 50 - np.array(
        [war.surge_cooldown_days, war.surge_cooldown_days - 1, 0, 99, 99, 99]
    )
    ctx = view(m, "supporter")
    available, parts = utility("surge_air_defense", ctx)
    assert available.tolist() == [True, False, False, True, True, True]
    close(parts["military"], air.surge_weight * state.strike_urgency - air.surge_threshold)
    apply("surge_air_defense", ctx, available)
    capacity = m.actor_params[me].air_defense_capacity
    close(state.air_defense_delivered, capacity * available)
    close(state.surge_day[available, me], 50)


def test_m5_monitoring_lowers_the_truce_hazard_and_the_violator_takes_the_blame():
    """``h = h0 · exp(monitoring_effect · monitored + guarantee_effect · guarantees)``."""
    m = model("ceasefire_strikes.yaml")
    state, truce, rates = m.state, m.world.truce, m.rates
    state.day = 20
    state.moratorium[:] = True
    state.monitored[:] = np.array([False, True, False, True, False, False])
    state.guarantees[:] = np.array([0, 0, 0, 0, 0.5, 0])
    h0 = truce.moratorium_hazard_per_day
    scale = np.exp(
        truce.monitoring_effect * state.monitored + truce.guarantee_effect * state.guarantees
    )
    hazard = h0 * scale
    assert hazard[1] < hazard[0] and hazard[4] < hazard[0]
    # Draws just under and just over each world's hazard, and who would break it.
    first = np.array([0.999, 0.999, 0.999, 0.999, 0.999, 0.999]) * hazard
    first[2] = hazard[0] * 1.001  # just over: holds
    first[3] = hazard[0] * 0.999  # under the unmonitored hazard, over the monitored one (holds)
    second = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.9999])  # world 5: the defender breaks it
    before = state.blame.copy()
    dynamics.truce_hazard(state, truce, m.roles, rates, m.world.blame, np.c_[first, second], quiet)
    broke = np.array([True, True, False, False, True, True])
    assert state.moratorium.tolist() == (~broke).tolist()
    close(state.first_day["moratorium_end"][broke], 20)
    v = m.world.blame.violation_blame
    aggressor = np.array([True, True, False, False, True, False])
    close(state.blame[aggressor, 0], ((before[:, 0] + v) / (1 + v))[aggressor])
    close(state.blame[5, 2], (before[5, 2] + v) / (1 + v))
    close(state.blame[~broke], before[~broke])


def test_m5_a_moratorium_expires_after_its_length_without_blame():
    m = model("ceasefire_strikes.yaml", "truce.moratorium_hazard_per_day=0")
    state = m.state
    state.day = 5
    dynamics.start_moratorium(state, np.array([True] * 5 + [False]), monitored=True, length=3)
    assert state.moratorium.tolist() == [True] * 5 + [False]
    close(state.moratorium_expiry[:5], 7)
    assert state.monitored[:5].all()
    assert (state.signals[:5] == SIGNAL_STRIKE_PAUSE).all()
    before = state.blame.copy()
    draws = np.full((WORLDS, 2), 0.5)
    for day in (5, 6):
        state.day = day
        dynamics.truce_hazard(state, m.world.truce, m.roles, m.rates, m.world.blame, draws, quiet)
        assert state.moratorium[:5].all()
    state.day = 7
    dynamics.truce_hazard(state, m.world.truce, m.roles, m.rates, m.world.blame, draws, quiet)
    assert not state.moratorium.any()
    close(state.blame, before)


def test_m5_a_settlement_breaks_down_at_its_own_hazard():
    m = model("ceasefire_strikes.yaml")
    state, truce = m.state, m.world.truce
    state.settled[:] = True
    scale = np.exp(truce.monitoring_effect * truce.settlement_monitoring)
    hazard = truce.settlement_hazard_per_day * scale
    first = hazard * np.array([0.5, 0.99, 1.01, 2.0, 0.5, 1.5])
    draws = np.c_[first, np.zeros(WORLDS)]
    dynamics.truce_hazard(state, truce, m.roles, m.rates, m.world.blame, draws, quiet)
    assert state.settled.tolist() == [False, False, True, True, False, True]


# --- M6 Sanctions: economic pressure ------------------------------------------------------------


def test_m6_pressure_closes_a_lagged_share_of_the_gap_to_its_target():
    """``target = baseline + level · effect + refinery_effect · damage``; moves ``1/lag`` a day."""
    m = model()
    state, economy, rates = m.state, m.world.economy, m.rates
    state.sanctions_bite[:] = np.array([True, False, True, False, True, False])
    rates = dynamics.Rates.of(state, m.world, m.roles, m.actor_params)
    state.sanctions_level[:] = np.array([1.0, 1.0, 0.5, 0.5, 0.0, 0.0])
    state.refinery_damage[:] = np.array([0.0, 0.0, 0.0, 0.0, 0.6, 0.0])
    state.economic_pressure[:] = np.array([0.1, 0.1, 0.1, 0.1, 0.1, 0.9])
    dynamics.run_economy(state, economy, rates)
    effect = np.where(state.sanctions_bite, economy.strong_effect, economy.weak_effect)
    level = np.array([1.0, 1.0, 0.5, 0.5, 0.0, 0.0])
    damage = np.array([0.0, 0.0, 0.0, 0.0, 0.6, 0.0])
    target = economy.baseline_pressure + level * effect + economy.refinery_effect * damage
    lag = max(economy.pressure_lag_days, 1)
    before = np.array([0.1, 0.1, 0.1, 0.1, 0.1, 0.9])
    close(state.economic_pressure, np.clip(before + (target - before) / lag, 0, 1))
    assert state.economic_pressure[0] > state.economic_pressure[1]  # biting sanctions press more
    assert state.economic_pressure[5] < 0.9  # pressure falls back toward its baseline
    close(state.refinery_damage[4], 0.6 * (1 - 1 / economy.refinery_repair_days))
    close(state.pressure_sum, state.economic_pressure)
    close(state.sanctions_sum, level)


def test_m6_easing_lifts_the_coercers_own_part_and_supporters_add_theirs():
    m = model()
    state, economy, face, beliefs = m.state, m.world.economy, m.world.face, m.world.beliefs
    coercer = m.actor_params[m.roles.coercer]
    state.coercer_sanctions[:] = np.array([0.0, 0.5, 1.0, 0.5, 0.5, 0.5])
    state.sanctions_level[:] = state.coercer_sanctions
    state.belief[:] = np.array([0.5, 0.9, 0.9, 0.3, 0.9, 0.9])
    state.progress[:] = np.array([1.0, 1.0, 1.0, 1.0, 0.0, 0.5])
    ctx = view(m, "coercer")
    available, parts = utility("ease_sanctions", ctx)
    assert available.tolist() == [False] + [True] * 5
    close(
        parts["belief"],
        beliefs.ease_weight * (state.belief - beliefs.ease_threshold) * state.progress,
    )
    close(parts["face"], -coercer.weakness_aversion * face.ease_cost)
    apply("ease_sanctions", ctx, available)
    close(
        state.coercer_sanctions,
        np.maximum(np.r_[0.0, 0.5, 1.0, 0.5, 0.5, 0.5] - economy.sanctions_step * available, 0),
    )
    ctx = view(m, "supporter")
    me = m.roles.supporters[0]
    mask = np.array([True, False] * 3)
    apply("own_sanctions", ctx, mask)
    capacity = m.actor_params[me].sanctions_capacity
    assert state.own_sanctions[:, me].tolist() == mask.tolist()
    close(state.other_sanctions, capacity * mask)
    available, _ = utility("own_sanctions", view(m, "supporter"))
    assert available.tolist() == (~mask).tolist()  # once per supporter per world


def test_m7_guarantees_are_offered_as_belief_and_progress_grow_and_only_strengthen():
    m = model()
    state, beliefs = m.state, m.world.beliefs
    me = m.roles.supporters[0]
    strength = m.actor_params[me].guarantee_strength
    state.belief[:] = np.array([0.2, 0.5, 0.8, 0.8, 0.8, 0.8])
    state.progress[:] = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    state.guarantees[:] = np.array([0, 0, 0, 0, strength, strength / 2])
    ctx = view(m, "supporter")
    available, parts = utility("offer_guarantees", ctx)
    assert available.tolist() == [True] * 4 + [False, True]
    close(
        parts["belief"],
        beliefs.guarantee_belief_weight * state.belief
        + beliefs.guarantee_progress_weight * state.progress
        - beliefs.guarantee_threshold,
    )
    apply("offer_guarantees", ctx, available)
    close(state.guarantees, strength)


def test_m7_the_coercer_brokers_close_positions_when_talks_seem_sincere():
    m = model()
    state, bargaining = m.state, m.world.bargaining
    state.aggressor_by_issue[:] = np.array([0.5, 0.5, 0.9, 0.9, 0.5, 0.7])
    state.defender_by_issue[:] = np.array([0.3, 0.3, 0.1, 0.1, 0.5, 0.1])
    state.belief[:] = np.array([0.5, 0.9, 0.5, 0.9, 0.5, 0.5])
    ctx = view(m, "coercer")
    available, parts = utility("propose_terms", ctx)
    assert available.all()
    gap = np.abs(state.aggressor_demand() - state.defender_offer())
    close(
        parts["material"],
        bargaining.broker_weight * (1 - bargaining.broker_gap_weight * gap) * state.belief,
    )
    apply("propose_terms", ctx, available)
    split = bargaining.broker_split
    close(
        state.proposal_terms,
        split * np.r_[0.5, 0.5, 0.9, 0.9, 0.5, 0.7]
        + (1 - split) * np.r_[0.3, 0.3, 0.1, 0.1, 0.5, 0.1],
    )
    assert (state.proposal_by == m.roles.coercer).all()


@pytest.mark.parametrize(
    ("action", "role"),
    [
        ("propose_ceasefire", "aggressor"),
        ("propose_moratorium", "aggressor"),
        ("propose_terms", "coercer"),
        ("counter_propose", "defender"),
    ],
)
def test_no_proposal_is_made_while_another_is_open(action, role):
    """One proposal at a time: a new one waits until the open one is answered (M7)."""
    m = model()
    state = m.state
    state.day = 400  # long after any earlier proposal
    state.proposal_kind[:] = np.array([PROPOSAL_CEASEFIRE] * 3 + [PROPOSAL_NONE] * 3)
    state.proposal_by[:] = m.roles.aggressor if role != "aggressor" else m.roles.defender
    available, _ = utility(action, view(m, role))
    assert not available[:3].any(), action


# --- M7 Settlement: war values (context.derive) -------------------------------------------------


def test_m7_war_values_follow_trend_pressure_aid_and_guarantees():
    m = model()
    state, b = m.state, m.world.bargaining
    aggressor = m.actor_params[m.roles.aggressor]
    state.ground_trend[:] = np.array([1.0, 1.5, 0.5, 1.0, 1.0, 1.0])
    state.economic_pressure[:] = np.array([0.0, 0.0, 0.0, 0.6, 0.0, 0.0])
    state.aid_level[:] = np.array([AID_NORMAL] * 4 + [AID_PAUSED, AID_INCREASED])
    state.guarantees[:] = np.array([0, 0, 0, 1.0, 0, 0])
    state.sincere[:] = np.array([True, True, True, True, False, False])
    state.resolve[:] = np.array([0.0, 0.0, 0.0, 0.0, 1.0, 0.5])
    # Each side's own estimate of the war share (M9), apart so that swapping them shows.
    state.aggressor_estimate[:] = np.array([0.50, 0.50, 0.50, 0.50, 0.55, 0.40])
    state.defender_estimate[:] = np.array([0.40, 0.40, 0.40, 0.40, 0.35, 0.45])
    ctx = view(m, "aggressor")
    d = ctx.derived
    trend = state.ground_trend - 1
    war = (
        state.aggressor_estimate
        + b.trend_weight * trend
        - b.aggressor_war_cost
        - b.pressure_weight * state.economic_pressure
    )
    close(d.aggressor_war_value, war)
    reservation = war + state.resolve * np.maximum(aggressor.core_demand - war, 0)
    close(d.aggressor_reservation, reservation)
    close(d.aggressor_reservation[4], aggressor.core_demand)  # resolve 1: the core demand
    close(d.aggressor_reservation[:4], war[:4])  # resolve 0: the war value
    defender_war = (
        1
        - state.defender_estimate
        - b.trend_weight * trend
        - b.defender_war_cost
        - b.aid_war_value * (1 - state.aid_level)
    )
    close(d.defender_war_value, defender_war)
    renewed = b.renewed_attack_risk * (1 - state.guarantees) * b.renewed_attack_damage
    close(d.defender_max_terms, 1 - defender_war - renewed)
    assert d.aggressor_war_value[1] > d.aggressor_war_value[0] > d.aggressor_war_value[2]
    assert d.defender_max_terms[4] > d.defender_max_terms[0] > d.defender_max_terms[5]
    assert d.defender_max_terms[3] > d.defender_max_terms[0]  # guarantees widen the range


def test_m1_the_deadlines_threat_rises_as_it_nears():
    """``threat = exp(−max(days_left, 0) / face.threat_days)``, 0 with no deadline."""
    m = model()
    state = m.state
    state.day = 10
    state.deadline_day[:] = np.array([8, 10, 11, 15, 40, np.inf])
    d = view(m, "coercer").derived
    days = np.maximum(state.deadline_day[:5] - 10, 0)
    close(d.threat[:5], np.exp(-days / m.world.face.threat_days))
    assert d.threat[5] == 0
    state.deadline_day[:] = np.array([8, 10, 11, 15, 40, 12])
    close(view(m, "coercer").derived.threat[5], np.exp(-2 / m.world.face.threat_days))


def test_m6_perceived_success_mixes_the_expectation_and_the_worlds_draw():
    m = model()
    d = view(m, "coercer").derived
    insight = m.world.economy.success_insight
    success = m.world.economy.sanctions_success
    close(d.perceived_success, (1 - insight) * m.expected_success + insight * success)
    close(d.cost, -m.world.decision.action_cost)


def test_context_views_deadline_day_and_freedom():
    m = model()
    state = m.state
    state.deadline_day[:] = np.array([0, 0, 3, 3, 0, 3])
    state.settled[:] = np.array([False, False, False, True, False, False])
    responding = np.array([False, True, False, False, False, True])
    coercer = view(m, "coercer", responding)
    assert coercer.deadline_today.tolist() == [True, True, False, False, True, False]
    assert coercer.free.tolist() == [False, False, True, True, False, False]
    assert coercer.active.tolist() == [False, False, True, False, False, False]
    aggressor = view(m, "aggressor", responding)
    assert not aggressor.deadline_today.any()
    assert aggressor.free.tolist() == (~responding).tolist()
    params = m.actor_params[m.roles.aggressor]
    assert coercer.of(m.roles.aggressor) is params
    close(aggressor.blame_weight, params.blame_sensitivity * m.world.decision.blame_scale)


# --- the choice rule (sim.model.decision) --------------------------------------------------------


@pytest.mark.parametrize("worlds", [5, 200], ids=["dense", "sparse"])
@pytest.mark.parametrize("rationality", [0.0, 2.0, 50.0])
def test_choice_is_the_argmax_of_scaled_utility_plus_gumbel_noise(worlds, rationality):
    """``argmax(λ·U + G)`` over the available actions, ``G = −log(−log(u))``."""
    m = model(worlds=worlds)
    ctx = view(m, "coercer")
    rng = np.random.default_rng(9)
    utilities = rng.normal(size=(worlds, 3))
    availability = rng.random((worlds, 3)) < 0.7
    availability[:, 1] = False
    availability[0, 1] = True  # action 1 in one world only: the sparse path when worlds are many
    availability[:, 0] = True

    def rule(column):
        def utility(_ctx):
            if column == 2:  # a constant first component: the sum becomes an array on the way
                return availability[:, column], {"a": 0.25, "b": utilities[:, column] - 0.25}
            return availability[:, column], {
                "a": utilities[:, column] * 0.5,
                "b": utilities[:, column] * 0.5,
            }

        return utility

    from sim.model.actions import Action
    from sim.scenario.catalogue import ACTIONS

    actions = tuple(
        Action(ACTIONS[column], "coercer", rule(column), RULES["wait"].apply) for column in range(3)
    )
    uniforms = rng.random((worlds, 3))
    choice = choose(ctx, actions, np.ones(3, dtype=bool), uniforms, rationality)
    logits = np.where(availability, rationality * utilities - np.log(-np.log(uniforms)), -np.inf)
    assert choice.index.tolist() == logits.argmax(axis=1).tolist()
    close(choice.utilities, np.where(availability, utilities, -np.inf))
    assert choice.considered == [0, 1, 2]
    disabled = choose(ctx, actions, np.array([True, False, True]), uniforms, rationality)
    assert 1 not in disabled.index.tolist()
    assert disabled.considered == [0, 2]
    probabilities = choice.probabilities(0, rationality)
    expected = np.exp(rationality * utilities[0]) * availability[0]
    close(probabilities, expected / expected.sum())


# --- outcomes -------------------------------------------------------------------------------------


def test_outcome_precedence_settlement_over_moratorium_over_sanctions_over_paralysis():
    settled = np.array([True, True, False, False, False, True])
    moratorium = np.array([True, False, True, True, False, True])
    sanctioned = np.array([True, True, True, False, False, False])
    assert classify(settled, moratorium, sanctioned).tolist() == [
        "settlement",
        "settlement",
        "partial_ceasefire",
        "partial_ceasefire",
        "paralysis",
        "settlement",
    ]
    assert classify(*(np.array([False, False]),) * 2, np.array([True, False])).tolist() == [
        "sanctions",
        "paralysis",
    ]
    assert OUTCOMES == ("settlement", "partial_ceasefire", "sanctions", "paralysis")


def test_payoffs_count_territory_pressure_sanctions_face_and_blame():
    """``payoffs``: docs/model.md section 9 (each actor's standing at the horizon)."""
    m = model()
    state, world, roles = m.state, m.world, m.roles
    state.day = 10
    start = np.asarray(world.war.territory_start_pct) / 100
    state.territory[:] = start + np.array([0.0, 0.01, 0.0, 0.0, 0.0, 0.0])
    state.pressure_sum[:] = np.array([0, 0, 5, 0, 0, 0])
    state.sanctions_sum[:] = np.array([0, 0, 0, 5, 0, 0])
    state.face[:, :] = 0.0
    state.face[4, :] = 0.2
    state.credibility[:] = np.array([1, 1, 1, 1, 1, 0.5])
    state.coercer_sanctions[:] = np.array([0, 0, 0, 0, 0, 1.0])
    initial = m.initial_blame_shares(WORLDS)
    state.blame[:] = initial
    result = payoffs(m)
    agg = result["payoff_russia"]
    close(
        agg - agg[0],
        [
            0,
            1.0,
            -world.bargaining.pressure_weight * world.economy.payoff_pressure_scale * 0.5,
            -world.economy.sanctions_harm * 0.5,
            0.2,
            0,
        ],
    )
    usa = result["payoff_usa"]
    coercer = m.actor_params[roles.coercer]
    close(usa - usa[0], [0, 0, 0, 0, 0.2, -0.5 - coercer.sanction_cost])
    close(result["payoff_ukraine"] - result["payoff_ukraine"][0], [0, -1.0, 0, 0, 0.2, 0])
    # Blame shed counts for an actor, weighted by its blame sensitivity.
    state.blame[:] = initial
    state.blame[:, roles.aggressor] -= 0.1
    state.blame[:, roles.defender] += 0.1
    shifted = payoffs(m)
    aggressor = m.actor_params[roles.aggressor]
    gain = aggressor.blame_sensitivity * world.decision.blame_scale * 0.1
    close(shifted["payoff_russia"] - result["payoff_russia"], gain)
    assert (shifted["payoff_ukraine"] < result["payoff_ukraine"]).all()


# --- answers, component names, the catalogue ----------------------------------------------------


def test_answers_are_recorded_as_accept_or_reject_codes():
    m = model()
    ctx = view(m, "defender", np.ones(WORLDS, dtype=bool))
    apply("accept", ctx, np.array([True, False] * 3))
    apply("reject", ctx, np.array([False, True] * 3))
    assert m.state.answers[:, m.roles.defender].tolist() == [ACCEPT, REJECT] * 3
    assert not m.state.answers[:, m.roles.aggressor].any()


COMPONENTS = {"material", "face", "blame", "belief", "threat", "standing", "military", "cost"}
"""The component names of ``sim/model/actions.py`` (its docstring): what ``sim trace`` explains."""


def test_every_utility_is_made_of_the_documented_components():
    """Each action's components carry the documented names, on days where each is available."""
    from sim.model.actions import CATALOGUE

    m = model(worlds=300)
    seen: dict[str, set[str]] = {}

    def look() -> None:
        for agent in m.actors:
            ctx = view(m, agent.role, m.responding(agent.index))
            ctx.me = agent.index
            for action in CATALOGUE[agent.role]:
                available, parts = action.utility(ctx)
                if available.any():
                    seen.setdefault(action.name, set()).update(parts)

    for _ in range(40):
        look()
        m.step()
    m.state.settled[:] = False
    m.state.summit_status[:] = SUMMIT_OFFERED
    m.state.deadline_day[:] = np.inf
    m.state.proposal_kind[:] = PROPOSAL_NONE
    look()
    m.state.summit_to_aggressor[:] = True  # offered to the aggressor: it answers (issue 22)
    look()
    # An agreed summit that has lost its worth: to the coercer (belief low, no deadline) and to
    # the aggressor it was offered to (no threat to shield it from).
    m.state.summit_status[:] = SUMMIT_SCHEDULED
    m.state.summit_day[:] = m.state.day + 5
    m.state.belief[:] = 0.01
    m.state.summit_to_aggressor[:] = np.arange(m.state.n) % 2 == 0
    look()
    every = {action.name for role in CATALOGUE for action in CATALOGUE[role]}
    assert set(seen) == every
    assert seen["reject"] == {"blame"} and seen["accept"] == {"material", "face"}
    assert seen["impose_sanctions"] == {"material", "belief", "blame", "face", "cost"}
    assert seen["oppose_proposal"] == {"material", "cost"}
    assert seen["call_off_summit"] == {"face", "belief", "threat", "standing", "cost"}
    answers = {
        "wait",
        "accept",
        "reject",
        "extend_deadline",
        "let_deadline_lapse",
        "accept_summit",
        "decline_summit",
    }
    for name, parts in seen.items():
        assert parts <= COMPONENTS, name
        assert ("cost" in parts) == (name not in answers), name  # active choices pay the cost


def test_a_rule_without_a_declaration_is_named_in_the_error(monkeypatch):
    import sim.model.actions as actions

    monkeypatch.setitem(actions.RULES, "undeclared_move", actions.RULES["wait"])
    with pytest.raises(LookupError, match="undeclared_move"):
        actions.actions_of("coercer")


# --- calendar events (dynamics.fire_events) ------------------------------------------------------


def recorder() -> tuple[list[tuple[np.ndarray, str]], object]:
    notes: list[tuple[np.ndarray, str]] = []

    def note(mask, text):
        notes.append((np.asarray(mask), text))

    return notes, note


def test_a_summit_offer_event_is_held_lead_days_later_unless_its_day_is_given():
    m = model(
        "baseline.yaml",
        "events=[{day: 0, kind: summit_offer, by: russia, to: usa}, "
        "{day: 2, kind: summit_offer, by: russia, to: usa, held_on: 11}]",
    )
    state = m.state
    notes, note = recorder()
    dynamics.fire_events(state, m.spec, m.world, note)
    close(state.summit_day, m.world.summit.lead_days)
    assert (state.summit_status == SUMMIT_OFFERED).all()
    assert (state.signals == SIGNAL_STATEMENT).all()
    assert len(notes) == 1 and notes[0][0].dtype == bool and notes[0][0].all()
    state.day = 2
    state.summit_status[0] = SUMMIT_SCHEDULED
    state.summit_day[0] = 5
    dynamics.fire_events(state, m.spec, m.world, note)
    close(state.summit_day, [5] + [11] * (WORLDS - 1))
    assert notes[1][0].tolist() == [False] + [True] * (WORLDS - 1)
    # The offer's day is kept: it lapses answer_days later (M2), not never.
    close(state.summit_changed_day[1:], 2)
    state.day = 2 + m.world.summit.answer_days
    dynamics.lapse_summit_offers(state, m.world.summit, quiet)
    assert (state.summit_status[1:] != SUMMIT_OFFERED).all()


def test_scripted_sanctions_count_as_the_coercers_or_the_supporters_by_who_imposes_them():
    m = model(
        "baseline.yaml",
        "events=[{day: 0, kind: sanctions, by: europe, against: russia, level: 0.3}, "
        "{day: 1, kind: sanctions, by: usa, against: russia, level: 0.5}, "
        "{day: 1, kind: deadline, by: usa, against: russia}]",
    )
    state = m.state
    notes, note = recorder()
    dynamics.fire_events(state, m.spec, m.world, note)
    close(state.other_sanctions, 0.3)
    close(state.coercer_sanctions, 0.0)
    close(state.sanctions_level, 0.3)
    assert (state.first_day["sanctions"] == 0).all()
    state.day = 1
    state.settled[0] = True
    dynamics.fire_events(state, m.spec, m.world, note)
    close(state.coercer_sanctions[1:], 0.2)  # up to the event's level of 0.5
    close(state.sanctions_level[1:], 0.5)
    close(state.coercer_sanctions[0], 0.0)  # a settled world is left alone
    for mask, _text in notes:
        assert mask.dtype == bool and mask.shape == (WORLDS,)


def test_an_aid_package_event_delivers_to_every_world_and_a_deadline_only_before_sanctions():
    m = model(
        "baseline.yaml",
        "events=[{day: 3, kind: aid_package, by: europe, to: ukraine, air_defense: 40}, "
        "{day: 3, kind: deadline, by: usa, against: russia, audience_cost: 0.7}]",
    )
    state = m.state
    state.day = 3
    state.deadline_day[:] = np.inf
    state.first_day["sanctions"][:2] = 1
    notes, note = recorder()
    dynamics.fire_events(state, m.spec, m.world, note)
    close(state.air_defense_delivered, 40)
    assert np.isinf(state.deadline_day[:2]).all()
    close(state.deadline_day[2:], 3)
    close(state.deadline_cost[2:], 0.7)
    masks = [mask for mask, _ in notes]
    assert [mask.tolist() for mask in masks] == [[True] * WORLDS, [False] * 2 + [True] * 4]


def test_an_agreed_ceasefire_proposed_by_the_other_side_signals_a_core_concession():
    m = model()
    state, roles = m.state, m.roles
    state.day = 5
    state.proposal_kind[:] = PROPOSAL_CEASEFIRE
    state.proposal_by[:] = np.array(
        [roles.defender] * 2 + [roles.coercer] * 2 + [roles.aggressor] * 2
    )
    state.proposal_day[:] = 4
    state.proposal_terms[:] = 0.5
    state.answers[:, roles.aggressor] = ACCEPT
    state.answers[:, roles.defender] = ACCEPT
    state.moratorium[:] = True
    notes, note = recorder()
    dynamics.resolve_proposals(view(m, "aggressor"), m.actor_names, note)
    assert state.settled.all() and not state.moratorium.any()
    assert state.signals.tolist() == [SIGNAL_CORE] * 4 + [SIGNAL_NONE] * 2
    close(state.first_day["moratorium_end"], 5)
    assert [mask.all() for mask, _ in notes] == [True]


# --- truce willingness (dynamics.Rates) -----------------------------------------------------------


def truce_breaks(*overrides: str) -> tuple[np.ndarray, np.ndarray]:
    """Which worlds' moratoria break, and who takes the blame, for draws below any hazard."""
    m = model("ceasefire_strikes.yaml", *overrides)
    state = m.state
    state.moratorium[:] = True
    before = state.blame.copy()
    draws = np.c_[np.zeros(WORLDS), np.linspace(0, 0.999, WORLDS)]
    dynamics.truce_hazard(state, m.world.truce, m.roles, m.rates, m.world.blame, draws, quiet)
    gained = state.blame > before + 1e-12
    return ~state.moratorium, gained


def test_the_violator_is_drawn_by_what_each_side_gains_by_striking():
    """The aggressor breaks it with probability ``strike_priority / (priority + campaign)``."""
    broke, gained = truce_breaks(
        "actors.russia.strike_priority=0.3", "actors.ukraine.refinery_campaign=0.2"
    )
    assert broke.all()  # a small total weight (0.5) still breaks truces
    share = 0.3 / 0.5
    draws = np.linspace(0, 0.999, WORLDS)
    assert gained[:, 0].tolist() == (draws < share).tolist()
    assert gained[:, 2].tolist() == (draws >= share).tolist()


def test_a_side_that_may_not_violate_never_does_and_with_neither_truces_hold():
    broke, gained = truce_breaks("actors.ukraine.disabled_actions=[violate_moratorium]")
    assert broke.all() and gained[:, 0].all() and not gained[:, 2].any()
    broke, gained = truce_breaks("actors.russia.disabled_actions=[violate_moratorium]")
    assert broke.all() and gained[:, 2].all() and not gained[:, 0].any()
    broke, _ = truce_breaks(
        "actors.russia.disabled_actions=[violate_moratorium]",
        "actors.ukraine.disabled_actions=[violate_moratorium]",
    )
    assert not broke.any()


# --- the ground trend (M7, M8) --------------------------------------------------------------------


def test_the_ground_trend_averages_pace_against_the_expected_pace():
    m = calm()
    state = m.state
    state.ground_trend[:] = np.array([1.0, 2.0, 0.0, 1.0, 1.0, 1.0])
    state.aid_level[3] = AID_PAUSED
    before = state.ground_trend.copy()
    day = wage_one_day(m)
    keep = 0.5 ** (1 / m.world.bargaining.trend_halflife_days)
    close(state.ground_trend, keep * before + (1 - keep) * day["pace"] / m.expected_pace)
    m.expected_pace = 0.0  # no yardstick: the trend drifts to 1 (no division by 0)
    state.ground_trend[:] = 3.0
    wage_one_day(m)
    close(state.ground_trend, keep * 3 + (1 - keep))


# --- M9 Learning while fighting (dynamics.learn_from_war, model._initial_beliefs) ---------------


def test_m9_day0_estimates_are_mutually_optimistic_and_resolve_follows_the_type():
    """Aggressor above the war share, defender below it; resolve by type (Slantchev 2003)."""
    m = model(
        "summit.yaml",
        "learning.aggressor_optimism=0.07",
        "learning.defender_optimism=0.03",
        "learning.stalling_resolve=0.9",
        "learning.sincere_resolve=0.2",
        worlds=64,
    )
    state, share = m.state, m.world.bargaining.war_share
    close(state.aggressor_estimate, share + 0.07)
    close(state.defender_estimate, share - 0.03)
    close(state.aggressor_prior, state.aggressor_estimate)
    assert state.sincere.any() and (~state.sincere).any()
    close(state.resolve, np.where(state.sincere, 0.2, 0.9))


def test_m9_estimates_move_toward_what_the_front_shows_by_the_posterior_weight():
    """``est += (implied − est) / (prior_days + days seen)``, implied from pace over expectation."""
    m = model()
    state, learning = m.state, m.world.learning
    expected = m.expected_pace
    state.pace[:] = expected * np.array([1.0, 1.5, 0.5, 2.0, 1.0, 0.0])
    state.days_observed[:] = np.array([0, 0, 0, 10, 40, 5])
    state.aggressor_estimate[:] = np.array([0.50, 0.50, 0.50, 0.52, 0.60, 0.50])
    state.defender_estimate[:] = np.array([0.40, 0.40, 0.40, 0.38, 0.30, 0.40])
    state.settled[5] = True
    before_a, before_d = state.aggressor_estimate.copy(), state.defender_estimate.copy()
    dynamics.learn_from_war(state, m.world, expected, m.rates, quiet)
    share = m.world.bargaining.war_share
    implied = share + learning.balance_per_pace * (state.pace / expected - 1)
    seen = np.array([1, 1, 1, 11, 41, 5])
    close(state.days_observed, seen)
    weight = np.array([1, 1, 1, 1, 1, 0]) / (learning.prior_days + seen)
    close(state.aggressor_estimate, before_a + weight * (implied - before_a))
    close(state.defender_estimate, before_d + weight * (implied - before_d))
    # A faster front than expected teaches both that the aggressor is stronger; a slower, weaker.
    assert state.defender_estimate[1] > before_d[1] and state.aggressor_estimate[2] < before_a[2]
    assert state.aggressor_estimate[5] == before_a[5]  # a settled world learns nothing


def test_m9_resolve_erodes_under_hardship_and_hardens_under_a_favourable_trend():
    """``resolve += hardening · max(trend − 1, 0) − erosion · hardship`` on days of fighting."""
    m = model()
    state, learning, economy = m.state, m.world.learning, m.world.economy
    expected = m.expected_pace
    state.pace[:] = expected  # the front as expected: no lesson beyond the estimates' own pull
    base = economy.baseline_pressure
    state.economic_pressure[:] = base + np.array([0.0, 0.3, 0.0, 0.0, 0.0, 0.3])
    state.aggressor_prior[:] = 0.5
    state.aggressor_estimate[:] = np.array([0.5, 0.5, 0.4, 0.5, 0.5, 0.5])
    state.ground_trend[:] = np.array([1.0, 1.0, 1.0, 1.4, 0.6, 1.0])
    state.resolve[:] = 0.6
    state.settled[5] = True
    dynamics.learn_from_war(state, m.world, expected, m.rates, quiet)
    hardship = np.maximum(state.economic_pressure - base, 0) + np.maximum(
        0.5 - state.aggressor_estimate, 0
    )
    favourable = np.maximum(state.ground_trend - 1, 0)
    change = learning.resolve_hardening * favourable - learning.resolve_erosion * hardship
    change[5] = 0.0
    close(state.resolve, np.clip(0.6 + change, 0, 1))
    assert state.resolve[1] < 0.6 and state.resolve[2] < 0.6  # pressure; a disappointing front
    assert state.resolve[3] > 0.6  # a favourable trend hardens it
    assert state.resolve[5] == 0.6  # a settled world's resolve stays


def test_m9_a_wavering_stalling_aggressor_concedes_its_core_down_to_its_reservation():
    """Core floor ``war + resolve · (core_demand − war)``; non-core no lower than framing allows."""
    m = model()
    state = m.state
    state.sincere[:] = False
    state.resolve[:] = np.array([1.0, 0.75, 0.5, 0.25, 0.0, 0.25])
    aggressor, bargaining = m.actor_params[m.roles.aggressor], m.world.bargaining
    war = np.clip(view(m, "aggressor").derived.aggressor_war_value, 0, 1)
    core_floor = war + state.resolve * np.maximum(aggressor.core_demand - war, 0)
    framing_floor = aggressor.core_demand - bargaining.framing_room
    other_floor = np.minimum(core_floor, np.maximum(war, framing_floor))
    state.aggressor_by_issue[:] = 0.9
    # World 5 has conceded its core down to its reservation, its non-core issues below what
    # framing alone would allow: only the resolve-lowered floor leaves it room there.
    state.aggressor_by_issue[:2, 5] = core_floor[5]
    state.aggressor_by_issue[2:, 5] = framing_floor - 0.1
    ctx = view(m, "aggressor")
    utility("concede", ctx)
    _, room, issue = dynamics_free_gap(ctx)
    close(room[:5], np.maximum(0.9 - core_floor, 0.9 - other_floor)[:5])
    close(room[5], framing_floor - 0.1 - core_floor[5])
    assert room[5] > 0.05 and issue[5] == 2
    assert issue[0] == 2 and issue[4] == 0  # resolve 1: framing only; eroded: the core too
    assert room[1] < room[2] < room[3] < room[4]  # the less resolve, the more room


# --- the summary columns (outcomes.summarise) -----------------------------------------------------


def test_the_summary_columns_report_the_final_state():
    from sim.model.outcomes import summarise

    m = model(worlds=50)
    for _ in range(12):
        m.step()
    state = m.state
    rows = summarise(m, first_world=100)
    coded = summarise(m, first_world=100, codes=True)
    assert rows["world"].tolist() == list(range(100, 150))
    for column, field in {
        "casualties": "casualties",
        "air_defense_delivered": "air_defense_delivered",
        "strikes_launched": "strikes_launched",
        "sanctions_bite": "sanctions_bite",
        "sanctions_level": "sanctions_level",
        "economic_pressure": "economic_pressure",
        "belief_sincere": "belief",
        "credibility": "credibility",
        "deadline_extensions": "extensions",
    }.items():
        np.testing.assert_array_equal(rows[column], getattr(state, field), err_msg=column)
    close(rows["territory_change"], state.territory * 100 - m.world.war.territory_start_pct)
    close(rows["mean_economic_pressure"], state.pressure_sum / 12)
    sanctioned = ~np.isnan(state.first_day["sanctions"])
    expected = classify(state.settled, state.moratorium, sanctioned)
    assert rows["outcome"].tolist() == expected.tolist()
    assert [OUTCOMES[c] for c in coded["outcome"]] == expected.tolist()
    assert coded["outcome"].dtype == np.int8  # one byte a world (a million worlds: 1 MB)
    assert set(rows["aggressor_type"]) <= {"sincere", "stalling"}
    assert (
        rows["aggressor_type"].tolist() == np.where(state.sincere, "sincere", "stalling").tolist()
    )
    assert coded["aggressor_type"].tolist() == state.sincere.astype(int).tolist()
    for index, name in enumerate(m.actor_names):
        np.testing.assert_array_equal(rows[f"blame_{name}"], state.blame[:, index])
        np.testing.assert_array_equal(rows[f"face_{name}"], state.face[:, index])
    for event in ("summit", "sanctions", "settlement", "moratorium_start", "summit_offer"):
        np.testing.assert_array_equal(rows[f"day_{event}"], state.first_day[event], err_msg=event)
    np.testing.assert_array_equal(rows["day_aid_paused"], state.first_day["aid_paused"])
    np.testing.assert_array_equal(rows["rejections_defender"], state.rejections[:, 2])
    np.testing.assert_array_equal(rows["aggressor_demand"], state.aggressor_demand())
    np.testing.assert_array_equal(rows["defender_offer"], state.defender_offer())


def test_the_first_deadline_known_on_day_zero_is_the_earliest_whatever_the_order():
    """``start_calendar``: the earliest deadline event is public from day 0, with its cost."""
    later = (
        "{day: 9, kind: deadline, by: usa, against: russia, threat: sanctions, audience_cost: 0.7}"
    )
    early = (
        "{day: 4, kind: deadline, by: usa, against: russia, threat: sanctions, audience_cost: 0.3}"
    )
    m = model("sanctions.yaml", f"events=[{later}, {early}]")
    assert (m.state.deadline_day == 4).all()
    close(m.state.deadline_cost, 0.3)
