"""Four-parameter log-logistic (LL.4) dose-response fits, many curves at once.

The model is the one of R's ``drc::LL.4``, which SynergyFinder uses::

    f(x) = c + (d - c) / (1 + exp(b * (log(x) - log(e))))

``b`` is the Hill slope in drc's sign convention (negative for a response that rises with
dose), ``c`` the response at dose 0 when ``b < 0``, ``d`` the response at infinite dose when
``b < 0`` and ``e`` the inflection dose (IC50 for a curve spanning 0 to 100).

Two engines fit every curve of a plate at once (each curve one row of a NumPy array):

- ``"synergyfinder"`` (default) retraces ``drc::drm``: drc's scaling and starting values,
  unbounded BFGS with R's stopping rules. Degenerate data (a step between two doses, a flat
  curve with one outlier) have no unique optimum; retracing drc's path is what makes the
  ZIP and Loewe scores equal SynergyFinder's. Where drc's LL.4 fit fails (a non-finite
  start, finite-difference gradient or Hessian value), the curve is refitted as
  SynergyFinder does, with drc's L.4 on log dose, and flagged ``"fallback"``; if that fails
  too (SynergyFinder would stop with an error), with the bounded engine.
- ``"bounded"``: multi-start Levenberg-Marquardt, global least squares within bounds
  ``|b| <= 50`` and ``log(e)`` within 12 natural-log units (a factor of ~160,000) of the
  tested doses; a fit that ends on a bound is flagged ``"extrapolated"``.

Fallback and flags, in order of precedence: a curve whose responses are all equal (range
below 1e-9) is a flat line ``c = d`` (the mean, or the fixed ``c``) with ``b = 0``, status
``"flat"``; ``"fallback"`` as above; ``"extrapolated"`` when the IC50 lies more than 1000-fold
outside the tested doses (the curve is a step or never reaches its midpoint); ``"poor"`` when
the fit explains less than half the variance (R² < 0.5, typical of non-monotone or noisy
data; the least-squares fit is kept). Statuses travel into every result table.

Examples
--------
>>> import numpy as np
>>> dose = np.array([[0.0, 0.1, 1.0, 10.0, 100.0]])
>>> resp = 100 / (1 + (1.0 / np.where(dose > 0, dose, 1e-300)) ** 1.5)
>>> fits = fit_curves(dose, resp)
>>> round(float(fits.ic50[0]), 4), round(float(fits.hill[0]), 4)
(1.0, -1.5)
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from scipy.special import expit

from her2resist.exceptions import ParameterError
from her2resist.synergy._drc import fit_drc

__all__ = ["CurveFits", "fit_curves", "ll4"]

_B_MAX = 50.0
_LOG_E_MARGIN = 12.0
_MAX_ITER = 200


@dataclass(frozen=True, slots=True)
class CurveFits:
    """Fitted LL.4 parameters of a batch of curves (one entry per curve).

    Attributes
    ----------
    hill, emin, emax, ic50
        drc's ``b``, ``c``, ``d`` and ``e``.
    rss, r2
        Residual sum of squares and coefficient of determination of each fit.
    status
        ``"ok"``, ``"flat"``, ``"fallback"``, ``"extrapolated"`` or ``"poor"`` (see the module
        docstring).
    log_ic50
        ``log(e)`` as fitted (optional; exact where ``e`` itself under- or overflows, as after
        an L.4 fit on log dose with an inflection far outside the doses).
    log_dose
        Optional flags: the curve is SynergyFinder's L.4 refit on log dose, whose inverse it
        computes as ``exp(log e + log((d - y)/(y - c))/b)`` rather than ``e ((d - y)/(y -
        c))^(1/b)``; :meth:`dose_for` follows it.

    Examples
    --------
    >>> import numpy as np
    >>> dose = np.array([[0.0, 0.1, 1.0, 10.0, 100.0]])
    >>> response = 100.0 / (1.0 + (1.0 / np.maximum(dose, 1e-12)))
    >>> fits = fit_curves(dose, response)
    >>> round(float(fits.ic50[0]), 1), fits.status.tolist()
    (1.0, ['ok'])
    """

    hill: np.ndarray
    emin: np.ndarray
    emax: np.ndarray
    ic50: np.ndarray
    rss: np.ndarray
    r2: np.ndarray
    status: np.ndarray
    log_ic50: np.ndarray | None = None
    log_dose: np.ndarray | None = None

    def _log_e(self) -> np.ndarray:
        if self.log_ic50 is not None:
            return self.log_ic50
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(self.ic50)

    def predict(self, dose: np.ndarray) -> np.ndarray:
        """Responses at ``dose`` (shape ``(n_curves, k)`` or broadcastable to it).

        Examples
        --------
        >>> import numpy as np
        >>> f = CurveFits(*(np.array([v]) for v in (-1.0, 0.0, 100.0, 2.0, 0.0, 1.0)),
        ...               status=np.array(["ok"]))
        >>> f.predict(np.array([[0.0, 2.0]])).round(6).tolist()
        [[0.0, 50.0]]
        """
        params = (self.hill, self.emin, self.emax, self._log_e())
        return ll4(np.asarray(dose, dtype=float), *(p[:, None] for p in params))

    def take(self, index: slice | np.ndarray) -> CurveFits:
        """The fits of a subset of curves.

        Examples
        --------
        >>> import numpy as np
        >>> f = fit_curves(np.tile([0.0, 1, 10, 100], (3, 1)), np.tile([0.0, 10, 60, 95], (3, 1)))
        >>> len(f.take(slice(0, 2)).hill)
        2
        """
        return CurveFits(*(None if getattr(self, f.name) is None else getattr(self, f.name)[index]
                           for f in fields(self)))

    def dose_for(self, response: np.ndarray) -> np.ndarray:
        """Dose at which each curve reaches ``response``, with SynergyFinder's conventions.

        A response that the curve never reaches gives ``inf`` when it lies above both
        asymptotes and ``0`` otherwise.

        Examples
        --------
        >>> import numpy as np
        >>> f = CurveFits(*(np.array([v]) for v in (-1.5, 0.0, 100.0, 2.0, 0.0, 1.0)),
        ...               status=np.array(["ok"]))
        >>> f.dose_for(np.array([[50.0, 150.0]])).tolist()
        [[2.0, inf]]
        """
        b, c, d, e, le = (p[:, None] for p in (self.hill, self.emin, self.emax, self.ic50,
                                                 self._log_e()))
        y = np.asarray(response, dtype=float)
        with np.errstate(all="ignore"):
            dose = e * ((d - y) / (y - c)) ** (1.0 / b)
            if self.log_dose is not None and self.log_dose.any():
                on_log = np.exp(le + np.log((d - y) / (y - c)) / b)
                dose = np.where(self.log_dose[:, None], on_log, dose)
        above = y > np.maximum(c, d)
        return np.where(np.isnan(dose), np.where(above, np.inf, 0.0), dose)


def ll4(dose: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray,
        log_e: np.ndarray) -> np.ndarray:
    """Evaluate the LL.4 model (dose 0 gives the zero-dose asymptote).

    Examples
    --------
    >>> import numpy as np
    >>> ll4(np.array([0.0, 1.0]), -1.0, 0.0, 100.0, 0.0).tolist()
    [0.0, 50.0]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        z = b * (np.log(dose) - log_e)
    g = expit(-np.nan_to_num(z, nan=0.0))
    return c + (d - c) * g


