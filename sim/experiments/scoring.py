"""Score a run's forecasts against resolved questions: Brier and log scores (``sim score``).

A run's **forecast** for a question is the share of its worlds where the question's condition
holds (:mod:`sim.experiments.questions`). Against what happened (1 or 0) each forecast gets:

- the **Brier score** ``(f − o)²`` (Brier 1950), from 0 (certain and right) to 1 (certain and
  wrong); a coin (0.5) gets 0.25 whatever happens;
- the **log score** ``−ln p(what happened)`` in nats (Good 1952), from 0 upward; a coin gets
  ``ln 2 ≈ 0.693``. A share of 0 or 1 would make it infinite on a miss, so the log score uses the
  Jeffreys estimate ``(k + ½) / (N + 1)`` of the probability behind ``k`` worlds of ``N``
  (the mean of its Beta(k + ½, N − k + ½) posterior): it differs from the share by less than
  ``1 / (2N)``, and a condition that held in no world of 10,000 costs ``ln(20,002) ≈ 9.9`` nats
  when it happens — large, finite, and larger the more worlds said no.

Both are averaged over the questions (lower is better) and set against a coin and, if given, a
reference run. The **reliability diagram** bins the forecasts and sets each bin's share of
questions that happened against its mean forecast (:func:`reliability`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.engine.results import Results
from sim.engine.stats import wilson_interval
from sim.experiments.conditions import holds
from sim.experiments.questions import Question, check_against, load_questions

if TYPE_CHECKING:
    from matplotlib.axes import Axes

KIND = "score"
"""The ``kind`` of a scoring folder's manifest (:mod:`sim.output.scoring`)."""
COIN = 0.5
"""A coin's forecast of every question."""
COIN_BRIER = COIN**2
"""A coin's Brier score, ``(0.5 − o)²`` = 0.25 whatever happens."""
COIN_LOG = -math.log(COIN)
"""A coin's log score, ``ln 2`` ≈ 0.693 nats whatever happens."""
MIN_QUESTIONS_FOR_DIAGRAM = 20
"""Fewest scored questions for which ``sim score`` draws a reliability diagram.

With five bins, 20 questions put four in a bin on average, so a bin's observed share moves in
steps of about 0.25 and its 95 % interval is still about ±0.4 wide: the least at which the
diagram shows more than the table does. Below it the diagram is noise drawn as a curve.
"""
BINS = 5
"""Equal-width forecast bins of the reliability diagram: 0–0.2, ..., 0.8–1."""


def jeffreys(hits: np.ndarray, worlds: int) -> np.ndarray:
    """The probability behind ``hits`` of ``worlds``: ``(k + ½) / (N + 1)``, never 0 or 1."""
    return (np.asarray(hits, dtype=float) + 0.5) / (worlds + 1)


def brier(forecast: np.ndarray, happened: np.ndarray) -> np.ndarray:
    """Brier score of each forecast: ``(f − o)²``."""
    return (np.asarray(forecast, dtype=float) - np.asarray(happened, dtype=float)) ** 2


def log_score(probability: np.ndarray, happened: np.ndarray) -> np.ndarray:
    """Log score of each forecast, in nats: ``−ln p`` if it happened, ``−ln(1 − p)`` if not."""
    p = np.asarray(probability, dtype=float)
    return -np.log(np.where(np.asarray(happened, dtype=bool), p, 1 - p))


