"""The engine's exact reductions (percolation, output pruning, acyclic fixed point, core cache)
must give the attractors plain mpbn gives on the whole network."""

import random

import mpbn
import pytest

from her2resist.engines.base import resting_state
from her2resist.engines.mp import MostPermissiveEngine, attractor_dicts
from her2resist.engines.reduce import complete_outputs, fixed_point, percolate, prune_outputs
from her2resist.model import load_model
from her2resist.model.rules import format_rule, parse_rule

NET = load_model()
ALTERATIONS = [n for n in NET.ids("alteration") if n != "ERBB2_amp"]
DRUGS = list(NET.ids("drug"))


def plain_attractors(fixed: dict[str, int], initial: dict | None) -> list[dict]:
    rules = {n: format_rule(e) for n, e in NET.simplified_rules(fixed).items()}
    start = None if initial is None else {n: v for n, v in initial.items() if v in (0, 1)}
    return list(mpbn.MPBooleanNetwork(rules).attractors(reachable_from=start))


def as_set(attractors: list[dict]) -> set[tuple]:
    return {tuple(sorted((n, str(v)) for n, v in a.items())) for a in attractors}


@pytest.mark.parametrize("seed", range(24))
def test_reduced_engine_matches_plain_mpbn(seed: int) -> None:
    rng = random.Random(seed)
    background = {a: 1 for a in rng.sample(ALTERATIONS, rng.choice([0, 1, 2]))}
    drugs = {d: 1 for d in rng.sample(DRUGS, rng.choice([1, 2, 3]))}
    engine = MostPermissiveEngine()
    untreated = engine.simulate(NET, background, initial=resting_state(NET))
    assert as_set(attractor_dicts(untreated)) == as_set(
        plain_attractors(background, resting_state(NET)))
    for start in attractor_dicts(untreated):
        treated = engine.simulate(NET, {**background, **drugs}, initial=start)
        assert as_set(attractor_dicts(treated)) == as_set(
            plain_attractors({**background, **drugs}, start))


def test_all_attractors_without_a_start_match_plain_mpbn() -> None:
    fixed = {"PIK3CA_mut": 1, "lapatinib": 1}
    found = MostPermissiveEngine().simulate(NET, fixed)
    assert as_set(attractor_dicts(found)) == as_set(plain_attractors(fixed, None))


def test_percolation_keeps_constants_that_differ_from_the_start() -> None:
    rules = {"A": parse_rule("1"), "B": parse_rule("A & C"), "C": parse_rule("C")}
    free, settled = percolate(rules, {"A": 0, "B": 0, "C": 1})
    assert settled == {} and set(free) == {"A", "B", "C"}
    free, settled = percolate(rules, None)
    assert settled == {"A": 1} and format_rule(free["B"]) == "C"


def test_output_pruning_and_completion() -> None:
    rules = {"X": parse_rule("!Y"), "Y": parse_rule("X"), "Out": parse_rule("X | Z"),
             "Z": parse_rule("Z"), "Last": parse_rule("Out & Z")}
    core, outputs = prune_outputs(rules)
    # Z reads itself (it remembers its start), so it stays in the core.
    assert set(core) == {"X", "Y", "Z"} and set(outputs) == {"Out", "Last"}
    done = complete_outputs({"X": "*", "Y": "*", "Z": 1}, outputs, rules)
    assert done["Out"] == 1 and done["Last"] == 1
    done = complete_outputs({"X": "*", "Y": "*", "Z": 0}, outputs, rules)
    assert done["Out"] == "*" and done["Last"] == 0


def test_self_loops_keep_their_memory() -> None:
    from her2resist.model.formats import read_bnet_text

    net = read_bnet_text("I, I\nM, M | I\nOut, M\n", source="memory.bnet")
    engine = MostPermissiveEngine()
    assert engine.simulate(net, {"I": 0}, initial={"M": 1, "Out": 1}).value("Out") == 1.0
    assert engine.simulate(net, {"I": 0}, initial={"M": 0, "Out": 0}).value("Out") == 0.0
    assert sorted(engine.simulate(net, {"I": 0}).states["Out"]) == [0.0, 1.0]


def test_fixed_point_only_for_acyclic_networks() -> None:
    assert fixed_point({"A": parse_rule("1"), "B": parse_rule("!A")}) == {"A": 1, "B": 0}
    assert fixed_point({"A": parse_rule("!B"), "B": parse_rule("A")}) is None


def test_non_unate_rules_fall_back_to_mpbn() -> None:
    from her2resist.engines.asp import mp_attractors, unate_dnf
    from her2resist.model.formats import read_bnet_text

    xor = parse_rule("(A & !B) | (!A & B)")
    assert unate_dnf(xor) is None
    assert mp_attractors({"X": xor, "A": parse_rule("A"), "B": parse_rule("B")}, None) is None
    net = read_bnet_text("A, A\nB, B\nX, (A & !B) | (!A & B)\nY, X & Y | !X\n", source="x.bnet")
    found = MostPermissiveEngine().simulate(net, {"A": 1, "B": 0}, initial={"X": 0, "Y": 0})
    plain = mpbn.MPBooleanNetwork({"A": "1", "B": "0", "X": "(A & !B) | (!A & B)",
                                   "Y": "X & Y | !X"})
    expected = as_set(list(plain.attractors(reachable_from={"A": 1, "B": 0, "X": 0, "Y": 0})))
    assert as_set(attractor_dicts(found)) == expected


@pytest.mark.parametrize("seed", range(24))
def test_service_route_matches_plain_mpbn(seed: int) -> None:
    """The simulation service (background percolated once on vectors, drugs added, moving
    parts cached) reaches exactly the attractors plain mpbn reaches along the same route."""
    from her2resist.engines.service import SimulationService

    rng = random.Random(1000 + seed)
    service = SimulationService(NET, MostPermissiveEngine())
    background = {a: 1 for a in rng.sample(ALTERATIONS, rng.choice([0, 1, 2, 3]))}
    for _ in range(3):  # several regimens on one background share its reduction
        drugs = {d: 1 for d in rng.sample(DRUGS, rng.choice([1, 2, 3]))}
        sim = service.treat(background, drugs)
        plain_untreated = plain_attractors(background, resting_state(NET))
        assert as_set(attractor_dicts(sim.untreated)) == as_set(plain_untreated)
        reached = [a for start in plain_untreated
                   for a in plain_attractors({**background, **drugs}, start)]
        assert as_set(attractor_dicts(sim.treated)) == as_set(reached)
