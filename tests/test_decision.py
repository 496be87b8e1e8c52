"""The logit choice's contract with the action catalogue (sim.model.decision, sim.model.actions)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import sim.model.agents
from sim.model.actions import CATALOGUE, NONE, Action, Rule, Utility, _nothing
from sim.model.context import Context
from sim.model.model import NegotiationModel
from sim.scenario.loading import load_scenario
from tests.conftest import SCENARIOS


def _checked(action: Action, seen: dict[str, int]) -> Action:
    """``action`` with a utility that fails if it says NONE while available somewhere."""
    utility: Utility = action.utility

    def check(ctx: Context) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        available, parts = utility(ctx)
        if parts is NONE:
            assert not np.any(available), f"{action.name} said NONE where it is available"
            seen[action.name] = seen.get(action.name, 0) + 1
        return available, parts

    return dataclasses.replace(action, utility=check)


@pytest.mark.parametrize("scenario", ["summit", "sanctions", "ceasefire_strikes", "baseline"])
def test_an_action_skipped_as_none_is_available_in_no_world(scenario, monkeypatch):
    """``choose`` skips an action whose components are NONE without counting its mask."""
    seen: dict[str, int] = {}
    checked = {role: tuple(_checked(a, seen) for a in acts) for role, acts in CATALOGUE.items()}
    monkeypatch.setattr(sim.model.agents, "CATALOGUE", checked)
    model = NegotiationModel(str(SCENARIOS / f"{scenario}.yaml"), worlds=400, rng=5)
    model.run_to_horizon()
    assert len(seen) >= 5  # the check ran, on many actions' early exits


def _never_available(ctx: Context) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    return np.zeros(ctx.state.n, dtype=bool), NONE


def _outcomes(scenario: str, worlds: int = 3000) -> dict[str, np.ndarray]:
    from sim.model.outcomes import summarise

    model = NegotiationModel(str(SCENARIOS / f"{scenario}.yaml"), worlds=worlds, rng=7)
    model.run_to_horizon()
    return summarise(model)


@pytest.mark.parametrize("first", [True, False], ids=["declared first", "declared last"])
def test_adding_an_unavailable_action_changes_no_worlds_outcome(first, monkeypatch):
    """Decision noise is keyed per action: a new action reseeds no other (docs/model.md, §10)."""
    from sim.scenario import catalogue

    before = _outcomes("summit")
    idle = catalogue.ActionSpec("idle_talk", ("aggressor", "coercer"), "talks idly", "Nothing.")
    declared = (idle, *catalogue.ACTIONS) if first else (*catalogue.ACTIONS, idle)
    monkeypatch.setattr(catalogue, "ACTIONS", declared)
    monkeypatch.setitem(sim.model.actions.RULES, "idle_talk", Rule(_never_available, _nothing))
    assert "idle_talk" in [a.name for a in CATALOGUE["coercer"]]
    after = _outcomes("summit")
    assert before.keys() == after.keys()
    for column, values in before.items():
        np.testing.assert_array_equal(values, after[column], err_msg=column)


def test_each_actions_noise_is_its_own_whatever_the_order_or_what_else_is_enabled(monkeypatch):
    """Reordering the actions or disabling some leaves each other action's uniforms as they were."""
    from sim.scenario import catalogue

    path = SCENARIOS / "summit.yaml"

    def noise_by_name(*overrides: str) -> dict[str, np.ndarray]:
        model = NegotiationModel(load_scenario(path, list(overrides)), worlds=64, rng=2)
        agent = model.actors[model.roles.aggressor]
        noise = agent.noise(model)
        return {a.name: noise[:, c] for c, a in enumerate(agent.actions) if agent.enabled[c]}

    reference = noise_by_name()
    fewer = noise_by_name("actors.russia.disabled_actions=[offer_summit,concede]")
    wait, *rest = catalogue.ACTIONS
    monkeypatch.setattr(catalogue, "ACTIONS", (wait, *reversed(rest)))
    reordered = noise_by_name()
    assert set(fewer) == set(reference) - {"offer_summit", "concede"}
    for name, values in reference.items():
        np.testing.assert_array_equal(values, reordered[name], name)
        if name in fewer:
            np.testing.assert_array_equal(values, fewer[name], name)


def test_an_action_available_nowhere_is_never_chosen_even_in_a_one_world_model(monkeypatch):
    """One world (``sim trace``, ``sim play``): an action no world may take is still never taken."""
    from sim.scenario import catalogue

    taken: list[int] = []

    def record(ctx: Context, mask: np.ndarray) -> None:
        if np.any(mask):
            taken.append(ctx.state.day)

    ghost = catalogue.ActionSpec("ghost_talk", ("aggressor", "coercer"), "talks", "Nothing.")
    monkeypatch.setattr(catalogue, "ACTIONS", (*catalogue.ACTIONS, ghost))
    monkeypatch.setitem(sim.model.actions.RULES, "ghost_talk", Rule(_never_available, record))
    for seed in range(5):
        NegotiationModel(str(SCENARIOS / "summit.yaml"), worlds=1, rng=seed).run_to_horizon()
    assert taken == []
