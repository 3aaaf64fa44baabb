"""Evidence from the knowledge base for a report: per regimen, per mechanism, per remedy.

The knowledge base (``mechanisms.yaml``, ``evidence.yaml``, CIViC) is read once; when it
cannot be read the report is still built, with a note and without literature evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from her2resist.exceptions import Her2ResistError


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One publication as the report shows it."""

    id: str
    ref: str
    citation: str
    level: str
    scale: str
    kind: str
    significance: str
    direction: str
    summary: str
    rank: int

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id, "ref": self.ref, "citation": self.citation, "level": self.level,
            "scale": self.scale, "kind": self.kind, "significance": self.significance,
            "direction": self.direction, "summary": self.summary,
        }


@lru_cache(maxsize=1)
def knowledge_base() -> tuple[Any | None, str]:
    """``(KnowledgeBase or None, note)``; the note says why there is none."""
    try:
        from her2resist.knowledge.kb import load_knowledge_base

        return load_knowledge_base(), ""
    except (Her2ResistError, OSError, ImportError) as exc:
        return None, f"knowledge base not available, literature evidence omitted: {exc}"


def evidence_item(record: Any) -> EvidenceItem:
    return EvidenceItem(
        record.id, record.ref, record.citation, record.level, record.scale, record.kind,
        record.significance, record.direction, record.summary, record.rank,
    )


def _drug_ids(kb: Any, parts: Iterable[str]) -> set[str]:
    ids: set[str] = set()
    for part in parts:
        try:
            ids |= kb.resolve_drug(part.strip())
        except (Her2ResistError, KeyError):
            continue
    return ids


#: Regimen texts whose drug ids an index keeps (then it starts again: bounded memory).
_MAX_REGIMENS = 4096


class _Index:
    """One knowledge base's evidence for reports, looked up rather than searched: the items
    by (drug id, alteration id), each record's :class:`EvidenceItem` (frozen, so shared),
    the drug ids of each regimen text and the mechanism of each alteration already seen."""

    def __init__(self, kb: Any) -> None:
        self.kb = kb
        self.items: dict[str, EvidenceItem] = {}
        self.by_drug_alteration: dict[tuple[str, str], list[EvidenceItem]] = {}
        for record in kb.evidence.values():
            item = self.items.setdefault(record.id, evidence_item(record))
            for drug in record.drugs:
                for alteration in record.alterations:
                    found = self.by_drug_alteration.setdefault((drug, alteration), [])
                    if item not in found:
                        found.append(item)
        self.drugs: dict[str, tuple[str, ...]] = {}
        self.mechanisms: dict[str, dict[str, str]] = {}  # alteration -> mechanism_info

    def regimen_drugs(self, regimen: str) -> tuple[str, ...]:
        found = self.drugs.get(regimen)
        if found is None:
            if len(self.drugs) >= _MAX_REGIMENS:  # texts come from users (web service)
                self.drugs.clear()
            found = self.drugs[regimen] = tuple(sorted(_drug_ids(self.kb, regimen.split("+"))))
        return found


def regimen_evidence(regimen: str, alterations: Iterable[str]) -> tuple[EvidenceItem, ...]:
    """Evidence on this regimen's drugs in tumours with these alterations, strongest first.

    Examples
    --------
    >>> items = regimen_evidence("trastuzumab", ["PTEN_loss"])
    >>> all(i.significance in ("resistance", "sensitivity", "prognostic", "mechanism")
    ...     for i in items)
    True
    """
    kb, _ = knowledge_base()
    if kb is None:
        return ()
    index = _index(kb)
    table = index.by_drug_alteration
    alts = set(alterations)
    found = {e.id: e for d in index.regimen_drugs(regimen) for a in alts
             for e in table.get((d, a), ())}
    return tuple(sorted(found.values(), key=lambda i: (i.rank, i.id)))


_INDEX: dict[int, _Index] = {}


def _index(kb: Any) -> _Index:
    """The evidence index of ``kb`` (built once per knowledge base)."""
    found = _INDEX.get(id(kb))
    if found is None or found.kb is not kb:
        found = _INDEX[id(kb)] = _Index(kb)
    return found


def kb_evidence_item(kb: Any, evidence_id: str) -> EvidenceItem:
    """The report's item of the knowledge base's evidence record ``evidence_id`` (shared)."""
    return _index(kb).items[evidence_id]


def mechanism_info(alteration: str) -> dict[str, str]:
    """Name, category and description of the knowledge-base mechanism of an alteration."""
    kb, _ = knowledge_base()
    if kb is None:
        return {}
    known = _index(kb).mechanisms
    if alteration not in known:
        known[alteration] = {}
        for mech in kb.mechanisms.values():
            if alteration in mech.alterations or mech.id == alteration:
                known[alteration] = {"mechanism": mech.id, "name": mech.name,
                                     "category": mech.category,
                                     "description": mech.description}
                break
    return dict(known[alteration])


