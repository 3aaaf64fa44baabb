"""Synergy reference models of SynergyFinder 3 on stacks of dose-response matrices.

Every function takes a stack of blocks of one shape: ``response`` of shape
``(n_blocks, n1 + 1, n2 + 1)`` in % inhibition, row 0 and column 0 at concentration 0,
concentrations ascending, ``conc1`` of shape ``(n_blocks, n1 + 1)`` and ``conc2`` of shape
``(n_blocks, n2 + 1)``. Each returns ``(reference, synergy)`` arrays of the response's shape,
where ``synergy = response - reference`` and single-drug and control wells score 0, as in
SynergyFinder. The formulas are written down in ``docs/synergy.md``.

Examples
--------
>>> import numpy as np
>>> r = np.array([[[0.0, 20.0], [30.0, 60.0]]])
>>> ref, syn = bliss(r)
>>> round(float(ref[0, 1, 1]), 9), round(float(syn[0, 1, 1]), 9)
(44.0, 16.0)
"""

from __future__ import annotations

import numpy as np

from her2resist.synergy.fit import CurveFits, fit_curves

__all__ = ["LOEWE_STEPS", "bliss", "fit_single_drugs", "hsa", "loewe", "zip_delta"]

#: Number of candidate responses SynergyFinder 3 scans to solve the Loewe equation.
LOEWE_STEPS = 100


