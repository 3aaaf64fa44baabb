"""Most-permissive engine: reachable attractors (minimal trap spaces) computed exactly by mpbn.

Most-permissive semantics (Paulevé et al. 2020, Nat Commun 11:4256) over-approximates every
quantitative refinement of a Boolean model: an attractor it does not find cannot exist in any of
them, so the attractors it reports are the ones a treatment can reach.  Cyclic attractors are
trap spaces: the nodes that oscillate inside them read ``'*'`` (0.5 in ``states``).

Examples
--------
>>> from her2resist.model.formats import read_bnet_text
>>> net = read_bnet_text("A, !B\\nB, A\\nC, C")
>>> res = MostPermissiveEngine().simulate(net, {"C": 1})
>>> res.states.to_dict("records")
[{'A': 0.5, 'B': 0.5, 'C': 1.0}]
"""

from __future__ import annotations

import importlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from her2resist.engines.asp import Clause, GroundModel, mp_attractors, unate_dnf
from her2resist.engines.base import (
    InitialState,
    Perturbation,
    SimulationResult,
    make_provenance,
    solver_version,
    star_to_float,
    union_of,
)
from her2resist.engines.reduce import (
    UNKNOWN,
    complete_outputs,
    fixed_point,
    percolate,
    prune_outputs,
)
from her2resist.exceptions import EngineError, ParameterError
from her2resist.model.network import Network
from her2resist.model.rules import Expr, format_rule

if TYPE_CHECKING:
    from her2resist.engines.evaluate import Evaluator

_CACHE_SIZE = 1 << 16
#: A network grounded once, and a function giving the constants of the moving part at hand.
Grounded = tuple[GroundModel, Callable[[], Mapping[str, int]]]


