"""Score every block of a plate: per-well tables, block summaries, single-drug fits.

Examples
--------
>>> import pandas as pd
>>> from her2resist.synergy.plate import validate_plate
>>> c = [0.0, 1.0, 3.0, 10.0]
>>> rows = [dict(drug1="A", drug2="B", conc1=a, conc2=b,
...              response=100 * (1 - (1 - a / (a + 3)) * (1 - b / (b + 2))))
...         for a in c for b in c]
>>> plate = validate_plate(pd.DataFrame(rows), response_type="inhibition")
>>> result = score_plate(plate)
>>> bool(abs(result.blocks.loc[0, "Bliss_synergy"]) < 1e-9)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from her2resist.common.execution import run_tasks
from her2resist.exceptions import ParameterError
from her2resist.synergy.fit import ENGINES, CurveFits
from her2resist.synergy.plate import Plate
from her2resist.synergy.scores import bliss, fit_single_drugs, hsa, loewe, zip_delta

__all__ = ["METHODS", "SynergyResult", "score_plate"]

#: Score names, spelled as SynergyFinder spells them.
METHODS = ("ZIP", "HSA", "Bliss", "Loewe")
_KEYS = ["block_id", "replicate"]
#: Blocks scored together as one stack (larger stacks amortise per-iteration overhead).
_BATCH = 4096


@dataclass(frozen=True, slots=True)
class SynergyResult:
    """Scores of a plate; the three tables share ``block_id`` and ``replicate``.

    Attributes
    ----------
    wells
        One row per well: ``block_id``, ``replicate`` (0 = replicates averaged), ``conc1``,
        ``conc2``, ``response`` (% inhibition), and per method ``{M}_ref`` and
        ``{M}_synergy``; ``ZIP_fit`` and ``Loewe_ci`` (combination index) when computed.
    blocks
        One row per block: ``block_id``, ``replicate``, ``drug1``, ``drug2``,
        ``cell_line``, ``conc_unit1``, ``conc_unit2``, ``n_wells``, ``{M}_synergy`` (mean
        over combination wells, as SynergyFinder), ``{M}_msa`` (most synergistic area: the
        highest mean over a 3x3 window of combination wells) with ``{M}_msa_conc1`` and
        ``{M}_msa_conc2`` (its concentration ranges), and the single-drug fits
        ``ic50_k`` (capped at the highest tested dose, as SynergyFinder reports it), ``ic50_fit_k``
        (the fitted inflection dose), ``hill_k``, ``emax_k`` (effect at infinite dose), ``c_k``,
        ``d_k`` (the LL.4 asymptotes), ``r2_k``, ``fit_status_k`` for k = 1, 2.
    methods
        The methods computed.

    Examples
    --------
    >>> from her2resist.synergy import read_plate
    >>> result = score_plate(read_plate("examples/synergy/plate.csv"), methods=["Bliss"])
    >>> list(result.blocks["block_id"]), "Bliss_synergy" in result.wells.columns
    (['lap_alp', 'lap_pal'], True)
    """

    wells: pd.DataFrame
    blocks: pd.DataFrame
    methods: tuple[str, ...]

    def _repr_html_(self) -> str:
        """The plate's block scores as a card in a notebook."""
        from her2resist._html import card

        blocks = self.blocks[self.blocks["replicate"] == 0] if "replicate" in self.blocks \
            else self.blocks
        return card("Synergy scores", [("blocks", len(blocks)), ("methods", self.methods),
                                       ("wells", len(self.wells))],
                    tables=[("Mean synergy per block", self.summary().loc[blocks.index])])

    def summary(self) -> pd.DataFrame:
        """The block table's identifying columns and block scores.

        Examples
        --------
        >>> list(SynergyResult(pd.DataFrame(), pd.DataFrame(
        ...     columns=["block_id", "drug1", "drug2", "cell_line", "Bliss_synergy"]),
        ...     ("Bliss",)).summary().columns)
        ['block_id', 'drug1', 'drug2', 'cell_line', 'Bliss_synergy']
        """
        cols = ["block_id", "drug1", "drug2", "cell_line"]
        cols += [f"{m}_synergy" for m in self.methods]
        return self.blocks[cols]


def _check_methods(methods: Sequence[str]) -> tuple[str, ...]:
    lookup = {m.lower(): m for m in METHODS}
    chosen = tuple(dict.fromkeys(lookup.get(str(m).strip().lower(), "") for m in methods))
    if not chosen or "" in chosen:
        raise ParameterError("methods", "score_plate", f"a non-empty subset of {set(METHODS)}",
                             list(methods))
    return chosen


