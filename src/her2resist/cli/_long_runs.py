"""Long runs: a documented ceiling on each command's work, an estimate shown before a large run,
and a progress bar while it runs.

Four commands can run for minutes: ``evolve``, ``simulate``, ``targets`` and ``screen``. Each
counts its work before it starts (a :class:`Workload`: work units, and the seconds they take
on one core from a unit cost calibrated on the reference machine). A run above its command's
ceiling is refused (exit 2) with what to lower; a run estimated at :data:`ANNOUNCE_FROM`
seconds or more says so first ("About 2 min for 10,000 tumours; Ctrl-C to stop.").

Progress (``--progress/--no-progress``; default: automatic) is a Rich bar on standard error
when standard error is a terminal and the result is not JSON or CSV going to standard
output; ``--progress`` forces it (one line every few seconds when standard error is not a
terminal, for logs); ``--no-progress`` turns it and the estimate off.

The ceilings, in work units (README, "Bounds"):

=========  ==========================================  =============  =====================
command    work units                                  ceiling        unit cost (one core)
=========  ==========================================  =============  =====================
evolve     tumours x time steps (max_time/dt) x types  1e10           0.8 us
simulate   trajectories (2 x --samples) x --max-time   2e9            0.45 ms a trajectory
screen     genotypes x combinations scored             500,000        2 ms
targets    genotypes x candidate sets (upper bound)    5,000,000      0.3 ms
=========  ==========================================  =============  =====================

Examples
--------
>>> work = Workload(units=3e9, ceiling=1e10, seconds_one_core=2400.0, what="10,000 tumours",
...                 unit_name="tumour-steps", remedy="lower --tumours", workers=2)
>>> duration(work.seconds)
'about 20 min'
>>> check_ceiling(work, "--tumours")
>>> duration(0.4), duration(75), duration(4 * 3600)
('under 1 s', 'about 1 min', 'about 4 h')
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import typer

from her2resist.cli._common import err_console, say, usage_error

#: Estimated seconds from which the estimate is printed before the run starts.
ANNOUNCE_FROM = 10.0
#: Seconds between progress lines when standard error is not a terminal.
PROGRESS_EVERY = 5.0

#: Calibrated unit costs, seconds on one core, measured in one process on the reference machine
#: (a shared 2-core VM, 2026-11-29): evolve 0.7-0.9 us per tumour-step and type (the two
#: example scenarios, 1,000 tumours), MaBoSS 0.43-0.7 ms per trajectory (2,000-8,000 samples,
#: max time 40-2,000, the project's model), screen 1.9 ms per genotype and combination (the KB
#: panel, uncached), targets 0.29-0.5 ms per candidate set (sizes 2-3). An estimate is "about":
#: within ~2x on that machine, and it scales with the machine.
EVOLVE_STEP_SECONDS = 0.8e-6
SIMULATE_TRAJECTORY_SECONDS = 0.45e-3
SIMULATE_TIME_SECONDS = 0.2e-6
SCREEN_SCORE_SECONDS = 2e-3
TARGETS_SET_SECONDS = 0.3e-3

#: Ceilings, in each command's work units (see the module docstring).
EVOLVE_CEILING = 1e10
SIMULATE_CEILING = 2e9
SCREEN_CEILING = 500_000
TARGETS_CEILING = 5_000_000

Update = Callable[[int, int], None]

PROGRESS_OPTION = typer.Option(
    None, "--progress/--no-progress", help="Progress bar on standard error (default: on a "
    "terminal, unless JSON or CSV goes to standard output; --progress on a log prints a line "
    "every few seconds); --no-progress also hides the estimate shown before a long run.")


@dataclass(frozen=True, slots=True)
class Workload:
    """The work of one run, counted before it starts.

    Attributes
    ----------
    units
        Work units of the run (what the ceiling bounds).
    ceiling
        Most units one run may take.
    seconds_one_core
        Estimated seconds on one core (units times the calibrated unit cost).
    what
        What was asked for, in the user's words ("10,000 tumours").
    unit_name
        The units' name ("tumour-steps").
    remedy
        How to make the run smaller (the options to lower).
    workers
        Processes that share the work.
    """

    units: float
    ceiling: float
    seconds_one_core: float
    what: str
    unit_name: str
    remedy: str
    workers: int = 1

    @property
    def seconds(self) -> float:
        """Estimated wall-clock seconds with :attr:`workers` processes."""
        return self.seconds_one_core / max(self.workers, 1)


def duration(seconds: float) -> str:
    """A rough duration for a person: "about 40 s", "about 2 min", "about 3 h"."""
    if seconds < 1:
        return "under 1 s"
    if seconds < 60:
        return f"about {seconds:.0f} s"
    if seconds < 3600:
        return f"about {seconds / 60:.0f} min"
    return f"about {seconds / 3600:.0f} h" if seconds < 48 * 3600 else \
        f"about {seconds / 86400:.0f} days"


def check_ceiling(work: Workload, option: str) -> None:
    """Refuse (exit 2) a run whose work is above its command's ceiling."""
    if work.units > work.ceiling:
        raise usage_error(option, f"this run is {work.units:.3g} {work.unit_name} "
                          f"({work.what}; {duration(work.seconds_one_core)} on one core), above "
                          f"the ceiling of {work.ceiling:.3g}; {work.remedy}")


