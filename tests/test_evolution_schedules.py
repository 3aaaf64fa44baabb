"""Schedules and results: on/off patterns, switches, adaptive pauses, summaries, seeds."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from her2resist.evolution import CellType, Mutation, Rates, Scenario, Schedule, simulate
from her2resist.evolution.schedules import ScheduleState
from her2resist.exceptions import ParameterError


def _scenario(schedule: Schedule, **kw: object) -> Scenario:
    types = (
        CellType("S", Rates(1.0, 0.5), {"A": Rates(1.0, 1.5), "B": Rates(1.0, 1.5)}),
        CellType("RA", Rates(1.0, 0.5), {"B": Rates(1.0, 1.5)}),
    )
    base = Scenario(
        "sched",
        types,
        (Mutation("S", "RA", 1e-4),),
        {"S": 1000},
        1000.0,
        schedule,
        dt=0.5,
        max_time=60.0,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_intermittent_gives_drugs_only_in_on_periods() -> None:
    state = ScheduleState(
        _scenario(Schedule.intermittent(["A"], on_days=2, off_days=1)), np.array([1000, 1000])
    )
    idx = np.arange(2)
    on = [bool(state.drug_state(idx, t)[0]) for t in np.arange(0, 6, 0.5)]
    assert on == [True] * 4 + [False] * 2 + [True] * 4 + [False] * 2


def test_adaptive_pauses_below_and_resumes_above() -> None:
    state = ScheduleState(
        _scenario(Schedule.adaptive(["A"], pause_below=0.5, resume_above=1.0)), np.array([1000])
    )
    idx = np.array([0])
    treating = []
    for size in (800, 400, 600, 900, 1000, 700, 450):
        state.after_step(idx, 1.0, np.array([size]))
        treating.append(bool(state.drug_state(idx, 1.0)[0]))
    assert treating == [True, False, False, False, True, True, False]


def test_sequential_switches_at_progression_then_progresses_on_the_last_line() -> None:
    sc = _scenario(Schedule.sequential(["A"], ["B"]), progression_size=1200.0)
    state = ScheduleState(sc, np.array([1000]))
    idx = np.array([0])
    assert not state.after_step(idx, 1.0, np.array([500]))[0]
    assert not state.after_step(idx, 2.0, np.array([1300]))[0]  # first line fails: switch
    assert state.line[0] == 1 and state.nadir[0] == 1300
    assert not state.after_step(idx, 3.0, np.array([1400]))[0]  # not 1.2 x nadir yet
    assert state.after_step(idx, 4.0, np.array([1600]))[0]


def test_sequential_switch_at_a_time() -> None:
    sc = _scenario(Schedule.sequential(["A"], ["B"], switch=10.0))
    state = ScheduleState(sc, np.array([1000, 1000]))
    idx = np.arange(2)
    state.after_step(idx, 9.5, np.array([500, 500]))
    assert list(state.line) == [0, 0]
    state.after_step(idx, 10.0, np.array([500, 500]))
    assert list(state.line) == [1, 1]
    assert list(state.drug_state(idx, 10.0)) == [2, 2]


def test_combination_beats_monotherapy_and_rules_combine() -> None:
    mono = simulate(_scenario(Schedule.continuous(["A"])), tumours=300, seed=1)
    combo = simulate(_scenario(Schedule.continuous(["A", "B"])), tumours=300, seed=1)
    assert combo.p_eradication > mono.p_eradication
    sc = _scenario(Schedule.continuous(["A", "B"]))
    assert sc.rates_under(["A", "B"])[1].tolist() == [1.5, 1.5]
    assert replace(sc, combination="additive").rates_under(["A", "B"])[1].tolist() == [2.5, 1.5]


def test_results_are_reproducible_and_consistent() -> None:
    sc = _scenario(Schedule.continuous(["A"]))
    a = simulate(sc, tumours=300, seed=5)
    b = simulate(sc, tumours=300, seed=5, workers=2)
    assert a.tumours.equals(b.tumours)
    curve = a.survival_curve()
    assert (np.diff(curve["progression_free"]) <= 0).all()
    assert curve["progression_free"].iloc[-1] == pytest.approx(1 - a.probability("progressed"))
    comp = a.composition_at_progression()
    assert comp["mean_fraction"].sum() == pytest.approx(1.0)
    assert comp["dominant_share"].sum() == pytest.approx(1.0)
    prog = a.tumours[a.tumours["outcome"] == "progressed"]
    assert (prog["cells_S"] + prog["cells_RA"] >= sc.progression_threshold).all()
    summary = a.summary()
    assert {"p_eradication", "median_time_to_progression", "composition_at_progression"} <= set(
        summary
    )
    assert len(a.trajectories) and set(a.trajectories["type"]) == {"S", "RA"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"tumours": 0}, "'tumours'"),
        ({"tumours": 10, "workers": 0}, "'workers'"),
        ({"tumours": 10, "record": -1}, "'record'"),
    ],
)
def test_simulate_validates_its_parameters(kwargs: dict[str, int], match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        simulate(_scenario(Schedule.continuous(["A"])), **kwargs)  # type: ignore[arg-type]
