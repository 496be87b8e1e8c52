"""Loading scenario files: YAML with line numbers, ``extends``, ``--set`` overrides, clear errors.

A scenario file is read in four steps:

1. parse the YAML, recording the line of every mapping key and sequence item (duplicate keys are
   refused);
2. resolve ``extends: other.yaml`` (relative to the extending file), deep-merging the parent under
   the child: mappings merge key by key and the child wins, lists and scalars are replaced whole;
3. apply ``--set PATH=VALUE`` overrides;
4. validate with :class:`sim.scenario.schema.Scenario`, then its cross-field ``semantic_errors``.

Any problem raises :class:`ScenarioError`, one line naming the file, the line, the field and what
was expected, e.g. ``scenarios/x.yaml:12: actors.usa.weakness_aversion: expected a probability in
[0, 1], got 1.5``.

Hostile or broken input is answered quickly and in little memory: files over ``MAX_FILE_BYTES``
are refused before parsing; documents of more than ``MAX_VALUES`` values (counting every
expansion of an alias, so a "billion laughs" stops after a few thousand steps), nested deeper
than ``MAX_DEPTH`` or extending more than ``MAX_EXTENDS`` files are refused; only plain-data YAML
tags are accepted. Anchors, aliases and merge keys (``<<: *shared``) stay usable within those
bounds.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import functools
import os
import re
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from sim.scenario.inputs import InputFileError, check_regular, read_bytes
from sim.scenario.schema import BOOLEAN_FOR_NUMBER, BOOLEAN_MESSAGE, Scenario

Key = str | int
KeyPath = tuple[Key, ...]
Source = tuple[str, int | None]
"""Where a value came from: (file, line); the line is None for the root and for overrides."""
SourceMap = dict[KeyPath, Source]

OVERRIDE = "--set"
"""The pseudo file name of values supplied by ``--set`` overrides."""

MAX_FILE_BYTES = 1_000_000
"""Larger files are refused before parsing: a scenario file is a few kilobytes."""
MAX_VALUES = 20_000
"""Most YAML values (nodes) in one document, counting each expansion of an alias ``*name``; a
scenario has a few hundred. Bounds the time and memory of a YAML alias bomb ("billion laughs")."""
MAX_DEPTH = 50
"""Deepest nesting of mappings and lists accepted; a scenario nests about five levels."""
MAX_EXTENDS = 20
"""Longest chain of files extending one another."""
MAX_DIGITS = 100
"""Longest whole number accepted, in characters."""

_YAML = "tag:yaml.org,2002:"
_EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
"""A number in exponent form without a dot (``1e-3``, ``5E+2``), which YAML 1.1 reads as text."""
_MERGE_TAG = _YAML + "merge"
_TIMESTAMP_TAG = _YAML + "timestamp"
_INT_TAG = _YAML + "int"
_PLAIN_TAGS = frozenset(
    _YAML + name for name in ("null", "bool", "int", "float", "str", "timestamp", "seq", "map")
)
"""Tags of plain data; any other (``!!python/object``, ``!!binary``, ``!!set``, ``!custom``) is
refused with a message, never constructed."""
_MISSING = object()
_LINE_BREAKS = str.maketrans(
    {char: repr(char)[1:-1] for char in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}
)
"""Characters ``str.splitlines`` breaks on, shown escaped so that an error stays on one line."""


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
        text = ": ".join(part for part in (where, self.field, self.message) if part)
        return text.translate(_LINE_BREAKS)


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
    if isinstance(overrides, str) or not all(isinstance(text, str) for text in overrides):
        raise TypeError(
            "overrides must be a list of 'PATH=VALUE' texts, e.g. "
            f"['actors.usa.credulity=0.8'], got {overrides!r}"
        )
    if not isinstance(path, str | Path):
        raise TypeError(f"path must be the path of a scenario file, got {type(path).__name__}")
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


def file_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario *file*, for editors (``sim schema``).

    The validated :class:`~sim.scenario.schema.Scenario`'s schema, loosened where a file differs
    from what it becomes: a file may name a parent with ``extends``, and then needs none of the
    required fields (the parent may give them); an actor may list only the fields it changes,
    without its ``role``, so it must match one actor schema or more, not exactly one.
    """
    schema = Scenario.model_json_schema()
    required = schema.pop("required")
    schema["properties"] = {
        "extends": {
            "type": "string",
            "description": "a scenario file this one builds on, relative to this file's folder; "
            "merged (this file over it), then validated",
        },
        **schema["properties"],
    }
    schema["if"] = {"not": {"required": ["extends"]}}
    schema["then"] = {"required": required}
    actors = schema["properties"]["actors"]["additionalProperties"]
    actors["anyOf"] = actors.pop("oneOf")
    return schema


