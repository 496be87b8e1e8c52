"""Run scenarios as Monte Carlo ensembles: chunks of worlds, seeds, workers.

World ``i`` of a run has the random numbers of row ``i % 4096`` of seeding block ``i // 4096``
(:mod:`sim.streams`), whichever model simulates it. The run is cut into *chunks*: consecutive
ranges of worlds, each simulated by one fresh :class:`~sim.model.NegotiationModel`, in this
process or in a forked helper (:func:`_share`). Chunks are sized for speed (about
:data:`CHUNK_SIZE` worlds: large enough that Python's per-operation overhead is small, small
enough that the arrays stay in cache) and for an even split over the workers. Each chunk returns
its summary rows in compact dtypes and its :class:`~sim.aggregates.DailyAggregates`; this
process writes the rows into preallocated columns and adds the aggregates, so memory grows with
the summary rows only (about 240 bytes a world), never with trajectories. The ``worlds`` frame
and the aggregates are identical whatever the number of workers, the chunk size, or the order in
which chunks finish.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.aggregates import DailyAggregates
from sim.forking import available_cores, fork_context, share
from sim.model import NegotiationModel
from sim.outcomes import CATEGORIES, compact, summarise
from sim.results import Results
from sim.schema import Scenario

Progress = Callable[[int, int], None]
CHUNK_SIZE = 16_384
"""Target worlds per chunk (the fastest size measured; see ``docs/performance.md``)."""
MIN_CHUNK = 2_048
"""Runs are not cut finer than this to feed more workers: below it, start-up costs dominate."""

ChunkResult = tuple[dict[str, np.ndarray], DailyAggregates]


@dataclass(frozen=True)
class Chunk:
    """Worlds ``first .. first + size - 1`` of a run, simulated by one model."""

    first: int
    size: int


def plan(runs: int, workers: int, chunk_size: int = CHUNK_SIZE) -> list[Chunk]:
    """Cut ``runs`` worlds into equal chunks of at most ``chunk_size``, a multiple of ``workers``.

    The number of chunks is rounded up to a multiple of the workers, so that every worker gets
    the same share, unless that would make chunks smaller than :data:`MIN_CHUNK`.
    """
    count = -(-runs // chunk_size)
    if workers > 1:
        count = min(-(-count // workers) * workers, max(count, runs // MIN_CHUNK))
    size, extra = divmod(runs, count)
    sizes = [size + (index < extra) for index in range(count)]
    firsts = np.cumsum([0, *sizes[:-1]])
    return [Chunk(int(first), chunk) for first, chunk in zip(firsts, sizes, strict=True)]


def run_chunk(scenario: Scenario, seed: int, first: int, size: int) -> ChunkResult:
    """Simulate worlds ``first .. first + size - 1`` of a run to the horizon.

    Returns:
        The chunk's summary columns (compact dtypes; categorical columns as int8 codes) and its
        daily aggregates.

    """
    model = NegotiationModel(
        scenario, worlds=size, rng=seed, first_world=first, collect=False, aggregate=True
    )
    model.run_to_horizon()
    world_dtype = np.int32 if first + size < 2**31 else np.int64
    columns = compact(summarise(model, first_world=first, codes=True), world_dtype)
    aggregates = model.aggregates
    assert aggregates is not None
    model.close()
    return columns, aggregates


def _check(runs: int, seed: int, workers: int | None) -> int:
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if workers is None:
        return available_cores()
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    return workers


def _pool_context() -> multiprocessing.context.BaseContext | None:
    """How to start helpers: forked on Linux (:func:`sim.forking.fork_context`).

    While other threads run, helpers come from a clean fork server that has imported this
    module once instead; elsewhere, from the platform's default.
    """
    context = fork_context()
    if context is not None or not sys.platform.startswith("linux"):
        return context
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sim.ensemble"])
    return context


class _Assembly:
    """The run's ``worlds`` columns, filled chunk by chunk, and the merged aggregates."""

    def __init__(self, runs: int) -> None:
        self.runs = runs
        self.columns: dict[str, np.ndarray] = {}
        self.daily: DailyAggregates | None = None

    def add(self, chunk: Chunk, result: ChunkResult) -> None:
        columns, daily = result
        if not self.columns:
            self.columns = {name: np.empty(self.runs, v.dtype) for name, v in columns.items()}
        for name, values in columns.items():
            self.columns[name][chunk.first : chunk.first + chunk.size] = values
        if self.daily is None:
            self.daily = daily
        else:
            self.daily += daily

    def frame(self) -> pd.DataFrame:
        data = {
            name: pd.Categorical.from_codes(values, categories=list(CATEGORIES[name]))
            if name in CATEGORIES
            else values
            for name, values in self.columns.items()
        }
        return pd.DataFrame(data, copy=False)


def run(
    scenario: Scenario,
    runs: int = 10_000,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
    _order: Callable[[list[Chunk]], Sequence[Chunk]] | None = None,
) -> Results:
    """Run ``runs`` worlds of ``scenario`` and collect one summary row per world.

    Args:
        scenario: a validated scenario (see :func:`sim.load_scenario`).
        runs: number of worlds.
        seed: root of the run's random-number tree.
        workers: processes to use (default: one per core this process may run on); results do
            not depend on it.
        progress: called as ``progress(done_worlds, total_worlds)`` as chunks finish.
        chunk_size: most worlds one model simulates at once; results do not depend on it.
        _order: testing hook: reorders the chunks before they are run or submitted.

    """
    workers = _check(runs, seed, workers)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    chunks = plan(runs, workers, chunk_size)
    if _order is not None:
        chunks = list(_order(chunks))
    workers = min(workers, len(chunks))
    assembly = _Assembly(runs)
    done = 0

    def finished(chunk: Chunk, result: ChunkResult) -> None:
        nonlocal done
        assembly.add(chunk, result)
        done += chunk.size
        if progress:
            progress(done, runs)

    if workers == 1:
        for chunk in chunks:
            finished(chunk, run_chunk(scenario, seed, chunk.first, chunk.size))
    else:
        _share(scenario, seed, chunks, workers, finished)
    return Results(
        scenario=scenario, worlds=assembly.frame(), daily=assembly.daily, seed=seed, runs=runs
    )


def _share(
    scenario: Scenario,
    seed: int,
    chunks: list[Chunk],
    workers: int,
    finished: Callable[[Chunk, ChunkResult], None],
) -> None:
    """Run ``chunks`` on ``workers`` processes: this one and ``workers - 1`` forked helpers.

    This process is one of the workers rather than a bystander: its chunks skip the transfer
    back, and it is warm, while a freshly forked helper pays for every page it writes to
    (copy-on-write, about 0.03 s on its first chunk). Chunks are dealt one at a time to whoever
    is free (:class:`sim.forking.Dealer`), so both finish within one chunk of each other.
    """
    share(
        chunks,
        lambda chunk: run_chunk(scenario, seed, chunk.first, chunk.size),
        lambda pool, chunk: pool.submit(run_chunk, scenario, seed, chunk.first, chunk.size),
        finished,
        workers - 1,
        _pool_context(),
    )


def compare(
    scenarios: Sequence[Scenario],
    runs: int = 10_000,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[Results]:
    """Run several scenarios on the same worlds (common random numbers: same seed, same draws)."""
    return [run(s, runs=runs, seed=seed, workers=workers, progress=progress) for s in scenarios]
