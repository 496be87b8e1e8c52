"""A scoring's results folder (``sim score``), and ``sim.score`` on runs or their folders.

The folder holds ``scores.csv`` (one row per scored question: its forecast, what happened, the
Brier and log scores, the reference's where given, the source), ``totals.csv`` (the mean scores
of the run, the reference and a coin), ``summary.json``, ``manifest.json`` (the results folders
and the question file scored, with the file's SHA-256), ``report.md`` and, with at least
:data:`~sim.experiments.scoring.MIN_QUESTIONS_FOR_DIAGRAM` scored questions,
``figures/reliability.png``. It keeps no worlds: ``sim plot`` and ``sim rerun`` do not take it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sim.engine.results import Results, versions
from sim.experiments.questions import Question
from sim.experiments.scoring import (
    COIN_BRIER,
    COIN_LOG,
    KIND,
    MIN_QUESTIONS_FOR_DIAGRAM,
    Scores,
    summary,
)
from sim.experiments.scoring import score as score_runs
from sim.output.folders import TOOL, strict_json
from sim.output.plots import projector_style
from sim.output.report import markdown_table
from sim.output.saved import load_run
from sim.scenario.inputs import read_bytes
from sim.scenario.loading import MAX_FILE_BYTES


def score(
    results: Results | str | Path,
    questions: str | Path | list[Question],
    reference: Results | str | Path | None = None,
) -> Scores:
    """Score a run's forecasts against resolved questions: ``sim score`` in Python.

    Args:
        results: a run (``sim.run``), or the folder ``sim run`` wrote.
        questions: a YAML question file (``docs/calibration.md``, "Scoring forecasts"), or
            questions already loaded.
        reference: another run, or its folder, scored on the same questions.

    Returns:
        :class:`~sim.experiments.scoring.Scores`: ``to_df()``, ``totals()``, ``plot(ax=None)``.

    Raises:
        QuestionError: a bad question file or a question a run cannot answer (one line).
        ResultsFolderError: a folder that is not a readable run.

    """
    inputs = {}
    if not isinstance(results, Results):
        inputs["results"] = str(results)
        results = load_run(results)
    if reference is not None and not isinstance(reference, Results):
        inputs["reference"] = str(reference)
        reference = load_run(reference)
    scores = score_runs(results, questions, reference)
    scores.inputs = inputs
    return scores


def write_scores(
    scores: Scores, folder: Path, command: str | None, formats: tuple[str, ...]
) -> None:
    """Write ``scores``'s files into the existing ``folder``."""
    scores.to_df().to_csv(folder / "scores.csv")
    scores.totals().to_csv(folder / "totals.csv")
    (folder / "summary.json").write_text(strict_json(summary(scores)))
    (folder / "manifest.json").write_text(json.dumps(manifest(scores, command), indent=2))
    figures = save_score_figures(scores, folder / "figures", formats)
    (folder / "report.md").write_text(report(scores, figures, folder, command), encoding="utf-8")


def save_score_figures(
    scores: Scores, folder: Path, formats: tuple[str, ...] = ("png",)
) -> list[Path]:
    """The reliability diagram, if there are enough scored questions; the files written."""
    if len(scores.scored) < MIN_QUESTIONS_FOR_DIAGRAM:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    with projector_style():
        fig, ax = plt.subplots(figsize=(8, 8), dpi=110)
        try:
            scores.plot(ax=ax)
            fig.tight_layout()
            for fmt in formats:
                paths.append(folder / f"reliability.{fmt}")
                fig.savefig(paths[-1], bbox_inches="tight", pad_inches=0.15)
        finally:
            plt.close(fig)
    return paths


def manifest(scores: Scores, command: str | None = None) -> dict[str, Any]:
    """What the folder's ``manifest.json`` holds: what was scored against which file."""
    file = Path(scores.questions_file)
    try:
        digest = hashlib.sha256(read_bytes(file, MAX_FILE_BYTES, "question file")).hexdigest()
    except (OSError, ValueError):
        digest = None  # questions given in Python, not read from this file
    return {
        "tool": TOOL,
        "kind": KIND,
        "scenario_name": scores.scenario,
        "seed": scores.seed,
        "worlds": scores.forecasts.worlds,
        "results": scores.inputs.get("results"),
        "reference": scores.inputs.get("reference"),
        "questions_file": scores.questions_file,
        "questions_sha256": digest,
        "command": command,
        "versions": versions(),
    }


def report(scores: Scores, figures: list[Path], folder: Path, command: str | None) -> str:
    """``report.md``: the questions, the scores against a coin (and reference), how to read them."""
    table, totals = scores.to_df(), scores.totals()
    has_reference = scores.reference is not None
    header = ["question", "forecast", "happened", "Brier", "log"]
    header += ["reference", "ref. Brier", "ref. log"] if has_reference else []
    rows = []
    for name, row in table.iterrows():
        cells = [
            f"`{name}`: {row['question']}",
            f"{row['forecast']:.1%}",
            "yes" if row["happened"] else "no",
            f"{row['brier']:.3f}",
            f"{row['log_score']:.2f}",
        ]
        if has_reference:
            cells += [
                f"{row['reference_forecast']:.1%}",
                f"{row['reference_brier']:.3f}",
                f"{row['reference_log_score']:.2f}",
            ]
        rows.append(cells)
    total_rows = [
        [
            str(name),
            f"{row['brier']:.3f}",
            f"{row['log_score']:.3f}",
            f"{row['brier_skill']:+.2f}",
            f"{row['log_skill']:+.2f}",
        ]
        for name, row in totals.iterrows()
    ]
    lines = [
        f"# Scores: {scores.scenario}",
        "",
        f"The run of **{scores.scenario}** (seed {scores.seed}, {scores.forecasts.worlds:,} "
        f"worlds) against the {len(table)} scored questions of `{scores.questions_file}`. "
        "A forecast is the share of worlds where the question's condition holds.",
        "",
        markdown_table(header, rows),
        "",
        "## Means over the questions",
        "",
        markdown_table(["forecaster", "Brier", "log", "Brier skill", "log skill"], total_rows),
        "",
        f"Lower is better. The Brier score is `(forecast − outcome)²`; a coin scores "
        f"{COIN_BRIER} on every question. The log score is `−ln p(what happened)` in nats, with "
        f"`p = (k + ½)/(N + 1)` for `k` worlds of `N` so that it stays finite; a coin scores "
        f"{COIN_LOG:.3f}. A skill is `1 − score / coin's score`: above 0 beats a coin. Questions "
        "about one chain of events are not independent, so a mean over a few of them is a "
        "description, not a test.",
        "",
    ]
    skipped = [q for q in scores.questions if not q.scored]
    if skipped:
        lines += ["## Not scored", ""]
        lines += [
            f"- `{q.id}` ({'happened' if q.happened else 'did not happen'}): {q.not_scored}"
            for q in skipped
        ]
        lines.append("")
    lines += ["## Reliability", ""]
    if figures:
        png = next(path for path in figures if path.suffix == ".png")
        lines += [f"![Reliability diagram]({png.relative_to(folder).as_posix()})", ""]
    else:
        lines += [
            f"No diagram: {len(table)} scored questions, fewer than the "
            f"{MIN_QUESTIONS_FOR_DIAGRAM} a diagram of five bins needs to show more than the "
            "table above.",
            "",
        ]
    lines += ["## Sources", ""]
    lines += [f"- `{q.id}`: {q.source}" for q in scores.questions]
    lines += ["", "---", ""]
    if command:
        lines.append(f"Command: `{command}`")
    return "\n".join(lines) + "\n"
