"""Property tests: any plate is read and scored, or refused with a PlateError; never a crash."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from her2resist.exceptions import DataQualityWarning, PlateError
from her2resist.synergy import read_plate, score_plate

CELL = st.one_of(
    st.floats(min_value=-50, max_value=150, allow_nan=False),
    st.sampled_from(["", "n/a", "NaN", "inf", "1e400", "-0", "12,5", "x"]),
)


@st.composite
def plates(draw: st.DrawFn) -> pd.DataFrame:
    n1 = draw(st.integers(1, 4))
    n2 = draw(st.integers(1, 4))
    c1 = [0.0, *sorted(draw(st.sets(st.floats(0.001, 1000.0), min_size=n1, max_size=n1)))]
    c2 = [0.0, *sorted(draw(st.sets(st.floats(0.001, 1000.0), min_size=n2, max_size=n2)))]
    rows = [dict(drug1="A", drug2="B", conc1=a, conc2=b,
                 response=draw(st.floats(-20, 120, allow_nan=False)))
            for a in c1 for b in c2]
    frame = pd.DataFrame(rows).astype({"response": object, "conc1": object})
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["drop", "cell", "negative", "unit"]))
        i = draw(st.integers(0, len(frame) - 1))
        if kind == "drop" and len(frame) > 1:
            frame = frame.drop(index=frame.index[i])
        elif kind == "cell":
            frame.iloc[i, frame.columns.get_loc("response")] = draw(CELL)
        elif kind == "negative":
            frame.iloc[i, frame.columns.get_loc("conc1")] = -1.0
        elif kind == "unit":
            frame["conc_unit1"] = "uM"
            frame.iloc[i, frame.columns.get_loc("conc_unit1")] = draw(
                st.sampled_from(["nM", "mM", "µM", "ug/ml"]))
    return frame


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plates(), st.sampled_from([None, "viability", "inhibition"]))
def test_any_plate_scores_or_raises_plate_error(frame, response_type):
    text = io.StringIO(frame.to_csv(index=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        try:
            plate = read_plate(text, response_type=response_type)
        except PlateError as exc:
            assert "<stream>" in str(exc) or "line" in str(exc)
            return
        result = score_plate(plate)
    combo = result.wells[(result.wells["conc1"] > 0) & (result.wells["conc2"] > 0)]
    for m in ("HSA", "Bliss"):
        assert np.isfinite(combo[f"{m}_synergy"]).all()
        expected = combo["response"] - combo[f"{m}_ref"]
        np.testing.assert_allclose(combo[f"{m}_synergy"], expected)
    assert np.isfinite(result.blocks["ZIP_synergy"]).all()
    assert len(result.blocks) == 1


@st.composite
def matrix_layouts(draw: st.DrawFn) -> str:
    """SynergyFinder matrix-layout text: one or two blocks, random holes and junk cells."""
    lines = []
    for block in range(draw(st.integers(1, 2))):
        n1, n2 = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        c1 = [0.0, *sorted(draw(st.sets(st.floats(0.001, 1000.0), min_size=n1, max_size=n1)))]
        c2 = [0.0, *sorted(draw(st.sets(st.floats(0.001, 1000.0), min_size=n2, max_size=n2)))]
        meta = [f"Drug1,A{block}", f"Drug2,B{block}", "ConcUnit,nM"]
        if draw(st.booleans()):
            meta.pop(draw(st.integers(0, 2)))  # a block without one of its label rows
        lines += [*meta, "," + ",".join(f"{c:g}" for c in c2)]
        for a in c1:
            cells = [draw(st.one_of(st.floats(-20, 120, allow_nan=False).map(str),
                                    st.just(""), CELL.map(str)))
                     if draw(st.integers(0, 9)) == 0 else
                     str(draw(st.floats(-20, 120, allow_nan=False))) for _ in c2]
            lines.append(f"{a:g}," + ",".join(cells))
        lines.append("")
    return "\n".join(lines)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(matrix_layouts(), st.booleans())
def test_any_matrix_layout_scores_or_raises_plate_error(text, impute):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        try:
            plate = read_plate(io.StringIO(text), response_type="viability", impute=impute)
        except PlateError as exc:
            assert "<stream>" in str(exc)
            return
        result = score_plate(plate)
    assert np.isfinite(result.blocks["Bliss_synergy"]).all()
    wells = plate.data.drop_duplicates(["block_id", "conc1", "conc2"])
    for _, block in wells.groupby("block_id"):  # a full grid, imputed or given
        assert len(block) == block["conc1"].nunique() * block["conc2"].nunique()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plates())
def test_imputation_fills_every_hole_or_refuses(frame):
    text = io.StringIO(frame.to_csv(index=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        try:
            plate = read_plate(text, response_type="viability", impute=True)
        except PlateError as exc:
            assert "<stream>" in str(exc)
            assert "misses" not in str(exc)  # holes are imputed, never refused
            return
    filled = plate.data
    wells = filled.drop_duplicates(["conc1", "conc2"])  # replicate wells are one grid point
    assert len(wells) == filled["conc1"].nunique() * filled["conc2"].nunique()
    assert np.isfinite(filled["response"]).all()
