"""Every number is a parameter: declared with a meaning, a source and a plausible range."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

import sim
from sim.scenario import parameters
from sim.scenario.schema import NonNegative, Probability, parameter
from tests.conftest import SCENARIOS

ROOT = Path(__file__).resolve().parents[1]
COUPLED = {"types.stalling", "types.sincere"}
"""Fields that must sum to 1 with each other: one cannot be set alone to its range's ends."""


def _literals():
    spec = importlib.util.spec_from_file_location("literals", ROOT / "bench" / "literals.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_numeric_field_of_the_schema_declares_a_range_a_source_and_a_meaning():
    assert parameters.schema_unranged() == []


def test_a_numeric_field_without_a_range_is_reported():
    class Section(BaseModel):
        ranged: NonNegative = parameter(1.0, 0.5, 2.0, "a ranged number")
        bare: float = 0.3
        drawn: Probability = 0.5
        outside: float = parameter(3.0, 0.5, 2.0, "a default outside its range")
        label: str = "not a number"

    problems = parameters.unranged(Section)
    assert [p.split(":")[0] for p in problems] == [
        "Section.bare",
        "Section.drawn",
        "Section.outside",
    ]
    assert "outside [0.5, 2.0]" in problems[2]


def test_ranged_lists_the_scenarios_values_by_the_path_set_takes():
    scenario = sim.load_scenario(SCENARIOS / "summit.yaml")
    found = {p.path: p for p in parameters.ranged(scenario)}
    usa = found["actors.usa.weakness_aversion"]
    assert (usa.default, usa.low, usa.high) == (0.7, 0.4, 0.9)
    assert "Greene" in usa.source
    assert found["summit.lead_days"].default == 7
    assert found["actors.russia.types.sincere"].default == 0.2
    pace = found["war.ground_gain_pct_per_day"]  # the posterior article.yaml sets
    assert pace.distribution is not None and pace.distribution.dist == "normal"
    assert pace.low <= pace.default <= pace.high
    prior = {p.path: p for p in parameters.ranged(sim.load_scenario(SCENARIOS / "prior.yaml"))}
    before = prior["war.ground_gain_pct_per_day"]
    assert before.distribution is not None and before.distribution.dist == "triangular"
    assert before.default == pytest.approx((0.0015 + 0.0025 + 0.004) / 3)
    assert found["war.casualties_per_day"].default == pytest.approx(1400, rel=0.01)
    assert len(found) == len(parameters.ranged(scenario))  # paths are unique


def test_every_value_of_the_article_lies_in_its_range():
    scenario = sim.load_scenario(SCENARIOS / "article.yaml")
    outside = [p.path for p in parameters.ranged(scenario) if not p.low <= p.default <= p.high]
    assert outside == []


def test_each_parameter_can_be_set_to_both_ends_of_its_range():
    """The sensitivity analysis sets each path by ``--set``: both ends must load and stick."""
    path = SCENARIOS / "article.yaml"
    for p in parameters.ranged(sim.load_scenario(path)):
        if p.path.split(".", 2)[-1] in COUPLED:
            continue
        for end in (p.low, p.high):
            value = int(end) if float(end).is_integer() and "days" in p.path else end
            loaded = sim.load_scenario(path, [f"{p.path}={value}"])
            found = {q.path: q.default for q in parameters.ranged(loaded)}
            assert found[p.path] == end, p.path


def test_a_distribution_mean_is_its_expected_value():
    from sim.scenario.schema import NormalDist

    truncated = NormalDist(dist="normal", mean=0.0, sd=1.0, low=0.0)
    assert parameters.mean(truncated) == pytest.approx((2 / 3.141592653589793) ** 0.5)


def test_the_calibration_page_lists_every_parameter_as_the_schema_declares_it():
    """docs/calibration.md's table is generated: `python -m sim.scenario.parameters` rewrites it."""
    text = (ROOT / "docs" / "calibration.md").read_text()
    match = re.search(r"<!-- parameters:start -->\n(.*?)<!-- parameters:end -->", text, re.S)
    assert match, "docs/calibration.md has no generated parameter table"
    expected = parameters.table(sim.load_scenario(SCENARIOS / "article.yaml"))
    assert match.group(1).strip() == expected.strip(), (
        "the table is stale: run `python -m sim.scenario.parameters docs/calibration.md`"
    )


def test_at_most_five_bare_numbers_are_left_in_the_rules_each_with_its_reason():
    literals = _literals()
    found = literals.all_literals()
    assert len(found) <= literals.ALLOWED
    for module, line, function, literal in found:
        source = (ROOT / "sim" / "model" / f"{module}.py").read_text().splitlines()[line - 1]
        assert "#" in source, f"{module}.py:{line} {function}: {literal} has no comment saying why"


def test_the_literal_count_sees_a_coefficient(tmp_path):
    rule = tmp_path / "rule.py"
    rule.write_text("def utility(x):\n    return 1.5 * x - 1 + 0\n")
    assert [literal for *_, literal in _literals().bare_literals(rule)] == ["1.5"]


def test_sim_schema_shows_each_fields_range_and_source_and_prints_the_table():
    import json

    from typer.testing import CliRunner

    from sim.cli import app

    runner = CliRunner()
    schema = json.loads(runner.invoke(app, ["schema"]).stdout)
    summit = schema["$defs"]["Summit"]["properties"]["face"]
    assert summit["range"] == [0.1, 0.6] and "Greene" in summit["source"]
    table = runner.invoke(app, ["schema", "--table"])
    assert table.exit_code == 0
    assert table.stdout == parameters.table(sim.load_scenario(SCENARIOS / "article.yaml"))
