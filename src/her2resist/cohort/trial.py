"""Virtual trials: a sampled HER2-positive population randomised to regimens.

A trial file names the arms (regimens, written as clinical files write them), the response
endpoint (``pCR`` or ``ORR``), the control arm, whether to simulate progression-free survival,
and optionally the published results to set beside the predictions (see
``examples/trials/``). :func:`run_trial`:

1. draws ``patients`` patients from the population file (:mod:`her2resist.cohort.population`)
   and randomises them to the arms (allocation ratios of the file), in chunks;
2. predicts each distinct (genotype, arm) once (:func:`predict_genotypes`; ``scheduler``
   spreads the predictions over a Dask cluster);
3. draws each patient's response from its response probability (a binomial draw per
   (arm, genotype) cell: the same distribution as one draw per patient), and reports per arm
   and subgroup the observed virtual rate with its Wilson 95 % interval and the expected rate
   (mean probability);
4. with ``pfs: true``, simulates progression-free survival from clone dynamics
   (:mod:`her2resist.cohort.pfs`).

Examples
--------
>>> spec = trial_from_dict({"name": "demo", "endpoint": "pCR", "arms": [
...     {"name": "H", "regimen": "trastuzumab"}, {"name": "HP", "regimen": "HP"}]})
>>> result = run_trial(spec, patients=200, seed=1)
>>> int(result.response.query("subgroup == 'all'")["n"].sum())
200
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from her2resist.cohort.population import Draw, Population, genotype_alterations, load_population
from her2resist.cohort.predictions import (
    DEFAULT_ENGINE,
    Genotype,
    PredictionTable,
    Predictor,
    Progress,
    predict_genotypes,
)
from her2resist.cohort.regimens import WrittenRegimen, read_written_regimen
from her2resist.cohort.stats import wilson
from her2resist.exceptions import CohortError

ENDPOINTS = ("pCR", "ORR")
#: Subgroups reported per arm: name -> (mask over (er_positive, has(alteration)) cells).
SUBGROUPS = ("all", "HR-positive", "HR-negative", "PIK3CA mutant", "PIK3CA wild-type",
             "any alteration", "no alteration")


@dataclass(frozen=True, slots=True)
class Arm:
    """One arm: its name, the regimen as written and as read, and its allocation weight.

    ``maintenance`` (PFS only) is what follows the regimen after ``induction_days``: e.g. the
    antibodies alone once the taxane cycles are over.
    """

    name: str
    written: WrittenRegimen
    allocation: float = 1.0
    maintenance: WrittenRegimen | None = None
    induction_days: float | None = None

    @property
    def schedule(self) -> tuple[str, ...]:
        """Regimen labels given one after the other (PFS simulation)."""
        if self.maintenance is None:
            return (self.written.label,)
        return (self.written.label, self.maintenance.label)


@dataclass(frozen=True, slots=True)
class Published:
    """A published result to set beside the prediction (rate or hazard ratio)."""

    arm: str
    subgroup: str
    endpoint: str
    value: float
    source: str
    versus: str | None = None


@dataclass(frozen=True, slots=True)
class TrialSpec:
    """A virtual trial (see module docs and ``examples/trials/``)."""

    name: str
    arms: tuple[Arm, ...]
    endpoint: str = "pCR"
    control: str | None = None
    pfs: bool = False
    follow_up_months: float = 60.0
    population: Population | None = None
    published: tuple[Published, ...] = ()
    setting: str = ""
    source: str = "<trial>"


@dataclass(frozen=True, slots=True)
class TrialResult:
    """Response per arm and subgroup, optional PFS, and what the numbers rest on."""

    spec: TrialSpec
    patients: int
    seed: int
    response: pd.DataFrame
    probability_source: str
    pfs: Any = None
    warnings: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (documented in docs/cohort.md)."""
        from her2resist.cohort.cohort import _jsonable

        population = self.spec.population or load_population()
        return _jsonable({
            "trial": self.spec.name, "patients": self.patients, "seed": self.seed,
            "endpoint": self.spec.endpoint,
            "arms": [{"name": a.name, "regimen": a.written.text, "read_as": a.written.label,
                      "not_modelled": list(a.written.not_modelled),
                      "defaults": list(a.written.notes),
                      "maintenance": a.maintenance.label if a.maintenance else None,
                      "induction_days": a.induction_days} for a in self.spec.arms],
            "response": self.response.replace({np.nan: None}).to_dict(orient="records"),
            "pfs": None if self.pfs is None else self.pfs.to_dict(),
            "probability": self.probability_source,
            "population": {"name": population.name, "sources": dict(population.sources)},
            "warnings": list(self.warnings), **self.settings,
        })


