"""Graded predictions: orderings that must come from mechanism (issue 11's list), inputs, errors.

Each ordering is computed by the graded engine from the rules and graded_parameters.yaml; no
drug has a constant score.  Where the model does not (yet) reproduce a published ordering, the
test is a strict expected failure with the reason.
"""

from __future__ import annotations

import pytest

from her2resist.exceptions import ParameterError
from her2resist.predict.graded import predict_graded
from her2resist.predict.graded_inputs import (
    alteration_levels,
    drug_level,
    load_graded_parameters,
    regimen_levels,
)


def score(alterations: list[str], regimen: str, context: str = "culture") -> float:
    return predict_graded(alterations, regimen, context=context, samples=0).score


@pytest.mark.parametrize("alterations, context", [
    ([], "culture"), (["SLC46A3 loss"], "culture"), (["ABCB1 overexpression"], "culture"),
    (["HER2-low", "ER positive"], "patient"),
])
def test_tdxd_ahead_of_tdm1(alterations: list[str], context: str) -> None:
    assert score(alterations, "T-DXd", context) > score(alterations, "T-DM1", context)


@pytest.mark.parametrize("chemo", ["docetaxel", "paclitaxel", "capecitabine"])
def test_trastuzumab_adds_to_chemotherapy(chemo: str) -> None:
    assert score([], f"trastuzumab + {chemo}", "patient") > score([], chemo, "patient")


@pytest.mark.parametrize("alterations", [[], ["ER positive"], ["ER negative"]])
def test_pertuzumab_adds_to_trastuzumab_docetaxel_in_patients(alterations: list[str]) -> None:
    # Two Fc-bearing antibodies on distinct epitopes engage effectors more than one.
    assert (score(alterations, "pertuzumab + trastuzumab + docetaxel", "patient")
            > score(alterations, "trastuzumab + docetaxel", "patient"))


def test_pertuzumab_adds_nothing_without_immune_effectors() -> None:
    # In culture (no effectors, no heregulin) the second antibody has nothing to act on.
    assert (score([], "pertuzumab + trastuzumab + docetaxel")
            == score([], "trastuzumab + docetaxel"))


def test_second_antibody_raises_effector_killing() -> None:
    from her2resist.predict.graded_inputs import effector_level, immune_gain

    p = load_graded_parameters()
    assert immune_gain(p, ["trastuzumab"]) == 1.0
    assert immune_gain(p, ["trastuzumab", "pertuzumab", "docetaxel"]) == 2.0
    assert effector_level(0.5, 2.0) == pytest.approx(0.75)
    assert effector_level(1.0, 2.0) == 1.0 and effector_level(0.0, 2.0) == 0.0


def test_pik3ca_lowers_but_does_not_abolish_dual_blockade_with_chemotherapy() -> None:
    regimen = "lapatinib + trastuzumab + paclitaxel"
    wild, hotspot = score([], regimen, "patient"), score(["PIK3CA H1047R"], regimen, "patient")
    assert 0.25 < hotspot < wild


def test_strong_pik3ca_variant_costs_more_than_weak() -> None:
    regimen = "lapatinib + trastuzumab"
    assert score(["PIK3CA H1047R"], regimen, "patient") < score(["PIK3CA K111N"], regimen,
                                                                 "patient")


@pytest.mark.parametrize("regimen", ["lapatinib + trastuzumab + paclitaxel",
                                     "pertuzumab + trastuzumab + docetaxel"])
def test_er_positive_lower_than_er_negative(regimen: str) -> None:
    assert score(["ER positive"], regimen, "patient") < score(["ER negative"], regimen, "patient")


