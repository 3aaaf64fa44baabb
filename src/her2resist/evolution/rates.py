"""From the model's response scores to birth and death rates under each drug.

A response score ``x`` in [0, 1] (higher = better control, see ``her2resist.predict``) moves a
clone's net growth rate linearly from its untreated value ``r0 = b0 - d0`` (``x = 0``: the drug
does nothing) to ``-max_kill_rate`` (``x = 1``: the fastest decline the drug achieves in a
fully sensitive tumour). The change ``delta = x (r0 + max_kill_rate)`` is split between the
two rates: a fraction ``cytostatic_fraction`` lowers the birth rate (never below 0), the rest
raises the death rate::

    birth = max(0, b0 - f delta),    death = d0 + (1 - f) delta + overflow

where ``overflow`` is the part of ``f delta`` the birth rate could not absorb. A clone is
controlled (shrinks) when ``x > r0 / (r0 + max_kill_rate)``. The default, ``max_kill_rate =
0.03`` per day with a purely cytotoxic effect, is the median decline of lesions under
vemurafenib used by Bozic et al. 2013 (``d' - b = 0.03``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from her2resist.exceptions import ParameterError


@dataclass(frozen=True, slots=True)
class Rates:
    """Birth and death rate of one cell type under one condition (per unit of time).

    Examples
    --------
    >>> round(Rates(birth=0.14, death=0.17).net, 2)
    -0.03
    """

    birth: float
    death: float

    @property
    def net(self) -> float:
        """Net growth rate, ``birth - death``."""
        return self.birth - self.death


def rate_from_score(
    score: float,
    untreated: Rates,
    *,
    max_kill_rate: float = 0.03,
    cytostatic_fraction: float = 0.0,
) -> Rates:
    """Rates of a clone under a drug with response ``score``, by the mapping above.

    Examples
    --------
    >>> rate_from_score(1.0, Rates(0.14, 0.13))
    Rates(birth=0.14, death=0.17)
    >>> rate_from_score(0.0, Rates(0.14, 0.13)) == Rates(0.14, 0.13)
    True
    """
    fn = "rate_from_score"
    if not (isinstance(score, (int, float)) and math.isfinite(score) and 0 <= score <= 1):
        raise ParameterError("score", fn, "a number in [0, 1]", score)
    if not (math.isfinite(max_kill_rate) and max_kill_rate >= 0):
        raise ParameterError("max_kill_rate", fn, "a number >= 0", max_kill_rate)
    if not 0 <= cytostatic_fraction <= 1:
        raise ParameterError("cytostatic_fraction", fn, "a number in [0, 1]", cytostatic_fraction)
    delta = score * max(untreated.net + max_kill_rate, 0.0)
    birth_drop = min(cytostatic_fraction * delta, untreated.birth)
    death = untreated.death + delta - birth_drop
    return Rates(birth=round(untreated.birth - birth_drop, 15), death=round(death, 15))


def rates_from_scores(
    scores: Mapping[str, Mapping[str, float]],
    untreated: Mapping[str, Rates] | Rates,
    *,
    max_kill_rate: float = 0.03,
    cytostatic_fraction: float = 0.0,
) -> dict[str, dict[str, Rates]]:
    """Birth and death rates of each clone type under each drug, from response scores.

    Parameters
    ----------
    scores
        ``{clone type: {drug (or regimen label): score in [0, 1]}}``.
    untreated
        The untreated rates, one :class:`Rates` for every type or a mapping per type (that
        includes the fitness cost of resistance).
    max_kill_rate
        Net decline rate of a clone whose score is 1 (per unit of time).
    cytostatic_fraction
        Share of the effect that lowers the birth rate rather than raising the death rate.

    Returns
    -------
    dict
        ``{clone type: {drug: Rates}}``, in the order of ``scores``.

    Examples
    --------
    >>> rates = rates_from_scores({"S": {"T": 1.0}, "PI3K": {"T": 0.25}}, Rates(0.14, 0.13))
    >>> rates["S"]["T"].net, rates["PI3K"]["T"].net
    (-0.03, 0.0)
    """
    out: dict[str, dict[str, Rates]] = {}
    for clone, by_drug in scores.items():
        if isinstance(untreated, Rates):
            base = untreated
        elif clone in untreated:
            base = untreated[clone]
        else:
            raise ParameterError(
                "untreated",
                "rates_from_scores",
                f"a Rates or a mapping with every clone type of scores (missing {clone!r})",
                sorted(untreated),
            )
        out[clone] = {
            drug: rate_from_score(
                score, base, max_kill_rate=max_kill_rate, cytostatic_fraction=cytostatic_fraction
            )
            for drug, score in by_drug.items()
        }
    return out
