"""Read drug-combination plates: our long table and SynergyFinder's input format.

A plate file is a comma-, tab- or semicolon-separated table (the delimiter is sniffed from the
header line; optionally gzipped) or an Excel ``.xlsx`` workbook (its first sheet, read with
openpyxl), with one row per well (and replicate). Column names are matched case-insensitively
(SynergyFinder's v1 ``PairIndex``/``ConcUnit`` and v2 ``BlockId``/``ConcRowUnit`` spellings
too); accepted names:

============  ==========================================================================
field         accepted column names
============  ==========================================================================
block_id      ``block_id``, ``blockid``, ``pair_index``, ``block`` (optional: one block)
drug1         ``drug1``, ``drug_row``, ``drugrow``, ``drug_a``
drug2         ``drug2``, ``drug_col``, ``drugcol``, ``drug_b``
conc1         ``conc1``, ``conc_r``, ``conc_row``, ``concrow``, ``conc_a``
conc2         ``conc2``, ``conc_c``, ``conc_col``, ``conccol``, ``conc_b``
response      ``response``; or ``viability`` / ``inhibition`` (which states the type)
replicate     ``replicate``, ``rep`` (optional)
conc_unit1    ``conc_unit1``, ``conc_r_unit``, ``conc_unit``, ``concunit``, ``unit1``,
              ``unit`` (optional)
conc_unit2    ``conc_unit2``, ``conc_c_unit``, ``unit2`` (optional; defaults to unit 1)
cell_line     ``cell_line``, ``cell_line_name``, ``cell`` (optional)
============  ==========================================================================

The :class:`Plate` holds the table in canonical form: responses as % inhibition and each
drug's concentrations in one unit per block. Conversions that the reader had to guess (the
response type, fractions rather than percentages, mixed units) raise a
:class:`~her2resist.exceptions.DataQualityWarning`; anything it cannot read raises a
:class:`~her2resist.exceptions.PlateError` naming file, line, field and value.

Refused as impossible: a plate with a header and no wells; a third drug (``drug3``,
``conc3``, ...: only pairs are scored); responses beyond -100..300 % viability (-200..200 %
inhibition: raw counts or a sign error, not a percentage); one well's replicate given twice
with different responses. Warned: responses beyond -20..200 % viability, replicates of a well
that differ by more than 50 points, columns that are not used.

Examples
--------
>>> import io
>>> text = "drug1,drug2,conc1,conc2,viability\\n" + "\\n".join(
...     f"A,B,{a},{b},{100 - 10 * (i + j)}"
...     for i, a in enumerate([0, 1, 10]) for j, b in enumerate([0, 1, 10]))
>>> plate = read_plate(io.StringIO(text))
>>> plate.data[["conc1", "conc2", "response"]].iloc[-1].tolist()
[10.0, 10.0, 40.0]
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from her2resist.exceptions import DataQualityWarning, ParameterError, PlateError
from her2resist.synergy.imputation import impute_missing_wells
from her2resist.synergy.matrix_layout import is_matrix_layout, matrix_to_long

__all__ = ["COLUMNS", "RESPONSE_TYPES", "Plate", "read_plate", "validate_plate"]

#: Canonical columns of :attr:`Plate.data`.
COLUMNS = ("block_id", "drug1", "drug2", "conc1", "conc2", "response", "replicate",
           "conc_unit1", "conc_unit2", "cell_line")
RESPONSE_TYPES = ("viability", "inhibition")

_ALIASES = {
    "block_id": ("block_id", "blockid", "pair_index", "pairindex", "block"),
    "drug1": ("drug1", "drug_row", "drugrow", "drug_a"),
    "drug2": ("drug2", "drug_col", "drugcol", "drug_b"),
    "conc1": ("conc1", "conc_r", "conc_row", "concrow", "conc_a"),
    "conc2": ("conc2", "conc_c", "conc_col", "conccol", "conc_b"),
    "response": ("response", "viability", "inhibition"),
    "replicate": ("replicate", "rep"),
    "conc_unit1": ("conc_unit1", "conc_r_unit", "concrowunit", "conc_row_unit", "conc_unit",
                   "concunit", "unit1", "unit"),
    "conc_unit2": ("conc_unit2", "conc_c_unit", "conccolunit", "conc_col_unit", "unit2"),
    "cell_line": ("cell_line", "cell_line_name", "cell"),
}
_REQUIRED = ("drug1", "drug2", "conc1", "conc2", "response")
#: Molar units understood, as factors to nanomolar.
#: Responses (% viability) outside these bounds are refused, outside the inner ones warned.
VIABILITY_LIMITS = (-100.0, 300.0)
VIABILITY_PLAUSIBLE = (-20.0, 200.0)
#: Replicates of one well further apart than this (percentage points) are warned about.
REPLICATE_SPREAD = 50.0
_HIGHER_ORDER = re.compile(r"^(drug|conc|conc_unit|conc_?unit)_?[3-9]$|^drug_?[c-z]$")
UNITS_NM = {"pm": 1e-3, "nm": 1.0, "um": 1e3, "µm": 1e3, "μm": 1e3, "mm": 1e6, "m": 1e9}


@dataclass(frozen=True, slots=True)
class Plate:
    """A plate in canonical form.

    Attributes
    ----------
    data
        One row per well and replicate, columns :data:`COLUMNS`: ``block_id`` (str),
        ``drug1``/``drug2`` (str), ``conc1``/``conc2`` (float, >= 0, in ``conc_unit1``/
        ``conc_unit2``), ``response`` (% inhibition), ``replicate`` (int, from 1),
        ``cell_line`` (str, may be empty).
    source
        Where it was read from (for messages).

    Examples
    --------
    >>> plate = read_plate("examples/synergy/plate.csv")
    >>> plate.block_ids
    ['lap_alp', 'lap_pal']
    """

    data: pd.DataFrame
    source: str = "<plate>"

    @property
    def block_ids(self) -> list[str]:
        """Block identifiers in file order."""
        return list(dict.fromkeys(self.data["block_id"]))


def _rename(frame: pd.DataFrame, source: str) -> tuple[pd.DataFrame, str | None]:
    lookup = {str(c).strip().lower().replace(" ", "_"): c for c in frame.columns}
    for name, column in lookup.items():
        if _HIGHER_ORDER.match(name):
            raise PlateError(source, f"column {column!r} holds a third drug: only two-drug "
                             "combinations are scored; split the table into drug pairs",
                             line=1, field=str(column))
    renamed: dict[str, str] = {}
    stated = None
    for field, names in _ALIASES.items():
        found = next((lookup[n] for n in names if n in lookup), None)
        if found is not None:
            renamed[found] = field
            if field == "response" and found.strip().lower() in RESPONSE_TYPES:
                stated = found.strip().lower()
    missing = [f for f in _REQUIRED if f not in renamed.values()]
    if missing:
        accepted = "; ".join(f"{f}: {', '.join(_ALIASES[f])}" for f in missing)
        raise PlateError(source, f"missing column(s) {', '.join(missing)} (accepted names: "
                         f"{accepted}); columns found: {', '.join(map(str, frame.columns))}",
                         line=1)
    unused = [str(c) for c in frame.columns if c not in renamed and str(c).strip()]
    if unused:
        warnings.warn(f"{source}: column(s) not used: {', '.join(unused[:10])}",
                      DataQualityWarning, stacklevel=4)
    return frame.rename(columns=renamed)[list(renamed.values())], stated


def _numeric(frame: pd.DataFrame, field: str, source: str) -> pd.Series:
    values = pd.to_numeric(frame[field], errors="coerce")
    bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise PlateError(source, f"value {frame[field].iloc[row]!r} is not a finite number "
                         f"({int(bad.sum())} such value(s)); a number is required",
                         line=row + 2, field=field)
    return values.astype(float)


def read_plate(path: str | Path | IO[str], *, response_type: str | None = None,
               impute: bool = False) -> Plate:
    """Read a plate file (our long table or SynergyFinder's input; ``.gz`` allowed).

    SynergyFinder's matrix layout (``Drug1``, ``Drug2``, ``ConcUnit`` rows, then a matrix with
    doses as row and column headers; :mod:`her2resist.synergy.matrix_layout`) is recognised
    by its first cell.

    Parameters
    ----------
    path
        File path or open text stream.
    response_type
        ``"viability"`` or ``"inhibition"`` (in %). When neither this nor the column name
        says, it is inferred from the untreated wells with a DataQualityWarning.
    impute
        Fill wells missing from a block's dose grid (rows absent, or empty cells of the
        matrix layout; an empty response in a long table stays an error) as SynergyFinder's
        ``ImputeNA`` does: each takes the mean of its available neighbours above, below, left
        and right, repeated until none is missing (a DataQualityWarning names the count).
        Off by default: a missing well is an error.

    Returns
    -------
    Plate

    Examples
    --------
    >>> import io
    >>> rows = "\\n".join(f"1,X,Y,{a},{b},{5 * (i + j)}" for i, a in enumerate([0, 2, 4])
    ...                  for j, b in enumerate([0, 3, 9]))
    >>> text = "block_id,drug_row,drug_col,conc_r,conc_c,inhibition\\n" + rows
    >>> read_plate(io.StringIO(text)).data["drug2"].iloc[0]
    'Y'
    """
    if response_type is not None and response_type not in RESPONSE_TYPES:
        raise ParameterError("response_type", "read_plate", f"one of {set(RESPONSE_TYPES)}",
                             response_type)
    source = getattr(path, "name", None) or ("<stream>" if not isinstance(path, (str, Path))
                                             else str(path))
    raw = _read_table(path, str(source))
    if raw.empty:
        raise PlateError(source, "the plate has a header but no wells", line=2)
    frame, stated = _rename(raw, str(source))
    if response_type and stated and response_type != stated:
        raise PlateError(source, f"the response column is named {stated!r} but response_type="
                         f"{response_type!r} was given; remove one", field="response")
    return validate_plate(frame, source=str(source), response_type=response_type or stated,
                          impute=impute)


def _read_table(path: str | Path | IO[str], source: str) -> pd.DataFrame:
    """The file as a table of strings: Excel, or text with its delimiter sniffed; the matrix
    layout turned into the long one."""
    if isinstance(path, (str, Path)) and str(path).lower().endswith((".xlsx", ".xlsm")):
        frame = _read_excel(Path(path), source)
        names = [str(c) for c in frame.columns]
        if is_matrix_layout([[n for n in names if not n.startswith("Unnamed:")]]):
            frame = _read_excel(Path(path), source, header=None)
            return matrix_to_long(frame.astype(str).values.tolist(), source)
        return frame
    text = _text(path, source)
    header = next((line for line in text.splitlines() if line.strip()), "")
    sep = max(("\t", ";", ","), key=lambda d: (header.count(d), d == ","))
    if is_matrix_layout([header.split(sep)]):
        return matrix_to_long(list(csv.reader(io.StringIO(text), delimiter=sep)), source)
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                           skipinitialspace=True, quoting=csv.QUOTE_MINIMAL)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise PlateError(source, f"not a readable table ({exc})") from None


def _text(path: str | Path | IO[str], source: str) -> str:
    if not isinstance(path, (str, Path)):
        return str(path.read())
    with open(path, "rb") as fh:
        data = fh.read()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise PlateError(source, f"not a readable gzip file: {exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PlateError(source, f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be "
                         "decoded; save the file as UTF-8 CSV", line=line) from None


def _read_excel(path: Path, source: str, header: int | None = 0) -> pd.DataFrame:
    from her2resist._optional import require

    require("openpyxl", "xlsx", "Reading .xlsx plates")  # pandas reads .xlsx through it
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=str, engine="openpyxl", header=header)
    except (ValueError, KeyError, OSError) as exc:
        raise PlateError(source, f"not a readable Excel workbook ({exc})") from None
    return frame.fillna("")


def validate_plate(frame: pd.DataFrame, *, source: str = "<plate>",
                   response_type: str | None = None, impute: bool = False) -> Plate:
    """Check and canonicalise a table whose columns already carry canonical names
    (``impute`` as in :func:`read_plate`).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame([dict(drug1="A", drug2="B", conc1=a, conc2=b, response=a + b)
    ...                   for a in (0, 1, 2) for b in (0, 5, 10)])
    >>> validate_plate(t, response_type="inhibition").block_ids
    ['1']
    """
    frame = frame.copy().reset_index(drop=True)
    for field in ("conc1", "conc2", "response"):
        frame[field] = _numeric(frame, field, source)
    for field in ("conc1", "conc2"):
        negative = frame[field] < 0
        if negative.any():
            row = int(np.flatnonzero(negative.to_numpy())[0])
            raise PlateError(source, f"negative concentration {frame[field].iloc[row]!r}; "
                             "concentrations must be >= 0", line=row + 2, field=field)
    defaults = {"block_id": "1", "replicate": "", "conc_unit1": "", "cell_line": ""}
    for field, value in defaults.items():
        if field not in frame:
            frame[field] = value
    if "conc_unit2" not in frame:
        frame["conc_unit2"] = frame["conc_unit1"]
    for field in ("block_id", "drug1", "drug2", "conc_unit1", "conc_unit2", "cell_line"):
        frame[field] = frame[field].astype(str).str.strip()
    frame = _harmonise_units(frame, source)
    frame["response"] = _to_inhibition(frame, source, response_type)
    frame["replicate"] = _replicates(frame, source)
    if impute:
        frame = impute_missing_wells(frame, source)
    _check_blocks(frame, source)
    return Plate(frame[list(COLUMNS)], source)


def _harmonise_units(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Convert each drug's concentrations in a block to its most used unit."""
    for k in ("1", "2"):
        unit, conc = frame[f"conc_unit{k}"], frame[f"conc{k}"]
        key = _unit_key(unit)
        mixed = key.groupby([frame["block_id"], frame[f"drug{k}"]]).transform("nunique") > 1
        if not mixed.any():
            continue
        unknown = mixed & ~key.isin(list(UNITS_NM))
        if unknown.any():
            row = int(np.flatnonzero(unknown.to_numpy())[0])
            raise PlateError(source, f"unit {unit.iloc[row]!r} differs from others of this "
                             f"drug and block and is not one of {', '.join(UNITS_NM)}",
                             line=row + 2, field=f"conc_unit{k}")
        target = unit.groupby([frame["block_id"], frame[f"drug{k}"]]).transform(
            lambda s: s.value_counts().index[0])
        factor = key.map(UNITS_NM) / _unit_key(target).map(UNITS_NM)
        frame.loc[mixed, f"conc{k}"] = conc[mixed] * factor[mixed]
        frame.loc[mixed, f"conc_unit{k}"] = target[mixed]
        blocks = sorted(set(frame.loc[mixed & (factor != 1), "block_id"]))
        warnings.warn(f"{source}: mixed concentration units for drug {k} in block(s) "
                      f"{', '.join(blocks[:5])}; converted to the most used unit",
                      DataQualityWarning, stacklevel=3)
    return frame


