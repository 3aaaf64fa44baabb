"""The ``her2resist`` console script: :func:`main`.

:func:`main` runs a plain one-shot ``her2resist predict`` without loading typer
(:mod:`her2resist.cli._fast`: about a fifth of the command's start-up), and every other command
line through the typer application of :mod:`her2resist.cli.app`, whose names (``app``,
``COMMANDS``, ...) this module also gives, importing that application when one is asked for.
"""

from __future__ import annotations

from typing import Any


def main() -> None:
    """Entry point of the console script (commands load when they run).

    The package's own warnings reach the user as one plain line each (``Warning: ...``),
    never as Python's ``file:line: Category`` display with a source line.
    """
    import sys
    import warnings

    from her2resist.exceptions import Her2ResistWarning

    default = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: Any = None, line: str | None = None) -> None:
        if issubclass(category, Her2ResistWarning):
            (file or sys.stderr).write(f"Warning: {message}\n")
        else:
            default(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    from her2resist.cli._fast import run_plain_predict

    if run_plain_predict(sys.argv[1:]):
        return
    from her2resist.cli.app import app

    app()


def __getattr__(name: str) -> Any:
    # The typer application and its helpers live in cli/app.py, imported when asked for.
    if name.startswith("__"):
        raise AttributeError(name)
    from her2resist.cli import app

    try:
        return getattr(app, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
