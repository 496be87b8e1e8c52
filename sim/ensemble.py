"""Run scenarios as Monte Carlo ensembles: blocks of worlds, seeds, workers.

World ``i`` of a run is row ``i % 4096`` of block ``i // 4096``; each block is one fresh
:class:`~sim.model.NegotiationModel` seeded from the run's seed and its block index, so the
``worlds`` frame is identical whatever the number of workers or the order blocks finish in.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np
import pandas as pd

from sim.model import NegotiationModel
from sim.outcomes import summarise
from sim.results import Results
from sim.schema import Scenario
from sim.streams import BLOCK_SIZE

Progress = Callable[[int, int], None]


def run_block(
    scenario: Scenario, seed: int, block: int, size: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate one block of worlds to the horizon.

    Returns:
        The block's summary rows, and its daily means (with the block's size as ``weight``).

    """
    model = NegotiationModel(scenario, worlds=size, rng=seed, block=block)
    model.run_to_horizon()
    frame = pd.DataFrame(summarise(model, first_world=block * BLOCK_SIZE))
    daily = model.datacollector.get_model_vars_dataframe().assign(weight=size)
    return frame, daily


def _blocks(runs: int) -> list[tuple[int, int]]:
    return [(b, min(BLOCK_SIZE, runs - b * BLOCK_SIZE)) for b in range(-(-runs // BLOCK_SIZE))]


def _check(runs: int, seed: int, workers: int | None) -> int:
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if workers is None:
        return max(1, os.cpu_count() or 1)
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    return workers


def run(
    scenario: Scenario,
    runs: int = 10_000,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Results:
    """Run ``runs`` worlds of ``scenario`` and collect one summary row per world.

    Args:
        scenario: a validated scenario (see :func:`sim.load_scenario`).
        runs: number of worlds.
        seed: root of the run's random-number tree.
        workers: processes to use (default: all cores); results do not depend on it.
        progress: called as ``progress(done_worlds, total_worlds)`` as blocks finish.

    """
    workers = _check(runs, seed, workers)
    blocks = _blocks(runs)
    workers = min(workers, len(blocks))
    frames: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}
    done = 0
    if workers == 1:
        for block, size in blocks:
            frames[block] = run_block(scenario, seed, block, size)
            done += size
            if progress:
                progress(done, runs)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {
                pool.submit(run_block, scenario, seed, block, size): (block, size)
                for block, size in blocks
            }
            for future in as_completed(futures):
                block, size = futures[future]
                frames[block] = future.result()
                done += size
                if progress:
                    progress(done, runs)
    ordered = [frames[b] for b, _ in blocks]
    worlds = pd.concat([frame for frame, _ in ordered], ignore_index=True)
    daily = _merge_daily([daily for _, daily in ordered])
    return Results(scenario=scenario, worlds=worlds, daily=daily, seed=seed, runs=runs)


def _merge_daily(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Combine per-block daily means into run-wide means, weighting blocks by their size."""
    weights = np.array([f["weight"].iloc[0] for f in frames], dtype=float)
    stacked = np.stack([f.drop(columns="weight").to_numpy() for f in frames])
    merged = np.tensordot(weights / weights.sum(), stacked, axes=1)
    columns = frames[0].drop(columns="weight").columns
    return pd.DataFrame(merged, columns=columns).rename_axis("day")


def compare(
    scenarios: Sequence[Scenario],
    runs: int = 10_000,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[Results]:
    """Run several scenarios on the same worlds (common random numbers: same seed, same draws)."""
    return [run(s, runs=runs, seed=seed, workers=workers, progress=progress) for s in scenarios]
