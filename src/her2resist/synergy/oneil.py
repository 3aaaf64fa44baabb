"""Read the O'Neil et al. (2016) screen, whose combination blocks lack single-drug wells.

The combination file has one row per well: ``BatchID, cell_line, drugA_name, drugA_conc_uM,
drugB_name, drugB_conc_uM, combination_name, viability1..4`` (viability as a fraction of
the untreated control). The single-agent file has ``BatchID, cell_line, drug_name,
Drug_concentration (microM), viability1..6``.

For each (cell line, drug) the single-agent responses of all batches, with the untreated
control as 0 % inhibition at dose 0, are fitted with one LL.4 curve (all curves in one
batch); its predictions at the block's concentrations fill the block's single-drug row and
column, and the untreated well is 0 % inhibition. A block id is
``drugA_drugB_cellline_batch``.

Examples
--------
>>> import io
>>> combos = io.StringIO(
...     "BatchID,cell_line,drugA_name,drugA_conc_uM,drugB_name,drugB_conc_uM,"
...     "combination_name,viability1,viability2\\n" + "\\n".join(
...     f"1,C1,A,{a},B,{b},x,{0.9 - 0.1 * i - 0.1 * j:.2f},{0.9 - 0.1 * i - 0.1 * j:.2f}"
...     for i, a in enumerate([1, 10]) for j, b in enumerate([1, 10])))
>>> singles = io.StringIO("BatchID,cell_line,drug_name,Drug_concentration (microM),"
...     "viability1\\n" + "\\n".join(f"1,C1,{d},{c},{1 - c / (c + 5):.3f}"
...     for d in "AB" for c in (0.1, 1, 10, 100)))
>>> plate = read_oneil(combos, singles)
>>> sorted(plate.data["conc1"].unique().tolist())
[0.0, 1.0, 10.0]
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from her2resist.exceptions import DataQualityWarning, PlateError
from her2resist.synergy.fit import fit_curves
from her2resist.synergy.plate import Plate, validate_plate

__all__ = ["fit_single_agents", "read_oneil"]

_COMBO_COLUMNS = ("BatchID", "cell_line", "drugA_name", "drugA_conc_uM", "drugB_name",
                  "drugB_conc_uM")
_SINGLE_COLUMNS = ("cell_line", "drug_name", "Drug_concentration (microM)")


def _read(path: str | Path | IO[str], required: tuple[str, ...]) -> pd.DataFrame:
    source = str(getattr(path, "name", path))
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise PlateError(source, f"not a readable CSV table ({exc})") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise PlateError(source, f"missing column(s) {', '.join(missing)}; the O'Neil format "
                         f"needs {', '.join(required)} and viability1..n", line=1)
    if not any(c.startswith("viability") for c in frame.columns):
        raise PlateError(source, "no viability1..n column", line=1)
    return frame


def _long(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per replicate viability, as % inhibition."""
    reps = [c for c in frame.columns if c.startswith("viability")]
    long = frame.melt(id_vars=keys, value_vars=reps, var_name="replicate", value_name="v")
    long = long.dropna(subset=["v"])
    long["replicate"] = long["replicate"].str.replace("viability", "").astype(int)
    long["response"] = 100.0 * (1.0 - long["v"].astype(float))
    return long.drop(columns="v")


def fit_single_agents(singles: pd.DataFrame, *, engine: str = "synergyfinder") -> pd.DataFrame:
    """Fit one LL.4 curve per (cell line, drug) of an O'Neil single-agent table.

    Returns a table with columns ``cell_line, drug, hill, emin, emax, ic50, r2, status``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"cell_line": "C", "drug_name": "A",
    ...                   "Drug_concentration (microM)": [0.1, 1, 10, 100],
    ...                   "viability1": [0.98, 0.83, 0.33, 0.05]})
    >>> fit_single_agents(t)["status"].tolist()
    ['ok']
    """
    long = _long(singles, ["cell_line", "drug_name", "Drug_concentration (microM)"])
    long = long.rename(columns={"drug_name": "drug", "Drug_concentration (microM)": "dose"})
    controls = long.groupby(["cell_line", "drug", "replicate"], as_index=False).size()
    controls = controls.assign(dose=0.0, response=0.0).drop(columns="size")
    # Replicate means: the pooled least-squares optimum when replicate counts are equal,
    # with a sixth of the points.
    long = pd.concat([controls, long], ignore_index=True).groupby(
        ["cell_line", "drug", "dose"], as_index=False)["response"].mean()
    long["k"] = long.groupby(["cell_line", "drug"]).cumcount()
    dose = long.pivot_table(index=["cell_line", "drug"], columns="k", values="dose")
    resp = long.pivot_table(index=["cell_line", "drug"], columns="k", values="response")
    fits = fit_curves(dose.fillna(1.0).to_numpy(), resp.to_numpy(), engine=engine)
    table = dose.index.to_frame(index=False)
    for name in ("hill", "emin", "emax", "ic50", "r2", "status"):
        table[name] = getattr(fits, name)
    return table


