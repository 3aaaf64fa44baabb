"""Somatic VCFs as callers write them: tumour/normal, no GT, multi-allelic, thresholds, BCF."""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import pytest

from her2resist.exceptions import ProfileError
from her2resist.profile import read_vcf
from her2resist.profile._somatic import choose_tumour

VCF = Path(__file__).parent / "data" / "profiles" / "vcf"


def _read(name: str | Path, **options: object):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_vcf(VCF / name if isinstance(name, str) else name, **options)


def test_mutect2_multiallelic_record_uses_the_genotype_allele() -> None:
    profiles = _read("mutect2_multiallelic.vcf")
    assert list(profiles) == ["TUMOUR-7"]  # the normal (##normal_sample) is not reported
    tumour = profiles["TUMOUR-7"]
    # 0/2 carries G (H1047R), not C (H1047P): PIK3CA is mutated.
    assert tumour.alteration_ids() == ("PIK3CA_mut",)
    assert [u.change for u in tumour.unmapped] == []
    # PTEN R233* fails FILTER (panel_of_normals); AKT1 E17K is 2 of 500 reads.
    assert any("1 record(s) failing FILTER" in n for n in tumour.notes)
    assert any("1 allele(s) below the allele-fraction threshold" in n for n in tumour.notes)
    assert "TUMOUR-7 (from ##tumor_sample/##normal_sample); normal BLOOD-7" in tumour.inputs[0]


def test_thresholds_and_filter_can_be_changed() -> None:
    tumour = _read("mutect2_multiallelic.vcf", min_vaf=0.001, include_filtered=True)["TUMOUR-7"]
    assert tumour.alteration_ids() == ("PIK3CA_mut", "PTEN_loss", "AKT1_mut")
    with pytest.raises(ValueError, match="'min_vaf' parameter of read_vcf"):
        _read("mutect2_multiallelic.vcf", min_vaf=5)


def test_strelka_without_gt_reads_allele_depths() -> None:
    profiles = _read("strelka_somatic_snvs.vcf")
    assert list(profiles) == ["TUMOR"]
    assert profiles["TUMOR"].alteration_ids() == ("PIK3CA_mut",)
    assert "from the sample names" in profiles["TUMOR"].inputs[0]
    # 30 of 90 tier-1 reads: above 0.5 the allele fraction threshold drops it.
    assert _read("strelka_somatic_snvs.vcf", min_vaf=0.5)["TUMOR"].alteration_ids() == ()


def test_varscan_somatic_skips_germline_and_reads_freq() -> None:
    tumour = _read("varscan_somatic.vcf")["TUMOR"]
    assert tumour.alteration_ids() == ("PTEN_loss",)
    assert any("1 germline record(s) (SS=1)" in n for n in tumour.notes)


def test_snpeff_cancer_pedigree_names_the_tumour() -> None:
    profiles = _read("snpeff_cancer.vcf")
    assert list(profiles) == ["Patient_01_Somatic"]
    # KRAS G12D is in the tumour; AKT1 E17K only in the germline sample.
    assert profiles["Patient_01_Somatic"].alteration_ids() == ("KRAS_mut",)
    assert "from ##PEDIGREE" in profiles["Patient_01_Somatic"].inputs[0]


def test_tcga_sample_lines_name_the_tumour() -> None:
    profiles = _read("tcga_sample_lines.vcf")
    assert list(profiles) == ["PRIMARY"]
    assert profiles["PRIMARY"].alteration_ids() == ("KRAS_mut",)


def test_two_samples_without_a_sign_are_refused_until_settled() -> None:
    with pytest.raises(ProfileError, match="--tumour-sample or --normal-sample"):
        _read("two_samples.vcf")
    assert list(_read("two_samples.vcf", normal="CASE_A")) == ["CASE_B"]
    assert _read("two_samples.vcf", sample="CASE_B")["CASE_B"].alteration_ids() == (
        "KRAS_mut",)


@pytest.mark.parametrize(("samples", "tumour"), [
    (["TCGA-A2-A0T0-10A", "TCGA-A2-A0T0-01A"], "TCGA-A2-A0T0-01A"),
    (["P1-N", "P1-T"], "P1-T"),
    (["p1_normal", "p1_tumor"], "p1_tumor"),
])
def test_tumour_from_sample_names(samples: list[str], tumour: str) -> None:
    assert choose_tumour("x.vcf", samples, "", None, None)[0] == [tumour]


@pytest.mark.parametrize("mode", ["wb", "wz"])
def test_bcf_and_bgzip_are_read(tmp_path: Path, mode: str) -> None:
    """BCF goes straight to htslib (its sources name the record); bgzipped text is scanned
    line by line first, as plain text is (its sources name the line's INFO field)."""
    from cyvcf2 import VCF as Reader
    from cyvcf2 import Writer

    source = Reader(str(VCF / "mutect2_multiallelic.vcf"))
    out = tmp_path / ("t.bcf" if mode == "wb" else "t.vcf.gz")
    writer = Writer(str(out), source, mode=mode)
    for record in source:
        writer.write_record(record)
    writer.close()
    source.close()
    tumour = _read(out)["TUMOUR-7"]
    assert tumour.alteration_ids() == ("PIK3CA_mut",)
    column = tumour.alterations[0].sources[0].column
    assert column.startswith("record 1") if mode == "wb" else column == "INFO/CSQ"


@pytest.mark.parametrize("value", ["T%=TMgC", "a/b", "0/", "0//1", "/0/1", "|0|1",
                                   "1073741823/1", ""])
@pytest.mark.parametrize("compressed", [False, True])
def test_a_malformed_genotype_is_an_error_not_a_crash(tmp_path: Path, value: str,
                                                     compressed: bool) -> None:
    """htslib crashes the process (a segmentation fault in cyvcf2) on these GT values: each is
    refused before htslib reads the file, naming line, column and field, plain or gzipped."""
    lines = (VCF / "varscan_somatic.vcf").read_text().split("\n")
    first = next(i for i, line in enumerate(lines) if line and not line.startswith("#"))
    cells = lines[first].split("\t")
    keys = cells[8].split(":")
    sample = cells[10].split(":")
    sample[keys.index("GT")] = value
    cells[10] = ":".join(sample)
    lines[first] = "\t".join(cells)
    text = "\n".join(lines).encode()
    path = tmp_path / ("bad.vcf.gz" if compressed else "bad.vcf")
    path.write_bytes(gzip.compress(text) if compressed else text)
    with pytest.raises(ProfileError, match=rf"line {first + 1}, column 11, field 'GT'"):
        _read(path)
