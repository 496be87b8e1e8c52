"""A comparison says what each scenario changes against the reference, field by field."""

from __future__ import annotations

import json

from sim.experiments.comparison import compare
from sim.output.saving import save_results
from sim.scenario.changes import ABSENT, Change, changes, no_change
from sim.scenario.loading import load_scenario
from tests.conftest import SCENARIOS


def scenario(name: str, *overrides: str):
    return load_scenario(SCENARIOS / name, overrides=list(overrides))


def test_a_scenario_differs_from_itself_in_nothing_but_its_name():
    renamed = scenario("summit.yaml", "name=Another name", "description=Other words")
    assert changes(scenario("summit.yaml"), renamed) == []


def test_overridden_fields_are_named_by_their_paths_with_both_values():
    edited = scenario(
        "summit.yaml",
        "actors.usa.credulity=0.1",
        "events.1.day=5",
        "war.ground_gain_pct_per_day={dist: uniform, low: 0.001, high: 0.004}",
    )
    found = {change.field: change for change in changes(scenario("summit.yaml"), edited)}
    assert set(found) == {"actors.usa.credulity", "events.1.day", "war.ground_gain_pct_per_day"}
    assert found["actors.usa.credulity"] == Change("actors.usa.credulity", "0.5", "0.1")
    assert found["events.1.day"] == Change("events.1.day", "1", "5")
    # a distribution is one value, shown as a file writes it
    assert (
        found["war.ground_gain_pct_per_day"].scenario == "{dist: uniform, low: 0.001, high: 0.004}"
    )


def test_events_added_dropped_or_of_another_kind_are_shown_whole():
    sanctions, summit = scenario("sanctions.yaml"), scenario("summit.yaml")
    added = {c.field: c for c in changes(sanctions, summit)}
    assert added["events"] == Change(
        "events", ABSENT, "adds {day: 0, kind: summit_offer, by: russia, to: usa, held_on: 8}"
    )
    assert added["actors.russia.disabled_actions"] == Change(
        "actors.russia.disabled_actions", "[offer_summit]", "[]"
    )
    dropped = {c.field: c for c in changes(summit, sanctions)}
    assert dropped["events"].scenario.startswith("drops {day: 0, kind: summit_offer")
    (replaced,) = changes(sanctions, scenario("ceasefire_strikes.yaml"))
    assert replaced.field == "events.0"  # a deadline replaced by a moratorium, not field by field
    assert replaced.reference.startswith("{day: 1, kind: deadline")
    assert replaced.scenario == "{day: 0, kind: moratorium, monitored: false}"


def test_the_report_summary_and_terminal_name_the_changes(tmp_path):
    compared = compare(
        [scenario("summit.yaml"), scenario("summit.yaml", "actors.usa.credulity=0.1")],
        runs=200,
        seed=1,
        workers=1,
        labels=["summit", "sceptic"],
    )
    assert "  sceptic: actors.usa.credulity" in compared.summary_text()
    folder = save_results(compared, tmp_path / "out")
    report = (folder / "report.md").read_text()
    assert "## What each scenario changes against summit" in report
    assert "| sceptic | `actors.usa.credulity` | 0.5 | 0.1 |" in report
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["changes"] == {
        "sceptic": [{"field": "actors.usa.credulity", "reference": "0.5", "scenario": "0.1"}]
    }


def test_the_same_calendar_listed_in_another_order_is_no_change(tmp_path):
    reordered = tmp_path / "reordered.yaml"
    reordered.write_text(
        f"extends: {SCENARIOS / 'summit.yaml'}\n"
        "events:\n"
        "  - {day: 1, kind: deadline, by: usa, against: russia, threat: sanctions}\n"
        "  - {day: 0, kind: summit_offer, by: russia, to: usa, held_on: 8}\n",
        encoding="utf-8",
    )
    assert changes(scenario("summit.yaml"), load_scenario(reordered)) == []


def test_no_change_says_whether_even_the_name_is_the_same():
    assert no_change(scenario("summit.yaml"), scenario("summit.yaml")).startswith("the same")
    renamed = scenario("summit.yaml", "name=Another")
    assert no_change(scenario("summit.yaml"), renamed) == "only its name and description"


def test_whole_numbers_are_shown_as_a_file_writes_them():
    edited = scenario("summit.yaml", "actors.usa.credulity={dist: beta, a: 2, b: 14}")
    (change,) = changes(scenario("summit.yaml"), edited)
    assert change.scenario == "{dist: beta, a: 2, b: 14}"
