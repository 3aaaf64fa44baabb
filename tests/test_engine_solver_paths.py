"""The solver path's bookkeeping on node positions against the rule-tree versions it replaces:
outputs completed on vectors (``CompiledNetwork.complete_outputs``) against
``reduce.complete_outputs`` on substituted rules, and the moving part's cache key
(``CompiledNetwork.core_key``) against the earlier key (known constants by position), on random
states of the reference models."""

import random

import pytest

from her2resist.engines.base import star_to_float
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
