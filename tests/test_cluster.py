"""Runs on a Dask cluster (``--scheduler``): the same bytes as on this machine, clear refusals.

Each test starts a :class:`distributed.LocalCluster` on this machine (``--scheduler local:N``),
so the cluster path is exercised without a real cluster (``docs/scaling.md``).
"""

from __future__ import annotations

import os
import signal
import socket

import pytest
from typer.testing import CliRunner

pytest.importorskip("distributed", reason="the cluster extra is not installed")

from sim.cli import app
from sim.engine import cluster
from sim.engine.ensemble import run, run_all
from sim.scenario.loading import load_scenario
from tests.conftest import SCENARIOS

RUNS = 3_000
CHUNK = 500
"""Six chunks: more tasks than workers, so that workers take several each."""


def _bytes(results) -> tuple[bytes, bytes]:
    return (
        results.worlds.to_csv(index=False).encode(),
        results.daily.to_frame().to_csv(index=False).encode(),
    )


@pytest.fixture(scope="module")
def summit():
    return load_scenario(SCENARIOS / "summit.yaml")


@pytest.fixture(scope="module")
def on_this_machine(summit):
    return _bytes(run(summit, runs=RUNS, seed=5, workers=1))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_local_cluster_gives_the_same_bytes_as_this_machine(summit, on_this_machine, workers):
    with cluster.connected(f"local:{workers}") as connected:
        assert connected is not None and connected.slots() == workers
        on_cluster = run(summit, runs=RUNS, seed=5, chunk_size=CHUNK)
    assert _bytes(on_cluster) == on_this_machine


def test_scenarios_compared_on_a_cluster_keep_their_own_worlds(summit):
    sanctions = load_scenario(SCENARIOS / "sanctions.yaml")
    here = run_all([summit, sanctions], runs=1_000, seed=2, workers=1)
    with cluster.connected("local:2"):
        there = run_all([summit, sanctions], runs=1_000, seed=2, chunk_size=300)
    assert [_bytes(r) for r in there] == [_bytes(r) for r in here]


def test_a_worker_lost_mid_run_changes_nothing(summit, on_this_machine):
    killed = []

    def kill_a_worker_after_the_first_chunk(done: int, total: int) -> None:
        if killed:
            return
        client = cluster.current().client
        busy = [
            address for address, tasks in client.processing().items() if tasks
        ]  # a worker with a chunk in hand
        if busy:
            pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
            os.kill(pid, signal.SIGKILL)  # lost, as a node that fails is
            killed.append(busy[0])

    with cluster.connected("local:2"):
        again = run(
            summit,
            runs=RUNS,
            seed=5,
            chunk_size=CHUNK,
            progress=kill_a_worker_after_the_first_chunk,
        )
    assert killed, "no worker was busy to be killed"
    assert _bytes(again) == on_this_machine


def test_the_environment_variable_sends_runs_to_the_cluster(summit, on_this_machine, monkeypatch):
    used = []
    connect = cluster._connect
    monkeypatch.setattr(
        cluster, "_connect", lambda address: used.append(address) or connect(address)
    )
    monkeypatch.setenv(cluster.SCHEDULER_VARIABLE, "local:1")
    results = run(summit, runs=RUNS, seed=5, chunk_size=CHUNK)
    assert used == ["local:1"]
    assert _bytes(results) == on_this_machine
    monkeypatch.delenv(cluster.SCHEDULER_VARIABLE)
    run(summit, runs=100, seed=5, workers=1)
    assert used == ["local:1"], "without the variable, runs stay on this machine"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_scheduler_ends_the_command_with_one_line_and_nothing_written(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1.0)
    address = f"tcp://127.0.0.1:{_free_port()}"
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        [
            "run",
            str(SCENARIOS / "summit.yaml"),
            "--runs",
            "200",
            "--scheduler",
            address,
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: --scheduler {address}:"), lines
    assert "cannot reach a Dask scheduler" in lines[0]
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_scheduler_without_workers_is_refused_before_any_work(monkeypatch):
    from distributed import LocalCluster

    monkeypatch.setattr(cluster, "WORKERS_SECONDS", 1.0)
    with (
        LocalCluster(n_workers=0, dashboard_address=":0", processes=False) as empty,
        pytest.raises(cluster.ClusterError, match="has no workers"),
        cluster.connected(empty.scheduler_address),
    ):
        pytest.fail("the block ran without a worker")


@pytest.mark.parametrize(
    ("address", "expected"),
    [("local:0", "local:N with N >= 1"), ("no-such-host-at-all:8786", "cannot reach")],
)
def test_a_malformed_address_is_refused_with_what_was_expected(address, expected, monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1.0)
    with pytest.raises(cluster.ClusterError, match=expected), cluster.connected(address):
        pass


def test_after_the_cluster_this_process_forks_its_helpers_again(summit):
    """No thread of Dask's is left behind: the local path forks as before (its fastest start)."""
    import threading

    before = set(threading.enumerate())
    with cluster.connected("local:1"):
        run(summit, runs=200, seed=1)
    left = [t.name for t in set(threading.enumerate()) - before]
    assert [name for name in left if name.startswith(LASTING_THREADS)] == [], left


LASTING_THREADS = ("Dask-Offload", "IO loop", "asyncio")
"""Threads of Dask's that would outlive a run. (Its "Profile" thread ends by itself.)"""


def test_a_scheduler_that_cannot_be_reached_leaves_no_thread_behind(monkeypatch):
    import threading

    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1.0)
    before = set(threading.enumerate())
    for address in (f"tcp://127.0.0.1:{_free_port()}", "no-such-host-at-all:8786"):
        with pytest.raises(cluster.ClusterError, match="cannot reach"), cluster.connected(address):
            pass
    left = [t.name for t in set(threading.enumerate()) - before]
    assert [name for name in left if name.startswith(LASTING_THREADS)] == [], left


def test_a_run_streamed_through_a_cluster_writes_the_folder_written_here(summit, tmp_path):
    from sim.output.streaming import run_into_folder

    def files(folder):
        return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    here = run_into_folder(summit, tmp_path / "here", RUNS, seed=5, workers=2, command="sim run")
    with cluster.connected("local:2"):
        there = run_into_folder(
            summit, tmp_path / "there", RUNS, seed=5, command="sim run", chunk_size=CHUNK
        )
    assert files(there) == files(here)


def test_no_more_tasks_wait_on_the_cluster_than_the_window(summit, monkeypatch):
    from sim.engine.ensemble import WINDOW_PER_WORKER

    sent, outstanding = [], []
    with cluster.connected("local:1") as connected:
        real_submit = connected.client.submit
        monkeypatch.setattr(
            connected.client, "submit", lambda *a, **k: sent.append(1) or real_submit(*a, **k)
        )
        run(
            summit,
            runs=RUNS,
            seed=5,
            chunk_size=250,  # twelve chunks, three times the window of one worker
            progress=lambda done, total: outstanding.append(len(sent) - done // 250),
        )
    assert len(sent) == RUNS // 250
    assert max(outstanding) <= WINDOW_PER_WORKER  # sent and not yet in
    assert outstanding[-1] == 0
