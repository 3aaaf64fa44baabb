"""Which VCF sample is the tumour, and how many reads carry each ALT allele.

Somatic callers write the tumour and its matched normal in one VCF, and say which is which
in different ways; only the tumour is reported. In order:

1. the caller's options (``tumour``, ``normal``; ``--tumour-sample``, ``--normal-sample``);
2. ``##tumor_sample=`` / ``##normal_sample=`` (GATK Mutect2);
3. ``##PEDIGREE=<Derived=TUMOR,Original=NORMAL>`` (SnpEff ``-cancer``, VCF 4.x spec);
4. ``##SAMPLE=<ID=...>`` lines whose ID or description says tumour or normal (GDC, TCGA);
5. the sample names: ``TUMOR``/``NORMAL`` (Strelka, VarScan), names ending in ``-T``/``-N``,
   ``_tumor``/``_normal``, or TCGA barcodes (sample type 01-09 tumour, 10-19 normal).

Two samples with no sign of which is the tumour are refused (naming the options that settle
it); a single sample is the tumour; three or more without signs are read as a multi-sample
VCF, each sample its own tumour.

Read counts per sample and ALT allele, in the fields callers write: ``AD`` (ref, alt1, ...;
GATK, FreeBayes), ``RD`` + ``AD`` (VarScan: AD is the alt count), Strelka's ``AU/CU/GU/TU``
(SNVs) and ``TAR/TIR`` (indels) tier-1 counts, with ``AF`` (Mutect2) or ``FREQ`` (VarScan)
as the allele fraction when given.

Examples
--------
>>> choose_tumour("x.vcf", ["NORMAL", "TUMOR"], {}, None, None)
(['TUMOR'], 'NORMAL', 'from the sample names')
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from her2resist.exceptions import ProfileError

_TUMOUR_NAME = re.compile(r"(^|[-_.])(tumou?r|t|primary|metastasis)$", re.IGNORECASE)
_NORMAL_NAME = re.compile(r"(^|[-_.])(normal|n|germline|blood|control)$", re.IGNORECASE)
_TCGA = re.compile(r"^TCGA-\w\w-\w{4}-(\d\d)", re.IGNORECASE)
_FIELD = re.compile(r"(\w+)=(\"[^\"]*\"|[^,>]*)")


def _meta_lines(raw_header: str, key: str) -> list[dict[str, str]]:
    """The ``##key=<A=1,B=2>`` lines as dicts (``##key=value`` as {'value': value})."""
    out = []
    for line in raw_header.splitlines():
        if not line.startswith(f"##{key}="):
            continue
        body = line[len(key) + 3:]
        if body.startswith("<"):
            out.append({k: v.strip('"') for k, v in _FIELD.findall(body)})
        else:
            out.append({"value": body.strip()})
    return out


def _kind_of_name(name: str) -> str | None:
    match = _TCGA.match(name)
    if match:
        return "tumour" if 1 <= int(match.group(1)) <= 9 else "normal" \
            if 10 <= int(match.group(1)) <= 19 else None
    if _TUMOUR_NAME.search(name):
        return "tumour"
    if _NORMAL_NAME.search(name):
        return "normal"
    return None


def _from_header(raw_header: str, samples: list[str]) -> tuple[str | None, str | None, str]:
    """(tumour, normal, how) from the header lines; None where the header does not say."""
    tumour = next((m["value"] for m in _meta_lines(raw_header, "tumor_sample")), None)
    normal = next((m["value"] for m in _meta_lines(raw_header, "normal_sample")), None)
    if tumour in samples or normal in samples:
        return (tumour if tumour in samples else None, normal if normal in samples else None,
                "from ##tumor_sample/##normal_sample")
    for line in _meta_lines(raw_header, "PEDIGREE"):
        derived, original = line.get("Derived"), line.get("Original")
        if derived in samples or original in samples:
            return (derived if derived in samples else None,
                    original if original in samples else None, "from ##PEDIGREE")
    kinds: dict[str, str] = {}
    for line in _meta_lines(raw_header, "SAMPLE"):
        sample_id = line.get("ID", "")
        words = " ".join(line.values()).lower()
        kind = _kind_of_name(sample_id) or ("normal" if "normal" in words else "tumour"
                                            if "tumo" in words else None)
        if sample_id in samples and kind:
            kinds[sample_id] = kind
    if kinds:
        tumours = [s for s, k in kinds.items() if k == "tumour"]
        normals = [s for s, k in kinds.items() if k == "normal"]
        return (tumours[0] if len(tumours) == 1 else None,
                normals[0] if len(normals) == 1 else None, "from ##SAMPLE")
    return None, None, ""


