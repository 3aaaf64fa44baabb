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
    """What a network's traces need, prepared once, and every step already worked out.

    Each node's upstream inputs are a bit mask over the inputs, so a node's weight is two bit
    counts.  A step depends only on the node, its value, and the values and weights of its
    regulators; those weights depend only on the relevant and perturbed inputs inside the
    regulators' upstream cone.  So a step is kept under (node, value, regulator values,
    relevant and perturbed inputs of the cone) and reused by later traces: other tumours and
    regimens reach the same local situations again and again."""

    _MAX_STEPS = 1 << 16

    def __init__(self, network: Network) -> None:
        upstream = _upstream(network)
        bits = {n: 1 << i for i, n in enumerate(n for n, node in network.nodes.items()
                                                  if node.is_input)}
        self.network = network
        self.bits = bits
        self.masks = {name: sum(bits[i] for i in upstream[name]) for name in network.nodes}
        # Regulated node -> (its regulators' values from a state, its regulators' cone).
        self.regulated: dict[str, tuple[Callable[[Mapping[str, Any]], Any], int]] = {}
        for name, node in network.nodes.items():
            if not node.is_input:
                regs = node.regulators
                cone = 0
                for reg in regs:
                    cone |= self.masks[reg]
                self.regulated[name] = (itemgetter(*regs) if regs else _nothing, cone)
        self.steps: dict[tuple[object, ...], tuple[TraceStep, tuple[str, ...]]] = {}
        self.by_weight: dict[tuple[object, ...], tuple[TraceStep, tuple[str, ...]]] = {}
        self.inputs: dict[tuple[str, Value], TraceStep] = {}

    def step(self, name: str, value: Value, state: Mapping[str, Value], relevant: int,
             perturbed: int, weight: _Weights) -> tuple[TraceStep, tuple[str, ...]]:
        """The step of regulated node ``name`` at ``value``, and the regulators it names that
        lead back to a perturbed input (those the trace follows).  ``weight``: the weights of
        (``relevant``, ``perturbed``), read only where the cone's key is new."""
        get, cone = self.regulated[name]
        values = get(state)
        key = (name, value, values, relevant & cone, perturbed & cone)
        found = self.steps.get(key)
        if found is None:
            # the same regulator values and weights give the same step (different cones may
            # give the same weights)
            found = self._step(name, value, values, state, weight)
            if len(self.steps) >= self._MAX_STEPS:
                self.steps.clear()
            self.steps[key] = found
        return found

    def _step(self, name: str, value: Value, values: object, state: Mapping[str, Value],
              weight: _Weights) -> tuple[TraceStep, tuple[str, ...]]:
        get, _ = self.regulated[name]
        key = (name, value, values, get(weight))
        found = self.by_weight.get(key)
        if found is None:
            node = self.network.nodes[name]
            lits = _literals(node.expr, state, value != 0.0, weight) or []
            because = tuple(f"{reg}={_shown(v)}" for reg, v in lits)
            refs = tuple(dict.fromkeys(r for reg, _ in lits for r in node.refs.get(reg, ())))
            if len(self.by_weight) >= self._MAX_STEPS:
                self.by_weight.clear()
            # weight > 0 exactly where a perturbed input lies upstream (relevant inputs are
            # perturbed ones)
            found = self.by_weight[key] = (
                TraceStep(name, _shown(value), node.rule or "", because, refs),
                tuple(reg for reg, _ in lits if weight[reg] > 0))
        return found

    def input_step(self, name: str, value: Value) -> TraceStep:
        """The step of an input that the perturbation moved from its default."""
        found = self.inputs.get((name, value))
        if found is None:
            found = self.inputs[name, value] = TraceStep(
                name, _shown(value), "input", (), self.network.nodes[name].refs.get("", ()))
        return found


def _nothing(_: Mapping[str, Any]) -> tuple[()]:
    return ()


class _Weights(dict[str, int]):
    """Node -> 10 x (relevant inputs upstream) + (perturbed inputs upstream), each node's
    weight worked out when first asked for."""

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
    nodes, bits, regulated = network.nodes, tracer.bits, tracer.regulated
    relevant = {n for n, v in perturbed.items() if v != nodes[n].default}
    relevant_bits = sum(bits.get(n, 0) for n in relevant)
    perturbed_bits = sum(bits.get(n, 0) for n in perturbed)
    weight = _Weights(tracer.masks, relevant_bits, perturbed_bits)
    steps: list[TraceStep] = []
    queue, seen = deque([target]), {target}
    while queue and len(steps) < max_steps:
        name = queue.popleft()
        value = state[name]
        if name not in regulated:  # an input
            if name in relevant:
                steps.append(tracer.input_step(name, value))
            continue
        step, follow = tracer.step(name, value, state, relevant_bits, perturbed_bits, weight)
        steps.append(step)
        for reg in follow:
            if reg not in seen:
                seen.add(reg)
                queue.append(reg)
    return steps
