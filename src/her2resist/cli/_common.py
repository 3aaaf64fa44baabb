"""Shared pieces of the command-line interface: consoles, exit codes, error handling.

The grammar every command follows is described in the README ("Command-line grammar"); the
options it shares live in :mod:`her2resist.cli._options`, output writing in
:mod:`her2resist.cli._output`.

User text (names, paths, sample ids, scenario names) is always printed as text: the consoles
below never interpret Rich markup or ``:emoji:`` codes, so ``[/x]`` in a drug name prints as
``[/x]`` instead of crashing, and styled words are built as :class:`rich.text.Text`.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

from her2resist.exceptions import EngineError, Her2ResistError


def _click_module(name: str) -> Any:
    """A module of the click that typer uses (recent typer versions vendor their own)."""
    try:
        return importlib.import_module(f"typer._click.{name}")
    except ImportError:  # pragma: no cover - typer that uses click itself
        return importlib.import_module(f"click.{name}")


get_current_context = _click_module("globals").get_current_context

console = Console(markup=False, emoji=False, highlight=False)
err_console = Console(stderr=True, markup=False, emoji=False, highlight=False)

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


def say(*parts: str | tuple[str, str], err: bool = False, end: str = "\n") -> None:
    """Print text, some parts styled (``(text, style)``); nothing is read as markup."""
    (err_console if err else console).print(Text.assemble(*parts), soft_wrap=True, end=end)


def usage_error(option: str, message: str) -> typer.BadParameter:
    """An error in the command line itself (exit 2), naming the option."""
    return typer.BadParameter(message, param_hint=f"'{option}'")


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


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON on standard output (no colour, no wrapping)."""
    sys.stdout.write(json_text(data))


def json_text(data: Any) -> str:
    """``data`` as indented JSON text (numpy numbers, sets and paths converted)."""
    return json.dumps(data, indent=2, default=_json_default) + "\n"


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serialisable")


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write a file whole or not at all (see :func:`her2resist.cli._output.write_atomic`)."""
    from her2resist.cli._output import write_atomic as write

    write(path, text)
