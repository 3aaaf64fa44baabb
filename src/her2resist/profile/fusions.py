"""Read gene fusions and structural variants: cBioPortal SV files, Arriba and STAR-Fusion.

Recognised by their header:

- cBioPortal ``data_sv.txt``: ``Sample_Id``, ``Site1_Hugo_Symbol``, ``Site2_Hugo_Symbol``
  (``SV_Status`` GERMLINE rows are not used, and counted);
- Arriba ``fusions.tsv``: ``#gene1``, ``gene2``, ..., ``confidence`` (``low`` confidence
  calls are not used, and counted); one sample per file;
- STAR-Fusion ``star-fusion.fusion_predictions.tsv``: ``#FusionName`` (``GENE1--GENE2``),
  ``LeftGene``, ``RightGene`` (``GENE^ENSG...``); one sample per file;
- PCGR's RNA fusion input (``--input_rna_fusion``, e.g. ``<sample>.grch38.fusions.tsv``):
  ``FusionGene`` (``GENE1--GENE2`` or ``GENE1::GENE2``), ``LeftBreakpoint``,
  ``RightBreakpoint`` (``chrom:position``), ``SplitReads``; one sample per file. A record
  with fewer than ``min_split_reads`` split reads (default 0: every record, as PCGR) is not
  used, and counted.

A single-sample file's sample is ``sample`` or the file name up to its first dot. A fusion
maps to an alteration when the knowledge base names fusions as an event of an alteration of
one of its genes (``events: [..., fusion]``, e.g. NRG1 fusions as heregulin drive,
``NRG1_high``); every other fusion is listed as not used, with the reason.

Examples
--------
>>> import tempfile, os
>>> text = ("Sample_Id\\tSite1_Hugo_Symbol\\tSite2_Hugo_Symbol\\tSV_Status\\n"
...         "T1\\tCD74\\tNRG1\\tSOMATIC\\nT1\\tERBB2\\tGRB7\\tSOMATIC\\n")
>>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
...     _ = fh.write(text)
>>> profile = read_fusions(fh.name)["T1"]
>>> profile.alteration_ids(), [u.change for u in profile.unmapped]
(('NRG1_high',), ['ERBB2-GRB7 fusion'])
>>> os.unlink(fh.name)
"""

from __future__ import annotations

from pathlib import Path

from her2resist.exceptions import ParameterError, ProfileError
from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.profile._table import Row, Table, parse_number, parse_table, read_text
from her2resist.profile.maf import GENE, check_sample
from her2resist.profile.mapping import Mapped
from her2resist.profile.mapping import profiles_from_results as _profiles
from her2resist.profile.tumour import ProfileAlteration, Source, TumourProfile, UnmappedVariant

#: Header columns that say which tool wrote the file (lower case).
LAYOUTS = {"cbioportal": ("site1_hugo_symbol", "site2_hugo_symbol"),
           "arriba": ("gene1", "gene2"), "star-fusion": ("fusionname",),
           "pcgr": ("fusiongene", "leftbreakpoint", "rightbreakpoint", "splitreads")}


def _table(path: str) -> Table:
    """The table, with the '#' that Arriba and STAR-Fusion put before their header removed."""
    text = read_text(path)
    first = text.split("\n", 1)[0].lower()
    if first.startswith(("#gene1\t", "#fusionname\t")):
        text = text[1:]
    return parse_table(path, text, what="fusion file")


def _layout(table: Table) -> str:
    lowered = {h.lower() for h in table.header}
    for layout, columns in LAYOUTS.items():
        if all(c in lowered for c in columns):
            return layout
    raise ProfileError(table.path, "not a fusion file: expected cBioPortal SV columns "
                       "(Site1_Hugo_Symbol, Site2_Hugo_Symbol), Arriba's (#gene1, gene2), "
                       "STAR-Fusion's (#FusionName) or PCGR's (FusionGene, LeftBreakpoint, "
                       "RightBreakpoint, SplitReads)", line=table.header_line)


