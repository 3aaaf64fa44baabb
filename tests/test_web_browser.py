"""Each page's main flow in Debian's chromium (Playwright), with a screenshot of each page.

Screenshots go to $HER2RESIST_SCREENSHOTS, or a temporary folder whose path is printed. The
test fails on any console error or uncaught exception in a page (a Content-Security-Policy
violation is a console error).
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the [web] extra is not installed")
playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="playwright is not installed (test extra)")
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium"
                                        if Path("/usr/bin/chromium").exists() else None)
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)",
                allow_module_level=True)

from typer.testing import CliRunner  # noqa: E402

from her2resist.cli.main import _register_all  # noqa: E402
from her2resist.cli.main import app as cli_app  # noqa: E402
from web_server import free_port, start_server  # noqa: E402

EXAMPLE = Path(__file__).parent.parent / "examples" / "profiles" / "her2_pik3ca.yaml"
PLATE = Path(__file__).parent / "data" / "synergy" / "two_blocks.csv"
TIMEOUT = 120_000  # ms: a job waits for a worker on a shared machine


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data, port = tmp_path_factory.mktemp("browser") / "data", free_port()
    _register_all()
    result = CliRunner().invoke(cli_app, ["users", "add", "ada", "--data", str(data)])
    token = result.stdout.strip().splitlines()[-1]
    server = start_server(data, port)
    shots = Path(os.environ.get("HER2RESIST_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    shots.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots of the pages: {shots}")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(f"{m.type}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        base = f"http://127.0.0.1:{port}"
        page.goto(f"{base}/predict")
        page.fill("#token", token)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/predict")
        yield page, base, shots, problems
        browser.close()
    server.send_signal(signal.SIGKILL)
    server.wait(10)


def shoot(page, shots: Path, name: str, problems: list[str]) -> None:
    path = shots / f"{name}.png"
    for frame in page.locator("iframe").all():  # a frame paints once it has been in view
        frame.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5000
    assert not problems, problems


def test_predict_page(site):
    page, base, shots, problems = site
    page.goto(f"{base}/predict")
    # Locators, not wait_for_function: the page's CSP forbids evaluating strings.
    page.locator("#alteration-names option[value='PTEN loss']").wait_for(state="attached")
    page.fill("input.alteration", "PTEN loss")
    page.click("#add-alteration")
    page.locator("input.alteration").nth(1).fill("PIK3CA H1047R")
    page.fill("#regimen", "trastuzumab + ")
    page.locator("#regimen-names option[value='trastuzumab + everolimus']").wait_for(
        state="attached")
    page.fill("#regimen", "trastuzumab + everolimus")
    page.click("#predict-form button[type=submit]")
    page.wait_for_selector("#result")
    assert page.locator("#trace tr").count() > 3
    frame = page.frame_locator("iframe.document")
    frame.locator("svg").first.wait_for()
    shoot(page, shots, "predict", problems)


def test_report_page(site):
    page, base, shots, problems = site
    page.goto(f"{base}/reports")
    page.set_input_files("#report-form input[type=file]", str(EXAMPLE))
    page.click("#report-form button[type=submit]")
    page.wait_for_url(f"{base}/reports/*")
    page.frame_locator("iframe.document").locator("table.regimens").wait_for()
    shoot(page, shots, "report", problems)
    page.goto(f"{base}/reports")
    assert page.locator("#report-list a", has_text=EXAMPLE.name).count() == 1
    shoot(page, shots, "reports", problems)


def test_synergy_page(site):
    page, base, shots, problems = site
    page.goto(f"{base}/synergy")
    page.set_input_files("#synergy-form input[type=file]", str(PLATE))
    page.click("#synergy-form button[type=submit]")
    page.wait_for_url(f"{base}/jobs/*")
    page.wait_for_selector("text=Synergy per block", timeout=TIMEOUT)
    page.frame_locator("iframe.document").first.locator("table").first.wait_for()
    shoot(page, shots, "synergy", problems)


def test_screen_and_targets_jobs(site):
    page, base, shots, problems = site
    page.goto(f"{base}/jobs")
    page.fill("#screen-form input[name=alterations]", "PTEN loss")
    page.click("#screen-form button[type=submit]")
    page.wait_for_url(f"{base}/jobs/*")
    page.wait_for_selector("text=Best combinations", timeout=TIMEOUT)
    shoot(page, shots, "screen", problems)
    page.goto(f"{base}/jobs")
    page.fill("#targets-form input[name=alterations]", "PTEN loss")
    page.select_option("#targets-form select[name=max_size]", "2")
    page.click("#targets-form button[type=submit]")
    page.wait_for_url(f"{base}/jobs/*")
    page.wait_for_selector("text=Minimal targets", timeout=TIMEOUT)
    shoot(page, shots, "targets", problems)
    page.goto(f"{base}/jobs")
    kinds = page.locator("table.jobs tr[data-job] td:nth-child(2)").all_inner_texts()
    assert {"screen", "targets"} <= set(kinds)
    shoot(page, shots, "jobs", problems)


def test_knowledge_base_page(site):
    page, base, shots, problems = site
    page.goto(f"{base}/kb")
    page.fill("#kb-search input[name=q]", "PTEN trastuzumab")
    page.click("#kb-search button")
    page.wait_for_url(f"{base}/kb?q=*")
    assert page.locator("a[href^='https://pubmed.ncbi.nlm.nih.gov/']").count() > 0
    shoot(page, shots, "kb", problems)


def test_model_page(site):
    page, base, shots, problems = site
    page.goto(f"{base}/model")
    page.frame_locator("iframe.document").locator("svg").first.wait_for()
    assert page.locator("#nodes tr").count() > 20
    shoot(page, shots, "model", problems)


def test_cohort_page(site, tmp_path):
    import zipfile

    page, base, shots, problems = site
    study = Path(__file__).parent / "data" / "cohort" / "study"
    archive = tmp_path / "study.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in study.iterdir():
            zf.write(path, f"study/{path.name}")
    page.goto(f"{base}/cohort")
    page.set_input_files("#cohort-form input[type=file]", str(archive))
    page.fill("#cohort-form input[name=regimen_column]", "TREATMENT")
    page.fill("#cohort-form input[name=outcome]", "PATHOLOGIC_RESPONSE")
    page.fill("#cohort-form input[name=min_patients]", "2")
    page.click("#cohort-form button[type=submit]")
    page.wait_for_url(f"{base}/jobs/*")
    page.wait_for_selector("text=12 samples", timeout=TIMEOUT)
    page.frame_locator("iframe.document").locator("img").first.wait_for()
    shoot(page, shots, "cohort", problems)
