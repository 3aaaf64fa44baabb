"""Exact laws of the linear birth–death process (Kendall 1948).

A cell divides at rate ``b`` and dies at rate ``d``. After a time ``t`` one cell has left no
descendant with probability ``alpha`` and otherwise a geometric number of them::

    P(N = 0) = alpha,    P(N = n) = (1 - alpha) (1 - beta) beta**(n - 1),  n >= 1,

    g = (exp((b - d) t) - 1) / (b - d)      (g = t when b = d)
    alpha = d g / (1 + b g),    beta = b g / (1 + b g).

``n`` cells evolve independently, so their descendants number ``K + NB(K, 1 - beta)`` with
``K ~ Binomial(n, 1 - alpha)`` surviving lineages: two draws whatever the size of ``n``, which
is what makes the simulator exact for a single cell and for a billion.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Largest exponent used before exp() would overflow a double.
_MAX_EXPONENT = 700.0


def growth_integral(rate: ArrayLike, t: ArrayLike) -> FloatArray:
    """Integral of ``exp(rate * s)`` for ``s`` from 0 to ``t``: ``expm1(rate t) / rate``.

    It is the expected number of cell-days per starting cell over a step, and equals ``t``
    when ``rate`` is 0.

    Examples
    --------
    >>> float(growth_integral(0.0, 2.0))
    2.0
    >>> round(float(growth_integral(-1.0, 50.0)), 6)
    1.0
    """
    r = np.asarray(rate, dtype=float)
    t = np.asarray(t, dtype=float)
    rt = np.minimum(r * t, _MAX_EXPONENT)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.expm1(rt) / r
    small = np.abs(rt) < 1e-10
    if np.any(small):
        out = np.where(small, t * (1.0 + 0.5 * rt), out)
    return out


def kendall_parameters(
    birth: ArrayLike, death: ArrayLike, t: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Extinction probability ``alpha`` and geometric parameter ``beta`` after time ``t``.

    Examples
    --------
    >>> alpha, beta = kendall_parameters(1.0, 0.0, 1.0)
    >>> float(alpha), round(float(beta), 6)
    (0.0, 0.632121)
    """
    b = np.asarray(birth, dtype=float)
    d = np.asarray(death, dtype=float)
    g = growth_integral(b - d, t)
    denominator = 1.0 + b * g
    return d * g / denominator, b * g / denominator


def extinction_probability(birth: ArrayLike, death: ArrayLike, t: ArrayLike) -> FloatArray:
    """Probability that one cell has no descendant left after time ``t``.

    Use ``t = np.inf`` for the ultimate extinction probability, ``min(1, d / b)``.

    Examples
    --------
    >>> round(float(extinction_probability(0.14, 0.13, np.inf)), 6)
    0.928571
    """
    t = np.asarray(t, dtype=float)
    b = np.asarray(birth, dtype=float)
    d = np.asarray(death, dtype=float)
    finite_t = np.where(np.isinf(t), 1.0, t)
    alpha, _ = kendall_parameters(b, d, finite_t)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        ultimate = np.where(b > d, d / np.where(b > 0, b, 1.0), 1.0)
    return np.where(np.isinf(t), ultimate, alpha)


def kendall_mean(birth: ArrayLike, death: ArrayLike, t: ArrayLike, n0: ArrayLike = 1) -> FloatArray:
    """Mean number of cells at time ``t`` descended from ``n0`` cells: ``n0 exp((b - d) t)``.

    Examples
    --------
    >>> round(float(kendall_mean(1.0, 0.5, 2.0, n0=10)), 4)
    27.1828
    """
    r = np.asarray(birth, dtype=float) - np.asarray(death, dtype=float)
    return np.asarray(n0, dtype=float) * np.exp(np.minimum(r * np.asarray(t), _MAX_EXPONENT))


