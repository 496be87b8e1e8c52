"""The run's random-number tree: one ``SeedSequence`` per run, one stream per block and purpose.

World *i* lives in block ``i // BLOCK_SIZE`` at row ``i % BLOCK_SIZE``. Every stream is keyed by
``(seed, block, purpose)`` and always advances as if it had drawn a whole block, so a world's draws
do not depend on how many worlds run, on which range of worlds a model simulates (a prefix of a
block, a slice of one, or several blocks at once), on the number of workers, or on which other
scenario runs beside it (common random numbers: the same purpose names give the same draws).

The block is the unit of *seeding*, not of work: :mod:`sim.engine.ensemble` cuts a run into
chunks sized for speed and for an even split over workers, and a chunk may start and end anywhere.
"""

from __future__ import annotations

import zlib

import numpy as np

BLOCK_SIZE = 4096
"""Worlds per seeding block. Changing it changes which random numbers each world gets."""


def purpose_key(purpose: str) -> int:
    """A stable 32-bit key for a purpose name (Python's ``hash`` is salted per process)."""
    return zlib.crc32(purpose.encode("utf-8"))


class WorldStreams:
    """Uniform draws for the worlds ``first, first + 1, ..., first + size - 1`` of a run.

    Each block the range touches has one PCG64 generator per purpose. A draw of ``columns``
    numbers per world takes, from each block's generator, the rows of the simulated worlds and
    skips the others (``advance`` is O(log n)), so world *i* always gets the same numbers.

    Args:
        seed: the run's seed (root of the ``SeedSequence`` tree).
        first: index in the run of the first simulated world.
        size: how many consecutive worlds are simulated.

    """

    def __init__(self, seed: int, first: int, size: int) -> None:
        if size < 1:
            raise ValueError(f"a model simulates at least 1 world, got {size}")
        if first < 0:
            raise ValueError(f"the first world must be >= 0, got {first}")
        self.seed = seed
        self.first = first
        self.size = size
        stop = first + size
        self._segments = [
            (block, max(first, block * BLOCK_SIZE) - block * BLOCK_SIZE,
             min(stop, (block + 1) * BLOCK_SIZE) - block * BLOCK_SIZE)
            for block in range(first // BLOCK_SIZE, (stop - 1) // BLOCK_SIZE + 1)
        ]  # fmt: skip
        self._generators: dict[tuple[int, str], np.random.Generator] = {}

    @property
    def block(self) -> int:
        """The block of the first simulated world."""
        return self.first // BLOCK_SIZE

    def _generator(self, block: int, purpose: str) -> np.random.Generator:
        key = (block, purpose)
        generator = self._generators.get(key)
        if generator is None:
            sequence = np.random.SeedSequence(self.seed, spawn_key=(block, purpose_key(purpose)))
            generator = np.random.Generator(np.random.PCG64(sequence))
            self._generators[key] = generator
        return generator

    def uniform(self, purpose: str, columns: int = 1) -> np.ndarray:
        """Uniforms in [0, 1) of shape ``(size, columns)``, one row per simulated world.

        Each block's stream advances by a whole block's worth of draws, so that the next call
        returns the same numbers for world *i* whatever range of worlds is simulated.
        """
        values = np.empty((self.size, columns))
        row = 0
        for block, start, stop in self._segments:
            generator = self._generator(block, purpose)
            if start:
                generator.bit_generator.advance(start * columns)
            generator.random(out=values[row : row + stop - start])
            row += stop - start
            if stop < BLOCK_SIZE:
                generator.bit_generator.advance((BLOCK_SIZE - stop) * columns)
        return values


def seed_from(rng: int | np.random.Generator | None) -> int:
    """Turn Mesa's ``rng`` argument (an int, a Generator or None) into the run's integer seed."""
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2**63))
    if rng is None:
        return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> 1)
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer):
        # Anything else once got a fresh random seed: a run that could never be repeated.
        raise TypeError(
            f"rng (the seed) must be a whole number >= 0, a numpy Generator or None, got "
            f"{rng!r} ({type(rng).__name__})"
        )
    if rng < 0:
        raise ValueError(f"seed must be >= 0, got {rng}")
    return int(rng)


class RepeatedStreams:
    """The streams of worlds ``first .. first + size - 1`` of a run whose worlds repeat.

    World *i* draws the random numbers of world ``i % period``: a run of several blocks of
    ``period`` worlds simulates the same worlds in each block, with other parameter values (the
    matrices of a sensitivity analysis, :mod:`sim.model.design`). The range may span blocks; each
    piece is a :class:`WorldStreams`, so world *i*'s numbers are those of world ``i % period``
    of an ordinary run, however the worlds are cut into chunks.
    """

    def __init__(self, seed: int, first: int, size: int, period: int) -> None:
        if period < 1:
            raise ValueError(f"the period of repeated worlds must be >= 1, got {period}")
        self.seed = seed
        self.first = first
        self.size = size
        self._parts: list[WorldStreams] = []
        start, stop = first, first + size
        while start < stop:
            end = min(stop, (start // period + 1) * period)
            self._parts.append(WorldStreams(seed, start % period, end - start))
            start = end

    def uniform(self, purpose: str, columns: int = 1) -> np.ndarray:
        """Uniforms of shape ``(size, columns)``: each piece's rows, in order."""
        if len(self._parts) == 1:
            return self._parts[0].uniform(purpose, columns)
        return np.concatenate([part.uniform(purpose, columns) for part in self._parts])


def streams_for(
    seed: int, first: int, size: int, period: int | None = None
) -> WorldStreams | RepeatedStreams:
    """The streams of a model's worlds: :class:`WorldStreams`, or repeated every ``period``."""
    if period is None:
        return WorldStreams(seed, first, size)
    return RepeatedStreams(seed, first, size, period)
