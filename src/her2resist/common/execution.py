"""Where parallel work runs: this process, one persistent local process pool, or a Dask cluster.

Screens, nodal-target searches, synergy plates, evolution sweeps and cohorts all hand their
work here: a list of picklable tasks and a module-level function, results back in the order of
the tasks.  The local pool is created once per process and reused (starting one costs about
0.2 s), and it is used only when there are enough tasks to gain from it; the default number
of workers is the number of CPUs this process may use (its affinity and, in a container, its
cgroup CPU quota), not the machine's.

Examples
--------
>>> run_tasks(abs, [-1, -2, 3], workers=1)
[1, 2, 3]
>>> available_cpus() >= 1
True
"""

from __future__ import annotations

import atexit
import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, TypeVar

from her2resist.exceptions import ParameterError

T = TypeVar("T")
R = TypeVar("R")
Progress = Callable[[int, int], None]

#: A local pool is used only for at least this many tasks per worker (1: whenever there are
#: two tasks or more and more than one worker).
MIN_TASKS_PER_WORKER = 1
_POOL: dict[str, Any] = {}


def _cgroup_cpus() -> float | None:
    """The CPU quota of this process's cgroup (v2 ``cpu.max`` or v1), if any."""
    for quota_file, period_file in (("/sys/fs/cgroup/cpu.max", None),
                                    ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
                                     "/sys/fs/cgroup/cpu/cpu.cfs_period_us")):
        try:
            text = Path(quota_file).read_text().split()
            if period_file is None:
                quota, period = text[0], text[1] if len(text) > 1 else "100000"
            else:
                quota, period = text[0], Path(period_file).read_text().strip()
        except (OSError, IndexError):
            continue
        if quota in ("max", "-1"):
            return None
        try:
            return max(1.0, int(quota) / int(period))
        except ValueError:
            return None
    return None


def available_cpus() -> int:
    """The CPUs this process may use: its affinity, capped by its cgroup quota."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        count = os.cpu_count() or 1
    quota = _cgroup_cpus()
    if quota is not None:
        count = min(count, math.floor(quota))
    return max(1, count)


def check_workers(workers: int | None, function: str) -> int:
    """The number of processes to use (None: :func:`available_cpus`)."""
    if workers is None:
        return available_cpus()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ParameterError("workers", function, "a positive integer or None", workers)
    return workers


def _pool(count: int) -> Executor:
    """The persistent local pool with ``count`` workers (made once, replaced if resized)."""
    pool = _POOL.get("pool")
    if pool is None or _POOL.get("size") != count:
        if pool is not None:
            pool.shutdown(wait=True)
        pool = ProcessPoolExecutor(max_workers=count)
        _POOL.update(pool=pool, size=count)
    return pool


def shutdown_pool() -> None:
    """Stop the persistent pool (at exit, or to free its processes)."""
    pool = _POOL.pop("pool", None)
    _POOL.pop("size", None)
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_pool)


def run_tasks(func: Callable[[T], R], tasks: Sequence[T], *, workers: int | None = None,
              scheduler: Any = None, progress: Progress | None = None) -> list[R]:
    """Run ``func`` on every task, in order of the tasks.

    Parameters
    ----------
    workers
        Local processes (None: :func:`available_cpus`; 1: this process).  With fewer than
        :data:`MIN_TASKS_PER_WORKER` tasks per worker the work runs with fewer processes, and
        in this process when only one would be used.
    scheduler
        A Dask scheduler address (``tcp://host:8786``), a ``distributed.Client`` or a
        ``LocalCluster``: run there instead of locally.
    progress
        Called with (tasks done, tasks in all) after each task.
    """
    tasks = list(tasks)
    if scheduler is not None:
        return _run_dask(func, tasks, scheduler, progress)
    count = min(check_workers(workers, "run_tasks"), len(tasks) // MIN_TASKS_PER_WORKER)
    if count <= 1:
        results = []
        for done, task in enumerate(tasks, start=1):
            results.append(func(task))
            if progress:
                progress(done, len(tasks))
        return results
    return _gather(_pool(count).submit, func, tasks, progress)


def _gather(submit: Callable[..., Any], func: Callable[[T], R], tasks: list[T],
            progress: Progress | None) -> list[R]:
    futures = {submit(func, task): i for i, task in enumerate(tasks)}
    results: list[Any] = [None] * len(tasks)
    for done, future in enumerate(as_completed(futures), start=1):
        results[futures[future]] = future.result()
        if progress:
            progress(done, len(tasks))
    return results


def dask_client(scheduler: Any, feature: str = "Running on a Dask cluster") -> Any:
    """A ``distributed.Client`` of ``scheduler`` (an address, or a ``LocalCluster``).

    A missing ``distributed`` package is a :class:`MissingDependencyError` naming the
    ``[dask]`` extra.

    Examples
    --------
    >>> callable(dask_client)
    True
    """
    from her2resist._optional import require

    distributed = require("distributed", "dask", feature)
    return distributed.Client(scheduler, asynchronous=False)


def _run_dask(func: Callable[[T], R], tasks: list[T], scheduler: Any,
              progress: Progress | None) -> list[R]:
    from distributed import as_completed as dask_completed

    own = isinstance(scheduler, str) or hasattr(scheduler, "scheduler_address")
    client = dask_client(scheduler) if own else scheduler
    try:
        futures = client.map(func, tasks, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(tasks)
        for done, future in enumerate(dask_completed(futures), start=1):
            results[index[future.key]] = future.result()
            if progress:
                progress(done, len(tasks))
        return results
    finally:
        if own:
            client.close()
