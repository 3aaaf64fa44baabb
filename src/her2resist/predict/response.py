"""Predict what a regimen does to a tumour cell, and why.

:func:`predict` is the one prediction: on a graded engine (the default) the graded score with
its interval and calibrated response probability (:mod:`her2resist.predict.graded`), explained
by the engine's Boolean limit (trace, mechanisms); on a Boolean engine
:func:`predict_response`.  Both give a :class:`Prediction`.

Examples
--------
>>> p = predict_response(["PTEN loss"], "trastuzumab")
>>> p.response_class, p.mechanisms
('resistant', ('PTEN_loss',))
>>> predict_response(["PTEN loss"], "trastuzumab + PI3K inhibitor").response_class
'sensitive'
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from her2resist.engines import DEFAULT_ENGINE, EXACT_ENGINE, get_engine
from her2resist.engines.base import Engine, Provenance
from her2resist.engines.cache import BoundedCache
from her2resist.engines.service import RegimenSimulation, SimulationService, get_service
from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.knowledge.perturbation import Perturbation, build_perturbation
from her2resist.knowledge.schema import Alteration
from her2resist.model.network import Network
from her2resist.model.parse import load_model
from her2resist.predict.explain import TraceStep, explain_row
from her2resist.predict.regimen import (
    _LONGEST_KEPT,
    Regimen,
    parse_regimen,
    resolve_alterations,
)
from her2resist.predict.scoring import (
    APOPTOSIS,
    PROLIFERATION,
    control,
    response_class,
    response_score,
)

#: An alteration is named as a mechanism when removing it raises the score by at least this.
MECHANISM_GAIN = 0.25
#: Predictions kept (a cohort's distinct genotype x regimen pairs; a report's remedies).
_PREDICTIONS: BoundedCache[tuple[object, ...], Prediction] = BoundedCache(1 << 15)


@dataclass(frozen=True, slots=True)
class Prediction:
    """The predicted response of a tumour cell to a regimen, with its explanation.

    A graded prediction also has ``context``, ``interval`` (the score's 10th-90th percentile
    over sampled parameter sets), the calibrated ``response_probability`` of ``endpoint``, the
    input ``levels``, the ``fractions`` (time, dividing, arrested, dying) when recorded and
    ``boolean_limit`` (class and score of the engine's Boolean limit, which gives the trace
    and mechanisms); a Boolean one leaves them empty.

    Examples
    --------
    >>> from her2resist.predict import predict_response
    >>> pred = predict_response(["PTEN loss"], "trastuzumab + everolimus", engine="most-permissive")
    >>> pred.response_class, pred.score, pred.to_dict()["class"]
    ('sensitive', 0.5, 'sensitive')
    """

    regimen: str
    alterations: tuple[str, ...]
    response_class: str
    score: float
    control_untreated: float
    control_treated: float
    proliferation: float
    apoptosis: float
    n_states: int
    trace: tuple[TraceStep, ...]
    mechanisms: tuple[str, ...]
    provenance: Provenance
    warnings: tuple[str, ...] = ()
    drug_nodes: tuple[str, ...] = field(default=())
    perturbation: Perturbation | None = None
    context: str | None = None
    interval: tuple[float, float] | None = None
    response_probability: float | None = None
    endpoint: str | None = None
    levels: Mapping[str, float] = field(default_factory=dict)
    fractions: tuple[tuple[float, float, float, float], ...] = ()
    boolean_limit: tuple[str, float] | None = None

    @property
    def graded(self) -> bool:
        """Whether the prediction comes from a graded engine (it has an interval)."""
        return self.interval is not None

    def _repr_html_(self) -> str:
        """The prediction as a card in a notebook (class, score, mechanisms, trace)."""
        from her2resist._html import card

        return card(
            f"{self.regimen}: {self.response_class} (score {self.score:.2f})",
            [("alterations", self.alterations or "none"), ("mechanisms", self.mechanisms
             or "none"), ("control untreated / treated",
                          f"{self.control_untreated:.2f} / {self.control_treated:.2f}"),
             ("reached states", self.n_states),
             ("model", f"{self.provenance.model_name} ({self.provenance.engine})")],
            tables=[("Trace", [step.as_dict() for step in self.trace])], notes=self.warnings)

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON (``her2resist predict --json``)."""
        data: dict[str, object] = {
            "regimen": self.regimen,
            "alterations": list(self.alterations),
            "class": self.response_class,
            "score": round(self.score, 4),
            "control_untreated": round(self.control_untreated, 4),
            "control_treated": round(self.control_treated, 4),
            "proliferation": round(self.proliferation, 4),
            "apoptosis": round(self.apoptosis, 4),
            "reached_states": self.n_states,
            "mechanisms": list(self.mechanisms),
            "trace": [s.as_dict() for s in self.trace],
            "warnings": list(self.warnings),
            "perturbation": (self.perturbation.to_dict() if self.perturbation is not None
                             else None),
            "provenance": self.provenance.as_dict(),
        }
        if self.interval is not None:
            data.update({
                "context": self.context,
                "interval": [round(v, 4) for v in self.interval],
                "response_probability": (None if self.response_probability is None
                                         else round(self.response_probability, 4)),
                "endpoint": self.endpoint,
                "levels": {k: round(v, 4) for k, v in sorted(self.levels.items())},
            })
        if self.fractions:
            data["fractions"] = [[round(x, 4) for x in row] for row in self.fractions]
        if self.boolean_limit is not None:
            data["boolean_limit"] = {"class": self.boolean_limit[0],
                                     "score": round(self.boolean_limit[1], 4)}
        return data


