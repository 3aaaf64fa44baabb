"""Graded engine: logic ODEs with normalised Hill functions (Odefy's HillCube) on the same rules.

The Boolean rules become ordinary differential equations (Wittmann et al. 2009, BMC Syst Biol
3:98, "Transforming Boolean models to continuous models: methodology and application to T-cell
receptor signaling"; the same semantics as CellNOpt's CNORode, Terfve et al. 2012, BMC Syst
Biol 6:133):

    dx_i/dt = (B_i(f(x_1), ..., f(x_m)) - x_i) / tau_i,   f(x) = x^n (1 + k^n) / (x^n + k^n)

- ``f`` is the *normalised* Hill function: f(0) = 0, f(1) = 1, steep around ``k``;
- ``B_i`` is the multilinear interpolation of node i's Boolean rule (Odefy's HillCube): with
  AND = product, OR = a + b - ab, NOT = 1 - a on a read-once formula, and a Shannon expansion
  ``B = x B|x=1 + (1 - x) B|x=0`` on every regulator the rule reads more than once, so the
  interpolation is exact for any rule;
- input nodes (environment, alterations, drugs) and fixed nodes take *levels* in [0, 1] that
  enter the rules directly: a drug at level 0.9 removes 90% of the activity it blocks, an
  alteration at level 0.4 acts at 40% of its full strength. The pharmacology that turns a dose
  into a level lives in ``predict/graded_inputs.py``, not here.

Boolean limit: with every input at 0 or 1 the interpolation equals the Boolean rule on Boolean
states, so every Boolean fixed point is a steady state of the ODEs, and a stable one since
f'(0) = 0 and f'(1) = n k^n / (1 + k^n) < 1 for the default n = 3, k = 0.5.  Cyclic attractors
of the Boolean model become damped or sustained oscillations: the engine reports the mean over
the final time window.  ``tests/test_engine_graded.py`` checks the engine against the
most-permissive engine on every validation case, and its integrator against scipy's LSODA.

Integration: explicit Euler with step ``dt`` on code generated once per network and set of free
nodes (plain Python floats, or numpy arrays when parameters are sampled), until the largest
change per unit time falls below ``tol`` or ``t_max`` is reached.

Examples
--------
>>> from her2resist.model.formats import read_bnet_text
>>> net = read_bnet_text("A, A\\nB, A & !C\\nC, C")
>>> res = GradedEngine().simulate(net, {"A": 1.0, "C": 0.25})
>>> round(res.value("B"), 3)
0.75
"""

from __future__ import annotations

import operator
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard

from her2resist.engines.base import (
    InitialState,
    Provenance,
    SimulationResult,
    make_provenance,
    resting_state,
    solver_version,
    star_to_float,
    weighted_sum,
)
from her2resist.engines.cache import BoundedCache
from her2resist.engines.graded_code import _compile, _Compiled, interpolation_source
from her2resist.exceptions import ParameterError
from her2resist.model.network import Network

if TYPE_CHECKING:
    import numpy as np

    from her2resist.engines.graded_block import BlockCode

__all__ = ["SAMPLED", "GradedEngine", "HillParameters", "interpolation_source"]

_CACHE_SIZE = 4096
#: Generated integrators kept (one per model and set of held regulated nodes; a cohort of
#: reports needs about ten).
_COMPILED_SIZE = 64
Levels = Mapping[str, float]


@dataclass(frozen=True, slots=True)
class HillParameters:
    """Shape of the normalised Hill transfer and the integration settings.

    ``n`` and ``k`` follow CNORode's defaults (n = 3, k = 0.5); ``tau`` is one time unit for
    every node (the Boolean model has no time scales); ``t_max`` and ``window`` are in those
    units.
    """

    n: float = 3.0
    k: float = 0.5
    tau: float = 1.0
    dt: float = 0.5
    tol: float = 1e-10
    t_max: float = 150.0
    window: float = 30.0

    def check(self) -> None:
        if not (self.n >= 1 and 0 < self.k < 1 and self.tau > 0 and 0 < self.dt <= self.tau):
            raise ParameterError(
                "parameters", "GradedEngine", "n >= 1, 0 < k < 1, tau > 0, 0 < dt <= tau", self
            )


#: Integration settings of sampled runs (a score interval needs 3 decimals, not a class).
SAMPLED = HillParameters(tol=1e-4, t_max=40.0, window=10.0)


