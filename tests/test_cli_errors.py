"""The command line on bad input: exit 2, one located message, no traceback, nothing written."""

import itertools
import json
import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

import pytest  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from sim.cli import app  # noqa: E402

MINIMAL = Path(__file__).parent / "data" / "minimal.yaml"
TEXT = MINIMAL.read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing ``needle``."""
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


# (id, file text, expected field, needle for the expected line or None, words in the message)
BAD_FILES = [
    ("malformed-yaml", TEXT.replace("  us:\n", "  us\n"), None, "role: coercer", ["invalid YAML"]),
    (
        "unknown-field",
        TEXT.replace("weakness_aversion: 0.8", "weakness_aversio: 0.8"),
        "actors.agg.weakness_aversio",
        "weakness_aversio:",
        ["unknown field", "did you mean 'weakness_aversion'?"],
    ),
    (
        "wrong-type",
        TEXT.replace("horizon_days: 30", "horizon_days: [30]"),
        "horizon_days",
        "horizon_days",
        ["expected a whole number", "got a list"],
    ),
    (
        "probability-above-1",
        TEXT.replace("weakness_aversion: 0.7", "weakness_aversion: 1.5"),
        "actors.us.weakness_aversion",
        "weakness_aversion: 1.5",
        ["expected a probability in [0, 1], got 1.5"],
    ),
    (
        "distribution-beyond-1",
        TEXT.replace(
            "weakness_aversion: 0.7", "weakness_aversion: {dist: uniform, low: 0, high: 2}"
        ),
        "actors.us.weakness_aversion",
        "dist: uniform",
        ["expected a probability in [0, 1]", "uniform"],
    ),
    (
        "event-unknown-actor",
        TEXT.replace("against: agg", "against: russia"),
        "events.0.against",
        "against: russia",
        ["unknown actor 'russia'"],
    ),
]


def bad_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad_scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def assert_user_error(code: int, output: str, *words: str) -> None:
    assert code == 2, output
    assert "Traceback" not in output
    assert output.startswith("error: ")
    assert len(output.strip().splitlines()) == 1, output
    for word in words:
        assert word in output, f"{word!r} not in {output!r}"


@pytest.fixture
def runner(tmp_path, monkeypatch):
    """A CliRunner working in an empty tmp_path, so stray results/ folders would show."""
    monkeypatch.chdir(tmp_path)
    return CliRunner()


@pytest.mark.parametrize(
    ("text", "field", "needle", "words"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_run_rejects_bad_files_before_running(runner, tmp_path, text, field, needle, words):
    path = bad_file(tmp_path, text)
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(path), "--runs", "10", "--out", str(out)])
    expected = [f"{path}:{line_of(text, needle)}:", *words]
    if field:
        expected.append(f": {field}: ")
    assert_user_error(result.exit_code, result.stderr, *expected)
    assert result.stdout == ""
    assert not out.exists()
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    ("text", "field", "needle", "words"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_validate_rejects_bad_files(runner, tmp_path, text, field, needle, words):
    path = bad_file(tmp_path, text)
    result = runner.invoke(app, ["validate", str(MINIMAL), str(path)])
    assert result.exit_code == 2
    assert result.stdout.startswith(f"ok  {MINIMAL}")  # the good file before it was checked
    assert_user_error(result.exit_code, result.stderr, f"{path}:{line_of(text, needle)}:", *words)


def test_validate_checks_every_file_and_fails_if_any_is_bad(runner, tmp_path):
    first = bad_file(tmp_path, TEXT.replace("horizon_days: 30", "horizon_days: -1"))
    second = tmp_path / "second.yaml"
    second.write_text(TEXT.replace("  us:\n", "  us\n"), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(first), str(MINIMAL), str(second)])
    assert result.exit_code == 2
    assert result.stdout == result.stdout.strip() + "\n" and result.stdout.startswith("ok  ")
    errors = result.stderr.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(f"error: {first}:") and "horizon_days" in errors[0]
    assert errors[1].startswith(f"error: {second}:") and "invalid YAML" in errors[1]
    assert "Traceback" not in result.output


def test_run_set_on_a_path_that_does_not_exist(runner, tmp_path):
    out = tmp_path / "out"
    args = ["run", str(MINIMAL), "--set", "actors.us.credulty=0.9", "--out", str(out)]
    result = runner.invoke(app, args)
    assert_user_error(
        result.exit_code,
        result.stderr,
        "--set: actors.us.credulty: ",
        "did you mean 'credulity'?",
    )
    assert not out.exists()
    assert not (tmp_path / "results").exists()


def test_run_set_value_out_of_range(runner, tmp_path):
    result = runner.invoke(app, ["run", str(MINIMAL), "--set", "actors.us.credulity=7"])
    assert_user_error(
        result.exit_code, result.stderr, "--set: actors.us.credulity: expected a probability"
    )
    assert not (tmp_path / "results").exists()


def test_run_missing_file(runner, tmp_path):
    result = runner.invoke(app, ["run", "no_such_scenario.yaml"])
    assert_user_error(result.exit_code, result.stderr, "no_such_scenario.yaml", "file not found")
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    ("option", "value"), [("--runs", "0"), ("--workers", "0"), ("--seed", "-1")]
)
def test_run_rejects_bad_numbers_before_loading(runner, tmp_path, option, value):
    result = runner.invoke(app, ["run", str(MINIMAL), option, value])
    assert_user_error(result.exit_code, result.stderr, option, f"got {value}")
    assert not (tmp_path / "results").exists()


def test_run_refuses_an_existing_nonempty_out(runner, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "worlds.csv").write_text("keep me")
    result = runner.invoke(app, ["run", str(MINIMAL), "--out", str(out)])
    assert_user_error(result.exit_code, result.stderr, str(out), "choose another folder")
    assert "--force" not in result.stderr  # it would be refused: not a results folder
    assert (out / "worlds.csv").read_text() == "keep me"


def test_usage_errors_exit_2(runner):
    assert runner.invoke(app, ["run", str(MINIMAL), "--runs", "many"]).exit_code == 2
    assert runner.invoke(app, ["run"]).exit_code == 2
    assert runner.invoke(app, ["frobnicate"]).exit_code == 2


def test_validate_good_file(runner):
    result = runner.invoke(app, ["validate", str(MINIMAL)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"ok  {MINIMAL}  (Minimal test scenario, 4 actors, 30 days)\n"


def _file_data(path: Path) -> object:
    """A YAML file as an editor's schema checker sees it (dates are text)."""
    import yaml

    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


