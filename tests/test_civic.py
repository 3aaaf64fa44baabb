"""CIViC import: the 2017 export and today's ClinicalEvidenceSummaries layout (a test file
written in that layout, see tests/data/civic/README.md), with the release recorded."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from her2resist.exceptions import DataQualityWarning, KnowledgeBaseError
from her2resist.knowledge.civic import civic_release, import_civic

CURRENT = Path(__file__).parent / "data" / "civic" / "nightly-ClinicalEvidenceSummaries.tsv"
SAME_FIELDS = ("id", "ref", "citation", "kind", "level", "direction", "significance", "drugs",
               "alterations", "civic_id", "disease")


def _read_current(path: Path = CURRENT, **options: str):
    with pytest.warns(DataQualityWarning, match=r"left out: 1 with ASCO citation \(EID900003\)"
                      r"; 1 with status submitted \(EID900004\)"):
        return {e.civic_id: e for e in import_civic(path, **options)}


def test_current_layout_gives_the_same_evidence_as_the_2017_export() -> None:
    old = {e.civic_id: e for e in import_civic()}
    new = _read_current(release="2024-11-01")
    assert set(new) == {241, 279, 1386, 900001, 900002}
    for eid in (241, 279, 1386):
        for field in SAME_FIELDS:
            assert getattr(new[eid], field) == getattr(old[eid], field), (eid, field)
    assert {e.release for e in new.values()} == {"2024-11-01"}
    assert {e.release for e in old.values()} == {"2017-02"}


def test_current_layout_molecular_profiles_and_significance() -> None:
    new = _read_current(release="2024-11-01")
    combined = new[900001]  # "ERBB2 Amplification AND PIK3CA H1047R", reduced sensitivity
    assert combined.alterations == ("ERBB2_amp", "PIK3CA_mut")
    assert combined.drugs == ("trastuzumab", "pertuzumab")
    assert combined.significance == "resistance" and combined.kind == "case_report"
    assert new[900002].alterations == ("ERBB2_amp",)  # "AND NOT PTEN Loss" is an absence
    assert new[279].significance == "sensitivity"
    assert "ERBB2 Amplification AND PIK3CA H1047R" in combined.summary


def test_release_from_the_file_name_or_its_date(tmp_path: Path) -> None:
    monthly = tmp_path / "01-Nov-2024-ClinicalEvidenceSummaries.tsv"
    shutil.copy(CURRENT, monthly)
    assert {e.release for e in _read_current(monthly).values()} == {"2024-11-01"}
    nightly = tmp_path / CURRENT.name
    shutil.copy(CURRENT, nightly)
    os.utime(nightly, (1767225600, 1767225600))  # 2026-01-01 UTC
    assert civic_release(nightly) == "nightly, file dated 2026-01-01"
    assert {e.release for e in _read_current(nightly).values()} == {civic_release(nightly)}


def test_current_layout_errors_name_the_line_and_the_columns(tmp_path: Path) -> None:
    lines = CURRENT.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "bad.tsv"
    bad.write_text("\n".join([lines[0], lines[1].replace("\tD\t", "\tQ\t", 1)]) + "\n",
                   encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"bad\.tsv, line 2.*CIViC EID241"):
        import_civic(bad)
    header = lines[0].replace("therapies", "drug_names")
    short = tmp_path / "short.tsv"
    short.write_text("\n".join([header, *lines[1:]]) + "\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"line 1: missing CIViC columns \(current "
                       r"layout\): therapies"):
        import_civic(short)