def _field(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str,
           source: str, default: Any = None) -> Any:
    value = data.get(key, default)
    if value is None and default is None:
        raise CohortError(source, f"missing {key!r}", field=f"{where}{key}")
    if not isinstance(value, kind) or isinstance(value, bool):
        wanted = "text" if kind is str else "a list" if kind is list else "a number"
        raise CohortError(source, f"{key!r} must be {wanted}, got {value!r}",
                          field=f"{where}{key}")
    return value


def trial_from_dict(data: Any, *, source: str = "<trial>") -> TrialSpec:
    """Validate a trial given as plain data (the parsed YAML)."""
    if not isinstance(data, dict):
        raise CohortError(source, "a trial file is a mapping with name, endpoint and arms")
    endpoint = _field(data, "endpoint", str, "", source, "pCR")
    if endpoint not in ENDPOINTS:
        raise CohortError(source, f"endpoint must be one of {ENDPOINTS}, got {endpoint!r}",
                          field="endpoint")
    arms_data = _field(data, "arms", list, "", source)
    if len(arms_data) < 1:
        raise CohortError(source, "at least one arm is needed", field="arms")
    arms = []
    for i, arm in enumerate(arms_data):
        if not isinstance(arm, dict):
            raise CohortError(source, "an arm is a mapping with name and regimen",
                              field=f"arms.{i}")
        name = str(_field(arm, "name", str, f"arms.{i}.", source))
        written = read_written_regimen(_field(arm, "regimen", str, f"arms.{i}.", source))
        weight = float(_field(arm, "allocation", (int, float), f"arms.{i}.", source, 1))
        if weight <= 0:
            raise CohortError(source, "allocation must be > 0", field=f"arms.{i}.allocation")
        maintenance, days = None, None
        if arm.get("maintenance") is not None:
            maintenance = read_written_regimen(_field(arm, "maintenance", str, f"arms.{i}.",
                                                      source))
            days = float(_field(arm, "induction_days", (int, float), f"arms.{i}.", source))
            if days <= 0:
                raise CohortError(source, "induction_days must be > 0",
                                  field=f"arms.{i}.induction_days")
        arms.append(Arm(name, written, weight, maintenance, days))
    names = [a.name for a in arms]
    control = data.get("control", names[0])
    if control not in names:
        raise CohortError(source, f"control {control!r} is not an arm; arms: {names}",
                          field="control")
    published = tuple(_published(p, i, names, source)
                      for i, p in enumerate(data.get("published") or []))
    population = data.get("population")
    return TrialSpec(
        name=str(_field(data, "name", str, "", source)), arms=tuple(arms), endpoint=endpoint,
        control=control, pfs=bool(data.get("pfs", False)),
        follow_up_months=float(data.get("follow_up_months", 60.0)),
        population=load_population(Path(source).parent / population) if population else None,
        published=published, setting=str(data.get("setting", "")), source=source,
    )


def _published(p: Any, i: int, names: list[str], source: str) -> Published:
    where = f"published.{i}."
    if not isinstance(p, dict):
        raise CohortError(source, "a published entry is a mapping", field=where[:-1])
    arm = _field(p, "arm", str, where, source)
    versus = p.get("versus")
    for name in (arm, versus):
        if name is not None and name not in names:
            raise CohortError(source, f"{name!r} is not an arm; arms: {names}", field=where)
    return Published(arm, str(p.get("subgroup", "all")), str(_field(p, "endpoint", str, where,
                                                                      source)),
                     float(_field(p, "value", (int, float), where, source)),
                     str(p.get("source", "")), versus)


def read_trial(path: str | Path) -> TrialSpec:
    """Read a trial YAML file (errors name the file, line and field)."""
    from her2resist.common.documents import read_document

    doc = read_document(path, error=CohortError)
    try:
        return trial_from_dict(doc.data, source=str(path))
    except CohortError as exc:
        if exc.line is not None or exc.field is None:
            raise
        loc = tuple(int(k) if k.isdigit() else k for k in exc.field.split("."))
        raise CohortError(exc.path, exc.detail, line=doc.line(loc), field=exc.field) from None


@dataclass(frozen=True, slots=True)
class Cells:
    """Patients counted by (arm, ER status, alteration code): the trial's sufficient data."""

    counts: np.ndarray  # shape (arms, 2, 2**K)
    alterations: tuple[str, ...]

    def genotype(self, er: int, code: int) -> Genotype:
        return Genotype(genotype_alterations(code, bool(er), self.alterations))


def randomise(population: Population, arms: tuple[Arm, ...], patients: int, seed: int
              ) -> Cells:
    """Sample and randomise ``patients`` in chunks; only the cell counts are kept."""
    k = len(population.alterations)
    counts = np.zeros((len(arms), 2, 2**k), dtype=np.int64)
    weights = np.array([a.allocation for a in arms], dtype=float)
    for i, chunk in enumerate(population.sample_chunks(patients, seed=seed)):
        rng = np.random.default_rng(np.random.SeedSequence([seed, 1, i]))
        arm = rng.choice(len(arms), size=len(chunk.codes), p=weights / weights.sum())
        flat = (arm * 2 + chunk.er_positive) * 2**k + chunk.codes
        counts += np.bincount(flat, minlength=counts.size).reshape(counts.shape)
    return Cells(counts, population.alterations)


