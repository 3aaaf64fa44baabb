"""Tumour reports: which HER2 regimens a tumour escapes, how, on what evidence, what restores
response; rendered as terminal tables, JSON or a standalone HTML page.

Examples
--------
>>> from her2resist.profile import TumourProfile
>>> report = build_report(TumourProfile.from_alterations("T1", ["PTEN loss"]),
...                       regimens=["trastuzumab"], standard=False)
>>> report.regimens[0].response_class
'resistant'
"""

from her2resist.report.build import (
    STANDARD_REGIMENS,
    RegimenResult,
    Report,
    build_report,
    build_reports,
)
from her2resist.report.html import render_html
from her2resist.report.network_svg import draw_network
from her2resist.report.remedies import Remedy
from her2resist.report.text import render_json, render_text, report_renderable

__all__ = [
    "STANDARD_REGIMENS",
    "RegimenResult",
    "Remedy",
    "Report",
    "build_report",
    "build_reports",
    "draw_network",
    "render_html",
    "render_json",
    "render_text",
    "report_renderable",
]
