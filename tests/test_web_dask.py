"""Web jobs on a Dask cluster (``her2resist serve --scheduler``): a ``LocalCluster``."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi", reason="the [web] extra is not installed")
pytest.importorskip("distributed", reason="the [dask] extra is not installed")
import distributed
from fastapi.testclient import TestClient

from her2resist.web.app import create_app
from her2resist.web.auth import add_user
from her2resist.web.config import Settings
from her2resist.web.jobs import JobRunner
from her2resist.web.storage import Store
from test_web_jobs import cli_json, wait_for, without_seconds


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                                  dashboard_address=None) as local:
        yield local


def ran_on(cluster, jid: str) -> bool:
    """Whether the cluster's scheduler ran a task of job ``jid``."""
    keys = {str(entry[0]) for entry in cluster.scheduler.transition_log}
    return any(key.startswith(f"her2resist-job-{jid}-") for key in keys)


def test_a_job_runs_on_the_scheduler_and_answers_the_cli_json(cluster, tmp_path):
    settings = Settings(data_dir=tmp_path, scheduler=cluster.scheduler_address)
    app = create_app(settings)
    _, token = add_user(app.state.store, "ada")
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as http:
        created = http.post("/api/jobs", json={"kind": "screen", "alterations": ["PTEN loss"]},
                            headers=auth)
        assert created.status_code == 202
        jid = created.json()["id"]
        job = wait_for(lambda j: http.get(f"/api/jobs/{j}", headers=auth).json(), jid)
        assert app.state.runner._pool is None  # no local process pool was started
    assert job["status"] == "done", job
    assert ran_on(cluster, jid)
    expected = cli_json("screen", "-a", "PTEN loss", "--json", "--no-progress", "--workers", "1")
    assert without_seconds(job["result"]) == without_seconds(expected)


def test_recovery_on_the_scheduler_requeues_and_fails_repeat_offenders(cluster, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    user = store.add_user("ada", "0" * 64)
    once, twice, failing = (store.add_job(user, "screen", {"alterations": [name]})
                            for name in ("PTEN loss", "PTEN loss", "PTEN los"))
    for jid, attempts in ((once, 1), (twice, 2)):
        for _ in range(attempts):  # starts that the server did not outlive
            store.requeue_job(jid)
            store.start_job(jid)
    runner = JobRunner(store, workers=1, max_attempts=2, scheduler=cluster.scheduler_address)
    runner.start()
    try:
        job = wait_for(lambda j: store.job(None, j), once)
        assert job["status"] == "done" and job["attempts"] == 2
        assert ran_on(cluster, once)
        failed = store.job(None, twice)
        assert failed["status"] == "failed" and "2 times" in failed["error"]
        bad = wait_for(lambda j: store.job(None, j), failing)
        assert bad["status"] == "failed" and "PTEN loss" in bad["error"]
    finally:
        runner.stop()


def test_an_unreachable_scheduler_is_refused_with_a_message(tmp_path):
    import dask
    from typer.testing import CliRunner

    from her2resist.cli.main import _register_all
    from her2resist.cli.main import app as cli_app
    from web_server import free_port

    _register_all()
    address = f"tcp://127.0.0.1:{free_port()}"
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        result = CliRunner().invoke(cli_app, ["serve", "--data", str(tmp_path), "--scheduler",
                                              address])
    assert result.exit_code == 1
    assert "--scheduler" in result.output and "running Dask scheduler" in result.output
    assert "Traceback" not in result.output
