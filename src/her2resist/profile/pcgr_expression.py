"""Read one tumour's RNA expression as PCGR takes it: ``TargetID`` and ``TPM`` columns.

PCGR's ``--input_rna_expression`` file is a tab-separated table of one sample with the
columns ``TargetID`` (an Ensembl gene ID, or a gene symbol; versions such as
``ENSG00000141736.14`` are dropped) and ``TPM`` (>= 0); PCGR ships an example as
``<sample>.gene_expression.tsv.gz``. A TPM value alone says nothing about high or low
expression: like PCGR, which compares a sample with reference cohorts, the sample is
z-scored against a reference table of many samples (``reference``; ``--expression-reference``):
a gene x sample table (cBioPortal layout) of TPM or of log2(TPM + 1), e.g. TCGA's or GTEx's
breast samples. For each gene of the model with an expression rule,
``z = (log2(TPM + 1) - mean) / sd`` over the reference's samples; ``|z| >= threshold`` is
high or low, as for :func:`~her2resist.profile.read_expression`. Without a reference the file
is refused with the option that settles it.

Rows are not used, and counted, when their ``TargetID`` is a transcript (``ENST``, RefSeq
``NM_``/``NR_``/``XM_``/``XR_``: PCGR maps them with its own transcript index, which is not
shipped here; sum them per gene first), an Ensembl gene the model has no alteration of, or a
gene the reference lacks. An identifier given twice keeps its highest TPM (as PCGR does).

Examples
--------
>>> import tempfile, os
>>> folder = tempfile.mkdtemp()
>>> sample, reference = os.path.join(folder, "T1.tsv"), os.path.join(folder, "ref.txt")
>>> _ = open(sample, "w").write("TargetID\\tTPM\\nENSG00000145113.22\\t900\\nTP53\\t40\\n")
>>> _ = open(reference, "w").write("Hugo_Symbol\\tR1\\tR2\\tR3\\tR4\\nMUC4\\t2\\t4\\t3\\t5\\n")
>>> import warnings
>>> with warnings.catch_warnings():  # a 4-sample reference is small: a warning says so
...     warnings.simplefilter("ignore")
...     read_pcgr_expression(sample, reference=reference)["T1"].alteration_ids()
('MUC4_high',)
"""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

import numpy as np

from her2resist.exceptions import ParameterError, ProfileError
from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.profile._grid import Grid, drop_repeated_genes, parse_grid
from her2resist.profile._table import Row, Table, parse_number, parse_table
from her2resist.profile.maf import GENE
from her2resist.profile.mapping import Mapped, genes_with_rule, map_expression, modelled_genes
from her2resist.profile.mapping import profiles_from_results as _profiles
from her2resist.profile.matrix import _check_cohort
from her2resist.profile.scales import detect_expression_scale
from her2resist.profile.segments import ensembl_gene_symbols
from her2resist.profile.tumour import Source, TumourProfile

_VERSION = re.compile(r"\.\d+$")
_TRANSCRIPT = re.compile(r"^(ENST\d+|[NX][MR]_\d+)$")
_ENSEMBL_GENE = re.compile(r"^ENSG\d+$")


def is_pcgr_expression(path: str | Path) -> bool:
    """Whether a file's first line is PCGR's expression header (``TargetID`` and ``TPM``);
    only that line is read (an expression matrix can be hundreds of MB).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as fh:
    ...     _ = fh.write("TargetID\\tTPM\\nERBB2\\t5\\n")
    >>> is_pcgr_expression(fh.name)
    True
    """
    try:
        with open(path, "rb") as raw:
            gz = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            with (gzip.GzipFile(fileobj=raw) if gz else raw) as fh:
                first = fh.readline(1 << 16)
    except (OSError, EOFError, zlib.error):
        return False  # the reader that is chosen reports it
    columns = {c.strip().strip('"').lower() for c in
               first.decode("utf-8", "replace").lstrip("\ufeff").split("\t")}
    return {"targetid", "tpm"} <= columns


def _sample_tpm(table: Table) -> tuple[dict[str, tuple[float, int]], dict[str, int]]:
    """Gene symbol -> (highest TPM, line); and counts of the rows not used, by reason."""
    target, tpm = table.require("TargetID", "TargetID"), table.require("TPM", "TPM")
    symbols = ensembl_gene_symbols()
    model = modelled_genes()
    values: dict[str, tuple[float, int]] = {}
    skipped: dict[str, int] = {}
    for row in table:
        ident = _VERSION.sub("", row.get(target))
        value = _tpm(table, row, tpm)
        if _TRANSCRIPT.match(ident):
            reason = "transcript-level (sum TPM per gene first)"
        elif _ENSEMBL_GENE.match(ident):
            gene = symbols.get(ident)
            reason = "" if gene else "Ensembl genes the model has no alteration of"
            ident = gene or ident
        elif GENE.match(ident):
            reason = "" if ident.upper() in model else "genes the model has no alteration of"
        else:
            raise table.error(row, target, "not a gene or transcript identifier: expected an "
                              "Ensembl gene ID (ENSG...) or a gene symbol")
        if reason:
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        if value is None:
            continue
        key = ident.upper()
        if key not in values or value > values[key][0]:
            values[key] = (value, row.line)
    return values, skipped


