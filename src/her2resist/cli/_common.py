"""Shared pieces of the command-line interface: consoles, error handling, JSON output."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from her2resist.exceptions import Her2ResistError

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

#: Exit codes: 1 for errors in what the user gave, 2 is typer's usage error, 3 for failures
#: of the package or its engines.
EXIT_INPUT = 1
EXIT_INTERNAL = 3


def show_traceback() -> bool:
    """Whether ``--traceback`` was given to the top-level command."""
    return os.environ.get("HER2RESIST_TRACEBACK") == "1"


def handle_errors(func: F) -> F:
    """Turn package errors into a one-paragraph message and a non-zero exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except Her2ResistError as exc:
            if show_traceback():
                raise
            err_console.print(f"[bold red]Error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_INPUT) from None
        except OSError as exc:
            if show_traceback():
                raise
            name = exc.filename or ""
            err_console.print(f"[bold red]Error:[/] {name}: {exc.strerror or exc}", highlight=False)
            raise typer.Exit(EXIT_INPUT) from None
        except Exception as exc:
            if show_traceback():
                raise
            err_console.print(
                f"[bold red]Internal error:[/] {type(exc).__name__}: {exc}. "
                "Run again with --traceback to see where, and report it.",
                highlight=False,
            )
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper  # type: ignore[return-value]


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON on standard output (no colour, no wrapping)."""
    sys.stdout.write(json.dumps(data, indent=2, default=_json_default) + "\n")


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serialisable")


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write a file whole or not at all: a temporary file in the same folder, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
