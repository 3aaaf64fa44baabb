"""Predictions for many tumours: once per distinct (genotype, regimen), locally or on Dask.

Tumours with the same model alterations and HER2 call given the same regimen get the same
prediction, so a cohort of 100,000 tumours costs its distinct genotypes.

The prediction comes from the public prediction layer,
:func:`her2resist.predict.response.predict`: on a graded engine (the default) the graded score
in the patient context (no sampled interval) with the endpoint's calibrated response
probability; on a Boolean engine its class and score. The predicted mechanisms are always
those of the Boolean limit (alterations whose removal restores control). A test or a caller
can pass any function with ``predict_response``'s signature as ``predictor``.

The response probability is the prediction's ``response_probability`` when it has one (a
calibrated engine). Otherwise the **fallback** is the identity map of the response score,
``p = score`` (monotone, uncalibrated), and :attr:`PredictionTable.probability_source` says
so; every output carries that field.

Examples
--------
>>> key = Genotype(("PTEN_loss",))
>>> table = predict_genotypes([(key, "trastuzumab")], engine="most-permissive")
>>> row = table.rows[(key, "trastuzumab")]
>>> row.response_class, row.mechanisms
('resistant', ('PTEN_loss',))
>>> table.probability_source.startswith("uncalibrated")
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from her2resist.engines import DEFAULT_ENGINE
from her2resist.exceptions import EngineError, ParameterError

#: Distinct (genotype, regimen) pairs sent to one worker at a time.
CHUNK = 64
ENDPOINTS = ("pCR", "ORR")
PROBABILITY_CALIBRATED = "calibrated (the prediction's response_probability)"
PROBABILITY_FALLBACK = ("uncalibrated: the prediction has no response_probability, so the "
                        "response score is used as the probability (identity map)")

Predictor = Callable[..., Any]
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True, order=True)
class Genotype:
    """What the prediction of a tumour depends on: model alterations and HER2 negativity.

    Examples
    --------
    >>> Genotype(("PTEN_loss",), her2_negative=True).environment
    {'ERBB2_amp': 0}
    """

    alterations: tuple[str, ...]
    her2_negative: bool = False

    @property
    def environment(self) -> dict[str, int]:
        """Extra model nodes: a HER2-negative tumour is run with ``ERBB2_amp = 0``."""
        return {"ERBB2_amp": 0} if self.her2_negative else {}


@dataclass(frozen=True, slots=True)
class PredictedResponse:
    """The parts of a prediction that cohort statistics use."""

    score: float
    response_probability: float
    response_class: str
    mechanisms: tuple[str, ...]
    calibrated: bool


@dataclass(frozen=True, slots=True)
class PredictionTable:
    """Predictions by (genotype, regimen label), and how the probability was obtained.

    Examples
    --------
    >>> table = predict_genotypes([(Genotype(("PTEN_loss",)), "trastuzumab")],
    ...                           engine="most-permissive")
    >>> [(key[1], row.response_class) for key, row in table.rows.items()]
    [('trastuzumab', 'resistant')]
    """

    rows: dict[tuple[Genotype, str], PredictedResponse]

    @property
    def probability_source(self) -> str:
        """Calibrated or fallback (see module docs); fallback if any row used it."""
        if self.rows and all(r.calibrated for r in self.rows.values()):
            return PROBABILITY_CALIBRATED
        return PROBABILITY_FALLBACK


def response_probability(prediction: Any) -> tuple[float, bool]:
    """(probability, calibrated) of a prediction: its ``response_probability`` or the score.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> response_probability(SimpleNamespace(score=0.3))
    (0.3, False)
    >>> response_probability(SimpleNamespace(score=0.3, response_probability=0.42))
    (0.42, True)
    """
    value = getattr(prediction, "response_probability", None)
    if value is not None:
        return float(value), True
    return min(1.0, max(0.0, float(prediction.score))), False


def _summarise(prediction: Any) -> PredictedResponse:
    probability, calibrated = response_probability(prediction)
    return PredictedResponse(
        score=float(prediction.score), response_probability=probability,
        response_class=str(prediction.response_class),
        mechanisms=tuple(getattr(prediction, "mechanisms", ())), calibrated=calibrated,
    )


def _package_prediction(genotype: Genotype, regimen: str, engine: str, endpoint: str
                        ) -> PredictedResponse:
    """The prediction layer's answer (see module docs)."""
    from her2resist.predict.response import predict

    return _summarise(predict(list(genotype.alterations), regimen, engine=engine,
                              context="patient", environment=genotype.environment or None,
                              endpoint=endpoint, samples=0))


