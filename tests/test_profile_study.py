"""cBioPortal studies: paths kept inside the folder, sample IDs matched, clinical rows checked."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

from her2resist.exceptions import DataQualityWarning, ProfileError
from her2resist.profile import load_profiles, read_clinical, read_study

STUDY = Path(__file__).parent / "data" / "profiles" / "study"
CLINICAL_HEAD = ("#Sample Identifier\tHER2 IHC\tER\n#x\ty\tz\n#STRING\tSTRING\tSTRING\n"
                 "#1\t1\t1\nSAMPLE_ID\tIHC_HER2\tER_STATUS_BY_IHC\n")


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "study"
    shutil.copytree(STUDY, folder)
    return folder


@pytest.mark.parametrize("target", ["/etc/passwd", "../secret.txt"])
def test_data_filename_outside_the_folder_is_refused_unread(tmp_path: Path, target: str
                                                            ) -> None:
    folder = _copy(tmp_path)
    (tmp_path / "secret.txt").write_text("Hugo_Symbol\tTOP-SECRET\nERBB2\t2\n")
    meta = folder / "meta_cna.txt"
    meta.write_text(meta.read_text().replace("data_filename: data_cna.txt",
                                             f"data_filename: {target}"))
    with pytest.raises(ProfileError, match=r"meta_cna.txt, line \d+, field 'data_filename': "
                       "data_filename must name a file inside the study folder") as info:
        read_study(folder)
    assert "root:" not in str(info.value) and "TOP-SECRET" not in str(info.value)


def test_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (tmp_path / "outside.txt").write_text("Hugo_Symbol\tS\nERBB2\t2\n")
    (folder / "data_cna.txt").unlink()
    (folder / "data_cna.txt").symlink_to(tmp_path / "outside.txt")
    with pytest.raises(ProfileError, match="inside the study folder"):
        read_study(folder)


def test_molecular_samples_missing_from_clinical_are_listed(tmp_path: Path) -> None:
    maf = tmp_path / "data_mutations.txt"
    maf.write_text("Hugo_Symbol\tVariant_Classification\tHGVSp_Short\tTumor_Sample_Barcode\n"
                   "PIK3CA\tMissense_Mutation\tp.H1047R\tTCGA-BH-A18P-01A-11D-A12B-09\n")
    clinical = tmp_path / "data_clinical_sample.txt"
    clinical.write_text(CLINICAL_HEAD + "TCGA-BH-A18P-01\t3+\tPositive\n")
    with pytest.raises(ProfileError, match=r"1 sample\(s\) of the molecular files are not in "
                       r"the clinical.*TCGA-BH-A18P-01A-11D-A12B-09.*looks like "
                       r"'TCGA-BH-A18P-01'.*--allow-unmatched"):
        load_profiles(maf=maf, clinical=[clinical])
    with pytest.warns(DataQualityWarning, match="not in the clinical"):
        profiles = load_profiles(maf=maf, clinical=[clinical], allow_unmatched=True)
    assert profiles[0].alteration_ids() == ("PIK3CA_mut",)
    assert profiles[0].her2.call == "unknown"
    assert any("not in the clinical file(s)" in note for note in profiles[0].notes)


def test_one_sample_twice_with_conflicting_values_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "clinical.txt"
    path.write_text(CLINICAL_HEAD + "T1\t3+\tPositive\nT2\t1+\tNegative\nT1\t0\tNegative\n")
    with pytest.raises(ProfileError, match=r"line 8.*also on line 6 with different"):
        read_clinical(path)
    path.write_text(CLINICAL_HEAD + "T1\t3+\tPositive\nT1\t3+\tPositive\n")
    assert read_clinical(path)["T1"].her2.call == "positive"


def test_value_outside_the_vocabulary_is_a_warning_per_value(tmp_path: Path) -> None:
    path = tmp_path / "clinical.txt"
    path.write_text(CLINICAL_HEAD + "T1\tPerformed but Not Available\tPositive\nT2\t3+\tPos\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        profiles = read_clinical(path)
    messages = [str(w.message) for w in caught if issubclass(w.category, DataQualityWarning)]
    assert len(messages) == 1 and "'Performed but Not Available'" in messages[0]
    assert profiles["T1"].her2.call == "unknown" and profiles["T1"].er.call == "positive"
    assert profiles["T2"].her2.call == "positive"


def test_every_file_not_read_is_named(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "meta_cna_seg.txt").write_text("cancer_study_identifier: brca_her2resist_test\n"
                                             "genetic_alteration_type: COPY_NUMBER_ALTERATION\n"
                                             "datatype: SEG\nreference_genome_id: hg19\n"
                                             "data_filename: data_cna_hg19.seg\n")
    (folder / "data_cna_hg19.seg").write_text("ID\tchrom\tloc.start\tloc.end\tnum.mark\t"
                                              "seg.mean\n")
    (folder / "data_gene_panel_matrix.txt").write_text("SAMPLE_ID\tmutations\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        profile = next(iter(read_study(folder).values()))
    note = next(n for n in profile.notes if "not used:" in n)
    assert "data_cna_hg19.seg (COPY_NUMBER_ALTERATION SEG)" in note
    assert "meta_cna_seg.txt (meta file of data_cna_hg19.seg)" in note
    assert "data_gene_panel_matrix.txt" in note
    assert "data_cna.txt" not in note and "meta_cna.txt" not in note


def test_discrete_long_copy_number_is_read_in_a_study(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "meta_cna.txt").unlink()
    (folder / "data_cna.txt").unlink()
    text = (STUDY.parent / "cna_long.txt").read_text()
    (folder / "data_cna_long.txt").write_text(text.replace("HER2-0", "S"))
    (folder / "meta_cna_long.txt").write_text(
        "cancer_study_identifier: brca_her2resist_test\n"
        "genetic_alteration_type: COPY_NUMBER_ALTERATION\ndatatype: DISCRETE_LONG\n"
        "stable_id: cna\nprofile_name: Putative copy-number alterations\n"
        "profile_description: long format\ndata_filename: data_cna_long.txt\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        profiles = read_study(folder)
    two = profiles["S2"]
    assert "PTEN_loss" in two.alteration_ids() and two.her2.amplified is True
    pten = next(a for a in two.alterations if a.id == "PTEN_loss")
    assert any(s.file.endswith("data_cna_long.txt") and s.line == 6 for s in pten.sources)


def test_discrete_long_conflicting_rows_are_an_error(tmp_path: Path) -> None:
    from her2resist.profile import read_cna_long

    path = tmp_path / "long.txt"
    path.write_text("Hugo_Symbol\tSample_Id\tValue\nPTEN\tT1\t-2\nPTEN\tT1\t0\n")
    with pytest.raises(ProfileError, match=r"line 3.*also on line 2 with another value"):
        read_cna_long(path)
    path.write_text("Hugo_Symbol\tSample_Id\tValue\nPTEN\tT1\t-3\n")
    with pytest.raises(ProfileError, match=r"-3 is not a discrete call"):
        read_cna_long(path)


def test_genes_off_a_sample_panel_are_unknown_not_copy_neutral(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "meta_gene_panel_matrix.txt").write_text(
        "cancer_study_identifier: brca_her2resist_test\n"
        "genetic_alteration_type: GENE_PANEL_MATRIX\ndatatype: GENE_PANEL_MATRIX\n"
        "data_filename: data_gene_panel_matrix.txt\n")
    (folder / "data_gene_panel_matrix.txt").write_text(
        "SAMPLE_ID\tmutations\tgistic\nS1\tSMALLPANEL\tSMALLPANEL\nS2\tSMALLPANEL\tSMALLPANEL\n"
        "S3\tWES\tNA\n")
    (folder / "data_gene_panel_smallpanel.txt").write_text(
        "stable_id: SMALLPANEL\ndescription: a panel without ERBB2\n"
        "gene_list: PTEN\tCCNE1\tPIK3CA\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        profiles = read_study(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = read_study(STUDY)
    # S2's ERBB2 0 came from a panel without ERBB2: unknown, not "not amplified".
    assert whole["S2"].her2.amplified is False
    assert profiles["S2"].her2.amplified is None
    assert any("not on the gene panel of sample S2" in n for n in profiles["S2"].notes)
    assert profiles["S3"].her2.amplified == whole["S3"].her2.amplified  # whole exome
    assert not any("data_gene_panel" in n for n in profiles["S1"].notes if "not used" in n)


def test_segments_are_read_when_the_study_has_no_gene_level_copy_number(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "meta_cna.txt").unlink()
    (folder / "data_cna.txt").unlink()
    segments = STUDY.parent / "segments" / "tcga_hg19.seg"
    text = segments.read_text().replace("TCGA-A2-A0T0-01", "S2").replace("TCGA-A2-A0T1-01", "S1")
    (folder / "data_cna_hg19.seg").write_text(text)
    (folder / "meta_cna_hg19_seg.txt").write_text(
        "cancer_study_identifier: brca_her2resist_test\n"
        "genetic_alteration_type: COPY_NUMBER_ALTERATION\ndatatype: SEG\n"
        "reference_genome_id: hg19\ndescription: segments\n"
        "data_filename: data_cna_hg19.seg\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        profiles = read_study(folder)
    assert "PTEN_loss" in profiles["S2"].alteration_ids()
    assert any("on GRCh37" in i for i in profiles["S2"].inputs)
