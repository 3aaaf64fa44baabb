"""Readers of tumour profiles on small files written for these tests (tests/data/profiles)."""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import pytest

from her2resist.exceptions import DataQualityWarning, ProfileError, UnmappedVariantWarning
from her2resist.profile import (
    Her2Status,
    TumourProfile,
    load_profiles,
    map_mutation,
    read_clinical,
    read_cna,
    read_expression,
    read_maf,
    read_profile,
    read_study,
    read_vcf,
)
from her2resist.profile.tumour import Source

DATA = Path(__file__).parent / "data" / "profiles"
EXAMPLES = Path(__file__).parent.parent / "examples" / "profiles"
SRC = Source("test")


@pytest.mark.parametrize(("gene", "change", "classification", "expected"), [
    ("PIK3CA", "p.H1047R", "Missense_Mutation", "PIK3CA_mut"),
    ("PIK3CA", "p.His1047Arg", "", "PIK3CA_mut"),
    ("PIK3CA", "H1047R", "", "PIK3CA_mut"),
    ("KRAS", "p.Gly12Asp", "missense_variant", "KRAS_mut"),
    ("KRAS", "p.G12V", "", "KRAS_mut"),
    ("PTEN", "p.Arg233Ter", "stop_gained", "PTEN_loss"),
    ("PTEN", "p.K267Rfs*9", "Frame_Shift_Del", "PTEN_loss"),
    ("PTEN", "", "Splice_Site", "PTEN_loss"),
    ("NF1", "p.R1362*", "", "NF1_loss"),
    ("ERBB2", "p.Leu755Ser", "", "ERBB2_kinase_mut"),
    ("ERBB2", "p.L755_T759del", "In_Frame_Del", "ERBB2_kinase_mut"),
    ("ESR1", "p.Tyr537Ser", "", "ESR1_mut"),
    ("AKT1", "E17K", "", "AKT1_mut"),
])
def test_mutations_map_to_alterations(gene: str, change: str, classification: str,
                                      expected: str) -> None:
    assert map_mutation(gene, change, classification, SRC).id == expected  # type: ignore[union-attr]


@pytest.mark.parametrize(("gene", "change", "classification", "reason"), [
    ("TP53", "p.R175H", "Missense_Mutation", "no alteration of TP53"),
    ("PIK3CA", "p.Q60K", "Missense_Mutation", "not among the changes"),
    ("PIK3CA", "p.R88*", "Nonsense_Mutation", "truncating variants of PIK3CA"),
    ("KRAS", "p.G12*", "Nonsense_Mutation", "truncating variants of KRAS"),
    ("PIK3CA", "p.E545=", "Silent", "does not change the protein"),
    ("PIK3CA", "", "Missense_Mutation", "protein change unknown"),
])
def test_variants_outside_the_rules_are_unmapped_with_a_reason(
        gene: str, change: str, classification: str, reason: str) -> None:
    result = map_mutation(gene, change, classification, SRC)
    assert reason in result.reason  # type: ignore[union-attr]


def test_maf_maps_and_lists_every_variant() -> None:
    with pytest.warns(UnmappedVariantWarning, match="3 variant"):
        profiles = read_maf(DATA / "tumour.maf")
    assert list(profiles) == ["HER2-01", "HER2-02"]
    assert profiles["HER2-01"].alteration_ids() == ("PIK3CA_mut",)
    assert profiles["HER2-02"].alteration_ids() == ("PTEN_loss", "KRAS_mut", "ERBB2_kinase_mut")
    unmapped = {(u.gene, u.change) for p in profiles.values() for u in p.unmapped}
    assert unmapped == {("TP53", "p.R248Q"), ("GATA3", "p.D336Gfs*17"), ("PIK3CA", "p.E545=")}
    source = profiles["HER2-01"].alterations[0].sources[0]
    assert (source.line, source.column) == (3, "HGVSp_Short")
    assert "PIK3CA p.H1047R" in source.text


