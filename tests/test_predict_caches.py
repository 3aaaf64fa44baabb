"""What the prediction layer keeps or works out in bulk equals what it works out afresh."""

from __future__ import annotations

import itertools

from her2resist.engines.service import get_service
from her2resist.knowledge.catalogue import load_catalogue
from her2resist.model.parse import load_model
from her2resist.predict import explain, response
from her2resist.predict.regimen import resolve_alterations
from her2resist.predict.scoring import control, control_rows

REGIMENS = ("trastuzumab", "lapatinib", "trastuzumab + pertuzumab", "neratinib + capecitabine",
            "trastuzumab + alpelisib")
GENOTYPES = (["PTEN loss"], ["PIK3CA H1047R", "CCND1 amplification"],
             ["ERBB2 L755S", "PTEN loss", "MET amplification"], ["CCNE1 amplification"])


def _routes():  # (background, drugs) pairs that reach escapes and arrests alike
    catalogue = load_catalogue()
    for genotype, regimen in itertools.product(GENOTYPES, REGIMENS):
        alts = resolve_alterations(genotype, catalogue)
        yield alts, response._perturbation(alts, {}, warn=False), response._regimen(
            regimen, catalogue)


def test_traces_read_from_kept_steps_equal_traces_worked_out_by_a_fresh_tracer() -> None:
    network = load_model()
    service = get_service(network)
    warm = []
    for _, perturbation, reg in _routes():
        sim = service.treat(perturbation.values, reg.drugs)
        warm.append((sim, {**perturbation.values, **reg.drugs},
                     response._trace(network, sim, {**perturbation.values, **reg.drugs})))
    # the same traces again, each worked out with nothing kept (a fresh tracer per call)
    for sim, perturbed, trace in warm:
        explain._tracer.cache_clear()
        assert response._trace(network, sim, perturbed) == trace
        state = sim.treated.state(sim.treated.most("Proliferation"))
        explain._tracer.cache_clear()
        growth = explain.explain_node(network, state, "Proliferation", perturbed)
        explain._tracer.cache_clear()
        death = explain.explain_node(network, state, "Apoptosis", perturbed)
        assert trace == (*growth, *(s for s in death if s.node not in {g.node for g in growth}))
    assert any(len(trace) > 5 for *_, trace in warm)


def test_a_row_in_another_node_order_gives_the_same_trace() -> None:
    network = load_model()
    sim = get_service(network).treat({"PTEN_loss": 1}, {"trastuzumab": 1})
    state = sim.treated.state(0)
    perturbed = {"PTEN_loss": 1, "trastuzumab": 1}
    order = tuple(reversed(sim.treated.nodes))
    assert explain.explain_row(network, order, tuple(state[n] for n in order), ["Proliferation"],
                               perturbed) == [explain.explain_node(network, state, "Proliferation",
                                                                   perturbed)]


def test_mechanisms_scored_from_rows_equal_mechanisms_scored_from_results() -> None:
    service = get_service(load_model())
    assert response._scored_by_rows(service)
    seen = 0
    for alts, perturbation, reg in _routes():
        score = response._score(service, perturbation.values, reg.drugs)[0]
        (many,) = response._mechanisms_many(service, alts, {}, [reg.drugs], [score])
        assert many == response._mechanisms(service, alts, reg.drugs, score, {})
        seen += bool(many)
    assert seen  # some regimens have mechanisms to compare


def test_control_of_rows_equals_control_of_the_result() -> None:
    service = get_service(load_model())
    p, a = service.index["Proliferation"], service.index["Apoptosis"]
    for _, perturbation, reg in _routes():
        sim = service.treat(perturbation.values, reg.drugs)
        for result in (sim.untreated, sim.treated):
            assert control_rows(result.rows, response._even(result.n_states), p, a) == control(
                result)
