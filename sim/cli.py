"""The ``sim`` command line (typer): every subcommand that ``sim --help`` lists.

This is the only module that prints or exits. Bad input (a scenario file, an override, an option)
prints one line, ``error: <file>:<line>: <field>: <what was expected>``, on stderr and exits with
status 2, without a traceback. So does a bad environment: a full disk, a name too long for the
file system, a path that is not UTF-8, a folder another run is writing (:func:`_environment_error`,
``docs/reliability.md``). Anything else that goes wrong is a bug and propagates.
"""

from __future__ import annotations

import errno
import json
import math
import os
import shlex
import shutil
import signal
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer import Abort

try:  # typer >= 0.22 vendors click; older releases use the click package
    from typer._click.exceptions import ClickException, UsageError
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException, UsageError

from sim.scenario import parameters
from sim.scenario.loading import (
    OVERRIDE,
    ScenarioError,
    bundled_scenarios,
    file_schema,
    load_scenario,
)
from sim.scenario.schema import MAX_RUNS, Scenario

if TYPE_CHECKING:
    import socket

    from rich.progress import Progress

app = typer.Typer(
    name="sim",
    help="Monte Carlo simulation of a wartime negotiation: sanctions, summits, partial ceasefires.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # a docstring's wrapped lines make one paragraph in --help
)


def main() -> None:
    """Run the ``sim`` command line (the console-script entry point).

    Usage errors typer finds itself (a non-numeric ``--seed``, an unknown option, a missing
    argument) are printed like every other bad input: one ``error:`` line, exit status 2.
    """
    from sim.engine.allocator import tune_allocator

    tune_allocator()  # this process is the command's own
    stop_cleanly_on_signals()
    _check_arguments_are_text(sys.argv[1:])
    try:
        _main()
    except Exception:
        if not STOPPED:
            raise
        # A signal that arrives inside a C extension's import (matplotlib's, while the figures
        # are drawn) surfaces as another exception (ImportError: initialization failed): the
        # command was still stopped by the signal, and says so.
        signum = STOPPED[0]
        word = "interrupted" if signum == signal.SIGINT else STOPPING_SIGNALS[signum]
        typer.echo(f"error: {word}", err=True)
        sys.exit(128 + signum)


def _main() -> None:
    """The command, its usage errors and environment errors mapped to one line and exit 2."""
    try:
        code = app(args=_bare_uncertainty(sys.argv[1:]), prog_name="sim", standalone_mode=False)
    except OSError as err:
        if err.errno not in ENVIRONMENT_ERRORS:
            raise
        typer.echo(f"error: {_environment_error(err)}", err=True)
        sys.exit(2)
    except ClickException as err:
        where = f"{err.ctx.command_path}: " if getattr(err, "ctx", None) else ""
        hint = " (see --help)" if isinstance(err, UsageError) else ""
        typer.echo(f"error: {where}{err.format_message()}{hint}", err=True)
        sys.exit(err.exit_code)
    except Abort:
        code = 130
    if code == 130:  # typer turns Ctrl-C into exit status 130 without a word
        typer.echo("error: interrupted", err=True)
    sys.exit(code if isinstance(code, int) else 0)


def _bare_uncertainty(arguments: list[str]) -> list[str]:
    """A bare ``--uncertainty`` (no number of draws) as ``--uncertainty=default``.

    Click has no options with an optional value.
    """
    found = list(arguments)
    for i, argument in enumerate(found):
        if argument == "--":
            break
        following = found[i + 1] if i + 1 < len(found) else ""
        if argument == "--uncertainty" and not following.lstrip("+").isdigit():
            found[i] = "--uncertainty=default"
    return found


STOPPING_SIGNALS = {signal.SIGTERM: "terminated", signal.SIGHUP: "hung up"}
"""Signals that stop a command as Ctrl-C does, and the word the command ends with."""
STOPPED: list[int] = []
"""The signals (SIGINT included) that have asked this command to stop, in order."""


def stop_cleanly_on_signals() -> None:
    """Let SIGTERM (``kill``, a scheduler's time limit) and SIGHUP stop the command as Ctrl-C does.

    Python's default is to die at once, which would leave a half-written results folder behind
    (its hidden staging copy). Here the signal raises ``SystemExit(128 + signal)`` in this
    process, so the folder is removed on the way out; a forked helper still dies at once, as its
    pool expects. SIGKILL cannot be caught: then the helpers die with this process
    (:func:`sim.engine.forking.die_with_parent`) and the next run removes the staging folder.
    """
    command = os.getpid()

    def stop(signum: int, frame: object) -> None:
        if os.getpid() != command:  # a forked helper: the default action
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        STOPPED.append(signum)
        typer.echo(f"error: {STOPPING_SIGNALS[signal.Signals(signum)]}", err=True)
        raise SystemExit(128 + signum)

    def interrupt(signum: int, frame: object) -> None:
        if os.getpid() == command:
            STOPPED.append(signum)
        raise KeyboardInterrupt

    for signum in STOPPING_SIGNALS:
        signal.signal(signum, stop)
    signal.signal(signal.SIGINT, interrupt)


def _check_arguments_are_text(arguments: list[str]) -> None:
    """Refuse, before any work, an argument holding bytes that are not UTF-8 (exit 2).

    A file name on Linux may hold any bytes, but a results folder records its paths as UTF-8
    text (the manifest, the report), so such a path would fail only once the run is simulated.
    """
    for index, argument in enumerate(arguments):
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            shown = repr(os.fsencode(argument))[2:-1]
            option = arguments[index - 1] if index and arguments[index - 1][:2] == "--" else ""
            where = f"{option}: " if option else ""
            typer.echo(
                f"error: {where}{shown} holds bytes that are not UTF-8 text, which a results "
                "folder cannot record; rename the file (or retype the text)",
                err=True,
            )
            sys.exit(2)


ENVIRONMENT_ERRORS = {
    errno.ENOSPC: "the disk is full; nothing was kept: free some space or choose another --out",
    errno.EDQUOT: "the disk quota is used up; nothing was kept: free some space",
    errno.ENAMETOOLONG: "a name or path too long for the file system; choose a shorter one",
    errno.EROFS: "a read-only file system; choose another folder",
    errno.EACCES: "permission denied; choose another folder",
    errno.EPERM: "not permitted; choose another folder",
    errno.EIO: "an input/output error of the disk; nothing was kept",
    errno.EFBIG: "a file too large for the file system; nothing was kept",
    errno.EMFILE: "too many open files; close some programs and try again",
    errno.ENFILE: "too many open files on the system; try again later",
}
"""Errors of the environment, not of the toolkit: each ends a command with one line and exit 2."""


def _environment_error(err: OSError) -> str:
    """One line for an error of the environment: the file, the system's words, what to do."""
    where = f"{err.filename}: " if err.filename else ""
    advice = ENVIRONMENT_ERRORS.get(err.errno or 0, "")
    return f"{where}{err.strerror or err}" + (f" ({advice})" if advice else "")


