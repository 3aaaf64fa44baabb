"""A table printed to a non-terminal as Rich prints it, without importing Rich.

Rich's import (``rich.console``, its themes, styles and text) and its layout machinery cost a
one-shot ``her2resist predict`` more than a tenth of its time, while what it prints to a file
or a pipe is plain text: no colour, and the layout of :class:`rich.table.Table` with its
defaults (heavy-headed box, one space of padding, columns wrapped at spaces, a word too long
for its column cut with ``…``, the title centred above). :func:`table_text` lays a table out
by the same rules (Rich's column measurement, ``_collapse_widths`` and ``ratio_reduce``,
``divide_line``, the left and centre justification), for the cases it can do exactly, and
:func:`plain_width` says when Rich would print plain text and at which width (Rich's
``Console`` rules: not a terminal, no ``FORCE_COLOR``/``TTY_COMPATIBLE``, not Jupyter, the
width from ``COLUMNS`` or the first of stdin/stdout/stderr that is a terminal, else 80).  Either
returns None where Rich must print (a Rich release other than the one followed, a terminal,
Windows, a stream that is not UTF-8, text that is not printable ASCII, a column narrower than
its padding, a title empty or wider than the table), so the caller falls back on Rich and the
bytes are Rich's in every case.  ``tests/test_cli_plain_table.py`` checks the text against
Rich's own on random tables and widths.

Examples
--------
>>> print(table_text("Two columns", ("a", "b"), [("1", "x y")], 80), end="")
Two columns
┏━━━┳━━━━━┓
┃ a ┃ b   ┃
┡━━━╇━━━━━┩
│ 1 │ x y │
└───┴─────┘
>>> print(table_text("Narrowest", ("a",), [("one two three",)], 9), end="")
Narrowest
┏━━━━━━━┓
┃ a     ┃
┡━━━━━━━┩
│ one   │
│ two   │
│ three │
└───────┘
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from itertools import pairwise

#: rich.box.HEAVY_HEAD, the default box of rich.table.Table.
_TOP, _HEAD_ROW, _BOTTOM = "┏━┳┓", "┡━╇┩", "└─┴┘"
_HEAD, _CELL = "┃┃┃", "│││"  # left, divider, right
_WORD = re.compile(r"\s*\S+\s*")


#: The Rich release series whose layout and console rules this module follows (checked against
#: Rich's own output by the tests); with any other installed, Rich prints.
RICH_SERIES = "15."


def plain_width() -> int | None:
    """The width at which Rich's ``Console()`` prints to standard output when that prints
    plain text (not a terminal); None when Rich must print (see module docs)."""
    import builtins

    from her2resist.common.distributions import installed_version

    if os.name != "posix" or hasattr(builtins, "get_ipython"):
        return None
    if not (installed_version("rich") or "").startswith(RICH_SERIES):
        return None
    out = sys.stdout
    if out is None or hasattr(out, "rich_proxied_file"):
        return None
    if not (getattr(out, "encoding", "utf-8") or "utf-8").lower().startswith("utf"):
        return None
    if (getattr(sys.stdin, "__module__", "") or "").startswith("idlelib"):
        return None
    environ = os.environ
    compatible = environ.get("TTY_COMPATIBLE", "")
    force = environ.get("FORCE_COLOR")
    if compatible == "1" or (compatible != "0" and force is not None and force != ""):
        return None
    if compatible != "0" and force is None:
        isatty = getattr(out, "isatty", None)
        try:
            if isatty is not None and isatty():
                return None
        except ValueError:
            pass
    columns = environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns)
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd)[0]
        except (AttributeError, ValueError, OSError):
            continue
        return width or 80
    return 80


def _plain(text: str) -> bool:
    return text.isascii() and text.isprintable()


def _get(low: int, high: int, width: int) -> tuple[int, int]:
    """rich.measure.Measurement.get's normalising of a measurement at ``width``."""
    low = min(max(0, low), high)
    low, high = max(0, low), max(0, low, high)
    low, high = min(low, width), min(high, width)
    if high < 1:
        return 0, 0
    low = min(max(0, low), high)
    return max(0, low), max(0, low, high)


def _measure_cell(text: str, width: int) -> tuple[int, int]:
    """Measurement.get of a cell (the text in one space of padding each side)."""
    if width < 1:
        return 0, 0
    if width - 2 < 1:
        low, high = width, width
    else:
        words = text.split()
        high = len(text)
        low, high = _get(max(map(len, words)) if words else high, high, width)
        low, high = min(low + 2, width), min(high + 2, width)
    return _get(low, high, width)


def _measure_column(cells: Sequence[str], width: int) -> tuple[int, int]:
    if width < 1:
        return 0, 0
    ranges = [_measure_cell(text, width) for text in cells]
    return (min(max(r[0] for r in ranges), width), min(max(r[1] for r in ranges), width))


