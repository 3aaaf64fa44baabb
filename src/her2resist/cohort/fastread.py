"""A cohort's genotypes read from its files at the cost of its distinct rows.

The profile readers build one full profile per sample, with the file, line and value of every
call; at 100,000 samples that is most of a cohort run. A cohort needs only each sample's
genotype (model alterations, ER-positive as ``ER_positive``, HER2-negative), and rows that agree
in every field a reader uses give the same answer. So each file is grouped, and every distinct
group is read **by the profile reader itself**, once:

- **MAF**: rows grouped by the fields :func:`~her2resist.profile.read_maf` uses (gene, protein
  change, classification, mutation status, filters, read counts); a file of the distinct rows,
  one made-up sample each, is read by ``read_maf``; a sample gets its rows' alterations.
- **Copy number**: the matrix is parsed (:func:`~her2resist.profile._grid.parse_grid`), each
  sample's column summarised by its call of each modelled gene (ERBB2: amplified, gained or
  not); one column per distinct summary is read by ``read_cna``'s own per-sample code.
- **Clinical**: rows grouped by the receptor fields :func:`~her2resist.profile.read_clinical`
  uses; each distinct (sample row, patient row) pair is read by ``read_clinical``.
- The parts of each distinct combination are joined by ``merge_profiles`` as
  :func:`~her2resist.profile.load_profiles` joins them.

The MAF and clinical files are streamed: decoded :data:`BLOCK` bytes at a time (exactly the
lines :func:`~her2resist.profile._table.read_text` would give, or declined) and grouped
:data:`LINE_CHUNK` lines at a time, keeping only each row's ids and distinct-row index, so
memory grows with samples and distinct rows, not with the files (docs/cohort.md, Scale).

Whatever the grouping does not cover exactly returns ``None``, and the caller reads the files
with the profile readers, which give the result or the precise file/line/field error: other
kinds of file (VCF, expression, segments, panels), a ``CANONICAL`` column, a repeated clinical
id, a malformed line, a value a reader would warn about, a molecular sample the clinical files
lack. ``tests/test_cohort_fastread.py`` checks that both give the same genotypes.

Examples
--------
>>> from pathlib import Path
>>> study = Path("tests/data/cohort/study")
>>> read = read_study_genotypes(study) if study.exists() else None
>>> read is None or len(read.samples) == 12
True
"""

from __future__ import annotations

import gzip
import re
import tempfile
import warnings
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO, NamedTuple

import numpy as np
import pandas as pd

from her2resist.cohort.predictions import Genotype
from her2resist.exceptions import ProfileError, UnmappedVariantWarning
from her2resist.profile._table import MAX_BYTES, MAX_FIELD, _header
from her2resist.profile.clinical import (
    COPY_COLUMNS,
    IHC_COLUMNS,
    ISH_COLUMNS,
    RATIO_COLUMNS,
    STATUS_COLUMNS,
)
from her2resist.profile.maf import PROTEIN_COLUMNS, SAMPLE_COLUMNS
from her2resist.profile.tumour import TumourProfile, merge_profiles, merge_two

#: The MAF fields read_maf uses besides the sample (lower case).
MAF_FIELDS = frozenset(c.lower() for c in (
    "Hugo_Symbol", "Gene", "SYMBOL", *PROTEIN_COLUMNS, "Variant_Classification", "Consequence",
    "Mutation_Status", "FILTER", "GDC_FILTER", "t_alt_count", "t_depth", "t_ref_count"))
#: The clinical fields read_clinical uses besides the ids (lower case).
CLINICAL_FIELDS = frozenset(c.lower() for c in (
    *IHC_COLUMNS, *ISH_COLUMNS, *RATIO_COLUMNS, *COPY_COLUMNS, *STATUS_COLUMNS,
    "ER_STATUS_BY_IHC", "ER_STATUS", "ER_IHC", "ER_STATUS_IHC_PERCENT_POSITIVE", "ER_PERCENT",
    "ER_IHC_PERCENT", "PR_STATUS_BY_IHC", "PR_STATUS", "PR_IHC",
    "PR_STATUS_IHC_PERCENT_POSITIVE", "PR_PERCENT", "PR_IHC_PERCENT"))