def _fail(message: str) -> NoReturn:
    """Print ``error: message`` on stderr and exit with status 2 (bad input)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _load(path: Path, overrides: list[str] | None = None, among: int = 1) -> Scenario:
    """Load a scenario, turning a ScenarioError into a one-line error and exit status 2.

    ``among``: how many scenarios the command loads; with more than one, an error in a ``--set``
    override (which applies to each of them) says which scenario it failed on.
    """
    try:
        return load_scenario(path, overrides or ())
    except ScenarioError as err:
        if among > 1 and err.file == OVERRIDE:
            _fail(f"{err} (in {path})")
        _fail(str(err))


def _free_folder(base: Path, after: Path | None = None) -> Path:
    """Return ``base``, or ``base-2``, ``base-3``, ... : the first that does not exist yet.

    ``after``: a name of that list already tried (another run took it); start past it.
    """
    number = 1
    if after is not None and after != base:
        number = int(after.name.rsplit("-", 1)[1])
    candidate = base if number == 1 else base.with_name(f"{base.name}-{number}")
    while candidate.exists() or candidate == after:
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
        """Take the bar off the screen for good (it is drawn no more)."""
        self.hidden = True
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


RunsOption = Annotated[int, typer.Option("--runs", help="Number of simulated worlds.")]
SeedOption = Annotated[int, typer.Option("--seed", help="Root random seed (>= 0).")]
ScenarioArgument = Annotated[Path, typer.Argument(help="Scenario file (YAML).", show_default=False)]
WorldOption = Annotated[
    int, typer.Option("--world", help="Which world of the run: row I of sim run (0-based).")
]


def _out_option(default: str) -> Any:
    """The ``--out`` option of a command that writes a results folder named ``default``.

    Help is Markdown: write a ``<placeholder>`` inside backticks, or it is dropped as a tag.
    """
    return Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Results folder; must not exist or be empty unless --force. "
            f"Default: {default}, with -2, -3, ... if taken.",
            show_default=False,
        ),
    ]


OutOption = _out_option("`results/<scenario>-seed<seed>`")
CompareOutOption = _out_option("`results/compare-<a>-vs-<b>-seed<seed>`")
SensitivityOutOption = _out_option("`results/<scenario>-<method>-seed<seed>`")
RerunOutOption = _out_option("`<folder>-rerun`, next to the folder")
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="PATH=VALUE",
        help="Override a field by its dotted path; VALUE is YAML. Repeatable.",
        show_default=False,
    ),
]
WorkersOption = Annotated[
    int | None,
    typer.Option(
        "--workers",
        help="Processes that simulate and write the results (default: one per core).",
        show_default=False,
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        help="Simulate on a Dask cluster: a scheduler address (tcp://host:8786), or local[:N] for "
        "a local cluster; the results are the same bytes (default: $SIM_SCHEDULER, else this "
        "machine's processes; docs/scaling.md).",
        show_default=False,
    ),
]
FormatOption = Annotated[
    str,
    typer.Option("--format", help="Figures: png, or svg to write SVG files as well."),
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace an earlier results folder (--out, or the default one) once the run is done.",
    ),
]


UncertaintyOption = Annotated[
    str | None,
    typer.Option(
        "--uncertainty",
        metavar="[K]",
        help="Add uncertainty bands: K parameter draws (default 200) over the plausible ranges, "
        "each on the same worlds; prints each share's 5th–95th percentile over the draws beside "
        "its simulation error (docs/sensitivity.md).",
        show_default=False,
    ),
]
WorldsPerDrawOption = Annotated[
    int | None,
    typer.Option(
        "--worlds-per-draw",
        help="With --uncertainty: worlds simulated per parameter draw (default 250).",
        show_default=False,
    ),
]
BandParamsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--params",
        metavar="PATTERN",
        help="With --uncertainty: vary only the parameters whose path matches (a glob). "
        "Repeatable. Default: every parameter with a range that can vary per world.",
        show_default=False,
    ),
]


def _plan_bands(
    scenarios: list[Scenario],
    draws: str | None,
    worlds_per_draw: int | None,
    params: list[str] | None,
    runs: int,
    seed: int,
    labels: list[str] | None = None,
) -> Any:
    """A checked uncertainty run, or None without ``--uncertainty`` (exit 2 on bad input)."""
    if draws is None:
        if worlds_per_draw is not None or params:
            _fail("--worlds-per-draw and --params need --uncertainty")
        return None
    from sim.experiments import uncertainty

    if draws != "default" and not draws.lstrip("+").isdigit():
        _fail(f"--uncertainty: expected a whole number of draws >= {uncertainty.MIN_DRAWS}, "
              f"got {draws!r}")  # fmt: skip
    count = None if draws == "default" else int(draws)
    try:
        return uncertainty.plan(scenarios, count, worlds_per_draw, runs, seed, params or (), labels)
    except uncertainty.UncertaintyError as err:
        _fail(str(err))


def _check_options(runs: int, seed: int, workers: int | None, fmt: str) -> tuple[str, ...]:
    """Validate the shared run options; return the figure formats to write."""
    if runs < 1:
        _fail(f"--runs: expected a number of worlds >= 1, got {runs}")
    if runs > MAX_RUNS:
        _fail(f"--runs: expected at most {MAX_RUNS:,} worlds, got {runs:,}")
    if seed < 0:
        _fail(f"--seed: expected a seed >= 0, got {seed}")
    if workers is not None and workers < 1:
        _fail(f"--workers: expected a number of workers >= 1, got {workers}")
    if fmt not in ("png", "svg"):
        _fail(f"--format: expected png or svg, got {fmt!r}")
    return ("png",) if fmt == "png" else ("png", "svg")


def _check_world(world: int) -> None:
    """``--world`` is a world of a run: an index from 0 below :data:`MAX_RUNS`."""
    if not 0 <= world < MAX_RUNS:
        _fail(f"--world: expected a world index from 0 to {MAX_RUNS - 1:,}, got {world:,}")


def _warn_about_extra_workers(workers: int | None) -> None:
    """Warn (and go on) when ``--workers`` asks for more processes than this process has cores.

    Called once the input is known to be good, just before the run, so that bad input still gets
    exactly one line.

    The request is honoured, but the extra processes only take turns on the same cores, and each
    holds its own copy of a chunk's model: about 150 MB at a full chunk of 16,384 worlds.
    """
    from sim.engine.forking import available_cores

    cores = available_cores()
    if workers is not None and workers > cores:
        these = "the 1 core" if cores == 1 else f"the {cores} cores"
        typer.echo(
            f"warning: --workers {workers} is more than {these} this process may use: "
            "the run will not be faster, and each worker needs its own memory",
            err=True,
        )


def _output_folder(
    out: Path | None,
    force: bool,
    default: Path,
    forceable: bool = True,
    inputs: list[Path] | None = None,
) -> Path:
    """The folder to write: ``--out`` if free (or forced), else the default, fresh or forced.

    Checked before any simulation (:func:`sim.output.folders.check_target`), so that a folder
    that cannot be written is said at once, not after the run; ``--force`` never replaces a
    folder holding one of ``inputs``.
    """
    from sim.output.folders import check_target

    # --force alone replaces the default folder itself (an earlier run's), not a new -2
    target = out if out is not None else default if force else _free_folder(default)
    try:
        return check_target(
            target,
            force,
            how_to_replace="add --force" if forceable else None,
            inputs=inputs or (),
        )
    except OSError as err:
        _fail_on_folder(err, out)


def _fail_on_folder(err: OSError, out: Path | None, writing: Path | None = None) -> NoReturn:
    """Exit 2 with one line about the results folder (``--out`` if given) and ``err``.

    ``writing``: the folder being written when ``err`` came (a full disk, say), named instead of
    the hidden staging file the system names.
    """
    from sim.output.folders import FolderExistsError, FolderNotWritableError

    if not isinstance(err, FolderExistsError | FolderNotWritableError):
        if err.errno not in ENVIRONMENT_ERRORS:
            raise err
        if writing is not None:
            err.filename = None
            message = f"cannot write {writing}: {_environment_error(err)}"
        else:
            message = _environment_error(err)
        err = FolderNotWritableError(message)
    _fail(f"--out: {err}" if out is not None else f"results folder: {err}")


def _claim_output(
    folder: Path,
    out: Path | None,
    force: bool,
    default: Path,
    forceable: bool = True,
    inputs: list[Path] | None = None,
) -> Path:
    """Claim the folder to write until the command ends, so that no other run writes it meanwhile.

    Called once the input is known to be good, just before the work. Another run writing
    ``--out`` (or the forced default) ends this one with exit 2; a default folder moves on to the
    next free name instead. The folder is checked again once claimed: another run may have
    written it since (:func:`sim.output.folders.claim`). ``--force`` never replaces a folder
    holding one of ``inputs`` or a file one of them ``extends`` (they have loaded, so they are
    regular files and their chains end).
    """
    from sim.output.folders import FolderExistsError, check_target, claim, release

    inputs = _with_parents(inputs or [])
    while True:
        try:
            claim(folder)
            return check_target(
                folder,
                force,
                how_to_replace="add --force" if forceable else None,
                inputs=inputs or (),
            )
        except OSError as err:
            release(folder)
            if out is None and not force and isinstance(err, FolderExistsError):
                folder = _free_folder(default, after=folder)  # taken by a run started with us
                continue
            _fail_on_folder(err, out)


@app.callback()
def _each_command(context: typer.Context) -> None:
    # Whatever way a command ends, the folders it claimed are released (and lock files removed).
    from sim.output.folders import release_all

    context.call_on_close(release_all)


def _with_progress[T](call: Callable[[_ProgressBar], T], scheduler: str | None = None) -> T:
    """Run ``call(progress_bar)``, closing the bar however the call ends.

    With a ``scheduler`` (or ``$SIM_SCHEDULER``), the call's runs go to that Dask cluster,
    reached before any work (:mod:`sim.engine.cluster`). A cluster that cannot be reached, has
    no worker or loses them, and a distribution that draws a value that is not a finite number
    (the schema's checks should have refused its parameters already), end the command with one
    line.
    """
    from sim.engine.cluster import ClusterError, connected
    from sim.model.draws import DrawError

    progress = _ProgressBar()
    try:
        with connected(scheduler):
            return call(progress)
    except (DrawError, ClusterError) as err:
        _fail(str(err))
    finally:
        progress.close()


def _save(
    results, folder: Path, force: bool, formats: tuple[str, ...], workers: int | None
) -> None:
    from sim.output.saving import save_results

    command = shlex.join(["sim", *sys.argv[1:]])  # quoted, so that it can be pasted back
    try:
        path = save_results(
            results, folder, command, overwrite=force, formats=formats, workers=workers
        )
    except OSError as err:  # a full disk, a folder taken meanwhile: nothing was kept
        _fail_on_folder(err, folder, writing=folder)
    typer.echo(f"Results written to {path} (report: {path / 'report.md'})")


@app.command()
def run(
    scenario: ScenarioArgument,
    runs: RunsOption = 10_000,
    seed: SeedOption = 0,
    out: OutOption = None,
    overrides: SetOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    fmt: FormatOption = "png",
    force: ForceOption = False,
    draws: UncertaintyOption = None,
    worlds_per_draw: WorldsPerDrawOption = None,
    params: BandParamsOption = None,
) -> None:
    """Run one scenario as a Monte Carlo ensemble, print a summary and save the results.

    Example: sim run scenarios/summit.yaml --runs 20000 --seed 1 --set actors.usa.credulity=0.8

    Example: sim run scenarios/summit.yaml --uncertainty
    """
    formats = _check_options(runs, seed, workers, fmt)
    default = Path("results") / f"{scenario.stem}-seed{seed}"
    folder = _output_folder(out, force, default, inputs=[scenario])
    loaded = _load(scenario, overrides)
    bands = _plan_bands([loaded], draws, worlds_per_draw, params, runs, seed)
    folder = _claim_output(folder, out, force, default, inputs=[scenario])

    _warn_about_extra_workers(workers)
    if bands is None:
        _stream_run(loaded, runs, seed, workers, scheduler, folder, force, formats)
        return
    from sim.experiments.uncertainty import run_plan  # the bands' machinery, only for them

    results = _with_progress(lambda progress: run_plan(bands, workers, progress), scheduler)
    typer.echo(results.summary_text())
    _save(results, folder, force, formats, workers)


def _stream_run(
    loaded,
    runs: int,
    seed: int,
    workers: int | None,
    scheduler: str | None,
    folder: Path,
    force: bool,
    formats: tuple[str, ...],
) -> None:
    """Run and write the folder as the chunks come in (:mod:`sim.output.streaming`).

    The summary is printed once the worlds are in, before the figures are drawn.
    """
    from sim.output.streaming import run_into_folder

    command = shlex.join(["sim", *sys.argv[1:]])  # quoted, so that it can be pasted back

    def simulate(progress: _ProgressBar) -> Path:
        def show(results) -> None:
            progress.close()
            typer.echo(results.summary_text())

        return run_into_folder(
            loaded,
            folder,
            runs,
            seed,
            workers,
            progress,
            command=command,
            overwrite=force,
            formats=formats,
            on_results=show,
        )

    try:
        path = _with_progress(simulate, scheduler=scheduler)
    except OSError as err:  # a full disk, a folder taken meanwhile: nothing was kept
        _fail_on_folder(err, folder, writing=folder)
    typer.echo(f"Results written to {path} (report: {path / 'report.md'})")


@app.command()
def compare(
    scenarios: Annotated[
        list[Path], typer.Argument(help="Two or more scenario files.", show_default=False)
    ],
    runs: RunsOption = 10_000,
    seed: SeedOption = 0,
    out: CompareOutOption = None,
    overrides: SetOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    fmt: FormatOption = "png",
    force: ForceOption = False,
    draws: UncertaintyOption = None,
    worlds_per_draw: WorldsPerDrawOption = None,
    params: BandParamsOption = None,
) -> None:
    """Run several scenarios on the same worlds and compare their outcomes.

    World i of every scenario shares its random draws (common random numbers), so differences
    are measured world by world; --set applies to every scenario.

    Each scenario is read against the file it extends when that file is compared too (the
    strike truce against baseline), else against the first; a warning says when the scenarios
    extend different files.

    Example: sim compare scenarios/baseline.yaml scenarios/ceasefire_strikes.yaml
    scenarios/sanctions.yaml --runs 20000 --seed 1

    Example: sim compare scenarios/sanctions.yaml scenarios/summit.yaml --uncertainty 400
    """
    from sim.experiments.comparison import ComparisonError, check_comparable, choose_references
    from sim.experiments.comparison import compare as compare_scenarios

    formats = _check_options(runs, seed, workers, fmt)
    if len(scenarios) < 2:
        _fail("compare: expected at least two scenario files, got " + str(len(scenarios)))
    labels = _labels(scenarios)
    stem = "-vs-".join(labels)
    default = Path("results") / f"compare-{stem[:80]}-seed{seed}"
    folder = _output_folder(out, force, default, inputs=scenarios)
    loaded = [_load(path, overrides, among=len(scenarios)) for path in scenarios]
    _warn_about_repeats(scenarios)
    try:
        check_comparable(loaded, [str(p) for p in scenarios])
    except ComparisonError as err:
        _fail(str(err))
    files = [path.resolve() for path in scenarios]
    references, warnings = choose_references(files, [_extended_file(p) for p in files], labels)
    bands = _plan_bands(loaded, draws, worlds_per_draw, params, runs, seed, labels)
    folder = _claim_output(folder, out, force, default, inputs=scenarios)
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    _warn_about_extra_workers(workers)
    from sim.experiments.uncertainty import run_plan

    comparison = _with_progress(
        lambda progress: (
            compare_scenarios(
                loaded,
                runs=runs,
                seed=seed,
                workers=workers,
                labels=labels,
                progress=progress,
                references=references,
            )
            if bands is None
            else run_plan(replace(bands, references=tuple(references)), workers, progress)
        ),
        scheduler=scheduler,
    )
    typer.echo(comparison.summary_text())
    _save(comparison, folder, force, formats, workers)


SweepOutOption = _out_option("`<scenario>-sweep-<field>-seed<seed>` in `results/`")


@app.command()
def sweep(
    scenario: ScenarioArgument,
    vary: Annotated[
        list[str],
        typer.Option(
            "--vary",
            metavar="PATH=V1,V2,...",
            help="The field to sweep, by its dotted path, and its values (YAML, comma-separated). "
            "Give it twice for a grid: every pair of values of two fields, the first giving the "
            "rows and the second the columns.",
            show_default=False,
        ),
    ],
    runs: RunsOption = 10_000,
    seed: SeedOption = 0,
    out: SweepOutOption = None,
    overrides: SetOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    fmt: FormatOption = "png",
    force: ForceOption = False,
) -> None:
    """Run one scenario at several values of one field, on the same worlds, and compare.

    Each value is a variant of the scenario (as with --set), run on the same worlds (common
    random numbers); the outcome shares are printed and drawn against the value. With --vary
    given twice, every pair of values of the two fields is a variant (--runs worlds each), and
    each outcome's share is printed as a matrix and drawn as a heat map; the default folder is
    then `results/<scenario>-grid-<field>-<field>-seed<seed>`.

    Example: sim sweep scenarios/summit.yaml --vary actors.usa.weakness_aversion=0.1,0.3,0.5,0.7,0.9

    Example: sim sweep scenarios/summit.yaml --vary actors.russia.weakness_aversion=0.1,0.5,0.9
    --vary actors.usa.weakness_aversion=0.1,0.5,0.9
    """
    from sim.experiments import grids, sweeps
    from sim.experiments.comparison import ComparisonError
    from sim.experiments.sweeps import VARY, SweepError, check_total, parse_vary

    formats = _check_options(runs, seed, workers, fmt)
    try:
        if len(vary) > 2:
            raise SweepError(f"{VARY}: expected one field, or two for a grid, got {len(vary)}")
        fields = [parse_vary(text) for text in vary]
        check_total(
            runs,
            math.prod(len(values) for _, values in fields),
            "values" if len(fields) == 1 else "pairs",
        )
    except SweepError as err:
        _fail(str(err))
    if len(fields) == 1:
        name = "sweep-" + fields[0][0].rsplit(".", 1)[-1][:40]
    else:
        name = "grid-" + "-".join(n[:30] for n in grids.field_names(fields[0][0], fields[1][0]))
    default = Path("results") / f"{scenario.stem}-{name}-seed{seed}"
    folder = _output_folder(out, force, default, inputs=[scenario])
    try:
        if len(fields) == 1:
            planned: Any = sweeps.plan(scenario, *fields[0], runs, overrides or ())
        else:
            planned = grids.plan(scenario, *fields[0], *fields[1], runs, overrides or ())
    except (ScenarioError, ComparisonError, SweepError) as err:
        _fail(f"{VARY}: {err}" if isinstance(err, ComparisonError) else str(err))
    folder = _claim_output(folder, out, force, default, inputs=[scenario])
    _warn_about_extra_workers(workers)
    run_plan = sweeps.run_plan if len(fields) == 1 else grids.run_plan
    result = _with_progress(
        lambda progress: run_plan(
            planned, runs=runs, seed=seed, workers=workers, progress=progress
        ),
        scheduler=scheduler,
    )
    typer.echo(result.summary_text())
    _save(result, folder, force, formats, workers)


def _with_parents(paths: list[Path]) -> list[Path]:
    """``paths`` and every file they extend, directly or through their parents."""
    found: list[Path] = []
    for path in paths:
        while path is not None and path.resolve() not in found:
            found.append(path.resolve())
            path = _extended_file(path)
    return found


def _extended_file(path: Path) -> Path | None:
    """The file a scenario file ``extends`` (resolved), or None; the file has loaded already."""
    import yaml

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return None
    parent = document.get("extends") if isinstance(document, dict) else None
    return (path.parent / parent).resolve() if isinstance(parent, str) else None


@app.command()
def sensitivity(
    scenario: ScenarioArgument,
    against: Annotated[
        Path | None,
        typer.Option(
            "--against",
            help="A second scenario: decompose the paired difference SCENARIO − AGAINST, both "
            "run on the same design points and random numbers.",
            show_default=False,
        ),
    ] = None,
    params: Annotated[
        list[str] | None,
        typer.Option(
            "--params",
            metavar="PATTERN",
            help="Vary only the parameters whose path matches (a glob: `actors.usa.*`, "
            "`blame.*`). Repeatable. Default: every parameter with a range that can vary per "
            "world.",
            show_default=False,
        ),
    ] = None,
    method: Annotated[
        str, typer.Option("--method", help="sobol (indices with intervals) or morris (screening).")
    ] = "sobol",
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            help="Sobol: base samples, a power of two (default 1024; worlds = samples × "
            "(parameters + 3)). Morris: trajectories (default 20).",
            show_default=False,
        ),
    ] = None,
    worlds_per_point: Annotated[
        int,
        typer.Option(
            "--replicates", help="Worlds simulated at each design point (their mean is the output)."
        ),
    ] = 1,
    by_day: Annotated[
        list[int] | None,
        typer.Option(
            "--by-day",
            help="Day d of the outputs 'sanctions / summit / settlement by day d'. Repeatable. "
            "Default: 14.",
            show_default=False,
        ),
    ] = None,
    outputs: Annotated[
        list[str] | None,
        typer.Option(
            "--outputs",
            metavar="PATTERN",
            help="Analyse only these outputs (a glob over `sanctions`, `paralysis`, "
            "`sanctions_by_day_14`, `territory_change`, `blame_usa`, ...). Repeatable. "
            "Default: all.",
            show_default=False,
        ),
    ] = None,
    seed: SeedOption = 0,
    out: SensitivityOutOption = None,
    overrides: SetOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    fmt: FormatOption = "png",
    force: ForceOption = False,
) -> None:
    r"""Which assumptions drive the answer: Sobol indices or Morris screening of the outcomes.

    Every parameter with a plausible range varies over it (uniformly, or over the scenario's
    distribution where the file gives one), all design points in one ensemble run on common
    random numbers. Prints the top parameters of each output with 95 % intervals and writes
    sensitivity.csv, outputs.csv, figures and report.md (see docs/sensitivity.md).

    Example: sim sensitivity scenarios/summit.yaml --params 'actors.usa.\*' --params 'blame.\*'

    Example: sim sensitivity scenarios/summit.yaml --against scenarios/sanctions.yaml
    """
    from sim.experiments import sensitivity as analysis

    formats = _check_options(1, seed, workers, fmt)
    if worlds_per_point < 1:
        _fail(f"--replicates: expected a number of worlds >= 1, got {worlds_per_point}")
    if any(day < 0 for day in by_day or ()):
        _fail(f"--by-day: expected days >= 0, got {min(by_day or ())}")
    name = f"{scenario.stem}-vs-{against.stem}" if against is not None else scenario.stem
    default = Path("results") / f"{name}-sensitivity-{method}-seed{seed}"
    inputs = [scenario] if against is None else [scenario, against]
    folder = _output_folder(out, force, default, inputs=inputs)
    loaded = _load(scenario, overrides, 1 + (against is not None))
    other = None if against is None else _load(against, overrides, 2)
    try:
        planned = analysis.plan(
            loaded,
            other,
            params or (),
            method,
            samples,
            seed,
            worlds_per_point,
            tuple(by_day) if by_day else analysis.BY_DAYS,
            outputs=outputs or (),
        )
    except analysis.SensitivityError as err:
        _fail(str(err))
    folder = _claim_output(folder, out, force, default, inputs=inputs)
    _warn_about_extra_workers(workers)
    typer.echo(
        f"{len(planned.parameters)} parameters, {planned.worlds:,} worlds "
        f"({len(planned.held)} held at the scenario's value)",
        err=True,
    )
    result = _with_progress(
        lambda progress: analysis.run_plan(planned, workers=workers, progress=progress),
        scheduler=scheduler,
    )
    typer.echo(result.summary_text())
    _save(result, folder, force, formats, workers)


# --- sim discover (scenario discovery, issue 21) -------------------------------------------------

DiscoverOutOption = _out_option("`results/<scenario>-discover-seed<seed>`")


@app.command()
def discover(
    scenario: ScenarioArgument,
    where: Annotated[
        str,
        typer.Option(
            "--where",
            metavar="CONDITION",
            help="The condition on a world, over the columns of worlds.csv: comparisons of a "
            'column with a value joined by and, or, not (`outcome == "settlement"`, '
            "`day_sanctions <= 14`). See docs/sensitivity.md.",
            show_default=False,
        ),
    ],
    params: Annotated[
        list[str] | None,
        typer.Option(
            "--params",
            metavar="PATTERN",
            help="Vary only the parameters whose path matches (a glob: `actors.usa.*`). "
            "Repeatable. Default: every parameter with a range that can vary per world.",
            show_default=False,
        ),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            help="Design points of the Latin hypercube (default 4096; at least 100 and 10 per "
            "parameter).",
            show_default=False,
        ),
    ] = None,
    worlds_per_point: Annotated[
        int, typer.Option("--replicates", help="Worlds simulated at each design point.")
    ] = 1,
    boxes: Annotated[
        int, typer.Option("--boxes", help="How many boxes to find, one after the other (1-10).")
    ] = 1,
    min_coverage: Annotated[
        float,
        typer.Option(
            "--min-coverage",
            help="Least coverage of the peeled box, before its weak restrictions are pruned.",
        ),
    ] = 0.5,
    seed: SeedOption = 0,
    out: DiscoverOutOption = None,
    overrides: SetOption = None,
    workers: WorkersOption = None,
    fmt: FormatOption = "png",
    force: ForceOption = False,
) -> None:
    r"""Under which assumptions is a condition likely? PRIM boxes over the parameters.

    A Latin hypercube over the parameters' ranges, run as one ensemble; PRIM (ema_workbench,
    the explore extra) finds the ranges in which the condition holds most often. Prints each box
    in plain words with its coverage and density and writes boxes.csv, trajectory.csv, figures
    and report.md (see docs/sensitivity.md).

    Example: sim discover scenarios/summit.yaml --where 'outcome == "settlement"'

    Example: sim discover scenarios/summit.yaml --where 'day_sanctions <= 14' --params 'actors.\*'
    """
    from sim.experiments import discovery

    formats = _check_options(1, seed, workers, fmt)
    if worlds_per_point < 1:
        _fail(f"--replicates: expected a number of worlds >= 1, got {worlds_per_point}")
    if not 1 <= boxes <= 10:
        _fail(f"--boxes: expected 1 to 10 boxes, got {boxes}")
    default = Path("results") / f"{scenario.stem}-discover-seed{seed}"
    folder = _output_folder(out, force, default, inputs=[scenario])
    loaded = _load(scenario, overrides)
    try:
        planned = discovery.plan(
            loaded, where, params or (), samples, seed, worlds_per_point, boxes, min_coverage
        )
    except discovery.DiscoveryError as err:
        _fail(str(err))
    folder = _claim_output(folder, out, force, default, inputs=[scenario])
    _warn_about_extra_workers(workers)
    typer.echo(
        f"{len(planned.parameters)} parameters, {planned.worlds:,} worlds "
        f"({len(planned.held)} held at the scenario's value)",
        err=True,
    )
    try:
        result = _with_progress(
            lambda progress: discovery.run_plan(planned, workers=workers, progress=progress)
        )
    except discovery.DiscoveryError as err:
        _fail(str(err))
    typer.echo(result.summary_text())
    _save(result, folder, force, formats, workers)


def _warn_about_repeats(paths: list[Path]) -> None:
    """Warn (and go on) when one file is given twice: on common worlds its rows are identical."""
    seen: dict[Path, Path] = {}
    for path in paths:
        first = seen.setdefault(path.resolve(), path)
        if first is not path:
            typer.echo(
                f"warning: {path} is the same file as {first}: the same scenario on the same "
                "worlds, so every difference between them is zero",
                err=True,
            )


def _labels(paths: list[Path]) -> list[str]:
    """Short unique labels for scenario files: their stems, numbered if repeated."""
    labels: list[str] = []
    for path in paths:
        label, number = path.stem, 1
        while label in labels:
            number += 1
            label = f"{path.stem}-{number}"
        labels.append(label)
    return labels


AcceptEditedOption = Annotated[
    bool,
    typer.Option(
        "--accept-edited",
        help="Use a stored scenario edited since the run (it no longer matches its recorded hash).",
    ),
]


# --- sim calibrate (calibration to the record, issue 22) -----------------------------------------

CalibrateOutOption = _out_option("`results/<scenario>-calibrate-seed<seed>`")


@app.command()
def calibrate(
    scenario: ScenarioArgument,
    record: Annotated[
        Path,
        typer.Option(
            "--record",
            help="The record file (YAML) with a targets: section (docs/record.md).",
            show_default=False,
        ),
    ],
    params: Annotated[
        list[str] | None,
        typer.Option(
            "--params",
            metavar="PATTERN",
            help="Calibrate only these parameters (paths or globs). Repeatable. Default: the "
            "documented list (docs/calibration.md, 'Calibrating to the record').",
            show_default=False,
        ),
    ] = None,
    population: Annotated[
        int, typer.Option("--population", help="Particles per generation.")
    ] = 1000,
    generations: Annotated[
        int, typer.Option("--generations", help="Most generations of ABC-SMC.")
    ] = 8,
    seed: SeedOption = 0,
    out: CalibrateOutOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    fmt: FormatOption = "png",
    force: ForceOption = False,
) -> None:
    r"""Calibrate parameters to the record: likelihood-free Bayesian inference by ABC-SMC.

    Each chosen parameter's prior is its plausible range (or the scenario's distribution);
    pyabc keeps the particles whose simulated world (one per particle, many per ensemble run)
    looks like the record's targets. Writes posterior.yaml (a scenario that extends SCENARIO
    with the posterior), figures, report.md and pyabc's database (docs/calibration.md).

    Example: sim calibrate scenarios/record-2025.yaml --record records/2025-01-20_to_2025-08-06.yaml
    """
    import tempfile

    from sim.experiments import calibration as fit
    from sim.experiments.record import load_record

    formats = _check_options(1, seed, workers, fmt)
    default = Path("results") / f"{scenario.stem}-calibrate-seed{seed}"
    folder = _output_folder(out, force, default, inputs=[scenario, record])
    loaded = _load(scenario)
    try:
        planned = fit.plan(
            loaded,
            load_record(record),
            params or (),
            population,
            generations,
            seed=seed,
        )
        fit.load_pyabc()
    except (ScenarioError, fit.CalibrationError) as err:  # a RecordError is a ScenarioError
        _fail(str(err))
    folder = _claim_output(folder, out, force, default, inputs=[scenario, record])
    _warn_about_extra_workers(workers)
    typer.echo(
        f"{len(planned.parameters)} parameters, {len(planned.record.targets)} targets, "
        f"{planned.population} particles per generation, at most {planned.generations} "
        "generations",
        err=True,
    )
    with tempfile.TemporaryDirectory(prefix="sim-calibrate-") as scratch:
        try:
            result = _with_progress(
                lambda progress: fit.run_plan(
                    planned, Path(scratch) / "abc.db", workers=workers, progress=None
                ),
                scheduler=scheduler,
            )
        except fit.CalibrationError as err:
            _fail(str(err))
        result.scenario_file = str(scenario)
        typer.echo(result.summary_text())
        _save(result, folder, force, formats, workers)


@app.command()
def plot(
    folder: Annotated[
        Path,
        typer.Argument(
            help="A folder written by sim run, sim compare or sim sweep.", show_default=False
        ),
    ],
    fmt: FormatOption = "png",
    accept_edited: AcceptEditedOption = False,
) -> None:
    """Redraw the figures and report of a saved run or comparison, without rerunning it.

    Example: sim plot results/summit-seed0 --format svg
    """
    from sim.experiments.discovery import Discovery
    from sim.experiments.sensitivity import Sensitivity
    from sim.experiments.uncertainty import Uncertainty
    from sim.output.discovery import save_discovery_figures, write_discovery_report
    from sim.output.folders import claim
    from sim.output.plots import save_figures
    from sim.output.report import write_report
    from sim.output.saved import (
        MAX_MANIFEST_BYTES,
        ResultsFolderError,
        check_redrawable,
        load_results,
    )
    from sim.output.sensitivity import save_sensitivity_figures, write_sensitivity_report
    from sim.output.uncertainty import redraw as redraw_bands
    from sim.scenario.inputs import load_json

    formats = _check_options(1, 0, None, fmt)
    try:
        results = load_results(folder, accept_edited=accept_edited)
        check_redrawable(folder)
    except ResultsFolderError as err:
        _fail(str(err))
    for name, is_kind, kind in (
        ("figures", Path.is_dir, "folder"),
        ("report.md", Path.is_file, "file"),
    ):
        path = folder / name
        if path.exists() and not is_kind(path):
            _fail(f"{path}: exists and is not a {kind}; move it away to redraw")
    try:
        claim(folder)  # no run may replace the folder while its figures are redrawn
    except OSError as err:  # another run writes it, or no lock file can be made next to it
        _fail_on_folder(err, None)
    command = load_json(folder / "manifest.json", MAX_MANIFEST_BYTES).get("command")
    if isinstance(results, Sensitivity):
        figures = save_sensitivity_figures(results, folder / "figures", formats)
        write_sensitivity_report(results, folder, figures, command)
    elif isinstance(results, Discovery):
        figures = save_discovery_figures(results, folder / "figures", formats)
        write_discovery_report(results, folder, figures, command)
    elif isinstance(results, Uncertainty):
        figures = redraw_bands(results, folder, formats, command)
    else:
        figures = save_figures(results, folder / "figures", formats)
        write_report(results, folder, figures, command)
    typer.echo(f"Redrew {len(figures)} figures in {folder / 'figures'} and {folder / 'report.md'}")


@app.command()
def trace(
    scenario: ScenarioArgument,
    seed: SeedOption = 0,
    world: WorldOption = 0,
    overrides: SetOption = None,
    fmt: Annotated[str, typer.Option("--format", help="text, or json for machines.")] = "text",
) -> None:
    """Narrate one simulated world day by day: each action, and why it was likely.

    World I with seed S is row I of `sim run --seed S`. Quiet days are folded.

    Example: sim trace scenarios/summit.yaml --seed 3 --world 12
    """
    from sim.classroom.trace import format_trace, trace_world

    if seed < 0:
        _fail(f"--seed: expected a seed >= 0, got {seed}")
    _check_world(world)
    if fmt not in ("text", "json"):
        _fail(f"--format: expected text or json, got {fmt!r}")
    loaded = _load(scenario, overrides)
    narrated = trace_world(loaded, seed=seed, world=world)
    if fmt == "json":
        typer.echo(json.dumps(narrated.to_dict(), indent=2))
    else:
        typer.echo(format_trace(narrated))


@app.command()
def rerun(
    folder: Annotated[
        Path, typer.Argument(help="A folder written by sim run.", show_default=False)
    ],
    out: RerunOutOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    force: ForceOption = False,
    accept_edited: AcceptEditedOption = False,
) -> None:
    """Repeat a saved run exactly, from its manifest (scenario, seed and runs).

    Example: sim rerun results/summit-seed0 --out results/summit-again
    """
    from sim.engine.results import Results
    from sim.output.saved import ResultsFolderError, load_results
    from sim.output.saving import kind_of

    _check_options(1, 0, workers, "png")
    try:
        saved = load_results(folder, accept_edited=accept_edited)
    except ResultsFolderError as err:
        _fail(str(err))
    if not isinstance(saved, Results):
        _fail(f"{folder}: {kind_of(saved)}; rerun takes a folder written by sim run")
    here = Path(os.path.abspath(folder))  # '.' and '..' have no name to add '-rerun' to
    default = here.with_name(here.name + "-rerun")
    target = _output_folder(out, force, default)
    target = _claim_output(target, out, force, default)

    _warn_about_extra_workers(workers)
    _stream_run(saved.scenario, saved.runs, saved.seed, workers, scheduler, target, force, ("png",))


# --- sim score ----------------------------------------------------------------------------------

ScoreOutOption = _out_option("`results/score-<questions>-<results folder>`")


@app.command()
def score(
    results: Annotated[
        Path, typer.Argument(help="A folder written by sim run.", show_default=False)
    ],
    questions: Annotated[
        Path,
        typer.Option(
            "--questions",
            help="Resolved questions (YAML): each a condition over worlds.csv and what happened.",
            show_default=False,
        ),
    ],
    reference: Annotated[
        Path | None,
        typer.Option(
            "--reference",
            help="Another sim run folder, scored on the same questions for comparison.",
            show_default=False,
        ),
    ] = None,
    out: ScoreOutOption = None,
    fmt: FormatOption = "png",
    force: ForceOption = False,
) -> None:
    """Score a run's forecasts against resolved questions: Brier and log scores, against a coin.

    A forecast is the share of the run's worlds where the question's condition holds
    (`sanctions by day 30`, `summit by 2025-08-31`, `outcome == settlement`). Writes
    scores.csv, totals.csv, report.md and, with 20 questions or more, a reliability diagram
    (docs/calibration.md, "Scoring forecasts").

    Example: sim score results/summit-seed0 --questions questions/after-article.yaml
    """
    from sim.output.saved import ResultsFolderError
    from sim.output.scoring import score as score_run

    formats = _check_options(1, 0, None, fmt)
    default = (
        Path("results") / f"score-{questions.stem[:40]}-{Path(os.path.abspath(results)).name[:40]}"
    )
    folder = _output_folder(out, force, default, inputs=[questions])
    try:
        scores = score_run(results, questions, reference)
    except (ScenarioError, ResultsFolderError) as err:  # a QuestionError is a ScenarioError
        _fail(str(err))
    folder = _claim_output(folder, out, force, default, inputs=[questions])
    typer.echo(scores.summary_text())
    _save(scores, folder, force, formats, None)


@app.command()
def play(
    scenario: ScenarioArgument,
    actor: Annotated[str, typer.Option("--as", help="The actor you play (a key under actors:).")],
    seed: SeedOption = 0,
    world: WorldOption = 0,
    moves: Annotated[
        Path | None,
        typer.Option("--moves", help="Replay choices from a moves.yaml file.", show_default=False),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Log folder (default: results/play-...).", show_default=False),
    ] = None,
    overrides: SetOption = None,
    debrief_runs: Annotated[
        int, typer.Option("--debrief-runs", help="Worlds to compare your result with.")
    ] = 2000,
) -> None:
    """Play one actor against the model, then see where your result falls among many worlds.

    On each decision day you see what your actor knows and a menu of actions with their likely
    consequences; the model plays everyone else. Every play is logged (moves.yaml replays it).

    Example: sim play scenarios/summit.yaml --as usa --seed 3
    """
    from sim.classroom.play import Game, PlayError, PlayLog, check_moves, debrief, load_moves

    if seed < 0:
        _fail(f"--seed: expected a seed >= 0, got {seed}")
    _check_world(world)
    if not 1 <= debrief_runs <= MAX_RUNS:
        _fail(f"--debrief-runs: expected 1 to {MAX_RUNS:,} worlds, got {debrief_runs:,}")
    loaded = _load(scenario, overrides)
    if actor not in loaded.actors:
        _fail(f"--as: unknown actor {actor!r}; expected one of {', '.join(loaded.actors)}")
    try:
        planned = load_moves(moves) if moves is not None else None
        if planned is not None:
            check_moves(planned, moves, loaded, actor)
    except PlayError as err:
        _fail(str(err))
    default = Path("results") / f"play-{scenario.stem}-{actor}-seed{seed}"
    folder = _output_folder(out, False, default, forceable=False)
    folder = _claim_output(folder, out, False, default, forceable=False)
    log = PlayLog(folder, str(scenario), actor, seed, world)
    game = Game(
        loaded,
        actor,
        seed,
        say=typer.echo,
        ask=input,
        moves=planned,
        log=log,
        world=world,
        moves_file=str(moves) if moves else "moves file",
    )
    try:
        game.play()
    except PlayError as err:  # only a replayed moves file gives one: nothing worth keeping
        log.discard()
        _fail(str(err))
    except (EOFError, KeyboardInterrupt):
        _fail(f"input ended before the game did (the play so far is logged in {folder})")
    data, text = debrief(game, runs=debrief_runs)
    log.debrief(data, text)
    for line in text.splitlines():
        game.say(line)
    typer.echo(f"\nPlay logged in {folder} (replay: --moves {folder / 'moves.yaml'})")


@app.command()
def viz(
    scenario: ScenarioArgument,
    seed: SeedOption = 0,
    world: WorldOption = 0,
    overrides: SetOption = None,
    port: Annotated[int, typer.Option("--port", help="Port of the local web server.")] = 8765,
    host: Annotated[str, typer.Option("--host", help="Address to serve on.")] = "localhost",
) -> None:
    """Watch one world in the browser, a day at a time, with sliders for the key parameters.

    Mesa's SolaraViz: Step or Play through the days; see each act and why it was likely, the
    world's path, and where it ends among 2,000 worlds like it. Move a slider and press Reset
    to replay the same world with that setting. Needs the project's viz extra (see README).

    Example: sim viz scenarios/summit.yaml --seed 3 --world 12
    """
    import importlib.util

    from sim.classroom.watch import ENSEMBLE_RUNS, SETTINGS_VARIABLE

    if seed < 0:
        _fail(f"--seed: expected a seed >= 0, got {seed}")
    if not 0 <= world < ENSEMBLE_RUNS:
        _fail(f"--world: expected a world index from 0 to {ENSEMBLE_RUNS - 1:,}, got {world:,}")
    if not 1 <= port <= 65535:
        _fail(f"--port: expected a port from 1 to 65535, got {port}")
    _load(scenario, overrides)
    if importlib.util.find_spec("solara") is None or importlib.util.find_spec("altair") is None:
        _fail('sim viz needs the viz extra; install it with: pip install -e ".[viz]"')
    settings = {
        "scenario_file": str(scenario),
        "base_overrides": list(overrides or []),
        "seed": seed,
        "world": world,
    }
    _check_address(host, port)
    argv = [sys.executable, "-m", "solara", "run", "sim.classroom.app", "--port", str(port)]
    argv += ["--host", host, "--no-check-version"]  # its advice to upgrade would break offline use
    typer.echo(f"Serving {scenario} at http://{host}:{port} (Ctrl-C stops it)")
    sys.stdout.flush()
    # Solara warns at length, on every new session over plain http, that it falls back to
    # SameSite=Lax cookies: the right thing on a local server, and nothing a student can act on.
    quiet = "ignore:Cookies with samesite=none require https:UserWarning"
    warnings = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), quiet]))
    env = {**os.environ, SETTINGS_VARIABLE: json.dumps(settings), "PYTHONWARNINGS": warnings}
    _serve(argv, env)


@app.command("class")
def class_session(
    scenario: ScenarioArgument,
    seed: SeedOption = 0,
    world: WorldOption = 0,
    shared: Annotated[
        bool,
        typer.Option(
            "--shared",
            help="Teams share worlds, one actor each (the model plays the actors no team took); "
            "without it each team plays its actor in its own world.",
        ),
    ] = False,
    pace: Annotated[
        str,
        typer.Option(
            "--pace",
            help="free: each team plays at its own speed; teacher: no world passes the day the "
            "teacher has opened (Advance on the teacher's page).",
        ),
    ] = "free",
    timer: Annotated[
        float,
        typer.Option(
            "--timer",
            help="Seconds a team has for each decision; then the model's likeliest choice is "
            "taken for it (0: no limit; the teacher's page can change it).",
        ),
    ] = 0.0,
    port: Annotated[int, typer.Option("--port", help="Port of the class's web server.")] = 8766,
    lan: Annotated[
        bool,
        typer.Option(
            "--lan",
            help="Listen on every network address of this computer, so that students' computers "
            "can join (default: this computer only, 127.0.0.1).",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder of every team's moves, transcript and debrief, and the class debrief "
            "(default: `results/class-<scenario>-seed<seed>`, with -2, -3, ... if taken).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve a class session: teams play the actors in their browsers; the teacher's page runs it.

    The teacher's page shows a join code, a live board of the teams and the pace controls, and
    the class debrief at the end. Students open the address, type the code and a team name, and
    pick an actor; each team's decisions are `sim play`'s, in the browser. Every team's moves are
    saved as a moves.yaml that `sim play --moves` replays. Ctrl-C ends the session.

    Example: sim class scenarios/summit.yaml --seed 3 --lan
    """
    import importlib.util

    if seed < 0:
        _fail(f"--seed: expected a seed >= 0, got {seed}")
    _check_world(world)
    if pace not in ("free", "teacher"):
        _fail(f"--pace: expected free or teacher, got {pace!r}")
    if not 0 <= timer <= 3600:
        _fail(f"--timer: expected 0 to 3600 seconds, got {timer:g}")
    if not 1 <= port <= 65535:
        _fail(f"--port: expected a port from 1 to 65535, got {port}")
    loaded = _load(scenario)
    if importlib.util.find_spec("starlette") is None or importlib.util.find_spec("uvicorn") is None:
        _fail('sim class needs the viz extra; install it with: pip install -e ".[viz]"')
    host = "0.0.0.0" if lan else "127.0.0.1"
    _check_address(host, port)  # before the folder is claimed: a port in use leaves nothing
    default = Path("results") / f"class-{scenario.stem}-seed{seed}"
    folder = _output_folder(out, False, default, forceable=False)
    folder = _claim_output(folder, out, False, default, forceable=False)
    from sim.classroom.server import serve
    from sim.classroom.session import ClassSession, Settings

    settings = Settings(
        scenario=loaded,
        scenario_path=str(scenario),
        seed=seed,
        world=world,
        mode="shared" if shared else "own",
        pace=pace,  # type: ignore[arg-type]  (checked above)
        timer_s=timer,
        out=folder,
    )
    session = ClassSession(settings)
    listener = _bound_socket(host, port)
    listener.listen(128)  # students who connect from now on wait for the server, never refused
    shown = _lan_addresses() if lan else ["127.0.0.1"]
    typer.echo(f"Class session: {loaded.name} (seed {seed}, world {world}).")
    for address in shown:
        typer.echo(f"  Students open http://{address}:{port}/ and type the code {session.code}")
    typer.echo(f"  Teacher's page: http://{shown[0]}:{port}/teacher#key={session.teacher_key}")
    typer.echo(f"  Moves and debriefs are saved in {folder}. Ctrl-C ends the session.")
    sys.stdout.flush()
    try:
        serve(session, listener)
    finally:  # Ctrl-C ends a class: what the finished teams did is kept
        if any(team.debrief for team in session.teams.values()):
            typer.echo(f"Class debrief saved in {session.save_class_debrief()}")


