"""Chunks of worlds on a Dask cluster: the same chunks as on one machine, so the same bytes.

What travels to a worker is what :func:`sim.engine.ensemble.run_chunk` takes: the validated
scenario (sent once and shared), the seed, the chunk's first world and size, and the chunk's
rows of a design. Never a model: each worker builds its own, and a chunk's worlds depend only on
those arguments (random streams keyed by world, ``docs/model.md``), so it does not matter which
worker runs a chunk, in what order chunks finish, or whether one was run again after a worker
was lost. The per-day aggregates add up exactly (fixed-point sums and counts), in any order.

``docs/scaling.md`` says how to start a cluster (SLURM, PBS, Kubernetes) and what was measured.
"""

from __future__ import annotations

import logging
import os
import re
import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

SCHEDULER_VARIABLE = "SIM_SCHEDULER"
"""The environment variable that sends every run of a script or notebook to a cluster."""

CONNECT_SECONDS = 10.0
"""How long to try to reach a scheduler before saying it cannot be reached."""
WORKERS_SECONDS = 30.0
"""How long to wait for a reachable scheduler to have at least one worker."""
RETRIES = 3
"""How many times a chunk is run again when the worker running it is lost."""

_LOCAL = re.compile(r"local(?::(\d+))?")


class ClusterError(Exception):
    """The cluster cannot be used: unreachable, no workers, lost, or Dask not installed."""


@dataclass
class Cluster:
    """A connected Dask client (and the local cluster it started, if any)."""

    address: str
    client: Client
    local: LocalCluster | None = None

    def slots(self) -> int:
        """The chunks the cluster runs at once: its workers' threads, at least 1."""
        threads = self.client.nthreads()
        return max(1, sum(threads.values()))

    def share(
        self,
        function: Callable[..., Any],
        shared: Any,
        items: Sequence[Any],
        arguments: Callable[[Any], tuple[Any, ...]],
        finished: Callable[[Any, Any], None],
        window: int | None = None,
    ) -> None:
        """Run ``function(shared, *arguments(item))`` on the cluster for every item.

        Args:
            function: a module-level function (workers import it by name).
            shared: a large first argument common to every task (the scenarios), sent to the
                workers once rather than with every task.
            items: the work, in order.
            arguments: an item's own arguments (small: numbers, a chunk's rows of a design).
            finished: called in this process with each item and its result, as they come in.
            window: if given, an item is sent to the cluster only once every item ``window``
                or more places before it is done, so that at most ``window`` results wait on
                the workers or here (as :func:`sim.engine.forking.share`).

        A task whose worker is lost is run again elsewhere (up to :data:`RETRIES` times); a task
        that fails, or Ctrl-C, cancels the rest.

        """
        from distributed import as_completed

        client = self.client
        [shared_future] = client.scatter([shared], broadcast=True, hash=False)
        items = list(items)
        window = len(items) if window is None else window
        futures: dict[Any, int] = {}
        done = bytearray(len(items))
        lowest = sent = 0  # the first item not done; the next item to send
        arriving = as_completed()

        def send() -> None:
            nonlocal sent
            while sent < len(items) and sent < lowest + window:
                task = client.submit(
                    function,
                    shared_future,
                    *arguments(items[sent]),
                    pure=False,
                    retries=RETRIES,
                    priority=-sent,  # the earliest first, whatever was sent since
                )
                futures[task] = sent
                arriving.add(task)
                sent += 1

        try:
            send()
            for future in arriving:
                index = futures.pop(future)
                try:
                    result = future.result()
                except _lost_errors() as err:
                    raise ClusterError(
                        f"the Dask cluster at {self.address} lost the workers running the work "
                        f"({type(err).__name__}: {err})"
                    ) from None
                future.release()
                done[index] = 1
                while lowest < len(items) and done[lowest]:
                    lowest += 1
                send()
                finished(items[index], result)
        finally:
            client.cancel(list(futures))


def _lost_errors() -> tuple[type[BaseException], ...]:
    from distributed import KilledWorker

    return (KilledWorker,)


