"""Long analyses as jobs: queued in the store, run by a process pool, kept across restarts.

A job's whole life is in its table row. A worker marks it running (one more attempt), reports
progress, and stores the result and status in one transaction; a server killed at any moment
leaves each job queued, running or finished. On start, :meth:`JobRunner.recover` queues again
every job that was queued or running (a job interrupted ``max_attempts`` times is marked failed
with that reason instead), so nothing is silently lost. A worker writes only for its own
attempt, so a worker orphaned by a killed server cannot overwrite the rerun's result.

Examples
--------
>>> sorted(JOB_KINDS)
['cohort', 'screen', 'synergy', 'targets']
"""

from __future__ import annotations

import json
import multiprocessing
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from her2resist.exceptions import Her2ResistError
from her2resist.web.storage import Store
from her2resist.web.uploads import extract_zip, safe_name, upload_kind

Progress = Callable[[int, int], None]
#: Seconds between two progress writes of one job.
PROGRESS_EVERY = 0.5


def to_json(data: Any) -> str:
    """JSON text of analysis output (numpy scalars, sets and paths included)."""
    def default(obj: Any) -> Any:
        if hasattr(obj, "item"):
            return obj.item()
        if isinstance(obj, (set, frozenset)):
            return sorted(obj)
        return str(obj)

    return json.dumps(data, default=default)


def _names(value: Any) -> list[str] | None:
    return [str(v).strip() for v in value if str(v).strip()] or None if value else None


def run_screen(params: dict[str, Any], _data: bytes | None, progress: Progress
               ) -> tuple[dict[str, Any], dict[str, str]]:
    """``her2resist screen --json`` as a job: the same call and the same JSON."""
    from her2resist.engines import DEFAULT_ENGINE
    from her2resist.screen import screen_combinations
    from her2resist.screen.plots import heatmap_html

    top = int(params.get("top", 3))
    res = screen_combinations(_names(params.get("alterations")),
                              agents=_names(params.get("agents")),
                              max_size=int(params.get("max_size", 2)), top=top, workers=1,
                              progress=progress,
                              engine=params.get("engine") or DEFAULT_ENGINE,
                              context=params.get("context") or "patient")
    return res.to_dict(rows=top), {"heatmap": heatmap_html(res.scores(),
                                                           title="Combination screen")}


def run_targets(params: dict[str, Any], _data: bytes | None, progress: Progress
                ) -> tuple[dict[str, Any], dict[str, str]]:
    """``her2resist targets --json`` as a job: the same calls and the same JSON."""
    from her2resist.screen import find_nodal_targets, summarise_nodal_targets

    options: dict[str, Any] = dict(
        background=params.get("background") or None,
        candidates=params.get("candidates") or None,
        max_size=int(params.get("max_size", 3)), activations=bool(params.get("activations")),
        apoptotic=bool(params.get("apoptotic")), workers=1, progress=progress)
    alterations = _names(params.get("alterations"))
    if params.get("all_genotypes"):
        return summarise_nodal_targets(alterations, **options).to_dict(), {}
    return find_nodal_targets(alterations, **options).to_dict(), {}


def run_synergy(params: dict[str, Any], data: bytes | None, progress: Progress
                ) -> tuple[dict[str, Any], dict[str, str]]:
    """``her2resist synergy --format json`` on an uploaded plate, with each block's heatmaps."""
    from her2resist.synergy import read_plate, score_plate
    from her2resist.synergy.plots import heatmap_html

    with tempfile.TemporaryDirectory(prefix="her2resist-plate-") as folder:
        path = Path(folder) / safe_name(str(params.get("file_name") or "plate.csv"))
        path.write_bytes(data or b"")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            plate = read_plate(path, response_type=params.get("response_type") or None)
            total = len(plate.block_ids)
            counter = {"done": 0}

            def advance(n: int) -> None:
                counter["done"] += n
                progress(counter["done"], total)

            result = score_plate(plate, methods=list(params.get("methods") or
                                                     ("zip", "hsa", "bliss", "loewe")),
                                 replicates=str(params.get("replicates", "mean")),
                                 progress=advance)
    payload = {"methods": list(result.methods),
               "blocks": result.blocks.to_dict(orient="records"),
               "wells": result.wells.to_dict(orient="records"),
               "warnings": [str(w.message) for w in caught]}
    figures = {str(b): heatmap_html(result, str(b)) for b in result.blocks["block_id"].unique()}
    return payload, figures


