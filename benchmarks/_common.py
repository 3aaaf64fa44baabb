"""What every benchmark shares: timing a whole process, medians, the machine, and the table.

Conventions (docs/benchmarks.md):

- **whole process**: a fresh interpreter per run, imports included, as a user runs the command;
  one untimed run first so that both sides find the files in the OS cache and their bytecode
  compiled (and her2resist its data cache filled, as after its first run on a machine:
  ``her2resist.common.cached``); then the median of ``repeats`` runs.
- **cold**: the first call in a process that has imported the package (nothing computed yet, so
  no result cache can answer); **warm**: the same call again in that process.
- both sides use the same number of processes (one, unless a row says otherwise) and run in the
  same benchmark run, alternating, so that load from other users of a shared machine falls on
  both.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PYTHON = sys.executable


#: Source for child processes: ``distinct_sets(ids, n)``, the first ``n`` different tumours of
#: the report benchmarks (every single alteration of ``ids``, then distinct pairs and triples
#: drawn with a fixed seed), so bench_report.py and bench_graded.py time the same tumours.
DISTINCT_SETS = """
import random as _random
def distinct_sets(ids, n):
    sets = [(a,) for a in ids]
    rng, seen = _random.Random(0), set(sets)
    while len(sets) < n:
        pick = tuple(sorted(rng.sample(ids, rng.choice([2, 3]))))
        if pick not in seen:
            seen.add(pick); sets.append(pick)
    return sets[:n]
"""


def her2resist_argv(*args: str) -> list[str]:
    """The installed ``her2resist`` console script (as a user runs it, without a shell shim),
    running this checkout's package (PYTHONPATH set by :func:`one_thread_env`)."""
    script = Path(sysconfig.get_path("scripts")) / "her2resist"
    if script.is_file():
        return [PYTHON, str(script), *args]
    return [PYTHON, "-c", "from her2resist.cli.main import main; main()", *args]


def one_thread_env() -> dict[str, str]:
    """The environment for child processes: one BLAS/OpenMP thread, this checkout's package."""
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return env


def run_process(argv: Sequence[str], *, stdin: str | None = None,
                env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall and CPU (user + system) seconds of one whole process, and its standard output;
    exits on failure.  CPU time depends less than wall time on other users' load.  ``env``
    adds variables to :func:`one_thread_env`'s."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(list(argv), input=stdin, capture_output=True, text=True,
                          env={**one_thread_env(), **(env or {})}, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed (exit {proc.returncode}): "
                         f"{' '.join(argv)}\n{proc.stderr[-2000:]}")
    return wall, cpu, proc.stdout


def time_processes(sides: dict[str, Sequence[str]], repeats: int,
                   envs: dict[str, dict[str, str]] | None = None,
                   ) -> dict[str, tuple[float, float]]:
    """Median whole-process (wall, CPU) seconds of each side, alternating sides run by run
    (see module docs); ``envs`` gives a side extra environment variables."""
    envs = envs or {}
    for name, argv in sides.items():
        # untimed: OS file cache, bytecode and her2resist's data cache, for all sides alike
        run_process(argv, env=envs.get(name))
    runs: dict[str, list[tuple[float, float, str]]] = {name: [] for name in sides}
    for _ in range(repeats):
        for name, argv in sides.items():
            runs[name].append(run_process(argv, env=envs.get(name)))
    return {name: (statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows))
            for name, rows in runs.items()}


def clock() -> tuple[float, float]:
    """(wall, CPU) seconds now; subtract two readings with :func:`since`."""
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> tuple[float, float]:
    """(wall, CPU) seconds since ``start`` (from :func:`clock`)."""
    wall, cpu = clock()
    return wall - start[0], cpu - start[1]


def median_s(func: Callable[[], object], repeats: int) -> float:
    """Median wall seconds of ``func()`` over ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def machine() -> str:
    """Date, CPU and load: what a figure was measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"{when}; {cpu}; {usable} usable CPU(s); load average {load:.1f}; "
            f"Python {platform.python_version()}")


def fmt_s(seconds: float) -> str:
    """Seconds in a readable unit."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def print_table(title: str, peer: str, rows: Sequence[tuple[str, float | None, float | None]],
                ) -> None:
    """Rows of (what, her2resist seconds, peer seconds); ratio = peer / her2resist."""
    print(f"\n{title}")
    width = max(len(r[0]) for r in rows)
    print(f"  {'':{width}}  {'her2resist':>11}  {peer:>14}  {'peer/ours':>9}")
    for what, ours, theirs in rows:
        ratio = f"{theirs / ours:8.1f}x" if ours and theirs else f"{'-':>9}"
        print(f"  {what:{width}}  {fmt_s(ours) if ours is not None else '-':>11}  "
              f"{fmt_s(theirs) if theirs is not None else '-':>14}  {ratio}")


def header(name: str) -> None:
    """The benchmark's name and the machine, first line of every output."""
    print(f"{name} -- {machine()}")
    print("(Wall times depend on the load from other users of this CPU: both sides of a "
          "comparison run alternately in the same run; CPU times are printed where it helps.)")
