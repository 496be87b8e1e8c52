"""Results folders written atomically: a temporary sibling folder renamed at the end.

An interrupted write (Ctrl-C, a crash) leaves no partial folder behind, and an existing folder is
replaced only when the caller says so (``--force``), only once the new one is complete, and only
if it is empty or a results folder of this tool (:func:`check_target`): ``--force`` never deletes
a folder of other files, nor one holding an input of the run. The bulk of a folder (the
``worlds.csv`` table, the daily aggregates, the figures) is written by this process and a forked
helper together (:func:`write_shared`).

One process at a time writes a folder: it holds an exclusive claim on it (:func:`claim`, a lock
the system drops when the process ends, however it ends), and any other is told at once
(:class:`FolderBusyError`). Whoever holds a claim removes the hidden staging folders that a killed
writer left behind (:func:`remove_stale_staging`). Before the rename, every file is flushed to
the disk, and the SHA-256 of each file a folder is read back from is recorded in ``SHA256SUMS``
(``sha256sum -c SHA256SUMS`` checks them), so that a damaged or edited file is found when the
folder is read again (:mod:`sim.output.saved`). See ``docs/reliability.md``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
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


class FolderBusyError(FolderExistsError):
    """Another process holds the claim on the target: it is writing it now."""


CHECKSUMS = "SHA256SUMS"
"""The file of a results folder listing the SHA-256 of the files it is read back from."""
REDRAWN = ("figures", "report.md")
"""What ``sim plot`` writes again in a results folder: left out of :data:`CHECKSUMS`."""
_STALE = re.compile(r"^\.(?P<name>.+)(?:-(?:partial|old)-[a-z0-9_]{8}|(?P<lock>\.lock))$")
"""A staging folder (``.<name>-partial-XXXXXXXX``), a retired one (``.<name>-old-...``), or the
lock file of a claim (``.<name>.lock``), left behind if their writer was killed."""


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
    target: str | Path,
    overwrite: bool = False,
    *,
    how_to_replace: str | None = "add --force",
    inputs: Sequence[str | Path] = (),
) -> Path:
    """Check, before any work, that ``target`` can be written (and replaced, with ``overwrite``).

    ``how_to_replace`` ends the message about a non-empty results folder (None where it cannot
    be replaced); ``inputs`` are the files the run reads, which a replaced folder must not hold.
    Returns the folder to write (:func:`named`).

    Raises:
        FolderExistsError: ``target`` is a file, or a folder holding the current working folder;
            or a non-empty folder without ``overwrite``; or, with ``overwrite``, a non-empty
            folder that is not a results folder of this tool, or one holding one of ``inputs``.
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
            _check_holds_no_input(target, inputs)
    _check_creatable(target)
    return target


def _check_holds_no_input(target: Path, inputs: Sequence[str | Path]) -> None:
    """Refuse to replace ``target`` if one of ``inputs`` lies inside it: replacing deletes it."""
    inside = target.resolve()
    for path in inputs:
        resolved = Path(path).resolve()
        if inside in resolved.parents:
            raise FolderExistsError(
                f"{target} holds {path}, an input of this run, which replacing the folder would "
                "delete; copy it out of the folder first, or choose another"
            )


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

    The folder is claimed for the whole write (:func:`claimed`), stale staging folders of
    killed writers are removed, and the files are flushed to the disk and listed with their
    SHA-256 in ``SHA256SUMS`` before the rename.

    Args:
        target: the folder to create.
        fill: writes the folder's files into the path it is given.
        overwrite: replace an existing non-empty ``target`` (after ``fill`` succeeded).

    Raises:
        FolderBusyError: another process is writing ``target``.
        FolderExistsError: ``target`` may not be replaced (see :func:`check_target`).
        FolderNotWritableError: ``target`` cannot be created.

    """
    target = named(target)
    with claimed(target):
        target = check_target(target, overwrite, how_to_replace="pass overwrite=True")
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-partial-", dir=target.parent))
        try:
            fill(staging)
            write_checksums(staging)
            _flush(staging)
            os.chmod(staging, 0o777 & ~_umask())  # mkdtemp's 0700 would hide it from other users
            if target.exists():
                retired = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
                os.replace(target, retired / "old")
                os.replace(staging, target)
                shutil.rmtree(retired, ignore_errors=True)
            else:
                os.replace(staging, target)
            _flush_folder(target.parent)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return target


def write_checksums(folder: Path) -> None:
    """List the SHA-256 of every file of ``folder`` but :data:`REDRAWN` in :data:`CHECKSUMS`.

    The format is ``sha256sum``'s (a hash, two spaces, the path), in sorted order.
    """
    lines = [
        f"{file_sha256(path)}  {path.relative_to(folder).as_posix()}\n"
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.relative_to(folder).parts[0] not in (*REDRAWN, CHECKSUMS)
    ]
    (folder / CHECKSUMS).write_text("".join(lines), encoding="utf-8")


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file at ``path``, in hexadecimal."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _flush(folder: Path) -> None:
    """Flush every file of ``folder``, and the folders themselves, to the disk.

    A full disk or a failing device is then reported before the folder is renamed into place,
    not after the command said the results were written.
    """
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() or path.is_dir():
            _fsync(path)
    _fsync(folder)


def _flush_folder(folder: Path) -> None:
    """Flush ``folder``'s list of names (a rename in it) to the disk, where the system allows."""
    with contextlib.suppress(OSError):
        _fsync(folder)


