"""A run written to its folder as it goes: ``worlds.csv`` from each chunk, in memory bounded.

``sim run`` (on this machine or on a Dask cluster, one code path) sends each chunk's worlds
through :func:`worlds_part` where the chunk ran: its rows of ``worlds.csv`` as text, and the few
columns the summary, report and figures read (:func:`sim.engine.results.is_summary_column`).
This process appends the rows to ``worlds.csv`` in world order (the ensemble holds chunks that
come early, at most a few per worker: :data:`sim.engine.ensemble.WINDOW_PER_WORKER`), and the
kept columns to one file each in a hidden folder of the staging folder; the daily aggregates
are added up as chunks come in. The summary then reads one column at a time
(:class:`~sim.engine.results.WorldColumns`), with the same pandas calls as on a frame in
memory, so every file is the same bytes as :func:`sim.output.saving.save_results` writes for
the same run. The folder is written under a temporary name and renamed at the end
(:func:`sim.output.folders.write_folder`): an interrupted run leaves nothing behind.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import IO

import numpy as np

from sim.engine.ensemble import CHUNK_SIZE, Chunk, Progress, run_checked, worlds_frame
from sim.engine.results import Results, WorldColumns, is_summary_column
from sim.output.folders import write_folder
from sim.output.saving import write_run_files
from sim.scenario.schema import Scenario

KEPT_FOLDER = ".columns"
"""The hidden folder of the staging folder holding the kept columns; removed before the rename."""

WorldsPart = tuple[bytes, dict[str, np.ndarray]]


def worlds_part(columns: dict[str, np.ndarray], chunk: Chunk) -> WorldsPart:
    """Where a chunk ran: its rows of ``worlds.csv`` (the header with world 0) and kept columns.

    pandas formats each row on its own (:mod:`sim.output.tables`), so the chunks' rows, joined
    in order, are the file written from the whole frame.
    """
    text = worlds_frame(columns).to_csv(index=False, header=chunk.first == 0)
    kept = {name: values for name, values in columns.items() if is_summary_column(name)}
    return text.encode("utf-8"), kept


class WorldsWriter:
    """A :class:`sim.engine.ensemble.Sink` writing a run's ``worlds.csv`` into ``folder``.

    Attributes:
        written: worlds written so far (chunks come in world order).

    """

    finish = staticmethod(worlds_part)

    def __init__(self, folder: Path, runs: int) -> None:
        self.runs = runs
        self.kept = folder / KEPT_FOLDER
        self.kept.mkdir()
        self.table: IO[bytes] = (folder / "worlds.csv").open("wb")
        self.files: dict[str, IO[bytes]] = {}
        self.dtypes: dict[str, np.dtype] = {}
        self.written = 0

    def add(self, chunk: Chunk, part: WorldsPart) -> None:
        if chunk.first != self.written:
            raise ValueError(f"chunk at world {chunk.first} came before world {self.written}")
        text, kept = part
        self.table.write(text)
        for name, values in kept.items():
            if name not in self.files:
                self.files[name] = (self.kept / f"{name}.bin").open("wb")
                self.dtypes[name] = values.dtype
            values.tofile(self.files[name])
        self.written += chunk.size

    def close(self) -> None:
        """Close every file (the run is over, or has failed)."""
        for file in (self.table, *self.files.values()):
            file.close()

    def worlds(self) -> WorldColumns:
        self.close()
        return WorldColumns(self.kept, self.runs, self.dtypes)

    def discard_kept(self) -> None:
        """Remove the kept columns once the summary, report and figures are written."""
        shutil.rmtree(self.kept)


def run_into_folder(
    scenario: Scenario,
    directory: str | Path,
    runs: int,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    *,
    command: str | None = None,
    overwrite: bool = False,
    formats: tuple[str, ...] = ("png",),
    on_results: Callable[[Results], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Path:
    """Run ``scenario`` and write its results folder as it goes; the folder's path.

    The folder has the same files, byte for byte, as ``save_results(run(...))`` writes
    (:func:`sim.output.saving.save_results`), but this process never holds the run's worlds:
    its memory does not grow with ``runs``. ``on_results`` is called with the results (whose
    ``worlds`` are :class:`~sim.engine.results.WorldColumns`, readable only during the call)
    before the figures are drawn. ``chunk_size``: as :func:`sim.engine.ensemble.run`.

    Raises:
        FolderExistsError, FolderNotWritableError: as :func:`sim.output.saving.save_results`.

    """
    return write_folder(
        directory,
        partial(
            _fill, scenario, runs, seed, workers, progress, command, formats, on_results, chunk_size
        ),
        overwrite,
    )


def _fill(
    scenario: Scenario,
    runs: int,
    seed: int,
    workers: int | None,
    progress: Progress | None,
    command: str | None,
    formats: tuple[str, ...],
    on_results: Callable[[Results], None] | None,
    chunk_size: int,
    folder: Path,
) -> None:
    writer = WorldsWriter(folder, runs)
    try:
        (results,) = run_checked(
            [scenario], runs, seed, workers, progress, chunk_size=chunk_size, sinks=[writer]
        )
    finally:
        writer.close()
    if on_results is not None:
        on_results(results)
    write_run_files(results, folder, command, formats, workers)
    writer.discard_kept()
