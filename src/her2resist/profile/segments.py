"""Copy-number segments turned into gene calls for the model's genes.

Recognised by their header (case-insensitive):

- IGV/cBioPortal ``.seg``: ``ID``, ``chrom``, ``loc.start``, ``loc.end``, ``num.mark``,
  ``seg.mean`` (a log2 ratio);
- PCGR: ``Chromosome``, ``Start``, ``End`` and ``Segment_Mean`` (log2) or ``nMajor`` and
  ``nMinor`` (allele-specific copies); one sample per file;
- ASCAT: ``sample``, ``chr``, ``startpos``, ``endpos``, ``nMajor``, ``nMinor``;
- any table with chromosome/start/end and a total copy number (``total_cn``, ``cn``,
  ``copy_number``).

Each gene of the model (coordinates shipped in ``profile/data/gene_coordinates.csv``, Ensembl
release 100, GRCh37 and GRCh38: ``genome`` must be given, as coordinates differ) takes the
value of the segment that overlaps it most. log2 segments are called on the log2 scale of
:func:`~her2resist.profile.read_cna`; copies relative to the sample's ploidy (``ploidy``, else
the length-weighted mean copy number of its segments): amplification >= 3 x ploidy (6 at
ploidy 2), deep deletion <= ploidy / 4 (0.5 at ploidy 2), as the gene-level ``copies``
thresholds. The genome, the ploidy and the thresholds are kept in ``profile.inputs``.

Examples
--------
>>> import tempfile, os
>>> text = ("ID\\tchrom\\tloc.start\\tloc.end\\tnum.mark\\tseg.mean\\n"
...         "T1\\t17\\t39600000\\t39800000\\t40\\t2.9\\n"
...         "T1\\t10\\t87800000\\t88000000\\t30\\t-3.1\\n")
>>> with tempfile.NamedTemporaryFile("w", suffix=".seg", delete=False) as fh:
...     _ = fh.write(text)
>>> p = read_segments(fh.name, genome="GRCh38")["T1"]
>>> p.her2.amplified, p.alteration_ids()
(True, ('PTEN_loss',))
>>> os.unlink(fh.name)
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from her2resist.exceptions import ParameterError
from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.profile._grid import Grid
from her2resist.profile._table import Row, Table, parse_number, parse_table
from her2resist.profile.maf import check_sample
from her2resist.profile.matrix import cna_profiles
from her2resist.profile.tumour import TumourProfile

GENOMES = ("GRCh37", "GRCh38")
_ALIASES = {"hg19": "GRCh37", "grch37": "GRCh37", "hg38": "GRCh38", "grch38": "GRCh38"}
_CHROM = ("chrom", "chr", "chromosome")
_START = ("loc.start", "startpos", "start", "start_position")
_END = ("loc.end", "endpos", "end", "end_position")
_LOG2 = ("seg.mean", "segment_mean", "log2", "log2_ratio")
_TOTAL = ("total_cn", "cn", "copy_number", "copynumber", "total_copy_number")
_SAMPLE = ("ID", "sample", "Sample_Id", "SAMPLE_ID")


@lru_cache(maxsize=1)
def _coordinate_rows() -> tuple[dict[str, str], ...]:
    text = resources.files("her2resist.profile").joinpath("data/gene_coordinates.csv")
    lines = [line for line in text.read_text().splitlines() if not line.startswith("#")]
    return tuple(csv.DictReader(lines))


@lru_cache(maxsize=2)
def gene_coordinates(genome: str) -> dict[str, tuple[str, int, int]]:
    """Gene -> (chromosome, start, end), 1-based inclusive, of the shipped coordinates.

    Examples
    --------
    >>> gene_coordinates("GRCh38")["ERBB2"]
    ('17', 39687914, 39730426)
    """
    return {row["gene"]: (row["chrom"], int(row["start"]), int(row["end"]))
            for row in _coordinate_rows() if row["genome"] == genome}


def ensembl_gene_symbols() -> dict[str, str]:
    """Ensembl gene ID (no version) -> symbol, for the model's genes (same shipped file).

    Examples
    --------
    >>> ensembl_gene_symbols()["ENSG00000141736"]
    'ERBB2'
    """
    return {row["gene_id"]: row["gene"] for row in _coordinate_rows()}


def _genome(genome: str | None) -> str:
    if genome is None:
        raise ParameterError("genome", "read_segments", "GRCh37 (hg19) or GRCh38 (hg38): "
                             "segment coordinates mean different genes on each", genome)
    name = _ALIASES.get(genome.lower(), genome)
    if name not in GENOMES:
        raise ParameterError("genome", "read_segments", "GRCh37 (hg19) or GRCh38 (hg38)",
                             genome)
    return name


def _chrom(value: str) -> str:
    name = value[3:] if value.lower().startswith("chr") else value
    return {"23": "X", "24": "Y"}.get(name, name).upper()


def _columns(table: Table) -> tuple[str, str, str, str | None, str, str]:
    """(chrom, start, end, sample or None, value column, 'log2' | 'copies' | 'alleles')."""
    chrom, start, end = (table.require(what, *names) for what, names in
                         (("chromosome", _CHROM), ("start", _START), ("end", _END)))
    sample = table.find(*_SAMPLE)
    if table.find(*_LOG2):
        return chrom, start, end, sample, table.find(*_LOG2) or "", "log2"
    if table.find("nMajor") and table.find("nMinor"):
        return chrom, start, end, sample, table.find("nMajor") or "", "alleles"
    return chrom, start, end, sample, table.require(
        "copy number", *_LOG2, *_TOTAL, "nMajor + nMinor"), "copies"


def read_segments(
    path: str | Path, *, genome: str | None = None, sample: str | None = None,
    ploidy: float | None = None, catalogue: Catalogue | None = None,
) -> dict[str, TumourProfile]:
    """Gene calls of the model's genes from a segment file (see the module docstring).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".seg", delete=False) as fh:
    ...     _ = fh.write("ID\\tchrom\\tloc.start\\tloc.end\\tnum.mark\\tseg.mean\\n"
    ...                  "T1\\t10\\t87800000\\t88000000\\t100\\t-3.0\\n")
    >>> read_segments(fh.name, genome="GRCh38")["T1"].alteration_ids()
    ('PTEN_loss',)
    """
    build = _genome(genome)
    if ploidy is not None and not 0.5 <= ploidy <= 10:
        raise ParameterError("ploidy", "read_segments", "a number between 0.5 and 10", ploidy)
    table = parse_table(path, what="segment file")
    chrom_c, start_c, end_c, sample_c, value_c, kind = _columns(table)
    single = sample or Path(table.path).name.split(".")[0] or "sample"
    segments: dict[str, list[tuple[str, int, int, float, int]]] = {}
    for row in table:
        name = check_sample(table, row, sample_c) if sample_c else single
        if sample is not None and sample_c and name != sample:
            continue
        value = _value(table, row, value_c, kind)
        if value is None:
            continue
        start, end = (_position(table, row, c) for c in (start_c, end_c))
        if end < start:
            raise table.error(row, end_c, f"segment end before its start ({start})")
        segments.setdefault(name, []).append((_chrom(row.get(chrom_c)), start, end, value,
                                               row.line))
    if not segments:
        return {}
    scale = "log2" if kind == "log2" else "copies"
    grid, inputs = _grid(table.path, segments, build, scale, ploidy)
    profiles = cna_profiles(grid, (), scale, catalogue or load_catalogue())
    return {name: _with_input(p, inputs[name]) for name, p in profiles.items()}


def _value(table: Table, row: Row, column: str, kind: str) -> float | None:
    accepted = "a log2 ratio" if kind == "log2" else "a copy number >= 0"
    value = parse_number(table, row, column, accepted=accepted)
    if kind == "alleles" and value is not None:
        minor = parse_number(table, row, table.find("nMinor") or "", accepted=accepted)
        value = None if minor is None else value + minor
    if value is not None and kind != "log2" and value < 0:
        raise table.error(row, column, f"not {accepted}")
    return value


def _position(table: Table, row: Row, column: str) -> int:
    value = parse_number(table, row, column, accepted="a chromosome position")
    if value is None or value < 0 or value != int(value):
        raise table.error(row, column, "not a chromosome position (a whole number >= 0)")
    return int(value)


def _grid(path: str, segments: dict[str, list[tuple[str, int, int, float, int]]], build: str,
          scale: str, ploidy: float | None) -> tuple[Grid, dict[str, str]]:
    genes = gene_coordinates(build)
    names = sorted(genes)
    values = np.full((len(names), len(segments)), np.nan)
    lines = np.zeros((len(names), len(segments)), dtype=np.int64)
    inputs: dict[str, str] = {}
    for column, (sample, segs) in enumerate(segments.items()):
        factor, said = 1.0, ""
        if scale == "copies":
            level = ploidy or _mean_copies(segs)
            factor = 2.0 / level if level > 0 else 1.0
            said = (f"; ploidy {level:.2f} ({'given' if ploidy else 'mean of the segments'}), "
                    "copies scaled to ploidy 2 (amplification >= 3 x ploidy, deep deletion "
                    "<= ploidy / 4)")
        for row, gene in enumerate(names):
            chrom, start, end = genes[gene]
            best = max(((min(end, e) - max(start, s), v, line) for c, s, e, v, line in segs
                        if c == chrom and s <= end and e >= start), default=None)
            if best is not None:
                values[row, column], lines[row, column] = best[1] * factor, best[2]
        inputs[sample] = (f"{path}: segments read as {scale} on {build} (Ensembl 100 gene "
                          f"coordinates; each gene takes its most-overlapping segment){said}")
    first = np.where(lines > 0, lines, 0).max(axis=1)
    return Grid(path, 1, "gene", tuple(names), first, tuple(segments), values,
                cell_lines=lines), inputs


def _mean_copies(segs: list[tuple[str, int, int, float, int]]) -> float:
    lengths = np.array([e - s + 1 for _, s, e, _, _ in segs], dtype=float)
    copies = np.array([v for *_, v, _ in segs], dtype=float)
    return float((lengths * copies).sum() / lengths.sum()) if lengths.sum() > 0 else 2.0


def _with_input(profile: TumourProfile, reading: str) -> TumourProfile:
    from dataclasses import replace

    return replace(profile, inputs=(*profile.inputs, reading))
