"""Bit-parallel lanes (engines/lanes.py) against the scalar path they replace in screens: every
lane must give exactly the rows of ``Evaluator.rows`` (same rows, same order), and a screen's
rows must score exactly as before (the same floats)."""

import random

import pytest

from her2resist.engines.base import SimulationResult
from her2resist.engines.evaluate import Evaluator
from her2resist.engines.mp import MostPermissiveEngine
from her2resist.engines.service import SimulationService
from her2resist.knowledge.catalogue import load_catalogue
from her2resist.model import load_model
from her2resist.model.formats import read_bnet_text
from her2resist.report import STANDARD_REGIMENS
from her2resist.screen.combinations import (
    anchored_combos,
    combos_of,
    perturbation_of,
    regimen_agent,
)
from her2resist.screen.combo_rows import _control, _control_rows
from her2resist.screen.genotypes import as_genotype, default_panel, mechanism_genotypes

NET = load_model()


def _backgrounds() -> list[dict[str, int]]:
    """No alteration, every catalogue alteration alone, and every KB mechanism genotype."""
    out = [{}]
    out += [dict(as_genotype([a]).perturbation) for a in sorted(load_catalogue().alterations)]
    out += [dict(g.perturbation) for g in mechanism_genotypes()]
    return out


def _screen_perturbations() -> list[dict[str, int]]:
    """The default panel's singles and pairs, and each standard regimen with its partners."""
    panel = default_panel()
    combos = list(combos_of(panel, 2))
    for regimen in STANDARD_REGIMENS:
        combos += anchored_combos(regimen_agent(regimen), panel, 2)
    return [perturbation_of(c) for c in combos]


def _assert_same(lanes: Evaluator, scalar: Evaluator, background: dict[str, int],
                 perturbations: list[dict[str, int]]) -> None:
    keep = [n for n in lanes.network.inputs if n not in background]
    a, b = lanes.base(background, keep), scalar.base(background, keep)
    many = lanes.rows_many(a, perturbations)
    for perturbation, rows in zip(perturbations, many, strict=True):
        assert rows == scalar.rows(b, perturbation), (background, perturbation)


def test_lanes_equal_scalar_on_every_catalogue_genotype_and_screen_combination() -> None:
    lanes, scalar = Evaluator(NET), Evaluator(NET)
    perturbations = _screen_perturbations()
    backgrounds = _backgrounds()
    assert len(perturbations) > 200 and len(backgrounds) > 50
    for background in backgrounds:
        _assert_same(lanes, scalar, background, perturbations)


@pytest.mark.parametrize(("reachable", "shortcut"), [(False, True), (True, False)])
def test_lanes_equal_scalar_without_a_start_or_without_the_shortcut(
        reachable: bool, shortcut: bool) -> None:
    """Every attractor (no start state: no start condition, every unsettled lane to the
    solver) and the solver always asked (no unique fixed point shortcut)."""
    lanes = Evaluator(NET, reachable=reachable, shortcut=shortcut)
    scalar = Evaluator(NET, reachable=reachable, shortcut=shortcut)
    rng = random.Random(7)
    perturbations = rng.sample(_screen_perturbations(), 40)
    for background in rng.sample(_backgrounds(), 6):
        _assert_same(lanes, scalar, background, perturbations)


def _random_perturbations(rng: random.Random, nodes: list[str], count: int
                          ) -> list[dict[str, int]]:
    return [{n: rng.randint(0, 1) for n in rng.sample(nodes, rng.choice([1, 2, 3]))}
            for _ in range(count)]


@pytest.mark.parametrize("name", ["sahin2009", "zanudo2017"])
@pytest.mark.parametrize("reachable", [True, False])
def test_lanes_equal_scalar_on_reference_models(shared_dir, name: str, reachable: bool) -> None:
    """Random backgrounds and random knock-outs and activations of any node (inputs and
    regulated nodes alike, overriding what the background settles or not)."""
    net = read_bnet_text((shared_dir / "reference" / "models" / f"{name}.bnet").read_text(),
                         source=f"{name}.bnet", implicit_inputs=True)
    lanes = Evaluator(net, reachable=reachable)
    scalar = Evaluator(net, reachable=reachable)
    rng = random.Random(11)
    nodes = list(net.nodes)
    for _ in range(8 if reachable else 3):
        background = {n: rng.randint(0, 1) for n in rng.sample(nodes, rng.choice([0, 1, 2]))}
        perturbations = _random_perturbations(rng, nodes, 60)
        _assert_same(lanes, scalar, background, perturbations)
        readout = {n: rng.randint(0, 1) for n in rng.sample(nodes, rng.choice([1, 2]))}
        keep = [n for n in net.inputs if n not in background]
        a, b = lanes.base(background, keep), scalar.base(background, keep)
        assert lanes.satisfies_many(a, perturbations, readout) == [
            scalar.satisfies(b, p, readout) for p in perturbations], (background, readout)


