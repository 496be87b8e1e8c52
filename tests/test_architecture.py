"""The house: layers that import only downward, no import cycle, nothing heavy at start-up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _cycles(exclude_type_checking: bool) -> list[list[str]]:
    graph = grimp.build_graph(
        "sim", exclude_type_checking_imports=exclude_type_checking, cache_dir=None
    )
    edges = nx.DiGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            edges.add_edge(module, imported)
    return [sorted(cycle) for cycle in nx.simple_cycles(edges)]


def test_the_layers_contract_holds():
    """``lint-imports`` checks the layers contract of pyproject.toml (no upward import)."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_no_import_cycle_but_mesas_agent_and_model_pair_for_type_checking():
    assert _cycles(exclude_type_checking=True) == []
    assert _cycles(exclude_type_checking=False) == [["sim.model.agents", "sim.model.model"]]


QUICK_COMMANDS = [["--help"], ["list"], ["validate", "scenarios/summit.yaml"], ["schema"]]


@pytest.mark.parametrize("args", QUICK_COMMANDS, ids=lambda args: args[0])
def test_commands_that_do_not_simulate_import_neither_the_model_nor_matplotlib(args):
    """``sim --help``, ``list``, ``validate`` and ``schema`` start fast (docs/performance.md).

    Not even numpy and scipy: checking a distribution imported them, at half a second.
    """
    probe = (
        "import json, sys\n"
        "from sim import cli\n"
        f"sys.argv = ['sim', *{args!r}]\n"
        "try:\n"
        "    cli.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    heavy = {"matplotlib", "mesa", "sim.model.model", "sim.engine.ensemble", "pandas"}
    heavy |= {"numpy", "scipy"}  # the bundled distributions are checked without them
    heavy |= {"distributed", "dask"}  # --scheduler connects when the work starts
    assert not heavy & loaded, sorted(heavy & loaded)
