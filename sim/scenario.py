"""Loading scenario files: YAML with line numbers, ``extends``, ``--set`` overrides, clear errors.

A scenario file is read in four steps:

1. parse the YAML, recording the line of every mapping key and sequence item (duplicate keys are
   refused);
2. resolve ``extends: other.yaml`` (relative to the extending file), deep-merging the parent under
   the child: mappings merge key by key and the child wins, lists and scalars are replaced whole;
3. apply ``--set PATH=VALUE`` overrides;
4. validate with :class:`sim.schema.Scenario`, then its cross-field ``semantic_errors``.

Any problem raises :class:`ScenarioError`, one line naming the file, the line, the field and what
was expected, e.g. ``scenarios/x.yaml:12: actors.usa.weakness_aversion: expected a probability in
[0, 1], got 1.5``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from sim.schema import Scenario

Key = str | int
KeyPath = tuple[Key, ...]
Source = tuple[str, int | None]
"""Where a value came from: (file, line); the line is None for the root and for overrides."""
SourceMap = dict[KeyPath, Source]

OVERRIDE = "--set"
"""The pseudo file name of values supplied by ``--set`` overrides."""

_MERGE_TAG = "tag:yaml.org,2002:merge"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_MISSING = object()


class ScenarioError(Exception):
    """A problem in a scenario file or an override, located as precisely as possible.

    Attributes:
        file: the file (as the user named it), ``--set`` for an override, or None.
        line: 1-based line in ``file``, or None.
        field: dotted path of the field, e.g. ``actors.usa.weakness_aversion``, or None.
        message: what is wrong and what was expected.

    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.file = file
        self.line = line
        self.field = field
        self.message = message

    def __str__(self) -> str:
        where = self.file
        if where is not None and self.line is not None:
            where = f"{where}:{self.line}"
        return ": ".join(part for part in (where, self.field, self.message) if part)