def _predict_chunk(pairs: Sequence[tuple[Genotype, str]], predictor: Predictor | None,
                   engine: str | None, endpoint: str = "pCR") -> list[PredictedResponse]:
    """Predict one chunk of pairs (runs in a Dask worker or in this process)."""
    if predictor is None:
        return [_package_prediction(g, regimen, engine or DEFAULT_ENGINE, endpoint)
                for g, regimen in pairs]
    options = {"engine": engine} if engine else {}
    return [_summarise(predictor(list(g.alterations), regimen,
                                 environment=g.environment or None, **options))
            for g, regimen in pairs]


def predict_genotypes(
    pairs: Iterable[tuple[Genotype, str]],
    *,
    predictor: Predictor | None = None,
    engine: str | None = None,
    endpoint: str = "pCR",
    scheduler: str | Any | None = None,
    progress: Progress | None = None,
) -> PredictionTable:
    """Predict each distinct (genotype, regimen label) pair once.

    Parameters
    ----------
    pairs
        Pairs, repeats allowed (they are predicted once).
    predictor
        ``predict_response`` or a function with its signature; default the package's.
    engine
        ``"graded"`` (default), or another engine of the prediction layer; passed to a
        custom ``predictor`` as ``engine=`` when given.
    endpoint
        ``"pCR"`` or ``"ORR"``: the calibrated response probability's endpoint.
    scheduler
        ``None`` (this process), a Dask scheduler address ``"tcp://host:port"``, or a
        ``distributed.Client``. Results do not depend on it.
    progress
        Called with (pairs done, pairs in all) after each chunk.

    Examples
    --------
    >>> g = Genotype(())
    >>> t = predict_genotypes([(g, "trastuzumab"), (g, "trastuzumab")])
    >>> len(t.rows)
    1
    """
    if endpoint not in ENDPOINTS:
        raise ParameterError("endpoint", "predict_genotypes", f"one of {ENDPOINTS}", endpoint)
    distinct = sorted(dict.fromkeys(pairs))
    chunks = [distinct[i:i + CHUNK] for i in range(0, len(distinct), CHUNK)]
    results: list[PredictedResponse] = []
    if scheduler is None:
        for chunk in chunks:
            results.extend(_predict_chunk(chunk, predictor, engine, endpoint))
            if progress:
                progress(len(results), len(distinct))
    else:
        results = _on_dask(chunks, predictor, engine, endpoint, scheduler, progress,
                           len(distinct))
    return PredictionTable(dict(zip(distinct, results, strict=True)))


def _on_dask(chunks: list[list[tuple[Genotype, str]]], predictor: Predictor | None,
             engine: str | None, endpoint: str, scheduler: str | Any,
             progress: Progress | None, total: int) -> list[PredictedResponse]:
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - dask[distributed] is a dependency
        raise EngineError("--scheduler needs dask[distributed]: pip install "
                          "'dask[distributed]'") from None
    own = isinstance(scheduler, str)
    try:
        client: Client = Client(scheduler, timeout=30) if isinstance(scheduler, str) \
            else scheduler
    except OSError as exc:
        raise EngineError(f"cannot reach the Dask scheduler {scheduler!r}: {exc}; start one "
                          "with 'dask scheduler' and workers with 'dask worker ADDRESS'") from None
    try:
        futures = [client.submit(_predict_chunk, chunk, predictor, engine, endpoint,
                                 pure=False)
                   for chunk in chunks]
        done = 0
        for future in as_completed(futures):
            done += len(chunks[futures.index(future)])
            if progress:
                progress(done, total)
        return [row for f in futures for row in f.result()]
    finally:
        if own:
            client.close()
