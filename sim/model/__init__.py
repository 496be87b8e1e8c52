"""The model layer: the world state, the actors and their actions, the day's dynamics, outcomes.

Imports only :mod:`sim.scenario`. See ``docs/model.md`` for the mechanisms and
``docs/architecture.md`` for the layers.
"""
