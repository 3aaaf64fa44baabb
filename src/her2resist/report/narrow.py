"""The report for a narrow terminal (80 columns): stacked key/value blocks instead of wide
tables, evidence as wrapped paragraphs with their references.

A table of six columns squeezed into 80 columns wraps each cell at about ten characters; here
every value gets the full width less a short key, so nothing wraps under ~60 characters.

Examples
--------
>>> from her2resist.profile import TumourProfile
>>> from her2resist.report.build import build_report
>>> report = build_report(TumourProfile.from_alterations("T1", ["PTEN loss"]),
...                       regimens=["trastuzumab"], standard=False, graded=None)
>>> from her2resist.report.text import render_text
>>> text = render_text([report], width=80)
>>> max(len(line) for line in text.splitlines()) <= 80
True
>>> "trastuzumab *: resistant" in text
True
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from her2resist.report.build import RegimenResult, Report
from her2resist.report.evidence import EvidenceItem
from her2resist.report.text import CLASS_STYLE

#: Width of the key column of a block ("overcome by" is the longest key).
KEY_WIDTH = 11
#: Evidence items shown per regimen in full; the rest are counted (all are in JSON and HTML).
EVIDENCE_SHOWN = 3


def _block(rows: list[tuple[str, RenderableType]], indent: int = 2) -> Padding:
    """Key/value rows: the key in a narrow column, the value wrapped over the rest."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=KEY_WIDTH, no_wrap=True, style="dim")
    grid.add_column(ratio=1, overflow="fold")
    for key, value in rows:
        # User text (file names, sample ids, variants) is never read as Rich markup.
        grid.add_row(key, Text(value) if isinstance(value, str) else value)
    return Padding(grid, (0, 0, 0, indent))


def _items(lines: list[str], bullet: str = "·", *, always: bool = False) -> RenderableType:
    """Several values, each its own paragraph behind a bullet, wrapped under its own text
    (one value alone has no bullet unless ``always``)."""
    if len(lines) == 1 and not always:
        return Text(lines[0])
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=len(bullet))
    grid.add_column(ratio=1, overflow="fold")
    for line in lines:
        grid.add_row(bullet, Text(line))
    return grid


def _heading(text: str) -> Text:
    return Text(text, style="bold")


def _citation(item: EvidenceItem) -> str:
    """One evidence item as a sentence: level, what it shows, the publication, its reference."""
    return f"{item.scale} {item.level}, {item.significance}: {item.citation} ({item.ref})"


def _evidence(result: RegimenResult) -> RenderableType | None:
    if not result.evidence:
        return None
    shown = [_citation(e) for e in result.evidence[:EVIDENCE_SHOWN]]
    more = len(result.evidence) - len(shown)
    if more:
        shown.append(f"and {more} more (--format json or html lists them all)")
    return _items(shown)


def _remedies(result: RegimenResult, top: int = 3) -> RenderableType | None:
    if result.response_class == "sensitive" and not result.overcome_by:
        return None
    lines = []
    for remedy in result.overcome_by[:top]:
        level = (f", {remedy.evidence[0].scale} {remedy.evidence[0].level}"
                 if remedy.evidence else "")
        # A partner added to this regimen reads as "+ partner" under the regimen's name.
        name = remedy.regimen
        if name.startswith(result.regimen + " + "):
            name = "+ " + name[len(result.regimen) + 3:]
        lines.append(f"{name} ({remedy.response_class} {remedy.score:.2f}{level})")
    return _items(lines) if lines else Text(result.no_remedy_reason())


def _regimen(result: RegimenResult) -> Group:
    style = CLASS_STYLE.get(result.response_class, "")
    title = Text.assemble((result.regimen + (" *" if result.requested else ""), "bold"), ": ",
                          (result.response_class, style))
    rows: list[tuple[str, RenderableType]] = [("score", result.score_label())]
    if result.mechanisms:
        rows.append(("mechanism", ", ".join(m.name for m in result.mechanisms)))
    for key, value in (("evidence", _evidence(result)), ("overcome by", _remedies(result))):
        if value is not None:
            rows.append((key, value))
    return Group(Padding(title, (0, 0, 0, 1)), _block(rows, indent=3))


def _alterations(report: Report) -> list[RenderableType]:
    parts: list[RenderableType] = [_heading("Alterations used by the model")]
    for alt in report.profile.model_alterations():
        setting = ", ".join(f"{k}={v}" for k, v in alt.set.items())
        parts.append(Padding(Text(alt.name, style="bold"), (0, 0, 0, 1)))
        parts.append(_block([("gene", alt.gene), ("model input", setting),
                             ("observed in", _items([s.describe() for s in alt.sources]))],
                            indent=3))
    if len(parts) == 1:
        parts.append(Padding("none", (0, 0, 0, 1)))
    return parts


def _unmapped(report: Report) -> list[RenderableType]:
    if not report.profile.unmapped:
        return []
    parts: list[RenderableType] = [Text(""), _heading("Not used by the model")]
    for item in report.profile.unmapped:
        where = f"{item.source.file}:{item.source.line}" if item.source.line else item.source.file
        parts.append(Padding(Text(f"{item.gene} {item.change}", style="bold"), (0, 0, 0, 1)))
        parts.append(_block([("why", item.reason), ("where", where)], indent=3))
    return parts


def narrow_renderable(report: Report, status: str) -> Group:
    """One report as stacked blocks that fit 80 columns (``status``: the receptor line)."""
    parts: list[RenderableType] = [
        Rule(Text(f"her2resist report: {report.sample}", style="bold"), align="left"),
        Text(status), Text(""), *_alterations(report), *_unmapped(report), Text(""),
        _heading("HER2 regimens"),
        Text("(* named with --regimen; overcome-by scores are Boolean-limit scores)",
             style="dim"),
    ]
    parts.extend(_regimen(r) for r in report.regimens)
    if report.warnings:
        parts.extend([Text(""), Text("Warnings:", style="yellow"),
                      _items(list(report.warnings), bullet="-", always=True)])
    return Group(*parts)
