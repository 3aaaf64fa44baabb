"""Mechanism traces: why a phenotype node has its value in a reached state.

For a node at value v, the trace picks from its rule a sufficient set of regulator values
(every input of an AND that is on, one false input of an AND that is off, ...) and follows
them back to the inputs (alterations, drugs, environment).  Where a rule offers a choice, the
branch that leads back to the cell's alterations and the regimen's drugs is preferred, so the
trace shows the escape route.  Each step carries the references of the regulations it uses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
    regimens reach the same local situations again and again.  A state is read as a row of
    values in the network's node order (:attr:`order`)."""

    _MAX_STEPS = 1 << 16

    def __init__(self, network: Network) -> None:
        upstream = _upstream(network)
        bits = {n: 1 << i for i, n in enumerate(n for n, node in network.nodes.items()
                                                  if node.is_input)}
        self.network = network
        self.order = tuple(network.nodes)
        self.bits = bits
        self.masks = {name: sum(bits[i] for i in upstream[name]) for name in network.nodes}
        position = {name: i for i, name in enumerate(self.order)}
        # Node -> (its column, its regulators' values from a row, their cone, their upstream
        # masks); an input has no regulators (None, 0, ()).
        self.plan: dict[str, tuple[int, Callable[[Any], Any] | None, int,
                                   tuple[int, ...]]] = {}
        for name, node in network.nodes.items():
            if node.is_input:
                self.plan[name] = (position[name], None, 0, ())
                continue
            regs = node.regulators
            cone = 0
            for reg in regs:
                cone |= self.masks[reg]
            self.plan[name] = (position[name],
                               itemgetter(*(position[r] for r in regs)) if regs else _nothing,
                               cone, tuple(self.masks[r] for r in regs))
        self.steps: dict[tuple[object, ...], tuple[TraceStep, tuple[str, ...]]] = {}
        self.by_weight: dict[tuple[object, ...], tuple[TraceStep, tuple[str, ...]]] = {}
        self.inputs: dict[tuple[str, Value], TraceStep] = {}

    def new_step(self, key: tuple[Any, ...], row: Sequence[Value]
                 ) -> tuple[TraceStep, tuple[str, ...]]:
        """The step under :attr:`steps` ``key`` (node, value, regulator values, relevant and
        perturbed inputs of the cone), worked out and kept."""
        name, value, values, relevant, perturbed = key
        # the same regulator values and weights give the same step (different cones may give
        # the same weights); each regulator's upstream inputs lie inside the cone
        weighed = (name, value, values, tuple([
            (mask & relevant).bit_count() * 10 + (mask & perturbed).bit_count()
            for mask in self.plan[name][3]]))
        found = self.by_weight.get(weighed)
        if found is None:
            node = self.network.nodes[name]
            weight = _Weights(self.masks, relevant, perturbed)
            state = dict(zip(self.order, row, strict=True))
            lits = _literals(node.expr, state, value != 0.0, weight) or []
            because = tuple(f"{reg}={_shown(v)}" for reg, v in lits)
            refs = tuple(dict.fromkeys(r for reg, _ in lits for r in node.refs.get(reg, ())))
            if len(self.by_weight) >= self._MAX_STEPS:
                self.by_weight.clear()
            # weight > 0 exactly where a perturbed input lies upstream (relevant inputs are
            # perturbed ones)
            found = self.by_weight[weighed] = (
                TraceStep(name, _shown(value), node.rule or "", because, refs),
                tuple(reg for reg, _ in lits if weight[reg] > 0))
        if len(self.steps) >= self._MAX_STEPS:
            self.steps.clear()
        self.steps[key] = found
        return found

    def input_step(self, name: str, value: Value) -> TraceStep:
        """The step of an input that the perturbation moved from its default."""
        found = self.inputs.get((name, value))
        if found is None:
            found = self.inputs[name, value] = TraceStep(
                name, _shown(value), "input", (), self.network.nodes[name].refs.get("", ()))
        return found

    def walk(self, row: Sequence[Value], targets: Sequence[str], perturbed: Mapping[str, int],
             max_steps: int) -> list[list[TraceStep]]:
        """The trace of each target in the state ``row`` (see :func:`explain_nodes`)."""
        nodes, bits, plan, steps_kept = self.network.nodes, self.bits, self.plan, self.steps
        relevant = {n for n, v in perturbed.items() if v != nodes[n].default}
        relevant_bits = sum(bits.get(n, 0) for n in relevant)
        perturbed_bits = sum(bits.get(n, 0) for n in perturbed)
        out = []
        for target in targets:
            steps: list[TraceStep] = []
            queue, seen, at = [target], {target}, 0
            while at < len(queue) and len(steps) < max_steps:
                name = queue[at]
                at += 1
                column, get, cone, _ = plan[name]
                value = row[column]
                if get is None:  # an input
                    if name in relevant:
                        steps.append(self.input_step(name, value))
                    continue
                key = (name, value, get(row), relevant_bits & cone, perturbed_bits & cone)
                found = steps_kept.get(key)
                if found is None:
                    found = self.new_step(key, row)
                steps.append(found[0])
                for reg in found[1]:
                    if reg not in seen:
                        seen.add(reg)
                        queue.append(reg)
            out.append(steps)
        return out


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
    return explain_nodes(network, state, (target,), perturbed, max_steps=max_steps)[0]


def explain_nodes(
    network: Network,
    state: Mapping[str, Value],
    targets: Sequence[str],
    perturbed: Mapping[str, int],
    *,
    max_steps: int = 60,
) -> list[list[TraceStep]]:
    """:func:`explain_node` of each target in one state under one perturbation (the same
    traces), the perturbation read once.

    Examples
    --------
    >>> from her2resist.model.formats import read_bnet_text
    >>> net = read_bnet_text("HER2, HER2\\nDrug, Drug\\nERK, HER2 & !Drug\\nAKT, HER2")
    >>> [[s.node for s in t] for t in explain_nodes(
    ...     net, {"HER2": 1.0, "Drug": 1.0, "ERK": 0.0, "AKT": 1.0}, ["ERK", "AKT"],
    ...     {"HER2": 1, "Drug": 1})]
    [['ERK', 'Drug'], ['AKT', 'HER2']]
    """
    tracer = _tracer(network)
    return tracer.walk(tuple(state[n] for n in tracer.order), targets, perturbed, max_steps)


def explain_row(
    network: Network,
    nodes: Sequence[str],
    row: Sequence[Value],
    targets: Sequence[str],
    perturbed: Mapping[str, int],
    *,
    max_steps: int = 60,
) -> list[list[TraceStep]]:
    """:func:`explain_nodes` of a state given as a row of values in the order of ``nodes``
    (a reached state of a result: ``result.rows[i]`` with ``result.nodes``).

    Examples
    --------
    >>> from her2resist.model.formats import read_bnet_text
    >>> net = read_bnet_text("HER2, HER2\\nDrug, Drug\\nERK, HER2 & !Drug")
    >>> [[s.node for s in t] for t in explain_row(
    ...     net, ("HER2", "Drug", "ERK"), (1.0, 1.0, 0.0), ["ERK"], {"HER2": 1, "Drug": 1})]
    [['ERK', 'Drug']]
    """
    tracer = _tracer(network)
    if nodes != tracer.order:
        row = tuple(dict(zip(nodes, row, strict=True))[n] for n in tracer.order)
    return tracer.walk(row, targets, perturbed, max_steps)
