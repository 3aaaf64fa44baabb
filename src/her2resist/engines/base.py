"""The engine protocol and the result every engine returns.

An engine takes a :class:`~her2resist.model.network.Network`, a perturbation (nodes fixed to
0 or 1) and optionally an initial state (a mapping node -> 0, 1 or ``'*'``; ``'*'`` means "any
value": a trap space), and returns a :class:`SimulationResult`:

- ``states``: a DataFrame with one row per reached attractor (or final state), one column per
  node; values 0, 1, or 0.5 where the node oscillates inside the attractor (most permissive);
- ``weights``: a Series, the weight of each row (equal weights for attractors, probabilities for
  the stochastic engine), summing to 1;
- ``activity``: per node, the weighted mean of ``states``;
- ``trajectory``: node probabilities over time (stochastic engine), else ``None``
  (``timecourse`` holds the same numbers as arrays);
- ``provenance``: package version, model hash, engine and solver versions, seed.

The result holds its numbers as numpy arrays (``values``, ``probabilities``), or as plain rows
from the exact Boolean route, which makes the arrays (and imports numpy) only when they are
asked for; it builds the DataFrames when they are asked for: the prediction path, which makes
thousands of results in a screen or a report, builds no DataFrame, and a one-shot Boolean
prediction imports no numpy.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Protocol

from her2resist import __version__
from her2resist.common.distributions import installed_version
from her2resist.model.network import Network, Node
from her2resist.model.rules import format_rule

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

InitialState = Mapping[str, int | str]
Perturbation = Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a result came from.

    Examples
    --------
    >>> from her2resist.predict import predict_response
    >>> provenance = predict_response(["PTEN loss"], "trastuzumab").provenance
    >>> provenance.engine, provenance.model_name
    ('most-permissive', 'her2resist HER2 signalling model')
    """

    package_version: str
    model_name: str
    model_hash: str
    engine: str
    solver: str
    seed: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "package_version": self.package_version,
            "model_name": self.model_name,
            "model_hash": self.model_hash,
            "engine": self.engine,
            "solver": self.solver,
            "seed": self.seed,
        }


def make_provenance(
    network: Network, engine: str, solver: str, seed: int | None = None
) -> Provenance:
    return Provenance(__version__, network.name, network.hash, engine, solver, seed)


@cache
def solver_version(distribution: str) -> str:
    loaded = getattr(sys.modules.get(distribution), "__version__", None)
    if isinstance(loaded, str):  # an imported package says its version: no metadata scan
        return f"{distribution} {loaded}"
    installed = installed_version(distribution)
    if installed:
        return f"{distribution} {installed}"
    from importlib import metadata  # ~20 ms of imports: only when nothing above answers

    try:
        return f"{distribution} {metadata.version(distribution)}"
    except metadata.PackageNotFoundError:
        return f"{distribution} (version unknown)"


@cache
def _node_index(nodes: tuple[str, ...]) -> dict[str, int]:
    """Node -> column, shared by every result over the same nodes (read-only)."""
    return {n: i for i, n in enumerate(nodes)}


@dataclass(frozen=True, slots=True)
class Trajectory:
    """Each node's probability of being 1 over time: ``probabilities`` has one row per entry
    of ``times`` and one column per entry of ``nodes``."""

    times: np.ndarray
    nodes: tuple[str, ...]
    probabilities: np.ndarray

    def column(self, node: str) -> np.ndarray:
        """One node's probability at every time."""
        return self.probabilities[:, _node_index(self.nodes)[node]]

    def frame(self) -> pd.DataFrame:
        """The trajectory as a DataFrame (index: time, columns: nodes)."""
        import pandas as pd

        return pd.DataFrame(self.probabilities, index=pd.Index(self.times, name="time"),
                            columns=list(self.nodes))


