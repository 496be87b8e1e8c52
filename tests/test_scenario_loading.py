"""Loading scenario files: extends, --set overrides, and errors located by file, line and field."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

import pytest  # noqa: E402

from sim.scenario.loading import ScenarioError, bundled_scenarios, load_scenario  # noqa: E402
from sim.scenario.schema import BetaDist, DeadlineEvent  # noqa: E402

MINIMAL = Path(__file__).parent / "data" / "minimal.yaml"
TEXT = MINIMAL.read_text(encoding="utf-8")


def line_of(text: str, needle: str, start: int = 1) -> int:
    """1-based number of the first line at or after ``start`` that contains ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number >= start and needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, overrides: tuple[str, ...] = ()) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return info.value


# --- good files ----------------------------------------------------------------------------------


def test_minimal_fixture_loads_with_roles_and_event():
    scenario = load_scenario(MINIMAL)
    assert scenario.name == "Minimal test scenario"
    assert str(scenario.start_date) == "2025-08-07"
    assert scenario.horizon_days == 30
    assert {name: actor.role for name, actor in scenario.actors.items()} == {
        "agg": "aggressor",
        "us": "coercer",
        "def": "defender",
        "eu": "supporter",
    }
    assert scenario.actors["agg"].weakness_aversion == 0.8
    assert isinstance(scenario.events[0], DeadlineEvent)
    assert (scenario.events[0].by, scenario.events[0].against) == ("us", "agg")


