"""The rules issue 22 added for the record of 2025, one at a time, against ``docs/model.md``.

The record's event kinds (an aid pause and its resumption, a unilateral short truce, talks at
delegation level, a supporters' package, a deadline announced before it falls) and the summit as
an action (the aggressor answering a summit offered to it; either leader calling off an agreed
summit). Like ``tests/test_mechanism_properties.py``, each test sets a few worlds' state, calls
one rule and checks it against its formula, so that a sign flipped, a term dropped or a day off
fails it; ``bench/hand_mutations.py`` lists the mutations each kills (``docs/testing.md``).
"""

from __future__ import annotations

import numpy as np

from sim.model import dynamics
from sim.model.state import (
    AID_INCREASED,
    AID_NORMAL,
    AID_PAUSED,
    SIGNAL_CORE,
    SIGNAL_NONE,
    SIGNAL_STATEMENT,
    SUMMIT_DECLINED,
    SUMMIT_OFFERED,
    SUMMIT_SCHEDULED,
)
from tests.conftest import ensemble
from tests.test_mechanism_properties import (
    WORLDS,
    apply,
    calm,
    close,
    model,
    recorder,
    utility,
    view,
    wage_one_day,
)


def fire(m, day: int) -> list[tuple[np.ndarray, str]]:
    """Fire the scenario's events of ``day``, with the drawn parameters; the notes made."""
    m.state.day = day
    notes, note = recorder()
    dynamics.fire_events(m.state, m.spec, m.world, note, m.params_by_name)
    return notes


# --- an aid pause and its resumption -------------------------------------------------------------


def test_an_aid_pause_sets_its_level_in_live_worlds_and_a_resumption_restores_only_paused_aid():
    m = model(
        "baseline.yaml",
        "events=[{day: 2, kind: aid_pause, by: usa, to: ukraine}, "
        "{day: 4, kind: aid_resume, by: usa, to: ukraine}, "
        "{day: 6, kind: aid_pause, by: usa, to: ukraine, level: 0.5}]",
    )
    state = m.state
    state.aid_level[:] = [AID_NORMAL, AID_INCREASED, AID_NORMAL, AID_NORMAL, AID_NORMAL, 1]
    state.settled[5] = True
    fire(m, 2)
    close(state.aid_level, [AID_PAUSED] * 5 + [AID_NORMAL])  # a settled world keeps its aid
    assert (state.first_day["aid_paused"][:5] == 2).all()
    assert np.isnan(state.first_day["aid_paused"][5])
    state.aid_level[1] = AID_INCREASED  # the coercer raised it again in one world
    state.aid_level[2] = 0.5
    fire(m, 4)
    close(state.aid_level, [AID_NORMAL, AID_INCREASED, AID_NORMAL, AID_NORMAL, AID_NORMAL, 1])
    fire(m, 6)
    close(state.aid_level[:5], 0.5)
    close(state.first_day["aid_paused"][:5], 2)  # the first pause stays the recorded one


def test_a_paused_aid_level_speeds_the_front_as_the_coercers_pause_does():
    """An event's pause acts through the same aid level as ``pressure_defender`` (M8)."""
    m = calm()
    state, war = m.state, m.world.war
    state.aid_level[:] = [AID_NORMAL, AID_PAUSED, 0.5, AID_NORMAL, AID_NORMAL, AID_NORMAL]
    pace = wage_one_day(m)["pace"]
    close(pace[1:3] / pace[0], 1 + war.aid_effect * np.array([1.0, 0.5]))


# --- a unilateral short truce --------------------------------------------------------------------


def test_a_unilateral_truce_stops_strikes_and_slows_the_front_for_exactly_its_days():
    """M5: for ``length_days`` days from its day, no strikes and the pace times the share."""
    m = model(
        "baseline.yaml",
        "war.ground_gain_pct_per_day=0.004",
        "war.casualties_per_day=1000",
        "truce.unilateral_pace_share=0.3",
        "events=[{day: 5, kind: unilateral_truce, by: russia, length_days: 2}]",
    )
    state = m.state
    state.settled[:] = False
    notes = fire(m, 5)
    assert (state.signals == SIGNAL_STATEMENT).all() and len(notes) == 1
    close(state.truce_until, 6)  # days 5 and 6
    reference = calm()
    reference.state.day = 5
    free = wage_one_day(reference)
    for day in (5, 6):
        state.day = day
        during = wage_one_day(m)
        close(during["pace"], 0.3 * free["pace"])
        close(during["strikes"], 0.0)
    state.day = 7
    after = wage_one_day(m)
    close(after["pace"], free["pace"])
    assert (after["strikes"] > 0).all()


