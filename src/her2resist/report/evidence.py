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
    drugs = _drug_ids(kb, regimen.split("+"))
    by_drug = _evidence_by_drug(kb)
    alts = set(alterations)
    found = {e.id: e for d in drugs for e in by_drug.get(d, ()) if alts & set(e.alterations)}
    return tuple(sorted((evidence_item(e) for e in found.values()),
                        key=lambda i: (i.rank, i.id)))


_BY_DRUG: dict[int, tuple[Any, dict[str, list[Any]]]] = {}


def _evidence_by_drug(kb: Any) -> dict[str, list[Any]]:
    """Evidence records indexed by drug id (built once per knowledge base)."""
    found = _BY_DRUG.get(id(kb))
    if found is None or found[0] is not kb:
        index: dict[str, list[Any]] = {}
        for item in kb.evidence.values():
            for drug in item.drugs:
                index.setdefault(drug, []).append(item)
        found = (kb, index)
        _BY_DRUG[id(kb)] = found
    return found[1]


def mechanism_info(alteration: str) -> dict[str, str]:
    """Name, category and description of the knowledge-base mechanism of an alteration."""
    kb, _ = knowledge_base()
    if kb is None:
        return {}
    for mech in kb.mechanisms.values():
        if alteration in mech.alterations or mech.id == alteration:
            return {"mechanism": mech.id, "name": mech.name, "category": mech.category,
                    "description": mech.description}
    return {}


