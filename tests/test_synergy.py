"""Reading plates, scoring, malformed input, figures and the ``synergy`` command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from her2resist.cli import synergy_cmd
from her2resist.exceptions import DataQualityWarning, ParameterError, PlateError
from her2resist.synergy import fit_curves, read_plate, score_plate, validate_plate

DATA = Path(__file__).parent / "data" / "synergy" / "two_blocks.csv"
DOSES = (0.0, 0.1, 1.0, 10.0)


def _bliss_plate(e1: float = 1.0, e2: float = 2.0, boost: float = 0.0,
                 doses: tuple[float, ...] = DOSES) -> pd.DataFrame:
    rows = []
    for a in doses:
        for b in doses:
            f1, f2 = a / (a + e1), b / (b + e2)
            inhibition = 100 * (1 - (1 - f1) * (1 - f2)) + (boost if a and b else 0.0)
            rows.append(dict(drug1="A", drug2="B", conc1=a, conc2=b, response=inhibition))
    return pd.DataFrame(rows)


def _csv(frame: pd.DataFrame) -> io.StringIO:
    return io.StringIO(frame.to_csv(index=False))


# --- fits ---------------------------------------------------------------------------------

def test_fit_recovers_known_curve_parameters():
    dose = np.array([[0.0, 0.03, 0.1, 0.3, 1, 3, 10, 30]])
    with np.errstate(over="ignore"):
        resp = 10 + 80 / (1 + np.exp(-1.3 * np.log(np.where(dose > 0, dose, 1e-300) / 0.7)))
    fits = fit_curves(dose, resp)
    assert fits.ic50[0] == pytest.approx(0.7, rel=1e-3)
    assert fits.hill[0] == pytest.approx(-1.3, rel=1e-3)
    assert fits.status[0] == "ok"


@pytest.mark.parametrize("engine", ["synergyfinder", "bounded"])
def test_flat_and_noisy_curves_get_documented_status(engine):
    dose = np.tile([0.0, 1, 3, 10, 30], (2, 1))
    resp = np.array([[20, 20, 20, 20, 20], [0, 40, 5, 35, 2]], dtype=float)
    fits = fit_curves(dose, resp, engine=engine)
    assert fits.status[0] == "flat"
    assert fits.predict(dose)[0] == pytest.approx(20.0)
    assert fits.status[1] in {"poor", "extrapolated"}
    assert np.isfinite(fits.predict(dose)).all()


def test_unknown_engine_is_refused():
    with pytest.raises(ParameterError, match="'engine' parameter of fit_curves"):
        fit_curves(np.ones((1, 3)), np.ones((1, 3)), engine="drc")


# --- scores -------------------------------------------------------------------------------

def test_bliss_additive_plate_scores_zero_and_boost_scores_positive():
    additive = score_plate(validate_plate(_bliss_plate(), response_type="inhibition"))
    boosted = score_plate(validate_plate(_bliss_plate(boost=10), response_type="inhibition"))
    assert abs(additive.blocks.loc[0, "Bliss_synergy"]) < 1e-9
    assert boosted.blocks.loc[0, "Bliss_synergy"] == pytest.approx(10.0)
    assert abs(additive.blocks.loc[0, "ZIP_synergy"]) < 1.0
    assert boosted.blocks.loc[0, "ZIP_synergy"] > 5.0
    assert boosted.blocks.loc[0, "HSA_synergy"] > additive.blocks.loc[0, "HSA_synergy"]


def test_single_drug_wells_score_zero_and_tables_align():
    result = score_plate(validate_plate(_bliss_plate(boost=5), response_type="inhibition"))
    singles = result.wells[(result.wells["conc1"] == 0) | (result.wells["conc2"] == 0)]
    for m in ("ZIP", "HSA", "Bliss", "Loewe"):
        assert (singles[f"{m}_synergy"] == 0).all()
    assert set(result.wells["block_id"]) == set(result.blocks["block_id"])
    assert list(result.summary().columns)[:4] == ["block_id", "drug1", "drug2", "cell_line"]


def test_most_synergistic_area_finds_the_synergistic_corner():
    frame = _bliss_plate(doses=(0.0, 0.1, 0.3, 1.0, 3.0, 10.0))
    corner = (frame["conc1"] >= 1) & (frame["conc2"] >= 1)
    frame.loc[corner, "response"] = np.minimum(frame.loc[corner, "response"] + 20, 100)
    blocks = score_plate(validate_plate(frame, response_type="inhibition")).blocks
    assert blocks.loc[0, "Bliss_msa"] > blocks.loc[0, "Bliss_synergy"]
    assert blocks.loc[0, "Bliss_msa_conc1"] == "1-10"
    assert blocks.loc[0, "Bliss_msa_conc2"] == "1-10"


def test_replicates_averaged_or_kept():
    plate = read_plate(DATA)
    mean = score_plate(plate, methods=["bliss"])
    kept = score_plate(plate, methods=["bliss"], replicates="keep")
    assert list(mean.blocks["replicate"]) == [0, 0]
    assert len(kept.blocks) == 4
    assert mean.blocks["block_id"].tolist() == ["lap_alp", "lap_pal"]
    per_block = kept.blocks.groupby("block_id")["Bliss_synergy"].mean()
    # Bliss is not linear in the responses: averaging first differs, but only a little.
    assert per_block["lap_alp"] == pytest.approx(mean.blocks.loc[0, "Bliss_synergy"], abs=2.0)
    assert mean.blocks.loc[0, "Bliss_synergy"] > mean.blocks.loc[1, "Bliss_synergy"]


def test_workers_give_the_same_scores():
    plate = read_plate(DATA)
    one = score_plate(plate, methods=["zip", "loewe"])
    two = score_plate(plate, methods=["zip", "loewe"], workers=2)
    pd.testing.assert_frame_equal(one.blocks, two.blocks)


def test_bad_methods_and_replicates_are_refused():
    plate = read_plate(DATA)
    with pytest.raises(ParameterError, match="'methods' parameter of score_plate"):
        score_plate(plate, methods=["bliss", "chou"])
    with pytest.raises(ParameterError, match="'replicates' parameter"):
        score_plate(plate, replicates="median")


# --- reading ------------------------------------------------------------------------------

def test_viability_column_states_the_type():
    plate = read_plate(DATA)
    control = plate.data[(plate.data["conc1"] == 0) & (plate.data["conc2"] == 0)]
    assert control["response"].abs().max() < 5


def test_inferred_response_type_warns():
    frame = _bliss_plate()
    with pytest.warns(DataQualityWarning, match="read as % inhibition"):
        read_plate(_csv(frame))
    frame["response"] = 100 - frame["response"]
    with pytest.warns(DataQualityWarning, match="read as % viability"):
        plate = read_plate(_csv(frame))
    assert plate.data["response"].max() > 50


def test_fractions_are_scaled_with_a_warning():
    frame = _bliss_plate()
    frame["response"] = frame["response"] / 100
    with pytest.warns(DataQualityWarning, match="fractions"):
        plate = read_plate(_csv(frame), response_type="inhibition")
    assert plate.data["response"].max() > 50


def test_mixed_units_are_converted_with_a_warning():
    frame = _bliss_plate().assign(conc_unit1="uM", conc_unit2="uM")
    nm = frame["conc1"] == 10
    frame.loc[nm, "conc1"] = 10000.0
    frame.loc[nm, "conc_unit1"] = "nM"
    with pytest.warns(DataQualityWarning, match="mixed concentration units"):
        plate = read_plate(_csv(frame), response_type="inhibition")
    assert sorted(plate.data["conc1"].unique()) == list(DOSES)
    assert set(plate.data["conc_unit1"]) == {"uM"}


def test_synergyfinder_column_names_are_read():
    frame = _bliss_plate().rename(columns={"drug1": "drug_row", "drug2": "drug_col",
                                           "conc1": "conc_r", "conc2": "conc_c"})
    frame["block_id"] = 7
    plate = read_plate(_csv(frame), response_type="inhibition")
    assert plate.block_ids == ["7"]


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda f: f.drop(index=5), r"misses 1 well\(s\).*conc1, conc2 = \(0.1, 0.1\)"),
        (lambda f: f.assign(response=f["response"].astype(object).where(
            f.index != 3, "n/a")), r"line 5, field 'response': value 'n/a'"),
        (lambda f: f[f["conc1"].isin([0.0, 1.0])], "at least two non-zero concentrations"),
        (lambda f: f.assign(conc2=f["conc2"].where(f.index != 2, -1.0)),
         r"line 4, field 'conc2': negative concentration"),
        (lambda f: f.drop(columns="conc2"), "missing column.*conc2.*conc_c"),
        (lambda f: f.assign(drug2=np.where(f.index == 4, "C", "B")), "several drug2 values"),
        (lambda f: f.assign(conc_unit1=np.where(f.index == 4, "mg/ml", "uM")),
         "unit 'mg/ml'"),
    ],
    ids=["missing-well", "non-numeric", "single-concentration", "negative", "no-column",
         "two-drugs", "unknown-unit"],
)
def test_malformed_plates_raise_plate_errors(edit, match):
    with pytest.raises(PlateError, match=match):
        read_plate(_csv(edit(_bliss_plate())), response_type="inhibition")


def test_error_names_the_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("drug1,drug2,conc1,conc2\nA,B,0,0\n")
    with pytest.raises(PlateError, match=r"bad.csv, line 1: missing column\(s\) response"):
        read_plate(path)


# --- figures and CLI ----------------------------------------------------------------------

def _app() -> typer.Typer:
    app = typer.Typer()
    synergy_cmd.register(app)

    @app.callback()
    def _root() -> None:
        """Test root."""

    return app


def test_cli_csv_has_synergyfinder_columns(tmp_path):
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(_app(), ["synergy", str(DATA), "--format", "csv", "-o", str(out),
                                         "--plots", str(tmp_path / "figs")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    for column in ("block_id", "drug1", "drug2", "ZIP_synergy", "HSA_synergy",
                   "Bliss_synergy", "Loewe_synergy"):
        assert column in table.columns
    assert len(table) == 2
    figures = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert "lap_alp_synergy.html" in figures and "lap_pal_dose_response.png" in figures
    assert not [p for p in figures if p.startswith(".")]


def test_cli_json_and_text():
    runner = CliRunner()
    result = runner.invoke(_app(), ["synergy", str(DATA), "--format", "json",
                                    "--method", "bliss,hsa"])
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["methods"] == ["HSA", "Bliss"] or payload["methods"] == ["Bliss", "HSA"]
    assert len(payload["blocks"]) == 2
    text = runner.invoke(_app(), ["synergy", str(DATA)])
    assert text.exit_code == 0 and "lap_alp" in text.stdout


def test_cli_errors_are_one_line_without_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    frame = _bliss_plate()
    frame.loc[3, "response"] = None
    frame.to_csv(bad, index=False)
    result = CliRunner().invoke(_app(), ["synergy", str(bad), "--response-type", "inhibition"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "line 5" in result.output
    missing = CliRunner().invoke(_app(), ["synergy", str(tmp_path / "none.csv")])
    assert missing.exit_code == 1
    wrong = CliRunner().invoke(_app(), ["synergy", str(DATA), "--format", "xml"])
    assert wrong.exit_code == 2 and "'--format'" in wrong.output  # a usage error


def test_warnings_reach_the_cli_user(tmp_path):
    path = tmp_path / "plate.csv"
    _bliss_plate().to_csv(path, index=False)
    result = CliRunner().invoke(_app(), ["synergy", str(path), "--format", "csv"])
    assert result.exit_code == 0
    assert "Warning" in result.output and "response type not stated" in result.output
