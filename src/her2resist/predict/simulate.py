"""Simulate a regimen on a tumour cell: first the untreated cell, then the treatment from it.

The route itself lives in the simulation service (:mod:`her2resist.engines.service`); this
module is its entry point for the prediction layer.

Examples
--------
>>> from her2resist.model import load_model
>>> sim = simulate_regimen(load_model(), {"PTEN_loss": 1}, {"trastuzumab": 1})
>>> sim.treated.value("Proliferation")
1.0
"""

from __future__ import annotations

from collections.abc import Mapping

from her2resist.engines import EXACT_ENGINE
from her2resist.engines.base import Engine, resting_state
from her2resist.engines.service import RegimenSimulation, get_service
from her2resist.model.network import Network

__all__ = ["RegimenSimulation", "resting_state", "simulate_regimen"]


def simulate_regimen(
    network: Network,
    background: Mapping[str, int],
    drugs: Mapping[str, int],
    *,
    engine: Engine | str = EXACT_ENGINE,
) -> RegimenSimulation:
    """Untreated then treated simulation through the shared simulation service.

    Examples
    --------
    >>> from her2resist.model.formats import read_bnet_text
    >>> network = read_bnet_text("HER2, HER2\\nDrug, Drug\\nERK, HER2 & !Drug")
    >>> sim = simulate_regimen(network, {"HER2": 1}, {"Drug": 1})
    >>> sim.untreated.value("ERK"), sim.treated.value("ERK")
    (1.0, 0.0)
    """
    return get_service(network, engine).treat(background, drugs)
