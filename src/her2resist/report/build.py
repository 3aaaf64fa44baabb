"""Build a tumour's report: for each HER2 regimen, the predicted response, the mechanism of
escape, the evidence, and the combinations or nodal targets that restore response.

Examples
--------
>>> from her2resist.profile import TumourProfile
>>> profile = TumourProfile.from_alterations("T1", ["PIK3CA H1047R"])
>>> report = build_report(profile, regimens=["trastuzumab"], standard=False)
>>> r = report.regimens[0]
>>> r.regimen, r.response_class, r.mechanisms[0].id
('trastuzumab', 'resistant', 'PIK3CA_mut')
>>> r.overcome_by[0].score > r.score
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from her2resist import __version__
from her2resist.common.collector import collector_paused
from her2resist.engines import DEFAULT_ENGINE, EXACT_ENGINE
from her2resist.knowledge.catalogue import Catalogue, load_catalogue
from her2resist.knowledge.perturbation import Perturbation
from her2resist.model.network import Network
from her2resist.model.parse import load_model
from her2resist.profile.tumour import ProfileAlteration, TumourProfile
from her2resist.report.evidence import (
    EvidenceItem,
    knowledge_base,
    mechanism_info,
    regimen_evidence,
)
from her2resist.report.remedies import Remedy, find_remedies_many
from her2resist.screen.genotypes import as_genotype

#: HER2 regimens in use: single agents and the standard combinations (pivotal trials).
STANDARD_REGIMENS = (
    "trastuzumab", "pertuzumab", "lapatinib", "tucatinib", "neratinib",
    "trastuzumab emtansine", "trastuzumab deruxtecan",
    "trastuzumab + pertuzumab",                      # CLEOPATRA backbone
    "trastuzumab + pertuzumab + docetaxel",          # CLEOPATRA
    "lapatinib + trastuzumab",                       # EGF104900
    "lapatinib + capecitabine",                      # EGF100151
    "tucatinib + trastuzumab + capecitabine",        # HER2CLIMB
    "neratinib + capecitabine",                      # NALA
)

Predictor = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class MechanismCall:
    """An alteration judged responsible for the escape, with where it was observed."""

    id: str
    gene: str
    name: str
    sources: tuple[str, ...]
    knowledge: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {"alteration": self.id, "gene": self.gene, "name": self.name,
                "observed_in": list(self.sources), **self.knowledge}


@dataclass(frozen=True, slots=True)
class RegimenResult:
    """One regimen's predicted response for this tumour, why, and what restores it.

    Examples
    --------
    >>> from her2resist.profile import TumourProfile
    >>> report = build_report(TumourProfile.from_alterations("T1", ["PTEN loss"]),
    ...                       regimens=["trastuzumab"], standard=False, graded=None)
    >>> result = report.regimens[0]
    >>> result.response_class, result.score_label(), result.mechanisms[0].id
    ('resistant', '0.00', 'PTEN_loss')
    """

    regimen: str
    requested: bool
    response_class: str
    score: float
    mechanisms: tuple[MechanismCall, ...]
    trace: tuple[dict[str, Any], ...]
    evidence: tuple[EvidenceItem, ...]
    overcome_by: tuple[Remedy, ...]
    warnings: tuple[str, ...] = ()
    interval: tuple[float, float] | None = None
    response_probability: float | None = None
    endpoint: str | None = None
    boolean_limit: tuple[str, float] | None = None

    def no_remedy_reason(self) -> str:
        """Why ``overcome_by`` is empty: the regimen works, or the Boolean limit (where remedies
        are searched) finds no escape although the graded score is lower."""
        if self.response_class == "sensitive":
            return "-"
        if self.boolean_limit is not None and self.boolean_limit[0] == "sensitive":
            return "- (no escape in the Boolean limit)"
        return "- (no combination of the panel scores higher)"

    def score_label(self) -> str:
        """The score as a reader sees it: with its interval and the calibrated probability
        of the endpoint when graded ("0.93 [0.90-0.95], P(pCR) 0.45")."""
        text = f"{self.score:.2f}"
        if self.interval is not None and len(self.interval) == 2 and (
                self.interval[0] != self.interval[1] or self.interval[0] != self.score):
            text += f" [{self.interval[0]:.2f}-{self.interval[1]:.2f}]"
        if self.response_probability is not None:
            text += f", P({self.endpoint}) {self.response_probability:.2f}"
        return text

    def to_dict(self) -> dict[str, object]:
        graded: dict[str, object] = {}
        if self.boolean_limit is not None:
            graded = {
                "interval": [round(v, 4) for v in self.interval or ()],
                "response_probability": (None if self.response_probability is None
                                         else round(self.response_probability, 4)),
                "endpoint": self.endpoint,
                "boolean_limit": {"class": self.boolean_limit[0],
                                  "score": round(self.boolean_limit[1], 4)},
            }
        return {
            "regimen": self.regimen, "requested": self.requested, "class": self.response_class,
            "score": round(self.score, 4), **graded,
            "mechanisms": [m.to_dict() for m in self.mechanisms],
            "trace": list(self.trace), "evidence": [e.to_dict() for e in self.evidence],
            "overcome_by": [r.to_dict() for r in self.overcome_by],
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class Report:
    """The report of one tumour: its profile and one result per regimen.

    Examples
    --------
    >>> from her2resist.profile import TumourProfile
    >>> report = build_report(TumourProfile.from_alterations("T1", ["PTEN loss"]),
    ...                       regimens=["lapatinib"], standard=False, graded=None)
    >>> report.sample, [r.regimen for r in report.regimens], report.to_dict()["schema"]
    ('T1', ['lapatinib'], 'her2resist-report/1')
    """

    profile: TumourProfile
    regimens: tuple[RegimenResult, ...]
    warnings: tuple[str, ...]
    provenance: dict[str, object]
    perturbation: Perturbation | None = None

    @property
    def sample(self) -> str:
        return self.profile.sample

    def _repr_html_(self) -> str:
        """The report as a card in a notebook: one row per regimen, then the warnings."""
        from her2resist._html import card

        rows = [{"regimen": r.regimen, "class": r.response_class, "score": round(r.score, 2),
                 "mechanisms": ", ".join(m.name for m in r.mechanisms),
                 "overcome by": ", ".join(x.regimen for x in r.overcome_by[:3])}
                for r in self.regimens]
        alterations = [a.name for a in self.profile.model_alterations()]
        return card(f"Report: {self.sample}",
                    [("HER2", self.profile.her2.call), ("alterations", alterations or "none"),
                     ("unmapped variants", len(self.profile.unmapped))],
                    tables=[("Regimens", rows)], notes=self.warnings)

    def to_dict(self) -> dict[str, object]:
        """Plain data in the documented JSON schema (``docs/report.md``)."""
        p = self.profile
        return {
            "schema": "her2resist-report/1",
            "sample": p.sample,
            "her2": p.her2.to_dict(), "er": p.er.to_dict(), "pr": p.pr.to_dict(),
            "alterations": [a.to_dict() for a in p.model_alterations()],
            "unmapped_variants": [u.to_dict() for u in p.unmapped],
            "perturbation": (self.perturbation or p.model_perturbation(warn=False)).as_dict(),
            "regimens": [r.to_dict() for r in self.regimens],
            "warnings": list(self.warnings),
            "provenance": self.provenance,
        }


def _predictions(predictor: Predictor, perturbation: Perturbation, regimens: Sequence[str],
                 network: Network, catalogue: Catalogue) -> list[Any]:
    """Each regimen's prediction for the tumour, explained where it is not sensitive: with
    ``predict_response``, all computed together (``predict_regimens``)."""
    from her2resist.predict.batched import predict_regimens
    from her2resist.predict.response import predict_response

    alterations, environment = list(perturbation.alterations), dict(perturbation.environment)
    if predictor is predict_response:
        return predict_regimens(alterations, regimens, environment=environment or None,
                                network=network, catalogue=catalogue)
    out = []
    for regimen in regimens:
        pred = predictor(alterations, regimen, environment=environment or None,
                         network=network, catalogue=catalogue, explain=False)
        if pred.response_class != "sensitive":
            pred = predictor(alterations, regimen, environment=environment or None,
                             network=network, catalogue=catalogue, explain=True)
        out.append(pred)
    return out


def _mechanism_calls(ids: Sequence[str], profile: TumourProfile) -> tuple[MechanismCall, ...]:
    by_id: dict[str, ProfileAlteration] = {a.id: a for a in profile.model_alterations()}
    calls = []
    for alt_id in ids:
        alt = by_id.get(alt_id)
        sources = tuple(s.describe() for s in alt.sources) if alt else ()
        calls.append(MechanismCall(alt_id, alt.gene if alt else "", alt.name if alt else alt_id,
                                   sources, mechanism_info(alt_id)))
    return tuple(calls)


def _responsible(pred: Any, profile: TumourProfile) -> tuple[str, ...]:
    """The predictor's mechanisms; when it names none for a regimen the tumour escapes, the
    alterations on the trace (several alterations that each suffice hide one another)."""
    if pred.mechanisms or pred.response_class == "sensitive":
        return tuple(pred.mechanisms)
    on_trace = {(s.node, s.value) for s in pred.trace}
    return tuple(a.id for a in profile.model_alterations()
                 if any((node, value) in on_trace for node, value in a.set.items()))


def _one_regimen(regimen: str, requested: bool, pred: Any, remedies: tuple[Remedy, ...],
                 profile: TumourProfile, *, graded: Any | None) -> RegimenResult:
    result = RegimenResult(
        regimen=pred.regimen, requested=requested, response_class=pred.response_class,
        score=float(pred.score), mechanisms=_mechanism_calls(_responsible(pred, profile), profile),
        trace=tuple(step.as_dict() for step in pred.trace),
        evidence=regimen_evidence(regimen, profile.alteration_ids()),
        overcome_by=remedies, warnings=tuple(pred.warnings),
    )
    if graded is None:
        return result
    g = graded
    return replace(result, response_class=g.response_class, score=float(g.score),
                   interval=g.interval, response_probability=g.response_probability,
                   endpoint=g.endpoint, boolean_limit=(pred.response_class, float(pred.score)),
                   warnings=tuple(dict.fromkeys((*result.warnings, *g.warnings))))


@dataclass(frozen=True, slots=True)
class GradedOptions:
    """How a report grades each regimen: the context, the clinical endpoint whose calibrated
    probability it gives, and the parameter sets drawn for the score's interval."""

    context: str = "patient"
    endpoint: str = "pCR"
    samples: int = 16
    engine: str = DEFAULT_ENGINE


