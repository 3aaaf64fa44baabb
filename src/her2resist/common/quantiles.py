"""Percentiles without numpy's masked-array machinery.

``numpy.percentile`` imports :mod:`numpy.ma` the first time it runs, which costs a one-shot
prediction more than the percentile itself; :func:`percentiles` computes the same numbers (the
default "linear" method, with numpy's exact arithmetic) on a few values in plain Python.

Examples
--------
>>> percentiles([0.2, 0.9, 0.5, 0.1], (10, 50, 90))
[0.13, 0.35, 0.78]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def percentiles(values: Iterable[float], qs: Sequence[float]) -> list[float]:
    """The ``qs`` percentiles (0-100) of ``values``, as ``numpy.percentile(values, qs)``."""
    ordered = sorted(float(v) for v in values)
    if not ordered:
        raise ValueError("percentiles of no values")
    last = len(ordered) - 1
    out = []
    for q in qs:
        quantile = q / 100
        virtual = last * quantile  # numpy's virtual index of the linear method
        if virtual >= last:
            out.append(ordered[last])
        elif virtual < 0:
            out.append(ordered[0])
        else:
            low = math.floor(virtual)
            gamma = virtual - low
            a, b = ordered[low], ordered[low + 1]
            diff = b - a
            # numpy's _lerp: from the nearer end, for symmetry and monotonicity.
            out.append(b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma)
    return out
