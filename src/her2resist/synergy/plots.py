"""Figures of a scored plate: dose-response curves and synergy heatmaps (PNG, HTML).

The ``*_figure`` functions return a matplotlib ``Figure`` (shown inline in a notebook) and
never touch the global backend; the ``plot_*`` functions write it as a PNG.

Examples
--------
>>> import pandas as pd, tempfile, pathlib
>>> from her2resist.synergy import validate_plate, score_plate
>>> c = [0.0, 1.0, 3.0, 10.0]
>>> t = pd.DataFrame([dict(drug1="A", drug2="B", conc1=a, conc2=b, response=5 * (a + b))
...                   for a in c for b in c])
>>> result = score_plate(validate_plate(t, response_type="inhibition"))
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> sorted(p.suffix for p in write_block_figures(result, "1", out))
['.html', '.png', '.png']
>>> [name for name, _ in block_figure_files(result, "1")]
['1_dose_response.png', '1_synergy.png', '1_synergy.html']
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from her2resist._figures import new_figure
from her2resist.common.outputs import write_all
from her2resist.common.text import html_text as _h
from her2resist.synergy.analysis import SynergyResult
from her2resist.synergy.fit import ll4

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["block_figure_files", "dose_response_figure", "heatmap_html", "plot_dose_response",
           "plot_synergy_heatmaps", "synergy_heatmaps_figure", "write_block_figures"]


def _safe(name: str) -> str:
    """A file-name stem for a block id; ids that differ always give different stems (``a/b``
    and ``a_b`` do not overwrite each other's figures)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip(".")[:80] or "block"
    if stem == name:
        return stem
    return f"{stem}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:8]}"


def _mpl(text: object) -> str:
    """User text for a matplotlib label: ``$`` would start mathematical notation."""
    return str(text).replace("$", r"\$")


def _block(result: SynergyResult, block_id: str) -> tuple[pd.Series, pd.DataFrame]:
    row = result.blocks[result.blocks["block_id"] == block_id].iloc[0]
    wells = result.wells[(result.wells["block_id"] == block_id)
                         & (result.wells["replicate"] == row["replicate"])]
    return row, wells


def dose_response_figure(result: SynergyResult, block_id: str) -> Figure:
    """Both single-drug responses of a block with their fitted LL.4 curves (a ``Figure``).

    Examples
    --------
    See the module docstring.
    """
    row, wells = _block(result, block_id)
    fig = new_figure(figsize=(9, 3.6))
    axes = fig.subplots(1, 2)
    for k, ax in zip((1, 2), axes, strict=True):
        other = 3 - k
        single = wells[(wells[f"conc{other}"] == 0) & (wells[f"conc{k}"] > 0)]
        dose = single[f"conc{k}"].to_numpy()
        grid = np.geomspace(dose.min() / 3, dose.max() * 3, 200)
        curve = ll4(grid, row[f"hill_{k}"], row[f"c_{k}"], row[f"d_{k}"],
                    np.log(row[f"ic50_fit_{k}"]))
        ax.semilogx(dose, single["response"], "o", color="black")
        ax.semilogx(grid, curve, color="tab:blue")
        ax.set_xlabel(_mpl(f"{row[f'drug{k}']} ({row[f'conc_unit{k}'] or 'conc'})"))
        ax.set_ylabel("% inhibition")
        ax.set_title(f"IC50 {row[f'ic50_{k}']:.3g}, Hill {row[f'hill_{k}']:.2f}, "
                     f"R² {row[f'r2_{k}']:.2f} ({row[f'fit_status_{k}']})", fontsize=8)
    fig.suptitle(_mpl(f"Block {block_id}: {row['drug1']} + {row['drug2']} {row['cell_line']}"))
    return fig


def plot_dose_response(result: SynergyResult, block_id: str, path: Path) -> Path:
    """PNG of :func:`dose_response_figure`, written whole."""
    write_all([(Path(path), _png(dose_response_figure(result, block_id)))])
    return Path(path)


def _matrix(wells: pd.DataFrame, column: str) -> pd.DataFrame:
    return wells.pivot_table(index="conc1", columns="conc2", values=column).sort_index(
        ascending=False)


def synergy_heatmaps_figure(result: SynergyResult, block_id: str) -> Figure:
    """One synergy heatmap per method (red synergy, blue antagonism), as a ``Figure``.

    Examples
    --------
    See the module docstring.
    """
    row, wells = _block(result, block_id)
    fig = new_figure(figsize=(3.6 * len(result.methods) + 1.2, 4.0))
    axes = fig.subplots(1, len(result.methods), squeeze=False)
    mats = {m: _matrix(wells, f"{m}_synergy") for m in result.methods}
    # One colour scale for every method, so one colour means one value across the panels.
    limit = max([10.0] + [float(np.nanmax(np.abs(m.to_numpy()))) for m in mats.values()])
    for method, ax in zip(result.methods, axes[0], strict=True):
        mat = mats[method]
        image = ax.imshow(mat.to_numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_xticks(range(mat.shape[1]), [f"{c:.3g}" for c in mat.columns], rotation=45)
        ax.set_yticks(range(mat.shape[0]), [f"{c:.3g}" for c in mat.index])
        ax.set_xlabel(_mpl(f"{row['drug2']} ({row['conc_unit2'] or 'conc'})"))
        ax.set_ylabel(_mpl(f"{row['drug1']} ({row['conc_unit1'] or 'conc'})"))
        ax.set_title(f"{method}: mean {row[f'{method}_synergy']:.2f}, "
                     f"MSA {row[f'{method}_msa']:.2f}", fontsize=9)
    fig.colorbar(image, ax=axes[0].tolist(), shrink=0.8,
                 label="synergy (% inhibition)")
    fig.suptitle(_mpl(f"Block {block_id}: {row['drug1']} + {row['drug2']} "
                      f"{row['cell_line']} (red synergy, blue antagonism)"))
    return fig


def plot_synergy_heatmaps(result: SynergyResult, block_id: str, path: Path) -> Path:
    """PNG of :func:`synergy_heatmaps_figure`, written whole."""
    write_all([(Path(path), _png(synergy_heatmaps_figure(result, block_id)))])
    return Path(path)


def _cell(value: float) -> str:
    """A synergy score as shown in a cell: one decimal, and 0.0 rather than -0.0."""
    return f"{0.0 if abs(value) < 0.05 else value:.1f}"


def heatmap_html(result: SynergyResult, block_id: str) -> str:
    """Standalone HTML page: one heatmap table per method, with values on hover.

    Examples
    --------
    See the module docstring.
    """
    row, wells = _block(result, block_id)
    parts = [f"<h1>{_h(row['drug1'])} + {_h(row['drug2'])} {_h(row['cell_line'])} "
             f"(block {_h(block_id)})</h1><p class='note'>Synergy in % inhibition over each "
             "method's reference model: red synergy, blue antagonism; hover a cell for its "
             "response.</p><div class='methods'>"]
    for method in result.methods:
        mat = _matrix(wells, f"{method}_synergy")
        resp = _matrix(wells, "response")
        cells = []
        for c1, values in mat.iterrows():
            tds = "".join(
                f'<td style="background:{_colour(v)}" title="{_h(row["drug1"])} {c1:g}, '
                f'{_h(row["drug2"])} {c2:g}: synergy {v:.2f}, response {resp.loc[c1, c2]:.2f}">'
                f"{_cell(v)}</td>" for c2, v in values.items())
            cells.append(f"<tr><th>{c1:g}</th>{tds}</tr>")
        head = "".join(f"<th>{c:g}</th>" for c in mat.columns)
        # Axis labels: the column drug across the top, the row drug down the side.
        across = f"{_h(row['drug2'])} ({_h(row['conc_unit2'] or 'conc')}) &rarr;"
        down = f"{_h(row['drug1'])} ({_h(row['conc_unit1'] or 'conc')}) &darr;"
        parts.append(f"<section><h2>{_h(method)}: mean {row[f'{method}_synergy']:.2f}</h2><table>"
                     f"<tr><th></th><th></th><th class='axis' colspan='{mat.shape[1]}'>{across}"
                     f"</th></tr><tr><th class='axis vertical' rowspan='{mat.shape[0] + 1}'>"
                     f"{down}</th><th></th>{head}</tr>{''.join(cells)}</table></section>")
    parts.append("</div>")
    # The methods side by side, wrapping on a narrow page.
    style = ("body{font-family:sans-serif;margin:1.5rem}td,th{padding:4px 8px;text-align:right}"
             ".methods{display:flex;flex-wrap:wrap;gap:1rem 3rem}"
             "td:hover{outline:2px solid black}th.axis{text-align:center;font-weight:normal;"
             "font-style:italic}th.vertical{writing-mode:vertical-rl;transform:rotate(180deg)}"
             ".note{color:#555;font-size:small}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{style}</style>"
            f"<title>Synergy {_h(block_id)}</title></head><body>"
            f"{''.join(parts)}</body></html>")


def _colour(value: float) -> str:
    share = min(abs(value) / 30.0, 1.0)
    fade = int(255 * (1 - share))
    return f"rgb(255,{fade},{fade})" if value > 0 else f"rgb({fade},{fade},255)"


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def block_figure_files(result: SynergyResult, block_id: str) -> list[tuple[str, bytes]]:
    """A block's figures as (file name, content): dose-response PNG, heatmap PNG and HTML.

    File names come from the block id (:func:`_safe`): ids that differ never share a name.

    Examples
    --------
    See the module docstring.
    """
    stem = _safe(block_id)
    return [(f"{stem}_dose_response.png", _png(dose_response_figure(result, block_id))),
            (f"{stem}_synergy.png", _png(synergy_heatmaps_figure(result, block_id))),
            (f"{stem}_synergy.html", heatmap_html(result, block_id).encode("utf-8"))]


def write_block_figures(result: SynergyResult, block_id: str, folder: Path) -> list[Path]:
    """Write a block's dose-response PNG, heatmap PNG and heatmap HTML into ``folder``, all
    three or none.

    Examples
    --------
    See the module docstring.
    """
    files = [(Path(folder) / name, data) for name, data in block_figure_files(result, block_id)]
    write_all(files)
    return [path for path, _ in files]
