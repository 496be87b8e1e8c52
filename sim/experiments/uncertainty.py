"""Uncertainty bands: how far the answer moves over the plausible parameters (issue 21, item 5).

A run's Monte Carlo interval ("paralysis 49 % [48 %, 50 %]") is simulation error only: it says
how well the worlds estimate the share *at the file's values*, and shrinks with more worlds. The
band says how far the share moves when the parameters move over their plausible ranges.

K parameter draws (a Latin hypercube over every ranged parameter the rules read per world, each
uniform over its range or over the scenario's distribution, as in
:mod:`sim.experiments.sensitivity`) × M worlds each are stacked in one ensemble run, a
:class:`~sim.model.design.Design` with ``stream_period = M``: every draw simulates the same M
worlds (common random numbers), so the draws differ only by their parameters. In a comparison
every scenario runs on the same draws and worlds, so each draw's paired difference is paired
twice over. The band is the 5th–95th percentile of the per-draw value; the experts' directional
claims (:mod:`sim.experiments.claims`) are reported as the share of draws in which they hold.
See ``docs/sensitivity.md``, "Uncertainty bands".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.engine.ensemble import Progress, run_checked
from sim.engine.results import Results
from sim.engine.stats import Z95
from sim.experiments import claims as claim_checks
from sim.experiments.comparison import Comparison
from sim.experiments.sensitivity import (
    BY_DAYS,
    Output,
    SensitivityError,
    all_outputs,
    select,
    values_at,
)
from sim.experiments.uncertainty_plot import band_chart, claim_bars
from sim.model.design import Design
from sim.model.streams import purpose_key
from sim.scenario import options as arguments
from sim.scenario.parameters import Parameter
from sim.scenario.schema import MAX_RUNS, Scenario

if TYPE_CHECKING:
    from matplotlib.axes import Axes

DEFAULT_DRAWS = 200
"""Parameter draws K when none are asked for (``docs/sensitivity.md``: the band's ends settle
within about a point from K = 200)."""
DEFAULT_WORLDS_PER_DRAW = 250
"""Worlds M per draw (the share of one draw has a simulation error of about ±3 pp at 50 %)."""
LEVEL = 0.90
"""The band's coverage: from the 5th to the 95th percentile of the per-draw values."""
MIN_DRAWS = 20
"""Fewest draws: the 5th and 95th percentiles need at least 20 to fall between draws."""
MIN_WORLDS_PER_DRAW = 50
"""Fewest worlds per draw: below 50 a draw's share errs by more than ±7 pp at 50 %."""
SHARE_KIND, DIFFERENCE_KIND, CLAIM_KIND = "share", "difference", "claim"
PURPOSE = "uncertainty.draws"
"""The key of the parameter draws' stream in the run's random-number tree."""


class UncertaintyError(SensitivityError):
    """Draws, worlds or parameters an uncertainty run cannot use."""


