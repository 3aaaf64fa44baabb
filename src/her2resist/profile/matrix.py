"""Read gene-by-sample tables: copy number and expression z-scores, as cBioPortal writes them.

Both files have a gene column (``Hugo_Symbol``, or GISTIC's ``Gene Symbol``), optional
annotation columns (``Entrez_Gene_Id``, ``Locus ID``, ``Cytoband``) and one column per sample.
Empty and ``NA`` cells are skipped.

Copy number (:func:`read_cna`), ``scale``:

- ``"discrete"``: cBioPortal/GISTIC calls -2, -1, 0, 1, 2: 2 is an amplification, -2 a deep
  deletion; -1 and 1 (shallow loss, gain) are not alterations, as in cBioPortal and OncoKB;
- ``"copy_number"``: gene-level absolute copy number: >= 6 copies is an amplification, <= 0.5
  a deletion (:data:`AMPLIFIED_COPIES`, :data:`DELETED_COPIES`);
- ``"auto"`` (default): discrete when every value is one of -2, -1.5, -1, 0, 1, 2, else copy
  number.

Expression (:func:`read_expression`): a z-score >= ``threshold`` (default 2.0) is high
expression, <= -``threshold`` low, the cut-off cBioPortal uses for mRNA outliers.

ERBB2 amplification sets the HER2 status (amplified), not an alteration: HER2 amplification is
the model's default context. Amplifications and deletions of genes the model's rules do not
cover are listed as not used; expression outliers of such genes are counted in a note.

Examples
--------
>>> import tempfile, os
>>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
...     _ = fh.write("Hugo_Symbol\\tEntrez_Gene_Id\\tT1\\nERBB2\\t2064\\t2\\nPTEN\\t5728\\t-2\\n")
>>> p = read_cna(fh.name)["T1"]
>>> p.her2.call, p.alteration_ids()
('positive', ('PTEN_loss',))
>>> os.unlink(fh.name)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

from her2resist.exceptions import DataQualityWarning, ParameterError, ProfileError
from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.profile._table import Row, Table, parse_number, parse_table
from her2resist.profile.maf import check_gene
from her2resist.profile.mapping import Mapped, map_copy_number, map_expression
from her2resist.profile.mapping import profiles_from_results as _profiles
from her2resist.profile.tumour import Her2Status, Source, TumourProfile, UnmappedVariant

AMPLIFIED_COPIES = 6.0
DELETED_COPIES = 0.5
DISCRETE_VALUES = frozenset({-2.0, -1.5, -1.0, 0.0, 1.0, 2.0})
GENE_COLUMNS = ("Hugo_Symbol", "Gene Symbol", "Gene", "gene")
ANNOTATION_COLUMNS = frozenset({"entrez_gene_id", "locus id", "cytoband", "gene_id",
                                "entrez", "description"})
Cell = tuple[Row, str, str, float]


def _cells(table: Table, sample: str | None, accepted: str) -> Iterator[Cell]:
    """(row, gene, sample column, value) for every numeric cell of the sample columns."""
    gene_col = table.require("gene", *GENE_COLUMNS)
    columns = [c for c in table.header if c != gene_col and c.lower() not in ANNOTATION_COLUMNS]
    if sample is not None:
        if sample not in columns:
            raise ProfileError(table.path, f"no column for sample {sample!r}; sample columns: "
                               f"{', '.join(columns[:20]) or 'none'}", line=table.header_line)
        columns = [sample]
    if not columns:
        raise ProfileError(table.path, "no sample columns after the gene column",
                           line=table.header_line)
    for row in table:
        gene = check_gene(table, row, gene_col)
        for column in columns:
            value = parse_number(table, row, column, accepted=accepted)
            if value is not None:
                yield row, gene, column, value


def _detect_scale(table: Table, cells: list[Cell]) -> Literal["discrete", "copy_number"]:
    if any(value not in DISCRETE_VALUES for *_, value in cells):
        return "copy_number"
    if cells and not any(value < 0 for *_, value in cells):
        warnings.warn(f"{table.path}: values 0, 1 and 2 only; read as cBioPortal discrete calls "
                      "(2 = amplification). Use scale='copy_number' for copies per cell.",
                      DataQualityWarning, stacklevel=3)
    return "discrete"


def _cna_call(value: float, scale: str) -> Literal["amplification", "deletion"] | None:
    if scale == "discrete":
        return "amplification" if value >= 2 else "deletion" if value <= -2 else None
    if value >= AMPLIFIED_COPIES:
        return "amplification"
    return "deletion" if value <= DELETED_COPIES else None


def read_cna(
    path: str | Path, *, sample: str | None = None,
    scale: Literal["auto", "discrete", "copy_number"] = "auto", catalogue: Catalogue | None = None,
) -> dict[str, TumourProfile]:
    """Read a gene-level copy-number table into one partial profile per sample.

    Parameters
    ----------
    path
        The table (cBioPortal ``data_cna.txt``, GISTIC ``all_thresholded.by_genes.txt``, or
        gene-level copy numbers).
    sample
        Read only this sample's column.
    scale
        ``"discrete"``, ``"copy_number"`` or ``"auto"`` (see the module docstring).
    catalogue
        The knowledge base whose variant rules map the calls.

    Examples
    --------
    See the module docstring.
    """
    if scale not in ("auto", "discrete", "copy_number"):
        raise ParameterError("scale", "read_cna", "one of {'auto', 'discrete', 'copy_number'}",
                             scale)
    cat = catalogue or load_catalogue()
    table = parse_table(path, what="copy-number file")
    cells = list(_cells(table, sample, "a copy-number call -2..2 or a copy number"))
    used = _detect_scale(table, cells) if scale == "auto" else scale
    results: dict[str, list[Mapped]] = {name: [] for name in _sample_columns(table, cells)}
    her2: dict[str, Her2Status] = {}
    for row, gene, column, value in cells:
        call = _cna_call(value, used)
        source = Source(table.path, row.line, column, f"{gene} {call or 'copy number'} "
                        f"({'discrete ' if used == 'discrete' else ''}{value:g})")
        if gene.upper() == "ERBB2":
            her2[column] = Her2Status(amplified=_erbb2_amplified(value, used), sources=(source,))
        if call is not None and not (gene.upper() == "ERBB2" and call == "amplification"):
            results[column].append(map_copy_number(gene, call, source, catalogue=cat))
    profiles = _profiles(table.path, results)
    return {name: _with_her2(p, her2.get(name)) for name, p in profiles.items()}


def _erbb2_amplified(value: float, scale: str) -> bool | None:
    """ERBB2 amplified (True), not amplified (False), or a low-level gain (None)."""
    if scale == "discrete":
        return True if value >= 2 else None if value > 0 else False
    return True if value >= AMPLIFIED_COPIES else None if value >= 4 else False


def _sample_columns(table: Table, cells: list[Cell]) -> list[str]:
    return list(dict.fromkeys(column for _, _, column, _ in cells))


def _with_her2(profile: TumourProfile, status: Her2Status | None) -> TumourProfile:
    if status is None:
        return profile
    return TumourProfile(profile.sample, her2=status, alterations=profile.alterations,
                         unmapped=profile.unmapped, notes=profile.notes)


def read_expression(
    path: str | Path, *, sample: str | None = None, threshold: float = 2.0,
    catalogue: Catalogue | None = None,
) -> dict[str, TumourProfile]:
    """Read mRNA expression z-scores; ``|z| >= threshold`` is high or low expression.

    Parameters
    ----------
    path
        A gene-by-sample table of z-scores (cBioPortal ``data_mrna_*_zscores*.txt``).
    sample
        Read only this sample's column.
    threshold
        The z-score cut-off (default 2.0, cBioPortal's default for mRNA outliers).
    catalogue
        The knowledge base whose variant rules map the calls.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
    ...     _ = fh.write("Hugo_Symbol\\tT1\\nMUC4\\t2.7\\nTP53\\t-0.3\\n")
    >>> read_expression(fh.name)["T1"].alteration_ids()
    ('MUC4_high',)
    >>> os.unlink(fh.name)
    """
    if not threshold > 0 or threshold == float("inf"):
        raise ParameterError("threshold", "read_expression", "a positive number", threshold)
    cat = catalogue or load_catalogue()
    table = parse_table(path, what="expression file")
    cells = list(_cells(table, sample, "a z-score"))
    results: dict[str, list[Mapped]] = {name: [] for name in _sample_columns(table, cells)}
    for row, gene, column, value in cells:
        if abs(value) < threshold:
            continue
        call: Literal["high", "low"] = "high" if value > 0 else "low"
        source = Source(table.path, row.line, column, f"{gene} {call} expression (z={value:.2f})")
        results[column].append(map_expression(gene, call, source, catalogue=cat))
    return {name: _drop_unmapped_expression(p, threshold) for name, p in
            _quiet(lambda: _profiles(table.path, results)).items()}


def _quiet(build: Callable[[], dict[str, TumourProfile]]) -> dict[str, TumourProfile]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build()


def _drop_unmapped_expression(profile: TumourProfile, threshold: float) -> TumourProfile:
    """Expression outliers of genes outside the model are counted in a note, not listed."""
    unused: tuple[UnmappedVariant, ...] = profile.unmapped
    if not unused:
        return profile
    note = (f"{unused[0].source.file}: {len(unused)} gene(s) with |z| >= {threshold:g} in "
            f"sample {profile.sample} have no expression rule in the model and were not used")
    return TumourProfile(profile.sample, alterations=profile.alterations, notes=(note,))
