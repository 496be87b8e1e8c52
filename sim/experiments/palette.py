"""The colours and words every figure shares, and the axes a figure draws on.

Outcome classes keep one colour in every figure (``sim run``'s bars, a sweep's lines, a grid's
heat maps), so a reader learns them once. Matplotlib is imported only when a figure is drawn.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

OUTCOME_COLOURS = {
    "settlement": "#1b9e77",
    "partial_ceasefire": "#7570b3",
    "sanctions": "#d95f02",
    "paralysis": "#7f7f7f",
}
OUTCOME_LABELS = {
    "settlement": "settlement",
    "partial_ceasefire": "partial ceasefire",
    "sanctions": "sanctions",
    "paralysis": "paralysis",
}


def new_axes(ax: Axes | None, size: tuple[float, float] = (9, 5)) -> Axes:
    """``ax``, or the axes of a new figure of ``size`` inches."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size)
    return ax


def differing_parts(texts: list[str]) -> tuple[list[str], str]:
    """The parts of ``texts`` that differ, and the frame they share (``{a: 1, b: …}``).

    Values such as ``{dist: uniform, low: 0, high: 1}`` and ``{..., high: 2}`` are told apart by
    ``1`` and ``2`` only; the common start and end are cut at a separator, never inside a word
    or number, and given once, with ``…`` for the part that varies. Without a useful frame,
    the texts themselves and "".
    """
    start = _common_start(texts)
    end = _common_start([text[::-1] for text in texts])[::-1]
    cut = max((m.end() for m in re.finditer(r"[\s,:\[{]", start)), default=0)
    start = start[:cut]
    tail = re.search(r"[\s,\]}]", end)
    end = end[tail.start() :] if tail else ""
    middles = [text[len(start) : len(text) - len(end)] for text in texts]
    if len(start) + len(end) < 4 or not all(middles) or len(set(middles)) < len(middles):
        return texts, ""
    return middles, f"{start}…{end}"


def _common_start(texts: list[str]) -> str:
    """The longest text every one of ``texts`` starts with, character by character."""
    first, last = min(texts), max(texts)
    length = 0
    while length < len(first) and first[length] == last[length]:
        length += 1
    return first[:length]
