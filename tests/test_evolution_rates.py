"""The documented mapping from response scores to rates, and scenarios derived from it."""

from __future__ import annotations

import sys
import types

import pytest

from her2resist.evolution import (
    CellType,
    Rates,
    Scenario,
    Schedule,
    rate_from_score,
    rates_from_scores,
)
from her2resist.evolution.regimen import model_score_function, scenario_for_regimens
from her2resist.exceptions import EngineError, ParameterError

BASE = Rates(0.14, 0.13)


def test_score_zero_is_no_effect_and_one_is_max_kill() -> None:
    assert rate_from_score(0.0, BASE) == BASE
    assert rate_from_score(1.0, BASE, max_kill_rate=0.05).net == pytest.approx(-0.05)


def test_clone_is_held_still_at_the_threshold_score() -> None:
    threshold = BASE.net / (BASE.net + 0.03)
    assert rate_from_score(threshold, BASE).net == pytest.approx(0.0)
    assert (
        rate_from_score(threshold + 0.01, BASE).net
        < 0
        < rate_from_score(threshold - 0.01, BASE).net
    )


def test_cytostatic_fraction_moves_the_effect_to_birth() -> None:
    half = rate_from_score(1.0, BASE, cytostatic_fraction=0.5)
    assert half.birth == pytest.approx(0.12) and half.death == pytest.approx(0.15)
    # a birth rate cannot fall below 0: the rest of the effect goes to death
    capped = rate_from_score(1.0, Rates(0.01, 0.0), max_kill_rate=0.1, cytostatic_fraction=1.0)
    assert capped.birth == 0.0 and capped.net == pytest.approx(-0.1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"score": 1.2}, "'score'"),
        ({"score": float("nan")}, "'score'"),
        ({"score": 0.5, "max_kill_rate": -1}, "'max_kill_rate'"),
        ({"score": 0.5, "cytostatic_fraction": 2}, "'cytostatic_fraction'"),
    ],
)
def test_bad_parameters(kwargs: dict[str, float], match: str) -> None:
    score = kwargs.pop("score")
    with pytest.raises(ParameterError, match=match):
        rate_from_score(score, BASE, **kwargs)


def test_rates_from_scores_per_type_with_fitness_cost() -> None:
    untreated = {"S": BASE, "PI3K": Rates(0.14 * 0.95, 0.13)}
    rates = rates_from_scores({"S": {"T": 0.9}, "PI3K": {"T": 0.1}}, untreated)
    assert rates["S"]["T"].net == pytest.approx(0.01 - 0.9 * 0.04)
    assert rates["PI3K"]["T"].birth == pytest.approx(0.133)
    with pytest.raises(ParameterError, match="missing 'X'"):
        rates_from_scores({"X": {"T": 0.5}}, untreated)


def _base() -> Scenario:
    return Scenario(
        "t",
        (CellType("S", BASE), CellType("P", BASE, alterations=("PIK3CA",))),
        (),
        {"S": 100},
        100,
        Schedule("continuous", ()),
    )


def test_scenario_for_regimens_uses_scores_per_type_and_sequences() -> None:
    calls: list[tuple[tuple[str, ...], str]] = []

    def score(alterations: tuple[str, ...], regimen: str) -> float:
        calls.append((tuple(alterations), regimen))
        return 0.1 if "PIK3CA" in alterations else 0.9

    s = scenario_for_regimens(_base(), ["trastuzumab", "lapatinib"], score)
    assert s.schedule.kind == "sequential" and s.schedule.drugs() == ("trastuzumab", "lapatinib")
    assert s.types[0].drugs["lapatinib"] == rate_from_score(0.9, BASE)
    assert s.types[1].drugs["trastuzumab"] == rate_from_score(0.1, BASE)
    assert (("PIK3CA",), "lapatinib") in calls
    with pytest.raises(ParameterError, match="'regimens'"):
        scenario_for_regimens(_base(), [], score)


def test_missing_model_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "her2resist.predict", types.ModuleType("her2resist.predict"))
    with pytest.raises(EngineError, match="--regimen needs the mechanistic model"):
        model_score_function()


def test_model_score_function_calls_predict_response(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("her2resist.predict")
    fake.predict_response = lambda alterations, regimen: types.SimpleNamespace(  # type: ignore[attr-defined]
        score=0.5 if alterations else 0.8
    )
    monkeypatch.setitem(sys.modules, "her2resist.predict", fake)
    score = model_score_function()
    assert score((), "trastuzumab") == 0.8 and score(("PIK3CA",), "trastuzumab") == 0.5
