"""Shared pieces of the command-line interface: consoles, exit codes, error handling.

The grammar every command follows is described in the README ("Command-line grammar"); the
options it shares live in :mod:`her2resist.cli._options`, output writing in
:mod:`her2resist.cli._output`. The consoles, :func:`say`, :func:`usage_error` and the JSON
helpers live in :mod:`her2resist.cli._console` (no typer) and are re-exported here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from typer.core import TyperGroup

from her2resist.cli._console import (
    console,
    err_console,
    json_text,
    print_json,
    say,
    usage_error,
)
from her2resist.exceptions import EngineError, Her2ResistError

__all__ = ["EXIT_INPUT", "EXIT_INTERNAL", "CliState", "ExitCode", "RootGroup", "console",
           "describe", "err_console", "fail", "get_current_context", "handle_errors",
           "json_text", "print_json", "say", "show_traceback", "usage_error", "write_atomic"]


def _click_module(name: str) -> Any:
    """A module of the click that typer uses (recent typer versions vendor their own)."""
    try:
        return importlib.import_module(f"typer._click.{name}")
    except ImportError:  # pragma: no cover - typer that uses click itself
        return importlib.import_module(f"click.{name}")


get_current_context = _click_module("globals").get_current_context

F = TypeVar("F", bound=Callable[..., Any])


class ExitCode(IntEnum):
    """Exit status of every command."""

    OK = 0
    #: What the user gave is wrong: a file, a name, a value the command cannot use.
    INPUT = 1
    #: The command line itself is wrong: an unknown option, a value outside its range.
    USAGE = 2
    #: An engine or the package failed (a bug, or a solver that crashed).
    INTERNAL = 3


EXIT_INPUT = ExitCode.INPUT
EXIT_INTERNAL = ExitCode.INTERNAL

TRACEBACK_FLAG = "--traceback"


@dataclass(slots=True)
class CliState:
    """What the root command passes to every subcommand through click's context."""

    traceback: bool = False


#: click's own exception classes (typer may vendor click, so they are found through typer).
_CLICK_ERRORS: tuple[type[Exception], ...] = (
    _click_module("exceptions").ClickException, typer.Exit, typer.Abort)


class RootGroup(TyperGroup):
    """The root command: ``--traceback`` is accepted anywhere before ``--``, and every error
    of every subcommand becomes a message and an exit code here (:func:`describe`)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        end = args.index("--") if "--" in args else len(args)
        if TRACEBACK_FLAG in args[:end]:
            head = [a for a in args[:end] if a != TRACEBACK_FLAG]
            args = [TRACEBACK_FLAG, *head, *args[end:]]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _CLICK_ERRORS:
            raise
        except Exception as exc:
            state = ctx.obj if isinstance(ctx.obj, CliState) else None
            if state is not None and state.traceback:
                raise
            fail(exc)


def show_traceback() -> bool:
    """Whether ``--traceback`` was given to the command now running (from its context)."""
    ctx = get_current_context(silent=True)
    state = ctx.find_object(CliState) if ctx is not None else None
    return bool(state and state.traceback)


def handle_errors(func: F) -> F:
    """Turn a command's errors into a message and an exit code (:func:`describe`)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except _CLICK_ERRORS:
            raise
        except Exception as exc:
            if show_traceback():
                raise
            fail(exc)

    return wrapper  # type: ignore[return-value]


def fail(exc: BaseException) -> NoReturn:
    """Print the one-paragraph message for ``exc`` and exit with its code."""
    code, label, message = describe(exc)
    say((label, "bold red"), " ", message, err=True)
    raise typer.Exit(code) from None


def describe(exc: BaseException) -> tuple[ExitCode, str, str]:
    """Exit code, label and message for an error that reached the command line."""
    if isinstance(exc, EngineError):
        return ExitCode.INTERNAL, "Engine error:", f"{exc}"
    if isinstance(exc, Her2ResistError):
        return ExitCode.INPUT, "Error:", f"{exc}"
    if isinstance(exc, OSError):
        name = f"{exc.filename}: " if exc.filename else ""
        return ExitCode.INPUT, "Error:", f"{name}{exc.strerror or exc}"
    if isinstance(exc, MemoryError):
        return (ExitCode.INTERNAL, "Out of memory:",
                "the input needs more memory than this machine has; try a smaller one.")
    return (ExitCode.INTERNAL, "Internal error:",
            f"{type(exc).__name__}: {str(exc)[:300]}. This is a bug in her2resist: run the same "
            "command again with --traceback (anywhere on the line) and report what it prints.")


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write a file whole or not at all (see :func:`her2resist.cli._output.write_atomic`)."""
    from her2resist.cli._output import write_atomic as write

    write(path, text)
