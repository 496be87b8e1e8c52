"""Results folders written atomically: a temporary sibling folder renamed at the end.

An interrupted write (Ctrl-C, a crash) leaves no partial folder behind, and an existing folder is
replaced only when the caller says so (``--force``), and only once the new one is complete. The
bulk of a folder (the ``worlds.csv`` table, the daily aggregates, the figures) is written by this
process and a forked helper together (:func:`write_shared`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sim.forking import run_tasks

if TYPE_CHECKING:
    from sim.tables import CsvInParts


class FolderExistsError(FileExistsError):
    """The target folder exists, is not empty, and overwriting was not asked for."""


def write_folder(target: str | Path, fill: Callable[[Path], None], overwrite: bool = False) -> Path:
    """Create ``target`` by running ``fill(staging)`` on a temporary folder, then renaming it.

    Args:
        target: the folder to create.
        fill: writes the folder's files into the path it is given.
        overwrite: replace an existing non-empty ``target`` (after ``fill`` succeeded).

    Raises:
        FolderExistsError: ``target`` exists, is not empty, and ``overwrite`` is False.

    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise FolderExistsError(f"{target} exists and is not a folder")
    if target.exists() and any(target.iterdir()) and not overwrite:
        raise FolderExistsError(f"{target} exists and is not empty (use --force to replace it)")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-partial-", dir=target.parent))
    try:
        fill(staging)
        if target.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
            os.replace(target, retired / "old")
            os.replace(staging, target)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def write_shared(
    table: CsvInParts,
    others: list[Callable[[], object]],
    figures: list[Callable[[], list[Path]]],
    workers: int | None = None,
) -> list[Path]:
    """Write ``table``'s parts, then ``others``, then ``figures`` (tasks that return their files).

    The tasks are shared with forked helpers where they can run (:func:`sim.forking.run_tasks`,
    ``workers`` processes in all, default: one per core): helpers start from the table's parts,
    this process from the figures. Returns the figures' files, in order.
    """
    done = run_tasks([*table.tasks(), *others, *figures], workers)
    table.join()
    return [path for paths in done[len(done) - len(figures) :] for path in paths]