def test_extends_merges_child_over_parent_relative_to_the_child(tmp_path, monkeypatch):
    write(tmp_path, "shared/parent.yaml", TEXT)
    child = write(
        tmp_path,
        "variants/child.yaml",
        "extends: ../shared/parent.yaml\n"
        "name: Child\n"
        "horizon_days: 60\n"
        "actors:\n"
        "  us:\n"
        "    credulity: 0.9\n"
        "events:\n"
        "  - {day: 40, kind: summit, between: [agg, us]}\n",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the parent is found relative to the child, not the cwd

    scenario = load_scenario(child)

    assert scenario.name == "Child"
    assert scenario.horizon_days == 60
    assert str(scenario.start_date) == "2025-08-07"  # kept from the parent
    assert scenario.actors["us"].credulity == 0.9  # the child's key...
    assert scenario.actors["us"].weakness_aversion == 0.7  # ...merged with the parent's
    assert scenario.actors["us"].role == "coercer"
    assert set(scenario.actors) == {"agg", "us", "def", "eu"}
    assert [event.kind for event in scenario.events] == ["summit"]  # lists are replaced whole


def test_extends_errors_name_the_file_and_line_the_value_came_from(tmp_path):
    parent_text = TEXT.replace("    role: supporter", "    role: supporter\n    initial_blame: -1")
    write(tmp_path, "parent.yaml", parent_text)
    child = write(tmp_path, "child.yaml", "extends: parent.yaml\nname: Child\nhorizon_days: 0\n")

    err = error_of(child)  # horizon_days comes first in the schema: the child's value
    assert (err.file, err.line, err.field) == (str(child), 3, "horizon_days")

    write(tmp_path, "child.yaml", "extends: parent.yaml\nname: Child\n")
    err = error_of(child)
    assert err.file == str(tmp_path / "parent.yaml")
    assert err.line == line_of(parent_text, "initial_blame: -1")
    assert err.field == "actors.eu.initial_blame"


def test_extends_cycle_is_rejected(tmp_path):
    first = write(tmp_path, "a.yaml", "extends: b.yaml\nname: A\n")
    write(tmp_path, "b.yaml", "name: B\nextends: a.yaml\n")
    err = error_of(first)
    assert "cycle" in err.message
    assert (err.file, err.line, err.field) == (str(tmp_path / "b.yaml"), 2, "extends")
    assert "a.yaml -> " in err.message and "b.yaml -> " in err.message


def test_extends_missing_parent_points_at_the_extends_line(tmp_path):
    child = write(tmp_path, "child.yaml", "name: Child\nextends: nowhere.yaml\n")
    err = error_of(child)
    assert (err.file, err.line, err.field) == (str(child), 2, "extends")
    assert "nowhere.yaml" in err.message


def test_extending_a_bundled_file_by_its_bare_name_says_how_to_name_it(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    child = write(tmp_path, "mine.yaml", "name: Mine\nextends: article.yaml\n")
    message = error_of(child).message
    assert (
        "relative to this file's folder; for the bundled article.yaml, write extends: " in message
    )
    suggested = message.split("write extends: ")[1].rstrip(")")
    write(tmp_path, "mine.yaml", f"name: Mine\nextends: {suggested}\n")
    assert load_scenario(child).name == "Mine"
    unknown = write(tmp_path, "x.yaml", "name: X\nextends: zz.yaml\n")
    assert "write extends" not in error_of(unknown).message


# --- overrides -----------------------------------------------------------------------------------


def test_set_overrides_a_scalar():
    assert load_scenario(MINIMAL, ["horizon_days=60"]).horizon_days == 60


def test_set_overrides_an_actor_field_that_was_only_a_default():
    assert "credulity" not in TEXT
    assert load_scenario(MINIMAL).actors["us"].credulity == 0.5
    assert load_scenario(MINIMAL, ["actors.us.credulity=0.9"]).actors["us"].credulity == 0.9


def test_set_overrides_an_event_field():
    assert load_scenario(MINIMAL, ["events.0.day=3"]).events[0].day == 3


def test_set_overrides_with_a_distribution_mapping():
    scenario = load_scenario(MINIMAL, ["actors.agg.weakness_aversion={dist: beta, a: 2, b: 5}"])
    value = scenario.actors["agg"].weakness_aversion
    assert isinstance(value, BetaDist)
    assert (value.a, value.b) == (2.0, 5.0)


def test_set_creates_a_missing_section_the_schema_has():
    assert load_scenario(MINIMAL, ["war.casualties_per_day=1000"]).war.casualties_per_day == 1000


def test_later_set_wins():
    assert load_scenario(MINIMAL, ["horizon_days=60", "horizon_days=90"]).horizon_days == 90


@pytest.mark.parametrize(
    ("override", "suggestion"),
    [
        ("actors.us.credulty=0.9", "credulity"),
        ("actors.usa.credulity=0.9", "us"),
        ("horizon=60", "horizon_days"),
    ],
)
def test_set_on_a_path_that_does_not_exist_suggests_the_closest(override, suggestion):
    err = error_of(MINIMAL, (override,))
    assert err.file == "--set"
    assert err.field == override.split("=")[0]
    assert f"did you mean {suggestion!r}?" in err.message


def test_set_on_a_missing_event_index():
    err = error_of(MINIMAL, ("events.3.day=1",))
    assert (err.file, err.field) == ("--set", "events.3.day")
    assert "1 item" in err.message


def test_set_without_equals_is_rejected():
    err = error_of(MINIMAL, ("horizon_days",))
    assert err.file == "--set"
    assert "PATH=VALUE" in err.message


def test_invalid_set_value_is_blamed_on_the_override_not_the_file():
    err = error_of(MINIMAL, ("actors.us.weakness_aversion=1.5",))
    assert str(err) == (
        "--set: actors.us.weakness_aversion: expected a probability in [0, 1], got 1.5"
    )


# --- errors with lines ---------------------------------------------------------------------------


def test_error_string_has_file_line_field_and_message(tmp_path):
    text = TEXT.replace("weakness_aversion: 0.7", "weakness_aversion: 1.5")
    path = write(tmp_path, "bad.yaml", text)
    line = line_of(text, "weakness_aversion: 1.5")
    assert str(error_of(path)) == (
        f"{path}:{line}: actors.us.weakness_aversion: expected a probability in [0, 1], got 1.5"
    )


def test_unknown_field_suggests_the_closest_name_and_drops_the_role_tag(tmp_path):
    text = TEXT.replace("weakness_aversion: 0.8", "weakness_aversio: 0.8")
    err = error_of(write(tmp_path, "bad.yaml", text))
    assert err.field == "actors.agg.weakness_aversio"  # not actors.agg.aggressor.weakness_aversio
    assert err.line == line_of(text, "weakness_aversio:")
    assert err.message == "unknown field 'weakness_aversio'; did you mean 'weakness_aversion'?"


def test_unknown_event_field_suggests_from_that_event_kind(tmp_path):
    text = TEXT.replace("    against: agg", "    against: agg\n    audience_cots: 0.5")
    err = error_of(write(tmp_path, "bad.yaml", text))
    assert err.field == "events.0.audience_cots"
    assert err.line == line_of(text, "audience_cots")
    assert "did you mean 'audience_cost'?" in err.message


def test_wrong_type_says_what_was_expected(tmp_path):
    text = TEXT.replace("horizon_days: 30", "horizon_days: thirty")
    err = error_of(write(tmp_path, "bad.yaml", text))
    assert (err.line, err.field) == (line_of(text, "horizon_days"), "horizon_days")
    assert err.message == "expected a whole number, got 'thirty'"


def test_distribution_outside_the_support_is_rejected(tmp_path):
    text = TEXT.replace(
        "weakness_aversion: 0.8", "weakness_aversion: {dist: uniform, low: 0, high: 2}"
    )
    err = error_of(write(tmp_path, "bad.yaml", text))
    assert (err.line, err.field) == (line_of(text, "dist: uniform"), "actors.agg.weakness_aversion")
    assert err.message.startswith("expected a probability in [0, 1], got a uniform")


def test_a_bad_distribution_parameter_reports_the_distribution_branch(tmp_path):
    text = TEXT.replace("weakness_aversion: 0.8", "weakness_aversion: {dist: beta, a: -1, b: 2}")
    err = error_of(write(tmp_path, "bad.yaml", text))
    assert err.field == "actors.agg.weakness_aversion.a"  # not "expected a number"
    assert "> 0" in err.message


def test_unknown_role_suggests_the_closest_role(tmp_path):
    text = TEXT.replace("role: supporter", "role: suporter")
    err = error_of(write(tmp_path, "bad.yaml", text))
    assert (err.line, err.field) == (line_of(text, "suporter"), "actors.eu.role")
    assert "did you mean 'supporter'?" in err.message


def test_missing_required_field_points_at_its_parent(tmp_path):
    text = TEXT.replace("    against: agg\n", "")
    err = error_of(write(tmp_path, "bad.yaml", text))
    assert (err.line, err.field) == (line_of(text, "- day: 1"), "events.0.against")
    assert "missing" in err.message


def test_event_naming_an_unknown_actor(tmp_path):
    text = TEXT.replace("by: us", "by: usa")
    err = error_of(write(tmp_path, "bad.yaml", text))
    assert (err.line, err.field) == (line_of(text, "by: usa"), "events.0.by")
    assert "unknown actor 'usa'" in err.message


def test_duplicate_keys_are_rejected_with_both_lines(tmp_path):
    text = TEXT.replace(
        "weakness_aversion: 0.7", "weakness_aversion: 0.7\n    weakness_aversion: 0.6"
    )
    err = error_of(write(tmp_path, "bad.yaml", text))
    first = line_of(text, "weakness_aversion: 0.7")
    second = line_of(text, "weakness_aversion: 0.6")
    assert second == first + 1
    assert (err.line, err.field) == (second, "actors.us.weakness_aversion")
    assert f"lines {first} and {second}" in err.message


def test_yaml_syntax_error_has_the_line(tmp_path):
    text = TEXT.replace("by: us", "by: [us")
    err = error_of(write(tmp_path, "bad.yaml", text))
    assert err.line == line_of(text, "against: agg")  # where the parser gives up
    assert err.message.startswith("invalid YAML")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"# just a comment\n", "empty"),
        (b"- a list\n- at the top\n", "mapping"),
        (b"just a string\n", "mapping"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "UTF-8"),
        (b"name: x\x00\n", "not a text file"),
    ],
)
def test_files_that_are_not_scenarios(tmp_path, content, expected):
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    err = error_of(path)
    assert err.file == str(path)
    assert expected in err.message


