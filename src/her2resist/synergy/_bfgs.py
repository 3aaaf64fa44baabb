"""Batched variable-metric (BFGS) minimiser with R's ``optim(method="BFGS")`` semantics.

SynergyFinder fits its curves with ``drc::drm``, which calls ``optim``'s BFGS (R's
``vmmin``) with finite-difference gradients (step 1e-3 on parameters divided by
``parscale``), ``reltol = 1e-7`` and at most 500 iterations. Degenerate dose-response data
have no unique least-squares optimum, so the answer depends on the path of the optimiser;
to reproduce SynergyFinder's numbers the path is reproduced here, for many problems at once:
every problem is one row, and rows that have finished stop changing. The arithmetic is
vmmin's, operation for operation (sums in index order, the inverse-Hessian update term by
term on the lower triangle), because on flat least-squares valleys a last-bit difference
grows into a different optimum after a few hundred iterations.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_STEP_REDUCTION = 0.2
_ACCEPT_TOL = 1e-4
_REL_TEST = 10.0
_NDEPS = 1e-3

Objective = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise dot products summed in index order, as vmmin's loops do (no reordering)."""
    total = a[:, 0] * b[:, 0]
    for j in range(1, a.shape[1]):
        total = total + a[:, j] * b[:, j]
    return total


