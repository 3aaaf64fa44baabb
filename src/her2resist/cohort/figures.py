"""Figures of cohort and trial results: ROC, calibration, Kaplan-Meier, forest, response bars.

Each function builds a matplotlib ``Figure`` and returns it, never touching the global
backend (matplotlib is imported when a figure is drawn). :func:`figure_data_uri` turns a
figure into an SVG ``data:`` URI for the standalone HTML reports: an image, so no text of the
figure can act as markup in the page.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_COLOURS = {"sensitive": "#1b7837", "partial": "#e08214", "resistant": "#b2182b"}


def _figure(width: float = 5.0, height: float = 4.0) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def plot_roc(roc: pd.DataFrame, auc: float, ci: tuple[float, float], endpoint: str) -> Figure:
    """ROC curve of the response probability against a binary outcome."""
    fig = _figure()
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label="chance")
    ax.plot(roc["fpr"], roc["tpr"], marker="o", markersize=3, color="#2166ac", linewidth=2,
            label=f"AUC {auc:.2f} (95% CI {ci[0]:.2f}-{ci[1]:.2f})")
    ax.set_xlabel("1 - specificity (false positive rate)")
    ax.set_ylabel("sensitivity (true positive rate)")
    ax.set_title(f"ROC: predicted response vs {endpoint}", fontsize="medium")
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.legend(loc="lower right", fontsize="small")
    return fig


def plot_calibration(table: pd.DataFrame) -> Figure:
    """Observed response rate (with its 95 % interval) against the predicted probability."""
    fig = _figure()
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label="ideal")
    plain = False
    for _, row in table.iterrows():
        named = row["group"] in _COLOURS
        # Groups with a colour of their own get a legend entry each; groups named by their
        # probability ("p = 0.39") share one entry, their n written beside the point.
        label = f"{row['group']} (n={row['n']})" if named else (
            None if plain else "observed rate, 95% CI (n beside)")
        plain = plain or not named
        ax.errorbar(row["predicted"], row["observed"],
                    yerr=[[max(row["observed"] - row["low"], 0.0)],
                          [max(row["high"] - row["observed"], 0.0)]],
                    fmt="o", color=_COLOURS.get(row["group"], "#2166ac"), capsize=3,
                    label=label)
        if not named:
            ax.annotate(f"n={row['n']}", (row["predicted"], row["observed"]),
                        textcoords="offset points", xytext=(5, -3), fontsize="x-small")
    ax.set_xlabel("predicted response probability")
    ax.set_ylabel("observed response rate")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Calibration", fontsize="medium")
    # Below the axes: points and intervals may fall anywhere in the square.
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2,
              frameon=False)
    return fig


def plot_kaplan_meier(curves: Mapping[str, pd.DataFrame], *, time_label: str,
                      title: str, ylabel: str = "survival") -> Figure:
    """Kaplan-Meier curves, one per group (``time``, ``survival`` columns)."""
    fig = _figure(5.5, 4.0)
    ax = fig.add_subplot()
    for i, (name, curve) in enumerate(curves.items()):
        colour = _COLOURS.get(name, f"C{i}")
        ax.step(curve["time"], curve["survival"], where="post", color=colour, linewidth=2,
                label=f"{name} (n={curve.attrs.get('n', '?')})")
    ax.set_xlabel(time_label)
    ax.set_ylabel(ylabel)
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(title, fontsize="medium")
    ax.legend(fontsize="small", loc="lower left")
    return fig


def plot_forest(markers: pd.DataFrame, *, effect: str = "hazard_ratio") -> Figure:
    """Forest plot of per-marker hazard ratios with their 95 % intervals (log scale)."""
    rows = markers.dropna(subset=[effect]).head(25)
    fig = _figure(6.0, max(2.0, 0.45 * len(rows) + 1.2))
    ax = fig.add_subplot()
    if rows.empty:
        ax.text(0.5, 0.5, "no marker carried by enough patients", ha="center", va="center")
        ax.set_axis_off()
        return fig
    y = np.arange(len(rows))[::-1]
    values = rows[effect].clip(1e-3, 1e3).to_numpy()
    low = rows["low"].clip(1e-3, 1e3).to_numpy()
    high = rows["high"].clip(1e-3, 1e3).to_numpy()
    ax.errorbar(values, y, xerr=np.clip([values - low, high - values], 0.0, None), fmt="s",
                color="#2166ac",
                capsize=3)
    ax.axvline(1.0, color="#999999", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    from matplotlib.ticker import FuncFormatter

    # Ratios as numbers a reader reads (0.1, 1, 2), not as powers of ten.
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_yticks(y, [f"{m} (n={n})" for m, n in zip(rows["marker"], rows["n_with"],
                                                     strict=True)])
    ax.set_xlabel("hazard ratio (95% CI), log scale")
    ax.set_title("Markers: hazard ratio with vs without", fontsize="medium")
    return fig


def plot_response_bars(table: pd.DataFrame, *, endpoint: str) -> Figure:
    """Predicted response rate per arm and subgroup (``arm``, ``subgroup``, ``rate``,
    ``low``, ``high``), published rates as crosses where given (``published``)."""
    groups = list(dict.fromkeys(table["subgroup"]))
    arms = list(dict.fromkeys(table["arm"]))
    fig = _figure(max(5.0, 1.1 * len(groups) + 2), 4.0)
    ax = fig.add_subplot()
    width = 0.8 / max(len(arms), 1)
    for i, arm in enumerate(arms):
        part = table[table["arm"] == arm].set_index("subgroup").reindex(groups)
        x = np.arange(len(groups)) + (i - (len(arms) - 1) / 2) * width
        rate = part["rate"].to_numpy(dtype=float)
        ax.bar(x, rate, width, color=f"C{i}", alpha=0.8, label=arm,
               yerr=np.clip([rate - part["low"].to_numpy(float),
                             part["high"].to_numpy(float) - rate], 0.0, None),
               capsize=2)
        if "published" in part:
            ax.scatter(x, part["published"].to_numpy(dtype=float), marker="x", color="black",
                       zorder=3, label="published" if i == 0 else None)
    ax.set_xticks(np.arange(len(groups)), groups, rotation=20, ha="right", fontsize="small")
    ax.set_ylabel(f"{endpoint} rate")
    ax.set_ylim(0, 1)
    ax.legend(fontsize="x-small", loc="upper right")
    return fig


def figure_data_uri(fig: Figure) -> str:
    """The figure as an SVG ``data:`` URI (base64)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg")
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
