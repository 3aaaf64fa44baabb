"""Round trips of the package model through bnet and SBML-qual, and the exported files in the
engines (mpbn through MostPermissiveEngine, MaBoSS through cmaboss)."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from her2resist.engines.mp import MostPermissiveEngine, attractor_dicts
from her2resist.engines.stochastic import cmaboss_for
from her2resist.model import Network, Node, load_model
from her2resist.model.formats import read_bnet_text, read_model_file, write_bnet, write_maboss
from her2resist.model.rules import evaluate, format_rule
from her2resist.model.sbml import read_sbml, read_sbml_string, write_sbml

TINY = Path(__file__).parent / "data" / "models" / "tiny.yaml"


@pytest.fixture(scope="module")
def model() -> Network:
    return load_model()


def _canonical(network: Network) -> dict[str, Node]:
    """Nodes without their line, with rules in the formatter's canonical spelling."""
    return {
        name: dataclasses.replace(
            node, line=None, rule=None if node.rule is None else format_rule(node.expr)
        )
        for name, node in network.nodes.items()
    }


def _random_states(names: tuple[str, ...], count: int, seed: int = 7) -> list[dict[str, int]]:
    rng = random.Random(seed)
    return [{n: rng.randint(0, 1) for n in names} for _ in range(count)]


def assert_same_logic(original: Network, other: Network, *, fixed: dict[str, int] | None = None,
                      other_fixed: dict[str, int] | None = None):
    """Same nodes, same input values, and every rule with the same truth table on random states
    (and the same simplified text)."""
    assert list(other.nodes) == list(original.nodes)
    want, got = original.simplified_rules(fixed), other.simplified_rules(other_fixed)
    states = _random_states(tuple(original.nodes), 300)
    for name in original.nodes:
        assert format_rule(got[name]) == format_rule(want[name]), name
        assert [evaluate(got[name], s) for s in states] == [
            evaluate(want[name], s) for s in states
        ], name


def test_bnet_round_trip_keeps_every_rule(model: Network) -> None:
    text = write_bnet(model)
    back = read_bnet_text(text, source="exported.bnet")
    # Inputs stay free inputs (written 'X, X', read back at 0); their model values are noted.
    assert back.inputs == model.inputs
    assert set(back.defaults().values()) == {0}
    assert_same_logic(model, back, other_fixed=model.defaults())
    on = [n for n, v in model.defaults().items() if v]
    assert f"# their values in the source model: {', '.join(f'{n}=1' for n in on)}" in text
    for name, node in model.nodes.items():
        assert back.nodes[name].rule == (format_rule(node.expr) if not node.is_input else None)


def test_bnet_round_trip_with_fixed_nodes(model: Network) -> None:
    fixed = {model.ids("drug")[0]: 1, model.ids("signalling")[0]: 0}
    back = read_bnet_text(write_bnet(model, fixed))
    free = {n: v for n, v in model.defaults().items() if n not in fixed}
    assert_same_logic(model, back, fixed=fixed, other_fixed=free)


def test_sbml_round_trip_keeps_nodes_and_evidence(model: Network) -> None:
    back = read_sbml_string(write_sbml(model), source="exported.sbml")
    assert_same_logic(model, back)
    assert _canonical(back) == _canonical(model)
    assert (back.name, back.version) == (model.name, model.version)
    assert back.hash == model.hash


def test_sbml_round_trip_with_fixed_nodes(model: Network) -> None:
    drug, node = model.ids("drug")[0], model.ids("signalling")[0]
    back = read_sbml_string(write_sbml(model, {drug: 1, node: 0}))
    assert_same_logic(model, back, fixed={drug: 1, node: 0})
    assert back.nodes[node].is_input and back.nodes[node].default == 0
    assert back.nodes[drug].default == 1


def test_sbml_file_round_trip_through_load_model(tmp_path: Path) -> None:
    tiny = load_model(TINY)
    path = tmp_path / "tiny.sbml"
    path.write_text(write_sbml(tiny), encoding="utf-8")
    for back in (read_sbml(path), read_model_file(path), load_model(path)):
        assert _canonical(back) == _canonical(tiny)


