"""Count the bare numeric literals left inside the model's rules (every number is a parameter).

Usage::

    .venv/bin/python bench/literals.py      # one line per literal, then the count

Looks at every function of the rule modules (``RULE_MODULES``: the actions' utilities and
effects, the daily dynamics, the derived quantities and the outcome payoffs) and lists each
numeric literal other than 0 and 1 (``-1`` is ``1`` negated). Module-level named constants are
not counted: each carries a docstring saying why it is not a scenario parameter. A literal that
stays must carry a comment on its line saying why; ``tests/test_parameters.py`` holds the count
to at most :data:`ALLOWED`.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RULE_MODULES = ("actions", "dynamics", "context", "outcomes", "model", "decision")
"""Modules of ``sim/model/`` whose functions are the model's rules."""
ALLOWED = 5
TRIVIAL = {0, 1}


def bare_literals(path: Path) -> list[tuple[int, str, str]]:
    """``(line, function, literal)`` for each non-trivial numeric literal inside a function."""
    tree = ast.parse(path.read_text())
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Constant)
                and type(node.value) in (int, float)
                and node.value not in TRIVIAL
            ):
                found.append((node.lineno, function.name, repr(node.value)))
    return sorted(set(found))


def all_literals() -> list[tuple[str, int, str, str]]:
    """Every bare literal of the rule modules, as ``(module, line, function, literal)``."""
    return [
        (module, line, function, literal)
        for module in RULE_MODULES
        for line, function, literal in bare_literals(ROOT / "sim" / "model" / f"{module}.py")
    ]


def main() -> int:
    found = all_literals()
    for module, line, function, literal in found:
        source = (ROOT / "sim" / "model" / f"{module}.py").read_text().splitlines()[line - 1]
        print(f"sim/model/{module}.py:{line} {function}: {literal}    {source.strip()}")
    print(f"{len(found)} bare numeric literals (not 0 or 1) in the rules; at most {ALLOWED}")
    return 0 if len(found) <= ALLOWED else 1


if __name__ == "__main__":
    sys.exit(main())
