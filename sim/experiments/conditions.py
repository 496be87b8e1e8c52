"""Conditions of resolved questions: a small language over a run's ``worlds.csv``, never code.

A condition says how a simulated world answers a yes/no question (:mod:`sim.experiments.questions`):

- ``<event> by day <N>``: the world's ``day_<event>`` is a number no later than day N
  (``sanctions by day 30``; an event that never happened is NaN, so false);
- ``<event> by <YYYY-MM-DD>``: the same, the date counted from the run's ``start_date``;
- ``<column> <op> <value>``, ``op`` one of ``== != < <= > >=``: a number for a numeric column
  (``territory_change > 0.3``; NaN compares false), a class for ``outcome`` or
  ``aggressor_type`` (``outcome == settlement``; only ``==`` and ``!=``), ``true``/``false``
  for a yes/no column;
- ``not``, ``and``, ``or`` (in that order of binding) and parentheses.

:func:`parse_condition` reads one by recursive descent over a handful of regular-expression
tokens (five productions: a parser library would add a dependency for less than it saves);
:func:`holds` evaluates it on a frame of worlds with numpy. Nothing is passed to ``eval``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_CONDITION_CHARACTERS = 500
"""Longest condition: a question's condition is a line, not a program."""
MAX_NESTING = 20
"""Deepest nesting of ``not`` and parentheses in a condition (the parser recurses on it)."""
COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")
KEYWORDS = frozenset({"and", "or", "not", "by", "day", "true", "false"})
GRAMMAR = (
    "'<event> by day <N>', '<event> by <YYYY-MM-DD>' or '<column> <op> <value>', "
    "joined by and/or/not and parentheses"
)


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
