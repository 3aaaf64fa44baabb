"""The O'Neil lapatinib combinations (breast lines): every block scored; rank agreement of
our Loewe block scores with the published DeepSynergy (Combenefit) Loewe scores."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from her2resist.exceptions import DataQualityWarning
from her2resist.synergy import read_oneil, score_plate

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "synergy"
BREAST = ["EFM192B", "KPL1", "MDAMB436", "OCUBM", "T47D", "ZR751"]


def _key(a: pd.Series, b: pd.Series, cell: pd.Series) -> list[tuple[str, str, str]]:
    return [(*sorted((x.upper(), y.upper())), c) for x, y, c in zip(a, b, cell, strict=True)]


@pytest.fixture(scope="module")
def breast_blocks() -> pd.DataFrame:
    if not (REFERENCE / "oneil_lapatinib_combos.csv.gz").exists():
        pytest.skip(f"O'Neil reference data not found at {REFERENCE}")
    with pytest.warns(DataQualityWarning, match="no single-agent data"):
        plate = read_oneil(REFERENCE / "oneil_lapatinib_combos.csv.gz",
                           REFERENCE / "oneil_single_agent_response.csv.gz", cell_lines=BREAST)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return score_plate(plate).blocks


def test_every_breast_block_has_four_finite_scores(breast_blocks):
    assert set(breast_blocks["cell_line"]) == set(BREAST)
    assert len(breast_blocks) > 200
    for m in ("ZIP", "HSA", "Bliss", "Loewe"):
        assert np.isfinite(breast_blocks[f"{m}_synergy"]).all(), m


def test_loewe_ranks_agree_with_deepsynergy(breast_blocks):
    published = pd.read_csv(REFERENCE / "deepsynergy_loewe_lapatinib.csv")
    published["key"] = _key(published["drug_a_name"], published["drug_b_name"],
                            published["cell_line"])
    ours = breast_blocks.assign(key=_key(breast_blocks["drug1"], breast_blocks["drug2"],
                                         breast_blocks["cell_line"]))
    joined = ours.groupby("key")["Loewe_synergy"].mean().to_frame().join(
        published.groupby("key")["synergy"].mean(), how="inner")
    assert len(joined) >= 200
    rho = spearmanr(joined["Loewe_synergy"], joined["synergy"]).statistic
    assert rho >= 0.6


def test_top_partners_of_lapatinib_per_line(breast_blocks):
    partner = np.where(breast_blocks["drug1"] == "Lapatinib", breast_blocks["drug2"],
                       breast_blocks["drug1"])
    table = breast_blocks.assign(partner=partner).groupby(["cell_line", "partner"])[
        "Loewe_synergy"].mean().reset_index()
    top = table.sort_values("Loewe_synergy", ascending=False).groupby("cell_line").head(3)
    assert top.groupby("cell_line").size().tolist() == [3] * len(BREAST)
    assert "Lapatinib" not in set(top["partner"])
