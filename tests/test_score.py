"""sim score: forecasts scored against resolved questions (Brier, log), and bad question files."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import sim
from sim.cli import app
from sim.engine.results import Results
from sim.experiments.conditions import holds, parse_condition
from sim.experiments.scoring import MIN_QUESTIONS_FOR_DIAGRAM, score
from sim.scenario.loading import load_scenario

MINIMAL = Path(__file__).parent / "data" / "minimal.yaml"  # starts 2025-08-07, 30 days
NAN = np.nan


def synthetic_run() -> Results:
    """Ten worlds whose answers to the questions below are known by construction."""
    worlds = pd.DataFrame(
        {
            "world": np.arange(10),
            "outcome": pd.Categorical(
                ["settlement"] * 2 + ["sanctions"] * 5 + ["paralysis"] * 3,
                categories=["settlement", "partial_ceasefire", "sanctions", "paralysis"],
            ),
            "day_sanctions": [1, 2, 3, 4, 5, 6, 7, NAN, NAN, NAN],
            "day_summit": [8.0] * 10,
            "territory_change": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, NAN],
            "sanctions_bite": [True, False] * 5,
        }
    )
    return Results(scenario=load_scenario(MINIMAL), worlds=worlds, seed=0, runs=10)


QUESTIONS = """\
- id: sanctions-by-5
  question: Sanctions by day 5?
  condition: sanctions by day 5
  happened: true
  resolved: 2025-08-12
  source: test
- id: settled
  question: A settlement at the horizon?
  condition: outcome == settlement
  happened: false
  resolved: 2025-09-05
  source: test
- id: summit-by-date
  question: A summit by 20 August 2025 (day 13)?
  condition: summit by 2025-08-20
  happened: true
  resolved: 2025-08-15
  source: test
- id: never
  question: Sanctions by day 0?
  condition: sanctions by day 0
  happened: true
  resolved: 2025-08-07
  source: test
- id: second-summit
  question: A second summit?
  not_scored: the worlds keep the first summit's day only
  happened: false
  resolved: 2025-08-30
  source: "unchecked: nobody, nothing, 2025"
