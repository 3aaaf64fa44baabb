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
        if gc.get_freeze_count() == 0:
            _age()
        if was_enabled:
            gc.enable()


def _age() -> None:
    """Move every object the collector tracks into its oldest generation at once, unchecked.

    The collector counts what was allocated while it was paused: on again, its next
    allocation would start a pass over every object the block left alive (one per young
    generation), which the block's objects would survive.  ``gc.freeze()`` moves them all
    aside and zeroes that count, and ``gc.unfreeze()`` puts them back into the oldest
    generation, where the collector's full passes (rare) still examine them, so any loop
    among them is freed as before.  Skipped where the process has frozen objects itself
    (``gc.unfreeze()`` would put those back too)."""
    gc.freeze()
    gc.unfreeze()
