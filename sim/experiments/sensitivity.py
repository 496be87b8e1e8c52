"""Which assumptions drive the answer: Sobol indices and Morris screening over the parameters.

The samplers and estimators are SALib's (Herman & Usher 2017): ``SALib.sample.sobol`` with
``SALib.analyze.sobol`` (Saltelli 2010's first-order and Jansen's total-order estimators, with
bootstrap intervals), and ``SALib.sample.morris`` with ``SALib.analyze.morris`` (Morris 1991,
Campolongo et al. 2007). This module lays their sample out as one ensemble run: the sample's
*matrices* (Sobol's A, the D matrices AB_i and B; Morris's points of a trajectory, in order)
are stacked into one :class:`~sim.model.design.Design` of the scenario whose worlds repeat every
matrix (:attr:`~sim.model.design.Design.stream_period`): design point *j* of every matrix is
simulated with the random numbers of world *j* (or worlds ``j·k .. j·k + k - 1``). The
differences the estimators take between matrices are then free of the model's own randomness
(common random numbers), and a parameter with no effect gets a total index of exactly 0.

One more matrix, the *noise* matrix, runs the first half of A's points in two groups of k worlds
each: the gap between the two groups measures the model's own randomness, reported as the share
of the output's variance that no parameter explains (``docs/sensitivity.md``).
"""

from __future__ import annotations

import difflib
import fnmatch
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.engine.ensemble import Progress, run_checked
from sim.engine.forking import run_tasks
from sim.experiments.sensitivity_plot import index_bars
from sim.model.design import Design, held, per_world
from sim.model.draws import quantile
from sim.model.outcomes import OUTCOMES
from sim.scenario import options as arguments
from sim.scenario.parameters import SECTIONS, Parameter
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from matplotlib.axes import Axes

METHODS = ("sobol", "morris")
EVENTS = ("sanctions", "summit", "settlement")
"""Events whose day is an output, as the share of worlds where it happened by day d."""
BY_DAYS = (14,)
"""The default days d of the "by day d" outputs (the article's two-week horizon)."""
MIN_SOBOL_SAMPLES = 64
"""Fewest base samples a Sobol analysis takes: fewer give bootstrap intervals wider than the
indices (and SALib's Sobol sequence wants a power of two)."""
MIN_TRAJECTORIES = 4
"""Fewest Morris trajectories: the spread of the elementary effects needs a few of each."""
TAIL = 0.005
"""A scenario distribution is cut at these quantiles (0.5 % and 99.5 %): Morris's end levels
sit at 0 and 1, where a beta or an open normal reaches implausible values."""
MAX_WORLDS = 20_000_000
"""Most worlds one analysis may simulate (about 5 GB of summary rows)."""


class SensitivityError(ValueError):
    """Parameters, samples or options a sensitivity analysis cannot use."""


@dataclass(frozen=True)
class Output:
    """One quantity per world whose variance the analysis decomposes."""

    name: str
    label: str
    value: Callable[[pd.DataFrame], np.ndarray]


def all_outputs(actors: Sequence[str], by_days: Sequence[int] = BY_DAYS) -> list[Output]:
    """The analysed outputs, each a number per world.

    The outcome classes and the events by day d (0 or 1), territory gained, casualties, air
    defence delivered, and each actor's share of blame.

    The share of worlds in a class is the mean of its indicator, so the indices of an indicator
    are the indices of the share (docs/sensitivity.md, "Indicators and shares").
    """
    found = [
        Output(o, f"P({o.replace('_', ' ')})", lambda w, o=o: (w["outcome"] == o).to_numpy(float))
        for o in OUTCOMES
    ]
    for day in by_days:
        found += [
            Output(
                f"{event}_by_day_{day}",
                f"P({event} by day {day})",
                lambda w, e=event, d=day: (w[f"day_{e}"].to_numpy(float) <= d).astype(float),
            )
            for event in EVENTS
        ]
    found += [
        Output("territory_change", "territory gained (pp)", _column("territory_change")),
        Output("casualties", "casualties", _column("casualties")),
        Output("air_defense_delivered", "air defence delivered", _column("air_defense_delivered")),
    ]
    found += [Output(f"blame_{a}", f"blame share of {a}", _column(f"blame_{a}")) for a in actors]
    return found


