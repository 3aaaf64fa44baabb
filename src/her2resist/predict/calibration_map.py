"""The fitted calibration map: a graded score to the probability of a clinical response.

``P(response) = 1 / (1 + exp(-(a_endpoint + b * logit(clip(score, 0.001, 0.999)))))``, fitted
by :mod:`her2resist.predict.calibration` (which also gives these names) and kept as package
data (``model/data/graded_calibration.yaml``).  A prediction needs only this module: reading
and fitting the trials (and their record types) stay in ``calibration.py``, out of a one-shot
command's imports.

Examples
--------
>>> cal = load_calibration()
>>> 0.0 < cal.probability("pCR", 0.5) < 1.0
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from her2resist.common import plainmath
from her2resist.exceptions import InputFileError, ParameterError

if TYPE_CHECKING:
    import numpy as np

ENDPOINTS = ("pCR", "ORR")


@dataclass(frozen=True, slots=True)
class Calibration:
    """A fitted map: intercept per endpoint, shared slope, with what it was fitted on."""

    intercepts: Mapping[str, float]
    slope: float
    trials: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    metrics: Mapping[str, object] = field(default_factory=dict)

    def probability(self, endpoint: str, score: float) -> float:
        """Calibrated probability of ``endpoint`` for a graded ``score``."""
        if endpoint not in self.intercepts:
            raise ParameterError("endpoint", "Calibration.probability",
                                 f"one of {set(self.intercepts)}", endpoint)
        z = self.intercepts[endpoint] + self.slope * float(_logit(float(score)))
        return 1.0 / (1.0 + math.exp(-z))

    def as_dict(self) -> dict[str, object]:
        return {
            "model": "logit P = a[endpoint] + b * logit(clip(score, 0.001, 0.999))",
            "intercepts": {k: round(v, 6) for k, v in self.intercepts.items()},
            "slope": round(self.slope, 6),
            "trials": list(self.trials),
            "sources": list(self.sources),
            "metrics": dict(self.metrics),
        }


def score_logit(score: np.ndarray) -> np.ndarray:
    """logit of the score, clipped to [0.001, 0.999]: graded scores crowd near 0 and 1."""
    import numpy as np

    clipped = np.clip(score, 1e-3, 1 - 1e-3)
    return np.log(clipped / (1 - clipped))


def _logit(score: float) -> Any:
    """:func:`score_logit` of one score: numpy's numbers, in plain floats where they are
    the same (:mod:`her2resist.common.plainmath`), so that a one-shot prediction needs no
    numpy."""
    clipped = plainmath.clip(score, 1e-3, 1 - 1e-3)
    return plainmath.log(clipped / (1 - clipped))


def calibration_path() -> Path:
    return Path(str(resources.files("her2resist.model") / "data" / "graded_calibration.yaml"))


@cache
def load_calibration(path: str | None = None) -> Calibration:
    """The package's fitted map (or one written by ``her2resist calibrate``)."""
    from her2resist.common.cached import read_package_data, read_user_data

    source = Path(path) if path else calibration_path()
    try:
        data: Any = read_user_data(source) if path else read_package_data(source)
        return Calibration(
            intercepts={k: float(v) for k, v in data["intercepts"].items()},
            slope=float(data["slope"]), trials=tuple(data.get("trials", ())),
            sources=tuple(data.get("sources", ())), metrics=data.get("metrics", {}),
        )
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise InputFileError(source, f"not a calibration file ({exc}); "
                             "write one with `her2resist calibrate`") from None
