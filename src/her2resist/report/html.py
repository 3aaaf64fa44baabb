"""The report as one standalone HTML page: readable offline, no script, no external asset.

Every string that comes from the user's files (sample ids, gene names, variant text, file
names) or the knowledge base goes through :func:`html.escape`.

Examples
--------
>>> from her2resist.profile import TumourProfile
>>> from her2resist.report.build import build_report
>>> report = build_report(TumourProfile.from_alterations("<b>T1</b>", ["PTEN loss"]),
...                       regimens=["trastuzumab"], standard=False)
>>> page = render_html([report])
>>> "<b>T1</b>" in page, "&lt;b&gt;T1&lt;/b&gt;" in page, 'id="regimens-' in page
(False, True, True)
"""

from __future__ import annotations

from collections.abc import Sequence

from her2resist.common.text import html_text as escape
from her2resist.model.network import Network
from her2resist.model.parse import load_model
from her2resist.report.build import RegimenResult, Report
from her2resist.report.evidence import EvidenceItem
from her2resist.report.network_svg import Edge, draw_network

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.5rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}h3{font-size:1rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}.sensitive{color:#17692c;font-weight:600}
.partial{color:#9a6700;font-weight:600}.resistant{color:#b3261e;font-weight:700}
.warn{background:#fff4d6;border:1px solid #e0c068;padding:.5rem 1rem}
.muted{color:#666;font-size:.85rem}.nw{white-space:nowrap}
figure{overflow-x:auto;border:1px solid #ddd;margin:0}
svg.network{max-width:100%;height:auto}svg.network text{font-size:10px;text-anchor:middle;fill:#333}
svg.network rect{fill:#fafafa;stroke:#bbb}
svg.network .edge{stroke:#ddd;stroke-width:.8}svg.network .edge.inh{stroke-dasharray:3 2}
svg.network .edge.route{stroke:#b3261e;stroke-width:2.4}
svg.network .node.route rect{fill:#fde7e4;stroke:#b3261e;stroke-width:1.6}
svg.network .node.altered rect{fill:#fff1c2;stroke:#9a6700}
svg.network .node.mechanism rect{fill:#b3261e;stroke:#7a1a14}
svg.network .node.mechanism text{fill:#fff;font-weight:700}
svg.network .node.drug rect{fill:#dbe8ff;stroke:#1f4fa3}
svg.network .node.phenotype rect{stroke:#333;stroke-width:1.4}
svg.network marker path{fill:#999}
"""


def _e(value: object) -> str:
    return escape(value)


def _evidence_list(items: Sequence[EvidenceItem], limit: int = 8) -> str:
    if not items:
        return '<span class="muted">no matching evidence in the knowledge base</span>'
    rows = "".join(
        f"<li><b>{_e(i.scale)} {_e(i.level)}</b> · {_e(i.significance)}"
        f"{'' if i.direction == 'supports' else ' (does not support)'} · {_e(i.citation)} "
        f"({_e(i.ref)}): {_e(i.summary)}</li>" for i in items[:limit])
    more = f"<li class='muted'>and {len(items) - limit} more</li>" if len(items) > limit else ""
    return f"<ul>{rows}{more}</ul>"


def _score_cell(r: RegimenResult) -> str:
    """The score with its interval, and the calibrated probability on its own line; neither
    is broken inside (``0.14 [0.06-`` / ``0.19]`` in a narrow column)."""
    text = f"{r.score:.2f}"
    if r.interval is not None and len(r.interval) == 2 and (
            r.interval[0] != r.interval[1] or r.interval[0] != r.score):
        text += f" [{r.interval[0]:.2f}–{r.interval[1]:.2f}]"
    out = f'<span class="nw">{_e(text)}</span>'
    if r.response_probability is not None:
        out += f'<br><span class="nw muted">P({_e(r.endpoint)}) {r.response_probability:.2f}</span>'
    return out


def _remedy_cell(r: RegimenResult, top: int = 3) -> str:
    """What overcomes the escape, one per line: a partner added to the regimen as ``+ X``."""
    lines = []
    for x in r.overcome_by[:top]:
        name = x.regimen
        if name.startswith(r.regimen + " + "):
            name = "+ " + name[len(r.regimen) + 3:]
        lines.append(f"{_e(name)} <span class='nw muted'>({_e(x.response_class)} "
                     f"{x.score:.2f})</span>")
    return "<br>".join(lines) or _e(r.no_remedy_reason())


def _regimen_rows(report: Report) -> str:
    rows = []
    for r in report.regimens:
        mech = ", ".join(m.name for m in r.mechanisms) or "–"
        best = f"{r.evidence[0].scale} {r.evidence[0].level} ({len(r.evidence)})" \
            if r.evidence else "–"
        rows.append(f"<tr><td>{_e(r.regimen)}{' *' if r.requested else ''}</td>"
                    f'<td class="{_e(r.response_class)}">{_e(r.response_class)}</td>'
                    f"<td>{_score_cell(r)}</td><td>{_e(mech)}</td>"
                    f'<td class="nw">{_e(best)}</td><td>{_remedy_cell(r)}</td></tr>')
    return "".join(rows)


def _provenance(report: Report) -> str:
    """``key: value`` pairs; lists joined, an empty one said as none (never a Python repr)."""
    def plain(value: object) -> str:
        if isinstance(value, (list, tuple)):
            return "; ".join(map(str, value)) or "none"
        return str(value)

    return ", ".join(f"{k}: {plain(v)}" for k, v in report.provenance.items())


def _details(r: RegimenResult) -> str:
    trace = "".join(f"<li><code>{_e(s['node'])}={_e(s['value'])}</code> because "
                    f"{_e(', '.join(s['because']) or 'input')} "
                    f"<span class='muted'>{_e(', '.join(s['refs'][:3]))}</span></li>"
                    for s in r.trace)
    mechs = "".join(f"<li><b>{_e(m.name)}</b> ({_e(m.id)}): "
                    f"{_e(m.knowledge.get('description', ''))} <span class='muted'>observed in "
                    f"{_e('; '.join(m.sources) or 'profile')}</span></li>" for m in r.mechanisms)
    remedies = "".join(
        f"<tr><td>{n}</td><td>{_e(x.regimen)}</td><td>{_e(x.kind)}</td>"
        f'<td class="{_e(x.response_class)}">{_e(x.response_class)}</td><td>{x.score:.2f}</td>'
        f"<td>{_e(x.rationale)}</td><td>{_evidence_list(x.evidence, 3)}</td></tr>"
        for n, x in enumerate(r.overcome_by, start=1))
    remedy_table = (f"<table><tr><th>#</th><th>regimen</th><th>kind</th><th>class</th>"
                    f"<th>score</th><th>why</th><th>evidence</th></tr>{remedies}</table>"
                    if remedies else f"<p class='muted'>{_e(r.no_remedy_reason())}</p>")
    return (f"<details><summary><b>{_e(r.regimen)}</b>: {_e(r.response_class)} "
            f"({_e(r.score_label())})</summary>"
            f"<h3>Mechanisms</h3><ul>{mechs or '<li>none</li>'}</ul>"
            f"<h3>Mechanism trace</h3><ul>{trace}</ul><h3>Evidence</h3>"
            f"{_evidence_list(r.evidence)}<h3>What restores response</h3>{remedy_table}"
            "</details>")


def _route(report: Report, network: Network) -> tuple[set[Edge], set[str]]:
    """Escape-route edges, responsible alterations and drug nodes of non-sensitive regimens."""
    edges: set[Edge] = set()
    mechanisms: set[str] = set()
    for r in report.regimens:
        if r.response_class == "sensitive":
            continue
        mechanisms.update(m.id for m in r.mechanisms)
        for step in r.trace:
            for cause in step["because"]:
                name, _, value = str(cause).partition("=")
                node = network.nodes.get(name)
                if value == "0" and node is not None and node.is_input:
                    continue  # an absent drug or input is not part of the route drawn
                edges.add((name, str(step["node"])))
    return edges, mechanisms


def _profile_tables(report: Report) -> str:
    p = report.profile
    alts = "".join(f"<tr><td>{_e(a.name)}</td><td>{_e(a.gene)}</td>"
                   f"<td>{_e(', '.join(f'{k}={v}' for k, v in a.set.items()))}</td>"
                   f"<td>{'<br>'.join(_e(s.describe()) for s in a.sources)}</td></tr>"
                   for a in p.model_alterations())
    unmapped = "".join(f"<tr><td>{_e(u.gene)}</td><td>{_e(u.change)}</td><td>{_e(u.reason)}</td>"
                       f"<td>{_e(u.source.describe())}</td></tr>" for u in p.unmapped)
    out = (f"<h2>Alterations used by the model</h2><table><tr><th>alteration</th><th>gene</th>"
           f"<th>model input</th><th>observed in</th></tr>{alts}</table>")
    if unmapped:
        out += (f"<h2>Not used by the model ({len(p.unmapped)})</h2><table><tr><th>gene</th>"
                f"<th>variant</th><th>why</th><th>where</th></tr>{unmapped}</table>")
    return out


def _section(report: Report, network: Network, index: int) -> str:
    p = report.profile
    edges, mechanisms = _route(report, network)
    drugs = {s["node"] for r in report.regimens if r.response_class != "sensitive"
             for s in r.trace if network.nodes.get(str(s["node"])) is not None
             and network.nodes[str(s["node"])].kind == "drug"}
    svg = draw_network(network, route=edges, active=set(p.perturbation()),
                       mechanisms=mechanisms, drugs=drugs,
                       title=f"Escape route of sample {p.sample}")
    warnings = "".join(f"<li>{_e(w)}</li>" for w in report.warnings)
    return (
        f'<section id="sample-{index}"><h1>Sample {_e(p.sample)}</h1>'
        f"<p>HER2 <b>{_e(p.her2.call)}</b> · ER <b>{_e(p.er.call)}</b> · PR "
        f"<b>{_e(p.pr.call)}</b></p>"
        + (f'<div class="warn"><b>Warnings</b><ul>{warnings}</ul></div>' if warnings else "")
        + f'<h2>HER2 regimens</h2><table id="regimens-{index}" class="regimens"><tr>'
        "<th>regimen</th><th>class</th><th>score</th><th>mechanism</th><th>best evidence</th>"
        f"<th>overcome by (Boolean-limit scores)</th></tr>{_regimen_rows(report)}</table>"
        "<p class='muted'>* named by the user. Score: model response in [0, 1]; "
        "sensitive &ge; 0.5, resistant &lt; 0.25; graded scores carry their 10th-90th "
        "percentile interval and the calibrated probability of the endpoint "
        "(docs/graded.md); traces and remedies are those of the Boolean limit.</p>"
        f'<h2>Escape route in the network</h2><figure id="network-{index}">{svg}'
        "<figcaption class='muted'>Red: regulations and nodes on the mechanism traces of the "
        "regimens the tumour escapes; filled red: responsible alterations; yellow: the "
        "tumour's other alterations; dashed: inhibition.</figcaption></figure>"
        + _profile_tables(report)
        + "<h2>Details per regimen</h2>" + "".join(_details(r) for r in report.regimens)
        + f"<p class='muted'>{_e(_provenance(report))}"
        "</p></section>"
    )


def render_html(reports: Sequence[Report], *, network: Network | None = None) -> str:
    """A standalone HTML page with one section per report.

    Examples
    --------
    >>> from her2resist.profile import TumourProfile
    >>> from her2resist.report import build_report
    >>> report = build_report(TumourProfile.from_alterations("T1", ["PTEN loss"]),
    ...                       standard=False, regimens=["trastuzumab"])
    >>> render_html([report]).startswith("<!DOCTYPE html>")
    True
    """
    network = network or load_model()
    title = ", ".join(r.sample for r in reports[:3]) + (" ..." if len(reports) > 3 else "")
    body = "".join(_section(r, network, i) for i, r in enumerate(reports, start=1))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>her2resist report: {_e(title)}</title><style>{CSS}</style></head>"
            f"<body>{body}</body></html>\n")