@dataclass
class Uncertainty:
    """A run or comparison at the file's values, with the band of each measure over the draws.

    Attributes:
        base: the ordinary run (:class:`Results`) or comparison at the files' values: the point
            estimates and their Monte Carlo intervals.
        parameters: the parameters varied.
        held: the ranged parameters held at the file's value, with the reason.
        draws: one row per draw, one column per parameter: its value in that draw.
        per_draw: the long table of per-draw values: ``draw, kind, scenario, reference,
            measure, value`` (kind ``share``: a scenario's mean over the draw's worlds;
            ``difference``: scenario − reference; ``claim``: the claim's smallest mean gap).
        worlds_per_draw: M.
        level: the band's coverage (0.9: 5th–95th percentile).

    """

    base: Results | Comparison
    parameters: list[Parameter]
    held: dict[str, str]
    draws: pd.DataFrame
    per_draw: pd.DataFrame
    worlds_per_draw: int
    level: float = LEVEL
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def draw_count(self) -> int:
        """K, the parameter draws."""
        return len(self.draws)

    @property
    def seed(self) -> int:
        return self.base.seed

    @property
    def scenario_labels(self) -> list[str]:
        if isinstance(self.base, Comparison):
            return list(self.base.labels)
        return [self.base.scenario.name]

    @property
    def percentiles(self) -> tuple[float, float]:
        tail = (1 - self.level) / 2
        return 100 * tail, 100 * (1 - tail)

    def band_words(self) -> str:
        """What the band is, in words (the terminal, the report and the figures' legends)."""
        low, high = self.percentiles
        return (
            f"across plausible parameters: {low:g}th–{high:g}th percentile over "
            f"{self.draw_count} parameter draws × {self.worlds_per_draw} worlds"
        )

    def mc_words(self) -> str:
        """What the Monte Carlo interval is, in words."""
        return f"simulation error: 95 % Monte Carlo interval of {self.base.runs:,} worlds"

    def to_df(self) -> pd.DataFrame:
        """One row per share and paired difference, with its estimate and band.

        Columns: the estimate at the files' values, its 95 % Monte Carlo interval, and the band
        across parameter draws (low, median, high).
        """
        points = _point_estimates(self.base, list(self.labels))
        rows = self.per_draw[self.per_draw["kind"] != CLAIM_KIND]
        low, high = (p / 100 for p in self.percentiles)
        grouped = rows.groupby(["kind", "scenario", "reference", "measure"], sort=False)["value"]
        band = pd.DataFrame(
            {
                "band_low": grouped.quantile(low),
                "band_median": grouped.quantile(0.5),
                "band_high": grouped.quantile(high),
            }
        )
        table = points.join(band, how="left")
        table.insert(0, "label", [self.labels.get(m, m) for m in table.index.get_level_values(3)])
        return table

    def claims(self) -> pd.DataFrame:
        """Each claim of the article that applies: who, what, and where it holds.

        Its margin (the smallest mean gap) at the files' values with its 95 % Monte Carlo
        interval, and the share of parameter draws in which it holds (or is reversed).
        """
        if not isinstance(self.base, Comparison):
            return pd.DataFrame()
        rows = []
        margins = self.per_draw[self.per_draw["kind"] == CLAIM_KIND]
        for claim, index, against in _applicable(self.base):
            scenario, reference = self.base.labels[index], self.base.labels[against]
            gaps = claim.gaps(self.base.results[index].worlds, self.base.results[against].worlds)
            point = [_interval(gap) for gap in gaps]
            margin, mc_low, mc_high = min(point, key=lambda p: p[0])
            values = margins[
                (margins["measure"] == claim.name) & (margins["scenario"] == scenario)
            ]["value"]
            rows.append(
                {
                    "claim": claim.name,
                    "who": claim.who,
                    "says": claim.says,
                    "scenario": scenario,
                    "reference": reference,
                    "margin": margin,
                    "mc_low": mc_low,
                    "mc_high": mc_high,
                    "holds_at_file_values": margin > 0,
                    "share_of_draws": float((values > 0).mean()),
                    "share_reversed": float((values < 0).mean()),
                }
            )
        return pd.DataFrame(rows)

    def summary_text(self) -> str:
        """The run's or comparison's summary, then the bands and the claims in plain words."""
        table = self.to_df()
        lines = [
            self.base.summary_text(),
            "",
            f"Uncertainty bands: {len(self.parameters)} parameters varied over their plausible "
            f"ranges ({len(self.held)} held), {self.draw_count} draws × {self.worlds_per_draw} "
            f"worlds on the same random numbers, seed {self.seed}.",
            f"  ± : {self.mc_words()} at the file's values (more worlds shrink it).",
            f"  band: {self.band_words()} (more worlds do not shrink it: it is what the "
            "assumptions leave open).",
        ]
        for (kind, scenario, reference, measure), row in table.iterrows():
            if kind == SHARE_KIND and measure == table.index[0][3]:
                lines += ["", f"{scenario}:"]
            if kind == DIFFERENCE_KIND and measure == table.index[0][3]:
                lines += ["", f"{scenario} − {reference} (paired, same worlds and draws):"]
            lines.append(f"  {row['label']:<32}{describe(measure, row, kind)}")
        claims = self.claims()
        if len(claims):
            lines += ["", "Claims of the article, in the share of parameter draws where they hold:"]
            for row in claims.itertuples():
                at = "holds" if row.holds_at_file_values else "does not hold"
                lines.append(
                    f"  {row.who}: {row.says} ({row.scenario} vs {row.reference}): {at} at the "
                    f"file's values; holds in {row.share_of_draws:.0%} of parameter draws, "
                    f"reversed in {row.share_reversed:.0%} (no difference in the rest)"
                )
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None, kind: str = SHARE_KIND) -> Axes:
        """A figure of the bands, of one ``kind``.

        ``share``: the shares; ``difference``: the paired differences; ``claim``: the share of
        draws in which each claim holds.
        """
        if kind == CLAIM_KIND:
            return claim_bars(ax, self.claims(), self.draw_count)
        table = self.to_df().reset_index()
        table = table[(table["kind"] == kind) & table["measure"].map(is_share_measure)]
        return band_chart(ax, table, kind, self.band_words(), self.mc_words())


