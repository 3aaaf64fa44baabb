"""Figures of evolution results (matplotlib, imported only when a figure is drawn)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from her2resist._figures import figure_bytes, new_figure
from her2resist.evolution.results import EvolutionResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["figure_bytes", "plot_composition", "plot_survival", "plot_trajectories",
           "summary_figure"]


def _as_mapping(
    results: Mapping[str, EvolutionResult] | EvolutionResult,
) -> Mapping[str, EvolutionResult]:
    if isinstance(results, EvolutionResult):
        return {results.scenario.name: results}
    return results


def plot_survival(results: Mapping[str, EvolutionResult] | EvolutionResult, ax: Axes) -> Axes:
    """Progression-free share of replicate tumours against time, one curve per result.

    The time axis ends a little after the last progression (the curves are flat after it, up
    to the horizon), and the legend sits below the axes, clear of the curves.
    """
    last = 0.0
    for label, res in _as_mapping(results).items():
        curve = res.survival_curve()
        ax.step(
            curve["time"],
            curve["progression_free"],
            where="post",
            label=textwrap.fill(f"{label} (eradicated {res.p_eradication:.0%})", 50),
        )
        events = curve["time"].iloc[1:-1]
        last = max(last, float(events.max()) if len(events) else float(curve["time"].iloc[-1]))
    first = next(iter(_as_mapping(results).values()))
    horizon = float(first.scenario.max_time)
    ax.set_xlim(0, min(horizon, last * 1.15) if last > 0 else horizon)
    ax.set_xlabel(f"time since start of treatment ({first.scenario.time_unit}s)")
    ax.set_ylabel("progression-free tumours")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.15), frameon=False)
    return ax


def plot_trajectories(result: EvolutionResult, ax: Axes, *, replicates: int = 5) -> Axes:
    """Cells of each type over time in the first recorded replicates (log scale)."""
    traj = result.trajectories
    names = result.scenario.type_names
    colour = {name: f"C{i}" for i, name in enumerate(names)}
    labelled: set[str] = set()
    shown = traj[traj["replicate"].astype(int) < replicates]
    # Types in the scenario's order, so the legend reads as the composition panel's.
    for name in names:
        for _, part in shown[shown["type"].astype(str) == name].groupby("replicate", sort=True):
            if not (part["cells"] > 0).any():
                continue
            ax.plot(part["time"], np.where(part["cells"] > 0, part["cells"], np.nan),
                    color=colour[name], lw=1, label=None if name in labelled else name)
            labelled.add(name)
    ax.set_yscale("log")
    ax.axhline(result.scenario.progression_threshold, color="grey", ls=":", lw=1,
               label="progression size")
    ax.set_xlabel(f"time since start of treatment ({result.scenario.time_unit}s)")
    ax.set_ylabel("cells")
    ax.set_title(f"cells of each type, first {replicates} tumours", fontsize="small")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def plot_composition(results: Mapping[str, EvolutionResult] | EvolutionResult, ax: Axes) -> Axes:
    """Mean clone composition of the tumours at progression, one stacked bar per result."""
    mapping = _as_mapping(results)
    labels = list(mapping)
    bottom = np.zeros(len(labels))
    names = list(dict.fromkeys(n for r in mapping.values() for n in r.scenario.type_names))
    for i, name in enumerate(names):
        values = np.array(
            [
                r.composition_at_progression()["mean_fraction"].get(name, 0.0)
                for r in mapping.values()
            ],
            dtype=float,
        )
        values = np.nan_to_num(values)
        ax.bar(
            [textwrap.fill(label, 18) for label in labels],
            values,
            bottom=bottom,
            label=name,
            color=f"C{i}",
        )
        bottom += values
    ax.set_ylabel("mean share of cells at progression")
    ax.set_ylim(0, 1.05)
    ax.tick_params(axis="x", labelsize="small")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), title="type")
    return ax


def summary_figure(results: Mapping[str, EvolutionResult] | EvolutionResult) -> Figure:
    """Survival curves, composition at progression and example trajectories, side by side.

    Examples
    --------
    >>> from her2resist.evolution import CellType, Rates, Scenario, Schedule, simulate
    >>> s = Scenario("x", (CellType("S", Rates(1, 0.5), {"A": Rates(1, 3)}),), (),
    ...              {"S": 20}, 20, Schedule.continuous(["A"]), dt=0.5, max_time=20)
    >>> fig = summary_figure(simulate(s, tumours=20, seed=1))
    >>> len(fig.axes)
    3
    """
    mapping = _as_mapping(results)
    fig = new_figure(figsize=(15, 4.5))
    axes = fig.subplots(1, 3)
    plot_survival(mapping, axes[0])
    axes[0].set_title("progression-free tumours", fontsize="small")
    plot_composition(mapping, axes[1])
    axes[1].set_title("clone composition at progression", fontsize="small")
    first = next(iter(mapping.values()))
    plot_trajectories(first, axes[2])
    if len(mapping) == 1:
        fig.suptitle(textwrap.fill(first.scenario.name, 110), fontsize="medium")
    return fig
