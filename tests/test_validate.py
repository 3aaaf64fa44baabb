import io
from pathlib import Path

import pytest

from her2resist.exceptions import InputFileError
from her2resist.predict.validate import read_cases, validate_cases

EXTRA = Path(__file__).parent / "data" / "validation_extra.csv"


def test_literature_cases_all_pass(shared_dir: Path) -> None:
    report = validate_cases(read_cases(shared_dir / "validation" / "cases.csv"))
    failed = [r.as_dict() for r in report.results if not r.passed]
    assert report.total == 42
    assert failed == []


def test_held_out_cases_of_the_same_form_pass() -> None:
    """Cases written for the tests from the literature map (not in shared/validation)."""
    report = validate_cases(read_cases(EXTRA))
    failed = [r.as_dict() for r in report.results if not r.passed]
    assert failed == []


def test_a_wrong_expectation_fails() -> None:
    text = (
        "id,alterations,regimen,expected,ref_alterations,ref_regimen,source\n"
        "W1,PTEN loss,trastuzumab,sensitive,,,deliberately wrong\n"
        "W2,,trastuzumab,higher_than,,trastuzumab + lapatinib,deliberately wrong\n"
    )
    report = validate_cases(read_cases(io.StringIO(text), source="wrong.csv"))
    assert [r.passed for r in report.results] == [False, False]
    assert report.accuracy == 0.0


@pytest.mark.parametrize(
    "body, message",
    [
        ("id,regimen\nA,trastuzumab\n", "missing column"),
        ("id,alterations,regimen,expected\nA,,trastuzumab,maybe\n", "line 2, column expected"),
        ("id,alterations,regimen,expected\nA,,trastuzumab,higher_than\n", "needs a ref_regimen"),
    ],
)
def test_bad_case_files(body: str, message: str) -> None:
    with pytest.raises(InputFileError, match=message):
        read_cases(io.StringIO(body), source="bad.csv")


def test_unknown_drug_in_a_case_fails_that_case_only() -> None:
    text = ("id,alterations,regimen,expected\nQ7,,trastuzumb,sensitive\n"
            "Q8,PTEN loss,trastuzumab,resistant\n")
    report = validate_cases(read_cases(io.StringIO(text), source="c.csv"))
    failed, passed = report.results
    assert not failed.passed and failed.predicted == "error"
    assert failed.error is not None and "case Q7, line 2: Unknown drug" in failed.error
    assert "'trastuzumab'" in failed.error and passed.passed
    assert report.as_dict()["cases"][0]["error"] == failed.error
