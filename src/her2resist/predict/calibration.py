"""Calibration: from a graded score to the probability of a clinical response.

The map is a logistic curve per endpoint with a **shared slope**:

    P(response) = 1 / (1 + exp(-(a_endpoint + b * logit(score))))

so three numbers are fitted in all (a_pCR, a_ORR, b), by binomial maximum likelihood on the
published arms of ``../shared/calibration/trials_training.csv`` (pCR in the neoadjuvant
setting, objective response in the metastatic one; patients per arm as weights where reported,
else 100).  Each arm is scored by :func:`~her2resist.predict.graded.predict_graded` in the
patient context, its subgroup turned into alterations (``PIK3CA mutant`` -> a PIK3CA
activating mutation, ``HR-positive``/``ER-positive`` -> ER positive, ``HR-negative`` -> ER
negative; a subgroup without a hormone-receptor statement (``all``) -> ER-positive and
ER-negative tumours in equal parts, since about half the patients of these trials were
HR-positive).  An arm that mixes tumour types is predicted as the **mean of their
probabilities**, not the probability of their mean score: a response rate is averaged over
patients, and the map is not linear (the virtual trials of ``cohort/`` average the same way).
Arms whose regimen the drug catalogue cannot read ("physician's choice") are
skipped and listed.

The fit is checked leave-one-trial-out: each trial's arms are predicted by the map fitted
without that trial.  The report gives the mean absolute error of those probabilities, their
Spearman correlation with the observed rates, and the share of arm comparisons ordered right
(pairs in one trial and subgroup whose published rates differ by at least 5 points, or whose
hazard ratio is at most 0.85).  The fitted map is package data
(``model/data/graded_calibration.yaml``) with its sources; ``her2resist calibrate`` refits it.

Examples
--------
>>> cal = load_calibration()
>>> 0.0 < cal.probability("pCR", 0.5) < 1.0
True
>>> cal.probability("pCR", 0.9) > cal.probability("pCR", 0.2)
True
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from her2resist.exceptions import Her2ResistError, InputFileError, ParameterError

ENDPOINTS = ("pCR", "ORR")
MIN_DIFFERENCE = 0.05
MAX_HR = 0.85
DEFAULT_N = 100
_SUBGROUPS = {
    "pik3ca mutant": ["PIK3CA mutation"], "pik3ca wild-type": [],
    "hr-positive": ["ER positive"], "er-positive": ["ER positive"],
    "hr-negative": ["ER negative"], "er-negative": ["ER negative"],
}


@dataclass(frozen=True, slots=True)
class Arm:
    """One published arm (or subgroup of an arm) with its observed rate."""

    trial: str
    regimen: str
    subgroup: str
    endpoint: str
    observed: float
    n: int
    source: str

    @property
    def alterations(self) -> list[str]:
        out: list[str] = []
        for part in self.subgroup.split(";"):
            out += _SUBGROUPS.get(part.strip().lower().split(" (")[0], [])
        return out


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two arms of one trial and subgroup where the first did better (rate or hazard ratio)."""

    trial: str
    better: str
    worse: str
    subgroup: str
    measure: str


@dataclass(frozen=True, slots=True)
class Calibration:
    """A fitted map: intercept per endpoint, shared slope, with what it was fitted on."""

    intercepts: Mapping[str, float]
    slope: float
    trials: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    metrics: Mapping[str, object] = field(default_factory=dict)

    def probability(self, endpoint: str, score: float) -> float:
        """Calibrated probability of ``endpoint`` for a graded ``score``."""
        if endpoint not in self.intercepts:
            raise ParameterError("endpoint", "Calibration.probability",
                                 f"one of {set(self.intercepts)}", endpoint)
        z = self.intercepts[endpoint] + self.slope * float(score_logit(np.asarray(score)))
        return 1.0 / (1.0 + math.exp(-z))

    def as_dict(self) -> dict[str, object]:
        return {
            "model": "logit P = a[endpoint] + b * logit(clip(score, 0.001, 0.999))",
            "intercepts": {k: round(v, 6) for k, v in self.intercepts.items()},
            "slope": round(self.slope, 6),
            "trials": list(self.trials),
            "sources": list(self.sources),
            "metrics": dict(self.metrics),
        }


def score_logit(score: np.ndarray) -> np.ndarray:
    """logit of the score, clipped to [0.001, 0.999]: graded scores crowd near 0 and 1."""
    clipped = np.clip(score, 1e-3, 1 - 1e-3)
    return np.log(clipped / (1 - clipped))


def calibration_path() -> Path:
    return Path(str(resources.files("her2resist.model") / "data" / "graded_calibration.yaml"))


