"""Run scenarios as Monte Carlo ensembles: chunks of worlds, seeds, workers.

World ``i`` of a run has the random numbers of row ``i % 4096`` of seeding block ``i // 4096``
(:mod:`sim.model.streams`), whichever model simulates it. The run is cut into *chunks*: consecutive
ranges of worlds, each simulated by one fresh :class:`~sim.model.model.NegotiationModel`, in this
process or in a forked helper (:func:`sim.engine.forking.share`: this process is one of the workers,
so its chunks skip the transfer back; chunks go one at a time to whoever is free). Chunks are
sized for speed (about :data:`CHUNK_SIZE` worlds: large enough that Python's per-operation
overhead is small, small enough that the arrays stay in cache) and for an even split over the
workers; scenarios run together (:func:`run_all`) share the helpers and the split. Each chunk
returns its summary rows in compact dtypes and its :class:`~sim.model.aggregates.DailyAggregates`.
This process adds the aggregates as chunks come in and passes the rows to a :class:`Sink` in world
order (:class:`InOrder`), holding the chunks that come early: chunks start in order, at most
:data:`WINDOW_PER_WORKER` per worker ahead of the first one not done, so few are ever held. The
default sink writes the rows into preallocated columns (memory grows with the summary rows only,
about 240 bytes a world, never with trajectories); ``sim run``'s writes them to ``worlds.csv``
(:mod:`sim.output.streaming`: memory bounded). The ``worlds`` frame and the aggregates are
identical whatever the number of workers, the chunk size, or the order in which chunks finish.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from sim.engine.cluster import Cluster, connected
from sim.engine.forking import available_cores, fork_context, share
from sim.engine.results import Results, WorldColumns
from sim.model.aggregates import DailyAggregates
from sim.model.design import Design
from sim.model.model import NegotiationModel
from sim.model.outcomes import CATEGORIES, compact, summarise
from sim.scenario import options as arguments
from sim.scenario.schema import Scenario

Progress = Callable[[int, int], None]
CHUNK_SIZE = 16_384
"""Target worlds per chunk (the fastest size measured; see ``docs/performance.md``)."""
MIN_CHUNK = 2_048
"""Runs are not cut finer than this to feed more workers: below it, start-up costs dominate."""

ChunkResult = tuple[Any, DailyAggregates]
Finish = Callable[[dict[str, np.ndarray], "Chunk"], Any]
"""What a chunk's columns become where the chunk ran (a module-level function: it travels)."""
WINDOW_PER_WORKER = 4
"""Chunks started ahead of the first unfinished one, per worker: a run holds at most this many
results per worker waiting for an earlier chunk, so its memory does not grow with its worlds."""


@dataclass(frozen=True)
class Chunk:
    """Worlds ``first .. first + size - 1`` of a run, simulated by one model."""

    first: int
    size: int


@dataclass(frozen=True)
class Work:
    """One chunk of one of the scenarios run together (:func:`run_all`)."""

    scenario: int
    chunk: Chunk


