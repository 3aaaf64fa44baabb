"""Join a tumour's data from several files, or from a cBioPortal study folder, into profiles."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from her2resist.exceptions import DataQualityWarning, ProfileError
from her2resist.profile._table import parse_table, read_text, split_lines
from her2resist.profile.clinical import read_clinical
from her2resist.profile.cna_long import read_cna_long
from her2resist.profile.document import read_profile
from her2resist.profile.fusions import read_fusions
from her2resist.profile.maf import read_maf
from her2resist.profile.matrix import read_cna, read_expression
from her2resist.profile.pcgr_expression import is_pcgr_expression, read_pcgr_expression
from her2resist.profile.segments import read_segments
from her2resist.profile.tumour import TumourProfile, merge_profiles
from her2resist.profile.vcf import read_vcf

Reader = Callable[..., dict[str, TumourProfile]]
#: The variant options that MAFs take too (the rest are the VCF's tumour/normal choice).
_THRESHOLDS = frozenset({"min_vaf", "min_depth", "include_filtered"})

#: (genetic_alteration_type, datatype) of cBioPortal meta files -> what the data file holds.
META_KINDS = {
    ("MUTATION_EXTENDED", "MAF"): "maf",
    ("COPY_NUMBER_ALTERATION", "DISCRETE"): "cna",
    ("COPY_NUMBER_ALTERATION", "DISCRETE_LONG"): "cna_long",
    ("STRUCTURAL_VARIANT", "SV"): "fusions",
    ("GENE_PANEL_MATRIX", "GENE_PANEL_MATRIX"): "panel_matrix",
    ("COPY_NUMBER_ALTERATION", "SEG"): "segments",
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
    (re.compile(r"^data_gene_panel_matrix\.txt$"), "panel_matrix"),
)


def _read_meta(path: Path) -> tuple[dict[str, str], dict[str, int]]:
    """The meta file's ``key: value`` lines, and the line number of each key."""
    meta: dict[str, str] = {}
    lines: dict[str, int] = {}
    for number, line in enumerate(split_lines(read_text(path)), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ProfileError(path, "a meta file line must read 'key: value'", line=number,
                               column=1)
        meta[key.strip()] = value.strip()
        lines[key.strip()] = number
    return meta, lines


def inside_folder(folder: Path, name: str, meta_path: Path, line: int | None) -> Path:
    """``folder / name`` when it stays inside ``folder`` (links followed), else an error that
    names the meta file and line but never reads or shows the target.

    Examples
    --------
    >>> inside_folder(Path("study"), "data_cna.txt", Path("study/meta_cna.txt"), 3).name
    'data_cna.txt'
    """
    root = folder.resolve()
    target = (folder / name).resolve()
    if Path(name).is_absolute() or not target.is_relative_to(root):
        raise ProfileError(meta_path, "data_filename must name a file inside the study folder; "
                           "paths that leave it (absolute, '..', or links out) are not read",
                           line=line, field="data_filename")
    return target


def study_files(folder: str | Path) -> dict[str, list[Path]]:
    """The data files of a cBioPortal study folder by kind (maf, cna, expression, clinical).

    The ``meta_*.txt`` files say which data file holds what; without them, the usual data file
    names are used. Of several expression z-score files the first (by name) is read.

    Examples
    --------
    >>> files = study_files("examples/cohort/study")
    >>> sorted(kind for kind, paths in files.items() if paths)
    ['clinical', 'cna', 'maf']
    """
    folder = Path(folder)
    found: dict[str, list[Path]] = {}
    for meta_path in sorted(folder.glob("meta_*.txt")):
        meta, lines = _read_meta(meta_path)
        kind = META_KINDS.get((meta.get("genetic_alteration_type", "").upper(),
                               meta.get("datatype", "").upper()))
        if kind and meta.get("data_filename"):
            found.setdefault(kind, []).append(inside_folder(
                folder, meta["data_filename"], meta_path, lines.get("data_filename")))
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


def read_study(folder: str | Path, *, sample: str | None = None, allow_unmatched: bool = False
               ) -> dict[str, TumourProfile]:
    """Read every sample of a cBioPortal study folder (mutations, CNA, z-scores, clinical).

    Samples with clinical data only (no molecular file lists them) are left out; samples of
    the molecular files missing from the clinical files are an error listing them (a warning
    with ``allow_unmatched``). Files of the folder that are not read are named in a note.

    Examples
    --------
    >>> folder = Path("tests/data/profiles/study")
    >>> sorted(read_study(folder))[:1] if folder.exists() else ["S1"]
    ['S1']
    """
    files = study_files(folder)
    if files.get("cna") or files.get("cna_long"):
        files.pop("segments", None)  # gene-level calls exist: segments would call twice
    panels, panel_notes = gene_panels(Path(folder), files.get("panel_matrix", []))
    profiles = _join(
        cna_panels=panels,
        maf=files.get("maf", []), cna=files.get("cna", []),
        cna_long=files.get("cna_long", []) if not files.get("cna") else [],
        fusions=files.get("fusions", []), segments=files.get("segments", []),
        segment_options={"genome": _study_genome(Path(folder))},
        expression=files.get("expression", []), clinical=files.get("clinical", []),
        sample=sample, cna_scale="discrete", allow_unmatched=allow_unmatched,
    )
    unused = _unused_files(Path(folder), files)
    notes = (*panel_notes, *([f"{folder}: not used: {', '.join(unused)}"] if unused else []))
    if not notes:
        return profiles
    return {name: replace(p, notes=(*p.notes, *notes)) for name, p in profiles.items()}


def _study_genome(folder: Path) -> str:
    """The study's genome build: a SEG meta file's ``reference_genome_id``, else meta_study's
    ``reference_genome``, else hg19 (cBioPortal's default)."""
    for meta_path in sorted(folder.glob("meta_*.txt")):
        meta, _ = _read_meta(meta_path)
        if meta.get("datatype", "").upper() == "SEG" and meta.get("reference_genome_id"):
            return meta["reference_genome_id"]
    study = folder / "meta_study.txt"
    if study.is_file():
        return _read_meta(study)[0].get("reference_genome", "hg19")
    return "hg19"


def gene_panels(folder: Path, matrices: Sequence[Path]) -> tuple[dict[str, frozenset[str]],
                                                                  tuple[str, ...]]:
    """Sample -> genes of its copy-number gene panel, from ``data_gene_panel_matrix.txt`` and
    the panel files (``stable_id:`` / ``gene_list:``) in the folder or its ``gene_panels/``.

    Samples whose panel is ``NA`` or ``WES``/``WGS`` are whole-genome (absent from the result);
    a panel whose gene list is not found is named in a note.
    """
    if not matrices:
        return {}, ()
    lists = _panel_lists(folder)
    table = parse_table(matrices[0], what="gene panel matrix")
    id_col = table.require("sample id", "SAMPLE_ID")
    column = next((c for c in table.header if c.lower() in ("gistic", "cna", "cna_discrete",
                                                             "linear_cna", "log2cna")), None)
    out: dict[str, frozenset[str]] = {}
    missing: set[str] = set()
    for row in table:
        panel = row.get(column)
        if not column or panel.upper() in ("", "NA", "WES", "WGS"):
            continue
        if panel in lists:
            out[row.get(id_col)] = lists[panel]
        else:
            missing.add(panel)
    notes = (f"{matrices[0]}: gene lists of panel(s) {', '.join(sorted(missing))} are not in "
             "the folder; copy-number zeros of genes off those panels may be unknowns, not "
             "copy-neutral",) if missing else ()
    return out, notes


def _panel_lists(folder: Path) -> dict[str, frozenset[str]]:
    lists: dict[str, frozenset[str]] = {}
    for path in sorted([*folder.glob("data_gene_panel_*.txt"),
                        *folder.glob("gene_panels/*.txt")]):
        if path.name.startswith("data_gene_panel_matrix"):
            continue
        fields = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in
                                                         split_lines(read_text(path)))}
        if "stable_id" in fields and "gene_list" in fields:
            genes = fields["gene_list"].replace(",", " ").split()
            lists[fields["stable_id"]] = frozenset(g.upper() for g in genes)
    return lists


