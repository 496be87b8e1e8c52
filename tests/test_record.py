"""The record before the article and the questions after it: well formed, sourced, and apart.

Calibration may use only what happened up to 6 August 2025 (issue 22); the questions of the weeks
after are kept for out-of-sample scoring. These tests keep the two files on their sides of that
line and hold each entry to the fields docs/record.md describes.
"""

import datetime as dt
import re
from pathlib import Path

import pytest

from sim.experiments.questions import load_questions
from sim.scenario.loading import parse_yaml

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "records" / "2025-01-20_to_2025-08-06.yaml"
QUESTIONS = ROOT / "questions" / "after-article.yaml"
DOC = ROOT / "docs" / "record.md"
ARTICLE_DAY = dt.date(2025, 8, 7)
SOURCE = re.compile(r"^(https?://\S+|unchecked: .+)$")


@pytest.fixture(scope="module")
def record() -> dict:
    data, _, _ = parse_yaml(RECORD.read_text(encoding="utf-8"), str(RECORD))
    return data


def test_every_event_is_dated_inside_the_period_in_order_and_sourced(record: dict) -> None:
    start, end = record["period"]["start"], record["period"]["end"]
    assert (start, end) == (dt.date(2025, 1, 20), dt.date(2025, 8, 6))
    events = record["events"]
    assert len({event["id"] for event in events}) == len(events)
    dates = [event["date"] for event in events]
    assert dates == sorted(dates)
    for event in events:
        assert start <= event["date"] <= end, event["id"]
        assert event.get("end", event["date"]) >= event["date"], event["id"]
        assert SOURCE.match(event["source"]), event["id"]
        assert event["what"].strip(), event["id"]
        assert "model" in event, event["id"]  # null where the model cannot express it yet


def test_every_kind_of_event_is_documented(record: dict) -> None:
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", DOC.read_text(encoding="utf-8"), re.M))
    used = {event["kind"] for event in record["events"]}
    assert used <= documented, used - documented


def test_the_monthly_series_are_sourced_and_their_daily_rates_add_up(record: dict) -> None:
    observations = record["observations"]
    assert SOURCE.match(observations["coercer_sanctions"]["source"])
    for row in observations["front_km2_per_month"]:
        assert SOURCE.match(row["source"]), row["month"]
    for row in observations["strikes_per_month"]:
        year, month = map(int, row["month"].split("-"))
        days = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.date(year, month, 1)).days
        assert SOURCE.match(row["source"]), row["month"]
        assert row["drones_per_day"] == round(row["drones"] / days), row["month"]
        if row.get("missiles") is not None:
            assert row["missiles_per_day"] == round(row["missiles"] / days, 1), row["month"]


def test_the_questions_after_the_article_resolve_after_the_record_ends(record: dict) -> None:
    questions = load_questions(QUESTIONS)
    assert questions and all(q.resolved >= ARTICLE_DAY for q in questions)
    assert all(SOURCE.match(q.source) for q in questions)
    assert record["period"]["end"] < ARTICLE_DAY