def announce(work: Workload, show: bool | None) -> None:
    """Print the estimate before a run of :data:`ANNOUNCE_FROM` seconds or more (not with
    ``--no-progress``)."""
    if show is not False and work.seconds >= ANNOUNCE_FROM:
        workers = f" with {work.workers} workers" if work.workers > 1 else ""
        say(f"{duration(work.seconds).capitalize()} for {work.what}{workers}; Ctrl-C to stop.",
            err=True)


def progress_mode(show: bool | None, fmt: str, to_stdout: bool) -> str:
    """"bar", "lines" or "off": ``--progress``/``--no-progress`` as given, else a bar on a
    terminal unless a JSON or CSV result goes to standard output."""
    if show is False:
        return "off"
    terminal = err_console.is_terminal
    if show is None and (not terminal or (to_stdout and fmt in ("json", "csv"))):
        return "off"
    return "bar" if terminal else "lines"


@contextmanager
def progress_bar(mode: str, what: str, *, unit: str = "") -> Iterator[Update | None]:
    """A callback ``update(done, total)`` that shows progress in ``mode`` (None when off)."""
    if mode == "off":
        yield None
        return
    if mode == "lines":
        yield _progress_lines(what)
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns: list[Any] = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    if unit:
        columns.append(TextColumn(unit))
    columns += [TimeElapsedColumn(), TextColumn("elapsed,"), TimeRemainingColumn(),
                TextColumn("left")]
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(what, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


def _progress_lines(what: str) -> Update:
    """Progress for logs: one line at most every PROGRESS_EVERY seconds, and at the end."""
    last = [time.monotonic()]

    def update(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY or (total and done >= total):
            last[0] = now
            say(f"{what}: {done}/{total or '?'} done", err=True)

    return update


def evolve_workload(tumours: int, steps: float, types: int, workers: int) -> Workload:
    """``evolve``: tumours x time steps x cell types (every tumour treated to max_time: an
    upper bound; tumours that progress or die out stop early)."""
    units = float(tumours) * math.ceil(steps) * types
    return Workload(units, EVOLVE_CEILING, units * EVOLVE_STEP_SECONDS,
                    f"{tumours:,} tumours", "tumour-steps x types",
                    "lower --tumours, or give the scenario a larger dt or a shorter max_time",
                    workers)


def simulate_workload(samples: int, max_time: float) -> Workload:
    """``simulate --engine stochastic``: two simulations (untreated, then treated) of
    ``samples`` trajectories each, over ``max_time``."""
    trajectories = 2 * samples
    seconds = trajectories * (SIMULATE_TRAJECTORY_SECONDS + max_time * SIMULATE_TIME_SECONDS)
    return Workload(trajectories * max_time, SIMULATE_CEILING, seconds,
                    f"2 x {samples:,} trajectories over {max_time:g} time units",
                    "trajectory-time units", "lower --samples or --max-time")


def screen_workload(genotypes: int, agents: int, max_size: int, workers: int) -> Workload:
    """``screen``: every genotype scored under every combination of up to ``max_size``
    agents."""
    combos = sum(math.comb(agents, k) for k in range(1, max_size + 1))
    units = genotypes * combos
    return Workload(units, SCREEN_CEILING, units * SCREEN_SCORE_SECONDS,
                    f"{genotypes:,} genotypes x {combos:,} combinations", "combination scores",
                    "give fewer --agents, a smaller --max-size, or -a for one genotype",
                    min(workers, genotypes))


def targets_workload(genotypes: int, literals: int, max_size: int, workers: int) -> Workload:
    """``targets``: sets of up to ``max_size`` candidate perturbations, per genotype (an upper
    bound: supersets of a target found are pruned)."""
    sets = sum(math.comb(literals, k) for k in range(1, max_size + 1))
    units = genotypes * sets
    return Workload(units, TARGETS_CEILING, units * TARGETS_SET_SECONDS,
                    f"{genotypes:,} genotype{'s' if genotypes > 1 else ''} x {sets:,} candidate "
                    f"sets of up to {max_size}", "candidate sets",
                    "narrow the search with --candidates or a smaller --max-size", workers)