def _unused_files(folder: Path, files: Mapping[str, list[Path]]) -> list[str]:
    """Every file of the folder that is neither read nor a meta file of a read one, named
    with what its meta file says it holds."""
    read = {p.resolve() for paths in files.values() for p in paths}
    kinds: dict[Path, str] = {}
    for meta_path in sorted(folder.glob("meta_*.txt")):
        meta, _ = _read_meta(meta_path)
        name = meta.get("data_filename", "")
        described = " ".join(v for v in (meta.get("genetic_alteration_type"),
                                         meta.get("datatype")) if v)
        if name and not Path(name).is_absolute():
            kinds[(folder / name).resolve()] = described
        if name and (folder / name).resolve() not in read:
            kinds[meta_path.resolve()] = "meta file of " + name
        elif not name and meta.get("genetic_alteration_type"):
            kinds[meta_path.resolve()] = described
    out = []
    for path in sorted(folder.iterdir()):
        resolved = path.resolve()
        if resolved in read or path.name == "meta_study.txt" or not path.is_file():
            continue
        if path.name.startswith("meta_") and resolved not in kinds:
            continue  # the meta file of a file that was read
        if path.name.startswith("data_gene_panel_") and files.get("panel_matrix"):
            continue  # a panel's gene list, read with the panel matrix
        out.append(f"{path.name} ({kinds[resolved]})" if kinds.get(resolved) else path.name)
    return out


