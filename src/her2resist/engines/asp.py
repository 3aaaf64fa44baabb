"""Most-permissive attractors with mpbn's own ASP encodings, driven directly through clingo.

mpbn states most-permissive dynamics as answer-set programs (its ``asplib`` folder) and solves
them with clingo.  Its Python front end, though, imports colomoto's ``minibn`` (and with it
pandas and networkx, about 0.9 s) and re-parses every rule with ``boolean.py`` on each call.
For the networks the engine hands over (small cores whose rules are *unate*: every variable
appears with one sign), this module writes the facts of mpbn's DNF encoding itself, from our
own rule trees, and runs the same encodings (``eval_mixed.asp``, ``mp_positivereach-np.asp``)
with the same clingo configuration (subset-minimal trap spaces by domain heuristics).  For
anything else, or if an mpbn release no longer ships those files, it returns None and the
engine falls back to mpbn's public API (``MPBooleanNetwork.attractors``).

A unate rule's DNF, expanded from its negation normal form, is itself syntactically unate, which
is what the encoding's evaluation of "the rule can be 0" relies on.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Container, Iterable, Mapping, Sequence
from functools import cache
from itertools import product
from pathlib import Path
from typing import Any

from her2resist.engines.reduce import prune_outputs
from her2resist.model.rules import (
    And,
    Const,
    Expr,
    Not,
    Or,
    Var,
    const,
    signs,
    substitute,
    variables,
)

#: Rules whose DNF would exceed this many clauses go to mpbn.
MAX_CLAUSES = 256

Literal = tuple[str, int]
Clause = frozenset[Literal]


def _nnf(expr: Expr, positive: bool = True) -> Expr:
    match expr:
        case Const(value):
            return const(value == positive)
        case Var():
            return expr if positive else Not(expr)
        case Not(arg):
            return _nnf(arg, not positive)
        case And(args):
            parts = tuple(_nnf(e, positive) for e in args)
            return And(parts) if positive else Or(parts)
        case Or(args):
            parts = tuple(_nnf(e, positive) for e in args)
            return Or(parts) if positive else And(parts)
    raise TypeError(f"not a rule expression: {expr!r}")


def _dnf(expr: Expr) -> list[Clause] | None:
    """Clauses of the DNF of an NNF expression (None when it grows past MAX_CLAUSES)."""
    match expr:
        case Const(value):
            return [frozenset()] if value else []
        case Var(name):
            return [frozenset({(name, 1)})]
        case Not(Var(name)):
            return [frozenset({(name, -1)})]
        case And(args) | Or(args):
            found = [_dnf(e) for e in args]
            parts = [p for p in found if p is not None]
            if len(parts) < len(found):
                return None
            if isinstance(expr, Or):
                merged = list(dict.fromkeys(c for p in parts for c in p))
                return merged if len(merged) <= MAX_CLAUSES else None
            product: list[Clause] = [frozenset()]
            for part in parts:
                product = [a | b for a in product for b in part]
                if len(product) > MAX_CLAUSES:
                    return None
            return list(dict.fromkeys(product))
    raise TypeError(f"not an expression in negation normal form: {expr!r}")


def unate_dnf(expr: Expr) -> list[Clause] | None:
    """The DNF of a rule if the rule is unate (each variable of one sign), else None."""
    clauses = _dnf(_nnf(expr))
    if clauses is None:
        return None
    signs: dict[str, int] = {}
    for clause in clauses:
        for var, sign in clause:
            if signs.setdefault(var, sign) != sign:
                return None
    return clauses


@cache
def _encodings() -> tuple[str, str]:
    spec = importlib.util.find_spec("mpbn")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("mpbn is not installed")
    folder = Path(next(iter(spec.submodule_search_locations))) / "asplib"
    return ((folder / "eval_mixed.asp").read_text(),
            (folder / "mp_positivereach-np.asp").read_text())


def _facts(dnfs: Mapping[str, list[Clause]]) -> str:
    facts = []
    for node, clauses in dnfs.items():
        facts.append(f'node("{node}").')
        facts += _rule_facts(node, clauses, "")
    return "\n".join(facts)


def _rule_facts(node: str, clauses: list[Clause], prefix: str) -> list[str]:
    """A unate DNF as mpbn's facts (``constant``, or ``unate`` and its ``clause``s), each
    predicate's name after ``prefix``."""
    if not clauses or frozenset() in clauses:
        return [f'{prefix}constant("{node}",{1 if clauses else -1}).']
    return [f'{prefix}unate("{node}").', *(
        f'{prefix}clause("{node}",{cid},"{var}",{sign}).'
        for cid, clause in enumerate(clauses) for var, sign in sorted(clause))]


