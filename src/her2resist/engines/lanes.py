"""Bit-parallel percolation: many perturbations of one background at once, one lane each.

The exact reductions of :mod:`her2resist.engines.reduce` percolate one vector at a time
(:meth:`~her2resist.engines.reduce.CompiledNetwork.propagate`, values 0, 0.5 for unknown, 1).
A screen asks the same question of one background under a hundred or more perturbations (a
regimen with each partner), so here every perturbation is a *lane*: bit ``b`` of two Python
integers per node says whether the node is known to be 1 (``ones``) or known to be 0
(``zeros``) in lane ``b``; a node known in neither is unknown there.  Each rule is compiled
once per network into Kleene's three-valued logic on these masks: a conjunction is 1 where
every term is 1 (``&`` of the terms' ones) and 0 where any term is 0 (``|`` of their zeros),
a disjunction the dual, a negation swaps the two masks.  One evaluation of a rule thus
evaluates it in every lane, with exactly the value :func:`_kleene_source`'s ``min``/``max``/
``1 - x`` gives there.

Why the answer is the scalar path's (:meth:`Evaluator.rows
<her2resist.engines.evaluate.Evaluator.rows>`):

- **One fixed point.**  Percolation from a start vector (a node settles to a definite result
  of its rule, and, when a start state is given, only if the start holds the same value there;
  a settled node is never evaluated again) reaches a unique result, the least fixed point of a
  monotone operator: more known values never turn a definite result into another one, so a
  node that can settle settles whatever the order of evaluation.  Lanes evaluate nodes in
  another order than the scalar worklist and reach the same vector in every lane.
- **Fresh start per lane.**  Each lane starts from the background's fixed nodes (inputs at
  their defaults, regulated nodes the background fixes) with its perturbation on top, every
  other node unknown, and percolates everything: what the scalar path computes when the
  perturbation overrides a value the background settles.  Otherwise the scalar path reuses the
  background's percolated vector and recomputes only the nodes downstream of what changed;
  that vector is this same least fixed point (each value it keeps follows from fixed nodes
  the lane also has, and it is a fixed point of the same rules), so one rule serves both cases.
- **Unique fixed point.**  Where the start-constrained percolation leaves nodes unknown, a
  second percolation without the start condition (:func:`~her2resist.engines.reduce.
  unique_fixed_point`) settles, in most lanes, every node: that state is the only attractor
  reachable from any start.  Lanes it does not settle go to the solver one by one (cached).

``tests/test_engine_lanes.py`` compares every lane with the scalar path: every catalogue
genotype under the default panel and its anchored combinations, and random perturbations of
the reference models.

Examples
--------
>>> from her2resist.model.formats import read_bnet_text
>>> from her2resist.engines.reduce import compile_network
>>> net = read_bnet_text("I, I\\nJ, J\\nA, I & !J\\nB, A | B")
>>> lanes = compile_lanes(compile_network(net))
>>> found = percolate_lanes(lanes, [0, 0, 0.5, 0.5], [{0: 1}, {0: 1, 1: 1}], (0, 0, 0, 0))
>>> found.vector(0), found.vector(1)  # B reads itself: in lane 1 either value holds
((1, 0, 1, 1), (1, 1, 0, 0.5))
>>> bin(found.unsettled)  # lane 1 goes to the solver
'0b10'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from heapq import heappop, heappush
from itertools import repeat

from her2resist.engines.reduce import UNKNOWN, CompiledNetwork
from her2resist.model.rules import And, Const, Expr, Not, Or, Var

#: A rule on lanes: (ones, zeros, all-lanes mask) -> (lanes where it is 1, lanes where it is 0).
LaneRule = Callable[[list[int], list[int], int], tuple[int, int]]


def _lane_source(expr: Expr, index: Mapping[str, int], one: bool) -> str:
    """Python source of the lanes where ``expr`` is 1 (``one``) or 0, over masks ``o``
    (known 1), ``z`` (known 0) and ``m`` (every lane)."""
    match expr:
        case Const(value):
            return "m" if bool(value) == one else "0"
        case Var(name):
            return f"{'o' if one else 'z'}[{index[name]}]"
        case Not(arg):
            return _lane_source(arg, index, not one)
        case And(args):
            join = "&" if one else "|"
            return "(" + join.join(_lane_source(a, index, one) for a in args) + ")"
        case Or(args):
            join = "|" if one else "&"
            return "(" + join.join(_lane_source(a, index, one) for a in args) + ")"
    raise TypeError(f"not a rule expression: {expr!r}")


@dataclass(frozen=True, slots=True, eq=False)
class LaneNetwork:
    """A compiled network's rules on lanes, with the order lanes evaluate them in
    (regulators first, as the scalar worklist does)."""

    compiled: CompiledNetwork
    rules: tuple[LaneRule | None, ...]
    order: tuple[int, ...]
    position: tuple[int, ...]


def compile_lanes(cn: CompiledNetwork) -> LaneNetwork:
    """The rules of ``cn`` compiled on lanes (see module docs)."""
    rules: list[LaneRule | None] = []
    for i, expr in enumerate(cn.exprs):
        if cn.evaluators[i] is None:
            rules.append(None)
            continue
        source = (f"lambda o, z, m: ({_lane_source(expr, cn.index, True)}, "
                  f"{_lane_source(expr, cn.index, False)})")
        rules.append(eval(compile(source, f"<lane rule {cn.names[i]}>", "eval"), {}))
    order = tuple(sorted(cn.regulated, key=cn.rank.__getitem__))
    position = [-1] * len(cn.names)
    for k, i in enumerate(order):
        position[i] = k
    return LaneNetwork(cn, tuple(rules), order, tuple(position))


@dataclass(frozen=True, slots=True)
class Lanes:
    """The percolated masks of every lane: ``first`` after the start-constrained
    percolation, ``final`` after the second one without the start condition (the same
    masks when there was none); ``unsettled`` the lanes that still have an unknown node."""

    size: int
    first: tuple[tuple[int, ...], tuple[int, ...]]
    final: tuple[tuple[int, ...], tuple[int, ...]]
    unsettled: int

    def vector(self, lane: int, *, first: bool = False) -> tuple[float, ...]:
        """Lane ``lane`` as a vector in node order (0, 1, or 0.5 where unknown)."""
        ones, zeros = self.first if first else self.final
        bit = 1 << lane
        return tuple(1 if o & bit else 0 if z & bit else UNKNOWN
                     for o, z in zip(ones, zeros, strict=True))

    def vectors(self, lanes: int, *, first: bool = False) -> dict[int, list[float]]:
        """:meth:`vector` of each lane in the mask ``lanes`` (lane -> a new list), read out
        together: a node known alike in all of them is read once, and only the others lane
        by lane.

        Examples
        --------
        >>> found = Lanes(3, ((0b011, 0b100), (0b100, 0b000)), ((0b011, 0b100), (0b100, 0)), 0)
        >>> found.vectors(0b101)
        {0: [1, 0.5], 2: [0, 1]}
        """
        ones, zeros = self.first if first else self.final
        template: list[float] = []
        varying = []
        for i, (o, z) in enumerate(zip(ones, zeros, strict=True)):
            o &= lanes
            z &= lanes
            if o == lanes:
                template.append(1)
            elif z == lanes:
                template.append(0)
            elif not o | z:
                template.append(UNKNOWN)
            else:
                template.append(UNKNOWN)
                varying.append((i, o, z))
        out = {}
        while lanes:
            low = lanes & -lanes
            lanes ^= low
            vector = template.copy()
            for i, o, z in varying:
                if o & low:
                    vector[i] = 1
                elif z & low:
                    vector[i] = 0
            out[low.bit_length() - 1] = vector
        return out

    def settled_rows(self) -> list[tuple[float, ...] | None]:
        """Each settled lane's final vector (1.0 or 0.0 per node), None for an unsettled
        lane."""
        size = self.size
        settled = ((1 << size) - 1) & ~self.unsettled
        out: list[tuple[float, ...] | None] = [None] * size
        if not settled:
            return out
        ones = self.final[0]  # a settled lane knows every node: its ones say it all
        flags = format(settled, f"0{size}b")  # character size - 1 - b: lane b
        # One column per node: its value repeated (one shared endless iterator per value), or,
        # for a node that differs between lanes, its value lane by lane (highest lane first);
        # zipping the columns gives every lane's row.
        width = f"0{size}b"
        columns: list[Iterator[float]] = []
        varying = False
        for o in ones:
            o_settled = o & settled
            if o_settled == settled:
                columns.append(_ALWAYS_ONE)
            elif not o_settled:
                columns.append(_ALWAYS_ZERO)
            else:
                columns.append(map(_BIT.__getitem__, format(o, width)))
                varying = True
        if not varying:
            template = tuple(1.0 if o & settled else 0.0 for o in ones)
            for k, flag in enumerate(flags):
                if flag == "1":
                    out[size - 1 - k] = template
            return out
        rows = zip(*columns, strict=False)  # as long as the varying columns: size rows
        for k, (flag, row) in enumerate(zip(flags, rows, strict=True)):
            if flag == "1":
                out[size - 1 - k] = row
        return out


_BIT = {"0": 0.0, "1": 1.0}
#: Columns of a node with one value in every lane (endless: zip stops at the varying ones).
_ALWAYS_ONE, _ALWAYS_ZERO = repeat(1.0), repeat(0.0)


@dataclass(frozen=True, slots=True)
class Settings:
    """Perturbations, one lane each, as masks: ``ones[i]`` the lanes that set node ``i`` to 1,
    ``zeros[i]`` those that set it to 0 (nodes no lane sets are absent).

    Examples
    --------
    >>> lane_settings([{0: 1}, {0: 0, 2: 1}])
    Settings(size=2, ones={0: 1, 2: 2}, zeros={0: 2})
    """

    size: int
    ones: Mapping[int, int]
    zeros: Mapping[int, int]

    def __len__(self) -> int:
        return self.size


def lane_settings(perturbations: Sequence[Mapping[int, int]]) -> Settings:
    """The perturbations (node position -> 0 or 1) as :class:`Settings`, lane ``b`` the
    ``b``-th."""
    ones: dict[int, int] = {}
    zeros: dict[int, int] = {}
    for lane, perturbation in enumerate(perturbations):
        bit = 1 << lane
        for i, value in perturbation.items():
            masks = ones if value else zeros
            masks[i] = masks.get(i, 0) | bit
    return Settings(len(perturbations), ones, zeros)


class Placer:
    """Perturbations by node name (node -> 0 or 1) as :class:`Settings` on the node positions
    ``index``; ``unknown(name)`` is raised for a name not in it.

    A screen asks about the same panel for every tumour of a cohort (the same mapping objects,
    in the same order): the settings of a sequence of at least :attr:`KEPT_FROM` mappings are
    kept, keyed by the mappings' identities (the entry holds them, so no identity is reused
    meanwhile) and used again only while each mapping still equals its copy kept with them.

    Examples
    --------
    >>> place = Placer({"A": 0, "B": 1}, KeyError)
    >>> place([{"A": 1}, {"A": 0, "B": 1}])
    Settings(size=2, ones={0: 1, 1: 2}, zeros={0: 2})
    >>> place([{"A": 0.5}]) is None  # a level other than 0 or 1: no lanes
    True
    """

    KEPT_FROM = 8
    KEPT = 256

    def __init__(self, index: Mapping[str, int], unknown: Callable[[str], Exception]) -> None:
        self.index = index
        self.unknown = unknown
        self._kept: dict[tuple[int, ...], tuple[tuple[Mapping[str, int], ...],
                                                list[dict[str, int]], Settings | None]] = {}

    def __call__(self, perturbations: Sequence[Mapping[str, int]]) -> Settings | None:
        """The settings of ``perturbations`` (lane ``b`` the ``b``-th); None when one sets a
        value other than 0 or 1, or there are none."""
        if len(perturbations) < self.KEPT_FROM:
            return self._place(perturbations)
        key = tuple(map(id, perturbations))
        found = self._kept.get(key)
        if found is not None and found[1] == list(perturbations):
            return found[2]
        settings = self._place(perturbations)
        if len(self._kept) >= self.KEPT:
            self._kept.clear()
        self._kept[key] = (tuple(perturbations), [dict(p) for p in perturbations], settings)
        return settings

    def _place(self, perturbations: Sequence[Mapping[str, int]]) -> Settings | None:
        index = self.index
        ones: dict[int, int] = {}
        zeros: dict[int, int] = {}
        for lane, perturbation in enumerate(perturbations):
            bit = 1 << lane
            for name, value in perturbation.items():
                i = index.get(name)
                if i is None:
                    raise self.unknown(name)
                if value == 1:
                    ones[i] = ones.get(i, 0) | bit
                elif value == 0:
                    zeros[i] = zeros.get(i, 0) | bit
                else:
                    return None
        return Settings(len(perturbations), ones, zeros) if perturbations else None


def percolate_lanes(lanes: LaneNetwork, fixed: Sequence[float],
                    perturbations: Sequence[Mapping[int, int]] | Settings,
                    start: Sequence[float] | None, *, settle: bool = True) -> Lanes:
    """Percolate ``fixed`` (a vector: fixed nodes at 0 or 1, every other node unknown) under
    each perturbation (node position -> 0 or 1; or all of them as :class:`Settings`), one
    lane each, from ``start`` (None: every attractor, no start condition); then, if
    ``settle`` and a start is given, percolate the lanes' unknown nodes again without the
    start condition (see module docs)."""
    settings = (perturbations if isinstance(perturbations, Settings)
                else lane_settings(perturbations))
    size = settings.size
    every = (1 << size) - 1
    ones = [every if v == 1 else 0 for v in fixed]
    zeros = [every if v == 0 else 0 for v in fixed]
    # A lane's setting replaces the fixed value there (each lane sets a node once at most).
    for i, mask in settings.ones.items():
        ones[i] |= mask
        zeros[i] &= ~mask
    for i, mask in settings.zeros.items():
        zeros[i] |= mask
        ones[i] &= ~mask
    _percolate(lanes, ones, zeros, every, start)
    first = (tuple(ones), tuple(zeros))
    if settle and start is not None and _unsettled(lanes, ones, zeros, every):
        _percolate(lanes, ones, zeros, every, None)
    final = (tuple(ones), tuple(zeros))
    return Lanes(size, first, final, _unsettled(lanes, ones, zeros, every))


def _unsettled(lanes: LaneNetwork, ones: list[int], zeros: list[int], every: int) -> int:
    """The lanes in which some regulated node is unknown."""
    known = every
    for i in lanes.order:
        known &= ones[i] | zeros[i]
    return every & ~known


def _percolate(lanes: LaneNetwork, ones: list[int], zeros: list[int], every: int,
               start: Sequence[float] | None) -> None:
    """Settle, in place, every node that percolation settles in each lane (see module docs):
    the regulated nodes in rank order, then the readers of each node that settled somewhere."""
    rules, order, position = lanes.rules, lanes.order, lanes.position
    readers = lanes.compiled.readers
    todo = list(range(len(order)))  # already a heap: positions in rank order
    queued = [True] * len(order)
    while todo:
        k = heappop(todo)
        queued[k] = False
        i = order[k]
        unknown = every & ~(ones[i] | zeros[i])
        if not unknown:
            continue
        if start is None:
            one, zero = rules[i](ones, zeros, every)  # type: ignore[misc]
            one &= unknown
            zero &= unknown
        elif start[i] == 1:
            one, zero = rules[i](ones, zeros, every)[0] & unknown, 0  # type: ignore[misc]
        elif start[i] == 0:
            one, zero = 0, rules[i](ones, zeros, every)[1] & unknown  # type: ignore[misc]
        else:
            continue  # oscillating in the start state: percolation never settles it
        if not (one or zero):
            continue
        ones[i] |= one
        zeros[i] |= zero
        for j in readers[i]:
            p = position[j]
            if not queued[p]:
                queued[p] = True
                heappush(todo, p)
