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