def _column(name: str) -> Callable[[pd.DataFrame], np.ndarray]:
    return lambda worlds: worlds[name].to_numpy(float)


# --- choosing the parameters --------------------------------------------------------------------


def select(
    scenario: Scenario, patterns: Sequence[str] = (), against: Scenario | None = None
) -> tuple[list[Parameter], dict[str, str]]:
    """The parameters to vary, and those held with the reason why, by path.

    Args:
        scenario: the analysed scenario.
        patterns: glob patterns over the ``--set`` paths (``actors.usa.*``, ``blame.*``); none
            means every ranged parameter.
        against: the scenario of a paired difference: a parameter whose value differs between
            the two is the comparison's own change, and is held at each file's value.

    Raises:
        SensitivityError: a pattern names no section or actor, or matches no parameter that can
            vary, or nothing is left to vary.

    """
    varying = per_world(scenario)
    fixed = {p.path: "one number for all worlds (a whole number of days, the type prior, or a "
                     "field the schema types as a plain number)"
             for p in held(scenario)}  # fmt: skip
    if against is not None:
        other = per_world(against)
        for path, parameter in list(varying.items()):
            if path not in other:
                fixed[path] = "not a parameter of the other scenario"
                del varying[path]
            elif _differs(parameter, other[path]):
                fixed[path] = "differs between the two scenarios (the comparison's own change)"
                del varying[path]
    chosen = list(varying.values())
    if patterns:
        chosen = []
        for pattern in patterns:
            matched = [p for p in varying.values() if fnmatch.fnmatchcase(p.path, pattern)]
            if not matched:
                raise SensitivityError(_no_match(scenario, pattern, varying, fixed))
            chosen += [p for p in matched if p not in chosen]
        fixed = {path: why for path, why in fixed.items() if _matches(path, patterns)}
    if not chosen:
        raise SensitivityError("no parameter is left to vary")
    return chosen, fixed


def _differs(mine: Parameter, theirs: Parameter) -> bool:
    return mine.default != theirs.default or mine.distribution != theirs.distribution


def _matches_any(names: Sequence[str], pattern: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for name in names)


def _matches(path: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns)


