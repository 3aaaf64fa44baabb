"""Check the model against literature cases (``cases.csv`` as described in the validation README).

Each case names alterations, a regimen and the expected outcome: a class (``sensitive``,
``partial`` or ``resistant``) that the predicted class must equal, ``higher_than``/``lower_than``
a reference case, which the predicted score must strictly exceed or fall below, or
``equivalent`` to it (scores within ``tolerance``, default 0.05).  Optional columns:
``environment`` (model inputs for the case and its reference, ``Immune=1; EGF=1``), ``context``
(``culture`` or ``patient``, graded engine) and ``tolerance``.  With the graded engine the cases
are predicted at default clinical exposure (:func:`~her2resist.predict.graded.predict_graded`).

Examples
--------
>>> import io
>>> text = "id,alterations,regimen,expected,ref_alterations,ref_regimen,source\\n"
>>> text += "X1,PTEN loss,trastuzumab,resistant,,,example\\n"
>>> report = validate_cases(read_cases(io.StringIO(text), source="cases.csv"))
>>> report.passed, report.total
(1, 1)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from her2resist.common.assignments import parse_assignments
from her2resist.common.text import decode_text
from her2resist.engines import EXACT_ENGINE
from her2resist.exceptions import Her2ResistError, InputFileError, ParameterError
from her2resist.predict.graded_inputs import CONTEXTS
from her2resist.predict.response import predict

EXPECTED = ("sensitive", "resistant", "partial", "higher_than", "lower_than", "equivalent")
COMPARED = ("higher_than", "lower_than", "equivalent")
DEFAULT_TOLERANCE = 0.05
COLUMNS = ("id", "alterations", "regimen", "expected")


@dataclass(frozen=True, slots=True)
class Case:
    """One validation case."""

    id: str
    alterations: tuple[str, ...]
    regimen: str
    expected: str
    ref_alterations: tuple[str, ...] = ()
    ref_regimen: str = ""
    source: str = ""
    line: int = 0
    environment: tuple[tuple[str, int], ...] = ()
    context: str = "culture"
    tolerance: float = DEFAULT_TOLERANCE


@dataclass(frozen=True, slots=True)
class CaseResult:
    """A case's prediction; ``error`` says why a case could not be predicted (it then fails)."""

    case: Case
    predicted: str
    score: float
    reference_score: float | None
    passed: bool
    error: str | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "id": self.case.id,
            "alterations": list(self.case.alterations),
            "regimen": self.case.regimen,
            "predicted": self.predicted,
            "score": None if self.error else round(self.score, 4),
            "expected": self.case.expected,
            "pass": self.passed,
        }
        if self.error:
            out["error"] = self.error
        if self.reference_score is not None:
            out["reference"] = {
                "alterations": list(self.case.ref_alterations),
                "regimen": self.case.ref_regimen,
                "score": round(self.reference_score, 4),
            }
        return out


@dataclass(frozen=True, slots=True)
class ValidationReport:
    results: tuple[CaseResult, ...]

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def accuracy(self) -> float:
        return self.passed / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "cases": [r.as_dict() for r in self.results],
            "passed": self.passed,
            "total": self.total,
            "accuracy": round(self.accuracy, 4),
        }


