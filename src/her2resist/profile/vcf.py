"""Read annotated variants from a VCF or BCF file (plain, gzip or bgzip) through cyvcf2.

The protein change comes from the variant's annotation: Ensembl VEP's ``CSQ`` (the entry for
the ALT allele flagged ``PICK`` or ``CANONICAL``, else the first with a gene symbol;
``HGVSp``, else ``Amino_acids`` and ``Protein_position``) or SnpEff's ``ANN`` (its first
entry for the allele, the most severe; ``HGVS.p``). A VCF with neither annotation is read with
a :class:`~her2resist.exceptions.DataQualityWarning`: its protein changes are unknown and every
variant is listed as not used.

Which sample is the tumour is decided as :mod:`her2resist.profile._somatic` describes
(``##tumor_sample``, ``##PEDIGREE``, ``##SAMPLE``, sample names; ``tumour=``/``normal=`` to
settle it); only tumours are reported and the choice is kept in ``profile.inputs``. Each ALT
allele of a multi-allelic record is its own variant, carried by a sample whose genotype holds
that allele (without ``GT``, as Strelka writes, one with reads of it). Records failing
``FILTER`` (``include_filtered=True`` keeps them) and germline calls (VarScan ``SS=1``) are
not used, nor are alleles with an allele fraction below ``min_vaf`` (default 0.05) or a depth
below ``min_depth`` (default 10) where the file gives read counts; the report counts each.
Text files, plain or compressed, are checked line by line first (errors name the line);
BCF streams through htslib.

Examples
--------
>>> import tempfile, os
>>> text = ("##fileformat=VCFv4.2\\n##INFO=<ID=ANN,Number=.,Type=String,Description="
...         "\\"Functional annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name | "
...         "Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | HGVS.c | "
...         "HGVS.p'\\">\\n#CHROM\\tPOS\\tID\\tREF\\tALT\\tQUAL\\tFILTER\\tINFO\\n"
...         "3\\t179234297\\t.\\tA\\tG\\t.\\tPASS\\tANN=G|missense_variant|MODERATE|PIK3CA|"
...         "ENSG1|transcript|ENST1|protein_coding|21/21|c.3140A>G|p.His1047Arg\\n")
>>> with tempfile.NamedTemporaryFile("w", suffix=".vcf", delete=False) as fh:
...     _ = fh.write(text)
>>> read_vcf(fh.name, sample="T1")["T1"].alteration_ids()
('PIK3CA_mut',)
>>> os.unlink(fh.name)
"""

from __future__ import annotations

import gzip
import io
import re
import warnings
import zlib
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from her2resist.exceptions import DataQualityWarning, ParameterError, ProfileError
from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.profile._annotation import Annotation, annotation_format, vep_allele
from her2resist.profile._somatic import choose_tumour, format_fields, read_counts
from her2resist.profile._table import MAX_BYTES
from her2resist.profile.mapping import Mapped, map_mutation, modelled_genes, profiles_from_results
from her2resist.profile.tumour import Source, TumourProfile, UnmappedVariant

#: Defaults of the read-count thresholds (applied where the VCF gives read counts).
MIN_VAF = 0.05
MIN_DEPTH = 10
#: The longest line a text VCF may have.
MAX_LINE = 256 * 1024**2


class _Lines:
    """Line numbers of a plain-text VCF's records, kept as runs of consecutive lines (one
    pair per run), so that the index stays a few bytes whatever the file's size."""

    def __init__(self) -> None:
        self.starts: list[int] = []  # record index where a run begins
        self.lines: list[int] = []  # its line number
        self.count = 0
        self._last = -1

    def add(self, line: int) -> None:
        if line != self._last + 1:
            self.starts.append(self.count)
            self.lines.append(line)
        self._last = line
        self.count += 1

    def line(self, index: int) -> int | None:
        """The line of record ``index`` (from 0), None past the last record."""
        if not 0 <= index < self.count:
            return None
        run = bisect_right(self.starts, index) - 1
        return self.lines[run] + index - self.starts[run]