def is_share_measure(measure: str) -> bool:
    """Outcome classes and events by day d: a share of worlds, drawn in the band charts."""
    return not measure.startswith(("territory", "casualties", "air_defense", "blame_"))


def describe(measure: str, row: pd.Series, kind: str) -> str:
    """``49.3 % (simulation error ±1.0 pp); across plausible parameters 12–71 %``."""
    half = (row["mc_high"] - row["mc_low"]) / 2
    sign = "+" if kind == DIFFERENCE_KIND else ""
    if is_share_measure(measure) or measure.startswith("blame_"):
        unit = " pp" if kind == DIFFERENCE_KIND else " %"
        value = f"{100 * row['estimate']:{sign}.1f}{unit}"
        error = f"±{100 * half:.1f} pp"
        low, high = (f"{100 * row[end]:{sign}.0f}" for end in ("band_low", "band_high"))
    else:
        unit = ""
        value, error = _number(row["estimate"], sign), "±" + _number(half, "")
        low, high = (_number(row[end], sign) for end in ("band_low", "band_high"))
    band = f"{low}–{high}{unit}" if not sign else f"{low} to {high}{unit}"
    return f"{value} (simulation error {error}); across plausible parameters {band}"


def _number(value: float, sign: str) -> str:
    """Three significant digits, whole numbers with separators from 1,000."""
    if abs(value) >= 1000:
        return f"{value:{sign},.0f}"
    return f"{value:{sign}.3g}"


def _interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean with its 95 % Monte Carlo interval (normal approximation)."""
    n = len(values)
    mean = float(np.mean(values))
    half = Z95 * float(np.std(values, ddof=1)) / math.sqrt(n) if n > 1 else math.nan
    return mean, mean - half, mean + half


def _applicable(base: Comparison) -> list[tuple[claim_checks.Claim, int, int]]:
    return claim_checks.applicable(
        base.labels,
        [r.scenario.name for r in base.results],
        [base.reference_of(i) for i in range(len(base.results))],
    )


def _point_estimates(base: Results | Comparison, measures: Sequence[str]) -> pd.DataFrame:
    """Each measure's estimate and 95 % Monte Carlo interval at the files' values."""
    outputs = {o.name: o for o in _outputs(base)}
    results = base.results if isinstance(base, Comparison) else [base]
    labels = base.labels if isinstance(base, Comparison) else [base.scenario.name]
    rows = []
    values = [{m: outputs[m].value(r.worlds) for m in measures} for r in results]
    for label, own in zip(labels, values, strict=True):
        for measure in measures:
            rows.append((SHARE_KIND, label, "", measure, *_interval(own[measure])))
    if isinstance(base, Comparison):
        for index in range(1, len(results)):
            against = base.reference_of(index)
            for measure in measures:
                gap = values[index][measure] - values[against][measure]
                rows.append((DIFFERENCE_KIND, labels[index], labels[against], measure,
                             *_interval(gap)))  # fmt: skip
    columns = ["kind", "scenario", "reference", "measure", "estimate", "mc_low", "mc_high"]
    return pd.DataFrame(rows, columns=columns).set_index(columns[:4])


def _outputs(base: Results | Comparison) -> list[Output]:
    """The measures of :func:`~sim.experiments.sensitivity.all_outputs`, by day 14."""
    first = base.results[0] if isinstance(base, Comparison) else base
    return all_outputs(first.actors, BY_DAYS)


# --- planning and running -----------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A checked uncertainty run (:func:`plan`, :func:`run_plan`)."""

    scenarios: tuple[Scenario, ...]
    labels: tuple[str, ...] | None
    references: tuple[int, ...] | None
    parameters: tuple[Parameter, ...]
    held: dict[str, str]
    draws: int
    worlds_per_draw: int
    runs: int
    seed: int
    level: float = LEVEL