def _unit_key(unit: pd.Series) -> pd.Series:
    key = unit.str.lower().str.replace("mol/l", "m", regex=False)
    return key.str.replace("micromolar", "um").str.replace("nanomolar", "nm")


def _to_inhibition(frame: pd.DataFrame, source: str, response_type: str | None) -> pd.Series:
    resp = frame["response"]
    control = resp[(frame["conc1"] == 0) & (frame["conc2"] == 0)]
    fractions = resp.abs().max() <= 1.5 and (control.empty or control.abs().max() <= 1.5)
    if fractions and resp.abs().max() > 0:
        warnings.warn(f"{source}: all responses lie within [-1.5, 1.5]; read as fractions "
                      "and multiplied by 100", DataQualityWarning, stacklevel=3)
        resp = resp * 100.0
        control = control * 100.0
    if response_type is None:
        if control.empty:
            low_dose = frame["conc1"] == frame["conc1"].min()
            control = resp[low_dose & (frame["conc2"] == frame["conc2"].min())]
        response_type = "viability" if control.median() > 50 else "inhibition"
        warnings.warn(f"{source}: response type not stated; read as % {response_type} "
                      f"(untreated wells median {control.median():.3g}). State it with "
                      "--response-type or a column named 'viability' or 'inhibition'",
                      DataQualityWarning, stacklevel=3)
    inhibition = 100.0 - resp if response_type == "viability" else resp
    _check_range(frame, 100.0 - inhibition, source)
    return inhibition