def _fsync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


# --- claims: one writer per folder ---------------------------------------------------------------


@dataclass
class Claim:
    """This process's exclusive claim on a folder it is about to write.

    Attributes:
        target: the folder claimed.
        lock: the lock file, ``.<name>.lock`` next to it, locked with ``flock``.
        handle: the lock file's open descriptor (the lock lives as long as it is open).
        made: folders created to hold the lock file, removed on release if still empty.

    """

    target: Path
    lock: Path
    handle: int
    made: list[Path] = field(default_factory=list)


_claims: dict[Path, Claim] = {}
"""The claims this process holds, by absolute target."""


def claim(target: str | Path, *, sweeping: bool = False) -> Claim:
    """Claim ``target`` for this process: no other process may write it until :func:`release`.

    The claim is an exclusive ``flock`` on ``.<name>.lock`` in the target's parent folder
    (created if need be), which the system releases when the process ends, however it ends
    (even by SIGKILL); the lock file itself is removed on release. Once claimed, the stale
    staging folders of the target's parent are removed (:func:`remove_stale_staging`), unless
    the claim is itself taken to remove them (``sweeping``). Claiming a target this process
    holds returns its claim.

    Raises:
        FolderBusyError: another process holds the claim (a sweeping one is waited for).
        FolderNotWritableError: the lock file cannot be created.

    """
    target = named(target)
    key = Path(os.path.abspath(target))
    if key in _claims:
        return _claims[key]
    made = _make_parents(target.parent)
    try:
        handle = _lock(target, wait_for_sweeps=not sweeping)
    except BaseException:
        _remove_empty(made)
        raise
    with contextlib.suppress(OSError):  # not if the lock file is another user's
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()}{' sweeping' if sweeping else ''}\n".encode())
    held = _claims[key] = Claim(target, target.parent / f".{target.name}.lock", handle, made)
    if not sweeping:
        remove_stale_staging(target.parent)
    return held


SWEEP_WAIT = 2.0
"""Seconds a claim waits for a brief holder: one removing stale staging folders, or one that has
just locked the file and not yet written its process id in it."""