def test_maf_sample_filter_and_gzip(tmp_path: Path) -> None:
    gz = tmp_path / "t.maf.gz"
    gz.write_bytes(gzip.compress((DATA / "tumour.maf").read_bytes()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        profiles = read_maf(gz, sample="HER2-02")
    assert list(profiles) == ["HER2-02"]


def test_maf_without_sample_column_names_the_accepted_columns(tmp_path: Path) -> None:
    path = tmp_path / "bad.maf"
    path.write_text("Hugo_Symbol\tHGVSp_Short\nPIK3CA\tp.H1047R\n")
    with pytest.raises(ProfileError, match=r"bad.maf, line 1: no sample column.*Tumor_Sample"):
        read_maf(path)
    assert read_maf(path, sample="X")["X"].alteration_ids() == ("PIK3CA_mut",)


def test_maf_bad_gene_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.maf"
    path.write_text("Hugo_Symbol\tTumor_Sample_Barcode\nPIK3CA\tT1\nPIK 3CA!\tT1\n")
    with pytest.raises(ProfileError, match=r"line 3, column 1, field 'Hugo_Symbol': not a gene"):
        read_maf(path)


def test_vcf_vep_uses_tumour_sample_and_filter() -> None:
    with pytest.warns(UnmappedVariantWarning):
        profiles = read_vcf(DATA / "tumour_vep.vcf")
    profile = profiles["HER2-01"]
    assert list(profiles) == ["HER2-01"]
    assert profile.alteration_ids() == ("PIK3CA_mut", "PTEN_loss")
    assert [u.gene for u in profile.unmapped] == ["TP53"]
    assert any("1 record(s) failing FILTER" in n for n in profile.notes)
    assert profile.alterations[0].sources[0].line == 13


def test_vcf_snpeff_annotations() -> None:
    profile = read_vcf(DATA / "tumour_snpeff.vcf")["T2"]
    assert profile.alteration_ids() == ("KRAS_mut", "AKT1_mut")


def test_unannotated_vcf_warns_protein_changes_unknown() -> None:
    with pytest.warns(DataQualityWarning, match="protein changes are unknown"):
        profile = read_vcf(DATA / "unannotated.vcf")["T3"]
    assert profile.alteration_ids() == ()
    assert profile.unmapped[0].change == "3:178952085 A>G"
    assert "protein change unknown" in profile.unmapped[0].reason


def test_vcf_unknown_sample_is_an_error() -> None:
    with pytest.raises(ProfileError,
                       match=r"no sample 'X' \(the tumour sample given\); the VCF has T2"):
        read_vcf(DATA / "tumour_snpeff.vcf", sample="X")


def test_cna_discrete_sets_her2_and_maps_calls() -> None:
    profiles = read_cna(DATA / "cna.txt")
    one, two = profiles["HER2-01"], profiles["HER2-02"]
    assert one.her2.amplified is True and one.her2.call == "positive"
    assert one.alteration_ids() == ("CCNE1_amp",)
    # Genes outside the model are counted and named in a note, not listed one by one.
    assert one.unmapped == () and "1 amplified or deeply deleted gene(s)" in one.notes[-1]
    assert "(FGFR2)" in one.notes[-1]
    assert two.alteration_ids() == ("PTEN_loss",)
    assert "(CDKN2A)" in two.notes[-1]
    assert "copy number read as discrete (detected" in one.inputs[0]


def test_cna_gene_level_copy_number() -> None:
    profile = read_cna(DATA / "cna_copies.txt")["HER2-01"]
    assert profile.her2.amplified is True
    assert profile.alteration_ids() == ("CCND1_amp", "PTEN_loss")


def test_cna_scale_is_checked() -> None:
    with pytest.raises(ValueError, match="'scale' parameter of read_cna"):
        read_cna(DATA / "cna.txt", scale="ln")  # type: ignore[arg-type]


def test_expression_threshold_is_documented_default() -> None:
    profiles = read_expression(DATA / "expression.txt")
    assert profiles["HER2-01"].alteration_ids() == ("MUC4_high",)
    assert profiles["HER2-02"].alteration_ids() == ("ESR1_high", "PTEN_low")
    assert "have no expression rule" in profiles["HER2-01"].notes[0]
    assert read_expression(DATA / "expression.txt", threshold=2.5)["HER2-01"].alteration_ids() \
        == ()


def test_clinical_sample_and_patient_files() -> None:
    profiles = read_clinical(DATA / "clinical_sample.txt", DATA / "clinical_patient.txt")
    one = profiles["HER2-01"]
    assert (one.her2.call, one.her2.ihc, one.her2.ish_ratio) == ("positive", 3, 5.8)
    assert (one.er.call, one.er.percent, one.pr.call) == ("low", 5.0, "negative")
    assert profiles["HER2-02"].er.call == "positive"
    assert profiles["HER2-03"].her2.call == "negative"
    assert one.er.sources[0].line == 6


def test_clinical_bad_value_names_accepted_values(tmp_path: Path) -> None:
    path = tmp_path / "clin.txt"
    path.write_text("SAMPLE_ID\tIHC_HER2\nT1\t4+\n")
    with pytest.warns(DataQualityWarning, match=r"line 2, column 2, field 'IHC_HER2': expected "
                      r"a HER2 IHC score: 0, 1\+, 2\+, 3\+.*read as unknown.*got '4\+'"):
        profile = read_clinical(path)["T1"]
    assert profile.her2.call == "unknown" and "got '4+'" in profile.notes[0]


def test_yaml_and_json_examples_agree() -> None:
    yaml_p = read_profile(EXAMPLES / "her2_pik3ca.yaml")["HER2-PIK3CA-01"]
    json_p = read_profile(EXAMPLES / "her2_pik3ca.json")["HER2-PIK3CA-01"]
    assert yaml_p.alteration_ids() == json_p.alteration_ids() == ("PIK3CA_mut",)
    assert len(yaml_p.alterations[0].sources) == 2  # the named alteration and the mutation
    assert yaml_p.her2.call == "positive" and yaml_p.er.call == "low"
    assert [u.gene for u in yaml_p.unmapped] == ["TP53"]
    assert yaml_p.perturbation() == {"PIK3CA_mut": 1}


@pytest.mark.parametrize(("text", "message"), [
    ("sample: T1\nher2: {ihc: 4+}\n", r"line 2, column 13, field 'her2.*accepted: a mapping"),
    ("sample: T1\nalterations: [PTEN los]\n", r"line 2, column 15.*Unknown alteration 'PTEN los'"),
    ("sample: T1\nbogus: 1\n", r"line 2, column 8, field 'bogus'"),
    ("sample: T1\nher2: [\n", r"line 3.*not valid YAML"),
    ("- a\n- b\n", r"a profile must be a mapping"),
    ("sample: T1\nmutations: [{gene: 'A B', protein_change: x}]\n", r"field 'mutations.0.gene'"),
])
def test_yaml_errors_name_line_and_column(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(ProfileError, match=message):
        read_profile(path)


def test_json_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"sample": "T1",\n "er": }\n')
    with pytest.raises(ProfileError, match=r"p.json, line 2, column 8: not valid JSON"):
        read_profile(path)


def test_several_profiles_in_one_file(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("samples:\n  - {sample: A, alterations: [PTEN loss]}\n  - {sample: B}\n")
    assert list(read_profile(path)) == ["A", "B"]
    path.write_text("samples:\n  - {sample: A}\n  - {sample: A}\n")
    with pytest.raises(ProfileError, match=r"line 3, column 14.*'A' appears twice"):
        read_profile(path)


def test_study_folder_reads_every_file_and_joins_by_sample() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        profiles = read_study(DATA / "study")
    s1, s2, s3 = profiles["S1"], profiles["S2"], profiles["S3"]
    assert (s1.her2.call, s1.er.call, s1.alteration_ids()) == ("positive", "low", ("PIK3CA_mut",))
    assert s2.her2.call == "negative" and s2.perturbation() == {"PTEN_loss": 1, "ERBB2_amp": 0}
    assert any("HER2-negative" in c for c in s2.caveats())
    assert s3.alteration_ids() == ("ESR1_mut", "CCNE1_amp", "MUC4_high", "ER_positive")


def test_load_profiles_joins_files_of_one_tumour() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        profiles = load_profiles(maf=DATA / "tumour.maf", cna=DATA / "cna.txt",
                                 clinical=[DATA / "clinical_sample.txt"], sample="HER2-01")
    (profile,) = profiles
    assert profile.alteration_ids() == ("PIK3CA_mut", "CCNE1_amp")
    sources = {s.file for a in profile.alterations for s in a.sources}
    assert sources == {str(DATA / "tumour.maf"), str(DATA / "cna.txt")}
    assert profile.er.call == "low"


def test_load_profiles_needs_input_and_known_sample() -> None:
    with pytest.raises(ProfileError, match="no input"):
        load_profiles()
    with pytest.raises(ProfileError, match="'nope' is in none of the files"):
        load_profiles(EXAMPLES / "her2_pik3ca.yaml", sample="nope")


@pytest.mark.parametrize(("status", "call"), [
    (Her2Status(ihc=3), "positive"), (Her2Status(ihc=2), "equivocal"),
    (Her2Status(ihc=2, ish_ratio=2.4), "positive"), (Her2Status(ihc=2, ish_ratio=1.2), "negative"),
    (Her2Status(ihc=1), "negative"), (Her2Status(copy_number=7.0), "positive"),
    (Her2Status(amplified=True), "positive"), (Her2Status(), "unknown"),
])
def test_her2_call_follows_asco_cap(status: Her2Status, call: str) -> None:
    assert status.call == call


def test_her2_negative_profile_sets_erbb2_amp_off_and_is_flagged() -> None:
    profile = TumourProfile("T", her2=Her2Status(ihc=0))
    assert profile.perturbation() == {"ERBB2_amp": 0}
    assert "HER2-negative" in profile.caveats()[0]
