"""The report: regimens, mechanisms, evidence, remedies; text, JSON and HTML renderings; CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from her2resist.cli.main import _register_all, app
from her2resist.profile import TumourProfile, load_profiles
from her2resist.report import STANDARD_REGIMENS, build_report, render_html, render_json, render_text

DATA = Path(__file__).parent / "data" / "profiles"
EXAMPLE = Path(__file__).parent.parent / "examples" / "profiles" / "her2_pik3ca.yaml"
runner = CliRunner()
_register_all()


@pytest.fixture(scope="module")
def pik3ca_report():  # type: ignore[no-untyped-def]
    """The realistic tumour: HER2-amplified, PIK3CA H1047R, ER-low, CCND1 amplified."""
    (profile,) = load_profiles(EXAMPLE)
    return build_report(profile, regimens=["trastuzumab + alpelisib"])


def test_every_standard_regimen_and_the_named_one_is_reported(pik3ca_report) -> None:  # type: ignore[no-untyped-def]
    names = [r.regimen for r in pik3ca_report.regimens]
    assert len(names) == len(STANDARD_REGIMENS) + 1
    assert pik3ca_report.regimens[-1].requested
    assert names[-1] == "trastuzumab + alpelisib"


def test_pik3ca_tumour_escapes_trastuzumab_through_pik3ca(pik3ca_report) -> None:  # type: ignore[no-untyped-def]
    trastuzumab = pik3ca_report.regimens[0]
    assert trastuzumab.regimen == "trastuzumab"
    assert trastuzumab.response_class == "resistant"
    assert "PIK3CA_mut" in [m.id for m in trastuzumab.mechanisms]
    mech = next(m for m in trastuzumab.mechanisms if m.id == "PIK3CA_mut")
    assert any("her2_pik3ca.yaml" in s for s in mech.sources)
    assert any(step["node"] == "PI3K" for step in trastuzumab.trace)
    assert trastuzumab.evidence and all(e.level for e in trastuzumab.evidence)


def test_remedies_restore_response_in_the_screens_order(pik3ca_report) -> None:  # type: ignore[no-untyped-def]
    from her2resist.screen import screen_combinations

    trastuzumab = pik3ca_report.regimens[0]
    remedies = trastuzumab.overcome_by
    assert remedies, "a PI3K-pathway partner should restore response"
    assert all(r.score > trastuzumab.score for r in remedies)
    restoring = [r.score >= 0.5 for r in remedies]
    assert restoring == sorted(restoring, reverse=True)  # what restores response comes first
    assert remedies[0].kind == "combination"  # keeping the resisted drug comes first
    partners = " ".join(r.regimen for r in remedies)
    assert "PI3K" in partners or "AKT" in partners or "capivasertib" in partners
    # The report and the screen recommend the same: the anchored screen's rows, in order.
    (profile,) = load_profiles(EXAMPLE)
    table = screen_combinations(profile, anchor="trastuzumab", workers=1, top=0).table
    better = table[(table["combination"] != "trastuzumab")
                   & (table["score"] > trastuzumab.score + 1e-9)]
    assert [r.regimen for r in remedies] == list(better["combination"])[: len(remedies)]


def test_sensitive_regimens_need_no_remedy(pik3ca_report) -> None:  # type: ignore[no-untyped-def]
    for result in pik3ca_report.regimens:
        if result.response_class == "sensitive":
            assert result.overcome_by == ()


def test_json_has_the_documented_keys(pik3ca_report) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(render_json([pik3ca_report]))
    assert document["schema"] == "her2resist-reports/1"
    (data,) = document["reports"]
    assert {"sample", "alterations", "unmapped_variants", "regimens"} <= set(data)
    assert data["sample"] == "HER2-PIK3CA-01"
    assert [u["gene"] for u in data["unmapped_variants"]] == ["TP53"]
    first = data["regimens"][0]
    assert {"regimen", "class", "score", "mechanisms", "evidence", "overcome_by"} <= set(first)
    assert first["class"] in ("sensitive", "partial", "resistant")
    # One shape whatever the number of reports: always the document with its list.
    two = json.loads(render_json([pik3ca_report, pik3ca_report]))
    assert set(two) == set(document) and len(two["reports"]) == 2
    assert two["reports"][0] == data
    assert json.loads(render_json([])) == {"schema": "her2resist-reports/1", "reports": []}


def test_text_rendering_lists_regimens_and_unused_variants(pik3ca_report) -> None:  # type: ignore[no-untyped-def]
    text = render_text([pik3ca_report], width=200)
    assert "HER2 regimens" in text and "trastuzumab" in text
    assert "Not used by the model" in text and "TP53" in text
    assert "ER low (5 %)" in text


def test_html_escapes_every_user_string() -> None:
    evil = '<script>alert("x")</script>'
    profile = TumourProfile.from_alterations(evil, ["PTEN loss"])
    page = render_html([build_report(profile, regimens=["trastuzumab"], standard=False)])
    assert "<script" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "<svg" in page and 'class="regimens"' in page


def test_her2_negative_profile_is_flagged_in_the_report() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        profiles = {p.sample: p for p in load_profiles(DATA / "study")}
    report = build_report(profiles["S2"], regimens=["trastuzumab"], standard=False)
    assert any("HER2-negative" in w for w in report.warnings)
    assert report.to_dict()["perturbation"]["ERBB2_amp"] == 0


def test_a_stand_in_predictor_can_be_used() -> None:
    class Pred:
        regimen, response_class, score, trace, mechanisms = "x", "sensitive", 0.9, (), ()
        warnings = ()

    report = build_report(TumourProfile("T"), regimens=["x"], standard=False,
                          predictor=lambda *a, **k: Pred(), graded=None)
    assert report.regimens[0].score == 0.9


def _cli(*args: str) -> object:
    return runner.invoke(app, ["report", *args], catch_exceptions=False)


def test_cli_json_for_a_study_folder_gives_one_report_per_sample(tmp_path: Path) -> None:
    out = tmp_path / "study.json"
    result = _cli(str(DATA / "study"), "--format", "json", "-o", str(out), "--only-named",
                  "--regimen", "trastuzumab")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    data = json.loads(out.read_text())
    assert [d["sample"] for d in data["reports"]] == ["S1", "S2", "S3"]


def test_cli_sample_and_separate_files(tmp_path: Path) -> None:
    result = _cli("--maf", str(DATA / "tumour.maf"), "--cna", str(DATA / "cna.txt"),
                  "--clinical", str(DATA / "clinical_sample.txt"), "--sample", "HER2-01",
                  "--format", "json", "--only-named", "-r", "lapatinib")
    assert result.exit_code == 0  # type: ignore[attr-defined]
    (data,) = json.loads(result.stdout)["reports"]  # type: ignore[attr-defined]
    assert data["sample"] == "HER2-01"
    assert [a["id"] for a in data["alterations"]] == ["PIK3CA_mut", "CCNE1_amp"]


def test_cli_error_is_one_line_and_writes_no_output(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("sample: T1\nher2: {ihc: 7+}\n")
    out = tmp_path / "never.html"
    result = runner.invoke(app, ["report", str(bad), "--format", "html", "-o", str(out)])
    assert result.exit_code == 1
    assert "bad.yaml, line 2" in result.output and "Traceback" not in result.output
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") \
        or shutil.which("google-chrome")


@pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed "
                    "(apt-get install -y chromium); the HTML report cannot be rendered")
def test_html_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    result = _cli(str(EXAMPLE), "--format", "html", "-o", str(page))
    assert result.exit_code == 0  # type: ignore[attr-defined]
    shot = tmp_path / "shot.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             "--window-size=1400,2400", f"--user-data-dir={tmp_path / 'profile'}"]
    subprocess.run([str(_chromium()), *flags, f"--screenshot={shot}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    assert shot.stat().st_size > 20_000
    dom = subprocess.run([str(_chromium()), *flags, "--dump-dom", page.as_uri()],
                         check=True, capture_output=True, timeout=120, text=True).stdout
    assert 'id="regimens-1"' in dom and "<svg" in dom and "trastuzumab" in dom
    assert "route" in dom  # the escape route is drawn
    _assert_not_blank(shot)


def _assert_not_blank(png: Path) -> None:
    """The screenshot has drawn content: more than a handful of distinct colours."""
    import matplotlib.image as mpimg

    pixels = mpimg.imread(str(png))
    colours = {tuple(p) for p in pixels[::17, ::13].reshape(-1, pixels.shape[-1]).tolist()}
    assert len(colours) > 8, f"screenshot looks blank ({len(colours)} colours)"


def test_cli_without_input_is_an_error() -> None:
    result = runner.invoke(app, ["report"])
    assert result.exit_code == 1 and "no input" in result.output


def test_module_runs_as_console_script() -> None:
    out = subprocess.run([sys.executable, "-c", "from her2resist.cli.main import main; main()",
                          "report", "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "--expression" in out.stdout


def test_report_prints_the_perturbation_the_engine_ran() -> None:
    """One builder: the report's perturbation is the prediction's, conflicts and HER2 status
    included."""
    import warnings as _w

    from her2resist.predict import predict_response
    from her2resist.profile.tumour import Her2Status

    profile = TumourProfile.from_alterations("T9", ["PTEN loss", "CCNE1 amplification"])
    negative = TumourProfile("T10", her2=Her2Status(ihc=0),
                             alterations=profile.alterations)
    for tumour in (profile, negative):
        with _w.catch_warnings():
            _w.simplefilter("ignore")
            report = build_report(tumour, regimens=["trastuzumab"], standard=False)
            pert = tumour.model_perturbation(warn=False)
            pred = predict_response(list(pert.alterations), "trastuzumab",
                                    environment=dict(pert.environment))
        assert report.to_dict()["perturbation"] == pred.perturbation.as_dict()
        assert pred.to_dict()["perturbation"]["nodes"] == pred.perturbation.as_dict()
    assert report.to_dict()["perturbation"]["ERBB2_amp"] == 0
