"""Resolved forecasting questions: a YAML file of per-world conditions and what happened.

A question file is a YAML list; each entry asks a yes/no question about the real world, says how
a simulated world answers it (``condition``), and records the answer (``happened``), the day it
was known (``resolved``) and where that is stated (``source``)::

    - id: us-sanctions-by-october
      question: Did the US impose new sanctions on Russia by 31 October 2025?
      condition: sanctions by 2025-10-31
      happened: true
      resolved: 2025-10-22
      source: https://home.treasury.gov/news/press-releases/sb0290

A question the results cannot express yet gives ``not_scored: <why>`` instead of a condition; it
is listed in the report and left out of the scores.

**Conditions** are a small language over the columns of a run's ``worlds.csv``
(``docs/model.md`` §9), never code:

- ``<event> by day <N>``: the world's ``day_<event>`` is a number no later than day N
  (``sanctions by day 30``; an event that never happened is NaN, so false);
- ``<event> by <YYYY-MM-DD>``: the same, the date counted from the run's ``start_date``;
- ``<column> <op> <value>``, ``op`` one of ``== != < <= > >=``: a number for a numeric column
  (``territory_change > 0.3``; NaN compares false), a class for ``outcome`` or
  ``aggressor_type`` (``outcome == settlement``; only ``==`` and ``!=``), ``true``/``false``
  for a yes/no column;
- ``not``, ``and``, ``or`` (in that order of binding) and parentheses.

A file is checked as scenario files are (:func:`sim.scenario.loading.parse_yaml`, with its
bounds): a problem is a :class:`QuestionError` naming the file, the line, the field and what was
expected. Whether the columns exist, and whether each day lies inside the run's horizon, is
checked against the results (:func:`check_against`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.model.outcomes import CATEGORIES
from sim.scenario.inputs import InputFileError, read_text
from sim.scenario.loading import MAX_FILE_BYTES, ScenarioError, parse_yaml

MAX_CONDITION_CHARACTERS = 500
"""Longest condition: a question's condition is a line, not a program."""
MAX_NESTING = 20
"""Deepest nesting of ``not`` and parentheses in a condition (the parser recurses on it)."""
MAX_TEXT_CHARACTERS = 2_000
"""Longest ``question``, ``source``, ``notes`` or ``not_scored`` text."""
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
REQUIRED = ("id", "question", "happened", "resolved", "source")
OPTIONAL = ("condition", "not_scored", "notes")
COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")
KEYWORDS = frozenset({"and", "or", "not", "by", "day", "true", "false"})
LIST = "expected a YAML list of questions"
GRAMMAR = (
    "'<event> by day <N>', '<event> by <YYYY-MM-DD>' or '<column> <op> <value>', "
    "joined by and/or/not and parentheses"
)


class QuestionError(ScenarioError):
    """A problem in a question file, or in a question against the results it scores.

    Formats as a scenario file's error: ``file:line: field: what was expected``.
    """


# --- conditions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventBy:
    """``<event> by day N`` (``date`` None) or ``<event> by <date>`` (``day`` from the run)."""

    event: str
    day: int | None = None
    date: dt.date | None = None

    @property
    def column(self) -> str:
        return f"day_{self.event}"


@dataclass(frozen=True)
class Compare:
    """``<column> <op> <value>``; ``value`` a float, a bool or a class name."""

    column: str
    op: str
    value: float | bool | str


@dataclass(frozen=True)
class Not:
    operand: Condition


@dataclass(frozen=True)
class Join:
    """``and`` or ``or`` of two or more conditions."""

    op: str
    operands: tuple[Condition, ...]


Condition = EventBy | Compare | Not | Join

