"""Predictions for a cohort of tumours, joined to their outcomes: which predictions and markers
separate responders from the rest.

Examples
--------
>>> from her2resist.profile import TumourProfile
>>> profiles = [TumourProfile.from_alterations(f"T{i}", ["PTEN loss"] if i % 2 else [])
...             for i in range(6)]
>>> result = run_cohort(profiles, regimen="trastuzumab", engine="most-permissive")
>>> result.samples["class"].value_counts().to_dict()
{'sensitive': 3, 'resistant': 3}
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Literal

import numpy as np
import pandas as pd

from her2resist.cohort.association import binary_association, survival_association
from her2resist.cohort.fastread import CohortGenotypes, genotype_of
from her2resist.cohort.outcomes import ClinicalColumns, is_missing
from her2resist.cohort.predictions import (
    DEFAULT_ENGINE,
    Genotype,
    PredictionTable,
    Predictor,
    Progress,
    predict_genotypes,
)
from her2resist.cohort.regimens import WrittenRegimen, read_regimens
from her2resist.exceptions import CohortError, ParameterError
from her2resist.profile.tumour import TumourProfile

#: Profiles read from the input per chunk (memory stays flat in the number of patients).
PATIENT_CHUNK = 10_000
#: Per-sample rows rendered at a time in the JSON and CSV outputs.
OUTPUT_CHUNK = 10_000


@dataclass(frozen=True, slots=True)
class CohortResult:
    """Per-sample predictions, their association with the outcome, and the marker table.

    Attributes
    ----------
    name
        The cohort's name.
    samples
        One row per sample (index ``sample``): ``regimen`` (as predicted), ``regimen_written``,
        ``score``, ``response_probability``, ``class``, ``mechanisms`` (``;``-joined),
        ``alterations`` (``;``-joined), ``outcome`` (0/1, binary endpoints), ``time`` and
        ``event`` (time-to-event endpoints).
    kind
        ``"binary"``, ``"survival"`` or ``None`` (no outcome given).
    association
        Binary: ``endpoint``, ``n``, ``auc``, ``auc_ci``; survival: ``endpoint``, ``n``,
        ``hazard_ratio`` (of the score, per standard deviation), ``hr_ci``, ``logrank_p``
        (across predicted classes; when all samples share one class, above against at or
        below the median response probability).
    markers
        Binary: ``marker``, ``n_with``, ``rate_with``, ``rate_without``, ``odds_ratio``, ``p``,
        ``q``; survival: ``marker``, ``n_with``, ``rate_with``, ``rate_without`` (event
        proportions), ``hazard_ratio``, ``low``, ``high``, ``p``, ``q``.
    calibration
        Predicted against observed response rate by predicted class (binary endpoints), or by
        decile of the probability when every sample has the same class.
    curves
        ROC (``fpr``, ``tpr``) or Kaplan-Meier curves by group (``time``, ``survival``): the
        predicted classes, or the halves of the response probability when there is one class.
    regimens
        How each written regimen value was read.
    probability_source
        Whether ``response_probability`` is calibrated or the score (fallback).
    warnings
        Samples left out and why, regimens with drugs the model does not hold.

    Examples
    --------
    >>> from her2resist.profile import TumourProfile
    >>> tumours = [TumourProfile.from_alterations(f"T{i}", a) for i, a in
    ...            enumerate([["PTEN loss"], [], ["PTEN loss"]])]
    >>> result = run_cohort(tumours, regimen="trastuzumab", engine="most-permissive")
    >>> result.kind is None, list(result.samples["class"])
    (True, ['resistant', 'sensitive', 'resistant'])
    """

    name: str
    samples: pd.DataFrame
    kind: Literal["binary", "survival"] | None
    association: dict[str, Any]
    markers: pd.DataFrame
    calibration: pd.DataFrame
    curves: dict[str, pd.DataFrame]
    regimens: dict[str, WrittenRegimen]
    probability_source: str
    warnings: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        """The cohort as a card in a notebook: association, markers, samples."""
        from her2resist._html import card

        return card(f"Cohort: {self.name}",
                    [("samples", len(self.samples)), ("endpoint", self.kind or "none"),
                     *((k, v) for k, v in self.association.items()
                       if not isinstance(v, (list, dict, tuple)))],
                    tables=[("Markers", self.markers),
                            ("Samples", self.samples.reset_index())], notes=self.warnings)

    def to_frame(self) -> pd.DataFrame:
        """The per-sample table (a copy)."""
        return self.samples.copy()

    def to_dict(self, *, samples: bool = True) -> dict[str, Any]:
        """The JSON document (keys as documented in docs/cohort.md); ``samples=False`` leaves
        the per-sample list empty."""
        return {
            "cohort": self.name,
            "n": len(self.samples),
            "samples": _samples_json(self.samples, self.kind) if samples else [],
            "association": _jsonable(self.association),
            "markers": _jsonable(self.markers.to_dict(orient="records")),
            "provenance": {
                "probability": self.probability_source,
                "regimens": {k: {"read_as": v.label, "not_modelled": list(v.not_modelled),
                                 "defaults": list(v.notes)} for k, v in self.regimens.items()},
                "warnings": list(self.warnings), **_jsonable(self.settings),
            },
        }


    def to_json(self) -> str:
        """The JSON document as text: indented, with one line per sample (so that 100,000
        samples are written by the json module's C encoder, not its indenting one).

        Examples
        --------
        >>> from her2resist.profile import TumourProfile
        >>> result = run_cohort([TumourProfile.from_alterations("T1", [])],
        ...                     regimen="trastuzumab", engine="most-permissive")
        >>> json.loads(result.to_json())["samples"][0]["sample"]
        'T1'
        """
        return "".join(self.json_parts())

    def json_parts(self) -> Iterator[str]:
        """:meth:`to_json`'s text in parts, the samples :data:`OUTPUT_CHUNK` at a time, so that
        a file can be written without the whole document in memory.

        Examples
        --------
        >>> from her2resist.profile import TumourProfile
        >>> result = run_cohort([TumourProfile.from_alterations("T1", [])],
        ...                     regimen="trastuzumab", engine="most-permissive")
        >>> "".join(result.json_parts()) == result.to_json()
        True
        """
        doc = self.to_dict(samples=False)
        text = json.dumps(doc, indent=2) + "\n"
        if self.samples.empty:
            yield text
            return
        head, tail = text.split('"samples": []', 1)
        yield head + '"samples": [\n'
        for start in range(0, len(self.samples), OUTPUT_CHUNK):
            rows = _samples_json(self.samples.iloc[start:start + OUTPUT_CHUNK], self.kind)
            yield ("" if start == 0 else ",\n") + ",\n".join("    " + json.dumps(s)
                                                               for s in rows)
        yield "\n  ]" + tail

    def csv_parts(self, cell: Callable[[Any], Any] = lambda v: v) -> Iterator[str]:
        """The per-sample table as CSV text (index ``sample`` first), :data:`OUTPUT_CHUNK`
        rows at a time; ``cell`` is applied to every text cell (the command neutralises
        spreadsheet formulas).

        Examples
        --------
        >>> from her2resist.profile import TumourProfile
        >>> result = run_cohort([TumourProfile.from_alterations("T1", [])],
        ...                     regimen="trastuzumab", engine="most-permissive")
        >>> "".join(result.csv_parts()).splitlines()[1].split(",")[:2]
        ['T1', 'trastuzumab']
        """
        for start in range(0, max(len(self.samples), 1), OUTPUT_CHUNK):
            chunk = self.samples.iloc[start:start + OUTPUT_CHUNK].copy()
            for column in chunk.columns:
                if chunk[column].dtype == object:
                    chunk[column] = chunk[column].map(cell)
            if chunk.index.dtype == object:
                chunk.index = chunk.index.map(cell)
            buffer = io.StringIO()
            chunk.to_csv(buffer, header=start == 0)
            yield buffer.getvalue()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else round(float(value), 6)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _samples_json(frame: pd.DataFrame, kind: str | None) -> list[dict[str, Any]]:
    """The per-sample records of the JSON document, built column by column."""
    if kind == "binary":
        outcome: list[Any] = [None if v != v else int(v) for v in frame["outcome"].tolist()]
    elif kind == "survival":
        outcome = [None if t != t else {"time": float(t), "event": int(e)}
                   for t, e in zip(frame["time"].tolist(), frame["event"].tolist(), strict=True)]
    else:
        outcome = [None] * len(frame)
    mechanisms = [m.split(";") if m else [] for m in frame["mechanisms"].tolist()]
    columns = zip(frame.index.tolist(), frame["regimen"].tolist(),
                  frame["score"].round(6).tolist(),
                  frame["response_probability"].round(6).tolist(), frame["class"].tolist(),
                  mechanisms, outcome, strict=True)
    keys = ("sample", "regimen", "score", "response_probability", "class", "mechanisms",
            "outcome")
    return [dict(zip(keys, row, strict=True)) for row in columns]


def _chunks(profiles: Iterable[TumourProfile]) -> Iterator[list[TumourProfile]]:
    it = iter(profiles)
    while chunk := list(islice(it, PATIENT_CHUNK)):
        yield chunk


def _genotypes(profiles: Iterable[TumourProfile] | CohortGenotypes
               ) -> tuple[list[str], np.ndarray, list[Genotype]]:
    """Sample ids, each sample's genotype index, and the distinct genotypes (streamed)."""
    if isinstance(profiles, CohortGenotypes):
        return list(profiles.samples), profiles.codes, list(profiles.genotypes)
    names: list[str] = []
    codes: list[np.ndarray] = []
    index: dict[Genotype, int] = {}
    for chunk in _chunks(profiles):
        keys = [genotype_of(p) for p in chunk]
        codes.append(np.fromiter((index.setdefault(k, len(index)) for k in keys), dtype=np.int64,
                                 count=len(keys)))
        names.extend(p.sample for p in chunk)
    return names, np.concatenate(codes) if codes else np.zeros(0, np.int64), list(index)


def _regimen_values(samples: list[str], clinical: ClinicalColumns | None, regimen: str | None,
                    column: str | None) -> pd.Series:
    if (regimen is None) == (column is None):
        raise ParameterError("regimen", "run_cohort", "exactly one of regimen (one for every "
                             "sample) and regimen_column", (regimen, column))
    if regimen is not None:
        return pd.Series(regimen, index=samples, dtype=object)
    if clinical is None:
        raise ParameterError("clinical", "run_cohort", "clinical files holding the regimen "
                             f"column {column!r}", None)
    return clinical.text(clinical.column(str(column)), samples)


def run_cohort(
    profiles: Iterable[TumourProfile] | CohortGenotypes,
    clinical: ClinicalColumns | None = None,
    *,
    regimen: str | None = None,
    regimen_column: str | None = None,
    regimen_map: Mapping[str, str] | None = None,
    outcome: str | None = None,
    positive: str | None = None,
    time: str | None = None,
    event: str | None = None,
    min_patients: int = 5,
    name: str = "cohort",
    predictor: Predictor | None = None,
    engine: str | None = None,
    endpoint: str = "pCR",
    scheduler: str | Any | None = None,
    progress: Progress | None = None,
    n_boot: int = 2000,
    seed: int = 0,
) -> CohortResult:
    """Predict every tumour's response to its regimen and test the predictions on outcomes.

    Parameters
    ----------
    profiles
        Tumour profiles (any iterable: read in chunks of :data:`PATIENT_CHUNK`), or the
        genotypes of :func:`~her2resist.cohort.read_cohort` with ``genotypes_only``.
    clinical
        Clinical columns (regimen, outcome, survival), from :func:`read_clinical_columns`.
    regimen, regimen_column, regimen_map
        One regimen for every sample, or the clinical column that holds each sample's regimen
        as written (FEC-T, TCHP...; see :mod:`her2resist.cohort.regimens`), with an optional
        map of written values to regimens.
    outcome, positive
        A binary outcome column and its responder label(s) (inferred when not given).
    time, event
        A time-to-event outcome (both, or neither).
    min_patients
        Markers carried by fewer patients (or lacked by fewer) are not tested.
    predictor, engine, endpoint, scheduler, progress
        See :func:`her2resist.cohort.predictions.predict_genotypes` (default: the graded
        engine with the pCR-calibrated response probability).
    n_boot, seed
        Bootstrap resamples of the AUC interval and their seed.

    Raises
    ------
    ParameterError
        For inconsistent options.
    CohortError
        For regimen values that cannot be read (all listed) and bad outcome cells.

    Examples
    --------
    >>> from her2resist.profile import TumourProfile
    >>> tumours = [TumourProfile.from_alterations("T1", ["PIK3CA H1047R"]),
    ...            TumourProfile.from_alterations("T2", [])]
    >>> result = run_cohort(tumours, regimen="trastuzumab", engine="most-permissive")
    >>> result.samples.loc["T1", "class"], result.settings["distinct_genotypes"]
    ('resistant', 2)
    """
    if outcome is not None and (time or event):
        raise ParameterError("outcome", "run_cohort", "a binary outcome or time and event, "
                             "not both", (outcome, time, event))
    if (time is None) != (event is None):
        raise ParameterError("time", "run_cohort", "time and event together", (time, event))
    samples, codes, genotypes = _genotypes(profiles)
    if not samples:
        raise CohortError("<cohort>", "the input holds no sample")
    written = _regimen_values(samples, clinical, regimen, regimen_column)
    given = ~is_missing(written)
    where = clinical.files.get(clinical.column(regimen_column), "<clinical files>") \
        if regimen_column and clinical else "--regimen"
    read = read_regimens(pd.unique(written[given]), where=where, mapping=regimen_map)
    warnings = _regimen_warnings(read, int((~given).sum()), regimen_column)
    keep = np.flatnonzero(given)
    # Written values and labels as codes into their few distinct strings: per sample, a
    # pointer to a shared string, never a string of its own.
    written_codes, written_texts = pd.factorize(written.to_numpy()[keep])
    label_codes, label_texts = pd.factorize(np.array([read[w].label for w in written_texts],
                                                     dtype=object))
    label_codes = label_codes[written_codes]
    kept = codes[keep]
    pair_keys = kept * len(label_texts) + label_codes
    pairs = [(genotypes[k // len(label_texts)], label_texts[k % len(label_texts)])
             for k in pd.unique(pair_keys).tolist()]
    table = predict_genotypes(pairs, predictor=predictor, engine=engine, endpoint=endpoint,
                              scheduler=scheduler, progress=progress)
    frame = _sample_frame(pd.Index(samples)[keep], pair_keys, len(label_texts),
                          np.asarray(written_texts, dtype=object)[written_codes],
                          label_texts, genotypes, table)
    result = CohortResult(name, frame, None, {}, pd.DataFrame(), pd.DataFrame(), {}, read,
                          table.probability_source, tuple(warnings),
                          {"engine": engine or DEFAULT_ENGINE, "endpoint_calibrated": endpoint,
                           "distinct_predictions": len(table.rows),
                           "distinct_genotypes": len(np.unique(kept))})
    if outcome is not None:
        return binary_association(result, clinical, outcome, positive, min_patients,
                                  n_boot, seed,
                       genotypes, kept)
    if time is not None and event is not None:
        return survival_association(result, clinical, time, event, min_patients,
                                    genotypes, kept)
    return result


def _regimen_warnings(read: Mapping[str, WrittenRegimen], missing: int,
                      column: str | None) -> list[str]:
    out = [f"{missing} sample(s) without a value in {column} were left out"] if missing else []
    for text, reg in read.items():
        if reg.not_modelled:
            out.append(f"regimen {text!r}: {', '.join(reg.not_modelled)} not modelled; "
                       f"predicted as {reg.label}")
    return out


def _sample_frame(samples: pd.Index, pair_keys: np.ndarray, n_labels: int,
                  written: np.ndarray, label_texts: np.ndarray, genotypes: list[Genotype],
                  table: PredictionTable) -> pd.DataFrame:
    """The per-sample table: each column a distinct-pair value taken by position (the text
    columns share one string per distinct value)."""
    distinct, position = np.unique(pair_keys, return_inverse=True)
    position = position.reshape(-1)
    keys = [(genotypes[k // n_labels], label_texts[k % n_labels]) for k in distinct.tolist()]
    rows = [table.rows[key] for key in keys]

    def column(values: list[Any], dtype: Any = object) -> np.ndarray:
        return np.array(values, dtype=dtype)[position]

    return pd.DataFrame({
        "regimen": column([label for _, label in keys]),
        "regimen_written": written,
        "score": column([r.score for r in rows], float),
        "response_probability": column([r.response_probability for r in rows], float),
        "class": column([r.response_class for r in rows]),
        "mechanisms": column([";".join(r.mechanisms) for r in rows]),
        "alterations": column([";".join(g.alterations) for g, _ in keys]),
    }, index=samples.rename("sample"), copy=False)  # not consolidated: no copy of the columns
