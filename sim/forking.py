"""Helper processes forked from this one: when forking is safe, and seeing helpers out.

An ensemble's chunks of worlds (:mod:`sim.ensemble`) and the figures of a saved run
(:mod:`sim.plots`) are shared with helpers forked from the calling process: a forked helper
starts in milliseconds with everything imported and every object in place. Forking is safe on
Linux while no other thread runs (Python warns that a child forked from a multi-threaded process
can deadlock); a pool's own thread outlives a run that does not wait for its helpers to exit
(:func:`let_helpers_leave`), so whoever forks next first waits for it (:func:`wait_for_helpers`).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

_leaving: threading.Thread | None = None
"""The last pool's thread, still seeing its helpers exit after the work returned."""


def fork_context() -> multiprocessing.context.BaseContext | None:
    """The "fork" start method if forking this process is safe now, else None.

    Waits for the helpers of the last pool first. Explicit, because ``mesa.batch_run`` switches
    the process-wide default to "spawn", whose helpers would import numpy, pandas and Mesa again
    (about a second each).
    """
    wait_for_helpers()
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return None


def available_cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@contextmanager
def frozen_objects() -> Iterator[None]:
    """Keep the cyclic garbage collector off this process's objects while helpers fork.

    Forked helpers share this process's memory until they write to it. A full collection in a
    helper would touch every object it inherited and copy those pages (tens of MB, about 0.05 s
    each); frozen objects are never traversed. Helpers fork at a pool's first submit, so submit
    inside this block and leave it right after.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def let_helpers_leave(pool: ProcessPoolExecutor) -> None:
    """Shut ``pool`` down without waiting for its helpers to exit (about 7 ms).

    Call it once every result is in: the caller goes on while the helpers exit, and the pool's
    own thread reaps them. The next fork waits for that thread (:func:`wait_for_helpers`).
    """
    global _leaving
    # CPython's name for the pool's thread (3.9 to 3.13); without it, wait as before.
    _leaving = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=_leaving is None)


def wait_for_helpers() -> None:
    """Wait until the helpers of the last pool have exited and its thread has ended.

    Runs and figure drawing call it before they fork. Call it before forking this process
    yourself, or before reading the helpers' resource usage (``bench/ensemble.py`` does).
    """
    global _leaving
    if _leaving is not None:
        _leaving.join()
        _leaving = None
