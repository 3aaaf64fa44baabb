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

from her2resist.engines import DEFAULT_ENGINE
from her2resist.predict.response import Prediction, predict


@dataclass(frozen=True, slots=True)
class PredictionRecord:
    """A prediction and its JSON data; ``graded`` is the prediction when it is graded."""

    prediction: Prediction
    data: dict[str, object]

    @property
    def graded(self) -> Prediction | None:
        return self.prediction if self.prediction.graded else None


def prediction_record(
    alterations: Sequence[str], regimen: str, *, environment: Mapping[str, int] | None = None,
    engine: str = DEFAULT_ENGINE, context: str = "patient",
    doses: Mapping[str, float] | None = None, endpoint: str = "pCR",
) -> PredictionRecord:
    """Predict as ``her2resist predict`` does (:func:`~her2resist.predict.response.predict`)
    and build the data its ``--json`` prints.

    With a graded engine the graded score, interval and calibrated probability of
    ``endpoint`` come with ``boolean_limit``, the class and score of the engine's Boolean
    limit, whose trace and mechanisms are given. ``doses`` maps drug names (or ids) to
    multiples of the default clinical exposure.
    """
    from her2resist.predict.regimen import parse_regimen

    resolved = {item.id: factor for name, factor in (doses or {}).items()
                for item in parse_regimen(name).items}
    pred = predict(list(alterations), regimen, engine=engine, context=context,
                   environment=dict(environment or {}), doses=resolved, endpoint=endpoint)
    return PredictionRecord(pred, pred.to_dict())