@cache
def load_calibration(path: str | None = None) -> Calibration:
    """The package's fitted map (or one written by ``her2resist calibrate``)."""
    from her2resist.common.documents import read_document

    source = Path(path) if path else calibration_path()
    try:
        data = read_document(source).data
        return Calibration(
            intercepts={k: float(v) for k, v in data["intercepts"].items()},
            slope=float(data["slope"]), trials=tuple(data.get("trials", ())),
            sources=tuple(data.get("sources", ())), metrics=data.get("metrics", {}),
        )
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise InputFileError(source, f"not a calibration file ({exc}); "
                             "write one with `her2resist calibrate`") from None


# ---------------------------------------------------------------- reading the trials
def _regimen_text(text: str) -> str:
    text = re.sub(r"\s*\([^)]*\)", "", text).strip()
    return text.replace("taxane-based chemotherapy", "taxane")


def read_trials(path: str | Path) -> tuple[list[Arm], list[Comparison]]:
    """Arms (pCR/ORR rates) and comparisons (rates >= 5 points apart, or HR <= 0.85)."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"cannot read the trials file: {exc}") from None
    needed = {"trial", "arm_a", "arm_b", "endpoint", "value_a", "value_b", "hr", "subgroup"}
    if not rows or not needed <= set(rows[0]):
        raise InputFileError(path, f"the header must hold {', '.join(sorted(needed))}", line=1)
    arms: dict[tuple[str, str, str, str], Arm] = {}
    comparisons: list[Comparison] = []
    for line, row in enumerate(rows, start=2):
        endpoint, subgroup = row["endpoint"].strip(), row["subgroup"].strip()
        a, b = _regimen_text(row["arm_a"]), _regimen_text(row["arm_b"])
        if endpoint in ENDPOINTS:
            for regimen, value, n in ((a, row["value_a"], row.get("n_a")),
                                      (b, row["value_b"], row.get("n_b"))):
                if regimen and value:
                    try:
                        rate = float(value)
                    except ValueError:
                        raise InputFileError(path, f"rate {value!r} is not a number",
                                             line=line, column="value_a") from None
                    count = int(n) if (n or "").strip().isdigit() else DEFAULT_N
                    arms.setdefault((row["trial"], regimen, subgroup, endpoint), Arm(
                        row["trial"], regimen, subgroup, endpoint, rate, count, row["source"]))
            if a and b and row["value_a"] and row["value_b"]:
                diff = float(row["value_a"]) - float(row["value_b"])
                if abs(diff) >= MIN_DIFFERENCE:
                    better, worse = (a, b) if diff > 0 else (b, a)
                    comparisons.append(Comparison(row["trial"], better, worse, subgroup, endpoint))
        elif endpoint.endswith("_HR") and row["hr"].strip() and a and b and (
                float(row["hr"]) <= MAX_HR):
                comparisons.append(Comparison(row["trial"], a, b, subgroup, endpoint))
    return list(arms.values()), comparisons


# ---------------------------------------------------------------- scoring and fitting
def arm_scores(regimen: str, subgroup: str) -> tuple[float, ...] | None:
    """Graded scores of a regimen in a subgroup (patient context), one per tumour type the
    subgroup mixes (ER-positive and ER-negative when it names no hormone-receptor status);
    None if the regimen is unreadable."""
    from her2resist.predict.graded import predict_graded

    alterations = Arm("", regimen, subgroup, "pCR", 0.0, 0, "").alterations
    mixes = [alterations]
    if not any(a.startswith("ER ") for a in alterations):
        mixes = [[*alterations, "ER positive"], [*alterations, "ER negative"]]
    try:
        return tuple(predict_graded(m, regimen, context="patient", samples=0).score
                     for m in mixes)
    except Her2ResistError:
        return None


def score_arm(regimen: str, subgroup: str) -> float | None:
    """Mean graded score of a regimen over its subgroup's tumour types (see arm_scores)."""
    scores = arm_scores(regimen, subgroup)
    return None if scores is None else float(np.mean(scores))


def _mixture_matrix(scores: Sequence[float | Sequence[float]]) -> np.ndarray:
    """One row per arm, its tumour types' score logits (a single score repeated)."""
    rows = [np.atleast_1d(np.asarray(s, float)) for s in scores]
    width = max((len(r) for r in rows), default=1)
    if any(width % len(r) for r in rows):
        raise ParameterError("scores", "fit", "per arm one score or as many as the others",
                             [len(r) for r in rows])
    return np.array([np.resize(r, width) for r in rows])


def mixture_probability(cal: Calibration, endpoint: str, scores: Sequence[float]) -> float:
    """Response rate of a population mixing tumour types in equal parts: the mean of their
    probabilities (a rate is averaged over patients, not over scores)."""
    return float(np.mean([cal.probability(endpoint, s) for s in scores]))


