"""Attractors of many perturbations of one network: reduced, cached, exact.

An :class:`Evaluator` answers, for a *background* (a genotype's alterations, fixed nodes) and a
*perturbation* on top of it (drugs, knock-outs, activations), which attractors are reached.  It
gives the same attractors as the simulation route (reachable mode: the untreated cell's
attractors from the resting state, then the attractors reachable from each of them under the
perturbation) or as ``MostPermissiveEngine.simulate(network, perturbation)`` (every attractor,
for imported models without an initial state), but asks the solver only about the part of the
network that can still move, and only once per distinct part.

How: the network is compiled once (:func:`~her2resist.engines.reduce.compile_network`).  A
background is percolated once per untreated attractor with the inputs a regimen may switch left
unknown; a perturbation copies that vector, sets its nodes and percolates only from their
readers.  The moving part's attractors are cached by what determines them (its nodes, the
constants its rules read, its start values), so two genotypes or regimens that leave the same
moving part cost one solver call.  It is the most-permissive engine's batch path behind the
simulation service (:mod:`her2resist.engines.service`).

Examples
--------
>>> from her2resist.model import load_model
>>> ev = Evaluator(load_model())
>>> base = ev.base({"PTEN_loss": 1}, keep=("trastuzumab", "PI3Ki"))
>>> rows = ev.attractors(base, {"trastuzumab": 1, "PI3Ki": 1})
>>> [(r["Proliferation"], r["Apoptosis"]) for r in rows]
[(0, 0)]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from her2resist.engines.asp import GroundModel
from her2resist.engines.base import resting_state, star_to_float
from her2resist.engines.cache import BoundedCache
from her2resist.engines.lanes import (
    LaneNetwork,
    Placer,
    Settings,
    compile_lanes,
    percolate_lanes,
)
from her2resist.engines.mp import MostPermissiveEngine
from her2resist.engines.reduce import (
    UNKNOWN,
    CompiledNetwork,
    compile_network,
    unique_fixed_point,
)
from her2resist.exceptions import UnknownNameError
from her2resist.model.network import Network

#: Perturbations percolated together at most, one lane each (more are taken in slices of this
#: many): the masks grow with the lanes, and reading one lane out of them (a lane the solver
#: must finish) costs in proportion to their size, so an unsliced huge panel costs more than
#: linear time and memory (measured: 128,000 perturbations 10.1 s unsliced).
MAX_LANES = 1 << 12

State = dict[str, int | str]
Row = tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Base:
    """A background, percolated once per start state; perturbations are added on top.

    ``starts`` are the start states as vectors (the untreated attractors, 0.5 where a node
    oscillates; or ``None`` for every attractor); ``values`` holds, per start, the percolated
    vector with the ``keep`` inputs unknown, and ``settled`` the same with the ``keep`` inputs
    at their defaults; ``untreated`` the untreated attractors as rows.
    """

    background: tuple[tuple[str, int], ...]
    keep: tuple[str, ...]
    fixed: Mapping[str, int]
    starts: tuple[Row | None, ...]
    values: tuple[tuple[float, ...], ...]
    settled: tuple[tuple[float, ...], ...]
    untreated: tuple[Row, ...]


class Evaluator:
    """Reached attractors of perturbations of ``network`` (see module docs).

    Parameters
    ----------
    network
        The network.
    reachable
        True: start from the untreated cell (every regulated node at 0, then its attractors
        under the background).  False: every attractor of the perturbed network.
    engine
        The most-permissive engine that solves moving parts (its cache of solved cores is
        shared by every background).
    cache_size
        Backgrounds and solved moving parts kept (least recently used go first).
    shortcut
        Settle a moving part without the solver when the fixed nodes alone determine every
        node (:func:`unique_fixed_point`); False asks the solver always (tests compare both).
    ground
        Solve moving parts reachable from a start on the network grounded once, under
        assumptions (:class:`~her2resist.engines.asp.GroundModel`); False grounds each moving
        part's own program (tests compare both).
    """

    def __init__(self, network: Network, *, reachable: bool = True,
                 engine: MostPermissiveEngine | None = None, cache_size: int = 1 << 16,
                 shortcut: bool = True, ground: bool = True) -> None:
        self.network = network
        self.reachable = reachable
        self.shortcut = shortcut
        self.engine = engine or MostPermissiveEngine()
        self.compiled: CompiledNetwork = compile_network(network)
        self._lanes: LaneNetwork | None = None
        self._placer: Placer | None = None
        self._solved: BoundedCache[tuple[object, ...], tuple[Row, ...]] = BoundedCache(cache_size)
        self._bases: BoundedCache[tuple[object, ...], Base] = BoundedCache(cache_size)
        self._reach: BoundedCache[tuple[int, ...], tuple[int, ...]] = BoundedCache(cache_size)
        self._pruned: BoundedCache[tuple[int, ...], dict[int, None]] = BoundedCache(cache_size)
        self._cores: BoundedCache[tuple[object, ...], tuple[dict[str, int | str], ...]] = (
            BoundedCache(cache_size))
        self.solver_calls = 0
        self.lookups = 0
        self.ground = ground
        self._grounded: GroundModel | None = None
        self._defaults: dict[str, int] | None = None
        self._rest: tuple[float, ...] = ()

    def base(self, background: Mapping[str, int], keep: Iterable[str] = ()) -> Base:
        """The reduced background (cached)."""
        bg = tuple(sorted((n, int(v)) for n, v in background.items()))
        kept = tuple(sorted(set(keep) - set(background)))
        key = (bg, kept)
        found = self._bases.get(key)
        if found is None:
            found = self._make_base(dict(bg), kept)
            self._bases.put(key, found)
        return found

    def _make_base(self, background: dict[str, int], keep: tuple[str, ...]) -> Base:
        net, cn = self.network, self.compiled
        net.check_nodes(background, "node")
        net.check_nodes(list(keep), "node")
        if self._defaults is None:  # read once: the network is compiled once, too
            # the resting start before the defaults that say both are read: a thread that
            # finds the defaults set then finds the start set too
            self._rest = tuple(cn.initial(resting_state(net)))
            self._defaults = net.defaults()
        fixed = {**self._defaults, **background}
        if self.reachable:
            untreated = self._rows(fixed, self._rest)
            starts: tuple[Row | None, ...] = untreated
        else:
            untreated = self._rows(fixed, None)
            starts = (None,)
        kept = set(keep)
        open_inputs = {n: v for n, v in fixed.items() if n not in kept}
        values, settled = [], []
        for start in starts:
            vector = cn.initial(open_inputs)
            for name, value in background.items():  # regulated nodes fixed by the background
                vector[cn.index[name]] = value
            cn.propagate(vector, start, cn.regulated)
            values.append(tuple(vector))
            for name in keep:
                vector[cn.index[name]] = fixed[name]
            cn.propagate(vector, start, cn.regulated)
            settled.append(tuple(vector))
        return Base(tuple(sorted(background.items())), keep, fixed, starts, tuple(values),
                    tuple(settled), untreated)

    def _rows(self, fixed: Mapping[str, int], start: Sequence[float] | None) -> tuple[Row, ...]:
        """Attractors with ``fixed`` nodes held, from ``start`` (None: every attractor)."""
        cn = self.compiled
        vector = cn.initial(fixed)
        cn.propagate(vector, start, cn.regulated)
        return self._complete(vector, start)

    def _vector(self, base: Base, index: int, perturbation: Mapping[str, int]) -> list[float]:
        """The percolated vector of ``base`` plus ``perturbation`` for one start.

        Only what the perturbation can reach is recomputed: nodes downstream of the nodes it
        changes that the background alone leaves open are reset and percolated again; every
        other node keeps its value in ``base.settled`` (the percolation's result is unique, and
        a node that the changed nodes cannot reach does not depend on them)."""
        cn = self.compiled
        settled, opened = base.settled[index], base.values[index]
        placed = []
        for name, value in perturbation.items():
            i = cn.index.get(name)
            if i is None:
                raise UnknownNameError("node", name, self.network.nodes)
            placed.append((i, value))
        changed = [(i, value) for i, value in placed if settled[i] != value]
        vector = list(settled)
        if not changed:
            return vector
        if any(opened[i] not in (UNKNOWN, v) for i, v in changed):
            # The perturbation overrides a value the background alone settles: start afresh.
            vector = cn.initial({**base.fixed, **perturbation})
            cn.propagate(vector, base.starts[index], cn.regulated)
            return vector
        region = [r for r in self._downstream(tuple(sorted(i for i, _ in changed)))
                  if opened[r] == UNKNOWN]
        for r in region:
            vector[r] = UNKNOWN
        # Every perturbed node, not only the changed ones: a perturbed regulated node that the
        # background already settles at its value may lie downstream of a changed one, and it
        # stays fixed there.
        for i, value in placed:
            vector[i] = value
        cn.propagate(vector, base.starts[index], region)
        return vector

    def _downstream(self, nodes: tuple[int, ...]) -> tuple[int, ...]:
        """The nodes that ``nodes`` reach through their readers (themselves included)."""
        found = self._reach.get(nodes)
        if found is None:
            seen = set(nodes)
            stack = list(nodes)
            while stack:
                for j in self.compiled.readers[stack.pop()]:
                    if j not in seen:
                        seen.add(j)
                        stack.append(j)
            found = tuple(sorted(seen))
            self._reach.put(nodes, found)
        return found

    def _complete(self, vector: list[float], start: Sequence[float] | None,
                  only: Iterable[int] | None = None, *, shortcut: bool = True,
                  moving: tuple[int, ...] | None = None) -> tuple[Row, ...]:
        """Full rows: the known values, and each attractor of the moving part (or of the
        part of it that ``only``'s nodes depend on); ``shortcut=False`` when the caller
        knows that :func:`unique_fixed_point` does not settle it; ``moving`` the moving part
        when the caller knows it (:meth:`CompiledNetwork.moving
        <her2resist.engines.reduce.CompiledNetwork.moving>` of ``vector``)."""
        cn = self.compiled
        if moving is None:
            moving = cn.moving(vector)
        if only is not None:
            # The nodes ``only`` depends on form a sub-network that reads nothing else that
            # moves: its reachable attractors are the projections of the whole part's.
            cone: set[int] = set()
            stack = [i for i in only if vector[i] == UNKNOWN]
            while stack:
                i = stack.pop()
                if i not in cone:
                    cone.add(i)
                    stack.extend(j for j in cn.regulators[i] if vector[j] == UNKNOWN)
            moving = tuple(i for i in moving if i in cone)
        if not moving:
            return (tuple(vector),)
        parts = None
        tried = start is not None and self.shortcut  # by the caller when not ``shortcut``
        if tried and shortcut:
            settled = unique_fixed_point(cn, vector, moving)
            parts = None if settled is None else (settled,)
        rows = []
        for part in parts or self._solve(moving, vector, start, unsettled=tried):
            row = list(vector)
            for i, value in zip(moving, part, strict=True):
                row[i] = value
            rows.append(tuple(row))
        return tuple(rows)

    def _solve(self, moving: tuple[int, ...], vector: Sequence[float],
               start: Sequence[float] | None, *, unsettled: bool = False) -> tuple[Row, ...]:
        self.lookups += 1
        cn = self.compiled
        key = cn.core_key(moving, vector, start)
        found = self._solved.get(key)
        if found is not None:
            return found
        self.solver_calls += 1
        outputs = self._outputs(moving)
        core = tuple(i for i in moving if i not in outputs)
        core_key = cn.core_key(core, vector, start)
        attractors = self._cores.get(core_key)
        if attractors is None:
            initial = None
            if start is not None:
                initial = {cn.names[i]: ("*" if start[i] == UNKNOWN else int(start[i]))
                           for i in core}
            ground = None
            if initial is not None and self.ground:
                ground = (self._ground_model(),
                          lambda: {cn.names[i]: int(v) for i, v in enumerate(vector)
                                   if v != UNKNOWN})
            attractors = tuple(self.engine.solve_moving(cn.core_rules(core, vector), initial,
                                                        unsettled=unsettled, ground=ground))
            self._cores.put(core_key, attractors)
        if outputs:
            rows = []
            for att in attractors:
                row = list(vector)
                for i in core:
                    row[i] = star_to_float(att[cn.names[i]])
                cn.complete_outputs(row, tuple(outputs))
                rows.append(tuple(row[i] for i in moving))
            found = tuple(rows)
        else:
            found = tuple(tuple(star_to_float(att[cn.names[i]]) for i in moving)
                          for att in attractors)
        self._solved.put(key, found)
        return found

    def _ground_model(self) -> GroundModel:
        """The network grounded once for the solver (:class:`~her2resist.engines.asp.
        GroundModel`)."""
        if self._grounded is None:
            cn = self.compiled
            self._grounded = GroundModel(cn.names, {cn.names[i]: cn.exprs[i]
                                                    for i in cn.regulated})
        return self._grounded

    def _outputs(self, moving: tuple[int, ...]) -> dict[int, None]:
        """The moving nodes that no other moving node reads, repeatedly (in the order they
        are removed; a node that reads itself is never one).  They cannot influence the
        rest, so the rest's attractors (the core's, cached by the core's own key: many
        moving parts differ only in their outputs) are those of the whole part, completed
        by evaluating the outputs (:func:`~her2resist.engines.reduce.complete_outputs`);
        the solver prunes the outputs it finds in the substituted rules the same way."""
        found = self._pruned.get(moving)
        if found is None:
            inside = set(moving)
            readers = {i: {j for j in self.compiled.readers[i] if j in inside} for i in moving}
            found = {}
            queue = [i for i in moving if not readers[i]]
            while queue:
                i = queue.pop()
                if i in found:
                    continue
                found[i] = None
                for r in self.compiled.regulators[i]:
                    if r in readers and r not in found:
                        readers[r].discard(i)
                        if not readers[r]:
                            queue.append(r)
            self._pruned.put(moving, found)
        return found

    def untreated_rows(self, base: Base) -> tuple[Row, ...]:
        """The untreated cell's attractors as rows in node order (0.5: oscillating)."""
        return base.untreated

    def untreated(self, base: Base) -> list[State]:
        """The untreated cell's attractors as states (node -> 0, 1 or '*')."""
        return [self._state(row) for row in base.untreated]

    def rows(self, base: Base, perturbation: Mapping[str, int]) -> list[Row]:
        """Every reached attractor as a row in node order, without repeats, in a stable
        order."""
        seen: dict[Row, None] = {}
        for index in range(len(base.starts)):
            vector = self._vector(base, index, perturbation)
            for row in self._complete(vector, base.starts[index]):
                seen.setdefault(row, None)
        return list(seen)

    def rows_many(self, base: Base, perturbations: Sequence[Mapping[str, int]]
                  ) -> list[list[Row]]:
        """:meth:`rows` of each perturbation (the same rows in the same order), percolated
        all at once, one lane each (:mod:`her2resist.engines.lanes`); a lane whose moving
        part the fixed nodes do not settle goes to the solver as in :meth:`rows` (cached).

        Examples
        --------
        >>> from her2resist.model import load_model
        >>> ev = Evaluator(load_model())
        >>> base = ev.base({"PTEN_loss": 1}, keep=("trastuzumab", "PI3Ki"))
        >>> many = ev.rows_many(base, [{"trastuzumab": 1}, {"trastuzumab": 1, "PI3Ki": 1}])
        >>> many == [ev.rows(base, {"trastuzumab": 1}),
        ...          ev.rows(base, {"trastuzumab": 1, "PI3Ki": 1})]
        True
        """
        if len(perturbations) > MAX_LANES:
            return [rows for k in range(0, len(perturbations), MAX_LANES)
                    for rows in self.rows_many(base, perturbations[k:k + MAX_LANES])]
        placed = self._placed(perturbations)
        if placed is None:  # lanes hold 0 and 1 only
            return [self.rows(base, p) for p in perturbations]
        fixed = self.compiled.initial(base.fixed)
        per_start = []
        for start in base.starts:
            found = percolate_lanes(self._lanes_of(), fixed, placed, start,
                                    settle=self.shortcut)
            read = found.settled_rows()  # an unsettled lane's None is replaced below
            rows: list[tuple[Row, ...]] = [(row,) for row in read]  # type: ignore[misc]
            # Lanes the shortcut left with unknown nodes (or all, when it is off): the solver
            # decides.
            unsettled = found.unsettled
            if unsettled:
                # The regulated nodes unknown in one of these lanes at least: each lane's
                # moving part is among them (found from the masks once, not per lane).
                ones, zeros = found.first
                open_nodes = tuple(i for i in self.compiled.regulated
                                   if (ones[i] | zeros[i]) & unsettled != unsettled)
                for lane, vector in found.vectors(unsettled, first=True).items():
                    moving = tuple(i for i in open_nodes if vector[i] == UNKNOWN)
                    rows[lane] = self._complete(vector, start, shortcut=False, moving=moving)
            per_start.append(rows)
        if len(per_start) == 1:  # one untreated state, the usual case
            return [[rows[0]] if len(rows) == 1 else list(dict.fromkeys(rows))
                    for rows in per_start[0]]
        # Every start's rows in start order, without repeats.
        return [list(dict.fromkeys(row for rows in lane for row in rows))
                for lane in zip(*per_start, strict=True)]

    def known_many(self, base: Base, perturbations: Sequence[Mapping[str, int]],
                   nodes: Sequence[str]) -> list[tuple[int | None, ...]]:
        """Per perturbation, the value of each of ``nodes`` in every row :meth:`rows_many`
        gives it, where its start-constrained percolation fixes the node, at one value from
        every start; None where it does not (or everywhere when a perturbation sets a value
        other than 0 or 1).  Read from the percolated masks, no lane settled or solved: each
        row completes that percolated vector, whose known nodes it keeps."""
        if len(perturbations) > MAX_LANES:
            return [known for k in range(0, len(perturbations), MAX_LANES)
                    for known in self.known_many(base, perturbations[k:k + MAX_LANES], nodes)]
        placed = self._placed(perturbations)
        if placed is None:
            return [(None,) * len(nodes)] * len(perturbations)
        targets = [self.compiled.index[n] for n in nodes]
        fixed = self.compiled.initial(base.fixed)
        masks = [percolate_lanes(self._lanes_of(), fixed, placed, start, settle=False).first
                 for start in base.starts]
        first = masks[0][0]
        known = [(1 << len(placed)) - 1] * len(targets)  # known, the same in every start
        for ones, zeros in masks:
            known = [k & (ones[i] | zeros[i]) & ~(ones[i] ^ first[i])
                     for k, i in zip(known, targets, strict=True)]
        width = f"0{len(placed)}b"  # a mask's characters: lane len(placed) - 1 first
        columns = [[None if k == "0" else int(v) for k, v in zip(
            format(mask, width), format(first[i], width), strict=True)][::-1]
            for mask, i in zip(known, targets, strict=True)]
        return list(zip(*columns, strict=True))

    def _lanes_of(self) -> LaneNetwork:
        if self._lanes is None:
            self._lanes = compile_lanes(self.compiled)
        return self._lanes

    def _placed(self, perturbations: Sequence[Mapping[str, int]]) -> Settings | None:
        """The perturbations as lane masks by node position (:class:`~her2resist.engines.
        lanes.Settings`, lane ``b`` the ``b``-th); None when one sets a value other than 0
        or 1, or there are none (the scalar path then answers)."""
        if self._placer is None:
            self._placer = Placer(self.compiled.index, lambda name: UnknownNameError(
                "node", name, self.network.nodes))
        return self._placer(perturbations)

    def attractors(self, base: Base, perturbation: Mapping[str, int]) -> list[State]:
        """Every reached attractor as a state (node -> 0, 1 or '*')."""
        return [self._state(row) for row in self.rows(base, perturbation)]

    def _state(self, row: Row) -> State:
        return {n: ("*" if v == UNKNOWN else int(v))
                for n, v in zip(self.compiled.names, row, strict=True)}

    def satisfies(self, base: Base, perturbation: Mapping[str, int],
                  readout: Mapping[str, int]) -> bool:
        """Whether every reached attractor has every readout node at its value."""
        cn = self.compiled
        targets = [cn.index[n] for n in readout]
        for index in range(len(base.starts)):
            vector = self._vector(base, index, perturbation)
            if any(vector[i] not in (UNKNOWN, readout[cn.names[i]]) for i in targets):
                return False
            if all(vector[i] != UNKNOWN for i in targets):
                continue
            for row in self._complete(vector, base.starts[index], only=targets):
                if any(row[i] != readout[cn.names[i]] for i in targets):
                    return False
        return True

    def satisfies_many(self, base: Base, perturbations: Sequence[Mapping[str, int]],
                       readout: Mapping[str, int]) -> list[bool]:
        """:meth:`satisfies` of each perturbation (the same answers), percolated all at once,
        one lane each (:mod:`her2resist.engines.lanes`): a lane whose percolated readout
        nodes decide it is answered from the masks, any other as in :meth:`satisfies`.

        Examples
        --------
        >>> from her2resist.model import load_model
        >>> ev = Evaluator(load_model())
        >>> base = ev.base({"PTEN_loss": 1}, keep=("trastuzumab", "PI3Ki"))
        >>> ev.satisfies_many(base, [{"trastuzumab": 1}, {"trastuzumab": 1, "PI3Ki": 1}],
        ...                   {"Proliferation": 0})
        [False, True]
        """
        if len(perturbations) > MAX_LANES:
            return [ok for k in range(0, len(perturbations), MAX_LANES)
                    for ok in self.satisfies_many(base, perturbations[k:k + MAX_LANES],
                                                  readout)]
        placed = self._placed(perturbations)
        if placed is None:
            return [self.satisfies(base, p, readout) for p in perturbations]
        cn = self.compiled
        targets = [(cn.index[n], v) for n, v in readout.items()]
        fixed = cn.initial(base.fixed)
        failed = 0  # lanes already answered False
        for start in base.starts:
            found = percolate_lanes(self._lanes_of(), fixed, placed, start, settle=False)
            ones, zeros = found.first
            every = (1 << found.size) - 1
            right = every
            for i, value in targets:
                failed |= zeros[i] if value else ones[i]
                right &= ones[i] if value else zeros[i]
            # Lanes neither failed nor decided by their known readout: as satisfies does.
            open_lanes = every & ~failed & ~right
            for lane, vector in found.vectors(open_lanes, first=True).items():
                for row in self._complete(vector, start, only=[i for i, _ in targets]):
                    if any(row[i] != value for i, value in targets):
                        failed |= 1 << lane
                        break
        return [not failed >> lane & 1 for lane in range(placed.size)]
