"""A run streamed to its folder: the same bytes as saved from memory, in bounded memory.

``sim run`` writes ``worlds.csv`` chunk by chunk as the chunks come in, holding at most a few
chunks per worker that come early (:mod:`sim.output.streaming`); the summary reads the kept
columns one at a time. These tests compare every file with ``save_results`` of the same run in
memory, and check the bounds on what is held as structural facts (never a time).
"""

from __future__ import annotations

from concurrent.futures import Future

import pytest

from sim.engine import ensemble
from sim.engine.ensemble import WINDOW_PER_WORKER, run
from sim.engine.forking import WAIT, Dealer
from sim.engine.results import is_summary_column
from sim.output import streaming
from sim.output.saving import save_results
from sim.output.streaming import KEPT_FOLDER, run_into_folder
from sim.scenario.loading import load_scenario
from tests.conftest import SCENARIOS

RUNS = 3_000
CHUNK = 250
"""Twelve chunks: several per worker, so that some come in before the ones ahead of them."""


def files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def summit():
    return load_scenario(SCENARIOS / "summit.yaml")


@pytest.fixture(scope="module")
def saved_from_memory(summit, tmp_path_factory):
    folder = tmp_path_factory.mktemp("memory") / "run"
    save_results(run(summit, runs=RUNS, seed=3, workers=1), folder, command="sim run")
    return files(folder)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_streamed_run_writes_every_file_as_saved_from_memory(
    summit, saved_from_memory, tmp_path, workers
):
    folder = run_into_folder(
        summit, tmp_path / "run", RUNS, seed=3, workers=workers, command="sim run", chunk_size=CHUNK
    )
    written = files(folder)
    assert written.keys() == saved_from_memory.keys()  # no kept columns left behind
    for name, content in saved_from_memory.items():
        assert written[name] == content, name


def test_the_summary_is_shown_from_the_kept_columns_before_they_are_removed(summit, tmp_path):
    shown = []

    def show(results):
        shown.append((results.summary_text(), sorted(results.worlds.columns)))
        assert (tmp_path / "run").exists() is False  # the folder appears only at the end

    run_into_folder(summit, tmp_path / "run", 500, seed=1, workers=1, on_results=show)
    in_memory = run(summit, runs=500, seed=1, workers=1)
    assert shown[0][0] == in_memory.summary_text()
    assert shown[0][1] == sorted(c for c in in_memory.worlds.columns if is_summary_column(c))
    assert not list(tmp_path.glob(f"**/{KEPT_FOLDER}"))


def test_a_run_failing_midway_leaves_no_folder_and_no_staging(summit, tmp_path, monkeypatch):
    real_add = streaming.WorldsWriter.add

    def fail_on_the_third_chunk(self, chunk, part):
        if chunk.first >= 2 * CHUNK:
            raise OSError(28, "No space left on device")
        real_add(self, chunk, part)

    monkeypatch.setattr(streaming.WorldsWriter, "add", fail_on_the_third_chunk)
    with pytest.raises(OSError, match="No space"):
        run_into_folder(summit, tmp_path / "run", RUNS, seed=3, workers=2, chunk_size=CHUNK)
    assert [p.name for p in tmp_path.iterdir()] == []


def test_chunks_reach_the_writer_in_world_order_and_few_are_ever_held(summit, monkeypatch):
    """With two workers this process takes chunks from the front, as the helper does.

    Were it to take them from the back (as it does for other work), it would finish the last
    chunk first and hold it, and every chunk it did after, until the end.
    """
    orders = []
    real = ensemble.InOrder
    monkeypatch.setattr(ensemble, "InOrder", lambda *args: orders.append(real(*args)) or orders[-1])
    delivered = []

    class Recorder(ensemble.Assembly):
        def add(self, chunk, part):
            delivered.append(chunk.first)
            super().add(chunk, part)

    ensemble.run_checked([summit], RUNS, 3, workers=2, chunk_size=CHUNK, sinks=[Recorder(RUNS)])
    assert delivered == list(range(0, RUNS, CHUNK))
    assert 0 <= orders[0].most_held <= 2 * WINDOW_PER_WORKER - 1


def test_progress_counts_each_chunk_as_it_comes_in(summit):
    seen = []
    run(summit, runs=RUNS, seed=3, workers=2, chunk_size=CHUNK, progress=lambda *p: seen.append(p))
    assert len(seen) == RUNS // CHUNK  # one call a chunk, not one at the end
    assert [done for done, _ in seen] == list(range(CHUNK, RUNS + 1, CHUNK))
    assert {total for _, total in seen} == {RUNS}


class FakePool:
    """Submits to futures the test finishes by hand, in any order."""

    def __init__(self) -> None:
        self.futures: dict[int, Future] = {}

    def submit(self, item: int) -> Future:
        self.futures[item] = Future()
        return self.futures[item]


def test_no_item_starts_a_window_or_more_past_the_first_not_done():
    pool = FakePool()
    dealer = Dealer(range(8), pool.submit, window=3)
    dealer.deal()
    dealer.deal()  # two free helpers: items 0 and 1
    assert list(pool.futures) == [0, 1]
    assert dealer.take() == (2, 2)  # this process takes from the front too
    assert dealer.take() is WAIT  # item 3 would be 3 places past item 0, not done
    pool.futures[1].set_result("one")  # done early: its helper is free, the window has not moved
    dealer.done_here(2)
    assert list(pool.futures) == [0, 1]
    pool.futures[0].set_result("zero")  # items 0, 1 and 2 done: both free helpers start
    assert list(pool.futures) == [0, 1, 3, 4]
    assert dealer.take() == (5, 5)
    assert sorted(item for item, _ in dealer.collect(block=False)) == [0, 1]


def test_without_a_window_this_process_takes_from_the_back():
    pool = FakePool()
    dealer = Dealer(range(4), pool.submit)
    dealer.deal()
    assert dealer.take() == (3, 3)
    assert list(pool.futures) == [0]


def test_a_window_must_hold_an_item():
    with pytest.raises(ValueError, match="at least 1"):
        Dealer(range(4), FakePool().submit, window=0)
