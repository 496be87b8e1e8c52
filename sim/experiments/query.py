"""A condition on a world, written over the columns of ``worlds.csv``: ``sim discover --where``.

The grammar is deliberately narrow (``docs/sensitivity.md``, "Scenario discovery"):

- a *comparison* of a column with a constant: ``outcome == "settlement"``,
  ``day_sanctions <= 14``, ``14 >= day_sanctions``, ``3 <= day_summit <= 10`` (chained),
  ``outcome in ("settlement", "partial_ceasefire")``, ``outcome not in (...)``;
- comparisons joined with ``and``, ``or``, ``not`` and parentheses.

A constant is a number, ``True``/``False`` or a quoted string; a string is compared only with a
text column (``==``, ``!=``, ``in``, ``not in``). Nothing else is allowed: no arithmetic, no
function calls, no attributes. The text is parsed with Python's own parser (:mod:`ast`) and
the tree is *walked* here, node by node, on the table's arrays; nothing is ever evaluated as
Python. A missing day (the event never happened) compares false with every number but ``!=``,
so ``day_sanctions <= 14`` is false in a world without sanctions.
"""

from __future__ import annotations

import ast
import difflib
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_LENGTH = 1000
"""Longest condition accepted (characters)."""

_COMPARE: dict[type[ast.cmpop], Callable[[object, object], object]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_MIRROR: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.Gt,
    ast.LtE: ast.GtE,
    ast.Gt: ast.Lt,
    ast.GtE: ast.LtE,
    ast.Eq: ast.Eq,
    ast.NotEq: ast.NotEq,
}
_TEXT_OPS = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)


class QueryError(ValueError):
    """A condition outside the grammar, or naming a column or value the worlds do not have."""


@dataclass(frozen=True)
class Query:
    """A checked condition on a world, ready to be applied to a worlds table.

    Attributes:
        text: the condition as written.
        columns: the columns it reads.

    """

    text: str
    columns: tuple[str, ...]
    _tree: ast.expr

    def mask(self, worlds: pd.DataFrame) -> np.ndarray:
        """Whether each world (row) meets the condition: a boolean array."""
        return np.asarray(_evaluate(self._tree, worlds), dtype=bool)


def parse(text: str, kinds: Mapping[str, str], values: Mapping[str, tuple[str, ...]]) -> Query:
    """Check ``text`` against the grammar and the worlds' columns.

    Args:
        text: the condition.
        kinds: each column of the worlds table and its kind, ``number`` or ``text``.
        values: for some text columns, every value they can take (``outcome``): a string
            outside them is refused at once (a misspelt class would match no world).

    Raises:
        QueryError: the text is not a condition of the grammar, names a column the worlds do
            not have, compares a text column with a number or the reverse, or names an unknown
            value of a text column.

    """
    if not isinstance(text, str) or not text.strip():
        raise QueryError("--where: expected a condition such as 'outcome == \"settlement\"'")
    if len(text) > MAX_LENGTH:
        raise QueryError(f"--where: expected at most {MAX_LENGTH} characters, got {len(text)}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as err:
        raise QueryError(f"--where {text!r}: not a condition ({err.msg})") from None
    columns: list[str] = []
    _check(tree, text, kinds, values, columns)
    return Query(text, tuple(dict.fromkeys(columns)), tree)


def _check(
    node: ast.expr,
    text: str,
    kinds: Mapping[str, str],
    values: Mapping[str, tuple[str, ...]],
    columns: list[str],
) -> None:
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value, text, kinds, values, columns)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check(node.operand, text, kinds, values, columns)
        return
    if isinstance(node, ast.Compare):
        _check_comparison(node, text, kinds, values, columns)
        return
    if isinstance(node, ast.Name):
        raise QueryError(
            f"--where {text!r}: {node.id} alone is not a condition; compare it with a value "
            f"(for example '{node.id} == 1')"
        )
    raise QueryError(
        f"--where {text!r}: {ast.unparse(node)!r} is not allowed; expected comparisons of a "
        "column with a value, joined by and, or, not"
    )


