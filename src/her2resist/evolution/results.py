"""What a simulation returns: one row per replicate tumour, and summaries of them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from her2resist.evolution.scenario import Scenario

OUTCOMES = ("eradicated", "progressed", "ongoing")


@dataclass(frozen=True, slots=True)
class EvolutionResult:
    """Replicate tumours simulated under one scenario.

    Attributes
    ----------
    scenario
        The scenario simulated.
    tumours
        One row per replicate. Columns: ``outcome`` (``"eradicated"``, ``"progressed"`` or
        ``"ongoing"`` at the horizon), ``time`` (of that outcome, or the horizon; time from the
        start of treatment), ``time_to_progression`` (NaN unless progressed), ``line`` (line of
        therapy reached, from 1), ``cells_at_start`` (at the start of treatment),
        ``growth_time`` (untreated growth to detection), ``dominant`` (largest type at
        progression, else empty), and ``cells_<type>`` for each type at the time of the outcome.
    trajectories
        Long table ``replicate, time, type, cells`` for the first replicates (``record``).
    seed
        The seed of the random generator, when one was given.
    tumour_steps
        Replicate-steps simulated (growth and treatment), for throughput figures.
    provenance
        Package version and settings.

    Examples
    --------
    >>> from her2resist.evolution import CellType, Rates, Scenario, Schedule, simulate
    >>> cells = CellType("S", Rates(0.2, 0.1), {"T": Rates(0.2, 0.4)})
    >>> scenario = Scenario("one clone", (cells,), (), start={"S": 10}, detection_size=100,
    ...                     schedule=Schedule.continuous(["T"]), dt=1.0, max_time=400)
    >>> result = simulate(scenario, tumours=50, seed=1)
    >>> result.n_tumours, result.p_eradication > 0.9
    (50, True)
    """

    scenario: Scenario
    tumours: pd.DataFrame
    trajectories: pd.DataFrame
    seed: int | None
    tumour_steps: int
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def n_tumours(self) -> int:
        """Number of replicate tumours."""
        return len(self.tumours)

    def probability(self, outcome: str) -> float:
        """Share of replicates with ``outcome`` by the horizon."""
        return float((self.tumours["outcome"] == outcome).mean())

    @property
    def p_eradication(self) -> float:
        """Share of replicate tumours eradicated by the horizon."""
        return self.probability("eradicated")

    def p_eradication_interval(self, z: float = 1.96) -> tuple[float, float]:
        """Wilson score interval of the eradication probability."""
        n, p = self.n_tumours, self.p_eradication
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)

    def survival_curve(self) -> pd.DataFrame:
        """Progression-free share of replicates over time (PFS-like curve).

        Eradicated and ongoing tumours never progress within the horizon, so with one common
        horizon the Kaplan–Meier estimate is the empirical share. Columns: ``time``,
        ``progression_free``.
        """
        ttp = np.sort(self.tumours["time_to_progression"].dropna().to_numpy())
        n = self.n_tumours
        times = np.concatenate([[0.0], ttp, [self.scenario.max_time]])
        free = np.concatenate([[1.0], 1.0 - np.arange(1, ttp.size + 1) / n, [1.0 - ttp.size / n]])
        return pd.DataFrame({"time": times, "progression_free": free})

    @property
    def median_time_to_progression(self) -> float | None:
        """Median progression-free time across replicates; None if more than half of them
        never progress within the horizon."""
        ttp = np.sort(self.tumours["time_to_progression"].dropna().to_numpy())
        half = math.ceil(self.n_tumours / 2)
        return float(ttp[half - 1]) if ttp.size >= half else None

    def composition_at_progression(self) -> pd.DataFrame:
        """Clone composition of the progressed tumours, one row per type.

        Columns: ``alterations`` (the type's mechanisms, ``+``-joined), ``mean_fraction``
        (mean share of the tumour's cells at progression), ``dominant_share`` (share of
        progressions in which it is the largest type).
        """
        names = self.scenario.type_names
        prog = self.tumours[self.tumours["outcome"] == "progressed"]
        cells = prog[[f"cells_{n}" for n in names]].to_numpy(dtype=float)
        totals = cells.sum(axis=1, keepdims=True)
        fractions = cells / np.where(totals > 0, totals, 1.0)
        mean = fractions.mean(axis=0) if len(prog) else np.full(len(names), np.nan)
        dominant = prog["dominant"].value_counts(normalize=True)
        return pd.DataFrame(
            {
                "alterations": ["+".join(t.alterations) for t in self.scenario.types],
                "mean_fraction": mean,
                "dominant_share": [float(dominant.get(n, 0.0)) for n in names],
            },
            index=pd.Index(names, name="type"),
        )

    def _repr_html_(self) -> str:
        """The headline numbers as a card in a notebook."""
        from her2resist._html import card

        headline = self.summary()
        low, high = headline["p_eradication_95ci"]
        fields = [(key, value) for key, value in headline.items()
                  if not isinstance(value, (list, dict))]
        fields.insert(5, ("p_eradication 95% CI", f"{low:.3f} to {high:.3f}"))
        composition = self.composition_at_progression().reset_index()
        return card(f"Evolution: {self.scenario.name}", fields,
                    tables=[("Composition at progression", composition)])

    def summary(self) -> dict[str, Any]:
        """The headline numbers as plain data (what ``her2resist evolve --json`` prints).

        Examples
        --------
        >>> from her2resist.evolution import Rates, Scenario, CellType, Schedule, simulate
        >>> s = Scenario("x", (CellType("S", Rates(1, 0.5), {"A": Rates(1, 3)}),), (),
        ...              {"S": 20}, 20, Schedule.continuous(["A"]), dt=0.5, max_time=50)
        >>> simulate(s, tumours=50, seed=1).summary()["p_eradication"]
        1.0
        """
        comp = self.composition_at_progression()
        low, high = self.p_eradication_interval()
        ttp = self.tumours["time_to_progression"].dropna()
        return {
            "scenario": self.scenario.name,
            "schedule": self.scenario.schedule.kind,
            "tumours": self.n_tumours,
            "seed": self.seed,
            "p_eradication": self.p_eradication,
            "p_eradication_95ci": [low, high],
            "p_progression": self.probability("progressed"),
            "p_ongoing": self.probability("ongoing"),
            "median_time_to_progression": self.median_time_to_progression,
            "median_time_to_progression_if_progressed": float(ttp.median()) if len(ttp) else None,
            "composition_at_progression": {
                name: {
                    "mean_fraction": _plain(row.mean_fraction),
                    "dominant_share": float(row.dominant_share),
                    "alterations": row.alterations,
                }
                for name, row in comp.iterrows()
            },
            "time_unit": self.provenance.get("time_unit", "day"),
            "provenance": self.provenance,
        }


def _plain(value: float) -> float | None:
    return None if math.isnan(value) else float(value)