def _score(service: SimulationService, background: Mapping[str, int], drugs: Mapping[str, int]
           ) -> tuple[float, float, float, RegimenSimulation]:
    sim = service.treat(background, drugs)
    c0, c1 = control(sim.untreated), control(sim.treated)
    return response_score(c0, c1), c0, c1, sim


def _mechanisms(
    service: SimulationService,
    alterations: tuple[Alteration, ...],
    drugs: Mapping[str, int],
    score: float,
    extra: Mapping[str, int],
) -> tuple[str, ...]:
    """Alterations whose removal raises the score by at least MECHANISM_GAIN."""
    found = []
    for alt in alterations:
        rest = _perturbation(tuple(a for a in alterations if a.id != alt.id), extra, warn=False)
        without, *_ = _score(service, rest.values, drugs)
        if without - score >= MECHANISM_GAIN - 1e-9:
            found.append(alt.id)
    return tuple(found)


class _Reached(NamedTuple):
    """What a prediction reads of a simulation: the control of the untreated and of the treated
    cell, the treated cell's mean proliferation and apoptosis, how many states it reaches, the
    results' provenance, and ``escape()``: the node order and the treated state that divides
    most (the first one if none divides), which the trace explains."""

    untreated: float
    treated: float
    proliferation: float
    apoptosis: float
    n_states: int
    provenance: Provenance
    escape: Callable[[], tuple[Sequence[str], Sequence[float]]]


def _reached(sim: RegimenSimulation) -> _Reached:
    treated = sim.treated
    return _Reached(control(sim.untreated), control(treated), treated.value(PROLIFERATION),
                    treated.value(APOPTOSIS), treated.n_states, treated.provenance,
                    lambda: (treated.nodes, treated.rows[treated.most(PROLIFERATION)]))


def _trace(network: Network, reached: _Reached, perturbed: Mapping[str, int]
           ) -> tuple[TraceStep, ...]:
    nodes, state = reached.escape()
    steps, dying = explain_row(network, nodes, state, (PROLIFERATION, APOPTOSIS), perturbed)
    seen = {s.node for s in steps}
    return (*steps, *(s for s in dying if s.node not in seen))


def predict_response(
    alterations: Iterable[str | Alteration] = (),
    regimen: str | Regimen = "",
    *,
    environment: Mapping[str, int] | None = None,
    engine: Engine | str = EXACT_ENGINE,
    network: Network | None = None,
    catalogue: Catalogue | None = None,
    explain: bool = True,
) -> Prediction:
    """Predict the response of an HER2-amplified cell with ``alterations`` to ``regimen``.

    Parameters
    ----------
    alterations
        Vocabulary strings ("PTEN loss", "PIK3CA H1047R"), alteration ids or records.
    regimen
        Drug or class names joined by " + ", or a parsed :class:`Regimen`.
    environment
        Extra fixed model nodes (e.g. ``{"Immune": 1}`` for ADCC, ``{"IGF1": 1}``).
    engine
        "most-permissive" (default, exact reachable attractors) or "stochastic" (MaBoSS).
    explain
        Compute the mechanism trace and the responsible alterations (one extra simulation per
        alteration, cached).

    Examples
    --------
    >>> pred = predict_response(["PTEN loss"], "trastuzumab")
    >>> pred.response_class, pred.mechanisms
    ('resistant', ('PTEN_loss',))
    >>> predict_response(["PTEN loss"], "trastuzumab + everolimus").score > pred.score
    True
    """
    network = network or load_model()
    catalogue = catalogue or load_catalogue()
    alts = resolve_alterations(alterations, catalogue)
    reg = _regimen(regimen, catalogue)
    extra = dict(environment or {})
    network.check_nodes(extra, "model node")
    perturbation = _perturbation(alts, extra, warn=True)
    eng = get_engine(engine) if isinstance(engine, str) else engine
    return _kept(get_service(network, eng), catalogue, alts, reg, perturbation, extra, explain)