def _join(*, profile: Sequence[Path] = (), maf: Sequence[Path] = (), vcf: Sequence[Path] = (),
          cna: Sequence[Path] = (), expression: Sequence[Path] = (),
          clinical: Sequence[Path] = (), sample: str | None, cna_scale: str = "auto",
          cna_long: Sequence[Path] = (), fusions: Sequence[Path] = (),
          segments: Sequence[Path] = (), segment_options: Mapping[str, Any] | None = None,
          cna_panels: Mapping[str, frozenset[str]] | None = None,
          expression_scale: str = "auto", vcf_options: Mapping[str, Any] | None = None,
          expression_reference: Path | None = None,
          allow_unmatched: bool = False) -> dict[str, TumourProfile]:
    """Profiles joined by sample; with molecular files, only the samples they hold."""
    pcgr = [p for p in expression if is_pcgr_expression(p)]
    expression = [p for p in expression if p not in pcgr]
    readers: list[tuple[Reader, Sequence[Path], dict[str, Any]]] = [
        (read_profile, profile, {}),
        (read_maf, maf, {k: v for k, v in (vcf_options or {}).items() if k in _THRESHOLDS}),
        (read_vcf, vcf, dict(vcf_options or {})),
        (read_cna, cna, {"scale": cna_scale, "panels": cna_panels}),
        (read_cna_long, cna_long, {}),
        (read_fusions, fusions, {}),
        (read_segments, segments, dict(segment_options or {})),
        (read_expression, expression, {"scale": expression_scale}),
        (read_pcgr_expression, pcgr, {"reference": expression_reference}),
    ]
    groups = [reader(p, **{"sample": sample, **options}) for reader, paths, options in readers
              for p in paths]
    merged = merge_profiles(*groups)
    if clinical:
        status = read_clinical(*clinical, sample=sample)
        if groups:
            merged = _check_matched(merged, status, clinical, allow_unmatched)
        keep = merged.keys() if groups else status.keys()
        merged = {k: v for k, v in merge_profiles(merged, status).items() if k in keep}
    return merged


