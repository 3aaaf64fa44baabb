"""Options that mean the same in every command: workers, seeds, bounded numbers, lists.

The shared typer option declarations (``SET_OPTION``, ``JSON_OPTION``, ...) are made when a
command module first asks for them, so the plain helpers here (:func:`node_settings`,
:func:`list_option`, ...) serve the one-shot ``predict`` path without importing typer.

Examples
--------
>>> usable_cpus() >= 1
True
>>> resolve_workers(3, jobs=1)
3
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from her2resist.cli._console import say, usage_error
from her2resist.common.assignments import parse_assignments, split_list
from her2resist.exceptions import ParameterError

#: Largest seed (MaBoSS and numpy both take 32-bit seeds).
MAX_SEED = 2**32 - 1
#: Most worker processes one command may start.
MAX_WORKERS = 256

FORMAT_HELP = "Result format: {}. Default: a table, or the suffix of -o."
OUTPUT_HELP = "Write the result to this file (format from --format or the suffix)."
JSON_HELP = "Shortcut for --format json."
SET_HELP = "Fix a model node, NODE=0|1 (repeatable or comma-separated; --fix is the same)."
WORKERS_HELP = ("Processes to use (1-256; default: the CPUs this process may use, fewer for "
                "small jobs).")
SEED_HELP = "Random seed, 0 to 2^32-1 (default: a fresh one, printed so the run can be repeated)."


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity mask, capped by a cgroup CPU quota."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    quota = _cgroup_cpus()
    return max(1, min(count, quota) if quota else count)


def _cgroup_cpus() -> int | None:
    for path, reader in ((Path("/sys/fs/cgroup/cpu.max"), _v2_quota),
                         (Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), _v1_quota)):
        try:
            value = reader(path)
        except (OSError, ValueError):
            continue
        if value:
            return value
    return None


def _v2_quota(path: Path) -> int | None:
    parts = path.read_text().split()
    if not parts or parts[0] == "max":
        return None
    period = int(parts[1]) if len(parts) > 1 else 100_000
    return max(1, math.ceil(int(parts[0]) / period))


def _v1_quota(path: Path) -> int | None:
    quota = int(path.read_text())
    period = int((path.parent / "cpu.cfs_period_us").read_text())
    return None if quota <= 0 else max(1, math.ceil(quota / period))


def resolve_workers(workers: int | None, jobs: int | None = None, per_worker: int = 1) -> int:
    """Workers given, or the default: usable CPUs, no more than ``jobs // per_worker``."""
    if workers is not None:
        return workers
    cpus = usable_cpus()
    if jobs is None:
        return cpus
    return max(1, min(cpus, jobs // max(per_worker, 1)))


def resolve_seed(seed: int | None, *, announce: bool = True) -> int:
    """The seed given, or a fresh random one, printed on standard error when fresh."""
    if seed is not None:
        return seed
    import secrets

    fresh = secrets.randbelow(2**31)
    if announce:
        say(f"Random seed {fresh} (give --seed {fresh} to repeat this run)", err=True)
    return fresh


def bounded(option: str, low: float, high: float, *, low_open: bool = False
            ) -> Callable[[float | None], float | None]:
    """A typer callback that refuses NaN, infinities and values outside [low, high] (exit 2)."""

    def check(value: float | None) -> float | None:
        if value is None:
            return value
        below = value <= low if low_open else value < low
        if not math.isfinite(value) or below or value > high:
            bracket = "(" if low_open else "["
            raise usage_error(option, f"must be a finite number in {bracket}{low:g}, {high:g}]; "
                              f"got {value!r}")
        return value

    return check


def node_settings(values: list[str] | None, option: str = "--set") -> dict[str, int]:
    """``--set``/``--fix`` values (repeatable, comma-separated) as ``{node: 0|1}``; given
    but empty (``--set ""``) is an error."""
    if values:
        list_option(values, option)
    try:
        return parse_assignments(values, option)
    except ParameterError as exc:
        raise usage_error(option, str(exc).replace(f"The {option!r} parameter of her2resist ",
                                                   "")) from None


def list_option(values: list[str] | str | None, option: str, *, required: bool = False
                ) -> list[str]:
    """A list option: repeatable, each value possibly comma-separated; never empty if given."""
    if values is None or values == []:
        if required:
            raise usage_error(option, "give at least one value")
        return []
    items = split_list(values)
    if not items:
        raise usage_error(option, f"no value given (got {values!r}); give names separated by "
                          "commas or repeat the option")
    return items


IMPLICIT_INPUTS_HELP = ("Read names that a bnet file's rules use but never define as free "
                        "inputs (default: an error listing them).")
#: The shared option declarations: name -> (default, option names, help, extra settings).
_SHARED_OPTIONS: dict[str, tuple[Any, tuple[str, ...], str, dict[str, Any]]] = {
    "SEED_OPTION": (None, ("--seed",), SEED_HELP, {"min": 0, "max": MAX_SEED}),
    "WORKERS_OPTION": (None, ("--workers",), WORKERS_HELP, {"min": 1, "max": MAX_WORKERS}),
    "SET_OPTION": (None, ("--set", "--fix"), SET_HELP, {}),
    "OUTPUT_OPTION": (None, ("--output", "-o"), OUTPUT_HELP, {"dir_okay": True}),
    "JSON_OPTION": (False, ("--json",), JSON_HELP, {}),
    "IMPLICIT_INPUTS_OPTION": (False, ("--implicit-inputs",), IMPLICIT_INPUTS_HELP, {}),
}


def __getattr__(name: str) -> Any:
    # The typer declarations, made (and kept) when a command module imports one.
    if name in _SHARED_OPTIONS:
        import typer

        default, names, help_text, extra = _SHARED_OPTIONS[name]
        option = typer.Option(default, *names, help=help_text, **extra)
        globals()[name] = option
        return option
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def format_option(*formats: str) -> Any:
    """``--format``/``-f`` offering ``formats`` (checked by :func:`plan_output`)."""
    import typer

    return typer.Option(None, "--format", "-f", help=FORMAT_HELP.format(", ".join(formats)))


def check_engine(value: str) -> str:
    """``--engine``: one of the engines this installation has (exit 2 otherwise)."""
    from her2resist.engines import ENGINE_NAMES

    if value not in ENGINE_NAMES:
        raise usage_error("--engine", f"must be one of {', '.join(ENGINE_NAMES)}; got "
                          f"{value[:80]!r}")
    return value