def score_plate(plate: Plate, *, methods: Sequence[str] = METHODS, replicates: str = "mean",
                engine: str = "synergyfinder", workers: int = 1,
                progress: object = None) -> SynergyResult:
    """Score every block of ``plate`` with the chosen reference models.

    Parameters
    ----------
    plate
        From :func:`read_plate`, :func:`validate_plate` or :func:`read_oneil`.
    methods
        Any of ``"ZIP"``, ``"HSA"``, ``"Bliss"``, ``"Loewe"`` (case-insensitive).
    replicates
        ``"mean"`` averages replicate wells before scoring (``replicate = 0``); ``"keep"``
        scores each replicate separately (one block row per replicate).
    engine
        Curve-fitting engine, see :func:`~her2resist.synergy.fit.fit_curves`.
    workers
        Processes to spread blocks over (blocks are scored in vectorised batches).
    progress
        Optional callable ``progress(n_done)`` called as batches finish.

    Returns
    -------
    SynergyResult

    Examples
    --------
    >>> import pandas as pd
    >>> from her2resist.synergy.plate import validate_plate
    >>> c = [0.0, 1.0, 2.0]
    >>> t = pd.DataFrame([dict(drug1="A", drug2="B", conc1=a, conc2=b, response=10 * (a + b))
    ...                   for a in c for b in c])
    >>> r = score_plate(validate_plate(t, response_type="inhibition"), methods=["hsa"])
    >>> r.blocks["HSA_synergy"].round(3).tolist()
    [12.5]
    """
    chosen = _check_methods(methods)
    if replicates not in ("mean", "keep"):
        raise ParameterError("replicates", "score_plate", "one of {'mean', 'keep'}", replicates)
    if engine not in ENGINES:
        raise ParameterError("engine", "score_plate", f"one of {set(ENGINES)}", engine)
    data = plate.data.copy()
    if replicates == "mean":
        data["replicate"] = 0
    wells = data.groupby([*_KEYS, "conc1", "conc2"], sort=False)["response"].mean()
    # Wells in order of first appearance (the order SynergyFinder fits each curve's points).
    wells = wells.reset_index().assign(rank=lambda t: np.arange(len(t), dtype=float))
    batches = [g for _, g in wells.groupby(_shape_key(wells), sort=False)]
    n_blocks = len(wells[_KEYS].drop_duplicates())
    size = min(_BATCH, -(-n_blocks // max(workers, 1)))
    batches = [b for g in batches for b in _split(g, size)]
    jobs = [(b, chosen, engine) for b in batches]
    parts = run_tasks(_score_batch, jobs, workers=workers)
    for part in parts:
        _report(progress, part)
    well_table = pd.concat([p[0] for p in parts], ignore_index=True)
    block_table = pd.concat([p[1] for p in parts], ignore_index=True)
    meta = data.groupby(_KEYS, sort=False)[["drug1", "drug2", "cell_line", "conc_unit1",
                                            "conc_unit2"]].first().reset_index()
    block_table = meta.merge(block_table, on=_KEYS, how="right")
    order = {b: i for i, b in enumerate(plate.block_ids)}
    block_table = block_table.sort_values(["block_id", "replicate"], key=lambda s: s.map(
        order) if s.name == "block_id" else s, kind="stable").reset_index(drop=True)
    return SynergyResult(well_table, block_table, chosen)


def _report(progress: object, part: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    if callable(progress):
        progress(len(part[1]))


def _shape_key(wells: pd.DataFrame) -> pd.Series:
    sizes = wells.groupby(_KEYS, sort=False)[["conc1", "conc2"]].transform("nunique")
    return sizes["conc1"].astype(str) + "x" + sizes["conc2"].astype(str)


def _split(group: pd.DataFrame, size: int) -> list[pd.DataFrame]:
    keys = group[_KEYS].drop_duplicates()
    return [group.merge(keys.iloc[i:i + size], on=_KEYS) for i in range(0, len(keys), size)]


def _score_batch(job: tuple[pd.DataFrame, tuple[str, ...], str],
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score blocks of one shape as one stack of matrices."""
    group, methods, engine = job
    group = group.sort_values([*_KEYS, "conc1", "conc2"], kind="stable")
    ids = group[_KEYS].drop_duplicates()
    nb = len(ids)
    n2 = int(group.groupby(_KEYS)["conc2"].nunique().iloc[0])
    n1 = len(group) // nb // n2
    resp = group["response"].to_numpy().reshape(nb, n1, n2)
    conc1 = group["conc1"].to_numpy().reshape(nb, n1, n2)[:, :, 0]
    conc2 = group["conc2"].to_numpy().reshape(nb, n1, n2)[:, 0, :]
    rank = group["rank"].to_numpy().reshape(nb, n1, n2)
    singles = fit_single_drugs(resp, conc1, conc2, engine=engine, rank=rank)
    cols = _score_columns(resp, conc1, conc2, methods, singles, engine, rank)
    wells = group[[*_KEYS, "conc1", "conc2", "response"]].reset_index(drop=True)
    for name, values in cols.items():
        wells[name] = values.reshape(-1)
    blocks = ids.reset_index(drop=True)
    blocks["n_wells"] = n1 * n2
    for m in methods:
        syn = cols[f"{m}_synergy"]
        blocks[f"{m}_synergy"] = syn[:, 1:, 1:].reshape(nb, -1).mean(axis=1)
        for key, value in _most_synergistic_area(syn[:, 1:, 1:], conc1[:, 1:],
                                                 conc2[:, 1:]).items():
            blocks[f"{m}_{key}"] = value
    for k, (fit, conc) in enumerate(zip(singles, (conc1, conc2), strict=True), start=1):
        # Reported as SynergyFinder's CalculateIC50 reports it: capped at the highest tested
        # dose (not raised to the lowest); the fitted inflection (which draws the curve) is
        # kept beside it.
        blocks[f"ic50_{k}"] = np.minimum(fit.ic50, conc[:, 1:].max(axis=1))
        blocks[f"ic50_fit_{k}"], blocks[f"hill_{k}"] = fit.ic50, fit.hill
        blocks[f"emax_{k}"], blocks[f"r2_{k}"] = _emax(fit), fit.r2
        blocks[f"c_{k}"], blocks[f"d_{k}"] = fit.emin, fit.emax
        blocks[f"fit_status_{k}"] = fit.status
    return wells, blocks


def _emax(fit: CurveFits) -> np.ndarray:
    """Effect at infinite dose (``d`` for a rising curve, ``c`` for a falling one)."""
    return np.where(fit.hill <= 0, fit.emax, fit.emin)


def _score_columns(resp: np.ndarray, conc1: np.ndarray, conc2: np.ndarray,
                   methods: tuple[str, ...], singles: tuple[CurveFits, CurveFits],
                   engine: str, rank: np.ndarray) -> dict[str, np.ndarray]:
    cols: dict[str, np.ndarray] = {}
    if "ZIP" in methods:
        cols["ZIP_fit"], cols["ZIP_ref"], cols["ZIP_synergy"] = zip_delta(
            resp, conc1, conc2, singles, engine=engine, rank=rank)
    if "HSA" in methods:
        cols["HSA_ref"], cols["HSA_synergy"] = hsa(resp)
    if "Bliss" in methods:
        cols["Bliss_ref"], cols["Bliss_synergy"] = bliss(resp)
    if "Loewe" in methods:
        cols["Loewe_ref"], cols["Loewe_synergy"], cols["Loewe_ci"] = loewe(
            resp, conc1, conc2, singles)
    return cols


def _most_synergistic_area(syn: np.ndarray, conc1: np.ndarray,
                           conc2: np.ndarray) -> dict[str, np.ndarray]:
    """Highest mean synergy over 3x3 windows of combination wells (smaller if the grid is)."""
    nb, n1, n2 = syn.shape
    w1, w2 = min(3, n1), min(3, n2)
    means = sliding_window_view(syn, (w1, w2), axis=(1, 2)).mean(axis=(-2, -1))
    flat = means.reshape(nb, -1)
    best = np.argmax(flat, axis=1)
    i, j = np.unravel_index(best, means.shape[1:])
    rows = np.arange(nb)
    return {
        "msa": flat[rows, best],
        "msa_conc1": np.array([f"{a:g}-{b:g}" for a, b in
                               zip(conc1[rows, i], conc1[rows, i + w1 - 1], strict=True)]),
        "msa_conc2": np.array([f"{a:g}-{b:g}" for a, b in
                               zip(conc2[rows, j], conc2[rows, j + w2 - 1], strict=True)]),
    }

