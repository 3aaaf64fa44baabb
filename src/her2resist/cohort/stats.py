"""Statistics of predictions against outcomes: AUC, calibration, marker tables, survival.

Binary outcomes
    :func:`auc` is the Mann-Whitney probability that a responder's predicted probability is
    above a non-responder's (ties count one half). Predictions take few distinct values (one
    per distinct genotype and regimen), so the AUC is computed from the counts of responders
    and non-responders at each distinct value, and the bootstrap resamples those counts
    (a multinomial draw over the cells of that table is exactly a resample of the patients
    with replacement): cost grows with distinct values, not patients.
    :func:`marker_table` gives, per marker, the rates with and without it, the sample odds
    ratio and Fisher's exact p (scipy), and Benjamini-Hochberg q over the markers tested.
Time to event
    Kaplan-Meier, the log-rank test and Cox proportional hazards come from lifelines.

Examples
--------
>>> auc([1, 1, 0, 0], [0.9, 0.4, 0.6, 0.1])
0.75
>>> [round(q, 3) for q in benjamini_hochberg([0.01, 0.04, 0.03])]
[0.03, 0.04, 0.04]
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import pandas as pd

Z95 = 1.959963984540054


def _counts(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    levels, index = np.unique(p, return_inverse=True)
    pos = np.bincount(index, weights=y, minlength=len(levels))
    neg = np.bincount(index, weights=1 - y, minlength=len(levels))
    return levels, pos, neg


def _auc_from_counts(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """AUC of each row of (pos, neg) count tables over increasing prediction levels."""
    below = np.cumsum(neg, axis=-1) - neg
    wins = (pos * (below + 0.5 * neg)).sum(axis=-1)
    total = pos.sum(axis=-1) * neg.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, wins / np.where(total > 0, total, 1), np.nan)


def auc(y: Sequence[int] | np.ndarray, p: Sequence[float] | np.ndarray) -> float:
    """Area under the ROC curve of predictions ``p`` for binary outcomes ``y``.

    Examples
    --------
    >>> auc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])
    0.5
    """
    y_arr, p_arr = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    _, pos, neg = _counts(y_arr, p_arr)
    return float(_auc_from_counts(pos, neg))


def auc_interval(y: Sequence[int] | np.ndarray, p: Sequence[float] | np.ndarray, *,
                 n_boot: int = 2000, seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of :func:`auc` (patients resampled with replacement).

    Examples
    --------
    >>> lo, hi = auc_interval([1, 1, 1, 0, 0, 0], [0.9, 0.8, 0.3, 0.4, 0.2, 0.1], seed=1)
    >>> lo <= auc([1, 1, 1, 0, 0, 0], [0.9, 0.8, 0.3, 0.4, 0.2, 0.1]) <= hi
    True
    """
    y_arr, p_arr = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    _, pos, neg = _counts(y_arr, p_arr)
    cells = np.concatenate([pos, neg])
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(int(cells.sum()), cells / cells.sum(), size=n_boot)
    k = len(pos)
    values = _auc_from_counts(draws[:, :k], draws[:, k:])
    values = values[~np.isnan(values)]
    alpha = (1 - level) / 2
    return float(np.quantile(values, alpha)), float(np.quantile(values, 1 - alpha))


