"""Gene-by-sample numeric tables read at cohort scale, with the errors of :mod:`._table`.

A cBioPortal copy-number or expression matrix of 20,000 genes and 1,000 samples holds 20
million cells; a Python call per cell takes minutes. :func:`parse_grid` checks the file's
lines in Python (one call per line, not per cell), hands the cells to pandas' C parser, and
returns a float array with NaN for missing cells. A table far wider than long (a few genes of
100,000 samples, where pandas' cost per column dominates) is converted line by line with numpy
instead (:data:`WIDE`), under the same rule.

Whenever the fast path meets anything it does not accept exactly as
:func:`~her2resist.profile._table.parse_number` does (a cell it cannot convert, a non-finite
number, a quote, a row count that does not match), the file is read again cell by cell by the
slow path, which either reads it (the slow path is the definition) or raises the error naming
the file, line, column and value. So the two paths give the same result or the same error;
``tests/test_profile_matrix.py`` checks this on random tables.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np

from her2resist.exceptions import ProfileError
from her2resist.profile._table import (
    MAX_FIELD,
    MISSING,
    _header,
    _row,
    parse_number,
    parse_table,
    read_text,
    split_lines,
)
from her2resist.profile.maf import GENE, check_gene

GENE_COLUMNS = ("Hugo_Symbol", "Gene Symbol", "Gene", "gene")
ANNOTATION_COLUMNS = frozenset({"entrez_gene_id", "locus id", "cytoband", "gene_id",
                                "entrez", "description"})
#: Every spelling of a missing cell that the fast path hands to pandas as NaN.
_NA_SPELLINGS = sorted({form for value in MISSING
                        for form in (value, value.lower(), value.title(), value.capitalize())})
_NA_SET = frozenset(_NA_SPELLINGS)
#: Tables with more than this many sample columns per gene row are read line by line.
WIDE = 50


@dataclass(frozen=True, slots=True)
class Grid:
    """A numeric gene-by-sample table: ``values[gene_row, sample]``, NaN where missing."""

    path: str
    header_line: int
    gene_column: str
    genes: tuple[str, ...]
    lines: np.ndarray
    samples: tuple[str, ...]
    values: np.ndarray
    #: Line of each cell, for tables written one cell per line (cBioPortal's long format).
    cell_lines: np.ndarray | None = None

    def line_of(self, row: int, column: int) -> int:
        """The file line that holds cell (row, column)."""
        lines = self.cell_lines if self.cell_lines is not None else self.lines
        return int(lines[row, column] if self.cell_lines is not None else lines[row])

    def column_number(self, sample: str) -> int:
        """The 1-based column of ``sample`` in the file (for error messages)."""
        return self.samples.index(sample) + 1


def parse_grid(path: str, *, what: str, accepted: str, sample: str | None = None) -> Grid:
    """Read a gene-by-sample table of numbers; see the module docstring.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
    ...     _ = fh.write("Hugo_Symbol\\tEntrez_Gene_Id\\tS1\\tS2\\nERBB2\\t2064\\t2\\tNA\\n")
    >>> grid = parse_grid(fh.name, what="copy-number file", accepted="a number")
    >>> grid.genes, grid.samples, grid.values.tolist()
    (('ERBB2',), ('S1', 'S2'), [[2.0, nan]])
    >>> os.unlink(fh.name)
    """
    path = str(path)
    text = read_text(path)
    fast = _fast(path, text, what, sample)
    return fast if fast is not None else _slow(path, text, what, accepted, sample)


def _columns(path: str, header: tuple[str, ...], header_line: int, sample: str | None,
             gene_col: str) -> list[int]:
    """Indices of the sample columns (every column but the gene and annotation columns)."""
    columns = [i for i, c in enumerate(header)
               if c != gene_col and c.lower() not in ANNOTATION_COLUMNS]
    names = [header[i] for i in columns]
    if sample is not None:
        if sample not in names:
            raise ProfileError(path, f"no column for sample {sample!r}; sample columns: "
                               f"{', '.join(names[:20]) or 'none'}", line=header_line)
        columns = [header.index(sample)]
    if not columns:
        raise ProfileError(path, "no sample columns after the gene column", line=header_line)
    return columns


def _find_gene_column(path: str, header: tuple[str, ...], header_line: int) -> str:
    lowered = {h.lower(): h for h in header}
    for name in GENE_COLUMNS:
        if name.lower() in lowered:
            return lowered[name.lower()]
    raise ProfileError(path, f"no gene column: expected one of {', '.join(GENE_COLUMNS)}; the "
                       f"header has {', '.join(header[:20]) or 'no columns'}", line=header_line)


def _fast(path: str, text: str, what: str, sample: str | None) -> Grid | None:
    import pandas as pd

    lines = split_lines(text)
    start = next((i for i, line in enumerate(lines)
                  if line.strip() and not line.startswith("#")), None)
    if start is None:
        return None
    header = _header(path, lines[start], start + 1)
    gene_col = _find_gene_column(path, header, start + 1)
    columns = _columns(path, header, start + 1, sample, gene_col)
    width = len(header)
    kept: list[str] = []
    numbers: list[int] = []
    skipped = False
    for number, line in enumerate(lines[start + 1:], start=start + 2):
        if not line.strip() or line.startswith("#"):
            skipped = True
            continue
        if '"' in line or line.count("\t") >= width or (
                len(line) > MAX_FIELD and max(map(len, line.split("\t"))) > MAX_FIELD):
            _row(path, header, line, number)  # raises for a real fault
            return None
        kept.append(line)
        numbers.append(number)
    if not kept:
        return None
    gene_index = header.index(gene_col)
    if len(columns) > WIDE * len(kept):
        values = _wide(kept, columns)
    else:
        # Without comment or blank lines among the rows, pandas reads the text after the
        # header as it is (no copy); otherwise the kept lines.
        body = _after_line(text, start + 1) if not skipped else "\n".join(kept)
        try:
            frame = pd.read_csv(
                io.StringIO(body), sep="\t", header=None, names=list(range(width)),
                usecols=columns, dtype=np.float64, na_values=_NA_SPELLINGS,
                keep_default_na=False, quoting=csv.QUOTE_NONE, skip_blank_lines=False,
                engine="c",
            )
        except (ValueError, pd.errors.ParserError):
            return None
        values = frame.to_numpy(dtype=np.float64) if len(frame) == len(kept) else None
    if values is None or np.isinf(values).any():
        return None
    genes = tuple(line.split("\t", gene_index + 1)[gene_index].strip() if line.count(
        "\t") >= gene_index else "" for line in kept)
    if not all(GENE.match(g) for g in genes):
        return None
    return Grid(path, start + 1, gene_col, genes, np.asarray(numbers, dtype=np.int64),
                tuple(header[i] for i in columns), values)


def _wide(lines: list[str], columns: list[int]) -> np.ndarray | None:
    """Rows of a table far wider than long (a few genes of 100,000 samples), one numpy
    conversion per line: pandas' per-column cost dominates there. None when a cell is not a
    plain number or a missing spelling (the slow path then decides)."""
    index = np.asarray(columns)
    values = np.empty((len(lines), len(columns)), dtype=np.float64)
    for row, line in enumerate(lines):
        fields = line.split("\t")
        if len(fields) <= index[-1]:
            fields += [""] * (int(index[-1]) + 1 - len(fields))
        cells = np.asarray(fields, dtype=object)[index]
        missing = np.fromiter((c in _NA_SET for c in cells), dtype=bool, count=len(cells))
        try:
            numbers = np.asarray(cells[~missing], dtype=np.float64)
        except (ValueError, TypeError):
            return None
        if np.isnan(numbers).any():
            return None  # a spelling of NaN that is not a missing value: the slow path says
        values[row, ~missing] = numbers
        values[row, missing] = np.nan
    return values


def _after_line(text: str, count: int) -> str:
    """The text after its first ``count`` lines."""
    offset = 0
    for _ in range(count):
        offset = text.index("\n", offset) + 1
    return text[offset:]


def _slow(path: str, text: str, what: str, accepted: str, sample: str | None) -> Grid:
    """Cell by cell, with :func:`parse_number`'s rules and errors (the definition)."""
    table = parse_table(path, text, what=what)
    gene_col = _find_gene_column(path, table.header, table.header_line)
    columns = [table.header[i]
               for i in _columns(path, table.header, table.header_line, sample, gene_col)]
    genes, numbers, rows = [], [], []
    for row in table:
        genes.append(check_gene(table, row, gene_col))
        numbers.append(row.line)
        rows.append([parse_number(table, row, column, accepted=accepted) for column in columns])
    values = np.array([[np.nan if v is None else v for v in r] for r in rows],
                      dtype=np.float64).reshape(len(rows), len(columns))
    return Grid(path, table.header_line, gene_col, tuple(genes),
                np.asarray(numbers, dtype=np.int64), tuple(columns), values)


