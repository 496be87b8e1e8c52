"""Resolved forecasting questions: a YAML file of per-world conditions and what happened.

A question file is a YAML list; each entry asks a yes/no question about the real world, says how
a simulated world answers it (``condition``), and records the answer (``happened``), the day it
was known (``resolved``) and where that is stated (``source``)::

    - id: us-sanctions-by-october
      question: Did the US impose new sanctions on Russia by 31 October 2025?
      condition: sanctions by 2025-10-31
      happened: true
      resolved: 2025-10-22
      source: https://www.dorsey.com/newsresources/publications/client-alerts/2025/10/russia-sanctions

A question the results cannot express yet gives ``not_scored: <why>`` instead of a condition; it
is listed in the report and left out of the scores.

**Conditions** are a small language over the columns of a run's ``worlds.csv``
(:mod:`sim.experiments.conditions`), never code.

A file is checked as scenario files are (:func:`sim.scenario.loading.parse_yaml`, with its
bounds): a problem is a :class:`QuestionError` naming the file, the line, the field and what was
expected. Whether the columns exist, and whether each day lies inside the run's horizon, is
checked against the results (:func:`check_against`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.experiments.conditions import (
    GRAMMAR,
    Compare,
    Condition,
    ConditionSyntaxError,
    EventBy,
    day_of,
    leaves,
    parse_condition,
)
from sim.model.outcomes import CATEGORIES
from sim.scenario.inputs import InputFileError, read_text
from sim.scenario.loading import MAX_FILE_BYTES, ScenarioError, parse_yaml

MAX_TEXT_CHARACTERS = 2_000
"""Longest ``question``, ``source``, ``notes`` or ``not_scored`` text."""
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
REQUIRED = ("id", "question", "happened", "resolved", "source")
OPTIONAL = ("condition", "not_scored", "notes")
LIST = "expected a YAML list of questions"


class QuestionError(ScenarioError):
    """A problem in a question file, or in a question against the results it scores.

    Formats as a scenario file's error: ``file:line: field: what was expected``.
    """


# --- questions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """One resolved question (see the module's docstring for the fields)."""

    id: str
    question: str
    happened: bool
    resolved: dt.date
    source: str
    condition: str | None = None
    not_scored: str | None = None
    notes: str | None = None
    file: str = field(default="questions", compare=False)
    line: int | None = field(default=None, compare=False)
    lines: dict[str, int] = field(default_factory=dict, compare=False)
    """The line of each field of the entry in ``file``."""

    @property
    def scored(self) -> bool:
        return self.not_scored is None

    def parsed(self) -> Condition:
        """The condition, parsed (only a scored question has one)."""
        assert self.condition is not None
        return parse_condition(self.condition)

    def error(self, message: str, field_name: str = "condition") -> QuestionError:
        """An error about this question's ``field_name``, located at its line."""
        line = self.lines.get(field_name, self.line)
        return QuestionError(message, file=self.file, line=line, field=f"{self.id}.{field_name}")


def load_questions(path: str | Path) -> list[Question]:
    """Read and check a question file (within the scenario files' bounds).

    Raises:
        QuestionError: naming the file, the line, the field and what was expected.

    """
    file = str(path)
    try:
        text = read_text(path, MAX_FILE_BYTES, "question file")
    except FileNotFoundError:
        raise QuestionError(f"file not found; {LIST}", file=file) from None
    except IsADirectoryError:
        raise QuestionError(f"is a directory; {LIST}", file=file) from None
    except InputFileError as err:
        raise QuestionError(err.message, file=file) from None
    except UnicodeDecodeError as err:
        raise QuestionError(f"not a UTF-8 text file ({err.reason})", file=file) from None
    data, node, _ = parse_yaml(text, file)  # a ScenarioError here is located already
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        got = _shown(data)
        raise QuestionError(
            f"expected a YAML list of questions (- id: ..., question: ..., condition: ..., "
            f"happened: true/false, resolved: YYYY-MM-DD, source: ...), got {got}",
            file=file,
            line=node.start_mark.line + 1 if node is not None else None,
        )
    if not data:
        raise QuestionError("the list of questions is empty; expected at least one", file=file)
    questions: list[Question] = []
    for index, (entry, item) in enumerate(zip(data, node.value, strict=True)):
        question = _question(entry, item, file, index)
        if any(q.id == question.id for q in questions):
            first = next(q for q in questions if q.id == question.id)
            raise QuestionError(
                f"id {question.id!r} is already used on line {first.line}; expected unique ids",
                file=file,
                line=question.line,
                field=question.id,
            )
        questions.append(question)
    if not any(q.scored for q in questions):
        raise QuestionError(
            "every question is not_scored; expected at least one with a condition", file=file
        )
    return questions


def _question(entry: Any, item: yaml.Node, file: str, index: int) -> Question:
    """One entry of the list, checked."""
    line = item.start_mark.line + 1
    where = f"[{index}]"
    if not isinstance(entry, dict) or not isinstance(item, yaml.MappingNode):
        raise QuestionError(
            f"expected a mapping with {', '.join(REQUIRED)} and a condition, got {_shown(entry)}",
            file=file,
            line=line,
            field=where,
        )
    lines = {key.value: key.start_mark.line + 1 for key, _ in item.value if hasattr(key, "value")}
    name = entry.get("id")
    if isinstance(name, str) and ID_PATTERN.match(name):
        where = name
    for key in entry:
        if key not in REQUIRED + OPTIONAL:
            raise QuestionError(
                f"unknown field{_close(str(key), REQUIRED + OPTIONAL)}; expected "
                f"{', '.join(REQUIRED + OPTIONAL)}",
                file=file,
                line=lines.get(str(key), line),
                field=f"{where}.{key}",
            )
    for key in REQUIRED:
        if key not in entry:
            raise QuestionError(
                f"missing; {_EXPECTED[key]}", file=file, line=line, field=f"{where}.{key}"
            )

    def fail(key: str, got: Any) -> QuestionError:
        return QuestionError(
            f"{_EXPECTED[key]}, got {_shown(got)}",
            file=file,
            line=lines.get(key, line),
            field=f"{where}.{key}",
        )

    if not isinstance(name, str) or not ID_PATTERN.match(name):
        raise fail("id", name)
    for key in ("question", "source", "notes", "not_scored", "condition"):
        value = entry.get(key)
        if value is not None and (
            not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT_CHARACTERS
        ):
            raise fail(key, value)
    if type(entry["happened"]) is not bool:
        raise fail("happened", entry["happened"])
    resolved = entry["resolved"]
    if type(resolved) is not dt.date:
        raise fail("resolved", resolved)
    condition, not_scored = entry.get("condition"), entry.get("not_scored")
    if (condition is None) == (not_scored is None):
        both = "both" if condition is not None else "neither"
        raise QuestionError(
            f"has {both} condition and not_scored; expected a condition ({GRAMMAR}), or "
            "not_scored: <why the results cannot express it>",
            file=file,
            line=line,
            field=f"{where}.condition",
        )
    if condition is not None:
        try:
            parse_condition(condition)
        except ConditionSyntaxError as err:
            raise QuestionError(
                str(err), file=file, line=lines.get("condition", line), field=f"{where}.condition"
            ) from None
    return Question(
        id=name,
        question=entry["question"],
        happened=entry["happened"],
        resolved=resolved,
        source=entry["source"],
        condition=condition,
        not_scored=not_scored,
        notes=entry.get("notes"),
        file=file,
        line=line,
        lines=lines,
    )


_EXPECTED = {
    "id": "expected a short name (letters, digits, '_', '-', '.'; at most 80 characters)",
    "question": f"expected the question in words (at most {MAX_TEXT_CHARACTERS} characters)",
    "condition": f"expected a condition as text: {GRAMMAR}",
    "happened": "expected true or false (what happened)",
    "resolved": "expected the date the answer was known, as YYYY-MM-DD",
    "source": "expected where the answer is stated: an address, or "
    "'unchecked: <publisher, title, date>'",
    "notes": f"expected text of at most {MAX_TEXT_CHARACTERS} characters",
    "not_scored": "expected why the results cannot express the question, as text",
}


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, dict | list):
        return f"a {'mapping' if isinstance(value, dict) else 'list'}"
    return f"{value!r} ({type(value).__name__})"


