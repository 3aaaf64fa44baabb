"""Rich display of results in Jupyter: the ``_repr_html_`` of every result type builds one
card here, a title, headline fields, a few tables and the warnings, with every user string
escaped (sample ids, drug and file names come from the user's files).

Examples
--------
>>> html = card("Prediction <x>", [("score", 0.5)], tables=[("Trace", [{"node": "<b>"}])])
>>> "&lt;x&gt;" in html and "&lt;b&gt;" in html and "<b>" not in html
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

#: Rows shown per table; the caption says how many there are.
MAX_ROWS = 15
_STYLE = ("font-family:sans-serif;font-size:13px;max-width:60em;border:1px solid #ccc;"
          "padding:6px 10px;border-radius:4px")

Rows = Sequence[Mapping[str, Any]]


def text(value: object, digits: int = 3) -> str:
    """A value as escaped text (floats rounded, sequences joined).

    Examples
    --------
    >>> text(0.123456), text(("a", "<b>")), text(None)
    ('0.123', 'a, &lt;b&gt;', '')
    """
    if value is None:
        return ""
    if isinstance(value, float):
        return escape(f"{value:.{digits}g}")
    if isinstance(value, (list, tuple, set, frozenset)):
        return escape(", ".join(str(v) for v in value))
    return escape(str(value))


def table(rows: Rows | pd.DataFrame, *, limit: int = MAX_ROWS) -> str:
    """An HTML table of records or a DataFrame, its first ``limit`` rows, all cells escaped.

    Examples
    --------
    >>> table([{"a": 1, "b": "<i>"}, {"a": 2, "b": ""}], limit=1).count("<tr>")
    2
    """
    records = rows.to_dict("records") if hasattr(rows, "to_dict") else list(rows)
    columns = list(dict.fromkeys(k for r in records for k in r))
    if not records:
        return "<p><i>none</i></p>"
    head = "".join(f"<th>{text(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{text(r.get(c))}</td>" for c in columns) + "</tr>"
        for r in records[:limit])
    more = (f"<caption style='caption-side:bottom;text-align:left'>{limit} of "
            f"{len(records)} rows shown</caption>" if len(records) > limit else "")
    return (f"<table style='border-collapse:collapse'>{more}<thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def card(title: str, fields: Iterable[tuple[str, object]], *,
         tables: Iterable[tuple[str, Rows | pd.DataFrame]] = (),
         notes: Iterable[str] = ()) -> str:
    """One result as an HTML block: a title, ``label: value`` fields, titled tables and notes.

    Examples
    --------
    >>> card("Screen", [("genotypes", 3)]).startswith("<div")
    True
    """
    items = "".join(f"<tr><th style='text-align:left;padding-right:1em'>{text(label)}</th>"
                    f"<td>{text(value)}</td></tr>" for label, value in fields)
    parts = [f"<div style='{_STYLE}'><h4 style='margin:4px 0'>{text(title)}</h4>",
             f"<table>{items}</table>"]
    parts.extend(f"<h5 style='margin:8px 0 2px'>{text(name)}</h5>{table(rows)}"
                 for name, rows in tables)
    shown = [f"<li>{text(note)}</li>" for note in notes]
    if shown:
        parts.append(f"<h5 style='margin:8px 0 2px'>Warnings</h5><ul>{''.join(shown)}</ul>")
    parts.append("</div>")
    return "".join(parts)