#: The readers' unmapped-variant warning: "PATH: COUNT wording".
_COUNTED = re.compile(r"^.*?: \d+ (variant.*)$", re.DOTALL)


class _NotExact(Exception):
    """The grouping does not cover this input exactly: read it with the profile readers."""


@dataclass(frozen=True, slots=True)
class CohortGenotypes:
    """Each sample's genotype, as an index into the distinct genotypes.

    Attributes
    ----------
    samples
        Sample ids in the order :func:`~her2resist.profile.load_profiles` gives them.
    codes
        ``genotypes[codes[i]]`` is sample ``i``'s genotype.
    genotypes
        The distinct genotypes.
    """

    samples: tuple[str, ...]
    codes: np.ndarray
    genotypes: tuple[Genotype, ...]

    def __len__(self) -> int:
        return len(self.samples)


def genotype_of(profile: TumourProfile) -> Genotype:
    """What a prediction of this tumour depends on (alterations, HER2 negativity).

    Examples
    --------
    >>> genotype_of(TumourProfile.from_alterations("T1", ["PTEN loss"]))
    Genotype(alterations=('PTEN_loss',), her2_negative=False)
    """
    return Genotype(tuple(sorted(profile.alteration_ids())), profile.her2.call == "negative")


def read_study_genotypes(study: str | Path | None = None, *, maf: str | Path | None = None,
                         cna: str | Path | None = None, clinical: Sequence[str | Path] = ()
                         ) -> CohortGenotypes | None:
    """Genotypes of a cBioPortal study folder, or of MAF/CNA/clinical files (see module docs);
    ``None`` when the profile readers must read the input.

    Examples
    --------
    See the module docstring.
    """
    from her2resist.profile.load import study_files

    if study is not None:
        if maf is not None or cna is not None or clinical or not Path(study).is_dir():
            return None
        files = study_files(study)
        if set(files) - {"maf", "cna", "clinical"} or any(
                len(files.get(k, [])) > 1 for k in ("maf", "cna")):
            return None
        maf = next(iter(files.get("maf", [])), None)
        cna = next(iter(files.get("cna", [])), None)
        clinical = files.get("clinical", [])
    scale = "discrete" if study is not None else "auto"
    unmapped: list[tuple[Path, int, str]] = []
    try:
        read = _read(maf, cna, [Path(c) for c in clinical], scale, unmapped)
    except (_NotExact, ProfileError):
        return None
    for path, total, wording in unmapped:  # the readers' warning, given on success only
        if total:
            warnings.warn(f"{path}: {total} {wording}", UnmappedVariantWarning, stacklevel=3)
    return read


