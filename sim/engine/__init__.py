"""The engine layer: ensembles of worlds in chunks, the process pool, and a run's results.

Imports :mod:`sim.model` and :mod:`sim.scenario`. See ``docs/architecture.md``.
"""