def test_schema_accepts_every_bundled_file_as_an_editor_reads_it(runner):
    jsonschema = pytest.importorskip("jsonschema")
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    paths = sorted((ROOT / "scenarios").glob("*.yaml"))
    assert len(paths) >= 5
    for path in paths:
        assert not [e.message for e in validator.iter_errors(_file_data(path))], path


def test_schema_still_catches_what_a_file_gets_wrong(runner):
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json.loads(runner.invoke(app, ["schema"]).stdout))
    root = _file_data(MINIMAL)
    assert not list(validator.iter_errors(root))
    del root["start_date"]  # a file without extends must say everything
    assert any("start_date" in e.message for e in validator.iter_errors(root))
    child = {"name": "Mine", "extends": "article.yaml", "actors": {"usa": {"credulity": 0.9}}}
    assert not list(validator.iter_errors(child))
    child["actors"]["usa"]["credulity"] = 2  # out of range
    assert list(validator.iter_errors(child))
    child["actors"]["usa"] = {"credulty": 0.9}  # a misspelt field
    assert list(validator.iter_errors(child))


def test_list_shows_the_path_to_run_and_the_question(runner, tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "minimal.yaml").write_text(TEXT, encoding="utf-8")
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0
    assert result.stdout.split()[:4] == ["scenarios/minimal.yaml", "Minimal", "test", "scenario"]
    assert "Does a lone deadline move anyone?" in result.stdout


def test_a_bundled_scenario_named_without_its_folder_is_pointed_to(runner, tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "minimal.yaml").write_text(TEXT, encoding="utf-8")
    for name in ("minimal.yaml", "minimal"):
        result = runner.invoke(app, ["run", name])
        assert_user_error(result.exit_code, result.stderr, name, "file not found")
        assert "the bundled scenario minimal.yaml is scenarios/minimal.yaml" in result.stderr
    result = runner.invoke(app, ["run", "other.yaml"])
    assert_user_error(result.exit_code, result.stderr, "other.yaml", "file not found")
    assert "bundled" not in result.stderr


COMMANDS = [info.name or info.callback.__name__ for info in app.registered_commands]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(runner, command):
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert f"sim {command}" in result.stdout
    # The description is reflowed to the terminal: no line of a paragraph ends where the next
    # line's first word would have fitted, as when the docstring's own line breaks were kept
    # ("...a menu of actions with their likely" / "consequences; ...").
    description = result.stdout.split("Usage:")[1].split("╭")[0].splitlines()[1:]
    lines = [line.strip() for line in description]
    ragged = [
        (a, b)
        for a, b in itertools.pairwise(lines)
        if a and b and len(a) + 1 + len(b.split()[0]) <= 70
    ]
    assert not ragged, ragged
    assert "…" not in result.stdout  # no word cut off at the edge of the options' box


def test_help_keeps_the_placeholders_of_default_folders(runner):
    result = runner.invoke(app, ["run", "--help"], env={"COLUMNS": "200"})
    assert "results/<scenario>-seed<seed>" in result.stdout


class FakeResults:
    """What the command needs of ``Results``: a summary (saved by the stand-in saver)."""

    def summary_text(self) -> str:
        return "SUMMARY"