def _prescan(path: str) -> _Lines | None:
    """Line numbers of the data lines of a text VCF (plain, gzip or bgzip), checked line by
    line; None for BCF, which htslib reads (and checks) itself.

    Compressed text is checked too: htslib 1.x crashes the process (a segmentation fault in
    cyvcf2) on a malformed ``GT`` value instead of reporting it, so every genotype is checked
    here before htslib sees the file.
    """
    with open(path, "rb") as fh:
        magic = fh.read(4)
    compressed = magic[:2] == b"\x1f\x8b"
    if magic[:3] == b"BCF":
        return None
    if compressed:
        with gzip.open(path, "rb") as fh:
            try:
                if fh.read(3) == b"BCF":
                    return None
            except (OSError, EOFError, zlib.error):
                return None  # not readable gzip: htslib's own error names the file
    numbers = _Lines()
    columns = 0
    total = 0
    number = 0
    # gzip's own readline is slow; a large buffer over it reads lines ~1.5x faster
    with (io.BufferedReader(gzip.open(path, "rb"), 1 << 20) if compressed
          else open(path, "rb")) as fh:
        for number, raw in enumerate(_bounded_lines(path, fh), start=1):
            total += len(raw)
            if total > MAX_BYTES and not compressed:
                raise ProfileError(path, f"larger than {MAX_BYTES} bytes as plain text; "
                                   "compress it with bgzip")
            line = _decode(path, raw, number).rstrip("\r\n")
            if number == 1 and not line.startswith("##fileformat=VCF"):
                raise ProfileError(path, "not a VCF file: the first line must be "
                                   "##fileformat=VCFv4.x", line=1, column=1)
            if line.startswith("##"):
                continue
            if line.startswith("#CHROM"):
                columns = len(line.split("\t"))
                if columns < 8:
                    raise ProfileError(path, "the #CHROM header line needs at least 8 "
                                       "tab-separated columns (CHROM POS ID REF ALT QUAL FILTER "
                                       "INFO)", line=number)
                continue
            _check_record(path, line, number, columns)
            numbers.add(number)
    if not columns:
        raise ProfileError(path, "no #CHROM header line" if total else "empty file: not a VCF",
                           line=max(1, number if total else 1))
    return numbers


