"""Simulate a regimen on a tumour cell: first the untreated cell, then the treatment from it.

The untreated cell's state is computed with the cell's alterations and environment and no
drug, starting from a resting cell (every regulated node at 0).  The treatment then starts
from that state (from each untreated attractor, for the most-permissive engine), so that
adaptive responses (FOXO-driven HER3 re-expression, the E2F/cyclin E loop of cells already in
cycle, ER switching) play out as they would in a treated tumour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from her2resist.engines import get_engine
from her2resist.engines.base import Engine, SimulationResult
from her2resist.engines.mp import attractor_dicts
from her2resist.model.network import Network


@dataclass(frozen=True, slots=True)
class RegimenSimulation:
    """The untreated and the treated results of one simulation."""

    untreated: SimulationResult
    treated: SimulationResult


def resting_state(network: Network) -> dict[str, int]:
    """Every regulated node at 0: the start of the untreated simulation."""
    return {n: 0 for n, node in network.nodes.items() if not node.is_input}


def simulate_regimen(
    network: Network,
    background: Mapping[str, int],
    drugs: Mapping[str, int],
    *,
    engine: Engine | str = "most-permissive",
) -> RegimenSimulation:
    """Untreated then treated simulation (see module docs)."""
    eng = get_engine(engine) if isinstance(engine, str) else engine
    untreated = eng.simulate(network, dict(background), initial=resting_state(network))
    fixed = {**dict(background), **dict(drugs)}
    if eng.name != "most-permissive":
        start = dict(zip(untreated.nodes, (untreated.probabilities @ untreated.values).tolist(),
                         strict=True))
        return RegimenSimulation(untreated, eng.simulate(network, fixed, initial=start))
    results = [eng.simulate(network, fixed, initial=att) for att in attractor_dicts(untreated)]
    return RegimenSimulation(untreated, _union(results))


def _union(results: list[SimulationResult]) -> SimulationResult:
    """Distinct attractors reached from any untreated attractor, equally weighted."""
    if len(results) == 1:
        return results[0]
    rows = list(dict.fromkeys(tuple(row) for r in results for row in r.values.tolist()))
    first = results[0]
    return SimulationResult(
        values=np.array(rows), nodes=first.nodes, probabilities=np.full(len(rows), 1 / len(rows)),
        provenance=first.provenance, perturbation=first.perturbation,
    )
