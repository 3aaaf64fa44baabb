"""build_reports integrates a cohort's graded predictions together; it must give, byte for
byte, the JSON of build_report run tumour by tumour (docs/report.md, bench_report.py)."""

from __future__ import annotations

from her2resist.predict import graded
from her2resist.profile import TumourProfile
from her2resist.report import build_report, build_reports, render_json


def test_reports_built_as_a_cohort_equal_reports_built_one_by_one() -> None:
    profiles = [TumourProfile.from_alterations("A", ["PTEN loss"]),
                TumourProfile.from_alterations("B", []),
                TumourProfile.from_alterations("C", ["PIK3CA H1047R", "CCND1 amplification"])]
    regimens = ["trastuzumab", "lapatinib + capecitabine"]
    graded._CACHE.clear()  # each side computes its own graded predictions
    together = build_reports(profiles, regimens=regimens, standard=False)
    graded._CACHE.clear()
    alone = [build_report(p, regimens=regimens, standard=False) for p in profiles]
    assert render_json(together) == render_json(alone)
    assert [r.regimens[0].score for r in together] == [r.regimens[0].score for r in alone]