def plan(
    scenarios: Sequence[Scenario | str],
    draws: int | None = None,
    worlds_per_draw: int | None = None,
    runs: int = 10_000,
    seed: int = 0,
    params: Sequence[str] = (),
    labels: Sequence[str] | None = None,
    references: Sequence[int] | None = None,
    level: float = LEVEL,
) -> Plan:
    """Check an uncertainty run's inputs before anything runs.

    The parameters are those a sensitivity analysis varies (:func:`select`): every ranged
    parameter the rules read per world, or those ``params`` match; in a comparison, one whose
    value differs between the files is the comparison's own change and is held at each file's.

    Raises:
        UncertaintyError: too few draws or worlds per draw, too many worlds, a level outside
            (0, 1), or a pattern that matches no parameter with a range.

    """
    loaded = [arguments.scenario(s) for s in scenarios]
    draws = DEFAULT_DRAWS if draws is None else draws
    worlds_per_draw = DEFAULT_WORLDS_PER_DRAW if worlds_per_draw is None else worlds_per_draw
    for name, value, least in (
        ("--uncertainty", draws, MIN_DRAWS),
        ("--worlds-per-draw", worlds_per_draw, MIN_WORLDS_PER_DRAW),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise UncertaintyError(
                f"{name}: expected a whole number >= {least}, got {value!r} ({_why(name)})"
            )
    total = draws * worlds_per_draw
    if total > MAX_RUNS:
        raise UncertaintyError(
            f"--uncertainty: {draws:,} draws × {worlds_per_draw:,} worlds is {total:,} worlds "
            f"per scenario; at most {MAX_RUNS:,}"
        )
    if not 0 < level < 1:
        raise UncertaintyError(f"level: expected a coverage between 0 and 1, got {level!r}")
    try:
        chosen, fixed = _select_all(loaded, params)
    except SensitivityError as err:
        raise UncertaintyError(str(err)) from None
    return Plan(
        tuple(loaded),
        None if labels is None else tuple(labels),
        None if references is None else tuple(references),
        tuple(chosen),
        fixed,
        draws,
        worlds_per_draw,
        arguments.runs(runs),
        arguments.whole("seed", seed, 0),
        float(level),
    )


def _why(option: str) -> str:
    if option == "--uncertainty":
        return "parameter draws; the 5th and 95th percentiles need at least 20"
    return "worlds simulated per draw; fewer give each draw's share an error above ±7 pp"


def _select_all(
    scenarios: Sequence[Scenario], params: Sequence[str]
) -> tuple[list[Parameter], dict[str, str]]:
    """The parameters every scenario varies alike, and those held, with the reason."""
    if len(scenarios) == 1:
        return select(scenarios[0], params)
    chosen: list[Parameter] | None = None
    held: dict[str, str] = {}
    for other in scenarios[1:]:
        mine, fixed = select(scenarios[0], params, other)
        held.update(fixed)
        chosen = mine if chosen is None else [p for p in chosen if p in mine]
    assert chosen is not None
    if not chosen:
        raise SensitivityError("no parameter is left to vary")
    return chosen, held


def draw_values(parameters: Sequence[Parameter], draws: int, seed: int) -> np.ndarray:
    """K × D parameter values, one row per draw.

    A Latin hypercube in the unit cube (scipy's ``qmc.LatinHypercube``), mapped by
    :func:`~sim.experiments.sensitivity.values_at` (uniform over the range, or the scenario's
    distribution). The hypercube's generator is keyed in the run's seed tree.
    """
    from scipy.stats import qmc

    rng = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(purpose_key(PURPOSE),)))
    )
    unit = qmc.LatinHypercube(d=len(parameters), rng=rng).random(draws)
    return np.column_stack([values_at(p, unit[:, i]) for i, p in enumerate(parameters)])


