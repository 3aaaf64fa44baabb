"""The simulator against theory: Bozic et al. 2013 eq. 1, one-step laws, Kendall.

Each test simulates at a fixed seed and accepts the closed-form value within four binomial
standard errors (probabilities) of the number of replicates used.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from her2resist.evolution import CellType, Mutation, Rates, Scenario, Schedule, simulate
from her2resist.evolution.engine import compile_model, grow_to_detection
from her2resist.evolution.io import read_scenario
from her2resist.evolution.kendall import extinction_probability
from her2resist.evolution.theory import (
    bozic_eradication,
    probability_no_escape_during_treatment,
    probability_no_mutant,
    sequential_eradication_bound,
)

BOZIC = Path(__file__).parents[1] / "examples" / "evolution" / "bozic2013.yaml"
B, D, D_TREATED, U, N1, N2, M = 0.14, 0.13, 0.17, 1e-9, 50, 50, 1e9


def _within(simulated: float, theory: float, n: int, z: float = 4.0) -> bool:
    se = math.sqrt(max(theory * (1 - theory), 1.0 / n) / n)
    return abs(simulated - theory) <= z * se


def _bozic(n12: int) -> Scenario:
    s = read_scenario(BOZIC)
    mutations = tuple(
        replace(m, rate=U * n12) if (m.source, m.target) == ("S", "R12") else m for m in s.mutations
    )
    return replace(s, mutations=mutations)


def test_equation_1_reproduces_the_published_values() -> None:
    # Bozic 2013, Figure 3 / Table 1 parameters: eq. 1 gives 0.2632 (n12 = 1), 0.9987 (n12 = 0)
    for n12, published in ((1, 0.2632), (0, 0.9987)):
        p = bozic_eradication(
            M, birth=B, death=D, treated_death=D_TREATED, mutation_rate=U, n1=N1, n2=N2, n12=n12
        )
        assert round(p.probability, 4) == published


@pytest.mark.parametrize(("n12", "tumours"), [(1, 1200), (0, 1000)])
def test_dual_therapy_eradication_matches_bozic_equation_1(n12: int, tumours: int) -> None:
    theory = bozic_eradication(
        M, birth=B, death=D, treated_death=D_TREATED, mutation_rate=U, n1=N1, n2=N2, n12=n12
    ).probability
    result = simulate(_bozic(n12), tumours=tumours, seed=2013 + n12)
    assert result.probability("ongoing") == 0.0
    assert _within(result.p_eradication, theory, tumours), (result.p_eradication, theory)


@pytest.mark.parametrize("n12", [1, 0])
def test_sequential_therapy_almost_never_eradicates(n12: int) -> None:
    scenario = _bozic(n12).with_schedule(Schedule.sequential(["drug1"], ["drug2"]))
    scenario = replace(scenario, max_time=12_000, dt=4.0)
    bound = sequential_eradication_bound(
        M, birth=B, death=D, treated_death=D_TREATED, mutation_rate=U, n_first=N1, n12=n12
    )
    result = simulate(scenario, tumours=120, seed=7)
    assert bound < 1e-20
    assert result.p_eradication == 0.0
    assert (result.tumours["line"] == 2).mean() > 0.95  # failed the first line, then the second


def _one_type_pair(u: float, treated_death: float | None) -> Scenario:
    drugs = {"A": Rates(1.0, treated_death)} if treated_death else {}
    return Scenario(
        "one-step",
        (CellType("S", Rates(1.0, 0.5), drugs), CellType("R", Rates(1.0, 0.5))),
        (Mutation("S", "R", u),),
        start={"S": 1},
        detection_size=1e5,
        schedule=Schedule.continuous(["A"] if drugs else []),
        dt=0.25,
        max_time=100.0,
    )


def test_probability_of_no_resistant_cell_at_detection() -> None:
    u, tumours = 5e-6, 3000
    scenario = _one_type_pair(u, None)
    counts, _, _ = grow_to_detection(
        np.random.default_rng(9), scenario, compile_model(scenario), tumours
    )
    theory = probability_no_mutant(counts.sum(axis=1).mean(), birth=1.0, death=0.5, mutation_rate=u)
    assert _within(float((counts[:, 1] == 0).mean()), theory, tumours)


def test_probability_of_no_resistant_lineage_arising_during_treatment() -> None:
    u, tumours, size = 1.4e-5, 1500, 100_000
    scenario = replace(_one_type_pair(u, 2.0), start={"S": size})
    theory = probability_no_escape_during_treatment(
        size, birth=1.0, death=0.5, treated_birth=1.0, treated_death=2.0, mutation_rate=u
    )
    result = simulate(scenario, tumours=tumours, seed=10)
    assert _within(result.p_eradication, theory, tumours), (result.p_eradication, theory)


def test_simulated_extinction_by_a_time_matches_kendall() -> None:
    n0, tumours = 5, 4000
    scenario = Scenario(
        "kendall",
        (CellType("S", Rates(0.5, 0.3), {"A": Rates(0.5, 1.0)}),),
        (),
        start={"S": n0},
        detection_size=n0,
        schedule=Schedule.continuous(["A"]),
        dt=0.5,
        max_time=3.0,
        progression_size=1e9,
    )
    theory = float(extinction_probability(0.5, 1.0, 3.0)) ** n0
    result = simulate(scenario, tumours=tumours, seed=11)
    assert _within(result.p_eradication, theory, tumours)