def choose_tumour(path: str, samples: list[str], meta: dict[str, str] | str,
                  tumour: str | None, normal: str | None) -> tuple[list[str], str | None, str]:
    """(tumour samples to report, the normal sample or None, how it was decided).

    ``meta`` is the raw header text (or, in tests, a dict of ``##key=value`` lines).
    """
    raw = meta if isinstance(meta, str) else "\n".join(f"##{k}={v}" for k, v in meta.items())
    for given, option in ((tumour, "tumour"), (normal, "normal")):
        if given is not None and samples and given not in samples:
            raise ProfileError(path, f"no sample {given!r} (the {option} sample given); the "
                               f"VCF has {', '.join(samples)}")
    if not samples:
        return [tumour or "sample"], None, "a sites-only VCF"
    if tumour is not None:
        return [tumour], normal, "as given"
    if normal is not None:
        return [s for s in samples if s != normal], normal, "every sample but the given normal"
    found_t, found_n, how = _from_header(raw, samples)
    if not how:
        kinds = {s: _kind_of_name(s) for s in samples}
        tumours = [s for s, k in kinds.items() if k == "tumour"]
        normals = [s for s, k in kinds.items() if k == "normal"]
        if len(tumours) == 1 or len(normals) == 1:
            found_t = tumours[0] if len(tumours) == 1 else None
            found_n = normals[0] if len(normals) == 1 else None
            how = "from the sample names"
    if found_t is None and found_n is not None and len(samples) == 2:
        found_t = next(s for s in samples if s != found_n)
    if found_t is not None:
        return [found_t], found_n, how
    if len(samples) == 1:
        return samples, None, "the only sample"
    if len(samples) == 2:
        raise ProfileError(path, f"two samples ({', '.join(samples)}) and no sign of which is "
                           "the tumour (no ##tumor_sample, ##PEDIGREE or ##SAMPLE line, no "
                           "tumour/normal name); give --tumour-sample or --normal-sample")
    return [s for s in samples if s != found_n], found_n, "every sample (a multi-sample VCF)"


def _format(variant: Any, field: str, path: str = "<vcf>") -> np.ndarray | None:
    """The FORMAT field's values, None when the record has no such field."""
    try:
        return variant.format(field)
    except (KeyError, ValueError, TypeError):
        return None
    except Exception as exc:  # cyvcf2 raises a bare Exception for a type it cannot decode
        raise ProfileError(path, f"htslib cannot decode "
                           f"FORMAT/{field} of {variant.CHROM}:{variant.POS}: {exc}; check its "
                           "##FORMAT header line", field=f"FORMAT/{field}") from None


def format_fields(raw_header: str) -> frozenset[str]:
    """The FORMAT field IDs a VCF header declares (htslib reads no undeclared field).

    Examples
    --------
    >>> sorted(format_fields('##FORMAT=<ID=GT,Number=1>\\n##FORMAT=<ID=AD,Number=R>\\n'))
    ['AD', 'GT']
    """
    return frozenset(m.group(1) for m in re.finditer(r"^##FORMAT=<ID=([^,>]+)", raw_header,
                                                       re.MULTILINE))


def read_counts(variant: Any, index: int, allele: int, path: str = "<vcf>", *,
                fields: frozenset[str] | None = None) -> tuple[float | None, int | None]:
    """(allele fraction, depth) of ALT ``allele`` (1-based) in sample ``index``; None unknown.

    ``fields`` (from :func:`format_fields`) spares probing fields the header does not declare.

    Examples
    --------
    See ``tests/test_profile_vcf.py`` (needs cyvcf2 records).
    """
    # Fields are probed with format(): reading variant.FORMAT first crashes cyvcf2 0.35.
    def probe(name: str) -> np.ndarray | None:
        return _format(variant, name, path) if fields is None or name in fields else None

    get = {name: probe(name) for name in ("AD", "RD", "TIR", "TAR", "AF", "FREQ", "DP")}
    ref_alt: tuple[float, float] | None = None
    ref_u, alt_u = f"{variant.REF}U", f"{variant.ALT[allele - 1]}U"
    if get["AD"] is not None and get["RD"] is not None:
        ref_alt = (_num(get["RD"], index, 0), _num(get["AD"], index, allele - 1))
    elif get["AD"] is not None:
        ref_alt = (_num(get["AD"], index, 0), _num(get["AD"], index, allele))
    elif get["TIR"] is not None and get["TAR"] is not None:
        ref_alt = (_num(get["TAR"], index, 0), _num(get["TIR"], index, 0))
    elif len(ref_u) == 2 and len(alt_u) == 2:
        ref_counts, alt_counts = probe(ref_u), probe(alt_u)
        if ref_counts is not None and alt_counts is not None:
            ref_alt = (_num(ref_counts, index, 0), _num(alt_counts, index, 0))
    depth = None
    vaf = None
    if ref_alt is not None and not any(np.isnan(ref_alt)):
        depth = int(ref_alt[0] + ref_alt[1])
        vaf = ref_alt[1] / depth if depth else None
    if get["AF"] is not None:
        af = _num(get["AF"], index, allele - 1)
        vaf = vaf if np.isnan(af) else af
    elif get["FREQ"] is not None:
        text = str(get["FREQ"][index]).rstrip("%")
        vaf = float(text) / 100 if re.fullmatch(r"\d+(\.\d+)?", text) else vaf
    if depth is None and get["DP"] is not None:
        dp = _num(get["DP"], index, 0)
        depth = None if np.isnan(dp) else int(dp)
    return vaf, depth


def _num(values: np.ndarray | None, row: int, column: int) -> float:
    """One number of a FORMAT array; NaN when absent or missing (htslib's negative sentinels)."""
    if values is None or values.ndim < 1 or row >= values.shape[0]:
        return float("nan")
    cell = values[row]
    if np.ndim(cell) == 0:
        cell = np.array([cell])
    if column >= len(cell):
        return float("nan")
    try:
        number = float(cell[column])
    except (TypeError, ValueError):
        return float("nan")
    return number if number >= 0 and number == number and number < 1e12 else float("nan")