def run_plan(p: Plan, workers: int | None = None, progress: Progress | None = None) -> Uncertainty:
    """The ordinary run or comparison, then every draw in one ensemble run (common worlds)."""
    scenarios = list(p.scenarios)
    drawn_worlds = p.draws * p.worlds_per_draw * len(scenarios)
    share = _shared_progress(progress, p.runs * len(scenarios), drawn_worlds)
    if len(scenarios) == 1:
        base: Results | Comparison = run_checked(scenarios, p.runs, p.seed, workers, share(0))[0]
    else:
        from sim.experiments.comparison import compare

        base = compare(
            scenarios, p.runs, p.seed, workers, p.labels, share(0),
            list(p.references) if p.references else None,
        )  # fmt: skip
    values = draw_values(p.parameters, p.draws, p.seed)
    design = Design(
        tuple(x.path for x in p.parameters),
        values,
        p.worlds_per_draw,
        stream_period=p.worlds_per_draw,
    )
    drawn = run_checked(
        scenarios,
        design.worlds,
        p.seed,
        workers,
        share(1),
        designs=[design] * len(scenarios),
    )
    per_draw = _per_draw(base, drawn, p.worlds_per_draw)
    found = _outputs(base)
    return Uncertainty(
        base=base,
        parameters=list(p.parameters),
        held=dict(p.held),
        draws=pd.DataFrame(values, columns=list(design.paths)).rename_axis("draw"),
        per_draw=per_draw,
        worlds_per_draw=p.worlds_per_draw,
        level=p.level,
        labels={o.name: o.label for o in found},
    )


def _shared_progress(
    progress: Progress | None, first: int, second: int
) -> Callable[[int], Progress | None]:
    """Progress callbacks of the two runs, reported as one count of worlds."""

    def share(part: int) -> Progress | None:
        if progress is None:
            return None
        offset = 0 if part == 0 else first
        return lambda done, total: progress(offset + done, first + second)

    return share


def _per_draw(base: Results | Comparison, drawn: list[Results], worlds: int) -> pd.DataFrame:
    """The long table of per-draw means, differences and claim margins."""
    found = _outputs(base)
    labels = base.labels if isinstance(base, Comparison) else [base.scenario.name]
    means = [
        np.column_stack([o.value(r.worlds) for o in found]).reshape(-1, worlds, len(found))
        .mean(axis=1)
        for r in drawn
    ]  # fmt: skip
    draws = means[0].shape[0]
    frames = []

    def add(kind: str, scenario: str, reference: str, table: np.ndarray, names: list[str]) -> None:
        frames.append(
            pd.DataFrame(
                {
                    "draw": np.repeat(np.arange(draws), len(names)),
                    "kind": kind,
                    "scenario": scenario,
                    "reference": reference,
                    "measure": np.tile(names, draws),
                    "value": table.reshape(-1),
                }
            )
        )

    names = [o.name for o in found]
    for label, table in zip(labels, means, strict=True):
        add(SHARE_KIND, label, "", table, names)
    if isinstance(base, Comparison):
        for index in range(1, len(drawn)):
            against = base.reference_of(index)
            add(DIFFERENCE_KIND, labels[index], labels[against],
                means[index] - means[against], names)  # fmt: skip
        for claim, index, against in _applicable(base):
            gaps = claim.gaps(drawn[index].worlds, drawn[against].worlds)
            margin = claim_checks.margins(gaps, worlds)
            add(CLAIM_KIND, labels[index], labels[against], margin[:, None], [claim.name])
    return pd.concat(frames, ignore_index=True)