def _with_singles(response: np.ndarray, combo_ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ref = response.copy()
    ref[:, 1:, 1:] = combo_ref
    return ref, response - ref


def _bliss_of(y1: np.ndarray, y2: np.ndarray) -> np.ndarray:
    """Bliss independence of two effects in % (broadcast over rows and columns)."""
    return (1.0 - (1.0 - y1[:, :, None] / 100.0) * (1.0 - y2[:, None, :] / 100.0)) * 100.0


def bliss(response: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bliss independence from the observed single-drug responses.

    Examples
    --------
    >>> import numpy as np
    >>> bliss(np.array([[[0.0, 50.0], [50.0, 75.0]]]))[1][0, 1, 1].item()
    0.0
    """
    return _with_singles(response, _bliss_of(response[:, 1:, 0], response[:, 0, 1:]))


def hsa(response: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Highest single agent: the larger of the two observed single-drug responses.

    Examples
    --------
    >>> import numpy as np
    >>> hsa(np.array([[[0.0, 50.0], [30.0, 70.0]]]))[1][0, 1, 1].item()
    20.0
    """
    combo = np.maximum(response[:, 1:, 0][:, :, None], response[:, 0, 1:][:, None, :])
    return _with_singles(response, combo)


def _in_order(dose: np.ndarray, resp: np.ndarray,
              rank: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Each curve's points sorted by ``rank`` (their order in the input table), as
    SynergyFinder passes them to drc; the fits' arithmetic depends on that order."""
    if rank is None:
        return dose, resp
    order = np.argsort(rank, axis=1, kind="stable")
    return np.take_along_axis(dose, order, axis=1), np.take_along_axis(resp, order, axis=1)


def fit_single_drugs(response: np.ndarray, conc1: np.ndarray, conc2: np.ndarray, *,
                     engine: str = "synergyfinder", rank: np.ndarray | None = None,
                     ) -> tuple[CurveFits, CurveFits]:
    """Free LL.4 fits of drug 1 (column 0) and drug 2 (row 0) of every block.

    ``rank`` (the response's shape, optional) gives each well's position in the input
    table; each curve's points are then fitted in that order, as SynergyFinder does.

    Examples
    --------
    >>> import numpy as np
    >>> c = np.array([[0.0, 1.0, 10.0, 100.0]])
    >>> r = np.zeros((1, 4, 4)); r[0, :, 0] = [0, 20, 60, 90]; r[0, 0, :] = [0, 5, 30, 70]
    >>> f1, f2 = fit_single_drugs(r, c, c)
    >>> bool(f1.ic50[0] < f2.ic50[0])
    True
    """
    nb, n1, n2 = response.shape
    width = max(n1, n2)
    dose = np.ones((2 * nb, width))
    resp = np.full((2 * nb, width), np.nan)
    order = np.full((2 * nb, width), np.inf)
    dose[:nb, :n1], resp[:nb, :n1] = conc1, response[:, :, 0]
    dose[nb:, :n2], resp[nb:, :n2] = conc2, response[:, 0, :]
    if rank is not None:
        order[:nb, :n1], order[nb:, :n2] = rank[:, :, 0], rank[:, 0, :]
    both = fit_curves(*_in_order(dose, resp, None if rank is None else order), engine=engine)
    return both.take(slice(0, nb)), both.take(slice(nb, 2 * nb))


def zip_delta(response: np.ndarray, conc1: np.ndarray, conc2: np.ndarray,
              singles: tuple[CurveFits, CurveFits] | None = None, *,
              engine: str = "synergyfinder", rank: np.ndarray | None = None,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Zero interaction potency: ``(fit, reference, delta)``.

    The reference is Bliss independence of the *fitted* single-drug curves. The fit is the
    mean of two predictions: each column of the matrix fitted as a dose-response curve of
    drug 1 with its zero-dose asymptote held at the observed response of drug 2 alone, and
    each row likewise for drug 2. ``rank`` as for :func:`fit_single_drugs`.

    Examples
    --------
    >>> import numpy as np
    >>> c = np.array([[0.0, 1.0, 10.0, 100.0]])
    >>> y = np.array([0.0, 20.0, 60.0, 90.0])
    >>> r = (1 - (1 - y[:, None] / 100) * (1 - y[None, :] / 100)) * 100
    >>> fit, ref, delta = zip_delta(r[None], c, c)
    >>> bool(np.abs(delta).max() < 1e-3)
    True
    """
    nb, n1, n2 = response.shape
    f1, f2 = singles or fit_single_drugs(response, conc1, conc2, engine=engine, rank=rank)
    ref_combo = _bliss_of(f1.predict(conc1)[:, 1:], f2.predict(conc2)[:, 1:])
    # Columns j >= 1: drug 1 varies, drug 2 fixed at conc2[j]; baseline = response[0, j].
    cols = np.moveaxis(response[:, :, 1:], 2, 1).reshape(-1, n1)
    rows = response[:, 1:, :].reshape(-1, n2)
    dose_c = np.repeat(conc1, n2 - 1, axis=0)
    dose_r = np.repeat(conc2, n1 - 1, axis=0)
    ranks = (None, None) if rank is None else (
        np.moveaxis(rank[:, :, 1:], 2, 1).reshape(-1, n1), rank[:, 1:, :].reshape(-1, n2))
    pred = _fit_predict([(dose_c, cols, ranks[0]), (dose_r, rows, ranks[1])], engine)
    pred_c = np.moveaxis(pred[0].reshape(nb, n2 - 1, n1), 1, 2)[:, 1:, :]
    pred_r = pred[1].reshape(nb, n1 - 1, n2)[:, :, 1:]
    fit = response.copy()
    fit[:, 1:, 1:] = (pred_c + pred_r) / 2.0
    ref, _ = _with_singles(response, ref_combo)
    return fit, ref, fit - ref


def _fit_predict(sets: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]],
                 engine: str) -> list[np.ndarray]:
    """Fit several sets of curves (c held at each curve's zero-dose response, column 0) in
    one batch, points in ``rank`` order when given; predictions at the given doses."""
    width = max(d.shape[1] for d, _, _ in sets)
    total = sum(len(d) for d, _, _ in sets)
    dose, resp = np.ones((total, width)), np.full((total, width), np.nan)
    order = np.full((total, width), np.inf)
    start = 0
    for d, r, k in sets:
        dose[start:start + len(d), :d.shape[1]] = d
        resp[start:start + len(d), :d.shape[1]] = r
        order[start:start + len(d), :d.shape[1]] = np.arange(d.shape[1]) if k is None else k
        start += len(d)
    fits = fit_curves(*_in_order(dose, resp, order), fixed_c=resp[:, 0], engine=engine)
    pred = fits.predict(dose)
    out, start = [], 0
    for d, _, _ in sets:
        out.append(pred[start:start + len(d), :d.shape[1]])
        start += len(d)
    return out


def loewe(response: np.ndarray, conc1: np.ndarray, conc2: np.ndarray,
          singles: tuple[CurveFits, CurveFits] | None = None,
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Loewe additivity: ``(reference, synergy, combination index)``.

    For a combination well with observed response ``y``, if neither fitted single-drug
    curve reaches ``y`` the reference is the larger single-drug prediction at the summed
    dose ``x1 + x2`` (an HSA-style cap). Otherwise the reference is the response ``Y`` among
    ``LOEWE_STEPS`` evenly spaced values between the lowest and highest asymptote of the
    two curves that minimises ``|x1 / X1(Y) + x2 / X2(Y) - 1|``, ``Xi`` being the inverse
    curves. The combination index is ``x1 / X1(y) + x2 / X2(y)`` (NaN outside combinations).

    Examples
    --------
    >>> import numpy as np
    >>> c = np.array([[0.0, 1.0, 2.0, 4.0, 8.0]])
    >>> y = 100 * c / (c + 2.0)
    >>> r = 100 * (c[0][:, None] + c[0][None, :]) / (c[0][:, None] + c[0][None, :] + 2.0)
    >>> ref, syn, ci = loewe(r[None], c, c)
    >>> bool(np.abs(syn).max() < 1.0)
    True
    """
    f1, f2 = singles or fit_single_drugs(response, conc1, conc2)
    x1 = conc1[:, 1:, None] * np.ones_like(conc2[:, None, 1:])
    x2 = conc2[:, None, 1:] * np.ones_like(conc1[:, 1:, None])
    y = response[:, 1:, 1:]
    nb = len(response)
    cap1 = f1.dose_for(y.reshape(nb, -1)).reshape(y.shape)
    cap2 = f2.dose_for(y.reshape(nb, -1)).reshape(y.shape)
    with np.errstate(all="ignore"):
        ci = x1 / cap1 + x2 / cap2
    reach = np.isfinite(cap1) | np.isfinite(cap2)
    total = (x1 + x2).reshape(nb, -1)
    capped = np.maximum(f1.predict(total), f2.predict(total)).reshape(y.shape)
    solved = _loewe_grid(x1, x2, f1, f2)
    combo = np.where(reach, solved, capped)
    ref, syn = _with_singles(response, combo)
    ci_full = np.full(response.shape, np.nan)
    ci_full[:, 1:, 1:] = ci
    return ref, syn, ci_full


def _loewe_grid(x1: np.ndarray, x2: np.ndarray, f1: CurveFits, f2: CurveFits) -> np.ndarray:
    """SynergyFinder's grid solution of the Loewe equation for every combination well."""
    lows = np.minimum.reduce([f1.emin, f1.emax, f2.emin, f2.emax])
    highs = np.maximum.reduce([f1.emin, f1.emax, f2.emin, f2.emax])
    # R's seq(low, high, length.out = n): low + k * ((high - low) / (n - 1)), ending on high
    # exactly (where a curve's inverse changes from a number to 0 or infinity).
    steps = np.arange(LOEWE_STEPS, dtype=float)
    y_test = lows[:, None] + steps[None, :] * ((highs - lows) / (LOEWE_STEPS - 1))[:, None]
    y_test[:, -1] = highs
    dose1 = f1.dose_for(y_test)[:, None, None, :]
    dose2 = f2.dose_for(y_test)[:, None, None, :]
    with np.errstate(all="ignore"):
        dist = np.abs(x1[..., None] / dose1 + x2[..., None] / dose2 - 1.0)
    missing = np.isnan(dist)
    best = np.argmin(np.where(missing, np.inf, dist), axis=-1)
    chosen = np.take_along_axis(
        np.broadcast_to(y_test[:, None, None, :], dist.shape), best[..., None], axis=-1
    )[..., 0]
    return np.where(missing.all(axis=-1), np.nan, chosen)
