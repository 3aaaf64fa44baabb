"""Read HER2, ER and PR status from cBioPortal clinical files.

``data_clinical_sample.txt`` and ``data_clinical_patient.txt``: four ``#`` metadata lines, a
header with ``SAMPLE_ID`` and/or ``PATIENT_ID``, one row per sample or patient. Patient-level
values reach the samples of that patient (through the sample file's ``PATIENT_ID``); with only
a patient file, each patient is one sample.

Columns read (case-insensitive; the first present wins):

=============  ==============================================================  ================
what           columns                                                         values
=============  ==============================================================  ================
HER2 IHC       IHC_HER2, HER2_IHC_SCORE, HER2_IHC, HER2_IHC_STATUS             0, 1+, 2+, 3+,
                                                                               Positive (3+),
                                                                               Equivocal (2+),
                                                                               Negative (0/1+)
HER2 ISH       HER2_FISH_STATUS, HER2_ISH_STATUS, HER2_FISH, HER2_ISH          Positive,
                                                                               Amplified,
                                                                               Negative, ...
ISH ratio      HER2_CENT17_RATIO, HER2_ISH_RATIO, HER2_FISH_RATIO, HER2_RATIO  number
HER2 copies    HER2_COPY_NUMBER, HER2_ISH_COPY_NUMBER, HER2_CN                 number
HER2 status    HER2_STATUS                                                     Positive, ...
ER, PR         ER_STATUS_BY_IHC, ER_STATUS, ER_IHC (PR likewise)               Positive, Low,
                                                                               Negative
ER %, PR %     ER_STATUS_IHC_PERCENT_POSITIVE, ER_PERCENT (PR likewise)        5, 10-19%, ...
=============  ==============================================================  ================

Empty, ``NA``, ``[Not Available]``, ``Indeterminate`` and the like are unknown; a value
outside the vocabulary (``Performed but Not Available``) is unknown too, with a
:class:`~her2resist.exceptions.DataQualityWarning` and a note naming file, line, column and
value. One id on two rows with different values is an error naming both lines. ER or PR in
1-10 % of cells is *low* (ASCO/CAP 2020); above 10 % positive.

Examples
--------
>>> import tempfile, os
>>> text = ("#Sample Identifier\\tHER2 IHC\\tER\\n#x\\ty\\tz\\n"
...         "#STRING\\tSTRING\\tSTRING\\n#1\\t1\\t1\\n"
...         "SAMPLE_ID\\tIHC_HER2\\tER_STATUS_BY_IHC\\nT1\\t3+\\tPositive\\n")
>>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
...     _ = fh.write(text)
>>> p = read_clinical(fh.name)["T1"]
>>> p.her2.call, p.er.call
('positive', 'positive')
>>> os.unlink(fh.name)
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

from her2resist.exceptions import DataQualityWarning, ProfileError
from her2resist.profile._table import MISSING, Row, Table, parse_number, parse_table
from her2resist.profile.maf import check_sample
from her2resist.profile.tumour import (
    Her2Status,
    ReceptorCall,
    ReceptorStatus,
    Source,
    TumourProfile,
    merge_two,
)

IHC_COLUMNS = ("IHC_HER2", "HER2_IHC_SCORE", "HER2_IHC", "HER2_IHC_STATUS")
ISH_COLUMNS = ("HER2_FISH_STATUS", "HER2_ISH_STATUS", "HER2_FISH", "HER2_ISH")
RATIO_COLUMNS = ("HER2_CENT17_RATIO", "HER2_ISH_RATIO", "HER2_FISH_RATIO", "HER2_RATIO")
COPY_COLUMNS = ("HER2_COPY_NUMBER", "HER2_ISH_COPY_NUMBER", "HER2_CN")
STATUS_COLUMNS = ("HER2_STATUS",)

_IHC = {"0": 0, "0+": 0, "1": 1, "1+": 1, "2": 2, "2+": 2, "3": 3, "3+": 3,
        "negative": 1, "equivocal": 2, "positive": 3}
_POSITIVE = {"positive", "pos", "+", "positve", "amplified", "amp", "yes", "true"}
_NEGATIVE = {"negative", "neg", "-", "not amplified", "non-amplified", "no", "false"}
_EQUIVOCAL = {"equivocal", "borderline"}
_LOW = {"low", "low positive", "er-low", "pr-low", "weakly positive", "low+"}
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*(?:-\s*(\d+(?:\.\d+)?)\s*%?)?\s*$")


def _word(table: Table, row: Row, column: str | None, accepted: dict[str, Any] | set[str],
          describe: str, problems: list[str]) -> str | None:
    """The cell's word if accepted; else None, with the problem noted (a value outside the
    vocabulary, such as "Performed but Not Available", is unknown, not a stop)."""
    value = row.get(column)
    if not column or value.upper() in MISSING:
        return None
    key = value.strip().lower()
    if key not in accepted:
        problems.append(str(table.error(row, column, f"expected {describe}; read as unknown")))
        return None
    return key


def _number(table: Table, row: Row, column: str | None, accepted: str, problems: list[str]
            ) -> float | None:
    if not column:
        return None
    try:
        return parse_number(table, row, column, accepted=accepted)
    except ProfileError as exc:
        problems.append(f"{exc}; read as unknown")
        return None


def _her2(table: Table, row: Row, cols: dict[str, str | None], problems: list[str]
          ) -> Her2Status:
    ihc = _word(table, row, cols["ihc"], _IHC, "a HER2 IHC score: 0, 1+, 2+, 3+, Negative, "
                "Equivocal or Positive", problems)
    ish = _word(table, row, cols["ish"], _POSITIVE | _NEGATIVE | _EQUIVOCAL,
                "an ISH result: Positive/Amplified, Negative/Not amplified or Equivocal",
                problems)
    status = _word(table, row, cols["status"], _POSITIVE | _NEGATIVE | _EQUIVOCAL,
                   "Positive, Negative or Equivocal", problems)
    ratio = _number(table, row, cols["ratio"], "a HER2/CEP17 ratio such as 2.4", problems)
    copies = _number(table, row, cols["copies"], "HER2 copies per cell", problems)
    used = [c for c in cols.values() if c and row.get(c).upper() not in MISSING]
    return Her2Status(
        ihc=_IHC[ihc] if ihc else None, ish_ratio=ratio, copy_number=copies,
        ish_amplified=None if ish is None or ish in _EQUIVOCAL else ish in _POSITIVE,
        reported=None if status is None else "positive" if status in _POSITIVE
        else "negative" if status in _NEGATIVE else "equivocal",
        sources=tuple(Source(table.path, row.line, c, f"{c}={row.get(c)}") for c in used),
    )


def _percent(table: Table, row: Row, column: str | None, problems: list[str]) -> float | None:
    value = row.get(column)
    if not column or value.upper() in MISSING or value.startswith("<"):
        return None
    match = _PERCENT.match(value)
    low, high = (float(match.group(1)), float(match.group(2) or match.group(1))) if match \
        else (0.0, -1.0)
    if not 0 <= low <= high <= 100:
        problems.append(str(table.error(row, column, "expected a percentage between 0 and "
                                        "100 such as 5, 40% or 10-19%; read as unknown")))
        return None
    return (low + high) / 2


def _receptor(table: Table, row: Row, status_col: str | None, percent_col: str | None,
              problems: list[str]) -> ReceptorStatus:
    word = _word(table, row, status_col, _POSITIVE | _NEGATIVE | _LOW,
                 "Positive, Low or Negative", problems)
    percent = _percent(table, row, percent_col, problems)
    call: ReceptorCall = "unknown"
    if word in _LOW or (percent is not None and 1 <= percent <= 10 and word not in _NEGATIVE):
        call = "low"
    elif word in _POSITIVE or (word is None and percent is not None and percent > 10):
        call = "positive"
    elif word in _NEGATIVE or (word is None and percent is not None and percent < 1):
        call = "negative"
    used = [c for c in (status_col, percent_col) if c and row.get(c).upper() not in MISSING]
    return ReceptorStatus(call, percent, tuple(Source(table.path, row.line, c,
                                                      f"{c}={row.get(c)}") for c in used))


def _columns(table: Table) -> dict[str, str | None]:
    return {
        "ihc": table.find(*IHC_COLUMNS), "ish": table.find(*ISH_COLUMNS),
        "ratio": table.find(*RATIO_COLUMNS), "copies": table.find(*COPY_COLUMNS),
        "status": table.find(*STATUS_COLUMNS),
        "er": table.find("ER_STATUS_BY_IHC", "ER_STATUS", "ER_IHC"),
        "er_pct": table.find("ER_STATUS_IHC_PERCENT_POSITIVE", "ER_PERCENT", "ER_IHC_PERCENT"),
        "pr": table.find("PR_STATUS_BY_IHC", "PR_STATUS", "PR_IHC"),
        "pr_pct": table.find("PR_STATUS_IHC_PERCENT_POSITIVE", "PR_PERCENT", "PR_IHC_PERCENT"),
    }


def _read_one(path: str | Path) -> tuple[dict[str, TumourProfile], dict[str, str], bool]:
    """Profiles keyed by sample (or patient), the sample -> patient map, and whether by sample."""
    table = parse_table(path, what="clinical file")
    id_col = table.find("SAMPLE_ID") or table.require("sample or patient id", "SAMPLE_ID",
                                                       "PATIENT_ID")
    patient_col = table.find("PATIENT_ID")
    cols = _columns(table)
    her2_cols = {k: cols[k] for k in ("ihc", "ish", "ratio", "copies", "status")}
    profiles: dict[str, TumourProfile] = {}
    patients: dict[str, str] = {}
    first: dict[str, int] = {}
    for row in table:
        name = check_sample(table, row, id_col)
        if patient_col and patient_col != id_col:
            patients[name] = check_sample(table, row, patient_col)
        problems: list[str] = []
        profile = TumourProfile(
            name, her2=_her2(table, row, her2_cols, problems),
            er=_receptor(table, row, cols["er"], cols["er_pct"], problems),
            pr=_receptor(table, row, cols["pr"], cols["pr_pct"], problems),
            notes=tuple(problems),
        )
        for problem in problems:
            warnings.warn(problem, DataQualityWarning, stacklevel=3)
        if name in profiles:
            if _values(profiles[name]) != _values(profile):
                raise table.error(row, id_col, f"this id is also on line {first[name]} with "
                                  "different HER2/ER/PR values; keep one row per id")
            continue
        profiles[name], first[name] = profile, row.line
    return profiles, patients, id_col.upper() == "SAMPLE_ID"


def _values(profile: TumourProfile) -> tuple[object, ...]:
    """The receptor values of a row, without where they came from."""
    her2 = {k: v for k, v in profile.her2.to_dict().items() if k != "sources"}
    return (tuple(her2.items()), profile.er.call, profile.er.percent, profile.pr.call,
            profile.pr.percent)


def read_clinical(*paths: str | Path, sample: str | None = None) -> dict[str, TumourProfile]:
    """Read receptor status from cBioPortal clinical sample and/or patient files.

    Parameters
    ----------
    *paths
        ``data_clinical_sample.txt`` and/or ``data_clinical_patient.txt`` (any order).
    sample
        Keep only this sample.

    Returns
    -------
    dict
        Sample id to :class:`TumourProfile` with ``her2``, ``er`` and ``pr``.

    Examples
    --------
    >>> profiles = read_clinical("examples/study/data_clinical_sample.txt")
    >>> profiles["HER2-01"].her2.call
    'positive'
    """
    by_sample: dict[str, TumourProfile] = {}
    by_patient: dict[str, TumourProfile] = {}
    patient_of: dict[str, str] = {}
    for path in paths:
        profiles, patients, is_sample = _read_one(path)
        patient_of.update(patients)
        target = by_sample if is_sample else by_patient
        target.update({k: merge_two(target[k], v) if k in target else v
                       for k, v in profiles.items()})
    out = dict(by_sample)
    for name, profile in by_sample.items():
        patient = by_patient.get(patient_of.get(name, name))
        if patient is not None:
            out[name] = merge_two(profile, _renamed(patient, name))
    if not by_sample:
        out = dict(by_patient)
    return {k: v for k, v in out.items() if sample is None or k == sample}


def _renamed(profile: TumourProfile, name: str) -> TumourProfile:
    return TumourProfile(name, her2=profile.her2, er=profile.er, pr=profile.pr,
                         notes=profile.notes)
