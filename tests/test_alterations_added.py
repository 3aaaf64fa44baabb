"""Alterations the literature names that the model could not state before (issue 11): each is
read from its usual written forms and has its cited effect in the Boolean and graded models.

Sources are in model/data/her2_model.yaml (node refs) and knowledge/data/evidence.yaml.
"""

from __future__ import annotations

import pytest

from her2resist.knowledge.catalogue import load_catalogue
from her2resist.predict import predict_response
from her2resist.predict.graded import predict_graded
from her2resist.predict.regimen import resolve_alterations


@pytest.mark.parametrize("text, alteration_id", [
    ("TSC2 loss", "TSC_loss"), ("TSC1 truncating mutation", "TSC1_loss"),
    ("MTOR E2288K", "MTOR_act"), ("mTOR activating mutation", "MTOR_act"),
    ("AKT1 amplification", "AKT1_amp"), ("AKT1 E17K", "AKT1_mut"),
    ("FGFR1 amplification", "FGFR1_amp"), ("FGFR4 overexpression", "FGFR4_amp"),
    ("delta16HER2", "ERBB2_d16"), ("ERBB2 exon 16 skipping", "ERBB2_d16"),
    ("lysosomal acidification defect", "LYSO_acid_loss"),
    ("ABCC1 overexpression", "ABCC1_high"), ("MRP1 overexpression", "ABCC1_high"),
])
def test_written_forms_resolve(text: str, alteration_id: str) -> None:
    assert [a.id for a in resolve_alterations([text], load_catalogue())] == [alteration_id]


def test_gene_aliases_name_the_new_genes() -> None:
    aliases = load_catalogue().gene_aliases
    assert aliases["FRAP1"] == "MTOR" and aliases["MRP1"] == "ABCC1"
    assert aliases["TUBERIN"] == "TSC2"


def score(alterations: list[str], regimen: str) -> float:
    return predict_response(alterations, regimen).score


@pytest.mark.parametrize("alteration", ["TSC2 loss", "MTOR E2288K"])
def test_mtorc1_without_akt_resists_trastuzumab_and_a_rapalog_restores_it(alteration: str
                                                                         ) -> None:
    # mTORC1 on without AKT keeps cyclin D1 translated under trastuzumab; rapalogs still act.
    assert score([alteration], "trastuzumab") < score([], "trastuzumab")
    assert score([alteration], "trastuzumab + everolimus") == score([], "trastuzumab")


@pytest.mark.parametrize("alteration", ["FGFR1 amplification", "FGFR4 overexpression"])
def test_fgfr_bypasses_dual_her2_blockade(alteration: str) -> None:
    assert score([alteration], "trastuzumab + lapatinib") < score([], "trastuzumab + lapatinib")
    assert predict_response([alteration], "trastuzumab + lapatinib").response_class == "resistant"


def test_delta16_resists_trastuzumab_not_kinase_inhibitors() -> None:
    assert predict_response(["delta16HER2"], "trastuzumab").response_class == "resistant"
    assert score(["delta16HER2"], "lapatinib") == score([], "lapatinib")
    assert score(["delta16HER2"], "neratinib") == score([], "neratinib")


@pytest.mark.parametrize("alteration", ["lysosomal acidification defect",
                                        "ABCC1 overexpression"])
def test_payload_release_and_efflux_resist_tdm1_not_tdxd(alteration: str) -> None:
    assert predict_response([alteration], "T-DM1").response_class == "resistant"
    assert score([alteration], "T-DXd") == score([], "T-DXd")
    assert score([alteration], "trastuzumab") == score([], "trastuzumab")


def test_akt1_amplification_is_partial_in_the_graded_model() -> None:
    # Amplified wild-type AKT1 still needs PIP3: weaker than the membrane-bound E17K mutant.
    regimen = "trastuzumab + lapatinib"
    wild = predict_graded([], regimen, samples=0).score
    amp = predict_graded(["AKT1 amplification"], regimen, samples=0).score
    e17k = predict_graded(["AKT1 E17K"], regimen, samples=0).score
    assert e17k < amp < wild
    # the Boolean model, at full strength, treats both as constitutive AKT
    assert score(["AKT1 amplification"], regimen) == score(["AKT1 E17K"], regimen) == 0.0
