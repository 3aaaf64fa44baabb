"""Web pages: login, CSRF, escaping, the report HTML the CLI writes, and every page's form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the [web] extra is not installed")
from fastapi.testclient import TestClient

from her2resist.profile import load_profiles
from her2resist.report import build_report, render_html
from her2resist.web.app import create_app
from her2resist.web.auth import add_user
from her2resist.web.config import Settings

EXAMPLE = Path(__file__).parent.parent / "examples" / "profiles" / "her2_pik3ca.yaml"
HOSTILE = b"sample: '<script>alert(1)</script>'\nher2: positive\nalterations: [PTEN loss]\n"


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


@pytest.fixture
def browser(tmp_path):
    app = create_app(Settings(data_dir=tmp_path / "data"), start_jobs=False)
    _, token = add_user(app.state.store, "ada")
    http = TestClient(app, follow_redirects=False)
    page = http.get("/login?next=/reports")
    done = http.post("/login", data={"token": token, "csrf": csrf_of(page.text),
                                     "next": "/reports"})
    assert done.status_code == 303 and done.headers["location"] == "/reports"
    return http, token


def test_pages_need_a_login(tmp_path):
    http = TestClient(create_app(Settings(data_dir=tmp_path), start_jobs=False),
                      follow_redirects=False)
    for path in ("/", "/predict", "/reports", "/jobs", "/synergy", "/cohort", "/kb", "/model"):
        response = http.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith(
            "/login?next=")


def test_a_wrong_token_or_a_forged_login_is_refused(tmp_path):
    http = TestClient(create_app(Settings(data_dir=tmp_path), start_jobs=False))
    page = http.get("/login")
    assert http.post("/login", data={"token": "nope", "csrf": csrf_of(page.text)}
                     ).status_code == 401
    http.cookies.clear()
    assert http.post("/login", data={"token": "nope", "csrf": "forged"}).status_code == 403


def test_login_redirects_only_within_the_site(tmp_path):
    app = create_app(Settings(data_dir=tmp_path), start_jobs=False)
    _, token = add_user(app.state.store, "ada")
    http = TestClient(app, follow_redirects=False)
    csrf = csrf_of(http.get("/login").text)
    done = http.post("/login", data={"token": token, "csrf": csrf, "next": "//evil.example"})
    assert done.headers["location"] == "/"


@pytest.mark.parametrize("path", ["/", "/predict", "/reports", "/jobs", "/synergy", "/cohort",
                                  "/kb",
                                  "/kb?q=PTEN+trastuzumab", "/model", "/model?q=AKT",
                                  "/model/figure"])
def test_every_page_renders_with_a_content_security_policy(browser, path):
    http, _ = browser
    response = http.get(path)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"] or \
        "sandbox" in response.headers["content-security-policy"]


def test_forms_without_the_csrf_token_are_refused(browser):
    http, _ = browser
    response = http.post("/predict", data={"regimen": "trastuzumab", "csrf": "wrong"})
    assert response.status_code == 403
    api = http.post("/api/predict", json={"regimen": "trastuzumab"})
    assert api.status_code == 403  # session cookie alone does not authorise a POST


def test_predict_page_shows_class_score_trace_and_the_report(browser):
    http, _ = browser
    csrf = csrf_of(http.get("/predict").text)
    page = http.post("/predict", data={"csrf": csrf, "regimen": "trastuzumab",
                                       "alteration": ["PTEN loss", ""]})
    assert page.status_code == 200
    assert 'class="resistant"' in page.text and 'id="trace"' in page.text
    assert "https://pubmed.ncbi.nlm.nih.gov/" in page.text
    figure = re.search(r'src="(/predict/report\?[^"]+)"', page.text).group(1)
    document = http.get(figure.replace("&amp;", "&"))
    assert document.status_code == 200 and "<svg" in document.text
    assert "PTEN loss" in document.text and "no alteration of the model" not in document.text
    assert "sandbox" in document.headers["content-security-policy"]


def test_predict_page_shows_the_cli_error_for_unknown_names(browser):
    http, _ = browser
    csrf = csrf_of(http.get("/predict").text)
    page = http.post("/predict", data={"csrf": csrf, "regimen": "trastuzumb"})
    assert page.status_code == 422 and "trastuzumab" in page.text and 'role="alert"' in page.text


def test_report_page_holds_the_html_the_cli_writes(browser, monkeypatch):
    http, _ = browser
    csrf = csrf_of(http.get("/reports").text)
    done = http.post("/reports", data={"csrf": csrf},
                     files={"file": (EXAMPLE.name, EXAMPLE.read_bytes())})
    assert done.status_code == 303
    rid = done.headers["location"].rsplit("/", 1)[1]
    assert EXAMPLE.name in http.get("/reports").text
    assert f'src="/reports/{rid}/document"' in http.get(f"/reports/{rid}").text
    monkeypatch.chdir(EXAMPLE.parent)
    expected = render_html([build_report(p) for p in load_profiles(EXAMPLE.name)])
    assert http.get(f"/reports/{rid}/document").text == expected


def test_user_strings_are_escaped_everywhere(browser):
    http, _ = browser
    csrf = csrf_of(http.get("/reports").text)
    done = http.post("/reports", data={"csrf": csrf},
                     files={"file": ("<img src=x onerror=alert(1)>.yaml", HOSTILE)})
    rid = done.headers["location"].rsplit("/", 1)[1]
    for path in ("/reports", f"/reports/{rid}", f"/reports/{rid}/document"):
        text = http.get(path).text
        assert "<script>alert" not in text and "<img src=x" not in text
    assert "&lt;script&gt;" in http.get(f"/reports/{rid}/document").text


def test_upload_errors_show_file_and_line(browser):
    http, _ = browser
    csrf = csrf_of(http.get("/reports").text)
    page = http.post("/reports", data={"csrf": csrf},
                     files={"file": ("bad.yaml", b"sample: T1\nher2: [\n")})
    assert page.status_code == 422 and "bad.yaml, line" in page.text


def test_other_users_reports_and_figures_are_not_found(browser, tmp_path):
    http, _ = browser
    assert http.get("/reports/0000/document").status_code == 404
    assert http.get("/jobs/0000/figure/..%2F..%2Fetc%2Fpasswd").status_code == 404
