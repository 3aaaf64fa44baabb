"""Combination screens and nodal targets: exactness against the engine, Sahin 2009's targets,
pruning, interaction scores, Dask execution and errors."""

from __future__ import annotations

import random
from itertools import combinations
from pathlib import Path

import pytest

from her2resist.engines.evaluate import Evaluator
from her2resist.engines.mp import MostPermissiveEngine, attractor_dicts
from her2resist.exceptions import ParameterError, UnknownNameError
from her2resist.model import load_model
from her2resist.model.formats import read_bnet_text
from her2resist.predict import predict_response
from her2resist.predict.simulate import simulate_regimen
from her2resist.screen import find_nodal_targets, screen_combinations, summarise_nodal_targets

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
SAHIN = REFERENCE / "models" / "sahin2009.bnet"
SAHIN_CANDIDATES = ("ERBB1,ERBB3,IGF1R,AKT1,MEK1,ERalpha,MYC,CyclinD1,CDK4,CDK6,CDK2,"
                    "CyclinE1")
SAHIN_TARGETS = {("ERalpha",), ("MYC",), ("CyclinD1",), ("CDK4",), ("CDK6",),
                 ("ERBB1", "IGF1R"), ("AKT1", "MEK1")}
TOY = read_bnet_text("S, S\nA, S & !R\nB, S\nR, R\nC, A | B\nP, C & !K\nK, K\n",
                     source="toy.bnet")


