"""Property-based tests (hypothesis, fixed budget, derandomized for CI) and extreme scenarios.

(a) Any document -- random nested data, random text or bytes, a valid scenario mutated, random
    ``--set`` overrides -- either loads or raises :class:`ScenarioError` with a one-line message;
    never another exception.
(b) Random *valid* scenarios keep the model's invariants every day (``WorldState.check``) and
    give sound summary rows: no NaN outside ``day_*``, blame shares in [0, 1] summing to 1,
    territory within [0, 100] %, counts non-negative, event days within the horizon.
(c) Extreme but valid scenarios run: 0, 1 or 5 supporters, a horizon of 1 day or 3 years,
    rationality 0 or 1000, no events, every optional action disabled.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from sim.model.model import NegotiationModel
from sim.model.outcomes import summarise
from sim.scenario.loading import ScenarioError, load_scenario
from sim.scenario.schema import (
    ACTIONS_BY_ROLE,
    AirDefense,
    Bargaining,
    Beliefs,
    Blame,
    Decision,
    Economy,
    Face,
    Scenario,
    Truce,
    War,
)

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = Path(__file__).parent / "data" / "minimal.yaml"
PRIOR = ROOT / "scenarios" / "prior.yaml"
"""The bundled actors and defaults in one self-contained file (article.yaml extends it)."""

FAST = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""Loader properties: each example takes milliseconds."""
MODEL = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""Model properties: each example steps 64 worlds through up to 400 days."""


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def load_or_error(path: Path, overrides: list[str] = ()) -> Scenario | ScenarioError:
    """Load ``path``: a Scenario, or the ScenarioError, checked to be one line; nothing else."""
    try:
        return load_scenario(path, overrides)
    except ScenarioError as err:
        text = str(err)
        assert text and len(text.splitlines()) == 1 and "\n" not in text, repr(text)
        assert err.message, repr(text)
        return err


def write_yaml(folder: Path, document: Any) -> Path:
    path = folder / "doc.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    return path


# --- (a) random documents ------------------------------------------------------------------------

FIELD_NAMES = sorted(
    {
        "name",
        "extends",
        *Scenario.model_fields,
        *(name for model in (War, Economy, Decision, Truce) for name in model.model_fields),
        "role",
        "dist",
        "kind",
        "day",
        "by",
        "to",
        "against",
        "between",
        "a",
        "b",
        "low",
        "high",
        "mode",
        "mean",
        "sd",
        "aggressor",
        "coercer",
        "defender",
        "supporter",
        "beta",
        "normal",
        "deadline",
        "summit",
    }
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(),  # NaN and infinities included
    st.text(max_size=12),
    st.sampled_from(FIELD_NAMES),
    st.dates(),
)
keys = st.one_of(
    st.sampled_from(FIELD_NAMES), st.text(max_size=8), st.integers(-3, 3), st.booleans()
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)
    ),
    max_leaves=25,
)


@FAST
@given(document=st.dictionaries(keys, values, max_size=8))
def test_random_documents_load_or_fail_cleanly(folder, document):
    load_or_error(write_yaml(folder, document))


@FAST
@given(document=values)
def test_random_values_at_the_top_load_or_fail_cleanly(folder, document):
    load_or_error(write_yaml(folder, document))


@FAST
@given(text=st.text(max_size=300))
def test_random_text_loads_or_fails_cleanly(folder, text):
    path = folder / "text.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    load_or_error(path)


yaml_fragments = st.lists(
    st.sampled_from(
        [
            "name: x\n",
            "actors:\n",
            "  a: {role: aggressor}\n",
            "  - 1\n",
            "- ",
            "&a ",
            "*a",
            "<<: *a\n",
            "[",
            "]",
            "{",
            "}",
            ": ",
            ", ",
            "'",
            '"',
            "!!python/object:x ",
            "!!binary ",
            "? ",
            "---\n",
            "\t",
            "  ",
            "\n",
            "#",
            "|\n",
            ".nan",
            "2025-02-30",
            "1e999",
            "horizon_days: ",
            "events:\n",
            "extends: ",
            "doc.yaml",
        ]
    ),
    max_size=30,
).map("".join)


@FAST
@given(text=yaml_fragments)
def test_yaml_like_fragments_load_or_fail_cleanly(folder, text):
    path = folder / "fragments.yaml"
    path.write_text(text, encoding="utf-8")
    load_or_error(path)


PRIOR_TEXT = PRIOR.read_text(encoding="utf-8")


@FAST
@given(
    position=st.integers(0, len(PRIOR_TEXT)),
    cut=st.integers(0, 20),
    fragment=yaml_fragments | st.text(max_size=10),
)
def test_a_spliced_scenario_file_loads_or_fails_cleanly(folder, position, cut, fragment):
    """A real scenario file with a random cut and a random insertion (a typo, a bad paste)."""
    path = folder / "spliced.yaml"
    text = PRIOR_TEXT[:position] + fragment + PRIOR_TEXT[position + cut :]
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    load_or_error(path)


@settings(FAST, max_examples=60)
@given(data=st.binary(max_size=400))
def test_random_bytes_load_or_fail_cleanly(folder, data):
    path = folder / "bytes.yaml"
    path.write_bytes(data)
    load_or_error(path)


# mutations of a valid scenario


def valid_document() -> dict[str, Any]:
    """The bundled actors and defaults (prior.yaml), with one event of each kind."""
    document = yaml.safe_load(PRIOR.read_text(encoding="utf-8"))
    document["events"] = [
        {"day": 0, "kind": "summit_offer", "by": "russia", "to": "usa", "held_on": 8},
        {"day": 1, "kind": "deadline", "by": "usa", "against": "russia", "threat": "sanctions"},
        {"day": 9, "kind": "summit", "between": ["russia", "usa"]},
        {"day": 10, "kind": "moratorium", "length_days": 30, "monitored": True},
        {"day": 11, "kind": "aid_package", "by": "europe", "to": "ukraine", "air_defense": 20},
        {"day": 12, "kind": "sanctions", "by": "europe", "against": "russia", "level": 0.3},
    ]
    return document


VALID = valid_document()


def paths_of(node: Any, path: tuple = ()) -> list[tuple]:
    """Every path to a value inside ``node`` (mapping keys and list indexes)."""
    found = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths_of(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths_of(value, (*path, index))
    return found


VALID_PATHS = paths_of(VALID)


def at(document: Any, path: tuple) -> Any:
    for key in path:
        document = document[key]
    return document


mutation = st.tuples(
    st.sampled_from(["delete", "replace", "insert", "retype"]),
    st.sampled_from(VALID_PATHS),
    values,
    st.one_of(keys, st.sampled_from(FIELD_NAMES).map(lambda name: name[:-1] + "x")),
)


def mutate(document: dict[str, Any], steps: list[tuple]) -> dict[str, Any]:
    document = copy.deepcopy(document)
    for operation, path, junk, junk_key in steps:
        try:
            parent, key = at(document, path[:-1]), path[-1]
            current = parent[key]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier step removed or replaced the place
        if operation == "delete":
            del parent[key]
        elif operation == "replace":
            parent[key] = junk
        elif operation == "insert":
            target = current if isinstance(current, dict) else parent
            if isinstance(target, dict):
                target[junk_key] = junk
            else:
                target.insert(0, junk)
        else:  # retype: the same value in another shape
            shapes = [str(current), [current], {"value": current}, None, 0.5, True]
            parent[key] = shapes[hash(repr(junk)) % len(shapes)]
    return document


dotted_paths = st.one_of(
    st.sampled_from([".".join(str(key) for key in path) for path in VALID_PATHS]),
    st.text(min_size=0, max_size=20),
    st.sampled_from(["actors.usa", "events.9", "war", "actors.x.y", "..", "events.-1.day"]),
)
override_values = st.one_of(
    values.map(lambda value: yaml.safe_dump(value, default_flow_style=True).strip()),
    yaml_fragments,
    st.text(max_size=20),
)
overrides = st.lists(
    st.one_of(
        st.tuples(dotted_paths, override_values).map("=".join),
        st.text(max_size=30),
    ),
    max_size=3,
)


@FAST
@given(steps=st.lists(mutation, min_size=1, max_size=3), sets=overrides)
def test_mutated_scenarios_load_or_fail_cleanly(folder, steps, sets):
    path = write_yaml(folder, mutate(VALID, steps))
    load_or_error(path, sets)


@FAST
@given(sets=overrides)
def test_random_overrides_of_a_valid_scenario_load_or_fail_cleanly(folder, sets):
    path = write_yaml(folder, VALID)
    load_or_error(path, sets)


def test_the_unmutated_document_is_valid(folder):
    assert isinstance(load_or_error(write_yaml(folder, VALID)), Scenario)


# --- (b) random valid scenarios keep the model's invariants ---------------------------------------


def probe(model: type[BaseModel], name: str, value: Any) -> bool:
    """Whether ``model`` accepts ``value`` for field ``name``."""
    try:
        model.model_validate({name: value})
    except ValidationError:
        return False
    return True


def number_strategy(model: type[BaseModel], name: str) -> st.SearchStrategy | None:
    """Values within the field's bounds, found by probing the schema; None for other fields."""
    default = model.model_fields[name].default
    if isinstance(default, bool) or not isinstance(default, int | float):
        return None
    if isinstance(default, int):
        low = next(v for v in (0, 1, 2) if probe(model, name, v))
        return st.integers(low, max(low + 1, 3 * default))
    low = 0.0 if not probe(model, name, -0.5) else -3.0
    if not probe(model, name, 0.5):
        high = 0.0
    elif not probe(model, name, 1.5):
        high = 1.0
    else:
        high = max(1.0, 3 * default)
    number = st.floats(low, high, allow_nan=False)
    if high == 1.0 and low == 0.0:  # a probability: sometimes drawn per world from a beta
        beta = st.builds(
            lambda a, b: {"dist": "beta", "a": a, "b": b},
            st.floats(0.2, 10),
            st.floats(0.2, 10),
        )
        return st.one_of(number, number, beta)
    return number