class SimulationResult:
    """Attractors or final states reached, with weights and provenance (see module doc).

    ``values`` has one row per reached state and one column per entry of ``nodes``;
    ``probabilities`` holds the row weights.  Both may be given as numpy arrays or as plain
    rows and weights (what the exact Boolean route makes): the result then answers
    :meth:`value`, :meth:`state` and :meth:`most` in plain Python and builds the arrays (and
    imports numpy) only when ``values``, ``probabilities`` or :meth:`column` are asked for,
    so that a one-shot Boolean prediction never loads numpy.  Results are immutable.

    Examples
    --------
    >>> from her2resist.engines import get_engine
    >>> from her2resist.model.formats import read_bnet_text
    >>> network = read_bnet_text("A, !B\\nB, !A")
    >>> result = get_engine("most-permissive").simulate(network, {})
    >>> result.n_states, sorted(result.states["A"])
    (2, [0.0, 1.0])
    >>> sorted(result.rows), result.row_weights
    ([(0.0, 1.0), (1.0, 0.0)], (0.5, 0.5))
    """

    __slots__ = ("_arrays", "_index", "_probabilities", "_rows", "_values", "_weights",
                 "nodes", "perturbation", "provenance", "timecourse")

    nodes: tuple[str, ...]
    provenance: Provenance
    perturbation: Mapping[str, int]
    #: Node probabilities over time (stochastic engine), as arrays; see :attr:`trajectory`.
    timecourse: Trajectory | None
    _values: np.ndarray | None
    _probabilities: np.ndarray | None
    _rows: tuple[tuple[float, ...], ...] | None
    _weights: tuple[float, ...] | None
    _index: dict[str, int]
    _arrays: bool

    def __init__(self, values: np.ndarray | Sequence[Sequence[float]], nodes: tuple[str, ...],
                 probabilities: np.ndarray | Sequence[float], provenance: Provenance,
                 perturbation: Mapping[str, int] | None = None,
                 timecourse: Trajectory | None = None) -> None:
        arrays = _is_array(values)
        put = object.__setattr__
        put(self, "nodes", nodes)
        put(self, "provenance", provenance)
        put(self, "perturbation", {} if perturbation is None else perturbation)
        put(self, "timecourse", timecourse)
        put(self, "_values", values if arrays else None)
        put(self, "_probabilities", probabilities if _is_array(probabilities) else None)
        put(self, "_rows", None if arrays else tuple(tuple(map(float, r)) for r in values))
        put(self, "_weights", None if _is_array(probabilities)
            else tuple(map(float, probabilities)))
        put(self, "_index", _node_index(nodes))
        put(self, "_arrays", arrays)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"SimulationResult is immutable: cannot set {name!r}")

    def __reduce__(self) -> tuple[object, ...]:
        return (SimulationResult, (self._values if self._values is not None else self._rows,
                                   self.nodes,
                                   self._probabilities if self._probabilities is not None
                                   else self._weights,
                                   self.provenance, self.perturbation, self.timecourse))

    def __repr__(self) -> str:
        return (f"SimulationResult(values={self.values!r}, nodes={self.nodes!r}, "
                f"probabilities={self.probabilities!r}, provenance={self.provenance!r}, "
                f"perturbation={self.perturbation!r}, timecourse={self.timecourse!r})")

    @property
    def values(self) -> np.ndarray:
        """The reached states as an array (rows: states, columns: nodes)."""
        values = self._values
        if values is None:
            import numpy as np

            rows = self._rows or ()
            values = np.array(rows, dtype=float).reshape(len(rows), len(self.nodes))
            object.__setattr__(self, "_values", values)
        return values

    @property
    def probabilities(self) -> np.ndarray:
        """The weight of each reached state, as an array."""
        weights = self._probabilities
        if weights is None:
            import numpy as np

            weights = np.array(self._weights, dtype=float)
            object.__setattr__(self, "_probabilities", weights)
        return weights

    @property
    def rows(self) -> tuple[tuple[float, ...], ...]:
        """The reached states as plain tuples of floats (node order of ``nodes``)."""
        rows = self._rows
        if rows is None:
            rows = tuple(map(tuple, self.values.tolist()))
            object.__setattr__(self, "_rows", rows)
        return rows

    @property
    def row_weights(self) -> tuple[float, ...]:
        """The weight of each reached state, as plain floats."""
        weights = self._weights
        if weights is None:
            weights = tuple(self.probabilities.tolist())
            object.__setattr__(self, "_weights", weights)
        return weights

    @property
    def holds_arrays(self) -> bool:
        """Whether the result was made from numpy arrays (graded and stochastic engines):
        its arithmetic is then numpy's."""
        return self._arrays

    @property
    def trajectory(self) -> pd.DataFrame | None:
        """Node probabilities over time as a DataFrame (index: time), or None."""
        return None if self.timecourse is None else self.timecourse.frame()

    @property
    def n_states(self) -> int:
        if self._rows is not None:
            return len(self._rows)
        return int(self.values.shape[0])

    @property
    def states(self) -> pd.DataFrame:
        """The reached states as a DataFrame (rows: states, columns: nodes)."""
        import pandas as pd

        return pd.DataFrame(self.values, columns=list(self.nodes))

    @property
    def weights(self) -> pd.Series:
        """The weight of each reached state."""
        import pandas as pd

        return pd.Series(self.probabilities)

    @property
    def activity(self) -> pd.Series:
        """Weighted mean value of every node over the reached states."""
        import pandas as pd

        return pd.Series(self.probabilities @ self.values, index=list(self.nodes))

    def column(self, node: str) -> np.ndarray:
        """The values of one node in every reached state."""
        return self.values[:, self._index[node]]

    def value(self, node: str) -> float:
        """Weighted mean value of one node."""
        if self.holds_arrays:
            return float(self.probabilities @ self.column(node))
        i = self._index[node]
        return weighted_sum(self.row_weights, [row[i] for row in self.rows])

    def most(self, node: str) -> int:
        """The first reached state in which ``node`` is highest (numpy's ``argmax``)."""
        i = self._index[node]
        column = [row[i] for row in self.rows]
        return column.index(max(column))

    def state(self, row: int) -> dict[str, float]:
        """One reached state as a mapping node -> value."""
        return dict(zip(self.nodes, self.rows[row], strict=True))


