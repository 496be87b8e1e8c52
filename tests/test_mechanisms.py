"""One test per mechanism M1-M9 (docs/model.md §1 and §7), each on seeded ensembles of 8,192 worlds.

Margins are several binomial standard errors wide, so none can pass by luck; each test fails when
its mechanism is switched off (``SIM_MECHANISM_OFF=Mk pytest tests/test_mechanisms.py``).
"""

from __future__ import annotations

import numpy as np

from sim.model.model import NegotiationModel
from tests.conftest import bundled, ensemble, switched_off

KEEP_DEADLINES = "actors.usa.disabled_actions=[let_deadline_lapse]"
"""The coercer may not let a deadline lapse (tests whose margins must not rest on M1's lapse)."""


def paralysis(*overrides: str) -> float:
    worlds = ensemble("summit.yaml", *overrides).worlds
    return float((worlds["outcome"] == "paralysis").mean())


def test_m1_paralysis_rises_with_both_leaders_weakness_aversion():
    """Greene: neither leader can be seen to cave, so neither moves.

    Run with an aggressor of uncertain type (even prior): its face matters through the deals a
    sincere aggressor would otherwise accept.
    """
    uncertain = "actors.russia.types={stalling: 0.5, sincere: 0.5}"
    grid = {
        (a, c): paralysis(
            uncertain, f"actors.russia.weakness_aversion={a}", f"actors.usa.weakness_aversion={c}"
        )
        for a in (0.1, 0.9)
        for c in (0.1, 0.9)
    }
    both_high = grid[(0.9, 0.9)]
    assert both_high > grid[(0.1, 0.9)] + 0.02  # a leader who can cave breaks the deadlock
    assert both_high > grid[(0.9, 0.1)] + 0.1  # a coercer unafraid of failure sanctions
    assert grid[(0.1, 0.1)] < both_high - 0.15


def test_m2_summit_is_an_off_ramp_better_for_the_aggressor():
    """Greene: the summit lets the coercer hold off while the aggressor concedes nothing."""
    sanctions = ensemble("sanctions.yaml").worlds
    summit = ensemble("summit.yaml").worlds
    within_week = {
        name: float((w["day_sanctions"] <= 8).mean())
        for name, w in (("sanctions", sanctions), ("summit", summit))
    }
    assert within_week["sanctions"] > 0.5
    assert within_week["summit"] < within_week["sanctions"] / 3
    gain_aggressor = summit["payoff_russia"].mean() - sanctions["payoff_russia"].mean()
    gain_coercer = summit["payoff_usa"].mean() - sanctions["payoff_usa"].mean()
    assert gain_aggressor > gain_coercer + 0.1


def test_m2_with_one_deadline_the_coercer_gains_from_the_summit():
    """Greene: the summit lets the coercer claim its threats worked (docs/model.md, M2).

    Held with one deadline that is not re-armed, so that the margin does not rest on how often the
    coercer lets a deadline lapse (M2, "Why the coercer's gain once turned negative").
    """
    once = "actors.usa.deadline_extension_days=200"
    sanctions = ensemble("sanctions.yaml", once).worlds
    summit = ensemble("summit.yaml", once).worlds
    gain_coercer = summit["payoff_usa"].mean() - sanctions["payoff_usa"].mean()
    assert gain_coercer > 1.0  # about 2.2; 0.5 when the summit forgives nothing


def test_m3_stalling_keeps_its_core_and_belief_decays_into_sanctions():
    """Stanovaya: openness is framing; the core position does not move (Kydd: cheap talk).

    Held with the aggressor's resolve fixed (no erosion, M9): M9's test shows it giving way.
    """
    worlds = ensemble("summit.yaml", "actors.usa.credulity=0", "learning.resolve_erosion=0").worlds
    stalling = worlds[worlds["aggressor_type"] == "stalling"]
    assert np.allclose(stalling["aggressor_core_position"], 0.9)
    assert stalling["belief_sincere"].mean() < 0.5 - 0.1
    later = ensemble(
        "baseline.yaml", "actors.usa.credulity=0", "horizon_days=240", "learning.resolve_erosion=0"
    ).worlds
    day = later["day_sanctions"]
    first_half = float((day < 120).mean())
    second_half = float(((day >= 120) & (day < 240)).mean()) / (1 - first_half)
    assert second_half > 2 * first_half + 0.01


def test_m4_rejections_shift_blame_and_pressure_follows_blame():
    """Baunov: rejecting a de-escalatory offer shifts blame onto the rejecter."""
    proposing = ensemble("baseline.yaml").worlds
    silent = ensemble(
        "baseline.yaml",
        # a --set list replaces the whole list: keep baseline.yaml's offer_summit switched off
        "actors.russia.disabled_actions=[offer_summit, propose_ceasefire, propose_moratorium]",
    ).worlds
    assert proposing["rejections_defender"].mean() > 1
    assert proposing["blame_ukraine"].mean() > silent["blame_ukraine"].mean() + 0.05
    blamed = ensemble("baseline.yaml", "actors.ukraine.initial_blame=0.6").worlds
    paused = lambda w: float(w["day_aid_paused"].notna().mean())  # noqa: E731
    assert paused(blamed) > paused(silent) + 0.1