def run_cohort(params: dict[str, Any], data: bytes | None, progress: Progress
               ) -> tuple[dict[str, Any], dict[str, str]]:
    """``her2resist cohort --json`` on an uploaded study (zipped) or profile file, with the
    HTML cohort report the CLI writes with ``--html``."""
    from her2resist.cohort import read_cohort, run_cohort
    from her2resist.cohort.html import cohort_html

    with tempfile.TemporaryDirectory(prefix="her2resist-cohort-") as folder:
        path = Path(folder) / safe_name(str(params.get("file_name") or "study.zip"))
        path.write_bytes(data or b"")
        if upload_kind(path.name) == "study":
            path = extract_zip(path, Path(folder) / "study",
                               max_bytes=int(params.get("max_unzipped", 200 * 1024**2)),
                               max_entries=int(params.get("max_entries", 2000)))
        profiles, columns = read_cohort(path)
        result = run_cohort(profiles, columns, regimen=params.get("regimen"),
                            regimen_column=params.get("regimen_column"),
                            outcome=params.get("outcome"), positive=params.get("positive"),
                            time=params.get("time"), event=params.get("event"),
                            engine=params.get("engine"),
                            min_patients=int(params.get("min_patients") or 5),
                            name=str(params.get("name") or Path(path).stem),
                            endpoint=str(params.get("endpoint") or "pCR"), progress=progress)
        return result.to_dict(), {"cohort": cohort_html(result)}


JOB_KINDS: dict[str, Callable[[dict[str, Any], bytes | None, Progress],
                              tuple[dict[str, Any], dict[str, str]]]] = {
    "screen": run_screen, "targets": run_targets, "synergy": run_synergy,
    "cohort": run_cohort}

_STORES: dict[str, Store] = {}


def _store(url: str) -> Store:
    if url not in _STORES:
        _STORES[url] = Store(url)
    return _STORES[url]


def _exit_if_orphaned(parent: int | None) -> None:
    """End this worker at once when the server that started it is gone (killed): the next
    server runs the job again, and this process must not take further jobs from its queue.
    ``parent`` None (a Dask worker, not the server's child) skips the check: there an orphaned
    attempt runs on, and its writes are refused once a newer attempt has started."""
    if parent is not None and os.getppid() != parent:
        os._exit(0)


def execute_job(url: str, jid: str, parent: int | None) -> str:
    """Run one queued job in a worker process (or on a Dask worker) and store its outcome;
    the final status."""
    _exit_if_orphaned(parent)
    store = _store(url)
    attempt = store.start_job(jid)
    if attempt is None:
        return "skipped"
    job = store.job(None, jid)
    if job is None:  # deleted between the two reads
        return "skipped"
    last = [0.0]

    def progress(done: int, total: int) -> None:
        _exit_if_orphaned(parent)
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY or done >= total:
            last[0] = now
            store.set_progress(jid, attempt, int(done), int(total))

    try:
        data, figures = JOB_KINDS[job["kind"]](json.loads(job["params"]), job["input"],
                                                progress)
    except Her2ResistError as exc:
        store.finish_job(jid, attempt, error=str(exc))
        return "failed"
    except Exception as exc:  # a job must end with a reason, whatever went wrong
        store.finish_job(jid, attempt, error=f"internal error: {type(exc).__name__}: {exc}")
        return "failed"
    store.finish_job(jid, attempt, result=to_json(data), figures=json.dumps(figures))
    return "done"


class JobRunner:
    """Submits stored jobs to a pool of worker processes, or to a Dask cluster.

    With ``scheduler`` (``tcp://HOST:PORT``) each job is one task on that cluster, whose
    workers must reach the store's database (a PostgreSQL server, or a SQLite file on a
    shared disk); otherwise ``workers`` local processes run them.
    """

    def __init__(self, store: Store, *, workers: int, max_attempts: int,
                 scheduler: str | None = None) -> None:
        self.store = store
        self.workers = workers
        self.max_attempts = max_attempts
        self.scheduler = scheduler
        self._pool: ProcessPoolExecutor | None = None
        self._client: Any = None
        self._tasks: set[Any] = set()  # Dask forgets a task nobody holds: hold each one

    def start(self) -> None:
        """Start the pool (or connect to the cluster) and take up the jobs a previous server
        left unfinished."""
        if self.scheduler is not None:
            from her2resist.common.execution import dask_client

            self._client = dask_client(self.scheduler, "her2resist serve --scheduler")
        else:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        self.recover()

    def recover(self) -> list[str]:
        """Queue again (or fail, past ``max_attempts``) every unfinished job; their ids."""
        for job in self.store.unfinished_jobs():
            if job["status"] == "running" and job["attempts"] >= self.max_attempts:
                self.store.finish_job(
                    job["id"], None, error=f"the server stopped while this job ran, "
                    f"{job['attempts']} times; it is not tried again")
                continue
            self.store.requeue_job(job["id"])
            self.submit(job["id"])
        return [j["id"] for j in self.store.unfinished_jobs()]

    def submit(self, jid: str) -> Any:
        """Run a queued job in the pool or on the cluster; its future."""
        if self._client is not None:
            task = self._client.submit(execute_job, self.store.url, jid, None, pure=False,
                                       key=f"her2resist-job-{jid}-{time.time_ns()}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return task
        if self._pool is None:
            raise RuntimeError("the job runner is not started")
        return self._pool.submit(execute_job, self.store.url, jid, os.getpid())

    def stop(self) -> None:
        """Stop taking jobs; running ones are left to the next start (they stay queued)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        if self._client is not None:
            self._tasks.clear()
            self._client.close()
            self._client = None
