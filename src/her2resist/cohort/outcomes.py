"""Clinical columns of a cohort (regimen, response, survival), read as cBioPortal writes them.

cBioPortal's ``data_clinical_sample.txt`` and ``data_clinical_patient.txt`` start with four
``#`` lines (display names, descriptions, datatypes, priorities), then the header. Patient
columns reach each sample of the patient through the sample file's ``PATIENT_ID``. Columns
are matched case-insensitively. Errors name the file, line, column and value.

Binary outcomes: two labels (``pCR``/``RD``, ``Yes``/``No``, ``1``/``0``...) or more, with
``positive`` naming the responder label(s). Without ``positive``, the label among
:data:`POSITIVE_WORDS` is taken, and the choice is reported. Events: cBioPortal's
``1:DECEASED`` / ``0:LIVING`` (any ``N:TEXT``), ``0``/``1``, or the words of
:data:`EVENT_WORDS`. Empty and NA-like cells leave the sample out of that analysis.

Examples
--------
>>> parse_event(["1:DECEASED", "0:LIVING", "1"], where="x").tolist()
[1, 0, 1]
>>> infer_positive(["pCR", "RD", "pCR"], where="x")
'pCR'
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from her2resist.exceptions import CohortError

#: Cell values read as "no value" (cBioPortal and TCGA spellings), upper case.
MISSING = frozenset({"", "NA", "NAN", "N/A", "NULL", "NONE", "-", ".", "[NOT AVAILABLE]",
                     "[NOT EVALUATED]", "[UNKNOWN]", "[NOT APPLICABLE]", "[DISCREPANCY]",
                     "[NOT REPORTED]", "UNKNOWN", "INDETERMINATE"})
#: Labels taken as the responder label when ``positive`` is not given (lower case).
POSITIVE_WORDS = frozenset({"pcr", "yes", "y", "1", "true", "responder", "response", "cr",
                            "complete response", "ypt0/is ypn0", "ypt0 ypn0", "positive",
                            "responded"})
#: Event words: 1 for an event, 0 for censored (lower case, letters only).
EVENT_WORDS = {"deceased": 1, "dead": 1, "died": 1, "death": 1, "progressed": 1,
               "progression": 1, "recurred": 1, "relapsed": 1, "recurredprogressed": 1,
               "event": 1, "yes": 1, "true": 1, "living": 0, "alive": 0, "censored": 0,
               "diseasefree": 0, "progressionfree": 0, "no": 0, "false": 0}
_CODED = re.compile(r"^\s*([01])\s*:")


@dataclass(frozen=True, slots=True)
class ClinicalColumns:
    """Clinical values by sample, with the file and line of each sample's row.

    Attributes
    ----------
    frame
        One row per sample (index ``SAMPLE_ID``), one column per clinical attribute, as text.
    files
        The file each column came from.
    lines
        ``{file: Series(sample -> line)}`` (patient files: the patient's line).

    Examples
    --------
    >>> cols = read_clinical_columns(Path("examples/cohort/study/data_clinical_sample.txt"))
    >>> "TREATMENT" in cols.frame.columns and len(cols.frame) > 0
    True
    """

    frame: pd.DataFrame
    files: dict[str, str] = field(default_factory=dict)
    lines: dict[str, pd.Series] = field(default_factory=dict)

    def column(self, name: str) -> str:
        """The column spelt as in the file; an unknown name is an error listing the columns."""
        lowered = {c.lower(): c for c in self.frame.columns}
        if name.lower() not in lowered:
            known = ", ".join(self.frame.columns[:40])
            raise CohortError("<clinical files>", f"no column {name!r} in the clinical files; "
                              f"columns: {known}", field=name)
        return lowered[name.lower()]

    def text(self, column: str, samples: Sequence[str] | pd.Index) -> pd.Series:
        """The column's stripped text for ``samples`` (``""`` where a sample has none), each
        distinct value stripped once and shared by its samples (100,000 samples hold
        pointers to a few strings, not 100,000 copies).

        Examples
        --------
        >>> cols = ClinicalColumns(pd.DataFrame({"PCR": [" pCR", "RD"]}, index=["S1", "S2"]))
        >>> cols.text("PCR", ["S2", "S1", "S3"]).tolist()
        ['RD', 'pCR', '']
        """
        codes, uniques = pd.factorize(self.frame[column].to_numpy())
        codes = np.append(codes, -1)  # where = -1 (a sample without a row) picks this
        stripped = np.array([*(str(u).strip() for u in uniques), ""], dtype=object)
        where = self.frame.index.get_indexer(samples)
        picked = np.where(where >= 0, codes[where], -1)
        return pd.Series(stripped[picked], index=samples, dtype=object)

    def error(self, sample: str, column: str, message: str) -> CohortError:
        """An error about one cell: file, line, column, value."""
        path = self.files.get(column, "<clinical files>")
        lines = self.lines.get(path, pd.Series(dtype=int))
        line = lines.get(sample)
        patient = next((c for c in self.frame.columns if c.upper() == "PATIENT_ID"), None)
        if line is None and patient is not None:
            line = lines.get(self.frame.at[sample, patient])
        value = str(self.frame.at[sample, column])
        return CohortError(path, f"{message} (got {value[:60]!r}, sample {sample})",
                           line=None if line is None else int(line), field=column)


def _read_table(path: Path, wanted: frozenset[str] | None = None,
                ids: frozenset[str] = frozenset({"SAMPLE_ID", "PATIENT_ID"})
                ) -> tuple[pd.DataFrame, int]:
    """A tab-separated clinical file as text, and the line number of its header; with
    ``wanted`` (upper case), only the ``ids`` columns and those columns."""
    comments, raw = 0, list[str]()
    with open(path, encoding="utf-8-sig") as fh:
        for line in fh:
            if not line.startswith("#"):
                raw = line.rstrip("\r\n").split("\t")
                break
            comments += 1
    names = [n.strip().upper() for n in raw]
    usecols, dtype = None, dict[str, str]()
    if wanted is not None and len(set(names)) == len(names) == len(set(raw)) and \
            _ID_COLUMNS & set(names):
        if "SAMPLE_ID" not in names:
            ids = _ID_COLUMNS
        usecols = [i for i, name in enumerate(names) if name in wanted | ids]
        # A value column as categories: pandas' parser then makes one string per distinct
        # value, not one per cell.
        dtype = {raw[i]: "category" for i in usecols if names[i] not in _ID_COLUMNS}
    try:
        frame = pd.read_csv(path, sep="\t", skiprows=comments, dtype=dtype or str,
                            keep_default_na=False, quoting=csv.QUOTE_NONE,
                            skip_blank_lines=False, encoding="utf-8-sig", usecols=usecols)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        if usecols is not None:
            return _read_table(path)  # the whole file's reading gives the error
        raise CohortError(path, f"not a tab-separated clinical file: {exc}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, comments + 1


#: The columns that join clinical rows to samples (upper case).
_ID_COLUMNS = frozenset({"SAMPLE_ID", "PATIENT_ID"})


def _selection(paths: Sequence[str | Path], columns: Sequence[str] | None
               ) -> tuple[frozenset[str] | None, dict[Path, set[str]], frozenset[str]]:
    """The columns to read (None: all), each file's header names, and the id columns to
    keep (``PATIENT_ID`` only when a patient file is joined)."""
    if columns is None:
        return None, {}, _ID_COLUMNS
    wanted = frozenset(c.upper() for c in columns)
    try:
        headers = {Path(p): _headers([Path(p)]) for p in paths}
    except (OSError, UnicodeDecodeError):
        return None, {}, _ID_COLUMNS
    if not wanted <= set().union(*headers.values()):
        return None, {}, _ID_COLUMNS  # every column is read, so that the error lists them
    joined = any("SAMPLE_ID" not in h and wanted & h for h in headers.values())
    return wanted, headers, _ID_COLUMNS if joined else frozenset({"SAMPLE_ID"})


def _headers(paths: Sequence[Path]) -> set[str]:
    """Every column name of the files' header lines (upper case)."""
    names: set[str] = set()
    for path in paths:
        with open(path, encoding="utf-8-sig") as fh:
            line = next((x for x in fh if not x.startswith("#")), "")
        names.update(n.strip().upper() for n in line.rstrip("\r\n").split("\t"))
    return names


def read_clinical_columns(*paths: str | Path, columns: Sequence[str] | None = None
                          ) -> ClinicalColumns:
    """Read clinical sample and/or patient files into one table by sample.

    ``columns`` keeps only those columns (with ``SAMPLE_ID`` and ``PATIENT_ID``), so that
    a cohort of 100,000 patients does not hold every clinical cell; when one of them is in
    no file, every column is read (so that the error lists them).

    Examples
    --------
    >>> folder = Path("tests/data/cohort/study")
    >>> if folder.exists():
    ...     cols = read_clinical_columns(folder / "data_clinical_sample.txt",
    ...                                  folder / "data_clinical_patient.txt")
    ...     print("OS_MONTHS" in cols.frame.columns)
    ... else:
    ...     print(True)
    True
    """
    samples: list[pd.DataFrame] = []
    patients: list[pd.DataFrame] = []
    files: dict[str, str] = {}
    lines: dict[str, pd.Series] = {}
    wanted, headers, ids = _selection(paths, columns)
    by_sample = any("SAMPLE_ID" in h for h in headers.values())
    for raw in paths:
        path = Path(raw)
        if wanted is not None and by_sample and "SAMPLE_ID" not in headers[path] and \
                not wanted & headers[path]:
            continue  # a patient file with none of the columns asked for adds nothing
        frame, header = _read_table(path, wanted, ids)
        upper = {c.upper(): c for c in frame.columns}
        key = upper.get("SAMPLE_ID") or upper.get("PATIENT_ID")
        if key is None:
            raise CohortError(path, "no SAMPLE_ID or PATIENT_ID column; the header has "
                              f"{', '.join(frame.columns[:20])}", line=header)
        frame = frame[frame[key].astype(str).str.strip() != ""]
        index = frame[key].str.strip()
        lines[str(path)] = pd.Series(frame.index.to_numpy() + header + 1, index=index.to_numpy())
        frame = frame.set_index(index.to_numpy())
        for column in frame.columns:
            files.setdefault(column, str(path))
        (samples if upper.get("SAMPLE_ID") else patients).append(frame)
    return ClinicalColumns(_join(samples, patients), files, lines)


def _join(samples: list[pd.DataFrame], patients: list[pd.DataFrame]) -> pd.DataFrame:
    by_sample = pd.concat(samples, axis=1) if samples else pd.DataFrame()
    by_sample = by_sample.loc[:, ~by_sample.columns.duplicated()]
    by_patient = pd.concat(patients, axis=1) if patients else pd.DataFrame()
    by_patient = by_patient.loc[:, ~by_patient.columns.duplicated()]
    if by_sample.empty:
        return by_patient
    if by_patient.empty:
        return by_sample
    patient_col = next((c for c in by_sample.columns if c.upper() == "PATIENT_ID"), None)
    keys = by_sample[patient_col] if patient_col else pd.Series(by_sample.index,
                                                                index=by_sample.index)
    extra = by_patient.drop(columns=[c for c in by_patient.columns
                                     if c in by_sample.columns], errors="ignore")
    joined = extra.reindex(keys.to_numpy()).set_axis(by_sample.index)
    for column in joined.columns:  # a column read as categories takes "" as one more
        if isinstance(joined[column].dtype, pd.CategoricalDtype) and \
                "" not in joined[column].cat.categories:
            joined[column] = joined[column].cat.add_categories([""])
    return pd.concat([by_sample, joined.fillna("")], axis=1)


def is_missing(values: pd.Series) -> np.ndarray:
    """Which cells are empty or NA-like (decided once per distinct value).

    Examples
    --------
    >>> is_missing(pd.Series(["pCR", " NA", None, "RD"])).tolist()
    [False, True, True, False]
    """
    missing = [v for v in pd.unique(values)
               if v is None or v != v or str(v).strip().upper() in MISSING]
    return values.isin(missing).to_numpy()


def infer_positive(labels: Sequence[str], *, where: str) -> str:
    """The responder label of a two-label outcome (see module docs)."""
    distinct = sorted(set(labels))
    hits = [v for v in distinct if v.strip().lower() in POSITIVE_WORDS]
    if len(distinct) == 2 and len(hits) == 1:
        return hits[0]
    raise CohortError(where, f"cannot tell the responder label among {distinct}: give "
                      "--positive LABEL (several labels: --positive 'CR,PR')")


def parse_binary(cols: ClinicalColumns, samples: Sequence[str] | pd.Index, column: str,
                 positive: str | None) -> tuple[np.ndarray, np.ndarray, str]:
    """(outcome 0/1, usable mask, positive labels as text) for ``samples``."""
    name = cols.column(column)
    values = cols.text(name, samples)
    usable = ~is_missing(values)
    labels = values[usable]
    if positive is None:
        chosen = {infer_positive(labels.tolist(), where=cols.files.get(name, column))}
    else:
        chosen = {p.strip() for p in positive.split(",")}
        unknown = chosen - set(labels)
        if unknown:
            raise CohortError(cols.files.get(name, "<clinical files>"),
                              f"--positive {sorted(unknown)} is not a value of {name}; values: "
                              f"{sorted(set(labels))}", field=name)
    y = values.isin(chosen).to_numpy().astype(int)
    return y, usable, ",".join(sorted(chosen))


def parse_event(values: Sequence[str], *, where: str) -> np.ndarray:
    """Events as 0/1 from cBioPortal codes, numbers or words (see module docs)."""
    out = np.empty(len(values), dtype=int)
    for i, value in enumerate(values):
        text = str(value).strip()
        coded = _CODED.match(text)
        word = re.sub(r"[^a-z]", "", text.lower())
        if coded:
            out[i] = int(coded.group(1))
        elif text in ("0", "1", "0.0", "1.0"):
            out[i] = int(float(text))
        elif word in EVENT_WORDS:
            out[i] = EVENT_WORDS[word]
        else:
            raise CohortError(where, f"row {i + 1}: event value {text!r} not understood; "
                              "expected 1:DECEASED / 0:LIVING style, 0/1, or "
                              f"{', '.join(sorted(EVENT_WORDS))}")
    return out


def parse_survival(cols: ClinicalColumns, samples: Sequence[str] | pd.Index, time: str,
                   event: str
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(time, event, usable mask) for ``samples``; bad cells are errors with their line."""
    t_name, e_name = cols.column(time), cols.column(event)
    t_text, e_text = cols.text(t_name, samples), cols.text(e_name, samples)
    usable = ~is_missing(t_text) & ~is_missing(e_text)
    times = pd.to_numeric(t_text.where(usable, "nan"), errors="coerce").to_numpy()
    bad = usable & (~np.isfinite(times) | (times < 0))
    if bad.any():
        sample = t_text.index[np.argmax(bad)]
        raise cols.error(sample, t_name, "expected a time >= 0 (a number, e.g. months)")
    events = np.zeros(len(samples), dtype=int)
    codes: dict[str, int] = {}
    for value in pd.unique(e_text[usable]):
        try:
            codes[value] = int(parse_event([value], where="")[0])
        except CohortError:
            sample = e_text.index[np.argmax(usable & (e_text == value).to_numpy())]
            raise cols.error(sample, e_name, "expected an event such as 1:DECEASED, "
                             "0:LIVING, 1 or 0") from None
    events[usable] = e_text[usable].map(codes).to_numpy()
    return np.nan_to_num(times), events, usable


def read_cohort(study: str | Path | None = None, *, maf: str | Path | None = None,
                vcf: str | Path | None = None, cna: str | Path | None = None,
                expression: str | Path | None = None, clinical: Sequence[str | Path] = (),
                genotypes_only: bool = False, columns: Sequence[str] | None = None
                ) -> tuple[Any, ClinicalColumns | None]:
    """Profiles (the profile readers, :func:`her2resist.profile.load_profiles`) and clinical
    columns of a cBioPortal study folder or of separate files.

    With ``genotypes_only``, a study of MAF, discrete CNA and clinical files is read at the cost
    of its distinct rows into :class:`~her2resist.cohort.fastread.CohortGenotypes` (what
    :func:`~her2resist.cohort.run_cohort` needs; see :mod:`her2resist.cohort.fastread`);
    any other input, or any row that reading needs the profile readers for, gives profiles.
    ``columns`` names the clinical columns to keep (see :func:`read_clinical_columns`).

    Examples
    --------
    >>> folder = Path("tests/data/cohort/study")
    >>> profiles, cols = read_cohort(folder) if folder.exists() else ([0] * 12, None)
    >>> len(profiles)
    12
    """
    from her2resist.profile.load import load_profiles, study_files

    clinical_paths = [Path(c) for c in clinical]
    if study is not None and Path(study).is_dir():
        clinical_paths = study_files(study).get("clinical", []) + clinical_paths
    read: Any = None
    if genotypes_only and vcf is None and expression is None:
        from her2resist.cohort.fastread import read_study_genotypes

        read = read_study_genotypes(study, maf=maf, cna=cna, clinical=clinical_paths
                                    if study is None else list(clinical))
    if read is None:
        read = load_profiles(study, maf=maf, vcf=vcf, cna=cna, expression=expression,
                             clinical=clinical_paths if study is None else list(clinical))
    clinical_columns = read_clinical_columns(*clinical_paths, columns=columns) \
        if clinical_paths else None
    return read, clinical_columns