def _check_range(frame: pd.DataFrame, viability: pd.Series, source: str) -> None:
    low, high = VIABILITY_LIMITS
    bad = (viability < low) | (viability > high)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise PlateError(source, f"response {frame['response'].iloc[row]:g} is "
                         f"{viability.iloc[row]:g} % viability, outside {low:g}..{high:g} %: "
                         "not a percentage (raw counts, or a sign error); normalise to the "
                         "untreated wells", line=row + 2, field="response")
    low, high = VIABILITY_PLAUSIBLE
    odd = (viability < low) | (viability > high)
    if odd.any():
        rows = np.flatnonzero(odd.to_numpy())
        warnings.warn(f"{source}: {len(rows)} response(s) outside {low:g}..{high:g} % "
                      f"viability, e.g. line {rows[0] + 2}", DataQualityWarning, stacklevel=4)


def _replicates(frame: pd.DataFrame, source: str) -> pd.Series:
    keys = ["block_id", "conc1", "conc2"]
    given = pd.to_numeric(frame["replicate"], errors="coerce")
    if given.notna().all():
        _check_repeated(frame.assign(replicate=given), source)
        return given.astype(int)
    _check_spread(frame, source)
    return frame.groupby(keys, sort=False).cumcount() + 1


def _check_repeated(frame: pd.DataFrame, source: str) -> None:
    """One replicate of one well given twice: an error when the responses differ."""
    keys = ["block_id", "conc1", "conc2", "replicate"]
    repeated = frame[frame.duplicated(keys, keep=False)]
    for _, rows in repeated.groupby(keys, sort=False):
        if rows["response"].nunique() > 1:
            lines = [int(i) + 2 for i in rows.index]
            raise PlateError(source, f"replicate {rows['replicate'].iloc[0]:g} of well "
                             f"({rows['conc1'].iloc[0]:g}, {rows['conc2'].iloc[0]:g}) of block "
                             f"{rows['block_id'].iloc[0]!r} is given on lines "
                             f"{', '.join(map(str, lines))} with different responses",
                             line=lines[-1], field="replicate")