def _genes(table: Table, row: Row, layout: str) -> tuple[str, str]:
    if layout in ("star-fusion", "pcgr"):
        column = table.find("FusionName", "FusionGene") or ""
        value = row.get(column)
        separator = "::" if layout == "pcgr" and "--" not in value else "--"
        left, sep, right = value.partition(separator)
        if layout == "pcgr" and (not sep or separator in right):
            raise table.error(row, column, "not a fusion: expected two genes joined by '--' or "
                              "'::', such as CD74--NRG1")
        pair = (left, right) if sep else ("", "")
    elif layout == "arriba":
        column = table.find("gene1") or ""
        pair = (row.get(column), row.get(table.find("gene2")))
        # Arriba names intergenic sites "GENE_A(1234),GENE_B(567)": the nearest gene first.
        pair = tuple(g.split(",")[0].split("(")[0] for g in pair)  # type: ignore[assignment]
    else:
        column = table.find("Site1_Hugo_Symbol") or ""
        pair = (row.get(column), row.get(table.find("Site2_Hugo_Symbol")))
    for gene in pair:
        if gene and gene != "." and not GENE.match(gene):
            raise table.error(row, column, "not a gene symbol: expected letters, digits and "
                              "'.-_' (at most 60 characters), such as NRG1")
    return pair[0] if pair[0] != "." else "", pair[1] if pair[1] != "." else ""


def _skip(table: Table, row: Row, layout: str, min_split_reads: int) -> str | None:
    """Why a row is not used (counted), or None."""
    status = table.find("SV_Status")
    if layout == "cbioportal" and status and row.get(status).upper() == "GERMLINE":
        return "germline"
    confidence = table.find("confidence")
    if layout == "arriba" and confidence and row.get(confidence).lower() == "low":
        return "low-confidence"
    if layout == "pcgr":
        column = table.find("SplitReads") or ""
        reads = parse_number(table, row, column, accepted="a whole number of split reads >= 0")
        if reads is None or reads < 0 or reads != int(reads):
            raise table.error(row, column, "not a count: expected a whole number of split "
                              "reads >= 0")
        if reads < min_split_reads:
            return f"under-supported (< {min_split_reads} split reads)"
    return None


def map_fusion(gene1: str, gene2: str, source: Source, *, catalogue: Catalogue | None = None
               ) -> Mapped:
    """A fusion as the alteration the knowledge base names for it, or why it is not used.

    Examples
    --------
    >>> map_fusion("SLC3A2", "NRG1", Source("f.tsv", 2)).id
    'NRG1_high'
    """
    cat = catalogue or load_catalogue()
    for gene in (gene1, gene2):
        for alt in cat.alterations.values():
            if alt.gene.upper() == gene.upper() and "fusion" in alt.events:
                return ProfileAlteration.of(alt, (source,))
    name = f"{gene1}-{gene2} fusion"
    return UnmappedVariant(gene1 or gene2, name, "fusion", "the knowledge base names no fusion "
                           f"of {gene1 or '?'} or {gene2 or '?'}", source)


def read_fusions(
    path: str | Path, *, sample: str | None = None, min_split_reads: int = 0,
    catalogue: Catalogue | None = None,
) -> dict[str, TumourProfile]:
    """Read fusions into one partial profile per sample (see the module docstring).

    ``min_split_reads`` applies to PCGR's fusion files (``SplitReads``).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as fh:
    ...     _ = fh.write("Sample_Id\\tSite1_Hugo_Symbol\\tSite2_Hugo_Symbol\\tSV_Status\\n"
    ...                  "T1\\tNRG1\\tCD74\\tSOMATIC\\n")
    >>> read_fusions(fh.name)["T1"].alteration_ids()
    ('NRG1_high',)
    """
    path = str(path)
    if isinstance(min_split_reads, bool) or not isinstance(min_split_reads, int) \
            or min_split_reads < 0:
        raise ParameterError("min_split_reads", "read_fusions", "a whole number >= 0",
                             min_split_reads)
    cat = catalogue or load_catalogue()
    table = _table(path)
    layout = _layout(table)
    sample_col = table.find("Sample_Id", "SAMPLE_ID") if layout == "cbioportal" else None
    if layout == "cbioportal" and sample_col is None:
        table.require("sample", "Sample_Id")
    single = sample or Path(path).name.split(".")[0] or "sample"
    results: dict[str, list[Mapped]] = {}
    skipped: dict[str, int] = {}
    for row in table:
        name = check_sample(table, row, sample_col) if sample_col else single
        if sample is not None and sample_col and name != sample:
            continue
        gene1, gene2 = _genes(table, row, layout)
        reason = _skip(table, row, layout, min_split_reads)
        if reason:
            skipped[reason] = skipped.get(reason, 0) + 1
            results.setdefault(name, [])
            continue
        source = Source(path, row.line, None, f"{gene1}-{gene2} fusion ({layout})")
        results.setdefault(name, []).append(map_fusion(gene1, gene2, source, catalogue=cat))
    notes = tuple(f"{path}: {n} {why} fusion call(s) were not used"
                  for why, n in skipped.items())
    reading = f"{path}: fusions read as {layout} output"
    return _profiles(path, results, notes, (reading,))