def test_m5_strike_moratorium_reshapes_the_war():
    """Baunov: a strike ceasefire eases the rush of air defence and moves the war to the ground."""
    base = ensemble("baseline.yaml").worlds
    truce = ensemble("ceasefire_strikes.yaml").worlds
    assert truce["air_defense_delivered"].mean() < 0.85 * base["air_defense_delivered"].mean()
    assert truce["mean_economic_pressure"].mean() < base["mean_economic_pressure"].mean()
    assert truce["territory_change"].mean() > 1.05 * base["territory_change"].mean()
    monitored = ensemble("ceasefire_strikes.yaml", "events.0.monitored=true").worlds
    broke = lambda w: float(w["day_moratorium_end"].notna().mean())  # noqa: E731
    assert broke(truce) > 0.7  # Fortna: informal, unmonitored truces break down
    assert broke(truce) > broke(monitored) + 0.2


def test_m6_sanctions_raise_pressure_with_delay_and_success_is_drawn_per_world():
    """Hufbauer et al.: sanctions rarely succeed; effects arrive over weeks."""
    overrides = ("economy.sanctions_success=0.5", *switched_off())
    control = "actors.usa.disabled_actions=[impose_sanctions]"
    pressure = {}
    for name, extra in (("sanctions.yaml", ()), ("baseline.yaml", (control,))):
        spec = bundled(name, *overrides, *extra)
        model = NegotiationModel(spec, worlds=4096, rng=5)
        by_day = []
        for _ in range(44):
            model.step()
            by_day.append(model.state.economic_pressure.copy())
        pressure[name] = by_day
    sanctioned = pressure["sanctions.yaml"]
    week, six_weeks = sanctioned[8].mean(), sanctioned[43].mean()
    assert six_weeks > week + 0.05  # the effect builds over weeks
    assert six_weeks > pressure["baseline.yaml"][43].mean() + 0.05
    worlds = ensemble("sanctions.yaml").worlds
    draws = worlds["sanctions_success_prob"]
    assert abs(draws.mean() - 2 / 16) < 0.01  # Beta(2, 14) in article.yaml
    assert draws.std() > 0.05
    assert abs(worlds["sanctions_bite"].mean() - draws.mean()) < 0.02


def test_m7_no_deal_without_a_bargaining_range_and_trend_hardens_the_aggressor():
    """Fearon (1995): settle only inside every veto player's acceptable set."""
    # The coercer keeps its deadlines (no lapse, M1), so that the pressure behind the range does
    # not depend on how often the summit lets it drop them.
    sincere = ("actors.russia.types={stalling: 0, sincere: 1}", KEEP_DEADLINES)
    open_range = ensemble("summit.yaml", *sincere).worlds
    assert (open_range["outcome"] == "settlement").mean() > 0.15
    empty = ensemble(
        "summit.yaml",
        *sincere,
        "bargaining.war_share=0.95",
        "bargaining.aggressor_war_cost=0",
        "bargaining.defender_war_cost=0",
        "bargaining.pressure_weight=0",
    ).worlds
    assert (empty["day_settlement"].notna()).sum() == 0
    winning = ensemble("summit.yaml", *sincere, "war.ground_gain_pct_per_day=0.006").worlds
    settle = lambda w: float((w["outcome"] == "settlement").mean())  # noqa: E731
    assert settle(winning) < settle(open_range) - 0.05


def test_m8_war_is_calibrated_to_2025_rates():
    """DeepState/ISW: 400-600 km2 a month; CSIS and Ukrainian claims: ~1,400 casualties a day."""
    worlds = ensemble("baseline.yaml").worlds
    km2 = worlds["territory_change"].median() / 100 * 603_550
    assert 1_200 < km2 < 2_800  # 120 days at 300-700 km2 a month
    per_day = worlds["casualties"].median() / 120
    assert 1_200 < per_day < 1_700
    settled = ensemble("summit.yaml", "actors.russia.types={stalling: 0, sincere: 1}").worlds
    done = settled[settled["outcome"] == "settlement"]
    assert (done["casualties"] < worlds["casualties"].median()).mean() > 0.8


def test_m9_costs_and_a_disappointing_front_can_bring_a_stalling_aggressor_to_settle():
    """Slantchev (2003), Filson & Werner (2002), Powell (2004): the war informs, resolve erodes.

    Under sanctions some stalling aggressors come to settle; without the erosion of resolve none
    does. The prior type still matters: sincere aggressors settle far more often.
    """
    # The coercer keeps its deadlines (no lapse, M1): a coercer that believes a sincere aggressor
    # drops its threat, and the sincere worlds then settle less for a reason that is not M9's.
    worlds = ensemble("sanctions.yaml", KEEP_DEADLINES).worlds
    stalling = worlds["aggressor_type"] == "stalling"
    settled = worlds["day_settlement"].notna()
    stalling_share = float(settled[stalling].mean())
    assert stalling_share > 0.04
    assert float(settled[~stalling].mean()) > 2 * stalling_share
    held = ensemble("sanctions.yaml", KEEP_DEADLINES, "learning.resolve_erosion=0").worlds
    assert not held["day_settlement"].notna()[held["aggressor_type"] == "stalling"].any()
    biting = worlds["sanctions_bite"]
    # Sanctions that bite erode resolve faster: more stalling worlds settle where they do.
    assert settled[stalling & biting].mean() > settled[stalling & ~biting].mean() + 0.05