def test_lanes_that_the_fixed_nodes_do_not_settle_go_to_the_solver() -> None:
    # M latches on while A still reads 1 (A starts at 1): the shortcut cannot settle M.
    net = read_bnet_text("I, I\nD, D\nA, !I\nM, (M | A) & !D\n", source="latch.bnet")
    lanes, scalar = Evaluator(net, reachable=False), Evaluator(net, reachable=False)
    _assert_same(lanes, scalar, {}, [{"I": 1}, {"I": 1, "D": 1}, {"D": 0}, {"M": 1}, {}])
    assert lanes.solver_calls > 0


def test_rows_many_rejects_unknown_nodes_like_rows() -> None:
    ev = Evaluator(NET)
    base = ev.base({})
    with pytest.raises(Exception, match="NoSuchDrug") as many:
        ev.rows_many(base, [{"trastuzumab": 1}, {"NoSuchDrug": 1}])
    with pytest.raises(Exception, match="NoSuchDrug") as one:
        ev.rows(base, {"NoSuchDrug": 1})
    assert type(many.value) is type(one.value)


def test_service_rows_many_equal_treat_and_share_its_cache() -> None:
    perturbations = _screen_perturbations()[:60]
    background = dict(as_genotype(["PTEN loss"]).perturbation)
    batched = SimulationService(NET, MostPermissiveEngine())
    single = SimulationService(NET, MostPermissiveEngine())
    untreated, treated = batched.rows_many(background, perturbations)
    assert untreated == single.treat(background, {}).untreated.rows
    for drugs, rows in zip(perturbations, treated, strict=True):
        assert rows == single.treat(background, drugs).treated.rows
    computed = batched.simulations
    again = batched.treat_many(background, perturbations)  # answered from the cache
    assert batched.simulations == computed
    assert [s.treated.rows for s in again] == treated


@pytest.mark.parametrize("readout", [{}, {"Proliferation": 0}, {"Apoptosis": 1, "AKT": 0}])
def test_control_from_rows_is_the_results_control(readout: dict[str, int]) -> None:
    """The screen scores rows without building a SimulationResult per combination: the same
    floats, bit for bit, as scoring the result (numpy's arithmetic for a readout), on the
    service's results and on random rows of 1 to 20 states (0.5: oscillating)."""
    service = SimulationService(NET, MostPermissiveEngine())
    results = []
    for background in _backgrounds()[:20]:
        for drugs in _screen_perturbations()[::25]:
            sim = service.treat(background, drugs)
            results += [sim.untreated, sim.treated]
    rng = random.Random(3)
    nodes = tuple(NET.nodes)
    for states in range(1, 21):
        rows = [tuple(rng.choice((0.0, 0.5, 1.0)) for _ in nodes) for _ in range(states)]
        results.append(SimulationResult(values=rows, nodes=nodes,
                                        probabilities=[1.0 / states] * states,
                                        provenance=results[0].provenance))
    for result in results:
        assert _control_rows(result.rows, service.index, readout) == _control(result, readout)


def test_a_perturbed_node_downstream_of_a_changed_one_stays_fixed() -> None:
    """B is perturbed to 0, the value the background already settles; I's change reaches B
    through A.  B must stay 0 (the scalar path once recomputed it from its rule, giving 1)."""
    from her2resist.engines.base import resting_state

    net = read_bnet_text("I, I\nA, I\nB, A\n", source="downstream.bnet")
    ev = Evaluator(net)
    perturbation = {"I": 1, "B": 0}
    engine = MostPermissiveEngine()
    untreated = engine.simulate(net, {}, initial=resting_state(net))
    expected = engine.simulate(net, perturbation, initial=untreated.state(0)).rows
    base = ev.base({}, ["I"])
    assert ev.rows(base, perturbation) == list(expected) == [(1.0, 1.0, 0.0)]
    assert ev.rows_many(base, [perturbation]) == [list(expected)]


