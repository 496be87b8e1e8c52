"""The output layer: results folders (written atomically, read back), figures and reports.

Imports :mod:`sim.experiments` and below. See ``docs/architecture.md``.
"""