class MostPermissiveEngine:
    """Reachable attractors under most-permissive semantics, with a result cache.

    Results are cached by (model hash, perturbation, initial state): profiles that map to the
    same perturbation cost one solver call.
    """

    name = "most-permissive"
    #: Boolean inputs (0 or 1); no sampled parameter sets.
    graded = False

    def __init__(self, *, cache_size: int = _CACHE_SIZE) -> None:
        self._cache: OrderedDict[tuple[object, ...], SimulationResult] = OrderedDict()
        self._core_cache: OrderedDict[tuple[object, ...], list[dict[str, int | str]]] = (
            OrderedDict()
        )
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.calls = 0

    @property
    def key(self) -> tuple[object, ...]:
        return (self.name,)

    def continue_from(
        self, network: Network, start: SimulationResult, perturbation: Perturbation
    ) -> SimulationResult:
        """Attractors reachable under ``perturbation`` from any state of ``start``."""
        return union_of([self.simulate(network, perturbation, initial=att)
                         for att in attractor_dicts(start)])

    def batch(self, network: Network, *, reachable: bool = True) -> Evaluator:
        """An exact batch evaluator of many perturbations of ``network`` (see
        :mod:`her2resist.engines.evaluate`); the simulation service uses it."""
        from her2resist.engines.evaluate import Evaluator

        return Evaluator(network, reachable=reachable)

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()
            self._core_cache.clear()

    def simulate(
        self,
        network: Network,
        perturbation: Perturbation | None = None,
        *,
        initial: InitialState | None = None,
        limit: int = 0,
    ) -> SimulationResult:
        """Attractors reachable from ``initial`` (every attractor when ``initial`` is None)."""
        fixed = {k: int(v) for k, v in (perturbation or {}).items()}
        for node, value in fixed.items():
            if value not in (0, 1):
                raise ParameterError(
                    "perturbation", "simulate", "a mapping of nodes to 0 or 1", {node: value}
                )
        network.check_nodes(fixed, "node")
        key = (
            network.hash,
            tuple(sorted(fixed.items())),
            tuple(sorted((initial or {}).items())) if initial is not None else None,
            limit,
        )
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        result = self._solve(network, fixed, initial, limit)
        with self._lock:
            self._cache[key] = result
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result

    def _solve(
        self, network: Network, fixed: dict[str, int], initial: InitialState | None, limit: int
    ) -> SimulationResult:
        self.calls += 1
        if initial is not None:
            network.check_nodes(list(initial), "node")
        exprs = network.simplified_rules(fixed)
        constants = {**network.defaults(), **fixed}
        free = {n: e for n, e in exprs.items() if n not in constants}
        moving, settled = percolate(free, initial)
        try:
            found = self.solve_moving(moving, initial, limit)
        except Exception as exc:  # mpbn and clingo raise many types
            raise EngineError(f"mpbn failed on model {network.name!r}: {exc}") from exc
        if not found:
            raise EngineError(f"mpbn found no attractor for model {network.name!r}")
        known = {**constants, **settled}
        order = tuple(network.nodes)
        values = [[star_to_float(att.get(n, known.get(n, 0))) for n in order] for att in found]
        return SimulationResult(
            values=values,
            nodes=order,
            probabilities=[1.0 / len(found)] * len(found),
            provenance=make_provenance(network, self.name, solver_version("mpbn")),
            perturbation=dict(fixed),
        )

    def solve_moving(
        self, moving: Mapping[str, Expr], initial: InitialState | None, limit: int = 0,
        *, unsettled: bool = False, ground: Grounded | None = None,
    ) -> list[dict[str, int | str]]:
        """Attractors of a percolated network (the rules of the nodes that can still move,
        constants substituted): output nodes pruned, an acyclic core solved as a fixed point,
        any other core by mpbn's encodings (cached by the core's rules and start).  When the
        constants alone settle every node, that fixed point is the only attractor reachable
        from any start (:func:`~her2resist.engines.reduce.unique_fixed_point`): no solver.
        ``unsettled``: the caller found already that they do not (the check is skipped).
        ``ground``: the whole network grounded once and the constants of this moving part
        (:class:`~her2resist.engines.asp.GroundModel`): a core reachable from a start is
        solved there under assumptions, the same attractors (where it finds more than one,
        the core's own program answers, so that their order is the solver's usual one)."""
        if initial is not None and not unsettled:
            rest, settled = percolate(moving, None)
            if not rest:
                return [dict(settled)]
        core, outputs = prune_outputs(moving)
        acyclic = fixed_point(core)
        if acyclic is not None:
            found: list[dict[str, int | str]] = [dict(acyclic)]
        else:
            found = self._core_attractors(core, initial, limit, ground)
        return [complete_outputs(att, outputs, moving) for att in found]

    def _core_attractors(
        self, core: dict[str, Expr], initial: InitialState | None, limit: int,
        ground: Grounded | None = None,
    ) -> list[dict[str, int | str]]:
        """Attractors of the core by mpbn's encodings, cached by the core's rules and start:
        many perturbations leave the same moving part behind (a regimen's partner acting on
        a settled branch).  A start whose smallest trap space percolates to one fixed point
        needs no solver (:func:`trapped_point`)."""
        rules = {n: _formatted(e) for n, e in core.items()}
        start = None if initial is None else tuple(sorted((n, initial.get(n)) for n in rules))
        key = (tuple(sorted(rules.items())), start, limit)
        with self._lock:
            cached = self._core_cache.get(key)
        if cached is None:
            start_state = None
            if initial is not None:
                start_state = {n: int(v) for n, v in initial.items()
                               if n in rules and v in (0, 1, "0", "1")}
            # mpbn's encodings through clingo directly; mpbn itself for non-unate rules.
            cached = None
            dnfs = {n: _dnf_of(e) for n, e in core.items()}
            unate = all(d is not None for d in dnfs.values())
            if initial is not None and unate:
                point = trapped_point(dnfs, start_state)  # type: ignore[arg-type]
                if point is not None:
                    cached = [point]
            if cached is None and ground is not None and start_state and not limit and unate:
                model, constants = ground
                cached = model.attractors(list(core), constants(), start_state)
                if cached is not None and len(cached) > 1:
                    cached = None  # the core's own program, for the usual order
            if cached is None:
                cached = mp_attractors(core, start_state or None, limit)
            if cached is None:
                cached = self._attractors(rules, initial, limit)
            with self._lock:
                self._core_cache[key] = cached
                if len(self._core_cache) > self._cache_size:
                    self._core_cache.popitem(last=False)
        return [dict(att) for att in cached]

    @staticmethod
    def _attractors(
        rules: dict[str, str], initial: InitialState | None, limit: int
    ) -> list[dict[str, int | str]]:
        bn = _mpbn().MPBooleanNetwork(rules)
        start = None
        if initial is not None:
            start = {n: int(v) for n, v in initial.items() if n in rules and v in (0, 1, "0", "1")}
        return list(bn.attractors(reachable_from=start or None, limit=limit))


