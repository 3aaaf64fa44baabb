"""Standalone HTML reports of cohort and trial results (one file, figures as SVG data URIs).

Every string that comes from the user (sample ids, column names, regimen values, trial
names) goes through :func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

import pandas as pd

from her2resist import __version__
from her2resist.cohort import figures

if TYPE_CHECKING:
    from her2resist.cohort.cohort import CohortResult

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f2f2f2} .figs{display:flex;flex-wrap:wrap;gap:1em}
.figs img{max-width:100%;border:1px solid #eee} .note{color:#555;font-size:.9em}
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if value != value else f"{value:.3g}"
    return _e(value)


def table_html(frame: pd.DataFrame, *, limit: int = 200) -> str:
    """A DataFrame as an escaped HTML table (first ``limit`` rows)."""
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in row) + "</tr>"
                   for row in frame.head(limit).itertuples(index=False))
    more = (f"<p class='note'>First {limit} of {len(frame)} rows.</p>"
            if len(frame) > limit else "")
    return f"<table><tr>{head}</tr>{body}</table>{more}"


def _figures(items: Sequence[tuple[str, Any]]) -> str:
    imgs = "".join(f"<img alt='{_e(alt)}' src='{figures.figure_data_uri(fig)}'>"
                   for alt, fig in items)
    return f"<div class='figs'>{imgs}</div>"


def page(title: str, sections: Sequence[str]) -> str:
    """A standalone HTML page."""
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{_e(title)}</h1>{''.join(sections)}"
            f"<p class='note'>her2resist {_e(__version__)}</p></body></html>")


def _notes(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{_e(w)}</li>" for w in items) + "</ul>" if items else ""


def cohort_html(result: CohortResult) -> str:
    """The cohort report: association, figures, markers, regimens read, per-sample table."""
    a = result.association
    sections = [f"<p>{len(result.samples)} samples; response probability: "
                f"{_e(result.probability_source)}.</p>"]
    figs: list[tuple[str, Any]] = []
    if result.kind == "binary":
        sections.append(f"<h2>Association with {_e(a['endpoint'])}</h2><p>n = {a['n']}; AUC "
                        f"{a['auc']:.3f} (bootstrap 95% CI {a['auc_ci'][0]:.3f}-"
                        f"{a['auc_ci'][1]:.3f}); responder label "
                        f"{_e(result.settings.get('positive_label', ''))}.</p>")
        figs = [("ROC curve", figures.plot_roc(result.curves["roc"], a["auc"], a["auc_ci"],
                                               a["endpoint"])),
                ("Calibration", figures.plot_calibration(result.calibration))]
        sections.append(_figures(figs) + "<h3>Calibration</h3>"
                        + table_html(result.calibration))
    elif result.kind == "survival":
        groups = ", ".join(result.curves)
        sections.append(f"<h2>Association with {_e(a['endpoint'])}</h2><p>n = {a['n']}; Cox "
                        f"hazard ratio per {_e(result.settings['hazard_ratio_per'])} "
                        f"{_fmt(a['hazard_ratio'])} (95% CI {_fmt(a['hr_ci'][0])}-"
                        f"{_fmt(a['hr_ci'][1])}); log-rank p across groups ({_e(groups)}) "
                        f"{_fmt(a['logrank_p']) or 'n/a'}.</p>")
        figs = [("Kaplan-Meier by predicted group",
                 figures.plot_kaplan_meier(result.curves,
                                           time_label=str(a["endpoint"]).split("/")[0],
                                           title="Kaplan-Meier by predicted group")),
                ("Forest plot", figures.plot_forest(result.markers))]
        sections.append(_figures(figs))
    if result.kind is not None:
        sections.append("<h2>Markers</h2>" + table_html(result.markers))
    regimens = pd.DataFrame([{"written": k, "predicted as": v.label,
                              "not modelled": ", ".join(v.not_modelled),
                              "defaults applied": "; ".join(v.notes)}
                             for k, v in result.regimens.items()])
    sections.append("<h2>Regimens as read</h2>" + table_html(regimens))
    sections.append("<h2>Warnings</h2>" + (_notes(result.warnings) or "<p>None.</p>"))
    sections.append("<h2>Samples</h2>" + table_html(result.samples.reset_index()))
    for _, fig in figs:
        fig.clear()
    return page(f"Cohort report: {result.name}", sections)