def bundled_scenarios() -> list[Path]:
    """List the bundled scenario files.

    Returns:
        ``scenarios/*.yaml`` of the working directory if it has that folder, else of the source
        tree, sorted by name.

    """
    folder = Path("scenarios")
    if not folder.is_dir():
        folder = Path(__file__).resolve().parents[2] / "scenarios"
    return sorted(folder.glob("*.yaml"))


def _bundled_named(name: str) -> Path | None:
    """The bundled scenario a missing file's name (with or without ``.yaml``) may have meant."""
    stem = Path(name).name
    return next((b for b in bundled_scenarios() if b.name in (stem, f"{stem}.yaml")), None)


def _bundled_hint(path: Path) -> str:
    """Where the bundled scenario of that file name is, for a path that does not exist."""
    bundled = _bundled_named(str(path))
    return f" (the bundled scenario {bundled.name} is {bundled})" if bundled else ""


def _extends_hint(path: Path, parent_name: str) -> str:
    """How ``path`` would name the bundled scenario of that file name in ``extends:``."""
    bundled = _bundled_named(parent_name)
    if bundled is None:
        return ""
    relative = Path(os.path.relpath(bundled.resolve(), path.resolve().parent))
    named = bundled.resolve() if relative.parts[0] == os.pardir else relative
    return (
        f" (the path is relative to this file's folder; for the bundled {bundled.name}, "
        f"write extends: {named.as_posix()})"
    )


