"""Terminal and HTML views of a virtual trial (the JSON is :meth:`TrialResult.to_dict`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from her2resist.cohort import figures
from her2resist.cohort.html import _e, _figures, _notes, page, table_html

if TYPE_CHECKING:
    from rich.console import Console

    from her2resist.cohort.trial import TrialResult


def _rate(v: Any) -> str:
    return "-" if v is None or v != v else f"{v:.3f}"


def print_trial(result: TrialResult, console: Console) -> None:
    """The trial's response and PFS tables on the terminal."""
    from rich.table import Table

    spec = result.spec
    from rich.text import Text

    console.print(Text.assemble((spec.name, "bold"), f": {result.patients} virtual patients, "
                                f"seed {result.seed}; {spec.endpoint} from "
                                f"{result.probability_source}"))
    grid = Table(title=f"{spec.endpoint} per arm and subgroup (virtual rate, 95% CI; expected)")
    for column in ("arm", "subgroup", "n", "rate (95% CI)", "expected", "published"):
        grid.add_column(column)
    for row in result.response.itertuples(index=False):
        grid.add_row(Text(row.arm), row.subgroup, str(row.n),
                     f"{_rate(row.rate)} ({_rate(row.low)}-{_rate(row.high)})",
                     _rate(row.expected), _rate(row.published))
    console.print(grid)
    if result.pfs is not None:
        pfs = result.pfs
        for arm, median in pfs.medians.items():
            console.print(Text(f"PFS {arm}: median {_rate(median)} {pfs.unit}"))
        hr = Table(title=f"PFS hazard ratio against {spec.control} (Cox)")
        for column in ("arm", "subgroup", "n", "events", "HR (95% CI)", "published"):
            hr.add_column(column)
        for row in pfs.hazard_ratios.itertuples(index=False):
            hr.add_row(Text(row.arm), row.subgroup, str(row.n), str(row.events),
                       f"{_rate(row.hazard_ratio)} ({_rate(row.low)}-{_rate(row.high)})",
                       _rate(row.published))
        console.print(hr)
    for warning in result.warnings:
        console.print(Text.assemble(("warning: ", "yellow"), warning))


def trial_html(result: TrialResult) -> str:
    """A standalone HTML report: response bars, KM curves, tables, sources."""
    spec = result.spec
    arms = pd.DataFrame([{"arm": a.name, "regimen": a.written.text, "read as": a.written.label,
                          "not modelled": ", ".join(a.written.not_modelled),
                          "then (PFS)": (f"{a.maintenance.label} after {a.induction_days:g} days"
                                         if a.maintenance and a.induction_days else "")}
                         for a in spec.arms])
    sections = [f"<p>{result.patients} virtual patients (seed {result.seed}); "
                f"{_e(spec.endpoint)} from {_e(result.probability_source)}.</p>",
                "<h2>Arms</h2>" + table_html(arms)]
    figs = [(f"{spec.endpoint} per arm and subgroup",
             figures.plot_response_bars(result.response, endpoint=spec.endpoint))]
    if result.pfs is not None:
        figs.append(("PFS Kaplan-Meier", figures.plot_kaplan_meier(
            result.pfs.curves, time_label=result.pfs.unit, title="Progression-free survival",
            ylabel="progression-free")))
    sections.append(_figures(figs))
    sections.append(f"<h2>{_e(spec.endpoint)}</h2>" + table_html(result.response))
    if result.pfs is not None:
        sections.append("<h2>PFS hazard ratios</h2>" + table_html(result.pfs.hazard_ratios))
    sections.append("<h2>Warnings</h2>" + (_notes(result.warnings) or "<p>None.</p>"))
    for _, fig in figs:
        fig.clear()
    return page(f"Virtual trial: {spec.name}", sections)
