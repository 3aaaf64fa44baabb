"""Notebook display: every result type has a ``_repr_html_`` that shows its headline and
escapes the user's strings; figures come back as matplotlib Figures without touching the
global backend; the package docstring has a quick start."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import her2resist

EVIL = "<script>alert(1)</script>"


def _safe(html: str) -> str:
    assert "<script>" not in html and "&lt;script&gt;" in html
    return html


def test_prediction_repr_html() -> None:
    from her2resist.predict import predict_response

    html = predict_response(["PTEN loss"], "trastuzumab")._repr_html_()
    assert "resistant" in html and "Trace" in html and "PTEN_loss" in html


def test_report_repr_html_escapes_the_sample_id() -> None:
    from her2resist.profile import TumourProfile
    from her2resist.report.build import build_report

    report = build_report(TumourProfile.from_alterations(EVIL, ["PTEN loss"]))
    html = _safe(report._repr_html_())
    assert "trastuzumab" in html and "PTEN" in html


def test_screen_and_targets_repr_html() -> None:
    from her2resist.model.formats import read_bnet_text
    from her2resist.screen import find_nodal_targets, screen_combinations

    screen = screen_combinations(["PTEN loss"], agents=["trastuzumab", "AKT inhibitor"],
                                 workers=1)
    html = screen._repr_html_()
    assert "trastuzumab + AKT inhibitor" in html and len(html) < 20_000
    net = read_bnet_text("S, S\nA, S\nB, S\nP, A | B\n")
    found = find_nodal_targets(model=net, fix=["S=1"], readout=["P=0"], workers=1)
    assert "A + B" in found._repr_html_()


def test_synergy_repr_html_escapes_drug_names() -> None:
    from her2resist.synergy import score_plate, validate_plate

    doses = [0.0, 1.0, 3.0, 10.0]
    plate = pd.DataFrame([dict(drug1=EVIL, drug2="B", conc1=a, conc2=b, response=5 * (a + b))
                          for a in doses for b in doses])
    html = _safe(score_plate(validate_plate(plate, response_type="inhibition"))._repr_html_())
    assert "Bliss_synergy" in html


def test_evolution_repr_html_escapes_the_scenario_name() -> None:
    from her2resist.evolution import CellType, Rates, Scenario, Schedule, simulate

    scenario = Scenario(EVIL, (CellType("S", Rates(1, 0.5), {"A": Rates(1, 3)}),), (),
                        {"S": 20}, 20, Schedule.continuous(["A"]), dt=0.5, max_time=20)
    html = _safe(simulate(scenario, tumours=20, seed=1)._repr_html_())
    assert "p_eradication" in html and "95% CI" in html


def test_cohort_repr_html() -> None:
    from her2resist.cohort.cohort import run_cohort
    from her2resist.profile import TumourProfile

    profiles = [TumourProfile.from_alterations(f"T{i}" if i else EVIL,
                                               ["PTEN loss"] if i % 2 else [])
                for i in range(4)]
    result = run_cohort(profiles, regimen="trastuzumab", engine="most-permissive")
    html = _safe(result._repr_html_())
    assert "Samples" in html and "resistant" in html


def test_figures_are_returned_and_leave_the_backend_alone() -> None:
    code = """
import matplotlib
matplotlib.use("svg")  # a user's choice that the package must not change
import pandas as pd
from matplotlib.figure import Figure
from her2resist.screen.plots import heatmap_figure
from her2resist.synergy import score_plate, validate_plate
from her2resist.synergy.plots import dose_response_figure, synergy_heatmaps_figure
fig = heatmap_figure(pd.DataFrame([[1.0, 0.5]], index=["G"], columns=["A", "B"]))
c = [0.0, 1.0, 3.0, 10.0]
t = pd.DataFrame([dict(drug1="A", drug2="B", conc1=a, conc2=b, response=5 * (a + b))
                  for a in c for b in c])
result = score_plate(validate_plate(t, response_type="inhibition"))
figs = [fig, dose_response_figure(result, "1"), synergy_heatmaps_figure(result, "1")]
assert all(isinstance(f, Figure) for f in figs)
import matplotlib.pyplot as plt
assert matplotlib.get_backend() == "svg" and plt.get_fignums() == []
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip() == "ok", done.stderr


def test_package_docstring_has_a_quick_start_and_imports_nothing() -> None:
    assert "Quick start" in (her2resist.__doc__ or "")
    code = ("import sys, her2resist; heavy = [m for m in ('pandas', 'numpy', 'typer', "
            "'her2resist.predict') if m in sys.modules]; print(heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("module", ["her2resist._html", "her2resist._figures"])
def test_helpers_import_without_side_effects(module: str) -> None:
    done = subprocess.run([sys.executable, "-c", f"import {module}, sys; "
                           "print('matplotlib' in sys.modules)"],
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"
