"""The cohort command on a study written the way cBioPortal writes them (tests/data/cohort)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from typer.testing import CliRunner

from her2resist.cli.main import _register_all, app
from her2resist.cohort import (
    Genotype,
    predict_genotypes,
    read_cohort,
    read_regimens,
    read_written_regimen,
    run_cohort,
)
from her2resist.cohort.predictions import PROBABILITY_CALIBRATED, PROBABILITY_FALLBACK
from her2resist.exceptions import CohortError, ParameterError
from her2resist.knowledge.catalogue import Catalogue, load_catalogue

STUDY = Path(__file__).parent / "data" / "cohort" / "study"
RESISTANCE = ("PIK3CA_mut", "PTEN_loss", "CCNE1_amp")
CALLS: list[tuple[tuple[str, ...], str]] = []

pytestmark = pytest.mark.filterwarnings("ignore::her2resist.exceptions.UnmappedVariantWarning")


def stand_in(alterations: list[str], regimen: str, environment: object = None) -> SimpleNamespace:
    """0.8, less 0.5 with a resistance alteration, less 0.1 when ER-positive (no engine)."""
    CALLS.append((tuple(alterations), regimen))
    p = 0.8 - 0.5 * any(a in alterations for a in RESISTANCE) - 0.1 * ("ER_positive" in alterations)
    return SimpleNamespace(score=p, response_class="sensitive" if p >= 0.5 else "resistant",
                           mechanisms=tuple(a for a in alterations if a in RESISTANCE))


def calibrated(alterations: list[str], regimen: str, environment: object = None
               ) -> SimpleNamespace:
    out = stand_in(alterations, regimen)
    out.response_probability = out.score / 2
    return out


@pytest.fixture(scope="module")
def study() -> tuple[list, object]:
    return read_cohort(STUDY)


def test_binary_outcome_known_answers(study: tuple[list, object]) -> None:
    profiles, cols = study
    r = run_cohort(profiles, cols, regimen_column="TREATMENT", outcome="PATHOLOGIC_RESPONSE",
                   min_patients=2, predictor=stand_in)
    # S12's response is [Not Available]: 11 patients; AUC worked by hand in
    # test_cohort_stats.test_auc_by_hand_with_ties (the same predictions and outcomes).
    assert r.association["n"] == 11
    assert r.association["auc"] == pytest.approx(25 / 30)
    low, high = r.association["auc_ci"]
    assert low < 25 / 30 < high
    pik3ca = r.markers.set_index("marker").loc["PIK3CA_mut"]
    assert (pik3ca["n_with"], pik3ca["odds_ratio"]) == (3, 0.0)
    assert pik3ca["p"] == pytest.approx(30 / 165)
    assert "mechanism: PIK3CA_mut" in set(r.markers["marker"])
    assert r.settings["positive_label"] == "pCR"
    assert r.probability_source == PROBABILITY_FALLBACK
    cal = r.calibration.set_index("group")
    assert cal.loc["sensitive", "observed"] == pytest.approx(4 / 5)  # S01 S02 S03 S08 S10
    assert any("1 sample(s) without PATHOLOGIC_RESPONSE" in w for w in r.warnings)


def test_predictions_once_per_distinct_genotype_and_regimen(study: tuple[list, object]) -> None:
    profiles, cols = study
    CALLS.clear()
    r = run_cohort(profiles * 50, cols, regimen="TCH", predictor=stand_in)
    assert len(r.samples) == 600
    assert len(CALLS) == len(set(CALLS)) == r.settings["distinct_genotypes"] == 7


def test_calibrated_probability_is_used_when_present(study: tuple[list, object]) -> None:
    profiles, cols = study
    r = run_cohort(profiles, cols, regimen="TCH", predictor=calibrated)
    assert r.probability_source == PROBABILITY_CALIBRATED
    assert np.allclose(r.samples["response_probability"], r.samples["score"] / 2)


def test_survival_known_answers(study: tuple[list, object]) -> None:
    from lifelines import CoxPHFitter
    from lifelines.statistics import logrank_test

    profiles, cols = study
    r = run_cohort(profiles, cols, regimen="TCH", time="OS_MONTHS", event="OS_STATUS",
                   min_patients=2, predictor=stand_in)
    s = r.samples
    assert s.loc["S03", "event"] == 1 and s.loc["S01", "event"] == 0
    z = s.assign(score=(s["score"] - s["score"].mean()) / s["score"].std(ddof=0))
    fit = CoxPHFitter().fit(z[["time", "event", "score"]], "time", "event")
    assert r.association["hazard_ratio"] == pytest.approx(fit.hazard_ratios_["score"], rel=1e-6)
    res = s["class"] == "resistant"
    p = logrank_test(s.time[res], s.time[~res], s.event[res], s.event[~res]).p_value
    assert r.association["logrank_p"] == pytest.approx(p)
    # Resistant class: deaths at 12, 15, 18, 20 among 6 (S09 censored at 25):
    # 5/6, x 4/5, x 3/4, x 2/3 = 1/3 after month 20.
    km = r.curves["resistant"].set_index("time")["survival"]
    assert km.loc[20.0] == pytest.approx(1 / 3)


def test_one_predicted_class_splits_survival_at_the_median(study: tuple[list, object]
                                                          ) -> None:
    profiles, cols = study

    def one_class(alterations: list[str], regimen: str, environment: object = None
                  ) -> SimpleNamespace:
        out = stand_in(alterations, regimen)
        out.response_class = "sensitive"
        return out

    r = run_cohort(profiles, cols, regimen="TCH", time="OS_MONTHS", event="OS_STATUS",
                   min_patients=2, predictor=one_class)
    assert list(r.curves) == ["probability above median", "probability at or below median"]
    assert 0 < r.association["logrank_p"] < 1


def test_json_schema(study: tuple[list, object]) -> None:
    profiles, cols = study
    doc = run_cohort(profiles, cols, regimen_column="TREATMENT", outcome="PATHOLOGIC_RESPONSE",
                     min_patients=2, predictor=stand_in).to_dict()
    assert {"cohort", "n", "samples", "association", "markers"} <= set(doc)
    assert set(doc["samples"][0]) == {"sample", "regimen", "score", "response_probability",
                                      "class", "mechanisms", "outcome"}
    assert set(doc["association"]) == {"endpoint", "n", "auc", "auc_ci"}
    assert set(doc["markers"][0]) == {"marker", "n_with", "rate_with", "rate_without",
                                      "odds_ratio", "p", "q"}
    json.dumps(doc)


@pytest.mark.parametrize(("text", "drugs"), [
    ("FEC-T + Trastuzumab", "fluorouracil epirubicin cyclophosphamide docetaxel trastuzumab"),
    ("EC-T", "epirubicin cyclophosphamide docetaxel"),
    ("AC-T", "doxorubicin cyclophosphamide docetaxel"),
    ("T-FEC", "docetaxel fluorouracil epirubicin cyclophosphamide"),
    ("TC", "docetaxel cyclophosphamide"),
    ("TC + carboplatin", "docetaxel carboplatin"),
    ("TCH", "docetaxel carboplatin trastuzumab"),
    ("TCHP", "docetaxel carboplatin trastuzumab pertuzumab"),
    ("AC-P + H", "doxorubicin cyclophosphamide paclitaxel trastuzumab"),
    ("EC-paclitaxel + Herceptin + Perjeta",
     "epirubicin cyclophosphamide paclitaxel trastuzumab pertuzumab"),
    ("AC then taxane + trastuzumab", "doxorubicin cyclophosphamide taxane trastuzumab"),
    ("wP + H", "paclitaxel trastuzumab"),
    ("T-DM1", "trastuzumab emtansine"),
])
def test_written_regimens(text: str, drugs: str) -> None:
    """Each drug is read, whether the catalogue models it or not."""
    r = read_written_regimen(text)
    expected = ["trastuzumab emtansine"] if text == "T-DM1" else drugs.split()
    assert sorted(r.modelled + r.not_modelled) == sorted(expected)
    catalogue = load_catalogue()
    assert not any(catalogue.lookup_drug(d) for d in r.not_modelled)


def test_backbones_missing_from_the_catalogue_are_not_modelled() -> None:
    full = load_catalogue()
    backbones = {"fluorouracil", "epirubicin", "cyclophosphamide", "doxorubicin", "carboplatin"}
    reduced = Catalogue(
        drugs={k: v for k, v in full.drugs.items() if v.name not in backbones},
        classes=full.classes, alterations=full.alterations)
    r = read_written_regimen("FEC-T + Trastuzumab", reduced)
    assert r.label == "docetaxel + trastuzumab"
    assert r.not_modelled == ("fluorouracil", "epirubicin", "cyclophosphamide")
    assert read_written_regimen("TCHP", reduced).not_modelled == ("carboplatin",)


def test_ambiguous_letters_are_reported() -> None:
    assert any("T read as docetaxel" in n for n in read_written_regimen("EC-T").notes)
    assert any("cyclophosphamide" in n for n in read_written_regimen("TC").notes)
    assert any("paclitaxel" in n for n in read_written_regimen("AC-P + H").notes)


def test_unreadable_regimens_listed_together() -> None:
    with pytest.raises(CohortError, match=r"2 regimen value\(s\).*'Herceptin based'.*'XYZ'"
                       r".*--regimen-map"):
        read_regimens(["TCH", "XYZ", "Herceptin based", "XYZ"])
    read = read_regimens(["XYZ"], mapping={"XYZ": "trastuzumab + docetaxel"})
    assert read["XYZ"].label == "trastuzumab + docetaxel"


def test_option_errors(study: tuple[list, object]) -> None:
    profiles, cols = study
    with pytest.raises(ParameterError, match="exactly one of regimen"):
        run_cohort(profiles, cols, predictor=stand_in)
    with pytest.raises(ParameterError, match="time and event together"):
        run_cohort(profiles, cols, regimen="TCH", time="OS_MONTHS", predictor=stand_in)
    with pytest.raises(CohortError, match="no column 'PCR'"):
        run_cohort(profiles, cols, regimen="TCH", outcome="PCR", predictor=stand_in)


def test_bad_survival_cell_names_file_line_and_column(tmp_path: Path) -> None:
    folder = tmp_path / "study"
    shutil.copytree(STUDY, folder)
    path = folder / "data_clinical_patient.txt"
    path.write_text(path.read_text().replace("P03\t30.0", "P03\tthirty"))
    profiles, cols = read_cohort(folder)
    with pytest.raises(CohortError, match=r"data_clinical_patient.txt, line 8, field "
                       r"'OS_MONTHS'.*'thirty'"):
        run_cohort(profiles, cols, regimen="TCH", time="OS_MONTHS", event="OS_STATUS",
                   predictor=stand_in)


def test_positive_label_must_be_given_when_ambiguous(tmp_path: Path) -> None:
    folder = tmp_path / "study"
    shutil.copytree(STUDY, folder)
    path = folder / "data_clinical_sample.txt"
    path.write_text(path.read_text().replace("\tpCR\n", "\tCR\n").replace("\tRD\n", "\tPR\n")
                    .replace("S03\tNegative\t3+\tTCH\tPR", "S03\tNegative\t3+\tTCH\tSD"))
    profiles, cols = read_cohort(folder)
    with pytest.raises(CohortError, match="--positive"):
        run_cohort(profiles, cols, regimen="TCH", outcome="PATHOLOGIC_RESPONSE",
                   predictor=stand_in)
    r = run_cohort(profiles, cols, regimen="TCH", outcome="PATHOLOGIC_RESPONSE",
                   positive="CR,PR", predictor=stand_in)
    assert r.samples["outcome"].sum() == 10


def test_real_predictor_runs_on_the_study(study: tuple[list, object]) -> None:
    profiles, cols = study
    r = run_cohort(profiles, cols, regimen="trastuzumab", time="OS_MONTHS", event="OS_STATUS",
                   min_patients=2)
    assert set(r.samples["class"]) <= {"sensitive", "partial", "resistant"}
    assert r.samples["response_probability"].between(0, 1).all()


def test_dask_local_cluster_gives_identical_results() -> None:
    distributed = pytest.importorskip("distributed")
    pairs = [(Genotype(alts), reg) for alts in [(), ("PTEN_loss",), ("PIK3CA_mut",),
                                                 ("CCNE1_amp", "ER_positive")]
             for reg in ("trastuzumab", "trastuzumab + pertuzumab", "lapatinib")]
    local = predict_genotypes(pairs)
    from her2resist.cohort.trial import run_trial, trial_from_dict

    spec = trial_from_dict({"name": "d", "arms": [{"name": "H", "regimen": "trastuzumab"},
                                                  {"name": "L", "regimen": "lapatinib"}]})
    trial_local = run_trial(spec, patients=20_000, seed=4)
    with distributed.LocalCluster(n_workers=3, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = predict_genotypes(pairs, scheduler=cluster.scheduler_address)
        trial_remote = run_trial(spec, patients=20_000, seed=4,
                                 scheduler=cluster.scheduler_address)
    assert remote.rows == local.rows
    assert trial_remote.response.equals(trial_local.response)


def _cli(*args: str) -> object:
    _register_all()
    return CliRunner().invoke(app, list(args))


def test_cli_outputs(tmp_path: Path) -> None:
    out, csv, page = tmp_path / "c.json", tmp_path / "c.csv", tmp_path / "c.html"
    result = _cli("cohort", str(STUDY), "--regimen-column", "TREATMENT", "--outcome",
                  "PATHOLOGIC_RESPONSE", "--min-patients", "2", "-o", str(out), "--csv",
                  str(csv), "--html", str(page), "--no-progress")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert json.loads(out.read_text())["n"] == 12
    assert csv.read_text().splitlines()[0].startswith("sample,regimen,")
    assert "<img" in page.read_text()


def test_cli_table_on_the_terminal() -> None:
    result = _cli("cohort", str(STUDY), "--regimen-column", "TREATMENT", "--outcome",
                  "PATHOLOGIC_RESPONSE", "--min-patients", "2", "--no-progress")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "AUC" in result.output and "T read as docetaxel" in result.output  # type: ignore
    assert "Calibration" in result.output  # type: ignore[attr-defined]


def test_cli_unreadable_regimen_exit_code(tmp_path: Path) -> None:
    result = _cli("cohort", str(STUDY), "--regimen", "Herceptin-based chemo",
                  "--no-progress")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "--regimen-map" in result.output and "Traceback" not in result.output  # type: ignore


def test_html_escapes_user_strings(study: tuple[list, object]) -> None:
    from her2resist.cohort.html import cohort_html

    profiles, cols = study
    r = run_cohort(profiles, cols, regimen="TCH", outcome="PATHOLOGIC_RESPONSE",
                   min_patients=2, predictor=stand_in, name="<script>alert(1)</script>")
    page = cohort_html(r)
    assert "<script>" not in page and "&lt;script&gt;" in page


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") \
        or shutil.which("google-chrome")


@pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed "
                    "(apt-get install -y chromium); the cohort report cannot be rendered")
def test_cohort_report_renders_in_headless_chromium(tmp_path: Path,
                                                    study: tuple[list, object]) -> None:
    from her2resist.cohort.html import cohort_html

    profiles, cols = study
    page = tmp_path / "cohort.html"
    r = run_cohort(profiles, cols, regimen="TCH", time="OS_MONTHS", event="OS_STATUS",
                   min_patients=2, predictor=stand_in)
    page.write_text(cohort_html(r))
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--window-size=1200,1600", f"--user-data-dir={tmp_path / 'profile'}"]
    shot = tmp_path / "shot.png"
    subprocess.run([str(_chromium()), *flags, f"--screenshot={shot}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    dom = subprocess.run([str(_chromium()), *flags, "--dump-dom", page.as_uri()],
                         check=True, capture_output=True, timeout=120, text=True).stdout
    assert dom.count("<img") == 2 and "Kaplan-Meier" in dom and "OS_MONTHS" in dom
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 50


def test_an_uncalibrated_endpoint_is_a_usage_error_before_the_study_is_read(monkeypatch) -> None:
    # exit 2 naming --endpoint (it was exit 1 naming predict_genotypes, after the whole read)
    import her2resist.cohort as cohort

    def unread(*args: object, **kwargs: object) -> None:
        raise AssertionError("the study was read")

    monkeypatch.setattr(cohort, "read_cohort", unread)
    _register_all()
    result = CliRunner().invoke(app, ["cohort", str(STUDY), "--regimen", "TCHP",
                                      "--endpoint", "OS"])
    assert result.exit_code == 2, result.output
    assert "--endpoint" in result.output and "OS" in result.output
