"""Figures a reader can use without the code (issue 15, item 6): each was looked at as an image
(headless Chromium screenshots of the HTML pages, the PNGs themselves); these tests keep what
was fixed after looking."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[1] / "examples"


def test_evolution_figure_names_its_panels_and_threshold() -> None:
    pytest.importorskip("matplotlib")
    from her2resist.evolution import read_scenario, simulate
    from her2resist.evolution.plots import summary_figure

    scenario = read_scenario(EXAMPLES / "evolution" / "her2_pi3k_subclone.yaml")
    fig = summary_figure(simulate(scenario, tumours=20, seed=1))
    survival, composition, cells = fig.axes[:3]
    assert fig.get_suptitle() == scenario.name
    assert survival.get_title() and composition.get_title() and cells.get_title()
    labels = [t.get_text() for t in cells.get_legend().get_texts()]
    drawn = [n for n in scenario.type_names if n in labels]
    # The legend lists the types in the scenario's order (as the composition panel does) and
    # names the dotted line.
    assert labels == [*drawn, "progression size"]
    bars = [t.get_text() for t in composition.get_legend().get_texts()]
    assert [n for n in bars if n in drawn] == drawn


def test_synergy_heatmaps_sit_side_by_side_with_axes_and_no_negative_zero() -> None:
    from her2resist.synergy import read_plate, score_plate
    from her2resist.synergy.plots import heatmap_html

    result = score_plate(read_plate(EXAMPLES / "synergy" / "plate.csv"))
    page = heatmap_html(result, "lap_alp")
    assert "display:flex" in page and page.count("<section>") == len(result.methods)
    assert "alpelisib (uM) &rarr;" in page and "lapatinib (uM) &darr;" in page
    assert not re.search(r">-0\.0<", page)
    assert page.count("hover a cell") == 1  # the legend said once, not under every table


def test_screen_heatmaps_run_the_long_side_down_with_names_across() -> None:
    pytest.importorskip("matplotlib")
    import pandas as pd

    from her2resist.screen.plots import heatmap_figure, heatmap_html

    combos = [f"trastuzumab emtansine + partner {i}" for i in range(12)]
    frame = pd.DataFrame([[i / 12 for i in range(12)]], index=["PTEN_loss"], columns=combos)
    ax = heatmap_figure(frame, label="response score").axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == combos  # names read across
    assert [t.get_text() for t in ax.get_xticklabels()] == ["PTEN_loss"]
    assert len(ax.texts) == 12  # a small grid shows its values
    width, height = ax.figure.get_size_inches()
    assert height > width
    page = heatmap_html(frame, title="screen", label="response score")
    assert "Cells: response score" in page
    assert page.index(combos[0]) > page.index("<tbody>")  # combinations are the rows


def test_cohort_calibration_legend_is_one_entry_below_the_axes() -> None:
    pytest.importorskip("matplotlib")
    import pandas as pd

    from her2resist.cohort.figures import plot_calibration, plot_forest

    table = pd.DataFrame({"group": [f"p = {p:.3f}" for p in (0.2, 0.4, 0.6)], "n": [3, 4, 5],
                          "predicted": [0.2, 0.4, 0.6], "observed": [0.3, 0.5, 0.4],
                          "low": [0.1, 0.2, 0.1], "high": [0.7, 0.8, 0.8]})
    ax = plot_calibration(table).axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["ideal", "observed rate, 95% CI (n beside)"]
    assert sorted(t.get_text() for t in ax.texts) == ["n=3", "n=4", "n=5"]
    markers = pd.DataFrame({"marker": ["ESR1_high"], "n_with": [6], "hazard_ratio": [0.45],
                            "low": [0.08], "high": [2.5]})
    forest = plot_forest(markers).axes[0]
    forest.figure.canvas.draw()
    ticks = [t.get_text() for t in forest.get_xticklabels() if t.get_text()]
    assert "1" in ticks and not any("^" in t for t in ticks)


def test_cohort_pages_show_figures_at_their_size() -> None:
    from her2resist.cohort.html import _STYLE

    assert ".figs img{max-width:100%" in _STYLE


def test_synergy_heatmap_png_shares_one_colour_scale_and_names_the_block() -> None:
    pytest.importorskip("matplotlib")
    from her2resist.synergy import read_plate, score_plate
    from her2resist.synergy.plots import synergy_heatmaps_figure

    result = score_plate(read_plate(EXAMPLES / "synergy" / "plate.csv"))
    fig = synergy_heatmaps_figure(result, "lap_pal")
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(fig.axes) - len(panels) == 1  # one colour bar for every method
    limits = {tuple(ax.images[0].get_clim()) for ax in panels}
    assert len(limits) == 1
    assert "lap_pal" in fig.get_suptitle() and "palbociclib" in fig.get_suptitle()
