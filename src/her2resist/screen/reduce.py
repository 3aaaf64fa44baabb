"""Exact reductions of a perturbed network before it goes to the solver.

A screen asks the same question of thousands of perturbations of one network.  Most of a
perturbed network is fixed by its constants, so the solver only needs the part that can still
move.  Two reductions are used, both exact for most-permissive semantics:

- **Percolation of constants.**  A node whose rule has become a constant ``c`` (once inputs
  and perturbed nodes are substituted) and whose value in the start state is already ``c`` can
  never change; it is substituted into every other rule, and so on to a fixed point.  A node
  whose rule is constant but whose start value differs is *not* substituted: in the most
  permissive semantics its old value can still be read on the way.  Without a start state
  (every attractor of the network) every constant is percolated: every minimal trap space lies
  inside the percolated sub-space.
- **Backward cone.**  The nodes that a readout depends on form a sub-network that does not read
  the rest; its reachable attractors are the projections of the full network's.

The reduced network is also the cache key: perturbations that leave the same moving part
from the same start have the same attractors (on the moving part).

Examples
--------
>>> from her2resist.model.rules import parse_rule
>>> rules = {"A": parse_rule("0"), "B": parse_rule("A | C"), "C": parse_rule("B")}
>>> free, constants = percolate(rules, {"A": 0, "B": 1, "C": 1})
>>> constants, sorted(free)
({'A': 0}, ['B', 'C'])
>>> free["B"]
('var', 'C')
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
