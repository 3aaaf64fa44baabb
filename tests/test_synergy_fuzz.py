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