def test_pten_loss_by_ihc_costs_little_under_dual_blockade_genomic_loss_resists() -> None:
    # IHC-scored PTEN loss did not change tpCR in any NeoALTTO arm (Nuciforo 2015, PMID
    # 25851628): partial in the graded model. A genomic loss still resists trastuzumab (V06).
    dual = "lapatinib + trastuzumab + paclitaxel"
    low = score(["PTEN low", "ER negative"], dual, "patient")
    assert score(["ER negative"], dual, "patient") - low < 0.01
    assert low > score(["PTEN loss", "ER negative"], dual, "patient") + 0.05
    assert score(["PTEN loss"], "trastuzumab") == 0.0
    assert score(["PTEN IHC loss"], "trastuzumab") == score([], "trastuzumab")


def test_neoaltto_order_of_arms() -> None:
    arms = ["lapatinib + trastuzumab + paclitaxel", "trastuzumab + paclitaxel",
            "lapatinib + paclitaxel"]
    scores = [score([], arm, "patient") for arm in arms]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 3


def test_interval_brackets_the_score_and_trajectory_fractions_sum_to_one() -> None:
    p = predict_graded(["PIK3CA H1047R"], "trastuzumab + lapatinib", context="patient",
                       samples=8, trajectory=True)
    low, high = p.interval
    assert low <= p.score <= high
    assert p.fractions and all(abs(d + a + k - 1.0) < 1e-9 for _, d, a, k in p.fractions)
    assert p.to_dict()["interval"] == [round(low, 4), round(high, 4)]


def test_lower_dose_lowers_inhibition() -> None:
    p = load_graded_parameters()
    assert drug_level(p, "lapatinib", 0.25, 1.0) < drug_level(p, "lapatinib", 1.0, 1.0)
    assert drug_level(p, "tucatinib", 1.0, 1.0) > 0.5
    two = regimen_levels(p, [("lapatinib", ("lapatinib",)), ("lapatinib", ("lapatinib",))])
    assert two["lapatinib"] == pytest.approx(1 - (1 - 0.8) ** 2)


def test_variant_and_ihc_levels() -> None:
    p = load_graded_parameters()
    assert alteration_levels(p, ["PIK3CA K111N"], ["PIK3CA_mut"]) == {"PIK3CA_mut": 0.35}
    assert alteration_levels(p, ["HER2 IHC 2+"], ["HER2_low"]) == {"ERBB2_loss": 0.55}
    assert alteration_levels(p, ["ER positive"], ["ER_positive"]) == {"ESR1_high": 0.5}


def test_bad_context_and_dose_are_refused() -> None:
    with pytest.raises(ParameterError, match="'context' parameter"):
        predict_graded([], "trastuzumab", context="mouse")
    with pytest.raises(ParameterError, match="drug ids of the regimen"):
        predict_graded([], "trastuzumab", doses={"lapatinib": 0.5})


def test_fractions_figure_needs_a_trajectory() -> None:
    from her2resist.predict.graded import plot_fractions

    with pytest.raises(ParameterError, match="trajectory=True"):
        plot_fractions(predict_graded([], "trastuzumab", samples=0))
    fig = plot_fractions(predict_graded([], "trastuzumab", samples=0, trajectory=True))
    assert len(fig.axes[0].collections) == 3


def test_many_regimens_integrated_together_give_each_its_own_numbers() -> None:
    # predict_graded_many steps every regimen's parameter samples as one system; each regimen
    # must get exactly what predict_graded computes for it alone (intervals included).
    from her2resist.predict import graded

    regimens = ["trastuzumab", "lapatinib + capecitabine", "trastuzumab deruxtecan",
                "trastuzumab + pertuzumab + docetaxel", "neratinib"]
    for alterations in ([], ["PIK3CA H1047R", "ER positive"]):
        graded._CACHE.clear()
        together = graded.predict_graded_many(alterations, regimens, context="patient",
                                              endpoint="pCR", seed=3)
        graded._CACHE.clear()
        alone = [graded.predict_graded(alterations, r, context="patient", endpoint="pCR",
                                       seed=3) for r in regimens]
        assert [p.to_dict() for p in together] == [p.to_dict() for p in alone]
        assert [p.interval for p in together] == [p.interval for p in alone]  # unrounded
        assert len({p.interval for p in alone}) > 1


