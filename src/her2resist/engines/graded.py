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

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from her2resist.engines.base import (
    InitialState,
    Provenance,
    SimulationResult,
    make_provenance,
    resting_state,
    solver_version,
    star_to_float,
)
from her2resist.exceptions import ParameterError
from her2resist.model import rules as _rules
from her2resist.model.network import Network

_CACHE_SIZE = 4096
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


# ---------------------------------------------------------------- rule AST adapter
# The rule parser's tree is read only here, through (kind, payload) pairs, so the engine works
# with the tuple tree and with the typed dataclass tree alike.

def _parts(expr: object) -> tuple[str, object]:
    if isinstance(expr, tuple):
        return expr[0], expr[1]
    kind = type(expr).__name__.lower()
    payload = {"const": "value", "var": "name", "not": "arg"}.get(kind, "args")
    return kind, getattr(expr, payload)


def _occurrences(expr: object, counts: dict[str, int]) -> dict[str, int]:
    kind, payload = _parts(expr)
    if kind == "var":
        counts[payload] = counts.get(payload, 0) + 1  # type: ignore[index]
    elif kind == "not":
        _occurrences(payload, counts)
    elif kind in ("and", "or"):
        for sub in payload:  # type: ignore[attr-defined]
            _occurrences(sub, counts)
    return counts


def _read_once_source(expr: object, ref: Callable[[str], str]) -> str:
    kind, payload = _parts(expr)
    if kind == "const":
        return "1.0" if payload else "0.0"
    if kind == "var":
        return ref(str(payload))
    if kind == "not":
        return f"(1.0 - {_read_once_source(payload, ref)})"
    terms = [_read_once_source(sub, ref) for sub in payload]  # type: ignore[attr-defined]
    if kind == "and":
        return "(" + " * ".join(terms) + ")"
    return "(1.0 - " + " * ".join(f"(1.0 - {t})" for t in terms) + ")"


def interpolation_source(expr: object, ref: Callable[[str], str]) -> str:
    """Python source of the multilinear interpolation of ``expr`` (``ref`` names a variable).

    Examples
    --------
    >>> from her2resist.model.rules import parse_rule
    >>> interpolation_source(parse_rule("A & !B"), str.lower)
    '(a * (1.0 - b))'
    >>> src = interpolation_source(parse_rule("(A & B) | (A & C)"), str.lower)
    >>> eval(src, {"a": 0.5, "b": 1.0, "c": 0.0})
    0.5
    """
    repeated = [v for v, c in _occurrences(expr, {}).items() if c > 1]
    if not repeated:
        return _read_once_source(expr, ref)
    name = repeated[0]
    on = interpolation_source(_rules.substitute(expr, {name: 1}), ref)  # type: ignore[arg-type]
    off = interpolation_source(_rules.substitute(expr, {name: 0}), ref)  # type: ignore[arg-type]
    x = ref(name)
    return f"({x} * {on} + (1.0 - {x}) * {off})"


# ---------------------------------------------------------------- code generation
@dataclass(frozen=True, slots=True)
class _Compiled:
    """Generated integrator for one network and one set of free (integrated) nodes."""

    order: tuple[str, ...]
    free: tuple[int, ...]
    advance: Callable[..., list[object]]
    advance_many: Callable[..., list[object]]


class _Term:
    """A subexpression of the generated code: ``parts`` (source text and sub-terms) in the
    order :func:`interpolation_source` writes them; ``const`` when it reads no integrated
    node; ``uses``: how many distinct parents read it."""

    __slots__ = ("const", "key", "name", "parts", "uses")

    def __init__(self, parts: list[object], key: str, const: bool) -> None:
        self.parts, self.key, self.const, self.uses, self.name = parts, key, const, 0, ""