def kendall_variance(
    birth: ArrayLike, death: ArrayLike, t: ArrayLike, n0: ArrayLike = 1
) -> FloatArray:
    """Variance of the number of cells at time ``t`` descended from ``n0`` cells.

    ``n0 (b + d) / (b - d) exp((b - d) t) (exp((b - d) t) - 1)``, and ``2 n0 b t`` when
    ``b = d``.

    Examples
    --------
    >>> float(kendall_variance(0.5, 0.5, 3.0, n0=2))
    6.0
    """
    b = np.asarray(birth, dtype=float)
    d = np.asarray(death, dtype=float)
    growth = np.exp(np.minimum((b - d) * np.asarray(t), _MAX_EXPONENT))
    return np.asarray(n0, dtype=float) * (b + d) * growth * growth_integral(b - d, t)


def sample_birth_death(
    rng: np.random.Generator,
    n: ArrayLike,
    birth: ArrayLike,
    death: ArrayLike,
    t: ArrayLike,
) -> IntArray:
    """Draw the number of cells descended from ``n`` cells after time ``t``, exactly.

    All arguments broadcast; one draw per element.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> out = sample_birth_death(rng, [0, 10**9], 0.14, 0.17, 1.0)
    >>> int(out[0]), bool(9.6e8 < out[1] < 9.8e8)
    (0, True)
    """
    alpha, beta = kendall_parameters(birth, death, t)
    return sample_kendall(rng, n, alpha, beta)


def sample_kendall(
    rng: np.random.Generator, n: ArrayLike, alpha: ArrayLike, beta: ArrayLike
) -> IntArray:
    """Draw descendants of ``n`` cells from Kendall's law with parameters ``alpha``, ``beta``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> sample_kendall(rng, [5, 5], [1.0, 0.0], [0.0, 0.0]).tolist()
    [0, 5]
    """
    n_arr: np.ndarray = np.asarray(n, dtype=np.int64)
    a: np.ndarray = np.asarray(alpha, dtype=float)
    b: np.ndarray = np.asarray(beta, dtype=float)
    if not n_arr.shape == a.shape == b.shape:
        shape = np.broadcast_shapes(n_arr.shape, a.shape, b.shape)
        n_arr, a, b = (np.broadcast_to(x, shape) for x in (n_arr, a, b))
    survivors = rng.binomial(n_arr, np.clip(1.0 - a, 0.0, 1.0))
    alive = np.nonzero(survivors)
    out = np.zeros(survivors.shape, dtype=np.int64)
    k = survivors[alive]
    if k.size:
        success = np.clip(1.0 - b[alive], np.finfo(float).tiny, 1.0)
        out[alive] = k + rng.negative_binomial(k, success)
    return out


def sample_arrival_times(rng: np.random.Generator, rate: ArrayLike, t: ArrayLike) -> FloatArray:
    """Times in ``[0, t]`` with density proportional to ``exp(rate s)``.

    The times at which mutants arise from a clone that grows (or shrinks) at ``rate``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> times = sample_arrival_times(rng, np.full(1000, 2.0), 1.0)
    >>> bool(0.0 <= times.min() and times.max() <= 1.0 and times.mean() > 0.5)
    True
    """
    r = np.asarray(rate, dtype=float)
    t = np.asarray(t, dtype=float)
    u = rng.random(np.broadcast_shapes(r.shape, t.shape))
    return arrival_time_quantile(r, t, u)


def arrival_time_quantile(rate: ArrayLike, t: ArrayLike, q: ArrayLike) -> FloatArray:
    """Quantile ``q`` of the arrival-time law of :func:`sample_arrival_times`.

    Examples
    --------
    >>> float(arrival_time_quantile(0.0, 4.0, 0.25))
    1.0
    """
    r = np.asarray(rate, dtype=float)
    t = np.asarray(t, dtype=float)
    q = np.asarray(q, dtype=float)
    total = growth_integral(r, t)
    small = np.abs(r * t) < 1e-10
    safe_r = np.where(small, 1.0, r)
    times = np.where(small, q * t, np.log1p(np.maximum(q * total * safe_r, -1.0)) / safe_r)
    return np.clip(times, 0.0, t)