def test_a_cohort_integrated_together_gives_each_prediction_its_own_numbers() -> None:
    # predict_graded_cohort integrates every route of every tumour x regimen as one array
    # (nominal and sampled, one environment holding a regulated node); each must be what
    # predict_graded computes alone.
    from her2resist.predict import graded

    tumours = [([], {}), (["PTEN loss"], {}), (["CCND1 amplification", "HER2 low"], {}),
               (["PIK3CA H1047R"], {"AKT": 1.0})]
    regimens = ["trastuzumab", "lapatinib + capecitabine", "trastuzumab emtansine"]
    graded._CACHE.clear()
    together = graded.predict_graded_cohort(tumours, regimens, context="patient",
                                            endpoint="pCR", samples=6)
    graded._CACHE.clear()
    alone = [[graded.predict_graded(alts, r, context="patient", environment=env,
                                    endpoint="pCR", samples=6) for r in regimens]
             for alts, env in tumours]
    assert [[p.to_dict() for p in row] for row in together] == [
        [p.to_dict() for p in row] for row in alone]
    assert [[(p.score, p.interval, p.levels) for p in row] for row in together] == [
        [(p.score, p.interval, p.levels) for p in row] for row in alone]  # unrounded


def test_kinase_inhibitors_act_on_each_receptor_with_its_own_potency() -> None:
    # IC50s per receptor (graded_parameters.yaml ic50_nM): lapatinib EGFR 11 vs HER2 9 nM,
    # pyrotinib EGFR 5.6 vs HER2 8.1 nM, afatinib EGFR 0.5 vs HER2 14 nM.
    p = load_graded_parameters()

    def levels(drug: str) -> dict[str, float]:
        from her2resist.predict.regimen import parse_regimen

        items = [(i.id, i.nodes) for i in parse_regimen(drug).items]
        return {k: float(v) for k, v in regimen_levels(p, items).items()}

    lap, pyr, afa = levels("lapatinib"), levels("pyrotinib"), levels("afatinib")
    assert lap["lapatinib_EGFR"] < lap["lapatinib"]
    assert pyr["neratinib_EGFR"] > pyr["neratinib"]
    assert afa["afatinib_EGFR"] > 0.99 > afa["afatinib"]
    assert set(levels("tucatinib")) == {"tucatinib"}  # HER2-selective: no EGFR node


def test_egfr_potency_matters_where_egfr_drives_the_tumour() -> None:
    # Same HER2 exposure (irreversible, 8x the HER2 IC50), EGFR IC50 92 (neratinib) against
    # 5.6 nM (pyrotinib): at a fifth of the exposure only pyrotinib still holds an
    # EGFR-overexpressing tumour; without EGFR overexpression both do.
    def at(alterations: list[str], drug: str) -> float:
        return predict_graded(alterations, drug, samples=0, doses={drug: 0.2}).score

    assert at(["EGFR overexpression"], "pyrotinib") > at(["EGFR overexpression"], "neratinib")
    assert at([], "pyrotinib") == at([], "neratinib")


def test_cohort_draws_are_numpys_uniform_draws() -> None:
    # A cohort reads every prediction's parameter draws from one stream of doubles per seed
    # instead of a generator per prediction: the numbers must be Generator.uniform's, bit for
    # bit, call after call (the stream regrown when a call runs past it, another seed's taken).
    import numpy as np

    from her2resist.predict.graded_cohort import _uniform

    calls = [(0.0, 1.0, 16), (2.0, 4.0, 16), (0.35, 0.65, 700), (-1.5, 0.25, 900), (1.0, 1.0, 3)]
    for seed in (0, 7, 0, 2**40):
        ours, theirs = _uniform(seed), np.random.default_rng(seed).uniform
        for low, high, count in calls:
            assert np.array_equal(ours(low, high, count), theirs(low, high, count))
    assert isinstance(_uniform(None).__self__, np.random.Generator)  # fresh entropy: numpy's
