"""The record scenario (``scenarios/record-2025.yaml``) replays the record file's events.

Layout only: it loads, validates and runs, and each of its events falls on the day of the record
entry it names (``# <id>`` after the event); what the worlds do is not pinned (issue 22).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.scenario.loading import load_scenario, parse_yaml
from sim.scenario.schema import DeadlineEvent

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "record-2025.yaml"
RECORD = ROOT / "records" / "2025-01-20_to_2025-08-06.yaml"
CITED = re.compile(r"^\s+- (\{.*\})\s+#\s*([a-z0-9-]+)( \(end\))?,")
"""An event line of the scenario: the event, the record id it replays, and whether its end."""


@pytest.fixture(scope="module")
def record() -> dict:
    data, _, _ = parse_yaml(RECORD.read_text(encoding="utf-8"), str(RECORD))
    return data


@pytest.fixture(scope="module")
def cited() -> list[tuple[dict, str, bool]]:
    """The scenario's events as written, each with the record id it cites."""
    lines = SCENARIO.read_text(encoding="utf-8").splitlines()
    rows = []
    for line in lines:
        match = CITED.match(line)
        if match:
            event, _, _ = parse_yaml(match.group(1), str(SCENARIO))
            rows.append((event, match.group(2), bool(match.group(3))))
    return rows


def day_of(record: dict, date: dt.date) -> int:
    return (date - record["period"]["day_zero"]).days


def test_the_record_scenario_spans_the_record_and_every_event_cites_an_entry(record, cited):
    spec = load_scenario(SCENARIO)
    assert spec.start_date == record["period"]["day_zero"] == record["period"]["start"]
    assert spec.horizon_days - 1 == day_of(record, record["period"]["end"])  # 6 August simulated
    assert len(cited) == len(spec.events)  # every event names its record entry
    ids = {event["id"] for event in record["events"]}
    assert {name for _, name, _ in cited} <= ids


def test_each_event_falls_on_its_record_entrys_day(record, cited):
    entries = {event["id"]: event for event in record["events"]}
    for event, name, at_end in cited:
        entry = entries[name]
        kind = event["kind"]
        when = entry["end"] if at_end else entry["date"]
        if kind == "deadline":  # announced on the entry's day, falling when the entry says
            assert event["announced"] == day_of(record, when), name
            assert event["day"] == day_of(record, entry["falls_on"]), name
            continue
        assert event["day"] == day_of(record, when), name
        if kind in ("moratorium",):  # from its first day to its last, both included
            assert event["length_days"] == (entry["end"] - entry["date"]).days + 1, name
        if kind == "unilateral_truce":  # to the midnight that ends it
            assert event["length_days"] == (entry["end"] - entry["date"]).days, name
        if kind == "summit_offer":
            assert event["held_on"] == day_of(record, entry["held_on"]), name
        for role in ("by", "to", "against"):
            if role in event and role in entry:
                assert event[role] == entry[role], (name, role)
        if "between" in event:
            assert set(event["between"]) == set(entry["between"]), name


def test_every_record_event_is_replayed_or_says_why_not(record, cited):
    replayed = {name for _, name, _ in cited}
    for entry in record["events"]:
        model = entry["model"]
        why_not = model is None or model.startswith(("not scheduled", "part of", "the length"))
        assert (entry["id"] in replayed) != why_not, entry["id"]


def test_the_deadline_of_8_august_is_pending_past_the_record(record):
    spec = load_scenario(SCENARIO)
    deadlines = [e for e in spec.events if isinstance(e, DeadlineEvent)]
    assert deadlines and all(e.day >= spec.horizon_days > e.announced for e in deadlines)
    assert min(e.day for e in deadlines) == day_of(record, dt.date(2025, 8, 8))


def test_the_record_scenario_validates_and_runs(tmp_path):
    runner = CliRunner()
    checked = runner.invoke(app, ["validate", str(SCENARIO)])
    assert checked.exit_code == 0, checked.output
    out = tmp_path / "run"
    ran = runner.invoke(app, ["run", str(SCENARIO), "--runs", "2000", "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    assert (out / "worlds.csv").is_file() and (out / "report.md").is_file()
