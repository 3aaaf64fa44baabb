"""``percentiles`` is numpy.percentile's default method, float for float (oracle test)."""

import random

import numpy as np
import pytest

from her2resist.common.quantiles import percentiles


def test_same_floats_as_numpy() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        values = [rng.choice([rng.random(), rng.uniform(-5, 5), round(rng.random(), 2), 0.0])
                  for _ in range(rng.randint(1, 40))]
        qs = rng.choice([(10, 90), (25, 50, 75), (0, 100),
                         tuple(rng.uniform(0, 100) for _ in range(3))])
        assert percentiles(values, qs) == np.percentile(values, qs).tolist()


def test_no_values_is_an_error() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentiles([], (50,))
