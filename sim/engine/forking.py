"""Work shared between this process and helpers forked from it.

An ensemble's chunks of worlds (:mod:`sim.engine.ensemble`) and the files of a saved run (CSV
parts and figures) are shared with helpers forked from the calling process (:func:`share`,
:func:`run_tasks`): a forked helper starts in milliseconds with everything imported and every
object in place, and this process works too. Forking is safe on Linux while no other thread runs
(Python warns that a child forked from a multi-threaded process can deadlock); a pool's own
thread outlives work that does not wait for its helpers to exit (:func:`let_helpers_leave`), so
whoever forks next first waits for it (:func:`wait_for_helpers`), and so does the interpreter at
exit. Memory this process has freed is handed back to the system before helpers fork, so that
they do not inherit it (:func:`release_freed_memory`). A helper dies with this process, however
this process ends, even by SIGKILL (:func:`die_with_parent`).
"""

from __future__ import annotations

import functools
import gc
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from typing import Any

from sim.engine.allocator import c_library_function, release_freed_memory, tune_allocator

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
    """The cores this process may run on: the default number of workers.

    Its CPU affinity where the platform has one (``taskset`` narrows it), else every core.
    """
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


PR_SET_PDEATHSIG = 1
"""Linux's ``prctl`` option: the signal a process gets when its parent ends (``prctl(2)``)."""


def die_with_parent(parent: int | None) -> None:
    """In a helper: be killed when its parent ends, however it ends (even by SIGKILL).

    On Linux the kernel sends the helper SIGKILL when its parent exits (``PR_SET_PDEATHSIG``).
    A helper forked from ``parent`` (the process id it was given) checks that its parent is
    still that process, and exits at once if not: the parent may have died before the request
    was made. A helper of a fork server (``parent`` None) has the server as its parent, which
    itself exits with the process that started it. Elsewhere a helper whose parent is gone finds
    its pipe closed and exits with the pool.
    """
    prctl = c_library_function("prctl")  # Linux only
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def start_helper(parent: int | None) -> None:
    """The first thing a helper does (a pool's initializer): tie its life to its parent's.

    ``parent``: the process that forked it, if it was forked from the caller of :func:`share`.
    """
    die_with_parent(parent)
    tune_allocator()


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
    if _leaving is not None:
        _wait_for_helpers_at_exit()
    pool.shutdown(wait=_leaving is None)


@functools.cache
def _wait_for_helpers_at_exit() -> None:
    """Have the interpreter wait for the last pool's thread before it shuts pools down (once).

    At exit, CPython wakes the thread of every pool still shutting down
    (``concurrent.futures.process._python_exit``). Before 3.12.8 and 3.13.1 that call races with
    the thread closing its pipe (CPython gh-125451) and can print "OSError: Bad file descriptor"
    after a run that returned without waiting. Callbacks of ``threading._register_atexit`` run
    before it, the latest first; where CPython has none, exit is as before.
    """
    register = getattr(threading, "_register_atexit", None)
    if register is not None:
        register(wait_for_helpers)


def wait_for_helpers() -> None:
    """Wait until the helpers of the last pool have exited and its thread has ended.

    Runs and figure drawing call it before they fork. Call it before forking this process
    yourself, or before reading the helpers' resource usage (``bench/ensemble.py`` does).
    """
    global _leaving
    if _leaving is not None:
        _leaving.join()
        _leaving = None


def share[Item, Result](
    items: Sequence[Item],
    here: Callable[[Item], Result],
    submit: Callable[[ProcessPoolExecutor, Item], Future[Result]],
    finished: Callable[[Item, Result], None],
    helpers: int,
    context: multiprocessing.context.BaseContext | None,
    window: int | None = None,
) -> None:
    """Work through ``items`` in this process and ``helpers`` helpers started by ``context``.

    Args:
        items: the work, in order; helpers take items from the front, this process from the back
            (from the front too with a ``window``).
        here: does one item in this process.
        submit: sends one item to a helper of the pool it is given.
        finished: called in this process with each item and its result, as they come in.
        helpers: the number of helper processes.
        context: how to start them (:func:`fork_context`, or another start method).
        window: if given, an item starts only once every item ``window`` or more places before
            it is done, so that at most ``window`` items are started and not yet collected in
            order: a caller that uses the results in order holds at most ``window - 1``.

    A failed item or Ctrl-C stops the work: nothing more is handed out, and the error is raised
    here once the helpers have finished the items they had started (or been interrupted too).

    """
    release_freed_memory()  # before the helpers fork, so that they do not inherit it
    forked = context is not None and context.get_start_method() == "fork"
    pool = ProcessPoolExecutor(
        max_workers=helpers,
        mp_context=context,
        initializer=start_helper,
        initargs=(os.getpid() if forked else None,),
    )
    dealer = Dealer(items, lambda item: submit(pool, item), window)
    try:
        with frozen_objects():
            for _ in range(helpers):
                dealer.deal()
        while (taken := dealer.take()) is not None:
            if taken is WAIT:  # the window is full: collect a helper's item first
                for helped, result in dealer.collect(block=True):
                    finished(helped, result)
                continue
            index, item = taken
            result = here(item)
            dealer.done_here(index)
            finished(item, result)
            for helped, result in dealer.collect(block=False):
                finished(helped, result)
        while dealer.busy():
            for helped, result in dealer.collect(block=True):
                finished(helped, result)
    except BaseException:  # Ctrl-C or a failed item: drop what has not started
        dealer.stop()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    let_helpers_leave(pool)


