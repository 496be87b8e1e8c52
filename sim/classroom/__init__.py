"""The classroom layer: one world narrated (trace), played (play) and watched in the browser.

Imports :mod:`sim.output` and below. See ``docs/architecture.md``.
"""