def test_a_truce_does_not_replace_a_costlier_signal_of_the_same_day():
    m = model(
        "baseline.yaml", "events=[{day: 3, kind: unilateral_truce, by: russia, length_days: 1}]"
    )
    m.state.signals[:2] = SIGNAL_CORE
    fire(m, 3)
    assert m.state.signals.tolist() == [SIGNAL_CORE] * 2 + [SIGNAL_STATEMENT] * (WORLDS - 2)


# --- talks at delegation level -------------------------------------------------------------------


def test_talks_bring_the_coercer_their_progress_without_undoing_a_summits():
    """M2: ``progress = max(progress, summit.talks_progress)``; a statement to the coercer."""
    m = model(
        "baseline.yaml",
        "summit.talks_progress=0.3",
        "events=[{day: 4, kind: talks, between: [russia, ukraine]}]",
    )
    state = m.state
    state.progress[:] = [0.0, 0.1, 0.29, 0.5, 0.9, 0.0]
    state.settled[5] = True
    state.signals[3] = SIGNAL_CORE
    fire(m, 4)
    close(state.progress, [0.3, 0.3, 0.3, 0.5, 0.9, 0.0])
    assert state.signals.tolist() == [SIGNAL_STATEMENT] * 3 + [SIGNAL_CORE, SIGNAL_STATEMENT] + [
        SIGNAL_NONE
    ]


def test_with_talks_the_coercer_pays_less_for_letting_a_deadline_pass():
    """The talks' progress enters the off-ramp of M1/M2: ``(1 − φ · progress)``."""
    m = model("baseline.yaml", "events=[{day: 4, kind: talks, between: [russia, ukraine]}]")
    state = m.state
    state.day = 4
    state.deadline_day[:] = 4
    state.deadline_cost[:] = 1.0
    _, before = utility("extend_deadline", view(m, "coercer"))
    fire(m, 4)
    _, after = utility("extend_deadline", view(m, "coercer"))
    coercer = m.actor_params[m.roles.coercer]
    talks = m.world.summit.talks_progress
    close(after["face"] / before["face"], 1 - coercer.summit_forgiveness * talks)


# --- a supporters' sanctions package -------------------------------------------------------------


def test_a_package_adds_its_supporters_capacity_to_their_part_not_the_coercers():
    """M6: a package is not the coercer's sanctions: no day_sanctions, the deadline stands."""
    m = model(
        "baseline.yaml",
        "actors.europe.sanctions_capacity=0.15",
        "events=[{day: 2, kind: sanctions_package, by: europe, against: russia}, "
        "{day: 3, kind: sanctions_package, by: europe, against: russia, level: 0.05}]",
    )
    state = m.state
    state.deadline_day[:] = 9
    state.coercer_sanctions[:2] = 0.5
    state.sanctions_level[:2] = 0.5
    fire(m, 2)
    close(state.other_sanctions, 0.15)
    close(state.coercer_sanctions, [0.5, 0.5, 0, 0, 0, 0])
    close(state.sanctions_level, [0.65, 0.65, 0.15, 0.15, 0.15, 0.15])
    fire(m, 3)
    close(state.other_sanctions, 0.2)  # packages add up
    assert np.isnan(state.first_day["sanctions"]).all()
    close(state.deadline_day, 9)


# --- a deadline announced before it falls --------------------------------------------------------


def test_an_announced_deadline_is_public_from_its_announcement_and_the_earlier_one_stands():
    """The record's 50 days (announced day 3, falls day 20) shortened (announced 5, falls 10)."""
    m = model(
        "baseline.yaml",
        "events=[{day: 20, announced: 3, kind: deadline, by: usa, against: russia}, "
        "{day: 30, announced: 4, kind: deadline, by: usa, against: russia}, "
        "{day: 10, announced: 5, kind: deadline, by: usa, against: russia}]",
    )
    state = m.state
    assert np.isinf(state.deadline_day).all()  # not public from day 0
    assert np.isnan(state.first_day["deadline"]).all()
    for day in range(3):
        fire(m, day)
        assert np.isinf(state.deadline_day).all()
    fire(m, 3)
    close(state.deadline_day, 20)
    assert (state.first_day["deadline"] == 3).all()
    fire(m, 4)
    close(state.deadline_day, 20)  # a later deadline does not push back a pending one
    fire(m, 5)
    close(state.deadline_day, 10)  # a shorter one replaces it
    for day in (10, 20):  # nothing fires again on the days they fall
        before = state.deadline_day.copy()
        fire(m, day)
        close(state.deadline_day, before)


