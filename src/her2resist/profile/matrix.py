"""Read gene-by-sample tables: copy number and expression, as cBioPortal and pipelines write them.

Both files have a gene column (``Hugo_Symbol``, or GISTIC's ``Gene Symbol``), optional
annotation columns (``Entrez_Gene_Id``, ``Locus ID``, ``Cytoband``) and one column per sample.
Empty and ``NA`` cells are skipped. A gene on two rows is read once when the rows agree and is
an error naming both lines when they do not. Tables of 20,000 genes by 1,000 samples are read
at the speed of ``pandas.read_csv`` (see :mod:`her2resist.profile._grid`).

Copy number (:func:`read_cna`), ``scale`` (``--cna-scale``):

- ``"discrete"``: cBioPortal/GISTIC calls -2, -1, 0, 1, 2: 2 is an amplification, -2 a deep
  deletion; -1 and 1 (shallow loss, gain) are not alterations, as in cBioPortal and OncoKB;
- ``"copies"``: gene-level absolute copy number: >= 6 copies is an amplification, <= 0.5 a
  deletion; never negative;
- ``"log2"``: log2 copy ratios (CNVkit, GISTIC ``all_data_by_genes``, cBioPortal
  ``LOG2-VALUE``): the copy thresholds at ploidy 2, log2(6/2) = 1.58 and log2(0.5/2) = -2;
- ``"auto"`` (default): decided from the values (:func:`~her2resist.profile.scales.
  detect_cna_scale`); values that fit no scale, or several, are refused with what was seen.

Expression (:func:`read_expression`), ``scale`` (``--expression-scale``): ``"zscore"``
(cBioPortal ``data_mrna_*_zscores*.txt``), or raw ``"log2"`` (log2 RSEM), ``"tpm"`` or
``"counts"``, turned into z-scores per gene against the samples of the file (with a warning
when it has fewer than 20); ``"auto"`` decides from the values. A z-score >= ``threshold``
(default 2.0) is high expression, <= -``threshold`` low, the cut-off cBioPortal uses for mRNA
outliers.

Which scale was used and why is kept in each profile's ``inputs`` (the report's provenance).
ERBB2 amplification sets the HER2 status (amplified), not an alteration: HER2 amplification is
the model's default context. Amplifications and deletions of genes the model's rules do not
cover are listed as not used when the model knows the gene (a KRAS deletion), and counted in a
note, the first ten named, when it does not (a genome-wide table calls thousands of them);
expression outliers of genes without an expression rule are counted in a note.

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
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Literal

import numpy as np

from her2resist.exceptions import DataQualityWarning, ParameterError, ProfileError
from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.profile._grid import Grid, drop_repeated_genes, parse_grid
from her2resist.profile.mapping import (
    Mapped,
    genes_with_rule,
    map_copy_number,
    map_expression,
)
from her2resist.profile.mapping import profiles_from_results as _profiles
from her2resist.profile.scales import (
    AMPLIFIED_COPIES,
    AMPLIFIED_LOG2,
    CNA_SCALES,
    DELETED_COPIES,
    DELETED_LOG2,
    EXPRESSION_SCALES,
    GAINED_COPIES,
    GAINED_LOG2,
    MIN_COHORT,
    check_scale_values,
    detect_cna_scale,
    detect_expression_scale,
    to_zscores,
)
from her2resist.profile.tumour import (
    Her2Status,
    Source,
    TumourProfile,
)

#: (amplified from, gained from, deleted up to) per copy-number scale.
CNA_THRESHOLDS = {"discrete": (2.0, 1.0, -2.0), "copies": (AMPLIFIED_COPIES, GAINED_COPIES,
                                                           DELETED_COPIES),
                  "log2": (AMPLIFIED_LOG2, GAINED_LOG2, DELETED_LOG2)}


def _check_scale(scale: str, accepted: tuple[str, ...], function: str) -> None:
    if scale != "auto" and scale not in accepted:
        raise ParameterError("scale", function, "one of {" + ", ".join(
            repr(s) for s in ("auto", *accepted)) + "}", scale)


def _decide(grid: Grid, scale: str, kind: str) -> tuple[str, str]:
    """(scale, how it was decided), after checking the values fit it."""
    used: str
    if scale == "auto":
        detect = detect_cna_scale if kind == "cna" else detect_expression_scale
        used, evidence = detect(grid.values, grid.path)
        how = f"detected from the values ({evidence})"
    else:
        used, how = scale, "given"
        # A detected scale already fits every value; a given one is checked cell by cell.
        check_scale_values(grid.values, used, kind, grid.path,
                           (grid.lines, grid.samples, grid.gene_column), given=True)
    return used, how


def read_cna(
    path: str | Path, *, sample: str | None = None,
    scale: Literal["auto", "discrete", "copies", "log2"] = "auto",
    panels: Mapping[str, frozenset[str]] | None = None, catalogue: Catalogue | None = None,
) -> dict[str, TumourProfile]:
    """Read a gene-level copy-number table into one partial profile per sample.

    Parameters
    ----------
    path
        The table (cBioPortal ``data_cna.txt``, GISTIC ``all_thresholded.by_genes.txt``,
        gene-level copy numbers or log2 ratios).
    sample
        Read only this sample's column.
    scale
        ``"discrete"``, ``"copies"``, ``"log2"`` or ``"auto"`` (see the module docstring).
    panels
        Sample id to the (upper-case) genes its gene panel covers: the other genes' values
        are unknown, not copy-neutral (cBioPortal writes 0 or NA for them).
    catalogue
        The knowledge base whose variant rules map the calls.

    Examples
    --------
    >>> profiles = read_cna("examples/study/cna.txt")
    >>> profiles["HER2-01"].her2.amplified, profiles["HER2-01"].alteration_ids()
    (True, ('CCNE1_amp', 'FGFR1_amp'))
    """
    _check_scale(scale, CNA_SCALES, "read_cna")
    grid, notes = drop_repeated_genes(parse_grid(
        str(path), what="copy-number file", sample=sample,
        accepted="a copy-number call -2..2, a copy number or a log2 ratio"))
    off_panel: dict[str, str] = {}
    if panels:
        grid, off_panel = _off_panel_unknown(grid, panels)
    profiles = cna_profiles(grid, notes, scale, catalogue or load_catalogue())
    return {name: replace(p, notes=(*p.notes, off_panel[name])) if name in off_panel else p
            for name, p in profiles.items()}


def _off_panel_unknown(grid: Grid, panels: Mapping[str, frozenset[str]]
                       ) -> tuple[Grid, dict[str, str]]:
    """Cells of genes off a sample's gene panel become unknown (NaN), with a note each."""
    values = grid.values.copy()
    upper = np.array([g.upper() for g in grid.genes])
    extra: dict[str, str] = {}
    for column, name in enumerate(grid.samples):
        covered = panels.get(name)
        if covered is None:
            continue
        off = ~np.isin(upper, list(covered)) & ~np.isnan(values[:, column])
        if off.any():
            values[off, column] = np.nan
            shown = ", ".join(upper[off][:5]) + (", ..." if off.sum() > 5 else "")
            extra[name] = (f"{grid.path}: {int(off.sum())} gene(s) not on the gene panel of "
                           f"sample {name} were read as unknown ({shown})")
    return replace(grid, values=values), extra


