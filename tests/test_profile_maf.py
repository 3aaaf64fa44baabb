"""MAFs as GDC and cBioPortal write them: filters counted, canonical rows, HGVS spellings."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from her2resist.exceptions import ProfileError
from her2resist.profile import read_maf
from her2resist.profile.mapping import clean_protein_change

DATA = Path(__file__).parent / "data" / "profiles"
TUMOUR = "TCGA-A2-A0T0-01A-22D-A099-09"


def _read(name: str, **options: object):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_maf(DATA / name, **options)


def test_gdc_maf_leaves_out_germline_filtered_and_low_vaf_rows_and_counts_them() -> None:
    profile = _read("gdc_somatic.maf")[TUMOUR]
    # PIK3CA H1047R is germline, PIK3CA E545K fails FILTER, AKT1 E17K is 2 of 500 reads.
    assert profile.alteration_ids() == ("ERBB2_kinase_mut", "PTEN_loss")
    notes = " ".join(profile.notes)
    for counted in ("1 germline rows", "1 rows failing FILTER/GDC_FILTER",
                    "1 rows below the allele-fraction threshold", "1 non-canonical transcript"):
        assert counted in notes


def test_gdc_maf_thresholds_can_be_relaxed() -> None:
    profile = _read("gdc_somatic.maf", min_vaf=0.0, include_filtered=True)[TUMOUR]
    assert profile.alteration_ids() == ("PIK3CA_mut", "AKT1_mut", "ERBB2_kinase_mut",
                                        "PTEN_loss")


def test_canonical_row_is_preferred_over_other_transcripts() -> None:
    profile = _read("gdc_somatic.maf")[TUMOUR]
    erbb2 = next(a for a in profile.alterations if a.id == "ERBB2_kinase_mut")
    assert [s.line for s in erbb2.sources] == [9]  # the L755S row, not L725S on line 8


def test_prefixed_and_capitalised_protein_changes_are_matched() -> None:
    profiles = _read("cbioportal_protein_change.maf")
    assert profiles["P-0001-T01"].alteration_ids() == ("PIK3CA_mut",)
    assert profiles["P-0002-T01"].alteration_ids() == ("AKT1_mut",)


@pytest.mark.parametrize(("raw", "clean"), [
    ("NP_006209.2:p.(His1047Arg)", "p.His1047Arg"), ("p.HIS1047ARG", "p.His1047Arg"),
    ("ENSP00000263967.3:p.His1047Arg", "p.His1047Arg"), ("P.E545K", "p.E545K"),
    ("p.(R233*)", "p.R233*"),
])
def test_clean_protein_change(raw: str, clean: str) -> None:
    assert clean_protein_change(raw) == clean


def test_bad_read_count_names_line_and_column(tmp_path: Path) -> None:
    text = (DATA / "gdc_somatic.maf").read_text().replace("\t498\t2\t", "\t498\t-2\t")
    path = tmp_path / "bad.maf"
    path.write_text(text)
    with pytest.raises(ProfileError, match=r"line 7, column 24.*not a read count"):
        read_maf(path)