def _jacobian(dose: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Model values and Jacobian (n, m, 4) in (b, c, d, log e)."""
    b, c, d, le = (p[:, i, None] for i in range(4))
    with np.errstate(divide="ignore", invalid="ignore"):
        lx = np.log(dose) - le
        z = b * lx
    g = expit(-np.nan_to_num(z, nan=0.0))
    gg = g * (1.0 - g)
    positive = dose > 0
    jac = np.empty((*dose.shape, 4))
    jac[..., 0] = np.where(positive, -(d - c) * gg * np.where(positive, lx, 0.0), 0.0)
    jac[..., 1] = 1.0 - g
    jac[..., 2] = g
    jac[..., 3] = np.where(positive, (d - c) * gg * b, 0.0)
    return c + (d - c) * g, jac


def _rss(dose: np.ndarray, y: np.ndarray, w: np.ndarray, p: np.ndarray) -> np.ndarray:
    pred = ll4(dose, *(p[:, i, None] for i in range(4)))
    return np.sum(w * (y - pred) ** 2, axis=1)


def _lm(dose: np.ndarray, y: np.ndarray, w: np.ndarray, p: np.ndarray, free: np.ndarray,
        lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Batched Levenberg-Marquardt; ``free`` (n, 4) marks the parameters that may move."""
    lam = np.full(len(p), 1e-3)
    rss = _rss(dose, y, w, p)
    eye = np.eye(4)
    active = np.ones(len(p), dtype=bool)
    for _ in range(_MAX_ITER):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        pred, jac = _jacobian(dose[idx], p[idx])
        jac = jac * free[idx, None, :] * np.sqrt(w[idx])[..., None]
        res = (y[idx] - pred) * np.sqrt(w[idx])
        a = np.einsum("nmi,nmj->nij", jac, jac)
        g = np.einsum("nmi,nm->ni", jac, res)
        diag = np.einsum("nii->ni", a)
        damp = lam[idx, None] * diag + 1e-10 + np.where(free[idx], 0.0, 1.0)
        finite = np.isfinite(a).all(axis=(1, 2)) & np.isfinite(g).all(axis=1)
        lhs = np.where(finite[:, None, None], a + damp[..., None] * eye, eye)
        step = np.linalg.solve(lhs, np.where(finite[:, None], g, 0.0)[..., None])[..., 0]
        trial = np.clip(p[idx] + step * free[idx], lo[idx], hi[idx])
        new_rss = _rss(dose[idx], y[idx], w[idx], trial)
        better = new_rss < rss[idx]
        gain = np.where(better, rss[idx] - new_rss, 0.0)
        p[idx[better]] = trial[better]
        rss[idx[better]] = new_rss[better]
        lam[idx] = np.where(better, lam[idx] / 10.0, lam[idx] * 10.0)
        done = (better & (gain <= 1e-12 * (rss[idx] + 1e-12))) | (lam[idx] > 1e12)
        active[idx[done]] = False
    return p, rss


def _starts(dose: np.ndarray, y: np.ndarray, w: np.ndarray,
            fixed_c: np.ndarray) -> list[np.ndarray]:
    """Starting points: rising and falling curves centred at three doses."""
    has = w > 0
    ymin = np.where(has, y, np.inf).min(axis=1)
    ymax = np.where(has, y, -np.inf).max(axis=1)
    logd = np.where(has & (dose > 0), np.log(np.where(dose > 0, dose, 1.0)), np.nan)
    with np.errstate(all="ignore"):
        centres = np.nanquantile(logd, [0.25, 0.5, 0.75], axis=1)
    centres = np.nan_to_num(centres, nan=0.0)
    c_given = ~np.isnan(fixed_c)
    starts = []
    for slope in (-1.0, 1.0):
        for centre in centres:
            c0 = np.where(c_given, fixed_c, ymin if slope < 0 else ymax)
            far = np.where(np.abs(ymax - c0) >= np.abs(ymin - c0), ymax, ymin)
            d0 = np.where(c_given, far, ymax if slope < 0 else ymin)
            starts.append(np.column_stack([np.full_like(c0, slope), c0, d0, centre]))
    return starts


ENGINES = ("synergyfinder", "bounded")


def fit_curves(dose: np.ndarray, response: np.ndarray, *, fixed_c: np.ndarray | None = None,
               engine: str = "synergyfinder") -> CurveFits:
    """Fit one LL.4 curve per row of ``dose``/``response`` (NaN responses are ignored).

    Parameters
    ----------
    dose, response
        Arrays of shape ``(n_curves, n_points)``; doses >= 0.
    fixed_c
        Optional ``(n_curves,)`` values at which to hold ``c`` (NaN leaves it free), as
        SynergyFinder's ZIP does with the response of the zero-dose well.
    engine
        ``"synergyfinder"`` follows ``drc::drm`` (unbounded BFGS from drc's starting values)
        so that scores match SynergyFinder 3; a curve whose LL.4 fit fails is refitted as
        SynergyFinder does (L.4 on log dose; the bounded engine if that fails too) and
        flagged ``"fallback"``. ``"bounded"`` is a multi-start
        Levenberg-Marquardt fit within the bounds of the module docstring.

    Returns
    -------
    CurveFits

    Examples
    --------
    >>> import numpy as np
    >>> dose = np.tile([0.0, 1.0, 3.0, 10.0, 30.0], (2, 1))
    >>> resp = np.array([[0, 10, 40, 75, 90], [5, 5, 5, 5, 5]], dtype=float)
    >>> fit_curves(dose, resp).status.tolist()
    ['ok', 'flat']
    """
    if engine not in ENGINES:
        raise ParameterError("engine", "fit_curves", f"one of {set(ENGINES)}", engine)
    dose = np.atleast_2d(np.asarray(dose, dtype=float))
    y = np.atleast_2d(np.asarray(response, dtype=float))
    n = y.shape[0]
    fixed = np.full(n, np.nan) if fixed_c is None else np.asarray(fixed_c, dtype=float)
    failed = log_dose = np.zeros(n, dtype=bool)
    if engine == "synergyfinder":
        p, failed, ok = fit_drc(dose, y, fixed)
        log_dose = failed & ok
        if not ok.all():
            bounded = _fit_bounded(dose[~ok], y[~ok], fixed[~ok])
            bounded[:, 3] = np.log(bounded[:, 3])
            p[~ok] = bounded
    else:
        p = _fit_bounded(dose, y, fixed)
    w = (~np.isnan(y)).astype(float)
    y = np.nan_to_num(y)
    rss = _rss(dose, y, w, p)
    lo, hi = _bounds(dose, w)
    return _finish(p, rss, dose, y, w, (lo, hi) if engine == "bounded" else None, fixed, failed,
                   log_dose)


def _bounds(dose: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(dose)
    logd = np.log(np.where((dose > 0) & (w > 0), dose, np.nan))
    with np.errstate(all="ignore"):
        lo_e = np.nan_to_num(np.nanmin(logd, axis=1), nan=0.0) - _LOG_E_MARGIN
        hi_e = np.nan_to_num(np.nanmax(logd, axis=1), nan=0.0) + _LOG_E_MARGIN
    lo = np.column_stack([np.full(n, -_B_MAX), np.full(n, -np.inf), np.full(n, -np.inf), lo_e])
    hi = np.column_stack([np.full(n, _B_MAX), np.full(n, np.inf), np.full(n, np.inf), hi_e])
    return lo, hi


def _fit_bounded(dose: np.ndarray, response: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """Multi-start bounded LM; returns (b, c, d, e) per curve."""
    n = response.shape[0]
    w = (~np.isnan(response)).astype(float)
    y = np.nan_to_num(response)
    free = np.ones((n, 4))
    free[:, 1] = np.isnan(fixed)
    lo, hi = _bounds(dose, w)
    starts = _starts(dose, y, w, fixed)
    k = len(starts)
    p, rss = _lm(np.tile(dose, (k, 1)), np.tile(y, (k, 1)), np.tile(w, (k, 1)),
                 np.clip(np.concatenate(starts), np.tile(lo, (k, 1)), np.tile(hi, (k, 1))),
                 np.tile(free, (k, 1)), np.tile(lo, (k, 1)), np.tile(hi, (k, 1)))
    best = np.argmin(rss.reshape(k, n), axis=0)
    p = p.reshape(k, n, 4)[best, np.arange(n)]
    p[:, 3] = np.exp(p[:, 3])
    return p


def _finish(p: np.ndarray, rss: np.ndarray, dose: np.ndarray, y: np.ndarray, w: np.ndarray,
            bounds: tuple[np.ndarray, np.ndarray] | None, fixed: np.ndarray,
            failed: np.ndarray, log_dose: np.ndarray) -> CurveFits:
    """Apply the flat-curve fallback, compute R² and the status of every fit."""
    count = w.sum(axis=1)
    mean = np.sum(w * y, axis=1) / np.maximum(count, 1)
    tss = np.sum(w * (y - mean[:, None]) ** 2, axis=1)
    yrange = np.where(w > 0, y, -np.inf).max(axis=1) - np.where(w > 0, y, np.inf).min(axis=1)
    flat = yrange < 1e-9
    level = np.where(np.isnan(fixed), mean, fixed)
    p = p.copy()
    p[flat] = np.column_stack([np.zeros(flat.sum()), level[flat], level[flat],
                               np.zeros(flat.sum())])
    rss = np.where(flat, np.sum(w * (y - level[:, None]) ** 2, axis=1), rss)
    with np.errstate(all="ignore"):
        r2 = np.where(tss > 0, 1.0 - rss / tss, 1.0)
    logd = np.log(np.where((dose > 0) & (w > 0), dose, np.nan))
    with np.errstate(all="ignore"):
        outside = (p[:, 3] < np.nanmin(logd, axis=1) - np.log(1000.0)) | (
            p[:, 3] > np.nanmax(logd, axis=1) + np.log(1000.0))
    if bounds is not None:
        lo, hi = bounds
        outside |= np.any((np.isclose(p, lo) | np.isclose(p, hi))[:, [0, 3]], axis=1)
    status = np.select([flat, failed, outside, r2 < 0.5],
                       ["flat", "fallback", "extrapolated", "poor"], "ok")
    with np.errstate(over="ignore"):
        ic50 = np.exp(p[:, 3])
    return CurveFits(hill=p[:, 0], emin=p[:, 1], emax=p[:, 2], ic50=ic50,
                     rss=rss, r2=r2, status=status, log_ic50=p[:, 3],
                     log_dose=log_dose & ~flat)