def _tpm(table: Table, row: Row, column: str) -> float | None:
    value = parse_number(table, row, column, accepted="a TPM value >= 0")
    if value is not None and value < 0:
        raise table.error(row, column, "a negative TPM: expected a TPM value >= 0")
    return value


def _reference(path: str) -> tuple[Grid, np.ndarray, str]:
    """The reference grid, its log2(TPM + 1) values and how its scale was decided."""
    grid, _ = drop_repeated_genes(parse_grid(path, what="expression reference",
                                             accepted="a TPM or log2(TPM + 1) value"))
    scale, how = detect_expression_scale(grid.values, grid.path)
    if scale not in ("tpm", "log2"):
        raise ProfileError(grid.path, f"an expression reference must hold TPM or log2(TPM + "
                           f"1) values to compare TPM with; its values look like {scale} "
                           f"({how})", line=grid.header_line)
    if (grid.values < 0).any():
        raise ProfileError(grid.path, "an expression reference of TPM or log2(TPM + 1) values "
                           "has no negative value", line=grid.header_line)
    _check_cohort(grid)
    logged = np.log2(grid.values + 1.0) if scale == "tpm" else grid.values
    return grid, logged, f"{scale} ({how})"


def read_pcgr_expression(
    path: str | Path, *, reference: str | Path | None, sample: str | None = None,
    threshold: float = 2.0, catalogue: Catalogue | None = None,
) -> dict[str, TumourProfile]:
    """Read a PCGR expression file (``TargetID``, ``TPM``) against a reference cohort.

    Parameters
    ----------
    path
        PCGR's ``--input_rna_expression`` file (gzip or not); one sample.
    reference
        A gene x sample table of TPM or log2(TPM + 1) (at least 3 samples; a warning under 20).
    sample
        The sample's id (default: the file name up to its first dot, as PCGR names it).
    threshold
        The z-score cut-off for high and low expression (default 2.0).
    catalogue
        The knowledge base whose rules map the calls.

    Returns
    -------
    dict
        The sample id to a partial :class:`TumourProfile`.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "reference.txt").write_text(
    ...     "Hugo_Symbol\\t" + "\\t".join(f"R{i}" for i in range(6)) + "\\n"
    ...     "MUC4\\t2\\t4\\t3\\t5\\t3\\t4\\n")
    >>> _ = (folder / "sample.tsv").write_text("TargetID\\tTPM\\nMUC4\\t400\\n")
    >>> profile = read_pcgr_expression(folder / "sample.tsv", reference=folder / "reference.txt",
    ...                                sample="T1")["T1"]
    >>> profile.alteration_ids()
    ('MUC4_high',)
    """
    path = str(path)
    if not threshold > 0 or threshold == float("inf"):
        raise ParameterError("threshold", "read_pcgr_expression", "a positive number",
                             threshold)
    if reference is None:
        raise ProfileError(path, "one sample's TPM values cannot be called high or low "
                           "without a reference cohort: give --expression-reference FILE (a "
                           "gene x sample table of TPM or log2(TPM + 1), e.g. TCGA breast "
                           "tumours)", line=1)
    cat = catalogue or load_catalogue()
    table = parse_table(path, what="PCGR expression file")
    values, skipped = _sample_tpm(table)
    grid, logged, how = _reference(str(reference))
    name = sample or Path(path).name.split(".")[0] or "sample"
    row_of = {g.upper(): i for i, g in enumerate(grid.genes)}
    found: list[Mapped] = []
    ruled = {call: genes_with_rule("expression", call, cat) & values.keys()
             for call in ("high", "low")}
    absent = sorted((ruled["high"] | ruled["low"]) - row_of.keys())
    for call, genes in ruled.items():
        for gene in sorted(genes - set(absent)):
            ref = logged[row_of[gene]]
            mean, spread = float(np.nanmean(ref)), float(np.nanstd(ref, ddof=1))
            tpm, line = values[gene]
            z = (np.log2(tpm + 1.0) - mean) / spread if spread > 0 else 0.0
            if (z >= threshold) if call == "high" else (z <= -threshold):
                source = Source(path, line, "TPM", f"{gene} {call} expression (TPM {tpm:g}, "
                                f"z={z:.2f} against {grid.path})")
                found.append(map_expression(gene, call, source, catalogue=cat))  # type: ignore
    notes = tuple(f"{path}: {n} row(s) not used: {why}" for why, n in skipped.items())
    if absent:
        notes += (f"{path}: {', '.join(absent)} not in the reference {grid.path}: not "
                  "called",)
    reading = (f"{path}: PCGR TPM of sample {name}, z-scored against the "
               f"{len(grid.samples)} sample(s) of {grid.path} (reference read as {how})")
    return _profiles(path, {name: found}, notes, (reading,))