def test_an_announced_deadline_may_fall_past_the_horizon_and_is_pending_at_the_end():
    m = model(
        "baseline.yaml",
        "horizon_days=8",
        "events=[{day: 10, announced: 5, kind: deadline, by: usa, against: russia}]",
        worlds=64,
    )
    m.run_to_horizon()
    close(m.state.deadline_day[np.isnan(m.state.first_day["sanctions"])], 10)
    threat = view(m, "aggressor").derived.threat
    assert (threat > 0).all()


# --- the summit as an action: who answers --------------------------------------------------------


def offered_to_the_aggressor(*overrides: str):
    m = model("baseline.yaml", *overrides)
    m.state.summit_status[:] = SUMMIT_OFFERED
    m.state.summit_to_aggressor[:] = np.arange(WORLDS) < 3
    m.state.summit_day[:] = 6
    return m


def test_the_leader_a_summit_is_offered_to_answers_it_and_only_that_leader():
    m = offered_to_the_aggressor()
    for role, mine in (("aggressor", np.arange(WORLDS) < 3), ("coercer", np.arange(WORLDS) >= 3)):
        for name in ("accept_summit", "decline_summit"):
            available, _ = utility(name, view(m, role))
            assert available.tolist() == mine.tolist(), (role, name)


def test_the_aggressor_weighs_a_summit_offered_to_it_as_it_weighs_offering_one():
    """Its value of meeting is its offer's (shield and standing); declining stands firm."""
    m = offered_to_the_aggressor()
    state = m.state
    state.deadline_day[:] = [1, 3, np.inf, 1, 1, 1]  # threat near, further, none
    state.deadline_cost[:] = 1.0
    ctx = view(m, "aggressor")
    _, accept = utility("accept_summit", ctx)
    state.summit_status[:] = 0  # as if nothing were offered: the offer's utility
    _, offer = utility("offer_summit", view(m, "aggressor"))
    close(accept["threat"][:3], offer["threat"][:3])
    close(accept["standing"][:3], offer["standing"][:3])
    assert accept["threat"][0] > accept["threat"][1] > accept["threat"][2] > 0
    assert "cost" not in accept  # an answer
    state.summit_status[:] = SUMMIT_OFFERED
    _, decline = utility("decline_summit", view(m, "aggressor"))
    aggressor = m.actor_params[m.roles.aggressor]
    close(decline["face"][:3], m.world.summit.decline_face * aggressor.weakness_aversion)


def test_a_summit_offer_event_to_the_aggressor_is_answered_by_it():
    m = model(
        "baseline.yaml",
        "events=[{day: 1, kind: summit_offer, by: ukraine, to: russia, held_on: 5}, "
        "{day: 2, kind: summit_offer, by: russia, to: usa}]",
    )
    fire(m, 1)
    assert m.state.summit_to_aggressor.all()
    close(m.state.summit_day, 5)
    m.state.summit_status[:3] = SUMMIT_SCHEDULED
    fire(m, 2)
    assert m.state.summit_to_aggressor.tolist() == [True] * 3 + [False] * 3


# --- the summit as an action: calling it off -----------------------------------------------------


def scheduled(*overrides: str, to_aggressor: bool = False):
    m = model("baseline.yaml", *overrides)
    state = m.state
    state.day = 4
    state.summit_status[:] = SUMMIT_SCHEDULED
    state.summit_day[:] = 9
    state.summit_to_aggressor[:] = to_aggressor
    state.deadline_day[:] = np.inf
    return m


def test_the_coercer_calls_off_a_summit_once_its_belief_makes_holding_it_worth_less():
    """M2: ``U = WA·decline − WA·φ·pending − w·(π + c·credulity − threshold) − cost``, where > 0."""
    m = scheduled()
    state = m.state
    state.belief[:] = [0.6, 0.4, 0.2, 0.1, 0.02, 0.02]
    state.deadline_day[5] = 30  # a deadline pending: the summit's off-ramp is worth more
    state.deadline_cost[5] = 1.0
    available, parts = utility("call_off_summit", view(m, "coercer"))
    usa, summit, beliefs = m.actor_params[m.roles.coercer], m.world.summit, m.world.beliefs
    stake = np.where(np.isfinite(state.deadline_day), 1.0, summit.stake_without_deadline)
    face = usa.weakness_aversion * (summit.decline_face - usa.summit_forgiveness * stake)
    trust = state.belief + summit.credulity_weight * usa.credulity
    belief = -summit.belief_weight * (trust - beliefs.sanctions_threshold)
    gain = face + belief
    assert available.tolist() == (gain > 0).tolist()
    assert available.tolist() == [False, False, False, True, True, False]
    close(parts["face"][available], face[available])
    close(parts["belief"][available], belief[available])
    close(parts["cost"][available], -m.world.decision.action_cost)


