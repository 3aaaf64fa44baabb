"""The solver path's bookkeeping on node positions against the rule-tree versions it replaces:
outputs completed on vectors (``CompiledNetwork.complete_outputs``) against
``reduce.complete_outputs`` on substituted rules, and the moving part's cache key
(``CompiledNetwork.core_key``) against the earlier key (known constants by position), on random
states of the reference models."""

import random

import pytest

from her2resist.engines.base import star_to_float
from her2resist.engines.evaluate import Evaluator
from her2resist.engines.reduce import UNKNOWN, compile_network, complete_outputs
from her2resist.model.formats import read_bnet_text


def _network(shared_dir, name: str):
    path = shared_dir / "reference" / "models" / f"{name}.bnet"
    return read_bnet_text(path.read_text(), source=path.name, implicit_inputs=True)


def _old_core_key(cn, moving, values, start):
    known = sorted({j for i in moving for j in cn.regulators[i] if values[j] != UNKNOWN})
    return (tuple(moving), tuple((j, values[j]) for j in known),
            None if start is None else tuple(start[i] for i in moving))


@pytest.mark.parametrize("name", ["sahin2009", "zanudo2017"])
def test_outputs_completed_on_vectors_equal_the_rule_tree_completion(shared_dir, name) -> None:
    cn = compile_network(_network(shared_dir, name))
    rng = random.Random(13)
    compared = 0
    for _ in range(300):
        # A random "moving part": some regulated nodes unknown, the rest constants; a random
        # subset of it plays the outputs (evaluated last-removed first, reading anything).
        vector = [float(rng.randint(0, 1)) for _ in cn.names]
        moving = rng.sample(list(cn.regulated), rng.randint(1, min(12, len(cn.regulated))))
        for i in moving:
            vector[i] = UNKNOWN
        outputs = rng.sample(moving, rng.randint(1, len(moving)))
        # The core's attractor: 0, 1 or '*' on each moving node that is not an output.
        state = {cn.names[i]: rng.choice((0, 1, "*")) for i in moving if i not in outputs}
        rules = cn.core_rules(tuple(outputs), vector)
        names = [cn.names[i] for i in outputs]
        # reduce.complete_outputs reads only the outputs' own variables: skip draws where an
        # output reads an unknown node that is neither in the core nor an earlier output.
        done: set[int] = set()
        ok = True
        for i in reversed(outputs):
            ok &= all(vector[r] != UNKNOWN or r in done or cn.names[r] in state
                      for r in cn.regulators[i])
            done.add(i)
        if not ok:
            continue
        expected = complete_outputs(state, names, rules)
        row = list(vector)
        for node, value in state.items():
            row[cn.index[node]] = star_to_float(value)
        cn.complete_outputs(row, outputs)
        for i in moving:
            value = expected[cn.names[i]]
            assert row[i] == star_to_float(value) and type(row[i]) is float, (name, i)
        compared += 1
    assert compared > 50


@pytest.mark.parametrize("name", ["sahin2009", "zanudo2017"])
def test_core_key_tells_apart_exactly_what_the_earlier_key_did(shared_dir, name) -> None:
    cn = compile_network(_network(shared_dir, name))
    rng = random.Random(17)
    moving_sets = [tuple(sorted(rng.sample(list(cn.regulated), rng.randint(1, 8))))
                   for _ in range(6)]
    base = [rng.choice((0, 1)) for _ in cn.names]
    draws = []
    for _ in range(400):
        moving = rng.choice(moving_sets)
        # Few distinct draws, so that equal keys occur: up to two nodes of a fixed vector
        # changed (to the other value or unknown), the start one of two vectors or none.
        values = list(base)
        for j in rng.sample(range(len(values)), rng.randint(0, 2)):
            values[j] = rng.choice((1 - base[j], UNKNOWN))
        for i in moving:
            values[i] = UNKNOWN
        start = rng.choice((None, base, [1 - v for v in base]))
        draws.append((cn.core_key(moving, values, start), _old_core_key(cn, moving, values,
                                                                          start)))
    new = {k for k, _ in draws}
    assert 1 < len(new) < len(draws)
    for a_new, a_old in draws:
        for b_new, b_old in draws:
            assert (a_new == b_new) == (a_old == b_old)