@pytest.mark.parametrize("reachable", [True, False])
def test_satisfies_many_equals_satisfies_on_nodal_target_sets(reachable: bool) -> None:
    """The nodal-target search's question (every reached state on the readout?) for every
    single and pair of knock-outs and activations of the default candidates on several
    genotypes, lanes against the scalar path."""
    from itertools import combinations

    from her2resist.screen.setup import resolve_model
    from her2resist.screen.targets import default_candidates

    readout = {"Proliferation": 0}
    candidates = default_candidates(resolve_model(None, None, "test"), readout)
    literals = [(n, v) for n in candidates for v in (0, 1)]
    sets = [dict(c) for k in (1, 2) for c in combinations(literals, k)
            if len({n for n, _ in c}) == k]
    lanes = Evaluator(NET, reachable=reachable)
    scalar = Evaluator(NET, reachable=reachable)
    rng = random.Random(5)
    answers = []
    for background in rng.sample(_backgrounds(), 4):
        keep = [n for n in NET.inputs if n not in background]
        a, b = lanes.base(background, keep), scalar.base(background, keep)
        picked = rng.sample(sets, min(len(sets), 300))
        many = lanes.satisfies_many(a, picked, readout)
        assert many == [scalar.satisfies(b, s, readout) for s in picked], background
        answers += many
    assert True in answers and False in answers


def test_nodal_target_pairs_agree_with_the_whole_network_route() -> None:
    """ER switching under lapatinib: FOXO and CDK4/6 knocked out together stop proliferation
    on the engine's whole-network route; the evaluator (scalar and lanes) must say so too
    (before the fix the scalar path let FOXO, already off, be recomputed once CDK46's change
    reached it, and the target search missed this pair and three others)."""
    from her2resist.engines.base import resting_state, union_of
    from her2resist.engines.mp import attractor_dicts
    from her2resist.screen.setup import resolve_model, treatment

    genotype = next(g for g in mechanism_genotypes() if g.name == "ER_switching")
    _, background, drugs = treatment(resolve_model(None), genotype, None)
    engine = MostPermissiveEngine()
    untreated = engine.simulate(NET, background, initial=resting_state(NET))
    ev = Evaluator(NET)
    base = ev.base(background, [n for n in NET.inputs if n not in background])
    sets = [("FOXO", "CDK46"), ("HER3_up", "CyclinD1"), ("FOXO",), ("CDK46",)]
    perturbations = [{**drugs, **{n: 0 for n in knocked}} for knocked in sets]
    expected = []
    for perturbation in perturbations:
        fixed = {**background, **perturbation}
        treated = union_of([engine.simulate(NET, fixed, initial=state)
                            for state in attractor_dicts(untreated)])
        expected.append(set(treated.states["Proliferation"]) == {0.0})
    assert expected == [True, True, False, False]
    readout = {"Proliferation": 0}
    assert [ev.satisfies(base, p, readout) for p in perturbations] == expected
    assert ev.satisfies_many(base, perturbations, readout) == expected


def test_a_panel_larger_than_max_lanes_is_taken_in_slices_with_the_same_answers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """More perturbations than MAX_LANES go through in slices (bounded masks: reading a lane
    out of unsliced masks costs in proportion to the panel, so a huge panel was superlinear);
    each slice's answers are the scalar path's, in order."""
    from her2resist.engines import evaluate

    monkeypatch.setattr(evaluate, "MAX_LANES", 5)
    widths: list[int] = []
    percolate = evaluate.percolate_lanes

    def counted(lanes, fixed, placed, *args, **kwargs):  # type: ignore[no-untyped-def]
        widths.append(len(placed))
        return percolate(lanes, fixed, placed, *args, **kwargs)

    monkeypatch.setattr(evaluate, "percolate_lanes", counted)
    perturbations = _screen_perturbations()[:23]
    sliced, scalar = Evaluator(NET), Evaluator(NET)
    keep = sorted({n for p in perturbations for n in p})
    base, scalar_base = (ev.base({"PTEN_loss": 1}, keep=keep) for ev in (sliced, scalar))
    assert sliced.rows_many(base, perturbations) == [scalar.rows(scalar_base, p)
                                                     for p in perturbations]
    readout = {"Proliferation": 0}
    assert sliced.satisfies_many(base, perturbations, readout) == [
        scalar.satisfies(scalar_base, p, readout) for p in perturbations]
    assert widths and max(widths) <= 5
