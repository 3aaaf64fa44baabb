"""The simulation service: the one route from a tumour cell and a regimen to what it reaches.

Every analysis (prediction, validation, reports and their remedies, screens, nodal targets,
evolution scenarios derived from the model) asks this service, never an engine directly:

1. the **untreated** cell: the background perturbation (alterations, environment) simulated
   from a resting cell (every regulated node at 0);
2. the **treated** cell: the background plus the regimen's drugs, continued from the untreated
   states, so that adaptive feedback plays out.

Results are cached by the model's identity (:attr:`Network.hash`), the engine's identity
(:attr:`Engine.key`: name and every option that changes answers), the background and the
drugs, in one bounded least-recently-used cache (beside it the reached states alone, for
screens that score many regimens of one background: :meth:`SimulationService.rows_many`),
grouped by background: a batch of regimens costs one locked lookup for its background and a
plain dictionary lookup per regimen (:class:`~her2resist.engines.cache.GroupedCache`).
The service says what its engine can do:
``graded`` (input levels in [0, 1]; :meth:`SimulationService.sample` integrates parameter
samples, several routes at once as ``groups``), ``limit`` (the service of the engine's Boolean
limit, which explains graded predictions).  An engine that offers an exact batch
evaluator (the most-permissive engine: each background reduced once, each regimen only adds its
drugs; :mod:`her2resist.engines.evaluate`) is used through it, many regimens of one background
percolated at once, one bit-parallel lane each (:mod:`her2resist.engines.lanes`); any other
engine through ``simulate`` and ``continue_from``.  No code outside ``engines/`` names an engine.

Examples
--------
>>> from her2resist.model import load_model
>>> service = get_service(load_model())
>>> sim = service.treat({"PTEN_loss": 1}, {"trastuzumab": 1})
>>> sim.untreated.value("Proliferation"), sim.treated.value("Proliferation")
(1.0, 1.0)
>>> service.treat({"PTEN_loss": 1}, {"trastuzumab": 1, "PI3Ki": 1}).treated.value("Proliferation")
0.0
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from her2resist.engines.base import (
    Engine,
    Provenance,
    SimulationResult,
    make_provenance,
    resting_state,
    solver_version,
)
from her2resist.engines.cache import BoundedCache, GroupedCache
from her2resist.exceptions import EngineError, ParameterError
from her2resist.model.network import Network

State = dict[str, int | str | float]
Assignment = Mapping[str, int]
#: Reached states as rows of node values in the service's node order (0.5: oscillating).
Rows = tuple[tuple[float, ...], ...]

#: Results kept per service: a cohort's distinct (genotype, regimen) pairs, about 2 KB each.
CACHE_SIZE = 1 << 16


@dataclass(frozen=True, slots=True)
class RegimenSimulation:
    """The untreated and the treated results of one simulation.

    Examples
    --------
    >>> from her2resist.model import load_model
    >>> sim = get_service(load_model()).treat({}, {"trastuzumab": 1})
    >>> sim.untreated.value("Proliferation"), sim.treated.value("Proliferation")
    (1.0, 0.0)
    """

    untreated: SimulationResult
    treated: SimulationResult


@dataclass(frozen=True, slots=True)
class Route:
    """One simulation route for :meth:`SimulationService.sample_many`: the untreated cell from
    rest under ``background``, then the treated cell from it under
    ``treated_levels(untreated state)``; ``hill`` the Hill ``(n, k)`` (None: the engine's),
    ``sampled`` the settings of a sampled interval.  Levels and the Hill shape may be one
    numpy array per parameter sample."""

    background: Mapping[str, object]
    treated_levels: Callable[[list[object]], Mapping[str, object]]
    hill: tuple[object, object] | None = None
    sampled: bool = False


class Batch(Protocol):
    """Many perturbations of one network on top of a background (screens, nodal targets)."""

    def base(self, background: Assignment, keep: Iterable[str] = ()) -> object: ...

    def untreated(self, base: object) -> list[State]: ...

    def attractors(self, base: object, perturbation: Assignment) -> list[State]: ...

    def satisfies(self, base: object, perturbation: Assignment,
                  readout: Assignment) -> bool: ...


Key = tuple[tuple[str, object], ...]


def _key(assignment: Assignment) -> Key:
    """The cache key of an assignment: its items sorted by node.  Values are kept as given:
    equal numbers are equal keys (1, 1.0 and True share an entry), and a graded level such
    as 0.5 keeps its own (never rounded to 0 or 1)."""
    return tuple(sorted(assignment.items()))


def _float_key(assignment: Assignment) -> tuple[tuple[str, float], ...]:
    """The assignment as sorted (node, float) pairs (what a route batch's base stores)."""
    return tuple(sorted((n, float(v)) for n, v in assignment.items()))


class SimulationService:
    """The simulation route on one network with one engine (see module docs).

    Parameters
    ----------
    network
        The network.
    engine
        An engine object (see :func:`her2resist.engines.get_engine`).
    reachable
        True: the untreated cell starts from rest and the regimen from the untreated states.
        False: every attractor of the perturbed network (models without a resting state).
    cache_size
        Results kept (least recently used go first).

    Examples
    --------
    >>> from her2resist.model.formats import read_bnet_text
    >>> service = get_service(read_bnet_text("S, S\\nDrug, Drug\\nX, S & !Drug"))
    >>> sim = service.treat({"S": 1}, {"Drug": 1})
    >>> sim.untreated.value("X"), sim.treated.value("X")
    (1.0, 0.0)
    """

    def __init__(self, network: Network, engine: Engine, *, reachable: bool = True,
                 cache_size: int = CACHE_SIZE) -> None:
        self.network = network
        self.engine = engine
        self.reachable = reachable
        self._order = tuple(network.nodes)
        #: Node -> its position in every state vector the service returns.
        self.index = {n: i for i, n in enumerate(self._order)}
        self._inputs = network.inputs
        self._bases: BoundedCache[tuple[object, ...], object] = BoundedCache(cache_size)
        # Results and rows by background, then by drugs (each by :func:`_key`: tuples of
        # plain values, which the garbage collector stops tracking, unlike frozensets).
        self._results: GroupedCache[Key, Key, RegimenSimulation] = (
            GroupedCache(cache_size))
        self._untreated: BoundedCache[tuple[object, ...], SimulationResult] = BoundedCache(
            cache_size)
        self._rows: GroupedCache[Key, Key, Rows] = GroupedCache(
            cache_size)
        self._computed = 0
        self._provenance: Provenance | None = None
        make_batch = getattr(engine, "batch", None)
        self._batch: Batch = (make_batch(network, reachable=reachable) if make_batch
                              else _RouteBatch(self))

    @property
    def graded(self) -> bool:
        """Whether the engine takes input levels in [0, 1] and samples parameter sets."""
        return bool(getattr(self.engine, "graded", False))

    @property
    def limit(self) -> SimulationService:
        """The service of this engine's Boolean limit (this service for a Boolean engine):
        what explains a graded prediction (traces, mechanisms) and searches its remedies."""
        name = getattr(self.engine, "limit", None)
        if name is None:
            return self
        return get_service(self.network, str(name), reachable=self.reachable)

    def sample(self, background: Mapping[str, object],
               treated_levels: Callable[[list[object]], Mapping[str, object]], *,
               hill: tuple[object, object] | None = None,
               record: list[tuple[float, list[object]]] | None = None,
               sampled: bool = False, groups: Sequence[slice] | None = None,
               ) -> tuple[list[object], list[object]]:
        """The route (untreated from rest, then treated from it) on parameter samples: levels
        and the Hill ``(n, k)`` may be one numpy array per sample, integrated at once; the
        treated levels may depend on the untreated state; ``groups`` (slices of the sample
        axis) are independent routes integrated together, each giving its own numbers.
        Graded engines only (uncached)."""
        route = getattr(self.engine, "integrate_route", None)
        if route is None:
            raise EngineError(f"the {self.engine.name} engine takes no parameter samples; "
                              "ask a graded engine")
        self.network.check_nodes(list(background), "node")
        return route(self.network, background, treated_levels, hill=hill, record=record,
                     sampled=sampled, **({} if groups is None else {"groups": groups}))

    def sample_many(self, routes: Sequence[Route]) -> list[tuple[list[object], list[object]]]:
        """:meth:`sample` of each route, the same numbers; a graded engine that offers a
        batched call steps them all as one array (a cohort's routes cost a few hundred array
        steps).  Graded engines only (uncached)."""
        for route in routes:
            self.network.check_nodes(list(route.background), "node")
        many = getattr(self.engine, "integrate_routes", None)
        if many is not None:
            return many(self.network, routes)  # type: ignore[no-any-return]
        return [self.sample(r.background, r.treated_levels, hill=r.hill, sampled=r.sampled)
                for r in routes]

    def provenance(self) -> Provenance:
        """Provenance of the results of :meth:`sample` and :meth:`sample_many`."""
        made = getattr(self.engine, "provenance", None)
        if made is not None:
            return made(self.network)  # type: ignore[no-any-return]
        return make_provenance(self.network, self.engine.name, "")

    @property
    def batch(self) -> Batch:
        """The batch evaluator behind :meth:`base`, :meth:`attractors` and :meth:`satisfies`."""
        return self._batch

    def treat(self, background: Assignment, drugs: Assignment) -> RegimenSimulation:
        """Untreated then treated simulation of the background under ``drugs`` (cached)."""
        bg, key = _key(background), _key(drugs)
        found = self._results.group(bg).get(key)
        if found is None:
            found = self._simulate(bg, dict(background), dict(drugs), key)
            self._results.add(bg, {key: found})
        return found

    def treat_many(self, background: Assignment, regimens: Sequence[Assignment]
                   ) -> list[RegimenSimulation]:
        """:meth:`treat` of each regimen's drugs on one background (the same results),
        computed together (:meth:`rows_many`)."""
        self.rows_many(background, regimens)
        return [self.treat(background, drugs) for drugs in regimens]

    def rows_many(self, background: Assignment, regimens: Sequence[Assignment]
                  ) -> tuple[Rows, list[Rows]]:
        """The untreated cell's states and each regimen's treated states, as rows in node
        order (:attr:`index`; values equal to 0.0, 1.0 or 0.5, as int or float), without
        building a result per regimen: what a screen scores.
        The rows are those of :meth:`treat`'s results (cached by background and drugs, the
        same cache); those not cached are computed together, one lane each, by an exact
        batch evaluator (:meth:`Evaluator.rows_many
        <her2resist.engines.evaluate.Evaluator.rows_many>`).

        Examples
        --------
        >>> from her2resist.model import load_model
        >>> service = get_service(load_model())
        >>> untreated, (alone, pair) = service.rows_many(
        ...     {"PTEN_loss": 1}, [{"trastuzumab": 1}, {"trastuzumab": 1, "PI3Ki": 1}])
        >>> p = service.index["Proliferation"]
        >>> [[float(row[p]) for row in rows] for rows in (untreated, alone, pair)]
        [[1.0], [1.0], [0.0]]
        """
        if isinstance(self._batch, _RouteBatch):
            sims = [self.treat(background, drugs) for drugs in regimens]
            return (self.untreated(background).rows, [s.treated.rows for s in sims])
        self.network.check_nodes(background, "node")
        bg = _key(background)
        base = self._base(bg, background)
        keys = [tuple(sorted(drugs.items())) for drugs in regimens]  # _key, inlined
        found: list[Rows | None] = list(map(self._rows.group(bg).get, keys))
        if None in found:
            missing: dict[Key, Assignment] = {}
            for key, drugs, rows in zip(keys, regimens, found, strict=True):
                if rows is None:
                    missing.setdefault(key, drugs)
            # Only these: a cached regimen's nodes were checked when it was computed.
            self.network.check_nodes(sorted({n for drugs in missing.values() for n in drugs}),
                                     "node")
            computed = self._batch.rows_many(base, list(missing.values()))  # type: ignore[attr-defined]
            self._computed += len(missing)
            made = {k: tuple(r) for k, r in zip(missing, computed, strict=True)}
            self._rows.add(bg, made)
            found = [made[k] if r is None else r for k, r in zip(keys, found, strict=True)]
        return (tuple(self._batch.untreated_rows(base)),  # type: ignore[attr-defined]
                found)  # type: ignore[return-value]

    def known_many(self, background: Assignment, regimens: Sequence[Assignment],
                   nodes: Sequence[str]) -> list[tuple[int | None, ...]]:
        """Per regimen, the value (0 or 1) of each of ``nodes`` in every treated state
        :meth:`rows_many` would give, where the exact reductions fix it without settling or
        solving anything (a screen needs no more of a regimen whose score that bounds); None
        where they do not, and everywhere when the engine has no batch evaluator.

        Examples
        --------
        >>> from her2resist.model import load_model
        >>> get_service(load_model()).known_many(  # the second's proliferation moves
        ...     {"PTEN_loss": 1}, [{"trastuzumab": 1}, {"trastuzumab": 1, "PI3Ki": 1}],
        ...     ["Proliferation", "Apoptosis"])
        [(1, 0), (None, 0)]
        """
        many = getattr(self._batch, "known_many", None)
        if many is None:
            return [(None,) * len(nodes)] * len(regimens)
        self.network.check_nodes([*background, *nodes], "node")
        return list(many(self.base(background), regimens, nodes))

    def untreated(self, background: Assignment) -> SimulationResult:
        """The untreated cell under ``background``."""
        return self.treat(background, {}).untreated

    def _simulate(self, bg: Key, background: dict[str, int],
                  drugs: dict[str, int], key: Key) -> RegimenSimulation:
        """Both results of ``drugs`` (whose key is ``key``) on ``background`` (whose key is
        ``bg``), the treated one from the rows :meth:`rows_many` computed if it did."""
        self.network.check_nodes(background, "node")
        self.network.check_nodes(drugs, "node")
        if isinstance(self._batch, _RouteBatch):
            self._computed += 1
            return self._batch.route(background, drugs)
        batch = self._batch
        base = self._base(bg, background)
        untreated = self._untreated.get(bg)
        if untreated is None:  # one result object per background, shared by its regimens
            untreated = self._result(batch.untreated_rows(base), background)  # type: ignore[attr-defined]
            self._untreated.put(bg, untreated)
        rows = self._rows.group(bg).get(key)
        if rows is None:
            rows = tuple(batch.rows(base, drugs))  # type: ignore[attr-defined]
            self._computed += 1
            self._rows.add(bg, {key: rows})
        return RegimenSimulation(untreated, self._result(rows, {**background, **drugs}))

    def _kept(self, background: Mapping[str, int]) -> tuple[str, ...]:
        """Inputs a regimen may switch: every input the background leaves at its default, so
        that one reduced background serves every regimen."""
        return tuple(n for n in self._inputs if n not in background)

    def _result(self, rows: Sequence[Sequence[float]], perturbation: Mapping[str, int]
                ) -> SimulationResult:
        provenance = self._provenance
        if provenance is None:  # the same for every result of this service
            provenance = self._provenance = make_provenance(
                self.network, self.engine.name, solver_version("mpbn"))
        return SimulationResult(
            values=rows, nodes=self._order, probabilities=[1.0 / len(rows)] * len(rows),
            provenance=provenance, perturbation=dict(perturbation),
        )

    # The batch interface of screens and nodal-target searches.
    def base(self, background: Assignment, keep: Iterable[str] = ()) -> object:
        """A background reduced once, on which perturbations of any input it leaves open
        (``keep`` is accepted for clarity; every open input may be perturbed) and of any
        regulated node are evaluated.  One base per background serves every analysis."""
        return self._base(_key(background), background, keep)

    def _base(self, bg: Key, background: Assignment,
              keep: Iterable[str] = ()) -> object:
        """:meth:`base` of ``background``, whose key is ``bg``."""
        found = self._bases.get(bg)
        if found is None:
            found = self._batch.base(background, (*self._kept(background), *keep))
            self._bases.put(bg, found)
        return found

    def untreated_states(self, base: object) -> list[State]:
        """The untreated cell's states on ``base``."""
        return self._batch.untreated(base)

    def attractors(self, base: object, perturbation: Assignment) -> list[State]:
        """Every state reached on ``base`` under ``perturbation``, without repeats."""
        return self._batch.attractors(base, perturbation)

    def satisfies(self, base: object, perturbation: Assignment, readout: Assignment) -> bool:
        """Whether every reached state has every readout node at its value."""
        return self._batch.satisfies(base, perturbation, readout)

    def satisfies_many(self, base: object, perturbations: Sequence[Assignment],
                       readout: Assignment) -> list[bool]:
        """:meth:`satisfies` of each perturbation, computed together where the batch
        evaluator can (one lane each)."""
        many = getattr(self._batch, "satisfies_many", None)
        if many is not None:
            return list(many(base, perturbations, readout))
        return [self._batch.satisfies(base, p, readout) for p in perturbations]

    @property
    def simulations(self) -> int:
        """Simulations computed so far (those the cache answered not counted)."""
        return self._computed

    @property
    def solver_calls(self) -> int:
        return int(getattr(self._batch, "solver_calls", 0))


@dataclass(frozen=True, slots=True)
class _Background:
    background: tuple[tuple[str, int], ...]


class _RouteBatch:
    """The batch interface for engines without an exact batch evaluator: each perturbation is
    simulated along the route (untreated, then treated)."""

    def __init__(self, service: SimulationService) -> None:
        self.service = service
        self.solver_calls = 0

    def route(self, background: dict[str, int], drugs: dict[str, int]) -> RegimenSimulation:
        engine, net = self.service.engine, self.service.network
        self.solver_calls += 1
        start = resting_state(net) if self.service.reachable else None
        untreated = engine.simulate(net, background, initial=start)
        if not drugs:
            return RegimenSimulation(untreated, untreated)
        fixed = {**background, **drugs}
        if not self.service.reachable:
            return RegimenSimulation(untreated, engine.simulate(net, fixed))
        return RegimenSimulation(untreated, engine.continue_from(net, untreated, fixed))

    def base(self, background: Assignment, keep: Iterable[str] = ()) -> object:
        return _Background(_float_key(background))

    def untreated(self, base: object) -> list[State]:
        return self.attractors(base, {})

    def attractors(self, base: object, perturbation: Assignment) -> list[State]:
        if not isinstance(base, _Background):
            raise ParameterError("base", "SimulationService.attractors",
                                 "a value returned by SimulationService.base", base)
        sim = self.service.treat(dict(base.background), perturbation)
        result = sim.treated if perturbation else sim.untreated
        return [dict(result.state(i)) for i in range(result.n_states)]

    def satisfies(self, base: object, perturbation: Assignment, readout: Assignment) -> bool:
        return all(abs(float(row[n]) - v) < 1e-9 for row in self.attractors(base, perturbation)
                   for n, v in readout.items())


_SERVICES: BoundedCache[tuple[object, ...], SimulationService] = BoundedCache(64)


def get_service(network: Network, engine: Engine | str = "most-permissive", *,
                reachable: bool = True) -> SimulationService:
    """The shared service for (model identity, engine identity, mode), created once.

    Examples
    --------
    >>> from her2resist.model import load_model
    >>> get_service(load_model()) is get_service(load_model())
    True
    """
    from her2resist.engines import get_engine

    eng = get_engine(engine) if isinstance(engine, str) else engine
    key = (network.hash, eng.key, reachable)
    found = _SERVICES.get(key)
    if found is None:
        found = SimulationService(network, eng, reachable=reachable)
        _SERVICES.put(key, found)
    return found
