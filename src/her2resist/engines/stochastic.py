"""Stochastic engine: continuous-time Boolean kinetics with MaBoSS (through cmaboss).

Every transition has rate 1 (MaBoSS's default form ``rate_up = @logic ? 1 : 0``).  The result's
``states`` are the final states sampled by MaBoSS (one row per state, ``weights`` their
probabilities), and ``trajectory`` the probability of each node over time.

Examples
--------
>>> from her2resist.model.formats import read_bnet_text
>>> net = read_bnet_text("A, !B\\nB, A\\nC, C")
>>> res = StochasticEngine(sample_count=200, max_time=5).simulate(net, {"C": 1})
>>> round(res.value("C"), 2)
1.0
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

import numpy as np

from her2resist._optional import require
from her2resist.engines.base import (
    InitialState,
    Perturbation,
    SimulationResult,
    Trajectory,
    make_provenance,
    reduce_network,
    solver_version,
)
from her2resist.exceptions import EngineError, ParameterError
from her2resist.model.formats import write_maboss
from her2resist.model.network import Network

#: The builds of MaBoSS in the cmaboss wheel, each with the most nodes it was compiled for.
CMABOSS_BUILDS = ((64, "cmaboss"), (128, "cmaboss_128n"), (256, "cmaboss_256n"),
                  (512, "cmaboss_512n"), (1024, "cmaboss_1024n"))
MAX_NODES = CMABOSS_BUILDS[-1][0]


def cmaboss_for(node_count: int) -> ModuleType:
    """The smallest cmaboss build that holds ``node_count`` nodes (the 64-node default build is
    the fastest; larger models need the ``_128n`` ... ``_1024n`` builds of the same wheel).

    Raises :class:`~her2resist.exceptions.EngineError` past 1,024 nodes and
    :class:`~her2resist.exceptions.MissingDependencyError` without the ``stochastic`` extra.

    Examples
    --------
    >>> cmaboss_for(10).__name__, cmaboss_for(114).__name__
    ('cmaboss', 'cmaboss_128n')
    """
    for limit, name in CMABOSS_BUILDS:
        if node_count <= limit:
            return require(name, "stochastic", "Stochastic simulation with MaBoSS")
    raise EngineError(
        f"MaBoSS (cmaboss) simulates at most {MAX_NODES} nodes; this model has {node_count}."
    )


class StochasticEngine:
    """MaBoSS simulation of phenotype probabilities over time."""

    name = "stochastic"
    #: Boolean inputs (0 or 1); no sampled parameter sets.
    graded = False

    def __init__(
        self,
        *,
        max_time: float = 40.0,
        time_tick: float = 1.0,
        sample_count: int = 2000,
        seed: int = 0,
    ) -> None:
        if sample_count < 1:
            raise ParameterError(
                "sample_count", "StochasticEngine", "a positive integer", sample_count
            )
        if max_time <= 0 or time_tick <= 0:
            raise ParameterError("max_time", "StochasticEngine", "positive", (max_time, time_tick))
        self.max_time = max_time
        self.time_tick = time_tick
        self.sample_count = sample_count
        self.seed = seed
        self.calls = 0

    @property
    def key(self) -> tuple[object, ...]:
        return (self.name, self.max_time, self.time_tick, self.sample_count, self.seed)

    def continue_from(
        self, network: Network, start: SimulationResult, perturbation: Perturbation
    ) -> SimulationResult:
        """MaBoSS from the mean state of ``start`` (each node's probability of being 1)."""
        initial = dict(zip(start.nodes, (start.probabilities @ start.values).tolist(),
                           strict=True))
        return self.simulate(network, perturbation, initial=initial)

    def simulate(
        self,
        network: Network,
        perturbation: Perturbation | None = None,
        *,
        initial: InitialState | Mapping[str, float] | None = None,
    ) -> SimulationResult:
        """Run MaBoSS from ``initial`` (node -> 0, 1, '*' or a probability of being 1)."""
        fixed = {k: int(v) for k, v in (perturbation or {}).items()}
        network.check_nodes(fixed, "node")
        start = {}
        for node, value in (initial or {}).items():
            start[node] = 0.5 if value == "*" else float(value)
        reduced, constants = reduce_network(network, fixed)
        if len(reduced) > MAX_NODES:
            raise EngineError(
                f"MaBoSS (cmaboss) simulates at most {MAX_NODES} nodes; model {network.name!r} "
                f"has {len(reduced)} nodes left once inputs and fixed nodes are substituted."
            )
        maboss = cmaboss_for(len(reduced))
        bnd, cfg = write_maboss(
            reduced,
            None,
            initial={n: p for n, p in start.items() if n in reduced},
            max_time=self.max_time,
            time_tick=self.time_tick,
            sample_count=self.sample_count,
            seed=self.seed,
            outputs=tuple(reduced.nodes),
        )
        self.calls += 1
        try:
            result = maboss.MaBoSSSim(network_str=bnd, config_str=cfg).run()
            probs, times, names, _ = result.get_nodes_probtraj()
            last_probs, _, state_names, _ = result.get_last_probtraj()
        except Exception as exc:  # cmaboss raises its own exception types
            raise EngineError(f"MaBoSS failed on model {network.name!r}: {exc}") from exc
        trajectory = self._trajectory(network, probs, times, names, constants)
        values, weights = self._final_states(
            network, np.asarray(last_probs)[0], state_names, constants
        )
        return SimulationResult(
            values=values,
            nodes=tuple(network.nodes),
            probabilities=weights,
            provenance=make_provenance(
                network, self.name, f"{solver_version('cmaboss')} ({maboss.__name__})", self.seed
            ),
            perturbation=dict(fixed),
            timecourse=trajectory,
        )

    @staticmethod
    def _trajectory(
        network: Network,
        probs: np.ndarray,
        times: list[float],
        names: list[str],
        constants: Mapping[str, int],
    ) -> Trajectory:
        """Every node's probability over time: MaBoSS's nodes as it gives them, substituted
        nodes at their constant value, any other node 0 (built without pandas)."""
        given = np.asarray(probs, dtype=float)
        where = {name: i for i, name in enumerate(names)}
        table = np.zeros((len(times), len(network.nodes)))
        for j, node in enumerate(network.nodes):
            if node in constants:
                table[:, j] = float(constants[node])
            elif node in where:
                table[:, j] = given[:, where[node]]
        return Trajectory(np.asarray(times, dtype=float), tuple(network.nodes), table)

    @staticmethod
    def _final_states(
        network: Network, probs: np.ndarray, state_names: list[str], constants: Mapping[str, int]
    ) -> tuple[np.ndarray, np.ndarray]:
        order = list(network.nodes)
        always = {n for n, v in constants.items() if v}
        rows = []
        for name in state_names:
            active = set() if name == "<nil>" else {s.strip() for s in name.split("--")}
            active |= always
            rows.append([1.0 if n in active else 0.0 for n in order])
        total = probs.sum()
        return np.array(rows, dtype=float), (probs / total if total > 0 else probs)