def _program(dnfs: Mapping[str, list[Clause]], start: Mapping[str, int] | None) -> str:
    evaluation, reach = _encodings()
    rules = [
        _facts(dnfs), evaluation,
        "timepoint(a,final).",
        "mp_reach(a,final,N,V) :- mp_eval(a,final,N,V).",
        "attractor(N,V) :- mp_reach(a,final,N,V).",
        "1 { mp_reach(a,final,N,-1); mp_reach(a,final,N,1) } :- node(N).",
        "#show attractor/2.",
    ]
    if start is not None:
        rules.append(reach)
        rules.append("timepoint(a,0).")
        rules.extend(f'mp_state(a,0,"{n}",{1 if v else -1}).' for n, v in start.items())
        rules.append("1 {mp_state(a,0,N,(-1;1))} 1 :- node(N).")
        rules.append("is_reachable(a,0,final).")
        rules.append("mp_state(a,final,N,V) :- attractor(N,V).")
    return "\n".join(rules)


def mp_attractors(
    rules: Mapping[str, Expr], start: Mapping[str, int] | None, limit: int = 0
) -> list[dict[str, int | str]] | None:
    """Minimal trap spaces (reachable from ``start`` when given) of a unate network, or None
    when a rule is not unate (the caller then uses mpbn).  Values are 0, 1 or ``'*'``."""
    dnfs = {}
    for node, expr in rules.items():
        clauses = unate_dnf(expr)
        if clauses is None:
            return None
        dnfs[node] = clauses
    project = start is not None and bool(set(rules) - set(start))
    try:
        program = _program(dnfs, start)
    except OSError:  # an mpbn release that moved its encodings: the caller uses mpbn's API
        return None
    control = _control(["--single-shot"], project, limit)
    control.add("base", [], program)
    control.ground([("base", [])])
    with control.solve(yield_=True) as handle:
        return [_attractor(model.symbols(shown=True), None) for model in handle]


def _control(options: list[str], project: bool, limit: int) -> Any:
    """A clingo control configured as mpbn configures it: every model (or ``limit``),
    subset-minimal trap spaces by domain heuristics, projected on the shown atoms when some
    node's start is free."""
    import clingo

    control = clingo.Control(["-W", "no-atom-undefined", *options])
    control.configuration.solve.models = limit  # type: ignore[union-attr]
    if project:
        control.configuration.solve.project = 1  # type: ignore[union-attr]
    control.configuration.solve.enum_mode = "domRec"  # type: ignore[union-attr]
    solver = control.configuration.solver[0]  # type: ignore[index]
    solver.heuristic = "Domain"  # type: ignore[union-attr]
    solver.dom_mod = f"5,{16 if project else 0}"  # type: ignore[union-attr]
    return control


def _attractor(symbols: Iterable[Any], nodes: Container[str] | None
               ) -> dict[str, int | str]:
    """A model's ``attractor(N, V)`` atoms as node -> 0, 1 or '*' (only ``nodes``' if given)."""
    values: dict[str, set[int]] = {}
    for symbol in symbols:
        node, value = symbol.arguments
        if nodes is None or node.string in nodes:
            values.setdefault(node.string, set()).add(value.number)
    return {n: ("*" if len(v) == 2 else (1 if 1 in v else 0)) for n, v in values.items()}