def read_oneil(combinations: str | Path | IO[str], single_agents: str | Path | IO[str], *,
               cell_lines: list[str] | None = None, engine: str = "synergyfinder") -> Plate:
    """Read O'Neil combination blocks and fill their single-drug wells from single agents.

    Parameters
    ----------
    combinations, single_agents
        The two files (``.csv`` or ``.csv.gz``) or open streams.
    cell_lines
        Keep only these cell lines (default: all).
    engine
        Fitting engine for the single-agent curves.

    Returns
    -------
    Plate
        Responses in % inhibition, concentrations in µM, replicates kept.

    Examples
    --------
    >>> import io
    >>> combos = io.StringIO(
    ...     "BatchID,cell_line,drugA_name,drugA_conc_uM,drugB_name,drugB_conc_uM,viability1\\n"
    ...     + "\\n".join(f"1,BT474,lapatinib,{a},alpelisib,{b},{0.8 - 0.02 * a - 0.02 * b:.2f}"
    ...                 for a in (1, 10) for b in (1, 10)))
    >>> singles = io.StringIO(
    ...     "cell_line,drug_name,Drug_concentration (microM),viability1\\n"
    ...     + "\\n".join(f"BT474,{d},{c},{1 - c / (c + 5):.3f}"
    ...                 for d in ("lapatinib", "alpelisib") for c in (0.1, 1, 10, 100)))
    >>> read_oneil(combos, singles).block_ids
    ['lapatinib_alpelisib_BT474_1']
    """
    combos = _read(combinations, _COMBO_COLUMNS)
    if cell_lines is not None:
        combos = combos[combos["cell_line"].isin(cell_lines)]
    singles = _read(single_agents, _SINGLE_COLUMNS)
    singles = singles[singles["cell_line"].isin(combos["cell_line"].unique())]
    curves = fit_single_agents(singles, engine=engine).set_index(["cell_line", "drug"])
    long = _long(combos, list(_COMBO_COLUMNS))
    long["block_id"] = (long["drugA_name"] + "_" + long["drugB_name"] + "_"
                        + long["cell_line"] + "_" + long["BatchID"].astype(str))
    long = long.rename(columns={"drugA_name": "drug1", "drugB_name": "drug2",
                                "drugA_conc_uM": "conc1", "drugB_conc_uM": "conc2"})
    known = set(curves.index)
    has = [(c, d1) in known and (c, d2) in known for c, d1, d2 in
           zip(long["cell_line"], long["drug1"], long["drug2"], strict=True)]
    dropped = sorted(set(long.loc[~np.array(has, dtype=bool), "block_id"]))
    if dropped:
        warnings.warn(f"{len(dropped)} block(s) skipped: no single-agent data for a drug "
                      f"(e.g. {', '.join(dropped[:3])})", DataQualityWarning, stacklevel=2)
    long = long[np.array(has, dtype=bool)]
    frame = pd.concat([long, _single_wells(long, curves)], ignore_index=True)
    frame = frame.assign(conc_unit1="uM", conc_unit2="uM")
    cols = ["block_id", "drug1", "drug2", "conc1", "conc2", "response", "replicate",
            "conc_unit1", "conc_unit2", "cell_line"]
    frame = frame[cols].sort_values(["block_id", "conc1", "conc2", "replicate"], kind="stable")
    return validate_plate(frame, source=str(getattr(combinations, "name", combinations)),
                          response_type="inhibition")


def _single_wells(long: pd.DataFrame, curves: pd.DataFrame) -> pd.DataFrame:
    """Predicted single-drug wells and a 0 % untreated well for every block and replicate."""
    base = long[["block_id", "drug1", "drug2", "cell_line", "replicate"]].drop_duplicates()
    parts = []
    for k, other in ((1, 2), (2, 1)):
        doses = long[["block_id", "replicate", f"conc{k}"]].drop_duplicates()
        wells = base.merge(doses, on=["block_id", "replicate"])
        fit = curves.loc[list(zip(wells["cell_line"], wells[f"drug{k}"], strict=True))]
        dose = wells[f"conc{k}"].to_numpy()
        params = (fit["hill"].to_numpy(), fit["emin"].to_numpy(), fit["emax"].to_numpy())
        with np.errstate(all="ignore"):
            g = 1.0 / (1.0 + np.exp(params[0] * np.log(dose / fit["ic50"].to_numpy())))
        wells["response"] = params[1] + (params[2] - params[1]) * g
        wells[f"conc{other}"] = 0.0
        parts.append(wells)
    parts.append(base.assign(conc1=0.0, conc2=0.0, response=0.0))
    return pd.concat(parts, ignore_index=True)
