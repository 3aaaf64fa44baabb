"""Progression-free survival of a virtual trial, from the evolution module's clone dynamics.

Each patient's tumour is a multi-type branching process (:mod:`her2resist.evolution`): the
founder clone carries the patient's genotype; each alteration of the population file that the
genotype lacks can be acquired (a resistant subclone, seeded by mutation at
:data:`MUTATION_RATE` per division while the tumour grows from :data:`START_CELLS` to
:data:`DETECTION_SIZE` cells).
Under an arm's regimen each clone's rates come from the model's response score of its own
genotype (:func:`her2resist.evolution.regimen.scenario_for_regimens`, the documented
score-to-rate map), and a tumour progresses when it regrows past 1.2 times its detection size
and its nadir (the evolution module's rule).

An arm may give a ``maintenance`` regimen after ``induction_days`` (the taxane cycles are
over, the antibodies go on): the clones' rates switch then (the evolution module's sequential
schedule with a time switch).

**Time scale.** Model days become months through one factor, fitted once on one reference
arm and never per trial: the control arm of CLEOPATRA (trastuzumab + docetaxel for six cycles,
then trastuzumab; median PFS 12.4 months; Baselga J, N Engl J Med 2012;366:109-19, PMID
22149875), simulated in
:data:`REFERENCE_PATIENTS` patients of the package's population with a fixed seed. Every trial
then uses that factor. When the reference arm never progresses in the model, no factor can be
fitted and PFS is reported in model days with a warning.

**Growth kinetics differ between patients.** Tumours of one genotype do not grow at one
rate: breast cancer volume doubling times are log-normally spread (mean 185 days, median 164,
range 66-521 in 69 patients; Zhang S, Med Sci Monit 2017;23:3147-53, PMID 28652562; a
log-normal with that mean and median has log-SD sqrt(2 ln(185/164)) = 0.49,
:data:`GROWTH_LOG_SD`). Each virtual patient's untreated net growth rate is therefore
``0.01 * exp(0.49 z)`` per day, z standard normal (median 0.01, the rate of Bozic et al.),
with the birth rate 0.14 kept and the death rate making up the rest; a drug's effect follows
the documented score-to-rate map from the patient's own rate. Without this spread every
tumour of a genotype regrows on the same day, so PFS differs between arms only through which
genotypes regrow at all, and a subgroup's hazard ratio is degenerate. The rates are drawn
in :data:`GROWTH_STRATA` equiprobable strata of z (their medians), so the simulation runs once
per (arm, genotype, stratum).

Assumptions (documented, not fitted): untreated birth rate 0.14 per day and median death
rate 0.13 (Bozic et al., eLife 2013, as in examples/evolution/), no fitness cost of
resistance, :data:`MUTATION_RATE` per alteration per division, assessment once per
three-week cycle (dt = 21 days, the q3w schedule of docetaxel, trastuzumab and pertuzumab).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from her2resist.cohort import stats
from her2resist.cohort.predictions import Genotype, PredictionTable, Predictor, predict_genotypes
from her2resist.evolution.rates import Rates
from her2resist.evolution.regimen import scenario_for_regimens
from her2resist.evolution.scenario import CellType, Mutation, Scenario, Schedule
from her2resist.evolution.simulate import simulate

if TYPE_CHECKING:
    from her2resist.cohort.trial import Arm, Cells, TrialSpec

UNTREATED = Rates(birth=0.14, death=0.13)
#: Log-SD of the patients' untreated net growth rates (see module docs; Zhang 2017).
GROWTH_LOG_SD = 0.49
#: Equiprobable strata of the growth rate's normal deviate, simulated at their medians.
GROWTH_STRATA = 6
MUTATION_RATE = 1e-7
#: The founder clone starts at this size (no resistant cell yet) and grows to detection.
#: Fewer than 0.1 % of the divisions before detection happen below it, so starting here
#: rather than from one cell loses about that share of the expected pre-existing mutants
#: and saves two thirds of the growth simulation.
START_CELLS = 1_000_000
DETECTION_SIZE = 1e9
DT_DAYS = 21.0
MAX_DAYS = 3650.0
REFERENCE_MEDIAN_MONTHS = 12.4
#: The reference arm: docetaxel with trastuzumab for six three-weekly cycles (the protocol
#: recommended at least six), then trastuzumab alone until progression.
REFERENCE_ARM = ("trastuzumab + docetaxel", "trastuzumab")
REFERENCE_INDUCTION_DAYS = 126.0
REFERENCE: dict[str, object] = {
    "trial": "CLEOPATRA", "arm": "trastuzumab + docetaxel for 126 days, then trastuzumab",
    "median_months": REFERENCE_MEDIAN_MONTHS,
    "source": "Baselga J, N Engl J Med 2012;366:109-19, PMID 22149875"}
REFERENCE_PATIENTS = 1000
REFERENCE_SEED = 20120109
_SCALES: dict[tuple[Any, Any], tuple[float | None, float]] = {}


def _with(genotype: Genotype, alteration: str) -> Genotype:
    return Genotype(tuple(sorted({*genotype.alterations, alteration})), genotype.her2_negative)


def pfs_pairs(pairs: Iterable[tuple[Genotype, str]], alterations: tuple[str, ...],
              arms: Iterable[Arm] = ()) -> set[tuple[Genotype, str]]:
    """The (genotype, regimen) pairs the PFS simulation needs: every clone (founder and
    acquired subclones) under every regimen of the arms' schedules."""
    genotypes = {g for g, _ in pairs}
    clones = genotypes | {_with(g, a) for g in genotypes for a in alterations
                          if a not in g.alterations}
    labels = {r for _, r in pairs} | {label for arm in arms for label in arm.schedule}
    return {(g, r) for g in clones for r in labels}