@dataclass
class Forecasts:
    """One run's forecasts of the scored questions: worlds where each holds, out of ``worlds``."""

    label: str
    hits: np.ndarray
    worlds: int

    @property
    def share(self) -> np.ndarray:
        return self.hits / self.worlds

    def scores(self, happened: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per question: the Brier score (of the share) and the log score (Jeffreys)."""
        return brier(self.share, happened), log_score(jeffreys(self.hits, self.worlds), happened)


@dataclass
class Scores:
    """A run's forecasts scored against resolved questions (``sim.score``).

    Attributes:
        questions: every question of the file, scored or not, in its order.
        forecasts: the run's forecasts of the scored questions.
        reference: a reference run's forecasts of the same questions, or None.
        scenario: the name of the run's scenario.
        seed: the run's seed.
        questions_file: where the questions were read from.
        inputs: the results folders scored (``results``, ``reference``), where known.

    """

    questions: list[Question]
    forecasts: Forecasts
    reference: Forecasts | None = None
    scenario: str = ""
    seed: int = 0
    questions_file: str = ""
    inputs: dict[str, str] = field(default_factory=dict)

    @property
    def scored(self) -> list[Question]:
        return [q for q in self.questions if q.scored]

    @property
    def happened(self) -> np.ndarray:
        return np.array([q.happened for q in self.scored], dtype=bool)

    def to_df(self) -> pd.DataFrame:
        """One row per scored question: forecast, what happened, its Brier and log scores."""
        scored = self.scored
        brier_run, log_run = self.forecasts.scores(self.happened)
        table = pd.DataFrame(
            {
                "id": [q.id for q in scored],
                "question": [q.question for q in scored],
                "condition": [q.condition for q in scored],
                "forecast": self.forecasts.share,
                "worlds": self.forecasts.hits.astype(int),
                "happened": self.happened,
                "brier": brier_run,
                "log_score": log_run,
            }
        )
        if self.reference is not None:
            brier_ref, log_ref = self.reference.scores(self.happened)
            table["reference_forecast"] = self.reference.share
            table["reference_brier"] = brier_ref
            table["reference_log_score"] = log_ref
        table["resolved"] = [q.resolved.isoformat() for q in scored]
        table["source"] = [q.source for q in scored]
        return table.set_index("id")

    def totals(self) -> pd.DataFrame:
        """Mean Brier and log scores of the run, a coin and the reference (rows), and skills.

        ``brier_skill`` is ``1 − B / B_coin``: 0 for a coin, 1 for certainty that was right,
        negative for worse than a coin (likewise ``log_skill``).
        """
        table = self.to_df()
        rows = {self.forecasts.label: (table["brier"].mean(), table["log_score"].mean())}
        if self.reference is not None:
            rows[self.reference.label] = (
                table["reference_brier"].mean(),
                table["reference_log_score"].mean(),
            )
        rows["coin (0.5)"] = (COIN_BRIER, COIN_LOG)
        totals = pd.DataFrame.from_dict(rows, orient="index", columns=["brier", "log_score"])
        totals["brier_skill"] = 1 - totals["brier"] / COIN_BRIER
        totals["log_skill"] = 1 - totals["log_score"] / COIN_LOG
        totals.index.name = "forecaster"
        return totals

    def reliability(self, bins: int = BINS) -> pd.DataFrame:
        """Per forecast bin: questions, mean forecast, share that happened and its 95 % interval."""
        return reliability(self.forecasts.share, self.happened, bins)

    def summary_text(self) -> str:
        """Each question's forecast and scores, then the means against a coin (and reference)."""
        table, totals = self.to_df(), self.totals()
        width = max(34, *(len(str(name)) + 2 for name in totals.index))
        lines = [
            f"{self.scenario} (seed {self.seed}, {self.forecasts.worlds:,} worlds) against "
            f"{len(table)} resolved questions of {self.questions_file}",
            "",
            f"{'question':<{width}}{'forecast':>9}{'happened':>9}{'Brier':>8}{'log':>7}",
        ]
        for name, row in table.iterrows():
            shown = name if len(name) < width else name[: width - 4] + "..."
            lines.append(
                f"{shown:<{width}}{row['forecast']:>9.1%}{'yes' if row['happened'] else 'no':>9}"
                f"{row['brier']:>8.3f}{row['log_score']:>7.2f}"
            )
        lines += [
            "",
            f"{'mean over the questions':<{width}}{'Brier':>8}{'log':>7}{'Brier skill':>13}",
        ]
        for name, row in totals.iterrows():
            lines.append(
                f"{name:<{width}}{row['brier']:>8.3f}{row['log_score']:>7.2f}"
                f"{row['brier_skill']:>+13.2f}"
            )
        skipped = [q for q in self.questions if not q.scored]
        if skipped:
            lines += ["", f"not scored: {', '.join(q.id for q in skipped)} (see the report)"]
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None) -> Axes:
        """The reliability diagram: each bin's share that happened against its mean forecast."""
        from sim.experiments.scoring_plot import reliability_diagram

        title = f"{self.scenario}: reliability over {len(self.scored)} questions"
        return reliability_diagram(ax, self.reliability(), title)


