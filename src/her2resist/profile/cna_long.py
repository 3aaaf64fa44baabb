"""Read cBioPortal's long-format discrete copy number (``DISCRETE_LONG``).

One row per gene and sample: ``Hugo_Symbol``, ``Entrez_Gene_Id`` (optional), ``Sample_Id``,
``Value`` (a discrete call -2..2), and optional driver-annotation columns (``cbp_driver``,
...), which are not used. The calls mean what they mean in the wide table
(:func:`~her2resist.profile.read_cna` with ``scale="discrete"``); each call's source is its
own line. A gene and sample given twice with different values is an error naming both lines.

Examples
--------
>>> import tempfile, os
>>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
...     _ = fh.write("Hugo_Symbol\\tEntrez_Gene_Id\\tSample_Id\\tValue\\n"
...                  "ERBB2\\t2064\\tT1\\t2\\nPTEN\\t5728\\tT1\\t-2\\nPTEN\\t5728\\tT2\\t0\\n")
>>> profiles = read_cna_long(fh.name)
>>> profiles["T1"].her2.call, profiles["T1"].alteration_ids(), profiles["T2"].alteration_ids()
('positive', ('PTEN_loss',), ())
>>> os.unlink(fh.name)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from her2resist.exceptions import ProfileError
from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.profile._grid import GENE_COLUMNS, Grid
from her2resist.profile._table import parse_number, parse_table
from her2resist.profile.maf import check_gene, check_sample
from her2resist.profile.matrix import cna_profiles
from her2resist.profile.tumour import TumourProfile


def read_cna_long(
    path: str | Path, *, sample: str | None = None, catalogue: Catalogue | None = None
) -> dict[str, TumourProfile]:
    """Read a cBioPortal ``DISCRETE_LONG`` copy-number file into one profile per sample.

    Examples
    --------
    >>> profiles = read_cna_long("tests/data/profiles/cna_long.txt")
    >>> {sample: p.alteration_ids() for sample, p in profiles.items()}
    {'HER2-01': ('CCNE1_amp',), 'HER2-02': ('PTEN_loss',)}
    """
    table = parse_table(path, what="long-format copy-number file")
    gene_col = table.require("gene", *GENE_COLUMNS)
    sample_col = table.require("sample", "Sample_Id", "SAMPLE_ID", "Tumor_Sample_Barcode")
    value_col = table.require("value", "Value")
    genes: dict[str, int] = {}
    samples: dict[str, int] = {}
    cells: dict[tuple[int, int], tuple[float, int]] = {}
    for row in table:
        name = check_sample(table, row, sample_col)
        if sample is not None and name != sample:
            continue
        gene = check_gene(table, row, gene_col)
        value = parse_number(table, row, value_col, accepted="a discrete call -2..2")
        if value is None:
            continue
        key = (genes.setdefault(gene, len(genes)), samples.setdefault(name, len(samples)))
        if key in cells and cells[key][0] != value:
            raise table.error(row, value_col, f"{gene} of sample {name} is also on line "
                              f"{cells[key][1]} with another value")
        cells.setdefault(key, (value, row.line))
    if sample is not None and not samples:
        raise ProfileError(table.path, f"no rows for sample {sample!r}", field=sample_col)
    values = np.full((len(genes), len(samples)), np.nan)
    lines = np.zeros((len(genes), len(samples)), dtype=np.int64)
    for (g, s), (value, line) in cells.items():
        values[g, s], lines[g, s] = value, line
    first = np.where(lines > 0, lines, np.iinfo(np.int64).max).min(axis=1)
    grid = Grid(table.path, table.header_line, gene_col, tuple(genes), first, tuple(samples),
                values, cell_lines=lines)
    return cna_profiles(grid, (), "discrete", catalogue or load_catalogue())
