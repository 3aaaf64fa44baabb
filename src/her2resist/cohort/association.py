"""How a cohort's predictions and markers are associated with its outcome: a binary endpoint
(AUC with a bootstrap interval, calibration, per-marker odds ratios and Fisher's exact test) or a
time-to-event endpoint (Kaplan-Meier by predicted class, log-rank test, Cox hazard ratios of the
score and of each marker). :func:`~her2resist.cohort.cohort.run_cohort` calls these once the
predictions are made.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from her2resist.cohort import stats
from her2resist.cohort.outcomes import ClinicalColumns, parse_binary, parse_survival
from her2resist.cohort.predictions import Genotype
from her2resist.exceptions import CohortError, ParameterError

if TYPE_CHECKING:
    from her2resist.cohort.cohort import CohortResult

CLASSES = ("sensitive", "partial", "resistant")


def _marker_matrix(frame: pd.DataFrame, genotypes: list[Genotype], codes: np.ndarray
                   ) -> pd.DataFrame:
    """One boolean column per alteration and per predicted mechanism (built per distinct
    value and taken by position)."""
    alteration_ids = sorted({a for g in genotypes for a in g.alterations})
    by_genotype = np.array([[a in g.alterations for a in alteration_ids] for g in genotypes],
                           dtype=bool).reshape(len(genotypes), len(alteration_ids))
    matrix = pd.DataFrame(by_genotype[codes], columns=alteration_ids, index=frame.index)
    position, texts = pd.factorize(frame["mechanisms"].to_numpy())
    sets = [set(t.split(";")) - {""} for t in texts]
    names = sorted(set().union(*sets))
    by_text = np.array([[n in m for n in names] for m in sets],
                       dtype=bool).reshape(len(sets), len(names))
    mechanisms = pd.DataFrame(by_text[position], columns=[f"mechanism: {n}" for n in names],
                              index=frame.index)
    return pd.concat([matrix, mechanisms], axis=1)


def binary_association(result: CohortResult, clinical: ClinicalColumns | None, column: str,
                       positive: str | None, min_patients: int, n_boot: int, seed: int,
                       genotypes: list[Genotype], codes: np.ndarray) -> CohortResult:
    """``result`` with the binary endpoint ``column`` joined: AUC and its bootstrap interval,
    calibration, ROC and the marker table (see :class:`~her2resist.cohort.cohort.CohortResult`).
    """
    if clinical is None:
        raise ParameterError("clinical", "run_cohort", f"clinical files holding {column!r}",
                             None)
    frame = result.samples
    y, usable, label = parse_binary(clinical, frame.index, column, positive)
    frame = frame.assign(outcome=np.where(usable, y, np.nan))
    yu, pu = y[usable], frame["response_probability"].to_numpy()[usable]
    n_pos = int(yu.sum())
    if n_pos == 0 or n_pos == len(yu):
        raise CohortError(clinical.files.get(clinical.column(column), column),
                          f"{column}: every usable sample has the same outcome; an AUC needs "
                          "responders and non-responders", field=column)
    association = {"endpoint": column, "n": len(yu), "auc": stats.auc(yu, pu),
                   "auc_ci": list(stats.auc_interval(yu, pu, n_boot=n_boot, seed=seed))}
    markers = stats.marker_table(yu, _marker_matrix(frame, genotypes, codes)[usable],
                                 min_patients=min_patients)
    classes = frame["class"].to_numpy()[usable]
    calibration = stats.calibration_table(yu, pu, classes if len(set(classes)) > 1 else None)
    fpr, tpr = stats.roc_curve(yu, pu)
    warnings = result.warnings + ((f"{int((~usable).sum())} sample(s) without {column} "
                                   "were left out of the statistics",) if (~usable).any() else ())
    return _replace(result, frame, "binary", association, markers, calibration,
                    {"roc": pd.DataFrame({"fpr": fpr, "tpr": tpr})}, warnings,
                    positive_label=label)


def survival_association(result: CohortResult, clinical: ClinicalColumns | None, time: str,
                         event: str, min_patients: int, genotypes: list[Genotype],
                         codes: np.ndarray) -> CohortResult:
    """``result`` with the time-to-event endpoint ``time``/``event`` joined: Kaplan-Meier by
    predicted class, log-rank p, the score's Cox hazard ratio and the marker table."""
    if clinical is None:
        raise ParameterError("clinical", "run_cohort", f"clinical files holding {time!r}", None)
    frame = result.samples
    t, e, usable = parse_survival(clinical, frame.index, time, event)
    frame = frame.assign(time=np.where(usable, t, np.nan), event=np.where(usable, e, np.nan))
    tu, eu = t[usable], e[usable]
    groups = _survival_groups(frame["class"].to_numpy()[usable],
                              frame["response_probability"].to_numpy()[usable])
    score = frame["score"].to_numpy()[usable]
    sd = float(score.std())
    fit = stats.cox(tu, eu, (score - score.mean()) / sd if sd > 0 else score)
    association = {"endpoint": f"{time}/{event}", "n": int(usable.sum()),
                   "hazard_ratio": fit.hazard_ratio, "hr_ci": [fit.low, fit.high],
                   "logrank_p": stats.logrank_p(tu, eu, groups)}
    curves = {}
    for g in dict.fromkeys(sorted(groups, key=_group_order)):
        curves[g] = stats.kaplan_meier(tu[groups == g], eu[groups == g])
        curves[g].attrs["n"] = int((groups == g).sum())
    markers, unstable = _survival_markers(tu, eu,
                                          _marker_matrix(frame, genotypes, codes)[usable],
                                          min_patients)
    warnings = result.warnings + ((f"{int((~usable).sum())} sample(s) without {time} or "
                                   f"{event} were left out of the statistics",)
                                  if (~usable).any() else ()) + tuple(
        f"{m}: the Cox fit did not converge (the marker nearly separates events); its hazard "
        "ratio is unreliable" for m in unstable) + (
        () if fit.converged else ("the Cox fit of the score did not converge",))
    return _replace(result, frame, "survival", association, markers, pd.DataFrame(), curves,
                    warnings, hazard_ratio_per=f"standard deviation of the score ({sd:.4f})",
                    survival_groups=list(curves))


