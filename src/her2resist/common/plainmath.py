"""numpy's float64 arithmetic on plain Python floats, where the two are the same numbers.

A one-shot graded prediction needs a handful of exponentials, logarithms and powers, and
numpy's import costs it more than all its arithmetic.  On a machine where numpy's float64
``exp``, ``log`` and ``power`` loops are the C library's functions (x86-64 Linux without
AVX-512: numpy dispatches its own SIMD versions of them only to AVX-512 CPUs), Python's
``math.exp``, ``math.log`` and ``**`` call the same functions and give the same numbers, bit
for bit; :func:`plain_is_exact` says whether this is such a machine.  Elsewhere the callers
keep numpy.  ``+ - * /``, ``min`` and ``max`` are exact everywhere.

:func:`array_power` is ``x ** e`` as numpy computes it for an *array* ``x`` and a Python
number ``e`` (square, square root and reciprocal for 2, 0.5 and -1, otherwise ``pow``), for
code that evaluates one element of such an array at a time.

``tests/test_graded_plain.py`` checks these against numpy, and whole graded predictions made
without numpy against those made with it.

Examples
--------
>>> array_power(0.3, 2.0) == 0.3 * 0.3
True
>>> minimum(1.0, 0.25), clip(1.5, 0.0, 1.0)
(0.25, 1.0)
"""

from __future__ import annotations

import math
import os
import sys
from functools import cache
from typing import Any


@cache
def plain_is_exact() -> bool:
    """Whether plain-Python ``exp``, ``log`` and ``**`` give numpy's float64 numbers here (see
    module docs): x86-64 Linux whose CPU has no AVX-512."""
    if sys.platform != "linux" or os.uname().machine != "x86_64":
        return False
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return "avx512f" not in line.split()
    except OSError:
        pass
    return False


def is_array(value: object) -> bool:
    """Whether ``value`` is a numpy array or scalar (without importing numpy)."""
    return type(value).__module__ == "numpy"


def _numpy(*values: object) -> bool:
    """Whether numpy must compute: a value is numpy's, or plain floats would not be exact."""
    return any(map(is_array, values)) or not plain_is_exact()


def exp(x: Any) -> Any:
    """``numpy.exp(x)``; a plain float for a float where that is exact."""
    if _numpy(x):
        import numpy as np

        return np.exp(x)
    return math.exp(x)


def log(x: Any) -> Any:
    """``numpy.log(x)``; a plain float for a float where that is exact."""
    if _numpy(x):
        import numpy as np

        return np.log(x)
    return math.log(x)


def minimum(a: Any, b: Any) -> Any:
    """``numpy.minimum(a, b)`` (``a`` when neither is smaller); plain for floats."""
    if _numpy(a, b):
        import numpy as np

        return np.minimum(a, b)
    return a if a <= b or a != a else b


def clip(x: Any, low: float, high: float) -> Any:
    """``numpy.clip(x, low, high)``; plain for a float."""
    if _numpy(x):
        import numpy as np

        return np.clip(x, low, high)
    return minimum(low if low > x else x, high)


def array_power(x: float, e: float) -> float:
    """One element of ``array ** e`` as numpy computes it for a Python number ``e``."""
    if e == 2:
        return x * x
    if e == 0.5:
        return math.sqrt(x)
    if e == -1:
        return 1.0 / x
    return x ** e
