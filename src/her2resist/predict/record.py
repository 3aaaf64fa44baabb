"""What ``her2resist predict --json`` prints, built in one place for the CLI and the web API.

Examples
--------
>>> record = prediction_record(["PTEN loss"], "trastuzumab", engine="most-permissive")
>>> record.data["class"], record.graded is None
('resistant', True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from her2resist.predict.response import Prediction, predict_response

if TYPE_CHECKING:
    from her2resist.predict.graded import GradedPrediction


@dataclass(frozen=True, slots=True)
class PredictionRecord:
    """A prediction, its graded counterpart (graded engine only) and their JSON data."""

    prediction: Prediction
    graded: GradedPrediction | None
    data: dict[str, object]


def prediction_record(
    alterations: Sequence[str], regimen: str, *, environment: Mapping[str, int] | None = None,
    engine: str = "graded", context: str = "patient",
    doses: Mapping[str, float] | None = None, endpoint: str = "pCR",
) -> PredictionRecord:
    """Predict as ``her2resist predict`` does and build the data its ``--json`` prints.

    With the graded engine, the graded score, interval and calibrated probability of
    ``endpoint`` replace the class and score, and ``boolean_limit`` keeps the Boolean ones;
    the trace and mechanisms are those of the Boolean limit. ``doses`` maps drug names (or
    ids) to multiples of the default clinical exposure.
    """
    pred = predict_response(list(alterations), regimen, environment=dict(environment or {}),
                            engine=engine)
    data = pred.to_dict()
    if engine != "graded":
        return PredictionRecord(pred, None, data)
    from her2resist.predict.graded import predict_graded
    from her2resist.predict.regimen import parse_regimen

    resolved = {item.id: factor for name, factor in (doses or {}).items()
                for item in parse_regimen(name).items}
    graded = predict_graded(list(alterations), regimen, context=context,
                            environment=dict(environment or {}), doses=resolved,
                            endpoint=endpoint)
    data.update({k: v for k, v in graded.to_dict().items() if k != "fractions"})
    data["boolean_limit"] = {"class": pred.response_class, "score": round(pred.score, 4)}
    return PredictionRecord(pred, graded, data)
