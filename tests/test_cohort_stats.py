"""Cohort statistics against answers computed by hand, and against lifelines/scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact, mannwhitneyu

from her2resist.cohort import stats


def test_auc_by_hand_with_ties() -> None:
    # Responders at 0.8, 0.8, 0.7, 0.7, 0.3; non-responders at 0.8, 0.3, 0.3, 0.2, 0.2, 0.2.
    # Pairs won (ties 1/2): 0.8s beat 5 each + 1/2 tie = 5.5 x 2; 0.7s beat 5 x 2;
    # 0.3 beats the three 0.2s + 2 ties x 1/2 = 4.  (11 + 10 + 4) / (5 x 6) = 25/30.
    y = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    p = [0.8, 0.8, 0.7, 0.7, 0.3, 0.8, 0.3, 0.3, 0.2, 0.2, 0.2]
    assert stats.auc(y, p) == pytest.approx(25 / 30)
    pos = [v for v, k in zip(p, y, strict=True) if k]
    neg = [v for v, k in zip(p, y, strict=True) if not k]
    u = mannwhitneyu(pos, neg).statistic
    assert stats.auc(y, p) == pytest.approx(u / 30)


def test_auc_random_matches_mann_whitney() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300)
    p = rng.integers(0, 7, 300) / 6  # few distinct values, many ties
    u = mannwhitneyu(p[y == 1], p[y == 0]).statistic
    assert stats.auc(y, p) == pytest.approx(u / ((y == 1).sum() * (y == 0).sum()))


def test_bootstrap_interval_is_a_patient_resample() -> None:
    """The multinomial count bootstrap has the spread of a plain patient resample."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    p = np.clip(0.3 * y + rng.integers(0, 5, 400) / 8, 0, 1)
    low, high = stats.auc_interval(y, p, n_boot=3000, seed=1)
    plain = []
    for _ in range(1000):
        i = rng.integers(0, 400, 400)
        plain.append(stats.auc(y[i], p[i]))
    assert low == pytest.approx(np.quantile(plain, 0.025), abs=0.015)
    assert high == pytest.approx(np.quantile(plain, 0.975), abs=0.015)
    assert low < stats.auc(y, p) < high


def test_marker_table_by_hand() -> None:
    # PIK3CA in 3 of 11 patients, none of them responders; 5 responders in the other 8.
    # Odds ratio (0 x 3) / (3 x 5) = 0. Fisher: P(a) = C(5,a) C(6,3-a) / C(11,3) with
    # C(11,3) = 165: P(0) = 20, P(1) = 75, P(2) = 60, P(3) = 10 (/165); two-sided p sums those
    # <= P(0): (20 + 10) / 165.
    y = np.array([1, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0])
    marker = np.array([0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0], dtype=bool)
    table = stats.marker_table(y, pd.DataFrame({"PIK3CA_mut": marker}), min_patients=2)
    row = table.iloc[0]
    assert (row["n_with"], row["rate_with"], row["rate_without"]) == (3, 0.0, 5 / 8)
    assert row["odds_ratio"] == 0.0
    assert row["p"] == pytest.approx(30 / 165)
    assert row["p"] == pytest.approx(fisher_exact([[0, 3], [5, 3]])[1])


def test_marker_table_leaves_out_rare_markers() -> None:
    y = np.array([1, 0, 1, 0, 1, 0])
    m = pd.DataFrame({"rare": [1, 0, 0, 0, 0, 0], "common": [1, 1, 1, 0, 0, 0]}).astype(bool)
    assert stats.marker_table(y, m, min_patients=2)["marker"].tolist() == ["common"]


def test_benjamini_hochberg_by_hand() -> None:
    # Sorted p 0.01, 0.02, 0.03, 0.5: p * m / rank = 0.04, 0.04, 0.04, 0.5.
    assert stats.benjamini_hochberg([0.5, 0.01, 0.03, 0.02]) == pytest.approx(
        [0.5, 0.04, 0.04, 0.04])


def test_kaplan_meier_by_hand() -> None:
    # Times 2, 3+, 4, 5, 5+, 7: at risk 6 at t=2 (1 death) -> 5/6; t=4: 4 at risk -> 5/6 x 3/4
    # = 0.625; t=5: 3 at risk, 1 death -> 0.625 x 2/3 = 0.41667; t=7: 1 at risk -> 0.
    km = stats.kaplan_meier(np.array([2, 3, 4, 5, 5, 7.0]), np.array([1, 0, 1, 1, 0, 1]))
    at = dict(zip(km["time"], km["survival"], strict=False))
    assert at[2.0] == pytest.approx(5 / 6)
    assert at[4.0] == pytest.approx(0.625)
    assert at[5.0] == pytest.approx(0.625 * 2 / 3)
    assert at[7.0] == 0.0
    assert stats.median_survival(np.array([2, 3, 4, 5, 5, 7.0]),
                                 np.array([1, 0, 1, 1, 0, 1])) == 5.0


def test_logrank_by_hand() -> None:
    # Group A dies at 1, 3; group B at 2, 4 (all events). At each death time:
    # t=1: n=4 (A2 B2), E_A = 1/2, V = 2*2*1*3/(16*3) = 1/4; t=2: n=3 (A1 B2), E_A = 1/3,
    # V = 1*2/9 = 2/9; t=3: n=2 (A1 B1), E_A = 1/2, V = 1/4; t=4: none of A at risk.
    # O_A - E_A = 2 - 4/3 = 2/3; V = 1/4 + 2/9 + 1/4 = 13/18; chi2 = (4/9) / (13/18) = 8/13.
    from scipy.stats import chi2

    p = stats.logrank_p(np.array([1, 3, 2, 4.0]), np.array([1, 1, 1, 1]),
                        np.array(["A", "A", "B", "B"]))
    assert p == pytest.approx(chi2.sf(8 / 13, 1))


def _cox_by_hand(t: np.ndarray, e: np.ndarray, x: np.ndarray) -> float:
    """Newton-Raphson on the partial likelihood (no tied times), an independent check."""
    beta = 0.0
    for _ in range(50):
        score = info = 0.0
        for i in np.flatnonzero(e):
            risk = t >= t[i]
            w = np.exp(beta * x[risk])
            mean = (w * x[risk]).sum() / w.sum()
            score += x[i] - mean
            info += (w * x[risk] ** 2).sum() / w.sum() - mean**2
        beta += score / info
    return float(np.exp(beta))


def test_cox_matches_partial_likelihood_by_hand() -> None:
    t = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10.0])
    e = np.array([1, 1, 1, 0, 1, 1, 1, 0, 1, 1])
    x = np.array([1, 1, 0, 1, 0, 1, 0, 0, 1, 0.0])
    fit = stats.cox(t, e, x)
    assert fit.hazard_ratio == pytest.approx(_cox_by_hand(t, e, x), rel=1e-4)
    assert fit.low < fit.hazard_ratio < fit.high


def test_wilson_by_hand() -> None:
    # 0/10: centre z^2/2n / (1 + z^2/n), half-width equal to it: [0, 0.2775].
    low, high = stats.wilson(0, 10)
    assert low == pytest.approx(0.0, abs=1e-12)
    assert high == pytest.approx(0.27753, abs=1e-4)