WAIT = object()
"""What :meth:`Dealer.take` gives while the window is full: collect a helper's item first."""


class Dealer[Item, Result]:
    """Hands out items: to a helper the moment it is free, to this process in between.

    Helpers take items from the front, one at a time: the next one is submitted from the
    callback of the last (in the pool's own thread), so a helper never waits for this process
    to finish an item of its own. This process takes items from the back, or, with a
    ``window``, from the front too; then no item starts before every item ``window`` places
    before it is done (a free helper waits for the window to move).
    """

    def __init__(
        self,
        items: Sequence[Item],
        submit: Callable[[Item], Future[Result]],
        window: int | None = None,
    ) -> None:
        if window is not None and window < 1:
            raise ValueError(f"expected a window of at least 1 item, got {window}")
        self._submit = submit
        self._items = list(items)
        self._front, self._back = 0, len(self._items)
        self._window = window
        self._done = bytearray(len(self._items))
        self._lowest = 0  # the first item not done
        self._free = 0  # helpers waiting for an item
        self._running: dict[Future[Result], int] = {}
        self._lock = threading.Lock()
        self._stopped = False

    def deal(self, finished: Future[Result] | None = None) -> None:
        """A helper is free (at the start, then as its item ``finished``): give it the next item."""
        with self._lock:
            if finished is not None and finished in self._running:  # else collected already
                self._mark_done(self._running[finished])
            self._free += 1
            started = self._deal_to_free()
        for future in started:  # outside the lock: a future already done calls back at once
            future.add_done_callback(self.deal)

    def take(self) -> tuple[int, Item] | object | None:
        """The next item for this process with its place, :data:`WAIT`, or None when all are out."""
        with self._lock:
            if self._stopped or self._front >= self._back:
                return None
            if self._window is None:
                self._back -= 1
                return self._back, self._items[self._back]
            if not self._may_start():
                return WAIT
            self._front += 1
            return self._front - 1, self._items[self._front - 1]

    def done_here(self, index: int) -> None:
        """This process has done item ``index``: the window may move on for the helpers."""
        with self._lock:
            self._mark_done(index)
            started = self._deal_to_free()
        for future in started:
            future.add_done_callback(self.deal)

    def busy(self) -> bool:
        """Whether a helper still has an item whose result has not been collected."""
        with self._lock:
            return bool(self._running)

    def collect(self, block: bool) -> list[tuple[Item, Result]]:
        """The helpers' finished items and their results (waiting for one if ``block``)."""
        with self._lock:
            running = list(self._running)
        if block and running:
            wait(running, return_when=FIRST_COMPLETED)
        collected = []
        for future in running:
            if future.done():
                with self._lock:
                    index = self._running.pop(future)
                    self._mark_done(index)  # its callback may not have run yet
                collected.append((self._items[index], future.result()))
        return collected

    def stop(self) -> None:
        """Hand out nothing more."""
        with self._lock:
            self._stopped = True

    def _may_start(self) -> bool:
        """Whether the front item may start now (under the lock)."""
        return self._window is None or self._front < self._lowest + self._window

    def _deal_to_free(self) -> list[Future[Result]]:
        """Give free helpers the items the window lets start; their futures (under the lock)."""
        started = []
        while self._free and not self._stopped and self._front < self._back and self._may_start():
            try:
                future = self._submit(self._items[self._front])
            except RuntimeError:  # the pool is shutting down or broken: this process does it
                break
            self._running[future] = self._front
            self._front += 1
            self._free -= 1
            started.append(future)
        return started

    def _mark_done(self, index: int) -> None:
        """Item ``index`` is done: move the window past every done item (under the lock)."""
        self._done[index] = 1
        while self._lowest < len(self._done) and self._done[self._lowest]:
            self._lowest += 1


_inherited: Sequence[Callable[[], Any]] = ()
"""The tasks of :func:`run_tasks` a forked helper finds in place (they are not pickled)."""


def run_tasks[Result](
    tasks: Sequence[Callable[[], Result]], workers: int | None = None
) -> list[Result]:
    """Run argument-free ``tasks`` here and in forked helpers; their results, in order.

    Args:
        tasks: the work; put the tasks that suit a cold process first (helpers start from the
            front, this process from the back).
        workers: processes to use, this one included (default: all cores).

    The helpers find the tasks in the memory they inherited, so tasks may be closures over large
    objects (a results frame, a figure's data); only their results are pickled back. With one
    worker, or where forking is not safe (:func:`fork_context`), every task runs here.

    """
    processes = min(workers or available_cores(), len(tasks))
    context = fork_context() if processes > 1 else None
    if context is None:
        return [task() for task in tasks]
    global _inherited
    results: dict[int, Result] = {}
    _inherited = tasks
    try:
        share(
            range(len(tasks)),
            lambda index: tasks[index](),
            lambda pool, index: pool.submit(_run_inherited, index),
            results.__setitem__,
            processes - 1,
            context,
        )
    finally:
        _inherited = ()
    return [results[index] for index in range(len(tasks))]


def _run_inherited(index: int) -> Any:
    """In a forked helper: run task ``index`` of :func:`run_tasks`."""
    return _inherited[index]()