def _masks(cells: Cells) -> dict[str, np.ndarray]:
    """Boolean masks over (ER, code) cells for each subgroup."""
    k = len(cells.alterations)
    codes = np.arange(2**k)
    er = np.array([[0], [1]]).repeat(2**k, axis=1).astype(bool)
    code = np.broadcast_to(codes, er.shape)
    pik3ca = (code >> cells.alterations.index("PIK3CA_mut") & 1).astype(bool) \
        if "PIK3CA_mut" in cells.alterations else np.zeros_like(er)
    return {"all": np.ones_like(er), "HR-positive": er, "HR-negative": ~er,
            "PIK3CA mutant": pik3ca, "PIK3CA wild-type": ~pik3ca,
            "any alteration": code > 0, "no alteration": code == 0}


def response_table(spec: TrialSpec, cells: Cells, table: PredictionTable, seed: int
                   ) -> pd.DataFrame:
    """Per arm and subgroup: n, responders (drawn), rate, Wilson interval, expected rate."""
    probability = np.zeros(cells.counts.shape)
    for a, arm in enumerate(spec.arms):
        for er, code in zip(*np.nonzero(cells.counts[a]), strict=True):
            probability[a, er, code] = table.rows[(cells.genotype(er, code),
                                                   arm.written.label)].response_probability
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2]))
    responders = rng.binomial(cells.counts, probability)
    rows = []
    for a, arm in enumerate(spec.arms):
        for name, mask in _masks(cells).items():
            n = int(cells.counts[a][mask].sum())
            r = int(responders[a][mask].sum())
            low, high = wilson(r, n)
            expected = float((cells.counts[a][mask] * probability[a][mask]).sum() / n) \
                if n else float("nan")
            published = next((p.value for p in spec.published if p.arm == arm.name
                              and p.subgroup == name and p.endpoint == spec.endpoint), None)
            rows.append({"arm": arm.name, "subgroup": name, "n": n, "responders": r,
                         "rate": r / n if n else float("nan"), "low": low, "high": high,
                         "expected": expected, "published": published})
    return pd.DataFrame(rows)


def run_trial(spec: TrialSpec, *, patients: int = 1000, seed: int = 0,
              predictor: Predictor | None = None, engine: str | None = None,
              scheduler: str | Any | None = None, progress: Progress | None = None,
              pfs_patients: int | None = None) -> TrialResult:
    """Run the virtual trial ``spec`` (see module docs).

    Parameters
    ----------
    spec
        The trial, from :func:`read_trial` or :func:`trial_from_dict`.
    patients, seed
        Patients randomised, and the seed (same seed and patients, same result).
    predictor, engine, scheduler, progress
        As for :func:`her2resist.cohort.predictions.predict_genotypes`.
    pfs_patients
        Simulate PFS for at most this many patients (the first ones drawn per cell, in
        proportion); default all.
    """
    if patients < 2:
        raise CohortError(spec.source, f"--patients must be at least 2, got {patients}")
    population = spec.population or load_population()
    cells = randomise(population, spec.arms, patients, seed)
    pairs = {(cells.genotype(er, code), arm.written.label)
             for a, arm in enumerate(spec.arms)
             for er, code in zip(*np.nonzero(cells.counts[a]), strict=True)}
    if spec.pfs:
        from her2resist.cohort.pfs import pfs_pairs

        pairs |= pfs_pairs(pairs, population.alterations, spec.arms)
    table = predict_genotypes(sorted(pairs), predictor=predictor, engine=engine,
                              endpoint=spec.endpoint, scheduler=scheduler, progress=progress)
    response = response_table(spec, cells, table, seed)
    warnings = [f"arm {a.name}: {', '.join(a.written.not_modelled)} not modelled; predicted as "
                f"{a.written.label}" for a in spec.arms if a.written.not_modelled]
    pfs = None
    if spec.pfs:
        from her2resist.cohort.pfs import simulate_pfs

        pfs = simulate_pfs(spec, cells, table, seed=seed, predictor=predictor, engine=engine,
                           limit=pfs_patients)
        warnings.extend(pfs.warnings)
    return TrialResult(spec, patients, seed, response, table.probability_source, pfs,
                       tuple(warnings), {"engine": engine or DEFAULT_ENGINE,
                                         "distinct_predictions": len(table.rows)})


__all__ = ["Arm", "Draw", "Published", "TrialResult", "TrialSpec", "read_trial", "run_trial",
           "trial_from_dict"]
