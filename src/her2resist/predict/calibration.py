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
(``model/data/graded_calibration.yaml``) with its sources, read by
:mod:`her2resist.predict.calibration_map` (whose names this module also gives; a prediction
imports only that one); ``her2resist calibrate`` refits it.

Examples
--------
>>> cal = load_calibration()
>>> 0.0 < cal.probability("pCR", 0.5) < 1.0
True
>>> cal.probability("pCR", 0.9) > cal.probability("pCR", 0.2)
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from her2resist.exceptions import Her2ResistError, InputFileError
from her2resist.predict.calibration_map import (  # noqa: F401  (the fitted map, public here too)
    ENDPOINTS,
    Calibration,
    calibration_path,
    load_calibration,
    score_logit,
)

if TYPE_CHECKING:
    import numpy as np

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


# ---------------------------------------------------------------- reading the trials
def _regimen_text(text: str) -> str:
    text = re.sub(r"\s*\([^)]*\)", "", text).strip()
    return text.replace("taxane-based chemotherapy", "taxane")


def read_trials(path: str | Path) -> tuple[list[Arm], list[Comparison]]:
    """Arms (pCR/ORR rates) and comparisons (rates >= 5 points apart, or HR <= 0.85)."""
    import csv  # only to fit: a prediction reads the fitted map, not the trials

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
#: A share of patients and the alterations their tumours carry (ER status included).
Stratum = tuple[float, tuple[str, ...]]
#: One arm's mixture: (share, graded score) per kind of tumour it holds.
Mix = tuple[tuple[float, float], ...]
#: The default population: ER-positive and ER-negative tumours in equal parts, nothing else.
DEFAULT_STRATA: tuple[Stratum, ...] = ((0.5, ("ER positive",)), (0.5, ("ER negative",)))
_CONDITIONS = {  # subgroup -> (a stratum qualifies, the alteration that makes one qualify)
    "pik3ca mutant": (lambda a: "PIK3CA" in a.upper(), "PIK3CA mutation"),
    "pik3ca wild-type": (lambda a: "PIK3CA" in a.upper(), None),
    "hr-positive": (lambda a: a.replace("_", " ").lower() == "er positive", "ER positive"),
    "er-positive": (lambda a: a.replace("_", " ").lower() == "er positive", "ER positive"),
    "hr-negative": (lambda a: a.replace("_", " ").lower() == "er negative", "ER negative"),
    "er-negative": (lambda a: a.replace("_", " ").lower() == "er negative", "ER negative"),
}


def subgroup_strata(subgroup: str, strata: Sequence[Stratum] = DEFAULT_STRATA
                    ) -> list[Stratum]:
    """The strata of a population that a subgroup keeps, shares renormalised.

    ``PIK3CA wild-type`` keeps the strata without a PIK3CA alteration; ``PIK3CA mutant`` those
    with one, or, when the population lists none, every stratum with a PIK3CA activating
    mutation added; ``HR-positive``/``HR-negative`` keep that ER status.

    Examples
    --------
    >>> subgroup_strata("HR-positive; PIK3CA mutant")
    [(1.0, ('ER positive', 'PIK3CA mutation'))]
    """
    kept = [(float(w), tuple(alts)) for w, alts in strata]
    for part in subgroup.split(";"):
        rule = _CONDITIONS.get(part.strip().lower().split(" (")[0])
        if rule is None:
            continue
        test, alteration = rule
        wanted = [st for st in kept if any(test(a) for a in st[1])]
        if alteration is None:
            kept = [st for st in kept if st not in wanted]
        elif wanted:
            kept = wanted
        else:
            kept = [(w, (*alts, alteration)) for w, alts in kept]
    total = sum(w for w, _ in kept)
    return [(w / total, alts) for w, alts in kept if w > 0] if total > 0 else []


def arm_scores(regimen: str, subgroup: str, strata: Sequence[Stratum] = DEFAULT_STRATA
               ) -> Mix | None:
    """(share, graded score) of each kind of tumour in a subgroup, patient context; None if
    the regimen is unreadable."""
    from her2resist.predict.graded import predict_graded

    try:
        return tuple((w, predict_graded(list(alts), regimen, context="patient",
                                        samples=0).score)
                     for w, alts in subgroup_strata(subgroup, strata))
    except Her2ResistError:
        return None