"""


@pytest.fixture
def questions_file(tmp_path: Path) -> Path:
    path = tmp_path / "questions.yaml"
    path.write_text(QUESTIONS, encoding="utf-8")
    return path


def test_brier_and_log_scores_are_those_computed_by_hand(questions_file: Path) -> None:
    scores = score(synthetic_run(), questions_file)
    table = scores.to_df()
    # Worlds where each condition holds, of 10: 5, 2, 10, 0 (the not_scored one is left out).
    assert list(table.index) == ["sanctions-by-5", "settled", "summit-by-date", "never"]
    assert list(table["worlds"]) == [5, 2, 10, 0]
    assert list(table["forecast"]) == [0.5, 0.2, 1.0, 0.0]
    # Brier (f - o)^2 with o = 1, 0, 1, 1.
    assert table["brier"].to_numpy() == pytest.approx([0.25, 0.04, 0.0, 1.0])
    # Log score with p = (k + 1/2) / (N + 1) = 5.5/11, 2.5/11, 10.5/11, 0.5/11.
    by_hand = [-math.log(5.5 / 11), -math.log(1 - 2.5 / 11), -math.log(10.5 / 11), math.log(22)]
    assert table["log_score"].to_numpy() == pytest.approx(by_hand)
    totals = scores.totals()
    run = totals.loc[scores.scenario]
    assert run["brier"] == pytest.approx((0.25 + 0.04 + 0 + 1) / 4)
    assert run["log_score"] == pytest.approx(sum(by_hand) / 4)
    assert run["brier_skill"] == pytest.approx(1 - 0.3225 / 0.25)
    coin = totals.loc["coin (0.5)"]
    assert (coin["brier"], coin["log_score"]) == (0.25, pytest.approx(math.log(2)))


def test_a_reference_run_is_scored_on_the_same_questions(questions_file: Path) -> None:
    reference = synthetic_run()
    reference.worlds["day_sanctions"] = NAN  # no sanctions in any world
    reference.scenario = reference.scenario.model_copy(update={"name": "no sanctions"})
    scores = score(synthetic_run(), questions_file, reference=reference)
    table = scores.to_df()
    assert list(table["reference_forecast"]) == [0.0, 0.2, 1.0, 0.0]
    assert table.loc["sanctions-by-5", "reference_brier"] == pytest.approx(1.0)
    assert table.loc["sanctions-by-5", "reference_log_score"] == pytest.approx(math.log(22))
    totals = scores.totals()
    assert totals.loc["reference: no sanctions", "brier"] == pytest.approx((1 + 0.04 + 0 + 1) / 4)


@pytest.mark.parametrize(
    ("condition", "worlds"),
    [
        ("sanctions by day 3", [0, 1, 2]),
        ("not sanctions by day 3", [3, 4, 5, 6, 7, 8, 9]),
        ("sanctions by 2025-08-09", [0, 1]),  # day 2
        ("territory_change >= 0.8", [7, 8]),  # NaN compares false
        ("territory_change != 0.5", [0, 1, 2, 3, 5, 6, 7, 8]),  # NaN is not "not 0.5"
        ("outcome != sanctions", [0, 1, 7, 8, 9]),
        ("sanctions_bite == true", [0, 2, 4, 6, 8]),
        # and binds tighter than or; parentheses change it
        ("outcome == settlement or sanctions by day 6 and sanctions_bite == false", [0, 1, 3, 5]),
        ("(outcome == settlement or sanctions by day 6) and sanctions_bite == false", [1, 3, 5]),
        ("not not (summit by day 8)", list(range(10))),
        ("summit by day 7", []),
    ],
)
def test_conditions_hold_in_the_worlds_the_grammar_says(condition: str, worlds: list[int]) -> None:
    run = synthetic_run()
    held = holds(parse_condition(condition), run.worlds, run.scenario.start_date)
    assert list(np.flatnonzero(held)) == worlds


def entry(**fields: str) -> str:
    base = {
        "id": "q",
        "question": "Q?",
        "condition": "sanctions by day 5",
        "happened": "true",
        "resolved": "2025-08-12",
        "source": "test",
    }
    base.update(fields)
    return "- " + "\n  ".join(f"{k}: {v}" for k, v in base.items() if v is not None) + "\n"


ALIAS_BOMB = "- &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"- &{name} [{', '.join([f'*{before}'] * 10)}]\n"
    for before, name in zip("abcd", "bcde", strict=True)
)
# (id, file text, the line and field the message names, words it must say)
BAD_FILES = [
    ("empty-list", "[]\n", ":", None, "the list of questions is empty"),
    ("empty-file", "", ":", None, "expected a YAML list of questions"),
    ("a-mapping", "id: q\n", ":1:", None, "got a mapping"),
    (
        "missing-outcome",
        entry(happened=None),
        ":1:",
        "q.happened",
        "missing; expected true or false",
    ),
    ("wrong-type", entry(happened="'yes'"), ":4:", "q.happened", "expected true or false"),
    ("wrong-date", entry(resolved="mid-August"), ":5:", "q.resolved", "as YYYY-MM-DD"),
    ("unknown-field", entry(sorce="x"), ":7:", "q.sorce", "did you mean 'source'?"),
    ("no-source", entry(source=None), ":1:", "q.source", "missing"),
    ("bad-syntax", entry(condition="sanctions within 5"), ":3:", "q.condition", "expected 'by'"),
    ("code", entry(condition="\"__import__('os')\""), ":3:", "q.condition", "unexpected"),
    ("unknown-column", entry(condition="mood > 1"), ":3:", "q.condition", "unknown column 'mood'"),
    (
        "unknown-event",
        entry(condition="peace by day 5"),
        ":3:",
        "q.condition",
        "no column day_peace",
    ),
    ("unknown-class", entry(condition="outcome == peace"), ":3:", "q.condition", "no class"),
    # a column of the model that this run's worlds lack (dropped from the saved run below)
    ("column-run-lacks", entry(condition="strikes_launched > 1"), ":3:", "q.condition", "no such"),
    ("day-past-horizon", entry(condition="sanctions by day 30"), ":3:", "q.condition", "day 30"),
    ("resolved-after-horizon", entry(resolved="2025-09-06"), ":5:", "q.resolved", "after the"),
    ("resolved-before-start", entry(resolved="2025-08-06"), ":5:", "q.resolved", "before the"),
    ("duplicate-id", entry() + entry(), ":7:", "q", "already used on line 1"),
    ("both", entry(not_scored="x"), ":1:", "q.condition", "both condition and not_scored"),
    ("alias-bomb", ALIAS_BOMB, ":", None, "alias"),
]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real ``sim run`` folder of the minimal scenario (20 worlds), without one extra column."""
    run = sim.run(MINIMAL, runs=20, seed=0, workers=1)
    run.worlds = run.worlds.drop(columns="strikes_launched")
    folder = tmp_path_factory.mktemp("score") / "run"
    sim.save_results(run, folder, workers=1)
    return folder


