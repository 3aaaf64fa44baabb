"""The web API on PostgreSQL (``--database postgresql+psycopg://...``): a throwaway cluster.

The fixture runs ``initdb`` and ``pg_ctl`` from Debian's ``postgresql`` package in a temporary
folder, listening on a Unix socket only, and points the server at a fresh database in it. The
tests skip, saying why, where those binaries or the psycopg driver are absent.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the [web] extra is not installed")
pytest.importorskip("psycopg", reason="the [postgres] extra (psycopg) is not installed")
from fastapi.testclient import TestClient

from her2resist.web.app import create_app
from her2resist.web.auth import add_user
from her2resist.web.config import Settings
from her2resist.web.storage import Store
from test_web_api import EXAMPLE, cli_json, upload
from test_web_jobs import wait_for

BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_owner(command: list[str]) -> list[str]:
    """``initdb`` refuses to run as root: run the cluster's commands as ``nobody`` then."""
    return ["runuser", "-u", "nobody", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL of an empty database in a throwaway PostgreSQL cluster."""
    if not BINARIES:
        pytest.skip("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; "
                    "apt-get install postgresql)")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root without runuser: initdb cannot be run as another user")
    bindir = BINARIES[-1].parent
    folder = Path(tempfile.mkdtemp(prefix="her2resist-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "nobody")
    data, port = folder / "db", _free_port()
    subprocess.run(_as_owner([str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                              "--auth=trust", "-E", "UTF8", "--no-sync"]),
                   check=True, capture_output=True)
    options = f"-k {folder} -p {port} -c listen_addresses='' -c fsync=off"
    subprocess.run(_as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-l",
                              str(folder / "log"), "-o", options, "-w", "start"]),
                   check=True, capture_output=True)
    try:
        subprocess.run([str(bindir / "createdb"), "-h", str(folder), "-p", str(port),
                        "-U", "postgres", "her2resist"], check=True, capture_output=True)
        yield f"postgresql+psycopg://postgres@/her2resist?host={folder}&port={port}"
    finally:
        subprocess.run(_as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                  "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def served(postgres_url, tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("pg"), database=postgres_url)
    app = create_app(settings)
    _, token = add_user(app.state.store, "ada")
    with TestClient(app) as http:
        yield http, {"Authorization": f"Bearer {token}"}


def test_the_store_is_postgresql(served):
    http, _ = served
    assert http.app.state.store.engine.dialect.name == "postgresql"


def test_users_add_on_postgresql(served):
    http, _ = served
    store = http.app.state.store
    _, token = add_user(store, "grace")
    assert [u.name for u in store.list_users()][:2] == ["ada", "grace"]
    ok = http.get("/api/vocabulary", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and "PTEN loss" in ok.json()["alterations"]
    with pytest.raises(Exception, match="not yet taken"):
        add_user(store, "grace")


def test_predict_on_postgresql(served):
    http, auth = served
    body = {"alterations": ["PIK3CA H1047R"], "regimen": "T-DM1"}
    response = http.post("/api/predict", json=body, headers=auth)
    assert response.status_code == 200
    assert response.json() == cli_json("predict", "-a", "PIK3CA H1047R", "-r", "T-DM1", "--json")


def test_report_upload_and_another_users_404_on_postgresql(served, monkeypatch):
    http, auth = served
    created = upload(http, auth, EXAMPLE.name, EXAMPLE.read_bytes())
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    got = http.get(f"/api/reports/{rid}", headers=auth)
    assert got.status_code == 200
    monkeypatch.chdir(EXAMPLE.parent)
    assert got.json() == cli_json("report", EXAMPLE.name, "--format", "json")
    assert rid in [r["id"] for r in http.get("/api/reports", headers=auth).json()]
    _, other = add_user(http.app.state.store, "eve")
    assert http.get(f"/api/reports/{rid}", headers={"Authorization": f"Bearer {other}"}
                    ).status_code == 404


def test_a_job_on_postgresql(served):
    http, auth = served
    created = http.post("/api/jobs", json={"kind": "screen", "alterations": ["PTEN loss"]},
                        headers=auth)
    assert created.status_code == 202
    job = wait_for(lambda j: http.get(f"/api/jobs/{j}", headers=auth).json(),
                   created.json()["id"])
    assert job["status"] == "done", job
    assert job["done"] == job["total"] == 1 and job["result"]["genotypes"]
    _, other = add_user(http.app.state.store, "mallory")
    assert http.get(f"/api/jobs/{job['id']}", headers={"Authorization": f"Bearer {other}"}
                    ).status_code == 404


def test_job_inputs_round_trip_as_bytes(postgres_url):
    store = Store(postgres_url)
    user = store.add_user("bytes", "b" * 64)
    payload = bytes(range(256)) * 4
    jid = store.add_job(user, "synergy", {"file_name": "plate.csv"}, payload, "plate.csv")
    assert store.job(user, jid)["input"] == payload
    assert store.start_job(jid) == 1 and store.start_job(jid) is None
    assert store.finish_job(jid, 1, result="{}") and store.job(None, jid)["status"] == "done"


def test_users_add_with_database_url_prints_a_working_token(postgres_url, tmp_path):
    from typer.testing import CliRunner

    from her2resist.cli.main import _register_all
    from her2resist.cli.main import app as cli_app

    _register_all()
    result = CliRunner().invoke(cli_app, ["users", "add", "carol", "--data", str(tmp_path),
                                          "--database", postgres_url])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    http = TestClient(create_app(Settings(data_dir=tmp_path, database=postgres_url),
                                 start_jobs=False))
    assert http.get("/api/vocabulary", headers={"Authorization": f"Bearer {token}"}
                    ).status_code == 200
    assert not (tmp_path / "her2resist.db").exists()  # nothing went to SQLite
