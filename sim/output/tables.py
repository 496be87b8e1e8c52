"""Large tables written as one CSV file in parts, so that a helper process can write some of them.

pandas formats every value of a row on its own, so the rows ``a .. b - 1`` of a frame written
alone are the same bytes as in the whole file: the parts, joined in order, are the file written
in one piece (``tests/test_saving.py``). Writing ``worlds.csv`` takes about 18 µs a row
here, two thirds of the time a world takes to simulate on two cores.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pandas as pd

PART_ROWS = 25_000
"""Rows per part (about 0.45 s of writing): small enough to share the work evenly."""


class CsvInParts:
    """``frame`` as the CSV file ``path`` (no index), written part by part.

    Part 0 is written to ``path`` itself, with the header; the others next to it under hidden
    names, and :meth:`join` appends them in order.
    """

    def __init__(self, frame: pd.DataFrame, path: Path) -> None:
        self.frame = frame
        self.path = path
        starts = range(0, max(len(frame), 1), PART_ROWS)
        self.rows = [(start, min(start + PART_ROWS, len(frame))) for start in starts]
        self.files = [path] + [
            path.with_name(f".{path.name}.part{index}") for index in range(1, len(self.rows))
        ]

    def tasks(self) -> list[Callable[[], None]]:
        """One task per part: it writes that part's file."""
        return [partial(self._write, index) for index in range(len(self.rows))]

    def _write(self, index: int) -> None:
        start, stop = self.rows[index]
        self.frame.iloc[start:stop].to_csv(self.files[index], index=False, header=index == 0)

    def join(self) -> None:
        """Append the other parts to part 0, in order, and remove them."""
        if len(self.files) == 1:
            return
        with self.path.open("ab") as whole:
            for part in self.files[1:]:
                with part.open("rb") as piece:
                    shutil.copyfileobj(piece, whole, 1 << 20)
                part.unlink()