class GroundModel:
    """mpbn's encodings (reachable attractors from a start) grounded once for a whole network;
    each moving part is then solved under assumptions instead of grounding a program of its own
    (grounding was most of a solver call).

    Every regulated node with a unate rule that a feedback loop can read back enters with its
    whole rule's DNF (any other node is pruned as an output from every moving part, so never
    asked for); a rule that is unate once its regulators of both signs (at most two) are
    constants enters with one DNF per assignment of them, and answers only when the solve holds
    them constant (the DNF of their values is the one used).  Externals say, per solve, which
    nodes are the moving part (``free``: its
    nodes, with their rules and start values) and which are constant at a value (``fix``,
    declared for the nodes those rules read).  A constant node is no node of the
    program: its value is what every clause reads of it at every timepoint (``mp_reach``), as
    substituting the constant into its readers' rules does (in a unate DNF, a clause with a
    literal that can never hold never fires, and a literal that always holds never blocks), so
    the minimal trap spaces reachable from the start are those of the moving part's own
    program, on its nodes.  (In that program a constant node of the same value would be a node
    whose only reachable value, from its start, is its constant: what its readers read is the
    same, and its own atoms are the same in every answer.)  A node in neither is left out: the
    moving part's rules do not read it once the constants are substituted (it is an output, or
    simplified away).  Answers are read by the literals of their ``attractor`` atoms.
    ``tests/test_engine_solver_paths.py`` compares the two routes on many moving parts.

    Examples
    --------
    >>> from her2resist.model.formats import read_bnet_text
    >>> net = read_bnet_text("I, I\\nA, !B | I\\nB, A")
    >>> ground = GroundModel(list(net.nodes), {n: net.nodes[n].expr for n in ("A", "B")})
    >>> def solve(i):
    ...     return [sorted(a.items()) for a in ground.attractors(["A", "B"], {"I": i},
    ...                                                          {"A": 0, "B": 0})]
    >>> solve(0), solve(1)
    ([[('A', '*'), ('B', '*')]], [[('A', 1), ('B', 1)]])
    """

    def __init__(self, names: Sequence[str], rules: Mapping[str, Expr]) -> None:
        self.names = tuple(names)
        # A node that no feedback loop can read back (one pruned as an output of the whole
        # network) is pruned from every moving part too: it is never asked for.
        core, _ = prune_outputs(rules)
        #: Nodes whose rule is unate once these regulators (read with both signs) are
        #: constants: one DNF per assignment of them, the one of the solve's constants used.
        self.mixed: dict[str, tuple[str, ...]] = {}
        kept, lines = [], []
        for node in sorted(core):
            clauses = unate_dnf(rules[node])
            if clauses is not None:
                lines += _rule_facts(node, clauses, "rule_")
            else:
                facts = _variant_facts(node, rules[node])
                if facts is None:
                    continue
                self.mixed[node], more = facts
                lines += more
            kept.append(node)
            lines.append(f'#external free("{node}").')
            lines.extend(f'#external start("{node}",{v}).' for v in (1, -1))
        self.rules = frozenset(kept)
        read = {var for node in self.rules for var in variables(rules[node])}
        for node in self.names:  # a constant that no rule here reads changes nothing
            if node in read:
                lines.extend(f'#external fix("{node}",{v}).' for v in (1, -1))
        self._facts = "\n".join(lines)
        self._controls: dict[bool, tuple[Any, _Literals]] = {}
        self._lock = threading.Lock()

    def _program(self) -> str:
        evaluation, reach = _encodings()
        return "\n".join([
            self._facts,
            "node(N) :- free(N).",
            "mp_reach(E,T,N,V) :- fix(N,V), timepoint(E,T).",
            "constant(N,V) :- rule_constant(N,V), free(N).",
            "unate(N) :- rule_unate(N), free(N).",
            "clause(N,C,L,V) :- rule_clause(N,C,L,V), free(N).",
            "off(K) :- when(K,M,V), not fix(M,V).",
            "active(N,K) :- variant(N,K), free(N), not off(K).",
            "constant(N,V) :- variant_constant(K,V), active(N,K).",
            "unate(N) :- variant_unate(K), active(N,K).",
            "clause(N,C,L,V) :- variant_clause(K,C,L,V), active(N,K).",
            evaluation,
            "timepoint(a,final).",
            "mp_reach(a,final,N,V) :- mp_eval(a,final,N,V).",
            "attractor(N,V) :- mp_reach(a,final,N,V), node(N).",
            "1 { mp_reach(a,final,N,-1); mp_reach(a,final,N,1) } :- node(N).",
            "#show attractor/2.",
            reach, "timepoint(a,0).",
            "mp_state(a,0,N,V) :- start(N,V).",
            "1 {mp_state(a,0,N,(-1;1))} 1 :- node(N).",
            "is_reachable(a,0,final).",
            "mp_state(a,final,N,V) :- attractor(N,V).",
        ])

    def _ground(self, project: bool) -> tuple[Any, _Literals]:
        found = self._controls.get(project)
        if found is None:
            control = _control([], project, 0)
            control.add("base", [], self._program())
            control.ground([("base", [])])
            literals = _Literals(control)
            for literal in literals.externals:  # free: each solve's assumptions decide
                control.assign_external(literal, None)
            found = self._controls[project] = (control, literals)
        return found

    def attractors(self, nodes: Sequence[str], constants: Mapping[str, int],
                   start: Mapping[str, int]) -> list[dict[str, int | str]] | None:
        """The attractors of the moving part ``nodes`` reachable from ``start`` (its nodes'
        0/1 start values; a node not in it may start at either value), with ``constants``
        (other nodes -> 0 or 1) held, as :func:`mp_attractors` gives them for the moving
        part's substituted rules; None when a node's rule is not unate (or mpbn's encodings
        are missing)."""
        if not self.rules.issuperset(nodes) or any(
                m not in constants for node in nodes for m in self.mixed.get(node, ())):
            return None
        project = not start.keys() >= set(nodes)
        with self._lock:
            try:
                control, literals = self._ground(project)
            except OSError:
                return None
            free, fix, begin = literals.free, literals.fix, literals.start
            true = [free[node] for node in nodes]
            true += [begin[node, 1 if start[node] else -1] for node in nodes if node in start]
            true += [fix[node, 1 if value else -1] for node, value in constants.items()
                     if (node, 1) in fix]
            chosen = set(true)
            assumptions = true + [-x for x in literals.externals if x not in chosen]
            shown = [(node, literals.shown(node, 1), literals.shown(node, -1))
                     for node in nodes]
            with control.solve(assumptions=assumptions, yield_=True) as handle:
                return [_read(model, shown) for model in handle]