# --- public functions ----------------------------------------------------------------------------


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Load, merge, override and validate a scenario file.

    Args:
        path: the scenario file.
        overrides: ``PATH=VALUE`` strings, e.g. ``actors.usa.weakness_aversion=0.9``; VALUE is
            parsed as YAML, so ``{dist: beta, a: 2, b: 5}`` gives a distribution.

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: the first problem found, with its file, line and field.

    """
    doc, sources = _load_document(Path(path), str(path), ())
    for text in overrides:
        _apply_override(doc, sources, text)
    try:
        scenario = Scenario.model_validate(doc)
    except ValidationError as err:
        raise _from_validation_error(err, doc, sources) from None
    for where, message in scenario.semantic_errors():
        raise _located(message, tuple(where), sources)
    return scenario


def bundled_scenarios() -> list[Path]:
    """List the bundled scenario files.

    Returns:
        ``scenarios/*.yaml`` of the working directory if it has that folder, else of the source
        tree, sorted by name.

    """
    folder = Path("scenarios")
    if not folder.is_dir():
        folder = Path(__file__).resolve().parent.parent / "scenarios"
    return sorted(folder.glob("*.yaml"))


# --- reading and parsing -------------------------------------------------------------------------


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader that maps every key and item to its line and refuses duplicate keys."""

    def __init__(self, text: str, file: str) -> None:
        super().__init__(text)
        self.file = file
        self.sources: SourceMap = {(): (file, None)}
        self._open: set[int] = set()

    def record(self, node: yaml.Node, path: KeyPath = ()) -> None:
        """Record the line of every key and item under ``node`` (at ``path``) in ``sources``."""
        if id(node) in self._open:
            raise self._error("an alias refers to its own anchor (recursive data)", node, path)
        self._open.add(id(node))
        if isinstance(node, yaml.MappingNode):
            self._record_mapping(node, path)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.sources[(*path, index)] = (self.file, item.start_mark.line + 1)
                self.record(item, (*path, index))
        elif node.tag == _TIMESTAMP_TAG:
            try:
                self.construct_object(node)
            except ValueError as err:
                raise self._error(f"invalid date {node.value!r} ({err})", node, path) from None
        self._open.discard(id(node))

    def _record_mapping(self, node: yaml.MappingNode, path: KeyPath) -> None:
        for key_node, value_node in node.value:  # merged keys (<<) first: explicit keys win
            if key_node.tag == _MERGE_TAG:
                merged = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in merged:
                    self.record(source, path)
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self._error(
                    "a key must be a plain name, not a mapping or a list", key_node, path
                )
            key = self.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if key in first_line:
                raise ScenarioError(
                    f"duplicate key {key!r} on lines {first_line[key]} and {line}",
                    file=self.file,
                    line=line,
                    field=_dotted((*path, key)),
                )
            first_line[key] = line
            self.sources[(*path, key)] = (self.file, line)
            self.record(value_node, (*path, key))

    def _error(self, message: str, node: yaml.Node, path: KeyPath) -> ScenarioError:
        return ScenarioError(
            message, file=self.file, line=node.start_mark.line + 1, field=_dotted(path) or None
        )


def _read(path: Path, file: str) -> str:
    """Read ``path`` as UTF-8 text; any reason it cannot be read becomes a ScenarioError."""
    if path.is_dir():
        raise ScenarioError("is a directory, not a scenario file", file=file)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError("file not found", file=file) from None
    except OSError as err:
        raise ScenarioError(f"cannot read the file: {err.strerror or err}", file=file) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ScenarioError(
            f"not a UTF-8 text file (undecodable byte at offset {err.start})", file=file, line=line
        ) from None


def _parse(text: str, file: str) -> tuple[dict[str, Any], SourceMap]:
    """Parse one YAML document into data and the line of each path; the top must be a mapping."""
    try:
        loader = _LineLoader(text, file)  # checks the characters first
    except yaml.YAMLError as err:
        raise _yaml_error(err, text, file) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError(
                "the file is empty; expected a mapping of scenario fields", file=file
            )
        loader.record(node)
        data = loader.construct_document(node)
    except yaml.YAMLError as err:
        raise _yaml_error(err, text, file) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ScenarioError(
            f"expected a mapping of scenario fields at the top level, got {_show(data)}",
            file=file,
            line=node.start_mark.line + 1,
        )
    return data, loader.sources


def _yaml_error(err: yaml.YAMLError, text: str, file: str) -> ScenarioError:
    """Turn a PyYAML error into a ScenarioError with the line it points at."""
    if isinstance(err, yaml.reader.ReaderError):
        line = text.count("\n", 0, err.position) + 1
        return ScenarioError(
            f"not a text file: unacceptable character #x{err.character:04x}", file=file, line=line
        )
    if isinstance(err, yaml.MarkedYAMLError):
        mark = err.problem_mark or err.context_mark
        message = f"invalid YAML: {err.problem or err.context}"
        if err.problem and err.context and err.context.startswith("while"):
            started = f" on line {err.context_mark.line + 1}" if err.context_mark else ""
            message += f" ({err.context}{started})"
        elif err.problem and err.context:
            message = f"invalid YAML: {err.context}, {err.problem}"
        return ScenarioError(message, file=file, line=mark.line + 1 if mark else None)
    return ScenarioError(f"invalid YAML: {err}", file=file)


# --- extends -------------------------------------------------------------------------------------


def _load_document(
    path: Path, file: str, chain: tuple[tuple[Path, str], ...]
) -> tuple[dict[str, Any], SourceMap]:
    """Parse ``path`` and, recursively, the files it extends; merge them, child over parent."""
    doc, sources = _parse(_read(path, file), file)
    if "extends" not in doc:
        return doc, sources
    parent_name = doc.pop("extends")
    _, line = sources.pop(("extends",))

    def error(message: str) -> ScenarioError:
        return ScenarioError(message, file=file, line=line, field="extends")

    if not isinstance(parent_name, str) or not parent_name.strip():
        raise error(f"expected the name of a scenario file to extend, got {_show(parent_name)}")
    parent_path = path.parent / parent_name
    parent_file = os.path.normpath(os.path.join(os.path.dirname(file), parent_name))
    chain = (*chain, (path.resolve(), file))
    if parent_path.resolve() in [resolved for resolved, _ in chain]:
        cycle = " -> ".join([*(name for _, name in chain), parent_file])
        raise error(f"extends cycle: {cycle}")
    if not parent_path.is_file():
        raise error(f"cannot extend {parent_file!r}: file not found")
    parent, parent_sources = _load_document(parent_path, parent_file, chain)
    replaced: list[KeyPath] = []
    merged = _deep_merge(parent, doc, (), replaced)
    kept = {
        key: source
        for key, source in parent_sources.items()
        if not any(key[: len(r)] == r for r in replaced)
    }
    return merged, kept | sources


def _deep_merge(base: Any, over: Any, path: KeyPath, replaced: list[KeyPath]) -> Any:
    """Merge ``over`` into ``base``: mappings key by key, anything else replaced whole.

    The paths replaced whole are appended to ``replaced``.
    """
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            if key in base:
                merged[key] = _deep_merge(base[key], value, (*path, key), replaced)
            else:
                merged[key] = value
        return merged
    replaced.append(path)
    return over


# --- overrides -----------------------------------------------------------------------------------


def _apply_override(doc: dict[str, Any], sources: SourceMap, text: str) -> None:
    """Apply one ``PATH=VALUE`` override to ``doc`` and record ``--set`` as its source."""
    dotted, equals, raw = text.partition("=")
    dotted = dotted.strip()
    if not equals or not dotted:
        raise ScenarioError(
            f"expected PATH=VALUE (e.g. actors.usa.weakness_aversion=0.9), got {text!r}",
            file=OVERRIDE,
        )
    parts = dotted.split(".")
    if not all(parts):
        raise ScenarioError("empty part in the path", file=OVERRIDE, field=dotted)
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError as err:
        problem = getattr(err, "problem", None) or err
        raise ScenarioError(
            f"cannot parse the value {raw!r} as YAML: {problem}", file=OVERRIDE, field=dotted
        ) from None
    container, key, path = _override_target(doc, parts, dotted)
    container[key] = value
    for stale in [p for p in sources if p[: len(path)] == path]:
        del sources[stale]
    for depth in range(1, len(path) + 1):  # the path and any mappings created on the way
        sources.setdefault(path[:depth], (OVERRIDE, None))


def _override_target(
    doc: dict[str, Any], parts: list[str], dotted: str
) -> tuple[Any, Key, KeyPath]:
    """Walk ``parts`` through the document and the schema together.

    Missing mappings on the way are created when the schema has the field.

    Returns:
        The container to set, the key in it, and the full path.

    """
    container: Any = doc
    annotation: Any = Scenario
    path: list[Key] = []
    for position, part in enumerate(parts):
        last = position == len(parts) - 1
        here = _dotted(path) or "the scenario"
        key: Key = part
        if isinstance(container, list):
            if not part.isdigit() or int(part) >= len(container):
                raise ScenarioError(
                    f"no item {part} in {here}, which has {_items(len(container))} (from 0)",
                    file=OVERRIDE,
                    field=dotted,
                )
            key = int(part)
        elif not isinstance(container, dict):
            raise ScenarioError(
                f"{here} is {_show(container)}, not a mapping", file=OVERRIDE, field=dotted
            )
        elif part not in container:
            fields = _field_names(_resolve(annotation, container))
            if fields is None:  # a free mapping (like actors): only its last part may be new
                if not last:
                    raise ScenarioError(
                        f"no {part!r} in {here}{_did_you_mean(part, container)}",
                        file=OVERRIDE,
                        field=dotted,
                    )
            elif part not in fields:
                raise ScenarioError(
                    f"no field {part!r} in {here}{_did_you_mean(part, fields)}",
                    file=OVERRIDE,
                    field=dotted,
                )
            if not last:
                child = _resolve(_child(_resolve(annotation, container), part))
                container[part] = [] if get_origin(child) is list else {}
        path.append(key)
        if last:
            return container, key, tuple(path)
        annotation = _child(_resolve(annotation, container), key)
        container = container[key]
    raise AssertionError("unreachable: parts is never empty")


# --- walking the schema --------------------------------------------------------------------------


def _unwrap(annotation: Any) -> tuple[Any, str | None]:
    """Strip ``Annotated`` and ``Optional``; return the type and its discriminator, if any."""
    discriminator = None
    while True:
        if get_origin(annotation) is Annotated:
            for meta in annotation.__metadata__:
                if isinstance(getattr(meta, "discriminator", None), str):
                    discriminator = meta.discriminator
            annotation = get_args(annotation)[0]
        elif _is_union(annotation) and type(None) in get_args(annotation):
            rest = [arg for arg in get_args(annotation) if arg is not type(None)]
            annotation = rest[0] if len(rest) == 1 else Union[tuple(rest)]  # noqa: UP007
        else:
            return annotation, discriminator


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def _members(annotation: Any, discriminator: str | None) -> dict[str, Any]:
    """Map a union's members by the label pydantic gives them in error locations."""
    members = {}
    for member in get_args(annotation):
        inner, inner_discriminator = _unwrap(member)
        if discriminator and _is_model(inner):
            for tag in get_args(inner.model_fields[discriminator].annotation):
                members[str(tag)] = member
        elif inner_discriminator:
            members["tagged-union"] = member
        elif _is_model(inner):
            members[inner.__name__] = member
        else:
            members[getattr(inner, "__name__", str(inner))] = member
    return members


def _resolve(annotation: Any, value: Any = _MISSING) -> Any:
    """Strip wrappers; pick a union's member by the document ``value`` where that decides it."""
    annotation, discriminator = _unwrap(annotation)
    while _is_union(annotation):
        members = _members(annotation, discriminator)
        if discriminator:
            tag = value.get(discriminator) if isinstance(value, dict) else None
            member = members.get(str(tag))
        else:
            wanted = dict if isinstance(value, dict) else list if isinstance(value, list) else None
            member = next((m for m in members.values() if _shape(m) is wanted), None)
        if member is None:
            return annotation
        annotation, discriminator = _unwrap(member)
    return annotation


def _shape(annotation: Any) -> type | None:
    """Classify an annotation: ``dict`` for mappings and models, ``list``, or None (scalar)."""
    inner, discriminator = _unwrap(annotation)
    if discriminator or _is_model(inner) or get_origin(inner) is dict:
        return dict
    return list if get_origin(inner) is list else None


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _child(annotation: Any, key: Key) -> Any:
    """Return the annotation of ``key`` inside an (unwrapped) model, dict or list."""
    if _is_model(annotation):
        info = annotation.model_fields.get(str(key))
        if info is None:
            return None
        return Annotated[info.annotation, info] if info.discriminator else info.annotation
    if get_origin(annotation) is dict:
        return get_args(annotation)[1]
    if get_origin(annotation) is list:
        return get_args(annotation)[0]
    return None


def _field_names(annotation: Any) -> list[str] | None:
    """List the valid keys at a place.

    Returns:
        A model's fields, every member's fields for an undecided union, or None for a free
        mapping (any key allowed).

    """
    if _is_model(annotation):
        return list(annotation.model_fields)
    if _is_union(annotation):
        names: list[str] = []
        for member in get_args(annotation):
            names += [n for n in _field_names(_unwrap(member)[0]) or [] if n not in names]
        return names
    return None


@dataclass
class _Loc:
    """A pydantic error location walked through the schema."""

    path: KeyPath
    """the clean path: pydantic's union member labels (``aggressor``, ``float``...) dropped"""
    parent: Any
    """annotation of the place holding the last key of ``path``"""
    annotation: Any
    """annotation at ``path`` (after the member labels that followed it)"""
    branches: list[tuple[int, type | None]]
    """plain (non-discriminated) union branches taken: (depth in ``path``, shape of the member)"""


def _clean_loc(loc: Iterable[Any]) -> _Loc:
    """Walk an error location through the schema, dropping union member labels."""
    annotation: Any = Scenario
    parent: Any = None
    clean: list[Key] = []
    branches: list[tuple[int, type | None]] = []
    for item in loc:
        if item == "[key]":
            continue
        annotation, discriminator = _unwrap(annotation)
        if _is_union(annotation):
            members = _members(annotation, discriminator)
            label = next((m for m in members if item == m or str(item).startswith(f"{m}[")), None)
            if label is not None:
                if not discriminator:
                    branches.append((len(clean), _shape(members[label])))
                annotation = members[label]
                continue
        parent = annotation
        clean.append(item)
        annotation = _child(annotation, item)
    return _Loc(tuple(clean), parent, annotation, branches)


# --- validation errors ---------------------------------------------------------------------------

_EXPECTED = {
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "date_type": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "a date (YYYY-MM-DD) without a time",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
}
_BOUNDS = {
    "greater_than": ">",
    "greater_than_equal": ">=",
    "less_than": "<",
    "less_than_equal": "<=",
}


def _from_validation_error(
    err: ValidationError, doc: dict[str, Any], sources: SourceMap
) -> ScenarioError:
    """Turn the first pydantic error into a ScenarioError located in the source files."""
    details = err.errors(include_url=False)
    errors = [_clean_loc(detail["loc"]) for detail in details]
    chosen = 0
    if errors[0].branches:  # e.g. `float | distribution`: report the branch the value is shaped for
        depth = errors[0].branches[0][0]
        value = _get(doc, errors[0].path[:depth])
        wanted = dict if isinstance(value, dict) else list if isinstance(value, list) else None
        chosen = next(
            (
                i
                for i, loc in enumerate(errors)
                if loc.path[:depth] == errors[0].path[:depth]
                and loc.branches[:1] == [(depth, wanted)]
            ),
            0,
        )
    loc, error = errors[chosen], details[chosen]
    path = loc.path
    kind = error["type"]
    ctx = error.get("ctx", {})
    name = path[-1] if path else ""
    if kind == "extra_forbidden":
        suggestion = _did_you_mean(str(name), _field_names(_resolve(loc.parent)) or [])
        message = f"unknown field {name!r}{suggestion}"
    elif kind == "missing":
        message = "required field is missing"
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        discriminator = ctx.get("discriminator", "").strip("'")
        tags = list(_members(*_unwrap(loc.annotation)))
        path = (*path, discriminator)
        if kind == "union_tag_not_found":
            message = f"missing {discriminator!r}; expected one of {', '.join(tags)}"
        else:
            tag = str(ctx.get("tag"))
            message = (
                f"unknown {discriminator} {tag!r}; expected one of {', '.join(tags)}"
                f"{_did_you_mean(tag, tags)}"
            )
    elif kind in ("value_error", "assertion_error") and "error" in ctx:
        message = str(ctx["error"])
    elif kind in _EXPECTED:
        message = f"expected {_EXPECTED[kind]}, got {_show(error['input'])}"
    elif kind in _BOUNDS:
        bound = next(iter(ctx.values()))
        message = f"expected a number {_BOUNDS[kind]} {bound}, got {_show(error['input'])}"
    elif kind == "literal_error":
        message = f"expected {ctx.get('expected')}, got {_show(error['input'])}"
    elif kind in ("too_short", "too_long"):
        limit = ctx.get("min_length", ctx.get("max_length"))
        least = "at least" if kind == "too_short" else "at most"
        message = f"expected {least} {limit} items, got {ctx.get('actual_length')}"
    else:
        message = error["msg"].removeprefix("Value error, ")
        if message.startswith("Input should be "):
            message = "expected " + message.removeprefix("Input should be ")
            message += f", got {_show(error['input'])}"
    return _located(message, path, sources)


def _located(message: str, path: KeyPath, sources: SourceMap) -> ScenarioError:
    """Make a ScenarioError at ``path``, with the file and line of its deepest recorded prefix."""
    for depth in range(len(path), -1, -1):
        if path[:depth] in sources:
            file, line = sources[path[:depth]]
            break
    else:  # pragma: no cover - the root is always recorded
        file, line = None, None
    return ScenarioError(message, file=file, line=line, field=_dotted(path) or None)


# --- small helpers -------------------------------------------------------------------------------


def _get(doc: Any, path: KeyPath) -> Any:
    """Return the document value at ``path``, or a sentinel if there is none."""
    for key in path:
        try:
            doc = doc[key]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return doc


def _items(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def _dotted(path: Iterable[Key]) -> str:
    return ".".join(str(key) for key in path)


def _did_you_mean(name: str, candidates: Iterable[Any]) -> str:
    """``; did you mean 'x'?`` for the closest candidate, or an empty string."""
    close = difflib.get_close_matches(name, [str(c) for c in candidates], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _show(value: Any) -> str:
    """Describe a value given by the user, briefly."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