def _lan_addresses() -> list[str]:
    """This computer's addresses that students on the school's network may reach."""
    import socket

    try:
        names = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        names = []
    found = sorted({info[4][0] for info in names if not info[4][0].startswith("127.")})
    return found or ["<this computer's address>"]


def _check_address(host: str, port: int) -> None:
    """Refuse an address the web server could not listen on (a port in use, an unknown host)."""
    _bound_socket(host, port).close()


def _bound_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` as the web servers bind theirs, or exit 2 with one line."""
    import socket

    probe = socket.socket()
    # as the server itself binds: a port whose last server has just stopped is free (its
    # connections' TIME_WAIT does not hold it), a port another server listens on is not
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((host, port))
    except socket.gaierror as err:
        probe.close()
        _fail(f"--host: cannot serve on {host}: {err.strerror or err}")
    except OSError as err:
        probe.close()
        reason = err.strerror or str(err)
        _fail(f"--port: cannot serve on {host}:{port}: {reason}; try another --port")
    return probe


def _serve(argv: list[str], env: dict[str, str]) -> NoReturn:
    """Replace this process with the web server, so that Ctrl-C stops it without a word."""
    os.execve(argv[0], argv, env)


@app.command()
def validate(
    scenarios: Annotated[
        list[Path], typer.Argument(help="Scenario files (YAML).", show_default=False)
    ],
) -> None:
    """Check scenario files (extends merged, schema and cross-field checks) without running them.

    Each file gets a line: ok, or its first problem. Exits with status 2 if any file has one.

    Example: sim validate scenarios/*.yaml
    """
    failed = 0
    for path in scenarios:
        try:
            loaded = load_scenario(path)
        except ScenarioError as err:
            typer.echo(f"error: {err}", err=True)
            failed += 1
            continue
        typer.echo(
            f"ok  {path}  ({loaded.name}, {len(loaded.actors)} actors, {loaded.horizon_days} days)"
        )
    if failed:
        raise typer.Exit(2)


@app.command()
def schema(
    table: bool = typer.Option(
        False,
        "--table",
        help="print every parameter as a Markdown table (field, default in article.yaml, "
        "plausible range, source, meaning) instead of the JSON Schema",
    ),
) -> None:
    """Print the JSON Schema of scenario files (for editors and documentation).

    Each numeric field carries its plausible ``range`` and its ``source``.

    Example: sim schema > scenario.schema.json; sim schema --table
    """
    if table:
        article = next(path for path in bundled_scenarios() if path.name == "article.yaml")
        typer.echo(parameters.table(load_scenario(article)), nl=False)
        return
    typer.echo(json.dumps(file_schema(), indent=2))


@app.command("list")
def list_scenarios() -> None:
    """List the bundled scenarios: the path to run and its name, then the question it asks.

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
        rows.append((str(path), name, _first_comment(path)))  # the path to give `sim run`
    columns = min(max(shutil.get_terminal_size((100, 24)).columns, 60), 120) - 1
    width_file = max(len(row[0]) for row in rows)
    for file, name, question in rows:
        typer.echo(f"{file:<{width_file}}  {name}")
        if question:
            typer.echo(
                textwrap.fill(question, columns, initial_indent="    ", subsequent_indent="    ")
            )


def _first_comment(path: Path) -> str:
    """Return the text of the first ``#`` comment line of a file, or an empty string."""
    from sim.scenario.inputs import InputFileError, read_text
    from sim.scenario.loading import MAX_FILE_BYTES

    try:
        lines = read_text(path, MAX_FILE_BYTES, "scenario file").splitlines()
    except (OSError, InputFileError):
        return ""
    return next(
        (line.strip().lstrip("#").strip() for line in lines if line.strip().startswith("#")), ""
    )


if __name__ == "__main__":
    main()
