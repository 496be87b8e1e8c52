"""The scenario layer: the file's schema, loading and overrides, the scenario diff, run options.

The bottom floor: it imports nothing else of ``sim``. See ``docs/architecture.md``.
"""
