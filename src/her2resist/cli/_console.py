"""The command line's consoles and its plain helpers, without typer.

What every command prints through (the two Rich consoles, :func:`say`, JSON text) and the usage
error it raises, in a module that does not import typer: the one-shot ``predict`` path
(:mod:`her2resist.cli._fast`) prints through it without loading typer, and
:mod:`her2resist.cli._common` re-exports it for the commands.  The consoles (and Rich) are made
when first used: a one-shot ``predict`` that prints its table to a file or a pipe
(:mod:`her2resist.cli._plain_table`) or JSON never imports Rich.

User text (names, paths, sample ids, scenario names) is always printed as text: the consoles
never interpret Rich markup or ``:emoji:`` codes, so ``[/x]`` in a drug name prints as ``[/x]``
instead of crashing, and styled words are built as :class:`rich.text.Text`.

Examples
--------
>>> json_text({"b": {1, 2}})
'{\\n  "b": [\\n    1,\\n    2\\n  ]\\n}\\n'
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer
    from rich.console import Console

    console: Console
    err_console: Console


def __getattr__(name: str) -> Any:
    # ``console`` and ``err_console``, made (and Rich imported) on first use
    if name not in ("console", "err_console"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _made(name)


def _made(name: str) -> Console:
    found = globals().get(name)
    if found is None:
        from rich.console import Console

        found = Console(stderr=name == "err_console", markup=False, emoji=False,
                        highlight=False)
        globals()[name] = found
    return found


def stdout() -> Any:
    """The file ``console`` prints to (``console.file``), without making it when Rich need
    not be imported."""
    out = getattr(sys.stdout, "rich_proxied_file", sys.stdout)
    return _made("console").file if out is None or "console" in globals() else out


def say(*parts: str | tuple[str, str], err: bool = False, end: str = "\n") -> None:
    """Print text, some parts styled (``(text, style)``); nothing is read as markup."""
    from rich.text import Text

    out = _made("err_console" if err else "console")
    out.print(Text.assemble(*parts), soft_wrap=True, end=end)


def usage_error(option: str, message: str) -> typer.BadParameter:
    """An error in the command line itself (exit 2), naming the option (typer is imported
    only when there is one to raise)."""
    import typer

    return typer.BadParameter(message, param_hint=f"'{option}'")


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON on standard output (no colour, no wrapping)."""
    sys.stdout.write(json_text(data))


def json_text(data: Any) -> str:
    """``data`` as indented JSON text (numpy numbers, sets and paths converted)."""
    import json

    return json.dumps(data, indent=2, default=_json_default) + "\n"


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serialisable")