_TOKEN = re.compile(
    r"\s*(?:(?P<date>\d{4}-\d{2}-\d{2})(?![\w.])"
    r"|(?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?![\w.])"
    r"|(?P<op>==|!=|<=|>=|<|>)"
    r"|(?P<paren>[()])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)


class ConditionSyntaxError(ValueError):
    """A condition that is not of the grammar; the message says what was expected."""


def _tokens(text: str) -> list[tuple[str, str]]:
    """``(kind, text)`` pairs of a condition; a character of no token is an error."""
    found, position = [], 0
    while text[position:].strip():
        match = _TOKEN.match(text, position)
        if match is None:
            at = len(text) - len(text[position:].lstrip())  # the first character after spaces
            raise ConditionSyntaxError(
                f"unexpected {text[at]!r} at character {at + 1}; expected {GRAMMAR}"
            )
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


class _Parser:
    """Recursive descent over the tokens: or → and → not → atom (the grammar of the module)."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0
        self.depth = 0

    def parse(self) -> Condition:
        if not self.tokens:
            raise ConditionSyntaxError(f"empty; expected {GRAMMAR}")
        condition = self._joined("or")
        if self.at < len(self.tokens):
            raise ConditionSyntaxError(
                f"unexpected {self.tokens[self.at][1]!r} after a complete condition; "
                "expected and, or, or the end"
            )
        return condition

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "the end")

    def _take(self, kind: str, expected: str, text: str | None = None) -> str:
        got_kind, got = self._peek()
        if got_kind != kind or (text is not None and got != text):
            shown = "the end" if got_kind == "end" else repr(got)
            raise ConditionSyntaxError(f"expected {expected}, got {shown}")
        self.at += 1
        return got

    def _joined(self, op: str) -> Condition:
        lower = (lambda: self._joined("and")) if op == "or" else self._negated
        operands = [lower()]
        while self._peek() == ("word", op):
            self.at += 1
            operands.append(lower())
        return operands[0] if len(operands) == 1 else Join(op, tuple(operands))

    def _negated(self) -> Condition:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ConditionSyntaxError(f"nested more than {MAX_NESTING} levels deep")
        try:
            if self._peek() == ("word", "not"):
                self.at += 1
                return Not(self._negated())
            if self._peek() == ("paren", "("):
                self.at += 1
                inner = self._joined("or")
                self._take("paren", "')'", ")")
                return inner
            return self._atom()
        finally:
            self.depth -= 1

    def _atom(self) -> Condition:
        name = self._take("word", "an event or a column name")
        if name in KEYWORDS:
            raise ConditionSyntaxError(f"expected an event or a column name, got {name!r}")
        kind, text = self._peek()
        if (kind, text) == ("word", "by"):
            self.at += 1
            kind, text = self._peek()
            if kind == "date":
                self.at += 1
                return EventBy(name, date=_date(text))
            self._take("word", "'day <N>' or a date YYYY-MM-DD after 'by'", "day")
            number = self._take("number", "a whole day number after 'by day'")
            if not re.fullmatch(r"\d+", number):
                raise ConditionSyntaxError(
                    f"expected a whole day number >= 0 after 'by day', got {number!r}"
                )
            return EventBy(name, day=int(number))
        op = self._take("op", f"'by' or a comparison ({' '.join(COMPARISONS)}) after {name!r}")
        kind, text = self._peek()
        self.at += 1
        if kind == "number":
            value: float | bool | str = float(text)
            if not math.isfinite(value):
                raise ConditionSyntaxError(f"expected a finite number, got {text!r}")
            return Compare(name, op, value)
        if kind == "word" and text in ("true", "false"):
            return Compare(name, op, text == "true")
        if kind == "word" and text not in KEYWORDS:
            return Compare(name, op, text)
        shown = "the end" if kind == "end" else repr(text)
        raise ConditionSyntaxError(
            f"expected a number, true/false or a class name after {op!r}, got {shown}"
        )


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as err:
        raise ConditionSyntaxError(f"invalid date {text!r} ({err})") from None


def parse_condition(text: str) -> Condition:
    """Parse a condition of the grammar of this module.

    Raises:
        ConditionSyntaxError: what was expected, and where.

    """
    if len(text) > MAX_CONDITION_CHARACTERS:
        raise ConditionSyntaxError(
            f"{len(text)} characters; expected at most {MAX_CONDITION_CHARACTERS}"
        )
    return _Parser(text).parse()


def leaves(condition: Condition) -> list[EventBy | Compare]:
    """The event and comparison clauses of a condition, left to right."""
    if isinstance(condition, Not):
        return leaves(condition.operand)
    if isinstance(condition, Join):
        return [leaf for operand in condition.operands for leaf in leaves(operand)]
    return [condition]


def holds(condition: Condition, worlds: pd.DataFrame, start: dt.date) -> np.ndarray:
    """Per world, whether ``condition`` holds (a boolean array); checked clauses only.

    ``start``: the run's ``start_date``, from which ``<event> by <date>`` counts its day.
    """
    if isinstance(condition, Not):
        return ~holds(condition.operand, worlds, start)
    if isinstance(condition, Join):
        parts = [holds(operand, worlds, start) for operand in condition.operands]
        combine = np.logical_and if condition.op == "and" else np.logical_or
        return combine.reduce(parts)
    if isinstance(condition, EventBy):
        days = worlds[condition.column].to_numpy(dtype=float, na_value=np.nan)
        return days <= day_of(condition, start)  # NaN (never happened) is False
    values = worlds[condition.column]
    if isinstance(condition.value, str):
        equal = values.astype(str).to_numpy() == condition.value
        return equal if condition.op == "==" else ~equal
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    target = float(condition.value)
    compare = {
        "==": np.equal,
        "!=": np.not_equal,
        "<": np.less,
        "<=": np.less_equal,
        ">": np.greater,
        ">=": np.greater_equal,
    }[condition.op]
    with np.errstate(invalid="ignore"):
        result = compare(numbers, target)
    return result & ~np.isnan(numbers) if condition.op == "!=" else result


def day_of(clause: EventBy, start: dt.date) -> int:
    """The last day of the run an event clause looks at."""
    return clause.day if clause.date is None else (clause.date - start).days


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