def build_report(
    profile: TumourProfile, *, regimens: Sequence[str] = (), standard: bool = True,
    max_remedies: int = 5, predictor: Predictor | None = None,
    network: Network | None = None, catalogue: Catalogue | None = None,
    graded: GradedOptions | None = GradedOptions(),
) -> Report:
    """Predict every HER2 regimen (and ``regimens``) for the tumour and explain each.

    Parameters
    ----------
    profile
        The tumour.
    regimens
        Further regimens to report ("trastuzumab + alpelisib"), drug or class names joined
        by " + ".
    standard
        Include :data:`STANDARD_REGIMENS`.
    max_remedies
        How many combinations or nodal targets to list per regimen that is not sensitive.
    predictor
        ``predict_response`` or a function with its signature (tests pass a stand-in).
    graded
        Grade each regimen on the graded engine (the default: patient context, pCR): its
        class and score become the graded ones, with their interval and the calibrated
        response probability, and ``boolean_limit`` keeps the exact Boolean engine's class
        and score.
        The mechanism trace, the responsible alterations and the remedies are those of the
        Boolean limit.  ``None``: the exact Boolean engine alone.

    Examples
    --------
    >>> from her2resist.profile import TumourProfile
    >>> profile = TumourProfile.from_alterations("T1", ["PIK3CA H1047R"])
    >>> report = build_report(profile, regimens=["trastuzumab + alpelisib"], standard=False)
    >>> result = report.regimens[0]
    >>> result.regimen, result.response_class, result.endpoint
    ('trastuzumab + alpelisib', 'sensitive', 'pCR')
    """
    return build_reports([profile], regimens=regimens, standard=standard,
                         max_remedies=max_remedies, predictor=predictor, network=network,
                         catalogue=catalogue, graded=graded)[0]


