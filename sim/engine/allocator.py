"""The C allocator of the toolkit's own processes: keep memory mapped across days, give it back.

Small on purpose, and free of the process pool's imports: the ``sim`` command tunes the
allocator before it knows whether it will simulate (``docs/performance.md``).
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable


@functools.cache
def c_library_function(name: str) -> Callable[..., int] | None:
    """A function of the C library, such as glibc's ``malloc_trim``, or None where it has none."""
    try:
        return getattr(ctypes.CDLL(None), name, None)
    except (OSError, TypeError):  # no C library to open this way (Windows)
        return None


def release_freed_memory() -> None:
    """Give the memory this process has freed back to the system, so that no helper inherits it.

    The C allocator keeps freed memory mapped for reuse when live objects sit around it, such as
    the columns of a large run's ``worlds`` frame after the frame is dropped (about 240 MB at
    1,000,000 worlds). A helper forked then shares those pages, and the two processes copy them
    page by page as both reuse them: the tree's memory grows by what was freed. glibc's
    ``malloc_trim(0)`` returns every free page to the system (about 15 ms for 240 MB, 1.5 ms
    after a 10,000-world run). Elsewhere this does nothing.
    """
    trim = c_library_function("malloc_trim")  # not in macOS's or musl's C library
    if trim is not None:
        trim(0)


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
"""glibc's ``mallopt`` parameters (``malloc.h``)."""
HEAP_UP_TO = 32 * 2**20
"""Blocks below this size come from the heap once :func:`tune_allocator` has run (glibc's own
ceiling for its adaptive threshold); the heap is trimmed when twice this is free at its top."""


def tune_allocator() -> None:
    """Keep the C allocator from handing memory back and forth day after day.

    A chunk frees and allocates the same arrays every simulated day, some of them above glibc's
    starting threshold for mapping a block on its own (128 kB; the noise of one decision over
    16,384 worlds is 1.2 MB). Depending on what the process did before, glibc then maps and
    unmaps them, or trims the top of its heap, and the next day's arrays fault their pages in
    again: 25,000 to 45,000 page faults a chunk of 16,129 worlds, 250,000 at worst, against
    about 100 with fixed thresholds (``docs/performance.md``). This fixes them: blocks below
    :data:`HEAP_UP_TO` come from the heap, which is trimmed only when twice that is free at its
    top. It changes how the whole process allocates, so it runs only in processes the toolkit
    owns: forked helpers and the ``sim`` command. Elsewhere (no glibc) it does nothing.
    """
    mallopt = c_library_function("mallopt")  # not in macOS's C library; a no-op in musl's
    if mallopt is not None:
        mallopt(M_MMAP_THRESHOLD, HEAP_UP_TO)
        mallopt(M_TRIM_THRESHOLD, 2 * HEAP_UP_TO)