_current: list[Cluster] = []
"""The cluster of the innermost :func:`connected` block, if any."""


def current() -> Cluster | None:
    """The cluster the runs in progress use, or None for this machine's own processes."""
    return _current[-1] if _current else None


def requested(address: str | None) -> str | None:
    """The scheduler asked for: ``address``, else :data:`SCHEDULER_VARIABLE`, else None."""
    chosen = address if address is not None else os.environ.get(SCHEDULER_VARIABLE, "")
    chosen = chosen.strip()
    return chosen or None


@contextmanager
def connected(address: str | None) -> Iterator[Cluster | None]:
    """Send the runs inside the block to the Dask cluster at ``address``.

    Args:
        address: a scheduler's address (``tcp://host:8786``); ``local`` or ``local:N`` for a
            :class:`distributed.LocalCluster` of one worker per core (or N) on this machine;
            None for :data:`SCHEDULER_VARIABLE`, and if that is unset too, this machine's own
            processes (the block then changes nothing).

    Raises:
        ClusterError: before any work, when Dask is not installed, the scheduler cannot be
            reached, or it has no worker.

    """
    address = requested(address)
    if address is None or current() is not None:
        yield current()
        return
    cluster = _connect(address)
    _current.append(cluster)
    try:
        yield cluster
    finally:
        _current.pop()
        _close(cluster)


def _connect(address: str) -> Cluster:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ClusterError(
            f"--scheduler {address}: Dask is not installed; install the cluster extra: "
            "pip install -e '.[cluster]'"
        ) from None
    local = _LOCAL.fullmatch(address)
    if local is not None:
        workers = int(local.group(1)) if local.group(1) else None
        if workers is not None and workers < 1:
            raise ClusterError(f"--scheduler {address}: expected local:N with N >= 1")
        cluster = LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: two runs at once must not clash
            silence_logs=logging.ERROR,
        )
        return Cluster(address, Client(cluster), cluster)
    unreachable = _unreachable(address)
    if unreachable is not None:  # before Dask's client, which leaves a thread behind on failure
        raise ClusterError(
            f"--scheduler {address}: cannot reach a Dask scheduler there ({unreachable}); "
            "expected an address such as tcp://host:8786, or local"
        )
    try:
        client = Client(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as err:
        raise ClusterError(
            f"--scheduler {address}: cannot reach a Dask scheduler there ({err}); "
            "expected an address such as tcp://host:8786, or local"
        ) from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_SECONDS)
    except TimeoutError:
        client.close()
        raise ClusterError(
            f"--scheduler {address}: the scheduler has no workers (waited "
            f"{WORKERS_SECONDS:g} s); start some with dask worker {address}"
        ) from None
    return Cluster(address, client)


def _unreachable(address: str) -> str | None:
    """Why nothing answers at a TCP ``address`` (``tcp://host:port`` or ``host:port``), or None.

    Other schemes (``tls://``, ``inproc://``, ...) are left to Dask's client.
    """
    scheme, _, location = address.rpartition("://")
    if scheme not in ("", "tcp"):
        return None
    host, _, port = location.rpartition(":")
    if not host or not port.isdigit():
        return f"expected host:port, got {location!r}"
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_SECONDS):
            return None
    except OSError as err:
        return err.strerror or str(err) or type(err).__name__


def _close(cluster: Cluster) -> None:
    cluster.client.close()
    if cluster.local is not None:
        cluster.local.close()
    _retire_offload_thread()


def _retire_offload_thread() -> None:
    """End the idle thread Dask's client left behind, so that this process may fork again.

    Dask keeps one module-wide thread for (de)serialising messages (``distributed.utils``'s
    offload executor). Once the client is closed it sits idle for good, and while it lives this
    process no longer forks its helpers (:func:`sim.engine.forking.fork_context`: forking a
    process with threads is unsafe) and starts them from a fork server instead. The executor
    is replaced by a fresh one, which makes its thread only when next used.
    """
    from concurrent.futures import ThreadPoolExecutor

    from distributed import utils

    idle = utils._offload_executor
    utils._offload_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="Dask-Offload")
    idle.shutdown(wait=True)