def test_a_summit_the_coercer_offered_itself_is_called_off_only_at_a_lower_belief():
    """The offerer's value of not meeting is 0, not the face of standing firm."""
    m = scheduled()
    state = m.state
    state.summit_to_aggressor[:] = np.arange(WORLDS) % 2 == 0  # the coercer offered it there
    state.belief[:] = [0.1, 0.1, 0.02, 0.02, 1e-6, 1e-6]
    available, parts = utility("call_off_summit", view(m, "coercer"))
    usa, summit = m.actor_params[m.roles.coercer], m.world.summit
    firm = summit.decline_face * usa.weakness_aversion
    close(parts["face"][1::2] - parts["face"][0::2], firm)  # only the answerer stands firm
    assert available[1] and not available[0]


def test_the_aggressor_calls_off_a_summit_offered_to_it_only_without_a_threat_to_shield_it():
    """M2: ``U = WA·decline − threat − standing − cost`` for the leader it was offered to."""
    m = scheduled(to_aggressor=True)
    state = m.state
    state.deadline_day[:] = [5, 6, 8, 20, np.inf, np.inf]
    state.deadline_cost[:] = 1.0
    state.belief[:] = [0.5, 0.5, 0.5, 0.5, 0.5, 0.99]
    ctx = view(m, "aggressor")
    available, parts = utility("call_off_summit", ctx)
    russia, summit = m.actor_params[m.roles.aggressor], m.world.summit
    state.summit_status[:] = 0
    _, offer = utility("offer_summit", view(m, "aggressor"))
    close(parts["threat"][available], -offer["threat"][available])
    close(parts["standing"][available], -offer["standing"][available])
    firm = summit.decline_face * russia.weakness_aversion
    close(parts["face"][available], firm)
    gain = firm - offer["threat"] - offer["standing"]
    assert available.tolist() == (gain > 0).tolist()
    assert not available[0] and available[-1]  # not on the eve of the deadline; without one


def test_the_aggressor_never_calls_off_a_summit_it_offered():
    m = scheduled(to_aggressor=False)
    m.state.belief[:] = np.linspace(0.01, 0.99, WORLDS)
    available, _ = utility("call_off_summit", view(m, "aggressor"))
    assert not available.any()


def test_a_summit_due_today_or_held_cannot_be_called_off():
    m = scheduled()
    state = m.state
    state.belief[:] = 0.01
    state.summit_day[:2] = state.day  # due today: held before the choices
    state.summit_status[2] = SUMMIT_DECLINED
    state.settled[3] = True
    available, _ = utility("call_off_summit", view(m, "coercer"))
    assert available.tolist() == [False, False, False, False, True, True]


def test_calling_off_ends_the_summit_so_its_progress_fades_and_sanctions_are_possible():
    m = scheduled()
    state = m.state
    state.belief[:] = 0.01
    state.progress[:] = 0.8
    mask = np.arange(WORLDS) < 3
    apply("call_off_summit", view(m, "coercer"), mask)
    assert (state.summit_status[mask] == SUMMIT_DECLINED).all()
    assert (state.summit_status[~mask] == SUMMIT_SCHEDULED).all()
    assert np.isinf(state.summit_day[mask]).all() and (state.summit_changed_day[mask] == 4).all()
    dynamics.decay_progress(state, m.rates)
    assert (state.progress[mask] < 0.8).all() and (state.progress[~mask] == 0.8).all()
    available, _ = utility("impose_sanctions", view(m, "coercer"))
    assert available.tolist() == mask.tolist()


# --- the pattern, on seeded ensembles ------------------------------------------------------------


def test_an_aggressor_offered_a_summit_meets_more_often_under_a_near_deadline():
    """M2 read backwards: the shield a summit gives is what makes the aggressor come."""
    offer = "{day: 0, kind: summit_offer, by: ukraine, to: russia, held_on: 6}"
    calm_runs = ensemble("baseline.yaml", f"events=[{offer}]", runs=4096)
    pressed = ensemble(
        "baseline.yaml",
        f"events=[{offer}, {{day: 2, kind: deadline, by: usa, against: russia}}]",
        runs=4096,
    )
    held = [(r.worlds["day_summit"] == 6).mean() for r in (calm_runs, pressed)]
    assert held[1] > held[0] + 0.2, held