def cna_profiles(grid: Grid, notes: tuple[str, ...], scale: str, cat: Catalogue
                 ) -> dict[str, TumourProfile]:
    """One profile per sample column of a copy-number grid (see :func:`read_cna`)."""
    used, how = _decide(grid, scale, "cna")
    amplified, gained, deleted = CNA_THRESHOLDS[used]
    reading = (f"{grid.path}: copy number read as {used} ({how}); amplification >= "
               f"{amplified:.3g}, deep deletion <= {deleted:.3g}")
    values = grid.values
    amp, dele = values >= amplified, values <= deleted
    modelled = _modelled_rows(grid, cat)
    erbb2 = [i for i in modelled if grid.genes[i].upper() == "ERBB2"]
    others = np.setdiff1d(np.arange(len(grid.genes)), modelled)
    # Calls of genes outside the model, one contiguous row per sample.
    other_calls = np.ascontiguousarray((amp[others] | dele[others]).T)
    present = ~np.isnan(values).all(axis=0)
    results: dict[str, list[Mapped]] = {}
    her2: dict[str, Her2Status] = {}
    unused: dict[str, tuple[int, tuple[str, ...]]] = {}
    for column, name in enumerate(grid.samples):
        if not present[column]:
            continue
        found: list[Mapped] = []
        for row in modelled:
            call: Literal["amplification", "deletion"] | None = (
                "amplification" if amp[row, column] else "deletion" if dele[row, column]
                else None)
            if call is not None and not (row in erbb2 and call == "amplification"):
                found.append(map_copy_number(grid.genes[row], call, _cell_source(
                    grid, row, column, call, used), catalogue=cat))
        results[name] = found
        hits = others[other_calls[column]]
        unused[name] = (len(hits), tuple(grid.genes[i] for i in hits[:10]))
        for row in erbb2:
            value = values[row, column]
            if not np.isnan(value):
                flag = True if value >= amplified else None if value >= gained else False
                her2[name] = Her2Status(amplified=flag, sources=(
                    _cell_source(grid, row, column, None, used),))
    profiles = _profiles(grid.path, results, notes, (reading,))
    return {name: _with_her2(_note_unused(p, grid.path, unused[name]), her2.get(name))
            for name, p in profiles.items()}


def _modelled_rows(grid: Grid, cat: Catalogue) -> list[int]:
    """Rows of genes the model has an alteration of (the rest are only counted)."""
    genes = {alt.gene.upper() for alt in cat.alterations.values()}
    return [i for i, gene in enumerate(grid.genes) if gene.upper() in genes]