def weighted_sum(weights: Sequence[float], values: Sequence[float]) -> float:
    """``sum(w * v)`` accumulated in order from 0.0, in plain Python: what numpy's dot gives
    for up to 16 terms; from 17 on (17 or more attractors) numpy's BLAS adds in blocks and the
    two can differ in the last bit.

    Examples
    --------
    >>> weighted_sum((0.5, 0.5), (1.0, 0.0))
    0.5
    """
    total = 0.0
    for w, v in zip(weights, values, strict=True):
        total += w * v
    return total


def _is_array(value: object) -> bool:
    """Whether ``value`` is a numpy array (without importing numpy)."""
    return type(value).__module__ == "numpy" and hasattr(value, "shape")


class Engine(Protocol):
    """What every engine provides.

    ``key`` identifies the engine and every option that changes its answers (seed, samples,
    time), so that the simulation service's cache never mixes two engines' results.

    Examples
    --------
    >>> from her2resist.engines import get_engine
    >>> from her2resist.model.formats import read_bnet_text
    >>> engine = get_engine("most-permissive")
    >>> result = engine.simulate(read_bnet_text("A, A\\nB, A"), {"A": 1})
    >>> result.value("B")
    1.0
    """

    name: str

    @property
    def key(self) -> tuple[object, ...]: ...

    def simulate(
        self,
        network: Network,
        perturbation: Perturbation | None = None,
        *,
        initial: InitialState | None = None,
    ) -> SimulationResult:
        """Attractors (or final states) reached from ``initial`` under ``perturbation``."""
        ...

    def continue_from(
        self, network: Network, start: SimulationResult, perturbation: Perturbation
    ) -> SimulationResult:
        """What is reached under ``perturbation`` from the states of an earlier result (the
        untreated cell): the second half of the simulation route."""
        ...


def resting_state(network: Network) -> dict[str, int]:
    """Every regulated node at 0: the start of the untreated simulation."""
    return {n: 0 for n, node in network.nodes.items() if not node.is_input}


def union_of(results: list[SimulationResult]) -> SimulationResult:
    """Distinct states reached in any of ``results``, equally weighted (the attractors
    reachable from any of several start states)."""
    if len(results) == 1:
        return results[0]
    rows = list(dict.fromkeys(row for r in results for row in r.rows))
    first = results[0]
    return SimulationResult(
        values=rows, nodes=first.nodes, probabilities=[1 / len(rows)] * len(rows),
        provenance=first.provenance, perturbation=first.perturbation,
    )


def star_to_float(value: int | str | float) -> float:
    """0 -> 0.0, 1 -> 1.0, '*' -> 0.5."""
    if value == "*":
        return 0.5
    return float(value)


def reduce_network(network: Network, fixed: Mapping[str, int]) -> tuple[Network, dict[str, int]]:
    """The network without its inputs and fixed nodes, whose values are substituted into the
    rules; returns it with those constant values (MaBoSS then simulates only what can change)."""
    rules = network.simplified_rules(fixed)
    constants = {**network.defaults(), **dict(fixed)}
    nodes = {
        name: Node(id=name, kind="signalling", rule=format_rule(rules[name]))
        for name in network.nodes
        if name not in constants
    }
    return Network(nodes=nodes, name=network.name, source=network.source), constants
