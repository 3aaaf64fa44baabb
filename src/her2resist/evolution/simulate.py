"""Simulate replicate tumours: untreated growth to detection, then the schedule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from her2resist import __version__
from her2resist.common.execution import run_tasks
from her2resist.evolution.engine import CompiledModel, advance, compile_model, grow_to_detection
from her2resist.evolution.results import OUTCOMES, EvolutionResult
from her2resist.evolution.scenario import Scenario
from her2resist.evolution.schedules import ScheduleState
from her2resist.exceptions import ParameterError

#: Replicates simulated together in one vectorised batch.
CHUNK = 2500


@dataclass(slots=True)
class _Treatment:
    """Mutable state of the treatment phase (internal)."""

    counts: np.ndarray
    outcome: np.ndarray
    event_time: np.ndarray
    schedule: ScheduleState
    steps: int = 0


def simulate(
    scenario: Scenario,
    *,
    tumours: int = 1000,
    seed: int | None = None,
    record: int = 10,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> EvolutionResult:
    """Simulate ``tumours`` replicate tumours of ``scenario``.

    Parameters
    ----------
    scenario
        Types, rates, mutations, schedule and sizes.
    tumours
        Number of independent replicate tumours.
    seed
        Seed of numpy's random generator; the same seed gives the same result.
    record
        Number of replicates whose trajectories are kept (for figures).
    workers
        Processes to use. Replicates are simulated in chunks of ``CHUNK`` with seeds spawned
        from ``seed``, so the result depends on ``seed`` and ``tumours``, not on ``workers``.
    progress
        Called with (tumours done, tumours in all) as the run advances: after each time step
        of the treatment phase when the chunks run in this process, after each chunk when
        they run in worker processes. It does not change the result.

    Returns
    -------
    EvolutionResult

    Examples
    --------
    >>> from her2resist.evolution import CellType, Rates, Scenario, Schedule
    >>> s = Scenario("mono", (CellType("S", Rates(1.0, 0.5), {"A": Rates(1.0, 2.0)}),),
    ...              (), {"S": 100}, 100, Schedule.continuous(["A"]), dt=0.1, max_time=30)
    >>> simulate(s, tumours=200, seed=1).p_eradication
    1.0
    """
    if isinstance(tumours, bool) or not isinstance(tumours, (int, np.integer)) or tumours < 1:
        raise ParameterError("tumours", "simulate", "an integer >= 1", tumours)
    if not isinstance(record, int) or record < 0:
        raise ParameterError("record", "simulate", "an integer >= 0", record)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ParameterError("workers", "simulate", "an integer >= 1", workers)
    sizes = [CHUNK] * (int(tumours) // CHUNK) + ([int(tumours) % CHUNK] if tumours % CHUNK else [])
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    jobs = [
        (scenario, n, sq, record if i == 0 else 0)
        for i, (n, sq) in enumerate(zip(sizes, seeds, strict=True))
    ]
    chunks = _run_chunks(jobs, int(tumours), workers, progress)
    table = pd.concat([c.table for c in chunks], ignore_index=True)
    table.index.name = "replicate"
    return EvolutionResult(
        scenario=scenario,
        tumours=table,
        trajectories=chunks[0].trajectories,
        seed=seed,
        tumour_steps=sum(c.steps for c in chunks),
        provenance={
            "package": "her2resist",
            "version": __version__,
            "seed": seed,
            "tumours": int(tumours),
            "dt": scenario.dt,
            "max_time": scenario.max_time,
            "time_unit": scenario.time_unit,
        },
    )


@dataclass(frozen=True, slots=True)
class _Chunk:
    table: pd.DataFrame
    trajectories: pd.DataFrame
    steps: int


_Job = tuple[Scenario, int, np.random.SeedSequence, int]


def _run_chunks(jobs: list[_Job], tumours: int, workers: int,
                progress: Callable[[int, int], None] | None) -> list[_Chunk]:
    if progress is None:
        return run_tasks(_run_chunk, jobs, workers=workers)
    if workers > 1 and len(jobs) > 1:
        def per_chunk(done: int, total: int) -> None:
            progress(tumours if done == total else done * CHUNK, tumours)

        return run_tasks(_run_chunk, jobs, workers=workers, progress=per_chunk)
    chunks: list[_Chunk] = []
    before = 0
    for job in jobs:
        chunks.append(_simulate_chunk(*job, report=_reporter(progress, before, job[1], tumours)))
        before += job[1]
    progress(tumours, tumours)
    return chunks


def _reporter(progress: Callable[[int, int], None], before: int, size: int, tumours: int
              ) -> Callable[[float], None]:
    """``report(share of one chunk done)`` as ``progress(tumours done, tumours)``."""
    def report(share: float) -> None:
        progress(before + int(size * share), tumours)

    return report


def _run_chunk(job: _Job) -> _Chunk:
    """One chunk of tumours (a worker task)."""
    return _simulate_chunk(*job)


def _simulate_chunk(
    scenario: Scenario, tumours: int, seed: np.random.SeedSequence, record: int,
    report: Callable[[float], None] | None = None,
) -> _Chunk:
    rng = np.random.default_rng(seed)
    model = compile_model(scenario)
    counts, growth_time, growth_steps = grow_to_detection(rng, scenario, model, tumours)
    start_size = counts.sum(axis=1)
    trajectories: list[tuple[np.ndarray, float, np.ndarray]] = []
    state = _Treatment(
        counts,
        np.zeros(len(counts), dtype=np.int8),
        np.full(len(counts), scenario.max_time),
        ScheduleState(scenario, start_size),
    )
    _treat(rng, scenario, model, state, record, trajectories, report)
    return _Chunk(
        table=_tumour_table(scenario, state, start_size, growth_time),
        trajectories=_trajectory_table(scenario, trajectories),
        steps=growth_steps + state.steps,
    )


def _treat(
    rng: np.random.Generator,
    scenario: Scenario,
    model: CompiledModel,
    st: _Treatment,
    record: int,
    trajectories: list[tuple[np.ndarray, float, np.ndarray]],
    report: Callable[[float], None] | None = None,
) -> None:
    active = np.arange(len(st.counts))
    t = 0.0
    _record(trajectories, st.counts, active, t, record)
    while active.size and t < scenario.max_time - 1e-9:
        dt = min(scenario.dt, scenario.max_time - t)
        drug_state = st.schedule.drug_state(active, t)
        c = advance(rng, st.counts[active], drug_state, dt, model)
        st.steps += active.size
        t += dt
        st.counts[active] = c
        size = c.sum(axis=1)
        progressed = st.schedule.after_step(active, t, size)
        eradicated = size == 0
        st.outcome[active[eradicated]] = 1
        st.outcome[active[progressed]] = 2
        done = eradicated | progressed
        st.event_time[active[done]] = t
        _record(trajectories, st.counts, active, t, record)
        active = active[~done]
        if report is not None:  # share of the chunk's work done: time, or tumours finished
            report(max(t / scenario.max_time, 1 - active.size / len(st.counts)))


def _record(
    out: list[tuple[np.ndarray, float, np.ndarray]],
    counts: np.ndarray,
    active: np.ndarray,
    t: float,
    record: int,
) -> None:
    kept = active[active < record]
    if kept.size:
        out.append((kept, t, counts[kept].copy()))


def _trajectory_table(
    scenario: Scenario, rows: list[tuple[np.ndarray, float, np.ndarray]]
) -> pd.DataFrame:
    names = scenario.type_names
    if not rows:
        return pd.DataFrame(columns=["replicate", "time", "type", "cells"])
    kept = np.concatenate([np.repeat(k, len(names)) for k, _, _ in rows])
    times = np.concatenate([np.full(k.size * len(names), t) for k, t, _ in rows])
    cells = np.concatenate([c.ravel() for _, _, c in rows])
    types = np.tile(np.array(names, dtype=object), kept.size // len(names))
    return pd.DataFrame({"replicate": kept, "time": times, "type": types, "cells": cells})


def _tumour_table(
    scenario: Scenario, st: _Treatment, start_size: np.ndarray, growth_time: np.ndarray
) -> pd.DataFrame:
    names = scenario.type_names
    outcome = np.array(OUTCOMES, dtype=object)[[2, 0, 1]][st.outcome]
    progressed = outcome == "progressed"
    dominant = np.array(names, dtype=object)[st.counts.argmax(axis=1)]
    table = pd.DataFrame(
        {
            "outcome": outcome,
            "time": st.event_time,
            "time_to_progression": np.where(progressed, st.event_time, np.nan),
            "line": st.schedule.line + 1,
            "cells_at_start": start_size,
            "growth_time": growth_time,
            "dominant": np.where(progressed, dominant, ""),
        }
    )
    for i, name in enumerate(names):
        table[f"cells_{name}"] = st.counts[:, i]
    table.index.name = "replicate"
    return table
