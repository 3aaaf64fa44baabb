"""Kendall's exact law of the birth–death process: sampler against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from her2resist.evolution.kendall import (
    arrival_time_quantile,
    extinction_probability,
    growth_integral,
    kendall_mean,
    kendall_parameters,
    kendall_variance,
    sample_arrival_times,
    sample_birth_death,
)

DRAWS = 40_000


def _moments(b: float, d: float, t: float, n0: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return sample_birth_death(rng, np.full(DRAWS, n0), b, d, t).astype(float)


@pytest.mark.parametrize(
    ("b", "d", "t", "n0"), [(1.0, 0.6, 2.0, 3), (0.5, 0.9, 1.5, 4), (0.7, 0.7, 2.0, 2)]
)
def test_mean_variance_and_extinction_match_kendall(b: float, d: float, t: float, n0: int) -> None:
    x = _moments(b, d, t, n0, seed=11)
    mean, var = float(kendall_mean(b, d, t, n0)), float(kendall_variance(b, d, t, n0))
    p0 = float(extinction_probability(b, d, t)) ** n0
    assert abs(x.mean() - mean) < 4 * math.sqrt(var / DRAWS)
    # the sample variance of a geometric-tailed law: its standard error is below 3 var/sqrt(N)
    assert abs(x.var() - var) < 4 * 3 * var / math.sqrt(DRAWS)
    assert abs((x == 0).mean() - p0) < 4 * math.sqrt(p0 * (1 - p0) / DRAWS)


def test_critical_process_variance_is_2bt() -> None:
    assert float(kendall_variance(0.4, 0.4, 5.0, n0=3)) == pytest.approx(2 * 0.4 * 5.0 * 3)


def test_ultimate_extinction_is_d_over_b() -> None:
    assert float(extinction_probability(0.14, 0.13, np.inf)) == pytest.approx(0.13 / 0.14)
    assert float(extinction_probability(0.1, 0.3, np.inf)) == 1.0
    assert float(extinction_probability(0.14, 0.13, 1e5)) == pytest.approx(0.13 / 0.14)


def test_steps_compose_like_one_long_step() -> None:
    """Markov property: ten steps of 0.2 have the law of one step of 2.0."""
    rng = np.random.default_rng(3)
    x = np.full(DRAWS, 5, dtype=np.int64)
    for _ in range(10):
        x = sample_birth_death(rng, x, 1.0, 0.8, 0.2)
    one = _moments(1.0, 0.8, 2.0, 5, seed=4)
    sd = math.sqrt(float(kendall_variance(1.0, 0.8, 2.0, 5)) / DRAWS)
    assert abs(x.mean() - one.mean()) < 4 * math.sqrt(2) * sd
    p0 = float(extinction_probability(1.0, 0.8, 2.0)) ** 5
    assert abs((x == 0).mean() - p0) < 4 * math.sqrt(p0 * (1 - p0) / DRAWS)


def test_large_populations_are_drawn_exactly_and_fast() -> None:
    rng = np.random.default_rng(5)
    x = sample_birth_death(rng, np.full(1000, 10**9), 0.14, 0.17, 1.0).astype(float)
    mean = float(kendall_mean(0.14, 0.17, 1.0, 10**9))
    sd = math.sqrt(float(kendall_variance(0.14, 0.17, 1.0, 10**9)))
    assert abs(x.mean() - mean) < 4 * sd / math.sqrt(1000)
    assert x.std() == pytest.approx(sd, rel=0.15)


def test_pure_birth_and_pure_death() -> None:
    rng = np.random.default_rng(6)
    assert (sample_birth_death(rng, np.full(100, 3), 1.0, 0.0, 1.0) >= 3).all()
    assert (sample_birth_death(rng, np.full(100, 3), 0.0, 1.0, 1.0) <= 3).all()
    alpha, beta = kendall_parameters(0.0, 2.0, 0.5)
    assert float(alpha) == pytest.approx(1 - math.exp(-1.0)) and float(beta) == 0.0


def test_arrival_times_follow_the_growth_density() -> None:
    rng = np.random.default_rng(7)
    r, t = 1.5, 2.0
    times = sample_arrival_times(rng, np.full(DRAWS, r), t)
    expected_mean = (t * math.exp(r * t) / (math.exp(r * t) - 1)) - 1 / r
    assert abs(times.mean() - expected_mean) < 4 * times.std() / math.sqrt(DRAWS)
    assert float(arrival_time_quantile(r, t, 1.0)) == pytest.approx(t)


@given(b=st.floats(0.0, 5.0), d=st.floats(0.0, 5.0), t=st.floats(1e-6, 50.0))
def test_kendall_parameters_are_probabilities(b: float, d: float, t: float) -> None:
    alpha, beta = kendall_parameters(b, d, t)
    assert 0.0 <= float(alpha) <= 1.0 + 1e-12
    assert 0.0 <= float(beta) <= 1.0
    assert float(growth_integral(b - d, t)) >= 0.0
    assert (
        float(extinction_probability(b, d, t)) <= float(extinction_probability(b, d, 2 * t)) + 1e-12
    )
