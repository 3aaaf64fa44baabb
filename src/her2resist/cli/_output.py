"""Where a command's result goes: ``--format``, ``--json``, ``-o PATH``, checked before any
computation, written whole or not at all.

Every command that produces a result calls :func:`plan_output` (and :func:`check_writable`
for its extra outputs) first: a wrong format or an output folder that cannot be written is
refused before minutes of computation. It then computes, stages every file it writes beside
its target, and renames them all together once the whole command has succeeded
(:class:`~her2resist.common.outputs.StagedOutputs`, through :func:`deliver`): a figure that
fails to render leaves neither the table nor the summary behind, and the old outputs stay.

Examples
--------
>>> plan = plan_output(None, False, Path("out.csv"), ("table", "json", "csv"))
>>> plan.fmt, plan.path
('csv', PosixPath('out.csv'))
>>> csv_cell("=HYPERLINK(1)")
"'=HYPERLINK(1)"
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from her2resist.cli._console import usage_error
from her2resist.common.outputs import StagedOutputs, current_umask, write_all, write_atomic

__all__ = ["FORMATS", "OutputPlan", "StagedOutputs", "check_distinct", "check_writable",
           "csv_cell", "csv_text", "current_umask", "deliver", "plan_output", "rows_csv",
           "write_all", "write_atomic"]

#: Every result format a command may offer; each command accepts a subset.
FORMATS = ("table", "json", "csv", "html", "png")
#: Older spellings still accepted.
ALIASES = {"text": "table"}
#: The format a suffix of ``-o`` stands for when ``--format`` is not given.
SUFFIXES = {".json": "json", ".csv": "csv", ".html": "html", ".htm": "html", ".png": "png",
            ".txt": "table", ".text": "table"}
#: Formats that cannot go to a terminal.
BINARY = frozenset({"png"})


@dataclass(frozen=True, slots=True)
class OutputPlan:
    """The format of a command's result and the file it goes to (None: standard output)."""

    fmt: str
    path: Path | None


def plan_output(fmt: str | None, as_json: bool, output: Path | None,
                allowed: Sequence[str]) -> OutputPlan:
    """Decide and check where the result goes, before anything is computed.

    ``--format`` wins; ``--json`` is ``--format json``; otherwise the suffix of ``-o``;
    otherwise a table on the terminal. Errors are usage errors (exit 2).
    """
    name = ALIASES.get(fmt, fmt) if fmt is not None else None
    if name is not None and as_json and name != "json":
        raise usage_error("--json", f"--json asks for JSON but --format asks for {fmt}; give one")
    if name is None:
        if as_json:
            name = "json"
        elif output is not None:
            name = SUFFIXES.get(output.suffix.lower())
            if name is None:
                raise usage_error("--output", f"cannot tell the format of {output.name!r} from "
                                  f"its suffix; give --format ({', '.join(allowed)}) or a "
                                  f"suffix {', '.join(_suffixes(allowed))}")
        else:
            name = "table"
    if name not in allowed:
        raise usage_error("--format", f"{name!r} is not a format of this command; accepted: "
                          f"{', '.join(allowed)}")
    if name in BINARY and output is None:
        raise usage_error("--output", f"--format {name} needs -o PATH (it is not text)")
    if output is not None:
        check_writable(output, "--output")
    return OutputPlan(name, output)


def check_distinct(*outputs: tuple[str, Path | None]) -> None:
    """Refuse (exit 2) one path given to two output options, before any computation.

    Examples
    --------
    >>> check_distinct(("--output", Path("a.csv")), ("--table", None))
    """
    seen: dict[Path, str] = {}
    for option, path in outputs:
        if path is None:
            continue
        key = Path(os.path.abspath(path))
        if key in seen:
            raise usage_error(option, f"{path} is also given to {seen[key]}; give each output "
                              "its own file")
        seen[key] = option


def _suffixes(allowed: Sequence[str]) -> list[str]:
    return [s for s, f in SUFFIXES.items() if f in allowed]


def check_writable(path: Path, option: str, suffixes: Sequence[str] | None = None) -> None:
    """Refuse (exit 2) an output path that cannot be written, before any computation."""
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise usage_error(option, f"{path.name!r} has no accepted suffix; accepted: "
                          f"{', '.join(suffixes)}")
    if path.is_dir():
        raise usage_error(option, f"{path} is a folder; give a file name")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise usage_error(option, f"{folder} is a file, so {path} cannot be created")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise usage_error(option, f"cannot write in the folder {folder}")


#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, quoted with a leading ``'``.

    Numbers (``-1.5``) and a lone ``-`` are left alone.

    Examples
    --------
    >>> csv_cell("-0.5"), csv_cell("-"), csv_cell("@SUM(A1)")
    ('-0.5', '-', "'@SUM(A1)")
    """
    if not isinstance(value, str) or len(value) < 2 or not value.startswith(FORMULA_START):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value


def csv_text(table: Any, *, index: bool = False) -> str:
    """A DataFrame as CSV text, its text cells neutralised (:func:`csv_cell`)."""
    safe = table.copy()
    for column in safe.columns:
        if safe[column].dtype == object:
            safe[column] = safe[column].map(csv_cell)
    if index and safe.index.dtype == object:
        safe.index = safe.index.map(csv_cell)
    buffer = io.StringIO()
    safe.to_csv(buffer, index=index)
    return buffer.getvalue()


def rows_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """CSV text of plain rows, text cells neutralised (:func:`csv_cell`)."""
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def deliver(plan: OutputPlan, render: dict[str, Any], printer: Any,
            staged: StagedOutputs | None = None) -> None:
    """Print or write the result in the planned format, with the command's other outputs.

    ``render`` maps formats to functions that return the file's text or bytes; ``printer``
    prints the terminal table (for ``table`` to a file its output is captured as plain text).
    ``staged`` holds the command's other files (figures, tables), already staged: the result
    file joins them and they are all renamed into place together, before anything is printed
    to the terminal; any failure leaves none of them (and the old files) behind.
    """
    from her2resist.cli import _console

    outputs = staged if staged is not None else StagedOutputs()
    try:
        data: str | bytes | None = None
        if plan.fmt == "table" and plan.path is not None:
            from rich.text import Text

            with _console.console.capture() as captured:
                printer()
            data = Text.from_ansi(captured.get()).plain
        elif plan.fmt != "table":
            data = render[plan.fmt]()
        if plan.path is not None and data is not None:
            outputs.add(plan.path, data)
        written = outputs.commit()
    except BaseException:
        outputs.discard()
        raise
    if plan.path is None:
        if data is None:
            printer()
        else:
            out = _console.stdout()
            out.write(data if isinstance(data, str) else data.decode())
            out.flush()
    for path in written:
        _console.say(f"Wrote {path}", err=True)
