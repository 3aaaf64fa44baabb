"""Least-squares LL.4 fits that follow ``drc::drm`` step by step, as SynergyFinder calls it.

drc scales doses by ``10^floor(log10(median(dose)))`` and responses likewise, starts from
``c = min(y) - 0.1% range``, ``d = max(y) + 0.1% range`` and ``b``, ``e`` from a linear fit
of ``log((d - y) / (y - c))`` on ``log(dose)`` (positive doses), and minimises the residual
sum of squares with BFGS (see :mod:`her2resist.synergy._bfgs`), parameters scaled by their
absolute starting values. No bounds apply.
"""

from __future__ import annotations

import numpy as np

from her2resist.synergy._bfgs import Objective, minimise


def _scale(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """drc's scaling factor ``10^floor(log10(median))``, 1 where that is not positive."""
    med = np.nanmedian(np.where(valid, values, np.nan), axis=1)
    with np.errstate(all="ignore"):
        factor = 10.0 ** np.floor(np.log10(med))
    return np.where(np.isfinite(factor) & (factor >= 1e-15), factor, 1.0)


def _self_start(x: np.ndarray, y: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """drc's LL.4 self-starter on scaled data: (b, c, d, e) per curve."""
    ymin = np.where(valid, y, np.inf).min(axis=1)
    ymax = np.where(valid, y, -np.inf).max(axis=1)
    c0 = ymin - 0.001 * (ymax - ymin)
    d0 = ymax + 0.001 * (ymax - ymin)
    use = valid & (x > 0)
    with np.errstate(all="ignore"):
        lx = np.where(use, np.log(np.where(x > 0, x, 1.0)), 0.0)
        ly = np.where(use, np.log((d0[:, None] - y) / (y - c0[:, None])), 0.0)
        k = use.sum(axis=1)
        mx, my = lx.sum(axis=1) / k, ly.sum(axis=1) / k
        dx = np.where(use, lx - mx[:, None], 0.0)
        slope = np.sum(dx * np.where(use, ly - my[:, None], 0.0), axis=1) / np.sum(dx**2, axis=1)
        e0 = np.exp(-(my - slope * mx) / slope)
    return np.column_stack([slope, c0, d0, e0])


def fit_drc(dose: np.ndarray, response: np.ndarray,
            fixed_c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fit LL.4 like ``drc::drm(fct = LL.4(fixed = c(NA, Emin, NA, NA)))``.

    Returns parameters ``(n, 4)`` as (b, c, d, e) on the original scale and a flag that is
    False where drc would have failed (R error in the starter or the optimiser).
    """
    valid = ~np.isnan(response)
    y = np.where(valid, response, 0.0)
    flat = np.nan_to_num(np.nanvar(np.where(valid, y, np.nan), axis=1)) == 0
    last = valid.shape[1] - 1 - np.argmax(valid[:, ::-1], axis=1)
    y[np.flatnonzero(flat), last[flat]] += 1e-10
    ds, rs = _scale(dose, valid), _scale(y, valid)
    x, ys = dose / ds[:, None], y / rs[:, None]
    start = _self_start(x, ys, valid)
    c_fixed = ~np.isnan(fixed_c)
    cs = fixed_c / rs
    start[c_fixed, 1] = cs[c_fixed]
    free = np.ones_like(start, dtype=bool)
    free[:, 1] = ~c_fixed
    pscale = np.where(np.abs(start) < 1e-4, 1.0, np.abs(start))
    pscale = np.where(free, np.nan_to_num(pscale, nan=1.0), 1.0)

    def rss(z: np.ndarray, rows: np.ndarray) -> np.ndarray:
        p = z * pscale[rows]
        b, c, d, e = (p[:, i, None] for i in range(4))
        with np.errstate(all="ignore"):
            pred = c + (d - c) / (1.0 + np.exp(b * np.log(x[rows] / e)))
        sq = np.where(valid[rows], (ys[rows] - pred) ** 2, 0.0)
        bad = np.isnan(sq).any(axis=1)
        return np.where(bad, np.nan, sq.sum(axis=1))

    usable = np.isfinite(start).all(axis=1)
    params = np.full_like(start, np.nan)
    ok = np.zeros(len(start), dtype=bool)
    if usable.any():
        sel = np.flatnonzero(usable)
        z, _, good = _minimise_subset(rss, start, pscale, free, sel)
        params[sel] = z * pscale[sel]
        ok[sel] = good
    params *= np.column_stack([np.ones_like(rs), rs, rs, ds])
    return params, ok


def _minimise_subset(rss: Objective, start: np.ndarray, pscale: np.ndarray,
                     free: np.ndarray, sel: np.ndarray,
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    def sub(z: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return rss(z, sel[rows])

    return minimise(sub, start[sel] / pscale[sel], free[sel])