def _random_perturbations(rng: random.Random, nodes: list[str], count: int
                          ) -> list[dict[str, int]]:
    return [{n: rng.randint(0, 1) for n in rng.sample(nodes, rng.choice([1, 2, 3]))}
            for _ in range(count)]


def _checked_ground(monkeypatch) -> list[int]:
    """Every answer of the grounded network checked against the moving part's own program
    (the same attractors as sets; their order is compared through the rows); returns a list
    that grows by the number of attractors of each answered moving part.  The solver-free
    shortcut of ``mp.trapped_point`` is turned off, so that every core reaches a solver
    (``tests/test_engine_trap.py`` checks the shortcut)."""
    from her2resist.engines import asp, mp

    monkeypatch.setattr(mp, "trapped_point", lambda dnfs, start: None)
    from her2resist.model.rules import substitute

    answered: list[int] = []
    original = asp.GroundModel.attractors

    def checked(self, nodes, constants, start):
        found = original(self, nodes, constants, start)
        if found is not None:
            rules = {n: substitute(self.full[n], dict(constants)) for n in nodes}
            own = asp.mp_attractors(rules, start)
            assert own is not None
            assert sorted(map(sorted, (a.items() for a in found))) == sorted(
                map(sorted, (a.items() for a in own))), (nodes, constants, start)
            answered.append(len(found))
        return found

    original_init = asp.GroundModel.__init__

    def init(self, names, rules):
        original_init(self, names, rules)
        self.full = dict(rules)

    monkeypatch.setattr(asp.GroundModel, "attractors", checked)
    monkeypatch.setattr(asp.GroundModel, "__init__", init)
    return answered


def _same_rows(grounded: Evaluator, own: Evaluator, background: dict[str, int],
               perturbations: list[dict[str, int]]) -> None:
    keep = [n for n in grounded.network.inputs if n not in background]
    a, b = grounded.base(background, keep), own.base(background, keep)
    assert a.untreated == b.untreated, background
    assert grounded.rows_many(a, perturbations) == own.rows_many(b, perturbations), background
    for perturbation in perturbations[:5]:
        assert grounded.rows(a, perturbation) == own.rows(b, perturbation)


@pytest.mark.parametrize("name", ["sahin2009", "zanudo2017"])
def test_grounded_network_gives_the_moving_parts_own_attractors(shared_dir, name,
                                                                monkeypatch) -> None:
    """Random backgrounds and random knock-outs and activations of any node: the network
    grounded once (moving parts solved under assumptions) against a program per moving part,
    row for row, and each grounded answer against the moving part's own program."""
    answered = _checked_ground(monkeypatch)
    net = _network(shared_dir, name)
    grounded, own = Evaluator(net), Evaluator(net, ground=False)
    rng = random.Random(23)
    nodes = list(net.nodes)
    for _ in range(10):
        background = {n: rng.randint(0, 1) for n in rng.sample(nodes, rng.choice([0, 1, 2]))}
        _same_rows(grounded, own, background, _random_perturbations(rng, nodes, 40))
    assert answered, "no moving part reached the grounded network"


def test_grounded_network_on_catalogue_genotypes_and_regimens(monkeypatch) -> None:
    """The HER2 model: catalogue genotypes (one and two alterations) under the standard
    regimens with single partners and random knock-outs and activations."""
    from her2resist.knowledge.catalogue import load_catalogue
    from her2resist.model import load_model
    from her2resist.report import STANDARD_REGIMENS
    from her2resist.screen.combinations import (
        anchored_combos,
        perturbation_of,
        regimen_agent,
    )
    from her2resist.screen.genotypes import as_genotype, default_panel

    answered = _checked_ground(monkeypatch)
    net = load_model()
    grounded, own = Evaluator(net), Evaluator(net, ground=False)
    panel = default_panel()
    regimens = [perturbation_of(c) for regimen in STANDARD_REGIMENS
                for c in anchored_combos(regimen_agent(regimen), panel, 2)]
    rng = random.Random(29)
    alterations = sorted(load_catalogue().alterations)
    nodes = list(net.nodes)
    for _ in range(14):
        picked = rng.sample(alterations, rng.choice([1, 2]))
        background = dict(as_genotype(picked).perturbation)
        perturbations = rng.sample(regimens, 30) + _random_perturbations(rng, nodes, 20)
        _same_rows(grounded, own, background, perturbations)
    assert len(answered) > 5