def section_strategy(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    """A random subset of a section's numeric fields, each within its bounds."""
    fields = {
        name: strategy
        for name in model.model_fields
        if (strategy := number_strategy(model, name)) is not None
    }
    return st.fixed_dictionaries({}, optional=fields)


SECTIONS = {
    "war": War,
    "air_defense": AirDefense,
    "economy": Economy,
    "beliefs": Beliefs,
    "blame": Blame,
    "face": Face,
    "bargaining": Bargaining,
    "truce": Truce,
}
probability = st.floats(0, 1)
rationality = st.one_of(
    st.just(0.0), st.floats(0, 1), st.floats(1, 50), st.floats(50, 1000), st.just(1e6)
)


@st.composite
def valid_scenarios(draw) -> dict[str, Any]:
    """A scenario document that validates: random actors, parameters, actions and events."""
    horizon = draw(st.integers(1, 400))
    supporters = [f"sup{i}" for i in range(draw(st.integers(1, 5)))]

    def actor(role: str, **extra: Any) -> dict[str, Any]:
        body = {
            "role": role,
            "weakness_aversion": draw(probability),
            "blame_sensitivity": draw(probability),
            "initial_blame": draw(st.floats(0, 2)),
            "disabled_actions": draw(st.lists(st.sampled_from(ACTIONS_BY_ROLE[role]), unique=True)),
        }
        return body | {key: draw(strategy) for key, strategy in extra.items()}

    sincere = draw(probability)
    actors = {
        "agg": actor(
            "aggressor",
            core_demand=probability,
            strike_priority=probability,
        )
        | {"types": {"stalling": 1 - sincere, "sincere": sincere}},
        "coe": actor(
            "coercer",
            credulity=probability,
            belief_prior=probability,
            summit_forgiveness=probability,
            sanction_cost=st.floats(0, 1),
            deadline_extension_days=st.integers(1, 365),
        ),
        "def": actor("defender", refinery_campaign=probability),
    }
    for name in supporters:
        actors[name] = actor(
            "supporter",
            air_defense_capacity=st.floats(0, 100),
            sanctions_capacity=probability,
            guarantee_strength=probability,
        )
    day = st.integers(0, horizon - 1)
    givers = ["coe", *supporters]
    event_kinds = [
        st.builds(lambda d: {"day": d, "kind": "deadline", "by": "coe", "against": "agg"}, day),
        st.builds(
            lambda d, by, later: {
                "day": d,
                "kind": "summit_offer",
                "by": by,
                "to": "coe" if by == "agg" else "agg",
                "held_on": None if later is None else min(d + later, horizon - 1),
            },
            day,
            st.just("agg"),
            st.none() | st.integers(0, 30),
        ),
        st.builds(
            lambda d, extra: {"day": d, "kind": "summit", "between": ["agg", "coe", *extra]},
            day,
            st.lists(st.sampled_from(["def", *supporters]), unique=True, max_size=2),
        ),
        st.builds(
            lambda d, length, monitored: {
                "day": d,
                "kind": "moratorium",
                "length_days": length,
                "monitored": monitored,
            },
            day,
            st.none() | st.integers(1, 200),
            st.booleans(),
        ),
        st.builds(
            lambda d, by, amount: {
                "day": d,
                "kind": "aid_package",
                "by": by,
                "to": "def",
                "air_defense": amount,
            },
            day,
            st.sampled_from(givers),
            st.floats(0, 200),
        ),
        st.builds(
            lambda d, by, level: {
                "day": d,
                "kind": "sanctions",
                "by": by,
                "against": "agg",
                "level": level,
            },
            day,
            st.sampled_from(givers),
            probability,
        ),
    ]
    document = {
        "name": "random",
        "start_date": dt.date(2025, 8, 7),
        "horizon_days": horizon,
        "actors": actors,
        "events": draw(st.lists(st.one_of(event_kinds), max_size=6)),
        "decision": draw(section_strategy(Decision)) | {"rationality": draw(rationality)},
    }
    for name, model in SECTIONS.items():
        document[name] = draw(section_strategy(model))
    return document


def check_run(scenario: Scenario, worlds: int = 64, seed: int = 0) -> dict[str, np.ndarray]:
    """Step ``scenario`` to its horizon, checking the state every day; check the summary rows."""
    model = NegotiationModel(scenario, worlds=worlds, rng=seed)
    assert model.state.check() == [], "day 0"
    days = 0
    while model.running:
        model.step()
        days += 1
        problems = model.state.check()
        assert problems == [], f"day {model.state.day}: {problems}"
    assert days == scenario.horizon_days
    columns = summarise(model)
    check_summary(columns, model, scenario)
    return columns


COUNTS = (
    "casualties",
    "air_defense_delivered",
    "strikes_launched",
    "deadline_extensions",
    "rejections_aggressor",
    "rejections_defender",
)
UNIT = ("sanctions_level", "economic_pressure", "belief_sincere", "sanctions_success_prob")


def check_summary(columns: dict[str, np.ndarray], model: Any, scenario: Scenario) -> None:
    horizon = scenario.horizon_days
    for name, values in columns.items():
        values = np.asarray(values)
        assert values.shape == (model.state.n,), name
        if values.dtype.kind not in "fiu":
            continue
        if name.startswith("day_"):
            seen = values[~np.isnan(values)]
            assert ((seen >= 0) & (seen <= horizon)).all(), (name, seen)
        else:
            assert not np.isnan(values).any(), f"NaN in {name}"
    blame = np.column_stack([columns[f"blame_{name}"] for name in scenario.actors])
    assert ((blame >= -1e-9) & (blame <= 1 + 1e-9)).all()
    assert np.allclose(blame.sum(axis=1), 1.0)
    start = np.broadcast_to(np.asarray(model.world.war.territory_start_pct, float), blame.shape[0])
    territory = start + columns["territory_change"]
    assert ((territory >= -1e-6) & (territory <= 100 + 1e-6)).all(), territory
    for name in COUNTS:
        if name in columns:
            assert (np.asarray(columns[name]) >= 0).all(), name
    for name in UNIT:
        if name in columns:
            values = np.asarray(columns[name], float)
            assert ((values >= -1e-9) & (values <= 1 + 1e-9)).all(), name


@MODEL
@given(document=valid_scenarios(), seed=st.integers(0, 2**32))
def test_random_valid_scenarios_keep_the_invariants_every_day(document, seed):
    scenario = Scenario.model_validate(document)
    assert scenario.semantic_errors() == []
    check_run(scenario, worlds=64, seed=seed)


@settings(MODEL, max_examples=20)
@given(document=valid_scenarios())
def test_random_valid_scenarios_round_trip_through_the_loader(folder, document):
    """What the generator draws is valid for the loader too, and loads to the same scenario."""
    loaded = load_or_error(write_yaml(folder, document))
    assert isinstance(loaded, Scenario), str(loaded)
    assert loaded == Scenario.model_validate(document)


# --- (c) extreme but valid scenarios --------------------------------------------------------------


def minimal(*overrides: str) -> Scenario:
    return load_scenario(MINIMAL, overrides)


def supporters(count: int) -> list[str]:
    """Overrides giving the minimal scenario ``count`` supporters (it has one, ``eu``)."""
    if count == 0:
        return ["actors={agg: {role: aggressor}, us: {role: coercer}, def: {role: defender}}"]
    return [
        f"actors.eu{i}={{role: supporter, air_defense_capacity: {5 * i}}}" for i in range(1, count)
    ]


EXTREMES = {
    "no-supporter": supporters(0),
    "one-supporter": supporters(1),
    "five-supporters": supporters(5),
    "one-day": ["horizon_days=1", "events.0.day=0"],
    "rationality-zero": ["decision.rationality=0.0"],
    "rationality-1000": ["decision.rationality=1000"],
    "rationality-huge": ["decision.rationality=1e6"],
    "no-events": ["events=[]"],
    "every-optional-action-disabled": [
        f"actors.{name}.disabled_actions=[{', '.join(ACTIONS_BY_ROLE[role])}]"
        for name, role in (
            ("agg", "aggressor"),
            ("us", "coercer"),
            ("def", "defender"),
            ("eu", "supporter"),
        )
    ],
    "every-event-kind": [
        "horizon_days=60",
        "events=["
        "{day: 0, kind: summit_offer, by: agg, to: us, held_on: 3},"
        "{day: 1, kind: deadline, by: us, against: agg},"
        "{day: 5, kind: summit, between: [agg, us, def]},"
        "{day: 6, kind: moratorium, length_days: 10, monitored: true},"
        "{day: 7, kind: aid_package, by: eu, to: def, air_defense: 50},"
        "{day: 8, kind: sanctions, by: eu, against: agg, level: 1}]",
    ],
    "all-probabilities-at-zero": [
        "actors.agg.weakness_aversion=0",
        "actors.agg.blame_sensitivity=0",
        "actors.agg.initial_blame=0",
        "actors.us.initial_blame=0",
        "actors.def.initial_blame=0",
        "actors.eu.initial_blame=0",
        "actors.agg.types={stalling: 1, sincere: 0}",
        "actors.us.belief_prior=0",
        "actors.us.credulity=0",
    ],
    "all-probabilities-at-one": [
        "actors.agg.weakness_aversion=1",
        "actors.agg.types={stalling: 0, sincere: 1}",
        "actors.us.belief_prior=1",
        "actors.us.credulity=1",
        "economy.sanctions_success=1",
        "truce.moratorium_hazard_per_day=1",
        "truce.settlement_hazard_per_day=1",
    ],
}


@pytest.mark.parametrize("overrides", EXTREMES.values(), ids=EXTREMES.keys())
def test_extreme_scenarios_run_and_keep_the_invariants(overrides):
    scenario = minimal(*overrides)
    check_run(scenario, worlds=64, seed=3)


def test_three_years_run_and_keep_the_invariants():
    scenario = load_scenario(ROOT / "scenarios" / "summit.yaml", ["horizon_days=1095"])
    check_run(scenario, worlds=8, seed=5)


def test_the_longest_horizon_allowed_runs():
    scenario = minimal("horizon_days=3650", "events=[]")
    check_run(scenario, worlds=2, seed=7)


def test_extreme_supporter_counts_have_the_right_actors():
    assert len(minimal(*supporters(0)).actors) == 3
    assert len(minimal(*supporters(5)).actors) == 8
    assert math.isclose(minimal(*EXTREMES["rationality-1000"]).decision.rationality, 1000)


def test_the_generator_sees_the_schema_bounds():
    """The probing in ``number_strategy`` sees the schema's bounds (a guard for the generator)."""
    assert number_strategy(Truce, "monitoring_effect") is not None
    assert not probe(Truce, "monitoring_effect", 0.5)
    assert not probe(Economy, "sanctions_success", 1.5)
    assert probe(War, "casualties_per_day", 5000)
