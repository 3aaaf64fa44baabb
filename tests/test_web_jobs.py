"""Web jobs: the CLI's screen, targets and synergy JSON, progress, restarts and a SIGKILL."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the [web] extra is not installed")
import httpx
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from her2resist.cli.main import _register_all
from her2resist.cli.main import app as cli_app
from her2resist.web.app import create_app
from her2resist.web.auth import add_user
from her2resist.web.config import Settings
from her2resist.web.jobs import JobRunner
from her2resist.web.storage import Store
from web_server import free_port, start_server

PLATE = Path(__file__).parent / "data" / "synergy" / "two_blocks.csv"
SRC = Path(__file__).parent.parent / "src"


def cli_json(*args: str) -> dict:
    _register_all()
    result = CliRunner().invoke(cli_app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def without_seconds(data: dict) -> dict:
    """Results without timings and solver-call counts (these depend on warm caches)."""
    return {k: v for k, v in data.items() if k not in ("seconds", "solver_calls")}


def wait_for(get, jid: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = get(jid)
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {jid} did not finish in {timeout} s: {job}")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("jobs")))
    _, token = add_user(app.state.store, "ada")
    with TestClient(app) as http:
        yield http, {"Authorization": f"Bearer {token}"}


def test_screen_job_answers_the_cli_screen_json(served):
    http, auth = served
    created = http.post("/api/jobs", json={"kind": "screen", "alterations": ["PTEN loss"]},
                        headers=auth)
    assert created.status_code == 202
    job = wait_for(lambda j: http.get(f"/api/jobs/{j}", headers=auth).json(),
                   created.json()["id"])
    assert job["status"] == "done", job
    assert job["done"] == job["total"] == 1
    expected = cli_json("screen", "-a", "PTEN loss", "--json", "--no-progress", "--workers", "1")
    assert without_seconds(job["result"]) == without_seconds(expected)


def test_targets_job_answers_the_cli_targets_json(served):
    http, auth = served
    body = {"kind": "targets", "alterations": ["PTEN loss"], "max_size": 2}
    jid = http.post("/api/jobs", json=body, headers=auth).json()["id"]
    job = wait_for(lambda j: http.get(f"/api/jobs/{j}", headers=auth).json(), jid)
    expected = cli_json("targets", "-a", "PTEN loss", "--max-size", "2", "--json", "--workers", "1",
                        "--no-progress")
    assert without_seconds(job["result"]) == without_seconds(expected)


def test_synergy_job_scores_the_plate_as_the_cli(served):
    http, auth = served
    created = http.post("/api/jobs/synergy", files={"file": ("plate.csv", PLATE.read_bytes())},
                        data={"method": "bliss,hsa"}, headers=auth)
    job = wait_for(lambda j: http.get(f"/api/jobs/{j}", headers=auth).json(),
                   created.json()["id"])
    assert job["status"] == "done", job
    expected = cli_json("synergy", str(PLATE), "--method", "bliss,hsa", "--format", "json")
    assert {k: job["result"][k] for k in expected} == expected


def test_a_failing_job_keeps_its_reason(served):
    http, auth = served
    jid = http.post("/api/jobs", json={"kind": "screen", "alterations": ["PTEN los"]},
                    headers=auth).json()["id"]
    job = wait_for(lambda j: http.get(f"/api/jobs/{j}", headers=auth).json(), jid)
    assert job["status"] == "failed" and "PTEN loss" in job["error"]


def test_another_users_job_answers_404(served):
    http, auth = served
    jid = http.post("/api/jobs", json={"kind": "screen", "alterations": ["PTEN loss"]},
                    headers=auth).json()["id"]
    _, other = add_user(http.app.state.store, "eve")
    assert http.get(f"/api/jobs/{jid}", headers={"Authorization": f"Bearer {other}"}
                    ).status_code == 404


def test_recover_requeues_running_jobs_and_fails_repeat_offenders(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    user = store.add_user("ada", "0" * 64)
    once, twice = (store.add_job(user, "screen", {"alterations": ["PTEN loss"]})
                   for _ in range(2))
    for jid, attempts in ((once, 1), (twice, 2)):
        for _ in range(attempts):  # starts that the server did not outlive
            store.requeue_job(jid)
            store.start_job(jid)
    runner = JobRunner(store, workers=1, max_attempts=2)
    runner.start()
    try:
        job = wait_for(lambda j: store.job(None, j), once)
        assert job["status"] == "done" and job["attempts"] == 2
        failed = store.job(None, twice)
        assert failed["status"] == "failed" and "2 times" in failed["error"]
    finally:
        runner.stop()


@pytest.mark.slow
def test_sigkill_mid_job_loses_nothing(tmp_path):
    """Kill the server with jobs done, running and queued; restart; every job ends."""
    data, port = tmp_path / "data", free_port()
    _register_all()
    token = CliRunner().invoke(cli_app, ["users", "add", "ada", "--data", str(data)]
                               ).stdout.strip().splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    base = f"http://127.0.0.1:{port}"
    server = start_server(data, port)
    try:
        quick = httpx.post(f"{base}/api/jobs", json={"kind": "screen", "alterations":
                                                     ["PTEN loss"]}, headers=auth).json()["id"]
        wait_for(lambda j: httpx.get(f"{base}/api/jobs/{j}", headers=auth).json(), quick)
        finished = httpx.get(f"{base}/api/jobs/{quick}", headers=auth).json()
        long_jobs = [httpx.post(f"{base}/api/jobs", json={"kind": "screen"}, headers=auth
                                ).json()["id"] for _ in range(2)]
        deadline = time.monotonic() + 60
        while httpx.get(f"{base}/api/jobs/{long_jobs[0]}", headers=auth).json()["done"] < 2:
            assert time.monotonic() < deadline, "the long job never reported progress"
            time.sleep(0.2)
        states = [httpx.get(f"{base}/api/jobs/{j}", headers=auth).json()["status"]
                  for j in long_jobs]
        assert states == ["running", "queued"]
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        server = start_server(data, port)
        get = lambda j: httpx.get(f"{base}/api/jobs/{j}", headers=auth).json()  # noqa: E731
        ends = [wait_for(get, j, timeout=240) for j in long_jobs]
        assert [e["status"] for e in ends] == ["done", "done"], ends
        assert ends[0]["attempts"] == 2 and ends[1]["attempts"] == 1
        assert len(ends[0]["result"]["genotypes"]) == ends[0]["total"] > 2
        assert get(quick) == finished
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(10)
    with sqlite3.connect(data / "her2resist.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_cohort_job_answers_the_cli_cohort_json(served):
    import io
    import zipfile

    http, auth = served
    study = Path(__file__).parent / "data" / "cohort" / "study"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in study.iterdir():
            zf.write(path, f"study/{path.name}")
    options = {"regimen_column": "TREATMENT", "outcome": "PATHOLOGIC_RESPONSE",
               "min_patients": "2"}
    created = http.post("/api/jobs/cohort", files={"file": ("study.zip", buffer.getvalue())},
                        data=options, headers=auth)
    assert created.status_code == 202, created.text
    job = wait_for(lambda j: http.get(f"/api/jobs/{j}", headers=auth).json(),
                   created.json()["id"])
    assert job["status"] == "done", job
    expected = cli_json("cohort", str(study), "--regimen-column", "TREATMENT", "--outcome",
                        "PATHOLOGIC_RESPONSE", "--min-patients", "2", "--json",
                        "--no-progress")
    assert job["result"]["n"] == expected["n"] == 12
    assert job["result"]["association"] == expected["association"]
    assert job["result"]["markers"] == expected["markers"]
    figures = json.loads(http.app.state.store.job(None, job["id"])["figures"])
    assert "<img" in figures["cohort"]  # the HTML report `cohort --html` writes