# --- against the results -------------------------------------------------------------------------


def check_against(
    questions: Sequence[Question], worlds: pd.DataFrame, start: dt.date, horizon_days: int, run: str
) -> None:
    """Check that each scored question can be answered by a run's worlds.

    Every column named must be one of the run's (an event's ``day_<event>`` column); a class must
    be one the column holds; a yes/no value goes with a yes/no column and a number with a numeric
    one; each day looked at, and the day the question was resolved, must lie inside the run's
    days (``start`` to ``start + horizon_days − 1``), so that the worlds speak to it.

    Raises:
        QuestionError: naming the question, its line and what was expected.

    """
    last = start + dt.timedelta(days=horizon_days - 1)
    span = f"days 0 to {horizon_days - 1}, {start} to {last}"
    events = sorted(c.removeprefix("day_") for c in worlds.columns if c.startswith("day_"))
    for question in questions:
        if question.resolved < start or question.resolved > last:
            side = "before" if question.resolved < start else "after"
            raise question.error(
                f"resolved on {question.resolved}, {side} the days of {run} ({span}); a run "
                "forecasts only a question settled inside its days",
                "resolved",
            )
        if not question.scored:
            continue
        for clause in leaves(question.parsed()):
            _check_clause(question, clause, worlds, events, start, horizon_days, span, run)


