"""Fusions as Arriba, STAR-Fusion and cBioPortal write them, mapped by the knowledge base."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from her2resist.exceptions import ProfileError
from her2resist.profile import read_fusions

FUSIONS = Path(__file__).parent / "data" / "profiles" / "fusions"


def _read(name: str, **options: object):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_fusions(FUSIONS / name, **options)


def test_arriba_nrg1_fusion_is_heregulin_drive_and_low_confidence_is_counted() -> None:
    profile = _read("arriba_fusions.tsv", sample="TUMOUR-9")["TUMOUR-9"]
    assert profile.alteration_ids() == ("NRG1_high",)
    assert [u.change for u in profile.unmapped] == ["ERBB2-PPP1R1B fusion"]
    assert "the knowledge base names no fusion" in profile.unmapped[0].reason
    assert any("1 low-confidence fusion call(s)" in n for n in profile.notes)
    assert "read as arriba output" in profile.inputs[0]


def test_star_fusion_sample_named_after_the_file() -> None:
    profiles = _read("star_fusion.tsv")
    assert list(profiles) == ["star_fusion"]
    profile = profiles["star_fusion"]
    assert profile.alteration_ids() == ("NRG1_high",)
    assert [u.change for u in profile.unmapped] == ["ERBB2-GRB7 fusion"]


def test_cbioportal_sv_file_by_sample_with_germline_left_out() -> None:
    profiles = _read("data_sv.txt")
    assert profiles["P-0001-T01"].alteration_ids() == ("NRG1_high",)
    two = profiles["P-0002-T01"]
    assert two.alteration_ids() == ()  # its NRG1 fusion is germline
    assert [u.change for u in two.unmapped] == ["ERBB2-GRB7 fusion"]
    assert any("1 germline fusion call(s)" in n for n in two.notes)


def test_other_tables_are_refused_naming_the_accepted_layouts(tmp_path: Path) -> None:
    path = tmp_path / "x.tsv"
    path.write_text("a\tb\n1\t2\n")
    with pytest.raises(ProfileError, match=r"not a fusion file.*Site1_Hugo_Symbol.*#gene1"):
        read_fusions(path)


def test_pcgr_fusion_file_as_pcgr_reads_it() -> None:
    # PCGR's --input_rna_fusion: FusionGene (GENE1--GENE2 or GENE1::GENE2), LeftBreakpoint,
    # RightBreakpoint, SplitReads; one sample per file, named before the first dot.
    profiles = _read("T001-BRCA.grch38.fusions.tsv")
    assert list(profiles) == ["T001-BRCA"]
    profile = profiles["T001-BRCA"]
    assert profile.alteration_ids() == ("NRG1_high",)
    assert profile.alterations[0].sources[0].line == 2
    assert [u.change for u in profile.unmapped] == ["ERBB2-GRB7 fusion", "EML4-ALK fusion"]
    assert "read as pcgr output" in profile.inputs[0]
    strict = _read("T001-BRCA.grch38.fusions.tsv", min_split_reads=10)["T001-BRCA"]
    assert [u.change for u in strict.unmapped] == ["ERBB2-GRB7 fusion"]
    assert any("1 under-supported (< 10 split reads) fusion call(s)" in n for n in strict.notes)


@pytest.mark.parametrize(("fusion", "reads", "message"), [
    ("CD74-NRG1", "4", r"line 2, column 1, field 'FusionGene': not a fusion"),
    ("CD74--NRG1", "4.5", r"line 2, column 4, field 'SplitReads': not a count"),
    ("CD74--NRG1", "many", r"field 'SplitReads': not a number"),
])
def test_pcgr_fusion_errors_name_line_and_field(tmp_path: Path, fusion: str, reads: str,
                                                message: str) -> None:
    path = tmp_path / "S1.fusions.tsv"
    path.write_text("FusionGene\tLeftBreakpoint\tRightBreakpoint\tSplitReads\n"
                    f"{fusion}\t5:150404680\t8:32596251\t{reads}\n")
    with pytest.raises(ProfileError, match=message):
        read_fusions(path)