def _note_unused(profile: TumourProfile, path: str, unused: tuple[int, tuple[str, ...]]
                 ) -> TumourProfile:
    """Amplified or deleted genes outside the model: counted in a note, the first ten named."""
    count, genes = unused
    if not count:
        return profile
    shown = ", ".join(genes) + (", ..." if count > len(genes) else "")
    note = (f"{path}: {count} amplified or deeply deleted gene(s) of sample "
            f"{profile.sample} are not in the model and were not used ({shown})")
    return replace(profile, notes=(*profile.notes, note))


def _cell_source(grid: Grid, row: int, column: int, call: str | None, scale: str) -> Source:
    gene, value = grid.genes[row], grid.values[row, column]
    return Source(grid.path, grid.line_of(row, column), grid.samples[column],
                  f"{gene} {call or 'copy number'} ({scale} {value:g})")


def _with_her2(profile: TumourProfile, status: Her2Status | None) -> TumourProfile:
    if status is None:
        return profile
    return TumourProfile(profile.sample, her2=status, alterations=profile.alterations,
                         unmapped=profile.unmapped, notes=profile.notes, inputs=profile.inputs)


def _expression_rules(grid: Grid, cat: Catalogue) -> dict[str, np.ndarray]:
    """Per call ('high', 'low'), which genes (rows) have an expression rule for it."""
    return {call: np.array([g.upper() in genes for g in grid.genes], dtype=bool)
            for call in ("high", "low")
            for genes in (genes_with_rule("expression", call, cat),)}


def read_expression(
    path: str | Path, *, sample: str | None = None, threshold: float = 2.0,
    scale: Literal["auto", "zscore", "log2", "tpm", "counts"] = "auto",
    catalogue: Catalogue | None = None,
) -> dict[str, TumourProfile]:
    """Read mRNA expression; ``|z| >= threshold`` is high or low expression.

    Parameters
    ----------
    path
        A gene-by-sample table: z-scores (cBioPortal ``data_mrna_*_zscores*.txt``), log2
        values (``data_mrna_seq_v2_rsem.txt`` after log2), TPM or counts.
    sample
        Report only this sample (raw values are still z-scored against every sample).
    threshold
        The z-score cut-off (default 2.0, cBioPortal's default for mRNA outliers).
    scale
        ``"zscore"``, ``"log2"``, ``"tpm"``, ``"counts"`` or ``"auto"`` (module docstring).
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
    _check_scale(scale, EXPRESSION_SCALES, "read_expression")
    cat = catalogue or load_catalogue()
    accepted = "an expression value (z-score, log2, TPM or count)"
    grid, notes = drop_repeated_genes(parse_grid(str(path), what="expression file",
                                                 accepted=accepted))
    if sample is not None and sample not in grid.samples:
        raise ProfileError(grid.path, f"no column for sample {sample!r}; sample columns: "
                           f"{', '.join(grid.samples[:20])}", line=grid.header_line)
    used, how = _decide(grid, scale, "expression")
    reading = f"{grid.path}: expression read as {used} ({how})"
    if used != "zscore":
        reading += f", turned into z-scores per gene against the {len(grid.samples)} " \
                   "sample(s) of the file"
        notes += _check_cohort(grid)
    z = to_zscores(grid.values, used)  # type: ignore[arg-type]
    rules = _expression_rules(grid, cat)
    high, low = z >= threshold, z <= -threshold
    out: dict[str, TumourProfile] = {}
    for column, name in enumerate(grid.samples):
        if (sample is not None and name != sample) or np.isnan(grid.values[:, column]).all():
            continue
        found: list[Mapped] = []
        for call, mask in (("high", high[:, column]), ("low", low[:, column])):
            for row in np.flatnonzero(mask & rules[call]):
                source = Source(grid.path, int(grid.lines[row]), name,
                                f"{grid.genes[row]} {call} expression (z={z[row, column]:.2f})")
                found.append(map_expression(grid.genes[row], call, source,  # type: ignore
                                            catalogue=cat))
        unused = int((high[:, column] & ~rules["high"]).sum()
                     + (low[:, column] & ~rules["low"]).sum())
        note = (f"{grid.path}: {unused} gene(s) with |z| >= {threshold:g} in sample {name} "
                "have no expression rule in the model and were not used",) if unused else ()
        out.update(_profiles(grid.path, {name: found}, notes + note, (reading,)))
    return out


def _check_cohort(grid: Grid) -> tuple[str, ...]:
    """Raw values need samples to be z-scored against: an error under 3, a warning under 20."""
    n = len(grid.samples)
    if n < 3:
        raise ProfileError(grid.path, f"raw expression values of {n} sample(s) cannot be "
                           "turned into z-scores: at least 3 samples are needed (20 or more "
                           "for stable z-scores); give z-scores, or --expression-scale zscore "
                           "if the values are z-scores", line=grid.header_line)
    if n >= MIN_COHORT:
        return ()
    message = (f"{grid.path}: raw expression z-scored against only {n} samples; z-scores "
               f"from fewer than {MIN_COHORT} samples are unstable")
    warnings.warn(message, DataQualityWarning, stacklevel=3)
    return (message,)