# --- reading and parsing -------------------------------------------------------------------------


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader that maps every key and item to its line, within bounds.

    It refuses duplicate keys, tags other than plain data, nesting deeper than ``MAX_DEPTH``,
    and documents of more than ``MAX_VALUES`` values, counting each expansion of an alias (so
    an alias bomb is refused after a few thousand steps, not after exhausting memory).
    """

    def __init__(self, text: str, file: str) -> None:
        super().__init__(text)
        self.file = file
        self.sources: SourceMap = {(): (file, None)}
        self._open: set[int] = set()
        self._composed = 0
        self._depth = 0
        self._recorded = 0

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _YAML + "value"]
        + ([(_YAML + "float", _EXPONENT_FLOAT)] if first in "+-.0123456789" else [])
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    """SafeLoader's implicit tags, but a plain ``=`` is text, not the unconstructable !!value,
    and ``1e-3`` is a number (YAML 1.2; YAML 1.1, which PyYAML reads, wants ``1.0e-3``)."""

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        """Compose one node, counting nodes and nesting as they are read."""
        mark = self.peek_event().start_mark
        self._composed += 1
        if self._composed > MAX_VALUES:
            raise ScenarioError(
                f"too many values (more than {MAX_VALUES}); a scenario has a few hundred",
                file=self.file,
                line=mark.line + 1,
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ScenarioError(
                    f"nested more than {MAX_DEPTH} levels deep", file=self.file, line=mark.line + 1
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def record(self, node: yaml.Node, path: KeyPath = ()) -> None:
        """Record the line of every key and item under ``node`` (at ``path``) in ``sources``.

        Also checks what the composer cannot: tags, and the size and depth of the document once
        aliases are expanded.
        """
        if id(node) in self._open:
            raise self._error("an alias refers to its own anchor (recursive data)", node, path)
        self._recorded += 1
        if self._recorded > MAX_VALUES:
            raise self._error(
                f"aliases (*name) expand to more than {MAX_VALUES} values; "
                "is this a YAML alias bomb?",
                node,
                path,
            )
        if len(path) > MAX_DEPTH:
            raise self._error(f"nested more than {MAX_DEPTH} levels deep", node, path)
        self._check_scalar(node, path)
        self._open.add(id(node))
        if isinstance(node, yaml.MappingNode):
            self._record_mapping(node, path)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.sources[(*path, index)] = (self.file, item.start_mark.line + 1)
                self.record(item, (*path, index))
        self._open.discard(id(node))

    def _check_scalar(self, node: yaml.Node, path: KeyPath) -> None:
        """Refuse tags other than plain data, overlong numbers and impossible dates."""
        if node.tag not in _PLAIN_TAGS:
            tag = node.tag.replace(_YAML, "!!")
            raise self._error(
                f"the YAML tag {tag} is not allowed; "
                "a scenario holds plain text, numbers, dates, lists and mappings",
                node,
                path,
            )
        if node.tag == _INT_TAG and len(node.value) > MAX_DIGITS:
            raise self._error(f"a number of {len(node.value)} characters is too long", node, path)
        if node.tag == _TIMESTAMP_TAG:
            try:
                self.construct_object(node)
            except (ValueError, OverflowError) as err:
                raise self._error(f"invalid date {node.value!r} ({err})", node, path) from None

    def _record_mapping(self, node: yaml.MappingNode, path: KeyPath) -> None:
        for key_node, value_node in node.value:  # merged keys (<<) first: explicit keys win
            if key_node.tag == _MERGE_TAG:
                merged = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in merged:
                    if not isinstance(source, yaml.MappingNode):
                        raise self._error(
                            "a merge key (<<) takes a mapping or a list of mappings", source, path
                        )
                    self.record(source, path)
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self._error(
                    "a key must be a plain name, not a mapping or a list", key_node, path
                )
            self._check_scalar(key_node, path)
            key = self.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if key in first_line:
                raise ScenarioError(
                    f"duplicate key {_show(key)} on lines {first_line[key]} and {line}",
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


_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}


def _read(path: Path, file: str) -> str:
    """Read ``path`` as UTF-8 text; any reason it cannot be read becomes a ScenarioError.

    Only a regular file is opened (:func:`sim.scenario.inputs.read_bytes`: a FIFO cannot block),
    and at most ``MAX_FILE_BYTES`` are read, so a huge file is refused quickly.
    """
    if path.is_dir():
        raise ScenarioError("is a directory, not a scenario file", file=file)
    try:
        data = read_bytes(path, MAX_FILE_BYTES, "scenario file")
    except FileNotFoundError:
        raise ScenarioError("file not found" + _bundled_hint(path), file=file) from None
    except InputFileError as err:
        raise ScenarioError(err.message, file=file) from None
    for bom, encoding in _BOMS.items():
        if data.startswith(bom):
            raise ScenarioError(f"the file is {encoding} text; save it as UTF-8", file=file)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ScenarioError(
            f"not a UTF-8 text file (undecodable byte at offset {err.start})", file=file, line=line
        ) from None


def _blank(text: str) -> bool:
    """Whether ``text`` has nothing but blank lines and ``#`` comments."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def parse_yaml(text: str, file: str) -> tuple[Any, yaml.Node | None, SourceMap]:
    """Parse one YAML document, within bounds, into data, its root node and the line of each path.

    The one YAML parser of the toolkit's inputs (scenario files, ``extends`` targets, moves files):
    plain-data tags only, at most ``MAX_VALUES`` values counting alias expansions, ``MAX_DEPTH``
    levels, no duplicate keys.

    Returns:
        ``(data, root, sources)``; ``root`` is None for an empty document.

    """
    try:
        loader = _LineLoader(text, file)  # checks the characters first
    except yaml.YAMLError as err:
        raise _yaml_error(err, text, file) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None, loader.sources
        loader.record(node)
        data = loader.construct_document(node)
    except yaml.YAMLError as err:
        raise _yaml_error(err, text, file) from None
    except RecursionError:  # a safety net: the depth limits above should prevent it
        raise ScenarioError(f"nested too deeply (over {MAX_DEPTH} levels)", file=file) from None
    finally:
        loader.dispose()
    return data, node, loader.sources


def _parse(text: str, file: str) -> tuple[dict[str, Any], SourceMap]:
    """Parse a scenario file's text; the top must be a mapping.

    A text is parsed once per process and copied after that: ``sim list`` and comparisons read
    the base file again as the parent of every scenario (about 12 ms a parse, 0.7 ms a copy).
    """
    return copy.deepcopy(_parse_once(text, file))


@functools.lru_cache(maxsize=16)
def _parse_once(text: str, file: str) -> tuple[dict[str, Any], SourceMap]:
    """:func:`_parse`, without the copy (callers change what they get: never return this)."""
    if _blank(text):
        raise ScenarioError("the file is empty; expected a mapping of scenario fields", file=file)
    data, node, sources = parse_yaml(text, file)
    if node is None or data is None:
        raise ScenarioError("the file is empty; expected a mapping of scenario fields", file=file)
    if not isinstance(data, dict):
        raise ScenarioError(
            f"expected a mapping of scenario fields at the top level, got {_show(data)}",
            file=file,
            line=node.start_mark.line + 1,
        )
    return data, sources


