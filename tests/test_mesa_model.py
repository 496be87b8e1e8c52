"""NegotiationModel at worlds=1 is an ordinary Mesa model."""

from __future__ import annotations

import mesa
import numpy as np

from sim.model.model import NegotiationModel
from tests.conftest import SCENARIOS

SUMMIT = str(SCENARIOS / "summit.yaml")


def test_step_advances_one_day_and_datacollector_records_it():
    model = NegotiationModel(SUMMIT, worlds=1, rng=2)
    assert isinstance(model, mesa.Model)
    assert len(model.agents) == 4
    model.step()
    model.step()
    assert model.state.day == 2
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 2
    assert set(frame.columns) >= {"territory_pct", "sanctions_level", "belief_sincere"}
    model.run_model()
    assert model.state.day == model.horizon
    assert not model.running
    assert model.state.check() == []


def test_one_world_model_matches_world_zero_of_an_ensemble_block():
    """The same rules at both scales: world 0 alone equals row 0 of a 4096-world block."""
    alone = NegotiationModel(SUMMIT, worlds=1, rng=6)
    block = NegotiationModel(SUMMIT, worlds=300, rng=6)
    alone.run_model()
    block.run_model()
    assert alone.state.casualties[0] == block.state.casualties[0]
    assert np.isclose(alone.state.territory[0], block.state.territory[0])


def test_mesa_batch_run_runs_the_model():
    results = mesa.batch_run(
        NegotiationModel,
        parameters={"scenario": SUMMIT, "worlds": 1},
        rng=[1, 2],
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(results) == 2
    assert all("territory_pct" in row for row in results)
