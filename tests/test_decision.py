"""The logit choice's contract with the action catalogue (sim.model.decision, sim.model.actions)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import sim.model.agents
from sim.model.actions import CATALOGUE, NONE, Action, Utility
from sim.model.context import Context
from sim.model.model import NegotiationModel
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