def fit(scores: Sequence[float | Sequence[float]], endpoints: Sequence[str],
        rates: Sequence[float], counts: Sequence[int]) -> Calibration:
    """Binomial maximum likelihood of the shared-slope logistic map.

    ``scores`` holds one score per arm, or per arm the scores of the tumour types it mixes in
    equal parts; the arm's modelled rate is then the mean of their probabilities.
    """
    from scipy.optimize import minimize

    names = [e for e in ENDPOINTS if e in set(endpoints)]
    x = score_logit(_mixture_matrix(scores))
    y = np.asarray(rates, float)
    w = np.asarray(counts, float)
    which = np.array([names.index(e) for e in endpoints])

    def loss(theta: np.ndarray) -> float:
        z = theta[which][:, None] + theta[-1] * x
        prob = np.clip(np.mean(1.0 / (1.0 + np.exp(-z)), axis=1), 1e-12, 1 - 1e-12)
        ridge = 1e-6 * float(theta @ theta)  # keeps the fit finite when scores tie
        return float(-(w * (y * np.log(prob) + (1 - y) * np.log1p(-prob))).sum()
                     / w.sum()) + ridge

    result = minimize(loss, np.zeros(len(names) + 1), method="BFGS")
    theta = result.x
    return Calibration({n: float(theta[i]) for i, n in enumerate(names)}, float(theta[-1]))


def _spearman(a: Sequence[float], b: Sequence[float]) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic) if len(a) > 2 else float("nan")


def calibrate(path: str | Path) -> tuple[Calibration, list[dict[str, object]]]:
    """Fit the map on a trials file and check it leave-one-trial-out (see module docs)."""
    arms, comparisons = read_trials(path)
    scored = [(arm, arm_scores(arm.regimen, arm.subgroup)) for arm in arms]
    usable = [(arm, s) for arm, s in scored if s is not None]
    skipped = sorted({f"{arm.trial}: {arm.regimen}" for arm, s in scored if s is None})

    def fitted(subset: Iterable[tuple[Arm, tuple[float, ...]]]) -> Calibration:
        subset = list(subset)
        return fit([s for _, s in subset], [a.endpoint for a, _ in subset],
                   [a.observed for a, _ in subset], [a.n for a, _ in subset])

    full = fitted(usable)
    maps: dict[str, Calibration] = {}
    rows: list[dict[str, object]] = []
    for trial in dict.fromkeys(a.trial for a, _ in usable):
        rest = maps[trial] = fitted((a, s) for a, s in usable if a.trial != trial)
        for arm, s in usable:
            if arm.trial != trial:
                continue
            endpoint = arm.endpoint if arm.endpoint in rest.intercepts else "pCR"
            rows.append({"trial": trial, "regimen": arm.regimen, "subgroup": arm.subgroup,
                         "endpoint": arm.endpoint, "observed": arm.observed,
                         "score": float(np.mean(s)),
                         "predicted": mixture_probability(rest, endpoint, s)})
    lookup = {(a.trial, a.regimen, a.subgroup): s for a, s in usable}
    ordered = judged = 0
    for c in comparisons:
        sub = c.subgroup
        better, worse = lookup.get((c.trial, c.better, sub)), lookup.get((c.trial, c.worse, sub))
        if better is None or worse is None:
            better, worse = arm_scores(c.better, sub), arm_scores(c.worse, sub)
        if better is None or worse is None:
            continue
        judged += 1
        cal = maps.get(c.trial, full)
        endpoint = c.measure if c.measure in cal.intercepts else "pCR"
        ordered += (mixture_probability(cal, endpoint, better)
                    > mixture_probability(cal, endpoint, worse))
    observed = [float(r["observed"]) for r in rows]  # type: ignore[arg-type]
    predicted = [float(r["predicted"]) for r in rows]  # type: ignore[arg-type]
    pcr = [i for i, r in enumerate(rows) if r["endpoint"] == "pCR"]
    metrics: dict[str, object] = {
        "arms": len(rows),
        "loto_mean_absolute_error": round(
            float(np.mean(np.abs(np.subtract(observed, predicted)))), 4),
        "loto_spearman_all": round(_spearman(predicted, observed), 4),
        "loto_spearman_pcr": round(_spearman([predicted[i] for i in pcr],
                                             [observed[i] for i in pcr]), 4),
        "comparisons_ordered_right": f"{ordered}/{judged}",
        "skipped": skipped,
    }
    sources = sorted({a.source for a, _ in usable})
    trials = tuple(dict.fromkeys(a.trial for a, _ in usable))
    return Calibration(full.intercepts, full.slope, trials, tuple(sources), metrics), rows