def _sorted_rows(rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return sorted(tuple(sorted(r.items())) for r in rows)


@pytest.fixture(scope="module")
def sahin() -> Path:
    if not SAHIN.is_file():
        pytest.skip(f"reference model {SAHIN} is absent (../shared/reference beside the checkout)")
    return SAHIN


def test_sahin_2009_targets_exactly(sahin: Path) -> None:
    found = find_nodal_targets(model=sahin, fix=["EGF=1", "ERBB2=0"],
                               candidates=SAHIN_CANDIDATES, readout=["pRB1=0"], max_size=3,
                               workers=1)
    assert {t.nodes for t in found.targets} == SAHIN_TARGETS
    assert all(set(t.values.values()) == {0} for t in found.targets)
    by_nodes = {t.nodes: t for t in found.targets}
    assert "palbociclib" in by_nodes[("CDK4",)].drugs
    # the empty set is checked first, then 12 + 66 + 220 sets are checked or pruned
    assert found.pruned > 0 and found.checked + found.pruned == 1 + 12 + 66 + 220


def test_reduced_evaluation_equals_simulate_regimen() -> None:
    net = load_model()
    drugs = list(net.ids("drug"))
    alterations = list(net.ids("alteration"))
    regulated = [n for n, node in net.nodes.items() if node.kind == "signalling"]
    rng = random.Random(7)
    ev = Evaluator(net)
    for _ in range(25):
        background = {a: 1 for a in rng.sample(alterations, rng.choice([0, 1, 2]))}
        perturbation = {d: 1 for d in rng.sample(drugs, rng.choice([1, 2]))}
        perturbation |= {n: rng.choice([0, 1]) for n in rng.sample(regulated, rng.choice([0, 2]))}
        fast = ev.attractors(ev.base(background, keep=drugs), perturbation)
        slow = simulate_regimen(net, background, perturbation,
                                engine=MostPermissiveEngine(cache_size=1))
        assert _sorted_rows(fast) == _sorted_rows(attractor_dicts(slow.treated))


def test_every_attractor_mode_equals_the_engine(sahin: Path) -> None:
    net = load_model(sahin)
    ev = Evaluator(net, reachable=False)
    base = ev.base({"EGF": 1})
    engine = MostPermissiveEngine(cache_size=1)
    for knocked in [(), ("ERBB2",), ("AKT1", "MEK1"), ("p21", "p27"), ("CDK4", "ERBB3")]:
        perturbation = {n: 0 for n in knocked}
        fast = ev.attractors(base, perturbation)
        slow = attractor_dicts(engine.simulate(net, {"EGF": 1, **perturbation}))
        assert _sorted_rows(fast) == _sorted_rows(slow)


def _brute_force(max_size: int, values: tuple[int, ...]) -> set[tuple[tuple[str, int], ...]]:
    engine = MostPermissiveEngine(cache_size=1)
    literals = [(n, v) for n in ("A", "B", "C", "R", "K") for v in values]
    passing = []
    for size in range(1, max_size + 1):
        for chosen in combinations(literals, size):
            if len({n for n, _ in chosen}) < size:
                continue
            res = engine.simulate(TOY, {"S": 1, **dict(chosen)})
            if (res.states["P"] == 0).all():
                passing.append(frozenset(chosen))
    minimal = {s for s in passing if not any(o < s for o in passing)}
    return {tuple(sorted(s)) for s in minimal}


@pytest.mark.parametrize("activations", [False, True])
def test_targets_are_the_minimal_sets_of_a_brute_force(activations: bool) -> None:
    found = find_nodal_targets(model=TOY, fix=["S=1"], readout=["P=0"],
                               candidates=["A", "B", "C", "R", "K"], max_size=3,
                               activations=activations, workers=1)
    got = {tuple(sorted(t.values.items())) for t in found.targets}
    assert got == _brute_force(3, (0, 1) if activations else (0,))
    if activations:
        assert (("K", 1),) in got  # an activation that blocks P directly


def test_attractors_created_by_the_perturbation_count() -> None:
    # Knocking out R leaves the memory node M free to switch on and keep P on.
    net = read_bnet_text("S, S\nR, S\nM, M & !R\nP, M | (S & !Q)\nQ, Q\n", source="memory.bnet")
    found = find_nodal_targets(model=net, fix=["S=1"], readout=["P=0"], candidates=["R", "M"],
                               max_size=2, workers=1)
    assert found.targets == ()  # P stays on whatever is knocked out: Q is not a candidate
    with_q = find_nodal_targets(model=net, fix=["S=1"], readout=["P=0"],
                                candidates=["R", "Q"], max_size=2, activations=True, workers=1)
    assert {tuple(sorted(t.values.items())) for t in with_q.targets} == {(("Q", 1),)}


def test_project_model_targets_and_drug_mapping() -> None:
    found = find_nodal_targets(["PTEN loss"], candidates=["PI3K", "AKT", "E2F", "MYC"],
                               max_size=2, workers=1)
    assert found.background == "trastuzumab"
    nodes = {t.nodes: t for t in found.targets}
    assert ("PI3K",) not in nodes  # PTEN loss makes PIP3 without PI3K
    assert {("AKT",), ("E2F",)} <= set(nodes)
    assert "capivasertib" in nodes[("AKT",)].drugs
    data = found.to_dict()
    assert next(iter(data)) == "targets" and data["readout"] == {"Proliferation": 0}


def test_background_alone_controlled_gives_the_empty_target() -> None:
    found = find_nodal_targets(["PTEN loss"], background="trastuzumab + capivasertib",
                               candidates=["MYC"], max_size=1, workers=1)
    assert [t.nodes for t in found.targets] == [()]


def test_combination_scores_match_predict_response_and_bliss() -> None:
    agents = ["trastuzumab", "AKT inhibitor", "CDK4/6 inhibitor"]
    res = screen_combinations(["PTEN loss"], agents=agents, workers=1, top=2)
    table = res.table.set_index("combination")
    for combo in table.index:
        expected = predict_response(["PTEN loss"], combo, explain=False).score
        assert table.loc[combo, "score"] == pytest.approx(expected)
    pair = "AKT inhibitor + CDK4/6 inhibitor"
    s_a, s_b = table.loc["AKT inhibitor", "score"], table.loc["CDK4/6 inhibitor", "score"]
    bliss = table.loc[pair, "score"] - (s_a + s_b - s_a * s_b)
    assert table.loc[pair, "bliss_excess"] == pytest.approx(bliss)
    assert table.loc["trastuzumab", "bliss_excess"] == 0.0
    assert list(res.table["rank"]) == list(range(1, len(res.table) + 1))
    assert len(res.top) == 2 and res.top[0].trace


def test_kb_strategies_are_matched_by_drug_nodes() -> None:
    res = screen_combinations(None, agents=["trastuzumab", "PI3K inhibitor", "alpelisib"],
                              workers=1, top=1)
    pten = res.table[(res.table["genotype"] == "PTEN_loss")].set_index("combination")
    assert pten.loc["trastuzumab + PI3K inhibitor", "kb_strategy"].startswith("combination")
    agreement = res.agreement()
    assert set(agreement.columns) >= {"top_is_kb", "best_kb_rank", "kb_in_top_tier"}
    assert "PTEN_loss" in set(agreement["genotype"])


def test_combinations_on_an_imported_model(sahin: Path) -> None:
    res = screen_combinations(model=sahin, fix=["EGF=1"], agents=["ERBB2=0", "CDK4=0", "MYC=0"],
                              readout=["pRB1=0"], workers=1)
    table = res.table.set_index("combination")
    assert table.loc["CDK4=0", "score"] == 1.0
    assert table.loc["ERBB2=0", "score"] == 0.0


def test_dask_cluster_gives_the_same_targets() -> None:
    distributed = pytest.importorskip("distributed")
    local = summarise_nodal_targets(["PTEN loss"], candidates=["AKT", "E2F", "CDK46", "CDK2"],
                                    max_size=2, workers=1)
    with distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        remote = summarise_nodal_targets(["PTEN loss"], candidates=["AKT", "E2F", "CDK46", "CDK2"],
                                         max_size=2, scheduler=cluster.scheduler_address)
        single = find_nodal_targets(["PTEN loss"], candidates=["AKT", "E2F", "CDK46", "CDK2"],
                                    max_size=2, scheduler=cluster.scheduler_address)
    assert remote.results[0].targets == local.results[0].targets
    assert single.targets == local.results[0].targets
    assert remote.nodes.to_dict() == local.nodes.to_dict()


def test_process_pool_gives_the_same_screen() -> None:
    kwargs = {"agents": ["trastuzumab", "MEK inhibitor", "PI3K inhibitor"], "top": 1}
    alone = screen_combinations({"a": ["PTEN loss"], "b": ["KRAS G12D"]}, workers=1, **kwargs)
    pooled = screen_combinations({"a": ["PTEN loss"], "b": ["KRAS G12D"]}, workers=2, **kwargs)
    assert alone.table.equals(pooled.table)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"max_size": 0}, ParameterError, "'max_size' parameter of find_nodal_targets"),
        ({"candidates": ["AKTT"]}, UnknownNameError, "Unknown candidate node 'AKTT'"),
        ({"readout": ["Proliferation=2"]}, ParameterError, "NODE=0 or NODE=1"),
        ({"fix": ["EGF"]}, ParameterError, "'fix' parameter"),
        ({"workers": 0, "max_size": 3}, ParameterError, "'workers' parameter"),
    ],
)
def test_target_errors(kwargs: dict[str, object], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        find_nodal_targets(["PTEN loss"], **kwargs)  # type: ignore[arg-type]


def test_imported_model_needs_a_readout(sahin: Path) -> None:
    with pytest.raises(ParameterError, match="'readout' parameter"):
        find_nodal_targets(model=sahin, candidates="CDK4")
    with pytest.raises(UnknownNameError, match="Unknown drug or drug class"):
        screen_combinations(["PTEN loss"], agents=["aspirinn"])


def test_graded_screen_scores_each_combination_as_predict_graded_does() -> None:
    from her2resist.predict.graded import predict_graded

    agents = ["trastuzumab", "PI3K inhibitor", "everolimus"]
    graded = screen_combinations(["PIK3CA K111N"], agents=agents, workers=1, engine="graded")
    boolean = screen_combinations(["PIK3CA K111N"], agents=agents, workers=1)
    assert graded.engine == "graded" and boolean.engine == "most-permissive"
    rows = graded.table.set_index("combination")
    for combination, row in rows.iterrows():
        expected = predict_graded(["PIK3CA K111N"], combination, context="patient", samples=0)
        assert row["score"] == expected.score
        assert row["alone"] == [rows.loc[p, "score"] for p in combination.split(" + ")]
    # the Boolean limit beside it is the Boolean screen's score
    limit = boolean.table.set_index("combination")["score"]
    assert (rows["boolean_score"] == limit.reindex(rows.index)).all()
    assert (rows["score"] != rows["boolean_score"]).any()  # graded, not a copy


def test_graded_screen_runs_imported_models_in_the_boolean_limit(sahin: Path) -> None:
    res = screen_combinations(model=sahin, fix=["EGF=1"], agents=["ERBB2=0", "CDK4=0"],
                              readout=["pRB1=0"], workers=1, engine="graded")
    assert res.engine == "most-permissive" and res.to_dict()["engine"] == "most-permissive"


def test_screen_refuses_an_engine_it_cannot_screen_with() -> None:
    with pytest.raises(ParameterError, match="engine"):
        screen_combinations(["PTEN loss"], agents=["trastuzumab"], engine="stochastic")
    with pytest.raises(ParameterError, match="context"):
        screen_combinations(["PTEN loss"], agents=["trastuzumab"], engine="graded",
                            context="mouse")