def _yaml_error(err: yaml.YAMLError, text: str, file: str) -> ScenarioError:
    """Turn a PyYAML error into a ScenarioError with the line it points at."""
    if isinstance(err, yaml.reader.ReaderError):
        line = text.count("\n", 0, err.position) + 1
        return ScenarioError(
            f"not a text file: unacceptable character #x{err.character:04x}", file=file, line=line
        )
    if isinstance(err, yaml.MarkedYAMLError):
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        if err.problem and "'\\t'" in err.problem:
            return ScenarioError(
                "invalid YAML: a tab character; indent with spaces, not tabs", file=file, line=line
            )
        message = f"invalid YAML: {err.problem or err.context}"
        if err.problem and err.context and err.context.startswith("while"):
            started = f" on line {err.context_mark.line + 1}" if err.context_mark else ""
            message += f" ({err.context}{started})"
        elif err.problem and err.context:
            message = f"invalid YAML: {err.context}, {err.problem}"
        return ScenarioError(message, file=file, line=line)
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
    if len(chain) >= MAX_EXTENDS:
        raise error(f"more than {MAX_EXTENDS} files extend one another")
    try:
        chain = (*chain, (path.resolve(), file))
        if parent_path.resolve() in [resolved for resolved, _ in chain]:
            cycle = " -> ".join([*(name for _, name in chain), parent_file])
            raise error(f"extends cycle: {cycle}")
        if not parent_path.exists():
            raise error(
                f"cannot extend {parent_file!r}: file not found{_extends_hint(path, parent_name)}"
            )
        if parent_path.is_dir():
            raise error(f"cannot extend {parent_file!r}: it is a directory, not a scenario file")
        check_regular(parent_path, "scenario file")  # a FIFO would block the reading
    except InputFileError as err:
        raise error(f"cannot extend {parent_file!r}: {err.message}") from None
    except (OSError, ValueError, RuntimeError) as err:  # a NUL byte, a symlink loop, ...
        reason = getattr(err, "strerror", None) or err
        raise error(f"cannot extend {parent_file!r}: {reason}") from None
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

    A distribution (a mapping with ``dist``) is one value: the child's replaces the parent's
    whole, so changing the family or leaving out a parameter never mixes the two. The paths
    replaced whole are appended to ``replaced``.
    """
    if isinstance(base, dict) and isinstance(over, dict) and "dist" not in over:
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


def read_yaml_value(text: str, source: str) -> Any:
    """Read one YAML value typed on the command line, with the bounds and checks of a file.

    Raises:
        ScenarioError: invalid YAML, or beyond the reader's limits (size, depth, aliases), with
            ``source`` (e.g. ``--vary``) as its file.

    """
    return parse_yaml(text, source)[0]


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
        value = parse_yaml(raw, OVERRIDE)[0]  # the same bounds and checks as a file
    except ScenarioError as err:
        message = err.message.removeprefix("invalid YAML: ")
        raise ScenarioError(
            f"cannot read the value {_show(raw)}: {message}", file=OVERRIDE, field=dotted
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
            index = int(part) if part.isascii() and part.isdigit() and len(part) < 10 else None
            if index is None or index >= len(container):
                raise ScenarioError(
                    f"no item {part} in {here}, which has {_items(len(container))} (from 0)",
                    file=OVERRIDE,
                    field=dotted,
                )
            key = index
        elif not isinstance(container, dict):
            raise ScenarioError(
                f"{here} is {_show(container)}, not a mapping", file=OVERRIDE, field=dotted
            )
        elif part not in container:
            fields = _field_names(_resolve(annotation, container))
            if fields is None:  # a free mapping (like actors): only its last part may be new
                if not last:
                    hint = _did_you_mean(part, container) or (
                        f" (to add one, set {_dotted((*path, part))}={{...}} whole)"
                    )
                    raise ScenarioError(f"no {part!r} in {here}{hint}", file=OVERRIDE, field=dotted)
            elif part not in fields:
                raise ScenarioError(
                    f"no field {part!r} in {here}{_did_you_mean(part, fields)}",
                    file=OVERRIDE,
                    field=dotted,
                )
            if not last:
                child = _resolve(_child(_resolve(annotation, container), part))
                container[part] = [] if get_origin(child) in SEQUENCES else {}
        path.append(key)
        if last:
            return container, key, tuple(path)
        annotation = _child(_resolve(annotation, container), key)
        container = container[key]
    raise AssertionError("unreachable: parts is never empty")


# --- walking the schema --------------------------------------------------------------------------

SEQUENCES = (list, tuple)
"""Origins of the schema's sequences: a file's lists are tuples once loaded (immutable)."""


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
    return list if get_origin(inner) in SEQUENCES else None


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
    if get_origin(annotation) in SEQUENCES:
        return get_args(annotation)[0]  # list[X], or tuple[X, ...] (a loaded scenario's lists)
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
    key: bool = False
    """the error is about the key at ``path`` (a name that is not text), not its value"""


def _clean_loc(loc: Iterable[Any]) -> _Loc:
    """Walk an error location through the schema, dropping union member labels."""
    annotation: Any = Scenario
    parent: Any = None
    clean: list[Key] = []
    branches: list[tuple[int, type | None]] = []
    key = False
    for item in loc:
        if item == "[key]":
            key = True
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
    return _Loc(tuple(clean), parent, annotation, branches, key)


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
    "tuple_type": "a list",  # a file's lists are tuples once loaded
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
    if details[chosen]["type"] == "missing":  # a misspelt name: report the typo, not the gap
        parent = errors[chosen].path[:-1]
        chosen = next(
            (
                i
                for i, detail in enumerate(details)
                if detail["type"] == "extra_forbidden" and errors[i].path[:-1] == parent
            ),
            chosen,
        )
    loc, error = errors[chosen], details[chosen]
    path = _real_path(doc, loc.path)
    kind = error["type"]
    ctx = error.get("ctx", {})
    name = path[-1] if path else ""
    if loc.key or kind == "invalid_key":
        hint = "" if isinstance(name, str) else "; put it in quotes"
        message = f"a name must be text, got {_show(name)}{hint}"
    elif kind == "extra_forbidden":
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
            given = error.get("input")
            raw = given.get(discriminator) if isinstance(given, dict) else None
            tag = str(ctx.get("tag"))
            shown = f"{str(raw).lower()} (YAML reads yes, no, on and off as booleans)"
            message = (
                f"unknown {discriminator} {shown if isinstance(raw, bool) else repr(tag)}; "
                f"expected one of {', '.join(tags)}{_did_you_mean(tag, tags)}"
            )
    elif kind == BOOLEAN_FOR_NUMBER:  # raised by the model: locate it at the field
        path = (*path, ctx["field"])
        message = BOOLEAN_MESSAGE.format(value=ctx["value"])
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
    elif kind == "string_too_long":
        length = len(error["input"]) if isinstance(error.get("input"), str) else "more"
        message = f"expected text of at most {ctx.get('max_length'):,} characters, got {length:,}"
    else:
        message = error["msg"].removeprefix("Value error, ")
        if message.startswith("Input should be "):
            message = "expected " + message.removeprefix("Input should be ")
            message += f", got {_show(error['input'])}"
    return _located(message, path, sources)


def _located(message: str, path: KeyPath, sources: SourceMap) -> ScenarioError:
    """Make a ScenarioError at ``path``, with the file and line of its deepest recorded prefix.

    Where the line is in a file but a ``--set`` override inside ``path``, or beside one of its
    parents, made the value wrong, the message names that override too: the file's line alone
    would blame text the user never touched.
    """
    for depth in range(len(path), -1, -1):
        if path[:depth] in sources:
            file, line = sources[path[:depth]]
            break
    else:  # pragma: no cover - the root is always recorded
        file, line = None, None
    if file != OVERRIDE:
        related = [
            key
            for key, (source, _) in sources.items()
            if source == OVERRIDE
            and key
            and (key[: len(path)] == path or path[: len(key) - 1] == key[:-1])
        ]
        if related:
            message += f" (after --set {_dotted(max(related, key=len))}=...)"
    return ScenarioError(message, file=file, line=line, field=_dotted(path) or None)


# --- small helpers -------------------------------------------------------------------------------


def _real_path(doc: Any, path: KeyPath) -> KeyPath:
    """Map an error location to the document's own keys.

    Pydantic reports some keys changed (``None`` as ``'None'``, ``true`` as ``1``); the source
    map and the messages need the keys as they were read.
    """
    real: list[Any] = []
    for item in path:
        if isinstance(doc, dict) and not (item in doc and type(item) is str):
            same = [key for key in doc if key == item and type(key) is type(item)]
            near = [key for key in doc if key == item or str(key) == str(item)]
            item = (same or near or [item])[0]
        real.append(item)
        doc = doc.get(item, _MISSING) if isinstance(doc, dict) else _get(doc, (item,))
    return tuple(real)


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


def _dotted(path: Iterable[Any]) -> str:
    """``actors.usa.credulity``; keys that are not text are shown as YAML writes them."""
    return ".".join(_key_text(key) for key in path)


def _key_text(key: Any) -> str:
    """A key as YAML writes it: ``usa``, ``0``, ``true``, ``null``."""
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, str) and (not key or "." in key or key != key.strip()):
        return repr(key)
    return str(key)


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
        return repr(value) if len(value) <= 40 else f"{value[:40]!r}..."
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and abs(value) >= 10**20:
        return f"a number of {len(str(abs(value)))} digits"
    text = str(value)
    return text if len(text) <= 40 else f"{text[:40]}..."
