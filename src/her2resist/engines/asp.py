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
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from her2resist.model.rules import And, Const, Expr, Not, Or, Var, const

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
        if not clauses or frozenset() in clauses:
            facts.append(f'constant("{node}",{1 if clauses else -1}).')
            continue
        facts.append(f'unate("{node}").')
        for cid, clause in enumerate(clauses):
            facts.extend(f'clause("{node}",{cid},"{var}",{sign}).' for var, sign in sorted(clause))
    return "\n".join(facts)


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
    import clingo

    control = clingo.Control(["-W", "no-atom-undefined", "--single-shot"])
    control.configuration.solve.models = limit  # type: ignore[union-attr]
    project = start is not None and bool(set(rules) - set(start))
    if project:
        control.configuration.solve.project = 1  # type: ignore[union-attr]
    control.configuration.solve.enum_mode = "domRec"  # type: ignore[union-attr]
    solver = control.configuration.solver[0]  # type: ignore[index]
    solver.heuristic = "Domain"  # type: ignore[union-attr]
    solver.dom_mod = f"5,{16 if project else 0}"  # type: ignore[union-attr]
    try:
        program = _program(dnfs, start)
    except OSError:  # an mpbn release that moved its encodings: the caller uses mpbn's API
        return None
    control.add("base", [], program)
    control.ground([("base", [])])
    found = []
    with control.solve(yield_=True) as handle:
        for model in handle:
            values: dict[str, set[int]] = {}
            for symbol in model.symbols(shown=True):
                node, value = symbol.arguments
                values.setdefault(node.string, set()).add(value.number)
            found.append({n: ("*" if len(v) == 2 else (1 if 1 in v else 0))
                          for n, v in values.items()})
    return found
