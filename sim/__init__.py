"""Negotiation-scenario simulation toolkit: an agent-based model of a wartime negotiation.

Public API: :func:`load_scenario`, :func:`run`, :func:`compare`, :func:`sweep`, :func:`grid`,
:class:`NegotiationModel`.
Nothing heavy is imported until first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = [
    "Comparison",
    "Grid",
    "NegotiationModel",
    "Results",
    "Scenario",
    "ScenarioError",
    "Sweep",
    "compare",
    "grid",
    "load_results",
    "load_scenario",
    "run",
    "sweep",
]

if TYPE_CHECKING:
    from sim.comparison import Comparison, compare
    from sim.ensemble import run
    from sim.grids import Grid, grid
    from sim.model import NegotiationModel
    from sim.results import Results
    from sim.saved import load_results
    from sim.scenario import ScenarioError, load_scenario
    from sim.schema import Scenario
    from sim.sweeps import Sweep, sweep

_LAZY = {
    "load_scenario": "sim.scenario",
    "ScenarioError": "sim.scenario",
    "Scenario": "sim.schema",
    "run": "sim.ensemble",
    "compare": "sim.comparison",
    "Comparison": "sim.comparison",
    "load_results": "sim.saved",
    "NegotiationModel": "sim.model",
    "Results": "sim.results",
    "sweep": "sim.sweeps",
    "Sweep": "sim.sweeps",
    "grid": "sim.grids",
    "Grid": "sim.grids",
}


def __getattr__(name: str) -> Any:
    """Import public names on first use, so ``import sim`` stays cheap."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
