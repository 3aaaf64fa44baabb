"""Heatmaps of screen results: a PNG (matplotlib) and a standalone HTML table.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame([[1.0, 0.0]], index=["G1"], columns=["A", "A + B"])
>>> heatmap_html(frame, title="demo").startswith("<!DOCTYPE html>")
True
>>> heatmap_png(frame)[:4] == b"\\x89PNG"
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from her2resist import _figures
from her2resist._figures import new_figure
from her2resist.common.text import html_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: The most columns a heatmap shows (the best by mean value).
MAX_COLUMNS = 40


def _trim(frame: pd.DataFrame, max_columns: int) -> pd.DataFrame:
    if frame.shape[1] <= max_columns:
        return frame
    best = frame.mean(axis=0).sort_values(ascending=False).index[:max_columns]
    return frame[list(best)]


def _oriented(frame: pd.DataFrame, max_columns: int) -> pd.DataFrame:
    """The best ``max_columns`` columns, turned so that the longer side runs down the page:
    forty combination names read across, not as a strip of rotated labels."""
    data = _trim(frame, max_columns)
    return data.T if data.shape[1] > data.shape[0] else data


def heatmap_figure(frame: pd.DataFrame, *, title: str = "", max_columns: int = MAX_COLUMNS,
                   label: str = "response score") -> Figure:
    """A heatmap of ``frame`` (genotypes by combinations or nodes) as a matplotlib
    ``Figure``, with a colour bar labelled ``label``; the longer side runs down the figure,
    and a small grid shows its values in the cells.

    Examples
    --------
    >>> import pandas as pd
    >>> fig = heatmap_figure(pd.DataFrame([[1.0, 0.5]], index=["G1"], columns=["A", "B"]))
    >>> [ax.get_label() for ax in fig.axes]
    ['', '<colorbar>']
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['A', 'B']
    """
    data = _oriented(frame, max_columns)
    longest = max((len(str(i)) for i in data.index), default=1)
    width = max(4.5, 0.45 * data.shape[1] + 0.07 * longest + 2.5)
    height = max(3.0, 0.28 * data.shape[0] + 2.0)
    fig = new_figure(figsize=(width, height))
    ax = fig.subplots()
    top = max(1.0, float(data.max().max()) if data.size else 1.0)
    values = data.to_numpy(dtype=float)
    image = ax.imshow(values, aspect="auto", cmap="viridis", vmin=0, vmax=top)
    ax.set_xticks(range(data.shape[1]), [str(c) for c in data.columns], rotation=90, fontsize=7)
    ax.set_yticks(range(data.shape[0]), [str(i) for i in data.index], fontsize=7)
    if values.size <= 150:
        for (row, col), value in np.ndenumerate(values):
            ax.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=6,
                    color="black" if value > 0.6 * top else "white")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(str(data.columns.name or ""), fontsize=8)
    ax.set_ylabel(str(data.index.name or ""), fontsize=8)
    # A fixed width in inches: a share of a wide figure's axes would be a sliver.
    fig.colorbar(image, ax=ax, label=label, fraction=min(0.15, 0.9 / width), aspect=12)
    return fig


def heatmap_png(frame: pd.DataFrame, *, title: str = "", max_columns: int = MAX_COLUMNS,
                label: str = "response score") -> bytes:
    """PNG bytes of :func:`heatmap_figure`."""
    return _figures.figure_bytes(
        heatmap_figure(frame, title=title, max_columns=max_columns, label=label))


def _colour(value: float, top: float) -> str:
    share = 0.0 if top <= 0 else max(0.0, min(1.0, value / top))
    return f"rgb({int(255 - 200 * share)}, {int(255 - 90 * share)}, {int(255 - 40 * share)})"


def heatmap_html(frame: pd.DataFrame, *, title: str = "", max_columns: int = MAX_COLUMNS,
                 label: str = "response score") -> str:
    """A standalone HTML page with ``frame`` as a colour-scaled table (turned as in
    :func:`heatmap_figure`), saying what its values are (``label``)."""
    data = _oriented(frame, max_columns)
    top = float(data.max().max()) if data.size else 1.0
    head = "".join(f"<th>{html_text(str(c))}</th>" for c in data.columns)
    body = []
    for index, row in data.iterrows():
        cells = "".join(
            f'<td style="background:{_colour(float(v), top)}">{float(v):.2f}</td>'
            for v in row.to_numpy(dtype=float))
        body.append(f"<tr><th>{html_text(str(index))}</th>{cells}</tr>")
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{html_text(title)}</title><style>body{{font-family:sans-serif;margin:1.5rem}}"
        "table{border-collapse:collapse;font-size:11px}td,th{border:1px solid #ddd;"
        "padding:2px 4px}tbody th{text-align:left;font-weight:normal}"
        "thead th{writing-mode:vertical-rl;transform:rotate(180deg)}"
        ".note{color:#555;font-size:small}</style></head><body>"
        f"<h1>{html_text(title)}</h1><p class='note'>Cells: {html_text(label)} "
        f"(darker is higher, up to {top:.2f}).</p>"
        f"<table><thead><tr><th></th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></body></html>\n"
    )


def figure_bytes(frame: pd.DataFrame, suffix: str, *, title: str = "",
                 label: str = "response score") -> bytes | str:
    """PNG bytes for ``.png``, HTML text for ``.html``/``.htm``."""
    if suffix.lower() in (".html", ".htm"):
        return heatmap_html(frame, title=title, label=label)
    return heatmap_png(frame, title=title, label=label)