def _kept(service: SimulationService, catalogue: Catalogue, alts: tuple[Alteration, ...],
          reg: _Parsed, perturbation: Perturbation, extra: Mapping[str, int], explain: bool,
          cell: tuple[object, ...] | None = None,
          mechanisms: tuple[str, ...] | None = None,
          reached: _Reached | None = None) -> Prediction:
    """The prediction, computed once per model, engine, catalogue, perturbation, regimen and
    ``explain`` (:data:`_PREDICTIONS`).  ``cell``: :func:`_cell_key` of the first four, when
    the caller has it; ``mechanisms`` (those of an explained prediction) and ``reached`` (what
    the simulation gives), when the caller worked them out
    (:func:`~her2resist.predict.batched.predict_regimens`)."""
    if cell is None:
        cell = _cell_key(service, catalogue, perturbation)
    key = (*cell, reg.label, reg.sorted_nodes)
    found = _PREDICTIONS.get((*key, explain))
    if found is not None:
        return found
    # An explained prediction adds the trace and mechanisms to the same numbers.
    quick = _PREDICTIONS.get((*key, False)) if explain else None
    found = _predict(service, alts, reg, perturbation, extra, explain, quick, mechanisms,
                     reached)
    with _PIN_LOCK:
        # Kept only while the catalogue is still pinned: another thread may have emptied both
        # tables meanwhile, and an entry under an unpinned id could later answer for another
        # catalogue given the same id once this one is freed.
        if _PINNED.get(id(catalogue)) is catalogue:
            _PREDICTIONS.put((*key, explain), found)
    return found


def _cell_key(service: SimulationService, catalogue: Catalogue, perturbation: Perturbation
              ) -> tuple[object, ...]:
    """The part of a prediction's cache key that every regimen of one cell shares."""
    return (service.network.hash, service.engine.key, _pinned(catalogue),
            tuple(sorted(perturbation.values.items())), perturbation.alterations)


class _Parsed(NamedTuple):
    """A regimen with what every prediction of it reads (worked out once per text)."""

    regimen: Regimen
    label: str
    nodes: tuple[str, ...]
    sorted_nodes: tuple[str, ...]
    drugs: Mapping[str, int]  # shared: read, never changed


def _parsed(reg: Regimen) -> _Parsed:
    nodes = reg.nodes
    return _Parsed(reg, reg.label, nodes, tuple(sorted(nodes)), reg.perturbation())


#: The catalogues whose id is in a prediction's cache key, held so that no other catalogue
#: gets the same id while those entries live (a catalogue is freed only after both are
#: emptied together).
_PINNED: dict[int, Catalogue] = {}
#: Pinning, emptying and keeping a prediction happen under this lock (web requests run in
#: threads).
_PIN_LOCK = threading.Lock()


def _pinned(catalogue: Catalogue) -> int:
    """``id(catalogue)``, valid as a cache key: the catalogue is held meanwhile."""
    with _PIN_LOCK:
        if _PINNED.get(id(catalogue)) is not catalogue:
            if len(_PINNED) >= 64:
                _PREDICTIONS.clear()
                _PINNED.clear()
            _PINNED[id(catalogue)] = catalogue
    return id(catalogue)


#: Regimen texts already parsed, per catalogue.
_REGIMENS: dict[tuple[str, int], tuple[Catalogue, _Parsed]] = {}


def _regimen(regimen: str | Regimen, catalogue: Catalogue) -> _Parsed:
    """The parsed regimen (see :class:`_Parsed`), parsed once per text and catalogue."""
    if isinstance(regimen, Regimen):
        return _parsed(regimen)
    found = _REGIMENS.get((regimen, id(catalogue)))
    if found is None or found[0] is not catalogue:
        found = (catalogue, _parsed(parse_regimen(regimen, catalogue)))
        if len(regimen) <= _LONGEST_KEPT:  # user text: kept bounded in size and number
            if len(_REGIMENS) >= 4096:
                _REGIMENS.clear()
            _REGIMENS[regimen, id(catalogue)] = found
    return found[1]


#: Perturbations already built, by the identity of their alteration records and environment.
_PERTURBATIONS: dict[tuple[object, ...], tuple[tuple[Alteration, ...], Perturbation]] = {}


