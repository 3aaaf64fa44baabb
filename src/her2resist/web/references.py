"""Reference pages: the knowledge base (searchable) and the model (nodes, rules, figure).

Examples
--------
>>> reference_url("PMID:15324695")
'https://pubmed.ncbi.nlm.nih.gov/15324695/'
>>> reference_url("doi:10.1038/nrc1609")
'https://doi.org/10.1038/nrc1609'
>>> reference_url("Smith 2001") is None
True
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


def reference_url(ref: object) -> str | None:
    """A link for a ``PMID:n`` or ``DOI:x`` reference (None for anything else)."""
    text = str(ref or "").strip()
    pmid = re.fullmatch(r"(?i)pmid:\s*(\d+)", text)
    if pmid:
        return f"https://pubmed.ncbi.nlm.nih.gov/{pmid.group(1)}/"
    doi = re.fullmatch(r"(?i)(?:doi:\s*|https?://(?:dx\.)?doi\.org/)(10\.\S+)", text)
    if doi:
        return f"https://doi.org/{doi.group(1)}"
    return None


def _matches(record: dict[str, Any], words: list[str]) -> bool:
    text = json.dumps(record, default=str).lower()
    return all(w in text for w in words)


def knowledge_records(query: str) -> dict[str, list[dict[str, Any]]]:
    """Mechanisms, drugs and evidence (as ``her2resist kb ... --json`` prints them) that
    contain every word of ``query``."""
    from her2resist.knowledge.docs import evidence_to_dict, mechanism_to_dict
    from her2resist.knowledge.kb import load_knowledge_base
    from her2resist.knowledge.schema import record_dict

    kb = load_knowledge_base()
    words = [w for w in query.lower().split() if w]
    records = {
        "mechanisms": [mechanism_to_dict(kb, m) for m in kb.mechanisms_for()],
        "drugs": [record_dict(d) for d in kb.catalogue.drugs.values()],
        "evidence": [evidence_to_dict(e) for e in kb.evidence_for()],
    }
    return {k: [r for r in v if _matches(r, words)] for k, v in records.items()}


@router.get("/kb")
def kb_page(request: Request, q: str = "") -> HTMLResponse:
    from her2resist.web.pages import page_user, render

    page_user(request)
    return render(request, "kb.html", q=q[:200], records=knowledge_records(q[:200]))


@router.get("/model")
def model_page(request: Request, q: str = "") -> HTMLResponse:
    from her2resist.model import load_model
    from her2resist.web.pages import page_user, render

    page_user(request)
    network = load_model()
    words = [w for w in q.lower().split() if w]
    nodes = [n for n in network.nodes.values()
             if _matches({"id": n.id, "kind": n.kind, "rule": str(n.rule),
                          "genes": n.genes, "description": n.description}, words)]
    return render(request, "model.html", q=q[:200], network=network, nodes=nodes)


@router.get("/model/figure")
def model_figure(request: Request) -> HTMLResponse:
    """The network figure the reports draw, as its own document."""
    from her2resist.model import load_model
    from her2resist.report.html import CSS
    from her2resist.report.network_svg import draw_network
    from her2resist.web.pages import document, page_user

    page_user(request)
    svg = draw_network(load_model(), title="The her2resist model")
    return document(f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
                    f"<title>Model network</title><style>{CSS}</style></head><body>"
                    f"<figure>{svg}</figure></body></html>")
