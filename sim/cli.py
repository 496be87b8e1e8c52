"""The ``sim`` command line: run, validate, schema, list.

This is the only module that prints or exits. Bad input (a scenario file, an override, an option)
prints one line, ``error: <file>:<line>: <field>: <what was expected>``, on stderr and exits with
status 2, without a traceback. Anything else that goes wrong is a bug and propagates.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from sim.scenario import ScenarioError, bundled_scenarios, load_scenario
from sim.schema import Scenario

if TYPE_CHECKING:
    from rich.progress import Progress

app = typer.Typer(
    name="sim",
    help="Monte Carlo simulation of a wartime negotiation: sanctions, summits, partial ceasefires.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def main() -> None:
    """Run the ``sim`` command line (the console-script entry point)."""
    app(prog_name="sim")


def _fail(message: str) -> NoReturn:
    """Print ``error: message`` on stderr and exit with status 2 (bad input)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _load(path: Path, overrides: list[str] | None = None) -> Scenario:
    """Load a scenario, turning a ScenarioError into a one-line error and exit status 2."""
    try:
        return load_scenario(path, overrides or ())
    except ScenarioError as err:
        _fail(str(err))


def _free_folder(base: Path) -> Path:
    """Return ``base``, or ``base-2``, ``base-3``, ... : the first that does not exist yet."""
    candidate, number = base, 1
    while candidate.exists():
        number += 1
        candidate = base.with_name(f"{base.name}-{number}")
    return candidate


class _ProgressBar:
    """Progress callback ``(done, total)`` that draws a bar on stderr once a run lasts > 1 s."""

    def __init__(self, delay: float = 1.0) -> None:
        self.started = time.monotonic()
        self.delay = delay
        self.bar: Progress | None = None
        self.task: int | None = None
        self.hidden = False

    def __call__(self, done: int, total: int) -> None:
        if self.hidden:
            return
        if self.bar is None:
            if time.monotonic() - self.started < self.delay:
                return
            from rich.console import Console
            from rich.progress import Progress

            console = Console(stderr=True)
            if not console.is_terminal:
                self.hidden = True
                return
            self.bar = Progress(console=console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task("worlds", total=total)
        self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML).", show_default=False)],
    runs: Annotated[int, typer.Option("--runs", help="Number of simulated worlds.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Root random seed (>= 0).")] = 0,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Results folder; must not exist or be empty. "
            "Default: results/<scenario>-seed<seed>, with -2, -3, ... if taken.",
            show_default=False,
        ),
    ] = None,
    overrides: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="PATH=VALUE",
            help="Override a field by its dotted path; VALUE is YAML. Repeatable.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", help="Worker processes (default: one per core).", show_default=False
        ),
    ] = None,
) -> None:
    """Run one scenario as a Monte Carlo ensemble, print a summary and save the results.

    Example: sim run scenarios/summit.yaml --runs 20000 --seed 1 --set actors.usa.credulity=0.8
    """
    if runs < 1:
        _fail(f"--runs: expected a number of worlds >= 1, got {runs}")
    if seed < 0:
        _fail(f"--seed: expected a seed >= 0, got {seed}")
    if workers is not None and workers < 1:
        _fail(f"--workers: expected a number of workers >= 1, got {workers}")
    if out is not None and out.exists() and (not out.is_dir() or any(out.iterdir())):
        _fail(f"--out: {out} exists; choose another --out")
    loaded = _load(scenario, overrides)
    folder = (
        out if out is not None else _free_folder(Path("results") / f"{scenario.stem}-seed{seed}")
    )

    from sim.ensemble import run as run_ensemble

    progress = _ProgressBar()
    try:
        results = run_ensemble(loaded, runs=runs, seed=seed, workers=workers, progress=progress)
    finally:
        progress.close()
    typer.echo(results.summary_text())
    path = results.save(folder, command=" ".join(sys.argv))
    typer.echo(f"Results written to {path}")


@app.command()
def validate(
    scenarios: Annotated[
        list[Path], typer.Argument(help="Scenario files (YAML).", show_default=False)
    ],
) -> None:
    """Check scenario files (extends merged, schema and cross-field checks) without running them.

    Example: sim validate scenarios/*.yaml
    """
    for path in scenarios:
        loaded = _load(path)
        typer.echo(
            f"ok  {path}  ({loaded.name}, {len(loaded.actors)} actors, {loaded.horizon_days} days)"
        )


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors and documentation).

    Example: sim schema > scenario.schema.json
    """
    typer.echo(json.dumps(Scenario.model_json_schema(), indent=2))


@app.command("list")
def list_scenarios() -> None:
    """List the bundled scenarios: file, name, and the question each one asks.

    Example: sim list
    """
    paths = bundled_scenarios()
    if not paths:
        typer.echo("no bundled scenarios found", err=True)
        return
    rows = []
    for path in paths:
        try:
            name = load_scenario(path).name
        except ScenarioError as err:
            name = f"(invalid: {err.message})"
        rows.append((path.name, name, _first_comment(path)))
    width_file = max(len(row[0]) for row in rows)
    width_name = max(len(row[1]) for row in rows)
    for file, name, question in rows:
        typer.echo(f"{file:<{width_file}}  {name:<{width_name}}  {question}".rstrip())


def _first_comment(path: Path) -> str:
    """Return the text of the first ``#`` comment line of a file, or an empty string."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    return next(
        (line.strip().lstrip("#").strip() for line in lines if line.strip().startswith("#")), ""
    )


if __name__ == "__main__":
    main()
