"""Checks across records: every id a record names must exist, evidence must fit its claims."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from her2resist.exceptions import KnowledgeBaseError

if TYPE_CHECKING:
    from her2resist.knowledge.kb import KnowledgeBase
    from her2resist.knowledge.kb_records import Mechanism


def split_regimen(text: str) -> tuple[str, ...]:
    """The components of a regimen written with ids: "a + b" -> ("a", "b")."""
    return tuple(part.strip() for part in text.split("+"))


def _check_ids(path: Path, record: str, field: str, values: Iterable[str],
               known: Iterable[str], what: str, line: int | None) -> None:
    known_set = set(known)
    for value in values:
        if value not in known_set:
            raise KnowledgeBaseError(
                path, f"record {record!r}: unknown {what} {value!r}; known: "
                f"{', '.join(sorted(known_set)[:30])}{', ...' if len(known_set) > 30 else ''}",
                line=line, field=field,
            )


def _drug_ids(kb: KnowledgeBase) -> set[str]:
    return {*kb.catalogue.drugs, *kb.catalogue.classes}


def check_evidence(kb: KnowledgeBase, path: Path, lines: Mapping[str, int]) -> None:
    """Curated evidence names known drugs/classes and alterations."""
    for item in kb.evidence.values():
        if item.source != "curated":
            continue
        line = lines.get(item.id)
        _check_ids(path, item.id, "drugs", item.drugs, _drug_ids(kb), "drug or class", line)
        _check_ids(path, item.id, "alterations", item.alterations, kb.catalogue.alterations,
                   "alteration", line)


def _check_regimens(kb: KnowledgeBase, path: Path, mech: Mechanism, line: int | None) -> None:
    drug_ids = _drug_ids(kb)
    for field in ("resistant_to", "active"):
        for regimen in getattr(mech, field):
            _check_ids(path, mech.id, field, split_regimen(regimen), drug_ids,
                       "drug or class id", line)
    for index, strategy in enumerate(mech.strategies):
        where = f"strategies.{index}"
        _check_ids(path, mech.id, f"{where}.regimen", split_regimen(strategy.regimen),
                   drug_ids, "drug or class id", line)
        _check_ids(path, mech.id, f"{where}.evidence", strategy.evidence, kb.evidence,
                   "evidence id", line)


def _check_conflict(path: Path, kb: KnowledgeBase, mech: Mechanism, line: int | None) -> None:
    against = [e for e in mech.evidence if kb.evidence[e].direction == "does_not_support"]
    if against and mech.conflict is None:
        raise KnowledgeBaseError(
            path, f"record {mech.id!r}: evidence {', '.join(against)} does not support the "
            "mechanism; describe the conflict in 'conflict'", line=line, field="conflict")
    checked = [e for e in mech.evidence if kb.evidence[e].checked in ("abstract", "full text")]
    if not checked:
        raise KnowledgeBaseError(
            path, f"record {mech.id!r}: no evidence item checked against its abstract or full "
            "text", line=line, field="evidence")


def check_mechanisms(kb: KnowledgeBase, path: Path, lines: Mapping[str, int]) -> None:
    """Mechanisms name known alterations, regimens and evidence; conflicts are declared."""
    for mech in kb.mechanisms.values():
        line = lines.get(mech.id)
        for field in ("alterations", "context"):
            _check_ids(path, mech.id, field, getattr(mech, field), kb.catalogue.alterations,
                       "alteration", line)
        _check_ids(path, mech.id, "evidence", mech.evidence, kb.evidence, "evidence id", line)
        _check_regimens(kb, path, mech, line)
        _check_conflict(path, kb, mech, line)


def check_references(kb: KnowledgeBase, ev_path: Path, ev_lines: Mapping[str, int],
                     mech_path: Path, mech_lines: Mapping[str, int]) -> None:
    """Every cross-file check, in the order a curator would fix them."""
    check_evidence(kb, ev_path, ev_lines)
    check_mechanisms(kb, mech_path, mech_lines)
