"""Derive a scenario's drug effects from the mechanistic model's response scores.

The clone types, their untreated rates and the mutations come from a scenario; the effect of
each regimen on each type comes from a score function, normally
``her2resist.predict.predict_response(alterations, regimen).score``, mapped to rates by
:func:`~her2resist.evolution.rates.rate_from_score`. Each regimen (for instance
``"trastuzumab+pertuzumab"``) becomes one "drug" of the scenario, scored as a whole, so that
the model's view of the combination is used rather than a rule for combining single drugs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import replace

from her2resist.evolution.rates import rate_from_score
from her2resist.evolution.scenario import Scenario, Schedule
from her2resist.exceptions import EngineError, ParameterError

ScoreFunction = Callable[[Sequence[str], str], float]


def scenario_for_regimens(
    scenario: Scenario,
    regimens: Sequence[str],
    score: ScoreFunction,
    *,
    max_kill_rate: float = 0.03,
    cytostatic_fraction: float = 0.0,
) -> Scenario:
    """``scenario`` with each type's rates under each regimen taken from ``score``.

    One regimen is given continuously; several are given one after the other, switching at
    progression.

    Parameters
    ----------
    scenario
        Types (with their alterations), untreated rates, mutations and sizes.
    regimens
        Regimen labels, passed to ``score`` as they are.
    score
        ``score(alterations, regimen)`` in [0, 1], higher meaning better control.

    Examples
    --------
    >>> from her2resist.evolution import CellType, Rates, Schedule
    >>> base = Scenario("x", (CellType("S", Rates(0.14, 0.13)),
    ...                       CellType("P", Rates(0.14, 0.13), alterations=("PIK3CA",))),
    ...                 (), {"S": 10}, 10, Schedule("continuous", ()))
    >>> fake = lambda alterations, regimen: 0.2 if "PIK3CA" in alterations else 0.9
    >>> s = scenario_for_regimens(base, ["trastuzumab"], fake)
    >>> [round(t.drugs["trastuzumab"].death, 3) for t in s.types]
    [0.166, 0.138]
    """
    if isinstance(regimens, str) or not regimens:
        raise ParameterError(
            "regimens", "scenario_for_regimens", "a non-empty list of regimen labels", regimens
        )
    types = []
    for cell in scenario.types:
        drugs = dict(cell.drugs)
        for regimen in regimens:
            drugs[regimen] = rate_from_score(
                float(score(cell.alterations, regimen)),
                cell.untreated,
                max_kill_rate=max_kill_rate,
                cytostatic_fraction=cytostatic_fraction,
            )
        types.append(replace(cell, drugs=drugs))
    schedule = (
        Schedule.continuous([regimens[0]])
        if len(regimens) == 1
        else Schedule.sequential(*[[r] for r in regimens])
    )
    name = f"{scenario.name} under {' then '.join(regimens)}"
    return replace(scenario, types=tuple(types), schedule=schedule, name=name)


def model_score_function() -> ScoreFunction:
    """The model's score function, ``her2resist.predict.predict_response(...).score``.

    Imported when called, since the model is optional for the rest of this module.

    Raises
    ------
    EngineError
        When ``her2resist.predict`` does not provide ``predict_response``.
    """
    try:
        module = importlib.import_module("her2resist.predict")
    except ImportError:
        module = None
    predict_response = getattr(module, "predict_response", None)
    if predict_response is None:
        raise EngineError(
            "--regimen needs the mechanistic model's her2resist.predict.predict_response, "
            "which this installation does not provide yet; give the drug effects in the "
            "scenario file instead"
        )

    def score(alterations: Sequence[str], regimen: str) -> float:
        return float(predict_response(list(alterations), regimen).score)

    return score