def build_reports(
    profiles: Sequence[TumourProfile], *, regimens: Sequence[str] = (), standard: bool = True,
    max_remedies: int = 5, predictor: Predictor | None = None,
    network: Network | None = None, catalogue: Catalogue | None = None,
    graded: GradedOptions | None = GradedOptions(),
) -> list[Report]:
    """:func:`build_report` of each tumour (the same reports), for a cohort: the graded
    predictions of every tumour and regimen are integrated together
    (:func:`~her2resist.predict.graded.predict_graded_cohort`), so many reports cost a few
    hundred array steps rather than thousands of separate integrations.

    Examples
    --------
    >>> from her2resist.profile import TumourProfile
    >>> reports = build_reports([TumourProfile.from_alterations("A", ["PTEN loss"]),
    ...                          TumourProfile.from_alterations("B", [])],
    ...                         regimens=["trastuzumab"], standard=False)
    >>> [(r.sample, r.regimens[0].response_class) for r in reports]
    [('A', 'resistant'), ('B', 'sensitive')]
    """
    # A cohort fills caches with millions of lasting, loop-free objects, which the cyclic
    # collector would walk again and again for nothing (common/collector.py).
    with collector_paused():
        return _build_reports(profiles, regimens, standard, max_remedies, predictor, network,
                              catalogue, graded)


