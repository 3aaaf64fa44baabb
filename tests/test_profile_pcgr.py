"""PCGR's inputs as PCGR reads them: one sample's TPM (TargetID, TPM) against a reference
cohort, and PCGR's RNA fusion TSV through --fusions (tests/test_profile_fusions.py)."""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import pytest

from her2resist.exceptions import ProfileError
from her2resist.profile import load_profiles, read_pcgr_expression

PCGR = Path(__file__).parent / "data" / "profiles" / "pcgr"
SAMPLE = PCGR / "T001-BRCA.gene_expression.tsv"
REFERENCE = PCGR / "reference_tpm.txt"


def _read(path: Path, reference: Path | None = REFERENCE, **options: object):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_pcgr_expression(path, reference=reference, **options)


def test_tpm_against_a_reference_calls_high_and_low_expression() -> None:
    profiles = _read(SAMPLE)
    assert list(profiles) == ["T001-BRCA"]  # PCGR's file name: <sample>.gene_expression.tsv
    profile = profiles["T001-BRCA"]
    # MUC4 850 TPM against 5-15 in the reference; PTEN 0.5 against 30-60 (low mRNA: reduced
    # PTEN, PTEN_low, not the genomic PTEN_loss); ERBB2 and ESR1 within their reference range.
    assert profile.alteration_ids() == ("MUC4_high", "PTEN_low")
    muc4 = profile.alterations[0].sources[0]
    assert (muc4.line, muc4.column) == (2, "TPM") and "TPM 850" in muc4.text
    assert any("1 row(s) not used: transcript-level" in n for n in profile.notes)
    assert any("1 row(s) not used: Ensembl genes the model has no alteration of" in n
               for n in profile.notes)
    assert "z-scored against the 20 sample(s)" in profile.inputs[0]
    # a stricter threshold keeps only what is far out; the sample may be renamed
    assert _read(SAMPLE, threshold=15.0, sample="P1")["P1"].alteration_ids() == ("PTEN_low",)


def test_symbols_gzip_and_duplicates_keep_the_highest_tpm(tmp_path: Path) -> None:
    path = tmp_path / "S9.tsv.gz"
    path.write_bytes(gzip.compress(b"TargetID\tTPM\nMUC4\t9\nMUC4\t700\nERBB2\t0\n"))
    profile = _read(path)["S9"]
    assert profile.alteration_ids() == ("MUC4_high", "ERBB2_loss")
    assert profile.alterations[0].sources[0].line == 3


def test_without_a_reference_the_option_that_settles_it_is_named() -> None:
    with pytest.raises(ProfileError, match=r"without a reference cohort: give "
                                           r"--expression-reference"):
        _read(SAMPLE, reference=None)


@pytest.mark.parametrize(("rows", "message"), [
    ("ERBB2\t-3\n", r"line 2, column 2, field 'TPM': a negative TPM"),
    ("ERBB2\thigh\n", r"line 2, column 2, field 'TPM': not a number"),
    ("chr17:3970\t5\n", r"line 2, column 1, field 'TargetID': not a gene or transcript"),
])
def test_bad_rows_name_line_and_field(tmp_path: Path, rows: str, message: str) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("TargetID\tTPM\n" + rows)
    with pytest.raises(ProfileError, match=message):
        _read(path)


def test_a_zscore_reference_is_refused(tmp_path: Path) -> None:
    reference = tmp_path / "z.txt"
    reference.write_text("Hugo_Symbol\tA\tB\tC\nMUC4\t-1.2\t0.3\t0.9\n")
    with pytest.raises(ProfileError, match=r"must hold TPM or log2\(TPM \+ 1\).*zscore"):
        _read(SAMPLE, reference=reference)


def test_log2_reference_and_small_cohort_warning(tmp_path: Path) -> None:
    reference = tmp_path / "log2.txt"
    reference.write_text("Hugo_Symbol\tA\tB\tC\tD\nMUC4\t3.1\t3.4\t2.9\t3.3\n")
    with pytest.warns(Warning, match="only 4 samples"):
        profile = read_pcgr_expression(SAMPLE, reference=reference)["T001-BRCA"]
    assert "MUC4_high" in profile.alteration_ids()


def test_load_profiles_recognises_the_pcgr_header() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        [profile] = load_profiles(expression=SAMPLE, expression_reference=REFERENCE)
    assert profile.sample == "T001-BRCA"
    assert profile.alteration_ids() == ("MUC4_high", "PTEN_low")