def _matvec(m: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Row-wise ``m @ v`` with each element summed in index order."""
    return np.stack([_dot(m[:, i, :], v) for i in range(m.shape[1])], axis=1)


def _gradient(fn: Objective, z: np.ndarray, rows: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Central differences in every free coordinate (one batched call of ``fn``)."""
    n, k = z.shape
    which = np.nonzero(free)
    m = len(which[0])
    points = np.concatenate([z[which[0]], z[which[0]]])
    points[np.arange(m), which[1]] += _NDEPS
    points[m + np.arange(m), which[1]] -= _NDEPS
    values = fn(points, np.concatenate([rows[which[0]], rows[which[0]]]))
    grad = np.zeros((n, k))
    grad[which] = (values[:m] - values[m:]) / (2 * _NDEPS)
    return grad


def _line_search(fn: Objective, x: np.ndarray, t: np.ndarray, fmin: np.ndarray,
                 gradproj: np.ndarray, rows: np.ndarray,
                 free: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backtracking search of vmmin: returns new point, value, step length, stalled flag."""
    step = np.ones(len(x))
    b = x.copy()
    f = fmin.copy()
    todo = np.ones(len(x), dtype=bool)
    stalled = np.zeros(len(x), dtype=bool)
    while todo.any():
        idx = np.flatnonzero(todo)
        trial = x[idx] + step[idx, None] * t[idx]
        b[idx] = trial
        same = np.sum((_REL_TEST + x[idx] == _REL_TEST + trial) & free[idx], axis=1)
        moved = same < free[idx].sum(axis=1)
        stalled[idx[~moved]] = True
        ev = idx[moved]
        if ev.size:
            val = fn(b[ev], rows[ev])
            f[ev] = val
            ok = np.isfinite(val) & (val <= fmin[ev] + gradproj[ev] * step[ev] * _ACCEPT_TOL)
            step[ev[~ok]] *= _STEP_REDUCTION
            todo[ev[ok]] = False
        todo[idx[~moved]] = False
    return b, f, step, stalled


def minimise(fn: Objective, start: np.ndarray, free: np.ndarray, *, maxit: int = 500,
             reltol: float = 1e-7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimise ``fn(z, rows)`` for every row of ``start``.

    ``fn`` takes points ``z`` of shape ``(k, p)`` and the indices ``rows`` of the problems
    they belong to, and returns ``(k,)`` values. ``free`` marks the coordinates that may
    move. Returns the minimisers, the minima and a flag that is False where R would have
    stopped with an error (non-finite start or finite-difference gradient).
    """
    n, k = start.shape
    nfree = free.sum(axis=1)
    b = start.copy()
    rows_all = np.arange(n)
    fmin = fn(b, rows_all)
    ok = np.isfinite(fmin)
    g = _gradient(fn, b, rows_all, free)
    ok &= np.isfinite(g).all(axis=1)
    hess = np.tile(np.eye(k), (n, 1, 1))
    gradcount = np.ones(n, dtype=int)
    ilast = gradcount.copy()
    iters = np.ones(n, dtype=int)
    active = ok.copy()
    while active.any():
        idx = np.flatnonzero(active)
        reset = ilast[idx] == gradcount[idx]
        hess[idx[reset]] = np.eye(k)
        x, gi = b[idx].copy(), g[idx]
        t = -_matvec(hess[idx], gi)
        gradproj = _dot(t, gi)
        count = np.zeros(len(idx), dtype=int)
        down = gradproj < 0
        new_b, f, step, stalled = _line_search(fn, x, t, fmin[idx], gradproj, idx, free[idx])
        new_b[~down] = x[~down]
        count[down & stalled] = nfree[idx][down & stalled]
        enough = np.abs(f - fmin[idx]) > reltol * (np.abs(fmin[idx]) + reltol)
        stop = down & ~enough
        count[stop] = nfree[idx][stop]
        fmin[idx[stop]] = f[stop]
        b[idx[down]] = new_b[down]
        progress = down & (count < nfree[idx])
        _update(fn, b, g, fmin, f, hess, x, gi, t, step, idx, progress, free, gradcount,
                ilast, iters, ok)
        noprog = down & ~progress
        restart = noprog & (ilast[idx] < gradcount[idx])
        count[restart] = 0
        ilast[idx[restart]] = gradcount[idx[restart]]
        up = ~down
        was_reset = ilast[idx] == gradcount[idx]
        count[up & was_reset] = nfree[idx][up & was_reset]
        ilast[idx[up & ~was_reset]] = gradcount[idx[up & ~was_reset]]
        periodic = gradcount[idx] - ilast[idx] > 2 * nfree[idx]
        ilast[idx[periodic]] = gradcount[idx[periodic]]
        finished = (iters[idx] >= maxit) | ((count == nfree[idx]) & (ilast[idx] == gradcount[idx]))
        active[idx[finished | ~ok[idx]]] = False
    return b, fmin, ok


def _update(fn: Objective, b: np.ndarray, g: np.ndarray, fmin: np.ndarray, f: np.ndarray,
            hess: np.ndarray, x: np.ndarray, gi: np.ndarray, t: np.ndarray, step: np.ndarray,
            idx: np.ndarray, progress: np.ndarray, free: np.ndarray, gradcount: np.ndarray,
            ilast: np.ndarray, iters: np.ndarray, ok: np.ndarray) -> None:
    """Accept the step of the rows that made progress and update their inverse Hessian."""
    sel = idx[progress]
    if sel.size == 0:
        return
    fmin[sel] = f[progress]
    new_g = _gradient(fn, b[sel], sel, free[sel])
    ok[sel] &= np.isfinite(new_g).all(axis=1)
    g[sel] = new_g
    gradcount[sel] += 1
    iters[sel] += 1
    ts = step[progress, None] * t[progress]
    cs = new_g - gi[progress]
    d1 = _dot(ts, cs)
    pos = d1 > 0
    h = hess[sel]
    xv = _matvec(h, cs)
    k = h.shape[1]
    with np.errstate(all="ignore"):
        d2 = 1.0 + _dot(xv, cs) / d1
        # vmmin's update of the lower triangle, term by term in its order, then mirrored.
        for i in range(k):
            for j in range(i + 1):
                h[:, i, j] += (d2 * ts[:, i] * ts[:, j] - xv[:, i] * ts[:, j]
                               - ts[:, i] * xv[:, j]) / d1
                h[:, j, i] = h[:, i, j]
    hess[sel[pos]] = h[pos]
    ilast[sel[~pos]] = gradcount[sel[~pos]]