def _no_match(
    scenario: Scenario, pattern: str, varying: dict[str, Parameter], fixed: dict[str, str]
) -> str:
    """Why ``pattern`` matches nothing: an unknown section or actor, or no field of it."""
    parts = pattern.split(".")
    heads = [*SECTIONS, "actors"]
    if parts[0] == "actors" and len(parts) > 1:
        names = list(scenario.actors)
        if not any(fnmatch.fnmatchcase(name, parts[1]) for name in names):
            return (
                f"--params {pattern!r}: no actor {parts[1]!r} in {scenario.name}; "
                f"expected one of {', '.join(names)}"
            )
    elif not any(fnmatch.fnmatchcase(head, parts[0]) for head in heads):
        close = difflib.get_close_matches(parts[0], heads, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return (
            f"--params {pattern!r}: unknown section {parts[0]!r}{hint}; expected a pattern over "
            f"actors.<name>.* or one of {', '.join(SECTIONS)}"
        )
    kept = [path for path in fixed if fnmatch.fnmatchcase(path, pattern)]
    if kept:
        why = fixed[kept[0]]
        return f"--params {pattern!r}: matches only parameters held fixed: {kept[0]} is {why}"
    close = difflib.get_close_matches(pattern, list(varying), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"--params {pattern!r}: matches no parameter (see 'sim schema --table'){hint}"


def values_at(parameter: Parameter, u: np.ndarray) -> np.ndarray:
    """A parameter's values at quantiles ``u`` in [0, 1].

    Uniform over its plausible range, or its scenario distribution (cut at :data:`TAIL`) where
    the scenario gives one.
    """
    if parameter.distribution is None:
        return parameter.low + (parameter.high - parameter.low) * u
    return quantile(parameter.distribution, np.clip(u, TAIL, 1.0 - TAIL))


# --- the sample as matrices ---------------------------------------------------------------------


def problem(names: Sequence[str]) -> dict[str, Any]:
    """SALib's problem: every input on [0, 1] (a quantile, mapped by :func:`values_at`)."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def sample(method: str, names: Sequence[str], samples: int, seed: int) -> np.ndarray:
    """SALib's sample in the unit cube, as matrices: shape ``(matrices, samples, inputs)``.

    Sobol: ``samples`` base points give D + 2 matrices (A, AB_1 … AB_D, B). Morris:
    ``samples`` trajectories give D + 1 matrices (the trajectories' points, in order).
    """
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    count = len(names)
    if method == "sobol":
        flat = sobol_sample.sample(problem(names), samples, calc_second_order=False, seed=seed)
        steps = count + 2
    else:
        flat = morris_sample.sample(problem(names), samples, num_levels=4, seed=seed)
        steps = count + 1
    return flat.reshape(samples, steps, count).transpose(1, 0, 2)


def interleave(per_matrix: np.ndarray) -> np.ndarray:
    """Outputs of shape ``(matrices, samples)`` in SALib's row order (matrix fastest)."""
    return np.ascontiguousarray(per_matrix.T).reshape(-1)


def indices(
    method: str,
    names: Sequence[str],
    unit: np.ndarray,
    per_matrix: np.ndarray,
    resamples: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """SALib's estimates for one output, one row per input.

    Args:
        method: ``sobol`` or ``morris``.
        names: the inputs.
        unit: the sample of :func:`sample`.
        per_matrix: the output at each point of each matrix, shape ``(matrices, samples)``.
        resamples: bootstrap resamples for the intervals (95 %).
        seed: the bootstrap's seed.

    Returns:
        Sobol: ``S1, S1_conf, ST, ST_conf``; Morris: ``mu_star, mu_star_conf, sigma, mu``
        (the ``_conf`` columns are half-widths of 95 % intervals). All 0 for an output that
        does not vary.

    """
    columns = ("S1", "S1_conf", "ST", "ST_conf") if method == "sobol" else MORRIS_COLUMNS
    y = interleave(per_matrix)
    if not np.ptp(y) > 0:
        return pd.DataFrame(0.0, index=pd.Index(list(names), name="parameter"), columns=columns)
    with warnings.catch_warnings():
        # SALib warns of constant bootstrap resamples of a rare event; its intervals say it.
        warnings.simplefilter("ignore", UserWarning)
        found = _analyze(method, names, unit, y, resamples, seed)
    table = pd.DataFrame({c: np.asarray(found[c], float) for c in columns}, index=list(names))
    table.index.name = "parameter"
    return table


def _analyze(
    method: str, names: Sequence[str], unit: np.ndarray, y: np.ndarray, resamples: int, seed: int
) -> dict[str, Any]:
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    seed = bootstrap_seed(seed)

    if method == "sobol":
        return sobol_analyze.analyze(
            problem(names), y, calc_second_order=False, num_resamples=resamples, seed=seed
        )
    return morris_analyze.analyze(
        problem(names), interleave_points(unit), y, num_resamples=resamples, seed=seed
    )


MORRIS_COLUMNS = ("mu_star", "mu_star_conf", "sigma", "mu")


def bootstrap_seed(seed: int) -> int:
    """The bootstrap's seed, derived from the run's seed; never 0.

    SALib's Sobol analysis takes 0 as "no seed": its intervals would change from call to call.
    """
    return int(np.random.SeedSequence([seed, 21]).generate_state(1)[0]) | 1


def interleave_points(unit: np.ndarray) -> np.ndarray:
    """The sample's points in SALib's row order (the inverse of :func:`sample`'s layout)."""
    matrices, samples, count = unit.shape
    return unit.transpose(1, 0, 2).reshape(matrices * samples, count)


def noise_share(
    pairs: np.ndarray, reference: np.ndarray, resamples: int = 200, seed: int = 0
) -> tuple[float, float]:
    """The share of an output's variance that no parameter explains, and its 95 % half-width.

    ``pairs`` holds, for some design points, the output in two independent groups of worlds
    (shape ``(points, 2)``): half the mean squared gap estimates the variance of the output at a
    fixed point (the model's own randomness); ``reference`` holds the output over the design.
    """
    total = float(np.var(reference, ddof=1))
    if not total > 0:
        return 0.0, 0.0
    gaps = 0.5 * (pairs[:, 0] - pairs[:, 1]) ** 2
    rng = np.random.default_rng(bootstrap_seed(seed))
    boot = gaps[rng.integers(len(gaps), size=(resamples, len(gaps)))].mean(axis=1) / total
    return float(gaps.mean() / total), float(1.96 * boot.std(ddof=1))


# --- the analysis -------------------------------------------------------------------------------


@dataclass(eq=False)
class Sensitivity:
    """The indices of every output over the varied parameters, with their intervals.

    Attributes:
        scenario: the analysed scenario.
        against: the other scenario of a paired difference (``scenario − against``), if any.
        method: ``sobol`` or ``morris``.
        parameters: the varied parameters, in the design's column order.
        held: parameters the analysis could not vary, with the reason, by path.
        table: one row per output and parameter: ``output``, ``parameter`` and the method's
            columns (:func:`indices`).
        noise: one row per output: its mean and variance over the design, and ``unexplained``
            (the share of variance no parameter explains) with ``unexplained_conf``.
        samples: Sobol base samples or Morris trajectories.
        worlds_per_point: worlds simulated at each design point.
        seed: the run's and the sample's seed.
        runs: worlds simulated in all.

    """

    scenario: Scenario
    against: Scenario | None
    method: str
    parameters: list[Parameter]
    held: dict[str, str]
    table: pd.DataFrame
    noise: pd.DataFrame
    samples: int
    worlds_per_point: int
    seed: int
    runs: int
    labels: dict[str, str] = field(default_factory=dict)
    """Each output's words (``P(sanctions by day 14)``), by name."""

    @property
    def score(self) -> str:
        """The column that ranks the parameters: ``ST`` (Sobol) or ``mu_star`` (Morris)."""
        return "ST" if self.method == "sobol" else "mu_star"

    @property
    def title(self) -> str:
        name = self.scenario.name
        return name if self.against is None else f"{name} − {self.against.name}"

    def to_df(self) -> pd.DataFrame:
        """The long table: one row per output and parameter, with the parameter's range."""
        ranges = pd.DataFrame(
            {
                "parameter": [p.path for p in self.parameters],
                "low": [p.low for p in self.parameters],
                "high": [p.high for p in self.parameters],
                "source": [p.source for p in self.parameters],
            }
        )
        return self.table.merge(ranges, on="parameter", how="left")

    def top(self, output: str, count: int = 5) -> pd.DataFrame:
        """The ``count`` parameters with the largest index of ``output``."""
        rows = self.table[self.table["output"] == output]
        return rows.sort_values(self.score, ascending=False).head(count)

    def summary_text(self, count: int = 5) -> str:
        """The top parameters of each output with their 95 % intervals, for the terminal."""
        kind = (
            "Sobol indices (first order S1, total ST; ± 95 % bootstrap half-width)"
            if self.method == "sobol"
            else "Morris screening (mu*: mean |effect| over the whole range; ± 95 % half-width)"
        )
        lines = [
            f"{kind} of {self.title}: {len(self.parameters)} parameters, {self.samples:,} "
            f"{'base samples' if self.method == 'sobol' else 'trajectories'}, "
            f"{self.runs:,} worlds, seed {self.seed}"
        ]
        for output in self.noise.index:
            unexplained = self.noise.loc[output]
            lines.append(
                f"\n{self.labels.get(output, output)} (mean {unexplained['mean']:.4g}; "
                f"unexplained by any parameter: {unexplained['unexplained']:.2f} "
                f"± {unexplained['unexplained_conf']:.2f})"
            )
            if not unexplained["variance"] > 0:
                lines.append("  does not vary over the design")
                continue
            for _, row in self.top(output, count).iterrows():
                if self.method == "sobol":
                    lines.append(
                        f"  {row['parameter']:<44} ST {row['ST']:.3f} ± {row['ST_conf']:.3f}   "
                        f"S1 {row['S1']:.3f} ± {row['S1_conf']:.3f}"
                    )
                else:
                    lines.append(
                        f"  {row['parameter']:<44} mu* {row['mu_star']:.4g} "
                        f"± {row['mu_star_conf']:.2g}   sigma {row['sigma']:.4g}"
                    )
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None, output: str | None = None, count: int = 10) -> Axes:
        """Bars of the top parameters' indices of one output, with their 95 % intervals."""
        output = output or self.noise.index[0]
        unexplained = min(float(self.noise.loc[output, "unexplained"]), 1.0)
        what = self.labels.get(output, output)
        what = what if self.against is None else f"the difference in {what}"
        title = (
            f"What drives {what} — {self.title}\n"
            f"(whiskers: 95 % intervals; unexplained by any parameter: {unexplained:.0%})"
        )
        return index_bars(ax, self.top(output, count), self.method, title)


def sensitivity(
    scenario: Scenario | str,
    against: Scenario | str | None = None,
    params: Sequence[str] = (),
    method: str = "sobol",
    samples: int | None = None,
    seed: int = 0,
    workers: int | None = None,
    worlds_per_point: int = 1,
    by_days: Sequence[int] = BY_DAYS,
    resamples: int = 200,
    progress: Progress | None = None,
    outputs: Sequence[str] = (),
) -> Sensitivity:
    """Sobol indices (or Morris screening) of the outputs over the scenario's parameters.

    Args:
        scenario: a scenario or the path of its file.
        against: a second scenario: the indices are then those of the paired difference
            ``scenario − against``, both run on the same design points and random numbers.
        params: glob patterns of the parameters to vary (default: every parameter that can).
        method: ``sobol`` (``samples`` base samples, a power of two: ``samples × (D + 3)``
            design points for D parameters) or ``morris`` (``samples`` trajectories:
            ``samples × (D + 2)``).
        samples: see ``method``; default :data:`DEFAULT_SAMPLES` of the method.
        seed: the run's seed and the sample's scrambling seed.
        workers: processes (default: one per core); the indices do not depend on it.
        worlds_per_point: worlds simulated at each design point (their mean is the output).
        by_days: the days d of the "event by day d" outputs.
        resamples: bootstrap resamples of the intervals.
        progress: called as ``progress(done_worlds, total_worlds)``.
        outputs: glob patterns of the outputs to analyse (default: all of :func:`all_outputs`);
            SALib's bootstrap costs about a second per output and 10 parameters at 8,192
            samples.

    Raises:
        SensitivityError: unknown method, too few samples, a pattern that matches nothing.

    """
    planned = plan(
        scenario,
        against,
        params,
        method,
        samples,
        seed,
        worlds_per_point,
        by_days,
        resamples,
        outputs,
    )
    return run_plan(planned, workers, progress)


DEFAULT_SAMPLES = {"sobol": 1024, "morris": 20}
"""Base samples (Sobol) or trajectories (Morris) when none are asked for."""


@dataclass(frozen=True)
class Plan:
    """A checked analysis, ready to run (:func:`plan`, :func:`run_plan`)."""

    scenario: Scenario
    against: Scenario | None
    method: str
    parameters: list[Parameter]
    held: dict[str, str]
    samples: int
    seed: int
    worlds_per_point: int
    by_days: tuple[int, ...]
    resamples: int
    outputs: tuple[str, ...] = ()
    """Glob patterns of the outputs to analyse (none: all)."""

    @property
    def worlds(self) -> int:
        """Worlds the analysis simulates, in all."""
        per_scenario = total_worlds(
            self.method, self.samples, len(self.parameters), self.worlds_per_point
        )
        return per_scenario * (1 + (self.against is not None))


def plan(
    scenario: Scenario | str,
    against: Scenario | str | None = None,
    params: Sequence[str] = (),
    method: str = "sobol",
    samples: int | None = None,
    seed: int = 0,
    worlds_per_point: int = 1,
    by_days: Sequence[int] = BY_DAYS,
    resamples: int = 200,
    outputs: Sequence[str] = (),
) -> Plan:
    """Check an analysis's inputs (see :func:`sensitivity`) before anything runs.

    Raises:
        SensitivityError: unknown method, too few samples, a pattern that matches nothing.

    """
    if method not in METHODS:
        raise SensitivityError(f"--method: expected one of {', '.join(METHODS)}, got {method!r}")
    scenario = arguments.scenario(scenario)
    other = None if against is None else arguments.scenario(against)
    seed = arguments.whole("seed", seed, 0)
    worlds_per_point = arguments.whole("worlds_per_point", worlds_per_point, 1)
    resamples = arguments.whole("resamples", resamples, 10)
    days = tuple(arguments.whole("by_days", day, 0) for day in by_days)
    parameters, fixed = select(scenario, params, other)
    names = [o.name for o in all_outputs(list(scenario.actors), days)]
    for pattern in outputs:
        if not _matches_any(names, pattern):
            close = difflib.get_close_matches(pattern, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SensitivityError(
                f"--outputs {pattern!r}: matches no output{hint}; "
                f"expected one of {', '.join(names)}"
            )
    count = DEFAULT_SAMPLES[method] if samples is None else samples
    count = check_samples(method, count, len(parameters), worlds_per_point, 1 + (other is not None))
    return Plan(
        scenario,
        other,
        method,
        parameters,
        fixed,
        count,
        seed,
        worlds_per_point,
        days,
        resamples,
        tuple(outputs),
    )


def run_plan(
    planned: Plan, workers: int | None = None, progress: Progress | None = None
) -> Sensitivity:
    """Run a checked analysis: one ensemble of every matrix, then SALib's estimators."""
    p = planned
    names = [parameter.path for parameter in p.parameters]
    unit = sample(p.method, names, p.samples, p.seed)
    designs = [_design(p.parameters, matrix, p.worlds_per_point) for matrix in unit]
    half = p.samples // 2
    designs.append(_noise_design(designs[0], half))
    per_matrix = p.samples * p.worlds_per_point
    stacked = Design(
        designs[0].paths,
        np.vstack([design.values for design in designs]),
        p.worlds_per_point,
        stream_period=per_matrix,
    )
    scenarios = [p.scenario] + ([p.against] if p.against is not None else [])
    results = run_checked(
        scenarios,
        per_matrix * len(designs),
        p.seed,
        workers,
        progress,
        designs=[stacked] * len(scenarios),
    )
    found = all_outputs(list(p.scenario.actors), p.by_days)
    per_point = _per_point(results[0].worlds, found, p.worlds_per_point)
    if p.against is not None:
        per_point = per_point - _per_point(results[1].worlds, found, p.worlds_per_point)
    del results
    per_point = per_point.reshape(len(designs), p.samples, len(found))
    analysed = [
        (column, output)
        for column, output in enumerate(found)
        if not p.outputs or _matches(output.name, p.outputs)
    ]
    tasks = [
        partial(_analyse, p, names, unit, per_point[:, :, column], half) for column, _ in analysed
    ]
    tables, noise_rows = [], {}
    for (_, output), (table, noise_row) in zip(analysed, run_tasks(tasks, workers), strict=True):
        tables.append(table.reset_index().assign(output=output.name))
        noise_rows[output.name] = noise_row
    table = pd.concat(tables, ignore_index=True)
    table = table[["output", *[c for c in table.columns if c != "output"]]]
    noise = pd.DataFrame.from_dict(noise_rows, orient="index")
    noise.index.name = "output"
    return Sensitivity(
        scenario=p.scenario,
        against=p.against,
        method=p.method,
        parameters=p.parameters,
        held=p.held,
        table=table,
        noise=noise,
        samples=p.samples,
        worlds_per_point=p.worlds_per_point,
        seed=p.seed,
        runs=p.worlds,
        labels={o.name: o.label for o in found if o.name in noise_rows},
    )


def _analyse(
    p: Plan, names: list[str], unit: np.ndarray, per_point: np.ndarray, half: int
) -> tuple[pd.DataFrame, dict[str, float]]:
    """One output's indices and unexplained share (a task for a forked helper)."""
    values = per_point[:-1]
    table = indices(p.method, names, unit, values, p.resamples, p.seed)
    share, conf = noise_share(_pairs(per_point[-1], half), values.reshape(-1), p.resamples, p.seed)
    return table, {
        "mean": float(values.mean()),
        "variance": float(np.var(values, ddof=1)),
        "unexplained": share,
        "unexplained_conf": conf,
    }


def check_samples(
    method: str, samples: object, inputs: int, worlds_per_point: int, scenarios: int = 1
) -> int:
    """``samples`` checked for ``method`` and ``inputs`` parameters.

    Raises:
        SensitivityError: an unknown method; for Sobol, fewer than :data:`MIN_SOBOL_SAMPLES`
            or fewer than the parameters, or not a power of two; for Morris, fewer than
            :data:`MIN_TRAJECTORIES`; or more than :data:`MAX_WORLDS` worlds in all.

    """
    if method not in METHODS:
        raise SensitivityError(f"--method: expected one of {', '.join(METHODS)}, got {method!r}")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise SensitivityError(f"--samples: expected a whole number >= 1, got {samples!r}")
    count = samples
    if method == "sobol":
        least = max(MIN_SOBOL_SAMPLES, inputs)
        if count < least:
            raise SensitivityError(
                f"--samples: {count} base samples are too few for {inputs} parameters; expected "
                f"at least {1 << (least - 1).bit_length()} (a power of two >= {least})"
            )
        if count & (count - 1):
            raise SensitivityError(
                f"--samples: expected a power of two (Sobol sequences balance only then), "
                f"got {count}; try {1 << (count - 1).bit_length()}"
            )
        matrices = inputs + 3
    else:
        if count < MIN_TRAJECTORIES:
            raise SensitivityError(
                f"--samples: expected at least {MIN_TRAJECTORIES} Morris trajectories, got {count}"
            )
        matrices = inputs + 2
    total = count * worlds_per_point * matrices * scenarios
    if total > MAX_WORLDS:
        raise SensitivityError(
            f"--samples: {count:,} samples × {matrices} matrices × {worlds_per_point} worlds "
            f"per point × {scenarios} scenario(s) is {total:,} worlds; at most {MAX_WORLDS:,}"
        )
    return count


def _design(parameters: Sequence[Parameter], unit: np.ndarray, worlds_per_point: int) -> Design:
    values = np.column_stack([values_at(p, unit[:, i]) for i, p in enumerate(parameters)])
    return Design(tuple(p.path for p in parameters), values, worlds_per_point)


def _noise_design(first: Design, half: int) -> Design:
    """The first ``half`` points of the first matrix, each twice in a row.

    Each point's two groups of worlds have their own random numbers; an odd last point fills
    the run's worlds.
    """
    values = np.repeat(first.values[:half], 2, axis=0)
    if len(values) < first.points:
        values = np.vstack([values, first.values[-1:]])
    return Design(first.paths, values, first.worlds_per_point)


def _per_point(worlds: pd.DataFrame, found: Sequence[Output], worlds_per_point: int) -> np.ndarray:
    """Each output's mean over each design point's worlds: shape ``(points, outputs)``."""
    values = np.column_stack([output.value(worlds) for output in found])
    values = np.nan_to_num(values, nan=0.0)
    return values.reshape(-1, worlds_per_point, len(found)).mean(axis=1)


def _pairs(noise_points: np.ndarray, half: int) -> np.ndarray:
    """The noise matrix's ``half`` points, each as its two groups of worlds: ``(half, 2)``."""
    return noise_points[: 2 * half].reshape(half, 2)


def total_worlds(method: str, samples: int, inputs: int, worlds_per_point: int = 1) -> int:
    """How many worlds an analysis simulates for one scenario."""
    matrices = inputs + (3 if method == "sobol" else 2)
    return samples * worlds_per_point * matrices
