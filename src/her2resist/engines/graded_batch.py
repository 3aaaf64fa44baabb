"""Many integrations of the graded engine stepped as one array: the engine's batched call.

A *run* is one integration of :meth:`GradedEngine.integrate
<her2resist.engines.graded.GradedEngine.integrate>`: a start state (one value, or one array of
parameter samples, per node), the input levels it holds, the Hill shape and the integration
settings.  :func:`integrate_runs` steps every run that shares generated code and step size
as columns of one (nodes x columns) array, so a cohort's thousands of routes cost a few hundred
array steps instead of thousands of separate integrations.  The numbers are those of each run
alone, bit for bit (``tests/test_engine_graded.py``), because

- every operation of a step acts on each column element by element (the generated code,
  :mod:`her2resist.engines.graded_code`), so a column's values never depend on its neighbours;
- each run keeps its own stopping rule: its largest change over its own columns, its own
  tolerance, ``t_max`` and final window, tested after the same steps as alone;
- a run that has stopped leaves the array (its columns are dropped), and two runs whose every
  input is identical (start state, levels, Hill shape, settings, code) are integrated once.

Examples
--------
>>> from her2resist.engines.graded import GradedEngine
>>> from her2resist.model.formats import read_bnet_text
>>> net = read_bnet_text("A, A\\nB, A & !C\\nC, C")
>>> engine = GradedEngine()
>>> runs = [Run({"A": 1.0, "C": c}, [1.0, 0.0, c], engine.parameters) for c in (0.25, 0.5)]
>>> [round(final[1], 3) for final in integrate_runs(engine, net, runs)]
[0.75, 0.5]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from her2resist.engines.base import resting_state
from her2resist.engines.graded_block import Block, BlockCode
from her2resist.engines.graded_code import _Compiled
from her2resist.model.network import Network

if TYPE_CHECKING:
    from her2resist.engines.graded import GradedEngine, HillParameters


@dataclass(frozen=True, slots=True)
class Run:
    """One integration: ``fixed`` (the held levels; which regulated nodes it names decides the
    generated code), ``start`` (one value or array per node, in network order, the held
    levels already written in), the settings and the Hill shape (None: the settings');
    ``width``, the number of samples (0: none), is found from them unless given."""

    fixed: Mapping[str, object]
    start: Sequence[object]
    parameters: HillParameters
    hill_n: object = None
    hill_k: object = None
    width: int = -1

    def __post_init__(self) -> None:
        if self.width >= 0:
            return
        # the Hill shape first: a sampled run has one per sample, found without a scan
        width = (self.start.shape[1] if isinstance(self.start, np.ndarray) and self.start.ndim == 2
                 else _width((self.hill_n, self.hill_k, *self.start)))
        object.__setattr__(self, "width", width)


def _width(values: Sequence[object]) -> int:
    """The number of samples (0: every value a number)."""
    for v in values:
        if type(v) is float or v is None:
            continue
        if isinstance(v, np.ndarray):
            if v.ndim:
                return int(v.shape[0])
        elif not isinstance(v, (float, int)) and np.ndim(v):
            return int(np.shape(v)[0])
    return 0


def _is_row(value: object) -> bool:
    return isinstance(value, np.ndarray) and value.ndim > 0


#: Runs without samples stepped one by one in plain floats once only they are left and they are
#: this few (one array step costs about as much as 25 plain-float steps).
_ALONE = 24


@dataclass(slots=True)
class _Column:
    """Where a run's columns sit in the stepped array, and what stops it."""

    run: int
    width: int
    limit: float
    t_max: float
    window: int
    scalar: bool


def integrate_runs(engine: GradedEngine, network: Network, runs: Sequence[Run]
                   ) -> list[Any]:
    """The final state of every run (see module docs): a list of one float per node for a
    run without samples, a read-only (nodes, samples) array (a row per node) otherwise; the
    same numbers as ``engine.integrate(network, run.fixed, run.start, ...)`` run by run."""
    out: list[Any] = [None] * len(runs)
    groups: dict[tuple[object, ...], list[int]] = {}
    inputs = frozenset(network.inputs)
    for i, run in enumerate(runs):
        held = frozenset(run.fixed.keys() - inputs)
        p = run.parameters
        groups.setdefault((held, p.dt, p.tau), []).append(i)
    for (held, _, _), members in groups.items():
        _integrate_group(engine, network, held, [runs[i] for i in members], members, out)
    return out


def integrate_routes(engine: GradedEngine, network: Network, routes: Sequence[Any]
                     ) -> list[tuple[Sequence[object], Sequence[object]]]:
    """:meth:`GradedEngine.integrate_routes <her2resist.engines.graded.GradedEngine.
    integrate_routes>`: every untreated integration stepped as one array, then every treated
    one.  A sampled route's states are (nodes, samples) arrays, a nominal one's lists."""
    from her2resist.engines.graded import SAMPLED

    index = {n: i for i, n in enumerate(network.nodes)}
    rest = engine.start_vector(network, {}, resting_state(network))

    def run(route: Any, fixed: Mapping[str, object], base: Sequence[object]) -> Run:
        n, k = route.hill if route.hill is not None else (None, None)
        start = _started(base, fixed, index, _width((n, k, *fixed.values())))
        # a list holds one number per node (_started): no samples, no scan for them
        return Run(fixed, start, SAMPLED if route.sampled else engine.parameters, n, k,
                   0 if isinstance(start, list) else -1)

    untreated = integrate_runs(engine, network, [run(r, r.background, rest) for r in routes])
    second = [run(route, levels, before) for route, before in zip(routes, untreated, strict=True)
              for levels in (route.treated_levels(before),)]
    return list(zip(untreated, integrate_runs(engine, network, second), strict=True))


def _started(base: Sequence[Any], levels: Mapping[str, Any], index: Mapping[str, int],
             width: int) -> Any:
    """``base`` (a list of one number per node, or a (nodes, width) array) with ``levels``
    written in: a list when nothing is sampled, a (nodes, width) array otherwise."""
    if isinstance(base, np.ndarray):
        width = width or base.shape[1]
    if width == 0:
        state = list(base)
        for node, value in levels.items():
            state[index[node]] = value
        return state
    block = np.empty((len(base), width))
    block[...] = base if isinstance(base, np.ndarray) else np.array(base, dtype=float)[:, None]
    for node, value in levels.items():
        block[index[node]] = value
    return block


def _columns(run: Run, n_default: float, k_default: float) -> np.ndarray:
    """The run's inputs as a (nodes + 2, width) array: start values, then Hill n and k."""
    n = n_default if run.hill_n is None else run.hill_n
    k = k_default if run.hill_k is None else run.hill_k
    if isinstance(run.start, np.ndarray) and run.start.ndim == 2:
        block = np.empty((len(run.start) + 2, run.width))
        block[:-2], block[-2], block[-1] = run.start, n, k
        return block
    values = [*run.start, n, k]
    if run.width == 0:
        return np.array(values, dtype=float).reshape(-1, 1)
    rows = [i for i, v in enumerate(values) if _is_row(v)]
    if any(getattr(values[i], "shape", None) != (run.width,) for i in rows):  # to broadcast
        block = np.empty((len(values), run.width))
        for i, v in enumerate(values):
            block[i] = v
        return block
    taken = set(rows)
    block = np.repeat(np.array([0.0 if i in taken else v for i, v in enumerate(values)],
                               dtype=float)[:, None], run.width, axis=1)
    if rows:
        block[rows] = np.array([values[i] for i in rows], dtype=float)
    return block


def _integrate_group(engine: GradedEngine, network: Network, held: frozenset[str],
                     runs: list[Run], where: list[int], out: list[Any]) -> None:
    code = engine.compiled(network, held)
    first = runs[0].parameters
    # Identical runs are integrated once.
    distinct: dict[tuple[object, ...], int] = {}
    copies: list[int] = []
    blocks: list[np.ndarray] = []
    stops: list[_Column] = []
    chunk = max(1, round(1.0 / first.dt))
    for run in runs:
        p = run.parameters
        block = _columns(run, p.n, p.k)
        key = (block.tobytes(), block.shape, p.tol, p.t_max, p.window)
        found = distinct.get(key)
        if found is None:
            found = distinct[key] = len(blocks)
            blocks.append(block)
            stops.append(_Column(found, block.shape[1], p.tol * chunk * p.dt, p.t_max,
                                 max(1, round(p.window / p.dt)), run.width == 0))
        copies.append(found)
    finals, steps = _step_together(code, engine.compiled_block(network, held),
                                   np.concatenate(blocks, axis=1), stops,
                                   first.dt / first.tau, chunk, chunk * first.dt)
    engine.column_steps += steps
    for run, slot, target in zip(runs, copies, where, strict=True):
        final = finals[slot]
        out[target] = final[:, 0].tolist() if run.width == 0 else final  # read-only


def _step_together(code: _Compiled, block_code: BlockCode, matrix: np.ndarray,
                   stops: list[_Column], dt: float, chunk: int, step_time: float
                   ) -> tuple[list[np.ndarray], int]:
    """Step every column; each run leaves when it converges or reaches its ``t_max`` (then
    it takes the mean over its final window, as alone).  Returns each run's final state as
    a (nodes, width) array, and the column-steps taken (window means included)."""
    nodes = matrix.shape[0] - 2
    finals: list[np.ndarray | None] = [None] * len(stops)
    rows = _Rows(matrix[:nodes], np.array(block_code.layout, dtype=np.intp), stops)
    n = matrix[nodes]
    block = Block(block_code, matrix[rows.layout], block_code.constants(list(matrix[:nodes])),
                  n, matrix[nodes + 1] ** n)
    # the runs whose columns the block holds, in column order; those still integrated (live)
    active = np.arange(len(stops))
    live = np.ones(len(stops), dtype=bool)
    ending = active[rows.t_max <= 0]  # never stepped: the window from the start
    t, steps = 0.0, 0
    while True:
        if ending.size:
            steps += int((rows.widths[ending] * rows.windows[ending]).sum())
            live = _leave(block, rows, active, live, ending, finals, dt)
        block, active, live = _compact(block, rows, active, live)
        if not live.any():
            return finals, steps  # type: ignore[return-value]
        widths = rows.widths[active]
        if live.sum() <= _ALONE and rows.scalar[active[live]].all():
            # A few runs without samples left (nominal routes that converge slowly): an array
            # step costs more than stepping each alone in plain floats, as integrate does.
            at_columns = (np.cumsum(widths) - widths)[live].tolist()  # one column each
            for at, run in zip(at_columns, active[live].tolist(), strict=True):
                column = rows.start[:, rows.origin[run]].tolist()
                for i, v in zip(block_code.layout, block.x[:, at].tolist(), strict=True):
                    column[i] = v
                final, taken = _finish_alone(code, column, t, stops[run], float(block.n[at]),
                                             float(block.kn[at]), dt, chunk, step_time)
                finals[run] = np.array(final, dtype=float).reshape(-1, 1)
                steps += taken
            return finals, steps  # type: ignore[return-value]
        before = block.x  # advance leaves it as it is (no copy)
        new = block.advance(chunk, dt)
        steps += block.width * chunk
        t = t + step_time
        if len(new):
            change = np.abs(np.subtract(new, before, out=before), out=before).max(axis=0)
            largest = np.maximum.reduceat(change, np.cumsum(widths) - widths)
        else:
            largest = np.zeros(active.size)
        converged = live & (largest < rows.limits[active])  # NaN: not converged, as alone
        ending = active[live & ~converged & (t >= rows.t_max[active])]
        if converged.any():
            live = _leave(block, rows, active, live, active[converged], finals, dt, mean=False)


def _finish_alone(code: _Compiled, state: list[float], t: float, stop: _Column, n: float,
                  kn: float, dt: float, chunk: int, step_time: float
                  ) -> tuple[list[float], int]:
    """The rest of one run without samples, stepped alone from ``state`` at time ``t``: the
    loop of :meth:`GradedEngine.integrate <her2resist.engines.graded.GradedEngine.integrate>`
    on plain floats; and the steps it took."""
    from her2resist.engines.graded import _free_values, _largest_change

    steps, free = 0, _free_values(code.free)
    while t < stop.t_max:
        new = code.advance(state, chunk, dt, n, kn, 1.0 + kn, False)
        change = _largest_change(new, state, free)  # type: ignore[arg-type]
        state, t, steps = new, t + step_time, steps + chunk  # type: ignore[assignment]
        if change < stop.limit:
            return state, steps
    final = code.advance(state, stop.window, dt, n, kn, 1.0 + kn, True)
    return final, steps + stop.window  # type: ignore[return-value]


class _Rows:
    """Every node's start rows (``start``: the held nodes keep them), the free nodes' rows
    (``layout``), and each run's columns and stopping rule as arrays (run ``r`` starts at
    column ``origin[r]`` of ``start``)."""

    def __init__(self, start: np.ndarray, layout: np.ndarray, stops: list[_Column]) -> None:
        self.start, self.layout = start, layout
        self.widths = np.array([c.width for c in stops], dtype=np.intp)
        self.origin = np.cumsum(self.widths) - self.widths
        self.limits = np.array([c.limit for c in stops], dtype=float)
        self.t_max = np.array([c.t_max for c in stops], dtype=float)
        self.windows = np.array([c.window for c in stops], dtype=np.intp)
        self.scalar = np.array([c.scalar for c in stops], dtype=bool)

    def record(self, part: np.ndarray, free: np.ndarray,
               finals: list[np.ndarray | None]) -> None:
        """The final states of the runs ``part``, whose free rows are ``free``, side by side."""
        widths = self.widths[part]
        block = self.start.take(_ranges(self.origin[part], widths), axis=1)
        block[self.layout] = free
        block.flags.writeable = False  # each run's columns are a view: shared, not copied
        at = 0
        for run, width in zip(part.tolist(), widths.tolist(), strict=True):
            finals[run] = block[:, at:at + width]
            at += width


def _ranges(starts: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """The column indices ``starts[i], ..., starts[i] + widths[i] - 1`` for each ``i``."""
    return np.repeat(starts - (np.cumsum(widths) - widths), widths) + np.arange(widths.sum())


def _leave(block: Block, rows: _Rows, active: np.ndarray, live: np.ndarray,
           leaving: np.ndarray, finals: list[np.ndarray | None], dt: float, *,
           mean: bool = True) -> np.ndarray:
    """Record the final state of the ``leaving`` runs (as is, or the mean over their final
    window); returns which runs of ``active`` are still integrated."""
    gone = np.isin(active, leaving)
    widths = rows.widths[active]
    if mean:
        windows = rows.windows[active]
        for window in np.unique(windows[gone]).tolist():
            part = gone & (windows == window)
            columns = np.flatnonzero(np.repeat(part, widths))
            rows.record(active[part], block.take(columns).advance(window, dt, mean=True),
                        finals)
    else:
        columns = np.flatnonzero(np.repeat(gone, widths))
        rows.record(active[gone], block.x.take(columns, axis=1), finals)
    return live & ~gone


#: The columns of runs that have left stay in the block (stepped for nothing, never read)
#: until they are this share of it: taking a block's columns costs about half a step of
#: them (200 reports: 60% fewer columns copied for 2.5% more column-steps).
_DEAD_SHARE = 0.125


def _compact(block: Block, rows: _Rows, active: np.ndarray, live: np.ndarray
             ) -> tuple[Block, np.ndarray, np.ndarray]:
    """The block without the columns of runs that have left, once they are
    :data:`_DEAD_SHARE` of it (or every run has left)."""
    widths = rows.widths[active]
    dead = int(widths[~live].sum())
    if not live.any():
        return block, active[:0], live[:0]
    if dead == 0 or dead < _DEAD_SHARE * block.width:
        return block, active, live
    return (block.take(np.flatnonzero(np.repeat(live, widths))), active[live],
            np.ones(int(live.sum()), dtype=bool))