def test_written_sbml_passes_libsbml_validation(model: Network) -> None:
    import libsbml

    doc = libsbml.readSBMLFromString(write_sbml(model))
    doc.checkConsistency()
    errors = [doc.getError(i) for i in range(doc.getNumErrors())]
    assert [e.getMessage() for e in errors if e.getSeverity() >= libsbml.LIBSBML_SEV_ERROR] == []


def test_sbml_from_other_tools_reads_thresholds_terms_and_xor() -> None:
    net = read_model_file(Path(__file__).parent / "data" / "models" / "ginsim_style.sbml")
    assert net.defaults() == {"A": 1}
    assert net.nodes["A"].description == "An input signal."
    rules = {n: net.nodes[n].rule for n in "BCDE"}
    assert rules == {"B": "A & !C", "C": "B | D", "D": "!B", "E": "B & !D | !B & D"}


def _attractor_set(network: Network, perturbation: dict[str, int]) -> set[frozenset]:
    # A fresh engine each time: the cache is keyed by model hash, which the copies share.
    result = MostPermissiveEngine().simulate(network, perturbation)
    return {frozenset(att.items()) for att in attractor_dicts(result)}


@pytest.mark.parametrize("fmt", ["bnet", "sbml"])
def test_exported_models_give_the_same_attractors(model: Network, fmt: str) -> None:
    back = (read_bnet_text(write_bnet(model)) if fmt == "bnet"
            else read_sbml_string(write_sbml(model)))
    defaults = model.defaults() if fmt == "bnet" else {}  # bnet has no default values
    drugs, alterations = model.ids("drug"), model.ids("alteration")
    for perturbation in ({}, {drugs[0]: 1}, {drugs[1]: 1, alterations[-1]: 1}):
        assert (_attractor_set(back, {**defaults, **perturbation})
                == _attractor_set(model, perturbation))


def test_exported_bnet_loads_in_mpbn_with_free_inputs(model: Network, tmp_path: Path) -> None:
    import mpbn

    path = tmp_path / "her2.bnet"
    path.write_text(write_bnet(model), encoding="utf-8")
    bn = mpbn.MPBooleanNetwork(str(path))
    assert {n for n in model.inputs if str(bn[n]) == n} == set(model.inputs)
    # mpbn on the exported file, inputs fixed as in the model, gives our engine's attractors.
    for name, value in model.defaults().items():
        bn[name] = value
    theirs = {frozenset(a.items()) for a in bn.attractors()}
    assert theirs == _attractor_set(model, {})


def test_fixed_nodes_are_constants_in_bnet(model: Network) -> None:
    drug = model.ids("drug")[0]
    lines = write_bnet(model, {drug: 1}).splitlines()
    assert f"{drug}, 1" in lines
    assert "# inputs, free here" in lines[0] and drug not in lines[0].split(": ")[1].split(", ")


def test_maboss_files_run_in_cmaboss_and_reach_the_attractor(model: Network) -> None:
    bnd, cfg = write_maboss(model, max_time=50, sample_count=200, seed=1,
                            outputs=tuple(model.nodes))
    result = cmaboss_for(len(model)).MaBoSSSim(network_str=bnd, config_str=cfg).run()
    probabilities, _, states, _ = result.get_last_probtraj()
    assert probabilities.sum() == pytest.approx(1.0)
    best = states[int(probabilities[0].argmax())]
    on = set() if best == "<nil>" else set(best.split(" -- "))
    reached = {n: int(n in on) for n in model.nodes}
    attractors = attractor_dicts(MostPermissiveEngine().simulate(model))
    assert any(all(v == "*" or reached[n] == v for n, v in att.items()) for att in attractors)


def test_maboss_export_marks_internal_nodes_and_picks_the_build(model: Network) -> None:
    bnd, cfg = write_maboss(model, max_time=5, sample_count=50)
    internal = {line.split(".")[0] for line in cfg.splitlines() if "is_internal = 1" in line}
    assert internal == set(model.nodes) - set(model.ids("phenotype"))
    assert len(model) > 64 and cmaboss_for(len(model)).__name__ == "cmaboss_128n"
    result = cmaboss_for(len(model)).MaBoSSSim(network_str=bnd, config_str=cfg).run()
    _, _, states, _ = result.get_last_probtraj()
    shown = {n for state in states if state != "<nil>" for n in state.split(" -- ")}
    assert shown and shown <= set(model.ids("phenotype"))
