"""The report as terminal tables (rich) and as JSON.

Examples
--------
>>> from her2resist.profile import TumourProfile
>>> from her2resist.report.build import build_report
>>> report = build_report(TumourProfile.from_alterations("T1", ["PTEN loss"]),
...                       regimens=["trastuzumab"], standard=False)
>>> "trastuzumab" in render_text([report], width=120)
True
>>> import json; [r["sample"] for r in json.loads(render_json([report]))["reports"]]
['T1']
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from her2resist.common.jsontext import dumps_indented
from her2resist.exceptions import ParameterError
from her2resist.report.build import RegimenResult, Report

#: The schema of :func:`render_json`'s document (a list of ``her2resist-report/1`` objects).
REPORTS_SCHEMA = "her2resist-reports/1"

#: Report layouts: tables, stacked blocks, or chosen by width.
LAYOUTS = ("auto", "wide", "narrow")
#: Terminal width from which ``"auto"`` lays the report out as tables.
WIDE_FROM = 120

CLASS_STYLE = {"sensitive": "green", "partial": "yellow", "resistant": "bold red"}


def render_json(reports: Sequence[Report]) -> str:
    """JSON text of one or several reports, always the same shape.

    The document is ``{"schema": "her2resist-reports/1", "reports": [...]}`` with one
    ``her2resist-report/1`` object per report, whatever their number (``docs/report.md``), so a
    reader never tests whether it got an object or a list.

    Examples
    --------
    >>> import json
    >>> from her2resist.profile import TumourProfile
    >>> from her2resist.report import build_report
    >>> report = build_report(TumourProfile.from_alterations("T1", ["PTEN loss"]),
    ...                       standard=False, regimens=["trastuzumab"])
    >>> data = json.loads(render_json([report]))
    >>> data["schema"], [r["class"] for r in data["reports"][0]["regimens"]]
    ('her2resist-reports/1', ['resistant'])
    """
    data = {"schema": REPORTS_SCHEMA, "reports": [r.to_dict() for r in reports]}
    return dumps_indented(data) + "\n"  # json.dumps(indent=2, ensure_ascii=False)'s text


def _status_line(report: Report) -> str:
    p = report.profile
    er = p.er.call + (f" ({p.er.percent:g} %)" if p.er.percent is not None else "")
    pr = p.pr.call + (f" ({p.pr.percent:g} %)" if p.pr.percent is not None else "")
    return f"HER2 {p.her2.call} · ER {er} · PR {pr}"


def _alteration_table(report: Report) -> Table:
    table = Table(title="Alterations used by the model", title_justify="left", expand=False)
    for column in ("alteration", "gene", "model input", "observed in"):
        table.add_column(column)
    for alt in report.profile.model_alterations():
        setting = ", ".join(f"{k}={v}" for k, v in alt.set.items())
        where = "\n".join(s.describe() for s in alt.sources)
        table.add_row(escape(alt.name), escape(alt.gene), setting, escape(where))
    return table


def _unmapped_table(report: Report) -> Table:
    table = Table(title="Not used by the model", title_justify="left")
    for column in ("gene", "variant", "why", "where"):
        table.add_column(column)
    for item in report.profile.unmapped:
        where = f"{item.source.file}:{item.source.line}" if item.source.line else item.source.file
        table.add_row(escape(item.gene), escape(item.change), escape(item.reason), escape(where))
    return table


def _evidence_cell(result: RegimenResult) -> str:
    if not result.evidence:
        return "-"
    best = result.evidence[0]
    return escape(f"{len(result.evidence)} item(s); best {best.scale} {best.level}: "
                  f"{best.citation} ({best.ref})")


def _remedy_cell(result: RegimenResult, top: int = 3) -> str:
    lines = []
    for remedy in result.overcome_by[:top]:
        level = f", {remedy.evidence[0].scale} {remedy.evidence[0].level}" if remedy.evidence \
            else ""
        lines.append(f"{remedy.regimen} ({remedy.response_class} {remedy.score:.2f}{level})")
    return escape("\n".join(lines) or result.no_remedy_reason())


def _regimen_table(report: Report) -> Table:
    table = Table(title="HER2 regimens", title_justify="left", show_lines=True)
    table.add_column("regimen", style="bold")
    table.add_column("class")
    table.add_column("score", justify="right")
    table.add_column("mechanism")
    table.add_column("evidence")
    table.add_column("overcome by (best first; Boolean-limit scores)")
    for r in report.regimens:
        style = CLASS_STYLE.get(r.response_class, "")
        mech = ", ".join(m.name for m in r.mechanisms) or "-"
        table.add_row(escape(r.regimen) + (" *" if r.requested else ""),
                      f"[{style}]{r.response_class}[/]", escape(r.score_label()), escape(mech),
                      _evidence_cell(r), _remedy_cell(r))
    return table


def report_renderable(report: Report, *, narrow: bool = False) -> RenderableType:
    """One report as a rich renderable: a titled panel of tables, or with ``narrow`` stacked
    key/value blocks that fit 80 columns (:mod:`her2resist.report.narrow`).

    Examples
    --------
    >>> from rich.console import Console
    >>> from her2resist.profile import TumourProfile
    >>> from her2resist.report import build_report
    >>> report = build_report(TumourProfile.from_alterations("T1", ["PTEN loss"]),
    ...                       standard=False, regimens=["trastuzumab"], graded=None)
    >>> console = Console(width=80, record=True, file=io.StringIO(), color_system=None)
    >>> console.print(report_renderable(report, narrow=True))
    >>> "overcome by" in console.export_text()
    True
    """
    if narrow:
        from her2resist.report.narrow import narrow_renderable

        return narrow_renderable(report, _status_line(report))
    parts: list[object] = [_status_line(report), _alteration_table(report)]
    if report.profile.unmapped:
        parts.append(_unmapped_table(report))
    parts.append(_regimen_table(report))
    if report.warnings:
        parts.append("[yellow]Warnings:[/]\n" + "\n".join(f"- {escape(w)}"
                                                         for w in report.warnings))
    return Panel(Group(*parts), title=f"her2resist report: {escape(report.sample)}",  # type: ignore[arg-type]
                 title_align="left")


def render_text(reports: Sequence[Report], *, width: int = 160, layout: str = "auto") -> str:
    """Plain text of the terminal rendering (no colour), for files and tests.

    ``layout`` is ``"wide"`` (tables), ``"narrow"`` (stacked blocks, for 80 columns) or
    ``"auto"``: narrow below :data:`WIDE_FROM` columns.

    Examples
    --------
    >>> from her2resist.profile import TumourProfile
    >>> from her2resist.report import build_report
    >>> report = build_report(TumourProfile.from_alterations("T1", ["PTEN loss"]),
    ...                       standard=False, regimens=["trastuzumab"])
    >>> "her2resist report: T1" in render_text([report], width=80)
    True
    >>> "┃ regimen" in render_text([report], width=80, layout="wide")
    True
    """
    narrow = is_narrow(width, layout)
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    for report in reports:
        console.print(report_renderable(report, narrow=narrow))
    return console.export_text()


def is_narrow(width: int, layout: str = "auto") -> bool:
    """Whether ``layout`` at ``width`` columns is the narrow one (stacked blocks).

    Examples
    --------
    >>> is_narrow(80), is_narrow(160), is_narrow(80, "wide")
    (True, False, False)
    """
    if layout not in LAYOUTS:
        raise ParameterError("layout", "render_text", f"one of {', '.join(LAYOUTS)}", layout)
    return layout == "narrow" or (layout == "auto" and width < WIDE_FROM)
