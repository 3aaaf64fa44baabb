"""The engine protocol and the result every engine returns.

An engine takes a :class:`~her2resist.model.network.Network`, a perturbation (nodes fixed to
0 or 1) and optionally an initial state (a mapping node -> 0, 1 or ``'*'``; ``'*'`` means "any
value": a trap space), and returns a :class:`SimulationResult`:

- ``states``: one row per reached attractor (or final state), one column per node; values 0, 1,
  or 0.5 where the node oscillates inside the attractor (most permissive) ;
- ``weights``: the weight of each row (equal weights for attractors, probabilities for the
  stochastic engine), summing to 1;
- ``activity``: per node, the weighted mean of ``states``;
- ``trajectory``: node probabilities over time (stochastic engine), else ``None``;
- ``provenance``: package version, model hash, engine and solver versions, seed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from typing import Protocol

import pandas as pd

from her2resist import __version__
from her2resist.model.network import Network, Node
from her2resist.model.rules import format_rule

InitialState = Mapping[str, int | str]
Perturbation = Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a result came from."""

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
    try:
        return f"{distribution} {metadata.version(distribution)}"
    except metadata.PackageNotFoundError:
        return f"{distribution} (version unknown)"


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """Attractors or final states reached, with weights and provenance (see module doc)."""

    states: pd.DataFrame
    weights: pd.Series
    provenance: Provenance
    perturbation: Mapping[str, int] = field(default_factory=dict)
    trajectory: pd.DataFrame | None = None

    @property
    def activity(self) -> pd.Series:
        """Weighted mean value of every node over the reached states."""
        values = self.weights.to_numpy() @ self.states.to_numpy()
        return pd.Series(values, index=self.states.columns)

    def value(self, node: str) -> float:
        """Weighted mean value of one node."""
        return float(self.weights.to_numpy() @ self.states[node].to_numpy())

    def as_records(self) -> list[dict[str, object]]:
        """Rows as plain dictionaries (for JSON), with their weight."""
        rows = []
        for idx, row in self.states.iterrows():
            rows.append({"weight": float(self.weights[idx]), "state": row.to_dict()})
        return rows


class Engine(Protocol):
    """What every engine provides."""

    name: str

    def simulate(
        self,
        network: Network,
        perturbation: Perturbation | None = None,
        *,
        initial: InitialState | None = None,
    ) -> SimulationResult:
        """Attractors (or final states) reached from ``initial`` under ``perturbation``."""
        ...


def star_to_float(value: int | str) -> float:
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
