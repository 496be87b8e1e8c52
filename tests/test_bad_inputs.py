"""The catalogue of bad inputs (issue 6): each gets one short ``error:`` line and exit status 2.

Every case runs ``sim validate FILE`` in-process (typer's CliRunner) in an empty folder and checks:
exit status 2; stderr is one line, ``error: <file>[:<line>]: [<field>: ]<message>``, with the
words that name the problem; no traceback; nothing written; answered within seconds. The
costliest cases (alias bombs, huge, deep or binary files) also check peak memory, and a few run
the real command line in a subprocess under a 512 MB address-space limit.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel
from typer.testing import CliRunner

from sim.cli import MAX_RUNS, app
from sim.scenario.loading import MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES, ScenarioError, load_scenario
from sim.scenario.schema import Scenario

try:
    import resource
except ImportError:  # pragma: no cover - not on Windows
    resource = None

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = Path(__file__).parent / "data" / "minimal.yaml"
TEXT = MINIMAL.read_text(encoding="utf-8")
SECONDS = 60.0
"""A bound only a hang or a blow-up would cross (a billion laughs expanded takes hours): not a
speed test. Answers take milliseconds on a quiet machine, but seconds under a load of 15."""
PEAK_BYTES = 64_000_000
"""Peak memory (tracemalloc) allowed while answering the costliest bad inputs."""


def edit(old: str, new: str, text: str = TEXT) -> str:
    """``text`` with ``old`` (which must occur) replaced by ``new``."""
    assert old in text, old
    return text.replace(old, new)


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing ``needle``."""
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


@dataclasses.dataclass
class Case:
    """One bad input for ``sim validate``."""

    id: str
    content: str | bytes
    words: tuple[str, ...]
    """words the message must contain"""
    line: int | str | None = None
    """the line the message points at: a number, or a needle whose first line it is"""
    field: str | None = None
    """the dotted field the message names"""
    others: dict[str, str | bytes] = dataclasses.field(default_factory=dict)
    """more files next to the bad one (for ``extends``)"""
    file: str | None = None
    """the file the message names, if not the bad one (relative to the folder)"""


