"""Least-squares LL.4 fits that follow ``drc::drm`` step by step, as SynergyFinder calls it.

SynergyFinder's ``FitDoseResponse`` first fits ``drm(response ~ dose, fct = LL.4())``. drc
scales doses by ``10^floor(log10(median(dose)))`` and responses likewise, starts from
``c = min(y) - 0.1% range``, ``d = max(y) + 0.1% range`` and ``b``, ``e`` from a linear fit
of ``log((d - y) / (y - c))`` on ``log(dose)`` (positive doses), and minimises the residual
sum of squares with BFGS (see :mod:`her2resist.synergy._bfgs`), parameters scaled by their
absolute starting values, then computes the Hessian (``optim(hessian = TRUE)``). No bounds
apply. When that fit fails (the start, a finite-difference gradient or a Hessian evaluation
is not finite: drc then warns "Convergence failed" and returns no model), SynergyFinder
refits the same data as ``drm(response ~ log(dose), fct = L.4())`` with doses of 0 set to
1e-10: the same curve with ``e`` on the log scale, no scaling, and a start whose linear fit
uses every point (the control at ``log(1e-10)`` too). Both fits are retraced here.
"""

from __future__ import annotations

import numpy as np

from her2resist.synergy._bfgs import _NDEPS, minimise

#: The dose SynergyFinder gives untreated wells before an L.4 fit on log dose.
ZERO_DOSE = 1e-10


