"""Plates as SynergyFinder and spreadsheets write them, and impossible plates refused."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2resist.exceptions import DataQualityWarning, PlateError
from her2resist.synergy import read_plate, score_plate

DOSES = (0.0, 1.0, 3.0, 10.0)


def _rows(doses: tuple[float, ...] = DOSES) -> list[tuple[float, float, float]]:
    """(conc1, conc2, % viability) of a Bliss-independent pair (IC50s 3 and 5)."""
    return [(a, b, 100 * (1 - a / (a + 3)) * (1 - b / (b + 5))) for a in doses for b in doses]


def _quiet_read(source: object, **options: object):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_plate(source, **options)  # type: ignore[arg-type]


def test_synergyfinder_v2_tab_separated_keeps_units() -> None:
    header = "block_id\tdrug_row\tdrug_col\tconc_r\tconc_c\tresponse\tconc_r_unit\tconc_c_unit"
    lines = [header] + [f"1\tlapatinib\talpelisib\t{a:g}\t{b:g}\t{v:.2f}\tnM\tuM"
                        for a, b, v in _rows()]
    plate = _quiet_read(io.StringIO("\n".join(lines)), response_type="viability")
    assert plate.data["conc_unit1"].unique().tolist() == ["nM"]
    assert plate.data["conc_unit2"].unique().tolist() == ["uM"]
    assert plate.data["drug2"].iloc[0] == "alpelisib"


def test_synergyfinder_v1_pair_index_layout_keeps_units() -> None:
    lines = ["PairIndex,Response,Drug1,Drug2,Conc1,Conc2,ConcUnit"] + [
        f"1,{v:.2f},lapatinib,alpelisib,{a:g},{b:g},nM" for a, b, v in _rows()]
    plate = _quiet_read(io.StringIO("\n".join(lines)), response_type="viability")
    assert set(plate.data["conc_unit1"]) == {"nM"} and set(plate.data["conc_unit2"]) == {"nM"}


def test_semicolon_separated_european_export() -> None:
    lines = ["drug1;drug2;conc1;conc2;viability"] + [
        f"A;B;{a:g};{b:g};{v:.2f}" for a, b, v in _rows()]
    plate = _quiet_read(io.StringIO("\n".join(lines)))
    assert len(plate.data) == 16


def test_xlsx_workbook_is_read(tmp_path: Path) -> None:
    frame = pd.DataFrame([dict(block_id=1, drug_row="A", drug_col="B", conc_r=a, conc_c=b,
                               response=v, conc_r_unit="nM", conc_c_unit="nM")
                          for a, b, v in _rows()])
    path = tmp_path / "plate.xlsx"
    frame.to_excel(path, index=False)
    plate = _quiet_read(path, response_type="viability")
    result = score_plate(plate, methods=("Bliss",))
    assert abs(result.blocks["Bliss_synergy"].iloc[0]) < 1e-6  # Bliss-independent pair


def test_three_drug_table_is_refused_naming_the_third_drug_column() -> None:
    text = ("block_id,drug1,drug2,drug3,conc1,conc2,conc3,response,conc_unit1,conc_unit2,"
            "conc_unit3\n1,A,B,C,0,0,0,100,nM,nM,nM\n")
    with pytest.raises(PlateError, match=r"field 'drug3'.*third drug"):
        read_plate(io.StringIO(text))


def test_header_only_plate_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("drug1,drug2,conc1,conc2,viability\n")
    with pytest.raises(PlateError, match=r"empty.csv, line 2: the plate has a header but no"):
        read_plate(path)


@pytest.mark.parametrize("value", [7.7e6, -500.0])  # x 10^6, or -500 %
def test_impossible_viability_is_refused(value: float) -> None:
    lines = ["drug1,drug2,conc1,conc2,viability"] + [
        f"A,B,{a:g},{b:g},{value if (a, b) == (10, 10) else v:.2f}" for a, b, v in _rows()]
    with pytest.raises(PlateError, match=r"line 17, field 'response'.*% viability, outside"):
        _quiet_read(io.StringIO("\n".join(lines)))


def test_conflicting_replicate_is_an_error_and_wide_spread_a_warning() -> None:
    base = [f"A,B,{a:g},{b:g},{r},{v:.2f}" for r in (1, 2) for a, b, v in _rows()]
    header = "drug1,drug2,conc1,conc2,replicate,viability"
    conflicting = [*base, "A,B,10,10,2,90"]
    with pytest.raises(PlateError, match=r"replicate 2 of well \(10, 10\).*different"):
        read_plate(io.StringIO("\n".join([header, *conflicting])))
    spread = [f"A,B,{a:g},{b:g},{v + (70 if (a, b) == (3, 3) and k else 0):.2f}"
              for k in (0, 1) for a, b, v in _rows()]
    with pytest.warns(DataQualityWarning, match=r"replicates of 1 well\(s\) differ by more"):
        read_plate(io.StringIO("\n".join(["drug1,drug2,conc1,conc2,viability", *spread])))


def test_ic50_is_clamped_to_the_tested_doses_as_synergyfinder_reports() -> None:
    # Drug 2 barely acts: its fitted IC50 lies far above the top dose.
    lines = ["drug1,drug2,conc1,conc2,viability"] + [
        f"A,B,{a:g},{b:g},{100 * (1 - a / (a + 3)) * (1 - b / (b + 1e5)):.4f}"
        for a in DOSES for b in DOSES]
    result = score_plate(_quiet_read(io.StringIO("\n".join(lines))), methods=("Bliss",))
    block = result.blocks.iloc[0]
    assert block["ic50_fit_2"] > 10
    assert block["ic50_2"] == 10.0
    assert np.isclose(block["ic50_1"], block["ic50_fit_1"])
