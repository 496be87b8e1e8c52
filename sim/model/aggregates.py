"""Per-day aggregates over worlds that merge exactly: event incidence, means and quantiles.

An ensemble keeps one summary row per world, not whole trajectories (``docs/model.md`` §9). What
happens *between* day 0 and the horizon is kept as per-day aggregates, computed inside each chunk of
worlds and merged, so their memory does not grow with the number of worlds:

- **incidence**: the number of worlds in which each event has happened by the end of each day
  (cumulative incidence), as a share of worlds;
- **means** of state variables, accumulated as integer sums in fixed point (units of
  ``2**-30``), so that merging is exact integer addition: the truncation moves a mean by less
  than ``1e-9``;
- **quantiles** (5, 25, 50, 75, 95 %) from fixed-bin histograms per day: a mergeable sketch.
  Merging chunks adds counts, so merged aggregates equal those of one big chunk *exactly*.

Quantile sketch. Bins are fixed in advance, the same in every chunk and every run. Each variable
has a grid of keys ``k = floor(T(x) / width)``: ``T(x) = x`` for shares in [0, 1] (bins 0.001
wide), ``T(x) = asinh(x / scale)`` for unbounded quantities (bins of constant *relative* width
``width``, about 0.5 % of the value, and absolute width ``width * scale`` near zero). The grid is
unbounded: any value has a bin, and only the keys a day's values reach are stored. A quantile is
read as numpy's default (``method="linear"``) would: between the order statistics at
``floor(q (n - 1))`` and the next, each replaced by the midpoint of its bin. So the sketch is
within **half a bin width** (:meth:`Bins.half_width`) of the exact ``np.quantile`` on the same
worlds:

=========================  ======================  ====================================
variable                   bins                    quantile within
=========================  ======================  ====================================
territory_change (pp)      asinh, scale 0.01 pp    0.25 % of the value (+ 2.5e-5 pp)
casualties                 asinh, scale 1          0.25 % of the value (+ 0.0025)
air_defense_delivered      asinh, scale 1          0.25 % of the value (+ 0.0025)
economic_pressure          linear, 0.001           0.0005
belief_sincere             linear, 0.001           0.0005
blame_<actor>              linear, 0.001           0.0005
=========================  ======================  ====================================
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

EVENTS = ("summit", "sanctions", "moratorium_start", "settlement")
"""Events whose cumulative incidence is kept (first days recorded in ``WorldState.first_day``)."""
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QUANTILE_COLUMNS = ("q05", "q25", "q50", "q75", "q95")
FIXED_POINT = 2**30
"""Scale of the fixed-point sums behind the means: each value is truncated to units of
``1 / FIXED_POINT`` and the units are summed as integers, exactly and in any order, so that
merged chunks give the same means as one chunk."""
MEAN_FACTORS = {"territory_pct": 100.0}
"""Means reported in another unit than the value observed (territory: share -> percent)."""


@dataclass(frozen=True)
class Bins:
    """A fixed, unbounded grid of histogram bins: key ``floor(T(x) / width)``.

    Attributes:
        width: bin width in ``T`` units (for ``asinh``, the relative width far from zero).
        scale: ``None`` for linear bins (``T(x) = x``); otherwise ``T(x) = asinh(x / scale)``.

    """

    width: float
    scale: float | None = None

    def keys(self, values: np.ndarray) -> np.ndarray:
        """The bin key of every value (int64)."""
        return self.keys_and_range(values)[0]

    def keys_and_range(self, values: np.ndarray) -> tuple[np.ndarray, int, int]:
        """The bin key of every value (int64), and the smallest and largest key."""
        if self.scale is None:
            scaled = values * (1.0 / self.width)
        else:
            scaled = np.arcsinh(values * (1.0 / self.scale))
            scaled *= 1.0 / self.width
        low, high = math.floor(scaled.min()), math.floor(scaled.max())
        if low < 0:
            np.floor(scaled, out=scaled)
        return scaled.astype(np.int64), low, high  # truncation is floor when all are >= 0

    def edges(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper edge of the bins ``keys``."""
        keys = np.asarray(keys, dtype=float)
        low, high = keys * self.width, (keys + 1.0) * self.width
        if self.scale is not None:
            low, high = self.scale * np.sinh(low), self.scale * np.sinh(high)
        return low, high

    def midpoints(self, keys: np.ndarray) -> np.ndarray:
        """The value each bin stands for: the middle of its edges."""
        low, high = self.edges(keys)
        return 0.5 * (low + high)

    def half_width(self, values: np.ndarray | float) -> np.ndarray:
        """Half the width of the bin each value falls in: the sketch's quantile tolerance there."""
        low, high = self.edges(self.keys(np.atleast_1d(np.asarray(values, dtype=float))))
        return 0.5 * (high - low)