def _scale(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """drc's scaling factor ``10^floor(log10(median))``, 1 where that is not positive."""
    med = np.nanmedian(np.where(valid, values, np.nan), axis=1)
    with np.errstate(all="ignore"):
        factor = 10.0 ** np.floor(np.log10(med))
    return np.where(np.isfinite(factor) & (factor >= 1e-15), factor, 1.0)


def _seq_sum(values: np.ndarray) -> np.ndarray:
    """Row sums added in column order (as the reference BLAS loops add)."""
    total = values[:, 0].copy()
    for j in range(1, values.shape[1]):
        total = total + values[:, j]
    return total


def _householder(col: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LINPACK's Householder vector of ``col`` (rows): the scaled column with ``1 + x[0]``
    in front, and ``-norm`` (the diagonal element of R)."""
    norm = np.sqrt(_seq_sum(col * col))
    norm = np.where(col[:, 0] != 0, np.copysign(norm, col[:, 0]), norm)
    v = col * (1.0 / norm)[:, None]
    v[:, 0] = 1.0 + v[:, 0]
    return v, -norm


def _reflect(v: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Apply the Householder reflection ``v`` to the columns ``y`` (LINPACK's ddot/daxpy)."""
    t = -_seq_sum(v * y) / v[:, 0]
    return y + t[:, None] * v


def _lm_line(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Intercept and slope of ``lm(y ~ x)`` as R computes them (rows are separate fits).

    R's ``lm`` solves least squares by LINPACK's Householder QR (``dqrdc2``, ``dqrsl``) on
    the reference BLAS; the curve fits that start from this line amplify last-bit
    differences, so the same operations are done in the same order.
    """
    n = x.shape[1]
    v1, r11 = _householder(np.ones_like(x))
    x2 = _reflect(v1, x)
    qty = _reflect(v1, y)
    if n > 2:
        v2, r22 = _householder(x2[:, 1:])
        qty[:, 1:] = _reflect(v2, qty[:, 1:])
    else:
        r22 = x2[:, 1]
    slope = qty[:, 1] / r22
    intercept = (qty[:, 0] + (-slope) * x2[:, 0]) / r11
    return intercept, slope


def _self_start(lx: np.ndarray, y: np.ndarray, valid: np.ndarray,
                use: np.ndarray) -> np.ndarray:
    """drc's self-starter: ``c``, ``d`` from the range, ``b`` and the intercept point from
    ``lm(log((d - y)/(y - c)) ~ lx)`` over the points ``use``.
    Returns (b, c, d, x0) with ``x0`` the abscissa where the line crosses 0."""
    ymin = np.where(valid, y, np.inf).min(axis=1)
    ymax = np.where(valid, y, -np.inf).max(axis=1)
    c0 = ymin - 0.001 * (ymax - ymin)
    d0 = ymax + 0.001 * (ymax - ymin)
    with np.errstate(all="ignore"):
        ly = np.log((d0[:, None] - y) / (y - c0[:, None]))
    intercept = np.full(len(y), np.nan)
    slope = np.full(len(y), np.nan)
    count = use.sum(axis=1)
    for k in np.unique(count[count >= 2]):
        rows = np.flatnonzero(count == k)
        order = np.argsort(~use[rows], axis=1, kind="stable")[:, :k]
        pick = (rows[:, None], order)
        with np.errstate(all="ignore"):
            intercept[rows], slope[rows] = _lm_line(lx[pick], ly[pick])
    with np.errstate(all="ignore"):
        x0 = -intercept / slope
    return np.column_stack([slope, c0, d0, x0])


def _hessian_fails(fn, z: np.ndarray, pscale: np.ndarray, free: np.ndarray,
                   rows: np.ndarray) -> np.ndarray:
    """True where ``optim``'s Hessian at ``z`` meets a non-finite value.

    R's ``optimhess`` steps each free parameter by ``ndeps`` on the original scale
    (``ndeps / parscale`` in optim's scaled coordinates) and takes central-difference
    gradients (steps of ``ndeps`` in scaled coordinates) on either side: every point
    ``z ± ndeps/parscale_i e_i ± ndeps e_j`` must give a finite objective.
    """
    points, owners = [], []
    k = z.shape[1]
    for i in range(k):
        for j in range(k):
            sel = np.flatnonzero(free[:, i] & free[:, j])
            for outer in (1.0, -1.0):
                for inner in (1.0, -1.0):
                    point = z[sel].copy()
                    point[:, i] += outer * _NDEPS / pscale[sel, i]
                    point[:, j] += inner * _NDEPS
                    points.append(point)
                    owners.append(sel)
    owner = np.concatenate(owners)
    finite = np.isfinite(fn(np.concatenate(points), rows[owner]))
    bad = np.zeros(len(z), dtype=bool)
    np.logical_or.at(bad, owner, ~finite)
    return bad


def _fit(x: np.ndarray, ys: np.ndarray, valid: np.ndarray, start: np.ndarray,
         free: np.ndarray, log_model: bool) -> tuple[np.ndarray, np.ndarray]:
    """BFGS from ``start`` (scaled units) and drc's failure test; ``log_model`` is L.4 on
    ``x = log(dose)``, else LL.4 on ``x = dose``."""
    pscale = np.where(np.abs(start) < 1e-4, 1.0, np.abs(start))
    pscale = np.where(free, np.nan_to_num(pscale, nan=1.0), 1.0)

    def rss(z: np.ndarray, rows: np.ndarray) -> np.ndarray:
        p = z * pscale[rows]
        b, c, d, e = (p[:, i, None] for i in range(4))
        with np.errstate(all="ignore"):
            arg = b * (x[rows] - e) if log_model else b * np.log(x[rows] / e)
            pred = c + (d - c) / (1.0 + np.exp(arg))
        sq = np.where(valid[rows], (ys[rows] - pred) ** 2, 0.0)
        # R's sum() accumulates in long double, in order.
        total = np.sum(sq.astype(np.longdouble), axis=1).astype(float)
        return np.where(np.isnan(sq).any(axis=1), np.nan, total)

    params = np.full_like(start, np.nan)
    ok = np.zeros(len(start), dtype=bool)
    sel = np.flatnonzero(np.isfinite(start).all(axis=1))
    if sel.size:
        def sub(z: np.ndarray, rows: np.ndarray) -> np.ndarray:
            return rss(z, sel[rows])

        z, _, good = minimise(sub, start[sel] / pscale[sel], free[sel])
        good &= ~_hessian_fails(sub, z, pscale[sel], free[sel], np.arange(len(sel)))
        params[sel] = z * pscale[sel]
        ok[sel] = good
    return params, ok


def fit_drc(dose: np.ndarray, response: np.ndarray,
            fixed_c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit LL.4 like SynergyFinder's ``FitDoseResponse(Emin = fixed_c)``.

    Returns parameters ``(n, 4)`` as (b, c, d, log e) on the original scale, a flag that is True
    where the LL.4 fit failed and SynergyFinder's L.4 refit on log dose gave the curve, and
    a flag that is False where that refit failed too (R would stop with an error).
    """
    valid = ~np.isnan(response)
    y = np.where(valid, response, 0.0)
    flat = np.nan_to_num(np.nanvar(np.where(valid, y, np.nan), axis=1)) == 0
    last = valid.shape[1] - 1 - np.argmax(valid[:, ::-1], axis=1)
    y[np.flatnonzero(flat), last[flat]] += 1e-10
    c_fixed = ~np.isnan(fixed_c)
    free = np.ones((len(y), 4), dtype=bool)
    free[:, 1] = ~c_fixed

    ds, rs = _scale(dose, valid), _scale(y, valid)
    x, ys = dose / ds[:, None], y / rs[:, None]
    with np.errstate(divide="ignore"):
        start = _self_start(np.log(np.where(x > 0, x, 1.0)), ys, valid, valid & (x > 0))
    with np.errstate(over="ignore"):
        start[:, 3] = np.exp(start[:, 3])
    start[c_fixed, 1] = (fixed_c / rs)[c_fixed]
    params, ok = _fit(x, ys, valid, start, free, log_model=False)
    params *= np.column_stack([np.ones_like(rs), rs, rs, ds])
    with np.errstate(invalid="ignore", divide="ignore"):
        params[:, 3] = np.log(params[:, 3])

    refit = ~ok
    final_ok = ok.copy()
    if refit.any():
        idx = np.flatnonzero(refit)
        lx = np.log(np.where(dose[idx] > 0, dose[idx], ZERO_DOSE))
        start = _self_start(lx, y[idx], valid[idx], valid[idx])
        start[c_fixed[idx], 1] = fixed_c[idx][c_fixed[idx]]
        params[idx], final_ok[idx] = _fit(lx, y[idx], valid[idx], start, free[idx],
                                          log_model=True)
    return params, refit, final_ok
