"""The experiments layer: comparisons, sweeps and grids of scenarios on common random numbers.

Imports :mod:`sim.engine` and below. See ``docs/architecture.md``.
"""
