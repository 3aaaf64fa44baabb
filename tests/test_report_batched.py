"""A report computes each tumour's simulations in a few batched calls (predict_regimens,
screen_anchored); each must give what the one-at-a-time calls give."""

from __future__ import annotations

from typing import Any

from her2resist.predict import predict_response, response
from her2resist.predict.batched import predict_regimens
from her2resist.profile import TumourProfile
from her2resist.report import STANDARD_REGIMENS, build_reports, render_json
from her2resist.screen import anchored
from her2resist.screen.anchored import screen_anchored, screen_genotype
from her2resist.screen.combinations import regimen_agent
from her2resist.screen.genotypes import as_genotype, default_panel

ALTERATIONS = ["PIK3CA H1047R", "CCND1 amplification"]


def test_predict_regimens_equal_predict_response_explained_where_escaped() -> None:
    regimens = [*STANDARD_REGIMENS[:7], "trastuzumab + alpelisib"]
    expected = []
    for regimen in regimens:
        quick = predict_response(ALTERATIONS, regimen, explain=False)
        expected.append(quick if quick.response_class == "sensitive"
                        else predict_response(ALTERATIONS, regimen))
    response._PREDICTIONS.clear()  # predict_regimens works its predictions out again
    found = predict_regimens(ALTERATIONS, regimens)
    assert [p.to_dict() for p in found] == [p.to_dict() for p in expected]
    classes = {p.response_class for p in found}
    assert "sensitive" in classes and classes - {"sensitive"}  # both kinds were compared
    assert any(p.mechanisms for p in found if p.response_class != "sensitive")


def test_screen_anchored_equals_one_screen_per_anchor_and_filters_rows() -> None:
    genotype = as_genotype(["PTEN loss", "CCNE1 amplification"])
    panel = default_panel()
    anchors = [regimen_agent(r) for r in ("trastuzumab", "lapatinib", "trastuzumab + pertuzumab")]
    one_by_one = [screen_genotype(genotype, panel, anchor=a) for a in anchors]
    anchored._SCREENED.clear()
    assert screen_anchored(genotype, panel, anchors) == one_by_one
    full = one_by_one[0]
    cut = min(r["score"] for r in full)
    (kept,) = screen_anchored(genotype, panel, anchors[:1], above=[cut])
    expected = [{**r, "rank": k}
                for k, r in enumerate((r for r in full if r["score"] > cut), start=1)]
    assert list(kept) == expected
    assert 0 < len(kept) < len(full)


def test_reports_with_batched_predictions_equal_reports_predicted_one_by_one() -> None:
    profiles = [TumourProfile.from_alterations("A", ALTERATIONS),
                TumourProfile.from_alterations("B", ["PTEN loss"])]

    def one_by_one(*args: Any, **kwargs: Any) -> Any:  # not predict_response: no batching
        return predict_response(*args, **kwargs)

    batched = render_json(build_reports(profiles, graded=None))
    response._PREDICTIONS.clear()
    anchored._SCREENED.clear()
    assert render_json(build_reports(profiles, graded=None, predictor=one_by_one)) == batched


def test_a_screen_kept_for_one_name_answers_another_with_its_own_name() -> None:
    """Two genotypes with the same alterations share one kept screen, but each call's rows
    carry the genotype's own name (review: the cache key has no name)."""
    panel = default_panel()
    anchor = regimen_agent("trastuzumab")
    first = as_genotype(["PTEN loss"], name="patient A")
    second = as_genotype(["PTEN loss"], name="patient B")
    rows_a = screen_genotype(first, panel, anchor=anchor)
    rows_b = screen_genotype(second, panel, anchor=anchor)
    assert rows_a and {r["genotype"] for r in rows_a} == {"patient A"}
    assert {r["genotype"] for r in rows_b} == {"patient B"}
    assert [{**r, "genotype": "patient A"} for r in rows_b] == list(rows_a)
    assert {r["genotype"] for r in screen_genotype(first, panel, anchor=anchor)} == {"patient A"}