def drop_repeated_genes(grid: Grid) -> tuple[Grid, tuple[str, ...]]:
    """One row per gene: a repeated gene with the same values is read once (and said);
    with different values it is an error naming both lines.

    Examples
    --------
    >>> g = Grid("x.txt", 1, "Hugo_Symbol", ("A", "A"), np.array([2, 3]), ("S",),
    ...          np.array([[1.0], [1.0]]))
    >>> once, notes = drop_repeated_genes(g)
    >>> once.genes, notes
    (('A',), ('x.txt: gene A appears on lines 2 and 3 with the same values; read once',))
    """
    first: dict[str, int] = {}
    drop: list[int] = []
    notes: list[str] = []
    for index, gene in enumerate(grid.genes):
        key = gene.upper()
        if key not in first:
            first[key] = index
            continue
        seen = first[key]
        a, b = grid.values[seen], grid.values[index]
        lines = f"lines {grid.lines[seen]} and {grid.lines[index]}"
        if not np.array_equal(a, b, equal_nan=True):
            raise ProfileError(grid.path, f"gene {gene} appears on {lines} with different "
                               "values; keep one row per gene", line=int(grid.lines[index]),
                               field=grid.gene_column)
        notes.append(f"{grid.path}: gene {gene} appears on {lines} with the same values; "
                     "read once")
        drop.append(index)
    if not drop:
        return grid, ()
    keep = np.setdiff1d(np.arange(len(grid.genes)), drop)
    return Grid(grid.path, grid.header_line, grid.gene_column,
                tuple(grid.genes[i] for i in keep), grid.lines[keep], grid.samples,
                grid.values[keep]), tuple(notes)
