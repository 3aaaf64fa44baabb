"""One simulation route: predict, screen and report give the same score for every catalogue
genotype under every standard regimen (they all go through the simulation service)."""

import warnings

import pytest

from her2resist.knowledge.catalogue import load_catalogue
from her2resist.predict import predict_response
from her2resist.profile import TumourProfile
from her2resist.report import STANDARD_REGIMENS, build_report
from her2resist.screen import screen_combinations

GENOTYPES = sorted(load_catalogue().alterations)


@pytest.mark.parametrize("alteration", GENOTYPES)
def test_predict_screen_and_report_agree(alteration: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        profile = TumourProfile.from_alterations(alteration, [alteration])
        report = build_report(profile, max_remedies=0, graded=None)
        reported = {r.regimen: r.score for r in report.regimens}
        for regimen in STANDARD_REGIMENS:
            predicted = predict_response([alteration], regimen, explain=False)
            screened = screen_combinations([alteration], agents=[], anchor=regimen, workers=1,
                                           top=0).table
            row = screened[screened["combination"] == predicted.regimen]
            assert float(row["score"].iloc[0]) == pytest.approx(predicted.score, abs=1e-9)
            assert reported[predicted.regimen] == pytest.approx(predicted.score, abs=1e-9)
