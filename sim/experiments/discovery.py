"""Scenario discovery: the assumptions under which a condition on the outcome becomes likely.

``sim discover SCENARIO --where 'outcome == "settlement"'`` (``docs/sensitivity.md``, "Scenario
discovery"). A Latin hypercube over the ranged parameters (SALib's ``latin`` sampler, each input
a quantile mapped by :func:`sim.experiments.sensitivity.values_at`, as in a sensitivity analysis)
is run as one ensemble through the design path of ``sim run`` (:class:`sim.model.design.Design`:
world *i* takes design point ``i // worlds_per_point``, with its own random numbers). Each world
either meets the condition (:mod:`sim.experiments.query`) or not, and PRIM, the Patient Rule
Induction Method of Friedman & Fisher (1999) as used for scenario discovery by Bryant & Lempert
(2010), finds the boxes of parameter ranges in which it is most likely. PRIM is ema_workbench's
``prim.Prim`` (Kwakkel 2017), from the optional extra ``explore``.

A box is read by its **coverage** (the share of all worlds meeting the condition that fall in
the box), its **density** (the share of the box's worlds that meet it) and its **mass** (the share
of all worlds in it). PRIM peels the box down step by step, trading coverage for density; the
densest step that keeps at least ``min_coverage`` is pruned of its restrictions that are not
significant (:func:`find_boxes`) and reported.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.engine.ensemble import Progress, run_checked
from sim.experiments import discovery_plot
from sim.experiments.query import Query, QueryError, kinds_of, parse
from sim.experiments.sensitivity import MAX_WORLDS, SensitivityError, problem, select, values_at
from sim.model.design import Design
from sim.model.outcomes import OUTCOMES
from sim.scenario import options as arguments
from sim.scenario.parameters import Parameter
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MIN_SAMPLES = 100
"""Fewest design points a discovery takes."""
SAMPLES_PER_PARAMETER = 10
"""Fewest design points per varied parameter: PRIM peels each parameter's range in steps of
``peel_alpha`` of the points left, and with fewer points per parameter it peels noise."""
DEFAULT_SAMPLES = 4096
"""Design points when none are asked for (enough for all 140 parameters of ``summit.yaml``)."""
MIN_COVERAGE = 0.5
"""Default least coverage of the reported box: it must hold at least half of the worlds that
meet the condition (a box that explains a few of them is a curiosity, not a scenario)."""
PEEL_ALPHA = 0.05
"""Share of the box's points PRIM peels off per step (ema_workbench's default)."""
MASS_MIN = 0.05
"""Smallest share of all worlds a box may hold (ema_workbench's default)."""
SIGNIFICANCE = 0.05
"""Largest quasi-p value (Bryant & Lempert 2010) a restriction of a reported box may have."""
OUTCOME_VALUES = {"outcome": OUTCOMES}
"""Text columns whose every value is known before a run (a misspelt class is refused)."""


class DiscoveryError(ValueError):
    """Parameters, a condition or sizes a scenario discovery cannot use."""


class MissingExtraError(DiscoveryError):
    """ema_workbench (the ``explore`` extra) is not installed."""


INSTALL_EXPLORE = 'pip install -e ".[explore]"'


def load_prim() -> Any:
    """ema_workbench's PRIM module, imported quietly.

    Raises:
        MissingExtraError: ema_workbench is not installed.

    """
    try:
        with warnings.catch_warnings():
            # ema_workbench warns at import about optional back-ends (ipyparallel, MPI).
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    except ImportError:
        raise MissingExtraError(
            "scenario discovery uses ema_workbench's PRIM, which is not installed; "
            f"install the explore extra: {INSTALL_EXPLORE}"
        ) from None
    return prim


@dataclass(frozen=True)
class Plan:
    """A checked discovery, ready to run (:func:`plan`, :func:`run_plan`)."""

    scenario: Scenario
    query: Query
    parameters: list[Parameter]
    held: dict[str, str]
    samples: int
    seed: int
    worlds_per_point: int
    boxes: int
    min_coverage: float
    significance: float = SIGNIFICANCE

    @property
    def worlds(self) -> int:
        """Worlds the discovery simulates."""
        return self.samples * self.worlds_per_point


def plan(
    scenario: Scenario | str,
    where: str,
    params: Sequence[str] = (),
    samples: int | None = None,
    seed: int = 0,
    worlds_per_point: int = 1,
    boxes: int = 1,
    min_coverage: float = MIN_COVERAGE,
    significance: float = SIGNIFICANCE,
) -> Plan:
    """Check a discovery's inputs (see :func:`discover`) before anything runs.

    The condition is checked against the columns of a one-world run of the scenario.

    Raises:
        DiscoveryError: a pattern that matches nothing, a condition outside the grammar or
            naming no column, too few or too many samples, ema_workbench missing.

    """
    load_prim()
    scenario = arguments.scenario(scenario)
    seed = arguments.whole("seed", seed, 0)
    worlds_per_point = arguments.whole("worlds_per_point", worlds_per_point, 1)
    boxes = arguments.whole("boxes", boxes, 1, 10)
    if isinstance(min_coverage, bool) or not 0 < float(min_coverage) <= 1:
        raise DiscoveryError(f"--min-coverage: expected a share in (0, 1], got {min_coverage!r}")
    if isinstance(significance, bool) or not 0 < float(significance) <= 1:
        raise DiscoveryError(f"--significance: expected a level in (0, 1], got {significance!r}")
    try:
        parameters, fixed = select(scenario, params)
    except SensitivityError as err:
        raise DiscoveryError(str(err)) from None
    probe = run_checked([scenario], 1, seed, 1)[0].worlds
    try:
        query = parse(where, kinds_of(probe), OUTCOME_VALUES)
    except QueryError as err:
        raise DiscoveryError(str(err)) from None
    count = DEFAULT_SAMPLES if samples is None else samples
    count = check_samples(count, len(parameters), worlds_per_point)
    return Plan(
        scenario,
        query,
        parameters,
        fixed,
        count,
        seed,
        worlds_per_point,
        boxes,
        float(min_coverage),
        float(significance),
    )


def check_samples(samples: object, inputs: int, worlds_per_point: int = 1) -> int:
    """``samples`` design points checked for ``inputs`` parameters.

    Raises:
        DiscoveryError: not a whole number, fewer than :data:`MIN_SAMPLES` or
            :data:`SAMPLES_PER_PARAMETER` per parameter, or more than :data:`MAX_WORLDS`
            worlds.

    """
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 1:
        raise DiscoveryError(f"--samples: expected a whole number >= 1, got {samples!r}")
    least = max(MIN_SAMPLES, SAMPLES_PER_PARAMETER * inputs)
    if samples < least:
        raise DiscoveryError(
            f"--samples: {samples} design points are too few for {inputs} parameters; expected "
            f"at least {least} ({SAMPLES_PER_PARAMETER} per parameter, and {MIN_SAMPLES} or more)"
        )
    if samples * worlds_per_point > MAX_WORLDS:
        raise DiscoveryError(
            f"--samples: {samples:,} points × {worlds_per_point} worlds per point is "
            f"{samples * worlds_per_point:,} worlds; at most {MAX_WORLDS:,}"
        )
    return int(samples)


def design(parameters: Sequence[Parameter], samples: int, seed: int) -> np.ndarray:
    """The Latin hypercube's points in the parameters' units: shape ``(samples, parameters)``.

    SALib's ``latin`` sampler (McKay et al. 1979) on the unit cube; each column is mapped
    through the parameter's range or distribution (:func:`values_at`).
    """
    from SALib.sample import latin

    names = [p.path for p in parameters]
    unit = latin.sample(problem(names), samples, seed=seed)
    return np.column_stack([values_at(p, unit[:, i]) for i, p in enumerate(parameters)])


def discover(
    scenario: Scenario | str,
    where: str,
    params: Sequence[str] = (),
    samples: int | None = None,
    seed: int = 0,
    workers: int | None = None,
    worlds_per_point: int = 1,
    boxes: int = 1,
    min_coverage: float = MIN_COVERAGE,
    significance: float = SIGNIFICANCE,
    progress: Progress | None = None,
) -> Discovery:
    """The boxes of parameter ranges in which ``where`` is most likely (PRIM).

    Args:
        scenario: a scenario or the path of its file.
        where: a condition on a world over the columns of ``worlds.csv``
            (:mod:`sim.experiments.query`): ``outcome == "settlement"``,
            ``day_sanctions <= 14``.
        params: glob patterns of the parameters to vary (default: every parameter that can),
            as for :func:`sim.sensitivity`.
        samples: design points of the Latin hypercube (default :data:`DEFAULT_SAMPLES`).
        seed: the run's seed and the sample's.
        workers: processes (default: one per core); the result does not depend on it.
        worlds_per_point: worlds simulated at each design point (each is one row for PRIM).
        boxes: how many boxes to find, one after the other (each on the worlds the earlier
            ones leave).
        min_coverage: the least coverage of the peeled box, before pruning (:func:`find_boxes`).
        significance: the largest quasi-p value a reported restriction may have.
        progress: called as ``progress(done_worlds, total_worlds)``.

    Raises:
        DiscoveryError: see :func:`plan`; and a condition that no world, or every world, meets.

    """
    planned = plan(
        scenario, where, params, samples, seed, worlds_per_point, boxes, min_coverage, significance
    )
    return run_plan(planned, workers, progress)


def run_plan(
    planned: Plan, workers: int | None = None, progress: Progress | None = None
) -> Discovery:
    """Run a checked discovery: one ensemble over the design, the condition, then PRIM.

    Raises:
        DiscoveryError: no world, or every world, meets the condition.

    """
    values, worlds = simulate(planned, workers, progress)
    return analyse(planned, values, worlds)


def simulate(
    planned: Plan, workers: int | None = None, progress: Progress | None = None
) -> tuple[np.ndarray, pd.DataFrame]:
    """The design points (one row per point) and the worlds simulated at them, in one run."""
    values = design(planned.parameters, planned.samples, planned.seed)
    paths = tuple(parameter.path for parameter in planned.parameters)
    (results,) = run_checked(
        [planned.scenario],
        planned.worlds,
        planned.seed,
        workers,
        progress,
        designs=[Design(paths, values, planned.worlds_per_point)],
    )
    return values, results.worlds


def analyse(planned: Plan, values: np.ndarray, worlds: pd.DataFrame) -> Discovery:
    """PRIM's boxes of the condition over the worlds of the design points ``values``.

    Raises:
        DiscoveryError: no world, or every world, meets the condition.

    """
    p = planned
    meets = p.query.mask(worlds)
    cases = int(meets.sum())
    if cases in (0, len(meets)):
        which = "no world" if cases == 0 else "every world"
        raise DiscoveryError(
            f"--where {p.query.text!r}: {which} of the {len(meets):,} simulated meets the "
            "condition, so there is nothing to tell apart; try a condition that some worlds "
            "meet and others do not"
        )
    paths = [parameter.path for parameter in p.parameters]
    points = pd.DataFrame(np.repeat(values, p.worlds_per_point, axis=0), columns=paths)
    trajectory, limits = find_boxes(points, meets, p.boxes, p.min_coverage, p.significance)
    return Discovery(
        scenario=p.scenario,
        where=p.query.text,
        parameters=p.parameters,
        held=p.held,
        trajectory=trajectory,
        limits=limits,
        base_rate=cases / len(meets),
        cases=cases,
        samples=p.samples,
        worlds_per_point=p.worlds_per_point,
        seed=p.seed,
        runs=p.worlds,
        min_coverage=p.min_coverage,
        significance=p.significance,
    )


def find_boxes(
    points: pd.DataFrame,
    meets: np.ndarray,
    boxes: int = 1,
    min_coverage: float = MIN_COVERAGE,
    significance: float = SIGNIFICANCE,
    peel_alpha: float = PEEL_ALPHA,
    mass_min: float = MASS_MIN,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """PRIM's boxes of ``points`` (one row per world) where ``meets`` is most often true.

    Each box is found in two phases. **Peeling** (ema_workbench's ``Prim.find_box``: peel,
    then paste) gives a trajectory of ever smaller, denser boxes; the densest step with at
    least ``min_coverage`` is taken (:func:`choose`). **Pruning** then drops, one at a time, the
    restriction with the largest quasi-p value (``PrimBox.drop_restriction``) until every
    restriction left has a quasi-p value below ``significance`` (Bryant & Lempert 2010): with
    many parameters and a noisy outcome, peeling also trims ranges by chance, and those trims
    are what pruning removes.

    Args:
        points: each world's parameter values, one column per parameter.
        meets: whether each world meets the condition.
        boxes: at most how many boxes, each found on the worlds outside the earlier ones (a
            box that restricts nothing ends the search).
        min_coverage: the least coverage of the peeled box.
        significance: the largest quasi-p value a restriction may keep.
        peel_alpha: PRIM's peeling (and pasting) step.
        mass_min: PRIM's smallest box.

    Returns:
        The trajectories (one row per box and step: ``box, step, phase, coverage, density,
        mass, restricted, worlds, cases, chosen``; ``phase`` is ``peel`` or ``prune``, and
        ``chosen`` marks the reported box) and the reported boxes' limits (one row per box and
        restricted parameter: ``box, parameter, low, high, range_low, range_high, qp``; the
        range is the one sampled, the points' least and greatest values, from which PRIM
        starts).

    """
    prim = load_prim()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' future warnings from inside ema_workbench
        algorithm = prim.Prim(
            points.reset_index(drop=True),
            np.asarray(meets, dtype=bool),
            peel_alpha=peel_alpha,
            paste_alpha=peel_alpha,
            mass_min=mass_min,
        )
        initial = algorithm.box_init
        trajectories, limits = [], []
        for number in range(1, boxes + 1):
            box = algorithm.find_box()
            if box is None:
                break
            peeled = len(box.peeling_trajectory)
            box.select(choose(box.peeling_trajectory.reset_index(drop=True), min_coverage))
            prune(box, significance)
            reported = box._cur_box  # the selected step: ema_workbench has no public name for it
            found = _limits(box, reported, initial, number)
            if found.empty and number > 1:
                break  # the worlds left hold no further box
            trajectories.append(_trajectory(box.peeling_trajectory, number, peeled, reported))
            limits.append(found)
            if found.empty or algorithm.yi_remaining.size == box.yi.size:
                break
    return pd.concat(trajectories, ignore_index=True), pd.concat(limits, ignore_index=True)


def prune(box: Any, significance: float = SIGNIFICANCE) -> None:
    """Drop the box's least significant restriction until each left has quasi-p < ``significance``.

    Each drop is a new step of the box's trajectory (ema_workbench's ``drop_restriction``).
    """
    while True:
        quasi_p = box.p_values[box._cur_box]
        worst = {name: _worst(values) for name, values in quasi_p.items()}
        if not worst:
            return
        name = max(worst, key=lambda n: (worst[n], n))
        if not worst[name] >= significance:
            return
        box.drop_restriction(name)


def choose(steps: pd.DataFrame, min_coverage: float) -> int:
    """The step of a peeling trajectory to start pruning from: the densest with enough coverage.

    Ties go to the larger coverage, then the earlier step (fewer restrictions). If no step has
    ``min_coverage``, the one with the largest coverage.
    """
    enough = steps[steps["coverage"] >= min_coverage - 1e-12]
    if enough.empty:
        return int(steps["coverage"].to_numpy().argmax())
    order = enough.sort_values(["density", "coverage", "id"], ascending=[False, False, True])
    return int(order.index[0])


def _trajectory(steps: pd.DataFrame, number: int, peeled: int, chosen: int) -> pd.DataFrame:
    steps = steps.reset_index(drop=True)
    return pd.DataFrame(
        {
            "box": number,
            "step": steps["id"].astype(int),
            "phase": np.where(steps.index < peeled, "peel", "prune"),
            "coverage": steps["coverage"].astype(float),
            "density": steps["density"].astype(float),
            "mass": steps["mass"].astype(float),
            "restricted": steps["res_dim"].astype(int),
            "worlds": steps["n"].astype(int),
            "cases": steps["k"].astype(int),
            "chosen": steps.index == chosen,
        }
    )


def _limits(box: Any, chosen: int, initial: pd.DataFrame, number: int) -> pd.DataFrame:
    """The chosen step's restricted parameters with their limits and quasi-p values."""
    limits = box.box_lims[chosen]
    qp = box.p_values[chosen]
    rows = []
    for name in limits.columns:
        low, high = float(limits.loc[0, name]), float(limits.loc[1, name])
        range_low, range_high = float(initial.loc[0, name]), float(initial.loc[1, name])
        if low == range_low and high == range_high:
            continue
        rows.append(
            {
                "box": number,
                "parameter": name,
                "low": low,
                "high": high,
                "range_low": range_low,
                "range_high": range_high,
                "qp": _worst(qp.get(name, [np.nan])),
            }
        )
    columns = ["box", "parameter", "low", "high", "range_low", "range_high", "qp"]
    return pd.DataFrame(rows, columns=columns)


def _worst(values: Sequence[float]) -> float:
    """The larger quasi-p value of a parameter's two limits (ema_workbench gives -1 for none)."""
    found = [float(v) for v in values if v is not None and np.isfinite(v) and v >= 0]
    return max(found) if found else float("nan")


@dataclass(eq=False)
class Discovery:
    """PRIM's boxes: where a condition on the outcome is most likely, with their trade-offs.

    Attributes:
        scenario: the analysed scenario.
        where: the condition, as written.
        parameters: the varied parameters.
        held: parameters that could not vary, with the reason, by path.
        trajectory: PRIM's peeling trajectory of each box (:func:`find_boxes`).
        limits: the chosen boxes' restricted parameters (:func:`find_boxes`).
        base_rate: the share of all worlds meeting the condition.
        cases: how many worlds meet it.
        samples: design points.
        worlds_per_point: worlds at each design point.
        seed: the run's and the sample's seed.
        runs: worlds simulated.
        min_coverage: the least coverage of the peeled box.
        significance: the largest quasi-p value a reported restriction may have.

    """

    scenario: Scenario
    where: str
    parameters: list[Parameter]
    held: dict[str, str]
    trajectory: pd.DataFrame
    limits: pd.DataFrame
    base_rate: float
    cases: int
    samples: int
    worlds_per_point: int
    seed: int
    runs: int
    min_coverage: float = MIN_COVERAGE
    significance: float = SIGNIFICANCE

    @property
    def boxes(self) -> pd.DataFrame:
        """One row per box: its coverage, density, mass, lift and restrictions (chosen steps)."""
        chosen = self.trajectory[self.trajectory["chosen"]].set_index("box")
        table = chosen[["coverage", "density", "mass", "restricted", "worlds", "cases"]].copy()
        table.insert(2, "lift", table["density"] / self.base_rate)
        return table

    @property
    def subject(self) -> str:
        """The condition in words: the class of ``outcome == "settlement"``, or the condition."""
        found = _ONE_OUTCOME.fullmatch(self.where.strip())
        return found.group(2) if found else self.where

    def to_df(self) -> pd.DataFrame:
        """One row per box and restricted parameter: limits, quasi-p, and the box's statistics.

        A box that restricts nothing has one row without a parameter.
        """
        table = self.boxes.reset_index().merge(self.limits, on="box", how="left")
        first = ["box", "parameter", "low", "high", "range_low", "range_high", "qp"]
        return table[first + [c for c in table.columns if c not in first]]

    def sentence(self, box: int = 1) -> str:
        """The box in plain words: how much likelier the condition is in it, and its coverage."""
        stats = self.boxes.loc[box]
        rows = self.limits[self.limits["box"] == box]
        where = self.subject
        if rows.empty:
            return (
                f"No box of the parameters makes {where} likelier than its {self.base_rate:.1%} "
                "over all worlds."
            )
        conditions = " and ".join(_restriction(row) for row in rows.itertuples())
        return (
            f"{where} is {stats['lift']:.1f}× as likely when {conditions} "
            f"({stats['density']:.0%} of these worlds, against {self.base_rate:.1%} of all); "
            f"{stats['coverage']:.0%} of the worlds where it holds fall in this box, which "
            f"holds {stats['mass']:.0%} of all worlds."
        )

    def summary_text(self) -> str:
        """The boxes for the terminal: plain words, then each box's limits."""
        lines = [
            f"Scenario discovery (PRIM) of {self.where} in {self.scenario.name}: "
            f"{len(self.parameters)} parameters, {self.samples:,} design points × "
            f"{self.worlds_per_point} world(s), seed {self.seed}; it holds in {self.cases:,} "
            f"of {self.runs:,} worlds ({self.base_rate:.1%})"
        ]
        for box, stats in self.boxes.iterrows():
            lines += [
                "",
                f"Box {box}: coverage {stats['coverage']:.0%}, density {stats['density']:.0%}, "
                f"mass {stats['mass']:.0%}, {int(stats['restricted'])} parameter(s) restricted",
                f"  {self.sentence(int(box))}",
            ]
            for row in self.limits[self.limits["box"] == box].itertuples():
                lines.append(
                    f"  {row.parameter:<44} {row.low:.4g} .. {row.high:.4g}   (sampled "
                    f"{row.range_low:.4g} .. {row.range_high:.4g}; quasi-p {row.qp:.2g})"
                )
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None, box: int = 1, kind: str = "limits") -> Axes:
        """Draw a box: its limits (``kind="limits"``) or PRIM's trade-off (``"tradeoff"``)."""
        if kind == "tradeoff":
            steps = self.trajectory[self.trajectory["box"] == box]
            title = f"Peeling trade-off of box {box}: {self.where} — {self.scenario.name}"
            return discovery_plot.tradeoff(ax, steps, self.base_rate, title)
        if kind != "limits":
            raise ValueError(f"kind: expected 'limits' or 'tradeoff', got {kind!r}")
        stats = self.boxes.loc[box]
        title = (
            f"Box {box} of {self.where} — {self.scenario.name}\n"
            f"coverage {stats['coverage']:.0%}, density {stats['density']:.0%} "
            f"({stats['lift']:.1f}× the {self.base_rate:.1%} of all worlds)"
        )
        return discovery_plot.limits(ax, self.limits[self.limits["box"] == box], title)


_ONE_OUTCOME = re.compile(r"""outcome\s*==\s*(["'])(\w+)\1""")


def _restriction(row: Any) -> str:
    """One parameter's limits in words: ``x < 0.3``, ``x > 0.5`` or ``0.2 ≤ x ≤ 0.4``."""
    lower = row.low > row.range_low
    upper = row.high < row.range_high
    if lower and upper:
        return f"{row.low:.3g} ≤ {row.parameter} ≤ {row.high:.3g}"
    if upper:
        return f"{row.parameter} ≤ {row.high:.3g}"
    return f"{row.parameter} ≥ {row.low:.3g}"
