"""Negotiation-scenario simulation toolkit: an agent-based model of a wartime negotiation.

Public API: :func:`load_scenario`, :func:`run`, :func:`compare`, :func:`sweep`, :func:`grid`,
:func:`save_results`, :func:`load_results`, :func:`sensitivity`, :func:`score`, :func:`discover`,
:class:`NegotiationModel`.
Nothing heavy is imported until first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = [
    "Comparison",
    "Discovery",
    "Grid",
    "NegotiationModel",
    "Results",
    "Scenario",
    "ScenarioError",
    "Scores",
    "Sensitivity",
    "Sweep",
    "Uncertainty",
    "compare",
    "discover",
    "grid",
    "load_results",
    "load_scenario",
    "run",
    "save_results",
    "score",
    "sensitivity",
    "sweep",
]

if TYPE_CHECKING:
    from sim.engine.results import Results
    from sim.experiments.comparison import Comparison
    from sim.experiments.discovery import Discovery, discover
    from sim.experiments.grids import Grid, grid
    from sim.experiments.scoring import Scores
    from sim.experiments.sensitivity import Sensitivity, sensitivity
    from sim.experiments.sweeps import Sweep, sweep
    from sim.experiments.uncertainty import Uncertainty, compare, run
    from sim.model.model import NegotiationModel
    from sim.output.saved import load_results
    from sim.output.saving import save_results
    from sim.output.scoring import score
    from sim.scenario.loading import ScenarioError, load_scenario
    from sim.scenario.schema import Scenario

_LAZY = {
    "load_scenario": "sim.scenario.loading",
    "ScenarioError": "sim.scenario.loading",
    "Scenario": "sim.scenario.schema",
    "run": "sim.experiments.uncertainty",  # sim.engine.ensemble.run, or with bands
    "compare": "sim.experiments.uncertainty",  # sim.experiments.comparison's, or with bands
    "Comparison": "sim.experiments.comparison",
    "load_results": "sim.output.saved",
    "save_results": "sim.output.saving",
    "NegotiationModel": "sim.model.model",
    "Results": "sim.engine.results",
    "sweep": "sim.experiments.sweeps",
    "Sweep": "sim.experiments.sweeps",
    "grid": "sim.experiments.grids",
    "Grid": "sim.experiments.grids",
    "sensitivity": "sim.experiments.sensitivity",
    "Sensitivity": "sim.experiments.sensitivity",
    "score": "sim.output.scoring",
    "Scores": "sim.experiments.scoring",
    "discover": "sim.experiments.discovery",
    "Discovery": "sim.experiments.discovery",
    "Uncertainty": "sim.experiments.uncertainty",
}


def __getattr__(name: str) -> Any:
    """Import public names on first use, so ``import sim`` stays cheap."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
