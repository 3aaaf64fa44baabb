"""Mechanism traces: why a phenotype node has its value in a reached state.

For a node at value v, the trace picks from its rule a sufficient set of regulator values
(every input of an AND that is on, one false input of an AND that is off, ...) and follows
them back to the inputs (alterations, drugs, environment).  Where a rule offers a choice, the
branch that leads back to the cell's alterations and the regimen's drugs is preferred, so the
trace shows the escape route.  Each step carries the references of the regulations it uses.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from her2resist.model.network import Network
from her2resist.model.rules import And, Const, Expr, Not, Or, Var

Value = float  # 0.0, 1.0 or 0.5 (oscillating)


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One node of a trace: its value, its rule, the regulator values that explain it.

    Examples
    --------
    >>> from her2resist.predict import predict_response
    >>> step = predict_response(["PTEN loss"], "trastuzumab").trace[0]
    >>> step.node, step.value
    ('Proliferation', 1)
    """

    node: str
    value: int | str
    rule: str
    because: tuple[str, ...]
    refs: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "node": self.node,
            "value": self.value,
            "rule": self.rule,
            "because": list(self.because),
            "refs": list(self.refs),
        }


def _shown(value: Value) -> int | str:
    return "*" if value == 0.5 else int(value)


@lru_cache(maxsize=64)
def _upstream(network: Network) -> dict[str, frozenset[str]]:
    """For each node, the input nodes in its backward regulatory cone."""
    memo: dict[str, frozenset[str]] = {}

    def visit(name: str, stack: frozenset[str]) -> frozenset[str]:
        if name in memo:
            return memo[name]
        node = network.nodes[name]
        if node.is_input:
            memo[name] = frozenset({name})
            return memo[name]
        found: set[str] = set()
        for reg in node.regulators:
            if reg not in stack:
                found |= visit(reg, stack | {name})
        memo[name] = frozenset(found)
        return memo[name]

    for n in network.nodes:
        visit(n, frozenset())
    return memo


def _literals(
    expr: Expr, state: Mapping[str, Value], want: bool, weight: Mapping[str, int]
) -> list[tuple[str, Value]] | None:
    match expr:
        case Const(value):
            return [] if value == want else None
        case Var(name):
            level = state[name]
            return [(name, level)] if level == 0.5 or bool(level) == want else None
        case Not(arg):
            return _literals(arg, state, not want, weight)
        case And(args) | Or(args):
            children = [_literals(e, state, want, weight) for e in args]
    options = [c for c in children if c is not None]
    if isinstance(expr, And) == want:  # every term must hold
        if len(options) < len(children):
            return None
        return [lit for c in options for lit in c]
    if not options:
        return None
    return max(options, key=lambda c: (sum(weight.get(n, 0) for n, _ in c), -len(c)))


def explain_node(
    network: Network,
    state: Mapping[str, Value],
    target: str,
    perturbed: Mapping[str, int],
    *,
    max_steps: int = 60,
) -> list[TraceStep]:
    """Trace ``target`` back to the inputs in ``state`` (see module docs)."""
    upstream = _upstream(network)
    relevant = {n for n, v in perturbed.items() if v != network.nodes[n].default}
    weight = {
        n: len(upstream[n] & relevant) * 10 + len(upstream[n] & set(perturbed))
        for n in network.nodes
    }
    steps: list[TraceStep] = []
    queue, seen = deque([target]), {target}
    while queue and len(steps) < max_steps:
        name = queue.popleft()
        node = network.nodes[name]
        value = state[name]
        if node.is_input:
            if name in relevant:
                steps.append(TraceStep(name, _shown(value), "input", (), node.refs.get("", ())))
            continue
        want = value != 0.0
        lits = _literals(node.expr, state, want, weight) or []
        because = tuple(f"{reg}={_shown(v)}" for reg, v in lits)
        refs = tuple(dict.fromkeys(r for reg, _ in lits for r in node.refs.get(reg, ())))
        steps.append(TraceStep(name, _shown(value), node.rule or "", because, refs))
        for reg, _ in lits:
            if reg not in seen and weight[reg] > 0:
                seen.add(reg)
                queue.append(reg)
    return steps
