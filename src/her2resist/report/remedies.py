"""What restores response: the HER2 regimen plus one partner drug class, and the knowledge
base's strategies, ranked by the score the model predicts for this tumour.

Partners are the catalogue's drug classes that are not HER2-directed and that act on a node
the escape route keeps on (from the mechanism trace); every strategy the knowledge base lists
against the tumour's mechanisms is tried as well. A candidate is kept when it scores higher
than the regimen alone. Ranking: predicted score, then the strength of the best evidence, then
fewer drugs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from her2resist.exceptions import Her2ResistError
from her2resist.knowledge.catalogue import Catalogue
from her2resist.model.network import Network
from her2resist.report.evidence import (
    EvidenceItem,
    Strategy,
    knowledge_base,
    regimen_evidence,
    strategies_for,
)

#: Drug classes that are HER2-directed: never a "partner" of a HER2 regimen.
HER2_CLASSES = frozenset({"her2_antibody", "her2_tki", "pan_her_tki", "her2_adc"})
_NO_EVIDENCE_RANK = 99


@dataclass(frozen=True, slots=True)
class Remedy:
    """A combination or nodal target that restores response, with its predicted score."""

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


@dataclass(frozen=True, slots=True)
class _Candidate:
    regimen: str
    kind: str
    partner: str
    targets: tuple[str, ...]
    strategies: tuple[Strategy, ...]


def _partner_candidates(pred: Any, network: Network, catalogue: Catalogue,
                        strategies: Sequence[Strategy]) -> list[_Candidate]:
    on_route = {s.node for s in pred.trace if s.value in (1, "*")}
    targets = _targets(network)
    seen = {frozenset(pred.drug_nodes)}
    out = []
    for cls in catalogue.classes.values():
        nodes = frozenset(pred.drug_nodes) | set(cls.nodes)
        if cls.id in HER2_CLASSES or nodes in seen:
            continue
        hit = sorted({t for n in cls.nodes for t in targets.get(n, ())} & on_route)
        ids = {cls.id, *(d.id for d in catalogue.drugs_in_class(cls.id))}
        matching = tuple(s for s in strategies if _names_any(s.regimen, ids, catalogue))
        if not hit and not matching and on_route:
            continue
        seen.add(nodes)
        out.append(_Candidate(f"{pred.regimen} + {cls.name}", "combination", cls.name,
                              tuple(hit), matching))
    return out


def _names_any(kb_regimen: str, ids: set[str], catalogue: Catalogue) -> bool:
    for part in kb_regimen.split("+"):
        part = part.strip()
        if part in ids:
            return True
        drug = catalogue.drugs.get(part)
        if drug is not None and ids & set(drug.classes):
            return True
    return False


def _strategy_candidates(strategies: Sequence[Strategy], catalogue: Catalogue) -> list[_Candidate]:
    out = []
    for strat in strategies:
        names = [_display(p.strip(), catalogue) for p in strat.regimen.split("+")]
        out.append(_Candidate(" + ".join(names), strat.kind.replace("_", " "), "", (),
                              (strat,)))
    return out


def _display(part: str, catalogue: Catalogue) -> str:
    if part in catalogue.drugs:
        return catalogue.drugs[part].name
    if part in catalogue.classes:
        return catalogue.classes[part].name
    return part


def find_remedies(
    pred: Any, predict: Callable[..., Any], network: Network, catalogue: Catalogue,
    alterations: Sequence[str], *, limit: int = 5,
) -> tuple[Remedy, ...]:
    """Candidates that score above ``pred`` for this tumour, best first (at most ``limit``).

    ``predict(regimen)`` returns a prediction for the same tumour (memoised by the caller).
    """
    strategies = strategies_for(pred.mechanisms or alterations, pred.regimen)
    candidates = _partner_candidates(pred, network, catalogue, strategies)
    candidates += _strategy_candidates(strategies, catalogue)
    found: dict[str, Remedy] = {}
    for cand in candidates:
        try:
            result = predict(cand.regimen)
        except Her2ResistError:  # a strategy naming something the model lacks
            continue
        if result.score <= pred.score + 1e-9 or result.regimen in found:
            continue
        evidence = _evidence(cand, alterations)
        found[result.regimen] = Remedy(
            regimen=result.regimen, kind=cand.kind, partner=cand.partner, targets=cand.targets,
            response_class=result.response_class, score=float(result.score),
            gain=float(result.score - pred.score), rationale=_rationale(cand), evidence=evidence,
        )
    ranked = sorted(found.values(), key=lambda r: (-round(r.score, 6), r.best_rank,
                                                   r.regimen.count("+"), r.regimen))
    return tuple(ranked[:limit])


def _evidence(cand: _Candidate, alterations: Sequence[str]) -> tuple[EvidenceItem, ...]:
    items = {e.id: e for s in cand.strategies for e in s.evidence}
    if knowledge_base()[0] is not None:
        for e in regimen_evidence(cand.regimen, alterations):
            if e.significance == "sensitivity" or e.id in items:
                items.setdefault(e.id, e)
    return tuple(sorted(items.values(), key=lambda e: (e.rank, e.id)))


def _rationale(cand: _Candidate) -> str:
    parts = []
    if cand.targets:
        parts.append(f"{cand.partner} acts on {', '.join(cand.targets)}, kept on by the "
                     "escape route")
    parts.extend(s.description for s in cand.strategies)
    return "; ".join(parts) or "predicted by the model"
