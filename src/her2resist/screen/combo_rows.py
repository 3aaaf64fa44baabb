"""What a screen reads of each combination and of its reached states: the combination's name,
perturbation and ranking key (made once per combinations object), and its control computed
from the reached states' rows with the arithmetic of scoring a result.

Examples
--------
>>> from her2resist.screen.genotypes import default_panel
>>> panel = {a.name: a for a in default_panel()}
>>> perturbation_of([panel["trastuzumab"], panel["everolimus"]])
{'trastuzumab': 1, 'mTORi': 1}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from her2resist.engines.base import SimulationResult, weighted_sum
from her2resist.predict.scoring import APOPTOSIS, PROLIFERATION, control, response_score
from her2resist.screen.genotypes import Agent


def _control(result: SimulationResult, readout: Mapping[str, int]) -> float:
    """Mean control over the reached states: the project's formula, or the share of the
    readout nodes at their values (0.5 where a node oscillates)."""
    if not readout:
        return control(result)
    hits = np.zeros(result.n_states)
    for node, value in readout.items():
        column = result.column(node)
        hits += np.where(column == 0.5, 0.5, (column == value).astype(float))
    return float(result.probabilities @ (hits / len(readout)))


def perturbation_of(combo: Iterable[Agent]) -> dict[str, int]:
    """The union of the agents' node settings."""
    return {n: v for agent in combo for n, v in agent.nodes}


@dataclass(frozen=True, slots=True)
class _Facts:
    """What scoring and ranking read of each combination: name, perturbation, its key."""

    names: tuple[str, ...]
    perturbations: tuple[dict[str, int], ...]
    keys: tuple[frozenset[tuple[str, int]], ...]


_FACTS: dict[int, tuple[tuple[tuple[Agent, ...], ...], _Facts]] = {}


def _facts(combos: Sequence[tuple[Agent, ...]]) -> _Facts:
    """The facts of ``combos``, made once per combinations object (a report screens every
    tumour on the same object; the entry holds it, so its id is not reused meanwhile)."""
    found = _FACTS.get(id(combos))
    if found is not None and found[0] is combos:
        return found[1]
    perturbations = tuple(perturbation_of(c) for c in combos)
    facts = _Facts(tuple(" + ".join(a.name for a in c) for c in combos), perturbations,
                   tuple(frozenset(p.items()) for p in perturbations))
    if isinstance(combos, tuple):
        if len(_FACTS) >= 64:
            _FACTS.clear()
        _FACTS[id(combos)] = (combos, facts)
    return facts


def _control_rows(rows: Sequence[Sequence[float]], index: Mapping[str, int],
                  readout: Mapping[str, int]) -> float:
    """:func:`_control` of the service's result made of ``rows`` (equal weights), computed
    from the rows without building it: the same arithmetic, so the same float (plain Python
    as :func:`~her2resist.predict.scoring.control` on rows, numpy as :func:`_control` for a
    readout)."""
    weights = [1.0 / len(rows)] * len(rows)
    if not readout:
        p, a = index[PROLIFERATION], index[APOPTOSIS]
        return weighted_sum(weights, [(1.0 - row[p]) / 2.0 + (row[a] / 2.0) * (1.0 - row[p] / 2.0)
                                      for row in rows])
    hits = np.zeros(len(rows))
    for node, value in readout.items():
        column = np.array([row[index[node]] for row in rows], dtype=float)
        hits += np.where(column == 0.5, 0.5, (column == value).astype(float))
    return float(np.array(weights, dtype=float) @ (hits / len(readout)))


@lru_cache(maxsize=1024)
def score_range(c_untreated: float, values: tuple[int | None, int | None]
                ) -> tuple[float, float]:
    """The lowest and the highest score of a regimen whose reached states all have
    Proliferation and Apoptosis at ``values`` (None: any value, 0, 1 or oscillating), however
    many states it reaches: one number where that decides the score.

    A state's control falls as Proliferation rises and grows with Apoptosis; the regimen's
    control is the mean over its states, computed in floating point (:func:`_control_rows`)
    within far less than 1e-9 of a value between the extremes; the score is monotone in the
    control (rounded to 6 decimals).

    Examples
    --------
    >>> score_range(0.0, (1, 0)), score_range(0.0, (0, None))
    ((0.0, 0.0), (0.5, 1.0))
    """
    p, a = values
    index = {PROLIFERATION: 0, APOPTOSIS: 1}
    low = _control_rows([(1 if p is None else p, 0 if a is None else a)], index, {})
    high = _control_rows([(0 if p is None else p, 1 if a is None else a)], index, {})
    return (response_score(c_untreated, low - 1e-9), response_score(c_untreated, high + 1e-9))
