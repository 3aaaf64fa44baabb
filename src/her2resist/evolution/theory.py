"""Closed-form results the simulator is tested against.

Bozic et al. 2013 (eLife 2:e00747, doi:10.7554/eLife.00747), two drugs, cell types 00
(sensitive), 10 and 01 (resistant to one drug) and 11 (resistant to both). A tumour grows from
one cell with birth rate ``b`` and death rate ``d`` to ``M`` cells; each division gives a
resistance mutation at rate ``u`` per possible mutation: ``n1`` confer resistance to drug 1
only, ``n2`` to drug 2 only, ``n12`` to both. Under treatment, cells sensitive to at least one
drug die at ``d'`` (birth ``b'``); resistant cells keep ``b`` and ``d``. With ``s = 1 - d/b``
and ``s' = 1 - d'/b'`` (negative), equation 1 of the paper is

    p_erad = p1_up * p1_down * p2_up * p2_down

    p1_up   = exp(-M u n12)                       no 1-step lineage before treatment
    p1_down = exp(M u n12 s / s')                 none during treatment
    p2_up   = exp(M u^2 k [n1 (n2 + n12) log(1/(sM) + u (n2 + n12) k)
                         + n2 (n1 + n12) log(1/(sM) + u (n1 + n12) k)]),  k = (s' - s) / (s s')
    p2_down = exp(-M u^2 (2 n1 n2 + n12 (n1 + n2)) s / s'^2)

The one-step law at detection (Iwasa, Michor and Nowak 2006; Bozic 2013): the probability that
a tumour of ``M`` cells holds no cell of a type that arises at rate ``u`` per division is
``exp(M u log(s) / (1 - s))``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from her2resist.exceptions import ParameterError


@dataclass(frozen=True, slots=True)
class BozicEradication:
    """The four factors of Bozic et al. 2013 equation 1 and their product.

    Attributes
    ----------
    p1_up, p1_down
        No one-step (cross-resistance) lineage arises and survives before / during treatment.
    p2_up, p2_down
        No two-step lineage arises and survives before / during treatment.
    probability
        ``p1_up * p1_down * p2_up * p2_down``.
    """

    p1_up: float
    p1_down: float
    p2_up: float
    p2_down: float

    @property
    def probability(self) -> float:
        """Probability that simultaneous dual therapy eradicates the tumour."""
        return self.p1_up * self.p1_down * self.p2_up * self.p2_down


def _survival(birth: float, death: float, name: str, function: str) -> float:
    if birth <= 0 or death < 0:
        raise ParameterError(
            name, function, "a pair of rates with birth > 0 and death >= 0", (birth, death)
        )
    return 1.0 - death / birth


def bozic_eradication(
    size: float,
    *,
    birth: float,
    death: float,
    treated_death: float,
    mutation_rate: float,
    n1: int,
    n2: int,
    n12: int,
    treated_birth: float | None = None,
) -> BozicEradication:
    """Probability that simultaneous two-drug therapy eradicates a tumour (Bozic 2013 eq. 1).

    Parameters
    ----------
    size
        ``M``, cells at the start of treatment.
    birth, death
        ``b`` and ``d``, of every type before treatment and of doubly resistant cells during it.
    treated_death, treated_birth
        ``d'`` and ``b'`` of cells sensitive to at least one drug (``b'`` defaults to ``b``).
    mutation_rate
        ``u``, per possible mutation and division.
    n1, n2, n12
        Numbers of mutations that confer resistance to drug 1 only, drug 2 only, and both.

    Examples
    --------
    >>> p = bozic_eradication(1e9, birth=0.14, death=0.13, treated_death=0.17,
    ...                       mutation_rate=1e-9, n1=50, n2=50, n12=1)
    >>> round(p.probability, 4)
    0.2632
    """
    fn = "bozic_eradication"
    s = _survival(birth, death, "birth", fn)
    s_t = _survival(
        treated_birth if treated_birth is not None else birth, treated_death, "treated_death", fn
    )
    if not (s > 0 and s_t < 0):
        raise ParameterError(
            "treated_death",
            fn,
            "such that untreated cells grow (d < b) and treated cells shrink (d' > b')",
            (death, treated_death),
        )
    m, u = float(size), float(mutation_rate)
    ratio = (s_t - s) / (s * s_t)
    two_step = (
        m
        * u**2
        * ratio
        * (
            n1 * (n2 + n12) * math.log(1 / (s * m) + u * (n2 + n12) * ratio)
            + n2 * (n1 + n12) * math.log(1 / (s * m) + u * (n1 + n12) * ratio)
        )
    )
    return BozicEradication(
        p1_up=math.exp(-m * u * n12),
        p1_down=math.exp(m * u * n12 * s / s_t),
        p2_up=math.exp(two_step),
        p2_down=math.exp(-m * u**2 * (2 * n1 * n2 + n12 * (n1 + n2)) * s / s_t**2),
    )


def probability_no_mutant(
    size: float, *, birth: float, death: float, mutation_rate: float
) -> float:
    """Probability that a tumour grown to ``size`` cells holds no cell of a one-step type.

    ``exp(M u log(s) / (1 - s))`` with ``s = 1 - d/b``; the mutant type arises at rate ``u``
    per division and has the same rates as its parent.

    Examples
    --------
    >>> round(probability_no_mutant(1e9, birth=0.14, death=0.13, mutation_rate=5e-8), 3)
    0.0
    >>> round(probability_no_mutant(1e5, birth=1.0, death=0.5, mutation_rate=5e-6), 4)
    0.5
    """
    s = _survival(birth, death, "birth", "probability_no_mutant")
    return math.exp(size * mutation_rate * math.log(s) / (1.0 - s))


def probability_no_escape_during_treatment(
    size: float,
    *,
    birth: float,
    death: float,
    treated_birth: float,
    treated_death: float,
    mutation_rate: float,
) -> float:
    """Probability that no surviving resistant lineage arises while ``size`` sensitive cells
    are treated (Michor et al. 2006): ``exp(M u s / s')``.

    Examples
    --------
    >>> round(probability_no_escape_during_treatment(
    ...     1e5, birth=1.0, death=0.5, treated_birth=1.0, treated_death=2.0,
    ...     mutation_rate=1e-5), 4)
    0.6065
    """
    fn = "probability_no_escape_during_treatment"
    s = _survival(birth, death, "birth", fn)
    s_t = _survival(treated_birth, treated_death, "treated_birth", fn)
    if not s_t < 0:
        raise ParameterError("treated_death", fn, "greater than treated_birth", treated_death)
    return math.exp(size * mutation_rate * s / s_t)


def sequential_eradication_bound(
    size: float,
    *,
    birth: float,
    death: float,
    treated_death: float,
    mutation_rate: float,
    n_first: int,
    n12: int,
) -> float:
    """Upper bound on eradication when the drugs are given one after the other.

    The first drug must clear the tumour of every lineage resistant to it, which arises at
    rate ``u (n_first + n12)`` before or during that line; Bozic 2013 shows sequential therapy
    fails in practice. Bound: ``exp(-M u (n_first + n12) (1 - s / s'))``.

    Examples
    --------
    >>> sequential_eradication_bound(1e9, birth=0.14, death=0.13, treated_death=0.17,
    ...                              mutation_rate=1e-9, n_first=50, n12=0) < 1e-20
    True
    """
    fn = "sequential_eradication_bound"
    s = _survival(birth, death, "birth", fn)
    s_t = _survival(birth, treated_death, "treated_death", fn)
    return math.exp(-size * mutation_rate * (n_first + n12) * (1.0 - s / s_t))