def _perturbation(alts: tuple[Alteration, ...], extra: Mapping[str, int], *,
                  warn: bool) -> Perturbation:
    """``build_perturbation(alts, environment=extra)``, built once per alteration records and
    environment (a report predicts some twenty regimens, and its mechanisms each alteration
    set without one); one with conflicts is built again where it must warn, so that every
    call warns as before."""
    key = (tuple(map(id, alts)), tuple(extra.items()))
    found = _PERTURBATIONS.get(key)
    if found is None or any(a is not b for a, b in zip(found[0], alts, strict=True)) or (
            warn and found[1].conflicts):
        built = build_perturbation(alts, environment=extra, warn=warn)
        if len(_PERTURBATIONS) >= 8192:
            _PERTURBATIONS.clear()
        _PERTURBATIONS[key] = (alts, built)
        return built
    return found[1]


def _predict(service: SimulationService, alts: tuple[Alteration, ...], reg: _Parsed,
             perturbation: Perturbation, extra: Mapping[str, int],
             explain: bool, quick: Prediction | None = None,
             mechanisms: tuple[str, ...] | None = None,
             reached: _Reached | None = None) -> Prediction:
    background = perturbation.as_dict()
    drugs = reg.drugs
    if reached is None:
        reached = _reached(service.treat(background, drugs))
    if quick is not None:  # the same numbers, explained
        if mechanisms is None:
            mechanisms = _mechanisms(service, alts, drugs, quick.score, extra)
        return replace(quick, trace=_trace(service.network, reached, {**background, **drugs}),
                       mechanisms=mechanisms)
    c0, c1 = reached.untreated, reached.treated
    score = response_score(c0, c1)
    warnings = []
    if c0 >= 0.5:
        warnings.append(
            "The model finds no proliferative drive in this cell without treatment, so no "
            "drug can add control: the score is 0 (check the HER2 status and alterations)."
        )
    trace: tuple[TraceStep, ...] = ()
    if explain:
        trace = _trace(service.network, reached, {**background, **drugs})
        if mechanisms is None:
            mechanisms = _mechanisms(service, alts, drugs, score, extra)
    else:
        mechanisms = ()
    return Prediction(
        regimen=reg.label,
        alterations=tuple(a.id for a in alts),
        response_class=response_class(score),
        score=score,
        control_untreated=c0,
        control_treated=c1,
        proliferation=reached.proliferation,
        apoptosis=reached.apoptosis,
        n_states=reached.n_states,
        trace=trace,
        mechanisms=mechanisms,
        provenance=reached.provenance,
        warnings=tuple((*perturbation.conflicts, *warnings)),
        drug_nodes=reg.nodes,
        perturbation=perturbation,
    )


def predict(
    alterations: Iterable[str | Alteration] = (),
    regimen: str | Regimen = "",
    *,
    engine: Engine | str = DEFAULT_ENGINE,
    context: str = "patient",
    environment: Mapping[str, int] | None = None,
    doses: Mapping[str, float] | None = None,
    endpoint: str | None = "pCR",
    samples: int | None = None,
    explain: bool = True,
    network: Network | None = None,
    catalogue: Catalogue | None = None,
) -> Prediction:
    """The prediction of ``engine`` for a tumour cell and a regimen (see module docs).

    Parameters
    ----------
    engine
        An engine name or object; graded (default) or Boolean, told apart by the simulation
        service, never by name.
    context, doses, endpoint, samples
        Graded engines: as for :func:`~her2resist.predict.graded.predict_graded` (``samples``
        None: its default); a Boolean engine ignores them.
    explain
        Compute the mechanism trace and the responsible alterations (of the Boolean limit).

    Examples
    --------
    >>> p = predict(["PIK3CA H1047R"], "trastuzumab", samples=0)
    >>> p.graded, p.boolean_limit, p.mechanisms
    (True, ('resistant', 0.0), ('PIK3CA_mut',))
    >>> predict(["PIK3CA H1047R"], "trastuzumab", engine=EXACT_ENGINE).graded
    False
    """
    network = network or load_model()
    catalogue = catalogue or load_catalogue()
    service = get_service(network, engine)
    if not service.graded:
        return predict_response(alterations, regimen, environment=environment,
                                engine=service.engine, network=network, catalogue=catalogue,
                                explain=explain)
    from her2resist.predict.graded import predict_graded

    limit = predict_response(alterations, regimen, environment=environment,
                             engine=service.limit.engine, network=network, catalogue=catalogue,
                             explain=explain)
    graded = predict_graded(alterations, regimen, context=context,
                            environment=dict(environment or {}), doses=doses,
                            endpoint=endpoint, network=network, catalogue=catalogue,
                            engine=service.engine,
                            **({} if samples is None else {"samples": samples}))
    conflicts = limit.perturbation.conflicts if limit.perturbation is not None else ()
    return replace(graded, n_states=limit.n_states, trace=limit.trace,
                   mechanisms=limit.mechanisms, perturbation=limit.perturbation,
                   boolean_limit=(limit.response_class, limit.score),
                   warnings=tuple(dict.fromkeys((*conflicts, *graded.warnings))))
