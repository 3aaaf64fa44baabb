"""Pausing Python's cyclic garbage collector around work that builds many lasting objects.

Reference counting frees almost everything the package makes; the cyclic collector only finds
objects that refer to one another in a loop, and the package makes few (some 900 over 1,000
tumour reports).  But the collector runs by the number of objects allocated, and each of its
full passes walks every container alive: the caches of a cohort (reduced backgrounds, reached
states, trace steps, predictions) hold millions of them.  Over 1,000 Boolean reports its
passes took about a quarter of the CPU time and freed nothing.  Work that allocates that much
and makes no loops therefore runs with the collector paused; it is on again afterwards, so any
loop made meanwhile is freed by its next pass.

Examples
--------
>>> import gc
>>> with collector_paused():
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off, and turn it on again afterwards
    if it was on (see module docs).  The collector is process-wide: a block running in another
    thread meanwhile may find it on again when the first block ends, which costs it time, never
    memory or answers.

    Examples
    --------
    >>> with collector_paused():
    ...     sum(range(10))
    45
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