def _build_reports(
    profiles: Sequence[TumourProfile], regimens: Sequence[str], standard: bool,
    max_remedies: int, predictor: Predictor | None, network: Network | None,
    catalogue: Catalogue | None, graded: GradedOptions | None,
) -> list[Report]:
    if predictor is None:
        from her2resist.predict import predict_response

        predictor = predict_response
    network = network or load_model()
    catalogue = catalogue or load_catalogue()
    perturbations = [profile.model_perturbation(catalogue) for profile in profiles]
    wanted = [(r, False) for r in (STANDARD_REGIMENS if standard else ())]
    wanted += [(r, True) for r in regimens if r not in {w for w, _ in wanted}]
    scored: list[list[Any]] = [[None] * len(wanted) for _ in profiles]
    if graded is not None:
        # Every tumour's and regimen's graded prediction at once: their routes and their
        # intervals' parameter samples are integrated together (each gets the numbers it has
        # alone).
        from her2resist.predict.graded import predict_graded_cohort

        scored = predict_graded_cohort(
            [(p.alterations, dict(p.environment)) for p in perturbations],
            [r for r, _ in wanted], context=graded.context, endpoint=graded.endpoint,
            samples=graded.samples, network=network, catalogue=catalogue,
            engine=graded.engine)
    reports = []
    for profile, perturbation, row in zip(profiles, perturbations, scored, strict=True):
        preds = _predictions(predictor, perturbation, [r for r, _ in wanted], network, catalogue)
        escaped = [i for i, p in enumerate(preds) if p.response_class != "sensitive"]
        remedies: list[tuple[Remedy, ...]] = [()] * len(preds)
        if escaped and max_remedies > 0:
            found = find_remedies_many([preds[i] for i in escaped], as_genotype(profile),
                                       network, profile.alteration_ids(), limit=max_remedies)
            for i, remedy in zip(escaped, found, strict=True):
                remedies[i] = remedy
        results = tuple(_one_regimen(r, req, pred, remedy, profile, graded=g)
                        for (r, req), pred, remedy, g in zip(wanted, preds, remedies, row,
                                                             strict=True))
        # How each input file was read (scales, tumour sample, filters) belongs to provenance.
        provenance = {**_provenance(network, graded), "inputs": list(profile.inputs)}
        reports.append(Report(profile, results, _warnings(profile, results), provenance,
                              perturbation))
    return reports


def _warnings(profile: TumourProfile, results: Sequence[RegimenResult]) -> tuple[str, ...]:
    out = list(profile.caveats())
    if profile.unmapped:
        out.append(f"{len(profile.unmapped)} variant(s) are not covered by the model's rules "
                   "and were not used (listed under 'not used by the model')")
    if not profile.model_alterations():
        out.append("no alteration of the model was found: the prediction is that of a "
                   "HER2-amplified cell without resistance alterations")
    _, note = knowledge_base()
    if note:
        out.append(note)
    for result in results:
        out.extend(f"{result.regimen}: {w}" for w in result.warnings)
    return tuple(dict.fromkeys(out))


def _provenance(network: Network, graded: GradedOptions | None) -> dict[str, object]:
    out: dict[str, object] = {"package_version": __version__, "model_name": network.name,
                              "model_hash": network.hash, "engine": EXACT_ENGINE}
    if graded is not None:
        out.update(engine=f"{graded.engine} (scores) and {EXACT_ENGINE} (traces, remedies)",
                   context=graded.context, endpoint=graded.endpoint, samples=graded.samples)
    return out