def growth_rates() -> list[Rates]:
    """The untreated rates of the :data:`GROWTH_STRATA` strata (see module docs).

    Examples
    --------
    >>> [round(r.net, 4) for r in growth_rates()][:3]
    [0.0051, 0.0072, 0.009]
    """
    from scipy.special import ndtri

    z = ndtri((np.arange(GROWTH_STRATA) + 0.5) / GROWTH_STRATA)
    net = UNTREATED.net * np.exp(GROWTH_LOG_SD * z)
    return [Rates(UNTREATED.birth, round(UNTREATED.birth - float(r), 12)) for r in net]


def tumour_scenario(genotype: Genotype, arm: Arm, alterations: tuple[str, ...],
                    table: PredictionTable, untreated: Rates = UNTREATED) -> Scenario:
    """The founder clone and its acquirable resistant subclones under the arm's schedule
    (the regimen, then the maintenance after ``induction_days``), rates from the scores and
    the patient's ``untreated`` rates."""
    acquired = [a for a in alterations if a not in genotype.alterations]
    types = (CellType("founder", untreated, alterations=genotype.alterations),
             *(CellType(f"+{a}", untreated, alterations=_with(genotype, a).alterations)
               for a in acquired))
    base = Scenario(f"{'+'.join(genotype.alterations) or 'no alteration'}", types,
                    tuple(Mutation("founder", f"+{a}", MUTATION_RATE) for a in acquired),
                    {"founder": START_CELLS}, DETECTION_SIZE, Schedule("continuous", ()),
                    dt=DT_DAYS, max_time=MAX_DAYS)

    def score(alts: Iterable[str], label: str) -> float:
        key = Genotype(tuple(sorted(alts)), genotype.her2_negative)
        return table.rows[(key, label)].score

    scenario = scenario_for_regimens(base, list(arm.schedule), score)
    if arm.maintenance is None or arm.induction_days is None:
        return scenario
    return scenario.with_schedule(Schedule.sequential(*[[r] for r in arm.schedule],
                                                      switch=arm.induction_days))


def _times(scenario: Scenario, n: int, seed: np.random.SeedSequence) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """(time in days, progressed) of ``n`` tumours; non-progressed are censored."""
    result = simulate(scenario, tumours=n, seed=int(seed.generate_state(1)[0]), record=0)
    table = result.tumours
    progressed = (table["outcome"] == "progressed").to_numpy()
    return table["time"].to_numpy(dtype=float), progressed


def reference_time_scale(predictor: Predictor | None = None, engine: str | None = None
                         ) -> tuple[float | None, float]:
    """(months per model day or None, reference median in days), cached per predictor."""
    key = (predictor, engine)
    if key in _SCALES:
        return _SCALES[key]
    from her2resist.cohort.population import load_population
    from her2resist.cohort.regimens import read_written_regimen
    from her2resist.cohort.trial import Arm, randomise

    arm = Arm("reference", read_written_regimen(REFERENCE_ARM[0]),
              maintenance=read_written_regimen(REFERENCE_ARM[1]),
              induction_days=REFERENCE_INDUCTION_DAYS)
    population = load_population()
    cells = randomise(population, (arm,), REFERENCE_PATIENTS, REFERENCE_SEED)
    pairs = {(cells.genotype(er, code), arm.written.label)
             for er, code in zip(*np.nonzero(cells.counts[0]), strict=True)}
    table = predict_genotypes(sorted(pairs | pfs_pairs(pairs, population.alterations, [arm])),
                              predictor=predictor, engine=engine)
    times, events = _arm_times(cells, 0, arm, table, REFERENCE_SEED, None)
    median = stats.median_survival(times, events.astype(int))
    scale = REFERENCE_MEDIAN_MONTHS / median if np.isfinite(median) else None
    _SCALES[key] = (scale, median)
    return scale, median


