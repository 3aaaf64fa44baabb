"""Plain-data views of knowledge-base records and the generated ``docs/mechanisms.md``.

Examples
--------
>>> from her2resist.knowledge.kb import load_knowledge_base
>>> text = render_mechanisms_markdown(load_knowledge_base())
>>> text.startswith("# Mechanisms of resistance")
True
"""

from __future__ import annotations

from typing import Any

from her2resist.knowledge.checks import split_regimen
from her2resist.knowledge.kb import KnowledgeBase
from her2resist.knowledge.kb_records import Evidence, Mechanism
from her2resist.knowledge.schema import record_dict

#: The HER2-targeted drugs shown as columns of the mechanism table.
HER2_DRUGS = ("trastuzumab", "pertuzumab", "lapatinib", "tucatinib", "neratinib", "afatinib",
              "trastuzumab_emtansine", "trastuzumab_deruxtecan")
_SHORT = {"trastuzumab_emtansine": "T-DM1", "trastuzumab_deruxtecan": "T-DXd"}


def mechanism_to_dict(kb: KnowledgeBase, mech: Mechanism) -> dict[str, Any]:
    """A mechanism as plain data (the shape of ``her2resist kb mechanisms --json``).

    Examples
    --------
    >>> from her2resist.knowledge.kb import load_knowledge_base
    >>> kb = load_knowledge_base()
    >>> mechanism_to_dict(kb, kb.mechanisms["p95HER2"])["resistant_to"]
    ['trastuzumab']
    """
    data = record_dict(mech)
    data["alterations"] = [
        {"id": a, "name": kb.catalogue.alterations[a].name,
         "set": dict(kb.catalogue.alterations[a].set)} for a in mech.alterations
    ]
    data["evidence"] = [evidence_to_dict(kb.evidence[e]) for e in mech.evidence]
    return data


def evidence_to_dict(item: Evidence) -> dict[str, Any]:
    """An evidence item as plain data, with its strength rank (0 strongest)."""
    data = record_dict(item, exclude_none=True)
    data["rank"] = item.rank
    return data


def _drug_in(kb: KnowledgeBase, drug_id: str, regimens: tuple[str, ...]) -> bool:
    drug = kb.catalogue.drugs[drug_id]
    wanted = {drug.id, *drug.classes}
    return any(wanted & set(split_regimen(r)) for r in regimens)


def strongest_evidence(kb: KnowledgeBase, mech: Mechanism, drug_id: str,
                       significance: str | None = None) -> Evidence | None:
    """The mechanism's strongest evidence naming ``drug_id`` (or a class of it).

    Items of the given ``significance`` ("resistance", "sensitivity") come first.
    """
    drug = kb.catalogue.drugs[drug_id]
    wanted = {drug.id, *drug.classes}
    items = [kb.evidence[e] for e in mech.evidence if wanted & set(kb.evidence[e].drugs)]
    return min(items, key=lambda e: (e.significance != significance, e.rank,
                                     e.checked == "not checked", e.id), default=None)


def matrix_cell(kb: KnowledgeBase, mech: Mechanism, drug_id: str) -> str:
    """Table cell: R (resists), S (remains active), R/S (both reported), with strongest level."""
    resists = _drug_in(kb, drug_id, mech.resistant_to)
    active = _drug_in(kb, drug_id, mech.active)
    if not (resists or active):
        return ""
    claim = "R/S" if resists and active else ("R" if resists else "S")
    best = strongest_evidence(kb, mech, drug_id, "resistance" if resists else "sensitivity")
    if best is None:
        return claim
    against = any(kb.evidence[e].direction == "does_not_support" and
                  drug_id in kb.evidence[e].drugs for e in mech.evidence)
    return f"{claim} {best.level}{'*' if against else ''} ({best.ref})"


def _overview_rows(kb: KnowledgeBase) -> list[str]:
    rows = ["| Mechanism | Category | Model alterations | Resists | Remains active | Evidence |",
            "|---|---|---|---|---|---|"]
    for mech in kb.mechanisms.values():
        alts = ", ".join(mech.alterations) or ("intrinsic" if mech.intrinsic else "model gap")
        rows.append(
            f"| {mech.name} (`{mech.id}`) | {mech.category.replace('_', ' ')} | {alts} | "
            f"{'; '.join(mech.resistant_to)} | {'; '.join(mech.active) or '-'} | "
            f"{len(mech.evidence)} |"
        )
    return rows


def _matrix_rows(kb: KnowledgeBase) -> list[str]:
    heads = [_SHORT.get(d, d) for d in HER2_DRUGS]
    rows = ["| Mechanism | " + " | ".join(heads) + " |", "|---" * (len(heads) + 1) + "|"]
    for mech in kb.mechanisms.values():
        cells = [matrix_cell(kb, mech, d) for d in HER2_DRUGS]
        rows.append(f"| `{mech.id}` | " + " | ".join(cells) + " |")
    return rows


def _detail_lines(kb: KnowledgeBase, mech: Mechanism) -> list[str]:
    lines = [f"### {mech.name} (`{mech.id}`)", "", mech.description, ""]
    if mech.model_gap:
        lines += [f"*Model gap:* {mech.model_gap}", ""]
    if mech.conflict:
        lines += [f"*Conflicting evidence:* {mech.conflict}", ""]
    lines += ["- Detection: " + "; ".join(f"{d.method}: {d.description}" for d in mech.detection)]
    for strat in mech.strategies:
        lines.append(f"- Strategy ({strat.kind}): `{strat.regimen}`: {strat.description}")
    for eid in mech.evidence:
        ev = kb.evidence[eid]
        lines.append(f"- {ev.citation} [{ev.ref}], {ev.kind}, level {ev.level}, "
                     f"{ev.direction.replace('_', ' ')}, checked: {ev.checked}")
    return [*lines, ""]


def render_mechanisms_markdown(kb: KnowledgeBase) -> str:
    """The text of ``docs/mechanisms.md``, generated from the knowledge base."""
    stats = kb.stats()
    lines = [
        "# Mechanisms of resistance to HER2-targeted therapy",
        "",
        "Generated from `src/her2resist/knowledge/data/` by "
        "`her2resist.knowledge.docs.render_mechanisms_markdown`; do not edit by hand "
        "(`her2resist kb docs -o docs/mechanisms.md`).",
        "",
        f"{stats['mechanisms']} mechanisms, {stats['drugs']} drugs, {stats['evidence']} evidence "
        f"items ({stats['curated_evidence']} curated, {stats['civic_evidence']} from CIViC).",
        "",
        "## Mechanisms against HER2 drugs",
        "",
        "R: the literature reports resistance; S: the drug remains active; the letter after it is "
        "the strongest evidence level on the CIViC scale (A validated ... E inferential), with its "
        "publication; `*` marks a cell with evidence that does not support the claim.",
        "",
        *_matrix_rows(kb),
        "",
        "## Overview",
        "",
        *_overview_rows(kb),
        "",
        "## Details",
        "",
    ]
    for mech in kb.mechanisms.values():
        lines += _detail_lines(kb, mech)
    return "\n".join(lines).rstrip() + "\n"