def _check_spread(frame: pd.DataFrame, source: str) -> None:
    """Replicates of one well that disagree by more than REPLICATE_SPREAD points: a warning."""
    spread = frame.groupby(["block_id", "conc1", "conc2"], sort=False)["response"].agg(
        lambda r: r.max() - r.min())
    wide = spread[spread > REPLICATE_SPREAD]
    if len(wide):
        shown = "; ".join(f"block {b!r} ({a:g}, {c:g}): {v:.0f} points"
                          for (b, a, c), v in wide.head(3).items())
        warnings.warn(f"{source}: replicates of {len(wide)} well(s) differ by more than "
                      f"{REPLICATE_SPREAD:g} points and are averaged ({shown})",
                      DataQualityWarning, stacklevel=4)


def _check_blocks(frame: pd.DataFrame, source: str) -> None:
    """Every block: one drug pair and cell line, >= 2 doses of each drug, a full grid."""
    groups = frame.groupby("block_id", sort=False)
    counts = groups[["drug1", "drug2", "cell_line"]].nunique()
    first_line = groups.apply(lambda g: int(g.index[0]) + 2, include_groups=False)
    for field in ("drug1", "drug2", "cell_line"):
        for block in counts.index[counts[field] > 1][:1]:
            values = sorted(frame.loc[frame["block_id"] == block, field].unique())[:4]
            raise PlateError(source, f"block {block!r} has several {field} values "
                             f"({', '.join(values)}); one drug pair and cell line per block",
                             line=int(first_line[block]), field=field)
    for k in ("1", "2"):
        conc = frame[f"conc{k}"]
        stats = conc.groupby(frame["block_id"], sort=False).agg(
            positive=lambda c: c[c > 0].nunique(), low="min")
        bad = stats.index[(stats["positive"] < 2) | (stats["low"] != 0)]
        for block in bad[:1]:
            doses = np.unique(conc[frame["block_id"] == block]).tolist()
            raise PlateError(source, f"block {block!r} has drug {k} concentrations {doses}; "
                             "at least two non-zero concentrations and the zero "
                             "(single-drug) row are needed", line=int(first_line[block]),
                             field=f"conc{k}")
    wells = frame.drop_duplicates(["block_id", "conc1", "conc2"]).groupby(
        "block_id", sort=False).size()
    grid = groups["conc1"].nunique() * groups["conc2"].nunique()
    for block in grid.index[wells[grid.index] != grid][:1]:
        _report_missing(frame[frame["block_id"] == block], block, source,
                        int(first_line[block]))


def _report_missing(rows: pd.DataFrame, block: str, source: str, line: int) -> None:
    wells = set(zip(rows["conc1"], rows["conc2"], strict=True))
    grid = [(a, b) for a in np.unique(rows["conc1"]) for b in np.unique(rows["conc2"])]
    missing = [w for w in grid if w not in wells]
    shown = ", ".join(f"({a:g}, {b:g})" for a, b in missing[:5])
    raise PlateError(source, f"block {block!r} misses {len(missing)} well(s) of its "
                     f"{len(grid)}-well dose grid, e.g. conc1, conc2 = {shown}; every "
                     "combination of the block's concentrations is needed (or --impute, "
                     "impute=True: fill them from their neighbours as SynergyFinder does)",
                     line=line, field="conc1/conc2")
