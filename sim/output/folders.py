"""Results folders written atomically: a temporary sibling folder renamed at the end.

An interrupted write (Ctrl-C, a crash) leaves no partial folder behind, and an existing folder is
replaced only when the caller says so (``--force``), only once the new one is complete, and only
if it is empty or a results folder of this tool (:func:`check_target`): ``--force`` never deletes
a folder of other files. The bulk of a folder (the ``worlds.csv`` table, the daily aggregates,
the figures) is written by this process and a forked helper together (:func:`write_shared`).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.engine.forking import run_tasks

if TYPE_CHECKING:
    from sim.output.tables import CsvInParts

TOOL = "negotiation-sim"
"""Name recorded in every manifest, so a results folder can be recognised as ours."""
STAGING_SUFFIX = "-partial-12345678"
"""As long as the random part of a staging folder's name (``.<name>-partial-XXXXXXXX``)."""


class FolderExistsError(FileExistsError):
    """The target exists and may not be replaced.

    It is not a folder; or it is not empty and replacing was not asked for; or it was, but it is
    not a results folder of this tool.
    """


class FolderNotWritableError(OSError):
    """The target folder cannot be created where it was asked for."""


def strict_json(data: Any) -> str:
    """``data`` as standard JSON, indented, with NaN and infinities written as ``null``.

    NaN stands for an event that never happened; Python's own ``NaN`` token is not JSON, and
    readers such as JavaScript's ``JSON.parse`` reject it, while every reader accepts ``null``.
    """

    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [clean(item) for item in value]
        return value

    return json.dumps(clean(data), indent=2, allow_nan=False)


def is_results_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a ``manifest.json`` written by this tool (a run or comparison)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("tool") == TOOL


def named(target: str | Path) -> Path:
    """``target`` with a real last name: ``.``, ``''`` and ``a/b/..`` become absolute paths.

    A folder is written by renaming a sibling onto it, which needs its name, not ``..``.
    """
    target = Path(target)
    return Path(os.path.abspath(target)) if target.name in ("", ".", "..") else target


def check_target(
    target: str | Path, overwrite: bool = False, *, how_to_replace: str | None = "add --force"
) -> Path:
    """Check, before any work, that ``target`` can be written (and replaced, with ``overwrite``).

    ``how_to_replace`` ends the message about a non-empty results folder (None where it cannot
    be replaced). Returns the folder to write (:func:`named`).

    Raises:
        FolderExistsError: ``target`` is a file, or a folder holding the current working folder;
            or a non-empty folder without ``overwrite``; or, with ``overwrite``, a non-empty
            folder that is not a results folder of this tool.
        FolderNotWritableError: a folder on the way is a file, a name is too long, or the nearest
            existing folder does not let a folder be created in it.

    """
    target = named(target)
    if target.exists() and not target.is_dir():
        raise FolderExistsError(f"{target} exists and is not a folder")
    if target.is_dir():
        here = Path.cwd().resolve()
        if target.resolve() == here or target.resolve() in here.parents:
            raise FolderExistsError(
                f"{target} holds the current folder, which cannot be replaced; choose another"
            )
        if any(target.iterdir()):
            ours = is_results_folder(target)
            if not overwrite:
                advice = f", or {how_to_replace} to replace it" if how_to_replace and ours else ""
                raise FolderExistsError(
                    f"{target} exists and is not empty; choose another folder{advice}"
                )
            if not ours:
                raise FolderExistsError(
                    f"{target} is not a results folder of this tool (no manifest.json of "
                    f"{TOOL}); only an earlier results folder is ever replaced, so choose another"
                )
    _check_creatable(target)
    return target


def _check_creatable(target: Path) -> None:
    """Raise :class:`FolderNotWritableError` unless ``target`` and its staging sibling can be made.

    Nothing stays: a probe folder is made in the nearest existing folder and removed at once.
    """
    absolute = Path(os.path.abspath(target))
    base = absolute
    while not base.exists() and base != base.parent:
        base = base.parent
    if not base.is_dir():
        raise FolderNotWritableError(f"cannot create {target}: {base} is a file, not a folder")
    try:
        longest = os.pathconf(base, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        longest = 255
    new_parts = absolute.relative_to(base).parts
    for part in new_parts or (absolute.name,):
        if len(os.fsencode(part)) + len(STAGING_SUFFIX) + 1 > longest:
            raise FolderNotWritableError(
                f"cannot create {target}: the name {part[:40]!r}... is too long "
                f"(at most {longest - len(STAGING_SUFFIX) - 1} characters here)"
            )
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".sim-probe-", dir=base))
    except OSError as err:
        raise FolderNotWritableError(f"cannot create {target}: {err.strerror or err}") from None


def write_folder(target: str | Path, fill: Callable[[Path], None], overwrite: bool = False) -> Path:
    """Create ``target`` by running ``fill(staging)`` on a temporary folder, then renaming it.

    Args:
        target: the folder to create.
        fill: writes the folder's files into the path it is given.
        overwrite: replace an existing non-empty ``target`` (after ``fill`` succeeded).

    Raises:
        FolderExistsError: ``target`` may not be replaced (see :func:`check_target`).
        FolderNotWritableError: ``target`` cannot be created.

    """
    target = check_target(target, overwrite, how_to_replace="pass overwrite=True")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-partial-", dir=target.parent))
    try:
        fill(staging)
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp's 0700 would hide it from other users
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


def _umask() -> int:
    """This process's file-creation mask (read by setting it, then restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_shared(
    table: CsvInParts,
    others: list[Callable[[], object]],
    figures: list[Callable[[], list[Path]]],
    workers: int | None = None,
) -> list[Path]:
    """Write ``table``'s parts, then ``others``, then ``figures`` (tasks that return their files).

    The tasks are shared with forked helpers where they can run
    (:func:`sim.engine.forking.run_tasks`, ``workers`` processes in all, default: one per core):
    helpers start from the table's parts, this process from the figures. Returns the figures' files,
    in order.
    """
    done = run_tasks([*table.tasks(), *others, *figures], workers)
    table.join()
    return [path for paths in done[len(done) - len(figures) :] for path in paths]