def plan(runs: int, workers: int, chunk_size: int = CHUNK_SIZE, scenarios: int = 1) -> list[Work]:
    """Cut ``scenarios`` runs of ``runs`` worlds each into chunks for ``workers`` processes.

    The scenarios' worlds are laid end to end and cut into equal pieces of at most
    ``chunk_size``, their number rounded up to a multiple of the workers so that every worker gets
    the same share (unless pieces would fall below :data:`MIN_CHUNK`). A piece that spans two
    scenarios becomes a chunk of each. On two workers, one scenario gets an even number of chunks;
    two scenarios of 10,000 worlds get one chunk each; three get 10,000, 5,000 + 5,000 and 10,000.
    """
    total = runs * scenarios
    count = -(-total // chunk_size)
    if workers > 1:
        count = min(-(-count // workers) * workers, max(count, total // MIN_CHUNK))
    size, extra = divmod(total, count)
    work = []
    start = 0
    for piece in range(count):
        end = start + size + (piece < extra)
        for scenario in range(start // runs, -(-end // runs)):  # the scenarios the piece spans
            first = max(start, scenario * runs)
            last = min(end, (scenario + 1) * runs)
            work.append(Work(scenario, Chunk(first - scenario * runs, last - first)))
        start = end
    return work


def run_chunk(
    scenario: Scenario,
    seed: int,
    first: int,
    size: int,
    design: dict[str, np.ndarray] | None = None,
    stream_period: int | None = None,
    finish: Finish | None = None,
) -> ChunkResult:
    """Simulate worlds ``first .. first + size - 1`` of a run to the horizon.

    ``design`` holds these worlds' own values of some parameters (:meth:`Design.rows`);
    ``stream_period`` repeats the worlds' random numbers (:attr:`Design.stream_period`);
    ``finish`` turns the chunk's columns into what goes back (:attr:`Sink.finish`), here, where
    the chunk ran.

    Returns:
        The chunk's summary columns (compact dtypes; categorical columns as int8 codes), or what
        ``finish`` made of them, and its daily aggregates.

    """
    model = NegotiationModel(
        scenario,
        worlds=size,
        rng=seed,
        first_world=first,
        collect=False,
        aggregate=True,
        design=design,
        stream_period=stream_period,
    )
    model.run_to_horizon()
    world_dtype = np.int32 if first + size < 2**31 else np.int64
    columns = compact(summarise(model, first_world=first, codes=True), world_dtype)
    aggregates = model.aggregates
    assert aggregates is not None
    model.close()
    return (columns if finish is None else finish(columns, Chunk(first, size))), aggregates


def _check(runs: int, seed: int, workers: int | None) -> tuple[int, int, int]:
    """The run's worlds, seed and processes, checked (:mod:`sim.scenario.options`)."""
    workers = arguments.workers(workers)
    return (
        arguments.runs(runs),
        arguments.whole("seed", seed, 0),
        available_cores() if workers is None else workers,
    )


def _pool_context() -> multiprocessing.context.BaseContext | None:
    """How to start helpers: forked on Linux (:func:`sim.engine.forking.fork_context`).

    While other threads run, helpers come from a clean fork server that has imported this
    module once instead; elsewhere, from the platform's default.
    """
    context = fork_context()
    if context is not None or not sys.platform.startswith("linux"):
        return context
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sim.engine.ensemble"])
    return context


class Sink(Protocol):
    """Where one scenario's chunks go, in world order (:func:`run_checked`)."""

    finish: Finish | None
    """Applied to each chunk's columns where the chunk ran (None: the columns come back)."""

    def add(self, chunk: Chunk, part: Any) -> None:
        """Take the next chunk's part (what :attr:`finish` made of its columns)."""

    def worlds(self) -> pd.DataFrame | WorldColumns:
        """The run's per-world columns, once every chunk is in."""


def worlds_frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Chunk or run columns as a ``worlds`` frame: categorical columns from their int8 codes."""
    data = {
        name: pd.Categorical.from_codes(values, categories=list(CATEGORIES[name]))
        if name in CATEGORIES
        else values
        for name, values in columns.items()
    }
    return pd.DataFrame(data, copy=False)


class Assembly:
    """A :class:`Sink` that keeps a run's ``worlds`` columns in memory, filled chunk by chunk."""

    finish: Finish | None = None

    def __init__(self, runs: int) -> None:
        self.runs = runs
        self.columns: dict[str, np.ndarray] = {}

    def add(self, chunk: Chunk, part: dict[str, np.ndarray]) -> None:
        if not self.columns:
            self.columns = {name: np.empty(self.runs, v.dtype) for name, v in part.items()}
        for name, values in part.items():
            self.columns[name][chunk.first : chunk.first + chunk.size] = values

    def worlds(self) -> pd.DataFrame:
        return worlds_frame(self.columns)


class InOrder:
    """Passes chunk results on in the order of the plan, holding those that come early."""

    def __init__(self, work: Sequence[Work], deliver: Callable[[Work, Any], None]) -> None:
        self.places = {item: place for place, item in enumerate(work)}
        self.work = list(work)
        self.deliver = deliver
        self.next = 0
        self.held: dict[int, Any] = {}
        self.most_held = 0
        """The most results held at once (at most the window less one, see :func:`_run_on`)."""

    def add(self, item: Work, part: Any) -> None:
        self.held[self.places[item]] = part
        self.most_held = max(self.most_held, len(self.held) - 1)  # the one passed on at once
        while self.next in self.held:
            self.deliver(self.work[self.next], self.held.pop(self.next))
            self.next += 1


def run(
    scenario: Scenario,
    runs: int = 10_000,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
    design: Design | None = None,
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
        design: each world's own values of some parameters (world *i* takes row
            ``i // design.worlds_per_point``); ``runs`` must be ``design.worlds``.

    """
    (results,) = run_all(
        [scenario],
        runs,
        seed,
        workers,
        progress,
        chunk_size=chunk_size,
        designs=None if design is None else [design],
    )
    return results


def run_all(
    scenarios: Sequence[Scenario],
    runs: int = 10_000,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
    designs: Sequence[Design | None] | None = None,
) -> list[Results]:
    """Run several scenarios on the same worlds (same seed, same draws) in one pass.

    Each scenario's results are those :func:`run` gives it alone. Run together, the scenarios'
    chunks share one set of helpers, forked once, and are cut from all their worlds at once
    (:func:`plan`), so they can be larger: two scenarios of 10,000 worlds on two workers run as
    two chunks of 10,000, not four of 5,000, and the fixed cost of each simulated day is paid
    half as often (see ``docs/performance.md``).

    Args:
        scenarios: scenarios (:func:`sim.load_scenario`) or paths of scenario files
            (:func:`sim.scenario.options.scenario`).
        runs: worlds per scenario.
        seed: root of every scenario's random-number tree.
        workers: processes to use (default: one per core this process may run on).
        progress: called as ``progress(done_worlds, total_worlds)`` over all scenarios.
        chunk_size: most worlds one model simulates at once; results do not depend on it.
        designs: one :class:`~sim.model.design.Design` (or None) per scenario; world *i* of a
            scenario takes its design's values, with the same random numbers as in every other.

    """
    scenarios = [arguments.scenario(scenario) for scenario in scenarios]
    return run_checked(
        scenarios, runs, seed, workers, progress, chunk_size=chunk_size, designs=designs
    )


def run_checked(
    scenarios: Sequence[Scenario],
    runs: int,
    seed: int,
    workers: int | None = None,
    progress: Progress | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
    designs: Sequence[Design | None] | None = None,
    sinks: Sequence[Sink] | None = None,
) -> list[Results]:
    """:func:`run_all` of loaded scenarios (:func:`sim.scenario.options.scenario`).

    ``sinks``: where each scenario's chunks go, in world order (default: an :class:`Assembly`
    each, in memory); a file writer keeps the memory of a large run bounded.
    """
    runs, seed, workers = _check(runs, seed, workers)
    chunk_size = arguments.whole("chunk_size", chunk_size, 1)
    if not scenarios:
        return []
    designs = _check_designs(designs, len(scenarios), runs)
    sinks = [Assembly(runs) for _ in scenarios] if sinks is None else list(sinks)
    with connected(None) as cluster:  # --scheduler's, SIM_SCHEDULER's, or None: this machine
        return _run_on(
            scenarios, runs, seed, workers, progress, chunk_size, designs, sinks, cluster
        )


def _run_on(
    scenarios: Sequence[Scenario],
    runs: int,
    seed: int,
    workers: int,
    progress: Progress | None,
    chunk_size: int,
    designs: list[Design | None],
    sinks: list[Sink],
    cluster: Cluster | None,
) -> list[Results]:
    """:func:`run_checked` on this machine's processes, or on ``cluster``'s workers.

    Chunks start in the plan's order, at most :data:`WINDOW_PER_WORKER` per worker ahead of
    the first one not done; their daily aggregates are added as they come in, their parts go
    to the sinks in world order (:class:`InOrder`).
    """
    if cluster is not None:  # the cluster's slots take the place of this machine's workers
        workers = cluster.slots()
    work = plan(runs, workers, chunk_size, len(scenarios))
    workers = min(workers, len(work))
    window = WINDOW_PER_WORKER * workers
    finishes = [sink.finish for sink in sinks]
    dailies: list[DailyAggregates | None] = [None] * len(scenarios)
    total = runs * len(scenarios)
    done = 0
    in_order = InOrder(work, lambda item, part: sinks[item.scenario].add(item.chunk, part))

    def finished(item: Work, result: ChunkResult) -> None:
        nonlocal done
        part, daily = result
        if dailies[item.scenario] is None:
            dailies[item.scenario] = daily
        else:
            dailies[item.scenario] += daily
        done += item.chunk.size
        if progress:  # as each chunk comes in, before it waits for the earlier ones
            progress(done, total)
        in_order.add(item, part)

    def arguments(item: Work) -> tuple[Any, ...]:
        return (*_design_rows(designs, item), finishes[item.scenario])

    if cluster is not None:
        cluster.share(
            _run_shared_work,
            list(scenarios),
            work,
            lambda item: (item.scenario, seed, item.chunk, *arguments(item)),
            finished,
            window,
        )
    elif workers == 1:
        for item in work:
            finished(item, _run_work(scenarios, seed, item, designs, finishes))
    else:
        share(
            work,
            lambda item: _run_work(scenarios, seed, item, designs, finishes),
            lambda pool, item: pool.submit(
                run_chunk,
                scenarios[item.scenario],
                seed,
                item.chunk.first,
                item.chunk.size,
                *arguments(item),
            ),
            finished,
            workers - 1,
            _pool_context(),
            window,
        )
    return [
        Results(scenario=scenario, worlds=sink.worlds(), daily=daily, seed=seed, runs=runs)
        for scenario, sink, daily in zip(scenarios, sinks, dailies, strict=True)
    ]


def _run_work(
    scenarios: Sequence[Scenario],
    seed: int,
    item: Work,
    designs: Sequence[Design | None],
    finishes: Sequence[Finish | None],
) -> ChunkResult:
    """Simulate one chunk of one scenario in this process."""
    return run_chunk(
        scenarios[item.scenario],
        seed,
        item.chunk.first,
        item.chunk.size,
        *_design_rows(designs, item),
        finishes[item.scenario],
    )


def _run_shared_work(
    scenarios: Sequence[Scenario],
    index: int,
    seed: int,
    chunk: Chunk,
    design: dict[str, np.ndarray] | None,
    stream_period: int | None,
    finish: Finish | None = None,
) -> ChunkResult:
    """On a cluster's worker: one chunk of scenario ``index`` (:mod:`sim.engine.cluster`)."""
    return run_chunk(scenarios[index], seed, chunk.first, chunk.size, design, stream_period, finish)


def _check_designs(
    designs: Sequence[Design | None] | None, scenarios: int, runs: int
) -> list[Design | None]:
    """One design (or None) per scenario, each giving values to exactly ``runs`` worlds."""
    if designs is None:
        return [None] * scenarios
    designs = list(designs)
    if len(designs) != scenarios:
        raise ValueError(f"expected one design per scenario ({scenarios}), got {len(designs)}")
    for design in designs:
        if design is not None and design.worlds != runs:
            raise ValueError(
                f"a design of {design.points} points × {design.worlds_per_point} worlds gives "
                f"values to {design.worlds} worlds; the run has {runs}"
            )
    return designs


def _design_rows(
    designs: Sequence[Design | None], item: Work
) -> tuple[dict[str, np.ndarray] | None, int | None]:
    """The chunk's rows of its scenario's design, and the design's stream period.

    Only these rows are sent to a helper, not the whole design.
    """
    design = designs[item.scenario]
    if design is None:
        return None, None
    return design.rows(item.chunk.first, item.chunk.size), design.stream_period
