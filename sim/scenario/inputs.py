"""Reading input files within bounds: regular files only, checked before opening, size-capped.

Every file the toolkit reads as input (scenario files and the files they extend, ``sim play
--moves`` files, the ``manifest.json`` of a results folder) is read here. A FIFO, a socket or a
device is refused before it is opened, so a named pipe cannot block the command; the file is
opened without blocking and checked again, in case it was swapped in between; no more than a
limit is read, so an endless file cannot exhaust memory. JSON is parsed with a bound on nesting
(Python's parser would otherwise end in ``RecursionError``). The YAML parser with its bounds is
:mod:`sim.scenario.loading`'s. See ``docs/reliability.md``.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

MAX_JSON_DEPTH = 100
"""Deepest nesting of a JSON document accepted; a manifest nests about eight levels."""


class InputFileError(ValueError):
    """An input file that cannot be read as one: missing, special, too large, not UTF-8, ...

    Attributes:
        message: what is wrong, without the file's name (the caller names it).
        line: 1-based line of the problem, or None.

    """

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _kind(mode: int) -> str:
    """What a file of ``mode`` is, in words (for a file that is not a regular one)."""
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device, whose content may be endless: file too large"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "a special file"


def check_regular(path: str | Path, what: str = "file") -> os.stat_result:
    """Stat ``path`` (following links, as opening it would) and refuse anything but a regular file.

    Raises:
        FileNotFoundError: nothing is there.
        InputFileError: it is a directory, a FIFO, a socket or a device, or cannot be inspected.

    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as err:  # permissions, a loop of links, a NUL byte, too long
        reason = getattr(err, "strerror", None) or err
        raise InputFileError(f"cannot read the {what}: {reason}") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError(f"not a regular file ({_kind(info.st_mode)}); expected a {what}")
    return info


def read_bytes(path: str | Path, limit: int, what: str = "file") -> bytes:
    """The bytes of the regular file ``path``, refused if it holds more than ``limit`` bytes.

    Raises:
        FileNotFoundError: nothing is there.
        InputFileError: not a regular file (checked before and after opening), unreadable, or
            too large.

    """
    check_regular(path, what)
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as err:
        reason = getattr(err, "strerror", None) or err
        raise InputFileError(f"cannot read the {what}: {reason}") from None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):  # swapped for a special file since the check
            raise InputFileError(f"not a regular file ({_kind(info.st_mode)}); expected a {what}")
        if info.st_size > limit:
            raise InputFileError(_too_large(limit, what))
        with os.fdopen(handle, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
    except OSError as err:
        raise InputFileError(f"cannot read the {what}: {err.strerror or err}") from None
    finally:
        os.close(handle)
    if len(data) > limit:  # grew while it was read
        raise InputFileError(_too_large(limit, what))
    return data


def _too_large(limit: int, what: str) -> str:
    return f"file too large (over {_size(limit)}); is this a {what}?"


def _size(limit: int) -> str:
    return f"{limit // 1_000_000} MB" if limit >= 1_000_000 else f"{limit // 1000} kB"


def read_text(path: str | Path, limit: int, what: str = "file") -> str:
    """The UTF-8 text of the regular file ``path`` (see :func:`read_bytes`).

    Raises:
        FileNotFoundError: nothing is there.
        InputFileError: as :func:`read_bytes`, or the bytes are not UTF-8 (with the line).

    """
    data = read_bytes(path, limit, what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise InputFileError(
            f"not a UTF-8 text file (undecodable byte at offset {err.start})", line
        ) from None


def load_json(path: str | Path, limit: int, what: str = "JSON file") -> Any:
    """Parse the JSON file ``path``: at most ``limit`` bytes, nested at most ``MAX_JSON_DEPTH``.

    Raises:
        FileNotFoundError: nothing is there.
        InputFileError: as :func:`read_text`, or not JSON, or nested too deeply.

    """
    text = read_text(path, limit, what)
    too_deep = InputFileError(f"nested more than {MAX_JSON_DEPTH} levels deep; is this a {what}?")
    try:
        data = json.loads(text)
    except RecursionError:  # Python's parser stops at its recursion limit, about 1,000 levels
        raise too_deep from None
    except ValueError as err:  # also a number too long to convert
        line = getattr(err, "lineno", None)
        raise InputFileError(f"not valid JSON ({getattr(err, 'msg', err)})", line) from None
    if _depth(data) > MAX_JSON_DEPTH:
        raise too_deep
    return data


def _depth(data: Any) -> int:
    """How deeply ``data`` (parsed JSON) nests lists and objects, without recursing."""
    deepest, stack = 0, [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth) for item in items)
    return deepest