def _lock(target: Path, wait_for_sweeps: bool) -> int:
    """Open and lock ``target``'s lock file; its descriptor (see :func:`claim`)."""
    import fcntl  # POSIX only

    lock = target.parent / f".{target.name}.lock"
    deadline = time.monotonic() + SWEEP_WAIT
    while True:
        try:
            handle = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except PermissionError:  # another user's lock file: a read-only one locks as well
            handle = _open_read_only(lock, target)
        except OSError as err:
            raise FolderNotWritableError(f"cannot create {target}: {err.strerror}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(handle)
            os.close(handle)
            brief = holder.endswith("sweeping") or not _alive(holder)
            if wait_for_sweeps and brief and time.monotonic() < deadline:
                time.sleep(0.01)
                continue
            shown = f" (process {holder.split()[0]})" if holder else ""
            raise FolderBusyError(
                f"{target} is being written by another run{shown}; wait for it to finish, "
                "or choose another folder"
            ) from None
        # The last holder removes the lock file as it releases it: lock the file at that name.
        with contextlib.suppress(OSError):
            if os.stat(lock).st_ino == os.fstat(handle).st_ino:
                return handle
        os.close(handle)


def _open_read_only(lock: Path, target: Path) -> int:
    try:
        return os.open(lock, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as err:
        raise FolderNotWritableError(f"cannot create {target}: {err.strerror}") from None


def _alive(holder: str) -> bool:
    """Whether the process a lock file names (``<pid>[ sweeping]``) is running."""
    try:
        os.kill(int(holder.split()[0]), 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _holder(handle: int) -> str:
    """What the holder of a lock file wrote in it: its process id (and ``sweeping``), or ''."""
    try:
        return os.pread(handle, 64, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""


def release(target: str | Path) -> None:
    """Give up this process's claim on ``target`` (if it holds one): unlock, remove the lock."""
    held = _claims.pop(Path(os.path.abspath(named(target))), None)
    if held is None:
        return
    with contextlib.suppress(OSError):
        os.unlink(held.lock)  # while still locked, so that nobody locks the name being removed
    os.close(held.handle)
    _remove_empty(held.made)


def release_all() -> None:
    """Give up every claim this process holds (at the end of a command)."""
    for target in list(_claims):
        release(target)


@contextlib.contextmanager
def claimed(target: str | Path) -> Iterator[Claim]:
    """Hold the claim on ``target`` in this block (released at its end if taken here)."""
    key = Path(os.path.abspath(named(target)))
    ours = key not in _claims
    held = claim(target)
    try:
        yield held
    finally:
        if ours:
            release(target)


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; the folders created, deepest first."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise FolderNotWritableError(f"cannot create {folder}: {err.strerror}") from None
    return missing


def _remove_empty(folders: list[Path]) -> None:
    """Remove each of ``folders`` (deepest first) that is still empty."""
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


def remove_stale_staging(parent: Path) -> list[Path]:
    """Remove the staging folders in ``parent`` that no live writer owns; the ones removed.

    A writer killed by a signal it cannot catch (SIGKILL, a power cut) leaves its hidden staging
    folder (``.<name>-partial-XXXXXXXX``, or ``.<name>-old-...`` while replacing) and its lock
    file (``.<name>.lock``). Each is removed only under the claim on ``<name>``: whoever writes
    a folder holds its claim, so a staging folder whose name this process holds or can claim has
    no writer (and releasing a claim removes its lock file). A staging folder without a lock file
    beside it was written by a version of the toolkit without claims, which may still be
    writing it: it is removed only once :data:`UNCLAIMED_AGE` old.
    """
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return []
    locked = {entry.name for entry in entries if entry.name.endswith(".lock")}
    removed = []
    for entry in entries:
        found = _STALE.match(entry.name)
        is_lock = found is not None and found["lock"] is not None
        if found is None or not (entry.is_file if is_lock else entry.is_dir)(follow_symlinks=False):
            continue
        name = parent / found["name"]
        ours = Path(os.path.abspath(name)) in _claims
        if is_lock and ours:
            continue  # this process's own claim
        if not (is_lock or ours or f".{name.name}.lock" in locked or _older(entry, UNCLAIMED_AGE)):
            continue  # perhaps an earlier version's writer, still at work
        try:
            if not ours:
                claim(name, sweeping=True)
            try:
                if not is_lock:
                    shutil.rmtree(entry.path, ignore_errors=True)
            finally:
                if not ours:
                    release(name)  # which removes the lock file
        except (FolderBusyError, FolderNotWritableError):
            continue  # being written now: not stale
        removed.append(Path(entry.path))
    return removed


UNCLAIMED_AGE = 24 * 3600.0
"""Seconds after which a staging folder with no lock file beside it is taken to be stale."""


def _older(entry: os.DirEntry, seconds: float) -> bool:
    """Whether ``entry`` was last changed more than ``seconds`` ago."""
    try:
        return time.time() - entry.stat(follow_symlinks=False).st_mtime > seconds
    except OSError:
        return False


def _umask() -> int:
    """This process's file-creation mask (read by setting it, then restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_shared(
    table: CsvInParts | None,
    others: list[Callable[[], object]],
    figures: list[Callable[[], list[Path]]],
    workers: int | None = None,
) -> list[Path]:
    """Write ``table``'s parts (if any), ``others``, then ``figures`` (tasks that return files).

    The tasks are shared with forked helpers where they can run
    (:func:`sim.engine.forking.run_tasks`, ``workers`` processes in all, default: one per core):
    helpers start from the table's parts, this process from the figures. Returns the figures' files,
    in order.
    """
    done = run_tasks([*(table.tasks() if table else ()), *others, *figures], workers)
    if table is not None:
        table.join()
    return [path for paths in done[len(done) - len(figures) :] for path in paths]
