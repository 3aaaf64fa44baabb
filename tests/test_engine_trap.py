"""The solver's shortcut for a start whose smallest trap space percolates to one fixed point
(``mp.trapped_point``) against mpbn's encodings (``asp.mp_attractors``): on random unate
networks from random full and partial starts, and on the moving parts that the evaluator
hands the engine for the reference models and the HER2 model."""

import random

import pytest

from her2resist.engines import mp
from her2resist.engines.asp import mp_attractors, unate_dnf
from her2resist.engines.evaluate import Evaluator
from her2resist.model.formats import read_bnet_text
from her2resist.model.rules import parse_rule


def _random_rule(rng: random.Random, nodes: list[str]) -> str:
    """A random unate rule: a constant, or up to three clauses over up to four regulators,
    each regulator with one sign."""
    if rng.random() < 0.05:
        return rng.choice(["0", "1"])
    regulators = rng.sample(nodes, rng.randint(1, min(4, len(nodes))))
    literal = {v: v if rng.random() < 0.6 else f"!{v}" for v in regulators}
    clauses = [" & ".join(literal[v] for v in rng.sample(regulators, rng.randint(1, len(
        regulators)))) for _ in range(rng.randint(1, 3))]
    return " | ".join(f"({c})" for c in clauses)


def test_trapped_point_is_the_encodings_answer_on_random_networks() -> None:
    rng = random.Random(41)
    decided = undecided = 0
    for _ in range(900):
        nodes = [f"N{i}" for i in range(rng.randint(1, 7))]
        rules = {v: parse_rule(_random_rule(rng, nodes)) for v in nodes}
        start = {v: rng.randint(0, 1) for v in nodes if rng.random() < 0.9}
        dnfs = {v: unate_dnf(e) for v, e in rules.items()}
        assert all(d is not None for d in dnfs.values())
        point = mp.trapped_point(dnfs, start)  # type: ignore[arg-type]
        if point is None:
            undecided += 1
            continue
        decided += 1
        assert mp_attractors(rules, start or None) == [point], (rules, start)
    assert decided > 200 and undecided > 200


def _checked_shortcut(monkeypatch) -> list[int]:
    """Every moving part the shortcut decides, checked against mpbn's encodings on the same
    rules and start; returns a list that grows by one for each."""
    decided: list[int] = []
    original = mp.trapped_point

    def checked(dnfs, start):
        point = original(dnfs, start)
        if point is not None:
            rules = {n: parse_rule(_dnf_text(clauses)) for n, clauses in dnfs.items()}
            assert mp_attractors(rules, start or None) == [point], (dnfs, start)
            decided.append(1)
        return point

    monkeypatch.setattr(mp, "trapped_point", checked)
    return decided


def _dnf_text(clauses) -> str:
    if not clauses:
        return "0"
    if frozenset() in clauses:
        return "1"
    return " | ".join("(" + " & ".join(v if s > 0 else f"!{v}" for v, s in sorted(c)) + ")"
                      for c in clauses)


def _random_perturbations(rng: random.Random, nodes: list[str], count: int
                          ) -> list[dict[str, int]]:
    return [{n: rng.randint(0, 1) for n in rng.sample(nodes, rng.choice([1, 2, 3]))}
            for _ in range(count)]


@pytest.mark.parametrize("name", ["sahin2009", "zanudo2017"])
def test_trapped_point_on_reference_models(shared_dir, name, monkeypatch) -> None:
    decided = _checked_shortcut(monkeypatch)
    path = shared_dir / "reference" / "models" / f"{name}.bnet"
    net = read_bnet_text(path.read_text(), source=path.name, implicit_inputs=True)
    ev = Evaluator(net)
    rng = random.Random(43)
    nodes = list(net.nodes)
    for _ in range(8):
        background = {n: rng.randint(0, 1) for n in rng.sample(nodes, rng.choice([0, 1, 2]))}
        base = ev.base(background, [n for n in net.inputs if n not in background])
        ev.rows_many(base, _random_perturbations(rng, nodes, 40))
    assert decided


def test_trapped_point_on_catalogue_genotypes_and_regimens(monkeypatch) -> None:
    from her2resist.knowledge.catalogue import load_catalogue
    from her2resist.model import load_model
    from her2resist.report import STANDARD_REGIMENS
    from her2resist.screen.combinations import anchored_combos, perturbation_of, regimen_agent
    from her2resist.screen.genotypes import as_genotype, default_panel

    decided = _checked_shortcut(monkeypatch)
    net = load_model()
    ev = Evaluator(net)
    panel = default_panel()
    regimens = [perturbation_of(c) for regimen in STANDARD_REGIMENS
                for c in anchored_combos(regimen_agent(regimen), panel, 2)]
    rng = random.Random(47)
    alterations = sorted(load_catalogue().alterations)
    for _ in range(14):
        background = dict(as_genotype(rng.sample(alterations, rng.choice([1, 2]))).perturbation)
        base = ev.base(background, [n for n in net.inputs if n not in background])
        ev.rows_many(base, rng.sample(regimens, 40))
    assert len(decided) > 3