@pytest.mark.parametrize("name", ["sahin2009", "zanudo2017"])
def test_core_rules_kept_by_regulator_values_equal_fresh_substitution(shared_dir, name) -> None:
    """``CompiledNetwork.core_rules`` keeps each substituted rule by its regulators' values:
    asked again (from the memo) or on a fresh compile, the same rules as substituting the
    constants into the network's rules."""
    from her2resist.model.rules import substitute

    cn = compile_network(_network(shared_dir, name))
    rng = random.Random(19)
    draws = []
    for _ in range(200):
        vector = [rng.choice((0.0, 1.0, UNKNOWN)) for _ in cn.names]
        moving = rng.sample(list(cn.regulated), rng.randint(1, min(10, len(cn.regulated))))
        draws.append((vector, moving))
    for _ in range(2):  # the second pass reads the memo
        for vector, moving in draws:
            constants = {cn.names[j]: int(v) for j, v in enumerate(vector) if v != UNKNOWN}
            expected = {cn.names[i]: substitute(cn.exprs[i], constants) for i in moving}
            assert cn.core_rules(moving, vector) == expected
    assert cn.substituted


def _unate_text(rng: random.Random, literal: dict[str, str]) -> str:
    """A random unate rule over some of the nodes of ``literal`` (node -> its literal)."""
    regulators = rng.sample(sorted(literal), rng.randint(1, min(3, len(literal))))
    return " | ".join("(" + " & ".join(literal[v] for v in rng.sample(
        regulators, rng.randint(1, len(regulators)))) + ")" for _ in range(rng.randint(1, 2)))


def test_grounded_network_with_rules_unate_once_an_input_is_fixed() -> None:
    """Rules that read an input with both signs (``I & X | !I & Y``, as the HER2 model's ER
    reads tamoxifen) are grounded as one DNF per value of the input: every answer equals the
    program of the rules with the constants substituted."""
    from her2resist.engines.asp import GroundModel, mp_attractors
    from her2resist.model.rules import parse_rule, substitute

    rng = random.Random(37)
    compared = 0
    for _ in range(40):
        nodes = [f"N{i}" for i in range(rng.randint(2, 6))]
        signed = {v: {n: n if rng.random() < 0.6 else f"!{n}" for n in nodes} for v in nodes}
        texts = {v: _unate_text(rng, signed[v]) for v in nodes}
        for v in rng.sample(nodes, rng.randint(1, len(nodes))):
            texts[v] = (f"I & ({_unate_text(rng, signed[v])}) | "
                        f"!I & ({_unate_text(rng, signed[v])})")
        rules = {v: parse_rule(t) for v, t in texts.items()}
        ground = GroundModel(["I", *nodes], rules)
        assert ground.mixed
        moving = sorted(ground.rules)
        if not moving:
            continue
        for value in (0, 1):
            start = {v: rng.randint(0, 1) for v in moving if rng.random() < 0.9}
            found = ground.attractors(moving, {"I": value}, start)
            own = mp_attractors({v: substitute(rules[v], {"I": value}) for v in moving},
                                start)
            assert found is not None and own is not None
            assert len(found) == len(own) and {frozenset(a.items()) for a in found} == {
                frozenset(a.items()) for a in own}, (texts, value, start)
            assert ground.attractors(moving, {}, start) is None  # the input must be fixed
            compared += 1
    assert compared > 40