def with_bands(
    scenarios: Scenario | str | Sequence[Scenario | str],
    draws: int | None = None,
    worlds_per_draw: int | None = None,
    runs: int = 10_000,
    seed: int = 0,
    workers: int | None = None,
    params: Sequence[str] = (),
    labels: Sequence[str] | None = None,
    references: Sequence[int] | None = None,
    level: float = LEVEL,
    progress: Progress | None = None,
) -> Uncertainty:
    """A run (one scenario) or comparison (several) with uncertainty bands.

    ``sim.run(scenario, uncertainty=K)`` and ``sim.compare(scenarios, uncertainty=K)`` call it.

    Args:
        scenarios: one scenario or several (then compared on the same worlds and draws).
        draws: parameter draws K (default :data:`DEFAULT_DRAWS`).
        worlds_per_draw: worlds M per draw (default :data:`DEFAULT_WORLDS_PER_DRAW`).
        runs: worlds of the ordinary run at the files' values.
        seed: the run's seed: the worlds and the draws.
        workers: processes; the results do not depend on it.
        params: glob patterns of the parameters to vary (default: all that can).
        labels: the scenarios' names, as :func:`sim.compare`.
        references: the scenario each is read against, as :func:`sim.compare`.
        level: the band's coverage (0.9: the 5th to the 95th percentile).
        progress: called as ``progress(done_worlds, total_worlds)``.

    """
    if isinstance(scenarios, Scenario | str) or hasattr(scenarios, "__fspath__"):
        scenarios = [scenarios]  # type: ignore[list-item]
    planned = plan(
        list(scenarios), draws, worlds_per_draw, runs, seed, params, labels, references, level
    )
    return run_plan(planned, workers, progress)


def run(
    scenario: Scenario | str,
    runs: int = 10_000,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    *,
    chunk_size: int | None = None,
    design: Design | None = None,
    uncertainty: int | bool | None = None,
    worlds_per_draw: int | None = None,
    params: Sequence[str] = (),
    level: float = LEVEL,
) -> Results | Uncertainty:
    """``sim.run``: :func:`sim.engine.ensemble.run`, or that run with its uncertainty bands.

    ``uncertainty``: K parameter draws (``True``: :data:`DEFAULT_DRAWS`); ``worlds_per_draw``,
    ``params`` and ``level`` as :func:`with_bands`.
    """
    from sim.engine.ensemble import CHUNK_SIZE
    from sim.engine.ensemble import run as run_ensemble

    if uncertainty is None or uncertainty is False:
        return run_ensemble(
            scenario, runs, seed, workers, progress,
            chunk_size=CHUNK_SIZE if chunk_size is None else chunk_size, design=design,
        )  # fmt: skip
    if design is not None:
        raise UncertaintyError("design: a run with uncertainty bands makes its own design")
    return with_bands(
        [scenario], None if uncertainty is True else uncertainty, worlds_per_draw, runs, seed,
        workers, params, level=level, progress=progress,
    )  # fmt: skip


def compare(
    scenarios: Sequence[Scenario | str],
    runs: int = 10_000,
    seed: int = 0,
    workers: int | None = None,
    labels: Sequence[str] | None = None,
    progress: Progress | None = None,
    references: Sequence[int] | None = None,
    *,
    uncertainty: int | bool | None = None,
    worlds_per_draw: int | None = None,
    params: Sequence[str] = (),
    level: float = LEVEL,
) -> Comparison | Uncertainty:
    """``sim.compare``: :func:`sim.experiments.comparison.compare`, or with its bands.

    ``uncertainty``: K parameter draws (``True``: :data:`DEFAULT_DRAWS`), every scenario on the
    same draws and worlds; ``worlds_per_draw``, ``params`` and ``level`` as :func:`with_bands`.
    """
    from sim.experiments.comparison import compare as compare_scenarios

    if uncertainty is None or uncertainty is False:
        return compare_scenarios(scenarios, runs, seed, workers, labels, progress, references)
    return with_bands(
        scenarios, None if uncertainty is True else uncertainty, worlds_per_draw, runs, seed,
        workers, params, labels, references, level, progress,
    )  # fmt: skip
