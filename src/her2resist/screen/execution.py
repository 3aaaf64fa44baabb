"""Where screen work runs: in this process, a local process pool, or an existing Dask cluster.

Work is a list of picklable tasks and a module-level function; results come back in the order
of the tasks.  Networks travel as a :class:`ModelRef` (the package's model by name, a model
file by path, or the rules themselves), and each worker keeps one
:class:`~her2resist.engines.service.SimulationService` per model, so its caches serve every
task it runs.

Examples
--------
>>> run_tasks(abs, [-1, -2, 3], workers=1)
[1, 2, 3]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, TypeVar

from her2resist.engines.service import SimulationService, get_service
from her2resist.exceptions import ParameterError
from her2resist.model.network import Network, Node

T = TypeVar("T")
R = TypeVar("R")
Progress = Callable[[int, int], None]



@dataclass(frozen=True, slots=True)
class ModelRef:
    """A network that can travel to another process and be rebuilt there."""

    name: str
    nodes: tuple[tuple[str, str, str | None, int], ...] | None = None
    path: str | None = None

    @classmethod
    def of(cls, network: Network, path: str | None = None) -> ModelRef:
        from her2resist.model.parse import load_model

        if path is None and network.hash == load_model().hash:
            return cls(network.name)
        if path is not None:
            return cls(network.name, path=str(path))
        return cls(network.name, tuple((n.id, n.kind, n.rule, n.default)
                                       for n in network.nodes.values()))

    def load(self) -> Network:
        from her2resist.model.parse import load_model

        if self.nodes is None:
            return load_model(self.path)
        return Network({n: Node(n, kind, rule, default) for n, kind, rule, default in self.nodes},
                       name=self.name)


def service_for(model: ModelRef, reachable: bool) -> SimulationService:
    """This process's simulation service for ``model`` (shared, with its caches)."""
    return get_service(_load(model), reachable=reachable)


_LOADED: dict[ModelRef, Network] = {}


def _load(model: ModelRef) -> Network:
    if model not in _LOADED:
        _LOADED[model] = model.load()
    return _LOADED[model]


def check_workers(workers: int | None, function: str) -> int:
    """The number of processes to use (None: every CPU)."""
    if workers is None:
        return os.cpu_count() or 1
    if not isinstance(workers, int) or workers < 1:
        raise ParameterError("workers", function, "a positive integer or None", workers)
    return workers


def run_tasks(func: Callable[[T], R], tasks: Sequence[T], *, workers: int | None = None,
              scheduler: Any = None, progress: Progress | None = None) -> list[R]:
    """Run ``func`` on every task, in order of the tasks.

    Parameters
    ----------
    workers
        Local processes (None: one per CPU; 1: this process).
    scheduler
        A Dask scheduler address (``tcp://host:8786``), a ``distributed.Client`` or a
        ``LocalCluster``: run there instead of locally.
    progress
        Called with (tasks done, tasks in all) after each task.
    """
    tasks = list(tasks)
    if scheduler is not None:
        return _run_dask(func, tasks, scheduler, progress)
    count = min(check_workers(workers, "run_tasks"), len(tasks))
    if count <= 1:
        results = []
        for done, task in enumerate(tasks, start=1):
            results.append(func(task))
            if progress:
                progress(done, len(tasks))
        return results
    with ProcessPoolExecutor(max_workers=count) as pool:
        return _gather(pool.submit, func, tasks, progress)


def _gather(submit: Callable[..., Any], func: Callable[[T], R], tasks: list[T],
            progress: Progress | None) -> list[R]:
    futures = {submit(func, task): i for i, task in enumerate(tasks)}
    results: list[Any] = [None] * len(tasks)
    for done, future in enumerate(as_completed(futures), start=1):
        results[futures[future]] = future.result()
        if progress:
            progress(done, len(tasks))
    return results


def _run_dask(func: Callable[[T], R], tasks: list[T], scheduler: Any,
              progress: Progress | None) -> list[R]:
    from her2resist._optional import require

    distributed = require("distributed", "dask", "Running on a Dask scheduler")
    Client, dask_completed = distributed.Client, distributed.as_completed

    own = isinstance(scheduler, str) or hasattr(scheduler, "scheduler_address")
    client = Client(scheduler) if own else scheduler
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
