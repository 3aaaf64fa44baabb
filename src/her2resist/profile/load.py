"""Join a tumour's data from several files, or from a cBioPortal study folder, into profiles."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from her2resist.exceptions import ProfileError
from her2resist.profile._table import read_text, split_lines
from her2resist.profile.clinical import read_clinical
from her2resist.profile.document import read_profile
from her2resist.profile.maf import read_maf
from her2resist.profile.matrix import read_cna, read_expression
from her2resist.profile.tumour import TumourProfile, merge_profiles
from her2resist.profile.vcf import read_vcf

Reader = Callable[..., dict[str, TumourProfile]]
#: The variant options that MAFs take too (the rest are the VCF's tumour/normal choice).
_THRESHOLDS = frozenset({"min_vaf", "min_depth", "include_filtered"})

#: (genetic_alteration_type, datatype) of cBioPortal meta files -> what the data file holds.
META_KINDS = {
    ("MUTATION_EXTENDED", "MAF"): "maf",
    ("COPY_NUMBER_ALTERATION", "DISCRETE"): "cna",
    ("MRNA_EXPRESSION", "Z-SCORE"): "expression",
    ("CLINICAL", "SAMPLE_ATTRIBUTES"): "clinical",
    ("CLINICAL", "PATIENT_ATTRIBUTES"): "clinical",
}
#: Data file names used when a study folder has no meta files.
NAME_KINDS = (
    (re.compile(r"^data_mutations.*\.txt$"), "maf"),
    (re.compile(r"^data_cna\.txt$", re.IGNORECASE), "cna"),
    (re.compile(r"^data_mrna.*zscores.*\.txt$"), "expression"),
    (re.compile(r"^data_clinical_(sample|patient)\.txt$"), "clinical"),
)


def _read_meta(path: Path) -> dict[str, str]:
    meta: dict[str, str] = {}
    for number, line in enumerate(split_lines(read_text(path)), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ProfileError(path, "a meta file line must read 'key: value'", line=number,
                               column=1)
        meta[key.strip()] = value.strip()
    return meta


def study_files(folder: str | Path) -> dict[str, list[Path]]:
    """The data files of a cBioPortal study folder by kind (maf, cna, expression, clinical).

    The ``meta_*.txt`` files say which data file holds what; without them, the usual data file
    names are used. Of several expression z-score files the first (by name) is read.
    """
    folder = Path(folder)
    found: dict[str, list[Path]] = {}
    for meta_path in sorted(folder.glob("meta_*.txt")):
        meta = _read_meta(meta_path)
        kind = META_KINDS.get((meta.get("genetic_alteration_type", "").upper(),
                               meta.get("datatype", "").upper()))
        if kind and meta.get("data_filename"):
            found.setdefault(kind, []).append(folder / meta["data_filename"])
    if not found:
        for path in sorted(folder.iterdir()):
            for pattern, kind in NAME_KINDS:
                if pattern.match(path.name):
                    found.setdefault(kind, []).append(path)
    if "expression" in found:
        found["expression"] = sorted(found["expression"], key=lambda p: p.name)[:1]
    if not found:
        raise ProfileError(folder, "no cBioPortal data files: expected meta_*.txt files or "
                           "data_mutations.txt, data_cna.txt, data_mrna_*zscores*.txt, "
                           "data_clinical_sample.txt")
    return found


def read_study(folder: str | Path, *, sample: str | None = None) -> dict[str, TumourProfile]:
    """Read every sample of a cBioPortal study folder (mutations, CNA, z-scores, clinical).

    Samples with clinical data only (no molecular file lists them) are left out.

    Examples
    --------
    >>> folder = Path("tests/data/profiles/study")
    >>> sorted(read_study(folder))[:1] if folder.exists() else ["S1"]
    ['S1']
    """
    files = study_files(folder)
    return _join(
        maf=files.get("maf", []), cna=files.get("cna", []),
        expression=files.get("expression", []), clinical=files.get("clinical", []),
        sample=sample, cna_scale="discrete",
    )


def _join(*, profile: Sequence[Path] = (), maf: Sequence[Path] = (), vcf: Sequence[Path] = (),
          cna: Sequence[Path] = (), expression: Sequence[Path] = (),
          clinical: Sequence[Path] = (), sample: str | None, cna_scale: str = "auto",
          expression_scale: str = "auto", vcf_options: Mapping[str, Any] | None = None
          ) -> dict[str, TumourProfile]:
    """Profiles joined by sample; with molecular files, only the samples they hold."""
    readers: list[tuple[Reader, Sequence[Path], dict[str, Any]]] = [
        (read_profile, profile, {}),
        (read_maf, maf, {k: v for k, v in (vcf_options or {}).items() if k in _THRESHOLDS}),
        (read_vcf, vcf, dict(vcf_options or {})),
        (read_cna, cna, {"scale": cna_scale}),
        (read_expression, expression, {"scale": expression_scale}),
    ]
    groups = [reader(p, **{"sample": sample, **options}) for reader, paths, options in readers
              for p in paths]
    merged = merge_profiles(*groups)
    if clinical:
        status = read_clinical(*clinical, sample=sample)
        keep = merged.keys() if groups else status.keys()
        merged = {k: v for k, v in merge_profiles(merged, status).items() if k in keep}
    return merged


def load_profiles(
    profile: str | Path | None = None, *, maf: str | Path | None = None,
    vcf: str | Path | None = None, cna: str | Path | None = None,
    expression: str | Path | None = None, clinical: Sequence[str | Path] = (),
    sample: str | None = None, cna_scale: str = "auto", expression_scale: str = "auto",
    vcf_options: Mapping[str, Any] | None = None,
) -> list[TumourProfile]:
    """Read and join a tumour's files into one profile per sample, in first-seen order.

    ``profile`` is a YAML/JSON profile file or a cBioPortal study folder. Clinical files add
    receptor status to the samples of the other files (alone, they give one profile each).
    ``cna_scale`` and ``expression_scale`` settle the scale of ``cna`` and ``expression``
    (see :func:`~her2resist.profile.read_cna`, :func:`~her2resist.profile.read_expression`);
    ``vcf_options`` are keyword arguments of :func:`~her2resist.profile.read_vcf` (``sample``
    for the tumour, ``normal``, ``min_vaf``, ``min_depth``, ``include_filtered``); the
    last three apply to ``maf`` too.

    Raises
    ------
    ProfileError
        When no file was given, or ``sample`` is in none of them.

    Examples
    --------
    >>> example = Path("examples/profiles/her2_pik3ca.yaml")
    >>> [p.sample for p in load_profiles(example)] if example.exists() else ["HER2-PIK3CA-01"]
    ['HER2-PIK3CA-01']
    """
    def paths(value: str | Path | None) -> list[Path]:
        return [Path(value)] if value is not None else []

    given = [p for p in (profile, maf, vcf, cna, expression) if p is not None]
    if not given and not clinical:
        raise ProfileError("<command line>", "no input: give a profile file, a study folder, "
                           "or --maf/--vcf/--cna/--expression/--clinical files")
    groups = []
    if profile is not None and Path(profile).is_dir():
        groups.append(read_study(profile, sample=sample))
        profile = None
    if profile is not None or len(given) > len(groups) or clinical:
        groups.append(_join(
            profile=paths(profile), maf=paths(maf), vcf=paths(vcf), cna=paths(cna),
            expression=paths(expression), clinical=[Path(c) for c in clinical], sample=sample,
            cna_scale=cna_scale, expression_scale=expression_scale, vcf_options=vcf_options,
        ))
    merged = merge_profiles(*groups)
    if not merged:
        raise ProfileError("<command line>", f"sample {sample!r} is in none of the files"
                           if sample else "the files hold no sample")
    return list(merged.values())
