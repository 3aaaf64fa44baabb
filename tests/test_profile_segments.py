"""Segment files (IGV/cBioPortal .seg, ASCAT, PCGR) turned into gene calls on GRCh37/38."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from her2resist.exceptions import ProfileError
from her2resist.profile.segments import gene_coordinates, read_segments

SEGMENTS = Path(__file__).parent / "data" / "profiles" / "segments"


def _read(name: str, **options: object):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_segments(SEGMENTS / name, **options)


def test_cbioportal_seg_on_grch37_calls_erbb2_and_pten() -> None:
    profiles = _read("tcga_hg19.seg", genome="hg19")
    one, two = profiles["TCGA-A2-A0T0-01"], profiles["TCGA-A2-A0T1-01"]
    assert one.her2.amplified is True and one.alteration_ids() == ("PTEN_loss",)
    assert two.her2.amplified is False and two.alteration_ids() == ()
    pten = one.alterations[0].sources[0]
    assert pten.line == 6 and "log2 -2.6" in pten.text
    assert "on GRCh37" in one.inputs[-1]


def test_the_genome_matters_and_must_be_given() -> None:
    # The same hg19 segments read on GRCh38 miss ERBB2 (it lies 1.8 Mb further on).
    assert _read("tcga_hg19.seg", genome="GRCh38")["TCGA-A2-A0T0-01"].her2.amplified is False
    with pytest.raises(ValueError, match="'genome' parameter of read_segments"):
        _read("tcga_hg19.seg")


def test_ascat_allele_specific_copies_relative_to_ploidy() -> None:
    profile = _read("ascat_segments.txt", genome="GRCh37")["PD1234a"]
    # Triploid genome (2+1): ERBB2 at 9+1 = 10 copies >= 3 x ploidy; PTEN at 0+0.
    assert profile.her2.amplified is True
    assert profile.alteration_ids() == ("PTEN_loss",)
    assert "ploidy 3.00 (mean of the segments)" in profile.inputs[-1]
    # Given a ploidy of 4, 10 copies is no longer 3 x ploidy.
    assert _read("ascat_segments.txt", genome="GRCh37", ploidy=4.0)["PD1234a"].her2.amplified \
        is not True


def test_pcgr_segments_single_sample_named_after_the_file() -> None:
    profiles = _read("pcgr_sample7.cna.tsv", genome="GRCh38")
    assert list(profiles) == ["pcgr_sample7"]
    profile = profiles["pcgr_sample7"]
    assert profile.her2.amplified is True
    assert profile.alteration_ids() == ("CCND1_amp",)


def test_shipped_coordinates_cover_every_model_gene_on_both_builds() -> None:
    from her2resist.knowledge.catalogue import load_catalogue

    genes = {a.gene for a in load_catalogue().alterations.values()}
    for build in ("GRCh37", "GRCh38"):
        assert genes <= set(gene_coordinates(build))
    assert gene_coordinates("GRCh37")["ERBB2"] == ("17", 37844167, 37886679)


def test_bad_segment_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.seg"
    path.write_text("ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nT\t17\t500\t100\t3\t1\n")
    with pytest.raises(ProfileError, match=r"line 2, column 4.*end before its start"):
        read_segments(path, genome="GRCh38")


def test_report_command_reads_segments_with_a_genome() -> None:
    import json

    from typer.testing import CliRunner

    from her2resist.cli.main import _register_all, app

    _register_all()
    path = str(SEGMENTS / "tcga_hg19.seg")
    result = CliRunner().invoke(app, ["report", "--segments", path, "--genome", "GRCh37",
                                      "--sample", "TCGA-A2-A0T0-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)["reports"]
    assert [a["id"] for a in report["alterations"]] == ["PTEN_loss"]
    assert any("on GRCh37" in i for i in report["provenance"]["inputs"])
    missing = CliRunner().invoke(app, ["report", "--segments", path])
    assert missing.exit_code != 0 and "genome" in missing.output
