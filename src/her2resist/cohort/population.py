"""A virtual HER2-positive population: ER status, alterations and their co-occurrence.

The population file (default ``cohort/data/her2_population.yaml``, every number cited) gives
the ER-positive share, each alteration's prevalence (overall, or by ER status) and pairs of
alterations whose joint frequency is known (``either``: the share with one or both). A patient
is drawn as: ER status; then, within that ER stratum, each pair from its 2x2 table (marginals of
the stratum, the pair's odds ratio implied by the overall numbers) and every other alteration
independently. So ER status carries the dependence between ER and alterations, and the listed
pairs their own; all other alterations are independent given ER status.

Patients are drawn in chunks with seeds spawned from the trial's seed, so the population
depends on the seed and the number of patients only, never on how the work is split.

Examples
--------
>>> pop = load_population()
>>> draw = pop.sample(200_000, seed=1)
>>> round(float(draw.er_positive.mean()), 2)
0.5
>>> round(float(draw.has("PTEN_low")[~draw.er_positive].mean()), 2)
0.33
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from her2resist.exceptions import CohortError

#: Patients drawn per chunk.
CHUNK = 50_000


@dataclass(frozen=True, slots=True)
class Pair:
    """Two alterations with their odds ratio of co-occurrence."""

    first: str
    second: str
    odds_ratio: float


@dataclass(frozen=True, slots=True)
class Population:
    """Prevalences by ER stratum (``{alteration: (er_negative, er_positive)}``) and pairs."""

    name: str
    er_positive: float
    prevalence: Mapping[str, tuple[float, float]]
    pairs: tuple[Pair, ...]
    sources: Mapping[str, str]

    @property
    def alterations(self) -> tuple[str, ...]:
        """The alterations, in file order (bit ``i`` of a genotype code is alteration ``i``)."""
        return tuple(self.prevalence)

    def sample(self, n: int, *, seed: int) -> Draw:
        """``n`` patients (ER status and alteration bits), drawn in chunks."""
        parts = list(self.sample_chunks(n, seed=seed))
        return Draw(self.alterations, np.concatenate([p.er_positive for p in parts]),
                    np.concatenate([p.codes for p in parts]))

    def sample_chunks(self, n: int, *, seed: int) -> Iterator[Draw]:
        """The same patients as :meth:`sample`, one chunk at a time (flat memory)."""
        sizes = [CHUNK] * (n // CHUNK) + ([n % CHUNK] if n % CHUNK else [])
        for size, child in zip(sizes, np.random.SeedSequence(seed).spawn(len(sizes)),
                               strict=True):
            yield self._chunk(size, np.random.default_rng(child))

    def _chunk(self, n: int, rng: np.random.Generator) -> Draw:
        er = rng.random(n) < self.er_positive
        bits = {name: np.zeros(n, dtype=bool) for name in self.alterations}
        paired = {p.first for p in self.pairs} | {p.second for p in self.pairs}
        for name in self.alterations:
            if name not in paired:
                neg, pos = self.prevalence[name]
                bits[name] = rng.random(n) < np.where(er, pos, neg)
        for pair in self.pairs:
            u = rng.random(n)
            cells = np.stack([_table(self.prevalence[pair.first][int(s)],
                                     self.prevalence[pair.second][int(s)], pair.odds_ratio)
                              for s in (0, 1)])  # rows: ER-, ER+; columns: both, 1 only, 2 only
            c = cells[er.astype(int)]
            bits[pair.first] = u < c[:, 0] + c[:, 1]
            bits[pair.second] = (u < c[:, 0]) | ((u >= c[:, 0] + c[:, 1])
                                                 & (u < c[:, 0] + c[:, 1] + c[:, 2]))
        codes = np.zeros(n, dtype=np.int64)
        for i, name in enumerate(self.alterations):
            codes |= bits[name].astype(np.int64) << i
        return Draw(self.alterations, er, codes)


@dataclass(frozen=True, slots=True)
class Draw:
    """Sampled patients: ER status and a bit code of their alterations."""

    alterations: tuple[str, ...]
    er_positive: np.ndarray
    codes: np.ndarray

    def has(self, alteration: str) -> np.ndarray:
        """Which patients carry ``alteration``."""
        return (self.codes >> self.alterations.index(alteration)) & 1 == 1


def genotype_alterations(code: int, er_positive: bool, alterations: tuple[str, ...]
                         ) -> tuple[str, ...]:
    """Model alteration ids of a genotype code (with ``ER_positive`` when ER-positive)."""
    found = [a for i, a in enumerate(alterations) if code >> i & 1]
    return tuple(sorted(found + (["ER_positive"] if er_positive else [])))


def _table(p: float, q: float, odds_ratio: float) -> tuple[float, float, float]:
    """(both, first only, second only) of a 2x2 table with marginals p, q and an odds ratio."""
    if abs(odds_ratio - 1.0) < 1e-12:
        both = p * q
    else:
        a = odds_ratio - 1.0
        b = -(1.0 + a * (p + q))
        c = odds_ratio * p * q
        both = (-b - math.sqrt(b * b - 4 * a * c)) / (2 * a)
    return both, p - both, q - both


def odds_ratio_from_union(p: float, q: float, either: float) -> float:
    """The odds ratio of two alterations with prevalences p, q, one or both in ``either``.

    Examples
    --------
    >>> round(odds_ratio_from_union(0.23, 0.27, 0.47), 2)
    0.33
    """
    both = p + q - either
    return both * (1 - either) / ((p - both) * (q - both))


def load_population(path: str | Path | None = None) -> Population:
    """Read a population file (default: the package's, every number cited)."""
    from her2resist.common.documents import read_document

    source = Path(path) if path else Path(str(resources.files("her2resist.cohort") / "data"
                                              / "her2_population.yaml"))
    data = read_document(source, error=CohortError).data
    return _population(data, source)


def _fraction(value: Any, where: str, source: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise CohortError(source, f"expected a fraction in [0, 1] (got {value!r})", field=where)
    return float(value)


def _population(data: Any, source: Path) -> Population:
    if not isinstance(data, dict) or "alterations" not in data or "er_positive" not in data:
        raise CohortError(source, "expected a mapping with er_positive and alterations")
    er = _fraction((data["er_positive"] or {}).get("value"), "er_positive.value", source)
    prevalence: dict[str, tuple[float, float]] = {}
    sources = {"er_positive": str(data["er_positive"].get("source", ""))}
    for name, entry in data["alterations"].items():
        value = entry.get("prevalence") if isinstance(entry, dict) else None
        where = f"alterations.{name}.prevalence"
        if isinstance(value, dict):
            prevalence[name] = (_fraction(value.get("er_negative"), where + ".er_negative",
                                          source),
                                _fraction(value.get("er_positive"), where + ".er_positive",
                                          source))
        else:
            prevalence[name] = (_fraction(value, where, source),) * 2
        sources[name] = str(entry.get("source", ""))
    pairs = []
    for i, entry in enumerate(data.get("co_occurrence") or []):
        first, second = entry["alterations"]
        for name in (first, second):
            if name not in prevalence:
                raise CohortError(source, f"unknown alteration {name!r}; listed: "
                                  f"{', '.join(prevalence)}", field=f"co_occurrence.{i}")
        p, q = (er * prevalence[n][1] + (1 - er) * prevalence[n][0] for n in (first, second))
        either = _fraction(entry.get("either"), f"co_occurrence.{i}.either", source)
        pairs.append(Pair(first, second, odds_ratio_from_union(p, q, either)))
    return Population(str(data.get("name", source.stem)), er, prevalence, tuple(pairs), sources)
