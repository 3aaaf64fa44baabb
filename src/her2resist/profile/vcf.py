"""Read annotated variants from a VCF file through cyvcf2 (htslib).

The protein change comes from the variant's annotation: Ensembl VEP's ``CSQ`` (the entry
flagged ``PICK`` or ``CANONICAL``, else the first with a gene symbol; ``HGVSp``, else
``Amino_acids`` and ``Protein_position``) or SnpEff's ``ANN`` (its first entry, the most
severe; ``HGVS.p``). A VCF with neither annotation is read with a
:class:`~her2resist.exceptions.DataQualityWarning`: its protein changes are unknown and every
variant is listed as not used.

Which sample is the tumour: the ``##tumor_sample=`` header line (Mutect2), else the only
sample, else every sample but the ``##normal_sample=`` one, each with the variants its genotype
carries. A sites-only VCF is one sample named after the file (or ``sample``). Variants that
fail ``FILTER`` are not used, and the report says how many.

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

import re
import warnings
from pathlib import Path
from typing import Any

from her2resist.exceptions import DataQualityWarning, ProfileError
from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.profile._table import read_text, split_lines
from her2resist.profile.mapping import Mapped, map_mutation, profiles_from_results
from her2resist.profile.tumour import Source, TumourProfile, UnmappedVariant

ANN_FIELDS = ("Allele", "Annotation", "Annotation_Impact", "Gene_Name", "Gene_ID",
              "Feature_Type", "Feature_ID", "Transcript_BioType", "Rank", "HGVS.c", "HGVS.p")
_HET, _HOM_ALT = 1, 3


def _check_text(path: str) -> tuple[dict[str, str], list[int]]:
    """Check the VCF's shape; return its ``##key=value`` header lines and data line numbers."""
    lines = split_lines(read_text(path))
    if not lines or not lines[0].startswith("##fileformat=VCF"):
        raise ProfileError(path, "not a VCF file: the first line must be ##fileformat=VCFv4.x",
                           line=1, column=1)
    meta: dict[str, str] = {}
    data_lines: list[int] = []
    columns = 0
    for number, line in enumerate(lines, start=1):
        if line.startswith("##"):
            key, _, value = line[2:].partition("=")
            meta.setdefault(key, value)
        elif line.startswith("#CHROM"):
            columns = len(line.split("\t"))
            if columns < 8:
                raise ProfileError(path, "the #CHROM header line needs at least 8 tab-separated "
                                   "columns (CHROM POS ID REF ALT QUAL FILTER INFO)", line=number)
        else:
            _check_record(path, line, number, columns)
            data_lines.append(number)
    if not columns:
        raise ProfileError(path, "no #CHROM header line", line=len(lines))
    return meta, data_lines


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


def _annotation_format(vcf: Any) -> tuple[str, tuple[str, ...]] | None:
    """('CSQ' or 'ANN', field names) from the header, or None when there is no annotation."""
    for key in ("CSQ", "ANN"):
        try:
            info = vcf.get_header_type(key)
        except KeyError:
            continue
        description = str(info.get("Description", ""))
        if key == "ANN":
            return key, ANN_FIELDS
        match = re.search(r"Format:\s*([^\"']+)", description)
        if match:
            return key, tuple(f.strip() for f in match.group(1).split("|"))
    return None


def _choose_entry(raw: str, names: tuple[str, ...], alt: str, key: str) -> dict[str, str] | None:
    entries = [dict(zip(names, (v.strip() for v in e.split("|")), strict=False))
               for e in raw.split(",")]
    entries = [e for e in entries if e.get("Allele", alt) in (alt, "-", "")] or entries
    if key == "CSQ":
        for flag, value in (("PICK", "1"), ("CANONICAL", "YES")):
            for entry in entries:
                if entry.get(flag) == value and entry.get("SYMBOL"):
                    return entry
        entries = [e for e in entries if e.get("SYMBOL")] or entries
    return entries[0] if entries else None


def _protein_change(entry: dict[str, str], key: str) -> tuple[str, str, str]:
    """(gene, protein change, consequence) of one annotation entry."""
    if key == "ANN":
        return entry.get("Gene_Name", ""), entry.get("HGVS.p", ""), entry.get("Annotation", "")
    change = entry.get("HGVSp", "").split(":")[-1].replace("%3D", "=")
    if not change and entry.get("Amino_acids", "").count("/") == 1:
        ref, alt = entry["Amino_acids"].split("/")
        change = f"{ref}{entry.get('Protein_position', '').split('-')[0]}{alt}"
    return entry.get("SYMBOL", ""), change, entry.get("Consequence", "")


def _open(path: str) -> Any:
    from her2resist._optional import require

    # imported here: htslib loads only when a VCF is read
    VCF = require("cyvcf2", "vcf", "Reading VCF/BCF files").VCF

    try:
        return VCF(path, lazy=True)
    except Exception as exc:  # cyvcf2 raises a bare Exception for a header it cannot parse
        raise ProfileError(path, f"htslib cannot parse the VCF header: {exc}", line=1) from None