class _Writer:
    """Writes each rule's interpolation as the same floating-point operations, in the same
    order, as :func:`interpolation_source`, but computes every subexpression that reads only
    fixed nodes once, before the time loop, and every subexpression that several rules share
    once per step: the results are bit-identical and a step costs far fewer operations (each
    one a numpy call when parameters are sampled)."""

    def __init__(self, index: Mapping[str, int], free: set[int]) -> None:
        self.index, self.free = index, free
        self.terms: dict[str, _Term] = {}
        self.before: list[str] = []
        self.step: list[str] = []

    # -- building: a DAG of terms, one per distinct subexpression
    def leaf(self, name: str) -> tuple[str, bool]:
        i = self.index[name]
        return (f"h{i}", False) if i in self.free else (f"x{i}", True)

    def term(self, parts: list[object]) -> _Term:
        key = "".join(p.key if isinstance(p, _Term) else str(p[0]) if isinstance(p, tuple)
                      else p for p in parts)
        found = self.terms.get(key)
        if found is None:
            const = all(p.const if isinstance(p, _Term) else p[1] for p in parts
                        if not isinstance(p, str))
            found = _Term(parts, key, const)
            for p in parts:
                if isinstance(p, _Term):
                    p.uses += 1
            self.terms[key] = found
        return found

    def build(self, expr: object) -> object:
        """A term, or a leaf ``(source, const)``."""
        repeated = [v for v, c in _occurrences(expr, {}).items() if c > 1]
        if not repeated:
            return self._once(expr)
        name = repeated[0]
        on = self.build(_rules.substitute(expr, {name: 1}))  # type: ignore[arg-type]
        off = self.build(_rules.substitute(expr, {name: 0}))  # type: ignore[arg-type]
        x = self.leaf(name)
        neg = self.term(["(1.0 - ", x, ")"])
        return self.term(["(", x, " * ", on, " + ", neg, " * ", off, ")"])

    def _once(self, expr: object) -> object:
        kind, payload = _parts(expr)
        if kind == "const":
            return ("1.0" if payload else "0.0"), True
        if kind == "var":
            return self.leaf(str(payload))
        if kind == "not":
            return self.term(["(1.0 - ", self._once(payload), ")"])
        subs = [self._once(sub) for sub in payload]  # type: ignore[attr-defined]
        if kind == "or":
            subs = [self.term(["(1.0 - ", t, ")"]) for t in subs]
        product = self._product(subs)
        return self.term(["(", *product, ")"] if kind == "and" else ["(1.0 - ", *product, ")"])

    def _product(self, factors: list[object]) -> list[object]:
        """``a * b * c`` evaluates left to right, so its leading fixed factors are a
        loop-invariant prefix (the same operations, computed once)."""
        def const(p: object) -> bool:
            return p.const if isinstance(p, _Term) else p[1]  # type: ignore[index,union-attr]

        lead = 0
        while lead < len(factors) and const(factors[lead]):
            lead += 1
        if 1 < lead < len(factors):
            prefix = self.term(_joined(factors[:lead]))
            factors = [prefix, *factors[lead:]]
        return _joined(factors)

    # -- writing
    def source(self, part: object, inside_loop: bool) -> str:
        if isinstance(part, str):
            return part
        if isinstance(part, tuple):
            return str(part[0])
        term: _Term = part  # type: ignore[assignment]
        if term.const:
            if not inside_loop:
                return "".join(self.source(p, False) for p in term.parts)
            if not term.name:
                term.name = f"c{len(self.before)}"
                self.before.append(f"    {term.name} = {self.source(term, False)}")
            return term.name
        text = "".join(self.source(p, True) for p in term.parts)
        if term.uses < 2:
            return text
        if not term.name:
            term.name = f"e{len(self.step)}"
            self.step.append(f"        {term.name} = {text}")
        return term.name


def _joined(factors: list[object]) -> list[object]:
    out: list[object] = []
    for f in factors:
        if out:
            out.append(" * ")
        out.append(f)
    return out


def _compile(network: Network, fixed: frozenset[str]) -> _Compiled:
    order = tuple(network.nodes)
    index = {n: i for i, n in enumerate(order)}
    free = tuple(i for i, n in enumerate(order)
                 if not network.nodes[n].is_input and n not in fixed)
    free_set = set(free)
    read = sorted({index[v] for i in free for v in network.nodes[order[i]].regulators})
    writer = _Writer(index, free_set)
    built = [(i, writer.build(network.nodes[order[i]].expr)) for i in free]
    for _, top in built:  # the rule itself is read once more, by its node's update
        if isinstance(top, _Term):
            top.uses += 1
    targets = [(i, writer.source(top, True)) for i, top in built]
    hill = [line for i in read if i in free_set for line in (
        f"        p = x{i} ** n", f"        h{i} = p * kn1 / (p + kn)")]
    update = [f"        x{i} = x{i} + dt * (t{i} - x{i})" for i in free]
    body = [*hill, *writer.step, *(f"        t{i} = {src}" for i, src in targets), *update]
    every = ", ".join(f"x{i}" for i in range(len(order)))
    lines = [
        "def advance(v, steps, dt, n, kn, kn1, mean):",
        f"    {every}, = v",
        *writer.before,
        "    if not mean:",
        "        for _ in range(steps):",
        *("    " + line for line in body),
        f"        return [{every}]",
        *(f"    s{i} = 0.0" for i in free),
        "    for _ in range(steps):",
        *body,
        *(f"        s{i} = s{i} + x{i}" for i in free),
        f"    out = [{every}]",
        *(f"    out[{i}] = s{i} / steps" for i in free),
        "    return out",
    ]
    # The same steps on samples (every value a numpy array of one value per sample): the Hill
    # transfer and the update act on all integrated nodes at once, as one (nodes, samples)
    # array (element by element, the same operations), the rules node by node.
    if not free:
        lines += ["advance_many = advance"]
    rows = ", ".join(f"h{i}" if i in read else "_" for i in free) or "_"
    many = [
        "        P = X ** n", "        H = P * kn1 / (P + kn)", f"        {rows}, = H",
        *writer.step,
        "        X = X + dt * (np.array([" + ", ".join(src for _, src in targets) + "]) - X)",
    ]
    lines += [
        "def advance_many(v, steps, dt, n, kn, kn1, mean):",
        f"    {every}, = v",
        "    X = np.array([" + ", ".join(f"x{i}" for i in free) + "])",
        *writer.before,
        "    total = 0.0",
        "    for _ in range(steps):",
        *many,
        "        if mean:",
        "            total = total + X",
        "    out = list(v)",
        "    Y = total / steps if mean else X",
        *(f"    out[{i}] = Y[{k}]" for k, i in enumerate(free)),
        "    return out",
    ] if free else []
    namespace: dict[str, object] = {"np": np}
    exec(compile("\n".join(lines), f"<graded:{network.name}>", "exec"), namespace)
    return _Compiled(order, free, namespace["advance"],  # type: ignore[arg-type]
                     namespace["advance_many"])  # type: ignore[arg-type]


