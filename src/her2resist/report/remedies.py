"""What restores response to a regimen a tumour escapes: a one-genotype combination screen.

The tumour's remedies for a regimen are the rows of the combination screen
(:func:`~her2resist.screen.anchored.screen_genotype`) anchored on that regimen: the regimen
with each partner of the knowledge base's panel, and each agent alone (a switch), scored and
ranked by the screen's one ranking.  Those that score higher than the regimen alone are listed,
in the screen's order, so a report and a screen always recommend the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from her2resist.model.network import Network
from her2resist.predict.scoring import response_class
from her2resist.report.evidence import (
    EvidenceItem,
    kb_evidence_item,
    knowledge_base,
    regimen_evidence,
)
from her2resist.screen.anchored import screen_anchored
from her2resist.screen.combinations import regimen_agent
from her2resist.screen.genotypes import Agent, Genotype, default_panel

_NO_EVIDENCE_RANK = 99


@dataclass(frozen=True, slots=True)
class Remedy:
    """A combination or nodal target that restores response, with its predicted score.

    Examples
    --------
    >>> from her2resist.profile import TumourProfile
    >>> from her2resist.report import build_report
    >>> report = build_report(TumourProfile.from_alterations("T1", ["PTEN loss"]),
    ...                       regimens=["trastuzumab"], standard=False, graded=None)
    >>> best = report.regimens[0].overcome_by[0]
    >>> best.regimen.startswith("trastuzumab + "), best.score > report.regimens[0].score
    (True, True)
    """

    regimen: str
    kind: str
    partner: str
    targets: tuple[str, ...]
    response_class: str
    score: float
    gain: float
    rationale: str
    evidence: tuple[EvidenceItem, ...]

    @property
    def best_rank(self) -> int:
        return min((e.rank for e in self.evidence), default=_NO_EVIDENCE_RANK)

    def to_dict(self) -> dict[str, object]:
        return {
            "regimen": self.regimen, "kind": self.kind, "partner": self.partner,
            "targets": list(self.targets), "class": self.response_class,
            "score": round(self.score, 4), "gain": round(self.gain, 4),
            "rationale": self.rationale, "evidence": [e.to_dict() for e in self.evidence],
        }


@lru_cache(maxsize=8)
def _targets(network: Network) -> dict[str, frozenset[str]]:
    """Drug node -> the regulated nodes whose rule names it."""
    out: dict[str, set[str]] = {}
    for name, node in network.nodes.items():
        for reg in node.regulators:
            out.setdefault(reg, set()).add(name)
    return {k: frozenset(v) for k, v in out.items()}


def find_remedies(
    pred: Any, genotype: Genotype, network: Network, alterations: Sequence[str], *,
    limit: int = 5, panel: Sequence[Agent] | None = None,
) -> tuple[Remedy, ...]:
    """What scores above ``pred`` for this tumour, in the screen's order (at most ``limit``).

    Parameters
    ----------
    pred
        The regimen's prediction for the tumour (its ``regimen``, ``score`` and ``trace``).
    genotype
        The tumour as a screen genotype.
    panel
        The partners (default: the knowledge base's panel).

    Examples
    --------
    >>> from her2resist.model import load_model
    >>> from her2resist.predict import predict_response
    >>> from her2resist.screen.genotypes import as_genotype
    >>> pred = predict_response(["PTEN loss"], "trastuzumab")
    >>> best = find_remedies(pred, as_genotype(["PTEN loss"]), load_model(), ["PTEN_loss"])[0]
    >>> best.regimen, best.kind
    ('trastuzumab + PI3K inhibitor', 'combination')
    """
    return find_remedies_many([pred], genotype, network, alterations, limit=limit,
                              panel=panel)[0]


def find_remedies_many(
    preds: Sequence[Any], genotype: Genotype, network: Network, alterations: Sequence[str], *,
    limit: int = 5, panel: Sequence[Agent] | None = None,
) -> list[tuple[Remedy, ...]]:
    """:func:`find_remedies` of each of one tumour's predictions (the same remedies), the
    screens of every regimen simulated together
    (:func:`~her2resist.screen.anchored.screen_anchored`).

    Examples
    --------
    >>> from her2resist.model import load_model
    >>> from her2resist.predict import predict_response
    >>> from her2resist.screen.genotypes import as_genotype
    >>> preds = [predict_response(["PTEN loss"], r) for r in ("trastuzumab", "lapatinib")]
    >>> found = find_remedies_many(preds, as_genotype(["PTEN loss"]), load_model(), ["PTEN_loss"])
    >>> [remedies[0].regimen for remedies in found]
    ['trastuzumab + PI3K inhibitor', 'lapatinib + trastuzumab emtansine']
    """
    panel = panel if panel is not None else default_panel()
    anchors = [regimen_agent(pred.regimen) for pred in preds]
    # rows that score no higher than the regimen itself are never listed
    screens = screen_anchored(genotype, panel, anchors, network=network,
                              above=[pred.score + 1e-9 for pred in preds])
    by_name = {a.name: a for a in panel}
    context = _Context(by_name, _targets(network), knowledge_base()[0], alterations, {})
    return [_remedies(pred, anchor, rows, context, limit)
            for pred, anchor, rows in zip(preds, anchors, screens, strict=True)]


@dataclass(frozen=True, slots=True)
class _Context:
    """What each of a tumour's remedies reads: the panel by name, each drug node's targets,
    the knowledge base (None: not available) and the tumour's alterations; and the evidence
    found so far (an agent alone is a switch for several of the tumour's regimens)."""

    by_name: Mapping[str, Agent]
    targets: Mapping[str, frozenset[str]]
    kb: Any
    alterations: Sequence[str]
    evidence: dict[tuple[str, str], tuple[EvidenceItem, ...]]


def _remedies(pred: Any, anchor: Agent, rows: Sequence[Mapping[str, Any]], context: _Context,
              limit: int) -> tuple[Remedy, ...]:
    """The rows that score above ``pred``, as remedies, in the screen's order."""
    on_route = {s.node for s in pred.trace if s.value in (1, "*")}
    found = []
    for row in rows:
        if row["combination"] == anchor.name or row["score"] <= pred.score + 1e-9:
            continue
        partners = _partners(row["combination"], anchor, context.by_name)
        kind = "combination" if row["size"] > 1 else "switch"
        hit = tuple(sorted({t for p in partners for n, _ in p.nodes
                            for t in context.targets.get(n, ())} & on_route))
        found.append(Remedy(
            regimen=row["combination"], kind=kind,
            partner=" + ".join(p.name for p in partners), targets=hit,
            response_class=response_class(row["score"]), score=float(row["score"]),
            gain=float(row["score"] - pred.score), rationale=_rationale(row, partners, hit),
            evidence=_evidence(row, context)))
        if len(found) == limit:
            break
    return tuple(found)


def _partners(combination: str, anchor: Agent, by_name: Mapping[str, Agent]
              ) -> tuple[Agent, ...]:
    names = combination[len(anchor.name) + 3:] if combination.startswith(
        anchor.name + " + ") else combination
    return tuple(by_name.get(n) or regimen_agent(n) for n in names.split(" + "))


def _evidence(row: Mapping[str, Any], context: _Context) -> tuple[EvidenceItem, ...]:
    key = (row["combination"], row["kb_evidence"])
    found = context.evidence.get(key)
    if found is None:
        found = context.evidence[key] = _find_evidence(row, context)
    return found


def _find_evidence(row: Mapping[str, Any], context: _Context) -> tuple[EvidenceItem, ...]:
    ids = [e.strip() for e in str(row["kb_evidence"]).split(",") if e.strip()]
    items: dict[str, EvidenceItem] = {}
    kb = context.kb
    if kb is not None:
        items.update((i, kb_evidence_item(kb, i)) for i in ids if i in kb.evidence)
        for e in regimen_evidence(row["combination"], context.alterations):
            if e.significance == "sensitivity" or e.id in ids:
                items.setdefault(e.id, e)
    return tuple(sorted(items.values(), key=lambda e: (e.rank, e.id)))


def _rationale(row: Mapping[str, Any], partners: Sequence[Agent], hit: Sequence[str]) -> str:
    parts = []
    if hit:
        parts.append(f"{' + '.join(p.name for p in partners)} acts on {', '.join(hit)}, kept "
                     "on by the escape route")
    if row["kb_strategy"]:
        parts.append(f"knowledge base strategy ({row['kb_strategy']})")
    if row["size"] > 1 and row["bliss_excess"] > 1e-9:
        parts.append(f"synergy in the model (Bliss excess {row['bliss_excess']:.2f})")
    return "; ".join(parts) or "predicted by the model"
