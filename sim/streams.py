"""The run's random-number tree: one ``SeedSequence`` per run, one stream per block and purpose.

World *i* lives in block ``i // BLOCK_SIZE`` at row ``i % BLOCK_SIZE``. Every stream is keyed by
``(seed, block, purpose)`` and always advances as if it had drawn a whole block, so a world's draws
do not depend on how many worlds run, on the number of workers, or on which other scenario
runs beside it (common random numbers: the same purpose names give the same draws).
"""

from __future__ import annotations

import zlib

import numpy as np

BLOCK_SIZE = 4096
"""Worlds per block. Changing it changes which random numbers each world gets."""


def purpose_key(purpose: str) -> int:
    """A stable 32-bit key for a purpose name (Python's ``hash`` is salted per process)."""
    return zlib.crc32(purpose.encode("utf-8"))


class BlockStreams:
    """Uniform draws for the worlds of one block, one independent stream per purpose.

    Args:
        seed: the run's seed (root of the ``SeedSequence`` tree).
        block: index of this block of worlds.
        size: how many worlds of the block are simulated (a prefix of the block).

    """

    def __init__(self, seed: int, block: int, size: int) -> None:
        if not 0 < size <= BLOCK_SIZE:
            raise ValueError(f"a block holds 1 to {BLOCK_SIZE} worlds, got {size}")
        self.seed = seed
        self.block = block
        self.size = size
        self._generators: dict[str, np.random.Generator] = {}

    def _generator(self, purpose: str) -> np.random.Generator:
        generator = self._generators.get(purpose)
        if generator is None:
            sequence = np.random.SeedSequence(
                self.seed, spawn_key=(self.block, purpose_key(purpose))
            )
            generator = np.random.Generator(np.random.PCG64(sequence))
            self._generators[purpose] = generator
        return generator

    def uniform(self, purpose: str, columns: int = 1) -> np.ndarray:
        """Uniforms in [0, 1) of shape ``(size, columns)`` for this block's worlds.

        The stream then skips the rows of worlds not simulated, so that the next call returns the
        same numbers for world *i* whatever ``size`` is.
        """
        generator = self._generator(purpose)
        values = generator.random((self.size, columns))
        skipped = (BLOCK_SIZE - self.size) * columns
        if skipped:
            generator.bit_generator.advance(skipped)
        return values

    def gumbel(self, purpose: str, columns: int) -> np.ndarray:
        """Standard Gumbel noise for a logit choice by Gumbel-max, shape ``(size, columns)``."""
        uniform = self.uniform(purpose, columns)
        tiny = np.finfo(np.float64).tiny
        return -np.log(-np.log(np.clip(uniform, tiny, 1.0 - 1e-16)))


def seed_from(rng: int | np.random.Generator | None) -> int:
    """Turn Mesa's ``rng`` argument (an int, a Generator or None) into the run's integer seed."""
    if isinstance(rng, int | np.integer):
        if rng < 0:
            raise ValueError(f"seed must be >= 0, got {rng}")
        return int(rng)
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2**63))
    return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> 1)
