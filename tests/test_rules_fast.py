"""The rule walkers' fast paths (model/rules.py: dispatch on the exact class, no generator per
tree node) give exactly what the plain pattern-matching walk gives, on every rule of the
reference models under random assignments, and on subclasses of the rule classes."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping

import pytest

from her2resist.model import load_model
from her2resist.model.rules import (
    And,
    Const,
    Expr,
    Not,
    Or,
    Var,
    const,
    parse_rule,
    substitute,
    variables,
)


def _substitute(expr: Expr, values: Mapping[str, int]) -> Expr:
    """The plain walk (what substitute did before its fast path)."""
    match expr:
        case Const():
            return expr
        case Var(name):
            return const(values[name]) if name in values else expr
        case Not(arg):
            inner = _substitute(arg, values)
            return const(not inner.value) if isinstance(inner, Const) else Not(inner)
        case And(args) | Or(args):
            absorbing = isinstance(expr, Or)
            kept: list[Expr] = []
            changed = False
            for sub in args:
                simplified = _substitute(sub, values)
                if isinstance(simplified, Const):
                    changed = True
                    if simplified.value == absorbing:
                        return const(absorbing)
                    continue
                changed = changed or simplified is not sub
                kept.append(simplified)
            if not changed:
                return expr
            if not kept:
                return const(not absorbing)
            if len(kept) == 1:
                return kept[0]
            return Or(tuple(kept)) if absorbing else And(tuple(kept))
    raise TypeError(f"not a rule expression: {expr!r}")


def _variables(expr: Expr) -> Iterator[str]:
    match expr:
        case Var(name):
            yield name
        case Not(arg):
            yield from _variables(arg)
        case And(args) | Or(args):
            for sub in args:
                yield from _variables(sub)


def _rules() -> list[Expr]:
    network = load_model()
    return [node.expr for node in network.nodes.values() if node.expr is not None]


@pytest.mark.parametrize("seed", range(4))
def test_substitute_and_variables_equal_the_plain_walk(seed: int) -> None:
    rng = random.Random(seed)
    rules = _rules()
    names = sorted({n for rule in rules for n in _variables(rule)})
    for _ in range(60):
        values = {n: rng.randrange(2) for n in rng.sample(names, rng.randrange(len(names)))}
        for rule in rules:
            fast, plain = substitute(rule, values), _substitute(rule, values)
            assert fast == plain
            assert (fast is rule) == (plain is rule)  # an unchanged tree is returned as is
            assert list(variables(rule)) == list(_variables(rule))


class _MyVar(Var):
    __slots__ = ()


class _MyAnd(And):
    __slots__ = ()


def test_subclasses_of_the_rule_classes_are_walked_as_before() -> None:
    rule = _MyAnd((_MyVar("A"), Not(Var("B")), Or((Var("C"), _MyVar("D")))))
    for values in ({}, {"A": 1}, {"A": 0}, {"B": 0, "C": 1}, {"D": 0, "C": 0}):
        assert substitute(rule, values) == _substitute(rule, values)
    assert list(variables(rule)) == ["A", "B", "C", "D"]
    assert substitute(parse_rule("A & !B"), {"B": 1}) == const(False)
    with pytest.raises(TypeError, match="not a rule expression"):
        substitute("A", {})  # type: ignore[arg-type]
