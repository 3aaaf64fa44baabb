"""The web API (httpx through FastAPI's TestClient): auth, limits, and the CLI's JSON."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the [web] extra is not installed")
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from her2resist.cli.main import _register_all
from her2resist.cli.main import app as cli_app
from her2resist.web.app import create_app
from her2resist.web.auth import add_user, hash_token
from her2resist.web.config import Settings

DATA = Path(__file__).parent / "data" / "profiles"
EXAMPLE = Path(__file__).parent.parent / "examples" / "profiles" / "her2_pik3ca.yaml"


def make_client(tmp_path: Path, **options: object) -> tuple[TestClient, dict[str, str]]:
    settings = Settings(data_dir=tmp_path / "data", **options)  # type: ignore[arg-type]
    app = create_app(settings, start_jobs=False)
    _, token = add_user(app.state.store, "ada")
    return TestClient(app), {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(tmp_path: Path) -> tuple[TestClient, dict[str, str]]:
    return make_client(tmp_path)


def cli_json(*args: str, folder: Path | None = None) -> object:
    """The CLI's JSON output; with ``folder``, its files named relative to it (as the server
    names uploaded files)."""
    _register_all()
    result = CliRunner().invoke(cli_app, list(args))
    assert result.exit_code == 0, result.output
    text = result.stdout
    if folder is not None:
        text = text.replace(f"{folder.resolve()}/", "")
    return json.loads(text)


def test_predict_answers_what_the_cli_prints(client):
    http, auth = client
    body = {"alterations": ["PIK3CA H1047R"], "regimen": "T-DM1"}
    response = http.post("/api/predict", json=body, headers=auth)
    assert response.status_code == 200
    assert response.json() == cli_json("predict", "-a", "PIK3CA H1047R", "-r", "T-DM1", "--json")


def test_graded_options_match_the_cli(client):
    http, auth = client
    body = {"alterations": ["PTEN loss"], "regimen": "lapatinib + trastuzumab",
            "context": "culture", "doses": {"Tykerb": 0.5}, "endpoint": "ORR"}
    response = http.post("/api/predict", json=body, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json() == cli_json("predict", "-a", "PTEN loss", "-r",
                                       "lapatinib + trastuzumab", "--context", "culture",
                                       "--dose", "Tykerb=0.5", "--endpoint", "ORR", "--json")
    assert response.json()["endpoint"] == "ORR"


def test_predict_with_fixed_nodes_matches_the_cli(client):
    http, auth = client
    body = {"alterations": [], "regimen": "trastuzumab", "set": {"Immune": 1},
            "engine": "most-permissive"}
    response = http.post("/api/predict", json=body, headers=auth)
    assert response.json() == cli_json("predict", "-r", "trastuzumab", "--set", "Immune=1",
                                       "--engine", "most-permissive", "--json")


def test_without_a_token_the_api_answers_401(client):
    http, _ = client
    assert http.post("/api/predict", json={"regimen": "trastuzumab"}).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    response = http.post("/api/predict", json={"regimen": "trastuzumab"}, headers=bad)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_tokens_are_stored_hashed(client):
    http, auth = client
    token = auth["Authorization"].split()[1]
    store = http.app.state.store
    with store.engine.connect() as conn:
        stored = [row[0] for row in conn.exec_driver_sql("SELECT token_hash FROM users")]
    assert stored == [hash_token(token)] and token not in stored


def test_unknown_names_answer_422_with_suggestions(client):
    http, auth = client
    response = http.post("/api/predict", json={"alterations": ["PTEN los"],
                                               "regimen": "trastuzumab"}, headers=auth)
    assert response.status_code == 422
    assert "PTEN loss" in response.json()["suggestions"]


def test_rate_limit_answers_429(tmp_path):
    http, auth = make_client(tmp_path, rate_limit=3)
    codes = [http.get("/api/vocabulary", headers=auth).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_every_response_carries_a_content_security_policy(client):
    http, auth = client
    policy = http.get("/api/vocabulary", headers=auth).headers["content-security-policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy


def test_openapi_lists_the_endpoints(client):
    http, _ = client
    paths = http.get("/openapi.json").json()["paths"]
    assert {"/api/predict", "/api/reports", "/api/reports/{rid}", "/api/jobs"} <= set(paths)
    assert http.get("/docs").status_code == 200


def test_users_add_prints_the_token_last(tmp_path):
    _register_all()
    result = CliRunner().invoke(cli_app, ["users", "add", "bob", "--data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    settings = Settings(data_dir=tmp_path)
    http = TestClient(create_app(settings, start_jobs=False))
    ok = http.get("/api/vocabulary", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and "PTEN loss" in ok.json()["alterations"]
    again = CliRunner().invoke(cli_app, ["users", "add", "bob", "--data", str(tmp_path)])
    assert again.exit_code == 1 and "not yet taken" in again.output


def upload(http: TestClient, auth: dict[str, str], name: str, data: bytes, **form: str):
    return http.post("/api/reports", files={"file": (name, data)}, data=form, headers=auth)


def test_report_upload_answers_the_cli_report_json(client, monkeypatch):
    http, auth = client
    created = upload(http, auth, EXAMPLE.name, EXAMPLE.read_bytes())
    assert created.status_code == 201
    got = http.get(f"/api/reports/{created.json()['id']}", headers=auth)
    assert got.status_code == 200
    monkeypatch.chdir(EXAMPLE.parent)  # the CLI names files as given; so does the server
    assert got.json() == cli_json("report", EXAMPLE.name, "--format", "json")
    assert [r["id"] for r in http.get("/api/reports", headers=auth).json()] == \
        [created.json()["id"]]


def test_report_from_a_maf_with_a_named_regimen(client, monkeypatch):
    http, auth = client
    created = upload(http, auth, "tumour.maf", (DATA / "tumour.maf").read_bytes(),
                     regimen="trastuzumab", only_named="true")
    assert created.status_code == 201, created.text
    got = http.get(f"/api/reports/{created.json()['id']}", headers=auth).json()
    monkeypatch.chdir(DATA)
    assert got == cli_json("report", "tumour.maf", "--format", "json", "-r", "trastuzumab",
                           "--only-named")


def test_a_report_stored_in_the_old_shape_is_served_in_todays(client):
    http, auth = client
    store = http.app.state.store
    user = next(u for u in store.list_users() if u.name == "ada")
    rid = store.add_report(user, "old.yaml", 1, '{"sample": "T1"}', "<html></html>")
    got = http.get(f"/api/reports/{rid}", headers=auth).json()
    assert got == {"schema": "her2resist-reports/1", "reports": [{"sample": "T1"}]}


def test_another_users_report_answers_404(client):
    http, auth = client
    rid = upload(http, auth, "tumour.yaml", EXAMPLE.read_bytes()).json()["id"]
    _, other = add_user(http.app.state.store, "eve")
    response = http.get(f"/api/reports/{rid}", headers={"Authorization": f"Bearer {other}"})
    assert response.status_code == 404
    assert http.get("/api/reports/0123", headers=auth).status_code == 404


def test_upload_over_the_limit_answers_413(tmp_path):
    http, auth = make_client(tmp_path, max_upload=1000)
    response = upload(http, auth, "big.yaml", b"# padding\n" * 200)
    assert response.status_code == 413
    assert "1000 bytes" in response.json()["detail"] and "--max-upload" in response.json()["detail"]
    huge = upload(http, auth, "huge.yaml", b"x" * 200_000)
    assert huge.status_code == 413


def test_malformed_file_answers_422_with_the_cli_message(client, tmp_path, monkeypatch):
    http, auth = client
    text = b"sample: T1\nher2: positive\nalterations:\n  - name: PTEN loss\n    colour: red\n"
    response = upload(http, auth, "bad.yaml", text)
    assert response.status_code == 422
    body = response.json()
    assert body["file"] == "bad.yaml" and body["line"] == 4 and "colour" in body["detail"]
    (tmp_path / "bad.yaml").write_bytes(text)
    monkeypatch.chdir(tmp_path)
    _register_all()
    result = CliRunner().invoke(cli_app, ["report", "bad.yaml"])
    assert result.exit_code == 1
    assert " ".join(result.output.split()) == " ".join(f"Error: {body['detail']}".split())


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def test_zipped_study_gives_the_study_report(client, monkeypatch):
    http, auth = client
    study = DATA / "study"
    entries = {f"brca/{p.name}": p.read_bytes() for p in study.iterdir() if p.is_file()}
    created = upload(http, auth, "brca.zip", zipped(entries))
    assert created.status_code == 201, created.text
    got = http.get(f"/api/reports/{created.json()['id']}", headers=auth).json()
    monkeypatch.chdir(study)
    assert got == cli_json("report", ".", "--format", "json", folder=study)


@pytest.mark.parametrize("entry", ["../evil.txt", "/etc/evil.txt", "a/../../evil.txt"])
def test_zip_entries_outside_the_archive_are_refused(client, entry):
    http, auth = client
    response = upload(http, auth, "study.zip", zipped({entry: b"x"}))
    assert response.status_code == 422
    assert "absolute or '..'" in response.json()["detail"]


def test_zip_bombs_are_refused(tmp_path):
    http, auth = make_client(tmp_path, max_unzipped=100_000)
    response = upload(http, auth, "bomb.zip", zipped({"zeros.txt": b"\0" * 10_000_000}))
    assert response.status_code == 422
    assert "unpacks to 10000000 bytes; at most 100000 accepted" in response.json()["detail"]