def _bounded_lines(path: str, fh: Any) -> Any:
    """The file's lines, each at most :data:`MAX_LINE` bytes (a compressed file has no size
    bound, so one endless line is refused rather than held in memory); gzip errors become
    ProfileErrors."""
    number = 0
    while True:
        try:
            raw = fh.readline(MAX_LINE + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise ProfileError(path, f"the compressed data are damaged after line {number}: "
                               f"{exc}", line=number + 1) from None
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE:
            raise ProfileError(path, f"a line longer than {MAX_LINE} bytes", line=number)
        yield raw


def _decode(path: str, raw: bytes, number: int) -> str:
    if b"\x00" in raw:
        raise ProfileError(path, "contains a NUL byte: a binary file, not text", line=number,
                           column=raw.index(b"\x00") + 1)
    try:
        return raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileError(path, f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be "
                           "decoded; save the file as UTF-8", line=number,
                           column=exc.start + 1) from None


def _check_record(path: str, line: str, number: int, columns: int) -> None:
    if not columns:
        raise ProfileError(path, "a data line before the #CHROM header line", line=number)
    fields = line.split("\t")
    if len(fields) != columns:
        raise ProfileError(path, f"{len(fields)} tab-separated fields; the #CHROM line has "
                           f"{columns}", line=number, column=min(len(fields), columns) + 1)
    if not fields[1].isdigit():
        raise ProfileError(path, f"POS must be a positive whole number (got {fields[1][:40]!r})",
                           line=number, column=2, field="POS")
    for column, value in enumerate(fields, start=1):
        if not value:
            raise ProfileError(path, "an empty field; VCF writes '.' for a missing value",
                               line=number, column=column)
    if columns > 9:
        _check_genotypes(path, fields, number)


#: A GT value htslib parses: allele indices ('.' for missing) joined by '/' or '|'.
_GT = re.compile(r"(?:\.|[0-9]{1,9})(?:[/|](?:\.|[0-9]{1,9}))*")


def _check_genotypes(path: str, fields: list[str], number: int) -> None:
    """Every sample's ``GT`` is one htslib parses (see :func:`_prescan` for why)."""
    keys = fields[8].split(":")
    if "GT" not in keys:
        return
    at = keys.index("GT")
    for column in range(9, len(fields)):
        values = fields[column].split(":")
        if at < len(values) and not _GT.fullmatch(values[at]):
            raise ProfileError(path, f"GT {values[at][:40]!r} is not a genotype: allele "
                               "numbers (up to 9 digits) or '.' joined by '/' or '|', such as "
                               "0/1, 1|0 or ./.", line=number, column=column + 1, field="GT")


def _open(path: str) -> Any:
    from her2resist._optional import require

    # imported here: htslib loads only when a VCF is read
    VCF = require("cyvcf2", "vcf", "Reading VCF/BCF files").VCF

    try:
        return VCF(path, lazy=True)
    except Exception as exc:  # cyvcf2 raises a bare Exception for a header it cannot parse
        raise ProfileError(path, f"htslib cannot read this as VCF or BCF: {exc}",
                           line=1) from None


@dataclass
class _Counts:
    """What was left out, for the report's notes."""

    filtered: int = 0
    germline: int = 0
    low_vaf: int = 0
    low_depth: int = 0
    no_counts: int = 0


#: Unmapped variants listed per sample: those in genes the model has alterations of (near
#: misses, few) up to the first, of the others up to the second number; the rest are counted
#: in a note, so that a whole exome's tens of thousands of variants are never held in memory.
LISTED_NEAR = 10_000
LISTED_OTHER = 200


@dataclass
class _Found:
    """One sample's variants: every one that maps, unmapped ones listed up to a bound."""

    items: list[Mapped] = field(default_factory=list)
    near: int = 0
    other: int = 0
    not_listed: int = 0

    def room(self, near: bool) -> bool:
        return self.near < LISTED_NEAR if near else self.other < LISTED_OTHER

    def add(self, item: Mapped, near: bool) -> None:
        if not isinstance(item, UnmappedVariant):
            self.items.append(item)
        elif not self.room(near):
            self.not_listed += 1
        else:
            self.items.append(item)
            self.near, self.other = self.near + near, self.other + (not near)


def _check_thresholds(min_vaf: float, min_depth: int) -> None:
    if not 0 <= min_vaf <= 1:
        raise ParameterError("min_vaf", "read_vcf", "a fraction between 0 and 1", min_vaf)
    if isinstance(min_depth, bool) or not isinstance(min_depth, int) or min_depth < 0:
        raise ParameterError("min_depth", "read_vcf", "a whole number >= 0", min_depth)


def read_vcf(
    path: str | Path, *, sample: str | None = None, normal: str | None = None,
    min_vaf: float = MIN_VAF, min_depth: int = MIN_DEPTH, include_filtered: bool = False,
    catalogue: Catalogue | None = None,
) -> dict[str, TumourProfile]:
    """Read a VEP- or SnpEff-annotated VCF/BCF into one partial profile per tumour sample.

    The file is streamed: memory does not grow with its size (every variant that maps is
    kept; unmapped ones are listed up to :data:`LISTED_NEAR` in the model's genes and
    :data:`LISTED_OTHER` in other genes per sample, the rest counted in a note).

    Parameters
    ----------
    path
        The VCF (plain, gzip or bgzip) or BCF.
    sample
        The tumour sample (a sites-only VCF: the id to give it); decided from the file when
        not given (see the module docstring).
    normal
        The matched normal sample, never reported.
    min_vaf, min_depth
        Alleles with fewer reads are not used (where the file gives read counts).
    include_filtered
        Use records that fail ``FILTER`` too.
    catalogue
        The knowledge base whose variant rules map the variants.

    Returns
    -------
    dict
        Sample id to :class:`TumourProfile` with ``alterations`` and ``unmapped``.

    Examples
    --------
    >>> profiles = read_vcf("examples/vcf/tumour_vep.vcf")
    >>> profiles["HER2-01"].alteration_ids()
    ('PIK3CA_mut', 'PTEN_loss')
    """
    path = str(path)
    _check_thresholds(min_vaf, min_depth)
    cat = catalogue or load_catalogue()
    lines = _prescan(path)
    vcf = _open(path)
    annotation = annotation_format(vcf)
    samples = list(vcf.samples)
    wanted, normal_used, how = choose_tumour(path, samples, vcf.raw_header, sample, normal)
    columns = [samples.index(s) if s in samples else None for s in wanted]
    found = {s: _Found() for s in wanted}
    counts = _Counts()
    genes = modelled_genes(cat)
    fields = format_fields(vcf.raw_header)
    for index, variant in enumerate(_records(path, vcf, lines)):
        line = lines.line(index) if lines is not None else None
        if variant.FILTER is not None and not include_filtered:
            counts.filtered += 1
            continue
        if _is_germline(variant):
            counts.germline += 1
            continue
        genotypes = _genotypes(variant) if samples else None
        for allele in range(1, len(variant.ALT) + 1):
            seen: tuple[str, str, str] | str | None = None
            mapped: Mapped | None = None
            near = False
            for name, column in zip(wanted, columns, strict=True):
                if column is not None and not _carries(path, variant, genotypes, column, allele,
                                                       (min_vaf, min_depth), counts, fields):
                    continue
                if seen is None and not found[name].room(False) and _outside(variant,
                                                                              annotation, genes):
                    found[name].not_listed += 1  # no gene of the model named: never maps
                    continue
                if seen is None:
                    seen = _annotated(path, (line, index), variant, allele, annotation)
                    near = not isinstance(seen, str) and seen[0].upper() in genes
                if mapped is None and not near and not found[name].room(False):
                    found[name].not_listed += 1  # a gene the model lacks: counted, not built
                    continue
                if mapped is None:
                    mapped = _mapped(path, (line, index), variant, allele, seen,
                                     annotation.key if annotation else "", cat)
                found[name].add(mapped, near)
    vcf.close()
    reading = (f"{path}: tumour sample(s) {', '.join(wanted)} ({how})"
               + (f"; normal {normal_used} not reported" if normal_used else "")
               + f"; thresholds: FILTER {'ignored' if include_filtered else 'PASS only'}, "
               f"allele fraction >= {min_vaf:g}, depth >= {min_depth}")
    not_listed = {name: f.not_listed for name, f in found.items()}
    profiles = profiles_from_results(path, {name: f.items for name, f in found.items()},
                                     _notes(path, annotation, counts), (reading,),
                                     not_listed=not_listed)
    return {name: replace(p, notes=(*p.notes, f"{path}: {not_listed[name]} more variant(s) "
                                    f"of {name} not used by the model (outside its genes, or "
                                    f"unannotated) were counted, not listed (the first "
                                    f"{LISTED_OTHER} are)"))
            if not_listed.get(name) else p for name, p in profiles.items()}


def _records(path: str, vcf: Any, lines: _Lines | None) -> Any:
    """The records, with htslib's errors turned into ProfileErrors naming the line/record."""
    records = iter(vcf)
    index = 0
    while True:
        try:
            variant = next(records)
        except StopIteration:
            if lines is not None and index < lines.count:
                raise ProfileError(path, "htslib read fewer records than the file has lines",
                                   line=lines.line(index)) from None
            return
        except Exception as exc:  # cyvcf2 raises bare Exceptions for records it cannot parse
            raise ProfileError(path, f"htslib cannot parse record {index + 1}: {exc}",
                               line=lines.line(index) if lines is not None else None
                               ) from None
        yield variant
        index += 1


def _is_germline(variant: Any) -> bool:
    """VarScan's somatic status SS=1 marks a germline call in a somatic VCF."""
    try:
        return str(variant.INFO.get("SS")) == "1"
    except Exception:  # cyvcf2 raises bare Exceptions for malformed INFO; mapped later
        return False


def _genotypes(variant: Any) -> list[Any] | None:
    """The genotypes, or None for a record without GT (Strelka writes none).

    Genotypes are read before anything else of the record's FORMAT: reading
    ``variant.FORMAT`` first crashes cyvcf2 0.35 (a segmentation fault).
    """
    try:
        return variant.genotypes
    except Exception:  # cyvcf2 raises a bare Exception when the record has no (valid) GT
        return None


def _carries(path: str, variant: Any, genotypes: list[Any] | None, column: int, allele: int,
             thresholds: tuple[float, int], counts: _Counts,
             fields: frozenset[str] | None = None) -> bool:
    """Whether sample ``column`` carries ALT ``allele`` with enough reads."""
    called = genotypes[column][:-1] if genotypes is not None else []
    if called and all(a >= 0 for a in called) and allele not in called:
        return False
    vaf, depth = read_counts(variant, column, allele, path, fields=fields)
    # No genotype (Strelka) or './.': the reads decide; no reads either, it is kept.
    no_genotype = not called or not any(a >= 0 for a in called)
    if no_genotype and vaf is not None and vaf <= 0:
        return False
    if vaf is None and depth is None:
        counts.no_counts += 1
        return True
    if depth is not None and depth < thresholds[1]:
        counts.low_depth += 1
        return False
    if vaf is not None and vaf < thresholds[0]:
        counts.low_vaf += 1
        return False
    return True


def _outside(variant: Any, annotation: Annotation | None, genes: frozenset[str]) -> bool:
    """Whether the record's annotation names no gene of the model (so no allele of it maps);
    False when unsure (the full reading then decides, and reports a malformed field)."""
    if annotation is None:
        return True
    try:
        raw = variant.INFO.get(annotation.key)
    except Exception:  # cyvcf2's bare Exception for a malformed INFO: _annotated reports it
        return False
    return not raw or genes.isdisjoint(str(raw).upper().replace(",", "|").split("|"))


def _annotated(path: str, where: tuple[int | None, int], variant: Any, allele: int,
               annotation: Annotation | None) -> tuple[str, str, str] | str:
    """(gene, protein change, consequence) of ALT ``allele``, or why it is unknown."""
    alt = variant.ALT[allele - 1]
    if annotation is None:
        return "no VEP CSQ or SnpEff ANN annotation: protein change unknown"
    line, index = where
    try:
        raw = variant.INFO.get(annotation.key)
    except Exception as exc:  # cyvcf2 raises bare Exceptions for malformed INFO fields
        raise ProfileError(path, f"htslib cannot parse INFO/{annotation.key} of record "
                           f"{index + 1}: {exc}", line=line, column="INFO") from None
    alleles = ((alt, vep_allele(variant.REF, list(variant.ALT), alt))
               if annotation.key == "CSQ" else (alt,))
    entry = annotation.choose(str(raw), alleles) if raw else None
    return entry if entry is not None else f"no {annotation.key} annotation for allele {alt}"


def _mapped(path: str, where: tuple[int | None, int], variant: Any, allele: int,
            seen: tuple[str, str, str] | str, key: str, cat: Catalogue) -> Mapped:
    """The observation as an alteration, or as a variant not used (with the reason)."""
    line, index = where
    place = f"{variant.CHROM}:{variant.POS} {variant.REF}>{variant.ALT[allele - 1]}"
    column = "INFO" if line is not None else f"record {index + 1}"
    if isinstance(seen, str):
        return UnmappedVariant("", place, "mutation", seen, Source(path, line, column, place))
    gene, change, consequence = seen
    text = f"{gene} {change} ({consequence}) at {place}"
    return map_mutation(gene or "?", change, consequence,
                        Source(path, line, f"INFO/{key}" if line else column, text),
                        catalogue=cat)


def _notes(path: str, annotation: object, counts: _Counts) -> tuple[str, ...]:
    notes = []
    if annotation is None:
        message = (f"{path}: no VEP CSQ or SnpEff ANN annotation, so protein changes are "
                   "unknown; annotate with VEP or SnpEff to map variants")
        warnings.warn(message, DataQualityWarning, stacklevel=3)
        notes.append(message)
    if counts.filtered:
        notes.append(f"{path}: {counts.filtered} record(s) failing FILTER were not used")
    if counts.germline:
        notes.append(f"{path}: {counts.germline} germline record(s) (SS=1) were not used")
    if counts.low_vaf:
        notes.append(f"{path}: {counts.low_vaf} allele(s) below the allele-fraction threshold "
                     "were not used")
    if counts.no_counts:
        notes.append(f"{path}: {counts.no_counts} allele(s) without read counts were used "
                     "without the allele-fraction and depth thresholds")
    if counts.low_depth:
        notes.append(f"{path}: {counts.low_depth} allele(s) below the depth threshold were not "
                     "used")
    return tuple(notes)
