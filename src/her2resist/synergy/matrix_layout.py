"""SynergyFinder's matrix layout: one dose-response matrix per block, doses as headers.

Each block is preceded by three rows, a label in the first cell and its value in the second:
``Drug1`` (the drug whose concentrations run down the left side), ``Drug2`` (the drug along
the top) and ``ConcUnit``; an optional ``CellLine`` row may follow. Then the matrix: its first
row holds the concentrations of drug 2 (the corner cell is ignored), each following row a
concentration of drug 1 and the responses. Blank rows may separate blocks; an empty response
cell is a missing well (refused, or imputed with ``impute=True``). Blocks are numbered 1, 2,
... in file order. Comma, tab and semicolon text and ``.xlsx`` workbooks are read.

Examples
--------
>>> rows = [["Drug1", "A"], ["Drug2", "B"], ["ConcUnit", "nM"], ["", "0", "10"],
...         ["0", "0", "20"], ["5", "30", "60"]]
>>> frame = matrix_to_long(rows, "m.csv")
>>> frame[["drug1", "conc1", "conc2", "response"]].values.tolist()[-1]
['A', '5', '10', '60']
"""

from __future__ import annotations

import pandas as pd

from her2resist.exceptions import PlateError

#: First-cell labels of the rows that precede a matrix (lower case), and the field each sets.
META = {"drug1": "drug1", "drug_row": "drug1", "drug2": "drug2", "drug_col": "drug2",
        "concunit": "conc_unit1", "conc_unit": "conc_unit1", "cellline": "cell_line",
        "cell_line": "cell_line", "cell_line_name": "cell_line"}


def is_matrix_layout(rows: list[list[str]]) -> bool:
    """Whether the first non-empty row is a ``Drug1`` label and its value (matrix layout),
    not a long table's header (which names five columns or more)."""
    first = next((r for r in rows if any(str(c).strip() for c in r)), [])
    filled = [str(c).strip() for c in first if str(c).strip() and str(c) != "nan"]
    return bool(first) and str(first[0]).strip().lower() in ("drug1", "drug_row") \
        and len(filled) <= 2


def matrix_to_long(rows: list[list[str]], source: str) -> pd.DataFrame:
    """The blocks of a matrix-layout sheet as a long table of strings (canonical columns)."""
    out: list[dict[str, str]] = []
    meta: dict[str, str] = {}
    header: list[str] | None = None
    block = 0
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        label = cells[0].lower() if cells else ""
        if not any(cells):
            header = None
            continue
        if label in META:
            if header is not None or label in ("drug1", "drug_row"):
                meta, header = ({} if label in ("drug1", "drug_row") else meta), None
            meta[META[label]] = cells[1] if len(cells) > 1 else ""
            continue
        if header is None:
            _check_meta(meta, source, number)
            for column, value in enumerate(cells[1:], start=2):
                _number(value, source, number, column, "a concentration of drug 2")
            header, block = cells, block + 1
            continue
        _number(cells[0], source, number, 1, "a concentration of drug 1")
        for column, value in enumerate(cells[1:], start=1):
            if column >= len(header) or not header[column]:
                if value:
                    raise PlateError(source, "a response under no concentration of drug 2 "
                                     f"(got {value[:40]!r}); the matrix's first row holds "
                                     "drug 2's concentrations", line=number, column=column + 1)
                continue
            if value:
                _number(value, source, number, column + 1, "a response")
                out.append({"block_id": str(block), **meta, "conc1": cells[0],
                            "conc2": header[column], "response": value})
    if not out:
        raise PlateError(source, "a matrix layout with no responses: after the Drug1, Drug2 "
                         "and ConcUnit rows comes a row of drug 2 concentrations, then one row "
                         "per drug 1 concentration", line=1)
    return pd.DataFrame(out).fillna("")


def _number(value: str, source: str, line: int, column: int, what: str) -> None:
    """A cell that must hold a finite number (empty allowed: a missing well or header gap)."""
    if not value:
        return
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if number != number or number in (float("inf"), float("-inf")):
        raise PlateError(source, f"not a finite number (got {value[:40]!r}); expected {what}",
                         line=line, column=column)


def _check_meta(meta: dict[str, str], source: str, line: int) -> None:
    for field, label in (("drug1", "Drug1"), ("drug2", "Drug2")):
        if not meta.get(field):
            raise PlateError(source, f"a matrix without its {label} row: each block's matrix "
                             "is preceded by Drug1, Drug2 and ConcUnit rows", line=line)
