"""Reductions a screen applies to each perturbed network before it asks the engine.

The exact reductions themselves (percolation of settled constants, the acyclic fixed point)
live in :mod:`her2resist.engines.reduce`; this module adds what a screen needs on top:
fixing more nodes on an already percolated network, the backward cone of a readout (the
nodes a readout depends on form a sub-network that does not read the rest, so its reachable
attractors are the projections of the full network's), and a cache key (perturbations that
leave the same moving part from the same start have the same attractors on it).

Examples
--------
>>> from her2resist.model.rules import parse_rule
>>> rules = {"A": parse_rule("B"), "B": parse_rule("!C"), "C": parse_rule("C"),
...          "D": parse_rule("A")}
>>> sorted(backward_cone(rules, ["A"]))
['A', 'B', 'C']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from her2resist.engines.reduce import Start, fixed_point, percolate
from her2resist.model.rules import Expr, substitute, variables

__all__ = ["Start", "backward_cone", "fix_nodes", "fixed_point", "key_of", "percolate"]


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