def score_arm(regimen: str, subgroup: str) -> float | None:
    """Mean graded score of a regimen over its subgroup's tumours (default population)."""
    mix = arm_scores(regimen, subgroup)
    return None if mix is None else float(sum(w * s for w, s in mix))


def _mixtures(scores: Sequence[float | Mix]) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    """Score logits and shares, one row per arm, padded with zero shares."""
    mixes = [((1.0, float(s)),) if np.ndim(s) == 0 else tuple(s) for s in scores]  # type: ignore[arg-type]
    width = max((len(m) for m in mixes), default=1)
    logits = np.zeros((len(mixes), width))
    shares = np.zeros((len(mixes), width))
    for i, mix in enumerate(mixes):
        for j, (w, score) in enumerate(mix):
            logits[i, j], shares[i, j] = float(score_logit(np.asarray(score))), w
    return logits, shares


def mixture_probability(cal: Calibration, endpoint: str, mix: Mix) -> float:
    """Response rate of a mixture of tumours: the share-weighted mean of their probabilities
    (a rate is averaged over patients, not over scores)."""
    return float(sum(w * cal.probability(endpoint, s) for w, s in mix))


def fit(scores: Sequence[float | Mix], endpoints: Sequence[str], rates: Sequence[float],
        counts: Sequence[int]) -> Calibration:
    """Binomial maximum likelihood of the shared-slope logistic map.

    ``scores`` holds per arm one score, or the (share, score) pairs of the tumours it mixes;
    the arm's modelled rate is then the share-weighted mean of their probabilities.
    """
    import numpy as np
    from scipy.optimize import minimize

    names = [e for e in ENDPOINTS if e in set(endpoints)]
    x, shares = _mixtures(scores)
    y = np.asarray(rates, float)
    w = np.asarray(counts, float)
    which = np.array([names.index(e) for e in endpoints])

    def loss(theta: np.ndarray) -> float:
        z = theta[which][:, None] + theta[-1] * x
        prob = np.clip((shares / (1.0 + np.exp(-z))).sum(axis=1), 1e-12, 1 - 1e-12)
        ridge = 1e-6 * float(theta @ theta)  # keeps the fit finite when scores tie
        return float(-(w * (y * np.log(prob) + (1 - y) * np.log1p(-prob))).sum()
                     / w.sum()) + ridge

    result = minimize(loss, np.zeros(len(names) + 1), method="BFGS")
    theta = result.x
    return Calibration({n: float(theta[i]) for i, n in enumerate(names)}, float(theta[-1]))


def _spearman(a: Sequence[float], b: Sequence[float]) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic) if len(a) > 2 else float("nan")


def calibrate(path: str | Path, strata: Sequence[Stratum] = DEFAULT_STRATA
              ) -> tuple[Calibration, list[dict[str, object]]]:
    """Fit the map on a trials file and check it leave-one-trial-out (see module docs).

    ``strata`` is the trials' population (shares of tumour kinds); ``her2resist calibrate``
    passes the virtual-trial population of ``cohort/``, so that the map and the virtual trials
    describe the same patients.
    """
    import numpy as np

    arms, comparisons = read_trials(path)
    scored = [(arm, arm_scores(arm.regimen, arm.subgroup, strata)) for arm in arms]
    usable = [(arm, s) for arm, s in scored if s is not None]
    skipped = sorted({f"{arm.trial}: {arm.regimen}" for arm, s in scored if s is None})

    def fitted(subset: Iterable[tuple[Arm, Mix]]) -> Calibration:
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
                         "score": float(sum(w * v for w, v in s)),
                         "predicted": mixture_probability(rest, endpoint, s)})
    lookup = {(a.trial, a.regimen, a.subgroup): s for a, s in usable}
    ordered = judged = 0
    for c in comparisons:
        sub = c.subgroup
        better, worse = lookup.get((c.trial, c.better, sub)), lookup.get((c.trial, c.worse, sub))
        if better is None or worse is None:
            better, worse = (arm_scores(c.better, sub, strata),
                             arm_scores(c.worse, sub, strata))
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