def _split(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").split(";") if p.strip())


def read_cases(handle: IO[str] | str | Path, *, source: str | None = None) -> list[Case]:
    """Read cases from a CSV file or handle; errors name the file, line and column."""
    if isinstance(handle, (str, Path)):
        path = Path(handle)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputFileError(path, f"cannot read the cases file: {exc.strerror}") from None
        text = decode_text(data, path)
        return read_cases(io.StringIO(text, newline=""), source=str(path))
    name = source or getattr(handle, "name", "<cases>")
    reader = csv.DictReader(handle)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputFileError(
            name,
            f"missing column(s) {', '.join(missing)}; the header must hold {', '.join(COLUMNS)}",
            line=1,
        )
    cases = []
    for row in reader:
        line = reader.line_num
        expected = (row.get("expected") or "").strip()
        if expected not in EXPECTED:
            raise InputFileError(
                name,
                f"expected {expected!r} is not one of {', '.join(EXPECTED)}",
                line=line,
                column="expected",
            )
        if expected in COMPARED and not (row.get("ref_regimen") or "").strip():
            raise InputFileError(
                name, f"{expected} needs a ref_regimen", line=line, column="ref_regimen"
            )
        cases.append(
            Case(
                id=(row.get("id") or f"line{line}").strip(),
                alterations=_split(row["alterations"]),
                regimen=(row.get("regimen") or "").strip(),
                expected=expected,
                ref_alterations=_split(row.get("ref_alterations") or ""),
                ref_regimen=(row.get("ref_regimen") or "").strip(),
                source=(row.get("source") or "").strip(),
                line=line,
                **_optional_columns(row, name, line),
            )
        )
    if not cases:
        # A file of zero cases must not pass a CI gate as "Passed 0 of 0".
        raise InputFileError(name, "holds no cases (only a header); give at least one row",
                             line=1)
    return cases


def _optional_columns(row: dict[str, str], name: str, line: int) -> dict[str, object]:
    out: dict[str, object] = {}
    if (row.get("environment") or "").strip():
        try:
            values = parse_assignments(row["environment"].replace(";", ","), "environment")
        except ParameterError as exc:
            raise InputFileError(name, str(exc), line=line, column="environment") from None
        out["environment"] = tuple(values.items())
    context = (row.get("context") or "").strip()
    if context:
        if context not in CONTEXTS:
            raise InputFileError(name, f"context {context!r} is not one of {', '.join(CONTEXTS)}",
                                 line=line, column="context")
        out["context"] = context
    if (row.get("tolerance") or "").strip():
        try:
            out["tolerance"] = float(row["tolerance"])
        except ValueError:
            out["tolerance"] = -1.0
        if not 0 <= out["tolerance"] <= 1:  # type: ignore[operator]
            raise InputFileError(name, f"tolerance {row['tolerance']!r} is not a number in "
                                 "[0, 1]", line=line, column="tolerance")
    return out


def _predict(alterations: tuple[str, ...], regimen: str, case: Case, **options: object):
    """The case's prediction: on a graded engine at default clinical exposure, in the case's
    context, without the interval; on a Boolean engine its class and score."""
    options = {"engine": EXACT_ENGINE, **options}
    try:
        return predict(alterations, regimen, explain=False, context=case.context,
                       environment=dict(case.environment), samples=0, endpoint=None,
                       **options)  # type: ignore[arg-type]
    except Her2ResistError as exc:
        raise InputFileError(f"case {case.id}", str(exc), line=case.line or None) from None


def validate_cases(cases: Iterable[Case], **options: object) -> ValidationReport:
    """Predict every case and compare with its expectation.

    A case that names an unknown drug or alteration fails with the error as its reason; the
    other cases are still predicted.
    """
    results = []
    for case in cases:
        try:
            results.append(_check(case, **options))
        except InputFileError as exc:
            results.append(CaseResult(case, "error", float("nan"), None, False, str(exc)))
    return ValidationReport(tuple(results))


def _check(case: Case, **options: object) -> CaseResult:
    pred = _predict(case.alterations, case.regimen, case, **options)
    ref_score = None
    if case.expected in COMPARED:
        ref = _predict(case.ref_alterations, case.ref_regimen, case, **options)
        ref_score = ref.score
        if case.expected == "equivalent":
            ok = abs(pred.score - ref.score) <= case.tolerance + 1e-9
        elif case.expected == "higher_than":
            ok = pred.score > ref.score
        else:
            ok = pred.score < ref.score
    else:
        ok = pred.response_class == case.expected
    return CaseResult(case, pred.response_class, pred.score, ref_score, ok)
