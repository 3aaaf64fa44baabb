"""Graded prediction: a regimen's response on a continuous scale, with an interval and a
calibrated response probability.

The same two simulations as the Boolean path (``predict/simulate.py``): the untreated cell from
rest, then the treated cell from the untreated state, on the graded engine
(``engines/graded.py``) with input levels from ``predict/graded_inputs.py``.  The score uses the
Boolean path's control formula (``predict/scoring.py``) on continuous Proliferation (P) and
Apoptosis (A) activities, read as the fractions of cells dividing and dying.  One population
term the single-cell rules cannot state is added: a membrane-permeable ADC payload (T-DXd)
released by treated cells kills cycling neighbours whatever their signalling (bystander).

The interval is the 10th-90th percentile of the score over ``samples`` parameter sets drawn
uniformly within the ranges of every assumption in ``graded_parameters.yaml`` (Hill shape,
context levels, TKI exposure, chemotherapy kill, ER and HER2 levels), computed in one
vectorised integration.  Many tumours and regimens at once: ``predict_graded_cohort`` and
``predict_graded_many`` (``predict/graded_cohort.py``, importable from here too), the same
answers with every simulation stepped together.

Examples
--------
>>> p = predict_graded([], "trastuzumab deruxtecan")
>>> q = predict_graded([], "trastuzumab emtansine")
>>> p.score > q.score
True
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from her2resist.common.plainmath import is_array, plain_is_exact
from her2resist.common.quantiles import percentiles
from her2resist.engines import DEFAULT_ENGINE
from her2resist.engines.base import Engine, Provenance
from her2resist.engines.service import SimulationService, get_service
from her2resist.exceptions import ParameterError
from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.knowledge.schema import Alteration
from her2resist.model.network import Network
from her2resist.model.parse import load_model
from her2resist.predict import graded_inputs as gi
from her2resist.predict.regimen import (
    Regimen,
    alteration_perturbation,
    parse_regimen,
    resolve_alterations,
)
from her2resist.predict.response import Prediction
from her2resist.predict.scoring import response_class, response_score

DEFAULT_SAMPLES = 16
#: Samples integrated in plain Python floats, not numpy arrays, when numpy is not loaded yet
#: (a one-shot prediction): below this, plain floats cost less than numpy's import.
PLAIN_SAMPLES = 64
#: Graded predictions kept (a cohort's distinct genotype x regimen pairs).
_CACHE_SIZE = 1 << 14
_CACHE: OrderedDict[tuple[object, ...], Prediction] = OrderedDict()
_QUANTILES = (10, 90)
#: A graded prediction is a :class:`~her2resist.predict.response.Prediction` with its graded
#: fields (``interval``, ``response_probability``, ``levels``...): one result type.
GradedPrediction = Prediction


class _Setup:
    """One prediction's input levels (a plain slotted class: a dataclass costs a one-shot
    command ~1 ms to make)."""

    __slots__ = ("background", "bystander", "doses", "gain", "items")

    def __init__(self, background: dict[str, float],
                 items: tuple[tuple[str, tuple[str, ...]], ...], doses: dict[str, float],
                 gain: float, bystander: float) -> None:
        self.background, self.items, self.doses = background, items, doses
        self.gain, self.bystander = gain, bystander


def _setup(
    p: gi.GradedParameters,
    texts: tuple[str, ...],
    alts: tuple[Alteration, ...],
    reg: Regimen,
    context: str,
    environment: Mapping[str, float],
    doses: Mapping[str, float],
    background: dict[str, float] | None = None,
) -> _Setup:
    """The input levels of one prediction; ``background``: the tumour's, when known (a
    cohort computes them once per tumour; read only)."""
    if background is None:
        background = {k: float(v) for k, v in alteration_perturbation(alts).items()}
        for node, level in gi.context_levels(p, context).items():
            background[node] = max(level, background.get(node, 0.0))
        background.update(gi.alteration_levels(p, texts, [a.id for a in alts]))
        background.update({k: float(v) for k, v in environment.items()})
    ids = [item.id for item in reg.items]
    items = tuple((item.id, item.nodes) for item in reg.items)
    return _Setup(background, items, {k: float(v) for k, v in doses.items()},
                  gi.immune_gain(p, ids), gi.bystander(p, ids))


def __getattr__(name: str) -> Any:
    # plot_fractions (predict/graded_figure.py) and the cohort calls (predict/graded_cohort.py)
    # are public here too, imported when asked for (a one-shot prediction needs neither).
    if name == "plot_fractions":
        from her2resist.predict.graded_figure import plot_fractions

        return plot_fractions
    if name in ("predict_graded_cohort", "predict_graded_many", "BATCH_COLUMNS"):
        from her2resist.predict import graded_cohort

        return getattr(graded_cohort, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _control(prolif: Any, death: Any) -> Any:
    """The control value of proliferation and death (floats or numpy arrays alike)."""
    return (1.0 - prolif) / 2.0 + (death / 2.0) * (1.0 - prolif / 2.0)


def _treated_levels(p: gi.GradedParameters, setup: _Setup, background: Mapping[str, object],
                    cycling: object, samples: Mapping[str, object] | None, *,
                    element: bool = False) -> dict[str, object]:
    """Background plus the regimen's levels (chemotherapy scaled by the cycling fraction);
    ``element``: the levels of one sample of an array of them (see gi.effector_level)."""
    kill = samples.get("kill", p.chemo_kill) if samples else p.chemo_kill
    doses = {**setup.doses, **(samples.get("doses", {}) if samples else {})}  # type: ignore[dict-item]
    drugs = gi.regimen_levels(p, setup.items, doses=doses, cycling=cycling, kill=kill)
    levels: dict[str, object] = {**background, **drugs}
    if "Immune" in levels:
        levels["Immune"] = gi.effector_level(levels["Immune"], setup.gain, element=element)
    return levels


def _point(service: SimulationService, p: gi.GradedParameters, setup: _Setup
           ) -> tuple[float, float, float, float, dict[str, object], Provenance]:
    """The nominal prediction, through the simulation service (shared cache)."""
    untreated = service.untreated(setup.background)
    levels = _treated_levels(p, setup, setup.background, untreated.value("E2F"), None)
    treated = service.treat(setup.background, levels).treated  # type: ignore[arg-type]
    return (*_point_of(service, setup, list(untreated.rows[0]), list(treated.rows[0])),
            levels, treated.provenance)


def _point_of(service: SimulationService, setup: _Setup, untreated: Sequence[object],
              treated: Sequence[object]) -> tuple[float, float, float, float]:
    """Untreated and treated control, proliferation and death of the nominal states."""
    index = service.index
    prolif, death = _treated_phenotypes([float(v) for v in treated],  # type: ignore[arg-type]
                                        index, setup.bystander)
    c0 = _control(float(untreated[index["Proliferation"]]),  # type: ignore[arg-type]
                  float(untreated[index["Apoptosis"]]))  # type: ignore[arg-type]
    return float(c0), float(_control(prolif, death)), float(prolif), float(death)


def _run(
    service: SimulationService,
    p: gi.GradedParameters,
    setup: _Setup,
    *,
    samples: Mapping[str, object] | None = None,
    hill: tuple[object, object] | None = None,
    record: list[tuple[float, list[object]]] | None = None,
) -> tuple[object, object]:
    """Untreated then treated integration through the service, vectorised over parameter
    ``samples`` and/or recording the treated trajectory; returns the untreated and treated
    control."""
    index = {n: i for i, n in enumerate(service.network.nodes)}
    background: dict[str, object] = dict(setup.background)
    background.update(samples.get("background", {}) if samples else {})  # type: ignore[call-overload]

    def treated_levels(untreated: list[object]) -> dict[str, object]:
        return _treated_levels(p, setup, background, untreated[index["E2F"]], samples)

    untreated, treated = service.sample(
        background, treated_levels, hill=hill if hill is not None else (p.hill_n, p.hill_k),
        record=record, sampled=bool(samples))
    return _sampled_controls(untreated, treated, index, setup.bystander)


def _sampled_controls(untreated: list[object], treated: list[object], index: Mapping[str, int],
                      bystander: float) -> tuple[object, object]:
    """Untreated and treated control of sampled final states (numpy arrays, or floats)."""
    import numpy as np

    c0 = _control(np.asarray(untreated[index["Proliferation"]]),
                  np.asarray(untreated[index["Apoptosis"]]))
    return c0, _control(*_treated_phenotypes(treated, index, bystander))


def _run_plain(service: SimulationService, p: gi.GradedParameters, setup: _Setup, samples: int,
               seed: int) -> tuple[list[float], list[float]] | None:
    """:func:`_run` on the parameter sets of :func:`_draw`, each integrated in plain Python
    floats (the engine's ``integrate_route_columns``): the same numbers, without numpy; None
    (use numpy) where plain floats would not be numpy's numbers, or the engine cannot."""
    columns = getattr(service.engine, "integrate_route_columns", None)
    if columns is None or not plain_is_exact() or isinstance(seed, bool) or not (
            isinstance(seed, int) and seed >= 0):
        return None
    from her2resist.common.pcg64 import Uniform

    draws = Uniform(seed)
    drawn, hill = _draw(p, setup, samples, draws.uniform)
    index = service.index
    sampled_background: dict[str, list[float]] = drawn["background"]  # type: ignore[assignment]
    sampled_doses: dict[str, list[float]] = drawn["doses"]  # type: ignore[assignment]
    kills: list[float] = drawn["kill"]  # type: ignore[assignment]
    backgrounds = []
    for j in range(samples):
        background: dict[str, object] = dict(setup.background)
        background.update({node: values[j] for node, values in sampled_background.items()})
        backgrounds.append(background)
    # Immune is an array of samples in the numpy route when it is drawn: its effector level is
    # then numpy's array power (gi.effector_level's ``element``).
    element = "Immune" in sampled_background

    def treated_levels(j: int, untreated: list[float]) -> dict[str, object]:
        one = {"kill": kills[j], "doses": {k: v[j] for k, v in sampled_doses.items()}}
        return _treated_levels(p, setup, backgrounds[j], untreated[index["E2F"]], one,
                               element=element)

    routes = columns(service.network, backgrounds, treated_levels, hill=hill, sampled=True)
    controls = [(_control(untreated[index["Proliferation"]], untreated[index["Apoptosis"]]),
                 _control(*_treated_phenotypes(treated, index, setup.bystander)))
                for untreated, treated in routes]
    return [c0 for c0, _ in controls], [c1 for _, c1 in controls]


def _treated_phenotypes(state: list[object], index: Mapping[str, int],
                        bystander: float) -> tuple[Any, Any]:
    """Proliferation and death of treated states: plain floats, or numpy arrays of samples
    (the same operations element by element)."""
    read = ("Proliferation", "Apoptosis", *(("DXd", "E2F") if bystander else ()))
    values = [state[index[n]] for n in read]
    if any(map(is_array, values)):
        import numpy as np

        prolif, death, *payload = (np.asarray(v, dtype=float) for v in values)
    else:
        prolif, death, *payload = (float(v) for v in values)  # type: ignore[arg-type,assignment]
    if bystander:
        extra = bystander * payload[0] * payload[1]
        death = 1.0 - (1.0 - death) * (1.0 - extra)
        prolif = prolif * (1.0 - extra)
    return prolif, death


def _draw(p: gi.GradedParameters, setup: _Setup, count: int,
          source: int | Callable[[float, float, int], Any]) -> tuple[dict[str, object],
                                                                   tuple[Any, Any]]:
    """The parameter samples: ``count`` draws of every sampled assumption, from
    ``numpy.random.default_rng(source)`` (numpy arrays), or from ``source(low, high, count)``
    (its values: :class:`~her2resist.common.pcg64.Uniform` gives numpy's as lists)."""
    return _draw_drawn(p, _drawn_background(p, setup.background), _drawn_doses(p, setup),
                       count, source)


def _drawn_background(p: gi.GradedParameters, background: Mapping[str, float]
                      ) -> tuple[tuple[str, str], ...]:
    """The sampled assumptions of a tumour's ``background`` (its context and alteration
    levels left at their defaults), as (range key, node) pairs in draw order."""
    drawn = []
    for key in p.ranges:
        parts = key.split(".")
        if parts[0] in ("context", "alteration") and parts[2] in background:
            base = background[parts[2]]
            default = (p.contexts.get(parts[1], {}).get(parts[2]) if parts[0] == "context"
                       else (p.alterations.get(parts[1]) or {}).get("levels", {}).get(parts[2]))
            if default is not None and abs(base - float(default)) < 1e-12:
                drawn.append((key, parts[2]))
    return tuple(drawn)


def _drawn_doses(p: gi.GradedParameters, setup: _Setup) -> tuple[tuple[str, float], ...]:
    """The regimen's drugs whose exposure is sampled, with their doses, in draw order."""
    return tuple((item_id, setup.doses.get(item_id, 1.0)) for item_id, _nodes in setup.items
                 if f"drug.{item_id}" in p.ranges)


def _draw_drawn(p: gi.GradedParameters, background_keys: Sequence[tuple[str, str]],
                dose_keys: Sequence[tuple[str, float]], count: int,
                source: int | Callable[[float, float, int], Any]
                ) -> tuple[dict[str, object], tuple[Any, Any]]:
    """:func:`_draw` of the assumptions :func:`_drawn_background` and :func:`_drawn_doses`
    name, drawn in that order, then Hill n and k and the chemotherapy's kill."""
    if callable(source):
        draw = source
    else:
        import numpy as np

        draw = np.random.default_rng(source).uniform

    def uniform(key: str) -> Any:
        low, high = p.ranges[key]
        return draw(low, high, count)

    background: dict[str, Any] = {}
    for key, node in background_keys:
        background[node] = uniform(key)
    doses: dict[str, Any] = {}
    for item_id, dose in dose_keys:
        default = float(p.drugs[item_id]["exposure_over_ic50"])
        values = uniform(f"drug.{item_id}")
        doses[item_id] = (values / default * dose if is_array(values)
                          else [v / default * dose for v in values])
    hill = (uniform("hill.n"), uniform("hill.k"))
    return {"background": background, "kill": uniform("chemotherapy.kill"), "doses": doses}, hill


def predict_graded(
    alterations: Iterable[str | Alteration] = (),
    regimen: str | Regimen = "",
    *,
    context: str = "culture",
    environment: Mapping[str, float] | None = None,
    doses: Mapping[str, float] | None = None,
    endpoint: str | None = None,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    trajectory: bool = False,
    network: Network | None = None,
    catalogue: Catalogue | None = None,
    engine: Engine | str = DEFAULT_ENGINE,
) -> Prediction:
    """Graded response of a tumour cell to a regimen (see module docs).

    Parameters
    ----------
    context
        "culture" (model defaults) or "patient" (ligands, immune effectors).
    doses
        Drug id -> multiple of the default clinical exposure.
    endpoint
        "pCR" or "ORR": adds the calibrated response probability (``predict/calibration.py``).
    samples
        Parameter sets drawn for the interval (0: no interval).
    trajectory
        Record the fractions dividing, arrested and dying once per time unit.
    engine
        A graded engine (one whose service is ``graded``).
    """
    call = _prepare(alterations, regimen, context, environment, doses, endpoint, samples, seed,
                    trajectory, network, catalogue, engine)
    cached = _CACHE.get(call.key)
    if cached is None:
        cached = _store(call.key, _predict(*call.arguments))
    return cached


class _Call:
    """One prediction's checked arguments and cache key (plain, as :class:`_Setup`)."""

    __slots__ = ("arguments", "key")

    def __init__(self, key: tuple[object, ...], arguments: tuple[object, ...]) -> None:
        self.key, self.arguments = key, arguments


def _prepare(alterations: Iterable[str | Alteration], regimen: str | Regimen, context: str,
             environment: Mapping[str, float] | None, doses: Mapping[str, float] | None,
             endpoint: str | None, samples: int, seed: int, trajectory: bool,
             network: Network | None, catalogue: Catalogue | None, engine: Engine | str
             ) -> _Call:
    """The checked arguments of one graded prediction and its cache key."""
    network = network or load_model()
    service = get_service(network, engine)
    if not service.graded:
        raise ParameterError("engine", "predict_graded", "a graded engine", service.engine.name)
    catalogue = catalogue or load_catalogue()
    p = gi.load_graded_parameters()
    texts = tuple(str(a) for a in alterations if not isinstance(a, Alteration))
    alts = resolve_alterations(alterations, catalogue)
    reg = regimen if isinstance(regimen, Regimen) else parse_regimen(regimen, catalogue)
    environment = dict(environment or {})
    network.check_nodes(environment, "model node")
    ids = sorted({item.id for item in reg.items})
    for name in doses or {}:
        if name not in ids:
            raise ParameterError("doses", "predict_graded", f"drug ids of the regimen {ids}", name)
    key = (network.hash, service.engine.key, texts, tuple(a.id for a in alts), reg.label, context,
           tuple(sorted(environment.items())), tuple(sorted((doses or {}).items())), endpoint,
           samples, seed, trajectory)
    return _Call(key, (service, p, texts, alts, reg, context, environment, doses or {},
                       endpoint, samples, seed, trajectory))


def _store(key: tuple[object, ...], prediction: Prediction) -> Prediction:
    _CACHE[key] = prediction
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return prediction


def _predict(
    service: SimulationService,
    p: gi.GradedParameters,
    texts: tuple[str, ...],
    alts: tuple[Alteration, ...],
    reg: Regimen,
    context: str,
    environment: Mapping[str, float],
    doses: Mapping[str, float],
    endpoint: str | None,
    samples: int,
    seed: int,
    trajectory: bool,
    sampled: tuple[object, object] | None = None,
    point: tuple[float, float, float, float, dict[str, object], Provenance] | None = None,
    setup: _Setup | None = None,
) -> Prediction:
    setup = setup or _setup(p, texts, alts, reg, context, environment, doses)
    c0, c1, prolif, death, levels, provenance = point or _point(service, p, setup)
    score = response_score(c0, c1)
    record: list[tuple[float, list[object]]] | None = [] if trajectory else None
    if record is not None:
        _run(service, p, setup, record=record)
    interval = (score, score)
    if samples > 0:
        if sampled is None and samples <= PLAIN_SAMPLES:
            sampled = _run_plain(service, p, setup, samples, seed)
        if sampled is None:
            drawn, hill = _draw(p, setup, samples, seed)
            sampled = _run(service, p, setup, samples=drawn, hill=hill)
        s0, s1 = (v if isinstance(v, list) else _as_list(v, samples) for v in sampled)
        per = [response_score(a, b) for a, b in zip(s0, s1, strict=True)]
        low, high = percentiles(per, _QUANTILES)  # numpy's, without importing numpy.ma
        interval = (float(min(low, score)), float(max(high, score)))
    probability = None
    if endpoint is not None:
        from her2resist.predict.calibration_map import load_calibration

        probability = load_calibration().probability(endpoint, score)
    warnings = []
    if c0 >= 0.5:
        warnings.append("The model finds little proliferative drive in this cell without "
                        "treatment, so a drug can add little control.")
    return Prediction(
        regimen=reg.label,
        alterations=tuple(a.id for a in alts),
        response_class=response_class(score),
        score=score,
        control_untreated=c0,
        control_treated=c1,
        proliferation=prolif,
        apoptosis=death,
        n_states=1,
        trace=(),
        mechanisms=(),
        provenance=provenance,
        warnings=tuple(warnings),
        drug_nodes=reg.nodes,
        context=context,
        interval=interval,
        response_probability=probability,
        endpoint=endpoint,
        levels={k: float(v) for k, v in levels.items()},  # type: ignore[arg-type]
        fractions=_fractions(service.network, record, setup.bystander) if record else (),
    )


def _as_list(values: object, samples: int) -> list[float]:
    """Sampled values (a numpy array, or one value for all) as a list of floats."""
    import numpy as np

    if getattr(values, "shape", None) == (samples,):
        return values.tolist()  # type: ignore[attr-defined,no-any-return]
    return np.broadcast_to(values, (samples,)).tolist()  # type: ignore[call-overload]


def _fractions(network: Network, record: list[tuple[float, list[object]]],
               bystander: float) -> tuple[tuple[float, float, float, float], ...]:
    index = {n: i for i, n in enumerate(network.nodes)}
    rows = []
    for t, state in record:
        prolif, death = _treated_phenotypes(state, index, bystander)
        dividing = float(prolif) * (1.0 - float(death))
        dying = float(death)
        rows.append((t, dividing, max(0.0, 1.0 - dividing - dying), dying))
    return tuple(rows)