def _check_matched(merged: dict[str, TumourProfile], status: Mapping[str, TumourProfile],
                   clinical: Sequence[Path], allow: bool) -> dict[str, TumourProfile]:
    """Molecular samples missing from the clinical files: an error listing them (as
    cBioPortal's validator), or with ``allow`` a warning and a note on each."""
    missing = [name for name in merged if name not in status]
    if not missing:
        return merged
    shown = ", ".join(missing[:20]) + (f" and {len(missing) - 20} more" if len(missing) > 20
                                       else "")
    close = [(m, c) for m in missing[:200] for c in status if m.startswith(c) or c.startswith(m)]
    hint = (f"; {close[0][0]!r} looks like {close[0][1]!r} with a different barcode length"
            if close else "")
    message = (f"{len(missing)} sample(s) of the molecular files are not in the clinical "
               f"file(s) {', '.join(str(c) for c in clinical)}: {shown}{hint}")
    if not allow:
        raise ProfileError(clinical[0], message + ". Make the sample IDs match, or give "
                           "--allow-unmatched to report them without clinical receptor status")
    warnings.warn(message, DataQualityWarning, stacklevel=3)
    note = "not in the clinical file(s): no receptor status from them (--allow-unmatched)"
    return {name: replace(p, notes=(*p.notes, f"sample {name} is {note}")) if name in missing
            else p for name, p in merged.items()}


def load_profiles(
    profile: str | Path | None = None, *, maf: str | Path | None = None,
    vcf: str | Path | None = None, cna: str | Path | None = None,
    expression: str | Path | None = None, clinical: Sequence[str | Path] = (),
    fusions: str | Path | None = None, segments: str | Path | None = None,
    segment_options: Mapping[str, Any] | None = None,
    sample: str | None = None, cna_scale: str = "auto", expression_scale: str = "auto",
    vcf_options: Mapping[str, Any] | None = None, allow_unmatched: bool = False,
    expression_reference: str | Path | None = None,
) -> list[TumourProfile]:
    """Read and join a tumour's files into one profile per sample, in first-seen order.

    ``profile`` is a YAML/JSON profile file or a cBioPortal study folder. Clinical files add
    receptor status to the samples of the other files (alone, they give one profile each).
    ``cna_scale`` and ``expression_scale`` settle the scale of ``cna`` and ``expression``
    (see :func:`~her2resist.profile.read_cna`, :func:`~her2resist.profile.read_expression`);
    ``vcf_options`` are keyword arguments of :func:`~her2resist.profile.read_vcf` (``sample``
    for the tumour, ``normal``, ``min_vaf``, ``min_depth``, ``include_filtered``); the
    last three apply to ``maf`` too. Samples of the molecular files that the clinical files
    lack are an error listing them, or with ``allow_unmatched`` a warning. ``segments`` is a
    segment file read with ``segment_options`` (``genome``, ``ploidy``; see
    :func:`~her2resist.profile.segments.read_segments`). An ``expression`` file with PCGR's
    ``TargetID``/``TPM`` header is one sample's TPM, z-scored against
    ``expression_reference`` (see :func:`~her2resist.profile.read_pcgr_expression`).

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

    given = [p for p in (profile, maf, vcf, cna, expression, fusions, segments)
             if p is not None]
    if not given and not clinical:
        raise ProfileError("<command line>", "no input: give a profile file, a study folder, "
                           "or --maf/--vcf/--cna/--segments/--expression/--fusions/--clinical "
                           "files")
    groups = []
    if profile is not None and Path(profile).is_dir():
        groups.append(read_study(profile, sample=sample, allow_unmatched=allow_unmatched))
        profile = None
    if profile is not None or len(given) > len(groups) or clinical:
        groups.append(_join(
            profile=paths(profile), maf=paths(maf), vcf=paths(vcf), cna=paths(cna),
            expression=paths(expression), clinical=[Path(c) for c in clinical], sample=sample,
            fusions=paths(fusions), segments=paths(segments),
            segment_options=segment_options,
            cna_scale=cna_scale, expression_scale=expression_scale, vcf_options=vcf_options,
            expression_reference=None if expression_reference is None
            else Path(expression_reference), allow_unmatched=allow_unmatched,
        ))
    merged = merge_profiles(*groups)
    if not merged:
        raise ProfileError("<command line>", f"sample {sample!r} is in none of the files"
                           if sample else "the files hold no sample")
    return list(merged.values())
