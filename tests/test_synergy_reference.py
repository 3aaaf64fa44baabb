"""Agreement with SynergyFinder 3 on its example data (Mathews Griner 2014, two 6x6 blocks)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2resist.synergy import read_plate, score_plate

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "synergy"
SCORES = ("ZIP", "HSA", "Bliss", "Loewe")


@pytest.fixture(scope="module")
def compared() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    if not (REFERENCE / "ref_mathews_nonoise_synergy_scores.csv").exists():
        pytest.skip(f"SynergyFinder reference data not found at {REFERENCE}")
    plate = read_plate(REFERENCE / "mathews_screening_data.csv", response_type="viability")
    result = score_plate(plate)
    ref_wells = pd.read_csv(REFERENCE / "ref_mathews_nonoise_synergy_scores.csv")
    ref_wells["block_id"] = ref_wells["block_id"].astype(str)
    wells = result.wells.merge(ref_wells, on=["block_id", "conc1", "conc2"],
                               suffixes=("", "_sf"), validate="one_to_one")
    ref_blocks = pd.read_csv(REFERENCE / "ref_mathews_nonoise_drug_pairs.csv")
    ref_blocks["block_id"] = ref_blocks["block_id"].astype(str)
    blocks = result.blocks.merge(ref_blocks, on="block_id", suffixes=("", "_sf"))
    return wells, blocks, result.wells


def test_every_reference_well_is_scored(compared):
    wells, blocks, ours = compared
    assert len(wells) == len(ours) == 72
    assert len(blocks) == 2


@pytest.mark.parametrize("method", SCORES)
def test_every_well_matches_to_1e9(compared, method):
    # ZIP and Loewe too: the curve fits retrace drc's arithmetic, each curve's points in
    # the order of the input file (SynergyFinder's order), so the optimiser ends where
    # drc's does even on curves without a unique optimum.
    wells, _, _ = compared
    for column in (f"{method}_ref", f"{method}_synergy"):
        diff = np.abs(wells[column] - wells[f"{column}_sf"])
        assert diff.max() < 1e-9, column


@pytest.mark.parametrize("method", SCORES)
def test_block_means_match_to_1e9(compared, method):
    _, blocks, _ = compared
    ours, theirs = blocks[f"{method}_synergy"], blocks[f"{method}_synergy_sf"]
    assert (np.abs(ours - theirs) <= 1e-9).all()


def test_single_drug_ic50_match_synergyfinder(compared):
    _, blocks, _ = compared
    # SynergyFinder reports the IC50 of drug 2 as fitted; drug 1 of block 1 is a step
    # that never crosses its midpoint inside the doses (SynergyFinder caps it).
    np.testing.assert_allclose(blocks["ic50_2"], blocks["ic50_2_sf"], rtol=1e-6)
    assert blocks.loc[blocks["block_id"] == "2", "ic50_1"].item() == pytest.approx(
        blocks.loc[blocks["block_id"] == "2", "ic50_1_sf"].item(), rel=1e-6)


def test_loewe_combination_index_matches(compared):
    wells, _, _ = compared
    combo = wells[(wells["conc1"] > 0) & (wells["conc2"] > 0)]
    np.testing.assert_allclose(combo["Loewe_ci"], combo["Loewe_ci_sf"], rtol=1e-6,
                               atol=1e-8, equal_nan=True)