def trapped_point(dnfs: Mapping[str, Sequence[Clause]],
                  start: Mapping[str, int]) -> dict[str, int | str] | None:
    """The only attractor reachable from ``start`` when the smallest trap space around the
    start holds a single minimal trap space, a fixed point that percolation finds; else None.

    Most-permissive trajectories never leave a trap space (Paulevé et al. 2020), and every
    configuration reaches a minimal trap space.  The smallest trap space around the start is
    found by freeing every node whose rule can take another value than its start value there
    (and again for its readers; a node absent from ``start`` starts free).  Inside it, a free
    node whose rule has one value everywhere has that value in every minimal trap space inside
    it, and so on (percolation); when that fixes every node, the fixed point is the only
    minimal trap space inside, so the only attractor the start reaches.  Rules are read in
    Kleene's three-valued logic on their DNF: a definite value there is the rule's value on
    the whole subspace, so every step is exact (where it cannot tell, the node stays free and
    the answer is None).  ``tests/test_engine_solver_paths.py`` compares it with mpbn's
    encodings on many random networks and starts.

    Parameters
    ----------
    dnfs
        Each node's rule as DNF clauses of ``(node, 1 or -1)`` literals
        (:func:`~her2resist.engines.asp.unate_dnf`); a rule reads only these nodes.
    start
        Start values (0 or 1) of some of the nodes.

    Returns
    -------
    dict or None
        The fixed point (node -> 0 or 1), or None when this does not decide.

    Examples
    --------
    >>> from her2resist.engines.asp import unate_dnf
    >>> from her2resist.model.rules import parse_rule
    >>> rules = {"A": "B", "B": "A", "C": "!A & !C | B"}
    >>> dnfs = {n: unate_dnf(parse_rule(r)) for n, r in rules.items()}
    >>> trapped_point(dnfs, {"A": 1, "B": 1, "C": 0})  # A and B hold each other on
    {'A': 1, 'B': 1, 'C': 1}
    >>> print(trapped_point(dnfs, {"A": 0, "B": 0, "C": 0}))  # C oscillates
    None
    """
    readers: dict[str, list[str]] = {n: [] for n in dnfs}
    for node, clauses in dnfs.items():
        for var in {var for clause in clauses for var, _ in clause}:
            if var in readers:
                readers[var].append(node)
    values = {n: float(start[n]) if n in start else UNKNOWN for n in dnfs}
    todo = [n for n, v in values.items() if v != UNKNOWN]
    while todo:  # the smallest trap space around the start
        node = todo.pop()
        value = values[node]
        if value != UNKNOWN and _kleene(dnfs[node], values) != value:
            values[node] = UNKNOWN
            todo += [r for r in readers[node] if values[r] != UNKNOWN]
    todo = [n for n, v in values.items() if v == UNKNOWN]
    while todo:  # percolation inside it
        node = todo.pop()
        if values[node] == UNKNOWN:
            value = _kleene(dnfs[node], values)
            if value != UNKNOWN:
                values[node] = value
                todo += [r for r in readers[node] if values[r] == UNKNOWN]
    if UNKNOWN in values.values():
        return None
    return {n: int(v) for n, v in values.items()}


def _kleene(clauses: Sequence[Clause], values: Mapping[str, float]) -> float:
    """A DNF's value in Kleene's logic (0, 0.5 unknown, 1); a node not in ``values`` is
    unknown."""
    best = 0.0
    for clause in clauses:
        low = 1.0
        for var, sign in clause:
            value = values.get(var, UNKNOWN)
            if sign < 0:
                value = 1.0 - value
            if value < low:
                low = value
                if not low:
                    break
        if low > best:
            best = low
            if best == 1.0:
                break
    return best


@lru_cache(maxsize=1 << 14)
def _formatted(expr: Expr) -> str:
    """:func:`format_rule`, kept for the rules met most recently (the same substituted rules
    come back in many moving parts)."""
    return format_rule(expr)


@lru_cache(maxsize=1 << 14)
def _dnf_of(expr: Expr) -> list[Clause] | None:
    """:func:`~her2resist.engines.asp.unate_dnf`, kept likewise (callers do not change it)."""
    return unate_dnf(expr)


def _mpbn() -> Any:
    """mpbn itself, imported only for cores with non-unate rules (see engines.asp)."""
    return importlib.import_module("mpbn")


def attractor_dicts(result: SimulationResult) -> list[dict[str, int | str]]:
    """Rows of ``result.states`` back as mpbn-style dicts (0, 1, '*')."""
    return [
        {n: ("*" if v == 0.5 else int(v)) for n, v in zip(result.nodes, row, strict=True)}
        for row in result.rows
    ]
