"""Read mutations from a MAF file as cBioPortal (``data_mutations.txt``) and TCGA write it.

Columns used (case-insensitive): ``Hugo_Symbol`` (required), ``Tumor_Sample_Barcode``
(required unless ``sample`` is given), ``HGVSp_Short`` or ``HGVSp`` or ``Protein_Change`` or
``Amino_Acid_Change`` (the protein change, one- or three-letter, with or without a
``NP_...:`` prefix, parentheses or capitals), ``Variant_Classification`` (``Missense_Mutation``,
``Nonsense_Mutation``, ``Frame_Shift_Del``, ...). Lines starting with ``#`` (the version line)
are skipped; the file may be gzip-compressed.

Rows not used, each counted in the report (as GDC and cBioPortal filter them):
``Mutation_Status`` Germline; ``FILTER`` or ``GDC_FILTER`` other than PASS (unless
``include_filtered``); allele fraction ``t_alt_count / t_depth`` below ``min_vaf`` (default
0.05) or ``t_depth`` below ``min_depth`` (default 10) where the counts are given; and, where a
``CANONICAL`` column marks one row per variant as ``YES``, the other transcripts' rows.

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
from her2resist.profile._table import Row, Table, parse_number, parse_table
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
    path: str | Path, *, sample: str | None = None, min_vaf: float = 0.05, min_depth: int = 10,
    include_filtered: bool = False, catalogue: Catalogue | None = None,
) -> dict[str, TumourProfile]:
    """Read a MAF file into one partial profile per tumour sample.

    Parameters
    ----------
    path
        The MAF file (plain or gzip).
    sample
        Keep only this sample; without a sample column, the id given to every row.
    min_vaf, min_depth
        Rows with a lower tumour allele fraction or depth are not used (where counts exist).
    include_filtered
        Use rows whose ``FILTER``/``GDC_FILTER`` is not PASS too.
    catalogue
        The knowledge base whose variant rules map the mutations (the package's by default).

    Returns
    -------
    dict
        Sample id to :class:`TumourProfile` with ``alterations`` and ``unmapped``.

    Examples
    --------
    >>> profiles = read_maf("examples/study/tumours.maf")
    >>> profiles["HER2-02"].alteration_ids()
    ('PTEN_loss', 'KRAS_mut', 'ERBB2_kinase_mut')
    """
    cat = catalogue or load_catalogue()
    table = parse_table(path, what="MAF")
    gene_col = table.require("gene", "Hugo_Symbol", "Gene", "SYMBOL")
    protein_col = table.find(*PROTEIN_COLUMNS)
    class_col = table.find("Variant_Classification", "Consequence")
    sample_col = table.find(*SAMPLE_COLUMNS)
    if sample_col is None and sample is None:
        table.require("sample", *SAMPLE_COLUMNS)
    keep = _RowFilter(table, min_vaf, min_depth, include_filtered)
    results: dict[str, list[Mapped]] = {}
    for row in table:
        name = check_sample(table, row, sample_col) if sample_col else str(sample)
        if sample is not None and name != sample:
            continue
        gene = check_gene(table, row, gene_col)
        if not keep(row, name):
            results.setdefault(name, [])
            continue
        source = Source(table.path, row.line, protein_col or gene_col)
        results.setdefault(name, []).append(
            map_mutation(gene, row.get(protein_col), row.get(class_col), source, catalogue=cat)
        )
    notes: tuple[str, ...] = keep.notes()
    if protein_col is None:
        notes += (f"{table.path}: no protein-change column ({', '.join(PROTEIN_COLUMNS)}); "
                  "only truncating variants could be mapped",)
    reading = (f"{table.path}: MAF rows used: somatic, FILTER "
               f"{'any' if include_filtered else 'PASS'}, allele fraction >= {min_vaf:g}, "
               f"depth >= {min_depth}")
    return profiles_from_results(table.path, results, notes, (reading,))


class _RowFilter:
    """Which MAF rows are used, counting each reason a row is not."""

    def __init__(self, table: Table, min_vaf: float, min_depth: int, include_filtered: bool
                 ) -> None:
        self.table, self.min_vaf, self.min_depth = table, min_vaf, min_depth
        self.include_filtered = include_filtered
        self.status = table.find("Mutation_Status")
        self.filters = [c for c in (table.find("FILTER"), table.find("GDC_FILTER")) if c]
        self.alt, self.depth = table.find("t_alt_count"), table.find("t_depth")
        self.ref = table.find("t_ref_count")
        self.counts = {"germline": 0, "filter": 0, "vaf": 0, "depth": 0, "transcript": 0}
        self.canonical = self._canonical_rows(table)

    def _canonical_rows(self, table: Table) -> set[int] | None:
        """Line numbers of rows to drop: non-canonical transcripts of a variant that has a
        canonical row (a MAF with one row per transcript)."""
        column = table.find("CANONICAL")
        if column is None:
            return None
        key_cols = [table.find(c) for c in ("Tumor_Sample_Barcode", "Chromosome",
                                            "Start_Position", "Reference_Allele",
                                            "Tumor_Seq_Allele2")]
        groups: dict[tuple[str, ...], list[Row]] = {}
        for row in table:
            groups.setdefault(tuple(row.get(c) for c in key_cols), []).append(row)
        drop: set[int] = set()
        for rows in groups.values():
            if len(rows) > 1 and any(r.get(column).upper() == "YES" for r in rows):
                drop.update(r.line for r in rows if r.get(column).upper() != "YES")
        return drop

    def __call__(self, row: Row, sample: str) -> bool:
        reason = self._reason(row)
        if reason is not None:
            self.counts[reason] += 1
        return reason is None

    def _reason(self, row: Row) -> str | None:
        if self.canonical and row.line in self.canonical:
            return "transcript"
        if self.status and row.get(self.status).lower() == "germline":
            return "germline"
        if not self.include_filtered and any(
                row.get(c).upper() not in ("", "PASS", ".") for c in self.filters):
            return "filter"
        alt = self._count(row, self.alt)
        depth = self._count(row, self.depth)
        if depth is None and alt is not None and self._count(row, self.ref) is not None:
            depth = alt + (self._count(row, self.ref) or 0)
        if depth is not None and depth < self.min_depth:
            return "depth"
        if alt is not None and depth and alt / depth < self.min_vaf:
            return "vaf"
        return None

    def _count(self, row: Row, column: str | None) -> int | None:
        if column is None:
            return None
        value = parse_number(self.table, row, column, accepted="a read count")
        if value is None:
            return None
        if value < 0 or value != int(value):
            raise self.table.error(row, column, "not a read count: expected a whole number "
                                   ">= 0")
        return int(value)

    def notes(self) -> tuple[str, ...]:
        what = {"germline": "germline rows (Mutation_Status)",
                "filter": "rows failing FILTER/GDC_FILTER",
                "vaf": "rows below the allele-fraction threshold",
                "depth": "rows below the depth threshold",
                "transcript": "non-canonical transcript rows of variants with a canonical row"}
        return tuple(f"{self.table.path}: {n} {what[k]} were not used"
                     for k, n in self.counts.items() if n)