# ---------------------------------------------------------------- the engine
def _check_levels(levels: Mapping[str, object], what: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for node, value in levels.items():
        number = star_to_float(value) if value == "*" else value  # type: ignore[arg-type]
        if isinstance(number, bool) or not _is_number(number) or not (
            0.0 <= float(number) <= 1.0
        ):
            raise ParameterError(what, "GradedEngine.simulate",
                                 "a mapping of nodes to levels in [0, 1]", {node: value})
        out[node] = float(number)
    return out


def _is_number(value: object) -> TypeGuard[float]:
    """An int or float, or a numpy floating-point number (numpy not imported for it)."""
    if isinstance(value, (int, float)):
        return True
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.floating)


def _is_samples(value: object) -> bool:
    """Whether ``value`` is a numpy array of samples (``ndim`` >= 1), without numpy."""
    return type(value).__module__ == "numpy" and bool(getattr(value, "ndim", 0))


def _free_values(free: Sequence[int]) -> Callable[[Sequence[float]], Sequence[float]]:
    """A function that picks the values at the ``free`` positions of a state."""
    if len(free) == 1:
        return lambda state: (state[free[0]],)
    return operator.itemgetter(*free) if free else (lambda state: ())


def _largest_change(new: Sequence[float], old: Sequence[float],
                    free: Callable[[Sequence[float]], Sequence[float]]) -> float:
    """``max(|new - old|)`` over the free values (:func:`_free_values`) of two plain-float
    states, as numpy's ``max`` gives it: NaN if any difference is NaN, 0.0 when nothing is
    free."""
    diffs = list(map(abs, map(operator.sub, free(new), free(old))))
    if not diffs:
        return 0.0
    total = sum(diffs)
    return max(diffs) if total == total else total