def roc_curve(y: Sequence[int] | np.ndarray, p: Sequence[float] | np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """(false positive rate, true positive rate) at each threshold, from (0, 0) to (1, 1)."""
    _, pos, neg = _counts(np.asarray(y, float), np.asarray(p, float))
    tpr = np.concatenate([[0.0], np.cumsum(pos[::-1]) / max(pos.sum(), 1)])
    fpr = np.concatenate([[0.0], np.cumsum(neg[::-1]) / max(neg.sum(), 1)])
    return fpr, tpr


def wilson(successes: float, n: float) -> tuple[float, float]:
    """Wilson score 95 % interval of a proportion (NaNs when ``n`` is 0).

    Examples
    --------
    >>> [round(x, 3) for x in wilson(5, 10)]
    [0.237, 0.763]
    """
    if n <= 0:
        return float("nan"), float("nan")
    rate = successes / n
    centre = (rate + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * np.sqrt(rate * (1 - rate) / n + Z95**2 / (4 * n**2)) / (1 + Z95**2 / n)
    return float(centre - half), float(centre + half)


def calibration_table(y: np.ndarray, p: np.ndarray, groups: np.ndarray | None = None
                      ) -> pd.DataFrame:
    """Predicted against observed rate per group (deciles of ``p`` when no groups are given;
    with ten or fewer distinct predictions, one group per distinct prediction).

    Columns: ``group``, ``n``, ``predicted`` (mean probability), ``observed``, ``low``,
    ``high`` (Wilson 95 % interval of the observed rate).
    """
    y, p = np.asarray(y, float), np.asarray(p, float)
    if groups is None and len(np.unique(p)) <= 10:
        levels, inverse = np.unique(p, return_inverse=True)  # one name per distinct value
        groups = np.array([f"p = {v:.3f}" for v in levels], dtype=object)[inverse.reshape(-1)]
    elif groups is None:
        ranks = pd.Series(p).rank(method="first").to_numpy()
        levels, inverse = np.unique(np.ceil(ranks * 10 / len(p)).astype(int),
                                    return_inverse=True)
        groups = np.array([f"decile {d}" for d in levels], dtype=object)[inverse.reshape(-1)]
    frame = pd.DataFrame({"group": groups, "y": y, "p": p})
    rows = []
    for name, part in frame.groupby("group", sort=True):
        low, high = wilson(part["y"].sum(), len(part))
        rows.append({"group": str(name), "n": len(part), "predicted": part["p"].mean(),
                     "observed": part["y"].mean(), "low": low, "high": high})
    return pd.DataFrame(rows, columns=["group", "n", "predicted", "observed", "low", "high"])


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q), in the order given."""
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return []
    order = np.argsort(p)
    ranked = p[order] * p.size / np.arange(1, p.size + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
    out = np.empty_like(q)
    out[order] = q
    return out.tolist()


def marker_table(y: np.ndarray, markers: pd.DataFrame, *, min_patients: int = 5) -> pd.DataFrame:
    """Per marker column (booleans, one row per patient): rates, odds ratio, Fisher p, BH q.

    Markers carried by fewer than ``min_patients`` patients, or by all but fewer than that,
    are not tested. Columns: ``marker``, ``n_with``, ``rate_with``, ``rate_without``,
    ``odds_ratio``, ``p``, ``q``.

    Examples
    --------
    >>> y = np.array([1, 1, 0, 0, 0, 1, 1, 1])
    >>> m = pd.DataFrame({"PIK3CA_mut": [0, 0, 1, 1, 1, 0, 0, 1]}).astype(bool)
    >>> row = marker_table(y, m, min_patients=2).loc[0, ["n_with", "rate_with", "rate_without"]]
    >>> [float(v) for v in row]
    [4.0, 0.25, 1.0]
    """
    from scipy.stats import fisher_exact

    y = np.asarray(y, dtype=bool)
    rows = []
    for name in markers.columns:
        has = markers[name].to_numpy(dtype=bool)
        n_with = int(has.sum())
        if n_with < min_patients or len(has) - n_with < min_patients:
            continue
        a, b = int((has & y).sum()), int((has & ~y).sum())
        c, d = int((~has & y).sum()), int((~has & ~y).sum())
        odds, p = fisher_exact([[a, b], [c, d]])
        rows.append({"marker": str(name), "n_with": n_with, "rate_with": a / n_with,
                     "rate_without": c / (c + d), "odds_ratio": float(odds), "p": float(p)})
    table = pd.DataFrame(rows, columns=["marker", "n_with", "rate_with", "rate_without",
                                        "odds_ratio", "p"])
    table["q"] = benjamini_hochberg(table["p"].tolist())
    return table.sort_values(["p", "marker"], ignore_index=True)


@dataclass(frozen=True, slots=True)
class CoxResult:
    """Hazard ratio of one covariate (per unit), its 95 % interval and Wald p."""

    hazard_ratio: float
    low: float
    high: float
    p: float
    converged: bool = True


def _lifelines(submodule: str = "") -> ModuleType:
    """lifelines (or one of its submodules), or an error naming the ``survival`` extra."""
    from her2resist._optional import require

    name = f"lifelines.{submodule}" if submodule else "lifelines"
    return require(name, "survival", "Survival statistics (Kaplan-Meier, log-rank, Cox)")


def cox(time: np.ndarray, event: np.ndarray, covariate: np.ndarray) -> CoxResult:
    """Univariable Cox proportional hazards fit (lifelines, Efron ties).

    Examples
    --------
    >>> r = cox(np.array([1., 2, 3, 4, 5, 6]), np.array([1, 1, 1, 1, 0, 1]),
    ...         np.array([1., 1, 0, 1, 0, 0]))
    >>> r.hazard_ratio > 1
    True
    """
    CoxPHFitter = _lifelines().CoxPHFitter

    frame = pd.DataFrame({"time": time, "event": event, "x": covariate})
    if frame["x"].nunique() < 2 or frame["event"].sum() == 0:
        nan = float("nan")
        return CoxResult(nan, nan, nan, nan, converged=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = CoxPHFitter().fit(frame, duration_col="time", event_col="event")
    row = fit.summary.loc["x"]
    return CoxResult(float(row["exp(coef)"]), float(row["exp(coef) lower 95%"]),
                     float(row["exp(coef) upper 95%"]), float(row["p"]),
                     converged=not any("onvergence" in type(w.message).__name__
                                       for w in caught))


def logrank_p(time: np.ndarray, event: np.ndarray, groups: np.ndarray) -> float:
    """Log-rank test p-value across ``groups`` (NaN with fewer than two groups)."""
    multivariate_logrank_test = _lifelines("statistics").multivariate_logrank_test

    if len(set(np.asarray(groups).tolist())) < 2 or np.sum(event) == 0:
        return float("nan")
    return float(multivariate_logrank_test(time, groups, event).p_value)


def kaplan_meier(time: np.ndarray, event: np.ndarray) -> pd.DataFrame:
    """Kaplan-Meier survival function: columns ``time``, ``survival`` (lifelines).

    Examples
    --------
    >>> kaplan_meier(np.array([1., 2, 3]), np.array([1, 0, 1]))["survival"].round(3).tolist()
    [1.0, 0.667, 0.667, 0.0]
    """
    KaplanMeierFitter = _lifelines().KaplanMeierFitter

    fit = KaplanMeierFitter().fit(time, event)
    sf = fit.survival_function_
    return pd.DataFrame({"time": sf.index.to_numpy(dtype=float),
                         "survival": sf.iloc[:, 0].to_numpy()})


def median_survival(time: np.ndarray, event: np.ndarray) -> float:
    """Kaplan-Meier median (infinite when survival stays above one half)."""
    km = kaplan_meier(time, event)
    below = km[km["survival"] <= 0.5]
    return float(below["time"].iloc[0]) if len(below) else float("inf")