def _arm_times(cells: Cells, a: int, arm: Arm, table: PredictionTable, seed: int,
               limit: float | None, extra: bool = False) -> Any:
    times, events, er, pik3ca = [], [], [], []
    k_pik3ca = cells.alterations.index("PIK3CA_mut") if "PIK3CA_mut" in cells.alterations \
        else None
    for e, code in zip(*np.nonzero(cells.counts[a]), strict=True):
        n = int(cells.counts[a, e, code])
        if limit is not None:
            n = max(1, round(n * limit))
        sequence = np.random.SeedSequence([seed, 3, a, int(e), int(code)])
        split, run = sequence.spawn(2)
        strata = np.random.default_rng(split).multinomial(n, [1 / GROWTH_STRATA]
                                                          * GROWTH_STRATA)
        for rates, count, stream in zip(growth_rates(), strata, run.spawn(GROWTH_STRATA),
                                        strict=True):
            if count:
                scenario = tumour_scenario(cells.genotype(e, code), arm, cells.alterations,
                                           table, rates)
                t, p = _times(scenario, int(count), stream)
                times.append(t)
                events.append(p)
        er.append(np.full(n, bool(e)))
        pik3ca.append(np.full(n, k_pik3ca is not None and bool(code >> k_pik3ca & 1)))
    out = (np.concatenate(times), np.concatenate(events))
    return (*out, np.concatenate(er), np.concatenate(pik3ca)) if extra else out


@dataclass(frozen=True, slots=True)
class PfsResult:
    """Per-patient PFS, Kaplan-Meier curves per arm, hazard ratios against the control."""

    patients: pd.DataFrame  # arm, time, event, er_positive, pik3ca
    unit: str
    scale: float | None
    reference_median_days: float
    curves: dict[str, pd.DataFrame]
    hazard_ratios: pd.DataFrame
    medians: dict[str, float]
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "time_scale": {"months_per_model_day": self.scale,
                           "reference": REFERENCE,
                           "reference_median_model_days": self.reference_median_days},
            "arms": [{"arm": arm, "n": int((self.patients["arm"] == arm).sum()),
                      "events": int(self.patients.loc[self.patients["arm"] == arm,
                                                      "event"].sum()),
                      "median": median} for arm, median in self.medians.items()],
            "hazard_ratios": self.hazard_ratios.replace({np.nan: None}).to_dict(
                orient="records"),
        }


def simulate_pfs(spec: TrialSpec, cells: Cells, table: PredictionTable, *, seed: int,
                 predictor: Predictor | None = None, engine: str | None = None,
                 limit: int | None = None) -> PfsResult:
    """Simulate every patient's tumour under its arm (see module docs)."""
    scale, reference_days = reference_time_scale(predictor, engine)
    warnings = []
    unit = "months"
    if scale is None:
        unit, factor, horizon = "model days", 1.0, MAX_DAYS
        warnings.append("the reference arm (CLEOPATRA control) never progresses in the model, "
                        "so no time scale could be fitted: PFS is in model days")
    else:
        factor, horizon = scale, spec.follow_up_months
    fraction = None if limit is None else min(1.0, limit / max(int(cells.counts.sum()), 1))
    frames = []
    for a, arm in enumerate(spec.arms):
        t, p, er, pik3ca = _arm_times(cells, a, arm, table, seed, fraction,
                                      extra=True)
        months = t * factor
        frames.append(pd.DataFrame({"arm": arm.name, "time": np.minimum(months, horizon),
                                    "event": (p & (months <= horizon)).astype(int),
                                    "er_positive": er, "pik3ca": pik3ca}))
    patients = pd.concat(frames, ignore_index=True)
    curves, medians = {}, {}
    for arm in spec.arms:
        part = patients[patients["arm"] == arm.name]
        curves[arm.name] = stats.kaplan_meier(part["time"].to_numpy(), part["event"].to_numpy())
        curves[arm.name].attrs["n"] = len(part)
        medians[arm.name] = stats.median_survival(part["time"].to_numpy(),
                                                  part["event"].to_numpy())
    return PfsResult(patients, unit, scale, reference_days, curves,
                     _hazard_ratios(spec, patients), medians, tuple(warnings))


def _hazard_ratios(spec: TrialSpec, patients: pd.DataFrame) -> pd.DataFrame:
    rows = []
    subgroups = {"all": np.ones(len(patients), bool),
                 "ER-positive": patients["er_positive"].to_numpy(bool),
                 "ER-negative": ~patients["er_positive"].to_numpy(bool),
                 "PIK3CA mutant": patients["pik3ca"].to_numpy(bool),
                 "PIK3CA wild-type": ~patients["pik3ca"].to_numpy(bool)}
    for arm in spec.arms:
        if arm.name == spec.control:
            continue
        for name, mask in subgroups.items():
            part = patients[mask & patients["arm"].isin([arm.name, spec.control]).to_numpy()]
            fit = stats.cox(part["time"].to_numpy(), part["event"].to_numpy(),
                            (part["arm"] == arm.name).to_numpy(float))
            published = next((p.value for p in spec.published if p.arm == arm.name
                              and p.endpoint == "PFS_HR" and p.subgroup == name), None)
            rows.append({"arm": arm.name, "versus": spec.control, "subgroup": name,
                         "n": len(part), "events": int(part["event"].sum()),
                         "hazard_ratio": fit.hazard_ratio, "low": fit.low, "high": fit.high,
                         "p": fit.p, "published": published})
    return pd.DataFrame(rows)
