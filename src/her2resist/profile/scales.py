"""Which scale a copy-number or expression matrix uses, decided from its values.

A gene-level table's typical value is its neutral state, which differs by scale: a
cBioPortal discrete call table is mostly 0, absolute copy numbers sit near the ploidy (2 to
4), log2 ratios near 0 with negative and fractional values, z-scores near 0 on both sides,
log2 expression between 0 and ~20, TPM and counts in the hundreds and thousands. The readers
take the scale from the caller when given (``--cna-scale``, ``--expression-scale``); else
:func:`detect_cna_scale` and :func:`detect_expression_scale` decide it from these facts and
refuse, naming what they saw, when the values fit no scale or more than one.

Examples
--------
>>> import numpy as np
>>> detect_cna_scale(np.array([[0, 2, -2, 0, 1]]), "x.txt")[0]
'discrete'
>>> detect_cna_scale(np.array([[2.1, 1.9, 8.5, 0.2]]), "x.txt")[0]
'copies'
>>> detect_cna_scale(np.array([[0.01, -0.3, 2.5, -1.2]]), "x.txt")[0]
'log2'
>>> detect_expression_scale(np.array([[5.2, 11.0, 0.0, 8.3]]), "x.txt")[0]
'log2'
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from her2resist.exceptions import ProfileError

CnaScale = Literal["discrete", "copies", "log2"]
ExpressionScale = Literal["zscore", "log2", "tpm", "counts"]
CNA_SCALES: tuple[str, ...] = ("discrete", "copies", "log2")
EXPRESSION_SCALES: tuple[str, ...] = ("zscore", "log2", "tpm", "counts")

DISCRETE_VALUES = np.array([-2.0, -1.5, -1.0, 0.0, 1.0, 2.0])
#: Absolute copies: >= 6 per cell is an amplification, <= 0.5 a deep deletion.
AMPLIFIED_COPIES = 6.0
DELETED_COPIES = 0.5
#: ERBB2 copies from which a gain is called, below the amplification (a low-level gain).
GAINED_COPIES = 4.0
#: log2 ratios: the copy thresholds at ploidy 2 and purity 1 (log2(6/2), log2(0.5/2)).
AMPLIFIED_LOG2 = float(np.log2(AMPLIFIED_COPIES / 2))
DELETED_LOG2 = float(np.log2(DELETED_COPIES / 2))
GAINED_LOG2 = float(np.log2(GAINED_COPIES / 2))
#: log2 expression never goes beyond this (2**30 reads or TPM); above it the data are linear.
MAX_LOG2_EXPRESSION = 30.0
#: z-score tables are centred on 0; a few outlier genes may pull a small table's median to this.
MAX_ZSCORE_MEDIAN = 3.0
#: Fewer samples than this in a file give a warning when raw expression is z-scored on them.
MIN_COHORT = 20


def _summary(values: np.ndarray, count: int) -> str:
    return (f"{count} values from {np.nanmin(values):g} to {np.nanmax(values):g}, median "
            f"{_median(values):g}")


#: The median is taken on at most this many evenly spaced cells (the decision needs no more).
MEDIAN_CELLS = 1_000_000


def _count(values: np.ndarray) -> int:
    """Number of present (non-NaN) values; the arrays are never compacted (20M cells)."""
    return int(values.size - np.count_nonzero(np.isnan(values)))


def _median(values: np.ndarray) -> float:
    flat = values.ravel()
    sample = flat[:: max(1, flat.size // MEDIAN_CELLS)]
    sample = sample[~np.isnan(sample)]
    if sample.size == 0:
        sample = flat[~np.isnan(flat)]
    return float(np.median(sample))


def _all(test: np.ndarray, values: np.ndarray) -> bool:
    """Whether ``test`` holds for every present value."""
    return bool(np.all(test | np.isnan(values)))


def detect_cna_scale(values: np.ndarray, path: str) -> tuple[CnaScale, str]:
    """The scale of a copy-number matrix and the evidence, or a ProfileError when ambiguous."""
    count = _count(values)
    if count == 0:
        return "discrete", "no values"
    median, low = _median(values), float(np.nanmin(values))
    seen = _summary(values, count)
    if (median == 0 or low < 0) and _all(np.isin(values, DISCRETE_VALUES), values):
        return "discrete", f"{seen}, all of them -2..2 calls"
    if low >= 0 and median >= 1.5:
        return "copies", f"{seen}: never negative, typical value near a ploidy"
    if low < 0 and not _all(values * 2 == np.round(values * 2), values):
        return "log2", f"{seen}: negative and fractional, as log2 ratios are"
    if low < 0:
        raise ProfileError(path, f"copy-number values out of range: {seen}; whole numbers "
                           "outside the discrete calls -2..2, and copies are never negative. "
                           "Fix the values, or give the scale with --cna-scale "
                           "discrete|copies|log2")
    raise ProfileError(path, f"cannot tell the copy-number scale: {seen}; neither discrete "
                       "calls (mostly 0), copies (never negative, typically 2-4) nor log2 "
                       "ratios (fractional, both signs). Give it with --cna-scale "
                       "discrete|copies|log2")


def detect_expression_scale(values: np.ndarray, path: str) -> tuple[ExpressionScale, str]:
    """The scale of an expression matrix and the evidence, or a ProfileError when ambiguous."""
    count = _count(values)
    if count == 0:
        return "zscore", "no values"
    median, low, high = _median(values), float(np.nanmin(values)), float(np.nanmax(values))
    seen = _summary(values, count)
    if low < 0 and abs(median) <= MAX_ZSCORE_MEDIAN:
        return "zscore", f"{seen}: negative values near 0, as z-scores are"
    if low >= 0 and high > MAX_LOG2_EXPRESSION:
        if _all(values == np.round(values), values):
            return "counts", f"{seen}: whole numbers beyond any log2 value"
        return "tpm", f"{seen}: fractional, beyond any log2 value"
    if low >= -1 and median > 1 and high <= MAX_LOG2_EXPRESSION:
        return "log2", f"{seen}: between 0 and {MAX_LOG2_EXPRESSION:g}, as log2 expression is"
    raise ProfileError(path, f"cannot tell the expression scale: {seen}; neither z-scores "
                       "(negative values, median near 0), log2 values (0-30) nor TPM or counts "
                       "(beyond 30). Give it with --expression-scale zscore|log2|tpm|counts")


def to_zscores(values: np.ndarray, scale: ExpressionScale) -> np.ndarray:
    """z-scores per gene (row) against the samples (columns) of the file.

    TPM become log2(TPM + 1); counts become log2(CPM + 1) (counts per million of each
    sample's total); log2 values are used as they are. A gene with no spread gets z = 0.

    Examples
    --------
    >>> to_zscores(np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]]), "log2").round(2).tolist()
    [[-1.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    """
    if scale == "zscore":
        return values
    logged = values
    if scale == "counts":
        totals = np.nansum(values, axis=0)
        logged = np.log2(values / np.where(totals > 0, totals, 1.0) * 1e6 + 1.0)
    elif scale == "tpm":
        logged = np.log2(values + 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(logged, axis=1, keepdims=True)
        spread = np.nanstd(logged, axis=1, ddof=1, keepdims=True)
        z = (logged - mean) / spread
    return np.where(np.isfinite(spread) & (spread > 0), z, np.where(np.isnan(values), np.nan,
                                                                     0.0))


def check_scale_values(values: np.ndarray, scale: str, kind: str, path: str,
                       where: tuple[np.ndarray, tuple[str, ...], str], *, given: bool) -> None:
    """Values the scale cannot hold are errors naming the first such cell.

    ``where`` is (line numbers per row, sample names per column, gene column name).
    """
    if kind == "cna" and scale == "discrete":
        bad = ~np.isnan(values) & ~np.isin(values, DISCRETE_VALUES)
        accepted = "a discrete call -2, -1, 0, 1 or 2"
    elif scale in ("copies", "tpm", "counts"):
        bad = values < 0
        accepted = f"{'copies' if scale == 'copies' else scale}, which are never negative"
    else:
        return
    if not bad.any():
        return
    row, column = (int(i) for i in np.argwhere(bad)[0])
    lines, samples, _ = where
    how = "was given" if given else "was detected from the other values"
    raise ProfileError(path, f"{values[row, column]:g} is not {accepted} (the scale {scale!r} "
                       f"{how})", line=int(lines[row]),
                       field=samples[column])