def _ratio_reduce(total: int, ratios: list[int], maximums: list[int],
                  values: list[int]) -> list[int]:
    """rich._ratio.ratio_reduce."""
    ratios = [ratio if most else 0 for ratio, most in zip(ratios, maximums, strict=True)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining = total
    result = []
    for ratio, most, value in zip(ratios, maximums, values, strict=True):
        if ratio and total_ratio > 0:
            distributed = min(most, round(ratio * remaining / total_ratio))
            result.append(value - distributed)
            remaining -= distributed
            total_ratio -= ratio
        else:
            result.append(value)
    return result


def _collapse(widths: list[int], width: int) -> list[int]:
    """rich.table.Table._collapse_widths, every column wrappable."""
    total = sum(widths)
    excess = total - width
    while total and excess > 0:
        widest = max(widths)
        second = max(w if w != widest else 0 for w in widths)
        difference = widest - second
        ratios = [1 if w == widest else 0 for w in widths]
        if not any(ratios) or not difference:
            break
        widths = _ratio_reduce(excess, ratios, [min(excess, difference)] * len(widths), widths)
        total = sum(widths)
        excess = total - width
    return widths


def _column_widths(columns: list[list[str]], width: int) -> list[int]:
    """rich.table.Table._calculate_column_widths (not expanded, no fixed widths)."""
    widths = [_measure_column(cells, width)[1] or 1 for cells in columns]
    if sum(widths) > width:
        widths = _collapse(widths, width)
        if sum(widths) > width:
            widths = _ratio_reduce(sum(widths) - width, [1] * len(widths), widths, widths)
        widths = [_measure_column(cells, w)[1] or 0
                  for cells, w in zip(columns, widths, strict=True)]
    return widths


def _break_offsets(text: str, width: int) -> list[int]:
    """rich._wrap.divide_line without folding (overflow "ellipsis")."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group(0)
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            if start:
                breaks.append(start)
            offset = len(word)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    return breaks


def _cell_lines(text: str, width: int) -> list[str]:
    """A cell's lines at column ``width`` (padding included): wrapped, cut with ``…``,
    left-justified (rich.text.Text.wrap with justify "left", overflow "ellipsis")."""
    inner = width - 2
    cuts = [0, *_break_offsets(text, inner), len(text)]
    lines = []
    for start, end in pairwise(cuts):
        line = text[start:end]
        if len(line) > inner:  # spaces past the width dropped (Text.rstrip_end)
            line = line[:len(line) - min(len(line) - len(line.rstrip()), len(line) - inner)]
        if len(line) > inner:
            line = line[:inner - 1] + "…"
        lines.append(f" {line.ljust(inner)} ")
    return lines


def _row(texts: Sequence[str], widths: list[int], bottom: bool, box: str) -> list[str]:
    """One row's lines; short cells padded below (``bottom``: above, as a header)."""
    cells = [_cell_lines(text, width) for text, width in zip(texts, widths, strict=True)]
    height = max(len(c) for c in cells)
    shaped = []
    for lines, width in zip(cells, widths, strict=True):
        blank = [" " * width] * (height - len(lines))
        shaped.append(blank + lines if bottom else lines + blank)
    return [box[0] + box[1].join(parts) + box[2] for parts in zip(*shaped, strict=True)]


def table_text(title: str, header: Sequence[str], rows: Sequence[Sequence[str]],
               width: int) -> str | None:
    """What ``Console(width=width).print(Table(*header, title=title))`` with ``rows`` added
    prints to a non-terminal (UTF-8), or None where this cannot say (see module docs)."""
    texts = [title, *header, *(cell for row in rows for cell in row)]
    if not all(map(_plain, texts)) or any(len(row) != len(header) for row in rows):
        return None
    extra = 2 + len(header) - 1
    columns = [[head, *(row[i] for row in rows)] for i, head in enumerate(header)]
    widths = _column_widths(columns, width - extra)
    table_width = sum(widths) + extra
    if min(widths) < 3 or not title or len(title) > table_width or title != title.strip():
        return None
    left = (table_width - len(title)) // 2
    lines = [" " * left + title + " " * (table_width - len(title) - left)]
    top, cross_row, bottom = (
        box[0] + box[2].join(box[1] * w for w in widths) + box[3]
        for box in (_TOP, _HEAD_ROW, _BOTTOM))
    lines.append(top)
    lines += _row(header, widths, True, _HEAD)
    lines.append(cross_row)
    for row in rows:
        lines += _row(row, widths, False, _CELL)
    lines.append(bottom)
    return "".join(line + "\n" for line in lines)
