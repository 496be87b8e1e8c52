"""The classroom notebooks run top to bottom with small ensembles, and draw their figures.

Each notebook in ``notebooks/`` is executed by nbclient in a fresh kernel, inside a temporary copy
of the repository's layout (``notebooks/`` beside ``scenarios/``, which is where the notebooks look
for the bundled scenarios), so nothing is written into the repository. ``SIM_NOTEBOOK_RUNS`` makes
every ensemble small.

The kernel is always ipykernel under the Python running the tests (``sys.executable``), not
whatever a ``python3`` kernelspec installed for the user or the system points at: such a spec may
name another interpreter, without the toolkit. ipykernel comes with the ``dev`` extra, so a fresh
clone needs no ``ipykernel install`` step.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
RUNS = "400"
"""Worlds per ensemble in the notebooks: one block, enough for every table and figure."""
CELL_TIMEOUT = 300
"""Seconds per cell."""


class ThisPythonKernel(AsyncKernelManager):
    """A kernel manager that starts ipykernel under the interpreter running the tests."""

    @property
    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name=f"Python {sys.version_info.major}.{sys.version_info.minor} (tests)",
            language="python",
        )


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary copy of the repository layout the notebooks expect."""
    root = tmp_path_factory.mktemp("classroom")
    shutil.copytree(ROOT / "scenarios", root / "scenarios")
    (root / "notebooks").mkdir()
    return root


def outputs(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]


def test_the_six_lessons_are_there():
    assert [path.stem for path in NOTEBOOKS] == [
        "01_paralysis",
        "02_summit_offramp",
        "03_blame_shifting",
        "04_ceasefire_on_strikes",
        "05_build_your_own_scenario",
        "06_which_assumption_matters",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_saved_without_outputs(path: Path):
    """Outputs stay out of the repository: small files, clean diffs."""
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert outputs(notebook) == []
    assert all(cell.execution_count is None for cell in notebook.cells if cell.cell_type == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom_and_draws(
    path: Path, layout: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SIM_NOTEBOOK_RUNS", RUNS)
    scratch = layout / "tmp" / path.stem
    scratch.mkdir(parents=True)
    monkeypatch.setenv("TMPDIR", str(scratch))  # the notebooks' own temporary files go here
    copy = layout / "notebooks" / path.name
    shutil.copy(path, copy)
    notebook = nbformat.read(copy, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        kernel_manager_class=ThisPythonKernel,
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(copy.parent)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error

    assert not [out for out in outputs(notebook) if out.output_type == "error"]
    images = [out for out in outputs(notebook) if "image/png" in out.get("data", {})]
    assert images, f"{path.name} drew no figure"
    assert notebook.metadata["language_info"]["version"].startswith(
        f"{sys.version_info.major}.{sys.version_info.minor}."
    )