def _read(maf: str | Path | None, cna: str | Path | None, clinical: list[Path], scale: str,
          unmapped: list[tuple[Path, int, str]]) -> CohortGenotypes:
    empty = Part([], np.zeros(0, np.int64), [])
    maf_part = _maf(Path(maf), unmapped) if maf is not None else empty
    cna_part = _cna(Path(cna), scale, unmapped) if cna is not None else empty
    clinical_part = _clinical(clinical) if clinical else None
    molecular = maf is not None or cna is not None
    order = pd.unique(np.array([*maf_part.ids, *cna_part.ids], dtype=object)) if molecular \
        else np.array(clinical_part.ids, dtype=object) if clinical_part else np.zeros(0, object)
    position = pd.Index(order)
    keys = np.full((3, len(order)), -1, dtype=np.int64)
    for row, part in enumerate((maf_part, cna_part, clinical_part)):
        if part is not None and len(part.ids):
            found = position.get_indexer(part.ids)
            keys[row, found[found >= 0]] = part.codes[found >= 0]
    del position
    if clinical_part is not None and molecular and (keys[2] < 0).any():
        raise _NotExact  # the readers list the unmatched samples (or warn, if allowed)
    sizes = [max(len(part.profiles), 1) + 1 if part else 1
             for part in (maf_part, cna_part, clinical_part)]
    flat = ((keys[0] + 1) * sizes[1] + keys[1] + 1) * sizes[2] + keys[2] + 1
    combined, inverse = np.unique(flat, return_inverse=True)
    combos = np.stack([combined // (sizes[1] * sizes[2]) - 1,
                       combined // sizes[2] % sizes[1] - 1, combined % sizes[2] - 1], axis=1)
    genotypes: dict[Genotype, int] = {}
    index = np.empty(len(combos), dtype=np.int64)
    for row, (m, c, k) in enumerate(combos.tolist()):
        groups = [{"s": part.profiles[i]} for part, i in ((maf_part, m), (cna_part, c))
                  if i >= 0]
        profile = merge_profiles(*groups)["s"] if groups else None
        if clinical_part is not None:
            status = clinical_part.profiles[k]
            profile = status if profile is None else merge_two(profile, status)
        key = genotype_of(profile or TumourProfile("s"))
        index[row] = genotypes.setdefault(key, len(genotypes))
    return CohortGenotypes(tuple(order.tolist()), index[inverse.reshape(-1)], tuple(genotypes))


#: Data lines grouped at a time: what a file costs in memory is this chunk, not the file.
LINE_CHUNK = 5_000
#: Bytes read from a file at a time.
BLOCK = 1 << 20


def _text_lines(path: Path) -> Iterator[str]:
    """The file's lines as :func:`~her2resist.profile._table.split_lines` gives them from
    :func:`~her2resist.profile._table.read_text`, decoded block by block. What ``read_text``
    would refuse or decode otherwise (a NUL byte, so UTF-16 and UTF-32 too; bytes that are not
    UTF-8; a broken gzip stream; more than ``MAX_BYTES``) raises :class:`_NotExact`."""
    with open(path, "rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        source: BinaryIO = gzip.GzipFile(fileobj=raw) if compressed else raw  # type: ignore[assignment]
        rest, total, first = b"", 0, True
        while True:
            try:
                block = source.read(BLOCK)
            except (OSError, EOFError, zlib.error):
                raise _NotExact from None
            total += len(block)
            if total > MAX_BYTES or b"\x00" in block:
                raise _NotExact
            data = rest + block
            cut = data.rfind(b"\n") + 1 if block else len(data)
            rest = data[cut:]
            try:
                text = data[:cut].decode("utf-8")
            except UnicodeDecodeError:
                raise _NotExact from None
            if first and text:  # the file's first text: its BOM is dropped, as read_text does
                text = text.removeprefix("\ufeff")
                first = False
            lines = text.split("\n")
            if lines[-1] == "":
                lines.pop()
            yield from (line[:-1] if line.endswith("\r") else line for line in lines)
            if not block:
                return


def _table(path: Path) -> tuple[tuple[str, ...], Iterator[list[str]]]:
    """Header and data lines (in chunks of :data:`LINE_CHUNK`) of a tab-separated file, as
    :func:`~her2resist.profile._table.parse_table` finds them."""
    lines = _text_lines(path)
    for number, line in enumerate(lines, start=1):
        if line.strip() and not line.startswith("#"):
            header = _header(str(path), line, number)
            break
    else:
        raise _NotExact

    def chunks() -> Iterator[list[str]]:
        chunk: list[str] = []
        for line in lines:
            if line.strip() and not line.startswith("#"):
                chunk.append(line)
                if len(chunk) >= LINE_CHUNK:
                    yield chunk
                    chunk = []
        if chunk:
            yield chunk

    return header, chunks()


def _fields(header: tuple[str, ...], lines: list[str], columns: Sequence[int]
            ) -> list[tuple[str, ...]]:
    """The stripped ``columns`` of every line; a line the table reader might refuse (more
    fields than the header, an over-long line) raises :class:`_NotExact`."""
    width = len(header)
    get = itemgetter(*columns) if len(columns) > 1 else (
        (lambda f: (f[columns[0]],)) if columns else (lambda f: ()))
    out = []
    for line in lines:
        fields = line.split("\t")
        if len(fields) != width:
            if len(fields) > width:
                raise _NotExact
            fields += [""] * (width - len(fields))
        out.append(tuple(map(str.strip, get(fields))))
    if any(len(line) > MAX_FIELD for line in lines):
        raise _NotExact
    return out


def _first(header: Sequence[str], names: Sequence[str]) -> int | None:
    """Index of the first of ``names`` in ``header`` (case-insensitive), as Table.find."""
    lowered = {h.lower(): i for i, h in enumerate(header)}
    return next((lowered[n.lower()] for n in names if n.lower() in lowered), None)


def _check_ids(ids: Sequence[str]) -> None:
    """Sample ids as check_sample accepts them (its error, with the line, comes from the
    reader)."""
    if ids and (not all(ids) or max(map(len, ids)) > 200 or not "".join(ids).isprintable()):
        raise _NotExact


def _group(header: tuple[str, ...], chunks: Iterator[list[str]], fields: frozenset[str],
           ids: Sequence[int]) -> tuple[list[int], list[list[str]], list[tuple[str, ...]],
                                        np.ndarray]:
    """Columns used, the id columns' values, the distinct tuples of the used columns' values
    and each row's tuple index, grouped chunk by chunk (only the ids and indices are kept)."""
    used = [i for i, name in enumerate(header) if name.lower() in fields and i not in ids]
    id_values: list[list[str]] = [[] for _ in ids]
    distinct: dict[tuple[str, ...], int] = {}
    which: list[np.ndarray] = []
    k = len(ids)
    for lines in chunks:
        rows = _fields(header, lines, [*ids, *used])
        for n, values in enumerate(id_values):
            got = [r[n] for r in rows]
            _check_ids(got)
            values.extend(got)
        which.append(np.fromiter((distinct.setdefault(r[k:], len(distinct)) for r in rows),
                                 dtype=np.int64, count=len(rows)))
        del rows
    return used, id_values, list(distinct), np.concatenate(which) if which else np.zeros(
        0, np.int64)


def _quiet(call: Callable[[], dict[str, TumourProfile]], wording: list[str] | None = None
           ) -> dict[str, TumourProfile]:
    """Run a reader on made-up rows. Its unmapped-variant warning is kept out (its wording,
    after the count, goes to ``wording``: the caller gives it for the real file and count);
    any other warning (a value the reader flags, on a line of the made-up file) means the
    real file must be read."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        profiles = call()
    for warning in caught:
        if not issubclass(warning.category, UnmappedVariantWarning):
            raise _NotExact
        found = _COUNTED.match(str(warning.message))
        if found and wording is not None:
            wording.append(found.group(1))
    return profiles


def _read_files(texts: Sequence[str], reader: Callable[..., dict[str, TumourProfile]],
                wording: list[str] | None = None) -> dict[str, TumourProfile]:
    """``reader`` on made-up files holding ``texts`` (see :func:`_quiet`)."""
    with tempfile.TemporaryDirectory() as folder:
        files = [Path(folder) / f"distinct{n}.txt" for n in range(len(texts))]
        for file, text in zip(files, texts, strict=True):
            file.write_text(text, encoding="utf-8")
        return _quiet(lambda: reader(*files), wording)


class Part(NamedTuple):
    """One kind of file grouped: sample ids, each one's distinct index, one profile per
    distinct index."""

    ids: Sequence[str]
    codes: np.ndarray
    profiles: list[TumourProfile]


def _maf(path: Path, unmapped: list[tuple[Path, int, str]]) -> Part:
    """Sample -> index of its distinct alteration set, and one profile per set."""
    from her2resist.profile.maf import read_maf

    header, chunks = _table(path)
    sample_col = _first(header, SAMPLE_COLUMNS)
    if sample_col is None or _first(header, ("CANONICAL",)) is not None:
        raise _NotExact
    used, (samples,), distinct, which = _group(header, chunks, MAF_FIELDS, [sample_col])
    text = "\t".join(["Tumor_Sample_Barcode", *(header[i] for i in used)]) + "\n" + "".join(
        f"r{k}\t" + "\t".join(values) + "\n" for k, values in enumerate(distinct))
    wording: list[str] = []
    read = _read_files([text], read_maf, wording)
    per_row = [read[f"r{k}"] for k in range(len(distinct))]
    per_distinct = np.bincount(which, minlength=len(distinct))
    unmapped.append((path, int(sum(len(row.unmapped) * int(n)
                                   for row, n in zip(per_row, per_distinct, strict=True))),
                     "".join(wording[:1])))
    # Each sample's distinct rows (samples in the order of their first row), as numbers.
    sample_codes, ids = pd.factorize(np.array(samples, dtype=object))
    del samples
    pairs = np.unique(sample_codes * max(len(distinct), 1) + which)
    bounds = np.flatnonzero(np.diff(pairs // max(len(distinct), 1))) + 1
    sets: dict[tuple[int, ...], int] = {}
    codes = np.fromiter((sets.setdefault(tuple(ks.tolist()), len(sets)) for ks in np.split(
        pairs % max(len(distinct), 1), bounds)), dtype=np.int64, count=len(ids))
    profiles = [merge_profiles(*({"s": per_row[k]} for k in ks))["s"] if ks else
                TumourProfile("s") for ks in sets]
    return Part(list(ids), codes, profiles)


def _cna(path: Path, scale: str, unmapped: list[tuple[Path, int, str]]) -> Part:
    """Sample -> index of its distinct copy-number summary, and one profile per summary."""
    from her2resist.knowledge.catalogue import load_catalogue
    from her2resist.profile._grid import Grid, drop_repeated_genes, parse_grid
    from her2resist.profile.matrix import CNA_THRESHOLDS, _decide, _modelled_rows, cna_profiles

    cat = load_catalogue()
    grid, _ = drop_repeated_genes(parse_grid(
        str(path), what="copy-number file",
        accepted="a copy-number call -2..2, a copy number or a log2 ratio"))
    used, _ = _decide(grid, scale, "cna")
    amplified, gained, deleted = CNA_THRESHOLDS[used]
    rows = _modelled_rows(grid, cat)
    values = grid.values[rows]
    summary = np.select([np.isnan(values), values <= deleted, values >= amplified,
                         values >= gained], [0, 1, 2, 3], 4).astype(np.int8)
    present = np.flatnonzero(~np.isnan(grid.values).all(axis=0))
    if not len(present):
        return Part([], np.zeros(0, np.int64), [])
    if not rows:
        summary = np.zeros((1, len(grid.samples)), dtype=np.int8)
    by_sample = np.ascontiguousarray(summary[:, present].T)
    _, first, inverse = np.unique(by_sample.view(np.dtype((np.void, by_sample.shape[1]))).ravel(),
                                  return_index=True, return_inverse=True)
    columns = present[first]
    reduced = Grid(grid.path, grid.header_line, grid.gene_column,
                   tuple(grid.genes[i] for i in rows), grid.lines[rows],
                   tuple(f"c{j}" for j in range(len(columns))), values[:, columns])
    wording: list[str] = []
    read = _quiet(lambda: cna_profiles(reduced, (), used, cat), wording)
    profiles = [read.get(f"c{j}", TumourProfile("s")) for j in range(len(columns))]
    inverse = inverse.reshape(-1)
    counts = np.bincount(inverse, minlength=len(columns))
    total = int(sum(len(p.unmapped) * n for p, n in zip(profiles, counts, strict=True)))
    unmapped.append((path, total, "".join(wording[:1])))
    return Part([grid.samples[i] for i in present], inverse, profiles)


class _Rows(NamedTuple):
    """A clinical file grouped: ids, patient of each id, receptor columns, their distinct
    values, each row's distinct index."""

    ids: list[str]
    patients: list[str]
    columns: list[str]
    distinct: list[tuple[str, ...]]
    which: np.ndarray


def _clinical(paths: list[Path]) -> Part:
    """Sample -> index of its distinct (sample row, patient row) pair, and one receptor
    profile per pair."""
    from her2resist.profile.clinical import read_clinical

    tables: dict[bool, _Rows] = {}
    for path in paths:
        header, chunks = _table(path)
        id_col = _first(header, ("SAMPLE_ID",))
        by_sample = id_col is not None
        id_col = id_col if by_sample else _first(header, ("PATIENT_ID",))
        if id_col is None or by_sample in tables:
            raise _NotExact  # the reader names the missing column; two files of a kind: rare
        patient_col = _first(header, ("PATIENT_ID",)) if by_sample else None
        skip = [id_col] + ([patient_col] if patient_col is not None else [])
        used, id_values, distinct, which = _group(header, chunks, CLINICAL_FIELDS, skip)
        ids = id_values[0]
        if len(set(ids)) != len(ids):
            raise _NotExact  # a repeated id: the reader compares the rows
        patients = id_values[1] if patient_col is not None else ids
        tables[by_sample] = _Rows(ids, patients, [header[i] for i in used], distinct, which)
    patient = tables.get(False)
    sample = tables.get(True)
    if sample is not None:
        patient_row = np.full(len(sample.ids), -1, dtype=np.int64)
        if patient is not None:
            found = pd.Index(patient.ids).get_indexer(sample.patients)
            patient_row[found >= 0] = patient.which[found[found >= 0]]
        pair_codes = np.stack([sample.which, patient_row], axis=1)
        ids = sample.ids
    elif patient is not None:
        pair_codes = np.stack([np.full(len(patient.ids), -1, np.int64), patient.which], axis=1)
        ids = patient.ids
    else:
        raise _NotExact
    # Distinct (sample row, patient row) pairs numbered in order of first appearance.
    keys = (pair_codes[:, 0] + 1) * (len(patient.distinct) + 1 if patient else 1) \
        + pair_codes[:, 1] + 1
    codes, _ = pd.factorize(keys)
    distinct_pairs = {(int(k), int(p)): j for j, (k, p) in enumerate(
        pair_codes[np.unique(codes, return_index=True)[1]].tolist())}

    def table(columns: list[str], rows: list[tuple[str, ...]], key: str, extra: str = "") -> str:
        head = "\t".join([key, *([extra] if extra else []), *columns])
        return head + "\n" + "".join("\t".join(r) + "\n" for r in rows)

    texts = []
    if sample is not None:
        texts.append(table(sample.columns, [(f"c{j}", f"p{p}" if p >= 0 else "unmatched",
                                             *sample.distinct[k])
                                            for (k, p), j in distinct_pairs.items()],
                           "SAMPLE_ID", "PATIENT_ID"))
    if patient is not None:
        texts.append(table(patient.columns, [(f"p{k}", *v) for k, v in enumerate(patient.distinct)],
                           "PATIENT_ID"))

    read = _read_files(texts, read_clinical)
    name = "c{}" if sample is not None else "p{}"
    return Part(ids, codes.astype(np.int64), [read[name.format(j if sample is not None else p)]
                                              for (_, p), j in distinct_pairs.items()])