def _check_comparison(
    node: ast.Compare,
    text: str,
    kinds: Mapping[str, str],
    values: Mapping[str, tuple[str, ...]],
    columns: list[str],
) -> None:
    operands = [node.left, *node.comparators]
    for left, op, right in zip(operands, node.ops, operands[1:], strict=False):
        pair = f"{ast.unparse(left)} {ast.unparse(right)}"
        if isinstance(left, ast.Name) == isinstance(right, ast.Name):
            raise QueryError(
                f"--where {text!r}: each comparison needs one column and one value, got {pair!r}"
            )
        name, constant = (left, right) if isinstance(left, ast.Name) else (right, left)
        column = _column(name.id, text, kinds)
        columns.append(column)
        if isinstance(op, ast.In | ast.NotIn):
            if constant is not right or not isinstance(constant, ast.Tuple | ast.List):
                raise QueryError(
                    f"--where {text!r}: 'in' needs a column then a list of values, "
                    f'such as outcome in ("settlement", "partial_ceasefire")'
                )
            items = constant.elts
        elif type(op) in _COMPARE:
            items = [constant]
        else:
            raise QueryError(f"--where {text!r}: the operator in {pair!r} is not allowed")
        for item in items:
            _check_value(item, column, op, text, kinds, values)


def _column(name: str, text: str, kinds: Mapping[str, str]) -> str:
    if name in kinds:
        return name
    close = difflib.get_close_matches(name, list(kinds), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise QueryError(
        f"--where {text!r}: no column {name!r} in the worlds table{hint}; expected one of "
        f"{', '.join(kinds)}"
    )


def _check_value(
    item: ast.expr,
    column: str,
    op: ast.cmpop,
    text: str,
    kinds: Mapping[str, str],
    values: Mapping[str, tuple[str, ...]],
) -> None:
    if isinstance(item, ast.UnaryOp) and isinstance(item.op, ast.USub):
        item = item.operand
        if not (isinstance(item, ast.Constant) and _is_number(item.value)):
            raise QueryError(f"--where {text!r}: '-' goes only before a number")
    if not isinstance(item, ast.Constant) or not isinstance(item.value, str | int | float):
        raise QueryError(
            f"--where {text!r}: {ast.unparse(item)!r} is not a value; expected a number, "
            "True, False or a quoted string"
        )
    value = item.value
    if kinds[column] == "text":
        if not isinstance(value, str):
            raise QueryError(
                f"--where {text!r}: {column} holds text; compare it with a quoted string"
            )
        if not isinstance(op, _TEXT_OPS):
            raise QueryError(f"--where {text!r}: {column} holds text; use ==, !=, in or not in")
        known = values.get(column)
        if known is not None and value not in known:
            close = difflib.get_close_matches(value, list(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise QueryError(
                f"--where {text!r}: {column} is never {value!r}{hint}; expected one of "
                f"{', '.join(known)}"
            )
    elif isinstance(value, str):
        raise QueryError(f"--where {text!r}: {column} holds numbers; compare it with a number")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _evaluate(node: ast.expr, worlds: pd.DataFrame) -> np.ndarray:
    if isinstance(node, ast.BoolOp):
        parts = [_evaluate(value, worlds) for value in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        result = parts[0]
        for part in parts[1:]:
            result = combine(result, part)
        return result
    if isinstance(node, ast.UnaryOp):
        return np.logical_not(_evaluate(node.operand, worlds))
    assert isinstance(node, ast.Compare)  # the only other node _check lets through
    operands = [node.left, *node.comparators]
    result = np.ones(len(worlds), dtype=bool)
    for left, op, right in zip(operands, node.ops, operands[1:], strict=False):
        result &= _comparison(left, op, right, worlds)
    return result


def _comparison(left: ast.expr, op: ast.cmpop, right: ast.expr, worlds: pd.DataFrame) -> np.ndarray:
    if isinstance(op, ast.In | ast.NotIn):
        assert isinstance(left, ast.Name) and isinstance(right, ast.Tuple | ast.List)
        inside = worlds[left.id].isin([_constant(item) for item in right.elts]).to_numpy()
        return inside if isinstance(op, ast.In) else ~inside
    if not isinstance(left, ast.Name):  # value op column: read as column mirrored-op value
        left, right, op = right, left, _MIRROR[type(op)]()
    assert isinstance(left, ast.Name)
    column = worlds[left.id]
    value = _constant(right)
    if isinstance(value, str):
        return np.asarray(_COMPARE[type(op)](column.astype(str).to_numpy(), value), dtype=bool)
    numbers = column.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        return np.asarray(_COMPARE[type(op)](numbers, float(value)), dtype=bool)


def _constant(node: ast.expr) -> object:
    if isinstance(node, ast.UnaryOp):
        return -_constant(node.operand)  # type: ignore[operator]
    assert isinstance(node, ast.Constant)
    return node.value


def kinds_of(worlds: pd.DataFrame) -> dict[str, str]:
    """Each column of a worlds table and its kind: ``number`` (also true/false) or ``text``."""
    return {
        str(name): "number"
        if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
        else "text"
        for name, dtype in worlds.dtypes.items()
    }