@pytest.mark.parametrize(
    ("text", "where", "field", "words"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_a_bad_question_file_exits_2_with_one_located_line(
    tmp_path: Path, run_folder: Path, text: str, where: str, field: str | None, words: str
) -> None:
    path = tmp_path / "questions.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    arguments = ["score", str(run_folder), "--questions", str(path), "--out", str(out)]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}{where}"), result.output
    if field is not None:
        assert f": {field}: " in lines[0]
    assert words in lines[0]
    assert not out.exists()


def many_questions(count: int) -> str:
    """``count`` questions over the minimal scenario's run, half of which happened."""
    return "".join(
        entry(id=f"q{i}", condition=f"sanctions by day {i % 30}", happened=str(i % 2 == 0).lower())
        for i in range(count)
    )


def test_sim_score_writes_its_folder_and_draws_the_diagram_only_with_enough_questions(
    tmp_path: Path, run_folder: Path
) -> None:
    for count, drawn in ((MIN_QUESTIONS_FOR_DIAGRAM - 1, False), (MIN_QUESTIONS_FOR_DIAGRAM, True)):
        path = tmp_path / f"q{count}.yaml"
        path.write_text(many_questions(count), encoding="utf-8")
        out = tmp_path / f"out{count}"
        arguments = ["score", str(run_folder), "--questions", str(path), "--out", str(out)]
        result = CliRunner().invoke(app, [*arguments, "--reference", str(run_folder)])
        assert result.exit_code == 0, result.output
        scores = pd.read_csv(out / "scores.csv")
        assert len(scores) == count
        assert (scores["reference_brier"] == scores["brier"]).all()  # the same run twice
        assert (out / "figures" / "reliability.png").exists() is drawn
        report = (out / "report.md").read_text(encoding="utf-8")
        assert ("![Reliability diagram]" in report) is drawn
        assert "manifest.json" in (out / "SHA256SUMS").read_text()
    # the folder keeps no worlds: neither sim plot nor sim score takes it as a run
    for arguments in (["plot", str(out)], ["score", str(out), "--questions", str(path)]):
        result = CliRunner().invoke(app, arguments)
        assert result.exit_code == 2 and "a scoring of forecasts" in result.output


def test_sim_score_in_python_reads_a_run_folder_and_matches_the_worlds_by_hand(
    tmp_path: Path, run_folder: Path, questions_file: Path
) -> None:
    worlds = pd.read_csv(run_folder / "worlds.csv")
    scores = sim.score(run_folder, questions_file, reference=run_folder)
    table = scores.to_df()
    expected = (worlds["day_sanctions"] <= 5).mean()
    assert table.loc["sanctions-by-5", "forecast"] == pytest.approx(expected)
    assert table.loc["sanctions-by-5", "brier"] == pytest.approx((expected - 1) ** 2)
    assert (table["reference_brier"] == table["brier"]).all()
    assert scores.plot() is not None


def test_the_reliability_table_bins_forecasts_and_counts_what_happened() -> None:
    from sim.experiments.scoring import reliability

    forecast = np.array([0.05, 0.1, 0.15, 0.5, 0.55, 1.0, 0.95])
    happened = np.array([False, False, True, True, False, True, True])
    table = reliability(forecast, happened)
    assert list(table.index) == ["0.0–0.2", "0.4–0.6", "0.8–1.0"]  # empty bins are left out
    assert list(table["questions"]) == [3, 2, 2]
    assert table["mean_forecast"].to_numpy() == pytest.approx([0.1, 0.525, 0.975])
    assert table["happened"].to_numpy() == pytest.approx([1 / 3, 0.5, 1.0])
    assert (table["low"] <= table["happened"]).all() and (table["happened"] <= table["high"]).all()
