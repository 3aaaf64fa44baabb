"""SynergyFinder's matrix layout (doses as row and column headers) and its missing-well
imputation (ImputeNA), written as SynergyFinder's documentation shows them."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2resist.exceptions import DataQualityWarning, PlateError
from her2resist.synergy import read_plate, score_plate
from her2resist.synergy.imputation import fill_grid

MATRIX = Path(__file__).parent / "data" / "synergy" / "matrix_layout.csv"


def test_matrix_layout_blocks_drugs_units_and_wells() -> None:
    with pytest.warns(DataQualityWarning, match="imputed 1"):
        plate = read_plate(MATRIX, response_type="viability", impute=True)
    data = plate.data
    assert plate.block_ids == ["1", "2"]
    first = data[data["block_id"] == "1"]
    assert set(first["drug1"]) == {"Ibrutinib"} and set(first["drug2"]) == {"Ispinesib"}
    assert set(data.loc[data["block_id"] == "2", "conc_unit1"]) == {"uM"}
    assert len(first) == 16 and len(data) == 28
    well = first[(first["conc1"] == 200) & (first["conc2"] == 10)]
    assert well["response"].tolist() == [80.0]  # 20 % viability: rows are drug 1's doses


def test_missing_cell_is_refused_unless_imputed_from_its_neighbours() -> None:
    with pytest.raises(PlateError, match=r"misses 1 well.*\(20, 1\).*--impute"):
        read_plate(MATRIX, response_type="viability")
    with pytest.warns(DataQualityWarning, match=r"imputed 1 missing well\(s\) \(1 in block "
                                                r"'1'\) as SynergyFinder's ImputeNA"):
        plate = read_plate(MATRIX, response_type="viability", impute=True)
    well = plate.data.query("block_id == '1' and conc1 == 20 and conc2 == 1")
    # neighbours: 80 (conc2 0), 40 (conc2 10), 80 (conc1 2), 35 (conc1 200) % viability
    assert well["response"].tolist() == [pytest.approx(100 - (80 + 40 + 80 + 35) / 4)]
    blocks = score_plate(plate).blocks
    assert np.isfinite(blocks[["ZIP_synergy", "Loewe_synergy"]].to_numpy()).all()


def test_fill_grid_repeats_until_every_cell_has_a_value() -> None:
    grid = np.array([[1.0, np.nan, np.nan], [np.nan, np.nan, np.nan], [7.0, 8.0, 9.0]])
    filled = fill_grid(grid)
    assert not np.isnan(filled).any()
    assert filled[0, 1] == 1.0 and filled[1, 0] == 4.0 and filled[1, 1] == 8.0
    assert filled[1, 2] == 9.0 and filled[0, 2] == pytest.approx((1.0 + 9.0) / 2)


def test_long_table_hole_imputed_too() -> None:
    rows = [f"A,B,{a},{b},{100 - 8 * (i + j)}" for i, a in enumerate((0, 1, 10))
            for j, b in enumerate((0, 1, 10)) if (i, j) != (2, 2)]
    text = "drug1,drug2,conc1,conc2,viability\n" + "\n".join(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plate = read_plate(io.StringIO(text), impute=True)
    corner = plate.data.query("conc1 == 10 and conc2 == 10")["response"]
    assert corner.tolist() == [pytest.approx(100 - (100 - 8 * 3))]  # mean of 8*3 and 8*3


@pytest.mark.parametrize(("text", "message"), [
    ("Drug1,A\nConcUnit,nM\n,0,1\n0,100,90\n", r"line 3: a matrix without its Drug2 row"),
    ("Drug1,A\nDrug2,B\nConcUnit,nM\n,0,1\n0,100,x\n", r"line 5, column 3: not a finite "
     r"number \(got 'x'\); expected a response"),
    ("Drug1,A\nDrug2,B\nConcUnit,nM\n,0,one\n", r"line 4, column 3: .*a concentration of drug 2"),
    ("Drug1,A\nDrug2,B\nConcUnit,nM\n,0,1\n0,100,90,80\n", r"a response under no "
     r"concentration of drug 2"),
])
def test_matrix_layout_errors_name_line_and_cell(text: str, message: str) -> None:
    with pytest.raises(PlateError, match=message):
        read_plate(io.StringIO(text), response_type="viability")


def test_matrix_layout_in_a_workbook(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    rows = [line.split(",") for line in MATRIX.read_text().splitlines()]
    width = max(len(r) for r in rows)
    path = tmp_path / "matrix.xlsx"
    pd.DataFrame([r + [""] * (width - len(r)) for r in rows]).to_excel(
        path, index=False, header=False)
    with pytest.warns(DataQualityWarning, match="imputed 1"):
        plate = read_plate(path, response_type="viability", impute=True)
    assert plate.block_ids == ["1", "2"] and len(plate.data) == 28
