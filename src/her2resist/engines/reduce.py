"""Exact reductions of a perturbed network before it goes to a solver.

Most of a perturbed network is fixed by its constants, so the solver only needs the part that
can still move.  Both reductions here are exact for most-permissive semantics:

- **Percolation of settled constants.**  A node whose rule has become a constant ``c`` (once
  inputs and perturbed nodes are substituted) and whose value in the start state is already
  ``c`` can never change; it is substituted into every other rule, and so on to a fixed point.
  A node whose rule is constant but whose start value differs is *not* substituted: in the most
  permissive semantics its old value can still be read on the way.  Without a start state
  (every attractor of the network) every constant is percolated: every minimal trap space lies
  inside the percolated sub-space.
- **No residual network.**  If percolating *every* constant (whatever the start) leaves no
  node free, the fixed nodes alone determine the state: the network has a single minimal trap
  space, that fixed point, and since every state reaches a minimal trap space under the most
  permissive semantics, it is the only attractor reachable from any start.  (A minimal trap
  space lies inside the percolation of every trap space that contains it, the whole space
  included.)  Then no solver is needed, even where the start's old values could be read on
  the way (:func:`unique_fixed_point`).
- **Acyclic remainder.**  If what is left has no feedback loop, its only attractor is the fixed
  point reached by evaluating the rules in topological order, from any start.
- **Output pruning.**  Nodes that no other moving node reads cannot influence the rest; the
  attractors of the core, completed by evaluating the outputs, are those of the whole network.
- **Backward cone.**  The nodes a readout depends on form a sub-network that does not read the
  rest, so its reachable attractors are the projections of the full network's.
- **More fixed nodes on a percolated network** (:func:`fix_nodes`), so a background (a
  genotype) is reduced once and each regimen only adds its drugs; and a cache key
  (:func:`key_of`): perturbations that leave the same moving part from the same start have the
  same attractors on it.

This is the one home of the reductions: the most-permissive engine, its batch evaluator
(:mod:`her2resist.engines.evaluate`) and the simulation service all use it.

Examples
--------
>>> from her2resist.model.rules import parse_rule
>>> rules = {"A": parse_rule("0"), "B": parse_rule("A | C"), "C": parse_rule("B")}
>>> free, constants = percolate(rules, {"A": 0, "B": 1, "C": 1})
>>> constants, sorted(free)
({'A': 0}, ['B', 'C'])
>>> fixed_point({"X": parse_rule("1"), "Y": parse_rule("!X")})
{'X': 1, 'Y': 0}
>>> rules = {"A": parse_rule("B"), "B": parse_rule("!C"), "C": parse_rule("C"),
...          "D": parse_rule("A")}
>>> sorted(backward_cone(rules, ["A"]))
['A', 'B', 'C']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from types import CodeType
from typing import TYPE_CHECKING

from her2resist.model.rules import And, Const, Expr, Not, Or, Var, evaluate, substitute, variables

if TYPE_CHECKING:
    from her2resist.model.network import Network

Start = Mapping[str, int | str] | None


@lru_cache(maxsize=1 << 14)
def regulators_of(expr: Expr) -> frozenset[str]:
    """The variables of a rule (kept for the rules met most recently: the same substituted
    rules come back in many moving parts)."""
    return frozenset(variables(expr))


def _settled(name: str, expr: Expr, start: Start) -> bool:
    if not isinstance(expr, Const):
        return False
    return start is None or start.get(name) == int(expr.value)


def percolate(
    rules: Mapping[str, Expr], start: Start, constants: Mapping[str, int] | None = None
) -> tuple[dict[str, Expr], dict[str, int]]:
    """Substitute settled constants into the other rules until none is left (see module docs).

    Parameters
    ----------
    rules
        Parsed rules of the nodes that may still move.
    start
        The start state (node -> 0, 1 or ``'*'``), or None for every attractor.
    constants
        Constants already known (returned together with the new ones).

    Returns
    -------
    tuple
        The rules of the nodes that still move, and every constant found.
    """
    found = dict(constants or {})
    free = dict(rules)
    readers: dict[str, list[str]] = {}
    for name, expr in free.items():
        for var in set(variables(expr)):
            readers.setdefault(var, []).append(name)
    queue = [n for n, e in free.items() if _settled(n, e, start)]
    while queue:
        name = queue.pop()
        if name not in free:
            continue
        settled = free.pop(name)
        if not isinstance(settled, Const):  # queued only once settled: cannot happen
            continue
        value = int(settled.value)
        found[name] = value
        for reader in readers.get(name, ()):
            if reader in free:
                free[reader] = substitute(free[reader], {name: value})
                if _settled(reader, free[reader], start):
                    queue.append(reader)
    return free, found


def unique_fixed_point(cn: CompiledNetwork, values: Sequence[float],
                       moving: Sequence[int]) -> tuple[float, ...] | None:
    """The values of the ``moving`` nodes in the only attractor reachable from any start, when
    percolating every constant of ``values`` settles them all; else None (see "No residual
    network" in the module docs).  ``values`` is a vector percolated from some start (each
    known value follows from the fixed nodes); ``moving`` its unknown regulated nodes, or
    those of them that a readout depends on (a sub-network that reads nothing else that
    moves).

    Examples
    --------
    >>> from her2resist.model.formats import read_bnet_text
    >>> cn = compile_network(read_bnet_text("I, I\\nA, I | B\\nB, A"))
    >>> values = cn.initial({"I": 1})
    >>> cn.propagate(values, [1, 0, 0], cn.regulated)  # from rest: A may still read B = 0
    >>> cn.moving(values), unique_fixed_point(cn, values, cn.moving(values))
    ((1, 2), (1, 1))
    >>> cn.propagate(values := cn.initial({"I": 0}), [0, 0, 0], cn.regulated)
    >>> print(unique_fixed_point(cn, values, cn.moving(values)))
    None
    """
    full = list(values)
    cn.propagate(full, None, moving)
    settled = tuple([full[i] for i in moving])
    return None if UNKNOWN in settled else settled


def fixed_point(free: Mapping[str, Expr]) -> dict[str, int] | None:
    """The only attractor of an acyclic network (a fixed point), or None if there is a cycle.

    Without a cycle every node settles once its regulators have, from any start and in every
    update mode, so the solver is not needed.
    """
    order: list[str] = []
    deps = {n: {v for v in regulators_of(e) if v in free} for n, e in free.items()}
    ready = [n for n, d in deps.items() if not d]
    readers: dict[str, list[str]] = {}
    for name, regulators in deps.items():
        for reg in regulators:
            readers.setdefault(reg, []).append(name)
    while ready:
        name = ready.pop()
        order.append(name)
        for reader in readers.get(name, ()):
            deps[reader].discard(name)
            if not deps[reader]:
                ready.append(reader)
    if len(order) < len(free):
        return None
    state: dict[str, int] = {}
    for name in order:
        state[name] = int(evaluate(free[name], state))
    return state


def prune_outputs(free: Mapping[str, Expr]) -> tuple[dict[str, Expr], list[str]]:
    """Split off the nodes that no other moving node reads (repeatedly).

    Such an output node (one that does not read itself either) cannot influence the others,
    so the attractors of the rest (the core) are those of the whole network projected on the
    core, reachability included.  Returns the core's rules and the output nodes in the order
    they were removed (an output removed later may read one removed earlier).
    """
    core = dict(free)
    readers: dict[str, set[str]] = {n: set() for n in core}
    for name, expr in core.items():
        for var in regulators_of(expr):
            if var in readers:
                # A node that reads itself keeps a memory of its start: never an output.
                readers[var].add(name)
    removed: list[str] = []
    queue = [n for n, r in readers.items() if not r]
    while queue:
        name = queue.pop()
        if name not in core:
            continue
        expr = core.pop(name)
        removed.append(name)
        for var in regulators_of(expr):
            if var in core:
                readers[var].discard(name)
                if not readers[var]:
                    queue.append(var)
    return core, removed


def complete_outputs(
    state: Mapping[str, int | str], outputs: list[str], rules: Mapping[str, Expr]
) -> dict[str, int | str]:
    """Values of pruned output nodes in an attractor of the core (``'*'`` where the rule is not
    constant over the attractor's free nodes), outputs evaluated last-removed first."""
    full = dict(state)
    for name in reversed(outputs):
        expr = rules[name]
        regs = sorted(regulators_of(expr))
        free = [r for r in regs if full.get(r) == "*"]
        fixed = {r: int(full[r]) for r in regs if full.get(r) != "*" and r in full}
        seen = set()
        for bits in range(2 ** len(free)):
            values = {**fixed, **{r: (bits >> i) & 1 for i, r in enumerate(free)}}
            seen.add(int(evaluate(expr, values)))
            if len(seen) == 2:
                break
        full[name] = "*" if len(seen) == 2 else seen.pop()
    return full


def fix_nodes(
    free: Mapping[str, Expr], constants: Mapping[str, int], fixed: Mapping[str, int],
    start: Start,
) -> tuple[dict[str, Expr], dict[str, int]] | None:
    """Add perturbed nodes to an already percolated network.

    Returns None when a node to fix has already been percolated to the other value: the
    caller must then percolate from the unreduced rules (the shortcut would be wrong).
    """
    extra: dict[str, int] = {}
    for node, value in fixed.items():
        if node in constants:
            if constants[node] != value:
                return None
            continue
        extra[node] = value
    if not extra:
        return dict(free), dict(constants)
    rules = {n: substitute(e, extra) for n, e in free.items() if n not in extra}
    return percolate(rules, start, {**constants, **extra})


def backward_cone(rules: Mapping[str, Expr], targets: Iterable[str]) -> set[str]:
    """The nodes of ``rules`` that ``targets`` depend on, the targets included."""
    seen: set[str] = set()
    stack = [t for t in targets if t in rules]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(v for v in variables(rules[name]) if v in rules and v not in seen)
    return seen


def key_of(free: Mapping[str, Expr], start: Start) -> tuple[object, ...]:
    """A hashable key: the moving rules and the start values of their nodes."""
    rules = tuple(sorted(free.items()))
    if start is None:
        return (rules, None)
    return (rules, tuple(sorted((n, start[n]) for n in free if n in start)))


# ------------------------------------------------------------------ percolation on vectors
#: The value of a node that is not (yet) known to be constant.
UNKNOWN = 0.5


def _kleene_source(expr: Expr, index: Mapping[str, int]) -> str:
    """Python source of ``expr`` in Kleene's three-valued logic over 0, 0.5 (unknown) and 1:
    and is min, or is max, not is 1 - x.  It is definite exactly when :func:`substitute` of the
    known values would simplify ``expr`` to a constant."""
    match expr:
        case Const(value):
            return "1" if value else "0"
        case Var(name):
            return f"v[{index[name]}]"
        case Not(arg):
            return f"(1-{_kleene_source(arg, index)})"
        case And(args):
            return "min(" + ",".join(_kleene_source(a, index) for a in args) + ")"
        case Or(args):
            return "max(" + ",".join(_kleene_source(a, index) for a in args) + ")"
    raise TypeError(f"not a rule expression: {expr!r}")


@dataclass(frozen=True, slots=True, eq=False)
class CompiledNetwork:
    """A network's rules compiled for fast percolation: nodes by position, one three-valued
    evaluator per regulated node, and who reads whom.

    Examples
    --------
    >>> from her2resist.model.formats import read_bnet_text
    >>> cn = compile_network(read_bnet_text("A, A\\nB, A & !C\\nC, C\\nD, B | D"))
    >>> values = cn.initial({"A": 1, "C": 0})
    >>> cn.propagate(values, None, range(len(values)))
    >>> dict(zip(cn.names, values))
    {'A': 1, 'B': 1, 'C': 0, 'D': 1}
    """

    names: tuple[str, ...]
    index: Mapping[str, int]
    exprs: tuple[Expr, ...]
    regulated: tuple[int, ...]
    evaluators: tuple[Callable[[list[float]], float] | None, ...]
    readers: tuple[tuple[int, ...], ...]
    regulators: tuple[tuple[int, ...], ...]
    rank: tuple[int, ...]
    #: Per moving part (:meth:`core_key`): getters of the values its rules read and of its
    #: own values.
    getters: dict[tuple[int, ...], tuple[Callable[[Sequence[float]], tuple[float, ...]],
                                         Callable[[Sequence[float]], tuple[float, ...]]]] = (
        field(default_factory=dict))
    #: The regulated nodes, readers last (by ``rank``): :meth:`propagate`'s order.
    order: tuple[int, ...] = ()
    #: Per node and values of its regulators (:meth:`core_rules`): its substituted rule.
    substituted: dict[tuple[int, tuple[float, ...]], Expr] = field(default_factory=dict)

    def initial(self, fixed: Mapping[str, int]) -> list[float]:
        """Every fixed node at its value, every other node unknown."""
        values = [UNKNOWN] * len(self.names)
        for name, value in fixed.items():
            values[self.index[name]] = value
        return values

    def propagate(self, values: list[float], start: Sequence[float] | None,
                  queue: Iterable[int]) -> None:
        """Percolate settled constants in place (see the module docs), evaluating the nodes of
        ``queue`` and then the readers of every node that settles."""
        evaluators, readers = self.evaluators, self.readers
        # Regulators before readers (a topological order of the rules' graph, cycles broken):
        # most nodes then settle on their first evaluation.
        if queue is self.regulated:
            todo = [i for i in self.order if values[i] == UNKNOWN]
        else:
            todo = sorted((i for i in queue if values[i] == UNKNOWN
                           and evaluators[i] is not None),
                          key=self.rank.__getitem__, reverse=True)
        while todo:
            i = todo.pop()
            if values[i] != UNKNOWN:
                continue
            result = evaluators[i](values)  # type: ignore[misc]
            if result != UNKNOWN and (start is None or start[i] == result):
                values[i] = result
                todo += [j for j in readers[i] if values[j] == UNKNOWN]

    def moving(self, values: Sequence[float]) -> tuple[int, ...]:
        """The regulated nodes that are not constant."""
        return tuple([i for i in self.regulated if values[i] == UNKNOWN])

    def core_key(self, moving: Sequence[int], values: Sequence[float],
                 start: Sequence[float] | None) -> tuple[object, ...]:
        """What determines the attractors of the moving part: its nodes, the values its
        rules read (the constants, and which of them are still unknown), and its start
        values."""
        moving = tuple(moving)
        getters = self.getters.get(moving)
        if getters is None:
            read = sorted({j for i in moving for j in self.regulators[i]})
            getters = (_tuple_getter(read), _tuple_getter(moving))
            if len(self.getters) >= 1 << 16:
                self.getters.clear()
            self.getters[moving] = getters
        return (moving, getters[0](values), None if start is None else getters[1](start))

    def complete_outputs(self, row: list[float], outputs: Sequence[int]) -> None:
        """:func:`complete_outputs` on a vector, in place: ``row`` holds the core's attractor
        (0.5 where a node oscillates) and its constants; each output (last removed first)
        becomes 0.0 or 1.0 where its rule takes one value over every combination of its
        oscillating regulators, else 0.5."""
        evaluators, regulators = self.evaluators, self.regulators
        for i in reversed(outputs):
            rule = evaluators[i]
            free = [r for r in regulators[i] if row[r] == UNKNOWN]
            seen = set()
            for bits in range(1 << len(free)):
                for k, r in enumerate(free):
                    row[r] = bits >> k & 1
                seen.add(rule(row))  # type: ignore[misc]
                if len(seen) == 2:
                    break
            for r in free:
                row[r] = UNKNOWN
            row[i] = UNKNOWN if len(seen) == 2 else float(seen.pop())

    def core_rules(self, moving: Sequence[int], values: Sequence[float]) -> dict[str, Expr]:
        """The moving nodes' rules with the constants substituted (each kept by the values
        of its regulators: the same rules come back in many moving parts)."""
        names, regulators, memo = self.names, self.regulators, self.substituted
        rules = {}
        for i in moving:
            key = (i, tuple([values[j] for j in regulators[i]]))
            expr = memo.get(key)
            if expr is None:
                if len(memo) >= 1 << 16:
                    memo.clear()
                expr = memo[key] = substitute(self.exprs[i], {
                    names[j]: int(values[j]) for j in regulators[i] if values[j] != UNKNOWN})
            rules[names[i]] = expr
        return rules


def _tuple_getter(positions: Sequence[int]) -> Callable[[Sequence[float]], tuple[float, ...]]:
    """A function returning the values at ``positions`` of a vector, always as a tuple."""
    if len(positions) > 1:
        return itemgetter(*positions)
    if positions:
        (only,) = positions
        return lambda values: (values[only],)
    return lambda values: ()


def _topological_rank(regulators: Sequence[Sequence[int]]) -> tuple[int, ...]:
    """Each node's position in a depth-first topological order of the regulation graph
    (regulators first; a feedback loop is broken where the search meets it)."""
    rank = [-1] * len(regulators)
    state = [0] * len(regulators)  # 0 new, 1 on the path, 2 done
    counter = 0
    for root in range(len(regulators)):
        if state[root]:
            continue
        stack = [(root, iter(regulators[root]))]
        state[root] = 1
        while stack:
            node, pending = stack[-1]
            for reg in pending:
                if state[reg] == 0:
                    state[reg] = 1
                    stack.append((reg, iter(regulators[reg])))
                    break
            else:
                stack.pop()
                state[node] = 2
                rank[node] = counter
                counter += 1
    return tuple(rank)


_COMPILED: dict[str, CompiledNetwork] = {}


def _rules_code(network: Network, index: Mapping[str, int]) -> CodeType:
    """One code object whose value is the tuple of every node's Kleene rule as a function of
    the state vector (None for an input), compiled once per model (by content), this module
    and Python version, then kept in the package's data cache (compiling the 55 rules of the
    HER2 model costs a one-shot command ~3 ms; loading them ~0.1 ms)."""
    from her2resist.common.cached import load_marshalled
    from her2resist.model import rules as _rules

    def build() -> CodeType:
        parts = ["None" if node.is_input else f"lambda v: {_kleene_source(node.expr, index)}"
                 for node in network.nodes.values()]
        return compile("(" + "".join(f"{p},\n" for p in parts) + ")",
                       f"<rules {network.name}>", "eval")

    code: CodeType = load_marshalled("rules", (network.hash, network.name),
                                     (__name__, _rules.__name__), build,
                                     lambda v: isinstance(v, CodeType))
    return code


def compile_network(network: Network) -> CompiledNetwork:
    """The compiled form of ``network`` (made once per model identity)."""
    found = _COMPILED.get(network.hash)
    if found is not None:
        return found
    names = tuple(network.nodes)
    index = {n: i for i, n in enumerate(names)}
    exprs = tuple(node.expr for node in network.nodes.values())
    evaluators: tuple[Callable[[list[float]], float] | None, ...] = eval(
        _rules_code(network, index), {"min": min, "max": max})
    regulators: list[tuple[int, ...]] = []
    readers: list[set[int]] = [set() for _ in names]
    for i, node in enumerate(network.nodes.values()):
        if node.is_input:
            regulators.append(())
            continue
        regs = tuple(sorted({index[v] for v in variables(node.expr)}))
        regulators.append(regs)
        for j in regs:
            readers[j].add(i)
    regulated = tuple(i for i, e in enumerate(evaluators) if e is not None)
    rank = _topological_rank(regulators)
    compiled = CompiledNetwork(names, index, exprs, regulated, evaluators,
                               tuple(tuple(sorted(r)) for r in readers), tuple(regulators),
                               rank, order=tuple(sorted(regulated, key=rank.__getitem__,
                                                        reverse=True)))
    if len(_COMPILED) > 64:
        _COMPILED.clear()
    _COMPILED[network.hash] = compiled
    return compiled
