"""Graded predictions of many tumours and regimens at once: every simulation they need stepped
together (a cohort's reports).

:func:`predict_graded_cohort` gives each (tumour, regimen) pair the prediction that
:func:`~her2resist.predict.graded.predict_graded` gives it alone, bit for bit: it plans each
pair's routes (the nominal one, then the sampled one with the same parameter draws), hands all
of them to the simulation service's batched call (:meth:`~her2resist.engines.service.
SimulationService.sample_many`, which steps them as columns of one array, each with its own
stopping rule), and reads each pair's scores from its routes' final states as
``predict_graded`` does.  Predictions are shared with ``predict_graded``'s cache.

Examples
--------
>>> rows = predict_graded_cohort([(["PTEN loss"], {}), ([], {})], ["lapatinib"])
>>> [[p.response_class for p in row] for row in rows]
[['resistant'], ['sensitive']]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from her2resist.engines import DEFAULT_ENGINE
from her2resist.engines.base import Engine
from her2resist.engines.service import Route, SimulationService
from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.knowledge.schema import Alteration
from her2resist.model.network import Network
from her2resist.model.parse import load_model
from her2resist.predict import graded_inputs as gi
from her2resist.predict.graded import (
    _CACHE,
    DEFAULT_SAMPLES,
    _Call,
    _draw_drawn,
    _drawn_background,
    _drawn_doses,
    _point_of,
    _predict,
    _prepare,
    _sampled_controls,
    _Setup,
    _setup,
    _store,
    _treated_levels,
)
from her2resist.predict.regimen import Regimen, parse_regimen
from her2resist.predict.response import Prediction

__all__ = ["BATCH_COLUMNS", "predict_graded_cohort", "predict_graded_many"]

#: Columns (parameter samples and nominal routes) integrated together at most: a cohort's
#: predictions go in slices of this width (16,384 columns of a 128-node model: 16 MB a copy).
BATCH_COLUMNS = 1 << 14


def predict_graded_many(
    alterations: Iterable[str | Alteration] = (),
    regimens: Sequence[str | Regimen] = (),
    *,
    context: str = "culture",
    environment: Mapping[str, float] | None = None,
    endpoint: str | None = None,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    network: Network | None = None,
    catalogue: Catalogue | None = None,
    engine: Engine | str = DEFAULT_ENGINE,
) -> list[Prediction]:
    """:func:`predict_graded` of each regimen for one tumour, the same answers, every
    regimen's routes integrated together (a report's regimens; see
    :func:`predict_graded_cohort`).

    Examples
    --------
    >>> many = predict_graded_many(["PTEN loss"], ["trastuzumab", "lapatinib"], seed=7)
    >>> [p.regimen for p in many], all(p.interval[0] <= p.score <= p.interval[1] for p in many)
    (['trastuzumab', 'lapatinib'], True)
    """
    return predict_graded_cohort(
        [(tuple(alterations), environment or {})], regimens, context=context,
        endpoint=endpoint, samples=samples, seed=seed, network=network, catalogue=catalogue,
        engine=engine)[0]


def predict_graded_cohort(
    tumours: Sequence[tuple[Iterable[str | Alteration], Mapping[str, float]]],
    regimens: Sequence[str | Regimen] = (),
    *,
    context: str = "culture",
    endpoint: str | None = None,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    network: Network | None = None,
    catalogue: Catalogue | None = None,
    engine: Engine | str = DEFAULT_ENGINE,
) -> list[list[Prediction]]:
    """:func:`predict_graded` of each regimen for each tumour (its alterations and
    environment), the same answers, with every simulation they need integrated together in
    slices of up to :data:`BATCH_COLUMNS` columns (a cohort's reports): the nominal and the
    sampled routes of all of them step as one array through the simulation service's batched
    call, each with its own stopping rule, and identical routes (the untreated cell of
    regimens that draw the same parameters) are integrated once.

    Examples
    --------
    >>> rows = predict_graded_cohort([(["PTEN loss"], {}), ([], {})], ["lapatinib"])
    >>> [[p.response_class for p in row] for row in rows]
    [['resistant'], ['sensitive']]
    """
    network = network or load_model()
    catalogue = catalogue or load_catalogue()
    parsed = [r if isinstance(r, Regimen) else parse_regimen(r, catalogue) for r in regimens]
    calls = []
    for alts, environment in tumours:  # a tumour's arguments checked once, for every regimen
        first = [_prepare(tuple(alts), r, context, environment, None, endpoint, samples, seed,
                          False, network, catalogue, engine) for r in parsed[:1]]
        calls.append(first + [_regimen_call(first[0], r) for r in parsed[1:]])
    found: dict[tuple[object, ...], Prediction] = {}
    todo: dict[tuple[object, ...], _Call] = {}
    for call in (c for row in calls for c in row):
        cached = _CACHE.get(call.key)
        if cached is not None:
            found[call.key] = cached
        else:
            todo.setdefault(call.key, call)
    pending, width = [], 0
    for call in todo.values():
        pending.append(call)
        width += 1 + samples
        if width >= BATCH_COLUMNS:
            found.update(_compute(pending))
            pending, width = [], 0
    if pending:
        found.update(_compute(pending))
    return [[found[c.key] for c in row] for row in calls]


def _regimen_call(call: _Call, regimen: Regimen) -> _Call:
    """``call`` (a prediction without doses) for another regimen: what :func:`~her2resist.
    predict.graded._prepare` gives, the tumour's arguments not checked again."""
    key, arguments = call.key, call.arguments
    return _Call((*key[:4], regimen.label, *key[5:]), (*arguments[:4], regimen, *arguments[5:]))


def _routes(service: SimulationService, p: gi.GradedParameters, setup: _Setup, samples: int,
            seed: int, draws: _Draws) -> tuple[list[Route], dict[str, dict[str, object]]]:
    """The routes of one prediction: the nominal one (the engine's settings, as
    :func:`_point`), then, with ``samples``, the sampled one (as :func:`_run`, its parameter
    sets from ``draws``); and where the nominal route's treated levels will be kept."""
    index = service.index
    kept: dict[str, dict[str, object]] = {}

    def nominal(untreated: list[object]) -> dict[str, object]:
        kept["levels"] = _treated_levels(p, setup, setup.background, untreated[index["E2F"]],
                                         None)
        return kept["levels"]

    routes = [Route(setup.background, nominal)]
    if samples > 0:
        drawn, hill = draws.draw(p, setup, samples, seed)
        background: dict[str, object] = {**setup.background,
                                          **drawn.get("background", {})}  # type: ignore[dict-item]

        def sampled(untreated: list[object]) -> dict[str, object]:
            return _treated_levels(p, setup, background, untreated[index["E2F"]], drawn)

        routes.append(Route(background, sampled, hill=hill, sampled=True))
    return routes, kept


class _Draws:
    """The parameter sets of a cohort's predictions (:func:`~her2resist.predict.graded._draw`
    with :func:`_uniform`), each drawn once: predictions that sample the same assumptions
    from the same seed get the same numbers, so they share them (read-only arrays).  Which
    of a tumour's background levels are sampled is found once per tumour."""

    def __init__(self) -> None:
        self._backgrounds: dict[int, tuple[Mapping[str, float], tuple[tuple[str, str], ...]]] = {}
        self._drawn: dict[tuple[object, ...], tuple[dict[str, object], tuple[Any, Any]]] = {}

    def draw(self, p: gi.GradedParameters, setup: _Setup, samples: int, seed: int
             ) -> tuple[dict[str, object], tuple[Any, Any]]:
        found = self._backgrounds.get(id(setup.background))
        if found is None or found[0] is not setup.background:
            found = (setup.background, _drawn_background(p, setup.background))
            self._backgrounds[id(setup.background)] = found
        doses = _drawn_doses(p, setup)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            return _draw_drawn(p, found[1], doses, samples, _uniform(seed))  # a generator
        key = (id(p), found[1], doses, samples, seed)
        drawn = self._drawn.get(key)
        if drawn is None:
            drawn = self._drawn[key] = _read_only(
                _draw_drawn(p, found[1], doses, samples, _uniform(seed)))
        return drawn


def _read_only(drawn: tuple[dict[str, object], tuple[Any, Any]]
               ) -> tuple[dict[str, object], tuple[Any, Any]]:
    """``drawn`` with its arrays made read-only: shared by predictions, never written."""
    values, hill = drawn
    for array in (*values["background"].values(), *values["doses"].values(),  # type: ignore[attr-defined]
                  values["kill"], *hill):
        if hasattr(array, "flags"):
            array.flags.writeable = False
    return drawn


def _compute(calls: Sequence[_Call]) -> dict[tuple[object, ...], Prediction]:
    """The predictions of ``calls`` (one network and engine), every route of every call
    integrated together through the service's batched call (:meth:`SimulationService.
    sample_many`): the numbers each has alone."""
    service: SimulationService = calls[0].arguments[0]  # type: ignore[assignment]
    p: gi.GradedParameters = calls[0].arguments[1]  # type: ignore[assignment]
    index = service.index
    setups: list[_Setup] = []
    backgrounds: dict[tuple[object, ...], dict[str, float]] = {}
    for c in calls:  # a tumour's levels (alterations, context, environment) computed once
        tumour = (*c.key[2:4], *c.key[5:7])
        setups.append(_setup(*c.arguments[1:8],  # type: ignore[arg-type,misc]
                             background=backgrounds.get(tumour)))
        backgrounds.setdefault(tumour, setups[-1].background)
    draws = _Draws()
    planned = [_routes(service, p, setup, c.arguments[9], c.arguments[10], draws)  # type: ignore[arg-type]
               for c, setup in zip(calls, setups, strict=True)]
    states = iter(service.sample_many([r for routes, _ in planned for r in routes]))
    provenance = service.provenance()
    out = {}
    for call, setup, (routes, kept) in zip(calls, setups, planned, strict=True):
        untreated, treated = next(states)
        point = (*_point_of(service, setup, untreated, treated), kept["levels"], provenance)
        sampled = None
        if len(routes) > 1:
            untreated, treated = next(states)
            sampled = _sampled_controls(untreated, treated, index, setup.bystander)
        out[call.key] = _store(call.key, _predict(*call.arguments, sampled=sampled,  # type: ignore[arg-type,misc]
                                                  point=point, setup=setup))
    return out


#: The last seed's stream of doubles (:func:`_uniform`): one seed serves a whole cohort.
_STREAM: list[tuple[int, Any]] = []


def _uniform(seed: int) -> Any:
    """``numpy.random.default_rng(seed).uniform``, called in order: the same numbers, read from
    one stream of the generator's doubles drawn once per seed (``Generator.uniform(low, high,
    count)`` is ``low + (high - low) * u`` on its next ``count`` doubles ``u``, as
    :class:`~her2resist.common.pcg64.Uniform` also computes), not a generator made per
    prediction; numpy's own generator for a seed that is not a plain non-negative int."""
    import numpy as np

    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        return np.random.default_rng(seed).uniform
    at = 0

    def draw(low: float, high: float, count: int) -> Any:
        nonlocal at
        stream = _STREAM[0] if _STREAM else None  # read once: another thread may replace it
        if stream is None or stream[0] != seed or len(stream[1]) < at + count:
            stream = (seed, np.random.default_rng(seed).random(max(1024, 2 * (at + count))))
            _STREAM[:] = [stream]
        doubles = stream[1][at:at + count]
        at += count
        return float(low) + (float(high) - float(low)) * doubles

    return draw