# ---------------------------------------------------------------- the engine
def _check_levels(levels: Mapping[str, object], what: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for node, value in levels.items():
        number = star_to_float(value) if value == "*" else value  # type: ignore[arg-type]
        if isinstance(number, bool) or not isinstance(number, (int, float, np.floating)) or not (
            0.0 <= float(number) <= 1.0
        ):
            raise ParameterError(what, "GradedEngine.simulate",
                                 "a mapping of nodes to levels in [0, 1]", {node: value})
        out[node] = float(number)
    return out


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
        self, parameters: HillParameters | None = None, *, cache_size: int = _CACHE_SIZE
    ) -> None:
        self.parameters = parameters or HillParameters()
        self.parameters.check()
        self._cache: OrderedDict[tuple[object, ...], SimulationResult] = OrderedDict()
        self._compiled: dict[tuple[str, frozenset[str]], _Compiled] = {}
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.calls = 0

    @property
    def key(self) -> tuple[object, ...]:
        return (self.name, repr(self.parameters))

    def continue_from(
        self, network: Network, start: SimulationResult, perturbation: Levels
    ) -> SimulationResult:
        """Steady activities under ``perturbation`` from the (mean) state of ``start``."""
        initial = dict(zip(start.nodes, (start.probabilities @ start.values).tolist(),
                           strict=True))
        return self.simulate(network, perturbation, initial=initial)

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def compiled(self, network: Network, fixed: frozenset[str]) -> _Compiled:
        key = (network.hash, frozenset(n for n in fixed if not network.nodes[n].is_input))
        with self._lock:
            found = self._compiled.get(key)
        if found is None:
            found = _compile(network, key[1])
            with self._lock:
                self._compiled[key] = found
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
        final = np.array([self.integrate(network, fixed, start)], dtype=float)
        result = SimulationResult(
            values=final,
            nodes=tuple(network.nodes),
            probabilities=np.ones(1),
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
        self.calls += 1
        p = parameters or self.parameters
        code = self.compiled(network, frozenset(fixed))
        n = p.n if hill_n is None else hill_n
        k = p.k if hill_k is None else hill_k
        kn = k**n  # type: ignore[operator]
        dt = p.dt / p.tau
        chunk = max(1, round(1.0 / p.dt))
        shapes = [np.shape(v) for v in (*start, n, k) if np.ndim(v)]
        if shapes:  # samples: every node carries one value per sample
            state = [np.broadcast_to(np.asarray(v, dtype=float), shapes[0]).copy() for v in start]
        else:
            state = list(start)
        advance = code.advance_many if shapes else code.advance
        t = 0.0
        if record is not None:
            record.append((t, list(state)))
        while t < p.t_max:
            new = advance(state, chunk, dt, n, kn, 1.0 + kn, False)
            change = float(np.max(np.abs(np.array([new[i] for i in code.free], dtype=float)
                                         - np.array([state[i] for i in code.free], dtype=float)))
                           ) if code.free else 0.0
            state, t = new, t + chunk * p.dt
            if record is not None:
                record.append((t, list(state)))
            if change < (p.tol if tol is None else tol) * chunk * p.dt:
                return [v for v in state]  # type: ignore[misc]
        steps = max(1, round(p.window / p.dt))
        return advance(state, steps, dt, n, kn, 1.0 + kn, True)  # type: ignore[return-value]

    def _integrate_groups(self, network: Network, fixed: Mapping[str, float],
                          start: Sequence[object], groups: Sequence[slice], *,
                          parameters: HillParameters | None, hill_n: object, hill_k: object,
                          tol: float | None) -> list[float]:
        """:meth:`integrate` of independent groups of samples stepped together (element by
        element the same operations; each group's stopping rule applied to its columns)."""
        self.calls += 1
        p = parameters or self.parameters
        code = self.compiled(network, frozenset(fixed))
        n = p.n if hill_n is None else hill_n
        k = p.k if hill_k is None else hill_k
        kn = k**n  # type: ignore[operator]
        dt = p.dt / p.tau
        chunk = max(1, round(1.0 / p.dt))
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
