"""One registry per concept: an action declared once is found by every part that names actions."""

from __future__ import annotations

import numpy as np
import pytest

from sim.classroom.play import Game, Move, PlayError, check_moves
from sim.model import actions
from sim.model.model import NegotiationModel
from sim.scenario import catalogue
from sim.scenario.catalogue import ActionSpec
from sim.scenario.loading import ScenarioError, load_scenario
from tests.conftest import SCENARIOS

APPEAL = ActionSpec(
    "broadcast_appeal",
    ("supporter",),
    "broadcasts an appeal for peace",
    "An appeal on every channel: costs nothing, changes nothing (a test action).",
)


def _appeal_utility(ctx):
    available = ctx.active
    return available, {"material": np.full(ctx.state.n, 5.0)}  # far better than waiting


def _appeal(ctx, mask):
    ctx.state.face[mask, ctx.me] += 100.0  # a mark the test can find


@pytest.fixture
def appeal(monkeypatch):
    """The supporter's new action: declared once, with its rule under the same name."""
    monkeypatch.setattr(catalogue, "ACTIONS", (*catalogue.ACTIONS, APPEAL))
    monkeypatch.setitem(actions.RULES, APPEAL.name, actions.Rule(_appeal_utility, _appeal))


def test_an_action_declared_once_is_found_everywhere(appeal):
    summit = SCENARIOS / "summit.yaml"
    # the schema: a scenario may disable it for the role that has it, and for no other
    load_scenario(summit, ["actors.europe.disabled_actions=[broadcast_appeal]"])
    with pytest.raises(ScenarioError, match="unknown action 'broadcast_appeal' for the coercer"):
        load_scenario(summit, ["actors.usa.disabled_actions=[broadcast_appeal]"])
    # the model: the supporter chooses it, its effect runs, and a trace tells it in its words
    model = NegotiationModel(load_scenario(summit), worlds=1, rng=3, trace_world=0)
    model.step()
    europe = model.actor_names.index("europe")
    assert model.state.face[0, europe] >= 100.0
    assert any(entry["text"] == "europe broadcasts an appeal for peace" for entry in model.log)
    # disabled, it is never chosen
    off = load_scenario(summit, ["actors.europe.disabled_actions=[broadcast_appeal]"])
    quiet = NegotiationModel(off, worlds=50, rng=3)
    quiet.step()
    assert (quiet.state.face[:, europe] < 100.0).all()
    # sim play: a moves file may name it, and the menu shows its consequence
    check_moves([Move(0, "broadcast_appeal")], "moves.txt", load_scenario(summit), "europe")
    lines: list[str] = []
    Game(load_scenario(summit), "europe", 3, lines.append, lambda _: "1").play()
    assert any(APPEAL.consequence in line for line in lines)


def test_the_schema_the_model_and_play_name_the_same_actions():
    for role in catalogue.EVERY_ROLE:
        model_names = [action.name for action in actions.CATALOGUE[role]]
        declared = [spec.name for spec in catalogue.of_role(role) if spec.daily]
        assert model_names == declared
        assert model_names[0] == "wait"
    summit = load_scenario(SCENARIOS / "summit.yaml")
    with pytest.raises(PlayError, match="unknown action 'broadcast_appeal'"):
        check_moves([Move(0, "broadcast_appeal")], "moves.txt", summit, "europe")


def test_a_declared_action_without_a_rule_is_refused_naming_where_to_write_it(monkeypatch):
    monkeypatch.setattr(catalogue, "ACTIONS", (*catalogue.ACTIONS, APPEAL))
    with pytest.raises(LookupError, match=r"without a rule in sim/model/actions.py RULES: \['br"):
        actions.CATALOGUE["supporter"]


def test_a_rule_without_a_declaration_is_refused(monkeypatch):
    monkeypatch.setitem(actions.RULES, "ghost", actions.Rule(_appeal_utility, _appeal))
    with pytest.raises(LookupError, match=r"without a declaration .* \['ghost'\]"):
        actions.CATALOGUE["aggressor"]


def test_waiting_and_answers_cannot_be_disabled_and_a_truce_break_is_not_a_daily_choice():
    from sim.scenario.schema import ACTIONS_BY_ROLE

    for role in catalogue.EVERY_ROLE:
        assert not {"wait", "accept", "reject"} & set(ACTIONS_BY_ROLE[role])
    assert "violate_moratorium" in ACTIONS_BY_ROLE["defender"]
    assert "violate_moratorium" not in [a.name for a in actions.CATALOGUE["defender"]]
