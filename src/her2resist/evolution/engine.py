"""The step of the multi-type branching process, vectorised over replicate tumours.

Over a step of length ``dt`` each type's cells follow Kendall's exact law
(:func:`~her2resist.evolution.kendall.sample_birth_death`), with the birth rate lowered to
``b (1 - U)`` where ``U`` is the type's total mutation rate per division. Mutants of each
``source -> target`` pair arrive as a Poisson number with mean

    rate * b * n0 * (exp(r dt) - 1) / r,        r = b (1 - U) - d of the source,

the expected number of divisions of the source clone over the step given its size ``n0`` at
the start (the one approximation: the clone's path within a step is replaced by its mean; the
flux is exact in expectation and its relative error is of order ``1 / sqrt(n0)``). Each mutant
arrives at a time drawn from the density ``exp(r s)`` on the step and then follows Kendall's law
for the rest of the step, so that a new clone of one cell is simulated exactly; above 16 arrivals
in a step they are drawn by strata of equal probability. Mutants that arise within a step do not
mutate again within that step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from her2resist.evolution.kendall import (
    arrival_time_quantile,
    growth_integral,
    kendall_parameters,
    sample_arrival_times,
    sample_birth_death,
    sample_kendall,
)
from her2resist.evolution.scenario import Scenario
from her2resist.evolution.schedules import drug_sets

#: Untreated growth takes no schedule decision, so its steps are as long as ``dt`` or as the
#: time in which the fastest type grows by this log-factor (10 %), whichever is longer.
GROWTH_STEP_GAIN = float(np.log(1.1))

#: Above this many arrivals of one mutant type in one step, arrival times are stratified.
STRATA = 16


@dataclass(frozen=True, slots=True)
class CompiledModel:
    """Rates as arrays: ``birth[state, type]``, ``death[state, type]``; mutations as
    ``source``, ``target`` and ``rate`` arrays. State 0 is untreated."""

    birth: np.ndarray
    death: np.ndarray
    keep: np.ndarray
    source: np.ndarray
    target: np.ndarray
    rate: np.ndarray


def compile_model(scenario: Scenario) -> CompiledModel:
    """Arrays of rates for every drug state the schedule uses."""
    index = {name: i for i, name in enumerate(scenario.type_names)}
    pairs = [scenario.rates_under(drugs) for drugs in drug_sets(scenario)]
    birth = np.array([p[0] for p in pairs])
    death = np.array([p[1] for p in pairs])
    source = np.array([index[m.source] for m in scenario.mutations], dtype=np.int64)
    target = np.array([index[m.target] for m in scenario.mutations], dtype=np.int64)
    rate = np.array([m.rate for m in scenario.mutations], dtype=float)
    out_rate = np.bincount(source, weights=rate, minlength=len(index)) if rate.size else 0.0
    keep = birth * (1.0 - out_rate)
    return CompiledModel(birth, death, keep, source, target, rate)


def advance(
    rng: np.random.Generator,
    counts: np.ndarray,
    state: np.ndarray,
    dt: float | np.ndarray,
    model: CompiledModel,
) -> np.ndarray:
    """Counts of every type after one step, for replicates in drug ``state`` (one per row).

    ``dt`` is one step for all rows (Kendall's parameters are then looked up per state and
    type) or one per row.
    """
    rows, cols = np.nonzero(counts)
    st = state[rows]
    if np.ndim(dt) == 0:
        alpha_tab, beta_tab = kendall_parameters(model.keep, model.death, dt)
        alpha, beta = alpha_tab[st, cols], beta_tab[st, cols]
    else:
        alpha, beta = kendall_parameters(
            model.keep[st, cols], model.death[st, cols], np.asarray(dt)[rows]
        )
    new = np.zeros_like(counts)
    new[rows, cols] = sample_kendall(rng, counts[rows, cols], alpha, beta)
    if model.rate.size:
        scalar = float(dt) if np.ndim(dt) == 0 else None
        _add_mutants(rng, new, counts, state, np.broadcast_to(dt, state.shape), model, scalar)
    return new


def _add_mutants(
    rng: np.random.Generator,
    new: np.ndarray,
    counts: np.ndarray,
    state: np.ndarray,
    dt: np.ndarray,
    model: CompiledModel,
    scalar_dt: float | None,
) -> None:
    rows, muts = np.nonzero(counts[:, model.source])
    if not rows.size:
        return
    src = model.source[muts]
    st = state[rows]
    growth = model.keep[st, src] - model.death[st, src]
    if scalar_dt is not None:
        # divisions per source cell over the step, per drug state and mutation
        flux = (
            model.rate
            * model.birth[:, model.source]
            * growth_integral(model.keep[:, model.source] - model.death[:, model.source], scalar_dt)
        )
        mean = flux[st, muts] * counts[rows, src]
    else:
        mean = (
            model.rate[muts]
            * model.birth[st, src]
            * counts[rows, src]
            * growth_integral(growth, dt[rows])
        )
    arrivals = rng.poisson(mean)
    hit = np.nonzero(arrivals)[0]
    if not hit.size:
        return
    rows, muts, growth, arrivals = rows[hit], muts[hit], growth[hit], arrivals[hit]
    g_rows, g_muts, sizes, times = _arrival_groups(rng, rows, muts, growth, arrivals, dt)
    tgt = model.target[g_muts]
    g_state = state[g_rows]
    born = sample_birth_death(
        rng, sizes, model.keep[g_state, tgt], model.death[g_state, tgt], dt[g_rows] - times
    )
    np.add.at(new, (g_rows, tgt), born)


def _arrival_groups(
    rng: np.random.Generator,
    rows: np.ndarray,
    muts: np.ndarray,
    growth: np.ndarray,
    arrivals: np.ndarray,
    dt: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Groups of mutants born together: one per mutant up to ``STRATA`` arrivals, else one
    per stratum of the arrival-time law."""
    few = arrivals <= STRATA
    each = np.repeat(np.nonzero(few)[0], arrivals[few])
    times_each = sample_arrival_times(rng, growth[each], dt[rows[each]])
    many = np.nonzero(~few)[0]
    per_stratum = rng.multinomial(arrivals[many], np.full(STRATA, 1.0 / STRATA))
    quantiles = (np.arange(STRATA) + 0.5) / STRATA
    times_many = arrival_time_quantile(growth[many, None], dt[rows[many], None], quantiles)
    filled = per_stratum > 0
    owner = np.concatenate([each, np.broadcast_to(many[:, None], filled.shape)[filled]])
    sizes = np.concatenate([np.ones(each.size, dtype=np.int64), per_stratum[filled]])
    times = np.concatenate([times_each, times_many[filled]])
    return rows[owner], muts[owner], sizes, times


