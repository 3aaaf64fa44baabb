"""Mechanism traces: why a phenotype node has its value in a reached state.

For a node at value v, the trace picks from its rule a sufficient set of regulator values
(every input of an AND that is on, one false input of an AND that is off, ...) and follows
them back to the inputs (alterations, drugs, environment).  Where a rule offers a choice, the
branch that leads back to the cell's alterations and the regimen's drugs is preferred, so the
trace shows the escape route.  Each step carries the references of the regulations it uses.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

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


class _Tracer:
    """What a network's traces need, prepared once: each node's upstream inputs as a bit mask
    (so a node's weight is two bit counts), each rule's regulators, and every step already
    worked out.  A step depends only on the node, its value, and the values and weights of
    its regulators, so it is kept under those and reused by later traces (other tumours and
    regimens reach the same local situations again and again)."""

    _MAX_STEPS = 1 << 16

    def __init__(self, network: Network) -> None:
        upstream = _upstream(network)
        bits = {n: 1 << i for i, n in enumerate(n for n, node in network.nodes.items()
                                                  if node.is_input)}
        self.network = network
        self.bits = bits
        self.masks = {name: sum(bits[i] for i in upstream[name]) for name in network.nodes}
        self.regulators: dict[str, tuple[tuple[str, ...], Callable[[Mapping[str, Any]], Any]]] = {}
        for name, node in network.nodes.items():
            regs = node.regulators
            self.regulators[name] = (regs, itemgetter(*regs) if regs else _nothing)
        self.weights: dict[tuple[int, int], dict[str, int]] = {}
        self.steps: dict[tuple[object, ...], tuple[TraceStep, tuple[str, ...]]] = {}

    def weight(self, relevant: int, perturbed: int) -> dict[str, int]:
        """Node -> 10 x (relevant inputs upstream) + (perturbed inputs upstream), each
        node's weight worked out when first asked for."""
        found = self.weights.get((relevant, perturbed))
        if found is None:
            if len(self.weights) >= 256:
                self.weights.clear()
            found = self.weights[relevant, perturbed] = _Weights(self.masks, relevant,
                                                                  perturbed)
        return found


    def step(self, name: str, value: Value, state: Mapping[str, Value],
             weight: Mapping[str, int]) -> tuple[TraceStep, tuple[str, ...]]:
        """The step of regulated node ``name`` at ``value``, and the regulators it names."""
        _, get = self.regulators[name]
        key = (name, value, get(state), get(weight))
        found = self.steps.get(key)
        if found is None:
            node = self.network.nodes[name]
            lits = _literals(node.expr, state, value != 0.0, weight) or []
            because = tuple(f"{reg}={_shown(v)}" for reg, v in lits)
            refs = tuple(dict.fromkeys(r for reg, _ in lits for r in node.refs.get(reg, ())))
            if len(self.steps) >= self._MAX_STEPS:
                self.steps.clear()
            found = self.steps[key] = (
                TraceStep(name, _shown(value), node.rule or "", because, refs),
                tuple(reg for reg, _ in lits))
        return found


def _nothing(_: Mapping[str, Any]) -> tuple[()]:
    return ()


class _Weights(dict[str, int]):
    """A node's weight (see :meth:`_Tracer.weight`), computed on first use."""

    def __init__(self, masks: Mapping[str, int], relevant: int, perturbed: int) -> None:
        super().__init__()
        self.masks, self.relevant, self.perturbed = masks, relevant, perturbed

    def __missing__(self, name: str) -> int:
        mask = self.masks[name]
        value = self[name] = ((mask & self.relevant).bit_count() * 10
                              + (mask & self.perturbed).bit_count())
        return value

    def get(self, name: str, default: int | None = None) -> int | None:  # type: ignore[override]
        return self[name] if name in self.masks else default


@lru_cache(maxsize=64)
def _tracer(network: Network) -> _Tracer:
    return _Tracer(network)


def explain_node(
    network: Network,
    state: Mapping[str, Value],
    target: str,
    perturbed: Mapping[str, int],
    *,
    max_steps: int = 60,
) -> list[TraceStep]:
    """Trace ``target`` back to the inputs in ``state`` (see module docs).

    Examples
    --------
    >>> from her2resist.model.formats import read_bnet_text
    >>> net = read_bnet_text("HER2, HER2\\nDrug, Drug\\nERK, HER2 & !Drug")
    >>> [(s.node, s.value, s.because) for s in explain_node(
    ...     net, {"HER2": 1.0, "Drug": 1.0, "ERK": 0.0}, "ERK", {"HER2": 1, "Drug": 1})]
    [('ERK', 0, ('Drug=1',)), ('Drug', 1, ())]
    """
    tracer = _tracer(network)
    nodes, bits = network.nodes, tracer.bits
    relevant = {n for n, v in perturbed.items() if v != nodes[n].default}
    weight = tracer.weight(sum(bits.get(n, 0) for n in relevant),
                           sum(bits.get(n, 0) for n in perturbed))
    steps: list[TraceStep] = []
    queue, seen = deque([target]), {target}
    while queue and len(steps) < max_steps:
        name = queue.popleft()
        node = nodes[name]
        value = state[name]
        if node.is_input:
            if name in relevant:
                steps.append(TraceStep(name, _shown(value), "input", (), node.refs.get("", ())))
            continue
        step, regulators = tracer.step(name, value, state, weight)
        steps.append(step)
        for reg in regulators:
            if reg not in seen and weight[reg] > 0:
                seen.add(reg)
                queue.append(reg)
    return steps