def _group_order(name: str) -> int:
    order = [*CLASSES, "probability above median", "probability at or below median"]
    return order.index(name) if name in order else len(order)


def _survival_groups(classes: np.ndarray, probability: np.ndarray) -> np.ndarray:
    """Predicted classes; with one class only, above or below the median probability."""
    if len(set(classes.tolist())) > 1 or len(set(probability.tolist())) < 2:
        return classes
    median = float(np.median(probability))
    return np.where(probability > median, "probability above median",
                    "probability at or below median")


def _survival_markers(t: np.ndarray, e: np.ndarray, matrix: pd.DataFrame,
                      min_patients: int) -> tuple[pd.DataFrame, list[str]]:
    rows = []
    unstable = []
    for name in matrix.columns:
        has = matrix[name].to_numpy(dtype=bool)
        if has.sum() < min_patients or (~has).sum() < min_patients:
            continue
        fit = stats.cox(t, e, has.astype(float))
        if not fit.converged:
            unstable.append(name)
        rows.append({"marker": name, "n_with": int(has.sum()), "rate_with": e[has].mean(),
                     "rate_without": e[~has].mean(), "hazard_ratio": fit.hazard_ratio,
                     "low": fit.low, "high": fit.high, "p": fit.p})
    columns = ["marker", "n_with", "rate_with", "rate_without", "hazard_ratio", "low", "high",
               "p"]
    table = pd.DataFrame(rows, columns=columns)
    table["q"] = stats.benjamini_hochberg(table["p"].fillna(1.0).tolist())
    return table.sort_values(["p", "marker"], ignore_index=True), unstable


def _replace(result: CohortResult, frame: pd.DataFrame, kind: Literal["binary", "survival"],
             association: dict[str, Any], markers: pd.DataFrame, calibration: pd.DataFrame,
             curves: dict[str, pd.DataFrame], warnings: tuple[str, ...],
             **settings: Any) -> CohortResult:
    return replace(result, samples=frame, kind=kind, association=association, markers=markers,
                   calibration=calibration, curves=curves, warnings=warnings,
                   settings={**result.settings, **settings})
