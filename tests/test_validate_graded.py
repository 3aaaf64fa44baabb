"""Validation format extensions: environment and context columns, partial and equivalent."""

from __future__ import annotations

import io

import pytest

from her2resist.exceptions import InputFileError
from her2resist.predict.validate import read_cases, validate_cases

HEADER = ("id,alterations,regimen,expected,ref_alterations,ref_regimen,environment,context,"
          "tolerance\n")


def run(body: str, engine: str = "graded") -> list[bool]:
    report = validate_cases(read_cases(io.StringIO(HEADER + body), source="c.csv"), engine=engine)
    return [r.passed for r in report.results]


def test_equivalent_within_tolerance_and_not_beyond() -> None:
    body = ("E1,,trastuzumab,equivalent,,trastuzumab + pertuzumab,,culture,0.01\n"
            "E2,,trastuzumab,equivalent,,trastuzumab + lapatinib,,culture,0.01\n")
    assert run(body) == [True, False]


def test_environment_column_reaches_the_engine() -> None:
    # A PTEN-null cell escapes trastuzumab; immune effectors add ADCC of the dividing cell.
    body = ("I1,PTEN loss,trastuzumab,partial,,,Immune=1,,\n"
            "I2,PTEN loss,trastuzumab,resistant,,,,,\n")
    assert read_cases(io.StringIO(HEADER + body), source="c.csv")[0].environment == (
        ("Immune", 1),)
    assert run(body, engine="most-permissive") == [True, True]


def test_context_changes_the_graded_prediction() -> None:
    body = ("C1,,trastuzumab,equivalent,,trastuzumab,,patient,0\n")
    assert run(body) == [True]
    assert read_cases(io.StringIO(HEADER + body), source="c.csv")[0].context == "patient"


def test_partial_expectation() -> None:
    body = "P1,CCNE1 amplification,trastuzumab + lapatinib,partial,,,,,\n"
    assert run(body, engine="most-permissive") == [True]


@pytest.mark.parametrize("row, message", [
    ("B1,,trastuzumab,sensitive,,,Immune=2,,\n", "line 2, column environment"),
    ("B2,,trastuzumab,sensitive,,,,mouse,\n", "line 2, column context"),
    ("B3,,trastuzumab,equivalent,,lapatinib,,,lots\n", "line 2, column tolerance"),
    ("B4,,trastuzumab,equivalent,,,,,\n", "equivalent needs a ref_regimen"),
])
def test_bad_optional_columns(row: str, message: str) -> None:
    with pytest.raises(InputFileError, match=message):
        read_cases(io.StringIO(HEADER + row), source="c.csv")
