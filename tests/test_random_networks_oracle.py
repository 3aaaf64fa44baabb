"""The batch evaluator (lanes, the solver-free shortcuts, the grounded network, the memos of
substituted rules) against plain mpbn on random networks, and the screen's known values
(``Evaluator.known_many``, which bounds a report's remedies) against the rows they bound.

The other oracle tests use the project's and the reference models; random unate networks
with feedback, several untreated states and no start state reach cases those models do not.
"""

from __future__ import annotations

import random

import mpbn
import pytest

from her2resist.engines.base import resting_state
from her2resist.engines.evaluate import Evaluator
from her2resist.model.formats import read_bnet_text
from test_engine_trap import _random_rule as _rule


def _network(rng: random.Random) -> tuple[list[str], dict[str, str]]:
    """Random rules; in half the networks N0 and N1 repress each other (a toggle), so that a
    cell at rest reaches two untreated states."""
    inputs = [f"I{i}" for i in range(rng.randint(1, 3))]
    regulated = [f"N{i}" for i in range(rng.randint(3, 9))]
    rules = {n: _rule(rng, inputs + regulated) for n in regulated}
    if rng.random() < 0.5:
        rules.update(N0="!N1", N1="!N0")
    return inputs, rules


def _perturbations(rng: random.Random, names: list[str], count: int) -> list[dict[str, int]]:
    return [{n: rng.randint(0, 1) for n in rng.sample(names, rng.randint(1, 3))}
            for _ in range(count)]


def _plain(inputs: list[str], rules: dict[str, str], held: dict[str, int]
           ) -> mpbn.MPBooleanNetwork:
    """The network in plain mpbn, the ``held`` nodes constant."""
    return mpbn.MPBooleanNetwork({**{i: i for i in inputs}, **rules,
                                  **{n: str(v) for n, v in held.items()}})


def _states(names: tuple[str, ...], rows: list[tuple[float, ...]]) -> set[tuple[object, ...]]:
    return {tuple((n, "*" if v == 0.5 else int(v)) for n, v in sorted(zip(names, row,
                                                                           strict=True)))
            for row in rows}


def _mpbn_states(found: object) -> set[tuple[object, ...]]:
    return {tuple(sorted((n, v if v == "*" else int(v)) for n, v in a.items()))
            for a in found}  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", range(2))
def test_reached_states_are_plain_mpbn_s_on_random_networks(seed: int) -> None:
    rng = random.Random(seed)
    checked = {True: 0, False: 0}
    for _ in range(30):
        inputs, rules = _network(rng)
        net = read_bnet_text("\n".join([f"{i}, {i}" for i in inputs]
                                       + [f"{n}, {r}" for n, r in rules.items()]))
        names = list(net.nodes)
        reachable = rng.random() < 0.6
        evaluator = Evaluator(net, reachable=reachable)
        background = {n: rng.randint(0, 1) for n in rng.sample(names, rng.randint(0, 2))}
        base = evaluator.base(background, [n for n in net.inputs if n not in background])
        fixed = {**net.defaults(), **background}
        perturbations = _perturbations(rng, names, 6)
        untreated = list(_plain(inputs, rules, fixed).attractors(
            reachable_from={**resting_state(net), **fixed})) if reachable else []
        if any("*" in a.values() for a in untreated):
            continue  # a start that oscillates: mpbn would start from one configuration
        for perturbation, rows in zip(perturbations, evaluator.rows_many(base, perturbations),
                                      strict=True):
            held = _plain(inputs, rules, {**fixed, **perturbation})
            if reachable:
                expected = set()
                for state in untreated:
                    start = {**{n: int(v) for n, v in state.items()}, **perturbation}
                    expected |= _mpbn_states(held.attractors(reachable_from=start))
            else:
                expected = _mpbn_states(held.attractors())
            assert _states(evaluator.compiled.names, rows) == expected, (
                rules, reachable, background, perturbation)
            checked[reachable] += 1
    assert checked[True] > 40 and checked[False] > 40


@pytest.mark.parametrize("seed", range(2))
def test_known_values_hold_in_every_row_on_random_networks(seed: int) -> None:
    rng = random.Random(100 + seed)
    known = several = 0
    for _ in range(60):
        inputs, rules = _network(rng)
        net = read_bnet_text("\n".join([f"{i}, {i}" for i in inputs]
                                       + [f"{n}, {r}" for n, r in rules.items()]))
        names = list(net.nodes)
        evaluator = Evaluator(net, reachable=rng.random() < 0.7,
                              shortcut=rng.random() < 0.7)
        background = {n: rng.randint(0, 1) for n in rng.sample(names, rng.randint(0, 2))}
        base = evaluator.base(background, [n for n in net.inputs if n not in background])
        several += len(base.starts) > 1
        perturbations = _perturbations(rng, names, 12)
        targets = list(rules)
        positions = [evaluator.compiled.index[n] for n in targets]
        for rows, values in zip(evaluator.rows_many(base, perturbations),
                                evaluator.known_many(base, perturbations, targets),
                                strict=True):
            for i, value in zip(positions, values, strict=True):
                if value is not None:
                    known += 1
                    assert all(row[i] == value for row in rows), (rules, background)
    assert known > 2000 and several > 10