def _tumour_samples(path: str, meta: dict[str, str], samples: list[str],
                    sample: str | None) -> list[str]:
    if sample is not None and samples and sample not in samples:
        raise ProfileError(path, f"no sample {sample!r}; the VCF has {', '.join(samples)}",
                           line=None)
    if sample is not None:
        return [sample]
    if meta.get("tumor_sample") in samples:
        return [meta["tumor_sample"]]
    if not samples:
        return [Path(path).name.split(".")[0] or "sample"]
    return [s for s in samples if s != meta.get("normal_sample")]


def read_vcf(
    path: str | Path, *, sample: str | None = None, catalogue: Catalogue | None = None
) -> dict[str, TumourProfile]:
    """Read a VEP- or SnpEff-annotated VCF into one partial profile per tumour sample.

    Parameters
    ----------
    path
        The VCF (plain or bgzip).
    sample
        The tumour sample to read (a sites-only VCF: the id to give it).
    catalogue
        The knowledge base whose variant rules map the variants.

    Returns
    -------
    dict
        Sample id to :class:`TumourProfile` with ``alterations`` and ``unmapped``.

    Examples
    --------
    See the module docstring.
    """
    path = str(path)
    cat = catalogue or load_catalogue()
    meta, data_lines = _check_text(path)
    vcf = _open(path)
    annotation = _annotation_format(vcf)
    samples = list(vcf.samples)
    wanted = _tumour_samples(path, meta, samples, sample)
    columns = [samples.index(s) if s in samples else None for s in wanted]
    results: dict[str, list[Mapped]] = {s: [] for s in wanted}
    filtered = 0
    records = iter(vcf)
    for line in data_lines:
        variant = _next_record(path, records, line)
        if variant.FILTER is not None:
            filtered += 1
            continue
        result = _map_variant(path, line, variant, annotation, cat)
        gts = _genotypes(path, variant, line) if samples else None
        for name, index in zip(wanted, columns, strict=True):
            if gts is not None and index is not None and gts[index] not in (_HET, _HOM_ALT, 2):
                continue
            results[name].append(result)
    vcf.close()
    return profiles_from_results(path, results, _notes(path, annotation, filtered))


def _genotypes(path: str, variant: Any, line: int) -> Any:
    try:
        return variant.gt_types
    except Exception as exc:  # cyvcf2 raises a bare Exception for unparsable genotypes
        raise ProfileError(path, f"htslib cannot parse the genotypes: {exc}", line=line,
                           column="FORMAT") from None


def _next_record(path: str, records: Any, line: int) -> Any:
    try:
        return next(records)
    except StopIteration:
        raise ProfileError(path, "htslib read fewer records than the file has lines",
                           line=line) from None
    except Exception as exc:  # cyvcf2 raises bare Exceptions for records it cannot parse
        raise ProfileError(path, f"htslib cannot parse this record: {exc}", line=line) from None


def _map_variant(path: str, line: int, variant: Any, annotation: tuple[str, tuple[str, ...]]
                 | None, cat: Catalogue) -> Mapped:
    alt = variant.ALT[0] if variant.ALT else "."
    where = f"{variant.CHROM}:{variant.POS} {variant.REF}>{alt}"
    if annotation is None:
        return UnmappedVariant("", where, "mutation", "no VEP CSQ or SnpEff ANN annotation: "
                               "protein change unknown", Source(path, line, "INFO", where))
    key, names = annotation
    try:
        raw = variant.INFO.get(key)
    except Exception as exc:  # cyvcf2 raises bare Exceptions for malformed INFO fields
        raise ProfileError(path, f"htslib cannot parse INFO/{key}: {exc}", line=line,
                           column="INFO") from None
    entry = _choose_entry(str(raw), names, alt, key) if raw else None
    if entry is None:
        return UnmappedVariant("", where, "mutation", f"no {key} annotation on this variant",
                               Source(path, line, "INFO", where))
    gene, change, consequence = _protein_change(entry, key)
    text = f"{gene} {change} ({consequence}) at {where}"
    return map_mutation(gene or "?", change, consequence, Source(path, line, f"INFO/{key}", text),
                        catalogue=cat)


def _notes(path: str, annotation: object, filtered: int) -> tuple[str, ...]:
    notes = []
    if annotation is None:
        message = (f"{path}: no VEP CSQ or SnpEff ANN annotation, so protein changes are "
                   "unknown; annotate with VEP or SnpEff to map variants")
        warnings.warn(message, DataQualityWarning, stacklevel=3)
        notes.append(message)
    if filtered:
        notes.append(f"{path}: {filtered} variant(s) failing FILTER were not used")
    return tuple(notes)
