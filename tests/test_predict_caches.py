"""What the prediction layer keeps or works out in bulk equals what it works out afresh."""

from __future__ import annotations

import itertools

from her2resist.engines.service import get_service
from her2resist.knowledge.catalogue import load_catalogue
from her2resist.model.parse import load_model
from her2resist.predict import batched, explain, response
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
        perturbed = {**perturbation.values, **reg.drugs}
        warm.append((sim, perturbed, response._trace(network, response._reached(sim), perturbed)))
    # the same traces again, each worked out with nothing kept (a fresh tracer per call)
    for sim, perturbed, trace in warm:
        explain._tracer.cache_clear()
        assert response._trace(network, response._reached(sim), perturbed) == trace
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
    reader = batched._RowReader.of(service)
    assert reader is not None
    seen = 0
    for alts, perturbation, reg in _routes():
        score = response._score(service, perturbation.values, reg.drugs)[0]
        (many,) = batched._mechanisms_many(service, reader, alts, {}, [reg.drugs], [score])
        assert many == response._mechanisms(service, alts, reg.drugs, score, {})
        assert batched._mechanisms_many(service, None, alts, {}, [reg.drugs], [score]) == [many]
        seen += bool(many)
    assert seen  # some regimens have mechanisms to compare


def test_what_is_read_from_rows_equals_what_is_read_from_the_results() -> None:
    service = get_service(load_model())
    reader = batched._RowReader.of(service)
    assert reader is not None
    for _, perturbation, reg in _routes():
        sim = service.treat(perturbation.values, reg.drugs)
        untreated, (treated,) = service.rows_many(perturbation.values, [reg.drugs])
        assert reader.control(untreated) == control(sim.untreated)
        from_rows = reader.reached(reader.control(untreated), treated)
        from_results = response._reached(sim)
        assert from_rows[:-1] == from_results[:-1]  # every number, and the provenance
        (nodes, row), (nodes2, row2) = from_rows.escape(), from_results.escape()
        assert tuple(nodes) == tuple(nodes2) and list(map(float, row)) == list(row2)
        assert control_rows(sim.treated.rows, batched._even(sim.treated.n_states),
                            reader.proliferation, reader.apoptosis) == control(sim.treated)


def test_a_service_without_a_batch_evaluator_is_not_read_from_rows() -> None:
    assert batched._RowReader.of(get_service(load_model(), "stochastic")) is None