def _check_clause(
    question: Question,
    clause: EventBy | Compare,
    worlds: pd.DataFrame,
    events: list[str],
    start: dt.date,
    horizon_days: int,
    span: str,
    run: str,
) -> None:
    if isinstance(clause, EventBy):
        if clause.column not in worlds.columns:
            hint = _close(clause.event, events)
            raise question.error(
                f"unknown event {clause.event!r}{hint}: {run} has no column {clause.column}; "
                f"expected one of {', '.join(events)}"
            )
        day = day_of(clause, start)
        if not 0 <= day < horizon_days:
            when = f"day {day}" if clause.date is None else f"{clause.date} (day {day})"
            raise question.error(
                f"{when} is outside the run ({run} covers {span}); expected a day inside it"
            )
        return
    if clause.column not in worlds.columns:
        hint = _close(clause.column, list(worlds.columns))
        raise question.error(
            f"unknown column {clause.column!r}{hint}: {run} has no such column in worlds.csv "
            "(docs/model.md §9 lists them)"
        )
    values = worlds[clause.column]
    classes = CATEGORIES.get(clause.column)
    if classes is not None or not (
        pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
    ):
        known = list(classes) if classes is not None else sorted(map(str, values.dropna().unique()))
        if not isinstance(clause.value, str) or clause.op not in ("==", "!="):
            raise question.error(
                f"{clause.column} holds classes; expected '{clause.column} == <class>' or "
                f"'!=', with a class among {', '.join(known[:8])}"
            )
        if clause.value not in known:
            raise question.error(
                f"{clause.column} has no class {clause.value!r}{_close(clause.value, known)}; "
                f"expected one of {', '.join(known[:8])}"
            )
        return
    if isinstance(clause.value, str):
        raise question.error(
            f"{clause.column} holds numbers; expected a number after {clause.op!r}, "
            f"got {clause.value!r}"
        )
    if pd.api.types.is_bool_dtype(values) and not isinstance(clause.value, bool):
        raise question.error(f"{clause.column} is yes/no; expected true or false")
    if isinstance(clause.value, bool) and not pd.api.types.is_bool_dtype(values):
        raise question.error(f"{clause.column} holds numbers; expected a number, not true/false")


def _close(name: str, candidates: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``candidates``, or an empty string."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