def reliability(forecast: np.ndarray, happened: np.ndarray, bins: int = BINS) -> pd.DataFrame:
    """The forecasts in ``bins`` equal bins (the last one closed), and what happened in each.

    Per non-empty bin: its questions, their mean forecast, the share that happened and that
    share's 95 % Wilson interval.
    """
    forecast, happened = np.asarray(forecast, dtype=float), np.asarray(happened, dtype=bool)
    which = np.minimum((forecast * bins).astype(int), bins - 1)
    rows = []
    for index in range(bins):
        inside = which == index
        count = int(inside.sum())
        if not count:
            continue
        hits = int(happened[inside].sum())
        low, high = wilson_interval(hits, count)
        rows.append(
            {
                "bin": f"{index / bins:.1f}–{(index + 1) / bins:.1f}",
                "questions": count,
                "mean_forecast": float(forecast[inside].mean()),
                "happened": hits / count,
                "low": low,
                "high": high,
            }
        )
    columns = ["bin", "questions", "mean_forecast", "happened", "low", "high"]
    return pd.DataFrame(rows, columns=columns).set_index("bin")


def forecast(
    results: Results, questions: Sequence[Question], label: str, described: str
) -> Forecasts:
    """A run's forecasts of the scored ``questions`` (checked against its worlds first).

    ``label`` names the forecaster in tables; ``described`` names the run in messages.

    Raises:
        QuestionError: a question the run cannot answer (its column, class or day).

    """
    start, horizon = results.scenario.start_date, results.scenario.horizon_days
    check_against(questions, results.worlds, start, horizon, described)
    hits = np.array(
        [holds(q.parsed(), results.worlds, start).sum() for q in questions if q.scored],
        dtype=float,
    )
    return Forecasts(label=label, hits=hits, worlds=len(results.worlds))


def score(
    results: Results,
    questions: str | Path | Sequence[Question],
    reference: Results | None = None,
) -> Scores:
    """Score a run's forecasts against resolved questions (``sim score``).

    Args:
        results: a run (``sim.run``, or ``sim.load_results`` of a ``sim run`` folder).
        questions: a question file, or questions already loaded
            (:func:`sim.experiments.questions.load_questions`).
        reference: another run to score on the same questions, for comparison.

    Raises:
        QuestionError: a bad question file, or a question the run (or the reference) cannot
            answer: one line naming the file, the line, the field and what was expected.

    Example:
        >>> scores = sim.score(sim.run("scenarios/summit.yaml"), "questions/after-article.yaml")
        >>> scores.to_df(); scores.totals(); scores.plot()

    """
    if isinstance(questions, str | Path):
        file, loaded = str(questions), load_questions(questions)
    else:
        loaded = list(questions)
        file = loaded[0].file if loaded else "questions"
    label = results.scenario.name
    run = forecast(results, loaded, label, f"the run of {label!r}")
    other = None
    if reference is not None:
        name = reference.scenario.name
        other = forecast(reference, loaded, f"reference: {name}", f"the reference run of {name!r}")
    return Scores(
        questions=loaded,
        forecasts=run,
        reference=other,
        scenario=label,
        seed=results.seed,
        questions_file=file,
    )


def summary(scores: Scores) -> dict[str, Any]:
    """What ``summary.json`` of a scoring folder holds."""
    return {
        "scenario": scores.scenario,
        "seed": scores.seed,
        "worlds": scores.forecasts.worlds,
        "questions_file": scores.questions_file,
        "scored": len(scores.scored),
        "not_scored": {q.id: q.not_scored for q in scores.questions if not q.scored},
        "totals": scores.totals().to_dict(orient="index"),
        "questions": scores.to_df().reset_index().to_dict(orient="records"),
    }