def grow_to_detection(
    rng: np.random.Generator, scenario: Scenario, model: CompiledModel, tumours: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Grow ``tumours`` replicates untreated from ``scenario.start`` to the detection size.

    A replicate that dies out restarts from ``start`` (the tumours studied are those that are
    detected). Steps last ``max(dt, log(1.1) / r)``, ``r`` the fastest untreated net growth
    rate, and the last step of each replicate is shortened so that its expected size lands just
    above the detection size (0.1 % above). Returns the counts, the growth times and the number of
    tumour-steps taken.
    """
    start = np.array([scenario.start.get(n, 0) for n in scenario.type_names], dtype=np.int64)
    counts = np.tile(start, (tumours, 1))
    elapsed = np.zeros(tumours)
    target = scenario.detection_size
    net = model.keep[0] - model.death[0]
    step = max(scenario.dt, GROWTH_STEP_GAIN / max(float(net.max()), 1e-300))
    pending = np.nonzero(counts.sum(axis=1) < target)[0]
    steps = 0
    while pending.size:
        c = counts[pending]
        size = c.sum(axis=1)
        r = (c * net).sum(axis=1) / size
        dt = np.full(pending.size, step)
        up = r > 0
        landing = np.log(target * 1.001 / size[up]) / r[up]
        dt[up] = np.clip(landing, scenario.dt * 1e-3, step)
        full = dt == step  # most replicates: one step length, Kendall's law looked up
        untreated = np.zeros(pending.size, dtype=np.int64)
        c[full] = advance(rng, c[full], untreated[full], step, model)
        c[~full] = advance(rng, c[~full], untreated[~full], dt[~full], model)
        steps += pending.size
        new_size = c.sum(axis=1)
        extinct = new_size == 0
        c[extinct] = start
        elapsed[pending] = np.where(extinct, 0.0, elapsed[pending] + dt)
        counts[pending] = c
        pending = pending[new_size < target]
    return counts, elapsed, steps