SHARE_BINS = Bins(width=0.001)
BINS: dict[str, Bins] = {
    "territory_change": Bins(width=0.005, scale=0.01),
    "casualties": Bins(width=0.005, scale=1.0),
    "air_defense_delivered": Bins(width=0.005, scale=1.0),
    "economic_pressure": SHARE_BINS,
    "belief_sincere": SHARE_BINS,
}
"""Bins of the quantile variables; any ``blame_<actor>`` uses :data:`SHARE_BINS`."""


def bins_for(variable: str) -> Bins:
    """The fixed bins of a quantile variable."""
    if variable in BINS:
        return BINS[variable]
    if variable.startswith("blame_"):
        return SHARE_BINS
    raise KeyError(f"no bins defined for {variable!r}")


class _Histogram:
    """Counts by day and bin key: for each day, the counts over the keys that day's values reach.

    Each day keeps its own range of keys (values drift over a run, a day's spread is narrow), so
    adding a day never copies other days; :meth:`trimmed` lays them out on one grid when read.
    """

    def __init__(self, days: int, bins: Bins) -> None:
        self.bins = bins
        self.days: list[tuple[int, np.ndarray] | None] = [None] * days

    def add(self, day: int, values: np.ndarray) -> None:
        keys, low, high = self.bins.keys_and_range(values)
        if low >= 0 and high < 4 * (high - low + 64):  # count from key 0: no shift needed
            counts = np.bincount(keys, minlength=high + 1)[low:]
        else:
            counts = np.bincount(keys - low, minlength=high - low + 1)
        self._add_day(day, low, counts)

    def _add_day(self, day: int, offset: int, counts: np.ndarray) -> None:
        held = self.days[day]
        if held is None:
            self.days[day] = offset, counts
            return
        held_offset, held_counts = held
        low = min(offset, held_offset)
        high = max(offset + counts.shape[0], held_offset + held_counts.shape[0])
        merged = np.zeros(high - low, dtype=np.int64)
        merged[held_offset - low : held_offset - low + held_counts.shape[0]] += held_counts
        merged[offset - low : offset - low + counts.shape[0]] += counts
        self.days[day] = low, merged

    def add_counts(self, offset: int, counts: np.ndarray) -> None:
        """Add a block of counts ``(days, keys)`` whose first column is key ``offset``."""
        if not counts.shape[1]:
            return
        for day, row in enumerate(counts):
            used = np.flatnonzero(row)
            if used.size:
                self._add_day(day, offset + int(used[0]), row[used[0] : used[-1] + 1].copy())

    def absorb(self, other: _Histogram) -> None:
        """Add another histogram's counts, day by day."""
        for day, held in enumerate(other.days):
            if held is not None:
                self._add_day(day, *held)

    def trimmed(self) -> tuple[int, np.ndarray]:
        """``(offset, counts)``: counts by day and key over the keys any day reaches."""
        held = [part for part in self.days if part is not None]
        if not held:
            return 0, np.zeros((len(self.days), 0), dtype=np.int64)
        low = min(offset for offset, _ in held)
        high = max(offset + counts.shape[0] for offset, counts in held)
        grid = np.zeros((len(self.days), high - low), dtype=np.int64)
        for day, part in enumerate(self.days):
            if part is not None:
                offset, counts = part
                grid[day, offset - low : offset - low + counts.shape[0]] = counts
        return low, grid

    def __getstate__(self) -> dict[str, Any]:
        # Sent from every worker for every chunk: the days' counts end to end, in the narrowest
        # unsigned type that holds the largest count (uint16 for chunks under 65,536 worlds).
        parts = [(day, part) for day, part in enumerate(self.days) if part is not None]
        counts = [part[1] for _, part in parts]
        joined = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
        largest = int(joined.max()) if joined.size else 0
        narrow = np.uint16 if largest <= np.iinfo(np.uint16).max else np.uint32
        if largest > np.iinfo(np.uint32).max:
            narrow = np.int64
        return {
            "bins": self.bins,
            "days": len(self.days),
            "which": np.array([day for day, _ in parts], dtype=np.int64),
            "offsets": np.array([part[0] for _, part in parts], dtype=np.int64),
            "lengths": np.array([len(c) for c in counts], dtype=np.int64),
            "counts": joined.astype(narrow),
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.bins = state["bins"]
        self.days = [None] * state["days"]
        counts = state["counts"].astype(np.int64)
        ends = np.cumsum(state["lengths"])
        for day, offset, start, end in zip(
            state["which"].tolist(),
            state["offsets"].tolist(),
            (ends - state["lengths"]).tolist(),
            ends.tolist(),
            strict=True,
        ):
            self.days[day] = offset, counts[start:end]


class DailyAggregates:
    """Per-day incidence of events, means and quantile sketches over a set of worlds.

    Args:
        days: number of days (rows ``0 .. days - 1``: the state at the end of each day).
        worlds: number of worlds observed each day.
        means: names of the variables whose daily mean is kept.
        quantiles: names of the variables whose daily quantiles are kept (see :func:`bins_for`).
        events: names of the events whose cumulative incidence is kept.

    """

    def __init__(
        self,
        days: int,
        worlds: int,
        means: Sequence[str],
        quantiles: Sequence[str],
        events: Sequence[str] = EVENTS,
    ) -> None:
        self.days = days
        self.worlds = worlds
        self.mean_names = tuple(means)
        self.quantile_names = tuple(quantiles)
        self.event_names = tuple(events)
        self._sums = np.zeros((days, len(self.mean_names)), dtype=np.int64)
        self._incidence = np.zeros((days, len(self.event_names)), dtype=np.int64)
        self._histograms = {name: _Histogram(days, bins_for(name)) for name in self.quantile_names}
        self._fixed_quantiles: dict[str, pd.DataFrame] = {}

    @classmethod
    def for_actors(
        cls, days: int, worlds: int, actors: Sequence[str], defender: str
    ) -> DailyAggregates:
        """The aggregates an ensemble keeps, for a scenario with these actors."""
        blame = [f"blame_{name}" for name in actors]
        means = (
            "territory_pct",
            "sanctions_level",
            "economic_pressure",
            "belief_sincere",
            *blame,
            "moratorium",
            "settled",
        )
        quantiles = (
            "territory_change",
            "casualties",
            "economic_pressure",
            "belief_sincere",
            "air_defense_delivered",
            f"blame_{defender}",
        )
        return cls(days, worlds, means, quantiles)

    # --- accumulating ------------------------------------------------------------------------

    def observe(self, day: int, values: Mapping[str, np.ndarray]) -> None:
        """Add one day of every world.

        Args:
            day: the day (row) these values close.
            values: per-world arrays of length :attr:`worlds`: every mean variable (shares for
                ``territory_pct``; booleans for shares of worlds), every quantile variable, and
                every event as a boolean "has happened by today" or as the count of such worlds.

        """
        sums = self._sums[day]
        measured = []
        for column, name in enumerate(self.mean_names):
            value = values[name]
            if value.dtype == bool:
                sums[column] = np.count_nonzero(value) * FIXED_POINT
            else:
                measured.append(column)
        if measured:  # all in one pass: truncated to fixed-point units, summed exactly
            stacked = np.stack([values[self.mean_names[column]] for column in measured])
            stacked *= FIXED_POINT
            sums[measured] = stacked.astype(np.int64).sum(axis=1)
        for column, name in enumerate(self.event_names):
            happened = values[name]
            if np.ndim(happened):
                happened = np.count_nonzero(happened)
            self._incidence[day, column] = happened
        for name, histogram in self._histograms.items():
            histogram.add(day, values[name])

    def _absorb(self, other: DailyAggregates) -> None:
        if (
            other.days != self.days
            or other.mean_names != self.mean_names
            or other.quantile_names != self.quantile_names
            or other.event_names != self.event_names
        ):
            raise ValueError("cannot merge aggregates of different days or variables")
        if self._fixed_quantiles or other._fixed_quantiles:
            raise ValueError("aggregates read back without histograms cannot be merged")
        self.worlds += other.worlds
        self._sums += other._sums
        self._incidence += other._incidence
        for name, histogram in other._histograms.items():
            self._histograms[name].absorb(histogram)

    def merge(self, other: DailyAggregates) -> DailyAggregates:
        """The aggregates of both sets of worlds (neither operand changes)."""
        return DailyAggregates.combine([self, other])

    @classmethod
    def combine(cls, parts: Iterable[DailyAggregates]) -> DailyAggregates:
        """Merge the aggregates of disjoint sets of worlds; exact, in any order."""
        parts = list(parts)
        if not parts:
            raise ValueError("nothing to combine")
        first = parts[0]
        merged = cls(first.days, 0, first.mean_names, first.quantile_names, first.event_names)
        for part in parts:
            merged._absorb(part)
        return merged

    def __iadd__(self, other: DailyAggregates) -> DailyAggregates:
        self._absorb(other)
        return self

    # --- reading -----------------------------------------------------------------------------

    @property
    def _index(self) -> pd.Index:
        return pd.RangeIndex(self.days, name="day")

    def incidence(self) -> pd.DataFrame:
        """Share of worlds in which each event has happened by the end of each day."""
        shares = self._incidence / max(self.worlds, 1)
        return pd.DataFrame(shares, index=self._index, columns=list(self.event_names))

    def means(self) -> pd.DataFrame:
        """Mean over worlds of each state variable at the end of each day."""
        factors = np.array([MEAN_FACTORS.get(name, 1.0) for name in self.mean_names])
        means = self._sums / (float(FIXED_POINT) * max(self.worlds, 1)) * factors
        return pd.DataFrame(means, index=self._index, columns=list(self.mean_names))

    def counts(self, variable: str) -> tuple[np.ndarray, np.ndarray]:
        """The histogram of a quantile variable: bin keys and counts by day ``(days, keys)``."""
        if variable not in self._histograms:
            raise KeyError(f"no histogram kept for {variable!r}; kept: {self.quantile_names}")
        offset, counts = self._histograms[variable].trimmed()
        return np.arange(offset, offset + counts.shape[1]), counts

    def bins(self, variable: str) -> Bins:
        """The bins of a quantile variable."""
        return bins_for(variable)

    def quantiles(self, variable: str) -> pd.DataFrame:
        """The 5, 25, 50, 75 and 95 % quantiles of ``variable`` by day (columns q05 ... q95).

        Within half a bin width of ``np.quantile`` over the same worlds (see the module notes).
        """
        if variable in self._fixed_quantiles:
            return self._fixed_quantiles[variable].copy()
        if variable not in self._histograms:
            raise KeyError(f"no quantiles kept for {variable!r}; kept: {self.quantile_names}")
        histogram = self._histograms[variable]
        offset, counts = histogram.trimmed()
        result = pd.DataFrame(index=self._index, columns=list(QUANTILE_COLUMNS), dtype=float)
        n = self.worlds
        if n == 0 or not counts.shape[1]:
            return result
        cumulative = np.cumsum(counts, axis=1)
        for column, q in zip(QUANTILE_COLUMNS, QUANTILES, strict=True):
            rank = q * (n - 1)
            below = math.floor(rank)
            fraction = rank - below
            above = min(below + 1, n - 1)
            low = histogram.bins.midpoints(offset + np.argmax(cumulative > below, axis=1))
            high = histogram.bins.midpoints(offset + np.argmax(cumulative > above, axis=1))
            result[column] = low + fraction * (high - low)
        return result

    # --- saving ------------------------------------------------------------------------------

    def to_frame(self) -> pd.DataFrame:
        """Everything, in long format for ``daily.csv``: one row per statistic, variable and day.

        Columns ``statistic, variable, day, key, value``. Statistics: ``worlds`` (one row),
        ``incidence`` (share of worlds), ``mean``, ``q05`` ... ``q95``, and ``count`` (the
        histograms' non-zero bins, ``key`` being the bin key): :meth:`from_frame` reads it back.
        """
        days = np.arange(self.days)
        parts = [
            pd.DataFrame(
                {"statistic": ["worlds"], "variable": [""], "day": [np.nan], "value": [self.worlds]}
            )
        ]

        def wide(statistic: str, frame: pd.DataFrame) -> pd.DataFrame:
            long = frame.reset_index().melt(id_vars="day", var_name="variable")
            return long.assign(statistic=statistic)

        parts.append(wide("incidence", self.incidence()))
        parts.append(wide("mean", self.means()))
        for name in self.quantile_names:
            q = self.quantiles(name)
            for column in QUANTILE_COLUMNS:
                parts.append(
                    pd.DataFrame(
                        {"statistic": column, "variable": name, "day": days, "value": q[column]}
                    )
                )
        for name in self.quantile_names if not self._fixed_quantiles else ():
            keys, counts = self.counts(name)
            day, column = np.nonzero(counts)
            parts.append(
                pd.DataFrame(
                    {
                        "statistic": "count",
                        "variable": name,
                        "day": day,
                        "key": keys[column],
                        "value": counts[day, column],
                    }
                )
            )
        frame = pd.concat(parts, ignore_index=True)[
            ["statistic", "variable", "day", "key", "value"]
        ]
        return frame.astype({"day": "Int64", "key": "Int64"})

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> DailyAggregates:
        """Read back :meth:`to_frame` (as written, or as read from ``daily.csv``)."""
        statistic = frame["statistic"].astype(str)
        variable = frame["variable"].fillna("").astype(str)
        worlds = int(frame.loc[statistic == "worlds", "value"].iloc[0])
        rows = frame[statistic != "worlds"]
        days = int(rows["day"].max()) + 1 if len(rows) else 0

        def names(kind: str) -> list[str]:
            return list(dict.fromkeys(variable[statistic == kind]))

        means, quantiles, events = names("mean"), names("q50"), names("incidence")
        result = cls(days, worlds, means, quantiles, events)

        def table(kind: str, columns: list[str]) -> np.ndarray:
            part = frame[statistic == kind]
            wide = part.pivot_table(index="day", columns="variable", values="value")
            return wide.reindex(index=range(days), columns=columns).to_numpy(dtype=float)

        result._incidence[:] = np.rint(table("incidence", events) * worlds).astype(np.int64)
        factors = np.array([MEAN_FACTORS.get(name, 1.0) for name in means])
        sums = table("mean", means) / factors * float(FIXED_POINT) * worlds
        result._sums[:] = np.rint(sums).astype(np.int64)
        counted = frame[statistic == "count"]
        for name in quantiles:
            part = counted[variable[statistic == "count"] == name]
            if not len(part):
                q = pd.DataFrame(
                    {c: table(c, [name])[:, 0] for c in QUANTILE_COLUMNS},
                    index=pd.RangeIndex(days, name="day"),
                )
                result._fixed_quantiles[name] = q
                continue
            keys = part["key"].to_numpy(dtype=np.int64)
            low = int(keys.min())
            counts = np.zeros((days, int(keys.max()) - low + 1), dtype=np.int64)
            counts[part["day"].to_numpy(dtype=np.int64), keys - low] = part["value"].to_numpy(
                dtype=np.int64
            )
            result._histograms[name].add_counts(low, counts)
        return result

    def __repr__(self) -> str:
        return (
            f"DailyAggregates(days={self.days}, worlds={self.worlds}, "
            f"means={list(self.mean_names)}, quantiles={list(self.quantile_names)})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DailyAggregates):
            return NotImplemented
        if (
            self.days != other.days
            or self.worlds != other.worlds
            or self.mean_names != other.mean_names
            or self.quantile_names != other.quantile_names
            or self.event_names != other.event_names
            or not np.array_equal(self._sums, other._sums)
            or not np.array_equal(self._incidence, other._incidence)
        ):
            return False
        for name in self.quantile_names:
            (a_keys, a), (b_keys, b) = self.counts(name), other.counts(name)
            if not (np.array_equal(a_keys, b_keys) and np.array_equal(a, b)):
                return False
        return True

    __hash__ = None  # type: ignore[assignment]
