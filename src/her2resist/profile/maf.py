"""Read mutations from a MAF file as cBioPortal (``data_mutations.txt``) and TCGA write it.

Columns used (case-insensitive): ``Hugo_Symbol`` (required), ``Tumor_Sample_Barcode``
(required unless ``sample`` is given), ``HGVSp_Short`` or ``HGVSp`` or ``Protein_Change`` or
``Amino_Acid_Change`` (the protein change, one- or three-letter), ``Variant_Classification``
(``Missense_Mutation``, ``Nonsense_Mutation``, ``Frame_Shift_Del``, ...). Lines starting with
``#`` (the version line) are skipped; the file may be gzip-compressed.

Examples
--------
>>> import tempfile, os
>>> text = ("#version 2.4\\nHugo_Symbol\\tVariant_Classification\\tHGVSp_Short\\t"
...         "Tumor_Sample_Barcode\\nPIK3CA\\tMissense_Mutation\\tp.H1047R\\tT1\\n"
...         "TP53\\tMissense_Mutation\\tp.R175H\\tT1\\n")
>>> with tempfile.NamedTemporaryFile("w", suffix=".maf", delete=False) as fh:
...     _ = fh.write(text)
>>> profiles = read_maf(fh.name)
>>> profiles["T1"].alteration_ids(), [u.gene for u in profiles["T1"].unmapped]
(('PIK3CA_mut',), ['TP53'])
>>> os.unlink(fh.name)
"""

from __future__ import annotations

import re
from pathlib import Path

from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.profile._table import Row, Table, parse_table
from her2resist.profile.mapping import Mapped, map_mutation, profiles_from_results
from her2resist.profile.tumour import Source, TumourProfile

GENE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-@/]{0,59}$")
PROTEIN_COLUMNS = ("HGVSp_Short", "HGVSp", "Protein_Change", "Amino_Acid_Change", "AAChange")
SAMPLE_COLUMNS = ("Tumor_Sample_Barcode", "SAMPLE_ID", "Sample")


def check_gene(table: Table, row: Row, column: str) -> str:
    """The cell as a gene symbol, or a ProfileError naming what a symbol may hold."""
    gene = row.get(column)
    if not GENE.match(gene):
        raise table.error(row, column, "not a gene symbol: expected letters, digits and "
                          "'.-_' (at most 60 characters), such as PIK3CA")
    return gene


def check_sample(table: Table, row: Row, column: str) -> str:
    """The cell as a sample id: non-empty, printable, at most 200 characters."""
    sample = row.get(column)
    if not sample or len(sample) > 200 or not sample.isprintable():
        raise table.error(row, column, "not a sample id: expected a non-empty printable "
                          "name of at most 200 characters")
    return sample


def read_maf(
    path: str | Path, *, sample: str | None = None, catalogue: Catalogue | None = None
) -> dict[str, TumourProfile]:
    """Read a MAF file into one partial profile per tumour sample.

    Parameters
    ----------
    path
        The MAF file (plain or gzip).
    sample
        Keep only this sample; without a sample column, the id given to every row.
    catalogue
        The knowledge base whose variant rules map the mutations (the package's by default).

    Returns
    -------
    dict
        Sample id to :class:`TumourProfile` with ``alterations`` and ``unmapped``.

    Examples
    --------
    See the module docstring.
    """
    cat = catalogue or load_catalogue()
    table = parse_table(path, what="MAF")
    gene_col = table.require("gene", "Hugo_Symbol", "Gene", "SYMBOL")
    protein_col = table.find(*PROTEIN_COLUMNS)
    class_col = table.find("Variant_Classification", "Consequence")
    sample_col = table.find(*SAMPLE_COLUMNS)
    if sample_col is None and sample is None:
        table.require("sample", *SAMPLE_COLUMNS)
    results: dict[str, list[Mapped]] = {}
    for row in table:
        name = check_sample(table, row, sample_col) if sample_col else str(sample)
        if sample is not None and name != sample:
            continue
        gene = check_gene(table, row, gene_col)
        source = Source(table.path, row.line, protein_col or gene_col)
        results.setdefault(name, []).append(
            map_mutation(gene, row.get(protein_col), row.get(class_col), source, catalogue=cat)
        )
    notes: tuple[str, ...] = ()
    if protein_col is None:
        notes = (f"{table.path}: no protein-change column ({', '.join(PROTEIN_COLUMNS)}); "
                 "only truncating variants could be mapped",)
    return profiles_from_results(table.path, results, notes)
