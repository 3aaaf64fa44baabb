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


def _routes() -> list[tuple[dict[str, int], dict[str, int]]]:
    """(background, drugs) of every catalogue alteration (and none) under every standard
    regimen, and of every validation case and its reference (shared and extra cases)."""
    from pathlib import Path

    from her2resist.knowledge.catalogue import load_catalogue
    from her2resist.knowledge.perturbation import build_perturbation
    from her2resist.predict.regimen import parse_regimen, resolve_alterations
    from her2resist.predict.validate import read_cases
    from her2resist.report import STANDARD_REGIMENS

    cat = load_catalogue()
    questions = [((), r) for r in STANDARD_REGIMENS]
    questions += [((a,), r) for a in sorted(cat.alterations) for r in STANDARD_REGIMENS]
    here = Path(__file__).resolve().parent
    for path in (here.parents[1] / "shared" / "validation" / "cases.csv",
                 here / "data" / "validation_extra.csv"):
        if path.is_file():
            for case in read_cases(path):
                env = dict(case.environment)
                questions.append((case.alterations, case.regimen, env))
                if case.ref_regimen:
                    questions.append((case.ref_alterations, case.ref_regimen, env))
    routes = []
    for alterations, regimen, *env in questions:
        alts = resolve_alterations(alterations, cat)
        background = build_perturbation(alts, environment=env[0] if env else {},
                                        warn=False).as_dict()
        routes.append((background, dict(parse_regimen(regimen, cat).perturbation())))
    return routes


def test_no_residual_network_shortcut_equals_the_solver() -> None:
    """Where the fixed nodes alone settle every node, the evaluator answers without the solver
    (reduce.unique_fixed_point); on every catalogue genotype x standard regimen and every
    validation case it must reach exactly what the solver reaches, and it must be used."""
    from her2resist.engines.evaluate import Evaluator

    fast, solver = Evaluator(NET), Evaluator(NET, shortcut=False)
    routes = _routes()
    assert len(routes) > 500
    for background, drugs in routes:
        keep = [n for n in NET.inputs if n not in background]
        a, b = fast.base(background, keep), solver.base(background, keep)
        assert a.untreated == b.untreated, background
        assert fast.rows(a, drugs) == solver.rows(b, drugs), (background, drugs)
    assert solver.solver_calls > 0
    assert fast.solver_calls < solver.solver_calls / 2


def test_shortcut_needs_every_node_settled() -> None:
    from her2resist.engines.reduce import compile_network, unique_fixed_point
    from her2resist.model.formats import read_bnet_text

    # A latch: M may switch on while A still reads 1, and then stays on; I=1 does not
    # settle M, so the solver decides (two reachable attractors).
    net = read_bnet_text("I, I\nA, !I\nM, M | A\n", source="latch.bnet")
    cn = compile_network(net)
    values = cn.initial({"I": 1})
    cn.propagate(values, [1, 1, 0], cn.regulated)  # A starts at 1: M may latch on
    assert unique_fixed_point(cn, values, cn.moving(values)) is None
    engine = MostPermissiveEngine()
    found = engine.simulate(net, {"I": 1}, initial={"A": 1, "M": 0})
    assert as_set(attractor_dicts(found)) == as_set(list(mpbn.MPBooleanNetwork(
        {"I": "1", "A": "!I", "M": "M | A"}).attractors(reachable_from={"I": 1, "A": 1,
                                                                        "M": 0})))