def _variant_facts(node: str, expr: Expr) -> tuple[tuple[str, ...], list[str]] | None:
    """A rule that is unate once its regulators of both signs (at most two) are constants:
    those regulators, and facts of one DNF per assignment of them (``variant``, the
    assignment as ``when``, the DNF as ``variant_constant``/``variant_unate``/
    ``variant_clause``); None for any other rule."""
    mixed = tuple(sorted(v for v, s in signs(expr).items() if len(s) == 2))
    if len(mixed) > 2:
        return None
    facts = []
    for k, bits in enumerate(product((0, 1), repeat=len(mixed))):
        clauses = unate_dnf(substitute(expr, dict(zip(mixed, bits, strict=True))))
        if clauses is None:
            return None
        name = f"{node}@{k}"
        facts.append(f'variant("{node}","{name}").')
        facts += [f'when("{name}","{m}",{1 if b else -1}).' for m, b in zip(mixed, bits,
                                                                         strict=True)]
        facts += _rule_facts(name, clauses, "variant_")
    return mixed, facts


class _Literals:
    """The program literals of a grounded :class:`GroundModel`: its externals by atom, and
    its shown ``attractor(N, V)`` atoms."""

    def __init__(self, control: Any) -> None:
        self.free: dict[str, int] = {}
        self.fix: dict[tuple[str, int], int] = {}
        self.start: dict[tuple[str, int], int] = {}
        self.externals: list[int] = []
        self._shown: dict[tuple[str, int], int] = {}
        atoms = control.symbolic_atoms
        for atom in atoms.by_signature("attractor", 2):
            node, value = atom.symbol.arguments
            self._shown[node.string, value.number] = atom.literal
        for atom in atoms.by_signature("free", 1):
            self.free[atom.symbol.arguments[0].string] = atom.literal
        for table, name in ((self.fix, "fix"), (self.start, "start")):
            for atom in atoms.by_signature(name, 2):
                node, value = atom.symbol.arguments
                table[node.string, value.number] = atom.literal
        self.externals = [*self.free.values(), *self.fix.values(), *self.start.values()]

    def shown(self, node: str, value: int) -> int | None:
        """The literal of ``attractor(node, value)``, None where the grounder has none."""
        return self._shown.get((node, value))


def _read(model: Any, shown: Sequence[tuple[str, int | None, int | None]]
          ) -> dict[str, int | str]:
    """A model as node -> 0, 1 or '*', from the literals of its ``attractor`` atoms."""
    is_true = model.is_true
    values: dict[str, int | str] = {}
    for node, one, zero in shown:
        high = one is not None and is_true(one)
        low = zero is not None and is_true(zero)
        values[node] = "*" if high and low else (1 if high else 0)
    return values