def test_missing_file_and_directory(tmp_path):
    assert error_of(tmp_path / "nope.yaml").message == "file not found"
    assert "directory" in error_of(tmp_path).message


def test_bundled_scenarios_prefers_the_working_directory(tmp_path, monkeypatch):
    write(tmp_path, "scenarios/b.yaml", TEXT)
    write(tmp_path, "scenarios/a.yaml", TEXT)
    write(tmp_path, "scenarios/notes.txt", "not a scenario")
    monkeypatch.chdir(tmp_path)
    assert [path.name for path in bundled_scenarios()] == ["a.yaml", "b.yaml"]


def test_extends_replaces_a_distribution_whole(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(
        f"extends: {ROOT / 'scenarios' / 'article.yaml'}\n"
        "name: child\n"
        "economy:\n"
        "  sanctions_success: {dist: uniform, low: 0.05, high: 0.2}\n"
        "war:\n"
        "  ground_gain_pct_per_day: {dist: triangular, low: 0.001, mode: 0.002, high: 0.003}\n"
    )
    scenario = load_scenario(child)
    assert scenario.economy.sanctions_success.dist == "uniform"
    assert scenario.war.ground_gain_pct_per_day.mode == 0.002
    partial = tmp_path / "partial.yaml"
    partial.write_text(
        f"extends: {ROOT / 'scenarios' / 'article.yaml'}\n"
        "name: partial\n"
        "economy:\n  sanctions_success: {dist: beta, a: 3}\n"
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(partial)
    assert "economy.sanctions_success.b" in str(err.value) and ":4:" in str(err.value)


def test_a_file_read_again_in_the_same_process_loads_as_it_did_the_first_time():
    """Texts are parsed once per process (``sim list`` reads the base file five times)."""
    scenarios = Path(__file__).resolve().parents[1] / "scenarios"
    article_first = load_scenario(scenarios / "article.yaml")
    summit_first = load_scenario(scenarios / "summit.yaml")  # extends article.yaml
    assert load_scenario(scenarios / "summit.yaml") == summit_first
    assert load_scenario(scenarios / "article.yaml") == article_first
    assert summit_first != article_first