@pytest.fixture
def ensemble_calls(monkeypatch) -> list[tuple]:
    """Replace the streamed run by a stand-in; the list records each call of it."""
    calls = []

    def fake_run_into_folder(scenario, folder, runs, seed, workers, progress, **options):
        calls.append((scenario.name, runs, seed, workers))
        progress(runs, runs)
        options["on_results"](FakeResults())
        folder.mkdir(parents=True)
        return folder

    streaming = types.SimpleNamespace(run_into_folder=fake_run_into_folder)
    monkeypatch.setitem(sys.modules, "sim.output.streaming", streaming)
    return calls


def test_run_calls_the_ensemble_and_never_overwrites(runner, tmp_path, ensemble_calls):
    """With a stand-in ensemble: the contract with the ensemble and Results, and folder naming."""
    (tmp_path / "results" / "minimal-seed3").mkdir(parents=True)

    result = runner.invoke(app, ["run", str(MINIMAL), "--runs", "5", "--seed", "3"])

    assert result.exit_code == 0, result.output
    assert ensemble_calls == [("Minimal test scenario", 5, 3, None)]
    assert "SUMMARY" in result.stdout
    assert f"Results written to {Path('results') / 'minimal-seed3-2'}" in result.stdout
    assert (tmp_path / "results" / "minimal-seed3-2").is_dir()


@pytest.mark.parametrize(("workers", "warned"), [(3, True), (2, False)])
def test_more_workers_than_cores_is_honoured_with_a_warning(
    runner, monkeypatch, ensemble_calls, workers, warned
):
    monkeypatch.setattr("sim.engine.forking.available_cores", lambda: 2)

    result = runner.invoke(app, ["run", str(MINIMAL), "--runs", "5", "--workers", str(workers)])

    assert result.exit_code == 0, result.output
    assert ensemble_calls == [("Minimal test scenario", 5, 0, workers)]
    expected = f"warning: --workers {workers} is more than the 2 cores this process may use"
    assert (expected in result.stderr) is warned
    if not warned:
        assert result.stderr == ""


def test_bad_input_with_many_workers_still_gets_one_line(runner, monkeypatch):
    monkeypatch.setattr("sim.engine.forking.available_cores", lambda: 2)
    result = runner.invoke(app, ["run", "no_such_scenario.yaml", "--workers", "64"])
    assert_user_error(result.exit_code, result.stderr, "no_such_scenario.yaml", "file not found")
    assert "warning" not in result.stderr


# --- the real command line, in a subprocess ------------------------------------------------------


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("text", "field", "needle", "words"),
    [case[1:] for case in BAD_FILES[:2]],
    ids=[case[0] for case in BAD_FILES[:2]],
)
def test_subprocess_run_bad_file(tmp_path, text, field, needle, words):
    path = bad_file(tmp_path, text)
    proc = run_cli("run", path.name, "--out", "out", cwd=tmp_path)
    expected = [f"{path.name}:{line_of(text, needle)}:", *words]
    if field:
        expected.append(f": {field}: ")
    assert_user_error(proc.returncode, proc.stderr, *expected)
    assert proc.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no out/, no results/


def test_subprocess_runs_zero(tmp_path):
    proc = run_cli("run", str(MINIMAL), "--runs", "0", cwd=tmp_path)
    assert_user_error(proc.returncode, proc.stderr, "--runs", "got 0")
    assert list(tmp_path.iterdir()) == []


def test_subprocess_validate_good_file(tmp_path):
    proc = run_cli("validate", str(MINIMAL), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"ok  {MINIMAL}  (Minimal test scenario")
    assert proc.stderr == ""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "SCENARIO", "--seed", "abc"], "Invalid value for '--seed'"),
        (["run", "SCENARIO", "--runs", "1e9"], "Invalid value for '--runs'"),
        (["run", "SCENARIO", "--bogus"], "No such option: --bogus"),
        (["run"], "Missing argument 'scenario'"),
        (["frobnicate"], "No such command 'frobnicate'"),
    ],
)
def test_usage_errors_are_one_line_too(tmp_path, args, expected):
    scenario = str(ROOT / "scenarios" / "summit.yaml")
    args = [scenario if a == "SCENARIO" else a for a in args]
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", *args],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: sim")
    assert expected in lines[0]
    assert list(tmp_path.iterdir()) == []


def _wait_for_the_claim(folder: Path, proc: subprocess.Popen) -> None:
    """Wait until the run has claimed its output folder (a file appears), however loaded the
    machine: a signal sent during the interpreter's start-up would find no handler yet."""
    for _ in range(600):
        if any(folder.iterdir()) or proc.poll() is not None:
            return
        time.sleep(0.1)


def test_ctrl_c_stops_a_run_with_one_line_and_no_result(tmp_path):
    """An interrupted run stops within seconds, says so, and leaves no folder behind."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    scenario = str(ROOT / "scenarios" / "summit.yaml")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "run", scenario, "--runs", "2000000", "--out", "out"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell without job control starts background jobs with Ctrl-C ignored: undo that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    _wait_for_the_claim(tmp_path, proc)  # imports done, the folder claimed: then simulating
    time.sleep(1)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert stderr.strip().splitlines()[-1] == "error: interrupted"
    assert list(tmp_path.iterdir()) == []
