"""From reached states to a response score and class.

Per reached state (attractor or final state) the *control* of the tumour cell is

    c = (1 - P) / 2 + (A / 2) * (1 - P / 2)

with P and A the values of ``Proliferation`` and ``Apoptosis`` (0, 1, or 0.5 where the node
oscillates inside a cyclic attractor; probabilities for the stochastic engine).  A dividing,
surviving cell is not controlled (c = 0); an arrested cell scores 0.5, an arrested and dying
cell 1; a cell that keeps dividing while it is being killed (immune killing of a cell whose
signalling escapes) scores 0.25, half of what arrest gives.  The regimen's control is the
weighted mean over reached states.

The **response score** is the control the regimen adds to the untreated cell, relative to what
could be added:  ``score = max(0, c_treated - c_untreated) / (1 - c_untreated)``.  A cell that
the model finds already arrested without treatment (no proliferative drive, e.g. after HER2 loss)
has nothing a drug can add: its score is 0 and a warning says why.

Classes: ``sensitive`` when score >= 0.5 (proliferation stopped in every reached state),
``resistant`` when score < 0.25 (proliferation continues in most reached states), ``partial``
between (proliferation oscillates, or some reached states still divide).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from her2resist.engines.base import SimulationResult, weighted_sum

if TYPE_CHECKING:
    import pandas as pd

PROLIFERATION = "Proliferation"
APOPTOSIS = "Apoptosis"
SENSITIVE_AT = 0.5
RESISTANT_BELOW = 0.25
RESPONSE_CLASSES = ("sensitive", "partial", "resistant")


@dataclass(frozen=True, slots=True)
class Readout:
    """Phenotype nodes read from a network (defaults: the project's model)."""

    proliferation: str = PROLIFERATION
    apoptosis: str | None = APOPTOSIS


def control_per_state(states: pd.DataFrame, readout: Readout = Readout()) -> pd.Series:
    """The control value c of every row of ``states`` (see module docs)."""
    growth = states[readout.proliferation]
    death = states[readout.apoptosis] if readout.apoptosis else 0.0
    return (1.0 - growth) / 2.0 + (death / 2.0) * (1.0 - growth / 2.0)


def control(result: SimulationResult, readout: Readout = Readout()) -> float:
    """Weighted mean control over the reached states (numpy's arithmetic on a result made of
    arrays, the same in plain Python on one made of rows: no numpy import for it)."""
    if result.holds_arrays:
        import numpy as np

        growth = result.column(readout.proliferation)
        death = result.column(readout.apoptosis) if readout.apoptosis else 0.0
        per_state = (1.0 - growth) / 2.0 + (death / 2.0) * (1.0 - growth / 2.0)
        return float(np.dot(per_state, result.probabilities))
    p, a = _positions(result.nodes, readout)
    return control_rows(result.rows, result.row_weights, p, a)


def control_rows(rows: Sequence[Sequence[float]], weights: Sequence[float], p: int,
                 a: int | None) -> float:
    """:func:`control` of reached states given as rows (``p``, ``a``: the columns of the
    proliferation and apoptosis nodes; ``a`` None: no apoptosis node) and their weights.

    Examples
    --------
    >>> control_rows([(1.0, 0.0), (0.0, 1.0)], (0.5, 0.5), 0, 1)
    0.5
    """
    return weighted_sum(weights, [
        (1.0 - row[p]) / 2.0 + ((row[a] if a is not None else 0.0) / 2.0) * (1.0 - row[p] / 2.0)
        for row in rows])


#: The last (nodes, readout) asked for and their columns: every result of one service shares
#: its node tuple, so the columns are looked up once rather than twice a score.
_LAST: tuple[object, object, int, int | None] = ((), None, 0, None)


def _positions(nodes: tuple[str, ...], readout: Readout) -> tuple[int, int | None]:
    """The columns of ``readout``'s nodes in ``nodes``."""
    global _LAST
    last = _LAST
    if last[0] is nodes and last[1] is readout:
        return last[2], last[3]
    p = nodes.index(readout.proliferation)
    a = nodes.index(readout.apoptosis) if readout.apoptosis else None
    _LAST = (nodes, readout, p, a)
    return p, a


def response_score(c_untreated: float, c_treated: float) -> float:
    """The control a regimen adds, relative to what could be added (0 when nothing can).

    Rounded to 6 decimals: the graded engine approaches a Boolean value within its integration
    tolerance (1e-9), which must not move a score across a class threshold.

    Examples
    --------
    >>> round(response_score(0.25, 0.75), 3)
    0.667
    """
    room = 1.0 - c_untreated
    if room <= 1e-6:
        return 0.0
    return round(min(1.0, max(0.0, (c_treated - c_untreated) / room)), 6)


def response_class(score: float) -> str:
    """'sensitive', 'partial' or 'resistant' from the score (thresholds in module docs).

    Examples
    --------
    >>> response_class(0.6), response_class(0.3), response_class(0.1)
    ('sensitive', 'partial', 'resistant')
    """
    if score >= SENSITIVE_AT:
        return "sensitive"
    if score < RESISTANT_BELOW:
        return "resistant"
    return "partial"
