"""Faults outside the bad-input catalogue: tampered folders, special files, extreme draws, limits.

Each test reproduces one class of fault of ``docs/reliability.md``; the tests of processes
(racing runs, kills) are in ``test_faults_processes.py``, the full disk in ``test_faults_disk.py``
and the property-based ones in ``test_faults_properties.py``. Commands that could hang if the
fault came back run in a subprocess with a timeout, so that a regression fails instead of hanging.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.scenario.loading import ScenarioError, load_scenario
from tests.conftest import SCENARIOS

runner = CliRunner()
SUMMIT = str(SCENARIOS / "summit.yaml")
TIMEOUT = 120
"""Seconds a command may take before the test calls it hung."""


def invoke(*args: str):
    return runner.invoke(app, list(args))


def sim(*args: str | bytes, cwd: Path, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    """Run the ``sim`` command in a fresh process (arguments may be bytes: any file name)."""
    command = [sys.executable, "-m", "sim.cli", *args]
    return subprocess.run(
        command, cwd=cwd, capture_output=True, timeout=timeout, preexec_fn=_limit_memory
    )


def _limit_memory() -> None:
    """In the child: at most 4 GB of address space, so that a memory bomb fails, not the host."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))


def one_error(code: int, stderr: str | bytes, *words: str) -> str:
    """Exit 2 and one ``error:`` line holding ``words``, without a traceback."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    assert code == 2, text
    assert "Traceback" not in text, text
    lines = [line for line in text.strip().splitlines() if not line.startswith("warning:")]
    assert len(lines) == 1 and lines[0].startswith("error: "), text
    for word in words:
        assert word in lines[0], f"{word!r} not in {lines[0]!r}"
    return lines[0]


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory) -> Path:
    """A small saved run, copied by each test that damages it."""
    folder = tmp_path_factory.mktemp("saved") / "run"
    result = invoke(
        "run", SUMMIT, "--runs", "60", "--seed", "2", "--workers", "1", "--out", str(folder)
    )
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture
def run_copy(tmp_path, saved_run) -> Path:
    folder = tmp_path / "run"
    shutil.copytree(saved_run, folder)
    return folder


# --- results folders are untrusted data ---------------------------------------------------------


def test_plot_never_writes_through_a_symbolic_link_out_of_the_folder(tmp_path, run_copy):
    victim = tmp_path / "victim.png"
    victim.write_bytes(b"precious")
    figure = next((run_copy / "figures").glob("*.png"))
    figure.unlink()
    figure.symlink_to(victim)
    result = invoke("plot", str(run_copy))
    one_error(result.exit_code, result.stderr, figure.name, "symbolic link")
    assert victim.read_bytes() == b"precious"


def test_a_results_folder_is_never_read_through_a_symbolic_link(tmp_path, run_copy):
    outside = tmp_path / "elsewhere.csv"
    shutil.move(run_copy / "worlds.csv", outside)
    (run_copy / "worlds.csv").symlink_to(outside)
    for command in ("plot", "rerun"):
        result = invoke(command, str(run_copy))
        one_error(result.exit_code, result.stderr, "worlds.csv", "symbolic link")


def test_plot_never_writes_through_a_hard_link_to_a_file_elsewhere(tmp_path, run_copy):
    figure = next((run_copy / "figures").glob("*.png"))
    os.link(figure, tmp_path / "copy.png")
    before = figure.read_bytes()
    result = invoke("plot", str(run_copy))
    one_error(result.exit_code, result.stderr, figure.name, "hard link")
    assert (tmp_path / "copy.png").read_bytes() == before


def _edit_stored_scenario(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["scenario"]["actors"]["usa"]["credulity"] = 0.99
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_rerun_refuses_an_edited_stored_scenario_unless_told_to_accept_it(tmp_path, run_copy):
    _edit_stored_scenario(run_copy)
    result = invoke("rerun", str(run_copy), "--workers", "1")
    one_error(result.exit_code, result.stderr, "manifest.json", "edited", "--accept-edited")
    assert not (tmp_path / "run-rerun").exists()
    result = invoke("rerun", str(run_copy), "--workers", "1", "--accept-edited")
    assert result.exit_code == 0, result.output
    rerun = json.loads((tmp_path / "run-rerun" / "manifest.json").read_text())
    assert rerun["scenario"]["actors"]["usa"]["credulity"] == 0.99


def test_plot_refuses_an_edited_stored_scenario_too(run_copy):
    _edit_stored_scenario(run_copy)
    result = invoke("plot", str(run_copy))
    one_error(result.exit_code, result.stderr, "edited")
    assert invoke("plot", str(run_copy), "--accept-edited").exit_code == 0


def test_a_worlds_table_cut_mid_row_is_refused(run_copy):
    data = (run_copy / "worlds.csv").read_bytes()
    (run_copy / "worlds.csv").write_bytes(data[: len(data) - 5])  # the last row loses its end
    result = invoke("plot", str(run_copy))
    one_error(result.exit_code, result.stderr, "worlds.csv", "cut short")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"tool": "negotiation-sim", "x": ' + "[" * 100_000 + "]" * 100_000 + "}", ["nested"]),
        ('{"tool": "negotiation-sim", "x": "' + "a" * 60_000_000 + '"}', ["too large"]),
    ],
    ids=["deep", "huge"],
)
def test_a_hostile_manifest_gets_one_line(run_copy, text, words):
    (run_copy / "manifest.json").write_text(text)
    for command in ("plot", "rerun"):
        result = invoke(command, str(run_copy))
        one_error(result.exit_code, result.stderr, "manifest.json", *words)


# --- special files: regular files only, checked before opening ----------------------------------


@pytest.fixture
def fifo_place(tmp_path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    for name in ("summit.yaml", "article.yaml", "prior.yaml"):
        shutil.copy(SCENARIOS / name, tmp_path / name)
    os.mkfifo(tmp_path / "pipe.yaml")
    return tmp_path


def test_a_fifo_as_a_scenario_is_refused_without_blocking(fifo_place):
    done = sim("validate", "pipe.yaml", cwd=fifo_place)
    one_error(done.returncode, done.stderr, "pipe.yaml", "not a regular file")


def test_a_fifo_as_an_extends_target_is_refused_without_blocking(fifo_place):
    child = fifo_place / "child.yaml"
    child.write_text("extends: pipe.yaml\nname: child\n")
    done = sim("validate", "child.yaml", cwd=fifo_place)
    one_error(done.returncode, done.stderr, "child.yaml", "extends", "not a regular file")


def test_sim_list_shows_a_fifo_among_the_scenarios_as_invalid(fifo_place):
    (fifo_place / "scenarios").mkdir()
    shutil.move(fifo_place / "pipe.yaml", fifo_place / "scenarios" / "pipe.yaml")
    for name in ("article.yaml", "prior.yaml"):
        shutil.copy(SCENARIOS / name, fifo_place / "scenarios" / name)
    done = sim("list", cwd=fifo_place)
    assert done.returncode == 0, done.stderr
    assert b"pipe.yaml     (invalid: not a regular file" in done.stdout, done.stdout


def test_a_fifo_as_a_moves_file_is_refused_without_blocking(fifo_place):
    done = sim("play", "summit.yaml", "--as", "usa", "--moves", "pipe.yaml", cwd=fifo_place)
    one_error(done.returncode, done.stderr, "pipe.yaml", "not a regular file")
    assert not (fifo_place / "results").exists()


# --- one bounded loader for every YAML input: moves files ---------------------------------------


ALIAS_BOMB = "- &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"- &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(9)
)
"""A "billion laughs": nine lists of ten references to the one before, 10**9 values in all."""


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (ALIAS_BOMB, ["moves.yaml", "alias"]),
        ("[" * 20_000 + "]" * 20_000, ["moves.yaml", "nested"]),
        ("- {day: 1, action: hold}\n" * 120_000, ["moves.yaml", "too large"]),
    ],
    ids=["alias-bomb", "deep", "endless"],
)
def test_hostile_moves_files_get_one_line_quickly(tmp_path, text, words):
    for name in ("summit.yaml", "article.yaml", "prior.yaml"):
        shutil.copy(SCENARIOS / name, tmp_path / name)
    (tmp_path / "moves.yaml").write_text(text)
    done = sim("play", "summit.yaml", "--as", "usa", "--moves", "moves.yaml", cwd=tmp_path)
    one_error(done.returncode, done.stderr, *words)


# --- extreme distribution parameters ------------------------------------------------------------


@pytest.mark.parametrize(
    ("dist", "words"),
    [
        ("{dist: beta, a: 1.0e+152, b: 7.0e+22}", ["beta", "a and b", "not finite"]),
        ("{dist: beta, a: 1.0e+300, b: 1.0e+300}", ["beta", "a and b", "same value"]),
        ("{dist: normal, mean: 0.5, sd: 1.0e+300, low: 0, high: 1}", ["normal", "sd"]),
        ("{dist: normal, mean: 1.0e+6, sd: 1, low: 0, high: 1}", ["normal", "mean"]),
    ],
    ids=["nan-beta", "needle-beta", "flat-normal", "normal-far-from-window"],
)
def test_distributions_whose_draws_would_be_wrong_are_refused_with_the_reason(dist, words):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(SUMMIT, [f"actors.usa.credulity={dist}"])
    assert caught.value.field == "actors.usa.credulity"
    for word in words:
        assert word in caught.value.message, caught.value.message


def test_a_uniform_with_a_spread_beyond_float64_is_refused():
    from pydantic import ValidationError

    from sim.scenario.schema import UniformDist

    with pytest.raises(ValidationError, match=r"not finite numbers.*spread high - low = inf"):
        UniformDist.model_validate({"dist": "uniform", "low": -1.0e308, "high": 1.0e308})


# --- environment faults -------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names are bytes")
def test_a_path_that_is_not_utf8_is_refused_before_simulating(tmp_path):
    for name in ("article.yaml", "prior.yaml"):
        shutil.copy(SCENARIOS / name, tmp_path / name)
    shutil.copy(
        SCENARIOS / "summit.yaml", tmp_path / b"summit-\xff.yaml".decode(errors="surrogateescape")
    )
    done = sim(b"run", b"summit-\xff.yaml", b"--runs", b"50", b"--workers", b"1", cwd=tmp_path)
    one_error(done.returncode, done.stderr, "UTF-8")
    assert done.stdout == b""  # nothing simulated
    assert not (tmp_path / "results").exists()
    done = sim("run", "article.yaml", "--runs", "50", "--out", b"out-\xfe", cwd=tmp_path)
    one_error(done.returncode, done.stderr, "--out", "UTF-8")


def test_a_path_too_long_for_the_system_gets_one_line(tmp_path):
    deep = "/".join(["d" * 200] * 25)  # each name fits; the whole path does not (PATH_MAX 4096)
    result = invoke("run", SUMMIT, "--runs", "50", "--workers", "1", "--out", str(tmp_path / deep))
    one_error(result.exit_code, result.stderr, "too long")
    assert list(tmp_path.iterdir()) == []


# --- unbounded text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "override",
    [
        "name=" + "n" * 50_000,
        "description=" + "d" * 1_000_001,
        "actors.usa.label=" + "l" * 5_000,
        "actors." + "a" * 5_000 + "={role: supporter}",
    ],
    ids=["name", "description", "label", "actor-name"],
)
def test_free_text_fields_have_a_length_limit(override):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(SUMMIT, [override])
    assert caught.value.field == override.split("=")[0]
    assert "at most" in caught.value.message


# --- --force never replaces a folder holding an input -------------------------------------------


def test_force_never_replaces_the_folder_holding_the_scenario_being_run(tmp_path, saved_run):
    out = tmp_path / "run"
    shutil.copytree(saved_run, out)
    for name in ("summit.yaml", "article.yaml", "prior.yaml"):
        shutil.copy(SCENARIOS / name, out / name)
    result = invoke("run", str(out / "summit.yaml"), "--runs", "50", "--out", str(out), "--force")
    one_error(result.exit_code, result.stderr, "summit.yaml", "--out")
    assert (out / "summit.yaml").read_text() == (SCENARIOS / "summit.yaml").read_text()
    result = invoke("run", SUMMIT, "--runs", "50", "--set", "name=x", "--out", str(out), "--force")
    assert result.exit_code == 0, result.output  # the same folder, when it holds no input


def test_force_never_replaces_the_folder_holding_a_file_the_scenario_extends(tmp_path, saved_run):
    out = tmp_path / "run"
    shutil.copytree(saved_run, out)
    (out / "parent.yaml").write_text(f"extends: {SCENARIOS / 'summit.yaml'}\nname: parent\n")
    (tmp_path / "child.yaml").write_text("extends: run/parent.yaml\nname: child\n")
    child = str(tmp_path / "child.yaml")
    result = invoke("run", child, "--runs", "50", "--out", str(out), "--force")
    one_error(result.exit_code, result.stderr, "parent.yaml", "--out")
    assert (out / "parent.yaml").exists()


# --- stale staging folders: removed only when no live writer owns them ---------------------------


def test_a_claim_removes_stale_staging_and_locks_but_not_those_of_a_live_writer(tmp_path):
    from sim.output.folders import claim, release

    for name in ("dead", "live"):
        (tmp_path / f".{name}-partial-abcd_123").mkdir()
        (tmp_path / f".{name}-partial-abcd_123" / "worlds.csv").write_text("half")
        (tmp_path / f".{name}.lock").write_text("12345\n")
    (tmp_path / ".notes-partial-draft").mkdir()  # not a staging folder's name: kept
    (tmp_path / ".old-partial-abcd_123").mkdir()  # no lock: an earlier version's, perhaps live
    (tmp_path / ".older-partial-abcd_123").mkdir()  # ... but two days old: stale
    os.utime(tmp_path / ".older-partial-abcd_123", (0, time.time() - 2 * 86400))
    holder = subprocess.Popen(  # a live writer of "live": holds its lock
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "handle = os.open(sys.argv[1], os.O_RDWR)\n"
            "fcntl.flock(handle, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\n"
            "time.sleep(60)\n",
            str(tmp_path / ".live.lock"),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline() == b"locked\n"
        claim(tmp_path / "mine")
        release(tmp_path / "mine")
    finally:
        holder.kill()
        holder.wait(timeout=60)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".live-partial-abcd_123",
        ".live.lock",
        ".notes-partial-draft",
        ".old-partial-abcd_123",
    ]


# --- a signal that surfaces as another exception ------------------------------------------------


def test_a_signal_caught_inside_an_extensions_import_still_ends_as_interrupted(
    tmp_path, monkeypatch, capsys
):
    """Ctrl-C while matplotlib's C extension initialises raises ImportError, not
    KeyboardInterrupt (seen in CI): the command still ends as interrupted, exit 130, one line."""
    import signal

    from sim import cli
    from sim.output import streaming

    def interrupted_import(*args, **kwargs):
        cli.STOPPED.append(signal.SIGINT)  # what the SIGINT handler records
        raise ImportError("initialization failed")

    # sim run writes its folder as it runs; the figures come after the worlds
    monkeypatch.setattr(streaming, "write_run_files", interrupted_import)
    monkeypatch.setattr(cli, "STOPPED", [])
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "sim",
            "run",
            str(SCENARIOS / "summit.yaml"),
            "--runs",
            "50",
            "--out",
            str(tmp_path / "out"),
        ],
    )
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        with pytest.raises(SystemExit) as ended:
            cli.main()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    assert ended.value.code == 130
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == "error: interrupted" and "Traceback" not in err
    assert not (tmp_path / "out").exists()