def bomb(levels: int = 9, width: int = 9, indent: str = "") -> str:
    """A "billion laughs": ``levels`` anchors, each a list of ``width`` aliases of the previous."""
    lines = [f"{indent}l0: &l0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        aliases = ", ".join([f"*l{level - 1}"] * width)
        lines.append(f"{indent}l{level}: &l{level} [{aliases}]")
    return "\n".join(lines) + "\n"


def nested_bomb() -> str:
    """An alias bomb inside a field the schema walks (an actor's label)."""
    return edit("    role: defender\n", "    role: defender\n    label:\n" + bomb(indent="      "))


WAR = "war:\n  casualties_per_day: {}\n"

CASES: list[Case] = [
    # --- empty and not YAML at all --------------------------------------------------------------
    Case("empty", b"", ("empty",)),
    Case("whitespace-only", b"   \n\t\n  \r\n", ("empty",)),
    Case("comments-only", b"# a comment\n   # another\n\n", ("empty",)),
    Case("document-marker-only", b"---\n...\n", ("empty",)),
    # --- YAML syntax ----------------------------------------------------------------------------
    Case("bad-indentation", "name: x\n  horizon_days: 3\n", ("invalid YAML",), 2),
    Case(
        "bad-indentation-in-actor",
        edit("    role: coercer", "  role: coercer"),
        ("invalid YAML", "mapping values are not allowed"),
        "weakness_aversion: 0.7",  # where the parser gives up
    ),
    Case(
        "unclosed-bracket",
        edit("by: us", "by: [us"),
        ("invalid YAML", "flow sequence", "on line 19"),
        "against: agg",
    ),
    Case("unclosed-brace", "name: x\nactors: {a: 1\n", ("invalid YAML",), 3),
    Case("unclosed-quote", 'name: "Minimal\nhorizon_days: 3\n', ("invalid YAML",), 3),
    Case("tab-indentation", edit("    role: coercer", "\trole: coercer"), ("tab",), "\trole"),
    Case("tab-after-key", "name: x\nactors:\n\tagg: {}\n", ("tab", "spaces"), 3),
    Case("two-documents", TEXT + "---\nname: again\n", ("invalid YAML", "single document"), 21),
    Case("key-is-a-list", TEXT + "? [a, b]\n: 1\n", ("plain name",), 21),
    # --- a list (or a scalar) where a mapping belongs, and the reverse --------------------------
    Case("top-level-list", "- name: x\n- horizon_days: 3\n", ("mapping", "got a list"), 1),
    Case("top-level-text", "just a sentence\n", ("mapping", "got 'just a sentence'"), 1),
    Case(
        "actors-as-list",
        "name: x\nstart_date: 2025-08-07\nhorizon_days: 3\nactors: [a, b]\n",
        ("expected a mapping", "got a list"),
        4,
        "actors",
    ),
    Case(
        "actor-as-list",
        edit("  us:\n    role: coercer\n    weakness_aversion: 0.7\n", "  us: [coercer, 0.7]\n"),
        ("expected a mapping", "got a list"),
        "us: [coercer",
        "actors.us",
    ),
    Case(
        "events-as-mapping",
        TEXT.split("events:")[0]
        + "events:\n  day: 1\n  kind: deadline\n  by: us\n  against: agg\n",
        ("expected a list", "got a mapping"),
        "events:",
        "events",
    ),
    Case(
        "section-as-list",
        TEXT + "war: [casualties_per_day, 3]\n",
        ("expected a mapping", "got a list"),
        21,
        "war",
    ),
    Case(
        "types-as-number",
        edit("weakness_aversion: 0.8", "types: 0.8"),
        ("expected a mapping", "got 0.8"),
        "types: 0.8",
        "actors.agg.types",
    ),
    # --- unknown keys at any depth, with the closest valid name ---------------------------------
    Case(
        "unknown-top-level-key",
        edit("horizon_days: 30", "horizon: 30"),
        ("unknown field 'horizon'", "did you mean 'horizon_days'?"),
        "horizon: 30",
        "horizon",
    ),
    Case(
        "unknown-actor-key",
        edit("weakness_aversion: 0.7", "credulty: 0.7"),
        ("unknown field 'credulty'", "did you mean 'credulity'?"),
        "credulty",
        "actors.us.credulty",
    ),
    Case(
        "key-of-another-role",
        edit("    role: defender", "    role: defender\n    credulity: 0.5"),
        ("unknown field 'credulity'",),
        "credulity",
        "actors.def.credulity",
    ),
    Case(
        "unknown-section-key",
        TEXT + "war:\n  casualties_per_dy: 1000\n",
        ("unknown field 'casualties_per_dy'", "did you mean 'casualties_per_day'?"),
        22,
        "war.casualties_per_dy",
    ),
    Case(
        "unknown-types-key",
        edit("weakness_aversion: 0.8", "types: {stalling: 0.8, sincre: 0.2}"),
        ("unknown field 'sincre'", "did you mean 'sincere'?"),
        "sincre",
        "actors.agg.types.sincre",
    ),
    Case(
        "unknown-event-key",
        edit("    against: agg", "    against: agg\n    treat: sanctions"),
        ("unknown field 'treat'", "did you mean 'threat'?"),
        "treat",
        "events.0.treat",
    ),
    Case(
        "unknown-distribution-key",
        edit("weakness_aversion: 0.8", "weakness_aversion: {dist: beta, a: 2, b: 5, c: 1}"),
        ("unknown field 'c'",),
        "dist: beta",
        "actors.agg.weakness_aversion.c",
    ),
    Case(
        "unknown-section",
        TEXT + "warfare:\n  casualties_per_day: 1000\n",
        ("unknown field 'warfare'", "did you mean 'war'?"),
        21,
        "warfare",
    ),
    # --- wrong types ----------------------------------------------------------------------------
    Case(
        "name-as-list",
        edit("name: Minimal test scenario", "name: [Minimal]"),
        ("expected text", "got a list"),
        2,
        "name",
    ),
    Case(
        "horizon-as-text",
        edit("horizon_days: 30", "horizon_days: thirty"),
        ("expected a whole number", "got 'thirty'"),
        4,
        "horizon_days",
    ),
    Case(
        "horizon-fractional",
        edit("horizon_days: 30", "horizon_days: 30.5"),
        ("expected a whole number", "got 30.5"),
        4,
        "horizon_days",
    ),
    Case(
        "probability-as-text",
        edit("weakness_aversion: 0.8", "weakness_aversion: high"),
        ("expected a number", "got 'high'"),
        "weakness_aversion: high",
        "actors.agg.weakness_aversion",
    ),
    Case(
        "bool-as-text",
        TEXT + "  - {day: 2, kind: moratorium, monitored: perhaps}\n",
        ("expected true or false", "got 'perhaps'"),
        21,
        "events.1.monitored",
    ),
    Case(
        "label-as-number",
        edit("    role: defender", "    role: defender\n    label: 5"),
        ("expected text", "got 5"),
        "label: 5",
        "actors.def.label",
    ),
    Case(
        "disabled-actions-as-text",
        edit("weakness_aversion: 0.8", "disabled_actions: offer_summit"),
        ("expected a list", "got 'offer_summit'"),
        "disabled_actions",
        "actors.agg.disabled_actions",
    ),
    Case(
        "unknown-disabled-action",
        edit("weakness_aversion: 0.8", "disabled_actions: [offer_sumit]"),
        ("unknown action 'offer_sumit' for the aggressor", "did you mean 'offer_summit'?"),
        "disabled_actions",
        "actors.agg.disabled_actions",
    ),
    Case(
        "unknown-role",
        edit("role: supporter", "role: suporter"),
        ("unknown role 'suporter'", "did you mean 'supporter'?"),
        "suporter",
        "actors.eu.role",
    ),
    Case(
        "missing-role",
        edit("    role: supporter\n", "    weakness_aversion: 0.3\n"),
        ("missing 'role'",),
        "  eu:",
        "actors.eu.role",
    ),
    Case(
        "missing-required-field",
        edit("horizon_days: 30\n", ""),
        ("required field is missing",),
        None,
        "horizon_days",
    ),
    # --- out of range ---------------------------------------------------------------------------
    Case(
        "horizon-negative",
        edit("horizon_days: 30", "horizon_days: -5"),
        ("expected a number >= 1", "got -5"),
        4,
        "horizon_days",
    ),
    Case(
        "horizon-zero",
        edit("horizon_days: 30", "horizon_days: 0"),
        ("expected a number >= 1", "got 0"),
        4,
        "horizon_days",
    ),
    Case(
        "horizon-absurdly-long",
        edit("horizon_days: 30", "horizon_days: 1000000"),
        ("expected a number <= 3650", "got 1000000"),
        4,
        "horizon_days",
    ),
    Case(
        "horizon-astronomical",
        edit("horizon_days: 30", "horizon_days: 100000000000000000000000000000"),
        ("expected a number <= 3650", "30 digits"),
        4,
        "horizon_days",
    ),
    Case(
        "number-too-long-to-read",
        edit("horizon_days: 30", "horizon_days: " + "9" * 5000),
        ("too long",),
        4,
        "horizon_days",
    ),
    Case(
        "probability-above-1",
        edit("weakness_aversion: 0.7", "weakness_aversion: 1.5"),
        ("expected a probability in [0, 1], got 1.5",),
        "weakness_aversion: 1.5",
        "actors.us.weakness_aversion",
    ),
    Case(
        "probability-below-0",
        edit("weakness_aversion: 0.8", "weakness_aversion: -0.1"),
        ("expected a probability in [0, 1], got -0.1",),
        "weakness_aversion: -0.1",
        "actors.agg.weakness_aversion",
    ),
    Case(
        "event-probability-above-1",
        TEXT + "  - {day: 2, kind: sanctions, by: us, against: agg, level: 2}\n",
        ("expected a probability in [0, 1], got 2",),
        21,
        "events.1.level",
    ),
    Case(
        "negative-count",
        TEXT + WAR.format(-100),
        ("expected a number >= 0", "got -100"),
        22,
        "war.casualties_per_day",
    ),
    Case(
        "type-priors-do-not-sum-to-1",
        edit("weakness_aversion: 0.8", "types: {stalling: 0.5, sincere: 0.2}"),
        ("sum to 1", "0.5 + 0.2"),
        "types:",
        "actors.agg.types",
    ),
    Case(
        "type-prior-above-1",
        edit("weakness_aversion: 0.8", "types: {stalling: 1.2, sincere: -0.2}"),
        ("expected a number <= 1", "got 1.2"),
        "types:",
        "actors.agg.types.stalling",
    ),
    Case(
        "whole-number-below-its-minimum",
        edit("    role: coercer", "    role: coercer\n    deadline_extension_days: 0"),
        ("expected a number >= 1", "got 0"),
        "deadline_extension_days",
        "actors.us.deadline_extension_days",
    ),
    Case(
        "distribution-beyond-a-probability",
        edit("weakness_aversion: 0.8", "weakness_aversion: {dist: uniform, low: 0.5, high: 2}"),
        ("expected a probability in [0, 1]", "uniform on [0.5, 2.0]"),
        "dist: uniform",
        "actors.agg.weakness_aversion",
    ),
    Case(
        "unbounded-normal-for-a-probability",
        edit("weakness_aversion: 0.8", "weakness_aversion: {dist: normal, mean: 0.5, sd: 0.1}"),
        ("expected a probability in [0, 1]", "normal on [-inf, inf]"),
        "dist: normal",
        "actors.agg.weakness_aversion",
    ),
    # --- invalid distribution parameters --------------------------------------------------------
    Case(
        "beta-a-zero",
        edit("weakness_aversion: 0.8", "weakness_aversion: {dist: beta, a: 0, b: 2}"),
        ("expected a number > 0", "got 0"),
        "dist: beta",
        "actors.agg.weakness_aversion.a",
    ),
    Case(
        "beta-b-negative",
        edit("weakness_aversion: 0.8", "weakness_aversion: {dist: beta, a: 2, b: -1}"),
        ("expected a number > 0", "got -1"),
        "dist: beta",
        "actors.agg.weakness_aversion.b",
    ),
    Case(
        "uniform-low-equals-high",
        edit("weakness_aversion: 0.8", "weakness_aversion: {dist: uniform, low: 0.5, high: 0.5}"),
        ("uniform needs low < high",),
        "dist: uniform",
        "actors.agg.weakness_aversion",
    ),
    Case(
        "uniform-low-above-high",
        TEXT + WAR.format("{dist: uniform, low: 2000, high: 1000}"),
        ("uniform needs low < high", "low=2000.0, high=1000.0"),
        22,
        "war.casualties_per_day",
    ),
    Case(
        "triangular-mode-outside",
        TEXT + WAR.format("{dist: triangular, low: 1000, mode: 3000, high: 2000}"),
        ("triangular needs low <= mode <= high",),
        22,
        "war.casualties_per_day",
    ),
    Case(
        "normal-sd-zero",
        TEXT + WAR.format("{dist: normal, mean: 1400, sd: 0}"),
        ("expected a number > 0", "got 0"),
        22,
        "war.casualties_per_day.sd",
    ),
    Case(
        "normal-sd-negative",
        TEXT + WAR.format("{dist: normal, mean: 1400, sd: -250}"),
        ("expected a number > 0", "got -250"),
        22,
        "war.casualties_per_day.sd",
    ),
    Case(
        "normal-truncation-reversed",
        TEXT + WAR.format("{dist: normal, mean: 1400, sd: 250, low: 2000, high: 1000}"),
        ("normal needs low < high",),
        22,
        "war.casualties_per_day",
    ),
    Case(
        "unknown-distribution",
        TEXT + WAR.format("{dist: gamma, shape: 2}"),
        ("unknown dist 'gamma'", "beta, uniform, normal, triangular"),
        22,
        "war.casualties_per_day.dist",
    ),
    Case(
        "misspelt-distribution",
        TEXT + WAR.format("{dist: normall, mean: 1, sd: 1}"),
        ("unknown dist 'normall'", "did you mean 'normal'?"),
        22,
        "war.casualties_per_day.dist",
    ),
    Case(
        "distribution-without-dist",
        TEXT + WAR.format("{mean: 1400, sd: 250}"),
        ("missing 'dist'",),
        22,
        "war.casualties_per_day.dist",
    ),
    Case(
        "distribution-missing-parameter",
        TEXT + WAR.format("{dist: normal, mean: 1400}"),
        ("required field is missing",),
        22,
        "war.casualties_per_day.sd",
    ),
    Case(
        "distribution-for-a-whole-number",
        edit("horizon_days: 30", "horizon_days: {dist: uniform, low: 10, high: 20}"),
        ("expected a whole number", "got a mapping"),
        4,
        "horizon_days",
    ),
    # --- events ---------------------------------------------------------------------------------
    Case(
        "event-on-the-horizon",
        edit("  - day: 1", "  - day: 30"),
        ("day 30 is past the horizon", "horizon_days=30"),
        "day: 30",
        "events.0.day",
    ),
    Case(
        "event-far-past-the-horizon",
        edit("  - day: 1", "  - day: 100000"),
        ("past the horizon",),
        "day: 100000",
        "events.0.day",
    ),
    Case(
        "event-before-day-0",
        edit("  - day: 1", "  - day: -1"),
        ("expected a number >= 0", "got -1"),
        "day: -1",
        "events.0.day",
    ),
    Case(
        "summit-held-before-offered",
        TEXT + "  - {day: 5, kind: summit_offer, by: agg, to: us, held_on: 3}\n",
        ("held_on 3 is before day 5",),
        21,
        "events.1.held_on",
    ),
    Case(
        "summit-held-past-the-horizon",
        TEXT + "  - {day: 5, kind: summit_offer, by: agg, to: us, held_on: 40}\n",
        ("held_on 40 is past the horizon",),
        21,
        "events.1.held_on",
    ),
    Case(
        "event-unknown-actor",
        edit("against: agg", "against: russia"),
        ("unknown actor 'russia'", "agg, us, def, eu"),
        "against: russia",
        "events.0.against",
    ),
    Case(
        "summit-unknown-actor",
        TEXT + "  - {day: 5, kind: summit, between: [agg, usa]}\n",
        ("unknown actor 'usa'",),
        21,
        "events.1.between",
    ),
    Case(
        "unknown-event-kind",
        edit("kind: deadline", "kind: ultimatum"),
        ("unknown kind 'ultimatum'", "deadline, summit_offer"),
        "kind: ultimatum",
        "events.0.kind",
    ),
    Case(
        "event-kind-read-as-boolean",
        edit("kind: deadline", "kind: yes"),
        ("unknown kind true (YAML reads yes, no, on and off as booleans)", "summit_offer"),
        "kind: yes",
        "events.0.kind",
    ),
    Case(
        "role-read-as-boolean",
        edit("role: supporter", "role: no"),
        ("unknown role false (YAML reads yes",),
        "role: no",
        "actors.eu.role",
    ),
    Case(
        "event-without-kind",
        edit("    kind: deadline\n", ""),
        ("missing 'kind'",),
        "- day: 1",
        "events.0.kind",
    ),
    Case(
        "event-missing-actor",
        edit("    against: agg\n", ""),
        ("required field is missing",),
        "- day: 1",
        "events.0.against",
    ),
    Case(
        "summit-of-one",
        TEXT + "  - {day: 5, kind: summit, between: [agg]}\n",
        ("at least 2 items",),
        21,
        "events.1.between",
    ),
    # role rules, one per event kind and field
    Case(
        "deadline-by-the-defender",
        edit("by: us", "by: def"),
        ("'def' is the defender", "a deadline is set by the coercer"),
        "by: def",
        "events.0.by",
    ),
    Case(
        "deadline-against-a-supporter",
        edit("against: agg", "against: eu"),
        ("'eu' is a supporter", "against the aggressor"),
        "against: eu",
        "events.0.against",
    ),
    Case(
        "summit-offered-by-the-defender-to-the-coercer",
        TEXT + "  - {day: 2, kind: summit_offer, by: def, to: us}\n",
        ("offered by the aggressor or to it", "'def' offers 'us'"),
        21,
        "events.1.to",
    ),
    Case(
        "summit-offered-by-a-supporter",
        TEXT + "  - {day: 2, kind: summit_offer, by: eu, to: agg}\n",
        ("'eu' is a supporter", "offered by the aggressor, the coercer or the defender"),
        21,
        "events.1.by",
    ),
    Case(
        "summit-offered-to-a-supporter",
        TEXT + "  - {day: 2, kind: summit_offer, by: agg, to: eu}\n",
        ("'eu' is a supporter", "offered to the coercer"),
        21,
        "events.1.to",
    ),
    Case(
        "summit-offered-to-itself",
        TEXT + "  - {day: 2, kind: summit_offer, by: agg, to: agg}\n",
        ("'agg' cannot offer a summit to itself",),
        21,
        "events.1.to",
    ),
    Case(
        "summit-without-the-coercer",
        TEXT + "  - {day: 2, kind: summit, between: [agg, def]}\n",
        ("between the aggressor and the coercer", "add 'us'"),
        21,
        "events.1.between",
    ),
    Case(
        "summit-naming-an-actor-twice",
        TEXT + "  - {day: 2, kind: summit, between: [agg, us, agg]}\n",
        ("'agg' is named twice",),
        21,
        "events.1.between.2",
    ),
    Case(
        "aid-by-the-aggressor",
        TEXT + "  - {day: 2, kind: aid_package, by: agg, to: def, air_defense: 10}\n",
        ("'agg' is the aggressor", "aid is sent by the coercer or a supporter"),
        21,
        "events.1.by",
    ),
    Case(
        "aid-to-the-coercer",
        TEXT + "  - {day: 2, kind: aid_package, by: eu, to: us, air_defense: 10}\n",
        ("'us' is the coercer", "aid is sent to the defender"),
        21,
        "events.1.to",
    ),
    Case(
        "sanctions-by-the-defender",
        TEXT + "  - {day: 2, kind: sanctions, by: def, against: agg}\n",
        ("'def' is the defender", "imposed by the coercer or a supporter"),
        21,
        "events.1.by",
    ),
    Case(
        "sanctions-against-the-coercer",
        TEXT + "  - {day: 2, kind: sanctions, by: eu, against: us}\n",
        ("'us' is the coercer", "imposed on the aggressor"),
        21,
        "events.1.against",
    ),
    # the record's event kinds (issue 22)
    Case(
        "summit-offered-to-a-supporter-by-the-defender",
        TEXT + "  - {day: 2, kind: summit_offer, by: def, to: eu}\n",
        ("'eu' is a supporter", "offered to the coercer or the aggressor"),
        21,
        "events.1.to",
    ),
    Case(
        "aid-paused-by-a-supporter",
        TEXT + "  - {day: 2, kind: aid_pause, by: eu, to: def}\n",
        ("'eu' is a supporter", "aid is paused by the coercer"),
        21,
        "events.1.by",
    ),
    Case(
        "aid-paused-above-normal",
        TEXT + "  - {day: 2, kind: aid_pause, by: us, to: def, level: 1.5}\n",
        ("expected a probability in [0, 1]", "got 1.5"),
        21,
        "events.1.level",
    ),
    Case(
        "aid-resumed-to-the-aggressor",
        TEXT + "  - {day: 2, kind: aid_resume, by: us, to: agg}\n",
        ("'agg' is the aggressor", "aid to the defender is resumed"),
        21,
        "events.1.to",
    ),
    Case(
        "truce-declared-by-the-defender",
        TEXT + "  - {day: 2, kind: unilateral_truce, by: def, length_days: 2}\n",
        ("'def' is the defender", "declared by the aggressor"),
        21,
        "events.1.by",
    ),
    Case(
        "truce-without-a-length",
        TEXT + "  - {day: 2, kind: unilateral_truce, by: agg}\n",
        ("required field is missing",),
        21,
        "events.1.length_days",
    ),
    Case(
        "truce-of-no-days",
        TEXT + "  - {day: 2, kind: unilateral_truce, by: agg, length_days: 0}\n",
        ("expected a number >= 1", "got 0"),
        21,
        "events.1.length_days",
    ),
    Case(
        "talks-without-the-defender",
        TEXT + "  - {day: 2, kind: talks, between: [agg, us]}\n",
        ("between the aggressor and the defender", "add 'def'"),
        21,
        "events.1.between",
    ),
    Case(
        "talks-naming-an-actor-twice",
        TEXT + "  - {day: 2, kind: talks, between: [agg, def, agg]}\n",
        ("'agg' is named twice",),
        21,
        "events.1.between.2",
    ),
    Case(
        "talks-with-an-unknown-actor",
        TEXT + "  - {day: 2, kind: talks, between: [agg, kyiv]}\n",
        ("unknown actor 'kyiv'",),
        21,
        "events.1.between",
    ),
    Case(
        "package-by-the-coercer",
        TEXT + "  - {day: 2, kind: sanctions_package, by: us, against: agg}\n",
        ("'us' is the coercer", "adopted by a supporter"),
        21,
        "events.1.by",
    ),
    Case(
        "package-against-the-defender",
        TEXT + "  - {day: 2, kind: sanctions_package, by: eu, against: def}\n",
        ("'def' is the defender", "targets the aggressor"),
        21,
        "events.1.against",
    ),
    Case(
        "deadline-announced-after-it-falls",
        edit("    against: agg\n", "    against: agg\n    announced: 5\n"),
        ("announced 5 is after day 1",),
        "announced: 5",
        "events.0.announced",
    ),
    Case(
        "deadline-announced-past-the-horizon",
        edit("  - day: 1\n", "  - day: 40\n").replace(
            "    against: agg\n", "    against: agg\n    announced: 35\n"
        ),
        ("announced 35 is past the horizon", "horizon_days=30"),
        "announced: 35",
        "events.0.announced",
    ),
    # --- extends --------------------------------------------------------------------------------
    Case(
        "extends-missing-file",
        "extends: nowhere.yaml\n" + TEXT,
        ("nowhere.yaml': file not found",),
        1,
        "extends",
    ),
    Case(
        "extends-a-directory",
        "extends: folder\n" + TEXT,
        ("folder': it is a directory",),
        1,
        "extends",
        others={"folder/keep.txt": "x"},
    ),
    Case(
        "extends-a-text-file",
        "extends: notes.txt\n" + TEXT,
        ("expected a mapping of scenario fields", "got 'Remember to buy milk.'"),
        1,
        others={"notes.txt": "Remember to buy milk.\n"},
        file="notes.txt",
    ),
    Case(
        "extends-a-png",
        "extends: picture.png\n" + TEXT,
        ("not a UTF-8 text file",),
        others={"picture.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\xff\xfe"},
        file="picture.png",
    ),
    Case(
        "extends-itself",
        "extends: bad.yaml\n" + TEXT,
        ("extends cycle: ", "bad.yaml -> ", "bad.yaml"),
        1,
        "extends",
    ),
    Case(
        "extends-cycle-of-three",
        "extends: b.yaml\n" + TEXT,
        ("extends cycle: ", "bad.yaml -> ", "b.yaml -> ", "c.yaml -> "),
        2,
        "extends",
        others={"b.yaml": "extends: c.yaml\n", "c.yaml": "name: C\nextends: bad.yaml\n"},
        file="c.yaml",
    ),
    Case(
        "extends-a-number",
        "extends: 3\n" + TEXT,
        ("expected the name of a scenario file to extend", "got 3"),
        1,
        "extends",
    ),
    Case(
        "extends-nothing",
        "extends:\n" + TEXT,
        ("expected the name of a scenario file to extend", "null"),
        1,
        "extends",
    ),
    Case(
        "extends-an-endless-chain",
        "extends: p0.yaml\n" + TEXT,
        ("more than 20 files extend one another",),
        1,
        "extends",
        others={f"p{i}.yaml": f"extends: p{i + 1}.yaml\n" for i in range(30)},
        file="p19.yaml",  # bad.yaml, p0, ..., p19: the 21st file
    ),
    # --- duplicate keys (YAML loaders silently keep the last) -----------------------------------
    Case(
        "duplicate-top-level-key",
        TEXT + "horizon_days: 60\n",
        ("duplicate key 'horizon_days' on lines 4 and 21",),
        21,
        "horizon_days",
    ),
    Case(
        "duplicate-actor",
        TEXT.replace("  eu:\n    role: supporter\n", "  us:\n    role: supporter\n"),
        ("duplicate key 'us' on lines 9 and 14",),
        14,
        "actors.us",
    ),
    Case(
        "duplicate-actor-key",
        edit("    role: defender", "    role: defender\n    role: supporter"),
        ("duplicate key 'role' on lines 13 and 14",),
        14,
        "actors.def.role",
    ),
    Case(
        "duplicate-key-in-a-flow-mapping",
        TEXT + "  - {day: 2, kind: moratorium, day: 3}\n",
        ("duplicate key 'day' on lines 21 and 21",),
        21,
        "events.1.day",
    ),
    Case(
        "duplicate-key-in-a-distribution",
        TEXT + WAR.format("{dist: normal, mean: 1, sd: 1, sd: 2}"),
        ("duplicate key 'sd'",),
        22,
        "war.casualties_per_day.sd",
    ),
    # --- alias bombs, huge and deep documents ---------------------------------------------------
    Case("alias-bomb", bomb(), ("aliases (*name) expand to more than", "alias bomb"), None),
    Case("alias-bomb-in-a-field", nested_bomb(), ("alias bomb",), None),
    Case(
        "recursive-alias",
        TEXT + "description: &loop [*loop]\n",
        ("refers to its own anchor",),
        21,
        "description.0",
    ),
    Case(
        "file-too-large",
        TEXT + "# padding\n" * (MAX_FILE_BYTES // 10 + 1),
        ("file too large", "MB"),
    ),
    Case(
        "too-many-values",
        TEXT + "junk:\n" + "".join(f"  k{i}: [1, 2]\n" for i in range(MAX_VALUES // 2)),
        (f"too many values (more than {MAX_VALUES})",),
    ),
    Case(
        "deeply-nested-list",
        "description: " + "[" * 10_000 + "]" * 10_000 + "\n",
        (f"nested more than {MAX_DEPTH} levels deep",),
        1,
    ),
    Case(
        "deeply-nested-mapping",
        "description: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n",
        (f"nested more than {MAX_DEPTH} levels deep",),
        1,
    ),
    # --- binary garbage and other encodings -----------------------------------------------------
    Case(
        "random-bytes",
        random.Random(6).randbytes(4096),
        ("not a UTF-8 text file",),
    ),
    Case(
        "png-header",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
        ("not a UTF-8 text file",),
    ),
    Case("gzip-header", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", ("not a UTF-8 text file",)),
    Case("utf16-with-bom", TEXT.encode("utf-16"), ("UTF-16", "save it as UTF-8")),
    Case("utf16-without-bom", TEXT.encode("utf-16-le"), ("not a text file", "#x0000"), 1),
    Case("utf32-with-bom", TEXT.encode("utf-32"), ("UTF-32", "save it as UTF-8")),
    Case("nul-byte", TEXT.encode() + b"\x00\n", ("not a text file", "#x0000"), 21),
    Case("control-character", TEXT.encode() + b"x: \x07\n", ("not a text file", "#x0007"), 21),
    Case("latin-1", edit("Minimal", "Mínimal").encode("latin-1"), ("not a UTF-8 text file",), 2),
    # --- YAML tags that SafeLoader refuses ------------------------------------------------------
    Case(
        "python-object-tag",
        TEXT + "description: !!python/object/apply:os.system [echo hi]\n",
        ("!!python/object/apply:os.system is not allowed", "plain"),
        21,
        "description",
    ),
    Case(
        "python-object-document",
        "!!python/object:__main__.Scenario {name: x}\n",
        ("!!python/object:__main__.Scenario is not allowed",),
        1,
    ),
    Case(
        "python-name-tag-on-a-key",
        TEXT + "!!python/name:os.system : 1\n",
        ("!!python/name:os.system is not allowed",),
        21,
    ),
    Case(
        "binary-tag",
        edit("name: Minimal test scenario", "name: !!binary aGVsbG8="),
        ("!!binary is not allowed",),
        2,
        "name",
    ),
    Case("set-tag", TEXT + "description: !!set {a, b}\n", ("!!set is not allowed",), 21),
    Case(
        "custom-tag",
        edit("horizon_days: 30", "horizon_days: !days 30"),
        ("!days is not allowed",),
        4,
        "horizon_days",
    ),
    # --- dates ----------------------------------------------------------------------------------
    Case(
        "impossible-month",
        edit("2025-08-07", "2025-13-07"),
        ("invalid date '2025-13-07'", "month"),
        3,
        "start_date",
    ),
    Case(
        "impossible-day",
        edit("2025-08-07", "2025-02-30"),
        ("invalid date '2025-02-30'",),
        3,
        "start_date",
    ),
    Case(
        "date-as-words",
        edit("2025-08-07", "next Tuesday"),
        ("expected a date (YYYY-MM-DD)", "got 'next Tuesday'"),
        3,
        "start_date",
    ),
    Case(
        "date-without-dashes",
        edit("2025-08-07", "20250807"),
        ("expected a date (YYYY-MM-DD)",),
        3,
        "start_date",
    ),
    Case(
        "date-with-a-time",
        edit("2025-08-07", "2025-08-07T10:30:00"),
        ("without a time",),
        3,
        "start_date",
    ),
    Case(
        "horizon-past-the-year-9999",
        edit("2025-08-07", "9999-12-15"),
        ("past the year 9999",),
        3,
        "start_date",
    ),
    # --- actors ---------------------------------------------------------------------------------
    Case(
        "actor-name-is-a-number",
        edit("  eu:\n", "  1:\n"),
        ("a name must be text, got 1", "quotes"),
        14,
        "actors.1",
    ),
    Case(
        "actor-name-is-yes",
        edit("  eu:\n", "  yes:\n"),
        ("a name must be text, got true", "quotes"),
        14,
        "actors.true",
    ),
    Case(
        "actor-name-is-null",
        edit("  eu:\n", "  ~:\n"),
        ("a name must be text", "null"),
        14,
        "actors.null",
    ),
    Case(
        "actor-name-is-empty",
        edit("  eu:\n", "  '':\n"),
        ("name must not be empty",),
        14,
        "actors.''",
    ),
    Case(
        "actor-name-is-blank",
        edit("  eu:\n", "  '  ':\n"),
        ("name must not be empty",),
        14,
        "actors.'  '",
    ),
    Case(
        "actor-name-with-a-dot",
        edit("  eu:\n", "  e.u:\n"),
        ("cannot contain '.'",),
        14,
        "actors.'e.u'",
    ),
    Case(
        "top-level-key-is-a-number",
        TEXT + "1.5: x\n",
        ("a name must be text, got 1.5",),
        21,
    ),
    Case(
        "zero-actors",
        TEXT.split("actors:")[0] + "actors: {}\n",
        ("no actor has the role aggressor",),
        5,
        "actors",
    ),
    Case(
        "actors-null",
        TEXT.split("actors:")[0] + "actors:\n",
        ("expected a mapping", "null"),
        5,
        "actors",
    ),
    Case(
        "two-aggressors",
        edit("role: supporter", "role: aggressor"),
        ("exactly one actor with role aggressor, got 2: agg, eu",),
        15,
        "actors.eu.role",
    ),
    Case(
        "no-coercer",
        edit("role: coercer", "role: supporter"),
        ("no actor has the role coercer",),
        5,
        "actors",
    ),
]


def write_case(folder: Path, case: Case) -> Path:
    for name, content in case.others.items():
        other = folder / name
        other.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        other.write_bytes(data)
    path = folder / "bad.yaml"
    path.write_bytes(case.content.encode() if isinstance(case.content, str) else case.content)
    return path


def expected_prefix(folder: Path, path: Path, case: Case) -> str:
    """``<file>:<line>: `` or ``<file>: `` as the message must start (after ``error: ``)."""
    file = str(folder / case.file) if case.file else str(path)
    if case.line is None:
        return f"{file}"
    if isinstance(case.line, int):
        return f"{file}:{case.line}: "
    text = case.content if isinstance(case.content, str) else case.content.decode()
    return f"{file}:{line_of(text, case.line)}: "


def assert_one_error(code: int, stderr: str, *words: str) -> str:
    """Exit 2, one ``error:`` line with ``words``, no traceback; returns the message."""
    assert code == 2, stderr
    assert "Traceback" not in stderr
    assert stderr.startswith("error: "), stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    for word in words:
        assert word in stderr, f"{word!r} not in {stderr!r}"
    return stderr.strip().removeprefix("error: ")


@pytest.fixture
def runner(tmp_path, monkeypatch):
    """A CliRunner working in an empty folder, so anything written would show."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return CliRunner()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_validate_answers_a_bad_input_with_one_error_line(runner, tmp_path, case):
    folder = tmp_path / "in"
    folder.mkdir()
    path = write_case(folder, case)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    started = time.perf_counter()
    result = runner.invoke(app, ["validate", str(path)])
    elapsed = time.perf_counter() - started

    words = list(case.words)
    if case.field:
        words.append(f": {case.field}: ")
    message = assert_one_error(result.exit_code, result.stderr, *words)
    assert message.startswith(expected_prefix(folder, path, case)), message
    assert result.stdout == ""
    assert elapsed < SECONDS, f"{elapsed:.1f} s"
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


COSTLY = [
    "alias-bomb",
    "alias-bomb-in-a-field",
    "file-too-large",
    "too-many-values",
    "deeply-nested-list",
    "random-bytes",
]


@pytest.mark.parametrize("case_id", COSTLY)
def test_costly_bad_inputs_are_answered_in_bounded_memory(tmp_path, case_id):
    case = next(case for case in CASES if case.id == case_id)
    path = write_case(tmp_path, case)
    tracemalloc.start()
    try:
        with pytest.raises(ScenarioError):
            load_scenario(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK_BYTES, f"{peak / 1e6:.0f} MB"


def test_a_billion_laughs_is_refused_within_the_value_budget(tmp_path):
    """Ten levels of ten aliases would be 10**10 values; refused after MAX_VALUES steps."""
    path = tmp_path / "lol.yaml"
    path.write_text(TEXT + bomb(levels=10, width=10), encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(ScenarioError, match="alias bomb"):
        load_scenario(path)
    assert time.perf_counter() - started < SECONDS


def test_a_large_but_legitimate_description_is_fine(tmp_path):
    """The size limit is on the file, not on a long text: 900 kB of description loads."""
    padding = "".join(f"  line {i} of a long briefing for the class.\n" for i in range(18_000))
    text = TEXT + "description: |\n" + padding
    assert len(text.encode()) < MAX_FILE_BYTES
    path = tmp_path / "long.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    assert load_scenario(path).description.startswith("line 0 of")
    assert time.perf_counter() - started < SECONDS


def test_anchors_and_merge_keys_within_bounds_still_work(tmp_path):
    """Aliases are bounded, not banned: sharing settings with an anchor and ``<<`` is fine."""
    text = edit(
        "  us:\n    role: coercer\n    weakness_aversion: 0.7\n",
        "  us: &shared\n    role: coercer\n    weakness_aversion: 0.7\n",
    )
    text = edit(
        "  eu:\n    role: supporter\n", "  eu:\n    <<: *shared\n    role: supporter\n", text
    )
    path = tmp_path / "anchors.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_scenario(path).actors["eu"].weakness_aversion == 0.7


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_device_is_refused_as_too_large(runner):
    result = runner.invoke(app, ["validate", "/dev/zero"])
    assert_one_error(result.exit_code, result.stderr, "/dev/zero", "file too large")


def test_missing_file_and_directory(runner, tmp_path):
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert_one_error(result.exit_code, result.stderr, "nope.yaml: file not found")
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert_one_error(result.exit_code, result.stderr, f"{tmp_path}: is a directory")


# --- valid edge cases -----------------------------------------------------------------------------


def with_supporters(count: int) -> str:
    supporters = "".join(f"  eu{i}:\n    role: supporter\n" for i in range(count))
    return edit("  eu:\n    role: supporter\n", supporters)


@pytest.mark.parametrize("count", [0, 1, 5])
def test_any_number_of_supporters_is_valid(runner, tmp_path, count):
    path = tmp_path / "supporters.yaml"
    path.write_text(with_supporters(count), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{count + 3} actors" in result.stdout


def test_every_event_kind_with_its_roles_is_valid(tmp_path):
    text = TEXT + (
        "  - {day: 2, kind: summit_offer, by: agg, to: us, held_on: 5}\n"
        "  - {day: 6, kind: summit, between: [us, agg, def]}\n"
        "  - {day: 7, kind: moratorium, length_days: 10, monitored: true}\n"
        "  - {day: 8, kind: aid_package, by: eu, to: def, air_defense: 20}\n"
        "  - {day: 9, kind: aid_package, by: us, to: def, air_defense: 5}\n"
        "  - {day: 10, kind: sanctions, by: eu, against: agg, level: 0.3}\n"
        "  - {day: 11, kind: sanctions, by: us, against: agg}\n"
    )
    path = tmp_path / "events.yaml"
    path.write_text(text, encoding="utf-8")
    assert len(load_scenario(path).events) == 8


def test_bundled_scenarios_validate(runner):
    paths = sorted(str(p) for p in (ROOT / "scenarios").glob("*.yaml"))
    result = runner.invoke(app, ["validate", *paths])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("ok  ") == len(paths) >= 5


def test_utf8_with_a_bom_is_fine(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + TEXT.encode())
    assert load_scenario(path).name == "Minimal test scenario"


# --- bad --set overrides --------------------------------------------------------------------------

SETS = [
    ("horizon_days=abc", "horizon_days", ("expected a whole number", "got 'abc'")),
    ("horizon_days=", "horizon_days", ("expected a whole number", "null")),
    ("horizon_days=-3", "horizon_days", ("expected a number >= 1", "got -3")),
    ("horizon_days=1e9", "horizon_days", ("expected a number <= 3650", "got 1000000000.0")),
    ("actors.usa.credulity=2", "actors.usa.credulity", ("no 'usa' in actors", "'us'")),
    ("actors.us.credulity=2", "actors.us.credulity", ("expected a probability", "got 2")),
    ("actors.us.credulty=0.5", "actors.us.credulty", ("did you mean 'credulity'?",)),
    ("actors.us.credulity=.nan", "actors.us.credulity", ("expected a finite number", "nan")),
    ("war.casualties_per_day=inf", "war.casualties_per_day", ("expected a finite number",)),
    ("actors.new.role=supporter", "actors.new.role", ("no 'new' in actors", "actors.new={")),
    ("actors.us.role=aggressor", "actors.us.role", ("exactly one actor with role aggressor",)),
    ("events.5.day=1", "events.5.day", ("no item 5 in events", "1 item")),
    ("events.x.day=1", "events.x.day", ("no item x in events",)),
    ("name.first=1", "name.first", ("not a mapping",)),
    ("actors=5", "actors", ("expected a mapping", "got 5")),
    ("events.0.by=def", "events.0.by", ("'def' is the defender",)),
    ("events.0.day=30", "events.0.day", ("past the horizon",)),
    ("name=[unclosed", "name", ("cannot read the value", "'[unclosed'")),
    ("name=!!python/object/apply:os.system [ls]", "name", ("!!python/object/apply",)),
    ("war={a: 1, a: 2}", "war", ("duplicate key 'a'",)),
    ("description=" + bomb(), "description", ("alias bomb",)),
    ("extends=other.yaml", "extends", ("no field 'extends'",)),
]


@pytest.mark.parametrize(
    ("override", "field", "words"), SETS, ids=[override.split("=")[0] for override, *_ in SETS]
)
def test_bad_set_override(runner, override, field, words):
    result = runner.invoke(app, ["run", str(MINIMAL), "--set", override, "--runs", "1"])
    assert_one_error(result.exit_code, result.stderr, f"error: --set: {field}: ", *words)
    assert result.stdout == ""
    assert list(Path.cwd().iterdir()) == []  # no results folder


@pytest.mark.parametrize("override", ["horizon_days", "=3", " =3", ""])
def test_set_without_a_path_or_equals(runner, override):
    result = runner.invoke(app, ["run", str(MINIMAL), "--set", override])
    assert_one_error(result.exit_code, result.stderr, "error: --set: ", "PATH=VALUE")


@pytest.mark.parametrize("override", [".x=1", "actors..us=1", "war.=1"])
def test_set_with_an_empty_part_in_the_path(runner, override):
    result = runner.invoke(app, ["run", str(MINIMAL), "--set", override])
    assert_one_error(result.exit_code, result.stderr, "error: --set: ", "empty part in the path")


# --- bad command-line numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--runs", "-5", ("--runs", "got -5")),
        ("--seed", "-1", ("--seed", "got -1")),
        ("--workers", "-2", ("--workers", "got -2")),
    ],
)
def test_run_rejects_negative_numbers(runner, option, value, words):
    result = runner.invoke(app, ["run", str(MINIMAL), option, value])
    assert_one_error(result.exit_code, result.stderr, *words)
    assert list(Path.cwd().iterdir()) == []


@pytest.mark.parametrize(
    ("option", "value"), [("--seed", "abc"), ("--runs", "1e9"), ("--runs", "ten"), ("--seed", "")]
)
def test_run_rejects_numbers_that_are_not_whole(runner, option, value):
    """Typer's own usage errors: exit 2, a message naming the option, no traceback."""
    result = runner.invoke(app, ["run", str(MINIMAL), option, value])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"Invalid value for '{option}'" in result.output
    assert list(Path.cwd().iterdir()) == []


# --- the real command line, in a subprocess -------------------------------------------------------


ADDRESS_SPACE = 512 * 2**20
"""Address-space limit (RLIMIT_AS) of the subprocesses: the bad input must be answered within it."""


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_cli(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess, float]:
    """Run ``python -m sim.cli ARGS`` with a memory limit; return the process and its seconds."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_memory if resource else None,
    )
    return proc, time.perf_counter() - started


SUBPROCESS_CASES = [
    "empty",
    "tab-indentation",
    "alias-bomb",
    "file-too-large",
    "deeply-nested-list",
    "random-bytes",
    "utf16-with-bom",
    "python-object-tag",
    "deadline-by-the-defender",
]


@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_subprocess_validate_bad_input(tmp_path, case_id):
    case = next(case for case in CASES if case.id == case_id)
    path = write_case(tmp_path, case)
    proc, elapsed = run_cli("validate", path.name, cwd=tmp_path)
    words = [*case.words, f"error: {path.name}"]
    assert_one_error(proc.returncode, proc.stderr, *words)
    assert proc.stdout == ""
    assert elapsed < 30, f"{elapsed:.1f} s, interpreter start included"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_subprocess_run_with_a_bad_set_writes_nothing(tmp_path):
    proc, _ = run_cli("run", str(MINIMAL), "--set", "horizon_days=abc", cwd=tmp_path)
    assert_one_error(proc.returncode, proc.stderr, "--set: horizon_days: expected a whole number")
    assert list(tmp_path.iterdir()) == []


def test_subprocess_run_with_an_alias_bomb_writes_nothing(tmp_path):
    path = tmp_path / "lol.yaml"
    path.write_text(TEXT + bomb(levels=10, width=10), encoding="utf-8")
    proc, elapsed = run_cli("run", path.name, "--runs", "10", cwd=tmp_path)
    assert_one_error(proc.returncode, proc.stderr, "lol.yaml", "alias bomb")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lol.yaml"]
    assert elapsed < 30


def test_subprocess_seed_not_a_number(tmp_path):
    proc, _ = run_cli("run", str(MINIMAL), "--seed", "abc", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "--seed" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_run_rejects_an_absurd_number_of_runs(runner):
    result = runner.invoke(app, ["run", str(MINIMAL), "--runs", str(MAX_RUNS + 1)])
    assert_one_error(result.exit_code, result.stderr, "--runs", f"at most {MAX_RUNS:,}")
    assert list(Path.cwd().iterdir()) == []


# --- NaN and infinity anywhere numeric ------------------------------------------------------------


ALL_EVENTS = (
    "events=["
    "{day: 0, kind: summit_offer, by: agg, to: us, held_on: 3},"
    "{day: 1, kind: deadline, by: us, against: agg, audience_cost: 1},"
    "{day: 5, kind: summit, between: [agg, us]},"
    "{day: 6, kind: moratorium, length_days: 10},"
    "{day: 7, kind: aid_package, by: eu, to: def, air_defense: 50},"
    "{day: 8, kind: sanctions, by: eu, against: agg, level: 1}]"
)
DISTRIBUTIONS = {
    "beta": "{dist: beta, a: 2, b: 5}",
    "uniform": "{dist: uniform, low: 0.1, high: 0.9}",
    "normal": "{dist: normal, mean: 0.5, sd: 0.1, low: 0, high: 1}",
    "triangular": "{dist: triangular, low: 0.1, mode: 0.5, high: 0.9}",
}


def numeric_paths() -> list[str]:
    """Every numeric field of the minimal scenario (actors, sections, events), by dotted path."""
    scenario = load_scenario(MINIMAL, [ALL_EVENTS])

    def walk(model: BaseModel, prefix: str) -> list[str]:
        found = []
        for name in type(model).model_fields:
            value = getattr(model, name)
            if isinstance(value, BaseModel) and not hasattr(value, "dist"):
                found += walk(value, f"{prefix}{name}.")
            elif (isinstance(value, int | float) and not isinstance(value, bool)) or (
                value is None and name in ("audience_cost", "held_on", "length_days")
            ):
                found.append(f"{prefix}{name}")
        return found

    paths = ["horizon_days"]
    for name in Scenario.model_fields:
        value = getattr(scenario, name)
        if isinstance(value, BaseModel):
            paths += walk(value, f"{name}.")
    for name, actor in scenario.actors.items():
        paths += walk(actor, f"actors.{name}.")
    for index, event in enumerate(scenario.events):
        paths += walk(event, f"events.{index}.")
    assert "actors.agg.types.sincere" in paths
    assert "events.4.air_defense" in paths and "truce.monitoring_effect" in paths
    return paths


NUMERIC_PATHS = numeric_paths()


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "+.Inf", "1.0e999"])
def test_nan_and_infinity_are_refused_in_every_numeric_field(value):
    wrong = []
    for path in NUMERIC_PATHS:
        try:
            load_scenario(MINIMAL, [ALL_EVENTS, f"{path}={value}"])
        except ScenarioError as err:
            expected = ("expected a finite number", "expected a whole number")
            if err.field != path or not any(words in err.message for words in expected):
                wrong.append(str(err))
        else:
            wrong.append(f"{path}={value} accepted")
    assert wrong == [], wrong
    assert len(NUMERIC_PATHS) > 60


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_nan_and_infinity_are_refused_inside_distributions(dist, value):
    spec = yaml.safe_load(DISTRIBUTIONS[dist])
    for parameter in [key for key in spec if key != "dist"]:
        text = DISTRIBUTIONS[dist].replace(
            f"{parameter}: {spec[parameter]}", f"{parameter}: {value}"
        )
        with pytest.raises(ScenarioError) as info:
            load_scenario(MINIMAL, [f"actors.agg.weakness_aversion={text}"])
        assert info.value.field == f"actors.agg.weakness_aversion.{parameter}", str(info.value)
        assert "expected a finite number" in info.value.message


def test_nan_in_a_file_names_its_line():
    """The same through a file rather than --set: the line of the value is named."""
    text = TEXT + WAR.format("{dist: normal, mean: .nan, sd: 250}")
    path = Path(tempfile.mkdtemp()) / "nan.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value) == (
        f"{path}:22: war.casualties_per_day.mean: expected a finite number, got nan"
    )


@pytest.mark.parametrize(
    ("override", "line_in", "words"),
    [
        ("actors.russia.types.stalling=0.9", "prior.yaml:", ["must sum to 1"]),
        ("war.ground_gain_pct_per_day.low=0.01", "article.yaml:", ["normal needs low < high"]),
        ("actors.usa.role=supporter", "prior.yaml:", ["unknown field 'credulity'"]),
        ("horizon_days=5", "summit.yaml:", ["past the horizon"]),
    ],
)
def test_an_error_caused_by_a_set_names_the_set_beside_the_files_line(
    runner, override, line_in, words
):
    """The line is where the value stands, but the user's change is the --set: say both."""
    summit = str(ROOT / "scenarios" / "summit.yaml")
    result = runner.invoke(app, ["trace", summit, "--set", override])
    name = override.partition("=")[0]
    assert_one_error(result.exit_code, result.stderr, line_in, *words, f"(after --set {name}=")


def test_a_set_that_fails_on_one_scenario_of_a_comparison_names_that_scenario(runner):
    summit, baseline = (str(ROOT / "scenarios" / f"{n}.yaml") for n in ("summit", "baseline"))
    result = runner.invoke(
        app, ["compare", summit, baseline, "--runs", "50", "--set", "events.1.day=3"]
    )
    assert_one_error(result.exit_code, result.stderr, "--set: events.1.day", f"(in {baseline})")
    assert list(Path.cwd().iterdir()) == []


@pytest.mark.parametrize("value", ["yes", "no", "on", "true"])
@pytest.mark.parametrize(
    "field", ["horizon_days", "actors.usa.credulity", "war.casualties_per_day"]
)
def test_a_yaml_boolean_is_not_taken_for_a_number(runner, field, value):
    """pydantic would read true as 1: `horizon_days: yes` became a one-day scenario."""
    summit = str(ROOT / "scenarios" / "summit.yaml")
    result = runner.invoke(app, ["trace", summit, "--set", f"{field}={value}"])
    shown = "true" if value in ("yes", "on", "true") else "false"
    expected = f"--set: {field}: expected a number, got {shown}"
    assert_one_error(result.exit_code, result.stderr, expected)


def test_a_yaml_boolean_in_a_file_is_located_at_its_field(runner, tmp_path):
    path = tmp_path / "bool.yaml"
    path.write_text(TEXT.replace("horizon_days: 30", "horizon_days: yes"))
    result = runner.invoke(app, ["validate", str(path)])
    line = line_of(path.read_text(), "horizon_days:")
    expected = f"{path}:{line}: horizon_days: expected a number"
    assert_one_error(result.exit_code, result.stderr, expected)


def test_a_boolean_where_one_is_expected_is_still_fine(runner):
    ceasefire = str(ROOT / "scenarios" / "ceasefire_strikes.yaml")
    result = runner.invoke(app, ["trace", ceasefire, "--set", "events.0.monitored=yes"])
    assert result.exit_code == 0, result.stderr
    assert "moratorium on long-range strikes takes effect" in result.stdout


@pytest.mark.parametrize(
    "override",
    [
        "war.casualties_per_day=1e306",
        "air_defense.base_deliveries_per_day=1e308",
        "war.casualties_per_day={dist: normal, mean: 1000, sd: 1e300, low: 0}",
        "war.escalation_days=100000000000000000000",
    ],
)
def test_a_number_too_large_to_simulate_is_refused(runner, override):
    """Such values overflowed in the run or its figures (a traceback after the simulation)."""
    summit = str(ROOT / "scenarios" / "summit.yaml")
    result = runner.invoke(app, ["run", summit, "--runs", "50", "--set", override])
    field = override.partition("=")[0]
    assert_one_error(result.exit_code, result.stderr, f"--set: {field}: expected")
    assert list(Path.cwd().iterdir()) == []


def test_the_largest_numbers_allowed_still_give_a_complete_run(runner):
    summit = str(ROOT / "scenarios" / "summit.yaml")
    sets = [
        "war.casualties_per_day=1e9",
        "war.escalation_factor=1e9",
        "war.civilian_casualties_per_day=1e9",
        "air_defense.base_deliveries_per_day=1e9",
        "actors.europe.air_defense_capacity=1e9",
    ]
    args = ["run", summit, "--runs", "50", "--out", "big"]
    for override in sets:
        args += ["--set", override]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr
    summary = json.loads((Path("big") / "summary.json").read_text())
    assert summary["casualties"]["median"] > 1e11


@pytest.mark.parametrize("name", ['""', '"   "'])
def test_a_scenario_needs_a_name_with_some_text(runner, name):
    summit = str(ROOT / "scenarios" / "summit.yaml")
    result = runner.invoke(app, ["trace", summit, "--set", f"name={name}"])
    assert_one_error(result.exit_code, result.stderr, "--set: name: expected a name with some text")


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("start_date=yes", "start_date: expected a date"),
        ("actors.usa.label=no", "actors.usa.label: expected text"),
        (
            "war.casualties_per_day={dist: normal, mean: 1400, sd: 1e300, low: 0}",
            "got a normal reaching 4e+301 (its mean + 40 sd)",
        ),
    ],
)
def test_booleans_and_huge_spreads_are_named_for_what_they_are(runner, override, expected):
    """A boolean for a date or a text is not said to need a number; a normal too wide to draw
    from is refused for its reach, not for the open upper end every such normal has."""
    summit = str(ROOT / "scenarios" / "summit.yaml")
    result = runner.invoke(app, ["trace", summit, "--set", override])
    assert_one_error(result.exit_code, result.stderr, expected)
    assert "expected a number, got" not in result.stderr or "casualties" in override


@pytest.mark.parametrize(
    "event",
    [
        "{day: 1, kind: deadline, by: usa, against: russia, audience_cost: DIST}",
        "{day: 2, kind: aid_package, by: europe, to: ukraine, air_defense: DIST}",
        "{day: 3, kind: sanctions, by: europe, against: russia, level: DIST}",
    ],
)
def test_an_event_cannot_take_a_distribution(runner, tmp_path, event):
    """Events are not drawn per world: a distribution there crashed the run (TypeError)."""
    path = tmp_path / "event.yaml"
    summit = (ROOT / "scenarios" / "summit.yaml").as_posix()
    dist = "{dist: uniform, low: 0.2, high: 0.8}"
    path.write_text(f"name: e\nextends: {summit}\nevents:\n  - {event.replace('DIST', dist)}\n")
    field = event.split(", ")[-1].partition(":")[0]
    result = runner.invoke(app, ["validate", str(path)])
    expected = f"{path}:4: events.0.{field}: expected a number, got a uniform distribution"
    assert_one_error(result.exit_code, result.stderr, expected)
