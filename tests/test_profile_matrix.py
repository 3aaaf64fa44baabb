"""Copy-number and expression matrices: scale detection, refusals, the fast reader's oracle."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from her2resist.cli.main import _register_all, app
from her2resist.exceptions import DataQualityWarning, ProfileError
from her2resist.profile import _grid, read_cna, read_expression
from her2resist.profile._grid import _fast, _slow, parse_grid
from her2resist.profile._table import read_text

#: cBioPortal's data_log2CNA.txt layout (meta datatype LOG2-VALUE).
LOG2_CNA = ("Hugo_Symbol\tEntrez_Gene_Id\tTCGA-A1-A0SB-01\tTCGA-A2-A04P-01\n"
            "ERBB2\t2064\t2.5\t0.1\n"
            "PTEN\t5728\t0.01\t-2.4\n"
            "CCNE1\t898\t-0.2\t1.9\n"
            "MYC\t4609\t0.35\t-0.12\n")


def _write(tmp_path: Path, text: str, name: str = "data.txt") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_log2_copy_number_is_detected_and_called_on_the_log2_scale(tmp_path: Path) -> None:
    profiles = read_cna(_write(tmp_path, LOG2_CNA))
    one, two = profiles["TCGA-A1-A0SB-01"], profiles["TCGA-A2-A04P-01"]
    # log2 2.5 is amplified; log2 0.01 is not a deletion (it was, read as copies).
    assert one.her2.amplified is True and one.her2.call == "positive"
    assert one.alteration_ids() == ()
    # log2 0.1 is copy-neutral ERBB2; -2.4 is a deep deletion; 1.9 an amplification.
    assert two.her2.amplified is False
    assert two.alteration_ids() == ("PTEN_loss", "CCNE1_amp")
    assert "read as log2 (detected from the values" in one.inputs[0]


def test_log2_scale_can_be_given_and_lands_in_report_provenance(tmp_path: Path) -> None:
    path = _write(tmp_path, LOG2_CNA)
    _register_all()
    result = CliRunner().invoke(app, ["report", "--cna", str(path), "--cna-scale", "log2",
                                      "--sample", "TCGA-A2-A04P-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)["reports"]
    assert [a["id"] for a in report["alterations"]] == ["PTEN_loss", "CCNE1_amp"]
    assert "copy number read as log2 (given)" in report["provenance"]["inputs"][0]


@pytest.mark.parametrize("scale", ["auto", "discrete", "copies"])
def test_copy_number_minus_three_is_refused(tmp_path: Path, scale: str) -> None:
    path = _write(tmp_path, "Hugo_Symbol\tS1\nERBB2\t2\nPTEN\t-3\nMYC\t0\n")
    with pytest.raises(ProfileError, match="-3"):
        read_cna(path, scale=scale)  # type: ignore[arg-type]


def test_given_scale_names_the_cell_that_does_not_fit(tmp_path: Path) -> None:
    path = _write(tmp_path, "Hugo_Symbol\tS1\tS2\nERBB2\t2\t0\nPTEN\t0\t-0.4\n")
    with pytest.raises(ProfileError, match=r"line 3, field 'S2': -0.4 is not "
                       r"copies.*'copies' was given"):
        read_cna(path, scale="copies")


def test_ambiguous_copy_number_is_refused_with_the_option_to_settle_it(tmp_path: Path) -> None:
    path = _write(tmp_path, "Hugo_Symbol\tS1\nERBB2\t0.9\nPTEN\t0.7\nMYC\t1.1\n")
    with pytest.raises(ProfileError, match=r"cannot tell the copy-number scale.*--cna-scale"):
        read_cna(path)
    assert read_cna(path, scale="copies")["S1"].alteration_ids() == ()


def test_repeated_gene_with_other_values_is_an_error_naming_both_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, "Hugo_Symbol\tS1\nERBB2\t2\nPTEN\t0\nPTEN\t-2\n")
    with pytest.raises(ProfileError, match=r"line 4.*PTEN appears on lines 3 and 4"):
        read_cna(path)
    same = _write(tmp_path, "Hugo_Symbol\tS1\nERBB2\t2\nPTEN\t-2\nPTEN\t-2\n", "same.txt")
    profile = read_cna(same)["S1"]
    assert profile.alteration_ids() == ("PTEN_loss",)
    assert any("read once" in note for note in profile.notes)


def _log2_rsem(samples: int) -> str:
    """log2(RSEM + 1) per gene, MUC4 high in the first sample only (rows as cBioPortal)."""
    rng = np.random.default_rng(3)
    genes = {"MUC4": 6.0, "ESR1": 9.0, "EGFR": 7.5, "TP53": 10.0, "PTEN": 8.0}
    lines = ["Hugo_Symbol\tEntrez_Gene_Id\t" + "\t".join(f"S{i}" for i in range(samples))]
    for k, (gene, level) in enumerate(genes.items()):
        values = level + rng.normal(0, 0.3, samples)
        if gene == "MUC4":
            values[0] = level + 4.0
        lines.append(f"{gene}\t{k + 1}\t" + "\t".join(f"{v:.3f}" for v in values))
    return "\n".join(lines) + "\n"


def test_log2_expression_is_z_scored_against_the_cohort(tmp_path: Path) -> None:
    profiles = read_expression(_write(tmp_path, _log2_rsem(30)))
    # Read as z-scores, every gene was "high" everywhere; z-scored, only S0's MUC4 is.
    assert profiles["S0"].alteration_ids() == ("MUC4_high",)
    assert all(profiles[f"S{i}"].alteration_ids() == () for i in range(1, 30))
    assert "expression read as log2 (detected" in profiles["S0"].inputs[0]
    assert "against the 30 sample(s)" in profiles["S0"].inputs[0]


def test_small_cohort_warns_and_tiny_one_is_refused(tmp_path: Path) -> None:
    with pytest.warns(DataQualityWarning, match="only 8 samples"):
        read_expression(_write(tmp_path, _log2_rsem(8)))
    with pytest.raises(ProfileError, match=r"at least 3 samples.*--expression-scale zscore"):
        read_expression(_write(tmp_path, _log2_rsem(2), "two.txt"))


def test_counts_and_tpm_are_recognised(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    # Counts per million need a transcriptome: 4 modelled genes among 200 others.
    # Biological spread (log-normal, CV ~40 %) around 500 reads per gene.
    counts = rng.poisson(500 * rng.lognormal(0, 0.4, size=(204, 25)))
    counts[0, 3] = 20_000  # MUC4 far above the others in S3
    genes = ["MUC4", "TP53", "PTEN", "ESR1"] + [f"G{i}" for i in range(200)]
    text = "Hugo_Symbol\t" + "\t".join(f"S{i}" for i in range(25)) + "\n" + "".join(
        f"{g}\t" + "\t".join(str(v) for v in row) + "\n" for g, row in zip(genes, counts,
                                                                           strict=True))
    path = _write(tmp_path, text)
    profiles = read_expression(path)
    assert "read as counts" in profiles["S3"].inputs[0]
    assert profiles["S3"].alteration_ids() == ("MUC4_high",)
    assert "read as tpm (given)" in read_expression(path, scale="tpm")["S3"].inputs[0]
    with pytest.raises(ProfileError, match="is not tpm, which are never negative"):
        read_expression(_write(tmp_path, text.replace("\t20000", "\t-1"), "neg.txt"),
                        scale="tpm")


def test_zscores_are_still_read_as_zscores(tmp_path: Path) -> None:
    path = _write(tmp_path, "Hugo_Symbol\tS1\nMUC4\t2.7\nTP53\t-0.3\nESR1\t0.4\n")
    profile = read_expression(path)["S1"]
    assert profile.alteration_ids() == ("MUC4_high",)
    assert "read as zscore" in profile.inputs[0]


# ---- the fast reader against the slow one (the definition) -------------------------------

CELLS = st.sampled_from(["0", "-2", "2", "1.5", " 3 ", "NA", "na", "[Not Available]", "",
                         "nan", "inf", "x", "1e3", "-0.25", "1_0", '"2"', "0x10", "+1",
                         ".5", "5.", "1,5", "\u00a02", "-"])
GENES = st.sampled_from(["ERBB2", "PTEN", "", "A B", "MYC", "CCNE1"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(GENES, st.lists(CELLS, min_size=1, max_size=4)), min_size=1,
                     max_size=6),
       extra=st.sampled_from(["", "#comment\n", "\n"]))
def test_fast_reader_agrees_with_the_slow_one(rows: list[tuple[str, list[str]]], extra: str
                                              ) -> None:
    lines = ["Hugo_Symbol\tS1\tS2\tS3"] + [f"{g}\t" + "\t".join(c) for g, c in rows]
    text = lines[0] + "\n" + extra + "\n".join(lines[1:]) + "\n"
    for wide in (_grid.WIDE, 0):  # 0: every table read line by line (the wide path)
        with patch.object(_grid, "WIDE", wide):
            _fast_agrees(text)


def _fast_agrees(text: str) -> None:
    outcome = {}
    for name, read in (("fast", _fast), ("slow", _slow)):
        try:
            args = ("m.txt", text, "matrix") if name == "fast" else (
                "m.txt", text, "matrix", "a number")
            grid = read(*args, None)  # type: ignore[operator]
            outcome[name] = None if grid is None else (grid.genes, grid.lines.tolist(),
                                                       np.nan_to_num(grid.values, nan=-99)
                                                       .tolist())
        except ProfileError as exc:
            outcome[name] = str(exc)
    if outcome["fast"] is not None:  # None: the fast path hands the file to the slow one
        assert outcome["fast"] == outcome["slow"]


def test_parse_grid_errors_name_file_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "Hugo_Symbol\tS1\tS2\nERBB2\t2\t0\nPTEN\t0\tlots\n")
    with pytest.raises(ProfileError, match=r"line 3, column 3.*not a number.*'lots'"):
        parse_grid(str(path), what="copy-number file", accepted="a number")
    assert read_text(path).startswith("Hugo_Symbol")


def test_warnings_from_reading_reach_the_profile(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        profile = read_expression(_write(tmp_path, _log2_rsem(8)))["S0"]
    assert any("only 8 samples" in note for note in profile.notes)


def test_fast_path_reads_clean_files_itself() -> None:
    text = ("Hugo_Symbol\tEntrez_Gene_Id\tS1\tS2\nERBB2\t2064\t2\tNA\n"
            "PTEN\t5728\t[Not Available]\t-2\n")
    grid = _fast("m.txt", text, "matrix", None)
    assert grid is not None and grid.samples == ("S1", "S2")
    assert np.nan_to_num(grid.values, nan=9).tolist() == [[2, 9], [9, -2]]