class GradedEngine:
    """Steady activities of the logic ODEs (see module doc), with a result cache.

    ``simulate`` returns one row: the steady state reached from ``initial`` (every regulated
    node at 0 when ``initial`` is None), or the mean over the last ``window`` time units when
    the activities still oscillate at ``t_max``.
    """

    name = "graded"
    #: Takes input levels in [0, 1]; samples parameter sets (:meth:`integrate_route`).
    graded = True
    #: The engine of its Boolean limit (inputs at 0 or 1), which explains its predictions.
    limit = "most-permissive"

    def __init__(
        self, parameters: HillParameters | None = None, *, cache_size: int = _CACHE_SIZE,
        compiled_size: int = _COMPILED_SIZE,
    ) -> None:
        self.parameters = parameters or HillParameters()
        self.parameters.check()
        self._cache: OrderedDict[tuple[object, ...], SimulationResult] = OrderedDict()
        self._compiled: BoundedCache[tuple[object, ...], Any] = BoundedCache(compiled_size)
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.calls = 0
        #: Column-steps of batched integrations (one column stepped once; benchmarks).
        self.column_steps = 0

    @property
    def key(self) -> tuple[object, ...]:
        return (self.name, repr(self.parameters))

    def continue_from(
        self, network: Network, start: SimulationResult, perturbation: Levels
    ) -> SimulationResult:
        """Steady activities under ``perturbation`` from the (mean) state of ``start``."""
        if start.n_states == 1 and not start.holds_arrays:  # w * v, as numpy's product
            weight, row = start.row_weights[0], start.rows[0]
            initial = {n: weighted_sum((weight,), (v,)) for n, v in zip(start.nodes, row,
                                                                        strict=True)}
        else:
            initial = dict(zip(start.nodes, (start.probabilities @ start.values).tolist(),
                               strict=True))
        return self.simulate(network, perturbation, initial=initial)

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def compiled(self, network: Network, fixed: frozenset[str]) -> _Compiled:
        """The generated integrator of ``network`` with the nodes ``fixed`` held (the
        ``compiled_size`` most recently used are kept)."""
        return self._generated(network, fixed, "plain")  # type: ignore[no-any-return]

    def compiled_block(self, network: Network, fixed: frozenset[str]) -> BlockCode:
        """The generated block integrator (:mod:`~her2resist.engines.graded_block`), kept
        as :meth:`compiled`."""
        return self._generated(network, fixed, "block")  # type: ignore[no-any-return]

    def _generated(self, network: Network, fixed: frozenset[str], kind: str) -> Any:
        held = frozenset(n for n in fixed if not network.nodes[n].is_input)
        key = (network.hash, held, kind)
        found = self._compiled.get(key)
        if found is None:
            if kind == "block":
                from her2resist.engines.graded_block import compile_block

                found = compile_block(network, held)
            else:
                found = _compile(network, held)
            self._compiled.put(key, found)
        return found

    def provenance(self, network: Network) -> Provenance:
        """Provenance of a result computed on ``network`` by this engine."""
        return make_provenance(network, self.name, solver_version("numpy"))

    def start_vector(
        self, network: Network, fixed: Mapping[str, float], initial: Mapping[str, object] | None
    ) -> list[float]:
        start = {**{k: float(v) for k, v in network.defaults().items()},
                 **_check_levels(initial or {}, "initial"), **fixed}
        return [start.get(n, 0.0) for n in network.nodes]

    def simulate(
        self,
        network: Network,
        perturbation: Levels | None = None,
        *,
        initial: InitialState | Levels | None = None,
    ) -> SimulationResult:
        """Steady activities reached from ``initial`` under the input levels ``perturbation``."""
        fixed = _check_levels(perturbation or {}, "perturbation")
        network.check_nodes(list(fixed), "node")
        if initial is not None:
            network.check_nodes(list(initial), "node")
        key = (
            network.hash,
            tuple(sorted(fixed.items())),
            None if initial is None else tuple(sorted((k, str(v)) for k, v in initial.items())),
        )
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        start = self.start_vector(network, fixed, initial)  # type: ignore[arg-type]
        final = [float(v) for v in self.integrate(network, fixed, start)]  # floats in, out
        result = SimulationResult(  # one row of plain floats: no numpy for a one-shot command
            values=[final],
            nodes=tuple(network.nodes),
            probabilities=[1.0],
            provenance=self.provenance(network),
            perturbation=fixed,  # type: ignore[arg-type]
        )
        with self._lock:
            self._cache[key] = result
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result

    def integrate_route(
        self,
        network: Network,
        background: Mapping[str, object],
        treated_levels: Callable[[list[object]], Mapping[str, object]],
        *,
        hill: tuple[object, object] | None = None,
        record: list[tuple[float, list[object]]] | None = None,
        sampled: bool = False,
        groups: Sequence[slice] | None = None,
    ) -> tuple[list[object], list[object]]:
        """The untreated cell from rest under ``background``, then the treated cell from it
        under the levels ``treated_levels(untreated state)``: the simulation route on parameter
        samples (a level, or the Hill ``(n, k)`` of ``hill``, may be one array per sample).

        ``record`` receives the treated trajectory; ``sampled`` uses :data:`SAMPLED`'s
        settings (an interval needs 3 decimals, not a class); ``groups`` splits the samples
        into independent routes (see :meth:`integrate`).  Returns both final states, one
        value (or array) per node in network order.
        """
        index = {n: i for i, n in enumerate(network.nodes)}
        n, k = hill if hill is not None else (None, None)
        quick = SAMPLED if sampled else None
        state: list[object] = list(self.start_vector(network, {}, resting_state(network)))
        for node, value in background.items():
            state[index[node]] = value
        untreated = self.integrate(network, background, state, hill_n=n, hill_k=k,
                                   parameters=quick, groups=groups)
        levels = treated_levels(untreated)
        state = list(untreated)
        for node, value in levels.items():
            state[index[node]] = value
        treated = self.integrate(network, levels, state, hill_n=n, hill_k=k, record=record,
                                 parameters=quick, groups=groups)
        return untreated, treated

    def integrate_route_columns(
        self,
        network: Network,
        backgrounds: Sequence[Mapping[str, float]],
        treated_levels: Callable[[int, list[float]], Mapping[str, float]],
        *,
        hill: tuple[Sequence[float], Sequence[float]],
        sampled: bool = False,
    ) -> list[tuple[list[float], list[float]]]:
        """:meth:`integrate_route` on parameter samples given sample by sample in plain
        floats: sample ``j`` holds ``backgrounds[j]``, then ``treated_levels(j, its untreated
        state)``, with the Hill shape ``(hill[0][j], hill[1][j])``.  The samples step
        together and stop together, on the largest change over all of them, as
        :meth:`integrate_route` does with one numpy array per node, so each sample gets the
        same numbers as there (every operation acts element by element); without numpy,
        whose import costs a one-shot prediction more than its few samples in plain floats.
        Every sample must hold the same nodes.  Returns each sample's untreated and treated
        final states.

        Examples
        --------
        >>> from her2resist.model.formats import read_bnet_text
        >>> net = read_bnet_text("A, A\\nB, A & !C\\nC, C")
        >>> routes = GradedEngine().integrate_route_columns(
        ...     net, [{"A": 1.0}, {"A": 0.5}], lambda j, state: {"C": 0.5},
        ...     hill=([3.0, 3.0], [0.5, 0.5]))
        >>> [round(treated[1], 3) for _, treated in routes]
        [0.5, 0.25]
        """
        index = {n: i for i, n in enumerate(network.nodes)}
        rest = self.start_vector(network, {}, resting_state(network))
        quick = SAMPLED if sampled else None

        def started(bases: Sequence[Sequence[float]], levels: Sequence[Mapping[str, float]]
                    ) -> list[list[float]]:
            if any(set(held) != set(levels[0]) for held in levels):
                raise ParameterError("levels", "GradedEngine.integrate_route_columns",
                                     "the same nodes in every sample", [sorted(x) for x in levels])
            states = []
            for base, held in zip(bases, levels, strict=True):
                state = [float(v) for v in base]
                for node, value in held.items():
                    state[index[node]] = float(value)
                states.append(state)
            return states

        untreated = self._integrate_columns(network, backgrounds[0], started(
            [rest] * len(backgrounds), backgrounds), hill, quick)
        levels = [treated_levels(j, state) for j, state in enumerate(untreated)]
        treated = self._integrate_columns(network, levels[0], started(untreated, levels),
                                          hill, quick)
        return list(zip(untreated, treated, strict=True))

    def _integrate_columns(self, network: Network, fixed: Mapping[str, float],
                           states: list[list[float]], hill: tuple[Sequence[float],
                                                                  Sequence[float]],
                           parameters: HillParameters | None) -> list[list[float]]:
        """:meth:`integrate` of samples held as one plain-float state each, stepped and
        stopped together (see :meth:`integrate_route_columns`)."""
        p, code, _, _, _, dt, chunk = self._stepping(network, fixed, parameters, None, None)
        shapes = [(n, k ** n) for n, k in zip(hill[0], hill[1], strict=True)]
        advance: Callable[..., list[float]] = code.advance  # type: ignore[assignment]
        free = _free_values(code.free)
        t = 0.0
        while t < p.t_max:
            new = [advance(state, chunk, dt, n, kn, 1.0 + kn, False)
                   for state, (n, kn) in zip(states, shapes, strict=True)]
            changes = [_largest_change(a, b, free) for a, b in zip(new, states, strict=True)]
            change = max(changes) if all(c == c for c in changes) else float("nan")
            states, t = new, t + chunk * p.dt
            if change < p.tol * chunk * p.dt:
                return states
        steps = max(1, round(p.window / p.dt))
        return [advance(state, steps, dt, n, kn, 1.0 + kn, True)
                for state, (n, kn) in zip(states, shapes, strict=True)]

    def integrate_routes(self, network: Network, routes: Sequence[Any]
                         ) -> list[tuple[Sequence[object], Sequence[object]]]:
        """:meth:`integrate_route` of each route (objects with ``background``,
        ``treated_levels``, ``hill`` and ``sampled``, as
        :class:`~her2resist.engines.service.Route`), every untreated integration stepped as
        one array, then every treated one (:func:`~her2resist.engines.graded_batch.
        integrate_runs`): the same numbers as route by route.  A route with samples gets its
        states as (nodes, samples) arrays (a row per node), one without as lists."""
        from her2resist.engines.graded_batch import integrate_routes

        self.calls += 2 * len(routes)
        return integrate_routes(self, network, routes)

    def integrate(
        self,
        network: Network,
        fixed: Mapping[str, float],
        start: Sequence[object],
        *,
        parameters: HillParameters | None = None,
        hill_n: object = None,
        hill_k: object = None,
        record: list[tuple[float, list[object]]] | None = None,
        tol: float | None = None,
        groups: Sequence[slice] | None = None,
    ) -> list[float]:
        """Integrate from ``start`` (one value, or one numpy array of samples, per node).

        ``hill_n``/``hill_k`` may be arrays (one per sample) to propagate parameter
        uncertainty; ``record`` receives ``(time, state)`` every time unit; ``tol`` overrides
        the convergence tolerance (a sampled interval needs less precision than a class).
        ``groups`` splits the samples into independent systems (slices of the sample axis):
        each stops where it would alone (its own convergence test, or the mean over the final
        window), so one integration gives every group the numbers of its own.
        """
        if groups is not None:
            return self._integrate_groups(network, fixed, start, groups, parameters=parameters,
                                          hill_n=hill_n, hill_k=hill_k, tol=tol)
        p, code, n, k, kn, dt, chunk = self._stepping(network, fixed, parameters, hill_n,
                                                      hill_k)
        shapes = [v.shape for v in (*start, n, k) if _is_samples(v)]  # type: ignore[attr-defined]
        if shapes:  # samples: every node carries one value per sample
            import numpy as np

            state = [np.broadcast_to(np.asarray(v, dtype=float), shapes[0]).copy() for v in start]
        else:
            state = list(start)
        advance = code.advance_many if shapes else code.advance
        free = _free_values(code.free)
        t = 0.0
        if record is not None:
            record.append((t, list(state)))
        while t < p.t_max:
            new = advance(state, chunk, dt, n, kn, 1.0 + kn, False)
            if shapes:
                change = float(np.max(np.abs(
                    np.array([new[i] for i in code.free], dtype=float)
                    - np.array([state[i] for i in code.free], dtype=float)))) if code.free else 0.0
            else:
                change = _largest_change(new, state, free)  # type: ignore[arg-type]
            state, t = new, t + chunk * p.dt
            if record is not None:
                record.append((t, list(state)))
            if change < (p.tol if tol is None else tol) * chunk * p.dt:
                return [v for v in state]  # type: ignore[misc]
        steps = max(1, round(p.window / p.dt))
        return advance(state, steps, dt, n, kn, 1.0 + kn, True)  # type: ignore[return-value]

    def _stepping(self, network: Network, fixed: Mapping[str, float],
                  parameters: HillParameters | None, hill_n: object, hill_k: object
                  ) -> tuple[HillParameters, _Compiled, object, object, object, float, int]:
        """Settings, generated code, Hill shape and step sizes of one integration."""
        self.calls += 1
        p = parameters or self.parameters
        n = p.n if hill_n is None else hill_n
        k = p.k if hill_k is None else hill_k
        return (p, self.compiled(network, frozenset(fixed)), n, k, k**n,  # type: ignore[operator]
                p.dt / p.tau, max(1, round(1.0 / p.dt)))

    def _integrate_groups(self, network: Network, fixed: Mapping[str, float],
                          start: Sequence[object], groups: Sequence[slice], *,
                          parameters: HillParameters | None, hill_n: object, hill_k: object,
                          tol: float | None) -> list[float]:
        """:meth:`integrate` of independent groups of samples stepped together (element by
        element the same operations; each group's stopping rule applied to its columns)."""
        import numpy as np

        p, code, n, k, kn, dt, chunk = self._stepping(network, fixed, parameters, hill_n,
                                                      hill_k)
        width = max(np.shape(v)[0] for v in (*start, n, k) if np.ndim(v))
        state = [np.broadcast_to(np.asarray(v, dtype=float), (width,)).copy() for v in start]
        limit = (p.tol if tol is None else tol) * chunk * p.dt
        final: list[list[np.ndarray] | None] = [None] * len(groups)
        t = 0.0
        while t < p.t_max and any(f is None for f in final):
            new = code.advance_many(state, chunk, dt, n, kn, 1.0 + kn, False)
            diff = np.abs(np.array([new[i] for i in code.free], dtype=float)
                          - np.array([state[i] for i in code.free], dtype=float))
            state, t = new, t + chunk * p.dt
            for g, cols in enumerate(groups):
                if final[g] is None and (not code.free or float(np.max(diff[:, cols])) < limit):
                    final[g] = [v[cols].copy() for v in state]
        if any(f is None for f in final):
            steps = max(1, round(p.window / p.dt))
            tail = code.advance_many(state, steps, dt, n, kn, 1.0 + kn, True)
            final = [f if f is not None else [v[cols] for v in tail]
                     for f, cols in zip(final, groups, strict=True)]
        return [np.concatenate([f[i] for f in final])  # type: ignore[index]
                for i in range(len(state))]
